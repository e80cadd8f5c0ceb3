"""DfE explore-education-statistics (EES) CSVs: NEET/participation, KS4 Attainment 8, apprenticeships.

Two layouts, recognised by their header: the *underlying data* CSV (``time_period,
time_identifier, geographic_level, country_code, ... new_la_code, la_name[, lad_code,
lad_name], <filters>, <measures>``) and the *permalink* export (``location, location_code,
geographic_level, time_period, <filters>, <measures>`` with camelCase levels). Which dataset a
file holds is decided by its measure columns (tables below), never by its file name.

Rules kept as data in ``dfe_ees_layouts`` (datasets, measures, filters, levels):
- a filter column is one named in a dataset's FILTERS table, or any other non-measure column
  that holds a "total" value (``Total``, ``All pupils``); only "total" rows are kept unless the
  filter maps to a breakdown dimension (apprenticeships: age / level / sector). A row with more
  than one non-total breakdown filter is skipped (cross-tabulations are not in the contract).
- dummy rows the publisher left in (NCCIS "Region demo" / "LA demo") are dropped by name;
  any other row without an area code is an error.
- pseudo-areas whose code is a marker (``z``: "Outside of England and unknown") or an E13 code
  (Inner/Outer London) are skipped with a warning; levels we do not chart (parliamentary
  constituency, LSIP, ...) likewise. An unknown level is an error.
- when a file gives a unitary authority at both "Local authority" and "Local authority
  district" level (same code), one row is kept, as a district (the build treats E06 as
  district): the district row, or the LA row when only it has a value; a difference between
  the two values is reported in a warning.
- a file's basis (KS4 ``level_methodology``: "School location" or "Pupil residency") decides the
  indicator: the two count different pupils, so they are different series, never one line.
- a measure's published total (``t_att8``: points of all pupils) is its numerator where given, so
  areas combine as total points / total pupils; published 95% intervals fill ``lower_ci``/``upper_ci``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.errors import Problem, ProblemCollector, SourceFormatError
from vocab.periods import parse_dfe_time_period
from etl.schema import GSS, tidy_frame
from etl.sources.cells import cell as parse_cell
from etl.sources.base import ParseResult, RawFile, source_meta
from etl.sources.columns import ColumnRows, read_columns
from etl.sources.row_memo import RowMemo
from etl.sources.dfe_ees_layouts import (
    DATASETS,
    DUMMY_NAMES,
    GENERIC_TOTALS,
    LEVELS,
    NON_FILTER_COLUMNS,
    PERMALINK_COLUMNS,
    SKIPPED_CODE_PREFIXES,
    SKIPPED_LEVELS,
    UNDERLYING_COLUMNS,
    Dataset,
    Filter,
    Measure,
)


# ------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------
COLUMN_WISE_BYTES = 32 * 1024  # a smaller file reads as fast line by line (pyarrow's setup costs ~1 ms)


def read_rows(raw: RawFile, col: ProblemCollector, by_column: bool = False
              ) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header, and a stream of (file line, cells) of the data rows with cells stripped.

    With ``by_column``, a clean file (``etl.sources.columns``) gives a :class:`ColumnRows` instead: the
    same rows, read a column at a time (cells as tuples).

    A row may carry one extra *empty* trailing cell (seen in NCCIS files); a row with extra
    non-empty cells or too few cells is an error (in ``col``) naming its line and is not yielded.
    Blank lines are ignored.
    """
    rows = raw.csv_rows()
    header: list[str] | None = None
    for header_line, cells in rows:
        width = len(cells)
        cells = [c.strip() for c in cells]
        if any(cells):
            header = cells
            while header and not header[-1]:
                header.pop()
            break
    if header is None:
        raise SourceFormatError(Problem(file=raw.name, message="the file has no header row", row=1,
                                        expected="a header row"))

    big = by_column and width == len(header) and raw.path.stat().st_size >= COLUMN_WISE_BYTES
    if big and (fast := read_columns(raw, width, header_line, set(range(width)))) is not None:
        rows.close()
        return header, ColumnRows(fast, width)

    def data() -> Iterator[tuple[int, list[str]]]:
        for line, cells in rows:
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            if len(cells) > len(header) and not any(cells[len(header):]):
                cells = cells[: len(header)]
            if len(cells) != len(header):
                col.error("the row has the wrong number of cells", row=line,
                          expected=f"{len(header)} cells like the header", found=f"{len(cells)} cells")
                continue
            yield line, cells

    return header, data()


