"""HMRC Coronavirus Job Retention Scheme (CJRS) local-authority tables -> tidy rows.

Reads HMRC's own XLSX/ODS tables (title rows, a header row somewhere in the first rows,
footnotes below; one date per table, one sheet per month, or a monthly wide table with a date
per column or a date row above repeated furloughed/eligible/take-up columns) and CSV copies of
them (e.g. the ODI Leeds transcription, which has the header on line 1 and no date at all).

Output: ``furloughed_employments`` (count) and ``furlough_take_up`` (percent; numerator =
furloughed, denominator = eligible) for every English area row, counties and regions included
(the build aggregates by the hierarchy and never sums these rows). The period comes from the
file: a date in the column header, the row above it, the title rows or the sheet name; a file that
states no date at all gets the period of HMRC's ``undated_release`` (etl/publishers.toml), with a warning.
"""
from __future__ import annotations

import functools

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from etl import publishers
from etl.errors import ProblemCollector, format_error
from vocab.periods import month_label, parse_month_name
from etl.schema import GSS, tidy_frame
from etl.sources.cells import cell as parse_cell
from etl.sources.base import ParseResult, RawFile, source_meta
from etl.sources.grids import Grid, read_grids
from vocab.levels import DISTRICT_PREFIXES, UPPER_TIER_PREFIXES

SOURCE_ID = "hmrc_cjrs"  # HMRC's release calendar and combined authorities: etl/publishers.toml

# Header spellings (lower case, footnote marks removed) -> our column role. Count roles also
# match a header that starts with the spelling and goes on with a date ("... at 31 July 2020").
HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "code": ("ons code", "area code", "area codes", "county and district / unitary authority code",
             "county and district / unitary authority codes", "local authority code", "la code",
             "lad code", "geography code", "code"),
    "name": ("authority name", "area name", "county and district / unitary authority", "local authority",
             "local authority name", "la name", "area", "name"),
    "furloughed": ("total number of employments furloughed", "number of employments furloughed",
                   "employments furloughed", "total employments furloughed", "employments on furlough",
                   "number of employments on furlough", "total number of employments on furlough"),
    "eligible": ("employments eligible", "eligible employments", "total eligible employments",
                 "number of eligible employments", "total number of eligible employments"),
    "take_up": ("take-up rate (%)", "take-up rate", "take up rate", "take-up rate %", "take up rate (%)"),
}
VALUE_ROLES = ("furloughed", "eligible", "take_up")
# Display names: HMRC appends the tier to some names.
NAME_SUFFIXES = (" Metropolitan County", " UA", " County")
# English code prefixes the build places in the hierarchy; other E codes are reported and skipped.
KNOWN_PREFIXES = DISTRICT_PREFIXES + UPPER_TIER_PREFIXES + ("E12", "E92")
GSS_ANYWHERE = re.compile(r"[EWSNK]\d{8}")
HMRC = publishers.source(SOURCE_ID)


HEADER_SEARCH_ROWS = 20  # HMRC puts up to ~15 title rows above the header
SNIFF_ROWS = 20
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MONTH_RE = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?" \
            r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
DAY_DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?[\s-]+{_MONTH_RE}\.?[\s-]+(\d{{4}})\b", re.I)
NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
MONTH_YEAR = re.compile(rf"\b{_MONTH_RE}\.?[\s-]+(\d{{4}})\b", re.I)
SHORT_MONTH_YEAR = re.compile(rf"^{_MONTH_RE}[\s-]+(\d{{2}})$", re.I)  # 'Jul-20' as Excel shows it
RELEASE_TITLE = re.compile(r"job retention scheme(?: \(cjrs\))? statistics\s*[:,\-\u2013]?\s*(.*)$", re.I)
CJRS_WORDS = re.compile(r"job retention scheme|\bcjrs\b|furlough", re.I)


@dataclass(frozen=True)
class Column:
    index: int
    role: str
    header: str
    period: str | None  # a date the header (or the row above it) gives this column


