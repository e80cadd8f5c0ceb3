"""A row check worked out once per distinct combination of the cells it reads, with the skips and errors it
reports replayed for every row (with that row's line), so the problem report is exactly the row-by-row one.

A file repeats each area (level, code, name) on many rows; checking the combination once spares a Python
call chain per row without changing what is reported, or in which order.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from etl.errors import ProblemCollector


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