def layout_of(header: list[str]) -> str | None:
    """``underlying``, ``permalink`` or None, from the header cells."""
    lower = {h.strip().lower() for h in header}
    if all(c in lower for c in UNDERLYING_COLUMNS):
        return "underlying"
    if all(c in lower for c in PERMALINK_COLUMNS):
        return "permalink"
    return None


def dataset_of(header: list[str]) -> Dataset | None:
    """The dataset a header belongs to (by its measure columns), or None."""
    lower = {h.strip().lower() for h in header}
    for dataset in DATASETS:
        if any(c in lower for c in dataset.marker_columns):
            return dataset
    return None


# ------------------------------------------------------------------------------------------
# the parser
# ------------------------------------------------------------------------------------------
class _CellCache:
    """parse_cell with memory: EES files repeat the same few strings many times."""

    def __init__(self):
        self._seen: dict[str, tuple[float, str] | None] = {}

    def __call__(self, text: str) -> tuple[float, str] | None:
        if text not in self._seen:
            self._seen[text] = parse_cell(text)
        return self._seen[text]


def _total_candidates(dataset: Dataset, header: list[str], measure_columns: set[str]) -> dict[int, set[str]]:
    """Column index -> the values that would mark it a filter's "all" (a file's other values are not needed)."""
    out = {}
    for i, name in enumerate(header):
        key = name.lower()
        if key in NON_FILTER_COLUMNS or key in measure_columns:
            continue
        rule = dataset.filters.get(key)
        out[i] = set(GENERIC_TOTALS) | set(rule.totals if rule else ())
    return out


def _filter_plan(dataset: Dataset, header: list[str], seen_totals: dict[int, set[str]],
                 measure_columns: set[str]) -> dict[int, tuple[str, Filter, str]]:
    """Column index -> (column name, rule, the value meaning "all" in this file) for every filter;
    ``seen_totals`` holds, per column, the candidate "all" values that occur in the file."""
    plan = {}
    for i, name in enumerate(header):
        key = name.lower()
        if key in NON_FILTER_COLUMNS or key in measure_columns:
            continue
        rule = dataset.filters.get(key)
        values = seen_totals.get(i, set())
        if rule is None:
            if not any(v in GENERIC_TOTALS for v in values):
                continue  # a contextual measure or label column: not a filter
            rule = Filter(GENERIC_TOTALS)
        total = next((t for t in rule.totals if t in values), rule.totals[0])
        plan[i] = (name, rule, total)
    return plan


def _breakdown(cells: list[str], plan: dict[int, tuple[str, Filter, str]], col: ProblemCollector,
               line: int) -> str | None:
    """The row's breakdown label, or None when the row is skipped (reason recorded)."""
    parts = []
    for i, (name, rule, total) in plan.items():
        value = cells[i]
        if value == total:
            continue
        if name.lower() == "level_or_type":  # "Apprenticeships: Advanced" -> level=Advanced
            head, _, tail = value.partition(":")
            if head.strip().lower() not in ("apprenticeships", "apprenticeship"):
                col.skip(f"{name} is not apprenticeships (other FE provision)", line)
                return None
            if tail.strip().lower() in ("", "total"):
                continue
            value = tail.strip()
        if rule.dimension is None:
            col.skip(f"{name} is not '{total}' (only the all-pupils/total rows are used)", line)
            return None
        parts.append(f"{rule.dimension}={value}")
    if len(parts) > 1:
        col.skip("more than one breakdown filter is not a total (cross-tabulations are not used)", line)
        return None
    return parts[0] if parts else "total"


def _area(cells: list[str], idx: dict[str, int], layout: str, col: ProblemCollector,
          line: int) -> tuple[str, str, str] | None:
    """(area_code, area_name, area_level) of a row, or None when skipped or wrong (recorded)."""
    level_text = cells[idx["geographic_level"]]
    key = level_text.lower()
    if key in SKIPPED_LEVELS:
        col.skip(f"geographic_level '{level_text}' is not charted", line)
        return None
    if key not in LEVELS:
        col.error("unknown geographic level", row=line, column="geographic_level",
                  expected="National, Regional, Local authority, Local authority district (or camelCase)",
                  found=level_text)
        return None
    area_level, code_col, name_col = LEVELS[key]
    if layout == "permalink":
        code_col, name_col = "location_code", "location"
    names = [cells[idx[c]] for c in ("region_name", "la_name", "lad_name", "location") if c in idx]
    if any(n.lower() in DUMMY_NAMES for n in names):
        col.skip("publisher's dummy row ('Region demo' / 'LA demo')", line)
        return None
    if code_col not in idx:
        col.error(f"a column needed for '{level_text}' rows is missing", row=line, column=code_col,
                  expected=f"column {code_col}", found="no such column")
        return None
    code = cells[idx[code_col]]
    name = cells[idx[name_col]] if name_col in idx else None
    if code.lower() in ("z", "x", ":"):
        col.skip(f"pseudo-area without a code ({name})", line)
        return None
    if code[:3] in SKIPPED_CODE_PREFIXES:
        col.skip(f"not a standard area ({SKIPPED_CODE_PREFIXES[code[:3]]})", line)
        return None
    if not GSS.match(code):
        col.error("the area code is not a GSS code", row=line, column=code_col,
                  expected="a code like E06000009", found=code)
        return None
    return code, name, area_level