# --- reading ---------------------------------------------------------------------------------

def _month_index(text: str) -> int:
    key = text.lower()[:3]
    return next(i for i, m in enumerate(MONTHS, start=1) if m.startswith(key))


def date_in_text(text: str, *, day_only: bool = False) -> str | None:
    """The month label of the last date written in ``text`` ('at 31 July 2020' -> '2020-07')."""
    found: list[tuple[int, str]] = []
    for m in DAY_DATE.finditer(text):
        found.append((m.start(), month_label(int(m[3]), _month_index(m[2]))))
    for m in NUMERIC_DATE.finditer(text):
        if 1 <= int(m[2]) <= 12:
            found.append((m.start(), month_label(int(m[3]), int(m[2]))))
    for m in ISO_DATE.finditer(text):
        if 1 <= int(m[2]) <= 12:
            found.append((m.start(), month_label(int(m[1]), int(m[2]))))
    if not found and not day_only:
        for m in MONTH_YEAR.finditer(text):
            found.append((m.start(), month_label(int(m[2]), _month_index(m[1]))))
    return max(found)[1] if found else None


def cell_period(cell: object) -> str | None:
    """A header cell that is itself a date (Excel date, '31 Jul 2020', 'Jul 2020', 'Jul-20')."""
    if isinstance(cell, (datetime, date)):
        return month_label(cell.year, cell.month)
    if not isinstance(cell, str):
        return None
    text = cell.strip()
    if m := SHORT_MONTH_YEAR.match(text):
        return month_label(2000 + int(m[2]), _month_index(m[1]))
    if len(text) > 20:  # a sentence, not a date heading
        return None
    if (label := parse_month_name(text)) is not None:
        return label
    if DAY_DATE.fullmatch(text) or NUMERIC_DATE.fullmatch(text) or ISO_DATE.fullmatch(text):
        return date_in_text(text)
    return None


def normalise_header(cell: object) -> str:
    """Header text compared with HEADER_VARIANTS: lower case, no footnote marks, single spaces."""
    text = str(cell or "").replace("\u2013", "-").replace("\u00a0", " ")
    text = re.sub(r"\[(note|x)?\s*\w{1,3}\]|\((note\s*)?\d{1,2}\)", " ", text, flags=re.I)
    text = re.sub(r"\s+", " ", text).strip().lower()
    return re.sub(r"(?<=[a-z)%])\s?\d{1,2}$", "", text).strip()  # trailing footnote number


def header_role(cell: object) -> tuple[str, str | None] | None:
    """(role, period written in the header) for a recognised header cell, else None."""
    text = normalise_header(cell)
    if not text:
        return None
    for role, variants in HEADER_VARIANTS.items():
        if text in variants:
            return role, None
    for role in VALUE_ROLES:
        for variant in HEADER_VARIANTS[role]:
            if text.startswith(variant + " ") or text.startswith(variant + ","):
                return role, date_in_text(text[len(variant):])
    return None


# --- layout ----------------------------------------------------------------------------------

# every file is sniffed, and a folder of API pages repeats the same header cells hundreds of times
_header_role = functools.lru_cache(maxsize=4096)(header_role)
_is_date = functools.lru_cache(maxsize=4096)(lambda cell: cell_period(cell) is not None)


def find_header(sheet: Grid) -> int | None:
    """Index in ``sheet.rows`` of the header row: a code column plus count or date columns. (Whether the
    other cells are dates is asked only of a row with a code column: most rows have none.)"""
    for i, (_, cells) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        if not any(c is not None and "code" in str(c).lower() for c in cells):
            continue  # every code heading says "code" (HEADER_VARIANTS): a row without the word has none
        roles = [_header_role(c) for c in cells]
        names = {r[0] for r in roles if r}
        if "code" in names and (names & set(VALUE_ROLES)
                                or any(role is None and _is_date(c) for c, role in zip(cells, roles))):
            return i
    return None


