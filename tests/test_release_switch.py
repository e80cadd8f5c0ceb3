"""The dashboard only reads releases: with none it says how to build one; a new or switched release is
served by the running app at once (no restart), as ``python -m etl use`` promises. The command line runs
through its own ``main`` (it only replaces the manifest file; the app learns of it from the file alone)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from release_factory import write_release

import data_access

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["/", "/claimant-count", "/district/E07000123", "/compare", "/data", "/no-such-page",
         "/embed/claimant-rate-trend", "/district/E07000123/report"]
DATA_ENDPOINTS = ["/download/claimant-rate-trend.csv", "/_dash-layout", "/_dash-dependencies"]


@pytest.fixture()
def client(dash_app):
    return dash_app.server.test_client()


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    """An empty processed-data folder the running app is pointed at (as PDP_PROCESSED_DIR would)."""
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(tmp_path / "processed"))
    data_access.clear_cache()
    yield tmp_path / "processed"
    data_access.clear_cache()


def etl(capsys, *args: str) -> tuple[int, str]:
    """``python -m etl <args>`` as the command line runs it (its ``main``): (exit code, what it printed)."""
    from etl.__main__ import main

    code = main(list(args))
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def csv_release(client) -> str:
    """The release a CSV download says it comes from (its '# Release: <id>' header line)."""
    response = client.get("/download/claimant-rate-trend.csv?area=E07000123")
    assert response.status_code == 200, f"the download should work while a release is current: {response.data[:200]}"
    text = response.data.decode("utf-8-sig")
    return next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("# Release: "))


@pytest.mark.parametrize("path", PAGES)
def test_with_no_release_every_page_says_how_to_build_one(client, folder, path):
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 503, f"{path}: no release is 'not ready yet' (503), got {response.status_code}"
    assert response.mimetype == "text/html", f"{path}: people get a page, not a bare error"
    assert "No release yet" in body and "python -m etl demo" in body and "python -m etl build" in body, \
        f"{path}: the page says what to run: {body[:300]}"
    assert response.headers.get("Retry-After") and response.headers.get("Cache-Control") == "no-store", \
        f"{path}: clients retry later and nothing keeps the answer"
    assert "Content-Security-Policy" in response.headers, f"{path}: the page carries the site's headers"


@pytest.mark.parametrize("path", DATA_ENDPOINTS)
def test_with_no_release_data_endpoints_answer_in_plain_text(client, folder, path):
    response = client.get(path)
    assert response.status_code == 503 and response.mimetype == "text/plain", \
        f"{path}: a data endpoint answers 503 in plain text, got {response.status_code} {response.mimetype}"
    assert "python -m etl demo" in response.get_data(as_text=True), f"{path}: the text says what to run"


def test_with_no_release_static_files_are_still_served(client, folder):
    response = client.get("/assets/pdp.css")
    assert response.status_code == 200, "the no-release page's own stylesheet must still load"


def test_the_first_release_is_served_without_a_restart(client, folder):
    assert client.get("/").status_code == 503, "no release yet"
    write_release(folder, release_id="first")
    response = client.get("/")
    assert response.status_code == 200, "a release built while the server runs is served at once"
    assert csv_release(client) == "first", "the downloads come from the new release"


def test_etl_use_switches_the_running_app_without_a_restart(client, folder, capsys):
    write_release(folder, release_id="older")
    write_release(folder, release_id="newer")
    assert csv_release(client) == "newer", "the manifest's current release is served"
    code, printed = etl(capsys, "use", "older", "--out", str(folder))
    assert code == 0, f"etl use should succeed: {printed}"
    assert csv_release(client) == "older", "after `etl use older` the same running app serves the older release"
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Release older" in layout, "the page footer names the release now current"
    assert etl(capsys, "use", "newer", "--out", str(folder))[0] == 0, "switching back works too"
    assert csv_release(client) == "newer", "and is served at once"


def test_etl_demo_if_missing_leaves_a_current_release_alone(tmp_path, capsys):
    out = tmp_path / "processed"
    write_release(out, release_id="kept")
    before = (out / "manifest.json").read_bytes()
    code, printed = etl(capsys, "demo", "--if-missing", "--out", str(out), "--raw", str(tmp_path / "demo_raw"))
    assert code == 0, f"--if-missing with a release is not an error: {printed}"
    assert "kept" in printed and "not built" in printed, f"it says why nothing was built: {printed}"
    assert (out / "manifest.json").read_bytes() == before, "the current release is untouched"
    assert not (tmp_path / "demo_raw").exists(), "no demo extracts are written"
    assert json.loads(before)["current_release"] == "kept", "the manifest still names the kept release"
