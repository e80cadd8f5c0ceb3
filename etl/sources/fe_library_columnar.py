"""The DfE FE data library table built a column at a time: the same tidy table as the row reader.

The row reader checks every row's name, year and breakdown and makes one dict per measure cell. Here
each column is read as (row -> index, distinct stripped texts): by pyarrow (``etl.sources.columns``) for
a clean file, else by the C csv reader in one go, else ``read_rows``. Each *distinct* name, year,
breakdown and count is checked once by the row reader's own functions, and the rows are kept, skipped
and spread with numpy. Only a clean file reads here: anything the row reader would report (a row of the
wrong width, an empty name, a year not understood, a repeated key, a cell that is not a number) returns
None, with nothing recorded, and the caller reads the file row by row, so every problem is named exactly
as before.
"""
from __future__ import annotations

import codecs
import csv
import io
import math

import numpy as np
import pandas as pd

from etl.errors import ProblemCollector, SourceFormatError
from etl.schema import tidy_frame
from etl.texts import TEXT_COLUMNS
from etl.sources import dfe_fe_library as lib
from etl.sources.cells import cell as parse_cell
from etl.sources.columns import combine, objects, read_columns
from etl.sources.dfe_ees import read_rows
from etl.sources.row_memo import skip_rows
from vocab.periods import parse_dfe_time_period, period_bounds

MAX_BYTES = 16 * 2**20  # a larger file is read line by line (read_rows), in little memory

Column = tuple[np.ndarray, list[str]]  # (row -> index, distinct stripped texts)


def _distinct(texts: list[str]) -> Column:
    """A column of stripped texts as (row -> index, distinct texts in order of first appearance)."""
    seen: dict[str, int] = {}
    index = np.fromiter((seen.setdefault(t, len(seen)) for t in texts), dtype=np.int64, count=len(texts))
    return index, list(seen)


def _read_arrow(raw) -> tuple[list[str], np.ndarray, list[Column]] | None:
    """(header, file lines, columns) of a clean file (header on line 1, one record per line, no blank
    lines) read by pyarrow; None for anything else."""
    rows = raw.csv_rows()
    try:
        first_line, cells = next(rows, (0, []))
    except SourceFormatError:
        return None
    finally:
        rows.close()
    header = [c.strip() for c in cells]
    if first_line != 1 or not header or not header[-1]:
        return None
    cols = read_columns(raw, len(header), 1, set(range(len(header))))
    if cols is None:
        return None
    columns = [cols.column(i) for i in range(len(header))]
    lines = cols.line
    blank = cols.blank()
    if blank.any():  # rows of empty cells only (",,,"): passed over like blank lines
        keep = np.flatnonzero(~blank)
        lines = lines[keep]
        columns = [(index[keep], texts) for index, texts in columns]
    return header, lines, columns


def _read_clean(raw) -> tuple[list[str], np.ndarray, list[Column]] | None:
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
    if not filled.all():
        keep = np.flatnonzero(filled)
        lines, columns = lines[keep], [[column[k] for k in keep] for column in columns]
    return header, lines, [_distinct(column) for column in columns]


def _read_any(raw) -> tuple[list[str], np.ndarray, list[Column]] | None:
    """The file's header, lines and columns by the cheapest reader that can read it; None on a problem."""
    read = _read_arrow(raw) or _read_clean(raw)
    if read is not None:
        return read
    probe = ProblemCollector(raw.name)
    try:
        header, rows = read_rows(raw, probe)
        rows = list(rows)
    except SourceFormatError:
        return None
    if probe.errors or not rows:
        return None
    columns = [_distinct(list(column)) for column in zip(*[c for _l, c in rows])]
    return header, np.array([line for line, _c in rows], dtype="int64"), columns


