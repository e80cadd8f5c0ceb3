"""The pre-publication gallery renders every chart of a measure to PNG and lists them with their summaries."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

needs_chromium = pytest.mark.skipif(not (Path("/usr/bin/chromium").exists() or shutil.which("chromium")),
                                    reason="chromium is not installed: images cannot be rendered")


def test_gallery_views_cover_every_chart_and_both_kinds_of_district(release):
    from components import charts
    from gallery.render import gallery_views

    views = gallery_views(release)
    charted = {chart for chart, _args in views}
    assert charted == set(charts.chart_ids(release)), "every chart of the release is in the gallery"
    areas = {args.get("area") for chart, args in views if chart.endswith("-trend")}
    assert any(a and a.startswith("E07") for a in areas) and any(a and not a.startswith("E07") for a in areas), \
        f"trends are drawn for a two-tier and a unitary district: {areas}"


@needs_chromium
def test_gallery_command_writes_pngs_and_an_index(release_dir, tmp_path, monkeypatch, capsys):
    from gallery.__main__ import main

    out = tmp_path / "gallery"
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(release_dir))  # the command sets it; restored after the test
    code = main(["--processed", str(release_dir), "--out", str(out), "--only", "attainment8"])
    assert code == 0, f"the gallery command succeeds: {capsys.readouterr().err[-2000:]}"
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) >= 5 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs), \
        f"every Attainment 8 chart is rendered as a PNG: {[p.name for p in pngs]}"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(p.name in index for p in pngs) and "Attainment 8" in index, "the index shows every image"
    assert "<script" not in index, "the index is plain, autoescaped HTML"
