"""ONS geography lookups (CSV / XLSX); boundaries are read by ``ons_boundaries``.

- Lookups -> kind ``hierarchy`` (a district column plus parent columns: ``LAD21CD, LEP21CD``,
  ``LACD, ERCD``, ``ltlacd, ctycd, cauthcd, rgncd, ctrycd``), ``names`` (one geography's codes
  and names, e.g. ``ERCD, ERNM``) or ``changes`` (``oldcd, oldnm, newcd, newnm, type, start``).
Files are recognised by content and headers, never by their names.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from etl.errors import ProblemCollector, format_error
from etl.sources.base import ParseResult, RawFile, source_meta
from etl.sources.grids import Grid, read_grids
from vocab.levels import level_of_code

LOOKUPS_ID = "ons_lookups"

# Geography tokens in ONS column names (LAD21CD -> 'lad') -> the level of that geography.
GEO_LEVELS: dict[str, str] = {
    "lad": "district", "ltla": "district", "la": "district",
    "cty": "upper_tier", "ctyua": "upper_tier", "utla": "upper_tier",
    "lep": "lep", "er": "lep", "lsip": "lsip",
    "cauth": "combined_authority", "ca": "combined_authority",
    "rgn": "region", "ctry": "country",
}
CHILD_GEOS = ("lad", "ltla", "la")  # the district column of a district -> parent lookup
SKIPPED_GEOS = ("mcty",)  # metropolitan counties are no authority for DfE/LEP purposes
IGNORED_COLUMNS = ("objectid", "fid", "globalid", "object_id", "shape__area", "shape__length")
CHANGES_COLUMNS = {"old_code": "oldcd", "old_name": "oldnm", "new_code": "newcd", "new_name": "newnm",
                   "change_type": "type", "year": "start"}
COLUMN = re.compile(r"^(?P<geo>[a-z]+?)(?P<yy>\d{2})?(?P<part>cd|nm|nmw)(?P<n>\d?)$")
GSS = re.compile(r"^[EWSNK]\d{8}$")
HEADER_SEARCH_ROWS = 5
YEAR_IN_TITLE = re.compile(r"\b(20\d\d)\b")


def level_of(code: str, geo: str | None = None) -> str | None:
    return level_of_code(code) or (GEO_LEVELS.get(geo) if geo else None)


# --- lookups: reading -------------------------------------------------------------------------

@dataclass(frozen=True)
class GeoColumn:
    index: int
    header: str
    geo: str
    part: str  # cd, nm or nmw
    n: str  # '' or '1', '2' for lookups that allow two parents (LEP21CD1, LEP21CD2)
    yy: str | None = None  # the vintage ONS writes into the heading: LEP21CD -> '21'


def classify_header(cells: list[object]) -> list[GeoColumn] | None:
    """Every header cell as a geography column, or None when any cell is not one (not a lookup)."""
    columns = []
    for j, cell in enumerate(cells):
        text = str(cell or "").strip().lstrip("\ufeff")
        key = text.lower()
        if not key or key in IGNORED_COLUMNS:
            continue
        m = COLUMN.match(key)
        if not m or (m["geo"] not in GEO_LEVELS and m["geo"] not in SKIPPED_GEOS):
            return None
        columns.append(GeoColumn(j, text, m["geo"], m["part"], m["n"], m["yy"]))
    if not any(c.part == "cd" for c in columns):
        return None
    return columns


def _is_changes_header(cells: list[object]) -> bool:
    keys = {str(c or "").strip().lstrip("\ufeff").lower() for c in cells}
    return {"oldcd", "newcd", "type", "start"} <= keys


def _header_index(grid: Grid, test) -> int | None:
    seen = 0
    for i, (_, cells) in enumerate(grid.rows):
        if not any(str(c or "").strip() for c in cells):
            continue
        if test(cells):
            return i
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            return None
    return None


def _lookup_shape(columns: list[GeoColumn]) -> str:
    geos = {(c.geo, c.n) for c in columns if c.part == "cd" and c.geo not in SKIPPED_GEOS}
    has_child = any(g in CHILD_GEOS for g, _ in geos)
    return "hierarchy" if has_child and len(geos) > 1 else "names" if len(geos) == 1 else "other"


def _best_table(grids: list[Grid]) -> tuple[Grid, int, list[GeoColumn]] | None:
    """The sheet holding the lookup: a district->parent table beats a single list of codes."""
    candidates = []
    for grid in grids:
        index = _header_index(grid, lambda cells: classify_header(cells) is not None)
        if index is not None:
            columns = classify_header(grid.rows[index][1])
            shape = _lookup_shape(columns)
            if shape != "other":
                candidates.append(((shape == "hierarchy", len(columns)), grid, index, columns))
    if not candidates:
        return None
    best = max(candidates, key=lambda c: c[0])
    return best[1], best[2], best[3]


# --- lookups: parsing -------------------------------------------------------------------------

def _strings(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns as Python strings with None for blanks (pandas 3 would make them NaN)."""
    for col in columns:
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def _text(cell: object) -> str:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return str(cell).strip()


