"""DfE Local Authority Interactive Tool (LAIT) long data: Attainment 8 by upper-tier authority.

Layout (parquet or CSV): ``Short Desc, Data item, Years, LA and Regions, Values, LA Number,
Region``; 434 indicators in one long table, values as text (``-`` = missing), names not codes.
We take ``Short Desc == AVG_Attain8_Score`` only.

Rules kept as data below:
- ``Years`` is the end of the academic year: ``2018`` -> ``2017/18``.
- values carry float artefacts (``38.799999999999997``): rounded to the catalogue's decimals
  (1 dp, the source's own rounding).
- names only: England and the nine regions get their GSS codes here (public constants); every
  other name is an upper-tier authority resolved by the build (area_code None, ``source_row``).
- "London (Inner)" / "London (Outer)" are not standard areas: skipped. Former authorities
  ("Bournemouth (Pre LG)", ...) are skipped with a warning: their names would collide with the
  successor authority after name matching.
- LAIT has no KS4 pupil count, so ``denominator`` is NaN: the build cannot weight these values
  into LEP figures and says so (a warning is attached).
"""
from __future__ import annotations

import math
import re

import pandas as pd

from vocab.catalogue import indicator
from etl.errors import Problem, ProblemCollector, SourceFormatError
from vocab.periods import academic_year_label, parse_year_or_academic
from etl.schema import tidy_frame
from etl.sources.cells import cell as parse_cell
from etl.sources.base import ParseResult, RawFile, line_of, source_meta

COLUMNS = ["Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number", "Region"]
REQUIRED = ["Short Desc", "Years", "LA and Regions", "Values"]
# LAIT Short Desc -> our indicator
SHORT_DESCS = {"AVG_Attain8_Score": "attainment8"}
COUNTRY = {"England": "E92000001"}
REGIONS = {  # LAIT and ONS spellings
    "North East": "E12000001", "North West": "E12000002", "Yorkshire and the Humber": "E12000003",
    "Yorkshire and The Humber": "E12000003", "East Midlands": "E12000004", "West Midlands": "E12000005",
    "East of England": "E12000006", "East": "E12000006", "London": "E12000007", "South East": "E12000008",
    "South West": "E12000009",
}
NOT_AREAS = {"London (Inner)", "London (Outer)", "Inner London", "Outer London"}
FORMER_SUFFIX = " (Pre LG)"
SOURCE_ID = "dfe_lait"
BATCH_ROWS = 100_000


def period_of(years: str) -> tuple[str | None, str]:
    """LAIT ``Years`` -> (our period label, status): '2018' -> '2017/18'; '2025 (prov)' is provisional."""
    text = str(years).strip()
    status = "ok"
    if m := re.fullmatch(r"(.*?)\s*\((prov|provisional|rev|revised)\)", text, flags=re.IGNORECASE):
        text = m[1]
        status = "provisional" if m[2].lower().startswith("prov") else "revised"
    if re.fullmatch(r"\d{4}", text):
        return academic_year_label(int(text) - 1), status
    return parse_year_or_academic(text), status


