"""Shared test set-up: headless Chromium for dash_duo, a factory release for the dashboard, and the releases
built from the real extracts and the demo pack (each built once per test process, read only).

The factory release is written into a temporary folder and ``PDP_PROCESSED_DIR`` points at it
*before* the app is imported, so the dashboard never reads ``data/processed`` in tests.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

# Rendered images and PDFs go to a fresh folder per test run (config reads this when first imported).
os.environ.setdefault("PDP_EXPORT_CACHE_DIR", tempfile.mkdtemp(prefix="pdp-test-exports-"))
# View packs too; and gunicorn started by a test renders none in the background unless the test asks.
os.environ.setdefault("PDP_VIEW_PACK_DIR", tempfile.mkdtemp(prefix="pdp-test-views-"))
os.environ.setdefault("PDP_VIEW_PACK", "0")

CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-extensions", "--disable-component-update",
               "--no-first-run", "--window-size=1280,1000")


def pytest_configure(config):
    """dash_duo numbers its servers from port 8050: start elsewhere per process, so two test runs on one
    machine (CI beside a developer's run) never answer each other's browser."""
    try:
        from dash.testing.application_runners import BaseDashRunner
    except ImportError:  # dash[testing] not installed: the browser tests skip themselves
        return
    BaseDashRunner._next_port = 20000 + (os.getpid() * 37) % 30000


def chrome_options():
    """Headless Debian Chromium with no network, for dash_duo and for tests that drive one browser."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    if Path(CHROMIUM).exists():
        options.binary_location = CHROMIUM
    return options


def pytest_setup_options():
    """Chrome options for dash_duo (dash.testing's hook)."""
    return chrome_options()


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory) -> Path:
    """A processed-data folder with one synthetic, contract-compliant demo release (Lancashire).

    ``PDP_TEST_PROCESSED_DIR`` points the browser tests at another release instead (e.g. a demo pack
    built by ``python -m etl demo``), for a smoke/axe run on ETL output.
    """
    from release_factory import write_release

    if os.environ.get("PDP_TEST_PROCESSED_DIR"):
        return Path(os.environ["PDP_TEST_PROCESSED_DIR"])
    folder = tmp_path_factory.mktemp("processed")
    write_release(folder)
    return folder


@pytest.fixture(scope="session")
def real_build(tmp_path_factory) -> dict:
    """A release built from the real extracts in ../shared/data/real, once per test process.

    Tests read it and never change it: ``out`` (the processed folder), ``folder`` (the release),
    ``outcome`` (the BuildOutcome) and its ``df`` (indicators), ``areas`` and ``derivations`` tables.
    """
    import pandas as pd

    from etl.build import build

    if not REAL.is_dir():
        pytest.skip("../shared/data/real not present: real-extract tests need the shared folder beside the repo")
    out = tmp_path_factory.mktemp("real") / "processed"
    outcome = build(REAL, out)
    folder = out / "releases" / outcome.release_id
    return {"out": out, "folder": folder, "outcome": outcome, "df": pd.read_parquet(folder / "indicators.parquet"),
            "areas": pd.read_parquet(folder / "areas.parquet"),
            "derivations": pd.read_parquet(folder / "derivations.parquet")}


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> dict:
    """The demo pack as a first run makes it (``python -m etl demo --if-missing`` on an empty folder), once
    per test process: ``root`` (with ``raw/`` and ``processed/``), ``out``, ``manifest`` and ``df``."""
    import pandas as pd

    from etl.__main__ import main
    from etl.release import read_manifest

    root = tmp_path_factory.mktemp("demo")
    code = main(["demo", "--if-missing", "--out", str(root / "processed"), "--raw", str(root / "raw")])
    assert code == 0, "with no release yet, `etl demo --if-missing` builds the demo pack"
    manifest = read_manifest(root / "processed")
    folder = root / "processed" / "releases" / manifest["current_release"]
    return {"root": root, "out": root / "processed", "manifest": manifest,
            "df": pd.read_parquet(folder / "indicators.parquet")}


@pytest.fixture(scope="session")
def dash_app(release_dir):
    """The dashboard app, imported once per test process with the factory release configured."""
    os.environ["PDP_PROCESSED_DIR"] = str(release_dir)
    os.environ["PDP_HOME_AREA"] = "E37000019"
    import data_access

    data_access.clear_cache()
    import app as app_module

    return app_module.app


@pytest.fixture()
def release(dash_app):
    """The loaded release the app is serving (for expected values)."""
    import data_access

    return data_access.load()


def pytest_collection_modifyitems(config, items):
    """Every test that drives a browser (uses ``dash_duo``) carries the ``browser`` marker, so
    ``pytest -m "not browser"`` is the fast loop without any test file having to remember it."""
    for item in items:
        if "dash_duo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
