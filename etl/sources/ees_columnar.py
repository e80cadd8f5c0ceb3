"""An EES CSV's tidy rows made a column at a time: the same table, warnings and extras as parse_ees's row loops.

parse_ees checks each row's area, period, filters and measure cells in Python and makes one dict per
measure cell. A clean file read by pyarrow (``etl.sources.columns``) gives each column as (row -> index,
distinct texts); here each *distinct* area, period, filter combination, basis and cell is checked once by
parse_ees's own functions, and the results are spread to the rows with numpy. The skips those checks
report are replayed for every row they apply to, in the row loops' order. Anything the row loops would
report as an error (or a repeated row, which needs their duplicate rules) gives None with nothing
recorded, and parse_ees runs its row loops, which name every problem exactly as before.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from etl.errors import ProblemCollector
from etl.schema import tidy_frame
from etl.texts import TEXT_COLUMNS
from etl.sources import dfe_ees as ees
from etl.sources.cells import cell as parse_cell
from etl.sources.columns import Columns, combine, objects
from etl.sources.row_memo import _Recorder, skip_rows
from vocab.periods import parse_dfe_time_period, period_bounds


class _Failed(Exception):
    """A check would report an error: the row loops must read the file."""


class _Rows:
    """The non-blank data rows of ``cols`` (``rows``: their positions), each column as (row -> index, texts)."""

    def __init__(self, cols: Columns, width: int):
        self.cols, self.width = cols, width
        blank = cols.blank()
        self.rows = np.flatnonzero(~blank) if blank.any() else None
        self.line = cols.line if self.rows is None else cols.line[self.rows]

    def column(self, i: int | None, default: str = "") -> tuple[np.ndarray, list[str]]:
        index, texts = self.cols.column(i, default)
        if i is None:
            index = index[: len(self.line)]
        elif self.rows is not None:
            index = index[self.rows]
        return index, texts

    def per_combination(self, where: list[int], check, among: np.ndarray) -> tuple[np.ndarray, list]:
        """(per row of ``among``: its combination's number; per combination: ``check(cells, recorder)``'s
        (result, recorded calls)), ``check`` called once per distinct combination of the cells at ``where``."""
        if not where:
            combo, combos = np.zeros(len(among), dtype=np.int64), np.zeros((1, 0), dtype=np.int64)
        else:
            columns = [self.column(i) for i in where]
            combo, combos = combine(*[(index[among], len(texts)) for index, texts in columns])
        out = []
        for parts in combos.tolist():
            cells = [""] * self.width
            for i, (_index, texts), k in zip(where, columns if where else [], parts):
                cells[i] = texts[k]
            record = _Recorder()
            result = check(cells, record)
            if any(what == "error" for what, _m, _k in record.calls):
                raise _Failed
            out.append((result, [message for _w, message, _k in record.calls]))
        return combo, out


class _Skips:
    """The rows' skips in the row loops' order, as (reason number, line) arrays: a combination's check skips
    its row at most once (it returns None right after), so each row's reason is its combination's."""

    def __init__(self):
        self.reasons: dict[str, int] = {}
        self.which: list[np.ndarray] = []
        self.lines: list[np.ndarray] = []

    def add(self, calls: list, combo: np.ndarray, lines: np.ndarray) -> None:
        """Every row whose combination's check skipped it (``calls``: per combination, (result, reasons))."""
        if any(len(c[1]) > 1 for c in calls):
            raise _Failed  # (not made by parse_ees's checks: the row loops would say)
        number = np.array([self.reasons.setdefault(c[1][0], len(self.reasons)) if c[1] else -1 for c in calls],
                          dtype=np.int64)[combo] if calls else np.zeros(0, dtype=np.int64)
        skipped = number >= 0
        self.which.append(number[skipped])
        self.lines.append(lines[skipped])

    def record(self, col: ProblemCollector) -> None:
        if self.which:
            skip_rows(col, list(self.reasons), np.concatenate(self.which), np.concatenate(self.lines))


