"""indicators.parquet written on a second thread while the build still checks and describes the table.

At national scale writing the table (Arrow conversion, dictionary encoding, zstd) is ~2 s, and the checks,
groups, QA and report that follow it in a build need about as long: pyarrow lets go of the GIL while it
converts and writes, so on a second core the two overlap. The file goes into the release's temporary
folder (``releases/.tmp-*``, as ``etl.release.write_release`` makes it), which ``write_release`` then
finishes and moves into place; a build that stops first removes it. With one core (or ``THREADED =
False``) nothing is staged and ``write_release`` writes the table itself: the bytes are the same.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from config import RELEASES_SUBDIR

THREADED: bool | None = None  # None: when the process may use more than one core


def cores() -> int:
    """The cores this process may run on (its affinity where the system says)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class StagedTable:
    """The indicators table of a build being written ahead of its release (see the module's docstring)."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.table: pd.DataFrame | None = None
        self.folder: Path | None = None  # the release's temporary folder, once writing has started
        self._pool: ThreadPoolExecutor | None = None
        self._future: Future | None = None
        self._made: list[Path] = []  # folders made for the staged file (removed again if the build stops)

    def start(self, table: pd.DataFrame) -> None:
        """Begin writing ``table`` (the finished indicators table) on a second thread, where one may run."""
        from etl.release import INDICATORS_FILE, write_indicators

        if self._future is not None or not (THREADED if THREADED is not None else cores() > 1):
            return
        root = self.out_dir / RELEASES_SUBDIR
        self._made = [p for p in (root, *root.parents) if not p.exists()][::-1]
        root.mkdir(parents=True, exist_ok=True)
        self.table = table
        self.folder = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="etl-write")
        self._future = self._pool.submit(write_indicators, table, self.folder / INDICATORS_FILE)

    def finish(self) -> None:
        """Wait for the file (raising what writing it raised)."""
        if self._future is not None:
            self._future.result()

    def close(self) -> None:
        """Wait for the thread and remove the folder unless ``write_release`` has moved it into place."""
        if self._future is not None:
            self._future.exception()  # (waits; an error was raised by ``finish`` or does not matter now)
            self._pool.shutdown()
        if self.folder is not None and self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)
            for made in reversed(self._made):  # (innermost first; only while empty)
                try:
                    made.rmdir()
                except OSError:
                    break
