"""The files a raw folder offers, found without trusting the folder.

Every regular file under ``--raw`` (sub-folders too) is an extract, except hidden files and the
documentation and companions in ``IGNORED_PATTERNS``. Everything else is reported, never silently
skipped and never opened: a link whose target lies outside the folder (it could name any file on the
machine, so it is refused unread and its content never reaches a report), a link that points nowhere
or round in a loop, a FIFO, socket or device (reading a FIFO would block the build for ever), and a
folder that cannot be listed. A link to a file inside the folder is read as that file; a link to a
folder inside it is not followed (its files are read where they are).
"""
from __future__ import annotations

import fnmatch
import os
import stat
from pathlib import Path

from etl.errors import CONTROL_CHARACTERS, Problem

DEMO_MARKER = "PDP-DEMO-DATA.txt"  # a raw folder holding this file is a synthetic demo pack
# Files under data/raw that are documentation or companions, not extracts.
IGNORED_PATTERNS = (".*", "*.md", "README*", "PROVENANCE*", "*.metadata.json", "*.meta.json",
                    "fetch-manifest.json", "fetch-state.json", "*.period.txt")
NOT_REGULAR = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def is_ignored(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED_PATTERNS)


def list_extracts(raw_dir: Path, skip_names: tuple[str, ...] = ()) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """(path to read, name to show) of every extract under ``raw_dir`` in a stable order, and the
    problems with the entries that cannot be read safely."""
    raw_dir = Path(raw_dir)
    root = raw_dir.resolve()
    found: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    folders = [raw_dir]
    while folders:
        folder = folders.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(_problem(raw_dir, folder, f"the folder cannot be listed ({exc.strerror})"))
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or entry.name in skip_names:
                continue
            if CONTROL_CHARACTERS.search(entry.name):
                problems.append(_problem(raw_dir, path, "a name with control or invisible characters: not read",
                                         expected="a plain file name (rename it)"))
                continue
            if entry.is_symlink():
                target, problem = _link_target(raw_dir, root, path)
                if problem is not None:
                    problems.append(problem)
                    continue
            else:
                target = path
            try:
                mode = target.stat().st_mode
            except OSError as exc:
                problems.append(_problem(raw_dir, path, f"the file cannot be read ({exc.strerror})"))
                continue
            if stat.S_ISDIR(mode):
                if target is path:
                    subfolders.append(path)
                else:
                    problems.append(_problem(raw_dir, path, "a link to a folder inside the raw folder is not "
                                                            "followed (its files are read where they are)",
                                             severity="warning"))
                continue
            if is_ignored(entry.name):
                continue
            kind = next((what for test, what in NOT_REGULAR if test(mode)), None)
            if kind is not None:
                problems.append(_problem(raw_dir, path, f"not a regular file but {kind}; it was not read",
                                         expected="a downloaded extract (a regular file)"))
                continue
            found.append((target, str(path.relative_to(raw_dir))))
        folders.extend(reversed(subfolders))
    return sorted(found, key=lambda item: Path(item[1]).parts), problems


def _link_target(raw_dir: Path, root: Path, link: Path) -> tuple[Path | None, Problem | None]:
    """The resolved target of a symbolic link, or the problem that makes it unusable."""
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return None, _problem(raw_dir, link, "a link that points to nothing (its target does not exist)",
                              expected="a link to a file in the raw folder, or the file itself")
    except (RuntimeError, OSError) as exc:  # a loop: RuntimeError up to Python 3.12, OSError (ELOOP) after
        return None, _problem(raw_dir, link, f"a link that cannot be followed ({_reason(exc)})",
                              expected="a link to a file in the raw folder, or the file itself")
    if not target.is_relative_to(root):
        return None, _problem(raw_dir, link, "a link to a file outside the raw folder: refused, not read",
                              expected="the extract copied into the raw folder")
    return target, None


def _reason(exc: Exception) -> str:
    return "a symbolic link loop" if isinstance(exc, RuntimeError) or "loop" in str(exc).lower() else \
        getattr(exc, "strerror", None) or type(exc).__name__


def _problem(raw_dir: Path, path: Path, message: str, *, expected: str | None = None,
             severity: str = "error") -> Problem:
    name = str(path.relative_to(raw_dir)) if path != raw_dir else str(raw_dir)
    return Problem(file=name, message=message, expected=expected, severity=severity)
