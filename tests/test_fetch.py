"""`python -m etl fetch` against a local server on 127.0.0.1 serving recorded publisher responses.

Nothing here reaches beyond 127.0.0.1: every source's base URL is overridden to the local server,
and the retry back-off is shrunk to milliseconds so failures come back at once.
"""
from __future__ import annotations

import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from etl import fetch, fetch_http
from etl.publishers import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "http"
NOMIS_PATH = "/api/v01/dataset/NM_162_1.data.csv"
NEET_PATH = "/data-catalogue/data-set/neet-id/csv"
GEO_PATH = "/x/arcgis/rest/services/LAD_BUC/FeatureServer/0/query"
LOOKUP_PATH = "/x/arcgis/rest/services/LAD23_LSIP23_EN_LU/FeatureServer/0/query"
DAY1, DAY2 = "2026-10-20", "2026-11-24"


# --- the local publisher ----------------------------------------------------------------------------

class Reply:
    """One recorded response; ``truncate_to`` sends fewer bytes than Content-Length then closes."""

    def __init__(self, status=200, body=b"", content_type="text/csv", headers=None, truncate_to=None):
        self.status, self.body, self.content_type = status, body, content_type
        self.headers, self.truncate_to = headers or {}, truncate_to


class Publisher:
    """A thread running http.server on a random port; ``routes[path]`` is a Reply, a list of Replies
    served in turn (the last repeats), or a function (query, headers) -> Reply."""

    def __init__(self):
        self.routes: dict = {}
        self.requests: list[tuple[str, dict, dict]] = []
        publisher = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                publisher.requests.append((parts.path, query, dict(self.headers)))
                route = publisher.routes.get(parts.path, Reply(404, b"Not found", "text/plain"))
                if callable(route):
                    reply = route(query, self.headers)
                elif isinstance(route, list):
                    reply = route.pop(0) if len(route) > 1 else route[0]
                else:
                    reply = route
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                if reply.truncate_to is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                body = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
                self.wfile.write(body)
                if reply.truncate_to is not None:
                    self.close_connection = True

            def log_message(self, *args):  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def publisher():
    with Publisher() as server:
        yield server


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    """Back-off in milliseconds, so failing tests come back at once."""
    monkeypatch.setenv("PDP_FETCH_BACKOFF", "0.001")
    monkeypatch.setenv("PDP_FETCH_MAX_RETRY_AFTER", "0.01")
    monkeypatch.setenv("PDP_FETCH_CONNECT_TIMEOUT", "2")


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


