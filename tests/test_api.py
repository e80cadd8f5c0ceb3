"""The open API as a client sees it: every endpoint fuzzed against its own OpenAPI document
(schemathesis: no 5xx, every response matching the schema), paging and ETags, CSV, and each release
as a Frictionless Data Package that validates offline."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)


@pytest.fixture(scope="module")
def api_schema(dash_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", dash_app.server)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_endpoint_answers_as_its_document_says(case):
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])


@pytest.fixture()
def client(dash_app):
    return dash_app.server.test_client()


def test_observations_are_paged_with_a_next_link(client, release):
    first = client.get("/api/v1/observations?limit=3")
    body = first.get_json()
    assert first.status_code == 200 and len(body["data"]) == 3, "a page holds `limit` rows"
    assert body["total"] == len(release.df), "total counts every row of the release"
    assert first.headers["Link"].startswith(f"<{body['next']}>"), "the Link header names the next page"
    second = client.get(body["next"]).get_json()
    keys = {(r["indicator"], r["area_code"], r["breakdown"], r["period"]) for r in body["data"] + second["data"]}
    assert len(keys) == 6, "the next page continues where the first stopped, without repeats"


def test_etag_changes_with_the_query_and_answers_304(client):
    first = client.get("/api/v1/areas?level=district")
    again = client.get("/api/v1/areas?level=district", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304, "a client holding the current ETag gets 304 Not Modified"
    other = client.get("/api/v1/areas?level=region")
    assert other.headers["ETag"] != first.headers["ETag"], "another query has another ETag"
    assert "max-age" in first.headers["Cache-Control"], "answers say how long they may be cached"


def test_filters_and_csv(client, release):
    ind = release.indicators()[0]
    code = release.home_districts()["area_code"].iloc[0]
    rows = client.get(f"/api/v1/observations?indicator={ind}&area={code}&breakdown=total&limit=5000").get_json()["data"]
    expected = release.series(ind, code)
    assert len(rows) == len(expected) and {r["indicator"] for r in rows} == {ind}, \
        "indicator, area and breakdown filters give exactly the area's series"
    csv = client.get(f"/api/v1/observations?indicator={ind}&area={code}&breakdown=total&format=csv&limit=5000")
    assert csv.mimetype == "text/csv" and csv.data.decode().count("\n") == len(expected) + 1, \
        "the CSV has a header and the same rows"
    starts = sorted(r["period_start"] for r in rows)
    later = client.get(f"/api/v1/observations?indicator={ind}&area={code}&breakdown=total"
                       f"&period_from={starts[-1]}").get_json()["data"]
    assert [r["period_start"] for r in later] == [starts[-1]], "period_from keeps periods starting on or after it"


@pytest.mark.parametrize("query", ["indicator=DROP%20TABLE", "limit=0", "limit=99999", "area=E1", "x=1",
                                   "indicator=a&indicator=b", "period_to=2021-13-01", "release=../../etc"])
def test_bad_queries_are_400_with_a_reason(client, query):
    response = client.get(f"/api/v1/observations?{query}")
    assert response.status_code == 400 and response.get_json()["error"], f"{query!r} is refused with a reason"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", "API answers carry the security headers"


def test_data_package_is_valid_offline(client, tmp_path, release):
    from frictionless import Package

    response = client.get("/api/v1/datapackage.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip", "the package downloads"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        archive.extractall(tmp_path)
    desc = json.loads((tmp_path / "datapackage.json").read_text())
    assert desc["licenses"][0]["name"] == "OGL-UK-3.0", "the package states its licence"
    fields = next(r for r in desc["resources"] if r["name"] == "indicators")["schema"]["fields"]
    assert all(f["description"] and f["description"] != f["name"] for f in fields), "every field is described"
    package = Package(str(tmp_path / "datapackage.json"))
    csv_only = Package(resources=[r for r in package.resources if r.format == "csv"], basepath=str(tmp_path))
    report = csv_only.validate()
    assert report.valid, f"frictionless finds the CSV tables valid: {report.flatten(['type', 'note'])[:5]}"
    rows = sum(1 for _ in open(tmp_path / "indicators.csv", encoding="utf-8")) - 1
    assert rows == len(release.df), "the package holds every row of the release"


def test_csv_escapes_text_in_categorical_columns_and_drops_float_noise():
    import pandas as pd

    from web.api import csv_text

    page = pd.DataFrame({"area_name": pd.Categorical(["=HYPERLINK(\"x\")", "Burnley"]),
                         "numerator": [87.98599999999999, 2.0], "derived": [False, True]})
    lines = csv_text(page).splitlines()
    assert lines[1].startswith("\"'=HYPERLINK"), f"a categorical text cell is escaped like any text: {lines[1]}"
    assert lines[1].endswith(",87.986,False") and lines[2] == "Burnley,2,True", \
        f"numbers carry no float noise and booleans stay as they are: {lines}"
