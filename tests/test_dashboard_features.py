"""Feature tests: what a user sees equals the release; URLs carry the state; bad links are friendly."""
from __future__ import annotations

import os
import re

import pandas as pd
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait

from vocab.catalogue import INDICATORS

BURNLEY, PRESTON = "E07000117", "E07000123"


def expected(release_dir, indicator: str, area: str, period: str | None = None, breakdown: str = "total") -> str:
    """The release's value, read straight from the parquet (not through data_access), as displayed."""
    path = next(release_dir.glob("releases/*/indicators.parquet"))
    df = pd.read_parquet(path)
    dff = df[(df["indicator"] == indicator) & (df["area_code"] == area) & (df["breakdown"] == breakdown)]
    dff = dff.sort_values("period_start")
    row = dff.iloc[-1] if period is None else dff[dff["period"] == period].iloc[0]
    ind = INDICATORS[indicator]
    suffix = "%" if ind.unit == "percent" else ""
    return f"{row['value']:,.{ind.decimals}f}{suffix}"


def wait_url(dash_duo, pattern: str, timeout: int = 10):
    WebDriverWait(dash_duo.driver, timeout).until(lambda d: re.search(pattern, d.current_url))


def test_choosing_a_district_shows_its_numbers_from_the_release(dash_duo, dash_app, release_dir):
    dash_duo.start_server(dash_app)
    dash_duo.driver.get(dash_duo.server_url + "/claimant-count")
    dash_duo.wait_for_element("#claimant-count-area-select")
    Select(dash_duo.find_element("#claimant-count-area-select")).select_by_value(PRESTON)
    wait_url(dash_duo, f"area={PRESTON}")
    dash_duo.wait_for_text_to_equal("#claimant-count-key-value", expected(release_dir, "claimant_rate", PRESTON))
    for role, code in (("home", "E37000019"), ("region", "E12000002"), ("country", "E92000001")):
        assert dash_duo.find_element(f"#claimant-count-key-{role}").text == \
            expected(release_dir, "claimant_rate", code), f"the {role} comparator should show the release value"
    assert dash_duo.find_element("#claimant-count-area-select").get_attribute("value") == PRESTON, \
        "the district select should show the chosen district after the page re-renders"

    # "Show as table" draws the chart's figures as a table, with the same numbers
    summary = dash_duo.find_element("#claimant-count-ranking summary")
    dash_duo.driver.execute_script("arguments[0].click();", summary)
    dash_duo.wait_for_element("#claimant-count-ranking-table")
    table_text = dash_duo.find_element("#claimant-count-ranking-table").text
    assert f"Preston {expected(release_dir, 'claimant_rate', PRESTON)}" in table_text, \
        "the ranking's table should hold the district's value from the release"

    # a county-only indicator on a county district shows the county's value, labelled
    dash_duo.driver.get(f"{dash_duo.server_url}/neet?area={BURNLEY}")
    dash_duo.wait_for_text_to_equal("#neet-key-value", expected(release_dir, "neet_nk_rate", "E10000017"))
    assert "Lancashire County Council area" in dash_duo.find_element("#neet-key-figures").text, \
        "an upper-tier figure on a district must be labelled with the council area"

    # the district profile shows every topic's latest value for the district
    dash_duo.driver.get(f"{dash_duo.server_url}/district/{PRESTON}")
    dash_duo.wait_for_text_to_equal("#district-claimant-count-value", expected(release_dir, "claimant_rate", PRESTON))
    assert dash_duo.find_element("#district-apprenticeships-value").text == \
        expected(release_dir, "apprenticeship_starts", PRESTON), "apprenticeship starts should match the release"
    assert dash_duo.find_element("#district-attainment-value").text == \
        expected(release_dir, "attainment8", "E10000017"), "Attainment 8 should fall back to the county value"


def test_url_round_trip_reload_back_and_forward(dash_duo, dash_app, release_dir):
    dash_duo.start_server(dash_app)
    start = f"/claimant-count?area={BURNLEY}&indicator=claimant_count&period=2020-06&breakdown=sex"
    dash_duo.driver.get(dash_duo.server_url + start)
    burnley = expected(release_dir, "claimant_count", BURNLEY, "2020-06")
    dash_duo.wait_for_text_to_equal("#claimant-count-key-value", burnley)
    assert dash_duo.find_element("#claimant-count-period-select").get_attribute("value") == "2020-06", \
        "the period in the URL should set the period control"
    assert dash_duo.find_element("#claimant-count-breakdown-select").get_attribute("value") == "sex", \
        "the breakdown in the URL should set the breakdown control"

    Select(dash_duo.find_element("#claimant-count-area-select")).select_by_value(PRESTON)
    wait_url(dash_duo, f"area={PRESTON}.*period=2020-06")
    preston = expected(release_dir, "claimant_count", PRESTON, "2020-06")
    dash_duo.wait_for_text_to_equal("#claimant-count-key-value", preston)
    assert "breakdown=sex" in dash_duo.driver.current_url, "other state should survive a control change"

    dash_duo.driver.back()
    wait_url(dash_duo, f"area={BURNLEY}")
    dash_duo.wait_for_text_to_equal("#claimant-count-key-value", burnley)
    dash_duo.driver.forward()
    wait_url(dash_duo, f"area={PRESTON}")
    dash_duo.wait_for_text_to_equal("#claimant-count-key-value", preston)
    dash_duo.driver.refresh()
    dash_duo.wait_for_text_to_equal("#claimant-count-key-value", preston)
    assert dash_duo.find_element("#claimant-count-area-select").get_attribute("value") == PRESTON, \
        "a reload should reproduce the view from the URL"

    # unticking a comparator writes it to the URL and removes that figure
    north_west = [el for el in dash_duo.find_elements("#claimant-count-comparators-check label")
                  if el.text == "North West"]
    assert north_west, "the comparators should be labelled with the region's name"
    north_west[0].click()
    wait_url(dash_duo, "comparators=home%2Ccountry|comparators=home,country")
    WebDriverWait(dash_duo.driver, 10).until(lambda d: not dash_duo.find_elements("#claimant-count-key-region"))
    assert not dash_duo.find_elements("#claimant-count-key-region"), "an unticked comparator should disappear"


