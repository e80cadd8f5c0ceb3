"""Local indicators end to end: a tidy CSV and its TOML declaration dropped into the raw folder are
validated like a publisher's file, aggregated by the declared rule, carried by the release (with their
declaration) and shown on the "Local indicators" page, in downloads and in the API, with no code change."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from serving import serving

pytestmark = pytest.mark.xdist_group("demo_build")
DECLARATION = """[local_indicator]
id = "online_vacancies"
title = "Online job vacancies"
unit = "count"
polarity = ""
aggregation = "sum"
source = "Lancashire Skills Hub, from online job adverts"
licence = "CC BY 4.0 (advert data from a commercial aggregator)"
caveats = ["Adverts, not jobs: one advert may be for several posts."]
"""
BURNLEY, LANCS_LEP = "E07000117", "E37000019"


def _districts(demo_build) -> list[str]:
    df = demo_build["df"]
    return sorted(df.loc[df["area_level"] == "district", "area_code"].unique())


@pytest.fixture(scope="module")
def local_raw(demo_build, tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("local") / "raw"
    shutil.copytree(demo_build["root"] / "raw", raw)
    (raw / "hub").mkdir()
    (raw / "hub" / "online_vacancies.toml").write_text(DECLARATION, encoding="utf-8")
    lines = ["area_code,period,value,status"] + [f"{code},2025-0{m},{100 * m + i},ok"
                                                 for m in (1, 2, 3) for i, code in enumerate(_districts(demo_build))]
    (raw / "hub" / "online_vacancies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return raw


@pytest.fixture(scope="module")
def local_release(local_raw, tmp_path_factory, dash_app):
    from etl.build import build

    out = tmp_path_factory.mktemp("local-out") / "processed"
    build(local_raw, out)
    with serving(out, dash_app) as rel:
        yield rel


def test_build_page_download_and_api(local_release, demo_build, dash_app):
    import plotly
    from dash._pages import _path_to_page

    from components import shell

    rel = local_release
    assert rel.local_catalogue is not None and list(rel.local_catalogue["id"]) == ["online_vacancies"], \
        "the release carries the declaration"
    districts = _districts(demo_build)
    value, status = rel.value("online_vacancies", LANCS_LEP, "2025-03")
    assert status == "ok" and value == sum(300 + i for i in range(len(districts))), \
        "the LEP's figure is the sum of its districts' (the declared rule)"
    page, _ = _path_to_page("local")
    rendered = json.dumps(page["layout"](area=BURNLEY), cls=plotly.utils.PlotlyJSONEncoder)
    assert "Online job vacancies" in rendered and "pdp-friendly-message" not in rendered, \
        "the Local indicators page shows the new measure"
    client = dash_app.server.test_client()
    csv = client.get(f"/download/online-vacancies-trend.csv?area={BURNLEY}")
    text = csv.data.decode()
    assert csv.status_code == 200 and "Lancashire Skills Hub" in text, "the chart downloads as CSV with its source"
    assert "Licence: CC BY 4.0" in text and "Open Government Licence" not in text, \
        "the CSV states the declared licence, not the site's"
    api = client.get(f"/api/v1/observations?indicator=online_vacancies&area={LANCS_LEP}").get_json()
    assert [r["value"] for r in api["data"]][-1] == value, "the API serves the aggregated figure"
    listed = client.get("/api/v1/indicators").get_json()["data"]
    assert any(i["id"] == "online_vacancies" and i["is_local"] for i in listed), "the API lists it as local"
    assert '"href": "/local"' in json.dumps(shell.shell(), cls=plotly.utils.PlotlyJSONEncoder), \
        "the navigation links to Local indicators when the release has one"


def test_navigation_leaves_out_local_indicators_when_the_release_has_none(demo_build, dash_app, monkeypatch):
    import plotly

    import data_access
    from components import shell

    monkeypatch.setenv("PDP_PROCESSED_DIR", str(demo_build["out"]))
    data_access.clear_cache()
    assert not data_access.load().indicators("local"), "the plain demo pack declares no local indicator"
    nav = json.dumps(shell.shell(), cls=plotly.utils.PlotlyJSONEncoder)
    assert '"href": "/local"' not in nav and '"href": "/neet"' in nav, \
        "topic pages without figures are not offered in the navigation; the others are"


@pytest.mark.bad_input
@pytest.mark.parametrize("declaration, csv, named", [
    (DECLARATION, "area_code,period,value\nE07000117,2025-01,lots\n", ("online_vacancies.csv", "2", "value")),
    (DECLARATION, "area_code,period,value\nE07000117,Jan 2025,5\n", ("online_vacancies.csv", "2", "period")),
    (DECLARATION.replace('aggregation = "sum"', 'aggregation = "mean"'), "area_code,period,value\nE07000117,2025-01,5\n",
     ("online_vacancies.toml", None, "aggregation")),
    (DECLARATION.replace('id = "online_vacancies"', 'id = "claimant_rate"'), "area_code,period,value\nE07000117,2025-01,5\n",
     ("online_vacancies.toml", None, "already")),
    (None, "area_code,period,value\nE07000117,2025-01,5\n", ("online_vacancies.csv", None, "declaration")),
])
def test_bad_local_files_are_reported_and_nothing_is_written(declaration, csv, named, demo_build, tmp_path):
    from etl.build import build
    from etl.errors import EtlError

    raw = tmp_path / "raw"
    shutil.copytree(demo_build["root"] / "raw", raw)
    (raw / "online_vacancies.csv").write_text(csv, encoding="utf-8")
    if declaration:
        (raw / "online_vacancies.toml").write_text(declaration, encoding="utf-8")
    with pytest.raises(EtlError) as caught:
        build(raw, tmp_path / "out")
    text = "\n".join(str(p) for p in caught.value.problems)
    file, row, word = named
    assert file in text and word in text, f"the report names {file} and the problem ({word}): {text}"
    if row:
        assert f"row {row}" in text, f"and the row: {text}"
    assert not (tmp_path / "out" / "manifest.json").exists(), "nothing was written"
