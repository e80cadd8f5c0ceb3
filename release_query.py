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


def _levels(rel) -> dict[str, str]:
    return rel._cached(("area_levels",), lambda: {a: rel.rows.cell("area_level", r)
                                                  for a, r in rel.rows.first_row.items()})


class Observations:
    """Rows matching the filters: ``total`` counts them; ``page(offset, limit)`` reads only those rows."""

    def __init__(self, rel, indicators=None, areas=None, level=None, breakdown=None, period_from=None,
                 period_to=None):
        self.rel = rel
        wanted_ind = set(indicators) if indicators else None
        wanted_area = set(areas) if areas else None
        levels = _levels(rel) if level else {}
        ps = rel.rows.period_starts() if (period_from or period_to) else None
        low = np.datetime64(pd.Timestamp(period_from), "s") if period_from else None
        high = np.datetime64(pd.Timestamp(period_to), "s") if period_to else None
        spans = []
        for ind, area, bd, start, stop in _keys(rel):
            if ((wanted_ind is not None and ind not in wanted_ind) or (wanted_area is not None and area not in wanted_area)
                    or (breakdown and bd != breakdown) or (level and levels.get(area) != level)):
                continue
            if ps is not None:
                seg = ps[start:stop]
                valid = int(np.count_nonzero(~np.isnat(seg)))  # a missing date never matches a date filter
                lo = start + (int(np.searchsorted(seg[:valid], low, "left")) if low is not None else 0)
                hi = start + (int(np.searchsorted(seg[:valid], high, "right")) if high is not None else valid)
                start, stop = lo, max(lo, hi)
            if stop > start:
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