# every column _area may read
_AREA_COLUMNS = {"geographic_level", "region_name", "la_name", "lad_name", "location", "location_code"} | {
    c for _level, code, name in LEVELS.values() for c in (code, name)}


@dataclass(frozen=True)
class _MeasureColumns:
    """Where one measure's cells are in this file: (index, header) of each column it uses."""

    measure: Measure
    value: tuple[int, str]
    weight: tuple[int, str] | None = None
    total: tuple[int, str] | None = None
    interval: tuple[tuple[int, str], tuple[int, str]] | None = None


def _measure_columns(m: Measure, header: list[str], col: ProblemCollector) -> _MeasureColumns | None:
    """The columns of ``m`` found in ``header`` (None when the file does not have the measure)."""
    where = {h.lower(): (i, h) for i, h in enumerate(header)}

    def first(names: tuple[str, ...]) -> tuple[int, str] | None:
        return next((where[n.lower()] for n in names if n.lower() in where), None)

    value = first(m.columns)
    if value is None:
        return None
    weight = first(m.weight)
    if m.weight and weight is None:
        col.warn(f"no {' or '.join(m.weight)} column: {m.indicator} rows have no denominator, "
                 "so areas made of several areas cannot be computed from them")
    interval = None
    if m.interval and all(c.lower() in where for c in m.interval):
        interval = (where[m.interval[0].lower()], where[m.interval[1].lower()])
    return _MeasureColumns(m, value, weight, first(m.total) if weight else None, interval)


def _cell(cells: list[str], where: tuple[int, str], cache: _CellCache, col: ProblemCollector,
          line: int) -> tuple[float, str] | None:
    parsed = cache(cells[where[0]])
    if parsed is None:
        col.error("the cell is not a number or a known marker", row=line, column=where[1],
                  expected="a number or one of c, x, z, ~, low, u, :", found=cells[where[0]])
    return parsed


def _measure_row(plan: _MeasureColumns, cells: list[str], cache: _CellCache, col: ProblemCollector,
                 line: int) -> dict | None:
    parsed = _cell(cells, plan.value, cache, col, line)
    if parsed is None:
        return None
    value, status = parsed
    numerator = denominator = lower = upper = math.nan
    if plan.weight is not None:
        weight = _cell(cells, plan.weight, cache, col, line)
        total = _cell(cells, plan.total, cache, col, line) if plan.total is not None else (math.nan, "")
        if weight is None or total is None:
            return None
        # a weight without its value would bias a sum-of-numerators / sum-of-denominators: keep both or neither
        if not math.isnan(value) and not math.isnan(weight[0]):
            denominator = weight[0]
            numerator = value * denominator / (100.0 if plan.measure.combine == "percent" else 1.0)
            if not math.isnan(total[0]):
                numerator = total[0]  # the publisher's own total: exact, where value * weight is rounded
    if plan.interval is not None:
        ends = [_cell(cells, where, cache, col, line) for where in plan.interval]
        if None in ends:
            return None
        if not math.isnan(value):
            lower, upper = ends[0][0], ends[1][0]
    parts = f"{plan.value[1]} x {plan.weight[1]}" if plan.weight is not None else None
    return {"value": value, "status": status, "numerator": numerator, "denominator": denominator,
            "lower_ci": lower, "upper_ci": upper, "source_column": plan.value[1], "source_parts": parts}


def _indicator_of(dataset: Dataset, m: Measure, cells: list[str], basis_i: int | None, header: list[str],
                  col: ProblemCollector, line: int) -> str | None:
    """The indicator a row of ``m`` feeds: its file's basis (school location / pupil residency) decides."""
    if basis_i is None:
        return m.indicator
    basis = cells[basis_i].strip().lower()
    if basis not in dataset.bases:
        col.error("a basis we do not know", row=line, column=header[basis_i],
                  expected=" or ".join(repr(b) for b in dataset.bases), found=cells[basis_i])
        return None
    return m.by_basis.get(basis, m.indicator)


