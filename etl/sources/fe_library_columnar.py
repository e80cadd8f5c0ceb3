"""The DfE FE data library table built a column at a time: the same tidy table as the row reader.

The row reader checks every row's name, year and breakdown and makes one dict per measure cell. Here
the rows are read once (by the C csv reader in one go, or ``read_rows`` for an odd file), each
*distinct* name, year and count is checked once by the row reader's own functions, and the rows are
kept, skipped and spread with numpy. Only a
clean file reads here: anything the row reader would report (a row of the wrong width, an empty name,
a year not understood, a repeated key, a cell that is not a number) returns None, with nothing
recorded, and the caller reads the file row by row, so every problem is named exactly as before.
"""
from __future__ import annotations

import codecs
import csv
import io
import math

import numpy as np
import pandas as pd

from etl.distinct import each_distinct
from etl.errors import ProblemCollector, SourceFormatError
from etl.schema import tidy_frame
from etl.sources import dfe_fe_library as lib
from etl.sources.cells import cell as parse_cell
from etl.sources.dfe_ees import read_rows
from vocab.periods import parse_dfe_time_period

MAX_BYTES = 16 * 2**20  # a larger file is read line by line (read_rows), in little memory


def _read_clean(raw) -> tuple[list[str], np.ndarray, list[list[str]]] | None:
    """(header, file lines, columns) of ``read_rows``'s rows of a small file whose every line is one record
    of the header's width (blank lines aside), read by the C csv reader in one go; None for anything else
    (read_rows reads it)."""
    if raw.path.stat().st_size > MAX_BYTES:
        return None
    data = raw.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
        records = list(csv.reader(io.StringIO(text)))
    except (UnicodeDecodeError, csv.Error):
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # lone CRs: line numbers as read_rows counts them
    if len(records) != text.count("\n") + (not text.endswith("\n")) or len(records) < 2:
        return None  # a quoted line break: a record spans lines
    header = [c.strip() for c in records[0]]
    width = len(header)
    if not header or not header[-1] or any(len(r) not in (0, width) for r in records[1:]):
        return None
    body = [(line, r) for line, r in enumerate(records[1:], start=2) if r]
    if not body:
        return None
    columns = [[c.strip() for c in column] for column in zip(*[r for _line, r in body])]
    filled = np.zeros(len(body), dtype=bool)
    for column in columns:
        filled |= np.array(column, dtype=object) != ""
    lines = np.array([line for line, _r in body], dtype="int64")
    if filled.all():
        return header, lines, columns
    keep = np.flatnonzero(filled)
    return header, lines[keep], [[column[k] for k in keep] for column in columns]


def fe_table(raw, col: ProblemCollector) -> pd.DataFrame | None:
    """The tidy table of a clean FE data library file (by ``lib``'s rules: etl.sources.dfe_fe_library), or
    None. Calls ``col.skip`` exactly as the row reader would for a clean file; on None nothing is recorded."""
    probe = ProblemCollector(raw.name)
    read = _read_clean(raw)
    if read is None:
        try:
            header, rows = read_rows(raw, probe)
            rows = list(rows)
        except SourceFormatError:
            return None
        read = header, np.array([line for line, _c in rows], dtype="int64"), list(zip(*[c for _l, c in rows]))
    header, lines, columns = read
    measures = {c: ind for c, ind in lib.MEASURES.items() if c in header}
    if probe.errors or not len(lines) or not measures or any(c not in header for c in lib.REQUIRED):
        return None
    idx = {h: i for i, h in enumerate(header)}
    names = np.array(columns[idx["la_name"]], dtype=object)
    if not all(names):
        return None
    special = each_distinct(names.tolist(), lambda n: lib.SPECIAL_NAMES.get(n, ()))
    is_area = np.array([s is not None for s in special], dtype=bool)
    periods = np.array(each_distinct(columns[idx["year"]], lambda y: parse_dfe_time_period(y, "Academic year")),
                       dtype=object)
    if any(p is None for p in periods[is_area]):
        return None
    dims = [(np.array(columns[idx[c]], dtype=object), dim) for c, dim in lib.DIMENSIONS.items()]
    not_total = [values != lib.TOTAL for values, _dim in dims]
    n_parts = np.sum(not_total, axis=0)
    crossed = is_area & (n_parts > 1)
    keep = is_area & ~crossed
    breakdown = np.full(len(lines), "total", dtype=object)
    for (values, dim), mask in zip(dims, not_total):
        one = keep & mask
        breakdown[one] = [f"{dim}={v}" for v in values[one]]
    kept = np.flatnonzero(keep)
    keys = pd.DataFrame({"n": names[kept], "p": periods[kept], "b": breakdown[kept]})
    if keys.duplicated().any():
        return None
    parsed = {c: each_distinct([columns[idx[c]][k] for k in kept], parse_cell) for c in measures}
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
