"""HMRC CJRS local-authority tables: CSV transcriptions, HMRC's titled sheets, monthly layouts, bad inputs."""
from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from etl.errors import SourceFormatError
from etl.schema import coerce_types, validate_tidy
from etl.sources.base import RawFile, detect
from etl.sources.hmrc_cjrs import PARSERS, clean_name, header_role

FIXTURES = Path(__file__).parent / "fixtures" / "hmrc"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
PARSER = PARSERS[0]
LANCASHIRE_LEP = ["E06000008", "E06000009"] + [f"E07000{n}" for n in range(117, 129)]


LEVELS = {"E06": "district", "E07": "district", "E08": "district", "E09": "district", "E10": "upper_tier",
          "E11": "upper_tier", "E12": "region", "E92": "country"}


def contract_problems(table: pd.DataFrame) -> list:
    """Tidy-contract problems once the build has filled area_level from the codes (HMRC gives none)."""
    assert table["area_level"].isna().all(), "HMRC states no levels: the parser leaves area_level to the build"
    return validate_tidy(coerce_types(table.assign(area_level=table["area_code"].str[:3].map(LEVELS))))


def parse(path: Path):
    raw = RawFile.at(path)
    assert PARSER.sniff(raw), f"the CJRS parser should recognise {path.name}"
    return PARSER.parse(raw)


def value(table: pd.DataFrame, indicator: str, code: str, period: str | None = None) -> pd.Series:
    rows = table[(table["indicator"] == indicator) & (table["area_code"] == code)]
    if period is not None:
        rows = rows[rows["period"] == period]
    assert len(rows) == 1, f"expected one {indicator} row for {code} {period or ''}, found {len(rows)}"
    return rows.iloc[0]


