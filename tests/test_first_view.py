"""The first response of a page URL carries the page itself, readable before any JavaScript runs (issue 12)."""
from __future__ import annotations

import gzip
import re

import pytest

TOPIC = "/claimant-count"


def first_response(dash_app, url: str) -> str:
    response = dash_app.server.test_client().get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def static_part(page: str) -> str:
    start = page.find('<div id="pdp-static">')
    end = page.find('id="react-entry-point"')
    assert 0 <= start < end, "the server-rendered copy comes before React's root"
    return page[start:end]


def test_topic_page_first_response_has_the_view(dash_app, release):
    page = first_response(dash_app, TOPIC)
    static = static_part(page)
    main = static[static.find("<main"):static.find("</main>")]
    assert "<h1" in main and "Claimant count" in main, "the page heading is in <main> of the first response"
    assert 'id="ssr-claimant-count-key-value"' in main, "the headline figure is rendered, with a prefixed id"
    assert not re.search(r'id="(?!ssr-)[^"]*claimant-count', static), "no id of the static copy collides with React's"
    assert 'class="pdp-pending"' in page, "React's root waits invisibly until its page is drawn"


def test_no_script_is_fetched_while_the_document_is_parsed(dash_app):
    """Dash's bundles are inert placeholders until the first view has painted (components.shell.RENDERER
    loads them): their bytes cannot come before the first chart."""
    page = first_response(dash_app, TOPIC)
    assert not re.search(r"<script[^>]*\ssrc=", page), "no <script src> the parser or preload scanner would fetch"
    later = re.findall(r'<script type="pdp/later" data-src="([^"]+)"></script>', page)
    assert any("dash_renderer" in s for s in later) and any("react-dom" in s for s in later), later
    assert later.index(next(s for s in later if "react@" in s)) < later.index(
        next(s for s in later if "dash_renderer" in s)), "kept in Dash's order (React before the renderer)"


def test_bad_link_first_view_is_friendly(dash_app):
    static = static_part(first_response(dash_app, TOPIC + "?area=nonsense"))
    assert "That link doesn" in static


def test_no_static_copy_for_unknown_pages(dash_app):
    response = dash_app.server.test_client().get("/no-such-page")
    assert 'id="pdp-static"' not in response.get_data(as_text=True)


def test_rendering_a_page_leaves_the_app_layout_alone(dash_app):
    """The first view fills a copy of the page container: React's layout (/_dash-layout) never carries the
    page this process rendered last, which the router callback would then replace, dropping every chart."""
    client = dash_app.server.test_client()
    for url in (TOPIC, "/neet"):
        assert client.get(url).status_code == 200
        layout = client.get("/_dash-layout").get_data(as_text=True)
        assert "-graph" not in layout and "-key-value" not in layout, f"the app's layout carries {url}"
        assert '"_pages_content"' in layout, "the page container is there, empty, for the router to fill"


@pytest.fixture()
def charts_drawn(monkeypatch):
    """Pages wait for their charts (the export browser draws them), however slow the machine."""
    from components import static_charts
    from reuse import browser

    try:
        browser.chromium_path()
    except browser.ChromiumNotFoundError as exc:
        pytest.skip(f"no headless Chromium to draw charts: {exc}")
    monkeypatch.setattr(static_charts, "WAIT", 120.0)
    static_charts.clear()


def test_topic_page_first_response_has_svg_charts_and_no_plotly_before(dash_app, release, charts_drawn):
    page = first_response(dash_app, TOPIC)
    static = static_part(page)
    main = static[static.find("<main"):static.find("</main>")]
    graphs = re.findall(r'<div id="ssr-[^"]*-graph"[^>]*>(.*?)</div>', main, re.S)
    assert graphs and all(g.startswith("<svg") for g in graphs), "every chart of the page is inline SVG"
    assert re.search(r'<svg[^>]*class="main-svg"', main) and "<path" in main, "the SVG has its marks"
    wrapper = re.search(r'<div([^>]*)><div id="ssr-claimant-count-trend-graph"', main).group(1)
    assert 'role="img"' in wrapper and re.search(r'aria-label="Chart: [^"]+"', wrapper), \
        "the chart is an image with its title for assistive technology"
    before = page[:page.find("<svg")]
    assert "plotly" not in before.lower().replace("main-svg", ""), "no plotly script before the first chart"


def test_chart_renders_waiting_are_bounded_and_a_page_gets_boxes_past_the_bound(monkeypatch):
    """A flood of never-seen views cannot queue unbounded work behind the export browser."""
    import concurrent.futures
    import threading

    from components import static_charts

    release_renders = threading.Event()
    started = []

    def slow_render(key, spec, width, height):
        started.append(key)
        release_renders.wait(60)
        return "<svg></svg>"

    monkeypatch.setattr(static_charts, "_render", slow_render)
    monkeypatch.setattr(static_charts, "QUEUE", 3)
    monkeypatch.setattr(static_charts, "cached", lambda key: None)
    monkeypatch.setattr(static_charts, "_pending", {})  # no renders of other tests' pages in the count
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    monkeypatch.setattr(static_charts, "_EXECUTOR", executor)
    try:
        futures = [static_charts.render_async(f"k{i}", {}, 100, 100) for i in range(3)]
        assert all(f is not None for f in futures)
        assert static_charts.render_async("k0", {}, 100, 100) is futures[0]  # the same render, not a new one
        assert static_charts.render_async("k-over", {}, 100, 100) is None
        page = static_charts.PageCharts(wait=0.0)
        html = page({"id": "g", "figure": {"data": [], "layout": {"height": 200}}})
        assert page.boxes == 1 and page.drawn == 0 and "<svg" not in html and "height:200px" in html.replace(" ", "")
    finally:
        release_renders.set()
    assert [f.result(timeout=60) for f in futures] == ["<svg></svg>"] * 3
    for _ in range(600):  # done callbacks run just after the result is set
        if not static_charts._pending:
            break
        threading.Event().wait(0.01)
    assert not static_charts._pending
    assert static_charts.render_async("k-after", {}, 100, 100) is not None
    executor.shutdown(wait=True)


FIRST_CHART_BUDGET = 150 * 1024  # issue 12: bytes over the wire before the first chart is drawn


def test_what_comes_before_the_first_chart_is_under_budget(dash_app, release, charts_drawn):
    """The document (with every chart as SVG) and the style sheets it blocks on, compressed as sent, are all a
    browser fetches before the first chart (scripts wait for the first paint): under 150 KB."""
    client = dash_app.server.test_client()
    gzip_only = {"Accept-Encoding": "gzip"}
    page = client.get(TOPIC, headers=gzip_only)
    assert page.status_code == 200 and page.headers.get("Content-Encoding") == "gzip"
    text = gzip.decompress(page.data).decode()
    assert "<svg" in static_part(text), "measured with the charts drawn into the document"
    sheets = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"|<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"',
                        text)
    sheets = [a or b for a, b in sheets]
    assert sheets, "the page's style sheets are linked"
    sizes = {url: len(client.get(url, headers=gzip_only).data) for url in sheets}
    total = len(page.data) + sum(sizes.values())
    assert total <= FIRST_CHART_BUDGET, f"{total // 1024} KB before the first chart: document {len(page.data)}, {sizes}"
