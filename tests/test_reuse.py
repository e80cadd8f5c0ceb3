"""Chart reuse (issue 4) through the Flask routes: downloads equal the plotted data, images are valid,
bad links are plain 4xx answers, embeds carry the CSP and say when they are pinned to an old release,
and the printable district profile prints to PDF."""
from __future__ import annotations

import html
import io
import json
import math
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pandas as pd
import pytest
from file_readers import png_size, read_csv_bytes

import config

BURNLEY, PRESTON, BLACKPOOL = "E07000117", "E07000123", "E06000009"
needs_chromium = pytest.mark.skipif(not Path(config.CHROMIUM_PATH).exists(),
                                    reason=f"{config.CHROMIUM_PATH} not present: images and PDFs need Chromium")


@pytest.fixture()
def client(dash_app):
    return dash_app.server.test_client()


def spec_of(chart: str, **args):
    import data_access
    from components import charts

    return charts.build(data_access.load(), chart, args)


def trace_points(fig) -> dict[str, list]:
    """{trace name: y values} of a figure's named traces."""
    return {t["name"]: list(t["y"]) for t in fig["data"] if t.get("name")}


@pytest.mark.parametrize("area", [BURNLEY, BLACKPOOL])
def test_trend_csv_is_exactly_the_plotted_lines(client, area):
    response = client.get(f"/download/claimant-rate-trend.csv?area={area}")
    assert response.status_code == 200, f"the CSV download should work: {response.data[:200]!r}"
    meta, df = read_csv_bytes(response.data)
    spec = spec_of("claimant-rate-trend", area=area)
    assert meta["Title"] == spec.title and "Open Government Licence" in meta["Licence"], f"header lines: {meta}"
    assert meta["Release"] == spec.release_id and meta["Period"] == spec.period_text, f"provenance: {meta}"
    pd.testing.assert_frame_equal(df, spec.data, check_dtype=False, obj="CSV equals the ChartSpec frame")
    plotted = trace_points(spec.figure)
    assert set(plotted) == set(df["series"]), f"one CSV series per line on the chart: {set(plotted)}"
    assert {"Lancashire", "North West", "England"} <= set(plotted), "the home area, region and England are drawn"
    for name, ys in plotted.items():
        csv_values = df.loc[df["series"] == name, "value"].tolist()
        assert len(csv_values) == len(ys) and all(
            (y is None and math.isnan(v)) or math.isclose(y, v, rel_tol=1e-9) for y, v in zip(ys, csv_values)), \
            f"the CSV values of {name} should equal the figure's points"


def test_ranking_and_map_csv_equal_the_bars_and_tiles(client):
    response = client.get(f"/download/claimant-count-ranking.csv?area={PRESTON}&period=2020-06")
    _, df = read_csv_bytes(response.data)
    spec = spec_of("claimant-count-ranking", area=PRESTON, period="2020-06")
    bars = spec.figure["data"][0]
    districts = df[df["role"] == "district"]
    assert sorted(bars["x"]) == sorted(districts["value"].tolist()), "bar lengths equal the CSV's district values"
    assert len(districts) == 14 and set(df["period"]) == {"2020-06"}, "14 districts, all for the asked period"
    assert set(df["role"]) == {"district"}, "a count is ranked among districts only, never against larger areas"
    response = client.get(f"/download/claimant-rate-ranking.csv?area={PRESTON}&period=2020-06")
    _, df = read_csv_bytes(response.data)
    assert {"region", "country"} <= set(df["role"]), "a rate's dotted reference lines are in the data too"

    response = client.get(f"/download/claimant-rate-map.csv?area={BURNLEY}&period=2021-03")
    _, df = read_csv_bytes(response.data)
    import data_access

    rel = data_access.load()
    expected = rel.district_values("claimant_rate", "2021-03").set_index("area_code")["value"]
    got = df.set_index("area_code")["value"]
    assert (got.sort_index() - expected.sort_index()).abs().max() < 1e-9, "map CSV equals the release's values"


