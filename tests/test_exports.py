"""Chart exports: CSV/XLSX carry the plotted data under the header lines; PNG/SVG are valid images of the
asked size with the title baked in; the image cache avoids re-rendering; bad sizes are refused plainly."""
from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from file_readers import png_size, read_csv_bytes

import config
from reuse import browser, data_files, image_params, images
from reuse.export_cache import ExportCache

CHROMIUM = Path(getattr(config, "CHROMIUM_PATH", "/usr/bin/chromium"))
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason=f"{CHROMIUM} not present: image and PDF export need headless Chromium")

META = {"title": "Claimant rate by district, March 2021", "source": "ONS claimant count (Nomis)",
        "period": "March 2021", "release_date": "2021-04-20", "release_id": "20210420T0900Z-abc123",
        "is_demo": True}


def plotted() -> pd.DataFrame:
    return pd.DataFrame({"area_code": ["E06000009", "E07000117", "E07000125"],
                         "area_name": ["Blackpool", "Burnley", "Rossendale"],
                         "period": ["2021-03", "2021-03", "2021-03"],
                         "value": [9.8, 7.4, math.nan], "status": ["ok", "ok", "suppressed"]})


# --- CSV / XLSX -------------------------------------------------------------------------------------

def test_csv_header_lines_then_data_round_trip():
    data = data_files.csv_bytes(plotted(), META)
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[:6] == ["# Title: Claimant rate by district, March 2021", "# Source: ONS claimant count (Nomis)",
                         "# Period: March 2021", "# Release date: 2021-04-20", "# Release: 20210420T0900Z-abc123",
                         f"# Licence: Open Government Licence v3.0 {config.LICENCE_URL}"], \
        f"header lines in the agreed order: {lines[:7]}"
    assert "# Demo data — not official statistics" in lines, "demo releases say so in the file"
    assert "Blackpool,2021-03,9.8,ok" in text and "E07000125,Rossendale,2021-03,,suppressed" in text, \
        f"missing value is an empty cell with its status kept: {text}"
    meta, df = read_csv_bytes(data)
    assert meta["Title"] == META["title"] and meta["Release"] == META["release_id"], f"header parsed: {meta}"
    pd.testing.assert_frame_equal(df, plotted(), check_dtype=False, obj="CSV data equals the plotted frame")


def test_csv_without_demo_flag_and_odd_text():
    df = pd.DataFrame({"area_name": ["Ynys Môn", 'Comma, "quoted"'], "value": [1.0, 2.0]})
    data = data_files.csv_bytes(df, {"title": "Line\nbreak", "is_demo": False})
    text = data.decode("utf-8-sig")
    assert "Demo data" not in text, "no demo line for real releases"
    assert "# Title: Line break" in text, "a header value never spans two lines"
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM so Excel reads accented names"
    _, back = read_csv_bytes(data)
    assert back["area_name"].tolist() == ["Ynys Môn", 'Comma, "quoted"'], "quoting and UTF-8 survive"


def test_xlsx_holds_header_and_data():
    from openpyxl import load_workbook

    data = data_files.xlsx_bytes(plotted(), dict(META, decimals=1))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["data", "notes"], f"data and notes sheets: {wb.sheetnames}"
    ws = wb["data"]
    col_a = [c.value for c in ws["A"]]
    assert col_a[0] == "Title: Claimant rate by district, March 2021", f"title first: {col_a[:3]}"
    assert any(str(v).startswith("Licence: Open Government Licence v3.0") for v in col_a), "licence line"
    header_row = col_a.index("area_code") + 1
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    assert list(rows[0]) == list(plotted().columns), f"table header: {rows[0]}"
    assert rows[1] == ("E06000009", "Blackpool", "2021-03", 9.8, "ok"), f"first data row: {rows[1]}"
    assert rows[3][3] is None and rows[3][4] == "suppressed", f"missing stays empty (not 0): {rows[3]}"
    assert ws.cell(row=header_row + 1, column=4).number_format == "#,##0.0", "value shown to the source's dp"


# --- image parameters -------------------------------------------------------------------------------

def test_image_params_defaults_and_values():
    assert image_params.parse_image_params({}) == (800, 500, 2.0), "defaults: 800 x 500 at scale 2 (1600 x 1000 px)"
    assert image_params.parse_image_params({"width": "1200", "height": "600", "scale": "1.5"}) == (1200, 600, 1.5), \
        "valid values are used"


