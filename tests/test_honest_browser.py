"""In a real browser, on a release built from the real extracts: the home page has every topic and says why a
figure is missing; a series break and a part year are drawn and explained where a user reads the chart."""
from __future__ import annotations

from pathlib import Path

import pytest
from interactive import draw_chart
from serving import serving

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
BURNLEY = "E07000117"

pytestmark = [pytest.mark.browser, pytest.mark.real, pytest.mark.xdist_group("real_build"), pytest.mark.skipif(
    not REAL.is_dir(), reason="../shared/data/real not present: these browser tests need the real extracts")]


@pytest.fixture(scope="module")
def real_release(real_build, dash_app):
    """The app serving the release built from the real extracts (the factory release is restored after)."""
    folder = real_build["out"]
    with serving(folder, dash_app) as rel:
        yield rel


def _no_console_errors(dash_duo):
    errors = [entry for entry in dash_duo.get_logs() or [] if entry.get("level") == "SEVERE"]
    assert not errors, f"the page logs no browser errors: {errors}"


def test_home_page_has_every_topic_and_says_why_a_figure_is_missing(dash_duo, dash_app, real_release):
    dash_duo.start_server(dash_app)
    dash_duo.driver.get(dash_duo.server_url + "/")
    for slug in real_release.topics():
        dash_duo.wait_for_element(f"#home-{slug}-value")
    missing = [slug for slug in real_release.topics()
               if dash_duo.find_element(f"#home-{slug}-value").text in ("not available", "suppressed (small numbers)")]
    for slug in missing:
        reason = dash_duo.find_element(f"#home-{slug}-reason").text
        assert len(reason) > 40 and "Lancashire" in reason, f"the {slug} card says in words why it has no figure"
    furlough = dash_duo.find_element("#home-furlough-period").text
    assert "cumulative" in furlough, f"CJRS figures are labelled as cumulative, not as a month: {furlough!r}"
    neet = dash_duo.find_element("#home-neet-period").text
    assert neet == "December 2020 to February 2021 average", f"NEET '2021' is the Dec-Feb average: {neet!r}"
    _no_console_errors(dash_duo)


def test_a_series_break_is_drawn_and_explained(dash_duo, dash_app, real_release):
    dash_duo.start_server(dash_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/attainment?area=E06000009")
    draw_chart(dash_duo.driver, "#attainment-trend-graph")
    note = dash_duo.find_element("#attainment-trend .pdp-note").text
    assert "Series break before 2016/17" in note and "not comparable" in note, \
        f"the chart's note gives the break and DfE's reason: {note!r}"
    labels = [e.text for e in dash_duo.find_elements("#attainment-trend-graph .annotation-text")]
    assert any(label.startswith("Series break") for label in labels), f"the break is marked on the chart: {labels}"
    summary = dash_duo.find_element("#attainment-trend-summary").text
    assert "not comparable" in summary, f"the summary does not measure a change across the break: {summary!r}"
    _no_console_errors(dash_duo)


def test_a_part_year_is_marked_and_not_compared(dash_duo, dash_app, real_release):
    dash_duo.start_server(dash_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/apprenticeships?area={BURNLEY}&indicator=apprenticeship_achievements")
    draw_chart(dash_duo.driver, "#apprenticeships-trend-graph")
    labels = [e.text for e in dash_duo.find_elements("#apprenticeships-trend-graph .annotation-text")]
    assert "Part year" in labels, f"2021/22 is marked as a part year on the chart: {labels}"
    summary = dash_duo.find_element("#apprenticeships-trend-summary").text
    assert "part year" in summary and "not compared with full years" in summary, \
        f"the summary does not compare the part year with full years: {summary!r}"
    assert "fell" not in summary.split("2021/22 is")[-1], "no fall is claimed into the part year"
    key = dash_duo.find_element("#apprenticeships-key-figures").text
    assert "North West:" not in key and "England:" not in key, \
        f"a district's count is not set beside the region's and England's counts: {key!r}"
    _no_console_errors(dash_duo)