def _data_rows(grid: Grid, index: int, width: int, log: ProblemCollector, csv_like: bool):
    """(line, padded cells) of the rows under the header (until the problem cap); short CSV rows are reported."""
    header = grid.rows[index][1]
    for line, cells in log.until_full(grid.rows[index + 1:]):
        cells = list(cells)
        if not any(_text(c) for c in cells):
            continue
        if csv_like and len(cells) < len(header):
            log.error(f"the row has {len(cells)} cells but the header has {len(header)}", row=line,
                      expected=f"{len(header)} comma-separated cells (is the file cut short?)",
                      found=",".join(_text(c) for c in cells))
            continue
        yield line, cells + [None] * (width - len(cells))


def _code(cells: list[object], col: GeoColumn, line: int, log: ProblemCollector, *,
          required: bool) -> str | None:
    code = _text(cells[col.index])
    if not code:
        if required:
            log.error("the area code is empty", row=line, column=col.header, expected="a GSS code like E07000117")
        return None
    if not GSS.match(code):
        log.error("not a GSS area code", row=line, column=col.header, expected="a code like E07000117", found=code)
        return None
    return code


def vintage_of(grid: Grid, index: int, columns: list[GeoColumn], column: GeoColumn) -> int | None:
    """The year a lookup column describes: from its heading (LEP21CD -> 2021), else the district
    column's (LAD21CD), else a year in the title rows or the sheet name; None when the file never says."""
    child = next((c for c in columns if c.geo in CHILD_GEOS and c.part == "cd"), None)
    for col in (column, child):
        if col is not None and col.yy:
            return 2000 + int(col.yy)
    titles = " ".join(_text(c) for _, cells in grid.rows[:index] for c in cells) + " " + (grid.name or "")
    years = [int(y) for y in YEAR_IN_TITLE.findall(titles)]
    return max(years) if years else None


def parse_hierarchy(raw: RawFile, grid: Grid, index: int, columns: list[GeoColumn]) -> pd.DataFrame:
    log = ProblemCollector(raw.name)
    child_geo = next(g for g in CHILD_GEOS if any(c.geo == g and c.part == "cd" for c in columns))
    child_cd = next(c for c in columns if c.geo == child_geo and c.part == "cd")
    child_nm = next((c for c in columns if c.geo == child_geo and c.part == "nm" and c.n == child_cd.n), None)
    parents = [(c, next((x for x in columns if x.geo == c.geo and x.part == "nm" and x.n == c.n), None))
               for c in columns if c.part == "cd" and c.geo != child_geo and c.geo not in SKIPPED_GEOS]
    vintages = {cd.header: vintage_of(grid, index, columns, cd) for cd, _ in parents}
    width = max(c.index for c in columns) + 1
    out = []
    seen: dict[tuple[str, str], tuple[str, int]] = {}  # (district, parent column) -> (parent, line)
    for line, cells in _data_rows(grid, index, width, log, grid.is_csv):
        child = _code(cells, child_cd, line, log, required=True)
        if child is None or not child.startswith("E"):
            continue
        child_name = _text(cells[child_nm.index]) if child_nm else None
        for cd, nm in parents:
            parent = _code(cells, cd, line, log, required=False)
            if parent is None or parent == child:  # no county (unitary), or the unitary is its own upper tier
                continue
            first = seen.setdefault((child, cd.header), (parent, line))
            if first[0] != parent:
                log.error("the district is listed again with a different parent", row=line, column=cd.header,
                          expected=f"{first[0]} as on line {first[1]} (one parent per district and column)",
                          found=f"{child} -> {parent}")
                continue
            out.append({"child_code": child, "child_name": child_name or None, "parent_code": parent,
                        "parent_name": (_text(cells[nm.index]) if nm else "") or None,
                        "parent_level": level_of(parent, cd.geo), "vintage": vintages[cd.header],
                        "source_row": line, "source_column": cd.header})
    log.raise_if_any()
    if not out:
        raise format_error(raw.name, "the lookup has no English district rows", row=grid.rows[index][0] + 1,
                           expected="rows like E07000117,Burnley,E37000019,Lancashire")
    df = pd.DataFrame(out)
    df = df.drop_duplicates(["child_code", "child_name", "parent_code", "parent_name", "parent_level"]).reset_index(
        drop=True)
    df = _strings(df, [c for c in df.columns if c not in ("vintage", "source_row")])
    df["vintage"] = df["vintage"].astype("Int64")
    return df


