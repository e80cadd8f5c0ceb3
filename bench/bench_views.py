"""Views not seen before, through the page router, against a static file: p50 under wrk.

Run from the repo root:  python -m bench.bench_views --processed DIR [--port N] [--seconds S]
Starts the Dockerfile's gunicorn command on ``processed``, then drives it with wrk (bench/load_mix.lua,
no think time, 4 connections): first a static asset only, then views drawn from thousands of distinct
(area x measure x period x breakdown) router requests, so nearly every one is answered for the first
time. The aim (issue 12 item 2) is a view's p50 within 2x the static file's.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_load import TOPICS, dockerfile_command, free_port, router_body  # noqa: E402
from bench.machine import describe_machine  # noqa: E402


def view_plan(processed: Path, count: int = 3000, seed: int = 21) -> list[str]:
    """``count`` distinct router requests ("POST /_dash-update-component <body>") over the release."""
    import random

    os.environ["PDP_PROCESSED_DIR"] = str(processed)
    import data_access

    rel = data_access.load()
    rng = random.Random(seed)
    districts = list(rel.home_districts()["area_code"])
    topics = [t for t in TOPICS if rel.indicators(t)]
    lines: set[str] = set()
    for _ in range(count * 20):
        if len(lines) >= count:
            break
        slug = rng.choice(topics)
        ind = rng.choice(rel.indicators(slug))
        period = rng.choice(rel.periods(ind) or [""])
        dims = list(rel.breakdown_dimensions(ind))
        bd = rng.choice(dims + ["", ""]) if dims else ""
        search = f"?area={rng.choice(districts)}&indicator={ind}&period={period}" + (f"&breakdown={bd}" if bd else "")
        lines.add("POST /_dash-update-component " + router_body(f"/{slug}", search))
    return sorted(lines)


def _wrk(base: str, plan: list[str], work: Path, name: str, seconds: int, connections: int) -> dict:
    path = work / f"{name}.txt"
    path.write_text("\n".join(plan) + "\n", encoding="utf-8")
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "60s",
                          "-s", str(ROOT / "bench" / "load_mix.lua"), base],
                         env={**os.environ, "PDP_BENCH_PLAN_FILE": str(path), "PDP_BENCH_THINK_MIN_MS": "0",
                              "PDP_BENCH_THINK_MAX_MS": "0"}, capture_output=True, text=True, check=False)
    found = re.search(r"^PDP-RESULT (.*)$", out.stdout, re.M)
    if not found:
        raise RuntimeError(f"wrk gave no result: {out.stdout[-1000:]} {out.stderr[-1000:]}")
    return json.loads(found.group(1))


def measure(processed: Path, port: int | None = None, seconds: int = 15, connections: int = 4) -> dict:
    """{"static": wrk result, "views": wrk result} for one release folder."""
    import httpx

    plan = view_plan(processed)
    work = Path(tempfile.mkdtemp(prefix="pdp-views-"))
    port = port or free_port()
    env = {**os.environ, "PDP_PROCESSED_DIR": str(processed), "PDP_EXPORT_CACHE_DIR": str(work / "exports"),
           "PDP_LOG_LEVEL": "WARNING"}
    with open(work / "gunicorn.log", "wb") as log:
        server = subprocess.Popen(dockerfile_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1500):
            try:
                index = httpx.get(base + "/", timeout=30).text
                break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not answer; see {work / 'gunicorn.log'}")
        asset = sorted(set(re.findall(r'"(/(?:assets|_dash-component-suites)/[^"]+\.js(?:\?m=[0-9.]+)?)"', index)))[0]
        static = _wrk(base, [f"GET {asset}"], work, "static", seconds, connections)
        views = _wrk(base, plan, work, "views", seconds, connections)
        return {"static": static, "views": views, "distinct_views": len(plan)}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def view_rows(processed: Path, port: int | None = None) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows for the benchmark table."""
    found = measure(processed, port)
    s, v = found["static"], found["views"]
    ratio = v["p50_ms"] / s["p50_ms"] if s["p50_ms"] else float("inf")
    return [("static file p50 under wrk (4 connections)", f"{s['p50_ms']:.1f} ms ({s['requests']} requests)", "—"),
            (f"view not seen before through the router, p50 ({v['requests']} of {found['distinct_views']} "
             f"distinct views, {v['non_2xx_3xx']} errors)", f"{v['p50_ms']:.1f} ms (x{ratio:.1f} the static file)",
             "≤ x2 a static file")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", type=Path, required=True, help="processed-data folder with a release")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    print(f"Machine: {describe_machine()}")
    print("| figure | result | aim |\n| --- | ---: | --- |")
    for name, result, aim in view_rows(args.processed, args.port):
        print(f"| {name} | {result} | {aim} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
