"""ONS population estimates (wide by year, MYE2, Nomis API) give the same tidy bands; bad files fail clearly."""
from pathlib import Path

import pytest

from etl.errors import SourceFormatError
from etl.sources.base import RawFile, detect
from etl.sources.ons_population import (
    Mye2PopulationParser,
    NomisPopulationParser,
    WideByYearPopulationParser,
    age_breakdown,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ons_population"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "population"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real/population not present")


def _parse(path):
    raw = RawFile.at(path)
    return detect(raw).parse(raw)


def _value(table, code, period, breakdown="total"):
    hit = table[(table.area_code == code) & (table.period == period) & (table.breakdown == breakdown)]
    assert len(hit) == 1, f"one population row for {code} {period} {breakdown}"
    return hit.iloc[0]


@pytest.mark.parametrize("label, expected", [
    ("Aged 16 - 64", "16-64"), ("Aged 0 - 15", "0-15"), ("Aged 65 and over", "65+"), ("Aged 65+", "65+"),
    ("All ages", None), ("All Ages", None), ("Aged 16 - 59/64", False), ("Age 7", False)])
def test_age_labels(label, expected):
    assert age_breakdown(label) == expected, f"{label!r} is read as band {expected!r}"


def test_each_layout_is_recognised_by_content():
    for name, parser in (("nomis_nm_31_1_api.csv", NomisPopulationParser), ("wide_by_year.csv",
                         WideByYearPopulationParser), ("mye2_persons.csv", Mye2PopulationParser)):
        assert isinstance(detect(RawFile.at(FIXTURES / name)), parser), f"{name} is read by {parser.__name__}"


def test_nomis_api_bands_sexes_and_status():
    result = _parse(FIXTURES / "nomis_nm_31_1_api.csv")
    t = result.table
    assert set(t.indicator) == {"population"} and set(t.unit) == {"count"}
    assert _value(t, "E07000117", "2022")["value"] == 95_000, "All ages is the total"
    assert _value(t, "E07000117", "2022", "age=16-64")["value"] == 58_000
    assert _value(t, "E07000117", "2022", "age=16-64;sex=female")["value"] == 29_000, "sex kept as a breakdown"
    sixteen_plus = _value(t, "E07000117", "2022", "age=16+")
    assert sixteen_plus["value"] == 95_000 - 20_000 and sixteen_plus["derived"], "16+ = all ages - 0-15, marked ours"
    missing = _value(t, "E07000118", "2022")
    assert missing["status"] == "not_available" and missing["value"] != missing["value"], "Nomis Q stays missing"
    assert not t.area_code.str.startswith("S").any(), "Scotland dropped (England-only)"
    assert not t.breakdown.str.contains("59").any(), "the pre-2010 working age band is not kept"
    assert str(_value(t, "E07000117", "2022")["period_start"])[:10] == "2022-06-30", "a mid-year estimate is 30 June"


def test_wide_by_year_rows_per_year():
    t = _parse(FIXTURES / "wide_by_year.csv").table
    assert _value(t, "E06000009", "2021", "age=16-64")["value"] == 88_000
    assert _value(t, "E06000009", "2022")["value"] == 141_000
    assert _value(t, "E06000009", "2022", "age=16+")["value"] == 141_000 - 23_100
    assert not t.area_code.str.startswith("W").any()


def test_mye2_single_years_summed_into_bands():
    result = _parse(FIXTURES / "mye2_persons.csv")
    t = result.table
    assert set(t.period) == {"2023"}, "the mid-year comes from the title"
    assert _value(t, "E07000117", "2023")["value"] == 1100 * 91
    assert _value(t, "E07000117", "2023", "age=16-64")["value"] == 1100 * 49, "ages 16..64 are 49 single years"
    assert _value(t, "E07000117", "2023", "age=65+")["value"] == 1100 * 26, "65..89 and 90+"
    assert _value(t, "E06000009", "2023", "age=0-15")["value"] == 1500 * 16


def test_mye2_all_ages_must_equal_the_single_years(tmp_path):
    text = (FIXTURES / "mye2_persons.csv").read_text().replace('" 100,100 "', '" 100,200 "')
    path = tmp_path / "mye2.csv"
    path.write_text(text)
    with pytest.raises(SourceFormatError) as info:
        Mye2PopulationParser().parse(RawFile.at(path))
    problem = info.value.problems[0]
    assert (problem.row, problem.column) == (9, "All ages"), "the bad total is named by line and column"


def test_fractional_population_is_an_error(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("region,region_code,age_band,2021\nBlackpool,E06000009,All ages,140000.5\n")
    with pytest.raises(SourceFormatError) as info:
        WideByYearPopulationParser().parse(RawFile.at(path))
    assert info.value.problems[0].row == 2 and info.value.problems[0].column == "2021"


def test_mye2_without_a_mid_year_in_the_title_is_an_error(tmp_path):
    text = (FIXTURES / "mye2_persons.csv").read_text().replace("mid-2023", "latest")
    path = tmp_path / "mye2.csv"
    path.write_text(text)
    with pytest.raises(SourceFormatError, match="mid-year"):
        Mye2PopulationParser().parse(RawFile.at(path))


@needs_real
def test_real_population_files_agree_with_provenance():
    mye2 = _parse(REAL / "MYE2 - Persons.csv").table
    lancs = ["E06000008", "E06000009"] + [f"E07000{n}" for n in range(117, 129)]
    working_age = mye2[(mye2.area_code.isin(lancs)) & (mye2.breakdown == "age=16-64")]
    assert len(working_age) == 14 and working_age["value"].sum() == 962_554, \
        "Lancashire's 14 districts aged 16-64, mid-2023 (PROVENANCE.md)"
    assert _value(mye2, "E10000017", "2023", "age=16-64")["value"] == 775_895
    wide = _parse(REAL / "population_LAD.csv").table
    assert _value(wide, "E10000017", "2021", "age=16-64")["value"] == 756_281
    assert _value(wide, "E10000017", "2011", "age=16-64")["value"] == 744_442