class LaitParser:
    name = "DfE LAIT long data (parquet or CSV; Attainment 8 by local authority, names only)"

    def sniff(self, raw: RawFile) -> bool:
        if raw.is_parquet:
            import pyarrow.parquet as pq

            try:
                names = pq.read_schema(raw.path).names
            except Exception:  # not a readable parquet: not ours
                return False
            return all(c in names for c in REQUIRED)
        if raw.looks_binary or raw.is_spreadsheet:
            return False
        return all(c in raw.first_row() for c in REQUIRED)

    def _frame(self, raw: RawFile, col: ProblemCollector) -> pd.DataFrame:
        """The rows of the indicators we use, with their file line, read in batches: a LAIT file holds
        hundreds of indicators and only ours are kept in memory."""
        return self._parquet(raw) if raw.is_parquet else self._csv(raw, col)

    def _parquet(self, raw: RawFile) -> pd.DataFrame:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        names = pq.read_schema(raw.path).names
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise SourceFormatError([Problem(file=raw.name, message="a required column is missing", column=c,
                                             expected=", ".join(REQUIRED), found=", ".join(names))
                                     for c in missing])
        frames, offset, wanted = [], 0, pa.array(list(SHORT_DESCS), type=pa.string())
        book = pq.ParquetFile(raw.path)
        for group in range(book.num_row_groups):  # (a LAIT file is hundreds of indicators: ours sit in a few groups)
            descs = book.read_row_group(group, columns=["Short Desc"]).column(0)
            kept = np.flatnonzero(pc.is_in(descs, value_set=wanted).to_numpy(zero_copy_only=False))
            if len(kept):  # only then are the group's other columns read, and only our rows made pandas rows
                df = book.read_row_group(group, columns=REQUIRED).take(kept).to_pandas()
                # parquet rows are numbered as the same table exported to CSV (header on line 1)
                df.index = offset + kept
                frames.append(df)
            offset += len(descs)
        df = pd.concat(frames) if frames else pd.DataFrame(columns=REQUIRED)
        return df.assign(source_row=[line_of(i) for i in df.index])

    def _csv(self, raw: RawFile, col: ProblemCollector) -> pd.DataFrame:
        rows = ((line, [c.lstrip() for c in cells]) for line, cells in raw.csv_rows() if any(c.strip() for c in cells))
        first = next(rows, None)
        header = first[1] if first else []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise SourceFormatError([Problem(file=raw.name, message="a required column is missing", row=1,
                                             column=c, expected=", ".join(REQUIRED),
                                             found=", ".join(header)) for c in missing])
        at = [header.index(c) for c in REQUIRED]
        kept = []
        for line, cells in col.until_full(rows):
            if len(cells) != len(header):
                col.error("the row has the wrong number of cells", row=line, expected=f"{len(header)} cells",
                          found=f"{len(cells)} cells")
            elif cells[at[0]] in SHORT_DESCS:
                kept.append([cells[j] for j in at] + [line])
        col.raise_if_any()
        return pd.DataFrame(kept, columns=REQUIRED + ["source_row"])

    def parse(self, raw: RawFile) -> ParseResult:
        col = ProblemCollector(raw.name)
        df = self._frame(raw, col)
        if df.empty:
            raise SourceFormatError(Problem(file=raw.name, message="no indicator we use is in this LAIT file",
                                            column="Short Desc", expected=", ".join(SHORT_DESCS),
                                            found="none of them"))
        former: list[tuple[int, str, bool]] = []  # (line, name, has a value)
        not_areas: list[int] = []
        seen: dict[tuple, int] = {}
        out: list[dict] = []
        rows = zip(df["source_row"], zip(df["Short Desc"], df["Years"], df["LA and Regions"], df["Values"]))
        for line, (short, years, name, text) in col.until_full(rows):
            ind = indicator(SHORT_DESCS[short])
            name = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name).strip()
            if name in NOT_AREAS:
                not_areas.append(line)
                continue
            if name.endswith(FORMER_SUFFIX):
                former.append((line, name, str(text).strip() not in ("-", "")))
                continue
            if not name:
                col.error("the area name is empty", row=line, column="LA and Regions", expected="a name", found="")
                continue
            period, period_status = period_of(years)
            if period is None:
                col.error("the year is not understood", row=line, column="Years",
                          expected="an end-of-academic-year like 2018", found=years)
                continue
            parsed = parse_cell(text)
            if parsed is None:
                col.error("the value is not a number or '-'", row=line, column="Values", expected="a number or '-'",
                          found=text)
                continue
            value, status = parsed
            if status == "ok":
                value = round(value, ind.decimals)
                status = period_status
            if name in COUNTRY:
                code, level = COUNTRY[name], "country"
            elif name in REGIONS:
                code, level = REGIONS[name], "region"
            else:
                code, level = None, "upper_tier"
            key = (ind.id, name, period)
            if key in seen:
                col.error("the same indicator, area and year appear twice", row=line, column="LA and Regions",
                          expected="one row per area and year", found=f"{name} {years} also on line {seen[key]}")
                continue
            seen[key] = line
            out.append({"indicator": ind.id, "area_code": code, "area_name": name, "area_level": level,
                        "period": period, "breakdown": "total", "value": value, "status": status,
                        "numerator": math.nan, "denominator": math.nan, "unit": ind.unit, "source": SOURCE_ID,
                        "source_row": int(line), "source_column": "Values"})
        col.raise_if_any()
        warnings = [Problem(file=raw.name, severity="warning",
                            message="LAIT gives no pupil counts: Attainment 8 rows have no weight, so LEP and "
                                    "other combined-area values cannot be computed from them")]
        if former:
            names = ", ".join(dict.fromkeys(n for _, n, _ in former))
            with_value = sum(1 for *_, v in former if v)
            warnings.append(Problem(file=raw.name, severity="warning",
                                    message=f"skipped {len(former)} row(s) of former authorities ({names}; "
                                            f"{with_value} with a value): not charted, their names would collide "
                                            "with the successor authorities"))
        if not_areas:
            warnings.append(Problem(file=raw.name, severity="warning",
                                    message=f"skipped {len(not_areas)} row(s) for Inner/Outer London "
                                            "(not a standard area)"))
        return ParseResult("indicators", tidy_frame(out), source_meta(SOURCE_ID), warnings)


PARSERS = [LaitParser()]