def _text_of(cells: list[object]) -> str:
    return " ".join(str(c).strip() for c in cells if c is not None and str(c).strip())


def title_rows(sheet: Grid, header_index: int) -> list[str]:
    return [t for _, cells in sheet.rows[:header_index] if (t := _text_of(cells))]


def release_of(titles: list[str]) -> tuple[str | None, str | None]:
    """(release month, release date) from a 'Coronavirus Job Retention Scheme statistics: ...' title."""
    for text in titles:
        if m := RELEASE_TITLE.search(text):
            rest = m[1]
            month = date_in_text(rest)
            day = DAY_DATE.search(rest)
            iso = f"{day[3]}-{_month_index(day[2]):02d}-{int(day[1]):02d}" if day else None
            return month, iso
    return None, None


def title_period(titles: list[str], sheet_name: str | None) -> str | None:
    """The period a table title states ('... at 31 July 2020'), skipping the release title."""
    for text in reversed([t for t in titles if not RELEASE_TITLE.search(t)]):
        cleaned = re.sub(r"(submitted|received|made)\s+(by|before)\s+\S+\s+\S+\s+\d{4}", " ", text, flags=re.I)
        if (label := date_in_text(cleaned)) is not None:
            return label
    if sheet_name:
        return cell_period(sheet_name) or date_in_text(sheet_name)
    return None


def columns_of(sheet: Grid, header_index: int, titles: list[str]) -> list[Column]:
    """Every recognised column with its role and the date its heading gives, if any."""
    header = sheet.rows[header_index][1]
    above = sheet.rows[header_index - 1][1] if header_index > 0 else []
    first_value = min((j for j, c in enumerate(header) if (r := header_role(c)) and r[0] in VALUE_ROLES),
                      default=len(header))
    above_periods: list[str | None] = []
    current = None
    for j in range(len(header)):  # dates above merged groups sit in the group's first cell
        cell = above[j] if j < len(above) else None
        if j >= first_value and cell is not None and str(cell).strip():  # a title in column A is no group date
            current = cell_period(cell) or date_in_text(str(cell))
        above_periods.append(current)
    wide_role = "take_up" if any(re.search(r"take[- ]up rate", t, re.I) for t in titles) and not any(
        re.search(r"employments (furloughed|on furlough)", t, re.I) for t in titles) else "furloughed"
    columns = []
    for j, cell in enumerate(header):
        role = header_role(cell)
        if role is not None:
            name, period = role
            columns.append(Column(j, name, str(cell).strip(), period or (above_periods[j] if name in VALUE_ROLES
                                                                           else None)))
        elif (period := cell_period(cell)) is not None:
            columns.append(Column(j, wide_role, str(cell).strip(), period))
    return columns


def clean_name(name: object) -> str | None:
    """'Lancashire County' -> 'Lancashire', 'Blackpool UA' -> 'Blackpool' (footnote marks dropped)."""
    if name is None:
        return None
    text = re.sub(r"\s*\[note \w+\]|\s*\(\d{1,2}\)$", "", str(name)).strip()
    for suffix in NAME_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].strip()
    return text or None


def _cell_text(cell: object) -> str:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


# --- parsing ---------------------------------------------------------------------------------

def _is_lead_sheet(sheet: Grid, titles: list[str]) -> bool:
    return bool(re.search(r"local authorit|\bla\b", " ".join([sheet.name or "", *titles]), re.I))


