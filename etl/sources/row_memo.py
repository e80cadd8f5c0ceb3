"""A row check worked out once per distinct combination of the cells it reads, with the skips and errors it
reports replayed for every row (with that row's line), so the problem report is exactly the row-by-row one;
and many rows' skips recorded at once (``skip_rows``).

A file repeats each area (level, code, name) on many rows; checking the combination once spares a Python
call chain per row without changing what is reported, or in which order.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from etl.errors import SKIPPED_LINES_SHOWN, ProblemCollector


class RowMemo:
    """``check(cells, problems, line)`` remembered per tuple of the cells at ``where`` (which must be every
    cell it reads); it may report only ``skip(reason, line)`` and ``error(message, row=line, ...)``."""

    def __init__(self, check: Callable[[Any, Any, int], Any], where: list[int]):
        self.check, self.where = check, list(where)
        self.seen: dict[tuple, tuple] = {}

    def __call__(self, cells, problems: ProblemCollector, line: int):
        key = tuple(cells[i] for i in self.where)
        if (hit := self.seen.get(key)) is None:
            record = _Recorder()
            hit = self.seen[key] = (self.check(cells, record, 0), record.calls)
        result, calls = hit
        for what, message, kwargs in calls:
            if what == "skip":
                problems.skip(message, line)
            else:
                problems.error(message, row=line, **kwargs)
        return result


class _Recorder:
    """Stands in for a ProblemCollector: notes the skips and errors reported to it."""

    def __init__(self):
        self.calls: list[tuple[str, str, dict]] = []

    def skip(self, reason: str, line: int) -> None:
        self.calls.append(("skip", reason, {}))

    def error(self, message: str, row: int | None = None, **kwargs) -> None:
        self.calls.append(("error", message, kwargs))


def skip_rows(problems: ProblemCollector, reasons: list[str], which, lines) -> None:
    """``problems.skip(reasons[which[k]], lines[k])`` for every k in order, as a row reader calls it, without a
    call per row: a column-wise reader skips thousands of rows (cross-tabulations) for a few reasons. Each
    reason, in order of first appearance, gets its first lines by ``skip`` (all the report shows) and the rest
    of its rows added to its count."""
    which, lines = np.asarray(which, dtype=np.int64), np.asarray(lines, dtype=np.int64)
    if not len(which):
        return
    ids, first = np.unique(which, return_index=True)
    if len(ids) > 64:  # (many reasons: one pass is cheaper than a mask per reason)
        for k, line in zip(which.tolist(), lines.tolist()):
            problems.skip(reasons[k], line)
        return
    for reason_id in ids[np.argsort(first)].tolist():
        rows = lines[which == reason_id]
        shown = rows[: SKIPPED_LINES_SHOWN + 1].tolist()
        for line in shown:
            problems.skip(reasons[reason_id], line)
        problems.skipped_counts[reasons[reason_id]] += len(rows) - len(shown)
