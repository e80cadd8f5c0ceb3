"""ONS mid-year population estimates -> tidy ``population`` rows (the denominators of published rates).

Three layouts, each recognised by its content:

- **Wide by year**: an area-code column, an age-band column and one column per year (``region,
  region_code,age_band,2001,...,2024``), as ONS's own wide tables and faithful reshapes of Nomis
  ``NM_31_1`` are laid out. Age bands use Nomis's labels (``Aged 16 - 64``, ``All ages``).
- **MYE2** (*persons by single year of age*): title rows, then ``Code,Name,Geography,All ages,0,1,...,
  90+``; the mid-year comes from the title (``mid-2023``) and the sex from its first words (``MYE2:
  Persons``/``Males``/``Females``). Single years are summed into the standard bands.
- **Nomis API CSV** of ``NM_31_1`` / ``NM_2002_1``: the claimant-count API layout (``DATE_NAME``,
  ``GEOGRAPHY_CODE``, ``SEX_NAME``/``GENDER_NAME``, ``AGE_NAME``/``C_AGE_NAME``, ``OBS_VALUE``) without a
  ``MEASURE_NAME`` column.

Every layout gives the same breakdowns: ``total`` (all ages), ``age=0-15``, ``age=16-64``, ``age=18-24``,
``age=65+`` and ``age=16+`` (all ages less 0-15, the base of ONS's "per 100,000 people aged 16+" rates),
with ``;sex=male|female`` where the file is by sex. A mid-year estimate refers to 30 June, so a row's
period is the year and its first and last day are both 30 June. Estimates are whole numbers: a fraction
is an error. Only English codes are kept (the product is England-only).
"""
from __future__ import annotations

import functools
import math
import re
from datetime import date

from etl.errors import ProblemCollector, format_error
from etl.schema import GSS, tidy_frame
from etl.sources.cells import number as parse_number
from etl.sources.base import ParseResult, RawFile, source_meta
from etl.sources.grids import read_grids
from etl.sources.nomis import OBS_STATUS

INDICATOR = "population"
META = source_meta("ons_mid_year_population")

# Bands every layout gives, as (breakdown value, first age, last age or None for "and over").
STANDARD_BANDS = (("0-15", 0, 15), ("16-64", 16, 64), ("18-24", 18, 24), ("65+", 65, None), ("16+", 16, None))
# Age labels that mean every age (folded: lower case, single spaces).
ALL_AGES = {"all ages", "all persons", "total", "all", "all categories: age"}
# Bands ONS publishes that we do not keep: "16 - 59/64" is the pre-2010 working age (women to 59).
IGNORED_BANDS = re.compile(r"59\s*/\s*64")
SEXES = {"persons": None, "all persons": None, "total": None, "all": None, "people": None,
         "male": "male", "males": "male", "female": "female", "females": "female"}

WIDE_CODE_HEADINGS = ("region_code", "area_code", "areacd", "code", "area code", "geography_code",
                      "geography code", "la code", "lad code", "ladcode", "mnemonic")
WIDE_NAME_HEADINGS = ("region", "area_name", "areanm", "name", "area name", "area", "geography_name",
                      "geography name", "la name", "lad name")
WIDE_AGE_HEADINGS = ("age_band", "age band", "age", "age group", "age_group", "age_name")
WIDE_SEX_HEADINGS = ("sex", "gender", "sex_name")
YEAR = re.compile(r"^(?:mid-?)?(19[5-9]\d|20\d\d)(?:\.0)?$")

NOMIS_COUNT_MEASURES = ("value", "20100")
NOMIS_OTHER_MEASURES = ("percent", "20301")  # shares of a total: skipped
NOMIS_COLUMNS = {"date": ("DATE_NAME", "DATE_CODE", "DATE"), "area_code": ("GEOGRAPHY_CODE",),
                 "area_name": ("GEOGRAPHY_NAME",), "sex": ("SEX_NAME", "GENDER_NAME", "C_SEX_NAME"),
                 "age": ("AGE_NAME", "C_AGE_NAME"), "measures": ("MEASURES_NAME",), "value": ("OBS_VALUE",),
                 "status": ("OBS_STATUS",)}


