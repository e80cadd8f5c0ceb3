"""ONS Explore Local Statistics CSVs (both header generations) give exact tidy rows; bad files fail clearly."""
import math
from pathlib import Path

import pytest

from etl.errors import SourceFormatError
from etl.schema import validate_tidy
from etl.sources.base import RawFile, all_parsers, detect
from etl.sources.ons_els import OnsElsParser, parse_period

FIXTURES = Path(__file__).parent / "fixtures" / "ons_els"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
ELS = OnsElsParser()
COLUMNS = ["indicator", "area_code", "area_level", "period", "value", "status", "unit", "source"]
HEADER = "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"
ROW = "E07000117,Burnley,Local Authority District,Claimant Count,2024-01-01/P1Y,5.1,Percentage,%,,,,\n"


def _rows(df):
    return [tuple(None if (isinstance(v, float) and math.isnan(v)) or v is None else v for v in rec)
            for rec in df[COLUMNS].itertuples(index=False)]


def _parse(path):
    raw = RawFile.at(path)
    return detect(raw).parse(raw)


def _write(tmp_path, text, name="els.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path):
    with pytest.raises(SourceFormatError) as info:
        ELS.parse(RawFile.at(path))
    return info.value.problems


def test_current_header_generation_gives_exact_rows():
    result = _parse(FIXTURES / "els_current.csv")
    cc, ap = "ons_els_claimant_count", "ons_els_apprenticeships"
    expected = [
        ("claimant_rate_annual", "E92000001", "country", "2025", 4.2, "ok", "percent", cc),
        ("claimant_rate_annual", "E12000002", "region", "2025", 4.6, "ok", "percent", cc),
        ("claimant_rate_annual", "E47000004", "combined_authority", "2025", 5.3, "ok", "percent", cc),
        ("claimant_rate_annual", "E10000017", None, "2025", 3.7, "ok", "percent", cc),
        ("claimant_rate_annual", "E06000009", None, "2025", 6.8, "ok", "percent", cc),
        ("claimant_rate_annual", "E07000117", "district", "2024", 5.1, "ok", "percent", cc),
        ("claimant_rate_annual", "E08000016", "district", "2019", 3.3, "ok", "percent", cc),
        ("claimant_rate_annual", "E07000122", "district", "2002", None, "not_available", "percent", cc),
        ("apprenticeship_starts_rate", "E06000053", None, "2020/21", None, "suppressed", "per_100k", ap),
        ("apprenticeship_starts_rate", "E07000117", "district", "2019/20", 1212.0, "ok", "per_100k", ap),
        ("apprenticeship_achievements_rate", "E07000117", "district", "2024/25", 604.0, "low_reliability",
         "per_100k", ap),
    ]
    assert _rows(result.table) == expected, \
        "English rows of known indicators, ISO periods normalised, markers kept, obsolete codes kept"
    assert result.meta.source_id == cc, "the file's main source names the manifest entry"


def test_non_english_rows_are_dropped_and_unknown_indicators_warned():
    result = _parse(FIXTURES / "els_current.csv")
    assert not any(c[0] in "KWSN" for c in result.table.area_code), "UK, Welsh and NI rows are dropped silently"
    assert len(result.warnings) == 1, "one warning per unknown indicator"
    warning = result.warnings[0]
    assert (warning.severity, warning.row, warning.column) == ("warning", 16, "indicator"), \
        "the unknown indicator is a warning located at its first file line"
    assert "Gross disposable household income" in str(warning), "the warning names the indicator"


def test_older_header_generation_gives_exact_rows():
    result = _parse(FIXTURES / "els_older.csv")
    cc, ap = "ons_els_claimant_count", "ons_els_apprenticeships"
    expected = [
        ("claimant_rate_annual", "E92000001", "country", "2019", 2.8, "ok", "percent", cc),
        ("claimant_rate_annual", "E92000001", "country", "2020", 5.6, "ok", "percent", cc),
        ("claimant_rate_annual", "E06000008", None, "2020", 7.9, "ok", "percent", cc),
        ("apprenticeship_starts_rate", "E07000121", "district", "2019/20", 845.0, "ok", "per_100k", ap),
        ("apprenticeship_achievements_rate", "E07000121", "district", "2021/22", 402.0, "ok", "per_100k", ap),
    ]
    assert _rows(result.table) == expected, "title-case headers and plain-year periods are read the same way"


@pytest.mark.parametrize("text, kind, expected", [
    ("2020-01-01/P1Y", "year", "2020"), ("2019-08-01/P1Y", "academic_year", "2019/20"), ("2019", "year", "2019"),
    ("2019/20", "academic_year", "2019/20"), ("2019-20", "academic_year", "2019/20"),
    ("2019", "academic_year", "2019/20"), ("2019/20", "year", None), ("20X9", "year", None),
])
def test_periods(text, kind, expected):
    assert parse_period(text, kind) == expected, f"{text!r} ({kind}) reads as {expected!r}"


@pytest.mark.parametrize("name", ["els_current.csv", "els_older.csv"])
def test_recognised_by_content(name, tmp_path):
    renamed = tmp_path / "anything.csv"
    renamed.write_bytes((FIXTURES / name).read_bytes())
    assert detect(RawFile.at(renamed), all_parsers()).name == ELS.name, f"{name} is claimed only by the ELS parser"


def test_does_not_claim_a_nomis_file(tmp_path):
    path = _write(tmp_path, '"DATE_NAME","GEOGRAPHY_CODE","MEASURE_NAME","OBS_VALUE"\n"March 2020","E1","x",1\n')
    assert not ELS.sniff(RawFile.at(path)), "a Nomis API file is not an ELS file"


def test_bad_cells_are_all_reported_with_location(tmp_path):
    text = (HEADER + ROW
            + ROW.replace(",5.1,", ",five,").replace("2024", "2023")            # line 3: text value
            + ROW.replace("2024-01-01/P1Y", "last year")                         # line 4: bad period
            + ROW.replace(",,,,\n", ",,,q,\n").replace("2024", "2022")          # line 5: unknown marker
            + ROW)                                                               # line 6: duplicate
    problems = _problems(_write(tmp_path, text))
    assert [(p.row, p.column) for p in problems] == [(3, "observation"), (4, "period"), (5, "status"), (6, None)], \
        "every bad row is listed in one error, by file line and column"
    assert problems[0].found == "five" and "number" in problems[0].expected, "expected and found are shown"
    assert "row 2" in problems[3].expected, "a duplicate names the first occurrence"


def test_confidence_intervals_are_kept(tmp_path):
    text = HEADER + ROW.replace(",5.1,Percentage,%,,,,", ",5.1,Percentage,%,4.8,5.4,,") + \
        ROW.replace("E07000117,Burnley", "E07000118,Chorley")
    table = ELS.parse(RawFile.at(_write(tmp_path, text))).table.set_index("area_code")
    assert (table.at["E07000117", "lower_ci"], table.at["E07000117", "upper_ci"]) == (4.8, 5.4), \
        "lci_95/uci_95 become lower_ci/upper_ci"
    assert math.isnan(table.at["E07000118", "lower_ci"]), "no interval published: NaN, never 0"


@pytest.mark.parametrize("lci, uci", [("4.8", ""), ("5.3", "5.0"), ("5.2", "5.4"), ("low", "5.4")])
def test_a_malformed_interval_is_an_error(tmp_path, lci, uci):
    text = HEADER + ROW.replace(",5.1,Percentage,%,,,,", f",5.1,Percentage,%,{lci},{uci},,")
    problems = _problems(_write(tmp_path, text))
    assert [(p.row, p.column) for p in problems] == [(2, "lci_95")], \
        f"[{lci}, {uci}] around 5.1 is reported at its row and column"


def test_missing_required_column(tmp_path):
    problems = _problems(_write(tmp_path, HEADER.replace("observation,", "") + ROW.replace("5.1,", "")))
    assert [(p.row, p.column) for p in problems] == [(1, "observation")], "the missing column is named"


def test_truncated_line(tmp_path):
    problems = _problems(_write(tmp_path, HEADER + ROW + "E07000117,Burnley,Local Authority District\n"))
    assert [p.row for p in problems] == [3], "a cut-off line is reported by its file line"


def test_a_file_with_no_known_indicator_fails(tmp_path):
    problems = _problems(_write(tmp_path, HEADER + ROW.replace("Claimant Count", "Gross value added")))
    assert "Claimant Count" not in problems[0].found and "Gross value added" in problems[0].found, \
        "the error lists the indicators that were found"


# --- the real extracts (read in place) -------------------------------------------------------

def _real(relative):
    path = REAL / relative
    if not path.exists():
        pytest.skip("../shared/data/real not present: real-extract tests need the shared folder beside the repo")
    return _parse(path)


def test_real_claimant_count_extract():
    result = _real("claimant_count/ons_els_claimant_count_annual_rate.csv")
    df = result.table
    england = df[(df.area_code == "E92000001") & (df.period == "2025")]
    assert england["value"].tolist() == [4.0], "England 2025 annual claimant rate is the published 4.0%"
    assert len(df) == 8550 and df.area_code.nunique() == 342, "every English row (342 areas x 25 years) is kept"
    assert df.area_code.str.startswith("E").all(), "only English areas are kept"
    assert sorted(df.period.unique())[0] == "2001" and sorted(df.period.unique())[-1] == "2025", "2001-2025"
    blackpool = df[df.area_code == "E06000009"]
    assert len(blackpool) == 25 and blackpool.area_level.isna().all(), \
        "Blackpool (only a 'County or Unitary Authority' row) is kept, its level left to the build"
    assert "E08000016" in set(df.area_code), "obsolete codes are kept for the build to map"
    assert (df.indicator == "claimant_rate_annual").all() and (df.unit == "percent").all(), "one indicator, percent"
    filled = df.assign(area_level=df.area_level.fillna("district"))
    assert validate_tidy(filled) == [], "the parsed table meets the tidy contract"


def test_real_apprenticeships_extract():
    result = _real("apprenticeships/ons_els_apprenticeships_starts_achievements_rate_lad.csv")
    df = result.table
    assert result.meta.source_id == "ons_els_apprenticeships", "source id for the manifest"
    assert len(df) == 4168 and df.area_code.nunique() == 369, "every row of the extract is kept"
    starts = df[(df.indicator == "apprenticeship_starts_rate") & (df.area_code == "E92000001")
                & (df.period == "2024/25")]
    assert starts["value"].tolist() == [959.0], "England 2024/25 starts per 100,000 is the published 959"
    assert sorted(df.period.unique()) == ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25"], \
        "academic years from the ISO intervals"
    withheld = df[df.status == "suppressed"]
    assert len(withheld) == 10 and withheld["value"].isna().all(), \
        "the 10 blank 'u' rows (notes: suppressed, base fewer than 5) are suppressed with NaN, never 0"
    assert {"E06000009", "E06000008"} <= set(df.area_code), "the Lancashire unitaries are present"
    assert set(df.unit) == {"per_100k"}, "rates per 100,000"


def test_companion_metadata_gives_the_release_date(tmp_path):
    import json as _json

    from etl.sources.base import RawFile as _RawFile
    from etl.sources.ons_els import PARSERS as _PARSERS

    csv_path = tmp_path / "claimant-count.csv"
    csv_path.write_text("areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"
                        "E92000001,England,Nation,Claimant Count,2020-01-01/P1Y,3.1,Percentage,%,,,,\n")
    (tmp_path / "claimant-count.metadata.json").write_text(_json.dumps(
        {"ess-beta-metadata": {"sourceDate": "21/01/2025", "sourceURL": "https://www.ons.gov.uk/x"}}))
    meta = _PARSERS[0].parse(_RawFile.at(csv_path)).meta
    assert meta.release_date == "2025-01-21", "ELS's own metadata file gives the release date"
    assert meta.url == "https://www.ons.gov.uk/x", "and the publisher's release page"
