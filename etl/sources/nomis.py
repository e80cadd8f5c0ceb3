"""ONS claimant count from Nomis (dataset NM_162_1, "Claimant count by sex and age") -> tidy rows.

Two layouts, recognised by content:

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

import csv
import math
import re
from collections import deque
from collections.abc import Iterator

import pandas as pd

from etl.errors import Problem, ProblemCollector, SourceFormatError
from vocab.periods import parse_month_name
from etl.schema import GSS, MARKERS, STATUSES_WITH_VALUE, parse_cell, tidy_frame
from etl.sources.base import ParseResult, RawFile, source_meta

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

# Query tool: "label :" title lines -> the dimension they fix
QUERY_LABELS: dict[str, str] = {"date": "date", "sex": "sex", "gender": "sex", "age": "age", "measure": "measure",
                                "measures": "measures", "geography": "geography", "units": "units"}
# Query-tool column headings that carry no observation (skipped)
QUERY_SKIP_COLUMNS = {"", "flag", "flags", "conf", "numerator", "denominator", "note", "notes"}

# A query-tool download has a title and a few footnote and blank lines around its tables; far more is not one.
MAX_LINES_OUTSIDE_TABLES = 500
CODE_AND_NAME = re.compile(r"^([EWSNK]\d{8})\s*:\s*(.+)$")
LABEL_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z /]*?)\s*:\s*(.*)$")


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
    df = df.copy()
    key = ["area_code", "period", "breakdown"]
    counts = df[df["indicator"] == "claimant_count"].drop_duplicates(key).set_index(key)["value"]
    is_rate = (df["indicator"] == "claimant_rate") & (df["numerator"].isna() | df["denominator"].isna())
    count = pd.Series(list(zip(*(df.loc[is_rate, k] for k in key))), index=df.index[is_rate], dtype=object).map(
        lambda k: counts.get(k, math.nan)).astype("float64")
    rate = df.loc[is_rate, "value"]
    usable = count.notna() & rate.notna() & (rate > 0)
    df.loc[usable[usable].index, "numerator"] = count[usable]
    df.loc[usable[usable].index, "denominator"] = count[usable] / rate[usable] * 100.0
    return df


def _finish(records: list[dict], problems: ProblemCollector) -> ParseResult:
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
    return ParseResult(kind="indicators", table=tidy_frame(records), meta=META, warnings=problems.warnings)


def _record(problems: ProblemCollector, line: int, *, code: str, name: str | None, date: str, sex: str, age: str,
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
        _skip(skipped, f"measure '{measure.strip()}' (not in the catalogue)", line)
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
        _skip(skipped, "areas outside England (the product is England-only)", line)
        return None
    indicator, unit = MEASURES[measure_key]
    return {"source_row": line, "source_column": columns["value"], "indicator": indicator, "area_code": code,
            "area_name": name or None, "area_level": None, "period": period,
            "breakdown": breakdown_label(age_band, SEXES[sex_key]), "value": obs[0], "status": obs[1], "unit": unit,
            "source": META.source_id}


def _skip(skipped: dict[str, list[int]], what: str, line: int) -> None:
    """Count a row skipped on purpose: [first line, rows] per reason (however many rows, two numbers)."""
    skipped.setdefault(what, [line, 0])[1] += 1


def _warn_skipped(problems: ProblemCollector, skipped: dict[str, list[int]]) -> None:
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
                _skip(skipped, "MEASURES_NAME 'Percent' (shares of a total, not rates)", line)
                continue
            status = status_of(cell(cells, "status"), cell(cells, "status_name"), cell(cells, "conf"))
            rec = _record(problems, line, code=cell(cells, "area_code"), name=cell(cells, "area_name"),
                          date=cell(cells, "date"), sex=cell(cells, "sex", "Total"),
                          age=cell(cells, "age", "All categories: Age 16+"), measure=cell(cells, "measure"),
                          value_text=cell(cells, "value"), status=status, columns=columns, skipped=skipped)
            if rec is not None:
                records.append(rec)
        _warn_skipped(problems, skipped)
        return _finish(records, problems)


# ---------------------------------------------------------------------------------------------
# Nomis query-tool CSV


def _label_line(cells: list[str]) -> tuple[str, str] | None:
    """'"date :","March 2020"' or '"date : March 2020"' -> ('date', 'March 2020'); else None."""
    filled = [c.strip() for c in cells if c.strip()]
    if not filled:
        return None
    m = LABEL_LINE.match(filled[0])
    if not m:
        return None
    key = " ".join(m[1].split()).lower()
    if key not in QUERY_LABELS:
        return None
    value = m[2].strip() or (filled[1] if len(filled) > 1 else "")
    return (QUERY_LABELS[key], value) if value else None


def _column_dimension(heading: str) -> tuple[str, str] | None:
    """What a query-tool column heading varies: ('date'|'measure'|'sex'|'age', label) or None."""
    text = " ".join(heading.split())
    if text.lower() in MEASURES:
        return "measure", text
    if parse_month_name(text):
        return "date", text
    if text.lower() in SEXES:
        return "sex", text
    if normalise_age(text) is not None:
        return "age", text
    return None


def _is_data_row(cells: list[str], has_mnemonic: bool) -> bool:
    first = cells[0].strip() if cells else ""
    if CODE_AND_NAME.match(first):
        return True
    if has_mnemonic and len(cells) > 1 and GSS.match(cells[1].strip()):
        return True
    return sum(1 for c in cells if c.strip()) >= 3


def _is_header(cells: list[str], following: list[tuple[int, list[str]]]) -> bool:
    """A table header: second cell 'mnemonic', or >= 2 cells followed by a 'CODE : name' row
    (``following`` = the next two rows)."""
    cells = [c.strip() for c in cells]
    if len(cells) >= 3 and cells[1].lower() == "mnemonic":
        return True
    if sum(1 for c in cells if c) < 2 or _label_line(cells):
        return False
    for _, nxt in following:
        if not any(c.strip() for c in nxt):
            continue
        return bool(CODE_AND_NAME.match(nxt[0].strip()))
    return False


class _Lookahead:
    """Rows read one at a time with a peek at the next few (a query-tool table is known by the row
    after its header), so the file is never held in memory."""

    def __init__(self, rows: Iterator[tuple[int, list[str]]]):
        self._rows, self._buffer = rows, deque()

    def peek(self, n: int) -> list[tuple[int, list[str]]]:
        while len(self._buffer) < n and (row := next(self._rows, None)) is not None:
            self._buffer.append(row)
        return list(self._buffer)[:n]

    def pop(self) -> tuple[int, list[str]] | None:
        return self._buffer.popleft() if self.peek(1) else None


class NomisQueryParser:
    """Nomis query-tool CSV download (title lines, geography x date/measure table, footnotes)."""

    name = "Nomis query-tool CSV (claimant count)"

    def sniff(self, raw: RawFile) -> bool:
        try:
            if raw.looks_binary:
                return False
            head = raw.head_text(60)
            text = "\n".join(head).lower()
            if "nomis" not in text or "claimant" not in text:
                return False
            for cells in csv.reader(head):  # a table header with codes, as the query tool writes it
                cells = [c.strip() for c in cells]
                if len(cells) >= 3 and cells[1].lower() == "mnemonic" or cells and CODE_AND_NAME.match(cells[0]):
                    return True
            return False
        except Exception:
            return False

    def parse(self, raw: RawFile) -> ParseResult:
        rows = _Lookahead(raw.csv_rows())
        problems = ProblemCollector(raw.name)
        records, skipped = [], {}
        context: dict[str, tuple[str, int]] = {}  # dimension -> (value, line) from title lines
        tables = outside = 0
        while not problems.full and (row := rows.pop()) is not None:
            line, cells = row
            label = _label_line(cells)
            if label:
                context[label[0]] = (label[1], line)
                continue
            if not _is_header(cells, rows.peek(2)):
                outside += 1  # a title, footnote or blank line
                if outside > MAX_LINES_OUTSIDE_TABLES:
                    problems.error(f"more than {MAX_LINES_OUTSIDE_TABLES} lines outside any table", row=line,
                                   expected="a query-tool download: title lines, tables and a few footnotes",
                                   found=",".join(cells)[:80])
                    break
                continue
            tables += 1
            self._table(line, cells, rows, context, problems, records, skipped)
        if problems.full and rows.peek(1):
            problems.stop(rows.peek(1)[0][0])
        problems.raise_if_any()
        if not tables:
            raise SourceFormatError(Problem(file=raw.name, message="no table found under the title lines",
                                            expected="a header row whose first cell is the geography type and "
                                                     "second 'mnemonic' (tick 'show codes' in the query tool)"))
        _warn_skipped(problems, skipped)
        return _finish(records, problems)

    def _table(self, header_line, header, rows, context, problems, records, skipped) -> None:
        """Parse the table under ``header``, reading ``rows`` up to its last data row."""
        header = [c.strip() for c in header]
        has_mnemonic = len(header) > 1 and header[1].lower() == "mnemonic"
        first_value = 2 if has_mnemonic else 1
        columns: list[tuple[int, str, str]] = []  # (cell index, dimension, label)
        errors_before = len(problems.errors)
        for j, heading in enumerate(header[first_value:], start=first_value):
            if heading.lower() in QUERY_SKIP_COLUMNS:
                continue
            dim = _column_dimension(heading)
            if dim is None:
                problems.error("a column heading we do not understand", row=header_line, column=heading,
                               expected="a month ('March 2020'), a measure ('Claimant count'), a sex or an "
                                        "age band", found=heading)
                continue
            columns.append((j, dim[0], dim[1]))
        dims = {d for _, d, _ in columns}
        for needed, example in (("date", "'date :','March 2020'"), ("measure", "'measure :','Claimant count'")):
            if needed not in dims and needed not in context:
                problems.error(f"the table does not say which {needed} it shows", row=header_line,
                               expected=f"a title line such as {example} or one column per {needed}",
                               found=", ".join(header))
        measures = context.get("measures", ("Value", 0))[0].lower()
        keep = MEASURES_KIND.get(measures, True)
        header_ok = len(problems.errors) == errors_before
        started = False
        while not problems.full and (following := rows.peek(1)):
            line, cells = following[0]
            if not any(c.strip() for c in cells):
                if started:
                    break
                rows.pop()
                continue
            if not _is_data_row(cells, has_mnemonic):
                break
            started = True
            rows.pop()
            if not header_ok:
                continue  # the header's problems are reported once, not on every row
            first = cells[0].strip()
            if m := CODE_AND_NAME.match(first):
                code, name = m[1], m[2].strip()
            elif has_mnemonic:
                code, name = (cells[1].strip() if len(cells) > 1 else ""), first
            else:
                problems.error("a row without a geography code", row=line, column=header[0],
                               expected="'CODE : name' or a 'mnemonic' column", found=first)
                continue
            if len(cells) < len(header) and any(j >= len(cells) for j, _, _ in columns):
                problems.error("a row with fewer cells than the header (truncated line?)", row=line,
                               expected=f"{len(header)} cells", found=f"{len(cells)} cells")
                continue
            if not keep:
                _skip(skipped, "a 'Percent' table (shares of a total, not rates)", line)
                continue
            for j, dim, label in columns:
                fixed = {k: v for k, (v, _) in context.items()}
                fixed[dim] = label
                rec = _record(problems, line, code=code, name=name, date=fixed.get("date", ""),
                              sex=fixed.get("sex", "Total"), age=fixed.get("age", "All categories: Age 16+"),
                              measure=fixed.get("measure", ""), value_text=cells[j], status=None,
                              columns={"measure": header[j] if dim == "measure" else "measure",
                                       "date": header[j] if dim == "date" else "date",
                                       "sex": header[j] if dim == "sex" else "sex",
                                       "age": header[j] if dim == "age" else "age",
                                       "area_code": header[1] if has_mnemonic else header[0],
                                       "value": header[j]},
                              skipped=skipped)
                if rec is not None:
                    records.append(rec)


PARSERS = [NomisApiParser(), NomisQueryParser()]


# Applied by the build to all rows of a source once every file is combined (see base.all_finalisers).
FINALISERS = {META.source_id: fill_rate_parts}
