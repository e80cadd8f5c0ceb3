"""The demo pack: invented values in the publishers' layouts, built by the real ETL, marked as demo."""
import pytest

LANCS_LEP = "E37000019"
pytestmark = pytest.mark.xdist_group("demo_build")


@pytest.fixture()
def demo(demo_build):
    return demo_build


def test_release_is_marked_demo(demo):
    release = demo["manifest"]["release"]
    assert release["is_demo"] is True, "the manifest marks the demo release"
    assert all(s["is_demo"] for s in release["sources"]), "every source of the demo release is marked demo"
    assert (demo["root"] / "raw" / "PDP-DEMO-DATA.txt").exists(), "the demo extracts say they are invented"


def test_every_topic_has_home_area_values(demo):
    df = demo["df"]
    for indicator in ("claimant_rate", "furlough_take_up", "neet_nk_rate", "attainment8", "apprenticeship_starts"):
        lep = df[(df.indicator == indicator) & (df.area_code == LANCS_LEP) & (df.breakdown == "total")]
        assert lep["value"].notna().any(), f"the demo gives Lancashire LEP a {indicator} value"


def test_districts_sum_to_the_county(demo):
    df = demo["df"]
    month = df[(df.indicator == "claimant_count") & (df.period == "2021-03") & (df.breakdown == "total")]
    districts = month[month.area_code.str.startswith("E07")]["value"].sum()
    county = month[month.area_code == "E10000017"]["value"].iloc[0]
    assert districts == county, "the 12 Lancashire districts add up to Lancashire County in the demo"


def test_some_cells_are_suppressed_not_zero(demo):
    df = demo["df"]
    hidden = df[df.status.isin(["suppressed", "not_available", "low"])]
    assert len(hidden) > 0, "the demo has suppressed/missing cells to exercise the dashboard"
    assert hidden["value"].isna().all(), "suppressed cells are NaN, never 0"
