"""axe-core (vendored in tests/vendor/axe.min.js) on every page, one test per URL: no violations of any impact.

One app server and one headless Chromium serve the whole walk (started once for the module)."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from conftest import CHROMIUM, chrome_options
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from test_dashboard_pages import declared_page_urls

pytestmark = pytest.mark.browser

AXE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
EXTRA_URLS = ["/claimant-count?area=E07000117&breakdown=sex&comparators=home,country",
              "/neet?area=E07000123", "/apprenticeships?breakdown=sector", "/district/E99999999",
              "/furlough?period=banana", "/compare?areas=E07000117,E06000009,E07000123&indicator=attainment8"]
RUN_AXE = """
const done = arguments[arguments.length - 1];
const details = document.querySelectorAll('details.pdp-details');
details.forEach(d => { if (!d.open) d.querySelector('summary').click(); });  // draw the tables too
const start = performance.now();
const ready = () => document.querySelectorAll('details.pdp-details table').length >= details.length
                    || performance.now() - start > 5000;
const wait = () => ready() ? run() : setTimeout(wait, 20);
const run = () => axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
  .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
wait();
"""


@pytest.fixture(scope="module")
def browser(dash_app):
    """(driver, base URL): the app on a 127.0.0.1 port and one headless Chromium for every page."""
    from selenium import webdriver
    from werkzeug.serving import make_server

    if not (shutil.which("chromedriver") and Path(CHROMIUM).exists()):
        pytest.skip(f"the accessibility walk needs chromedriver on PATH and {CHROMIUM} (Debian: chromium-driver)")
    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = webdriver.Chrome(options=chrome_options())
    driver.set_script_timeout(30)
    yield driver, f"http://127.0.0.1:{server.server_port}"
    driver.quit()
    server.shutdown()


def wait_for(driver, selector: str) -> None:
    WebDriverWait(driver, 10).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector)))


@pytest.mark.parametrize("url", declared_page_urls() + EXTRA_URLS)
def test_page_has_no_axe_violations(browser, url):
    driver, base = browser
    driver.get(base + url)
    wait_for(driver, "#react-entry-point:not(.pdp-pending) #_pages_content h1")
    if driver.find_elements(By.CSS_SELECTOR, ".pdp-graph"):  # charts as the reader first sees them
        wait_for(driver, ".pdp-graph .main-svg, .pdp-static-over")
    driver.execute_script(AXE)
    violations = driver.execute_async_script(RUN_AXE)
    assert not violations, f"{url} should pass axe-core with no violations of any impact: {violations}"