def test_breakdown_csv_keeps_suppressed_cells_empty(client):
    response = client.get("/download/apprenticeship-starts-breakdown.csv?area=E07000124&period=2019/20"
                          "&breakdown=sector")
    assert response.status_code == 200, f"breakdown download: {response.data[:200]!r}"
    meta, df = read_csv_bytes(response.data)
    row = df[(df["area_code"] == "E07000124") & (df["category"] == "Manufacturing")].iloc[0]
    assert math.isnan(row["count"]) and math.isnan(row["share_percent"]) and row["status"] == "suppressed", \
        f"suppressed stays empty, not 0, as a count and as a share: {row}"
    assert "suppressed" in meta.get("Note", ""), f"the suppression key is in the header: {meta}"


def test_xlsx_opens_with_the_same_rows(client):
    from openpyxl import load_workbook

    response = client.get(f"/download/claimant-rate-trend.xlsx?area={BURNLEY}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"], \
        "the XLSX is a download"
    wb = load_workbook(io.BytesIO(response.data))
    ws = wb["data"]
    col_a = [c.value for c in ws["A"]]
    assert col_a[0] == f"Title: {spec_of('claimant-rate-trend', area=BURNLEY).title}", f"title first: {col_a[:2]}"
    header = col_a.index("series") + 1
    assert ws.max_row - header == len(spec_of("claimant-rate-trend", area=BURNLEY).data), "one row per point"


@pytest.mark.parametrize("url, status, words", [
    ("/download/no-such-chart-trend.csv", 404, "no chart called"),
    ("/download/claimant-rate-sideways.csv", 404, "no chart called"),
    ("/download/claimant-rate-trend.pdf", 404, ".csv, .xlsx, .png or .svg"),
    ("/download/attainment8-breakdown.csv", 404, "has no breakdown"),
    ("/download/claimant-rate-trend.csv?area=E99999999", 400, "don't have a district"),
    ("/download/claimant-rate-trend.csv?period=banana", 400, "not a period"),
    ("/download/claimant-rate-trend.csv?comparators=mars", 400, "not a comparison"),
    ("/download/claimant-rate-trend.csv?indicator=neet_rate", 400, "shows Claimant rate"),
    ("/download/claimant-rate-trend.csv?colour=red", 400, "not a setting"),
    ("/download/claimant-rate-trend.csv?area=E07000117&area=E07000123", 400, "more than one"),
    ("/download/claimant-rate-trend.png?width=banana", 400, "width must be"),
    ("/download/claimant-rate-trend.png?width=4000&height=4000&scale=4", 400, "largest allowed"),
    ("/download/claimant-rate-trend.csv?release=1999-01-01T000000Z", 404, "don't have release"),
    ("/download/claimant-rate-trend.csv?release=../../etc/passwd", 400, "not a release id"),
    ("/embed/no-such-chart", 404, "no chart called"),
    ("/embed/claimant-rate-trend?period=banana", 400, "not a period"),
    ("/district/E99999999/report.pdf", 404, "don't have a district"),
])
def test_bad_links_get_a_plain_4xx_message(client, url, status, words):
    response = client.get(url)
    text = response.get_data(as_text=True)
    assert response.status_code == status, f"{url} should be HTTP {status}, got {response.status_code}: {text[:200]}"
    assert words in text and "Traceback" not in text, f"{url} should say why in plain words ({words!r}): {text}"


def test_embed_has_csp_dashboard_link_summary_and_no_navigation(client, monkeypatch):
    monkeypatch.setenv("PDP_FRAME_ANCESTORS", "https://www.lancashire.gov.uk")
    response = client.get(f"/embed/claimant-rate-trend?area={BURNLEY}")
    assert response.status_code == 200, "the embed page should be served"
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'self' https://www.lancashire.gov.uk" in csp, f"configurable frame-ancestors: {csp}"
    page = response.get_data(as_text=True)
    spec = spec_of("claimant-rate-trend", area=BURNLEY)
    shown = html.unescape(page)
    assert spec.title in shown and spec.summary in shown, "title and summary on the page (as a reader sees them)"
    assert f'href="/claimant-count?area={BURNLEY}' in page and "indicator=claimant_rate" in page, \
        "a 'view in the dashboard' link to the same view"
    assert "pdp-navbar" not in page and "<nav" not in page, "the embed shows the chart alone, no site navigation"
    assert "cdn" not in page.lower() and "/assets/plotly-basic.min.js" in page, "plotly comes from this site"


