"""Statistical neighbours (DfE's set, mapped to GSS codes) and computed similar districts on the release
built from the real extracts: group figures follow each indicator's rule, pages and downloads offer them."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from serving import serving

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
LANCASHIRE_CC, BURNLEY = "E10000017", "E07000117"

pytestmark = [pytest.mark.real, pytest.mark.xdist_group("real_build"), pytest.mark.skipif(
    not REAL.is_dir(), reason="../shared/data/real not present: these tests need the real extracts")]


@pytest.fixture(scope="module")
def real_release(real_build, dash_app):
    with serving(real_build["out"], dash_app) as rel:
        yield rel


def test_dfe_numbers_are_mapped_and_the_unmapped_reported(real_build):
    neighbours = pd.read_parquet(real_build["folder"] / "neighbours.parquet")
    mine = neighbours[neighbours["area_code"] == LANCASHIRE_CC]
    assert list(mine["rank"]) == list(range(1, 11)), "Lancashire County Council has its ten DfE neighbours"
    assert mine["neighbour_code"].str.match(r"^E(06|08|09|10)\d{6}$").all(), "every neighbour has a council's GSS code"
    warnings = [p for p in real_build["outcome"].log.warnings if "LA number" in p.message]
    assert warnings and warnings[0].file.endswith("sn_may_2025.xlsx") and "201" in warnings[0].found, \
        "LA numbers no DfE file pairs with a GSS code (201, City of London) are reported against the workbook"


def test_the_neighbours_neet_figure_is_a_ratio_of_their_counts(real_build, real_release):
    df = real_build["df"]
    members = real_release.group_members(f"neighbours:{LANCASHIRE_CC}")
    rows = df[(df["indicator"] == "neet_nk_rate") & df["area_code"].isin(members) & (df["breakdown"] == "total")
              & (df["period"] == "2021")]
    assert len(rows) == 10, "every neighbour has a 2021 NEET figure with its counts"
    expected = rows["numerator"].sum() / rows["denominator"].sum() * 100
    value, status = real_release.value("neet_nk_rate", f"neighbours:{LANCASHIRE_CC}", "2021")
    assert status == "ok" and value == pytest.approx(expected), \
        f"the neighbours' NEET rate is their summed NEET over their summed cohort ({expected:.3f}), got {value}"
    assert abs(value - rows["value"].mean()) > 1e-6, "and it is not the mean of their ten rates"


def test_similar_districts_are_documented_and_offered(real_build, real_release, dash_app):
    method = json.loads((real_build["folder"] / "similar_districts.json").read_text())
    assert len(method["variables"]) >= 4 and all(v["period"] for v in method["variables"]), \
        "the method names each variable and the period it was taken for"
    members = real_release.group_members(f"similar:{BURNLEY}")
    assert len(members) == 10 and BURNLEY not in members, "Burnley has ten similar districts, itself not among them"
    client = dash_app.server.test_client()
    csv = client.get(f"/download/claimant-rate-annual-trend.csv?area={BURNLEY}&comparators=home,similar")
    text = csv.data.decode()
    assert csv.status_code == 200 and "Districts similar to Burnley (computed), combined" in text, \
        "the trend download carries the similar districts' combined line, labelled as computed"
    import plotly
    from dash._pages import _path_to_page

    page, _ = _path_to_page("data")
    rendered = json.dumps(page["layout"](), cls=plotly.utils.PlotlyJSONEncoder)
    assert "not an official set" in rendered and method["variables"][0]["label"] in rendered, \
        "the data page shows the method and its variables and says it is not an official set"


def test_neet_and_attainment_offer_statistical_neighbours(real_release, dash_app):
    import plotly
    from dash._pages import _path_to_page

    for slug, ind in (("neet", "neet_nk_rate"), ("attainment", "attainment8")):
        page, _ = _path_to_page(slug)
        rendered = json.dumps(page["layout"](area=BURNLEY, indicator=ind, comparators="home,neighbours"),
                              cls=plotly.utils.PlotlyJSONEncoder)
        assert "Lancashire's statistical neighbours (DfE), combined" in rendered, \
            f"the {slug} page offers and draws Lancashire County Council's statistical neighbours"
        assert '"value": "neighbours"' in rendered, f"the {slug} page has a 'statistical neighbours' checkbox"


def test_the_real_release_is_a_valid_data_package_with_its_groups(real_release, dash_app, tmp_path):
    import io
    import zipfile

    from frictionless import Package

    response = dash_app.server.test_client().get("/api/v1/datapackage.zip")
    assert response.status_code == 200, "the real release downloads as a data package"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        archive.extractall(tmp_path)
    package = Package(str(tmp_path / "datapackage.json"))
    names = {r.name for r in package.resources}
    assert {"indicators", "neighbours", "similar_districts", "comparator_groups"} <= names, \
        f"the package holds the comparator-group tables too: {sorted(names)}"
    report = Package(resources=[r for r in package.resources if r.format == "csv"], basepath=str(tmp_path)).validate()
    assert report.valid, f"frictionless finds every CSV table valid: {report.flatten(['title', 'type', 'note'])[:5]}"
