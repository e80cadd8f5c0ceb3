"""DfE explore-education-statistics parser: hand-written fixtures, bad inputs, real extracts."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from etl.errors import SourceFormatError
from etl.schema import validate_tidy
from etl.sources import dfe_ees, dfe_ees_layouts
from etl.sources.base import RawFile, all_parsers, detect

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dfe"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
NEET, KS4, APPS = dfe_ees.PARSERS


def real(relative: str) -> RawFile:
    path = REAL / relative
    if not path.exists():
        pytest.skip("../shared/data/real not present: real-extract tests need the shared folder beside the repo")
    return RawFile.at(path)


def rows(table, columns=("indicator", "area_code", "area_level", "period", "breakdown", "value", "status",
                         "numerator", "denominator", "source_row")):
    """The table as tuples, NaN shown as None so expected rows can be written literally."""
    out = []
    for rec in table[list(columns)].itertuples(index=False):
        out.append(tuple(None if isinstance(v, float) and math.isnan(v) else v for v in rec))
    return out


def write_variant(tmp_path: Path, fixture: str, edit) -> RawFile:
    """A copy of a fixture with ``edit(lines) -> lines`` applied (for bad-input tests)."""
    lines = (FIXTURES / fixture).read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / fixture
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return RawFile.at(path)


# ------------------------------------------------------------------------------------------
# recognition
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fixture, parser", [
    ("neet_nccis_underlying.csv", NEET), ("ks4_la_lad_underlying.csv", KS4), ("ks4_pr_lad_underlying.csv", KS4),
    ("apprenticeships_underlying.csv", APPS), ("apprenticeships_permalink.csv", APPS),
])
def test_each_fixture_is_recognised_by_exactly_its_parser(fixture, parser):
    raw = RawFile.at(FIXTURES / fixture)
    assert detect(raw, all_parsers()) is parser, f"{fixture} should be claimed by {parser.name} alone"


def test_neet_file_is_not_taken_for_ks4_although_it_has_an_avg_att8_column():
    header = (FIXTURES / "neet_nccis_underlying.csv").read_text().splitlines()[0].split(",")
    assert "avg_att8" in header, "the fixture keeps NCCIS's contextual avg_att8 column"
    assert dfe_ees.dataset_of(header) is dfe_ees_layouts.NEET, "NEET measures must decide the dataset"
    assert not KS4.sniff(RawFile.at(FIXTURES / "neet_nccis_underlying.csv")), "KS4 parser must not claim NEET"


def test_other_layouts_are_not_claimed(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("areacd,areanm,geography,indicator,period,observation\nE06000009,Blackpool,x,y,2020,1\n")
    assert not any(p.sniff(RawFile.at(path)) for p in dfe_ees.PARSERS), "an ONS ELS file is not an EES file"
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01\x02PAR1")
    assert not any(p.sniff(RawFile.at(binary)) for p in dfe_ees.PARSERS), "binary content must not be claimed"


# ------------------------------------------------------------------------------------------
# NEET (NCCIS)
# ------------------------------------------------------------------------------------------
def test_neet_fixture_gives_exactly_the_expected_rows():
    result = NEET.parse(RawFile.at(FIXTURES / "neet_nccis_underlying.csv"))
    assert result.meta.source_id == "dfe_neet_participation", "source id from the brief"
    assert rows(result.table) == [
        ("neet_nk_rate", "E92000001", "country", "2021", "total", 5.0, "ok", 50000.0, 1000000.0, 2),
        ("neet_rate", "E92000001", "country", "2021", "total", 2.5, "ok", 25000.0, 1000000.0, 2),
        ("not_known_rate", "E92000001", "country", "2021", "total", 2.5, "ok", 25000.0, 1000000.0, 2),
        ("participation_rate", "E92000001", "country", "2021", "total", 93.0, "ok", 976500.0, 1050000.0, 2),
        ("neet_nk_rate", "E12000002", "region", "2021", "total", 6.0, "ok", 7200.0, 120000.0, 3),
        ("neet_rate", "E12000002", "region", "2021", "total", 3.0, "ok", 3600.0, 120000.0, 3),
        ("not_known_rate", "E12000002", "region", "2021", "total", 3.0, "ok", 3600.0, 120000.0, 3),
        ("participation_rate", "E12000002", "region", "2021", "total", 92.5, "ok", 115625.0, 125000.0, 3),
        ("neet_nk_rate", "E10000017", "upper_tier", "2021", "total", 5.5, "ok", 1100.0, 20000.0, 4),
        ("neet_rate", "E10000017", "upper_tier", "2021", "total", 2.5, "ok", 500.0, 20000.0, 4),
        ("not_known_rate", "E10000017", "upper_tier", "2021", "total", 3.0, "ok", 600.0, 20000.0, 4),
        ("participation_rate", "E10000017", "upper_tier", "2021", "total", 93.5, "ok", 19635.0, 21000.0, 4),
        ("neet_nk_rate", "E06000009", "upper_tier", "2021", "total", 8.0, "ok", 160.0, 2000.0, 5),
        ("neet_rate", "E06000009", "upper_tier", "2021", "total", 5.0, "ok", 100.0, 2000.0, 5),
        ("not_known_rate", "E06000009", "upper_tier", "2021", "total", None, "suppressed", None, None, 5),
        ("participation_rate", "E06000009", "upper_tier", "2021", "total", 90.0, "ok", None, None, 5),
        ("neet_nk_rate", "E06000023", "upper_tier", "2021", "total", 6.5, "ok", 325.0, 5000.0, 6),
        ("neet_rate", "E06000023", "upper_tier", "2021", "total", 3.5, "ok", 175.0, 5000.0, 6),
        ("not_known_rate", "E06000023", "upper_tier", "2021", "total", 3.0, "ok", 150.0, 5000.0, 6),
        ("participation_rate", "E06000023", "upper_tier", "2021", "total", None, "not_available", None, None, 6),
    ], "NEET rows: values, markers, numerators from % x cohort, the comma-named row with a trailing cell"
    assert result.table["area_name"].tolist()[16] == "Bristol, City of", "quoted names with commas survive"
    assert [w.severity for w in result.warnings] == ["warning"], "the dropped dummy rows are reported once"
    assert "lines 7, 8" in result.warnings[0].message, "the warning names the dummy rows' lines"
    assert validate_tidy(result.table.drop(columns=["source_row"])) == [], "output meets the tidy contract"


def _neet_error(tmp_path, edit) -> str:
    raw = write_variant(tmp_path, "neet_nccis_underlying.csv", edit)
    with pytest.raises(SourceFormatError) as exc:
        NEET.parse(raw)
    return str(exc.value)


def test_text_in_a_number_column_names_row_and_column(tmp_path):
    def edit(lines):
        lines[3] = lines[3].replace(",5.5,2.5,3.0,", ",5.5,abc,3.0,")
        return lines
    message = _neet_error(tmp_path, edit)
    assert "row 4 column NEET_percent" in message and "'abc'" in message, f"says where and what: {message}"


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    def edit(lines):
        lines[3] = lines[3].replace(",5.5,2.5,3.0,", ",5.5,abc,3.0,")
        lines[1] = lines[1].replace("Calendar year,National", "Calendar year,County")
        return lines
    raw = write_variant(tmp_path, "neet_nccis_underlying.csv", edit)
    with pytest.raises(SourceFormatError) as exc:
        NEET.parse(raw)
    assert len(exc.value.problems) == 2, f"both problems in one error: {exc.value}"


def test_unknown_geographic_level_is_an_error(tmp_path):
    message = _neet_error(tmp_path, lambda ls: [ls[0], ls[1].replace(",National,", ",Nationwide,")] + ls[2:])
    assert "row 2 column geographic_level" in message and "Nationwide" in message, message


def test_bad_time_period_is_an_error(tmp_path):
    message = _neet_error(tmp_path, lambda ls: [ls[0], "20x1" + ls[1][4:]] + ls[2:])
    assert "row 2 column time_period" in message and "20x1" in message, message


def test_a_row_with_an_extra_non_empty_cell_is_an_error(tmp_path):
    message = _neet_error(tmp_path, lambda ls: ls[:2] + [ls[2] + ",7"] + ls[3:])
    assert "row 3" in message and "55 cells" in message, f"names the line and the cell count: {message}"


def test_a_row_with_too_few_cells_is_an_error(tmp_path):
    message = _neet_error(tmp_path, lambda ls: ls[:2] + [ls[2].rsplit(",", 3)[0]] + ls[3:])
    assert "row 3" in message and "expected 54 cells" in message, message


def test_duplicate_rows_are_an_error_naming_both_lines(tmp_path):
    message = _neet_error(tmp_path, lambda ls: ls[:5] + [ls[4]] + ls[5:])
    assert "row 6" in message and "line 5" in message, f"both lines named: {message}"


def test_a_row_without_an_area_code_is_an_error_unless_it_is_a_dummy(tmp_path):
    message = _neet_error(tmp_path, lambda ls: ls[:3] + [ls[3].replace("E10000017", "")] + ls[4:])
    assert "row 4 column new_la_code" in message, message


def test_missing_required_column_is_an_error(tmp_path):
    def drop_level(lines):
        return [",".join(c for i, c in enumerate(line.split(",")) if i != 2) for line in lines[:2]]
    message = _neet_error(tmp_path, drop_level)
    assert "column geographic_level" in message and "missing" in message, message


def test_missing_cohort_column_leaves_rates_without_denominators(tmp_path):
    def rename(lines):
        return [lines[0].replace("Cohort_DJFavg", "Cohort_other")] + lines[1:]
    result = NEET.parse(write_variant(tmp_path, "neet_nccis_underlying.csv", rename))
    neet = result.table[result.table["indicator"] == "neet_rate"]
    assert neet["denominator"].isna().all(), "no cohort column, no denominator"
    assert any("Cohort_DJFavg" in w.message for w in result.warnings), "the missing weight is reported"


# ------------------------------------------------------------------------------------------
# KS4
# ------------------------------------------------------------------------------------------
def test_ks4_fixture_keeps_all_pupil_state_funded_rows_only():
    result = KS4.parse(RawFile.at(FIXTURES / "ks4_la_lad_underlying.csv"))
    assert result.meta.source_id == "dfe_ks4_performance", "source id from the brief"
    assert rows(result.table) == [
        ("attainment8", "E92000001", "country", "2021/22", "total", 48.8, "ok", 24400000.0, 500000.0, 2),
        ("attainment8", "E12000002", "region", "2021/22", "total", 47.1, "ok", 2826000.0, 60000.0, 5),
        ("attainment8", "E10000017", "upper_tier", "2021/22", "total", 46.4, "ok", 556800.0, 12000.0, 7),
        ("attainment8", "E06000009", "district", "2021/22", "total", 40.5, "ok", 56700.0, 1400.0, 9),
        ("attainment8", "E07000117", "district", "2021/22", "total", None, "suppressed", None, None, 10),
        ("attainment8", "E07000118", "district", "2021/22", "total", 49.2, "ok", None, None, 11),
        ("attainment8", "E07000118", "district", "2022/23", "total", 48.0, "provisional", 52800.0, 1100.0, 12),
    ], "boys/mainstream/Inner London rows skipped; Blackpool once, as a district; weight = pupils"
    messages = " | ".join(w.message for w in result.warnings)
    for text in ("breakdown_topic", "establishment_type_group", "Inner/Outer London", "unitary"):
        assert text in messages, f"skipped rows are explained ({text}): {messages}"


def test_ks4_unitary_keeps_the_la_value_when_the_district_row_has_none(tmp_path):
    def edit(lines):
        lines[7] = lines[7].replace("1400,40.5,55.3", "z,z,z")
        return lines
    result = KS4.parse(write_variant(tmp_path, "ks4_la_lad_underlying.csv", edit))
    blackpool = result.table[result.table["area_code"] == "E06000009"]
    assert blackpool["value"].tolist() == [40.5] and blackpool["area_level"].tolist() == ["district"], \
        "the LA row's value stands in, labelled as the district"


def test_ks4_2024_25_column_names_are_understood(tmp_path):
    def rename(lines):
        return [lines[0].replace("t_pupils", "pupil_count").replace("avg_att8", "attainment8_average")] + lines[1:]
    raw = write_variant(tmp_path, "ks4_la_lad_underlying.csv", rename)
    assert detect(raw, all_parsers()) is KS4, "the renamed measure still identifies KS4"
    england = KS4.parse(raw).table.iloc[0]
    assert (england["value"], england["denominator"]) == (48.8, 500000.0), "value and pupils from the new names"


def test_ks4_residency_file_is_its_own_series_with_progress8_intervals():
    result = KS4.parse(RawFile.at(FIXTURES / "ks4_pr_lad_underlying.csv"))
    cols = ("indicator", "area_code", "area_level", "value", "status", "numerator", "denominator", "lower_ci",
            "upper_ci", "source_row")
    assert rows(result.table, cols) == [
        ("attainment8_residency", "E92000001", "country", 46.0, "ok", 23000000.5, 500000.0, None, None, 2),
        ("progress8_residency", "E92000001", "country", -0.02, "ok", -9400.25, 470000.0, -0.03, -0.01, 2),
        ("attainment8_residency", "E12000002", "region", 45.0, "ok", 3150000.25, 70000.0, None, None, 3),
        ("progress8_residency", "E12000002", "region", -0.2, "ok", -13200.5, 66000.0, -0.21, -0.19, 3),
        ("attainment8_residency", "E07000117", "district", 41.1, "ok", 41050.5, 1000.0, None, None, 5),
        ("progress8_residency", "E07000117", "district", -0.3, "ok", -285.5, 950.0, -0.39, -0.21, 5),
        ("attainment8_residency", "E07000118", "district", 48.0, "ok", 57600.0, 1200.0, None, None, 6),
        ("progress8_residency", "E07000118", "district", 0.01, "ok", 11.5, 1150.0, -0.07, 0.09, 6),
        ("attainment8_residency", "E06000009", "district", None, "suppressed", None, None, None, None, 7),
        ("progress8_residency", "E06000009", "district", None, "suppressed", None, None, None, None, 7),
        ("attainment8_residency", "E07000119", "district", 47.5, "ok", 33250.0, 700.0, None, None, 8),
        ("progress8_residency", "E07000119", "district", None, "not_applicable", None, None, None, None, 8),
    ], ("pupil residency feeds its own indicators (never the school-location series); the numerator is the "
        "published total t_att8 / t_p8score; P8 keeps its 95% interval; c and z keep their meaning")
    assert validate_tidy(result.table.drop(columns="source_row")) == [], "negative Progress 8 is in its domain"


def test_ks4_unknown_basis_is_an_error_naming_the_cell(tmp_path):
    raw = write_variant(tmp_path, "ks4_pr_lad_underlying.csv",
                        lambda lines: [lines[0]] + [lines[1].replace("Pupil residency", "Pupil postcode")])
    with pytest.raises(SourceFormatError) as info:
        KS4.parse(raw)
    problem = info.value.problems[0]
    assert (problem.row, problem.column, problem.found) == (2, "level_methodology", "Pupil postcode"), \
        "a basis we cannot place is reported, never guessed into the school-location series"


# ------------------------------------------------------------------------------------------
# apprenticeships
# ------------------------------------------------------------------------------------------
def test_apprenticeship_underlying_breakdowns():
    result = APPS.parse(RawFile.at(FIXTURES / "apprenticeships_underlying.csv"))
    cols = ("indicator", "area_code", "breakdown", "value", "status", "source_row")
    assert rows(result.table, cols) == [
        ("apprenticeship_starts", "E92000001", "total", 337140.0, "ok", 2),
        ("apprenticeship_achievements", "E92000001", "total", 162320.0, "ok", 2),
        ("apprenticeship_starts", "E12000002", "total", 45230.0, "ok", 3),
        ("apprenticeship_achievements", "E12000002", "total", 22110.0, "ok", 3),
        ("apprenticeship_starts", "E07000121", "total", 1370.0, "ok", 4),
        ("apprenticeship_achievements", "E07000121", "total", 640.0, "ok", 4),
        ("apprenticeship_starts", "E07000121", "age=Under 19", 420.0, "ok", 5),
        ("apprenticeship_achievements", "E07000121", "age=Under 19", 210.0, "ok", 5),
        ("apprenticeship_starts", "E07000121", "level=Higher", 310.0, "ok", 6),
        ("apprenticeship_achievements", "E07000121", "level=Higher", None, "suppressed", 6),
        ("apprenticeship_starts", "E07000121", "sector=Health, Public Services and Care", 390.0, "ok", 7),
        ("apprenticeship_achievements", "E07000121", "sector=Health, Public Services and Care", 200.0, "ok", 7),
        ("apprenticeship_starts", "E07000121", "sector=Science and Mathematics", None, "low", 8),
        ("apprenticeship_achievements", "E07000121", "sector=Science and Mathematics", 0.0, "ok", 8),
    ], "one breakdown dimension per row; cross-tabulated and 'Outside of England' rows skipped"
    assert set(result.table["area_level"]) == {"country", "region", "district"}, "levels from geographic_level"
    messages = " | ".join(w.message for w in result.warnings)
    assert "more than one breakdown filter" in messages and "lines 9" in messages, messages
    assert "Outside of England and unknown" in messages, messages


def test_apprenticeship_permalink_with_camelcase_levels():
    result = APPS.parse(RawFile.at(FIXTURES / "apprenticeships_permalink.csv"))
    cols = ("indicator", "area_code", "area_level", "period", "breakdown", "value", "status", "source_row")
    assert rows(result.table, cols) == [
        ("apprenticeship_achievements", "E92000001", "country", "2016/17", "total", 276000.0, "ok", 2),
        ("apprenticeship_achievements", "E12000002", "region", "2016/17", "total", 41000.0, "ok", 4),
        ("apprenticeship_achievements", "E06000009", "district", "2016/17", "total", 1100.0, "ok", 5),
        ("apprenticeship_achievements", "E06000009", "district", "2016/17", "age=19-24", 300.0, "ok", 6),
        ("apprenticeship_achievements", "E06000009", "district", "2017/18", "total", 1050.0, "ok", 7),
        ("apprenticeship_achievements", "E06000053", "district", "2016/17", "total", None, "low", 8),
    ], "community learning and the pseudo-area skipped; '~' is low; BOM header read"
    assert result.meta.source_id == "dfe_apprenticeships", "source id from the brief"


def test_permalink_unknown_level_is_an_error(tmp_path):
    raw = write_variant(tmp_path, "apprenticeships_permalink.csv",
                        lambda ls: ls[:4] + [ls[4].replace("localAuthorityDistrict", "localBorough")] + ls[5:])
    with pytest.raises(SourceFormatError) as exc:
        APPS.parse(raw)
    assert "row 5 column geographic_level" in str(exc.value), str(exc.value)


def test_skipped_levels_are_warned_not_failed(tmp_path):
    extra = "Lancashire,E69000019,localSkillsImprovementPlanArea,201617,Total,Apprenticeships: Total,5000"
    result = APPS.parse(write_variant(tmp_path, "apprenticeships_permalink.csv", lambda ls: ls + [extra]))
    assert "E69000019" not in set(result.table["area_code"]), "LSIP rows are not taken from the file"
    assert any("localSkillsImprovementPlanArea" in w.message for w in result.warnings), "and the skip is reported"


# ------------------------------------------------------------------------------------------
# real extracts
# ------------------------------------------------------------------------------------------
def test_real_neet_file():
    raw = real("neet_participation/dfe_nccis_neet_participation_la_2021.csv")
    assert detect(raw, all_parsers()) is NEET, "the real NCCIS file is recognised as NEET"
    df = NEET.parse(raw).table
    lancs = df[(df["area_code"] == "E10000017") & (df["indicator"] == "neet_nk_rate")]
    assert len(lancs) == 1 and lancs["status"].iloc[0] == "ok", "Lancashire has a NEET/not known value"
    assert lancs["value"].iloc[0] > 0 and lancs["denominator"].iloc[0] > 1000, "and a cohort as denominator"
    upper = df[(df["indicator"] == "neet_nk_rate") & (df["area_level"] == "upper_tier")]
    assert upper["area_code"].nunique() == 149, "150 LA rows in the file less the 'LA demo' dummy"
    regions = df[(df["indicator"] == "neet_nk_rate") & (df["area_level"] == "region")]
    assert regions["area_code"].nunique() == 9, "the nine regions, 'Region demo' dropped"
    assert set(df["period"]) == {"2021"}, "calendar-year label"
    for code in ("E06000008", "E06000009"):
        assert code in set(upper["area_code"]), f"unitary {code} present"
    assert validate_tidy(df.drop(columns=["source_row"])) == [], "real output meets the tidy contract"


def test_real_permalink_file():
    raw = real("apprenticeships/dfe_fe_achievements_lad_201617_202122_ees_permalink.csv")
    assert detect(raw, all_parsers()) is APPS, "the permalink is recognised as apprenticeships"
    df = APPS.parse(raw).table
    blackpool = df[df["area_code"] == "E06000009"]
    assert len(blackpool) == 6 and (blackpool["indicator"] == "apprenticeship_achievements").all(), \
        "six years of Blackpool apprenticeship achievements (other provision types skipped)"
    assert (blackpool["area_level"] == "district").all(), "localAuthorityDistrict -> district"
    england = df[(df["area_code"] == "E92000001") & (df["period"] == "2016/17")]
    assert england["value"].tolist() == [277790.0], "published England 2016/17 apprenticeship achievements"
    assert "z" not in set(df["area_code"]), "'Outside of England and unknown' is not an area"
