"""Dashboard speed: start-up, callback server time, district switches under gunicorn, page load in Chromium.

Run from the repo root:  python bench/bench_dashboard.py [--processed DIR] [--seconds 5] [--skip-browser]

Uses ``--processed`` (or ``PDP_PROCESSED_DIR``) when it holds a release, else writes the synthetic
test release (tests/release_factory.py) into a temporary folder. Figures are printed and written to
bench/results/dashboard.json. Nothing here is asserted: the aims (the README's benchmark table) are reported beside them.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench.bench_load import start_gunicorn, stop_server  # noqa: E402
from bench.releases import processed_folder  # noqa: E402

TOPICS = ["claimant-count", "furlough", "neet", "attainment", "apprenticeships"]
AIMS = {"district_switch_vs_static": "<= 2x", "chart_page_cold_s": "<= 0.5", "warm_bytes": "<= 600 KB",
        "warm_requests": "<= 3"}


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def router_body(path: str, search: str = "") -> dict:
    """The body Dash's renderer posts for a page (the app's own, which its view pack renders with)."""
    from web.view_pack import router_body as body  # not at import: the app reads its settings then

    return body(path, search)


def bench_startup(env: dict, runs: int = 3) -> dict:
    code = "import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return {"startup_s_median": round(statistics.median(times), 3), "startup_s_min": round(min(times), 3)}


def bench_callbacks(districts: list[str]) -> dict:
    """Server time of the router (page render) and control callbacks via the Flask test client."""
    import app as app_module
    from components import topic_page

    client = app_module.server.test_client()
    client.get("/")
    post = lambda body: client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": "gzip"})  # noqa: E731
    app_module.app.router_cache.clear()
    topic_page._cached_view.cache_clear()
    first, cached, control = [], [], []
    for slug in TOPICS:
        for code in districts:
            t = time.perf_counter()
            r = post(router_body(f"/{slug}", f"?area={code}"))
            first.append(time.perf_counter() - t)
            assert r.status_code == 200, r.status_code
    for _ in range(3):
        for slug in TOPICS:
            for code in districts:
                t = time.perf_counter()
                post(router_body(f"/{slug}", f"?area={code}"))
                cached.append(time.perf_counter() - t)
    body = {"output": "claimant-count-url.search", "outputs": {"id": "claimant-count-url", "property": "search"},
            "inputs": [{"id": "claimant-count-area-select", "property": "value", "value": districts[0]},
                       {"id": "claimant-count-indicator-radio", "property": "value", "value": "claimant_rate"},
                       {"id": "claimant-count-period-select", "property": "value", "value": None},
                       {"id": "claimant-count-breakdown-select", "property": "value", "value": "age"},
                       {"id": "claimant-count-comparators-check", "property": "value",
                        "value": ["home", "region", "country"]}],
            "changedPropIds": ["claimant-count-area-select.value"], "state": []}
    for _ in range(200):
        t = time.perf_counter()
        r = post(body)
        control.append(time.perf_counter() - t)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    ms = lambda xs, q: round(1000 * pct(xs, q), 2)  # noqa: E731
    return {"page_render_first_ms_p50": ms(first, 0.5), "page_render_first_ms_p95": ms(first, 0.95),
            "page_render_cached_ms_p50": ms(cached, 0.5), "page_render_cached_ms_p95": ms(cached, 0.95),
            "control_callback_ms_p50": ms(control, 0.5), "control_callback_ms_p95": ms(control, 0.95),
            "calls": len(first) + len(cached) + len(control)}


def _wrk(url: str, seconds: int, script: Path | None = None, connections: int = 16) -> float:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-H", "Accept-Encoding: gzip", url]
    if script:
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors[1]} error responses for {url}")
    return float(match[1])


def bench_gunicorn(env: dict, districts: list[str], seconds: int) -> dict:
    """Requests/s of district switches (router callback) vs a static asset, same server, same run."""
    if not shutil.which("wrk"):
        return {"gunicorn": "skipped: wrk not installed"}
    import httpx

    proc, base = start_gunicorn(env, quiet=True)
    try:
        html = httpx.get(base + "/", timeout=30).text
        static = re.search(r'href="(/assets/pdp\.css\?m=[^"]+)"', html)[1]
        bodies = [json.dumps(router_body(f"/{slug}", f"?area={c}")) for slug in TOPICS for c in districts]
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text("wrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n"
                          "local bodies = {" + ",".join(f"[==[{b}]==]" for b in bodies) + "}\nlocal i = 0\n"
                          "request = function()\n  i = i % #bodies + 1\n"
                          "  return wrk.format(nil, '/_dash-update-component', nil, bodies[i])\nend\n")
        with httpx.Client(base_url=base) as client:  # fill both workers' caches (first renders cost ~50-250 ms)
            for body in bodies:
                for _ in range(8):
                    client.post("/_dash-update-component", content=body,
                                headers={"Content-Type": "application/json", "Accept-Encoding": "gzip"})
        switch = _wrk(base + "/_dash-update-component", seconds, script)
        static_rps = _wrk(base + static, seconds)
        script.unlink()
        return {"district_switch_rps": round(switch), "static_file_rps": round(static_rps),
                "district_switch_vs_static": round(static_rps / switch, 2), "wrk": "2 threads, 16 connections, "
                f"{seconds}s, gzip; gunicorn 2 workers", "static_file": static.split("?")[0]}
    finally:
        stop_server(proc)


WAIT_DRAWN = """
const done = arguments[arguments.length - 1];
const t0 = performance.now();
(function check() {
  const graphs = document.querySelectorAll('.pdp-graph');
  const drawn = document.querySelectorAll('.pdp-graph .main-svg');
  if (graphs.length > 0 && drawn.length >= graphs.length && document.querySelector('#_pages_content h1')) {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const network = res.filter(r => r.transferSize > 0);
    done({drawn_ms: performance.now(), graphs: graphs.length,
          bytes: nav.transferSize + network.reduce((a, r) => a + r.transferSize, 0),
          requests: 1 + network.length, cached: res.length - network.length,
          names: network.map(r => r.name.replace(location.origin, '').slice(0, 60))});
  } else if (performance.now() - t0 > 20000) { done({error: 'charts not drawn in 20 s'}); }
  else { setTimeout(check, 10); }
})();
"""


def bench_browser(env: dict, path: str = "/claimant-count") -> dict:
    """Time until every chart on a topic page is drawn, cold (empty cache) and warm, and bytes moved."""
    from conftest import pytest_setup_options
    from selenium import webdriver

    import httpx

    proc, base = start_gunicorn(env, quiet=True)
    driver = None
    try:
        url = f"{base}{path}"
        # warm the server's caches (compressed files, rendered views), not the browser's
        html = httpx.get(url).text
        assets = re.findall(r'(?:src|href)="(/[^"]+)"', html)
        for _ in range(6):  # requests spread over both workers
            for asset in assets:
                httpx.get(f"{base}{asset}", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
            for search in ("", "?area=E07000123"):
                httpx.post(f"{base}/_dash-update-component", json=router_body(path, search),
                           headers={"Accept-Encoding": "gzip"})
        driver = webdriver.Chrome(options=pytest_setup_options())
        driver.set_script_timeout(30)
        driver.get(url)
        cold = driver.execute_async_script(WAIT_DRAWN)
        warm_runs = []
        for _ in range(3):
            driver.get(url)
            warm_runs.append(driver.execute_async_script(WAIT_DRAWN))
        warm = sorted(warm_runs, key=lambda r: r.get("drawn_ms", 1e9))[1]
        driver.get(url + "?area=E07000123")
        switch = driver.execute_async_script(WAIT_DRAWN)
        return {"page": path, "graphs": cold.get("graphs"),
                "cold_drawn_s": round(cold["drawn_ms"] / 1000, 3), "cold_bytes_kb": round(cold["bytes"] / 1024),
                "cold_requests": cold["requests"], "warm_drawn_s": round(warm["drawn_ms"] / 1000, 3),
                "warm_bytes_kb": round(warm["bytes"] / 1024, 1), "warm_requests": warm["requests"],
                "warm_request_names": warm["names"], "warm_district_load_s": round(switch["drawn_ms"] / 1000, 3)}
    finally:
        if driver:
            driver.quit()
        stop_server(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", help="processed-data folder (default: PDP_PROCESSED_DIR or data/processed)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    folder = processed_folder(args.processed)
    env = {**os.environ, "PDP_PROCESSED_DIR": str(folder), "PDP_LOG_LEVEL": "WARNING"}
    os.environ.update({"PDP_PROCESSED_DIR": str(folder), "PDP_LOG_LEVEL": "WARNING"})
    import data_access

    districts = list(data_access.load().home_districts()["area_code"])
    results = {"release": data_access.load().id, "cpus": os.cpu_count()}
    results.update(bench_startup(env))
    results.update(bench_callbacks(districts))
    results.update(bench_gunicorn(env, districts, args.seconds))
    if not args.skip_browser:
        results.update(bench_browser(env))
    results["aims"] = AIMS
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "dashboard.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    for key, value in results.items():
        print(f"{key:32s} {value}")


if __name__ == "__main__":
    main()