CONFIG = f"""
[defaults]
since = "2019-01"
connect_timeout = 2.0
read_timeout = 5.0
max_tries = 3
backoff_seconds = 0.001

[sources.ons_nomis_claimant_count]
publisher = "Office for National Statistics (via Nomis)"
title = "Claimant count by sex and age (NM_162_1)"
host = "www.nomisweb.co.uk"
landing_page = "https://www.nomisweb.co.uk/datasets/ucjsa"
next_update = "2026-12-15"

[[sources.ons_nomis_claimant_count.downloads]]
kind = "nomis"
dataset_id = "NM_162_1"
url = "https://www.nomisweb.co.uk/api/v01/dataset/{{dataset_id}}.data.csv"
output = "nomis.csv"
page_size = 3
expected_columns = ["DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "MEASURE_NAME", "OBS_VALUE", "OBS_STATUS"]
params = {{ geography = "2092957699TYPE424", date = "{{since}}-latest", measure = "1,2" }}

[sources.dfe_neet_participation]
publisher = "Department for Education"
title = "Participation in education, training and NEET age 16 to 17 by local authority"
host = "explore-education-statistics.service.gov.uk"
landing_page = "https://explore-education-statistics.service.gov.uk/find-statistics/neet"
next_update = "2027-06-11"

[[sources.dfe_neet_participation.downloads]]
kind = "csv"
dataset_id = "neet-id"
url = "https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/{{dataset_id}}/csv"
output = "neet.csv"
expected_columns = ["time_period", "time_identifier", "geographic_level", "new_la_code", "la_name"]

[sources.hmrc_cjrs]
publisher = "HM Revenue & Customs"
title = "CJRS statistics December 2021"
host = "assets.publishing.service.gov.uk"
landing_page = "https://www.gov.uk/government/statistics/cjrs-final"
next_update = "none — scheme ended"
fetch_once = true

[[sources.hmrc_cjrs.downloads]]
kind = "file"
url = ""
output = "cjrs.ods"

[sources.ons_boundaries]
publisher = "ONS"
title = "LAD boundaries BUC"
host = "services1.arcgis.com"
landing_page = "https://geoportal.statistics.gov.uk/"
next_update = "2027-06-30"

[[sources.ons_boundaries.downloads]]
kind = "arcgis_geojson"
url = "https://services1.arcgis.com/x/arcgis/rest/services/LAD_BUC/FeatureServer/0/query"
output = "lad.geojson"
page_size = 2000
expected_properties = ["LAD24CD", "LAD24NM"]

[sources.ons_lookups]
publisher = "ONS"
title = "LAD lookups"
host = "services1.arcgis.com"
landing_page = "https://geoportal.statistics.gov.uk/"
next_update = "2027-06-30"

[[sources.ons_lookups.downloads]]
kind = "arcgis_table"
name = "LAD to LSIP"
url = "https://services1.arcgis.com/x/arcgis/rest/services/LAD23_LSIP23_EN_LU/FeatureServer/0/query"
output = "lsip.csv"
expected_columns = ["LAD23CD", "LSIP23CD"]
"""


@pytest.fixture
def config_path(tmp_path) -> Path:
    path = tmp_path / "publishers.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def run(tmp_path, config_path, url, *only, day=DAY2, extra=()):
    """The CLI as an analyst runs it, pointed at the local publisher."""
    argv = ["--raw", str(tmp_path / "raw"), "--config", str(config_path), "--date", day,
            "--base-url-override", f"*={url}", *extra]
    if only:
        argv += ["--only", *only]
    return fetch.main(argv)


def manifest(tmp_path, day=DAY2) -> dict:
    return json.loads((tmp_path / "raw" / day / "fetch-manifest.json").read_text(encoding="utf-8"))


def entry_for(tmp_path, source_id, day=DAY2) -> dict:
    return next(e for e in manifest(tmp_path, day)["files"] if e["source_id"] == source_id)


def nomis_pages(query, headers):
    offset = int(query.get("recordoffset", "0"))
    name = {0: "nomis_NM_162_1_page1.csv", 3: "nomis_NM_162_1_page2.csv"}.get(offset)
    return Reply(200, fixture_bytes(name)) if name else Reply(400, b"bad offset", "text/plain")


# --- the tests --------------------------------------------------------------------------------------

def test_real_config_lists_every_source_with_a_manual_route_and_next_update():
    settings, sources = fetch.load_config()
    expected = {"ons_nomis_claimant_count", "dfe_neet_participation", "dfe_ks4_performance", "dfe_apprenticeships",
                "hmrc_cjrs", "ons_boundaries", "ons_lookups"}
    assert expected <= set(sources), f"publishers.toml should configure {sorted(expected - set(sources))}"
    for source in sources.values():
        assert source.landing_page.startswith("https://"), \
            f"{source.source_id} needs a landing page for the manual route"
        assert source.next_update, f"{source.source_id} needs a next_update date for the release calendar"
    assert settings.connect_timeout <= 5, "no network must fail within seconds, so the connect timeout stays small"
    nomis = sources["ons_nomis_claimant_count"].downloads[0]
    assert nomis.page_size == 25000, "Nomis pages are 25,000 rows"
    assert fetch.resolve_params(nomis, "2019-01")["date"].startswith("2019-01"), "--since sets the first month"


