"""Any LEP, LSIP, combined authority, county or region as the home area at run time (``?home=``), on a
release built from the real extracts: pages, downloads, embeds, reports and links follow the choice.

Three kinds of home area: a LEP (Greater Manchester), an LSIP whose districts span two counties
(Derbyshire and Nottinghamshire) and a county (Kent).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from serving import serving

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
HOMES = {"E37000015": "lep", "E69000007": "lsip", "E10000016": "upper_tier"}
LANCASHIRE_DISTRICT = "E07000117"  # Burnley: in the configured home area, in none of the three above

pytestmark = [pytest.mark.real, pytest.mark.xdist_group("real_build"), pytest.mark.skipif(
    not REAL.is_dir(), reason="../shared/data/real not present: these tests need the real extracts")]


@pytest.fixture(scope="module")
def real_release(real_build, dash_app):
    """The app serving the release built from the real extracts (the factory release is restored after)."""
    with serving(real_build["out"], dash_app) as rel:
        yield rel


def _render(dash_app, path: str, **query) -> str:
    import plotly
    from dash._pages import _path_to_page

    page, variables = _path_to_page(dash_app.strip_relative_path(path) or "")
    layout = page["layout"](**(variables or {}), **query)
    return json.dumps(layout, cls=plotly.utils.PlotlyJSONEncoder)


def _districts(rel, home: str) -> list[str]:
    import data_access

    with data_access.home_as(home):
        return list(rel.home_districts()["area_code"])


def test_the_picker_lists_every_lep_lsip_and_county_the_lookups_know(real_release, real_build):
    areas = real_build["areas"]
    choices = real_release.home_choices()
    for level in ("lep", "lsip"):
        known = set(areas.loc[areas["area_level"] == level, "area_code"])
        offered = set(choices.loc[choices["area_level"] == level, "area_code"])
        assert known == offered, f"every {level} in the lookups can be the home area: missing {known - offered}"
    assert {"E10000016", "E10000017", "E12000002"} <= set(choices["area_code"]), \
        "counties and regions can be the home area too"
    assert not choices["area_code"].str.startswith("E06").any(), "a unitary (one district) is not offered"


def test_the_lsip_spans_two_counties(real_release):
    uppers = {real_release.area(c)["upper_tier_code"] for c in _districts(real_release, "E69000007")}
    assert {"E10000007", "E10000024"} <= uppers, f"Derbyshire and Nottinghamshire LSIP has both counties' districts: {uppers}"


@pytest.mark.parametrize("home", list(HOMES))
def test_topic_page_download_and_embed_follow_the_home_area(home, real_release, dash_app):
    import data_access

    districts = _districts(real_release, home)
    assert len(districts) >= 5, f"{home} has its districts in the real lookups"
    name = real_release.area_name(home)
    page = _render(dash_app, "/claimant-count", home=home)
    assert f'"value": "{home}"' in page, f"the picker shows {home} as the chosen home area"
    for code in districts:
        assert f'"value": "{code}"' in page, f"the district list offers {code}, a district of {name}"
    assert f'"value": "{LANCASHIRE_DISTRICT}"' not in page.replace(f'"value": "{home}"', ""), \
        "the district list no longer offers a Lancashire district"
    assert f"home={home}" in page, "download, embed and page links on the page keep the home area"
    assert data_access.requested_home() is None, "the page's home area does not outlive its rendering"

    client = dash_app.server.test_client()
    area = districts[-1]
    csv = client.get(f"/download/claimant-rate-annual-trend.csv?home={home}&area={area}")
    assert csv.status_code == 200, f"a download for a district of {name}: {csv.data[:200]!r}"
    text = csv.data.decode("utf-8")
    assert name in text, f"the CSV compares the district with the chosen home area {name}"
    assert f"home={home}" in text, "the CSV's 'View online' link keeps the home area"
    embed = client.get(f"/embed/claimant-rate-annual-trend?home={home}&area={area}")
    assert embed.status_code == 200 and f"home={home}" in embed.data.decode(), \
        "the embed's 'view in the dashboard' link keeps the home area"
    report = client.get(f"/district/{area}/report?home={home}")
    assert report.status_code == 200 and name in report.data.decode(), \
        f"the district report works for a district of {name} and names it"
    assert client.get(f"/district/{area}?home={home}").status_code == 200, \
        f"a district page of {name}'s district is found (200) with the home area in its link"
    refused = client.get(f"/download/claimant-rate-annual-trend.csv?home={home}&area={LANCASHIRE_DISTRICT}")
    assert refused.status_code == 400, "a district outside the chosen home area is refused with a 400"


def test_the_spec_cache_keeps_home_areas_apart(real_release):
    import data_access
    from components import charts

    specs = {}
    for home in HOMES:
        with data_access.home_as(home):
            spec = charts.build(real_release, "claimant-rate-annual-ranking", {})
            specs[home] = {c for c in spec.data["area_code"] if c[:3] in ("E06", "E07", "E08", "E09")}
    assert specs["E37000015"] and specs["E37000015"].isdisjoint(specs["E10000016"]), \
        "Greater Manchester's ranking and Kent's are different charts, never one cached spec"


def test_a_bad_home_area_is_a_plain_message(real_release, dash_app):
    client = dash_app.server.test_client()
    response = client.get("/download/claimant-rate-annual-trend.csv?home=E07000117")
    assert response.status_code == 400 and b"home area" in response.data, \
        f"a district is not a home area: a 400 saying so, got {response.status_code} {response.data[:120]!r}"
    page = _render(dash_app, "/claimant-count", home="<script>")
    assert "pdp-friendly-message" in page and "<script>" not in page.replace("\\u003cscript\\u003e", ""), \
        "a page with a bad home= says the link doesn't work"


@pytest.mark.browser
def test_the_picker_works_by_keyboard_and_links_keep_the_choice(dash_duo, dash_app, real_release):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    dash_duo.start_server(dash_app)
    dash_duo.driver.get(dash_duo.server_url + "/claimant-count")
    # the server's first view shows until React's page is in place (the controls act once React has it)
    dash_duo.wait_for_element("#react-entry-point:not(.pdp-pending) #_pages_content h1", timeout=20)
    picker = dash_duo.wait_for_element("#home-picker-select")
    label = dash_duo.driver.find_element(By.CSS_SELECTOR, "label[for='home-picker-select']")
    assert label.text == "Home area", "the picker has a visible label"
    picker.send_keys("Kent (county)")
    picker.send_keys(Keys.TAB)
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ENTER)
    dash_duo.wait_for_contains_text("#claimant-count-key-figures", "Kent", timeout=20)
    assert "home=E10000016" in dash_duo.driver.current_url, "the choice is in the URL"
    nav = dash_duo.driver.find_element(By.ID, "shell-link-brand").get_attribute("href")
    assert nav.endswith("/?home=E10000016"), f"the shell's links keep the home area: {nav}"
    topic_link = dash_duo.driver.find_element(By.CSS_SELECTOR, ".pdp-nav a[href*='/neet']").get_attribute("href")
    assert topic_link.endswith("/neet?home=E10000016"), f"the navigation's topic links keep it too: {topic_link}"
    download = dash_duo.driver.find_element(By.CSS_SELECTOR, ".pdp-download").get_attribute("href")
    assert "home=E10000016" in download, f"downloads keep the home area: {download}"