def _fold(text: object) -> str:
    return " ".join(str(text if text is not None else "").replace("\u00a0", " ").split()).lower()


def age_breakdown(label: object) -> str | None | bool:
    """A publisher's age label -> our band ('16-64', '65+'), None for every age, False when not kept.

    'Aged 16 - 64' -> '16-64'; 'Aged 65 and over' / 'Aged 65+' -> '65+'; 'All ages' -> None.
    """
    text = _fold(label)
    if text in ALL_AGES:
        return None
    if IGNORED_BANDS.search(text):
        return False
    text = re.sub(r"^(aged?|ages)\s+", "", text)
    if m := re.fullmatch(r"(\d{1,2})\s*(?:-|to)\s*(\d{1,2})", text):
        return f"{int(m[1])}-{int(m[2])}"
    if m := re.fullmatch(r"(\d{1,2})\s*(?:\+|and over|plus|and above)", text):
        return f"{int(m[1])}+"
    return False


def single_age(label: object) -> int | None:
    """'0', 'Age 7', 'Aged 90+' (the open top band counts as its first age) -> the age; else None."""
    text = re.sub(r"^(aged?|ages)\s+", "", _fold(label))
    if text in ("under 1", "under 1 year", "less than 1"):
        return 0
    m = re.fullmatch(r"(\d{1,3})(\+| and over| years?)?", text)
    return int(m[1]) if m else None


def bands_from_single_years(counts: dict[int, float], top: int) -> dict[str, float]:
    """Sums of single-year counts into the standard bands; ``top`` is the open band ('90+')."""
    out = {}
    for band, first, last in STANDARD_BANDS:
        last = top if last is None else last
        if all(a in counts for a in range(first, last + 1)):
            out[band] = sum(counts[a] for a in range(first, last + 1))
    return out


@functools.lru_cache(maxsize=256)  # (a few bands and sexes, asked for every cell)
def breakdown(age: str | None, sex: str | None) -> str:
    parts = ([f"age={age}"] if age else []) + ([f"sex={sex}"] if sex else [])
    return ";".join(parts) or "total"


@functools.lru_cache(maxsize=256)
def mid_year(year: int) -> date:
    return date(year, 6, 30)


def _record(code: str, name: str | None, year: int, age: str | None, sex: str | None, value: float,
            status: str, line: int, derived: bool = False, column: str | None = None) -> dict:
    return {"indicator": INDICATOR, "area_code": code, "area_name": name or None, "area_level": None,
            "period": str(year), "period_start": mid_year(year), "period_end": mid_year(year),
            "breakdown": breakdown(age, sex), "value": value, "status": status, "unit": "count",
            "source": META.source_id, "derived": derived, "source_row": line, "source_column": column}


def _count(text: object, col: ProblemCollector, line: int, column: str) -> float | None:
    """A population cell -> a whole number; errors name the cell."""
    number = parse_number(text)
    if number is None or not math.isfinite(number) or number < 0:
        col.error("a population that is not a whole number", row=line, column=column,
                  expected="a whole number of people", found=text)
        return None
    if abs(number - round(number)) > 1e-6:
        col.error("a fractional population", row=line, column=column, expected="a whole number of people",
                  found=text)
        return None
    return float(round(number))


def _add_sixteen_plus(records: list[dict]) -> list[dict]:
    """Add 'age=16+' (all ages less 0-15) where a file gives both but not 16+ itself."""
    by_key = {}
    for r in records:
        by_key[(r["area_code"], r["period"], r["breakdown"])] = r
    extra = []
    for (code, period, bd), total in list(by_key.items()):
        age, sex = _split(bd)
        if age is not None:
            continue
        young = by_key.get((code, period, breakdown("0-15", sex)))
        if young is None or (code, period, breakdown("16+", sex)) in by_key:
            continue
        if total["status"] == "ok" and young["status"] == "ok":
            extra.append({**total, "breakdown": breakdown("16+", sex), "value": total["value"] - young["value"],
                          "derived": True})
    return records + extra


