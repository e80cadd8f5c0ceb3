"""DfE FE data library district tables (older apprenticeship releases): names, no codes.

Layout (header): ``year,level,la_name,SSA,Age,Starts,Achievements``, one row per district x
sector subject area (tier 1) x age x level, ``Totals`` meaning "all". ``la_name = Totals`` is
England. Rows are emitted by name (area_code None, ``source_row`` = file line); the build
resolves names to codes through the geography and etl/reference/name_aliases.csv.

Rules kept as data below:
- breakdowns: all of level/SSA/Age ``Totals`` -> ``total``; exactly one not ``Totals`` ->
  ``level=`` / ``sector=`` / ``age=``; more than one -> skipped (cross-tabulations are not in
  the contract), counted in a warning.
- ``la_name = Other`` (learners outside England or with an unknown home) is not an area:
  skipped with a warning.
- no suppression markers: the publisher rounds to the nearest 10 and shows small numbers as 0;
  a 0 is kept as published (status ok), it is the publisher's rounding, not a missing value.
"""
from __future__ import annotations

import math

from etl.errors import Problem, ProblemCollector, SourceFormatError
from vocab.periods import parse_dfe_time_period
from etl.schema import tidy_frame
from etl.sources.cells import cell as parse_cell
from etl.sources.base import ParseResult, RawFile, source_meta
from etl.sources.dfe_ees import read_rows

REQUIRED = ["year", "level", "la_name", "SSA", "Age"]
MEASURES = {"Starts": "apprenticeship_starts", "Achievements": "apprenticeship_achievements"}
TOTAL = "Totals"
# filter column -> breakdown dimension
DIMENSIONS = {"level": "level", "SSA": "sector", "Age": "age"}
# la_name values that are not districts: name -> (code, name, level) or None to skip the row
SPECIAL_NAMES: dict[str, tuple[str, str, str] | None] = {
    "Totals": ("E92000001", "England", "country"),
    "Other": None,  # outside England / unknown home address
}
SOURCE_ID = "dfe_fe_data_library"


class FeLibraryParser:
    name = "DfE FE data library table (apprenticeship starts/achievements by district, names only)"
    columnar = True  # the column-wise reader first (fe_library_columnar); False: rows only (tests)

    def sniff(self, raw: RawFile) -> bool:
        if raw.looks_binary or raw.is_spreadsheet:
            return False
        header = raw.first_row()
        return all(c in header for c in REQUIRED) and any(m in header for m in MEASURES)

    def parse(self, raw: RawFile) -> ParseResult:
        col = ProblemCollector(raw.name)
        if self.columnar:
            from etl.sources import fe_library_columnar  # (it reads this module's rules: imported once it is loaded)

            table = fe_library_columnar.fe_table(raw, col)
            if table is not None:
                return ParseResult("indicators", table, source_meta(SOURCE_ID), col.warnings)
        header, rows = read_rows(raw, col)
        missing = [c for c in REQUIRED if c not in header]
        measures = {c: ind for c, ind in MEASURES.items() if c in header}
        if missing or not measures:
            raise SourceFormatError([Problem(file=raw.name, message="a required column is missing", row=1,
                                             column=c, expected=", ".join(REQUIRED + list(MEASURES)),
                                             found=", ".join(header))
                                     for c in missing + ([] if measures else ["Starts"])])
        idx = {h: i for i, h in enumerate(header)}
        seen: dict[tuple, int] = {}
        out: list[dict] = []
        for line, cells in col.until_full(rows):
            name = cells[idx["la_name"]]
            if not name:
                col.error("the district name is empty", row=line, column="la_name", expected="a district name",
                          found="")
                continue
            special = SPECIAL_NAMES.get(name, ())
            if special is None:
                col.skip(f"la_name '{name}' is not an area", line)
                continue
            period = parse_dfe_time_period(cells[idx["year"]], "Academic year")
            if period is None:
                col.error("the year is not understood", row=line, column="year",
                          expected="an academic year like 201617", found=cells[idx["year"]])
                continue
            parts = [f"{dim}={cells[idx[c]]}" for c, dim in DIMENSIONS.items() if cells[idx[c]] != TOTAL]
            if len(parts) > 1:
                col.skip("more than one of level/SSA/Age is not 'Totals'", line)
                continue
            breakdown = parts[0] if parts else "total"
            key = (name, period, breakdown)
            if key in seen:
                col.error("the same district, year and breakdown appear twice", row=line,
                          expected="one row per district, year, level, SSA and age",
                          found=f"{name} {period} {breakdown} also on line {seen[key]}")
                continue
            seen[key] = line
            code, area_name, level = special if special else (None, name, "district")
            for column, indicator in measures.items():
                parsed = parse_cell(cells[idx[column]])
                if parsed is None:
                    col.error("the cell is not a number", row=line, column=column, expected="a count",
                              found=cells[idx[column]])
                    continue
                out.append({"indicator": indicator, "area_code": code, "area_name": area_name, "area_level": level,
                            "period": period, "breakdown": breakdown, "value": parsed[0], "status": parsed[1],
                            "numerator": math.nan, "denominator": math.nan, "unit": "count", "source": SOURCE_ID,
                            "source_row": line, "source_column": column})
        col.raise_if_any()
        return ParseResult("indicators", tidy_frame(out), source_meta(SOURCE_ID), col.warnings)


PARSERS = [FeLibraryParser()]
