"""In a browser: the server's first view and React's page agree, nothing moves when React takes over, and
the page stays interactive (issue 12 item 1)."""
from __future__ import annotations

import pytest
from interactive import draw_chart
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait

pytestmark = pytest.mark.browser

# Before React renders (Dash starts it on DOMContentLoaded and it then fetches the layout): where the first
# view put things, and its text.
TEXT_OF = """
function textOf(node) {  // the words of a page, its charts left out (React's are not drawn yet)
  var copy = node.cloneNode(true);
  copy.querySelectorAll('.dash-graph, .pdp-static-over').forEach(function (g) { g.remove(); });
  return copy.textContent.replace(/\\s+/g, ' ').trim();
}
"""
RECORD_FIRST_VIEW = TEXT_OF + """
document.addEventListener('DOMContentLoaded', function () {
  var copy = document.getElementById('pdp-static');
  if (!copy) { return; }
  var rects = {};
  copy.querySelectorAll('[id^="ssr-"]').forEach(function (el) {
    var r = el.getBoundingClientRect();
    rects[el.id.slice(4)] = [Math.round(r.left), Math.round(r.top + window.scrollY), Math.round(r.width),
                             Math.round(r.height)];
  });
  var content = document.getElementById('ssr-_pages_content');
  window.__firstView = {rects: rects, text: content ? textOf(content) : null,
                        ticks: Array.from(copy.querySelectorAll('#ssr-claimant-count-trend-graph .xtick text'))
                                    .map(function (t) { return t.textContent; })};
}, {capture: true});
"""
SWAPPED = "#react-entry-point:not(.pdp-pending) #_pages_content h1"


def open_topic(dash_duo, dash_app, url: str):
    dash_duo.start_server(dash_app)
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_FIRST_VIEW})
    dash_duo.driver.get(dash_duo.server_url + url)
    dash_duo.wait_for_element(SWAPPED, timeout=15)
    first = dash_duo.driver.execute_script("return window.__firstView")
    assert first and first["rects"], "the page's first response carried the server's first view"
    return first


def test_react_takes_over_without_moving_anything(dash_duo, dash_app):
    first = open_topic(dash_duo, dash_app, "/claimant-count")
    now = dash_duo.driver.execute_script("""
        var out = {};
        Object.keys(arguments[0]).forEach(function (id) {
          var el = document.getElementById(id);
          if (!el) { return; }
          var r = el.getBoundingClientRect();
          out[id] = [Math.round(r.left), Math.round(r.top + window.scrollY), Math.round(r.width), Math.round(r.height)];
        });
        return out;""", first["rects"])
    compared = [k for k in first["rects"] if k in now and first["rects"][k][2] > 0]
    assert len(compared) >= 20, f"the first view and React's page share their element ids: {sorted(now)}"
    moved = {k: (first["rects"][k], now[k]) for k in compared if any(abs(a - b) > 1 for a, b in
                                                                      zip(first["rects"][k], now[k]))}
    assert not moved, f"elements moved or resized when React took over: {moved}"
    text = dash_duo.driver.execute_script(TEXT_OF + "return textOf(document.getElementById('_pages_content'))")
    assert text == first["text"], "the server's first view and React's page say the same"


def test_first_view_chart_agrees_with_plotly_and_controls_still_work(dash_duo, dash_app, release, monkeypatch):
    from components import static_charts
    from reuse import browser

    try:
        browser.chromium_path()
    except browser.ChromiumNotFoundError as exc:
        pytest.skip(f"no headless Chromium to draw the first view's charts: {exc}")
    monkeypatch.setattr(static_charts, "WAIT", 120.0)  # the page waits for its charts, however slow the machine
    first = open_topic(dash_duo, dash_app, "/claimant-count")
    assert first["ticks"], "the first view's trend chart is an SVG with its axis"
    draw_chart(dash_duo.driver, "#claimant-count-trend-graph")
    ticks = [e.text for e in dash_duo.find_elements("#claimant-count-trend-graph .xtick text")]
    assert ticks == first["ticks"], "the server's SVG and plotly.js draw the same axis from the same figure"
    before = dash_duo.find_element("#claimant-count-key-value").text
    other = "E07000123"  # Preston, not the default district
    Select(dash_duo.find_element("#claimant-count-area-select")).select_by_value(other)
    WebDriverWait(dash_duo.driver, 20).until(lambda d: f"area={other}" in d.current_url,
                                             message=f"no new view: {dash_duo.get_logs()}")
    # React may re-render the new view between finding the select and reading it: look again
    WebDriverWait(dash_duo.driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: dash_duo.find_element("#claimant-count-area-select").get_attribute("value") == other)
    dash_duo.wait_for_element("#claimant-count-trend-graph .main-svg", timeout=15)
    assert dash_duo.find_element("#claimant-count-key-value").text, f"the new view has its figure (was {before})"


def test_charts_stay_drawn_after_react_takes_over_without_interaction(dash_duo, dash_app):
    """Nobody points at anything: every chart is still drawn (plotly.js or the server's SVG), at the height
    the first view gave it — React re-rendering a chart's frame once dropped the SVG and left empty boxes."""
    import time

    import requests

    open_topic(dash_duo, dash_app, "/claimant-count")
    deadline = time.monotonic() + 60  # the server draws the view's charts in the background: wait for them
    while "<svg" not in requests.get(dash_duo.server_url + "/claimant-count", timeout=30).text:
        assert time.monotonic() < deadline, "the server drew the first view's charts"
        time.sleep(0.5)
    dash_duo.driver.get(dash_duo.server_url + "/claimant-count")
    dash_duo.wait_for_element(SWAPPED, timeout=15)
    first = dash_duo.driver.execute_script("return window.__firstView")
    graphs = [k for k in first["rects"] if k.endswith("-graph")]
    assert graphs, "the first view has charts"

    def all_drawn(driver):
        return driver.execute_script("""
            return arguments[0].every(function (id) {
              var el = document.getElementById(id);
              return el && el.querySelector('svg.main-svg') && el.parentNode.querySelector('svg .plot, svg .layer-above, svg path');
            });""", graphs)

    WebDriverWait(dash_duo.driver, 30).until(all_drawn, "every chart drawn without the reader pointing at it")
    heights = dash_duo.driver.execute_script("""
        var out = {}; arguments[0].forEach(function (id) {
          out[id] = Math.round(document.getElementById(id).getBoundingClientRect().height); }); return out;""", graphs)
    shrunk = {k: (first["rects"][k][3], heights[k]) for k in graphs if abs(first["rects"][k][3] - heights[k]) > 1}
    assert not shrunk, f"charts changed height once drawn: {shrunk}"
