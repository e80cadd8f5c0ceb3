"""data_access: loading once per release, queries, comparators, upper-tier fallback, configuration."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from release_factory import write_release

import data_access


@pytest.fixture()
def rel(tmp_path, monkeypatch):
    write_release(tmp_path)
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(tmp_path))
    monkeypatch.setenv("PDP_HOME_AREA", "E37000019")
    data_access.clear_cache()
    yield data_access.load()
    data_access.clear_cache()


def test_release_is_loaded_once_and_cached_by_id(rel):
    assert data_access.load() is rel, "a second load of the same release should be the cached object"
    assert data_access.load(rel.id) is rel, "loading the current release by name should hit the same cache"
    assert rel.is_demo, "the factory release is a demo release"


def test_home_districts_are_the_14_lancashire_districts(rel):
    districts = rel.home_districts()
    assert len(districts) == 14, f"Lancashire LEP has 14 districts, got {len(districts)}"
    assert list(districts["area_name"]) == sorted(districts["area_name"]), "districts should be alphabetical"
    assert rel.is_home_district("E06000009") and not rel.is_home_district("E10000017"), \
        "unitaries are districts; the county is not"


def test_series_and_latest_period(rel):
    s = rel.series("claimant_rate", "E07000123")
    assert list(s["period"])[:2] == ["2019-01", "2019-02"], "series should be oldest first"
    assert rel.latest_period("claimant_rate") == "2021-12", "latest period of the monthly claimant rate"
    assert rel.latest_period("furlough_take_up") == "2021-09", "furlough ran until September 2021"
    assert rel.series("claimant_rate", "E99999999").empty, "an unknown area gives an empty series, not an error"


def test_comparators_are_home_region_and_england(rel):
    roles = [(role, code) for role, code, _ in rel.comparators("E07000123")]
    assert roles == [("home", "E37000019"), ("region", "E12000002"), ("country", "E92000001")], \
        "comparators should be the home area, the district's region and England"


def test_upper_tier_fallback_is_labelled_and_never_invented(rel):
    res = rel.resolve("neet_nk_rate", "E07000117")
    assert res.code == "E10000017", "a county district should use the county's NEET figure"
    assert res.label == "Lancashire County Council area", "the stand-in should be labelled"
    unitary = rel.resolve("neet_nk_rate", "E06000009")
    assert unitary.code == "E06000009" and unitary.label is None, "a unitary has its own figure"
    own = rel.resolve("claimant_rate", "E07000117")
    assert own.code == "E07000117" and own.label is None, "district-level data needs no fallback"
    dv = rel.district_values("neet_nk_rate", "2021/22")
    county_rows = dv[dv["shown_code"] == "E10000017"]
    assert len(county_rows) == 12 and county_rows["value"].nunique() == 1, \
        "all 12 county districts show the one county value"


def test_suppressed_cells_stay_missing_with_their_status(rel):
    value, status = rel.value("apprenticeship_starts", "E07000124", "2019/20", "sector=Manufacturing")
    assert math.isnan(value) and status == "suppressed", "a suppressed cell is NaN + 'suppressed', never 0"


def test_breakdowns_and_period_offsets(rel):
    dims = rel.breakdown_dimensions("claimant_count")
    assert set(dims) == {"age", "sex"}, f"claimant count has age and sex breakdowns, got {set(dims)}"
    assert set(rel.breakdown_dimensions("apprenticeship_starts")) == {"age", "level", "sector"}, \
        "apprenticeship starts have age, level and sector breakdowns"
    assert rel.period_offset("claimant_rate", "2021-03", 12) == "2020-03", "a year earlier for monthly data"
    assert rel.previous_period("attainment8", "2019/20") == "2018/19", "the previous academic year"
    assert rel.previous_period("attainment8", "2016/17") is None, "no period before the first"


def test_metadata_from_the_manifest(rel):
    src = rel.source_for("claimant_rate")
    assert src["source_id"] == "ons_nomis_claimant_count", "claimant rate comes from Nomis"
    assert src["next_update"] == "2026-12-15", "the next update date comes from the manifest"
    assert rel.created == "2026-11-01", "the release date is the manifest's created date"


def test_named_release_and_diff_file(tmp_path, monkeypatch):
    write_release(tmp_path, release_id="older", diff={"summary": ["New month: December 2021"]})
    write_release(tmp_path, release_id="newer")
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(tmp_path))
    data_access.clear_cache()
    try:
        assert data_access.load().id == "newer", "the manifest's current release is served by default"
        older = data_access.load("older")
        assert older.id == "older" and older.diff == {"summary": ["New month: December 2021"]}, \
            "a named release loads, with its diff.json"
        with pytest.raises(data_access.NoReleaseError):
            data_access.load("missing")
    finally:
        data_access.clear_cache()


def test_no_release_raises_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(tmp_path))
    data_access.clear_cache()
    try:
        assert data_access.read_manifest() is None, "no manifest means no release"
        with pytest.raises(data_access.NoReleaseError, match="etl demo"):
            data_access.load()
    finally:
        data_access.clear_cache()


def test_boundaries_are_loaded_when_present(tmp_path, monkeypatch):
    write_release(tmp_path, with_boundaries=True)
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(tmp_path))
    data_access.clear_cache()
    try:
        b = data_access.load().boundaries
        assert b is not None and len(b) == 14, "boundaries.parquet should be read when the release has it"
        assert isinstance(b, pd.DataFrame) and "geometry" in b.columns, "boundaries keep their geometry"
    finally:
        data_access.clear_cache()