@functools.lru_cache(maxsize=256)
def _split(bd: str) -> tuple[str | None, str | None]:
    parts = dict(p.split("=", 1) for p in bd.split(";") if "=" in p)
    return parts.get("age"), parts.get("sex")


def _england_only(records: list[dict], col: ProblemCollector) -> list[dict]:
    kept = [r for r in records if r["area_code"].startswith("E")]
    dropped = {r["area_code"] for r in records} - {r["area_code"] for r in kept}
    if dropped:
        col.warn(f"{len(dropped)} area(s) outside England skipped (the product is England-only)",
                 found=", ".join(sorted(dropped)[:5]) + (", ..." if len(dropped) > 5 else ""))
    return kept


def _result(raw: RawFile, records: list[dict], col: ProblemCollector) -> ParseResult:
    """Checked rows as a parse result; the files of one source share its title (the manifest lists each)."""
    col.raise_if_any()
    records = _england_only(records, col)
    if not records:
        raise format_error(raw.name, "no population rows for English areas",
                           expected="rows for English areas (codes starting E)")
    seen: dict[tuple, int] = {}
    for r in records:
        key = (r["area_code"], r["period"], r["breakdown"])
        if key in seen:
            col.error("the same area, year and age band appear twice", row=r["source_row"],
                      expected=f"one row per area, year and age band (first on line {seen[key]})",
                      found=" ".join(key))
        seen.setdefault(key, r["source_row"])
    col.raise_if_any()
    return ParseResult(kind="indicators", table=tidy_frame(records), meta=META, warnings=col.warnings)


# --- wide by year ---------------------------------------------------------------------------------

def _wide_header(rows: list[tuple[int, list[object]]]) -> tuple[int, list[str], dict] | None:
    """(index in rows, header, field -> column) of the first row that reads as a wide-by-year header."""
    for i, (_line, cells) in enumerate(rows[:15]):
        header = [_fold(c) for c in cells]
        where = {}
        for fld, names in (("code", WIDE_CODE_HEADINGS), ("name", WIDE_NAME_HEADINGS), ("age", WIDE_AGE_HEADINGS),
                           ("sex", WIDE_SEX_HEADINGS)):
            where[fld] = next((header.index(n) for n in names if n in header), None)
        years = {j: int(YEAR.match(h)[1]) for j, h in enumerate(header) if YEAR.match(h)}
        if where["code"] is not None and where["age"] is not None and len(years) >= 1:
            return i, [str(c or "").strip() for c in cells], {**where, "years": years}
    return None


