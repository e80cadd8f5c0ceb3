"""ONS Explore Local Statistics (ELS) indicator CSV -> tidy rows.

Two header generations are read through one heading table (:data:`HEADINGS`):
- current: ``areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes``
  with ISO-8601 interval periods (``2020-01-01/P1Y`` -> ``2020``; ``2019-08-01/P1Y`` -> ``2019/20``);
- older: ``AREACD,AREANM,Geography,Variable Name,Indicator,Period,Observation,Measure,Unit,
  Lower Confidence Interval (95%),...,Observation Status,Polarity,Notes`` with plain periods
  (``2019``; academic years ``2019/20``, ``2019-20`` or ``201920``). A bare year for an academic-year
  indicator is read as the year the academic year starts (ELS dates a period by its first day).

Only English codes (E...) are kept - the product is England-only - and every English geography
is kept (unitaries appear only as "County or Unitary Authority"; obsolete codes are kept and the
build maps them). ``area_level`` is set where the publisher's ``geography`` says it unambiguously
and left None for "County or Unitary Authority" (E06 district vs E10 upper tier: the build decides
from the code). Indicators not in :data:`ELS_INDICATORS` are skipped with a warning. Where ELS gives a
95% confidence interval (``lci_95``/``uci_95``) it is kept as ``lower_ci``/``upper_ci``.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import replace

from etl.errors import Problem, ProblemCollector, SourceFormatError
from vocab.periods import academic_year_label, parse_iso_interval, parse_year_or_academic
from etl.schema import GSS, MARKERS, STATUSES_WITH_VALUE, tidy_frame
from etl.sources.cells import cell as parse_cell, number as parse_number
from etl.sources.base import ParseResult, RawFile, SourceMeta, source_meta

# our field -> accepted headings (compared in lower case), both generations and the CSVW titles
HEADINGS: dict[str, tuple[str, ...]] = {
    "area_code": ("areacd", "area code"),
    "area_name": ("areanm", "area name"),
    "geography": ("geography", "geography type"),
    "variable": ("variable name",),
    "indicator": ("indicator",),
    "period": ("period", "time period"),
    "value": ("observation", "observation value", "value"),
    "measure": ("measure",),
    "unit": ("unit",),
    "lci": ("lci_95", "lower confidence interval (95%)"),
    "uci": ("uci_95", "upper confidence interval (95%)"),
    "status": ("status", "observation status"),
    "notes": ("notes",),
}
REQUIRED = ("area_code", "indicator", "period", "value")

SOURCES: dict[str, SourceMeta] = {source_id: source_meta(source_id)
                                   for source_id in ("ons_els_claimant_count", "ons_els_apprenticeships")}

# ELS indicator name (lower case) -> (indicator id, unit, source id, period kind: year | academic_year)
ELS_INDICATORS: dict[str, tuple[str, str, str, str]] = {
    "claimant count": ("claimant_rate_annual", "percent", "ons_els_claimant_count", "year"),
    "apprenticeship starts (england)": ("apprenticeship_starts_rate", "per_100k", "ons_els_apprenticeships",
                                        "academic_year"),
    "apprenticeship achievements (england)": ("apprenticeship_achievements_rate", "per_100k",
                                              "ons_els_apprenticeships", "academic_year"),
}
# the same indicators under the shorter labels some ELS releases use
ELS_INDICATORS["apprenticeship starts"] = ELS_INDICATORS["apprenticeship starts (england)"]
ELS_INDICATORS["apprenticeship achievements"] = ELS_INDICATORS["apprenticeship achievements (england)"]

# the publisher's geography (lower case) -> our area_level; None = decide from the code
GEOGRAPHY_LEVELS: dict[str, str | None] = {
    "local authority district": "district",
    "county or unitary authority": None,
    "combined authority or city region": "combined_authority",
    "region": "region",
    "nation": "country",
    "country": "country",
}





def _header_fields(header: list[str]) -> dict[str, int]:
    """Our field -> cell index for the headings we know."""
    lowered = [" ".join(h.split()).lower() for h in header]
    where = {}
    for field, names in HEADINGS.items():
        for n in names:
            if n in lowered:
                where[field] = lowered.index(n)
                break
    return where


def parse_period(text: str, kind: str) -> str | None:
    """An ELS period of either generation -> our label, given the indicator's kind of period."""
    text = str(text).strip()
    if "/P" in text:
        return parse_iso_interval(text)
    if kind == "academic_year" and re.fullmatch(r"\d{4}", text):
        return academic_year_label(int(text))
    label = parse_year_or_academic(text)
    if label and kind == "year" and "/" in label:
        return None  # an academic year given for a calendar-year indicator
    return label