def _parsed(rows: _Rows, where: tuple[int, str], among: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, statuses) of the cells at ``where`` on the rows ``among`` (each distinct text parsed once); a
    cell that is not a number or a known marker fails (the row loops report it)."""
    texts = rows.cols.taken(where[0], among if rows.rows is None else rows.rows[among])
    seen: dict[str, int] = {}
    used = np.fromiter((seen.setdefault(t, len(seen)) for t in texts), dtype=np.int64, count=len(texts))
    values = np.full(len(seen), math.nan)
    statuses = np.empty(len(seen), dtype=object)
    for k, text in enumerate(seen):
        parsed = parse_cell(text)
        if parsed is None:
            raise _Failed
        values[k], statuses[k] = parsed
    return values[used], statuses[used]


def ees_table(cols: Columns, width: int, header: list[str], idx: dict[str, int], layout: str,
              dataset, measures: list, plan: dict, col: ProblemCollector):
    """(tidy table, la_codes extra) of a clean EES file, or None when a row check would report an error (or
    a row repeats): then nothing is recorded in ``col`` and parse_ees reads the rows itself."""
    try:
        return _table(_Rows(cols, width), header, idx, layout, dataset, measures, plan, col)
    except _Failed:
        return None


def _table(rows: _Rows, header, idx, layout, dataset, measures, plan, col):
    skips = _Skips()
    every = np.arange(len(rows.line))
    # pass 1 (parse_ees's first loop): area, then period
    area_where = sorted({idx[c] for c in ees._AREA_COLUMNS if c in idx})
    combo, areas = rows.per_combination(area_where, lambda cells, rec: ees._area(cells, idx, layout, rec, 0), every)
    skips.add(areas, combo, rows.line)
    has_area = np.array([a[0] is not None for a in areas], dtype=bool)[combo]
    area_of = combo
    period_where = [idx["time_period"]] + ([idx["time_identifier"]] if "time_identifier" in idx else [])
    kept = np.flatnonzero(has_area)
    p_combo, periods = rows.per_combination(
        period_where, lambda cells, rec: parse_dfe_time_period(
            cells[idx["time_period"]], cells[idx["time_identifier"]] if "time_identifier" in idx else ""), kept)
    if any(p[0] is None for p in periods):
        raise _Failed
    la_codes = _la_codes(rows, idx, kept)
    # pass 2 (the second loop): breakdown, then each measure
    b_combo, labels = rows.per_combination(sorted(plan), lambda cells, rec: ees._breakdown(cells, plan, rec, 0),
                                           kept)
    skips.add(labels, b_combo, rows.line[kept])
    has_label = np.array([b[0] is not None for b in labels], dtype=bool)[b_combo]
    period_no = p_combo[has_label]
    label_no = b_combo[has_label]
    kept = kept[has_label]
    version_index, versions = rows.column(idx.get("version"))
    provisional = np.array([v.lower() == "provisional" for v in versions], dtype=bool)[version_index[kept]]
    basis_i = idx.get(dataset.basis_column) if dataset.basis_column else None
    per_measure = [_measure(rows, dataset, m, basis_i, kept, provisional) for m in measures]
    n, m = len(kept), len(measures)
    flat = lambda key: np.stack([p[key] for p in per_measure], axis=1).reshape(-1)  # noqa: E731 (row-major)
    rep = lambda a: np.repeat(a, m)  # noqa: E731
    area_rows = area_of[kept]
    area_cells = [objects([a[0][j] if a[0] else None for a in areas])[area_rows] for j in range(3)]
    period_texts = objects([p[0] for p in periods])
    label_texts = objects([b[0] for b in labels])
    table = {
        "indicator": flat("indicator"), "area_code": rep(area_cells[0]), "area_name": rep(area_cells[1]),
        "area_level": rep(area_cells[2]), "period": rep(period_texts[period_no]),
        "breakdown": rep(label_texts[label_no]),
        "unit": np.tile(objects([p.measure.unit for p in measures]), n),
        "source": np.full(n * m, dataset.source_id, dtype=object),
        "source_row": np.repeat(rows.line[kept], m),
        **{key: flat(key) for key in ("value", "status", "numerator", "denominator", "lower_ci", "upper_ci",
                                      "source_column", "source_parts")}}
    key = np.zeros(n * m, dtype=np.int64)
    for c in ("indicator", "area_code", "period", "breakdown"):  # (each a few distinct texts: numbered)
        codes, uniques = pd.factorize(table[c], use_na_sentinel=False)
        key = key * max(len(uniques), 1) + codes
    if len(np.unique(key)) != len(key):
        raise _Failed  # (the duplicate rules, with their skips and errors, are the row loops')
    skips.record(col)
    bounds = {p: period_bounds(p) for p in set(period_texts.tolist())}
    for end, name in enumerate(("period_start", "period_end")):
        dates = objects([bounds[p][end] if bounds[p] else None for p in period_texts.tolist()])
        table[name] = rep(pd.to_datetime(dates).astype("datetime64[ms]").to_numpy()[period_no])
    return tidy_frame(pd.DataFrame({c: _kept(c, v) for c, v in table.items()})), la_codes


def _kept(name: str, column: np.ndarray) -> pd.Series | np.ndarray:
    """A column as the frame should hold it: the contract's texts stay ``object`` (pandas would make an object
    array its Arrow "str", which tidy_frame turns back into objects: two copies a column); the parser's own
    extras (source_column, ...) are made as the row loops' frame has them."""
    return pd.Series(column, dtype=object) if name in TEXT_COLUMNS else column