def fe_table(raw, col: ProblemCollector) -> pd.DataFrame | None:
    """The tidy table of a clean FE data library file (by ``lib``'s rules: etl.sources.dfe_fe_library), or
    None. Calls ``col.skip`` exactly as the row reader would for a clean file; on None nothing is recorded."""
    read = _read_any(raw)
    if read is None:
        return None
    header, lines, columns = read
    measures = {c: ind for c, ind in lib.MEASURES.items() if c in header}
    if not len(lines) or not measures or any(c not in header for c in lib.REQUIRED):
        return None
    idx = {h: i for i, h in enumerate(header)}
    name_i, names = columns[idx["la_name"]]
    if not all(names[k] for k in np.unique(name_i).tolist()):  # (a column's texts may include unused ones)
        return None
    special = [lib.SPECIAL_NAMES.get(n, ()) for n in names]
    is_area = np.array([s is not None for s in special], dtype=bool)[name_i]
    year_i, years = columns[idx["year"]]
    period_of = [parse_dfe_time_period(y, "Academic year") for y in years]
    if any(period_of[k] is None for k in np.unique(year_i[is_area]).tolist()):
        return None
    dims = [(columns[idx[c]], dim) for c, dim in lib.DIMENSIONS.items()]
    combo, combos = combine(*[(index, len(texts)) for (index, texts), _dim in dims])
    labels = []  # per combination of level/SSA/Age: its breakdown, or None when crossed
    for parts in combos.tolist():
        named = [f"{dim}={texts[k]}" for k, ((_i, texts), dim) in zip(parts, dims) if texts[k] != lib.TOTAL]
        labels.append(None if len(named) > 1 else (named[0] if named else "total"))
    crossed = np.array([label is None for label in labels], dtype=bool)[combo]
    keep = is_area & ~crossed
    kept = np.flatnonzero(keep)
    # (name, period, breakdown) once per kept row: numbered by distinct period and breakdown texts
    period_no, period_texts = pd.factorize(np.array(period_of, dtype=object)[year_i[kept]])
    label_no, label_texts = pd.factorize(objects(labels)[combo[kept]])
    key = (name_i[kept] * max(len(period_texts), 1) + period_no) * max(len(label_texts), 1) + label_no
    if len(np.unique(key)) != len(key):
        return None
    values, statuses, used = [], [], []
    for c in measures:
        index, texts = columns[idx[c]]
        parsed = [None] * len(texts)
        for k in np.unique(index[kept]).tolist():
            parsed[k] = parse_cell(texts[k])
            if parsed[k] is None:
                return None
        used.append(index[kept])
        values.append(np.array([p[0] if p else math.nan for p in parsed], dtype="float64"))
        statuses.append(objects([p[1] if p else None for p in parsed]))
    m = len(measures)
    codes = objects([s[0] if s else None for s in special])
    area_names = objects([s[1] if s else n for s, n in zip(special, names)])
    levels = objects([s[2] if s else "district" for s in special])
    bounds = [period_bounds(p) for p in period_texts]
    starts = pd.to_datetime(objects([b[0] if b else None for b in bounds])).astype("datetime64[ms]").to_numpy()
    ends = pd.to_datetime(objects([b[1] if b else None for b in bounds])).astype("datetime64[ms]").to_numpy()
    rep = lambda a: np.repeat(a, m)  # noqa: E731  (each kept row once per measure, in the row reader's order)
    flat = lambda per: np.stack(per, axis=1).reshape(-1)  # noqa: E731
    n = len(kept) * m
    df = pd.DataFrame({c: pd.Series(v, dtype=object) if c in TEXT_COLUMNS else v for c, v in {  # (texts: object)
        "indicator": np.tile(objects(list(measures.values())), len(kept)),
        "area_code": rep(codes[name_i[kept]]), "area_name": rep(area_names[name_i[kept]]),
        "area_level": rep(levels[name_i[kept]]),
        "period": rep(objects(list(period_texts))[period_no]), "period_start": rep(starts[period_no]),
        "period_end": rep(ends[period_no]), "breakdown": rep(objects(list(label_texts))[label_no]),
        "value": flat([v[u] for v, u in zip(values, used)]), "status": flat([s[u] for s, u in zip(statuses, used)]),
        "numerator": np.full(n, math.nan), "denominator": np.full(n, math.nan),
        "unit": np.full(n, "count", dtype=object), "source": np.full(n, lib.SOURCE_ID, dtype=object),
        "source_row": np.repeat(lines[kept], m),
        "source_column": np.tile(objects(list(measures)), len(kept))}.items()})
    skipped = np.flatnonzero(~keep)
    reasons = [f"la_name '{n}' is not an area" for n in names] + ["more than one of level/SSA/Age is not 'Totals'"]
    which = np.where(is_area[skipped], len(names), name_i[skipped])
    skip_rows(col, reasons, which, lines[skipped])
    return tidy_frame(df)
