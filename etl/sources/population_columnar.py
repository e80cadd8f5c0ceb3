"""The wide-by-year population table built a column at a time: the same tidy table as the row reader.

The row reader makes one dict per cell (26,000 for the LAD table) and checks each cell in Python. Here
each *distinct* code, age label, sex and count is checked once by the row reader's own functions and
the results are spread over the rows with numpy. Only a clean file reads here: anything the row reader
would report (a short row, a bad code, sex or count, a duplicate key, no English rows) returns None
and the caller reads the file row by row, so every problem is named exactly as before.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from etl.distinct import each_distinct
from etl.errors import ProblemCollector
from etl.schema import GSS, tidy_frame
from etl.sources import ons_population as pop

# Counts read without a per-cell call: plain whole numbers ('19682', '19682.0', ' 60,854,727 '), which the
# row reader's _count reads as exactly float(text without spaces and commas); up to 15 digits, so exact.
WHOLE = r" *(?:\d{1,15}|\d{1,3}(?:,\d{3}){1,4})(?:\.0+)? *"
ASCII_WHOLE = WHOLE.replace(r"\d", "[0-9]")  # WHOLE on ASCII text, as Arrow's regex engine (RE2) reads it


def wide_table(raw_name: str, rows: list, header: list[str], where: dict,
               col: ProblemCollector) -> pd.DataFrame | None:
    """The tidy table of a clean wide-by-year file (``rows``: the data rows after the header), or None.

    By ``pop``'s rules (etl.sources.ons_population).
    Calls ``col.skip``/``col.warn`` exactly as the row reader would for a clean file; on None nothing
    has been recorded."""
    data = [(line, cells) for line, cells in rows if any(str(c or "").strip() for c in cells)]
    if not data or any(len(cells) < len(header) for _line, cells in data):
        return None
    codes = [str(cells[where["code"]] or "").strip() for _line, cells in data]
    if not all(each_distinct(codes, lambda c: bool(GSS.match(c)))):
        return None
    ages = each_distinct([cells[where["age"]] for _line, cells in data], pop.age_breakdown)
    sexes = [None] * len(data)
    if where["sex"] is not None:
        folded = each_distinct([cells[where["sex"]] for _line, cells in data], pop._fold)
        if any(s not in pop.SEXES for s in folded):
            return None
        sexes = [pop.SEXES[s] for s in folded]
    probe = ProblemCollector(raw_name)

    def count(text):
        if text is None or not str(text).strip():
            return math.nan, "not_available"
        value = pop._count(text, probe, 0, "")
        return (None, None) if value is None else (value, "ok")

    years = list(where["years"].items())
    keep, skips = [], []
    for k, (line, cells) in enumerate(data):
        if ages[k] is False:
            skips.append((f"age band not kept ('{str(cells[where['age']]).strip()}')", line))
        else:
            keep.append(k)
    if not keep:
        return None
    n_years = len(years)
    bd = [pop.breakdown(ages[k], sexes[k]) for k in keep]
    if len({str(y) for _j, y in years}) < n_years or len(set(zip((codes[k] for k in keep), bd))) < len(keep):
        return None  # a duplicate (area, period, breakdown): the row reader names it
    cells_flat = [data[k][1][j] for k in keep for j, _year in years]
    found = _whole_counts(cells_flat, probe, count)
    if found is None:
        return None
    values, statuses = found
    extra, young = _sixteen_plus(codes, ages, sexes, keep, statuses == "ok", n_years)
    rows = np.concatenate([np.repeat(np.arange(len(keep)), n_years), extra // n_years])
    cols = np.concatenate([np.tile(np.arange(n_years), len(keep)), extra % n_years])
    n_extra = len(extra)
    names = [str(cells[where["name"]] or "").strip() or None if where["name"] is not None else None
             for _line, cells in data]
    kept = lambda seq: np.array([seq[k] for k in keep] + [None], dtype=object)[:-1]  # noqa: E731 (1-D of objects)
    extra_bd = np.array([pop.breakdown("16+", sexes[keep[r]]) for r in extra // n_years] + [None],
                        dtype=object)[:-1]
    periods = np.array([str(y) for _j, y in years], dtype=object)
    df = pd.DataFrame({
        "area_code": _texts(kept(codes)[rows]),
        "area_name": _texts(kept(names)[rows]),
        "period": _texts(periods[cols]),
        "breakdown": _texts(np.concatenate([np.repeat(np.array(bd + [None], dtype=object)[:-1], n_years),
                                            extra_bd])),
        "value": np.concatenate([values, values[extra] - values[young]]),
        "status": _texts(np.concatenate([statuses, statuses[extra]])),
        "source_row": np.array([data[k][0] for k in keep], dtype="int64")[rows],
        "source_column": np.array([header[j] for j, _y in years], dtype=object)[cols],  # (as text: not in tidy)
        "derived": np.arange(len(rows)) >= len(rows) - n_extra})
    return _finish(df, col, skips)


def _finish(df: pd.DataFrame, col: ProblemCollector, skips: list) -> pd.DataFrame | None:
    """The row reader's ``_result`` on a clean table: English areas only (the same warning), constants.
    (Codes and periods are looked at once per distinct value: a few hundred, for ~30,000 rows.)"""
    at, codes = pd.factorize(df["area_code"].to_numpy(dtype=object))
    english_code = np.array([code.startswith("E") for code in codes], dtype=bool)
    if not english_code.any():
        return None
    for reason, line in skips:
        col.skip(reason, line)
    dropped = sorted(set(codes[~english_code]))
    if dropped:
        col.warn(f"{len(dropped)} area(s) outside England skipped (the product is England-only)",
                 found=", ".join(dropped[:5]) + (", ..." if len(dropped) > 5 else ""))
    df = df[english_code[at]].reset_index(drop=True)
    at, periods = pd.factorize(df["period"].to_numpy(dtype=object))
    dates = pd.to_datetime(pd.Series(periods, dtype=object) + "-06-30").astype("datetime64[ms]").to_numpy()[at]
    text = lambda value: _texts(np.full(len(df), value, dtype=object))  # noqa: E731
    df = df.assign(indicator=text(pop.INDICATOR), area_level=text(None), period_start=dates, period_end=dates,
                   unit=text("count"), source=text(pop.META.source_id))
    return tidy_frame(df)


def _texts(values: np.ndarray) -> pd.Series:
    """A text column as the tidy table keeps it (objects): built so, pandas makes no Arrow strings of it
    that tidy_frame would turn back."""
    return pd.Series(values, dtype=object)


def _counts(cells: list, probe: ProblemCollector) -> np.ndarray | None:
    """Whole counts of ``cells`` (plain ones with numpy, others once each by ``_count``); None if any is
    not a count (a blank included)."""
    plain, plain_values = _plain(cells)
    values = np.full(len(cells), np.nan)
    values[plain] = plain_values
    others = np.flatnonzero(~plain)
    parsed = each_distinct([cells[i] for i in others], lambda t: pop._count(t, probe, 0, ""))
    if probe.errors or any(v is None for v in parsed):
        return None
    values[others] = parsed
    return values


def mye2_table(rows: list, header: list[str], layout: dict, col: ProblemCollector) -> pd.DataFrame | None:
    """The tidy table of a clean MYE2 file, or None (``rows``: after the header; ``layout``: all_i, ages
    {column: age}, top, name_i, year, sex, as the row reader works them out)."""
    all_i, ages, top, name_i = layout["all_i"], layout["ages"], layout["top"], layout["name_i"]
    if top < 65:
        return None
    data = []
    for line, row in rows:
        kind, code = pop.mye2_row_kind(row)
        if kind == "not_gss":
            return None  # an error the row reader names
        if kind == "area":
            data.append((line, code, row))
    width = max([all_i, *ages]) + 1
    if not data or any(len(row) < width for _l, _c, row in data):
        return None
    by_age = [j for j, _a in sorted(ages.items(), key=lambda ja: ja[1])]
    probe = ProblemCollector("")
    values = _counts([row[j] for _l, _c, row in data for j in [all_i, *by_age]], probe)
    if values is None:
        return None
    grid = values.reshape(len(data), 1 + len(by_age))
    totals, singles = grid[:, 0], grid[:, 1:]
    if (np.abs(singles.sum(axis=1) - totals) > 0.5).any():
        return None
    bands = [(band, singles[:, first:(top if last is None else last) + 1].sum(axis=1))
             for band, first, last in pop.STANDARD_BANDS]
    n = 1 + len(bands)
    names = [str(row[name_i]).strip() or None if name_i is not None and row[name_i] else None
             for _l, _c, row in data]
    year, sex = layout["year"], layout["sex"]
    rows = len(data) * n
    df = pd.DataFrame({
        "area_code": _texts(np.repeat(np.array([c for _l, c, _r in data], dtype=object), n)),
        "area_name": _texts(np.repeat(np.array(names, dtype=object), n)),
        "period": _texts(np.full(rows, str(year), dtype=object)),
        "breakdown": _texts(np.tile(np.array([pop.breakdown(None, sex)] + [pop.breakdown(b, sex) for b, _v in bands],
                                             dtype=object), len(data))),
        "value": np.column_stack([totals] + [v for _b, v in bands]).ravel(),
        "status": _texts(np.full(rows, "ok", dtype=object)),
        "source_row": np.repeat(np.array([line for line, _c, _r in data], dtype="int64"), n),
        "source_column": np.tile(np.array([header[all_i]] + ["single years of age"] * len(bands), dtype=object),
                                 len(data)),
        "derived": np.tile(np.array([False] + [True] * len(bands)), len(data))})
    if df.duplicated(["area_code", "period", "breakdown"]).any():
        return None
    return _finish(df, col, [])


def _sixteen_plus(codes: list, ages: list, sexes: list, keep: list, ok: np.ndarray,
                  n_years: int) -> tuple[np.ndarray, np.ndarray]:
    """The row reader's ``_add_sixteen_plus`` on a table without duplicate keys, worked out per row, not
    per cell: (the all-ages cells that get an 'age=16+' = all ages less 0-15, in order; their 0-15 cells).
    Where both are given (status ok) and 16+ is not."""
    at = {(codes[k], sexes[k], ages[k]): r for r, k in enumerate(keep)}
    totals, young = [], []
    for r, k in enumerate(keep):
        if ages[k] is None and (y := at.get((codes[k], sexes[k], "0-15"))) is not None \
                and (codes[k], sexes[k], "16+") not in at:
            totals.append(r)
            young.append(y)
    ok = ok.reshape(len(keep), n_years)
    totals, young = np.array(totals, dtype=np.int64), np.array(young, dtype=np.int64)
    both = ok[totals] & ok[young]
    year = np.arange(n_years)
    return (totals[:, None] * n_years + year)[both], (young[:, None] * n_years + year)[both]


def _whole_counts(cells: list, probe: ProblemCollector, count) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, statuses) of a wide table's cells: plain whole numbers at once, the others once each by
    ``count`` (blank: NaN, 'not_available'); None if any is not a count."""
    plain, plain_values = _plain(cells)
    values = np.full(len(cells), np.nan)
    statuses = np.full(len(cells), "ok", dtype=object)
    values[plain] = plain_values
    others = np.flatnonzero(~plain)
    parsed = each_distinct([cells[i] for i in others], count)
    if probe.errors or any(v is None for v, _s in parsed):
        return None
    values[others] = [v for v, _s in parsed]
    statuses[others] = [s for _v, s in parsed]
    return values, statuses


def _plain(cells: list) -> tuple[np.ndarray, np.ndarray]:
    """(which cells are plain whole numbers (``WHOLE``), their values). Texts all in ASCII (a CSV's) are
    matched and read by Arrow in one go; anything else (numbers from a workbook, other digits) by pandas."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        texts = pa.array(cells, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        texts = None
    if texts is not None and pc.all(pc.string_is_ascii(texts.fill_null(""))).as_py():
        plain = pc.match_substring_regex(texts, f"^{ASCII_WHOLE}$").fill_null(False)
        digits = pc.replace_substring(pc.replace_substring(texts.filter(plain), ",", ""), " ", "")
        return plain.to_numpy(zero_copy_only=False), pc.cast(digits, pa.float64()).to_numpy()
    series = pd.Series(cells, dtype=object)
    plain = series.str.fullmatch(WHOLE).fillna(False).to_numpy(dtype=bool)  # (None: not a str)
    return plain, np.array([float(t.replace(",", "").strip(" ")) for t in series[plain]], dtype="float64")
