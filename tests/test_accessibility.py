"""axe-core (vendored in tests/vendor/axe.min.js) on every page: no violations of any impact."""
from __future__ import annotations

from pathlib import Path

from test_dashboard_pages import page_urls

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


def test_every_page_has_no_axe_violations(dash_duo, dash_app):
    dash_duo.start_server(dash_app)
    dash_duo.driver.set_script_timeout(30)
    failures = {}
    for url in page_urls() + EXTRA_URLS:
        dash_duo.driver.get(dash_duo.server_url + url)
        dash_duo.wait_for_element("#_pages_content h1", timeout=10)
        if dash_duo.find_elements(".pdp-graph"):
            dash_duo.wait_for_element(".pdp-graph .main-svg", timeout=10)
        dash_duo.driver.execute_script(AXE)
        violations = dash_duo.driver.execute_async_script(RUN_AXE)
        if violations:
            failures[url] = violations
    assert not failures, f"every page should pass axe-core with no violations of any impact: {failures}"