def sheet_rows(sheet: Grid, header_index: int, log: ProblemCollector, default_release: str | None) -> list[dict]:
    """Tidy rows of one table (CSV or sheet); problems go to ``log``.

    ``default_release`` (a release in publishers.toml) dates columns that neither their heading nor the
    table title date.
    """
    titles = title_rows(sheet, header_index)
    columns = columns_of(sheet, header_index, titles)
    code_col = next(c for c in columns if c.role == "code")
    name_col = next((c for c in columns if c.role == "name"), None)
    sheet_period = title_period(titles, sheet.name)
    header_line, header = sheet.rows[header_index]
    width = max(c.index for c in columns) + 1
    value_cols = [c for c in columns if c.role in VALUE_ROLES]
    periods: dict[str | None, dict[str, Column]] = {}
    for col in value_cols:
        periods.setdefault(col.period, {}).setdefault(col.role, col)
    if None in periods:
        own = periods.pop(None)
        period = sheet_period or (HMRC.releases[default_release].period if default_release else None)
        if period is None:
            where = f"sheet '{sheet.name}'" if sheet.name else "the file"
            log.error(f"{where} states no date for its figures", row=header_line,
                      expected="a title row such as 'Table 5: Employments furloughed by local authority at "
                               "30 June 2020', a dated column heading, or a dated sheet name",
                      found="; ".join(titles) or "no title rows")
            return []
        if sheet_period is None:
            log.warn(f"the file states no date; its figures are taken to be HMRC's release "
                     f"'{_release_title(default_release)}', period {period}. If this file is another release, "
                     f"use HMRC's own spreadsheet (its title rows carry the date)", row=header_line)
        for role, col in own.items():
            periods.setdefault(period, {}).setdefault(role, col)
    out: list[dict] = []
    pending: list[tuple[int, str, str | None, float, float]] = []
    unused: list[tuple[int, str]] = []
    for line, cells in log.until_full(sheet.rows[header_index + 1:]):
        cells = list(cells)
        if sheet.is_csv and any(_cell_text(c) for c in cells) and len(cells) < width:
            log.error(f"the row has {len(cells)} cells but the header has {len(header)}", row=line,
                      expected=f"{len(header)} comma-separated cells (is the file cut short?)",
                      found=",".join(_cell_text(c) for c in cells))
            continue
        cells += [None] * (width - len(cells))
        code = _cell_text(cells[code_col.index])
        values_present = any(_cell_text(cells[c.index]) for c in value_cols)
        if not GSS.match(code):
            if code and GSS_ANYWHERE.search(code):
                log.warn("a combined or non-standard area code is not a single GSS code; the row is skipped",
                         row=line, column=code_col.header, expected="one GSS code like E07000117", found=code)
            elif values_present and code and not _looks_like_note(code):
                log.error("a row with figures has no GSS area code", row=line, column=code_col.header,
                          expected="a GSS code like E07000117 (or a note below the table)", found=code)
            continue
        if not code.startswith("E"):
            continue  # Wales, Scotland, Northern Ireland, UK: outside the pack
        if not code.startswith(KNOWN_PREFIXES):
            unused.append((line, code))
            continue
        name = clean_name(cells[name_col.index]) if name_col else None
        for period, roles in periods.items():
            parsed: dict[str, tuple[float, str]] = {}
            for role, col in roles.items():
                cell = cells[col.index]
                result = parse_cell(cell)
                if result is None:
                    log.error("not a number", row=line, column=col.header,
                              expected="a number or a marker (c, x, -, .., *)", found=_cell_text(cell))
                    continue
                parsed[role] = result
            headings = _headings(roles)
            out.extend({**row, "source_row": line, "source_column": headings[row["indicator"]],
                        "source_parts": headings["source_parts"]}
                       for row in _indicator_rows(code, name, period, parsed))
            if "furloughed" in parsed and "eligible" in parsed and code.startswith(DISTRICT_PREFIXES):
                pending.append((line, code, period, parsed["furloughed"][0], parsed["eligible"][0]))
    _mark_combined(out, pending, log)
    if unused:
        log.warn(f"{len(unused)} row(s) with English codes of a kind the pack does not use were skipped",
                 row=unused[0][0], column=code_col.header, expected="codes starting " + ", ".join(KNOWN_PREFIXES),
                 found=", ".join(c for _, c in unused[:5]))
    return out


