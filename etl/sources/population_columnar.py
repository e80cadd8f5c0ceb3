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

# Counts read without a per-cell call: plain whole numbers ('19682', '19682.0'), which the row reader's
# _count reads as exactly float(text); up to 15 digits, so the float is exact.
WHOLE = r"\d{1,15}(?:\.0+)?"


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
    cells_flat = pd.Series([data[k][1][j] for k in keep for j, _year in years], dtype=object)
    plain = cells_flat.str.fullmatch(WHOLE).fillna(False).to_numpy(dtype=bool)  # (None: not a str)
    values = np.full(len(cells_flat), np.nan)
    statuses = np.full(len(cells_flat), "ok", dtype=object)
    values[plain] = cells_flat[plain].to_numpy().astype(str).astype("float64")
    others = np.flatnonzero(~plain)
    parsed = each_distinct(cells_flat.iloc[others].tolist(), count)
    if probe.errors or any(v is None for v, _s in parsed):
        return None
    values[others] = [v for v, _s in parsed]
    statuses[others] = [s for _v, s in parsed]
    n_years = len(years)
    rep = lambda seq: np.repeat(np.array([seq[k] for k in keep], dtype=object), n_years)  # noqa: E731
    names = [str(cells[where["name"]] or "").strip() or None if where["name"] is not None else None
             for _line, cells in data]
    year_arr = np.tile(np.array([y for _j, y in years]), len(keep))
    bd = [pop.breakdown(a, s) for a, s in zip(ages, sexes)]
    df = pd.DataFrame({
        "area_code": rep(codes), "area_name": rep(names), "period": year_arr.astype(str).astype(object),
        "breakdown": rep(bd), "value": values, "status": statuses,
        "source_row": np.repeat(np.array([data[k][0] for k in keep], dtype="int64"), n_years),
        "source_column": np.tile(np.array([header[j] for j, _y in years], dtype=object), len(keep)),
        "derived": False})
    if df.duplicated(["area_code", "period", "breakdown"]).any():
        return None
    rec_age = [ages[k] for k in keep for _ in years]
    rec_sex = [sexes[k] for k in keep for _ in years]
    df = pd.concat([df, _sixteen_plus(df, rec_age, rec_sex)], ignore_index=True)
    return _finish(df, col, skips)


def _finish(df: pd.DataFrame, col: ProblemCollector, skips: list) -> pd.DataFrame | None:
    """The row reader's ``_result`` on a clean table: English areas only (the same warning), constants."""
    english = df["area_code"].str.startswith("E").to_numpy(dtype=bool)
    if not english.any():
        return None
    for reason, line in skips:
        col.skip(reason, line)
    dropped = sorted(set(df["area_code"][~english]))
    if dropped:
        col.warn(f"{len(dropped)} area(s) outside England skipped (the product is England-only)",
                 found=", ".join(dropped[:5]) + (", ..." if len(dropped) > 5 else ""))
    df = df[english].reset_index(drop=True)
    dates = pd.to_datetime(df["period"] + "-06-30").astype("datetime64[ms]")
    df = df.assign(indicator=pop.INDICATOR, area_level=None, period_start=dates, period_end=dates,
                   unit="count", source=pop.META.source_id)
    return tidy_frame(df)


def _counts(cells: list, probe: ProblemCollector) -> np.ndarray | None:
    """Whole counts of ``cells`` (plain ones with numpy, others once each by ``_count``); None if any is
    not a count (a blank included)."""
    series = pd.Series(cells, dtype=object)
    plain = series.str.fullmatch(WHOLE).fillna(False).to_numpy(dtype=bool)
    values = np.full(len(series), np.nan)
    values[plain] = series[plain].to_numpy().astype(str).astype("float64")
    others = np.flatnonzero(~plain)
    parsed = each_distinct(series.iloc[others].tolist(), lambda t: pop._count(t, probe, 0, ""))
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
    df = pd.DataFrame({
        "area_code": np.repeat(np.array([c for _l, c, _r in data], dtype=object), n),
        "area_name": np.repeat(np.array(names, dtype=object), n), "period": str(year),
        "breakdown": np.tile(np.array([pop.breakdown(None, sex)] + [pop.breakdown(b, sex) for b, _v in bands],
                                      dtype=object), len(data)),
        "value": np.column_stack([totals] + [v for _b, v in bands]).ravel(), "status": "ok",
        "source_row": np.repeat(np.array([line for line, _c, _r in data], dtype="int64"), n),
        "source_column": np.tile(np.array([header[all_i]] + ["single years of age"] * len(bands), dtype=object),
                                 len(data)),
        "derived": np.tile(np.array([False] + [True] * len(bands)), len(data))})
    if df.duplicated(["area_code", "period", "breakdown"]).any():
        return None
    return _finish(df, col, [])


def _sixteen_plus(df: pd.DataFrame, ages: list, sexes: list) -> pd.DataFrame:
    """The row reader's ``_add_sixteen_plus`` on a table without duplicate keys: 'age=16+' = all ages less
    0-15 where both are given (status ok) and 16+ is not, in the order of the all-ages rows."""
    keys = list(zip(df["area_code"].tolist(), df["period"].tolist(), sexes))
    ok = (df["status"] == "ok").to_numpy()
    have16 = {k for k, a in zip(keys, ages) if a == "16+"}
    young_at = {k: i for i, (k, a) in enumerate(zip(keys, ages)) if a == "0-15"}
    extra_i, young_i = [], []
    for i, (k, a) in enumerate(zip(keys, ages)):
        if a is not None:
            continue
        j = young_at.get(k)
        if j is None or k in have16:
            continue
        if ok[i] and ok[j]:
            extra_i.append(i)
            young_i.append(j)
    extra = df.loc[extra_i].copy()
    extra["value"] = extra["value"].to_numpy() - df.loc[young_i, "value"].to_numpy()
    extra["breakdown"] = [pop.breakdown("16+", sexes[i]) for i in extra_i]
    extra["derived"] = True
    return extra