# the columns parse_ees reads by name (besides a dataset's basis, filter and measure columns)
_NAMED_COLUMNS = {"geographic_level", "region_name", "la_name", "lad_name", "location", "location_code",
                  "time_period", "time_identifier", "version", "old_la_code", "new_la_code"} | {
    c for _level, code, name in LEVELS.values() for c in (code, name)}


def _columns_read(idx: dict[str, int], dataset: Dataset, plan: dict, measures: list[_MeasureColumns]) -> set[int]:
    """The indexes of every column parse_ees reads from a row (the others need not be made)."""
    names = _NAMED_COLUMNS | ({dataset.basis_column} if dataset.basis_column else set())
    out = {idx[n] for n in names if n in idx} | set(plan)
    for m in measures:
        out |= {where[0] for where in (m.value, m.weight, m.total, *(m.interval or ())) if where is not None}
    return out


def parse_ees(raw: RawFile, dataset: Dataset) -> ParseResult:
    """Parse an EES underlying or permalink CSV of ``dataset`` into tidy rows."""
    col = ProblemCollector(raw.name)
    header, rows = read_rows(raw, col, by_column=True)
    layout = layout_of(header)
    if layout is None:
        wanted = PERMALINK_COLUMNS if "location" in {h.lower() for h in header} else UNDERLYING_COLUMNS
        missing = [c for c in wanted if c not in {h.lower() for h in header}]
        raise SourceFormatError([Problem(file=raw.name, message="a required column is missing", row=1, column=c,
                                         expected="an explore-education-statistics header ("
                                                  + ", ".join(wanted) + ")",
                                         found=", ".join(header[:12])) for c in missing])
    idx = {h.lower(): i for i, h in enumerate(header)}
    measures = [plan for m in dataset.measures if (plan := _measure_columns(m, header, col)) is not None]
    if not measures:
        raise SourceFormatError(Problem(file=raw.name, message="no known measure column", row=1,
                                        expected=", ".join(c for m in dataset.measures for c in m.columns),
                                        found=", ".join(header)))
    measure_columns = {c.lower() for d in DATASETS for m in d.measures
                       for c in m.columns + m.weight + m.total + (m.interval or ())}
    candidates = _total_candidates(dataset, header, measure_columns)
    seen_totals: dict[int, set[str]] = {}
    if isinstance(rows, ColumnRows):  # a clean file: its "all" values found a column at a time, and rows
        seen_totals, candidates = rows.seen(candidates), {}  # made of only the columns read below
        plan = _filter_plan(dataset, header, seen_totals, measure_columns)
        from etl.sources.ees_columnar import ees_table  # (it uses this module's checks)

        if (fast := ees_table(rows.cols, rows.width, header, idx, layout, dataset, measures, plan, col)) is not None:
            return ParseResult("indicators", fast[0], source_meta(dataset.source_id), col.warnings,
                               extras={"la_codes": fast[1]})
        rows = rows.only(_columns_read(idx, dataset, plan, measures))
    ident_i = idx.get("time_identifier")
    periods: dict[tuple[str, str], str | None] = {}
    kept: list[tuple[int, list[str], tuple[str, str, str], str]] = []
    area_of = RowMemo(lambda cells, problems, line: _area(cells, idx, layout, problems, line),
                      sorted({idx[c] for c in _AREA_COLUMNS if c in idx}))
    for line, cells in col.until_full(rows):
        for i, values in candidates.items():
            if cells[i] in values:
                seen_totals.setdefault(i, set()).add(cells[i])
        area = area_of(cells, col, line)
        if area is None:
            continue
        tp, ident = cells[idx["time_period"]], cells[ident_i] if ident_i is not None else ""
        if (tp, ident) not in periods:
            periods[(tp, ident)] = parse_dfe_time_period(tp, ident)
        period = periods[(tp, ident)]
        if period is None:
            col.error("the time period is not understood", row=line, column="time_period",
                      expected="a year like 2021 or an academic year like 201718", found=tp)
            continue
        kept.append((line, cells, area, period))
    if col.full:
        col.raise_if_any()
    plan = _filter_plan(dataset, header, seen_totals, measure_columns)
    version_i = idx.get("version")
    basis_i = idx.get(dataset.basis_column) if dataset.basis_column else None
    cache = _CellCache()
    out: list[dict] = []
    for line, cells, area, period in col.until_full(kept):
        breakdown = _breakdown(cells, plan, col, line)
        if breakdown is None:
            continue
        provisional = version_i is not None and cells[version_i].lower() == "provisional"
        for plan_m in measures:
            indicator_id = _indicator_of(dataset, plan_m.measure, cells, basis_i, header, col, line)
            row = _measure_row(plan_m, cells, cache, col, line) if indicator_id else None
            if row is None:
                continue
            if provisional and row["status"] == "ok":
                row["status"] = "provisional"
            out.append({"indicator": indicator_id, "area_code": area[0], "area_name": area[1],
                        "area_level": area[2], "period": period, "breakdown": breakdown, "unit": plan_m.measure.unit,
                        "source": dataset.source_id, "source_row": line, **row})
    out = _resolve_duplicates(out, col)
    col.raise_if_any()
    return ParseResult("indicators", tidy_frame(out), source_meta(dataset.source_id), col.warnings,
                       extras={"la_codes": la_code_pairs(kept, idx)})


