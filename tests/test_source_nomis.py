"""Nomis claimant count (NM_162_1): API CSV and query-tool CSV give exact tidy rows; bad files fail clearly."""
import math
from pathlib import Path

import pytest

from etl.errors import SourceFormatError
from etl.sources.base import RawFile, all_parsers, detect
from etl.sources.nomis import NomisApiParser, breakdown_label, normalise_age, status_of
from etl.sources.nomis_query import NomisQueryParser

FIXTURES = Path(__file__).parent / "fixtures" / "nomis"
API, QUERY = NomisApiParser(), NomisQueryParser()
COLUMNS = ["indicator", "area_code", "period", "breakdown", "value", "status", "numerator", "denominator", "unit"]

API_HEADER = ('"DATE_NAME","GEOGRAPHY_NAME","GEOGRAPHY_CODE","GENDER_NAME","AGE_NAME","MEASURE_NAME",'
              '"OBS_VALUE","OBS_STATUS"\n')
ROW_COUNT = '"March 2020","Burnley","E07000117","Total","All categories: Age 16+","Claimant count",2345,"A"\n'
ROW_RATE = ('"March 2020","Burnley","E07000117","Total","All categories: Age 16+",'
            '"Claimants as a proportion of residents aged 16-64",4.3,"A"\n')


def _rows(df):
    """Frame -> list of tuples with NaN as None (rounded), so rows compare exactly."""
    out = []
    for rec in df[COLUMNS].itertuples(index=False):
        out.append(tuple(None if isinstance(v, float) and math.isnan(v) else (round(v, 4) if isinstance(v, float)
                                                                             else v) for v in rec))
    return out


def _parse(path, parser=None):
    raw = RawFile.at(path)
    return (parser or detect(raw)).parse(raw)