def observation(value_text: str, status_text: str, notes: str) -> tuple[float, str] | None:
    """(value, status) from the observation, status and notes cells; None when not understood.

    A blank observation flagged ``u`` ("low reliability") is, per its note, withheld: it becomes
    ``suppressed`` (or ``not_available`` without such a note), never a value.
    """
    cell = parse_cell(value_text)
    if cell is None:
        return None
    value, cell_status = cell
    marker = status_text.strip().lower()
    if not marker:
        return value, cell_status
    if marker not in MARKERS:
        return None
    status = MARKERS[marker]
    if status not in STATUSES_WITH_VALUE:
        return math.nan, status
    if math.isnan(value):
        return math.nan, "suppressed" if "suppress" in notes.lower() else cell_status
    return value, status


def confidence_interval(lower_text: str, upper_text: str, value: float) -> tuple[float, float] | None:
    """(lower, upper) from the lci_95/uci_95 cells: NaN for none (or no observation); None when malformed."""
    if not lower_text.strip() and not upper_text.strip():
        return math.nan, math.nan
    lower, upper = parse_number(lower_text), parse_number(upper_text)
    if lower is None or upper is None or lower > upper or not math.isnan(value) and not lower <= value <= upper:
        return None
    return (math.nan, math.nan) if math.isnan(value) else (lower, upper)


class OnsElsParser:
    """ONS Explore Local Statistics CSV (either header generation)."""

    name = "ONS Explore Local Statistics CSV"

    def sniff(self, raw: RawFile) -> bool:
        try:
            if raw.looks_binary:
                return False
            where = _header_fields(raw.first_row())
            return all(f in where for f in REQUIRED)
        except Exception:
            return False

    def parse(self, raw: RawFile) -> ParseResult:
        rows = ((line, cells) for line, cells in raw.csv_rows() if any(c.strip() for c in cells))
        first = next(rows, None)
        if first is None:
            raise SourceFormatError(Problem(file=raw.name, message="the file has no header row",
                                            expected="an ELS header row"))
        header_line, header = first[0], [c.strip() for c in first[1]]
        where = _header_fields(header)
        missing = [f for f in REQUIRED if f not in where]
        if missing:
            raise SourceFormatError([Problem(file=raw.name, message="a required column is missing", row=header_line,
                                             column=HEADINGS[f][0], expected="columns " + ", ".join(
                                                 HEADINGS[r][0] for r in REQUIRED), found=", ".join(header))
                                     for f in missing])
        fast = None
        if header_line == 1:  # a clean file is read a column at a time (the same rows, far fewer Python steps)
            from etl.sources.ons_els_columnar import parse_clean
            fast = parse_clean(raw, header, where)
        records, skipped = fast if fast is not None else _row_by_row(raw, rows, header, where)
        warnings = [Problem(file=raw.name, message=f"indicator '{n}' is not in the catalogue: {count} row(s) "
                                                   "skipped", row=first_line, column=header[where["indicator"]],
                            found=n, severity="warning") for n, (first_line, count) in skipped.items()]
        if not len(records):
            raise SourceFormatError(Problem(file=raw.name, message="no rows for an indicator we know (in England)",
                                            expected="one of: " + ", ".join(f"'{k}'" for k in ELS_INDICATORS),
                                            found=", ".join(skipped) or "no data rows"))
        sources = records["source"] if isinstance(records, dict) else [r["source"] for r in records]
        main_source = Counter(sources).most_common(1)[0][0]  # rows carry their own
        meta = with_companion_metadata(SOURCES[main_source], raw)
        return ParseResult(kind="indicators", table=tidy_frame(records), meta=meta, warnings=warnings)


