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
requestAnimationFrame(function () { window.__firstFrame = performance.now(); });
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
    early = dash_duo.driver.execute_script("""
        return performance.getEntriesByType('resource').filter(function (r) {
          return r.initiatorType === 'script' || /[.]js([?]|$)/.test(r.name); })
          .filter(function (r) { return r.startTime < window.__firstFrame; }).map(function (r) { return r.name; });""")
    assert not early, f"scripts fetched before the first frame was drawn: {early}"


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


def prime_first_view(dash_duo, dash_app, url: str) -> None:
    """Start the app and wait until the server has drawn (and cached) every chart of ``url``'s first view."""
    import re
    import time

    import requests

    open_topic(dash_duo, dash_app, url)
    deadline = time.monotonic() + 120  # the server draws the view's charts in the background: wait for them
    while True:
        page = requests.get(dash_duo.server_url + url, timeout=60).text
        inner = re.findall(r'class="[^"]*pdp-static-graph"[^>]*>(.{4})', page)
        if inner and all(i == "<svg" for i in inner):
            return
        assert time.monotonic() < deadline, f"the server drew the first view's charts: {inner}"
        time.sleep(0.5)


PLOTLY_REQUESTED = """return performance.getEntriesByType('resource').some(function (r) { return r.name.indexOf('plotly') >= 0; })
                          || !!document.querySelector('script[src*="plotly"]');"""
# For each of React's charts: the server's SVG over it (with marks, and the first view's height), or
# plotly.js's own drawing in it.
CHARTS = """
return Array.from(document.querySelectorAll('#react-entry-point .dash-graph')).map(function (g) {
  var box = g.previousElementSibling && g.previousElementSibling.matches('.pdp-static-over') ? g.previousElementSibling : null;
  var svg = box && box.querySelector('svg');
  return {id: g.id || null, plotly: !!g.querySelector('.main-svg'),
          server_svg: !!(svg && svg.querySelector('path') && svg.getBoundingClientRect().height > 0),
          height: Math.round((box || g).getBoundingClientRect().height)};
});"""


def settle(dash_duo):
    WebDriverWait(dash_duo.driver, 30, poll_frequency=0.3).until(
        lambda d: dash_duo._wait_for_callbacks(), "React's callbacks settled")


def test_charts_keep_the_servers_svg_until_a_chart_is_reached_then_plotly_draws_them(dash_duo, dash_app):
    """Nobody points at anything: no plotly.js request, and every chart still shows the server's SVG at the
    first view's height once React has taken over, its callbacks have run and it has rendered the page anew
    (Dash remounts a page its router returns: that dropped the SVG once and left empty boxes). Then the
    pointer on a chart loads plotly.js, which draws every chart, and the chart answers hover."""
    import time

    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    prime_first_view(dash_duo, dash_app, "/claimant-count")
    dash_duo.driver.get(dash_duo.server_url + "/claimant-count")
    dash_duo.wait_for_element(SWAPPED, timeout=15)
    first = dash_duo.driver.execute_script("return window.__firstView")
    heights = {k: v[3] for k, v in first["rects"].items() if k.endswith("-graph")}
    assert len(heights) >= 3, "a page with several charts"

    def servers_svg_everywhere(why):
        charts = dash_duo.driver.execute_script(CHARTS)
        assert len(charts) >= len(heights), charts
        assert all(c["server_svg"] and not c["plotly"] for c in charts), f"{why}: every chart shows the server's SVG: {charts}"
        moved = {c["id"]: (heights[c["id"]], c["height"]) for c in charts
                 if c["id"] in heights and abs(heights[c["id"]] - c["height"]) > 1}
        assert not moved, f"{why}: charts keep the first view's height: {moved}"
        assert not dash_duo.driver.execute_script(PLOTLY_REQUESTED), f"{why}: no plotly.js before a chart is reached"

    settle(dash_duo)
    servers_svg_everywhere("React has taken over")
    # Dash renders the page anew whenever its router returns it (here for the same URL): React's new charts
    # get the server's SVG again
    dash_duo.driver.execute_script(
        "window.dash_clientside.set_props('_pages_location', {pathname: window.location.pathname, search: ''})")
    WebDriverWait(dash_duo.driver, 10).until(lambda d: d.execute_script(
        "return performance.getEntriesByType('resource').filter(function (r) {"
        " return r.name.indexOf('_dash-update-component') >= 0; }).length >= 2"), "the router rendered the page again")
    settle(dash_duo)
    time.sleep(2)  # a while later, still nobody pointing
    servers_svg_everywhere("React rendered the page anew")

    graph = draw_chart(dash_duo.driver, "#claimant-count-trend-graph")
    assert dash_duo.driver.execute_script(PLOTLY_REQUESTED), "the pointer on a chart loads plotly.js"
    WebDriverWait(dash_duo.driver, 15).until(lambda d: all(c["plotly"] for c in d.execute_script(CHARTS)),
                                             "plotly.js draws every chart of the page")
    assert not dash_duo.find_elements(".pdp-static-over"), "the server's SVGs have gone once plotly.js has drawn"
    drawn = {c["id"]: c["height"] for c in dash_duo.driver.execute_script(CHARTS) if c["id"] in heights}
    assert all(abs(heights[k] - v) <= 1 for k, v in drawn.items()), f"same heights: {heights} {drawn}"
    # the pointer on a point of the first line (its path's middle vertex), in the window's coordinates
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", graph)
    point = dash_duo.driver.execute_script("""
        var g = arguments[0], area = g.querySelector('.nsewdrag').getBoundingClientRect();
        var d = g.querySelector('.scatterlayer .trace .js-line').getAttribute('d');
        var xy = d.match(/-?[0-9.]+,-?[0-9.]+/g), p = xy[Math.floor(xy.length / 2)].split(',').map(Number);
        return [Math.round(area.left + p[0]), Math.round(area.top + p[1])];""", graph)

    def hovered(d):
        actions = ActionBuilder(d)
        actions.pointer_action.move_to_location(point[0] + 3, point[1])
        actions.pointer_action.move_to_location(*point)
        actions.perform()
        return graph.find_elements("css selector", ".hoverlayer .hovertext")
    WebDriverWait(dash_duo.driver, 10, poll_frequency=0.3).until(hovered, "the chart answers the pointer")