class WideByYearPopulationParser:
    """Population by area and age band, one column per year (ONS wide tables; Nomis NM_31_1 reshaped)."""

    name = "ONS population estimates, wide by year (area code, age band, one column per year)"
    columnar = True  # the column-wise reader first (population_columnar); False: rows only (tests)

    def sniff(self, raw: RawFile) -> bool:
        if raw.looks_binary and not raw.is_spreadsheet:
            return False
        grid = read_grids(raw, max_rows=20)[0]
        found = _wide_header(grid.rows)
        if found is None:
            return False
        i, _header, where = found
        data = [cells for _line, cells in grid.rows[i + 1:] if any(str(c or "").strip() for c in cells)]
        return bool(data) and len(data[0]) > where["code"] and bool(GSS.match(str(data[0][where["code"]]).strip()))

    def parse(self, raw: RawFile) -> ParseResult:
        col = ProblemCollector(raw.name)
        grid = read_grids(raw)[0]
        found = _wide_header(grid.rows)
        if found is None:
            raise format_error(raw.name, "no header row with an area code, an age band and year columns",
                               expected="e.g. region,region_code,age_band,2001,...")
        i, header, where = found
        if self.columnar:
            from etl.sources import population_columnar  # (it reads this module's rules: imported once it is loaded)

            table = population_columnar.wide_table(raw.name, grid.rows[i + 1:], header, where, col)
            if table is not None:
                return ParseResult(kind="indicators", table=table, meta=META, warnings=col.warnings)
        records = []
        for line, cells in col.until_full(grid.rows[i + 1:]):
            if not any(str(c or "").strip() for c in cells):
                continue
            if len(cells) < len(header):
                col.error("a row with fewer cells than the header", row=line,
                          expected=f"{len(header)} cells", found=f"{len(cells)} cells")
                continue
            code = str(cells[where["code"]] or "").strip()
            if not GSS.match(code):
                col.error("an area code that is not a GSS code", row=line, column=header[where["code"]],
                          expected="a 9-character ONS code such as E10000017", found=code)
                continue
            age = age_breakdown(cells[where["age"]])
            if age is False:
                col.skip(f"age band not kept ('{str(cells[where['age']]).strip()}')", line)
                continue
            sex = None
            if where["sex"] is not None:
                sex_text = _fold(cells[where["sex"]])
                if sex_text not in SEXES:
                    col.error("a sex we do not know", row=line, column=header[where["sex"]],
                              expected="Persons, Male or Female", found=cells[where["sex"]])
                    continue
                sex = SEXES[sex_text]
            name = str(cells[where["name"]] or "").strip() if where["name"] is not None else None
            for j, year in where["years"].items():
                text = cells[j]
                if text is None or not str(text).strip():
                    records.append(_record(code, name, year, age, sex, math.nan, "not_available", line,
                                           column=header[j]))
                    continue
                value = _count(text, col, line, header[j])
                if value is not None:
                    records.append(_record(code, name, year, age, sex, value, "ok", line, column=header[j]))
        return _result(raw, _add_sixteen_plus(records), col)


# --- MYE2: single years of age --------------------------------------------------------------------

def _mye2_header(rows: list[tuple[int, list[object]]]) -> int | None:
    for i, (_line, cells) in enumerate(rows[:20]):
        folded = [_fold(c) for c in cells]
        if len(folded) > 20 and folded[:1] == ["code"] and "all ages" in folded and "0" in folded and \
                any(re.fullmatch(r"\d{2}\+", c) for c in folded):
            return i
    return None


def _mye2_title(rows: list[tuple[int, list[object]]], header_index: int) -> tuple[int | None, str | None, str]:
    """(mid-year, sex, title text) from the title rows above the header."""
    titles = [str(c) for _line, cells in rows[:header_index] for c in cells if c and str(c).strip()]
    text = " ".join(titles)
    year = re.search(r"mid-?\s?(\d{4})", text, re.IGNORECASE)
    sex = re.search(r"\b(persons|males|females)\b", text, re.IGNORECASE)
    return (int(year[1]) if year else None), (SEXES[sex[1].lower()] if sex else None), (titles[0] if titles else "")