def test_summary_is_the_charts_text_alternative_on_the_page():
    from components import charts
    from components.cards import spec_card

    spec = spec_of("claimant-rate-ranking", area=BLACKPOOL, period="2021-03")
    card = spec_card("claimant-count-ranking", spec).to_plotly_json()
    text = str(card)
    assert spec.summary in text and "aria-describedby" in text, "the summary is shown and describes the chart"
    assert "Blackpool" in spec.summary and "March 2021" in spec.summary, f"summary names area and period: " \
        f"{spec.summary}"
    assert charts.chart_id("claimant_rate", "trend") == "claimant-rate-trend", "chart ids use '-' for '_'"


def test_pinned_and_live_embeds(dash_app, tmp_path, monkeypatch):
    from release_factory import write_release

    import data_access

    old, new = "2026-10-01T000000Z", "2026-11-20T000000Z"
    write_release(tmp_path, release_id=old)
    write_release(tmp_path, release_id=new)
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(tmp_path))
    data_access.clear_cache()
    try:
        client = dash_app.server.test_client()
        pinned = client.get(f"/embed/claimant-rate-trend?area={BURNLEY}&release={old}").get_data(as_text=True)
        assert "no longer the latest" in pinned and old in pinned, "an old pinned embed says it is not the latest"
        assert f'href="/embed/claimant-rate-trend?area={BURNLEY}"' in pinned, "and links to the live version"
        current = client.get(f"/embed/claimant-rate-trend?area={BURNLEY}&release={new}").get_data(as_text=True)
        assert "no longer the latest" not in current, "a pin to the latest release is not flagged as old"
        live = client.get(f"/embed/claimant-rate-trend?area={BURNLEY}").get_data(as_text=True)
        assert "pdp-pinned-notice" not in live, "a live embed has no pinned notice"
        meta, _ = read_csv_bytes(client.get(f"/download/claimant-rate-trend.csv?release={old}").data)
        assert meta["Release"] == old, "a pinned download reads the pinned release"
    finally:
        monkeypatch.undo()
        data_access.clear_cache()


def test_data_page_lists_chart_ids_and_newer_data_notice(dash_app):
    from test_dashboard_features import router_response

    import data_access
    from components import freshness
    from pages import data as data_page

    body = str(json.loads(router_response(dash_app, "/data")))
    assert "claimant-rate-trend" in body and "/embed/claimant-rate-trend" in body, "chart ids with example URLs"
    rel = data_access.load()
    assert not freshness.stale_sources(rel, "2026-11-24"), "no source is overdue before its next-update date"
    stale = {s["source_id"] for s in freshness.stale_sources(rel, "2027-01-01")}
    assert stale == {"ons_nomis_claimant_count"}, f"only the claimant count was due by 2027-01-01: {stale}"
    assert "Newer data may be available" in str(data_page.stale_notice(rel, "2027-01-01")), "notice on /data"
    assert freshness.topic_notice(rel, "claimant-count", "2027-01-01") is not None, "notice on the topic page"
    assert freshness.topic_notice(rel, "neet", "2027-01-01") is None, "no notice where the source is not due"


@needs_chromium
def test_png_and_svg_downloads(client):
    png = client.get(f"/download/claimant-rate-trend.png?area={BURNLEY}&width=600&height=400&scale=1.5")
    assert png.status_code == 200 and png.mimetype == "image/png", f"PNG download: {png.data[:200]!r}"
    assert png_size(png.data) == (900, 600), "PNG is width*scale by height*scale pixels"
    assert 'filename="claimant-rate-trend_E07000117' in png.headers["Content-Disposition"], "a sensible file name"
    default = client.get(f"/download/claimant-rate-ranking.png?area={BURNLEY}")
    assert png_size(default.data) == (1600, 1000), "the default size is fit for an A4 report"
    svg = client.get(f"/download/claimant-rate-trend.svg?area={BURNLEY}")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml", "SVG download"
    root = ET.fromstring(svg.data)
    text = " ".join(t for t in root.itertext())
    spec = spec_of("claimant-rate-trend", area=BURNLEY)
    assert spec.title in text, f"the SVG carries the title text: {text[:200]}"
    assert "Open Government Licence" in text and "Data pack release" in text, "source and release baked in"