def test_a_control_change_loads_plotly_and_draws_the_new_view(dash_duo, dash_app):
    """No chart reached: changing a control loads plotly.js, drops the server's (old view's) SVGs and draws
    the new view's charts."""
    prime_first_view(dash_duo, dash_app, "/claimant-count")
    dash_duo.driver.get(dash_duo.server_url + "/claimant-count")
    dash_duo.wait_for_element(SWAPPED, timeout=15)
    settle(dash_duo)
    assert not dash_duo.driver.execute_script(PLOTLY_REQUESTED), "no plotly.js before the change"
    assert "Preston" not in dash_duo.find_element("#claimant-count-trend-graph").find_element(
        "xpath", "..").get_attribute("textContent")
    other = "E07000123"  # Preston, not the default district
    Select(dash_duo.find_element("#claimant-count-area-select")).select_by_value(other)
    WebDriverWait(dash_duo.driver, 20).until(lambda d: f"area={other}" in d.current_url,
                                             message=f"no new view: {dash_duo.get_logs()}")
    WebDriverWait(dash_duo.driver, 20).until(lambda d: all(c["plotly"] for c in d.execute_script(CHARTS)),
                                             "plotly.js draws every chart of the new view")
    assert dash_duo.driver.execute_script(PLOTLY_REQUESTED)
    assert not dash_duo.find_elements(".pdp-static-over"), "no chart of the old view is left"
    WebDriverWait(dash_duo.driver, 10).until(lambda d: "Preston" in " ".join(
        t.text for t in dash_duo.find_elements("#claimant-count-trend-graph .legendtext")),
        "the trend chart shows the new district")


def test_a_page_reached_by_a_link_is_drawn_without_pointing_at_it(dash_duo, dash_app):
    """The first view's page has its server SVGs; another page reached inside the app (the navigation link,
    no new document) has none, so plotly.js loads and draws its charts without the reader pointing at them."""
    prime_first_view(dash_duo, dash_app, "/claimant-count")
    dash_duo.driver.get(dash_duo.server_url + "/claimant-count")
    dash_duo.wait_for_element(SWAPPED, timeout=15)
    settle(dash_duo)
    assert not dash_duo.driver.execute_script(PLOTLY_REQUESTED), "no plotly.js on the first view"
    dash_duo.driver.execute_script("window.__sameDocument = true")
    link = dash_duo.find_element('#react-entry-point a.nav-link[href^="/neet"]')
    dash_duo.driver.execute_script("arguments[0].click()", link)  # no pointer near any chart
    WebDriverWait(dash_duo.driver, 20).until(lambda d: d.find_elements("css selector", "#neet-trend-graph"),
                                             "the NEET page")
    assert dash_duo.driver.execute_script("return window.__sameDocument"), "React drew the page: no new document"
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: (lambda c: c and all(x["plotly"] for x in c))(d.execute_script(CHARTS)),
        "plotly.js draws every chart of the page reached by the link")
    assert not dash_duo.find_elements(".pdp-static-over"), "no server SVG of the first view is left"