@pytest.mark.parametrize("url, status, words", [
    ("/district/E99999999", 404, "don't have a district"),  # no such page: the address names nothing
    ("/claimant-count?period=banana", 200, "not a period"),  # the page exists; the view explains the setting
    ("/claimant-count?area=NOTACODE", 200, "don't have a district"),
    ("/furlough?indicator=claimant_rate", 200, "not a measure"),
    ("/claimant-count?comparators=mars", 200, "not a comparison"),
    ("/compare?areas=E07000117,XX", 200, "don't have a district"),
    ("/no/such/page", 404, "couldn't find that page"),
])
def test_bad_urls_get_a_friendly_message_not_an_error(dash_app, url, status, words):
    client = dash_app.server.test_client()
    response = client.get(url)
    assert response.status_code == status, \
        f"{url}: {status} (404 only where the address names no page or district), got {response.status_code}"
    body = router_response(dash_app, url)
    assert words in body, f"{url} should explain the problem in plain words ({words!r})"
    assert "Traceback" not in body, f"{url} should never show a traceback"


def test_unknown_pages_and_districts_have_http_404(dash_app):
    client = dash_app.server.test_client()
    assert client.get("/no/such/page").status_code == 404, "an unknown page should be an HTTP 404"
    assert client.get("/district/E99999999").status_code == 404, "an unknown district should be an HTTP 404"
    assert client.get(f"/district/{PRESTON}").status_code == 200, "a known district should be HTTP 200"


def test_browser_shows_friendly_message_with_a_way_back(dash_duo, dash_app):
    dash_duo.start_server(dash_app)
    for url in ("/district/E99999999", "/claimant-count?period=banana"):
        dash_duo.driver.get(dash_duo.server_url + url)
        dash_duo.wait_for_element("#pdp-friendly-message")
        links = dash_duo.find_elements(".pdp-friendly a")
        assert links, f"{url} should offer a way back"


def router_response(dash_app, url: str) -> str:
    """What the Pages router callback returns for ``url`` (the page the browser would render)."""
    client = dash_app.server.test_client()
    client.get("/")
    deps = client.get("/_dash-dependencies").get_json()
    output = next(d["output"] for d in deps if "_pages_content" in d["output"])
    path, _, search = url.partition("?")
    body = {"output": output, "outputs": [{"id": "_pages_content", "property": "children"},
                                          {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": "?" + search if search else ""}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, f"the router callback for {url} should succeed, got {response.status_code}"
    return response.get_data(as_text=True)


def test_home_area_switches_to_greater_manchester_by_configuration(dash_app, tmp_path, monkeypatch):
    from release_factory import write_release

    import data_access

    write_release(tmp_path, home="gm")
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(tmp_path))
    monkeypatch.setenv("PDP_HOME_AREA", "E37000015")
    data_access.clear_cache()
    try:
        home = router_response(dash_app, "/")
        assert "Greater Manchester" in home and "Manchester" in home, "the home page should be about GM"
        assert "Blackpool" not in home, "Lancashire districts should not be listed for a GM home area"
        page = router_response(dash_app, "/claimant-count?area=E08000003")
        assert "Tameside" in page and "Preston" not in page, "the district list should be GM's districts"
        assert "Tile map" in page, "GM has a configured tile grid, so the map should be a tile map"
        assert dash_app.server.test_client().get("/district/E08000003").status_code == 200, \
            "a GM district profile should exist"
        assert "don't have a district" in router_response(dash_app, "/district/E07000123"), \
            "a Lancashire district is not in the GM home area"
    finally:
        monkeypatch.undo()
        data_access.clear_cache()
    assert os.environ.get("PDP_HOME_AREA") == "E37000019", "the session configuration should be restored"


def test_compare_page_adds_a_district_from_its_checkbox(dash_duo, dash_app, release_dir):
    dash_duo.start_server(dash_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/compare?areas={BURNLEY},{PRESTON}")
    dash_duo.wait_for_element("#compare-latest-table")
    blackpool = [el for el in dash_duo.find_elements("#compare-areas-check label") if el.text == "Blackpool"]
    assert blackpool, "every home-area district should be offered as a checkbox"
    blackpool[0].click()
    wait_url(dash_duo, "areas=E07000117(%2C|,)E07000123(%2C|,)E06000009")
    # React replaces the table while it re-renders the page: a header found just before may be gone when read
    WebDriverWait(dash_duo.driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "Blackpool" in dash_duo.find_element("#compare-latest-table thead").text)
    rows = [r.text for r in dash_duo.find_elements("#compare-latest-table tbody tr")]
    claimant = next(r for r in rows if r.startswith("Claimant rate"))
    assert claimant.split()[-1] == expected(release_dir, "claimant_rate", "E06000009"), \
        "Blackpool's latest claimant rate should equal the release"
