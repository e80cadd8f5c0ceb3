"""The open API's row queries answered from a release's indexed, memory-mapped table.

Why: the API used to sort and filter a pandas copy of the whole release in every worker (millions of rows
on the all-England release). Here a query narrows the index (one row range per indicator, breakdown and
area), bounds each range by date with a binary search (rows of a range are in date order), counts, and
reads only the rows of the page asked for. Rows come in the API's stable order: indicator, area,
breakdown, period.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _keys(rel) -> list[tuple[str, str, str, int, int]]:
    """(indicator, area, breakdown, start, stop) of every range, in the API's order (cached per release)."""
    def compute():
        out = [(ind, area, bd, start, stop) for (ind, bd), areas in rel.rows.ranges.items()
               for area, (start, stop) in areas.items()]
        out.sort(key=lambda k: k[:3])
        return out

    return rel._cached(("api_keys",), compute)


def _level_codes(rel, level: str) -> tuple[np.ndarray, int]:
    """The area_level column's dictionary codes (a view of the mapped file) and the code of ``level``
    (-1 when no row has it): a level is per row, since one area can be listed at two levels."""
    col = rel.rows.table["area_level"].chunk(0)
    names = col.dictionary.to_pylist()
    return np.asarray(col.indices), (names.index(level) if level in names else -1)


def _runs(mask: np.ndarray, offset: int) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in ``mask``, shifted by ``offset``."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return [(offset + int(a), offset + int(b)) for a, b in zip(edges[::2], edges[1::2])]


class Observations:
    """Rows matching the filters: ``total`` counts them; ``page(offset, limit)`` reads only those rows."""

    def __init__(self, rel, indicators=None, areas=None, level=None, breakdown=None, period_from=None,
                 period_to=None):
        self.rel = rel
        wanted_ind = set(indicators) if indicators else None
        wanted_area = set(areas) if areas else None
        levels, level_code = _level_codes(rel, level) if level else (None, -1)
        ps = rel.rows.period_starts() if (period_from or period_to) else None
        low = np.datetime64(pd.Timestamp(period_from), "s") if period_from else None
        high = np.datetime64(pd.Timestamp(period_to), "s") if period_to else None
        spans = []
        for ind, area, bd, start, stop in _keys(rel):
            if ((wanted_ind is not None and ind not in wanted_ind) or (wanted_area is not None and area not in wanted_area)
                    or (breakdown and bd != breakdown)):
                continue
            if ps is not None:
                seg = ps[start:stop]
                valid = int(np.count_nonzero(~np.isnat(seg)))  # a missing date never matches a date filter
                lo = start + (int(np.searchsorted(seg[:valid], low, "left")) if low is not None else 0)
                hi = start + (int(np.searchsorted(seg[:valid], high, "right")) if high is not None else valid)
                start, stop = lo, max(lo, hi)
            if stop > start and levels is not None:
                spans.extend(_runs(levels[start:stop] == level_code, start))
            elif stop > start:
                spans.append((start, stop))
        self.spans = spans
        self.total = sum(b - a for a, b in spans)

    def __len__(self) -> int:
        return self.total

    def page(self, offset: int, limit: int, columns: list[str] | None = None) -> pd.DataFrame:
        """Rows [offset, offset + limit) of the answer, in order."""
        parts, seen = [], 0
        end = offset + limit
        for start, stop in self.spans:
            n = stop - start
            if seen + n > offset and seen < end:
                parts.append(np.arange(start + max(0, offset - seen), start + min(n, end - seen)))
            seen += n
            if seen >= end:
                break
        idx = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return self.rel.rows.take(idx, columns)


def period_rows(rel, indicators=None) -> pd.DataFrame:
    """indicator, period, period_start, period_end: each period of each indicator's total figures once,
    by indicator then date (the /periods answer)."""
    frames = []
    for ind in sorted({i for i, bd in rel.rows.ranges if bd == "total"}):
        if indicators and ind not in indicators:
            continue
        spans = rel.rows.ranges[(ind, "total")].values()
        lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
        frame = rel.rows.rows(lo, hi, ["indicator", "period", "period_start", "period_end"])
        frames.append(frame.drop_duplicates("period").sort_values("period_start", kind="mergesort"))
    if not frames:
        return pd.DataFrame(columns=["indicator", "period", "period_start", "period_end"])
    return pd.concat(frames, ignore_index=True)
