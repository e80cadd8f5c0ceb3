"""Chart reuse in the browser (issue 4): the embed page draws only the chart, the download/share buttons
are real, labelled and keyboard-reachable, and the embed and report pages pass axe-core."""
from __future__ import annotations

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from test_accessibility import AXE, RUN_AXE

BURNLEY, PRESTON = "E07000117", "E07000123"


def severe_logs(dash_duo) -> list:
    return [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"]


def test_embed_page_shows_only_the_chart(dash_duo, dash_app):
    dash_duo.start_server(dash_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/embed/claimant-rate-trend?area={BURNLEY}")
    dash_duo.wait_for_element("body.pdp-embed-ready #pdp-embed-chart .main-svg", timeout=15)
    assert len(dash_duo.find_elements(".js-plotly-plot")) == 1, "the embed draws exactly one chart"
    assert not dash_duo.find_elements("nav") and not dash_duo.find_elements(".pdp-navbar"), \
        "the embed has no site navigation"
    assert not dash_duo.find_elements("select") and not dash_duo.find_elements(".pdp-reuse"), \
        "no controls or buttons: only the chart, its title, source, summary and a link"
    assert "Claimant rate: Burnley over time" in dash_duo.find_element("h1").text, "the chart's title"
    link = dash_duo.find_element("#pdp-embed-dashboard-link")
    assert "/claimant-count?area=E07000117" in link.get_attribute("href"), "a 'view in the dashboard' link"
    assert not severe_logs(dash_duo), f"the embed page should log no console errors: {severe_logs(dash_duo)}"


def test_chart_buttons_are_real_labelled_and_keyboard_focusable(dash_duo, dash_app):
    dash_duo.start_server(dash_app)
    dash_duo.driver.get(f"{dash_duo.server_url}/claimant-count?area={PRESTON}&period=2020-06")
    dash_duo.wait_for_element("#claimant-count-trend .pdp-reuse", timeout=10)
    cards = dash_duo.find_elements(".pdp-card .pdp-reuse")
    assert len(cards) >= 5, f"every chart card should have the reuse buttons, found {len(cards)}"
    links = dash_duo.find_elements("#claimant-count-ranking .pdp-download")
    hrefs = [a.get_attribute("href") for a in links]
    assert [h.split("?")[0].rsplit("/", 1)[1] for h in hrefs] == [
        "claimant-rate-ranking.csv", "claimant-rate-ranking.png", "claimant-rate-ranking.svg"], hrefs
    assert all(f"area={PRESTON}" in h and "period=2020-06" in h for h in hrefs), \
        f"download links carry the card's current view: {hrefs}"
    controls = dash_duo.find_elements("#claimant-count-ranking .pdp-reuse a, #claimant-count-ranking .pdp-reuse button")
    assert len(controls) == 5, "CSV, PNG, SVG, copy link and copy embed code"
    for el in controls:
        label = el.get_attribute("aria-label") or ""
        assert label.startswith(el.text.strip()) and "Claimant rate" in label, \
            f"each button's label starts with its visible text and names the chart: {label!r}"
        dash_duo.driver.execute_script("arguments[0].focus();", el)
        assert dash_duo.driver.switch_to.active_element == el, f"{el.text} should take keyboard focus"
    # Tab moves from one download link to the next
    links[0].send_keys(Keys.TAB)
    assert dash_duo.driver.switch_to.active_element == links[1], "Tab moves along the buttons"
    copy = controls[3]
    copy.send_keys(Keys.ENTER)  # press it by keyboard: copied, or a text field to copy from
    status = dash_duo.find_element("#claimant-count-ranking-copy-status")
    WebDriverWait(dash_duo.driver, 5).until(lambda d: status.text.strip())
    assert "copied" in status.text or "Select the text" in status.text, f"a visible confirmation: {status.text}"
    if "Select the text" in status.text:
        field = dash_duo.find_element("#claimant-count-ranking-copy-status-text")
        assert "/claimant-count?" in field.get_attribute("value"), "the fallback field holds the link"
    embed = controls[4]
    embed.send_keys(Keys.ENTER)
    WebDriverWait(dash_duo.driver, 5).until(lambda d: "Embed" in status.text or "Select the text" in status.text)
    assert not severe_logs(dash_duo), f"no console errors on the topic page: {severe_logs(dash_duo)}"


def test_embed_and_report_pages_pass_axe(dash_duo, dash_app):
    dash_duo.start_server(dash_app)
    dash_duo.driver.set_script_timeout(30)
    failures = {}
    pages = {f"/embed/claimant-rate-trend?area={BURNLEY}": "body.pdp-embed-ready",
             f"/embed/apprenticeship-starts-breakdown?area={BURNLEY}&breakdown=sector": "body.pdp-embed-ready",
             f"/district/{PRESTON}/report": "body.pdp-report-ready"}
    for url, ready in pages.items():
        dash_duo.driver.get(dash_duo.server_url + url)
        dash_duo.wait_for_element(ready, timeout=15)
        dash_duo.driver.execute_script(AXE)
        violations = dash_duo.driver.execute_async_script(RUN_AXE)
        if violations:
            failures[url] = violations
    assert not failures, f"embed and report pages should pass axe-core with no violations: {failures}"
