"""Export speed: a chart as PNG (browser start, cold render, cached) and a district profile PDF.

Run from the repo root:  python bench/bench_exports.py [--processed DIR] [--runs 5]

Uses ``--processed`` (or ``PDP_PROCESSED_DIR``) when it holds a release, else the synthetic test release
(tests/release_factory.py) in a temporary folder. Requests go through the app's own routes on a real
127.0.0.1 server. Prints a markdown table of medians and writes bench/results/exports.json. Nothing
here is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench.releases import processed_folder  # noqa: E402

PNG_URL = "/download/claimant-rate-trend.png?area=E07000123"
SVG_URL = "/download/claimant-rate-ranking.svg?area=E07000123"
PDF_URL = "/district/E07000123/report.pdf"


def timed_get(client, url: str) -> float:
    t0 = time.perf_counter()
    response = client.get(url, timeout=120)
    elapsed = time.perf_counter() - t0
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}: {response.text[:200]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", help="processed-data folder with a release")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median reported)")
    args = parser.parse_args()
    os.environ["PDP_PROCESSED_DIR"] = str(processed_folder(args.processed))
    os.environ.setdefault("PDP_LOG_LEVEL", "WARNING")

    import httpx
    from werkzeug.serving import make_server

    import app as app_module
    from bench.machine import describe_machine
    from web import routes

    server = make_server("127.0.0.1", 0, app_module.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    rows = []
    with httpx.Client(base_url=base) as client:
        first = timed_get(client, PNG_URL)  # includes starting headless Chromium
        rows.append(("PNG, first export (starts Chromium)", [first]))
        cold_png, warm_png, cold_svg, cold_pdf, warm_pdf = [], [], [], [], []
        for _ in range(args.runs):
            routes.IMAGES.clear()
            cold_png.append(timed_get(client, PNG_URL))
            warm_png.append(timed_get(client, PNG_URL))
            routes.IMAGES.clear()
            cold_svg.append(timed_get(client, SVG_URL))
        for _ in range(args.runs):
            routes.PDFS.clear()
            cold_pdf.append(timed_get(client, PDF_URL))
            warm_pdf.append(timed_get(client, PDF_URL))
    server.shutdown()
    rows += [("PNG 1600 x 1000, not cached (warm browser)", cold_png), ("PNG, repeated (image cache)", warm_png),
             ("SVG, not cached (warm browser)", cold_svg), ("District profile PDF, not cached", cold_pdf),
             ("District profile PDF, repeated (cache)", warm_pdf)]
    print(f"\nMachine: {describe_machine()}\n")
    print("| Export | median (s) | runs |")
    print("|---|---:|---:|")
    for name, values in rows:
        print(f"| {name} | {statistics.median(values):.3f} | {len(values)} |")
    out = ROOT / "bench" / "results" / "exports.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": describe_machine(), "runs": args.runs,
                               "medians_s": {n: round(statistics.median(v), 4) for n, v in rows}}, indent=1),
                   encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