def _write(tmp_path, text, name="claimants.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the API CSV ------------------------------------------------------------------------------

def test_api_full_column_set_gives_exact_rows():
    result = _parse(FIXTURES / "nm_162_1_api_full.csv")
    assert result.meta.source_id == "ons_nomis_claimant_count", "rows are attributed to the Nomis source"
    expected = [
        ("claimant_count", "E07000117", "2020-03", "total", 2345.0, "ok", None, None, "count"),
        ("claimant_rate", "E07000117", "2020-03", "total", 4.3, "ok", 2345.0, round(2345 / 4.3 * 100, 4), "percent"),
        ("claimant_count", "E07000117", "2020-03", "age=18-24", 510.0, "ok", None, None, "count"),
        ("claimant_rate", "E07000117", "2020-03", "age=18-24", 7.5, "ok", 510.0, 6800.0, "percent"),
        ("claimant_count", "E07000117", "2020-03", "age=18-24;sex=female", 175.0, "ok", None, None, "count"),
        ("claimant_rate", "E07000117", "2020-03", "age=18-24;sex=female", None, "not_available", None, None,
         "percent"),
        ("claimant_count", "E07000117", "2020-03", "age=16-17;sex=male", None, "not_available", None, None, "count"),
        ("claimant_rate", "E07000117", "2020-03", "age=16-17;sex=male", 0.9, "ok", None, None, "percent"),
        ("claimant_count", "E10000017", "2020-04", "age=50+", 3210.0, "ok", None, None, "count"),
        ("claimant_count", "E07000117", "2020-04", "total", None, "not_available", None, None, "count"),
    ]
    assert _rows(result.table) == expected, "every Value row becomes one tidy row with the right breakdown/status"
    assert result.table["area_level"].isna().all(), "area_level is left for the build to fill from the code"
    assert result.table.loc[0, "area_name"] == "Burnley", "the published name is kept for display"


def test_api_missing_value_is_nan_never_zero():
    result = _parse(FIXTURES / "nm_162_1_api_full.csv")
    row = result.table[(result.table.period == "2020-04") & (result.table.area_code == "E07000117")].iloc[0]
    assert math.isnan(row["value"]) and row["status"] == "not_available", \
        "status Q ('These figures are missing') beside a 0 must be NaN, not a zero count"


def test_api_skips_percent_rows_and_non_english_areas_with_warnings():
    result = _parse(FIXTURES / "nm_162_1_api_full.csv")
    text = " ".join(str(w) for w in result.warnings)
    assert "Percent" in text and "row 10" in text, "MEASURES 'Percent' rows are skipped and say where"
    assert "outside England" in text and "row 11" in text, "the Welsh row is dropped with a warning"
    assert all(w.severity == "warning" for w in result.warnings), "skips are warnings, not build failures"
    assert "W06000001" not in set(result.table.area_code), "non-English areas are not emitted"


def test_api_select_variant_defaults_sex_to_total():
    result = _parse(FIXTURES / "nm_162_1_api_select.csv")
    expected = [
        ("claimant_count", "E06000009", "2020-03", "total", 4560.0, "ok", None, None, "count"),
        ("claimant_rate", "E06000009", "2020-03", "total", 5.7, "ok", 4560.0, 80000.0, "percent"),
        ("claimant_count", "E06000009", "2020-03", "age=50+", 1120.0, "ok", None, None, "count"),
        ("claimant_rate", "E06000009", "2020-03", "age=50+", 4.0, "ok", 1120.0, 28000.0, "percent"),
        ("claimant_count", "E06000009", "2020-04", "total", 8010.0, "ok", None, None, "count"),
        ("claimant_rate", "E06000009", "2020-04", "total", 9.9, "ok", 8010.0, round(8010 / 9.9 * 100, 4),
         "percent"),
    ]
    assert _rows(result.table) == expected, "a select= download without GENDER_NAME is read as Total"


def test_api_accepts_date_codes_instead_of_names(tmp_path):
    text = ('"DATE","GEOGRAPHY_CODE","MEASURE_NAME","OBS_VALUE"\n'
            '"2020-03","E07000117","Claimant count",2345\n')
    table = _parse(_write(tmp_path, text), API).table
    assert table.loc[0, "period"] == "2020-03" and table.loc[0, "breakdown"] == "total", \
        "a DATE of '2020-03' is a month and the missing AGE/GENDER columns mean all people"


# --- the query-tool CSV -----------------------------------------------------------------------

def test_query_tool_dates_across():
    result = _parse(FIXTURES / "nomis_query_by_date.csv")
    expected = [
        ("claimant_count", "E07000117", "2020-03", "total", 2345.0, "ok", None, None, "count"),
        ("claimant_count", "E07000117", "2020-04", "total", 3990.0, "ok", None, None, "count"),
        ("claimant_count", "E07000117", "2020-05", "total", 4415.0, "ok", None, None, "count"),
        ("claimant_count", "E07000122", "2020-03", "total", 1875.0, "ok", None, None, "count"),
        ("claimant_count", "E07000122", "2020-04", "total", 3105.0, "ok", None, None, "count"),
        ("claimant_count", "E07000122", "2020-05", "total", None, "not_available", None, None, "count"),
        ("claimant_count", "E10000017", "2020-03", "total", 21450.0, "ok", None, None, "count"),
        ("claimant_count", "E10000017", "2020-04", "total", 38210.0, "ok", None, None, "count"),
        ("claimant_count", "E10000017", "2020-05", "total", 42070.0, "ok", None, None, "count"),
    ]
    assert _rows(result.table) == expected, "title lines fix sex/age/measure; each date column is one period"


def test_query_tool_measures_across_and_several_tables():
    result = _parse(FIXTURES / "nomis_query_by_measure.csv")
    expected = [
        ("claimant_count", "E07000128", "2026-10", "sex=female", 1140.0, "ok", None, None, "count"),
        ("claimant_rate", "E07000128", "2026-10", "sex=female", 3.0, "ok", 1140.0, 38000.0, "percent"),
        ("claimant_count", "E07000119", "2026-10", "sex=female", 655.0, "ok", None, None, "count"),
        ("claimant_rate", "E07000119", "2026-10", "sex=female", 2.4, "ok", 655.0, round(655 / 2.4 * 100, 4),
         "percent"),
        ("claimant_count", "E12000002", "2026-10", "sex=female", 71230.0, "ok", None, None, "count"),
        ("claimant_rate", "E12000002", "2026-10", "sex=female", 3.1, "ok", 71230.0, round(71230 / 3.1 * 100, 4),
         "percent"),
        ("claimant_count", "E07000128", "2026-10", "age=18-24;sex=female", 210.0, "ok", None, None, "count"),
        ("claimant_rate", "E07000128", "2026-10", "age=18-24;sex=female", 4.6, "ok", 210.0,
         round(210 / 4.6 * 100, 4), "percent"),
        ("claimant_count", "E07000119", "2026-10", "age=18-24;sex=female", None, "suppressed", None, None, "count"),
        ("claimant_rate", "E07000119", "2026-10", "age=18-24;sex=female", None, "suppressed", None, None,
         "percent"),
    ]
    assert _rows(result.table) == expected, \
        "each measure column becomes its indicator; a later 'age :' line applies to the next table only onward"


def test_query_tool_code_in_the_name_cell(tmp_path):
    text = ('"Claimant count by sex and age"\n"ONS Crown Copyright Reserved [from Nomis on 24 November 2026]"\n'
            '"measure :","Claimant count"\n\n"local authority: district / unitary (as of April 2023)","March 2020"\n'
            '"E07000117 : Burnley",2345\n')
    table = _parse(_write(tmp_path, text), QUERY).table
    assert (table.loc[0, "area_code"], table.loc[0, "area_name"], table.loc[0, "value"]) == \
        ("E07000117", "Burnley", 2345.0), "'CODE : name' cells are split when there is no mnemonic column"


# --- recognition -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, parser_name", [
    ("nm_162_1_api_full.csv", API.name), ("nm_162_1_api_select.csv", API.name),
    ("nomis_query_by_date.csv", QUERY.name), ("nomis_query_by_measure.csv", QUERY.name),
])
def test_each_layout_is_recognised_by_content(name, parser_name, tmp_path):
    renamed = tmp_path / "download.csv"  # the file name must not matter
    renamed.write_bytes((FIXTURES / name).read_bytes())
    assert detect(RawFile.at(renamed), all_parsers()).name == parser_name, \
        f"{name} is claimed by exactly the {parser_name} parser among all parsers"