def _headings(roles: dict[str, Column]) -> dict[str, str]:
    """Where a row's figures come from, for reports: indicator -> heading(s), and the ratio's parts."""
    head = {role: col.header for role, col in roles.items()}
    parts = f"{head['furloughed']} / {head['eligible']}" if "furloughed" in head and "eligible" in head else None
    return {"furloughed_employments": head.get("furloughed"),
            "furlough_take_up": head.get("take_up") or parts, "source_parts": parts}


def _looks_like_note(text: str) -> bool:
    return bool(re.match(r"^(notes?|source|footnote|\d+[.)]|\*)", text, re.I)) or len(text.split()) > 3


def _release_title(release_month: str) -> str:
    year, month = release_month.split("-")
    return f"Coronavirus Job Retention Scheme statistics: {MONTHS[int(month) - 1].title()} {year}"


def _indicator_rows(code: str, name: str | None, period: str, parsed: dict[str, tuple[float, str]]) -> list[dict]:
    """The count row and the take-up row (published rate, else furloughed / eligible)."""
    base = {"area_code": code, "area_name": name, "area_level": None, "period": period, "source": SOURCE_ID}
    rows = []
    furloughed = parsed.get("furloughed")
    eligible = parsed.get("eligible")
    if furloughed is not None:
        rows.append({**base, "indicator": "furloughed_employments", "value": furloughed[0],
                     "status": furloughed[1], "unit": "count"})
    numerator = furloughed[0] if furloughed and furloughed[1] == "ok" else math.nan
    denominator = eligible[0] if eligible and eligible[1] == "ok" else math.nan
    if "take_up" in parsed:
        value, status = parsed["take_up"]
    elif furloughed is not None and eligible is not None:
        if not math.isnan(numerator) and not math.isnan(denominator) and denominator > 0:
            value, status = 100.0 * numerator / denominator, "ok"
        else:
            value = math.nan
            status = furloughed[1] if furloughed[1] != "ok" else (eligible[1] if eligible[1] != "ok"
                                                                  else "not_available")
    else:
        return rows
    rows.append({**base, "indicator": "furlough_take_up", "value": value, "status": status,
                 "numerator": numerator, "denominator": denominator, "unit": "percent",
                 "published": "take_up" in parsed})
    return rows


def _mark_combined(rows: list[dict], pending: list[tuple[int, str, str | None, float, float]],
                   log: ProblemCollector) -> None:
    """A combined figure is kept once, on the larger authority; the smaller one is ``not_applicable``
    (it has no figure of its own), so sums over districts count the pair once. Other identical
    neighbours are only reported."""
    figures = {(code, period): (line, f, e) for line, code, period, f, e in pending}
    combined = set()
    for (code, period), (line, f, e) in figures.items():
        partner = figures.get((HMRC.reported_with.get(code), period))
        if partner is not None and partner[1:] == (f, e) and f > 0:
            combined.add((code, period))
            partner_code = HMRC.reported_with[code]
            log.warn(f"{code} is published combined with {partner_code} (identical figures): the figure is kept "
                     f"on {partner_code} and {code} is marked not applicable, so sums count it once",
                     row=line)
    for row in rows:
        if (row["area_code"], row["period"]) in combined:
            row.update(value=math.nan, status="not_applicable", numerator=math.nan, denominator=math.nan)
    for a, b in zip(pending, pending[1:]):
        if a[2] == b[2] and a[3:] == b[3:] and a[3] > 0 and {(a[1], a[2]), (b[1], b[2])}.isdisjoint(combined):
            log.warn(f"{a[1]} and {b[1]} carry identical figures (HMRC publishes them combined); "
                     "summing both counts the pair twice", row=b[0])


def _scale_fractional_take_up(df_rows: list[dict]) -> None:
    """A take-up column read as fractions (0.32 for 32%, e.g. from ODS) -> percentages."""
    by_period: dict[str, list[dict]] = {}
    for r in df_rows:
        if r["indicator"] == "furlough_take_up" and r.get("published") and r["status"] == "ok":
            by_period.setdefault(r["period"], []).append(r)
    for published in by_period.values():
        if all(r["value"] <= 1.0 for r in published):
            for r in published:
                r["value"] = round(r["value"] * 100, 10)