def _measure(rows: _Rows, dataset, plan_m, basis_i, kept: np.ndarray, provisional: np.ndarray) -> dict:
    """One measure's columns on the kept rows (as ``_measure_row`` and ``_indicator_of`` make them)."""
    m = plan_m.measure
    if basis_i is None:
        indicator = np.full(len(kept), m.indicator, dtype=object)
    else:
        index, texts = rows.column(basis_i)
        per = []
        for t in texts:
            basis = t.strip().lower()
            per.append(m.by_basis.get(basis, m.indicator) if basis in dataset.bases else None)
        used = index[kept]
        if any(per[k] is None for k in np.unique(used).tolist()):
            raise _Failed
        indicator = objects(per)[used]
    value, status = _parsed(rows, plan_m.value, kept)
    nan = np.full(len(kept), math.nan)
    numerator, denominator, lower, upper = nan, nan, nan, nan
    if plan_m.weight is not None:
        weight, _s = _parsed(rows, plan_m.weight, kept)
        total = _parsed(rows, plan_m.total, kept)[0] if plan_m.total is not None else nan
        both = ~np.isnan(value) & ~np.isnan(weight)
        denominator = np.where(both, weight, math.nan)
        numerator = np.where(both, value * weight / (100.0 if m.combine == "percent" else 1.0), math.nan)
        numerator = np.where(both & ~np.isnan(total), total, numerator)
    if plan_m.interval is not None:
        ends = [_parsed(rows, where, kept)[0] for where in plan_m.interval]
        lower = np.where(np.isnan(value), math.nan, ends[0])
        upper = np.where(np.isnan(value), math.nan, ends[1])
    status = np.where(provisional & (status == "ok"), "provisional", status).astype(object)
    parts = f"{plan_m.value[1]} x {plan_m.weight[1]}" if plan_m.weight is not None else None
    return {"indicator": indicator, "value": value, "status": status, "numerator": numerator,
            "denominator": denominator, "lower_ci": lower, "upper_ci": upper,
            "source_column": np.full(len(kept), plan_m.value[1], dtype=object),
            "source_parts": np.full(len(kept), parts, dtype=object)}


def _la_codes(rows: _Rows, idx: dict[str, int], kept: np.ndarray) -> pd.DataFrame:
    """``la_code_pairs`` of the rows kept by the first loop, each distinct (old, new) pair checked once."""
    old_i, new_i = idx.get("old_la_code"), idx.get("new_la_code")
    if old_i is None or new_i is None:
        return ees.la_code_pairs([], idx)
    (old, olds), (new, news) = rows.column(old_i), rows.column(new_i)
    _combo, pairs = combine((old[kept], len(olds)), (new[kept], len(news))) if len(kept) else (None, [])
    cells = [[""] * (max(old_i, new_i) + 1) for _ in range(len(pairs))]
    for row, (a, b) in zip(cells, np.asarray(pairs).tolist()):
        row[old_i], row[new_i] = olds[a], news[b]
    return ees.la_code_pairs([(0, row, None, None) for row in cells], idx)
