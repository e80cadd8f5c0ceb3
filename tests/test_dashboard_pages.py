"""Browser smoke test: every registered page renders (one h1) with no browser console errors."""
from __future__ import annotations

import ast
from pathlib import Path

import dash
from interactive import draw_chart
from selenium.webdriver.support.ui import WebDriverWait

DISTRICT = "E07000123"  # Preston
PAGES = Path(__file__).resolve().parents[1] / "pages"


def declared_page_urls() -> list[str]:
    """The URL of every page module's ``dash.register_page`` call, read from the source (no app needed, so
    tests can be parametrised by page); ``test_declared_pages_are_the_registered_pages`` keeps it true."""
    urls = []
    for path in sorted(PAGES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "register_page":
                keywords = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
                if path.stem == "not_found_404":
                    urls.append("/no-such-page")
                elif "path_template" in keywords:
                    urls.append(keywords["path_template"].replace("<area_code>", DISTRICT))
                else:
                    urls.append(keywords["path"])
    return urls


def test_declared_pages_are_the_registered_pages(dash_app):
    assert sorted(declared_page_urls()) == sorted(page_urls()), \
        "the pages read from the source are the pages the app registers (the accessibility walk uses them)"


def page_urls() -> list[str]:
    urls = []
    for page in dash.page_registry.values():
        if page["module"].endswith("not_found_404"):
            urls.append("/no-such-page")
        elif page.get("path_template"):
            urls.append(page["path_template"].replace("<area_code>", DISTRICT))
        else:
            urls.append(page["path"])
    return urls


def test_every_registered_page_renders_without_console_errors(dash_duo, dash_app):
    dash_duo.start_server(dash_app)
    urls = page_urls()
    assert len(urls) >= 10, f"all contract pages should be registered, found {urls}"
    for url in urls:
        dash_duo.driver.get(dash_duo.server_url + url)
        # React's page in place of the server's first view (components/first_view.py)
        dash_duo.wait_for_element("#react-entry-point:not(.pdp-pending) #_pages_content h1", timeout=10)
        h1s = dash_duo.find_elements("h1")
        assert len(h1s) == 1, f"{url} should have exactly one h1, found {len(h1s)}"
        assert h1s[0].text.strip(), f"{url} h1 should not be empty"
        logs = [entry for entry in dash_duo.get_logs() or [] if entry.get("level") == "SEVERE"
                and not (url == "/no-such-page" and "404 (NOT FOUND)" in entry.get("message", ""))]
        assert not logs, f"{url} should log no browser console errors, got {logs}"


def test_topic_pages_draw_their_charts(dash_duo, dash_app):
    dash_duo.start_server(dash_app)
    for slug in ("claimant-count", "furlough", "neet", "attainment", "apprenticeships"):
        dash_duo.driver.get(f"{dash_duo.server_url}/{slug}")
        draw_chart(dash_duo.driver, f"#{slug}-trend-graph")
        graphs = dash_duo.find_elements(".pdp-graph .main-svg")
        assert len(graphs) >= 4, f"{slug} should draw trend, ranking, map and dot-strip charts, drew {len(graphs)}"
        assert "Demo data" in dash_duo.find_element("#_pages_content").text, \
            f"{slug} should say demo data visibly on a demo release"


def test_keyboard_skip_link_and_phone_width(dash_duo, dash_app):
    from selenium.webdriver.common.keys import Keys

    dash_duo.start_server(dash_app)
    dash_duo.driver.get(dash_duo.server_url + "/claimant-count")
    draw_chart(dash_duo.driver, "#claimant-count-trend-graph")
    dash_duo.find_element("body").send_keys(Keys.TAB)
    active = dash_duo.driver.switch_to.active_element
    assert active.text == "Skip to main content", "the first Tab stop should be the skip link"
    active.send_keys(Keys.ENTER)
    assert dash_duo.driver.execute_script("return document.activeElement.id") == "main-content", \
        "the skip link should move focus to the main content"
    dash_duo.driver.set_window_size(375, 800)
    dash_duo.driver.get(dash_duo.server_url + "/claimant-count")
    draw_chart(dash_duo.driver, "#claimant-count-trend-graph")
    overflow = dash_duo.driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"a phone-width page should not scroll sideways (overflow {overflow}px)"
    menu = dash_duo.find_element("#shell-nav-toggle")
    assert menu.is_displayed(), "a phone-width page should show the Menu button"
    menu.click()
    WebDriverWait(dash_duo.driver, 5).until(lambda d: menu.get_attribute("aria-expanded") == "true")
    WebDriverWait(dash_duo.driver, 5).until(
        lambda d: dash_duo.find_elements("#shell-nav-collapse a")[1].is_displayed())


def test_pages_do_not_send_bundles_no_page_uses(dash_app):
    import re

    client = dash_app.server.test_client()
    for path in ("/", "/claimant-count", "/compare", "/data"):
        page = client.get(path).data.decode()
        scripts = re.findall(r'<script (?:src|type="pdp/later" data-src)="([^"]+)"', page)
        assert any("dash_renderer" in s for s in scripts), f"{path} still sends Dash's renderer: {scripts}"
        unused = [s for s in scripts if "/dash_table/" in s or "/polyfill@" in s]
        assert not unused, f"{path} should not send the DataTable bundle or the polyfill, sent {unused}"