def _row_by_row(raw: RawFile, rows, header: list[str], where: dict[str, int]) -> tuple[list[dict], dict]:
    """The records of the data rows, read line by line, and the rows skipped per unknown indicator
    ({name: [first line, rows]}); every problem is raised naming its row and column."""
    col = ProblemCollector(raw.name)
    skipped: dict[str, list[int]] = {}  # indicator name -> [first line, rows]
    records: list[dict] = []
    seen: dict[tuple, int] = {}

    def err(message, line, field=None, expected=None, found=None):
        col.error(message, row=line, column=header[where[field]] if field in where else field,
                  expected=expected, found=found)

    for line, cells in col.until_full(rows):
        if len(cells) != len(header):
            err("a row with the wrong number of cells (truncated or joined line?)", line,
                expected=f"{len(header)} cells as in the header", found=f"{len(cells)} cells")
            continue

        def cell(field: str) -> str:
            return cells[where[field]].strip() if field in where else ""

        code = cell("area_code")
        if not GSS.match(code):
            err("an area code that is not a GSS code", line, "area_code",
                expected="a 9-character ONS code such as E07000117", found=code)
            continue
        if not code.startswith("E"):
            continue  # outside England: the product is England-only
        name = cell("indicator") or cell("variable")
        spec = ELS_INDICATORS.get(" ".join(name.split()).lower())
        if spec is None:
            skipped.setdefault(name, [line, 0])[1] += 1
            continue
        indicator, unit, source_id, kind = spec
        period = parse_period(cell("period"), kind)
        if period is None:
            expected = "'2020-01-01/P1Y' or '2020'" if kind == "year" else "'2019-08-01/P1Y' or '2019/20'"
            err("a period we cannot read", line, "period", expected=expected, found=cell("period"))
            continue
        obs = observation(cell("value"), cell("status"), cell("notes"))
        if obs is None:
            bad_status = cell("status") and cell("status").lower() not in MARKERS
            err("a status marker we do not know" if bad_status else "text where a number belongs", line,
                "status" if bad_status else "value",
                expected="one of: " + ", ".join(sorted(k for k in MARKERS if k)) if bad_status
                else "a number or an empty cell", found=cell("status") if bad_status else cell("value"))
            continue
        interval = confidence_interval(cell("lci"), cell("uci"), obs[0])
        if interval is None:
            err("a confidence interval that is not a pair of numbers around the observation", line, "lci",
                expected="two numbers (lower <= observation <= upper) or two empty cells",
                found=f"{cell('lci')!r}, {cell('uci')!r}")
            continue
        key = (indicator, code, period)
        if key in seen:
            err("a duplicate row: the same indicator, area and period appear twice", line,
                expected=f"one row per indicator, area and period (first on row {seen[key]})",
                found=" ".join(key))
            continue
        seen[key] = line
        records.append({"source_row": line, "source_column": header[where["value"]],
                        "indicator": indicator, "area_code": code, "area_name": cell("area_name") or None,
                        "area_level": GEOGRAPHY_LEVELS.get(cell("geography").lower()), "period": period,
                        "value": obs[0], "status": obs[1], "lower_ci": interval[0], "upper_ci": interval[1],
                        "unit": unit, "source": source_id})
    col.raise_if_any()
    return records, skipped


PARSERS = [OnsElsParser()]


def with_companion_metadata(meta: SourceMeta, raw: RawFile) -> SourceMeta:
    """ELS publishes ``<name>.json`` beside each CSV; saved as ``<name>.metadata.json`` (which the build
    does not read as an extract), its ``sourceDate`` is the publisher's release date and ``sourceURL``
    the release page."""
    candidate = raw.companion(".metadata.json")
    if candidate is None:
        return meta
    try:
        info = json.loads(candidate.read_text(encoding="utf-8")).get("ess-beta-metadata", {})
    except (ValueError, OSError, AttributeError):
        return meta
    released = str(info.get("sourceDate") or "")
    if m := re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", released):
        meta = replace(meta, release_date=f"{m[3]}-{m[2]}-{m[1]}")
    if info.get("sourceURL"):
        meta = replace(meta, url=info["sourceURL"])
    return meta