def parse_names(raw: RawFile, grid: Grid, index: int, columns: list[GeoColumn]) -> pd.DataFrame:
    log = ProblemCollector(raw.name)
    cd = next(c for c in columns if c.part == "cd")
    nm = next((c for c in columns if c.part == "nm" and c.geo == cd.geo), None)
    width = max(c.index for c in columns) + 1
    out = []
    seen: dict[str, tuple[str | None, int]] = {}  # code -> (name, line)
    for line, cells in _data_rows(grid, index, width, log, grid.is_csv):
        code = _code(cells, cd, line, log, required=True)
        if code is None or not code.startswith("E"):
            continue
        name = (_text(cells[nm.index]) if nm else "") or None
        first = seen.setdefault(code, (name, line))
        if first[0] != name:
            log.error("the code is listed again with a different name", row=line,
                      column=nm.header if nm else cd.header, expected=f"{first[0]!r} as on line {first[1]}",
                      found=f"{code} {name}")
            continue
        out.append({"area_code": code, "area_name": name, "area_level": level_of(code, cd.geo), "source_row": line})
    log.raise_if_any()
    if not out:
        raise format_error(raw.name, "no English area codes under the header", expected="codes like E37000019")
    df = pd.DataFrame(out).drop_duplicates("area_code").reset_index(drop=True)
    return _strings(df, ["area_code", "area_name", "area_level"])


def parse_changes(raw: RawFile, grid: Grid, index: int) -> pd.DataFrame:
    log = ProblemCollector(raw.name)
    header = [str(c or "").strip().lstrip("\ufeff").lower() for c in grid.rows[index][1]]
    where = {ours: header.index(theirs) for ours, theirs in CHANGES_COLUMNS.items() if theirs in header}
    cols = {ours: GeoColumn(j, CHANGES_COLUMNS[ours], "", "cd", "") for ours, j in where.items()}
    out = []
    for line, cells in _data_rows(grid, index, len(header), log, grid.is_csv):
        old = _code(cells, cols["old_code"], line, log, required=True)
        new = _code(cells, cols["new_code"], line, log, required=False)
        year_text = _text(cells[where["year"]])
        try:
            year = int(float(year_text))
        except ValueError:
            log.error("not a year", row=line, column="start", expected="a year like 2020", found=year_text)
            continue
        if old is None:
            continue
        out.append({"old_code": old, "old_name": _text(cells[where["old_name"]]) or None if "old_name" in where
                    else None, "new_code": new,
                    "new_name": (_text(cells[where["new_name"]]) or None) if "new_name" in where and new else None,
                    "change_type": _text(cells[where["change_type"]]) or None, "year": year})
    log.raise_if_any()
    df = _strings(pd.DataFrame(out, columns=["old_code", "old_name", "new_code", "new_name", "change_type", "year"]),
                  ["old_code", "old_name", "new_code", "new_name", "change_type"])
    df["year"] = df["year"].astype("int64")
    return df


class OnsLookupParser:
    """ONS lookups: district -> parent areas, code lists with names, and code changes."""

    name = "ONS geography lookup (LADyyCD/LEPyyCD/... or ltlacd,ctycd,rgncd...; ERCD,ERNM; oldcd,newcd changes)"

    def sniff(self, raw: RawFile) -> bool:
        try:
            if raw.is_parquet or (raw.looks_binary and not raw.is_spreadsheet):
                return False
            for grid in read_grids(raw, max_rows=HEADER_SEARCH_ROWS + 3):
                if _header_index(grid, _is_changes_header) is not None:
                    return True
                index = _header_index(grid, lambda cells: classify_header(cells) is not None)
                if index is not None and _lookup_shape(classify_header(grid.rows[index][1])) != "other":
                    return True
            return False
        except Exception:  # a sniffer never raises
            return False

    def parse(self, raw: RawFile) -> ParseResult:
        grids = read_grids(raw)
        for grid in grids:
            index = _header_index(grid, _is_changes_header)
            if index is not None:
                return ParseResult("changes", parse_changes(raw, grid, index), source_meta(LOOKUPS_ID))
        best = _best_table(grids)
        if best is None:
            first = next((cells for g in grids for _, cells in g.rows if any(_text(c) for c in cells)), [])
            raise format_error(raw.name, "no lookup header found", row=1,
                               expected="columns like LAD21CD,LAD21NM,LEP21CD,LEP21NM or ltlacd,...,rgncd or "
                                        "ERCD,ERNM or oldcd,oldnm,newcd,newnm,type,start",
                               found=", ".join(_text(c) for c in first[:12]) or "no header")
        grid, index, columns = best
        if _lookup_shape(columns) == "hierarchy":
            return ParseResult("hierarchy", parse_hierarchy(raw, grid, index, columns), source_meta(LOOKUPS_ID))
        return ParseResult("names", parse_names(raw, grid, index, columns), source_meta(LOOKUPS_ID))


PARSERS = [OnsLookupParser()]