def test_sniffers_do_not_claim_other_files(tmp_path):
    other = _write(tmp_path, "areacd,areanm,geography,indicator,period,observation\nE1,x,y,z,2020,1\n")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01PK\x03\x04")
    for parser in (API, QUERY):
        assert not parser.sniff(RawFile.at(other)), f"{parser.name} must not claim an ELS file"
        assert not parser.sniff(RawFile.at(binary)), f"{parser.name} must return False for binary files"


# --- bad inputs --------------------------------------------------------------------------------

def _problems(path, parser):
    with pytest.raises(SourceFormatError) as info:
        parser.parse(RawFile.at(path))
    return info.value.problems


def test_text_in_obs_value_names_file_row_and_column(tmp_path):
    path = _write(tmp_path, API_HEADER + ROW_COUNT.replace("2345", '"abc"'))
    problems = _problems(path, API)
    assert len(problems) == 1, "one bad cell gives one problem"
    p = problems[0]
    assert (p.file, p.row, p.column, p.found) == ("claimants.csv", 2, "OBS_VALUE", "abc"), \
        "the message locates the bad cell by file, file line and column and shows what was found"
    assert "expected a number" in str(p), "the message says what was expected"


def test_every_problem_is_reported_at_once(tmp_path):
    text = (API_HEADER + ROW_COUNT
            + ROW_COUNT.replace("March 2020", "Marchuary 2020")              # line 3: bad date
            + ROW_RATE.replace("residents aged 16-64", "the moon")           # line 4: unknown measure
            + ROW_COUNT.replace("2345", '"n/a"').replace("March", "May")     # line 5: text in a number column
            + ROW_COUNT)                                                      # line 6: duplicate of line 2
    problems = _problems(_write(tmp_path, text), API)
    found = {(p.row, p.column) for p in problems}
    assert found == {(3, "DATE_NAME"), (4, "MEASURE_NAME"), (5, "OBS_VALUE"), (6, None)}, \
        "bad date, unknown measure, text value and duplicate are all listed in one error"
    dup = [p for p in problems if p.row == 6][0]
    assert "duplicate" in dup.message and "row 2" in dup.expected, "a duplicate names the first occurrence"


def test_missing_required_column(tmp_path):
    path = _write(tmp_path, API_HEADER.replace('"OBS_VALUE",', "") + '"March 2020","Burnley","E07000117","Total",'
                  '"All categories: Age 16+","Claimant count","A"\n')
    assert API.sniff(RawFile.at(path)), "a Nomis header without OBS_VALUE is still ours, so the gap is named"
    problems = _problems(path, API)
    assert [(p.row, p.column) for p in problems] == [(1, "OBS_VALUE")], "the missing column is named on the header"
    assert "GEOGRAPHY_CODE" in problems[0].found, "the message lists the columns that were found"


def test_truncated_line(tmp_path):
    path = _write(tmp_path, API_HEADER + ROW_COUNT + '"March 2020","Burnley","E07000117","Total"\n')
    problems = _problems(path, API)
    assert [p.row for p in problems] == [3], "a short (cut-off) line is reported by its file line"
    assert "8 cells" in problems[0].expected and "4 cells" in problems[0].found, "expected and found cell counts"


