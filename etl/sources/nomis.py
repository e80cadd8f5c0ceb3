"""ONS claimant count from Nomis (dataset NM_162_1, "Claimant count by sex and age") -> tidy rows.

Two layouts, recognised by content (the query tool's in ``nomis_query``):

- **Nomis API CSV** (``/api/v01/dataset/NM_162_1.data.csv``): one observation per line with
  upper-case columns (``DATE_NAME``, ``GEOGRAPHY_CODE``, ``GENDER_NAME``, ``AGE_NAME``,
  ``MEASURE_NAME``, ``MEASURES_NAME``, ``OBS_VALUE``, ``OBS_STATUS`` ...), either the full default
  column set or a ``select=`` subset.
- **Nomis query-tool CSV**: title lines (dataset name, "ONS Crown Copyright Reserved [from Nomis
  on ...]", ``"date :","March 2020"``-style lines fixing one value of a dimension), then one or more
  tables whose header's first cell is the geography type and second ``mnemonic`` (the codes), one
  column per date, measure, sex or age band, and footnote lines below.

Decisions (see the module tables): only ``MEASURES_NAME`` "Value" rows are used; "Percent" rows
(the share of a total, not a rate) are skipped with one warning. Measures 3 and 4 of NM_162_1
(proportions of the economically active / workforce) are not in the catalogue and are skipped
with a warning; any other measure name is an error. A claimant rate row gets ``numerator`` = the
matching claimant count and ``denominator`` = count / rate * 100 (residents aged 16-64 implied)
so the build can aggregate it; without a usable count row both stay NaN. Only English (E...)
codes are kept: the product is England-only (other codes are dropped with one warning).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from etl.distinct import numbered
from etl.errors import Problem, ProblemCollector, SourceFormatError
from vocab.periods import parse_month_name
from etl.schema import GSS, MARKERS, STATUSES_WITH_VALUE, tidy_frame
from etl.sources.cells import cell as parse_cell
from etl.sources.base import ParseResult, RawFile, source_meta
from etl.texts import TEXT_COLUMNS, as_categories

META = source_meta("ons_nomis_claimant_count")

# MEASURE_NAME (lower case) -> (indicator id, unit); None = a real NM_162_1 measure we do not use.
MEASURES: dict[str, tuple[str, str] | None] = {
    "claimant count": ("claimant_count", "count"),
    "claimants as a proportion of residents aged 16-64": ("claimant_rate", "percent"),
    "claimants as a proportion of economically active residents aged 16+": None,
    "claimants as a proportion of the workforce": None,
}
# MEASURES_NAME (lower case) -> kept?  "Percent" is each cell as a share of its total, not a rate.
MEASURES_KIND: dict[str, bool] = {"value": True, "percent": False, "20100": True, "20301": False}

# GENDER_NAME (lower case) -> breakdown value (None = all people)
SEXES: dict[str, str | None] = {"total": None, "all persons": None, "persons": None, "all": None,
                                "male": "male", "males": "male", "female": "female", "females": "female"}
# AGE_NAME (lower case) meaning every age; other labels are bands "Aged 18-24" -> "18-24".
AGE_TOTALS = {"all categories: age 16+", "all ages", "age 16+", "aged 16+", "total", "all categories: age"}
AGE_BAND = re.compile(r"^(?:aged?\s+)?(\d{1,2}\s*(?:-\s*\d{1,2}|\+))$", re.IGNORECASE)
AGE_UNKNOWN = re.compile(r"^age unknown", re.IGNORECASE)

# Nomis OBS_STATUS code -> our status word.  A = "Normal Value"; Q = "These figures are missing.";
# X / ! / * = withheld as disclosive; P / R = provisional / revised values.
OBS_STATUS: dict[str, str] = {"A": "ok", "E": "ok", "Q": "not_available", "M": "not_available",
                              "X": "suppressed", "!": "suppressed", "*": "suppressed", "P": "provisional",
                              "R": "revised", "-": "not_available", "..": "not_available"}
# OBS_STATUS_NAME wording when the code is not one we know
STATUS_WORDS: tuple[tuple[str, str], ...] = (("missing", "not_available"), ("not available", "not_available"),
                                             ("suppress", "suppressed"), ("disclos", "suppressed"),
                                             ("confidential", "suppressed"), ("provisional", "provisional"),
                                             ("revised", "revised"), ("normal", "ok"))

# API CSV: our field -> accepted Nomis column names (first present wins)
API_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("DATE_NAME", "DATE_CODE", "DATE"),
    "area_code": ("GEOGRAPHY_CODE",),
    "area_name": ("GEOGRAPHY_NAME",),
    "sex": ("GENDER_NAME", "SEX_NAME", "C_SEX_NAME"),
    "age": ("AGE_NAME", "C_AGE_NAME"),
    "measure": ("MEASURE_NAME",),
    "measures": ("MEASURES_NAME", "MEASURES"),  # MEASURES codes: 20100 value, 20301 percent
    "value": ("OBS_VALUE",),
    "status": ("OBS_STATUS",),
    "status_name": ("OBS_STATUS_NAME",),
    "conf": ("OBS_CONF",),
}
API_REQUIRED = ("date", "area_code", "measure", "value")



# ---------------------------------------------------------------------------------------------
# shared helpers


def normalise_age(label: str) -> str | None:
    """'All categories: Age 16+' -> 'total'; 'Aged 18-24' -> '18-24'; 'Aged 50+' -> '50+'; else None."""
    text = " ".join(str(label).split())
    if text.lower() in AGE_TOTALS:
        return "total"
    if m := AGE_BAND.match(text):
        return m[1].replace(" ", "")
    if AGE_UNKNOWN.match(text):
        return "unknown"
    return None


def breakdown_label(age: str, sex: str | None) -> str:
    """Our breakdown text: 'total', 'age=18-24', 'sex=female' or 'age=18-24;sex=female'."""
    parts = [f"age={age}"] if age != "total" else []
    if sex:
        parts.append(f"sex={sex}")
    return ";".join(parts) or "total"


def status_of(code: str, name: str = "", conf: str = "") -> str | None:
    """Nomis OBS_STATUS (+ OBS_STATUS_NAME, OBS_CONF) -> our status word; '' -> None; unknown -> '?'."""
    if conf.strip().upper() in ("T", "TRUE"):
        return "suppressed"
    code = code.strip()
    if not code:
        return None
    if code.upper() in OBS_STATUS:
        return OBS_STATUS[code.upper()]
    if code.lower() in MARKERS:
        return MARKERS[code.lower()]
    lowered = name.lower()
    for word, status in STATUS_WORDS:
        if word in lowered:
            return status
    return "?"


def observation(text: str, status: str | None) -> tuple[float, str] | None:
    """A value cell and its status -> (value, status); None when the cell is not a number or marker.

    A status that carries no value (missing, suppressed) always gives NaN, even beside a 0.
    """
    cell = parse_cell(text)
    if cell is None:
        return None
    value, cell_status = cell
    if status in (None, "?"):
        return value, cell_status
    if status not in STATUSES_WITH_VALUE:
        return math.nan, status
    if math.isnan(value):  # the status promises a value but the cell is a marker or blank
        return math.nan, cell_status
    return value, status


def _add_ratio_parts(records: list[dict]) -> None:
    """Rate rows get numerator = the matching count and denominator = count / rate * 100."""
    counts = {(r["area_code"], r["period"], r["breakdown"]): r["value"] for r in records
              if r["indicator"] == "claimant_count"}
    for r in records:
        if r["indicator"] != "claimant_rate":
            continue
        count = counts.get((r["area_code"], r["period"], r["breakdown"]), math.nan)
        rate = r["value"]
        if math.isnan(count) or math.isnan(rate) or rate <= 0:  # no count, or 0 %: residents unknown
            r["numerator"] = r["denominator"] = math.nan
            continue
        r["numerator"] = count
        r["denominator"] = count / rate * 100.0


def fill_rate_parts(df: pd.DataFrame) -> pd.DataFrame:
    """Tidy rows of this source -> the same rows with each claimant_rate row's numerator/denominator
    filled from the matching claimant_count row (for counts and rates that arrived in different
    files, e.g. two API pages). Rows that already have both parts are left as they are."""
    is_rate = ((df["indicator"] == "claimant_rate") & (df["numerator"].isna() | df["denominator"].isna())).to_numpy()
    if not is_rate.any():
        return df
    df = df.copy(deep=False)  # copy-on-write: only the two columns filled below are copied
    key = np.zeros(len(df), dtype=np.int64)  # (area, period, breakdown) as one number per row
    for column in ("area_code", "period", "breakdown"):
        codes, size = numbered(df[column])
        key = key * (size + 1) + codes
    count_rows = np.flatnonzero((df["indicator"] == "claimant_count").to_numpy())
    # only the counts some rate lacks (a handful where each page has its counts and rates): the lookup
    # is then built over those, not over millions of counts
    count_rows = count_rows[np.isin(key[count_rows], key[is_rate])]
    counts = pd.Index(key[count_rows])
    first = ~counts.duplicated(keep="first")
    where = counts[first].get_indexer(key[is_rate])
    values = df["value"].to_numpy(dtype="float64")[count_rows][first]
    found = values[np.clip(where, 0, None)] if len(values) else np.full(len(where), math.nan)
    count = np.where(where >= 0, found, math.nan)
    rate = df["value"].to_numpy(dtype="float64")[is_rate]
    usable = ~np.isnan(count) & (rate > 0)  # (a missing rate is not > 0)
    rows = np.flatnonzero(is_rate)[usable]  # positions: set in place of two label-aligned loc assignments
    for column, parts in (("numerator", count[usable]), ("denominator", count[usable] / rate[usable] * 100.0)):
        filled = df[column].to_numpy(dtype="float64", copy=True)
        filled[rows] = parts
        df[column] = filled
    return df


def finish(records: list[dict], problems: ProblemCollector) -> ParseResult:
    """Duplicate check, ratio parts, tidy frame."""
    seen: dict[tuple, int] = {}
    for r in records:
        key = (r["indicator"], r["area_code"], r["period"], r["breakdown"])
        if key in seen:
            problems.error("a duplicate row: the same measure, area, date, sex and age appear twice",
                           row=r["source_row"], expected=f"one row per key (first seen on row {seen[key]})",
                           found=" ".join(key))
        else:
            seen[key] = r["source_row"]
    problems.raise_if_any()
    if not records:
        raise SourceFormatError(Problem(file=problems.file, message="the file has no claimant count rows",
                                        expected="rows for 'Claimant count' or 'Claimants as a proportion of "
                                                 "residents aged 16-64'"))
    _add_ratio_parts(records)
    table = as_categories(tidy_frame(records), TEXT_COLUMNS + ("source_column",))  # as the column-wise reader
    return ParseResult(kind="indicators", table=table, meta=META, warnings=problems.warnings)


def finish_frame(frame: pd.DataFrame, problems: ProblemCollector) -> ParseResult:
    """``finish`` for the records of a clean file read column-wise (checked for duplicates already)."""
    frame = fill_rate_parts(frame.assign(numerator=math.nan, denominator=math.nan))
    return ParseResult(kind="indicators", table=tidy_frame(frame), meta=META, warnings=problems.warnings)


def record(problems: ProblemCollector, line: int, *, code: str, name: str | None, date: str, sex: str, age: str,
            measure: str, value_text: str, status: str | None, columns: dict[str, str],
            skipped: dict[str, list[int]]) -> dict | None:
    """Validate one observation's cells -> a record (or None when skipped / in error)."""
    ok = True
    measure_key = " ".join(measure.split()).lower()
    if measure_key not in MEASURES:
        problems.error("an unknown measure", row=line, column=columns["measure"],
                       expected="one of: " + "; ".join(f"'{m}'" for m in MEASURES), found=measure)
        ok = False
    elif MEASURES[measure_key] is None:
        skip(skipped, f"measure '{measure.strip()}' (not in the catalogue)", line)
        return None
    period = parse_month_name(date)
    if period is None:
        problems.error("a date that is not a month", row=line, column=columns["date"],
                       expected="a month such as 'March 2020' or '2020-03'", found=date)
        ok = False
    sex_key = " ".join(sex.split()).lower()
    if sex_key not in SEXES:
        problems.error("an unknown sex", row=line, column=columns["sex"], expected="Total, Male or Female",
                       found=sex)
        ok = False
    age_band = normalise_age(age)
    if age_band is None:
        problems.error("an unknown age band", row=line, column=columns["age"],
                       expected="'All categories: Age 16+' or a band such as 'Aged 18-24'", found=age)
        ok = False
    if not GSS.match(code):
        problems.error("a geography code that is not a GSS code", row=line, column=columns["area_code"],
                       expected="a 9-character ONS code such as E07000117", found=code)
        ok = False
    if status == "?":
        problems.warn("an observation status we do not know; the value is kept as published", row=line,
                      column=columns.get("status"), found=value_text)
    obs = observation(value_text, status)
    if obs is None:
        problems.error("text where a number belongs", row=line, column=columns["value"],
                       expected="a number, a Nomis marker (-, *, !, ..) or an empty cell", found=value_text)
        ok = False
    if not ok:
        return None
    if not code.startswith("E"):
        skip(skipped, "areas outside England (the product is England-only)", line)
        return None
    indicator, unit = MEASURES[measure_key]
    return {"source_row": line, "source_column": columns["value"], "indicator": indicator, "area_code": code,
            "area_name": name or None, "area_level": None, "period": period,
            "breakdown": breakdown_label(age_band, SEXES[sex_key]), "value": obs[0], "status": obs[1], "unit": unit,
            "source": META.source_id}