def titled_workbook(path: Path, rows: list[list[object]], title: str | None = None, sheet: str = "5. Local Authority",
                    percent_column: int | None = None) -> Path:
    """An HMRC-style workbook: release title, table title, blank row, then ``rows`` (header first)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["Coronavirus Job Retention Scheme statistics: August 2020"])
    if title:
        ws.append([title])
    ws.append([])
    for row in rows:
        ws.append(row)
        if percent_column is not None and isinstance(row[percent_column], float):
            ws.cell(ws.max_row, percent_column + 1).number_format = "0%"
    ws.append([])
    ws.append(["Source: HMRC Coronavirus Job Retention Scheme and Real Time Information"])
    book.save(path)
    return path


# --- the ODI Leeds style CSV (header on line 1, no date) ---------------------------------------

def test_transcription_csv_rows_levels_and_markers():
    result = parse(FIXTURES / "cjrs_la_transcription.csv")
    table = result.table
    assert result.kind == "indicators", "a CJRS table gives indicator rows"
    assert contract_problems(table) == [], "the rows satisfy the tidy contract"
    assert set(table["period"]) == {"2020-06"}, \
        "an undated CSV is HMRC's August 2020 release (publishers.toml), cumulative to June 2020"
    assert any("states no date" in str(w) for w in result.warnings), "the assumed period is reported as a warning"
    assert result.meta.release_date == "2020-08-21", "release date from HMRC's release calendar"
    codes = set(table["area_code"])
    assert {"E92000001", "E12000002", "E10000017", "E11000001", "E06000009"} <= codes, \
        "country, region, county, metropolitan county and unitary rows are all kept (the build aggregates)"
    assert not any(c[0] in "WSN" for c in codes), "Welsh, Scottish and NI rows are skipped"
    assert "E14000001" not in codes, "constituency codes are not areas of the pack"
    assert any("E14000001" in str(w) for w in result.warnings), "a skipped English code is reported"
    assert value(table, "furloughed_employments", "E10000017")["area_name"] == "Lancashire", "' County' stripped"
    assert value(table, "furloughed_employments", "E06000009")["area_name"] == "Blackpool", "' UA' stripped"
    assert value(table, "furloughed_employments", "E11000001")["area_name"] == "Greater Manchester", \
        "' Metropolitan County' stripped"


def test_transcription_csv_take_up_is_published_rate_with_counts():
    table = parse(FIXTURES / "cjrs_la_transcription.csv").table
    blackpool = value(table, "furlough_take_up", "E06000009")
    assert blackpool["value"] == 36, "the published take-up rate is the value"
    assert (blackpool["numerator"], blackpool["denominator"]) == (21000, 59000), \
        "numerator = furloughed and denominator = eligible, so areas can be aggregated"
    assert blackpool["unit"] == "percent" and blackpool["source"] == "hmrc_cjrs", "unit and source id"
    count = value(table, "furloughed_employments", "E06000009")
    assert count["value"] == 21000 and count["unit"] == "count", "the furloughed count is a count row"


def test_suppressed_cells_are_nan_with_status_never_zero():
    table = parse(FIXTURES / "cjrs_la_transcription.csv").table
    count = value(table, "furloughed_employments", "E07000999")
    assert math.isnan(count["value"]) and count["status"] == "suppressed", "'c' is suppressed, value NaN"
    rate = value(table, "furlough_take_up", "E07000999")
    assert math.isnan(rate["value"]) and rate["status"] == "not_available", "'x' is not available, value NaN"
    assert math.isnan(rate["numerator"]), "a suppressed numerator is not carried as a number"


def test_combined_pair_is_kept_once_on_the_larger_authority():
    result = parse(FIXTURES / "cjrs_la_transcription.csv")
    codes = set(result.table["area_code"])
    assert {"E09000033", "E09000001"} <= codes, "both rows are kept"
    westminster = value(result.table, "furloughed_employments", "E09000033")
    city = value(result.table, "furloughed_employments", "E09000001")
    assert westminster["value"] == 27000, "the combined figure stays on Westminster"
    assert math.isnan(city["value"]) and city["status"] == "not_applicable", \
        "City of London has no figure of its own: not applicable, so sums count the pair once"
    assert any("E09000001" in str(w) and "E09000033" in str(w) for w in result.warnings), \
        "the combined publication is reported"


def test_titled_csv_takes_period_from_title_and_skips_combined_codes_and_footnotes():
    result = parse(FIXTURES / "cjrs_la_titled.csv")
    table = result.table
    assert set(table["period"]) == {"2021-07"}, "'at 31 July 2021' in the table title gives 2021-07, not the " \
                                                 "release date or the claims deadline"
    assert result.meta.release_date == "2021-09-09", "a dated release title gives the release date"
    assert not any("states no date" in str(w) for w in result.warnings), "a dated file is not flagged as undated"
    assert value(table, "furlough_take_up", "E06000009")["value"] == 4, "'4%' parses as 4 percent"
    assert not table["area_code"].str.contains(",").any(), "a combined code row is skipped"
    assert any("E06000052, E06000053" in str(w) for w in result.warnings), "the combined code is reported"
    assert len(table) == 6, "three areas x two indicators; footnotes are not data"


# --- HMRC's own spreadsheets --------------------------------------------------------------------

def test_hmrc_sheet_with_title_rows_and_header_variants(tmp_path):
    path = titled_workbook(tmp_path / "tables.xlsx", [
        ["County and district / unitary authority Codes", "County and district / unitary authority",
         "Employments furloughed", "Eligible employments", "Take-up rate"],
        ["E92000001", "England", 8000000, 25000000, 0.32],
        ["E06000009", "Blackpool UA", 21000, 59000, 0.36],
        ["E09000001, E09000033", "City of London and Westminster", 27000, 100000, 0.27],
        ["W92000004", "Wales", 400000, 1300000, 0.31],
    ], title="Table 5: Employments furloughed by local authority, cumulative to 30 June 2020", percent_column=4)
    result = detect(RawFile.at(path)).parse(RawFile.at(path))
    table = result.table
    assert set(table["period"]) == {"2020-06"}, "the period comes from the table title"
    assert value(table, "furlough_take_up", "E06000009")["value"] == pytest.approx(36), \
        "a percent-formatted 0.36 is 36 percent"
    assert result.meta.release_date == "2020-08-21", "the August 2020 release date comes from the release table"
    assert set(table["area_code"]) == {"E92000001", "E06000009"}, "combined and Welsh rows are skipped"
    assert contract_problems(table) == [], "tidy contract holds"


def test_hmrc_sheet_without_eligible_or_take_up(tmp_path):
    path = titled_workbook(tmp_path / "tables.xlsx", [
        ["Area Code", "Area Name", "Employments furloughed"],
        ["E06000009", "Blackpool", 21000],
        ["E07000117", "Burnley", 12000],
    ], title="Table 5: Employments furloughed by local authority at 31 July 2020")
    table = PARSER.parse(RawFile.at(path)).table
    assert set(table["indicator"]) == {"furloughed_employments"}, "no take-up without eligible or a rate"
    assert set(table["period"]) == {"2020-07"}, "period from the title"


def test_take_up_computed_from_counts_when_not_published(tmp_path):
    path = titled_workbook(tmp_path / "tables.xlsx", [
        ["Area Code", "Area Name", "Employments furloughed", "Employments eligible"],
        ["E06000009", "Blackpool", 20000, 80000],
    ], title="Table 5: Employments furloughed by local authority at 31 July 2020")
    row = value(PARSER.parse(RawFile.at(path)).table, "furlough_take_up", "E06000009")
    assert row["value"] == pytest.approx(25.0), "take-up = furloughed / eligible * 100 when HMRC gives no rate"
    assert (row["numerator"], row["denominator"]) == (20000, 80000), "counts kept for aggregation"


def test_monthly_wide_table_with_date_headers(tmp_path):
    path = titled_workbook(tmp_path / "tables.xlsx", [
        ["Area Code", "Area Name", datetime(2020, 7, 31), datetime(2020, 8, 31), "30 Sep 2020"],
        ["E06000009", "Blackpool", 9000, 7000, "c"],
        ["E07000117", "Burnley", 5000, 4000, 3000],
    ], title="Table 7: Employments on furlough by local authority, 1 July 2020 to 30 September 2020",
        sheet="7. Local Authority monthly")
    table = PARSER.parse(RawFile.at(path)).table
    assert sorted(table["period"].unique()) == ["2020-07", "2020-08", "2020-09"], "a period per date column"
    assert set(table["indicator"]) == {"furloughed_employments"}, "date columns hold employments on furlough"
    assert value(table, "furloughed_employments", "E06000009", "2020-08")["value"] == 7000, "value of its month"
    assert value(table, "furloughed_employments", "E06000009", "2020-09")["status"] == "suppressed", "marker kept"


def test_monthly_groups_under_a_merged_date_row(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "LA"
    ws.append(["Coronavirus Job Retention Scheme statistics: 16 December 2021"])
    ws.append(["Table 6: Employments on furlough and take-up rate by local authority"])
    ws.append(["", "", "31 July 2020", None, None, "31 August 2020", None, None])
    ws.merge_cells("C3:E3")
    ws.merge_cells("F3:H3")
    ws.append(["Area Code", "Area Name"] + ["Employments on furlough", "Eligible employments", "Take-up rate"] * 2)
    ws.append(["E06000009", "Blackpool UA", 9000, 60000, 15, 6000, 60000, 10])
    path = tmp_path / "groups.xlsx"
    book.save(path)
    result = PARSER.parse(RawFile.at(path))
    table = result.table
    assert sorted(table["period"].unique()) == ["2020-07", "2020-08"], "the date row above names each group"
    aug = value(table, "furlough_take_up", "E06000009", "2020-08")
    assert (aug["value"], aug["numerator"], aug["denominator"]) == (10, 6000, 60000), "the group's own columns"
    assert result.meta.release_date == "2021-12-16", "release date from the dated release title"


def test_ods_with_fractional_take_up(tmp_path):
    path = tmp_path / "tables.ods"
    df = pd.DataFrame([
        ["Coronavirus Job Retention Scheme statistics: August 2020", None, None, None, None],
        ["Table 5: Employments furloughed by local authority at 30 June 2020", None, None, None, None],
        ["Area Code", "Area Name", "Employments furloughed", "Employments eligible", "Take-up rate"],
        ["E06000009", "Blackpool", 21000, 59000, 0.36],
        ["E07000117", "Burnley", 12000, 40000, 0.3],
    ])
    df.to_excel(path, engine="odf", header=False, index=False, sheet_name="5. Local Authority")
    table = PARSER.parse(RawFile.at(path)).table
    assert value(table, "furlough_take_up", "E06000009")["value"] == pytest.approx(36), \
        "a take-up column read as fractions is turned into percentages"
    assert set(table["period"]) == {"2020-06"}, "period from the title"


# --- bad inputs ---------------------------------------------------------------------------------

def test_text_in_a_number_column_names_every_cell():
    with pytest.raises(SourceFormatError) as exc:
        parse(FIXTURES / "cjrs_la_text_in_number.csv")
    text = str(exc.value)
    assert "row 3 column Total number of employments furloughed" in text and "'lots'" in text, \
        "the error names the file line, column and what was found"
    assert "row 4 column Employments eligible" in text, "every bad cell of the file is reported at once"
    assert "cjrs_la_text_in_number.csv" in text, "the error names the file"


def test_truncated_csv_line_is_reported():
    with pytest.raises(SourceFormatError) as exc:
        parse(FIXTURES / "cjrs_la_truncated.csv")
    assert "row 4" in str(exc.value) and "cut short" in str(exc.value), "a short last line is an error"


def test_workbook_without_header_row(tmp_path):
    path = titled_workbook(tmp_path / "no_header.xlsx", [
        ["E06000009", "Blackpool", 21000, 59000, 0.36],
    ], title="Table 5: Employments furloughed by local authority")
    raw = RawFile.at(path)
    assert PARSER.sniff(raw), "a CJRS workbook is recognised by its title even without a header"
    with pytest.raises(SourceFormatError) as exc:
        PARSER.parse(raw)
    assert "no header row" in str(exc.value) and "no_header.xlsx" in str(exc.value), \
        "a missing header row is a clear error naming the file"


def test_workbook_without_any_date_is_an_error(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Sheet1"
    ws.append(["Employments furloughed by area"])
    ws.append(["Area Code", "Area Name", "Employments furloughed"])
    ws.append(["E06000009", "Blackpool", 21000])
    path = tmp_path / "undated.xlsx"
    book.save(path)
    with pytest.raises(SourceFormatError) as exc:
        PARSER.parse(RawFile.at(path))
    assert "states no date" in str(exc.value), "a spreadsheet with no date anywhere is not guessed"


def test_empty_file():
    raw = RawFile.at(FIXTURES / "empty.csv")
    assert not PARSER.sniff(raw), "an empty file is not claimed"
    with pytest.raises(SourceFormatError) as exc:
        PARSER.parse(raw)
    assert "empty" in str(exc.value), "parsing an empty file says it is empty"


def test_not_claimed_other_layouts():
    other = FIXTURES.parent / "ons_geography" / "ltla_lookup.csv"
    assert not PARSER.sniff(RawFile.at(other)), "an ONS lookup is not a CJRS table"


def test_header_and_name_helpers():
    assert header_role("Employments furloughed [note 2]") == ("furloughed", None), "footnote marks ignored"
    assert header_role("Employments on furlough at 31 July 2020") == ("furloughed", "2020-07"), \
        "a date in a count header is that column's period"
    assert header_role("Take-up rate (%)") == ("take_up", None), "take-up header"
    assert clean_name("County Durham UA") == "County Durham", "only the suffix is stripped"


# --- the real extract ----------------------------------------------------------------------------

@pytest.fixture
def real_csv() -> Path:
    path = REAL / "cjrs_furlough" / "hmrc_cjrs_employments_furloughed_la_august2020.csv"
    if not path.exists():
        pytest.skip("../shared/data/real not present: real-extract tests need the shared folder beside the repo")
    return path


def test_real_csv_lancashire_lep_districts(real_csv):
    raw = RawFile.at(real_csv)
    assert detect(raw) is PARSER, "exactly one parser claims the real CJRS CSV"
    result = PARSER.parse(raw)
    table = result.table
    assert contract_problems(table) == [], "the real extract satisfies the tidy contract"
    counts = table[(table["indicator"] == "furloughed_employments") & table["area_code"].isin(LANCASHIRE_LEP)]
    assert len(counts) == 14, "all 14 Lancashire LEP districts are present"
    assert counts["value"].sum() == 208_100, "Lancashire LEP districts sum to 208,100 furloughed"
    rates = table[(table["indicator"] == "furlough_take_up") & table["area_code"].isin(LANCASHIRE_LEP)]
    assert rates["denominator"].sum() == 653_900, "Lancashire LEP districts sum to 653,900 eligible"
    assert rates["numerator"].sum() == 208_100, "numerators are the furloughed counts"
    assert value(table, "furloughed_employments", "E06000009")["area_name"] == "Blackpool", "Blackpool present"
    assert value(table, "furloughed_employments", "E10000017")["area_name"] == "Lancashire", "county row kept"
    assert not table["area_code"].str[0].isin(list("WSN")).any(), "only English rows"


def test_release_title_right_above_the_header_is_not_the_period(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Table 5"
    ws.append(["Table 5: Employments furloughed by local authority at 30 June 2020"])
    ws.append(["Coronavirus Job Retention Scheme statistics: 9 September 2021"])
    ws.append(["Area Code", "Area Name", "Employments furloughed"])
    ws.append(["E06000009", "Blackpool", 21000])
    path = tmp_path / "tight.xlsx"
    book.save(path)
    table = PARSER.parse(RawFile.at(path)).table
    assert set(table["period"]) == {"2020-06"}, "a release title in column A above the header dates nothing"


def test_every_code_heading_says_code():
    """find_header skips a row without the word "code" before reading its cells' roles: that holds only
    while every heading it knows for the code column has the word."""
    from etl.sources.hmrc_cjrs import HEADER_VARIANTS, normalise_header

    assert all("code" in variant for variant in HEADER_VARIANTS["code"])
    assert "code" not in normalise_header("Co[note 1]de") and normalise_header("LA Code [note 2]") == "la code"
