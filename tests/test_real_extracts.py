"""End to end on the real published extracts in ../shared/data/real (read in place, never copied).

Expected values are the publishers' own headline figures (see ../shared/data/real/PROVENANCE.md).
"""
from pathlib import Path

import geopandas as gpd
import pytest

from etl.build import build
from etl.release import read_manifest

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
LANCS_LEP = "E37000019"
LANCS_UPPER_TIERS = ["E10000017", "E06000008", "E06000009"]

pytestmark = [pytest.mark.real, pytest.mark.xdist_group("real_build"), pytest.mark.skipif(
    not REAL.is_dir(), reason="../shared/data/real not present: real-extract tests need the shared folder beside "
                              "the repo")]


@pytest.fixture()
def release(real_build):
    return real_build


def one(df, indicator, code, period, breakdown="total"):
    hit = df[(df.indicator == indicator) & (df.area_code == code) & (df.period == period) &
             (df.breakdown == breakdown)]
    assert len(hit) == 1, f"exactly one {indicator} row for {code} {period} {breakdown}"
    return hit.iloc[0]


def test_lancashire_lep_apprenticeship_starts_2016_17(release):
    row = one(release["df"], "apprenticeship_starts", LANCS_LEP, "2016/17")
    assert row["value"] == 17_850, "Lancashire LEP starts 2016/17 = sum of its 14 districts (DfE FE data library)"
    assert row["derived"], "the LEP figure is computed from the districts"


def test_lancashire_lep_furlough_take_up_is_a_ratio_of_counts(release):
    df = release["df"]
    count = one(df, "furloughed_employments", LANCS_LEP, "2020-06")
    assert count["value"] == 208_100, "Lancashire LEP employments furloughed (HMRC, August 2020 release)"
    rate = one(df, "furlough_take_up", LANCS_LEP, "2020-06")
    assert (rate["numerator"], rate["denominator"]) == (208_100, 653_900), "take-up from summed counts"
    assert round(rate["value"], 1) == 31.8, "take-up 31.8% = 208,100 / 653,900"
    districts = release["areas"].query("lep_code == @LANCS_LEP and area_level == 'district'")["area_code"]
    mean_of_rates = df[(df.indicator == "furlough_take_up") & df.area_code.isin(districts) &
                       (df.period == "2020-06") & (df.breakdown == "total")]["value"].mean()
    assert rate["value"] != pytest.approx(mean_of_rates, abs=1e-6), "never the mean of the district rates"


def test_blackpool_attainment8_2017_18(release):
    assert one(release["df"], "attainment8", "E06000009", "2017/18")["value"] == 38.5, \
        "Blackpool Attainment 8 2017/18 (DfE LAIT)"


def test_lep_neet_rate_from_cohorts_of_its_three_authorities(release):
    df = release["df"]
    parts = df[(df.indicator == "neet_nk_rate") & df.area_code.isin(LANCS_UPPER_TIERS) & (df.period == "2021") &
               (df.breakdown == "total")]
    assert len(parts) == 3, "NEET is published for Lancashire CC, Blackburn with Darwen and Blackpool"
    expected = (parts["value"] * parts["denominator"]).sum() / parts["denominator"].sum()
    lep = one(df, "neet_nk_rate", LANCS_LEP, "2021")
    assert lep["value"] == pytest.approx(expected), "LEP NEET/NK rate = cohort-weighted, i.e. from counts"
    assert lep["denominator"] == pytest.approx(parts["denominator"].sum()), "LEP cohort = sum of the three cohorts"


def test_lancashire_districts_and_hierarchy(release):
    areas = release["areas"].set_index("area_code")
    lep_districts = areas[(areas.lep_code == LANCS_LEP) & (areas.area_level == "district")].index
    assert len(lep_districts) == 14, "the Lancashire LEP has 14 districts"
    assert areas.loc["E07000117", "upper_tier_code"] == "E10000017", "Burnley's upper tier is Lancashire CC"
    assert areas.loc["E06000009", "upper_tier_code"] == "E06000009", "Blackpool is its own upper tier"
    assert areas.loc["E07000117", "region_code"] == "E12000002", "Burnley is in the North West"


def test_suppressed_and_missing_stay_missing(release):
    df = release["df"]
    missing = df[df.status.isin(["suppressed", "not_available", "low", "not_applicable"])]
    assert len(missing) > 0 and missing["value"].isna().all(), "suppressed/missing cells are NaN with a status"


def test_boundaries_are_web_ready(release):
    gdf = gpd.read_parquet(release["folder"] / "boundaries.parquet")
    assert gdf.crs.to_epsg() == 4326, "boundaries are in WGS84"
    assert "E06000009" in set(gdf.area_code), "Blackpool has a shape"
    assert gdf.geometry.is_valid.all(), "simplified shapes stay valid"


def test_rebuild_gives_identical_table(release, tmp_path):
    build(REAL, tmp_path)
    assert read_manifest(tmp_path)["release"]["table_sha256"] == read_manifest(release["out"])["release"][
        "table_sha256"], "the same inputs give a byte-identical indicators table"


def test_every_source_is_named_as_publishers_toml_names_it(release):
    from etl import publishers

    sources = read_manifest(release["out"])["release"]["sources"]
    assert len(sources) >= 8, f"the real extracts come from many sources: {[s['source_id'] for s in sources]}"
    for source in sources:
        known = publishers.source(source["source_id"])
        assert (source["publisher"], source["title"]) == (known.publisher, known.title), \
            f"{source['source_id']}: the manifest names the source once, as publishers.toml does"