def test_non_gss_code_is_an_error(tmp_path):
    problems = _problems(_write(tmp_path, API_HEADER + ROW_COUNT.replace("E07000117", "1946157100")), API)
    assert problems[0].column == "GEOGRAPHY_CODE", "an internal Nomis id is not an area code"


def test_problem_list_is_capped(tmp_path):
    text = API_HEADER + "".join(ROW_COUNT.replace("2345", '"bad"').replace("E07000117", f"E07{i:06d}")
                                for i in range(80))
    problems = _problems(_write(tmp_path, text), API)
    assert len(problems) == 51, "at most 50 problems per file are listed, then where reading stopped"
    assert problems[-1].row == 52 and "reading stopped" in problems[-1].message, \
        "the report says the file was read only up to the row after the 50th problem"


def test_query_tool_unknown_heading_and_text_value(tmp_path):
    text = ('"Claimant count by sex and age"\n"ONS Crown Copyright Reserved [from Nomis on 24 November 2026]"\n'
            '"date :","March 2020"\n\n"local authority: district / unitary (as of April 2023)","mnemonic",'
            '"Claimant count","Jobseekers"\n"Burnley","E07000117",2345,10\n')
    problems = _problems(_write(tmp_path, text), QUERY)
    assert [(p.row, p.column) for p in problems] == [(5, "Jobseekers")], "an unknown column heading is named"
    text2 = text.replace(',"Jobseekers"', "").replace("2345,10", '"lots"')
    problems = _problems(_write(tmp_path, text2), QUERY)
    assert [(p.row, p.column, p.found) for p in problems] == [(6, "Claimant count", "lots")], \
        "text in a value cell is located by file line and column heading"


def test_query_tool_without_a_table(tmp_path):
    text = '"Claimant count by sex and age"\n"ONS Crown Copyright Reserved [from Nomis on 24 November 2026]"\n'
    problems = _problems(_write(tmp_path, text), QUERY)
    assert "mnemonic" in problems[0].expected, "the user is told which header the table needs"


# --- small pure helpers ------------------------------------------------------------------------

@pytest.mark.parametrize("label, expected", [
    ("All categories: Age 16+", "total"), ("Aged 18-24", "18-24"), ("Aged 50+", "50+"), ("Aged 16-17", "16-17"),
    ("18-24", "18-24"), ("Age unknown (clerical claims)", "unknown"), ("Teenagers", None),
])
def test_age_labels(label, expected):
    assert normalise_age(label) == expected, f"{label!r} normalises to {expected!r}"


def test_breakdown_labels():
    assert breakdown_label("total", None) == "total", "all ages, both sexes is the total"
    assert breakdown_label("18-24", "female") == "age=18-24;sex=female", "two dimensions join with ';'"
    assert breakdown_label("total", "male") == "sex=male", "sex alone"


@pytest.mark.parametrize("code, name, conf, expected", [
    ("A", "Normal Value", "F", "ok"), ("Q", "These figures are missing.", "F", "not_available"),
    ("-", "", "", "not_available"), ("*", "", "", "suppressed"), ("A", "Normal Value", "T", "suppressed"),
    ("Z9", "Figures suppressed as disclosive", "", "suppressed"), ("", "", "", None),
])
def test_obs_status_words(code, name, conf, expected):
    assert status_of(code, name, conf) == expected, f"OBS_STATUS {code!r} ({name}) means {expected}"


def test_query_sniffer_ignores_prose_about_nomis(tmp_path):
    text = "# Notes\nThe claimant count comes from Nomis (NM_162_1); see the query tool.\n"
    assert not QUERY.sniff(RawFile.at(_write(tmp_path, text, "README.md"))), \
        "a text file that merely mentions Nomis and claimants is not a query-tool table"


def test_rate_parts_filled_across_pages(tmp_path):
    import pandas as pd
    from etl.sources.nomis import fill_rate_parts

    page1 = _write(tmp_path, API_HEADER + ROW_COUNT, "page1.csv")
    page2 = _write(tmp_path, API_HEADER + ROW_RATE, "page2.csv")
    parts = [API.parse(RawFile.at(p)).table for p in (page1, page2)]
    assert math.isnan(parts[1].loc[0, "numerator"]), "a rate whose count is in another file has no parts yet"
    filled = fill_rate_parts(pd.concat(parts, ignore_index=True))
    rate = filled[filled.indicator == "claimant_rate"].iloc[0]
    assert (rate["numerator"], round(rate["denominator"], 2)) == (2345.0, round(2345 / 4.3 * 100, 2)), \
        "the build can join a rate to its count from another page"