def skip(skipped: dict[str, list[int]], what: str, line: int) -> None:
    """Count a row skipped on purpose: [first line, rows] per reason (however many rows, two numbers)."""
    skipped.setdefault(what, [line, 0])[1] += 1


def warn_skipped(problems: ProblemCollector, skipped: dict[str, list[int]]) -> None:
    for what, (first, count) in skipped.items():
        problems.warn(f"{count} row(s) skipped: {what}", row=first)


# ---------------------------------------------------------------------------------------------
# Nomis API CSV


def _api_header(raw: RawFile) -> list[str]:
    first = raw.first_row()
    return [c.strip().upper() for c in first]


class NomisApiParser:
    """Nomis API CSV (``NM_162_1.data.csv``), full column set or a ``select=`` subset."""

    name = "Nomis API CSV (claimant count, NM_162_1)"

    def sniff(self, raw: RawFile) -> bool:
        try:
            if raw.looks_binary:
                return False
            # by header only, so a file with a wrong measure or a missing OBS_VALUE is parsed and its
            # problems named, rather than reported as an unknown layout
            header = set(_api_header(raw))
            return {"GEOGRAPHY_CODE", "MEASURE_NAME"} <= header and bool({"OBS_VALUE", "OBS_STATUS"} & header)
        except Exception:
            return False

    def parse(self, raw: RawFile) -> ParseResult:
        rows = ((line, cells) for line, cells in raw.csv_rows() if any(c.strip() for c in cells))
        problems = ProblemCollector(raw.name)
        first = next(rows, None)
        if first is None:
            raise SourceFormatError(Problem(file=raw.name, message="the file has no header row",
                                            expected="a Nomis API header row"))
        header_line, header = first
        header = [c.strip().upper() for c in header]
        where: dict[str, int] = {}
        for field, names in API_COLUMNS.items():
            for n in names:
                if n in header:
                    where[field] = header.index(n)
                    break
        missing = [API_COLUMNS[f][0] for f in API_REQUIRED if f not in where]
        if missing:
            raise SourceFormatError([Problem(file=raw.name, message="a required column is missing", row=header_line,
                                             column=c, expected="Nomis API columns " + ", ".join(
                                                 API_COLUMNS[f][0] for f in API_REQUIRED),
                                             found=", ".join(header)) for c in missing])
        columns = {f: header[i] for f, i in where.items()}
        columns.setdefault("sex", "GENDER_NAME")
        columns.setdefault("age", "AGE_NAME")
        from etl.sources.nomis_columnar import parse_clean  # it builds on this module's checks

        if (frame := parse_clean(raw, header, header_line, where, columns, problems)) is not None:
            return finish_frame(frame, problems)
        records, skipped = [], {}

        def cell(cells: list[str], field: str, default: str = "") -> str:
            i = where.get(field)
            return cells[i].strip() if i is not None else default

        for line, cells in problems.until_full(rows):
            if len(cells) != len(header):
                problems.error("a row with the wrong number of cells (truncated or joined line?)", row=line,
                               expected=f"{len(header)} cells as in the header", found=f"{len(cells)} cells")
                continue
            measures = cell(cells, "measures", "Value").lower()
            if measures not in MEASURES_KIND:
                problems.error("an unknown MEASURES value", row=line, column=columns.get("measures"),
                               expected="Value or Percent", found=cell(cells, "measures"))
                continue
            if not MEASURES_KIND[measures]:
                skip(skipped, "MEASURES_NAME 'Percent' (shares of a total, not rates)", line)
                continue
            status = status_of(cell(cells, "status"), cell(cells, "status_name"), cell(cells, "conf"))
            rec = record(problems, line, code=cell(cells, "area_code"), name=cell(cells, "area_name"),
                          date=cell(cells, "date"), sex=cell(cells, "sex", "Total"),
                          age=cell(cells, "age", "All categories: Age 16+"), measure=cell(cells, "measure"),
                          value_text=cell(cells, "value"), status=status, columns=columns, skipped=skipped)
            if rec is not None:
                records.append(rec)
        warn_skipped(problems, skipped)
        return finish(records, problems)


PARSERS = [NomisApiParser()]


# Applied by the build to all rows of a source once every file is combined (see base.all_finalisers).
FINALISERS = {META.source_id: fill_rate_parts}
