"""The DfE FE data library table built a column at a time: the same tidy table as the row reader.

The row reader checks every row's name, year and breakdown and makes one dict per measure cell. Here
the rows are read once (by the same ``read_rows``), each *distinct* name, year and count is checked
once by the row reader's own functions, and the rows are kept, skipped and spread with numpy. Only a
clean file reads here: anything the row reader would report (a row of the wrong width, an empty name,
a year not understood, a repeated key, a cell that is not a number) returns None, with nothing
recorded, and the caller reads the file row by row, so every problem is named exactly as before.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from etl.errors import ProblemCollector, SourceFormatError
from etl.schema import tidy_frame
from etl.sources.cells import cell as parse_cell
from etl.sources.dfe_ees import read_rows
from vocab.periods import parse_dfe_time_period


def _distinct(values, fn) -> list:
    """fn applied once per distinct value, spread back over ``values``."""
    seen: dict = {}
    return [seen[v] if v in seen else seen.setdefault(v, fn(v)) for v in values]


def fe_table(lib, raw, col: ProblemCollector) -> pd.DataFrame | None:
    """The tidy table of a clean FE data library file, or None. ``lib`` is etl.sources.dfe_fe_library.
    Calls ``col.skip`` exactly as the row reader would for a clean file; on None nothing is recorded."""
    probe = ProblemCollector(raw.name)
    try:
        header, rows = read_rows(raw, probe)
        rows = list(rows)
    except SourceFormatError:
        return None
    measures = {c: ind for c, ind in lib.MEASURES.items() if c in header}
    if probe.errors or not rows or not measures or any(c not in header for c in lib.REQUIRED):
        return None
    idx = {h: i for i, h in enumerate(header)}
    columns = list(zip(*[cells for _line, cells in rows]))
    lines = np.array([line for line, _cells in rows], dtype="int64")
    names = np.array(columns[idx["la_name"]], dtype=object)
    if not all(names):
        return None
    special = _distinct(names.tolist(), lambda n: lib.SPECIAL_NAMES.get(n, ()))
    is_area = np.array([s is not None for s in special], dtype=bool)
    periods = np.array(_distinct(columns[idx["year"]], lambda y: parse_dfe_time_period(y, "Academic year")),
                       dtype=object)
    if any(p is None for p in periods[is_area]):
        return None
    dims = [(np.array(columns[idx[c]], dtype=object), dim) for c, dim in lib.DIMENSIONS.items()]
    not_total = [values != lib.TOTAL for values, _dim in dims]
    n_parts = np.sum(not_total, axis=0)
    crossed = is_area & (n_parts > 1)
    keep = is_area & ~crossed
    breakdown = np.full(len(rows), "total", dtype=object)
    for (values, dim), mask in zip(dims, not_total):
        one = keep & mask
        breakdown[one] = [f"{dim}={v}" for v in values[one]]
    kept = np.flatnonzero(keep)
    keys = pd.DataFrame({"n": names[kept], "p": periods[kept], "b": breakdown[kept]})
    if keys.duplicated().any():
        return None
    parsed = {c: _distinct([columns[idx[c]][k] for k in kept], parse_cell) for c in measures}
    if any(p is None for cells in parsed.values() for p in cells):
        return None
    m = len(measures)
    rep = lambda a: np.repeat(np.asarray(a, dtype=object)[kept], m)  # noqa: E731
    codes = [s[0] if s else None for s in special]
    area_names = [s[1] if s else n for s, n in zip(special, names)]
    levels = [s[2] if s else "district" for s in special]
    flat = [p for k in range(len(kept)) for p in (parsed[c][k] for c in measures)]
    df = pd.DataFrame({
        "indicator": np.tile(np.array(list(measures.values()), dtype=object), len(kept)),
        "area_code": rep(codes), "area_name": rep(area_names), "area_level": rep(levels),
        "period": rep(periods), "breakdown": rep(breakdown),
        "value": np.array([v for v, _s in flat], dtype="float64"),
        "status": np.array([s for _v, s in flat], dtype=object),
        "numerator": math.nan, "denominator": math.nan, "unit": "count", "source": lib.SOURCE_ID,
        "source_row": np.repeat(lines[kept], m),
        "source_column": np.tile(np.array(list(measures), dtype=object), len(kept))})
    for k in np.flatnonzero(~keep):
        if not is_area[k]:
            col.skip(f"la_name '{names[k]}' is not an area", int(lines[k]))
        else:
            col.skip("more than one of level/SSA/Age is not 'Totals'", int(lines[k]))
    return tidy_frame(df)