def la_code_pairs(kept: list, idx: dict[str, int]) -> pd.DataFrame:
    """la_number (DfE's 3-digit number, int) and area_code (GSS) as the file pairs them in its
    ``old_la_code`` and ``new_la_code`` columns (empty when it has none)."""
    old_i, new_i = idx.get("old_la_code"), idx.get("new_la_code")
    pairs = set()
    if old_i is not None and new_i is not None:
        for old, new in {(cells[old_i].strip(), cells[new_i].strip()) for _line, cells, _area, _period in kept}:
            if re.fullmatch(r"[0-9]{3}", old) and re.fullmatch(r"E[0-9]{8}", new):  # (each distinct pair once)
                pairs.add((int(old), new))
    if not pairs:
        return pd.DataFrame({"la_number": pd.Series([], dtype="int64"), "area_code": pd.Series([], dtype=object)})
    numbers, codes = zip(*sorted(pairs))  # (columns made as they are typed: no astype over the frame)
    return pd.DataFrame({"la_number": np.array(numbers, dtype="int64"), "area_code": list(codes)})


def _resolve_duplicates(rows: list[dict], col: ProblemCollector) -> list[dict]:
    """Drop a unitary's LA row when its district row is also given with the same value (or only one of
    them has a value); two different values, or any other repeat, is an error."""
    seen: dict[tuple, int] = {}
    keep: list[dict] = []
    for row in rows:
        key = (row["indicator"], row["area_code"], row["period"], row["breakdown"])
        if key not in seen:
            seen[key] = len(keep)
            keep.append(row)
            continue
        first = keep[seen[key]]
        levels = {first["area_level"], row["area_level"]}
        if levels == {"upper_tier", "district"}:
            district, other = (first, row) if first["area_level"] == "district" else (row, first)
            if math.isnan(district["value"]) and not math.isnan(other["value"]):
                # e.g. no district tables that year: the LA row's value stands for the unitary
                reason = "a unitary authority given at both LA and district level: the LA row's value is used"
                district, other = {**other, "area_level": "district"}, district
            elif math.isnan(district["value"]) or math.isnan(other["value"]) or \
                    abs(district["value"] - other["value"]) < 1e-9:
                reason = "a unitary authority given at both LA and district level: the district row is used"
            else:
                col.error("a unitary authority given at both LA and district level with different values",
                          row=row["source_row"], column=row["source_column"],
                          expected=f"{first['value']:g} as on line {first['source_row']} (which one is right?)",
                          found=f"{row['value']:g}")
                continue
            keep[seen[key]] = district
            col.skip(reason, other["source_row"])
            continue
        col.error("the same indicator, area, period and breakdown appear twice", row=row["source_row"],
                  column=row["source_column"], expected="one row per area, period and filter values",
                  found=f"{row['area_code']} {row['period']} {row['breakdown']} also on line {first['source_row']}")
    return keep


class EesParser:
    """One EES dataset (NEET / KS4 / apprenticeships), underlying or permalink layout."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self.name = f"DfE explore-education-statistics CSV ({source_meta(dataset.source_id).title})"

    def sniff(self, raw: RawFile) -> bool:
        if raw.looks_binary or raw.is_spreadsheet:
            return False
        header = raw.first_row()
        return layout_of(header) is not None and dataset_of(header) is self.dataset

    def parse(self, raw: RawFile) -> ParseResult:
        return parse_ees(raw, self.dataset)


PARSERS = [EesParser(d) for d in DATASETS]
