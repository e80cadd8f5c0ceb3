"""Shared test set-up: headless Chromium for dash_duo, and a factory release for the dashboard.

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
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

# Rendered images and PDFs go to a fresh folder per test run (config reads this when first imported).
os.environ.setdefault("PDP_EXPORT_CACHE_DIR", tempfile.mkdtemp(prefix="pdp-test-exports-"))

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


def pytest_setup_options():
    """Chrome options for dash_duo (dash.testing's hook): headless Debian Chromium, no network."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    if Path(CHROMIUM).exists():
        options.binary_location = CHROMIUM
    return options


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