@pytest.mark.parametrize("args, word", [({"width": "abc"}, "width"), ({"width": "100"}, "width"),
                                        ({"height": "5000"}, "height"), ({"scale": "0"}, "scale"),
                                        ({"scale": "nan"}, "scale"), ({"width": "800.5"}, "width"),
                                        ({"width": "4000", "height": "4000", "scale": "4"}, "pixels")])
def test_image_params_refuse_bad_values(args, word):
    with pytest.raises(ValueError, match=word):
        image_params.parse_image_params(args)


def test_cache_key_changes_with_each_part():
    base = ("claimant-rate-trend", {"area": "E07000117"}, "r1", "png", 800, 500, 2.0)
    key = image_params.cache_key(*base)
    assert key == image_params.cache_key("claimant-rate-trend", {"area": "E07000117"}, "r1", "png", 800, 500, 2),\
        "same request, same key"
    for i, other in enumerate(["x", {"area": "E07000120"}, "r2", "svg", 801, 501, 1.0]):
        changed = list(base)
        changed[i] = other
        assert image_params.cache_key(*changed) != key, f"part {i} of the key matters"


# --- images and PDF (headless Chromium) ------------------------------------------------------------------

def sample_figure() -> go.Figure:
    return go.Figure(data=[go.Bar(x=["Blackpool", "Burnley"], y=[9.8, 7.4], name="Claimant rate")],
                     layout=dict(margin=dict(l=8, r=8, t=8, b=8)))


@needs_chromium
def test_png_is_the_requested_size():
    data = images.render_image(sample_figure(), "png", 640, 400, 1.5, title="Claimant rate by district",
                                subtitle="March 2021", source_line="Source: ONS. Released 20 April 2021.",
                                footnote="c = suppressed")
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG signature"
    assert png_size(data) == (960, 600), "PNG pixels = width x scale by height x scale"


@needs_chromium
def test_svg_is_xml_with_the_baked_in_text():
    fig = sample_figure()
    before = fig.to_dict()
    data = images.render_image(fig, "svg", 700, 450, 1, title="Claimant rate & friends", subtitle="March 2021",
                                source_line="Source: ONS claimant count", footnote="Rossendale: suppressed")
    root = ET.fromstring(data)
    assert root.tag.endswith("svg"), f"an SVG document: {root.tag}"
    text = " ".join(t for t in root.itertext())
    for expected in ("Claimant rate & friends", "March 2021", "Source: ONS claimant count", "Rossendale: suppressed"):
        assert expected in text, f"{expected!r} is baked into the image text"
    assert fig.to_dict() == before, "the caller's figure is not modified"


@needs_chromium
def test_browser_stays_warm_and_cache_skips_rendering(tmp_path):
    images.render_image(sample_figure(), "png", 300, 200, 1)
    starts = browser._BROWSER.starts
    cache = ExportCache(tmp_path / "images")
    key = image_params.cache_key("test-chart", {}, "r1", "png", 300, 200, 1.0)
    calls = []

    def render():
        calls.append(1)
        return images.render_image(sample_figure(), "png", 300, 200, 1)

    a = cache.get_or_render(key, render)
    b = cache.get_or_render(key, render)
    assert a == b and len(calls) == 1, "the second export comes from the cache"
    assert browser._BROWSER.starts == starts, "repeated renders reuse the running browser"


def test_render_image_refuses_unknown_format():
    with pytest.raises(ValueError, match="png, svg"):
        images.render_image(sample_figure(), "gif", 300, 200, 1)


def test_missing_chromium_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(config, "CHROMIUM_PATH", "/nonexistent/chromium", raising=False)
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    with pytest.raises(browser.ChromiumNotFoundError, match="PDP_CHROMIUM"):
        browser.chromium_path()


def test_the_renderer_is_imported_with_the_app_not_in_a_request(release_dir):
    """Importing kaleido imports PIL.Image; plotly's JSON encoder, serialising a page in another thread at the
    same moment, would meet the half-imported module (a 500 under gunicorn's threads). So the app imports it."""
    import os
    import subprocess
    import sys

    code = ("import sys, importlib.util, app; pil = importlib.util.find_spec('PIL') is not None; "
            "print('kaleido' in sys.modules and ('PIL.Image' in sys.modules or not pil))")  # without Pillow, no race
    env = {**os.environ, "PDP_PROCESSED_DIR": str(release_dir), "PDP_LOG_LEVEL": "ERROR"}
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", f"a fresh app process has the renderer's modules loaded: {result}"
