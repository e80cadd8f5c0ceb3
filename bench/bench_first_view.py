"""First view of a topic page, measured from outside: gunicorn (2 workers) and headless Chromium.

Run from the repo root:  python bench/bench_first_view.py [--processed DIR] [--runs 5] [--path /claimant-count]

Figures (medians over ``runs`` cold browsers, each with an empty profile):
- first chart drawn: navigation start to the first frame with an SVG chart with marks visible in <main>
  (a MutationObserver installed before the document loads, then requestAnimationFrame);
- bytes over the wire before that frame and in all (once the interactive page has drawn every chart);
- requests on a warm reload (the document plus whatever the browser cache does not answer).
The server's caches are warmed first (that is what "cold" means here: the reader's browser is cold).
``first_view_rows(processed_dir, runs)`` gives (figure, result, aim) rows for ``python -m bench``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_load import start_gunicorn, stop_server  # noqa: E402

DISTRICT = "E07000123"

# Installed before any of the page's own scripts: notes the first frame with a visible chart in <main>.
OBSERVER = """
window.__pdpFirst = null;
(function () {
  function visibleChart() {
    var svgs = document.querySelectorAll('main svg.main-svg');
    for (var i = 0; i < svgs.length; i++) {
      var s = svgs[i];
      if (s.closest('.pdp-pending')) { continue; }
      if (s.querySelector('.plot path, .choroplethlayer path, .geolayer path, .bars path, .points path')) { return true; }
    }
    return false;
  }
  var seen = false;
  var obs = new MutationObserver(function () {
    if (seen || !visibleChart()) { return; }
    seen = true;
    obs.disconnect();
    requestAnimationFrame(function () { window.__pdpFirst = performance.now(); });
  });
  obs.observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
})();
"""

SETTLED = """
const done = arguments[arguments.length - 1];
const t0 = performance.now();
(function check() {
  const root = document.getElementById('react-entry-point');
  const graphs = root ? root.querySelectorAll('.pdp-graph') : [];
  const drawn = root ? root.querySelectorAll('.pdp-graph .main-svg') : [];
  // interactive: React's page in place and its charts drawn by plotly.js, or still the server's SVG over
  // them (plotly.js waits for the pointer or keyboard to reach a chart)
  const waiting = document.querySelectorAll('.pdp-static-over').length;
  const ready = window.__pdpFirst !== null && graphs.length > 0 && drawn.length + waiting >= graphs.length
    && !document.querySelector('.pdp-pending');
  if (ready || performance.now() - t0 > 30000) {
    setTimeout(function () {
      const nav = performance.getEntriesByType('navigation')[0];
      const res = performance.getEntriesByType('resource');
      const first = window.__pdpFirst;
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      const network = res.filter(r => r.transferSize > 0);
      done({first_ms: first, ready: ready, fcp_ms: fcp ? fcp.startTime : null,
            bytes_before: nav.transferSize + network.filter(r => first !== null && r.responseEnd <= first)
                                                    .reduce((a, r) => a + r.transferSize, 0),
            bytes_all: nav.transferSize + network.reduce((a, r) => a + r.transferSize, 0),
            requests: 1 + network.length,
            plotly_ms: (res.find(r => r.name.indexOf('plotly') >= 0) || {}).startTime || null});
    }, 1500);
  } else { setTimeout(check, 20); }
})();
"""


def _driver(profile: Path):
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000",
                f"--user-data-dir={profile}", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    driver.set_script_timeout(60)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": OBSERVER})
    return driver


def _start(processed_dir: Path, root: Path):
    return start_gunicorn({**os.environ, "PDP_PROCESSED_DIR": str(processed_dir)}, root=root, quiet=True)


def measure(processed_dir: Path, runs: int = 5, path: str = "/claimant-count", root: Path = ROOT) -> dict:
    """Medians of the cold first view of ``path`` (and its district view) and the warm request count."""
    import httpx

    proc, base = _start(processed_dir, root)
    tmp = Path(tempfile.mkdtemp(prefix="pdp-fv-"))
    try:
        urls = [base + path, f"{base}{path}?area={DISTRICT}"]
        for _ in range(3):  # both workers: views rendered, charts drawn, files compressed
            for url in urls:
                httpx.get(url, timeout=60, headers={"Accept-Encoding": "gzip"})
                time.sleep(1.5)
        cold, warm_requests = [], []
        for n in range(runs):
            driver = _driver(tmp / f"profile-{n}")
            try:
                driver.get(urls[n % 2])
                cold.append(driver.execute_async_script(SETTLED))
                driver.get(urls[n % 2])
                warm_requests.append(driver.execute_async_script(SETTLED)["requests"])
            finally:
                driver.quit()
        # the chart cannot be on screen before the first contentful paint: the later of the two
        firsts = [max(c["first_ms"], c["fcp_ms"] or 0) for c in cold if c["first_ms"] is not None]
        return {"runs": runs, "first_ms": statistics.median(firsts) if firsts else None,
                "first_all": [round(f) for f in firsts],
                "fcp_ms": statistics.median([c["fcp_ms"] for c in cold if c["fcp_ms"]] or [0]),
                "kb_before": statistics.median(c["bytes_before"] for c in cold) / 1024,
                "kb_all": statistics.median(c["bytes_all"] for c in cold) / 1024,
                "requests_warm": statistics.median(warm_requests),
                "interactive_all": all(c["ready"] for c in cold)}
    finally:
        stop_server(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def first_view_rows(processed_dir: Path, runs: int) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows for one release (``python -m bench``)."""
    m = measure(Path(processed_dir), runs)
    name = Path(processed_dir).name
    first = f"{m['first_ms']:.0f} ms" if m["first_ms"] is not None else "not drawn"
    return [
        (f"first chart drawn, topic page, cold browser ({name}, median of {runs})", first, "<= 500 ms"),
        (f"bytes before the first chart, cold ({name})", f"{m['kb_before']:.0f} KB", "<= 150 KB"),
        (f"bytes in all, cold, until interactive ({name})", f"{m['kb_all']:.0f} KB", "<= 600 KB"),
        (f"requests on a warm reload ({name})", f"{m['requests_warm']:.0f}", "<= 3"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default="/claimant-count")
    parser.add_argument("--root", default=str(ROOT), help="the checkout to serve (to measure another commit)")
    args = parser.parse_args()
    print(measure(Path(args.processed), args.runs, args.path, Path(args.root)))


if __name__ == "__main__":
    main()
