"""The ETL's small exception hierarchy and the problem records a build collects.

Every expected failure (bad file, failed check) is an ``EtlError`` whose message names the
file and, where it applies, the row, column, what was expected and what was found, so the
CLI can print it without a traceback.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# C0 and C1 control characters (NUL, escape, line breaks ...) and the invisible characters that reorder
# or hide text (bidirectional overrides, zero-width spaces): never part of a real name, and a way to
# forge what a report or a terminal shows.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` with any control or invisible character written as an escape (a report cannot be forged)."""
    return CONTROL_CHARACTERS.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, located as precisely as we can."""

    file: str
    message: str
    row: int | None = None  # 1-based line number in the file as a user sees it in an editor
    column: str | None = None
    expected: str | None = None
    found: str | None = None
    severity: str = "error"  # "error" fails the build, "warning" is reported only

    def __str__(self) -> str:
        where = f"'{printable(self.file)}'"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f" column {printable(self.column)}"
        text = f"{where}: {printable(self.message)}"
        if self.expected is not None:
            text += f"; expected {printable(self.expected)}"
        if self.found is not None:
            text += f", found {printable(repr(self.found))}"
        return text


class EtlError(Exception):
    """Base class of every expected ETL failure (printed without a traceback)."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(file="-", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SourceFormatError(EtlError):
    """A raw file is unrecognised, unreadable or not in the layout its header promises."""


class ValidationError(EtlError):
    """A parsed table breaks the tidy-table contract or a domain rule."""


class ReleaseError(EtlError):
    """A release folder or manifest cannot be read, written or switched."""


def format_error(path: Path | str, message: str, *, row: int | None = None, column: str | None = None,
                 expected: str | None = None, found: object = None) -> SourceFormatError:
    """Shorthand for raising a one-problem ``SourceFormatError`` about ``path`` (as the user should see it)."""
    return SourceFormatError(Problem(file=str(path) if path else "-", message=message, row=row,
                                     column=column, expected=expected,
                                     found=None if found is None else str(found)))


@dataclass
class ProblemLog:
    """Collects every problem of a run so one report lists them all."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


MAX_PROBLEMS = 50  # per file: enough to see the pattern, few enough to read; parsers stop reading there
SKIPPED_LINES_SHOWN = 10  # a warning about skipped rows lists this many of their lines


@dataclass
class ProblemCollector:
    """One file's problems while it is parsed: errors (capped at ``MAX_PROBLEMS``), warnings and rows
    skipped on purpose (grouped by reason), raised together so one report lists them all.

    Once ``full``, a parser stops reading: a junk file costs the same as its first problems, and the
    report says that the rest of the file was not checked.
    """

    file: str
    errors: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)  # reason -> first file lines
    skipped_counts: dict[str, int] = field(default_factory=dict)  # reason -> rows
    stopped_at: int | None = None  # the file line where reading stopped once the cap was reached

    def error(self, message: str, row: int | None = None, column: str | None = None,
              expected: str | None = None, found: object = None) -> None:
        if len(self.errors) < MAX_PROBLEMS:
            self.errors.append(Problem(file=self.file, message=message, row=row, column=column,
                                       expected=expected, found=None if found is None else str(found)))

    def warn(self, message: str, row: int | None = None, column: str | None = None, found: object = None,
             expected: str | None = None) -> None:
        self.notes.append(Problem(file=self.file, message=message, row=row, column=column, expected=expected,
                                  found=None if found is None else str(found), severity="warning"))

    def skip(self, reason: str, line: int) -> None:
        lines = self.skipped.setdefault(reason, [])
        if len(lines) < SKIPPED_LINES_SHOWN + 1:
            lines.append(line)
        self.skipped_counts[reason] = self.skipped_counts.get(reason, 0) + 1

    @property
    def full(self) -> bool:
        """True once the cap is reached: the caller should stop reading (and say where, with ``stop``)."""
        return len(self.errors) >= MAX_PROBLEMS

    def stop(self, line: int | None) -> None:
        self.stopped_at = line

    def until_full(self, rows: Iterable[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
        """``(line, cells)`` rows until the cap is reached; reading stops there and the report says so."""
        errors = self.errors  # (``full``, without a property call per row)
        for row in rows:
            if len(errors) >= MAX_PROBLEMS:
                self.stop(row[0])
                return
            yield row

    def table_rows(self, rows: Iterable[tuple[int, Any]], width: int) -> Iterator[tuple[int, Any]]:
        """``until_full``'s rows of a table ``width`` cells wide: blank lines passed over, rows of another
        width reported (a truncated or joined line) and left out."""
        for line, cells in self.until_full(rows):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != width:
                self.error("a row with the wrong number of cells", row=line, expected=f"{width} cells",
                           found=f"{len(cells)} cells")
                continue
            yield line, cells

    @property
    def warnings(self) -> list[Problem]:
        out = list(self.notes)
        for reason, lines in self.skipped.items():
            count = self.skipped_counts[reason]
            shown = ", ".join(str(n) for n in lines[:SKIPPED_LINES_SHOWN]) + (
                ", ..." if count > SKIPPED_LINES_SHOWN else "")
            out.append(Problem(file=self.file, message=f"skipped {count} row(s): {reason} (lines {shown})",
                               severity="warning"))
        return out

    def raise_if_any(self) -> None:
        if self.errors:
            raise SourceFormatError(self.errors + self._stopped())

    def _stopped(self) -> list[Problem]:
        if self.stopped_at is None:
            return []
        return [Problem(file=self.file, row=self.stopped_at,
                        message=f"reading stopped here after {MAX_PROBLEMS} problems: the rest of the file was "
                                "not checked", expected="the problems above fixed (is this the right file?)")]