class CjrsLocalAuthorityParser:
    """HMRC CJRS employments furloughed by local authority (XLSX/ODS with title rows, or CSV)."""

    name = "HMRC CJRS local authority table (XLSX/ODS/CSV: code, name, employments furloughed, eligible, take-up)"

    def sniff(self, raw: RawFile) -> bool:
        try:
            if raw.is_parquet or (raw.looks_binary and not raw.is_spreadsheet):
                return False
            for sheet in read_grids(raw, max_rows=SNIFF_ROWS):
                index = find_header(sheet)
                if index is not None:
                    header = sheet.rows[index][1]
                    roles = {r[0] for c in header if (r := header_role(c))}
                    titles = title_rows(sheet, index)
                    if roles & set(VALUE_ROLES) or CJRS_WORDS.search(" ".join(titles + [sheet.name or ""])):
                        return True
                elif not sheet.is_csv and any(CJRS_WORDS.search(_text_of(cells)) for _, cells in sheet.rows[:8]):
                    return True
            return False
        except Exception:  # a sniffer never raises
            return False

    def parse(self, raw: RawFile) -> ParseResult:
        log = ProblemCollector(raw.name)
        sheets = read_grids(raw)
        found = [(s, i) for s in sheets if (i := find_header(s)) is not None]
        if not found:
            seen = "; ".join(f"{s.name or 'file'}: " + (_text_of(s.rows[0][1])[:80] if s.rows else "empty")
                             for s in sheets[:5])
            raise format_error(raw.name, f"no header row found in the first {HEADER_SEARCH_ROWS} rows",
                               expected="a row with an area code column ('ONS code', 'Area Code', 'County and "
                                        "district / unitary authority codes') and 'Employments furloughed'",
                               found=seen or "no rows")
        lead = [(s, i) for s, i in found if _is_lead_sheet(s, title_rows(s, i))]
        release_month, release_date = None, None
        for s, i in found:
            month, day = release_of(title_rows(s, i))
            release_month, release_date = release_month or month, release_date or day
        default_release = release_month if release_month in HMRC.releases else None
        if default_release is None and not release_month and all(s.is_csv for s, _ in found):
            default_release = HMRC.undated_release
        if release_date is None and default_release:
            release_date = HMRC.releases[default_release].release_date
        rows: list[dict] = []
        for sheet, index in (lead or found):
            if not log.full:
                rows.extend(sheet_rows(sheet, index, log, default_release))
        log.raise_if_any()
        _scale_fractional_take_up(rows)
        rows = _dedupe(rows, log)
        log.raise_if_any()
        if not rows:
            raise format_error(raw.name, "no English area rows found under the header",
                               expected="rows with GSS codes such as E07000117")
        meta = source_meta(SOURCE_ID, release_date=release_date)
        return ParseResult(kind="indicators", table=tidy_frame(rows), meta=meta, warnings=log.warnings)


def _dedupe(rows: list[dict], log: ProblemCollector) -> list[dict]:
    """One row per (indicator, area, period): a region table repeating an area with the same figures
    is read once; the same area with different figures is an error (which one is right?)."""
    seen: dict[tuple, dict] = {}
    for r in rows:
        key = (r["indicator"], r["area_code"], r["period"])
        if key not in seen:
            seen[key] = r
        elif not _same(seen[key]["value"], r["value"]):
            first = seen[key]
            log.error(f"{r['area_code']} appears twice for {r['period']} with different figures", row=r["source_row"],
                      column=r["source_column"], expected=f"{first['value']:g} as on line {first['source_row']}, or "
                                                          "one row per area and date", found=f"{r['value']:g}")
    return list(seen.values())


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


PARSERS = [CjrsLocalAuthorityParser()]