class Mye2PopulationParser:
    """ONS MYE2: persons (or males/females) by single year of age, one row per area."""

    name = "ONS MYE2 population by single year of age (title rows, then Code,Name,Geography,All ages,0..90+)"
    columnar = True  # the column-wise reader first (population_columnar); False: rows only (tests)

    def sniff(self, raw: RawFile) -> bool:
        if raw.looks_binary and not raw.is_spreadsheet:
            return False
        return any(_mye2_header(g.rows) is not None for g in read_grids(raw, max_rows=25))

    def parse(self, raw: RawFile) -> ParseResult:
        col = ProblemCollector(raw.name)
        grid = next(g for g in read_grids(raw) if _mye2_header(g.rows) is not None)
        i = _mye2_header(grid.rows)
        header_line, cells = grid.rows[i]
        header = [str(c or "").strip() for c in cells]
        year, sex, title = _mye2_title(grid.rows, i)
        if year is None:
            raise format_error(raw.name, "the title does not say which mid-year the estimates are for",
                               row=grid.rows[0][0], expected="a title such as '..., mid-2023'", found=title)
        folded = [_fold(h) for h in header]
        all_i = folded.index("all ages")
        ages = {j: single_age(h) for j, h in enumerate(header) if j > all_i and single_age(h) is not None}
        top = max(ages.values())
        if sorted(ages.values()) != list(range(0, top + 1)):
            raise format_error(raw.name, "the single years of age are not complete", row=header_line,
                               expected=f"columns 0, 1, ..., {top}+", found=", ".join(header[all_i + 1:all_i + 6]))
        name_i = folded.index("name") if "name" in folded else None
        if self.columnar:
            from etl.sources import population_columnar  # (as above)

            layout = {"all_i": all_i, "ages": ages, "top": top, "name_i": name_i, "year": year, "sex": sex}
            table = population_columnar.mye2_table(grid.rows[i + 1:], header, layout, col)
            if table is not None:
                return ParseResult(kind="indicators", table=table, meta=META, warnings=col.warnings)
        records = []
        for line, row in col.until_full(grid.rows[i + 1:]):
            kind, code = mye2_row_kind(row)
            if kind == "not_gss":
                col.error("an area code that is not a GSS code", row=line, column=header[0],
                          expected="a 9-character ONS code such as E07000117", found=code)
            if kind != "area":
                continue
            total = _count(row[all_i], col, line, header[all_i])
            counts = {}
            for j, age in ages.items():
                value = _count(row[j] if j < len(row) else None, col, line, header[j])
                if value is not None:
                    counts[age] = value
            if total is None or len(counts) != len(ages):
                continue
            if abs(sum(counts.values()) - total) > 0.5:
                col.error("'All ages' is not the sum of the single years", row=line, column=header[all_i],
                          expected=f"{sum(counts.values()):,.0f}", found=row[all_i])
                continue
            name = str(row[name_i]).strip() if name_i is not None and row[name_i] else None
            records.append(_record(code, name, year, None, sex, total, "ok", line, column=header[all_i]))
            for band, value in bands_from_single_years(counts, top).items():
                records.append(_record(code, name, year, band, sex, value, "ok", line, derived=True,
                                       column="single years of age"))
        return _result(raw, records, col)


def mye2_row_kind(row: list) -> tuple[str, str]:
    """(kind, code) of a row below the MYE2 header: "blank", "footnote" (a line of a cell or two under the
    table), "not_gss" (an error: a row of figures without a GSS code) or "area". Both readers ask this."""
    if not any(str(c or "").strip() for c in row):
        return "blank", ""
    code = str(row[0] or "").strip()
    if GSS.match(code):
        return "area", code
    return ("footnote" if len([c for c in row if str(c or "").strip()]) <= 2 else "not_gss"), code


# --- Nomis API CSV (NM_31_1, NM_2002_1) -----------------------------------------------------------

def _nomis_fields(header: list[str]) -> dict[str, int]:
    upper = [h.strip().upper() for h in header]
    return {f: upper.index(next(n for n in names if n in upper)) for f, names in NOMIS_COLUMNS.items()
            if any(n in upper for n in names)}


def _nomis_year(text: str) -> int | None:
    text = str(text).strip()
    if m := re.fullmatch(r"(?:(?:mid|june)[- ]?)?(\d{4})(?:-06)?", text, re.IGNORECASE):
        return int(m[1])
    return None