@needs_chromium
def test_repeated_image_export_is_served_from_the_cache(client, monkeypatch):
    from reuse import images

    renders = []
    render = images.render_image
    monkeypatch.setattr(images, "render_image", lambda *args, **kw: renders.append(args[1]) or render(*args, **kw))
    url = f"/download/claimant-rate-map.png?area={PRESTON}&width=500&height=400&scale=1"
    first = client.get(url).data
    rendered = len(renders)
    second = client.get(url).data
    assert first == second and len(renders) == rendered, "a repeated export is not rendered again"


@pytest.fixture()
def live_server(dash_app):
    """The app on a real 127.0.0.1 port (the PDF route prints the report page of this same server)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_report_page_has_every_topic_and_print_css(client):
    response = client.get(f"/district/{PRESTON}/report")
    assert response.status_code == 200, "the printable profile should exist for a district"
    page = response.get_data(as_text=True)
    assert "@page { size: A4" in page and "break-before: page" in page, "A4 print CSS with page breaks"
    for title in ("Claimant count", "Furlough (CJRS)", "NEET 16-17", "Attainment 8", "Apprenticeships"):
        assert f"{title}:" in page, f"the report has a section for {title}"
    assert "pdp-report-actions" in page and "display: none" in page, "buttons are hidden when printing"
    assert client.get("/district/E99999999/report").status_code == 404, "an unknown district is a 404"


def test_pages_outside_dash_escape_what_the_link_says(client):
    response = client.get('/district/<img src=x onerror=alert(1)>/report')
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "District not found" in page, "an unknown district is a plain 404 page"
    assert "<img src=x" not in page and "&lt;img src=x" in page, \
        "the code from the link is shown as text, never as markup (templates autoescape)"


@needs_chromium
def test_report_pdf(live_server):
    response = httpx.get(f"{live_server}/district/{PRESTON}/report.pdf", timeout=90)
    assert response.status_code == 200, f"the PDF should be made: {response.text[:300]}"
    assert response.content.startswith(b"%PDF"), "the answer is a PDF file"
    assert response.headers["content-type"] == "application/pdf", "with the PDF content type"


def test_count_trend_is_not_drawn_against_larger_areas(dash_app):
    spec = spec_of("claimant-count-trend", area=BURNLEY)
    assert set(spec.data["role"]) == {"district"}, "a district's count is not plotted beside England's count"
    assert "compared only with other districts" in (spec.note or ""), "the chart says why comparators are absent"
    assert "England" not in spec.summary, "the summary makes no count comparison with England"


def test_compare_chart_is_reusable_too(client):
    response = client.get(f"/download/claimant-rate-compare.csv?areas={BURNLEY},{PRESTON}")
    assert response.status_code == 200, f"the compare chart downloads: {response.data[:200]!r}"
    meta, df = read_csv_bytes(response.data)
    spec = spec_of("claimant-rate-compare", areas=f"{BURNLEY},{PRESTON}")
    pd.testing.assert_frame_equal(df, spec.data, check_dtype=False, obj="compare CSV equals the plotted data")
    assert {BURNLEY, PRESTON} <= set(df["area_code"]), "both chosen districts are in the data"
    assert "/compare?" in meta["View online"] and "comparators" not in meta["View online"], \
        f"the link goes back to the compare page: {meta['View online']}"
    bad = client.get("/download/claimant-rate-compare.csv?areas=E99999999")
    assert bad.status_code == 400 and b"E99999999" in bad.data, "an unknown district is a plain 400"