def test_nomis_paging_concatenates_pages_keeping_one_header(tmp_path, config_path, publisher):
    publisher.routes[NOMIS_PATH] = nomis_pages
    assert run(tmp_path, config_path, publisher.url, "ons_nomis_claimant_count") == 0, "the fetch should succeed"
    offsets = [q.get("recordoffset") for p, q, _ in publisher.requests if p == NOMIS_PATH]
    assert offsets == ["0", "3"], f"paging should step by the page size until a short page, asked {offsets}"
    lines = (tmp_path / "raw" / DAY2 / "nomis.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6, f"one header and 5 data rows expected, found {len(lines)} lines"
    assert sum(line.startswith("DATE,") for line in lines) == 1, "the header must appear once"
    assert "E92000001" in lines[-1], "the second page's rows follow the first page's"
    entry = entry_for(tmp_path, "ons_nomis_claimant_count")
    assert entry["rows"] == 5 and len(entry["urls"]) == 2, "the manifest records rows and every page URL"
    assert publisher.requests[0][1]["date"] == "2019-01-latest", "the default series starts in January 2019"


def test_since_sets_the_first_month_and_a_full_last_page_ends_on_an_empty_one(tmp_path, config_path, publisher):
    def pages(query, headers):
        offset = int(query.get("recordoffset", "0"))
        return Reply(200, fixture_bytes("nomis_NM_162_1_page1.csv") if offset == 0 else b"")

    publisher.routes[NOMIS_PATH] = pages
    code = run(tmp_path, config_path, publisher.url, "ons_nomis_claimant_count", extra=("--since", "2020-01"))
    assert publisher.requests[0][1]["date"] == "2020-01-latest", "--since changes the first month asked for"
    offsets = [q.get("recordoffset") for _, q, _ in publisher.requests]
    assert offsets == ["0", "3"], f"a full page asks for the next one, got {offsets}"
    assert code == 1, "3 rows arrived but Nomis announced RECORD_COUNT 5: the download is incomplete"


def test_429_then_success_honours_retry_after(tmp_path, config_path, publisher):
    publisher.routes[NEET_PATH] = [Reply(429, b"Too many requests", "text/plain", {"Retry-After": "1"}),
                                   Reply(200, fixture_bytes("ees_neet_by_characteristics.csv"))]
    assert run(tmp_path, config_path, publisher.url, "dfe_neet_participation") == 0, "a 429 is retried, then succeeds"
    hits = [p for p, _, _ in publisher.requests if p == NEET_PATH]
    assert len(hits) == 2, f"exactly one retry expected, saw {len(hits)} requests"
    saved = (tmp_path / "raw" / DAY2 / "neet.csv").read_bytes()
    assert saved == fixture_bytes("ees_neet_by_characteristics.csv"), "the file is saved exactly as served"


def test_backoff_doubles_and_retry_after_wins_up_to_its_cap(publisher):
    publisher.routes["/busy.csv"] = [Reply(503, b"busy", "text/plain"), Reply(429, b"slow down", "text/plain",
                                                                          {"Retry-After": "7"}),
                                     Reply(200, b"a,b\n1,2\n")]
    sleeps = []
    http = fetch_http.Http(Settings(max_tries=4, backoff_seconds=0.5, max_retry_after=60), sleep=sleeps.append)
    response = http.get(f"{publisher.url}/busy.csv")
    http.close()
    assert response.status_code == 200, "the third try succeeds"
    assert sleeps == [0.5, 7.0], f"503 waits the back-off, 429 waits its Retry-After; slept {sleeps}"


def test_repeated_500_fails_naming_host_and_manual_route(tmp_path, config_path, publisher, capsys):
    publisher.routes[NEET_PATH] = Reply(500, b"Internal Server Error", "text/plain")
    assert run(tmp_path, config_path, publisher.url, "dfe_neet_participation") == 1, "a publisher down must fail"
    hits = [p for p, _, _ in publisher.requests if p == NEET_PATH]
    assert len(hits) == 3, f"5xx should be retried up to max_tries (3), saw {len(hits)}"
    err = capsys.readouterr().err
    assert "127.0.0.1" in err and "HTTP 500" in err, f"the message should name the host and status: {err}"
    assert "download Participation in education" in err and "into data/raw/" in err and "python -m etl build" in err, \
        f"the message should give the manual route: {err}"
    assert entry_for(tmp_path, "dfe_neet_participation")["status"] == "failed", "the manifest records the failure"


def test_truncated_body_is_an_error(tmp_path, config_path, publisher, capsys):
    body = fixture_bytes("ees_neet_by_characteristics.csv")
    publisher.routes[NEET_PATH] = Reply(200, body, truncate_to=len(body) // 2)
    assert run(tmp_path, config_path, publisher.url, "dfe_neet_participation") == 1, "a cut-short body must fail"
    assert "truncated" in capsys.readouterr().err, "the error should say the body was truncated"
    assert not (tmp_path / "raw" / DAY2 / "neet.csv").exists(), "a truncated download must not be saved"
    assert not list((tmp_path / "raw" / DAY2).glob(".*part*")), "no temporary file is left behind"


def test_csv_whose_last_line_is_cut_is_an_error(tmp_path, config_path, publisher, capsys):
    body = fixture_bytes("ees_neet_by_characteristics.csv").rstrip(b"\r\n")
    cut = body[: body.rindex(b",z,z,z")]  # the last row loses its final cells; Content-Length still matches
    publisher.routes[NEET_PATH] = Reply(200, cut)
    assert run(tmp_path, config_path, publisher.url, "dfe_neet_participation") == 1, "a cut last line must fail"
    assert "last line is cut short" in capsys.readouterr().err, "the error should explain the cut line"


def test_html_error_page_where_csv_expected_is_an_error(tmp_path, config_path, publisher, capsys):
    publisher.routes[NEET_PATH] = Reply(200, fixture_bytes("ees_service_error.html"), "text/html; charset=utf-8")
    assert run(tmp_path, config_path, publisher.url, "dfe_neet_participation") == 1, "an HTML page is not data"
    err = capsys.readouterr().err
    assert "web page (HTML)" in err and "<!DOCTYPE html>" in err, \
        f"the error should say a web page came back and show its start: {err}"
    assert not (tmp_path / "raw" / DAY2 / "neet.csv").exists(), "the HTML page must not be saved as the CSV"


def test_changed_header_names_found_and_expected_columns(tmp_path, config_path, publisher, capsys):
    publisher.routes[NEET_PATH] = Reply(200, fixture_bytes("ees_neet_changed_header.csv"))
    assert run(tmp_path, config_path, publisher.url, "dfe_neet_participation") == 1, "a changed header must fail"
    err = capsys.readouterr().err
    assert "header has changed" in err and "missing geographic_level" in err and "geog_level" in err, \
        f"the error should name the missing and the found columns: {err}"


def test_304_reuses_the_previous_file(tmp_path, config_path, publisher):
    body = fixture_bytes("ees_neet_by_characteristics.csv")
    etag = '"neet-2025-v1"'

    def conditional(query, headers):
        if headers.get("If-None-Match") == etag:
            return Reply(304, b"", headers={"ETag": etag})
        return Reply(200, body, headers={"ETag": etag, "Last-Modified": "Thu, 12 Jun 2025 09:30:00 GMT"})

    publisher.routes[NEET_PATH] = conditional
    assert run(tmp_path, config_path, publisher.url, "dfe_neet_participation", day=DAY1) == 0, "first fetch"
    assert run(tmp_path, config_path, publisher.url, "dfe_neet_participation", day=DAY2) == 0, "second fetch"
    second = publisher.requests[-1][2]
    assert second.get("If-None-Match") == etag, "the second request should be conditional on the stored ETag"
    assert second.get("If-Modified-Since") == "Thu, 12 Jun 2025 09:30:00 GMT", "and on Last-Modified"
    entry = entry_for(tmp_path, "dfe_neet_participation", DAY2)
    assert entry["status"] == "unchanged" and entry["file"] == f"{DAY1}/neet.csv", \
        f"a 304 should point at the earlier file, got {entry['status']} {entry['file']}"
    assert entry["sha256"] == hashlib.sha256(body).hexdigest(), "the reused file's checksum is recorded"


def test_no_server_listening_fails_fast_with_manual_route(tmp_path, config_path, capsys):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert run(tmp_path, config_path, f"http://127.0.0.1:{port}", "dfe_neet_participation") == 1, \
        "no network must give a non-zero exit code"
    err = capsys.readouterr().err
    assert "127.0.0.1" in err and "cannot connect" in err, f"the message should name the unreachable host: {err}"
    assert "Manual route: download" in err and "python -m etl build" in err, f"and give the manual route: {err}"


def test_refused_connection_is_not_retried(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = []
    http = fetch_http.Http(Settings(max_tries=4, backoff_seconds=10, connect_timeout=2), sleep=sleeps.append)
    with pytest.raises(fetch_http.Unreachable):
        http.get(f"http://127.0.0.1:{port}/x.csv")
    http.close()
    assert sleeps == [], f"a refused connection must fail at once, without back-off sleeps ({sleeps})"


def test_failed_run_keeps_earlier_downloads(tmp_path, config_path, publisher):
    good = fixture_bytes("ees_neet_by_characteristics.csv")
    publisher.routes[NEET_PATH] = Reply(200, good)
    publisher.routes[NOMIS_PATH] = nomis_pages
    assert run(tmp_path, config_path, publisher.url, "dfe_neet_participation", "ons_nomis_claimant_count") == 0
    saved = tmp_path / "raw" / DAY2 / "neet.csv"
    before = hashlib.sha256(saved.read_bytes()).hexdigest()
    publisher.routes[NEET_PATH] = Reply(200, fixture_bytes("ees_service_error.html"), "text/html")
    publisher.routes[NOMIS_PATH] = nomis_pages
    code = run(tmp_path, config_path, publisher.url, "dfe_neet_participation", "ons_nomis_claimant_count")
    assert code == 1, "the second run failed for one source, so the exit code reports failure"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == before, "the earlier good download must survive"
    entries = {e["source_id"]: e for e in manifest(tmp_path)["files"]}
    assert entries["dfe_neet_participation"]["status"] == "downloaded" and \
        "web page" in entries["dfe_neet_participation"]["last_error"], \
        "the manifest keeps the good entry and notes the failed retry"
    assert entries["ons_nomis_claimant_count"]["status"] == "downloaded", "one failing source does not lose the others"


def test_checksums_and_metadata_recorded_in_manifest(tmp_path, config_path, publisher):
    publisher.routes[NEET_PATH] = Reply(200, fixture_bytes("ees_neet_by_characteristics.csv"),
                                        headers={"ETag": '"abc"'})
    publisher.routes[GEO_PATH] = Reply(200, fixture_bytes("arcgis_lad_boundaries.geojson"), "application/geo+json")
    publisher.routes[LOOKUP_PATH] = Reply(200, fixture_bytes("arcgis_lad23_lsip23_lookup.json"), "application/json")
    assert run(tmp_path, config_path, publisher.url, "dfe_neet_participation", "ons_boundaries", "ons_lookups") == 0
    for entry in manifest(tmp_path)["files"]:
        path = tmp_path / "raw" / entry["file"]
        data = path.read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), f"{entry['file']}: sha256 must match the file"
        assert entry["bytes"] == len(data), f"{entry['file']}: byte count must match"
        assert entry["fetched_at"].endswith("Z") and entry["urls"] and entry["next_update"], \
            f"{entry['file']}: fetched_at, urls and next_update are recorded"
    neet = entry_for(tmp_path, "dfe_neet_participation")
    assert neet["etag"] == '"abc"' and neet["rows"] == 4, "the ETag and the data row count are recorded"
    geo = json.loads((tmp_path / "raw" / DAY2 / "lad.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["LAD24CD"] for f in geo["features"]] == ["E07000117", "E07000118"], "GeoJSON saved"
    geo_query = next(q for p, q, _ in publisher.requests if p == GEO_PATH)
    assert geo_query["f"] == "geojson" and geo_query["resultOffset"] == "0", "the portal is asked for GeoJSON pages"
    lookup = (tmp_path / "raw" / DAY2 / "lsip.csv").read_text(encoding="utf-8").splitlines()
    assert lookup[0] == "LAD23CD,LAD23NM,LSIP23CD,LSIP23NM,ObjectId", "lookup CSV keeps the portal's field order"
    assert lookup[1] == "E07000117,Burnley,E69000019,Lancashire,1", "lookup rows are the attributes"
    assert entry_for(tmp_path, "ons_lookups")["file"] == f"{DAY2}/lsip.csv", \
        "the fetch manifest records the file with its dated folder"


def test_portal_error_json_is_an_error(tmp_path, config_path, publisher, capsys):
    publisher.routes[LOOKUP_PATH] = Reply(200, fixture_bytes("arcgis_error.json"), "application/json")
    assert run(tmp_path, config_path, publisher.url, "ons_lookups") == 1, "an ArcGIS error object is a failure"
    assert "Invalid URL" in capsys.readouterr().err, "the portal's own error message is shown"


def test_fetch_once_source_is_skipped_when_already_downloaded(tmp_path, config_path, publisher, capsys):
    earlier = tmp_path / "raw" / DAY1
    earlier.mkdir(parents=True)
    (earlier / "cjrs.ods").write_bytes(b"PK\x03\x04 final CJRS tables")
    assert run(tmp_path, config_path, publisher.url, "hmrc_cjrs") == 0, "the final CJRS release is fetched only once"
    entry = entry_for(tmp_path, "hmrc_cjrs")
    assert entry["status"] == "skipped" and entry["file"] == f"{DAY1}/cjrs.ods", "it points at the existing file"
    assert publisher.requests == [], "no request is sent for a source already downloaded"


def test_source_without_url_gives_the_manual_route(tmp_path, config_path, publisher, capsys):
    assert run(tmp_path, config_path, publisher.url, "hmrc_cjrs") == 1, "no URL and no file: the analyst must act"
    err = capsys.readouterr().err
    assert "manual download only" in err and "gov.uk/government/statistics/cjrs-final" in err, \
        f"the message names the landing page: {err}"


def test_bad_arguments_exit_2(tmp_path, config_path, capsys):
    assert fetch.main(["--config", str(config_path), "--only", "nope"]) == 2, "an unknown source is a usage error"
    assert "unknown source" in capsys.readouterr().err, "and says which"
    assert fetch.main(["--config", str(config_path), "--since", "2019"]) == 2, "--since must be YYYY-MM"


def test_validators_are_pure_and_specific():
    assert fetch_http.looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>", "text/csv"), "HTML found by its first bytes"
    assert not fetch_http.looks_like_html(b"time_period,la_name\n", "text/csv"), "a CSV is not HTML"
    problem, header, rows = fetch_http.csv_problem("a,b,c\n1,2,3\n4,5,6\n", ("a", "c"))
    assert problem is None and header == ["a", "b", "c"] and rows == 2, "a good CSV passes"
    problem, _, _ = fetch_http.csv_problem('a,b,c\n1,2,3\n4,"5', ("a",))
    assert problem and "truncated" in problem, "an open quote at the end means a cut body"