class NomisPopulationParser:
    """Nomis API CSV of the population estimates (NM_31_1 by age band, NM_2002_1 by single year)."""

    name = "Nomis API CSV (population estimates, NM_31_1 / NM_2002_1)"

    def sniff(self, raw: RawFile) -> bool:
        if raw.looks_binary:
            return False
        header = [h.upper() for h in raw.first_row()]
        where = _nomis_fields(header)
        return all(f in where for f in ("date", "area_code", "age", "value")) and "MEASURE_NAME" not in header

    def parse(self, raw: RawFile) -> ParseResult:
        col = ProblemCollector(raw.name)
        rows = raw.csv_rows()
        header_line, header = next(rows)
        where = _nomis_fields(header)
        singles: dict[tuple, dict] = {}  # (code, year, sex) -> {age: value} for single-year rows
        records = []
        for line, cells in col.table_rows(rows, len(header)):

            def cell(f: str) -> str:
                return cells[where[f]].strip() if f in where else ""

            if "measures" in where and _fold(cell("measures")) not in NOMIS_COUNT_MEASURES:
                if _fold(cell("measures")) in NOMIS_OTHER_MEASURES:
                    col.skip(f"measures '{cell('measures')}' is not the count", line)
                else:
                    col.error("an unknown MEASURES value", row=line, column=header[where["measures"]],
                              expected="Value (or Percent, which is skipped)", found=cell("measures"))
                continue
            code = cell("area_code")
            if not GSS.match(code):
                col.error("an area code that is not a GSS code", row=line, column="GEOGRAPHY_CODE",
                          expected="a 9-character ONS code", found=code)
                continue
            year = _nomis_year(cell("date"))
            if year is None:
                col.error("a date that is not a year", row=line, column=header[where["date"]],
                          expected="a year such as 2023", found=cell("date"))
                continue
            sex_text = _fold(cell("sex")) if "sex" in where else "total"
            if sex_text not in SEXES:
                col.error("a sex we do not know", row=line, column=header[where["sex"]],
                          expected="All persons, Male or Female", found=cell("sex"))
                continue
            sex = SEXES[sex_text]
            status = OBS_STATUS.get(cell("status").upper(), "ok") if cell("status") else "ok"
            value = _count(cell("value"), col, line, "OBS_VALUE") if status == "ok" else math.nan
            if status == "ok" and value is None:
                continue
            age = age_breakdown(cell("age"))
            if age is False:
                one = single_age(cell("age"))
                if one is None or status != "ok":
                    col.skip(f"age '{cell('age')}' is not a band we keep", line)
                else:
                    singles.setdefault((code, cell("area_name"), year, sex, line), {})[one] = value
                continue
            records.append(_record(code, cell("area_name"), year, age, sex, value, status, line,
                                   column=header[where["value"]]))
        have = {(r["area_code"], r["period"], r["breakdown"]) for r in records}
        for (code, name, year, sex, line), counts in _merge_singles(singles, col).items():
            for band, value in bands_from_single_years(counts, max(counts)).items():
                if (code, str(year), breakdown(band, sex)) not in have:
                    records.append(_record(code, name, year, band, sex, value, "ok", line, derived=True,
                                           column="single years of age"))
        return _result(raw, _add_sixteen_plus(records), col)


def _merge_singles(singles: dict[tuple, dict], col: ProblemCollector) -> dict[tuple, dict]:
    """Single-year rows grouped per (area, year, sex), keyed by the first line they appeared on; one
    age given twice with different counts is an error (which is right?)."""
    merged: dict[tuple, tuple[tuple, dict]] = {}
    for (code, name, year, sex, line), counts in singles.items():
        key = (code, year, sex)
        if key not in merged:
            merged[key] = ((code, name, year, sex, line), {})
        known = merged[key][1]
        for age, value in counts.items():
            if age in known and known[age] != value:
                col.error("the same area, year and age appear twice with different counts", row=line,
                          column="OBS_VALUE", expected=f"{known[age]:,.0f} as given earlier", found=f"{value:,.0f}")
            known.setdefault(age, value)
    return dict(merged.values())


PARSERS = [WideByYearPopulationParser(), Mye2PopulationParser(), NomisPopulationParser()]

