"""Views not seen before: their CPU cost in-process and their latency under load against a static file.

Run from the repo root:  python -m bench.bench_views --processed DIR [--runs 3] [--seconds 5]

Two figures per release (nothing is asserted; the aim is issue 12's "an unseen view answers in ≤ 2× a
static file at p50"):

* in-process CPU ms per topic-page view (layout rendered and JSON-encoded as the router sends it) for
  views drawn at random (area × measure × period × breakdown × comparators): "fresh" clears every chart
  cache before each view (each chart built for that view alone, as before charts were shared between
  views); "shared" keeps them (what a server does: a strip chart drawn for one period serves every period);
* the view pack (web/view_pack.py) for the release: rendered first, as gunicorn's packer would, with 2
  processes; its views, size and render time;
* gunicorn (the Dockerfile's command: 2 workers, gunicorn.conf.py) under wrk (2 threads, 16 connections,
  Chromium's Accept-Encoding): a static file vs the Dash router POST for a URL, each request a view no
  worker has answered before (each wrk thread walks its own part of a shuffled list), p50 latency and
  requests/s; for the issue's views (district × measure × period × breakdown, the pack's) and, apart, for
  views with other comparators than the default (rendered live).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bench.bench_dashboard import router_body  # noqa: E402
from bench.bench_load import start_gunicorn, stop_server  # noqa: E402
from bench.machine import describe_machine  # noqa: E402

TOPICS = ["claimant-count", "furlough", "neet", "attainment", "apprenticeships"]
OTHER_COMPARATORS = ["none", "home", "region,country", "home,country"]
ACCEPT_ENCODING = "gzip, deflate, br, zstd"  # what Chromium sends
AIM = "unseen view ≤ 2× static file (p50)"

WRK_SCRIPT = r"""
-- each thread walks its own stride of the list, so no view is asked for twice
local bodies = {}
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end
function init(args)
  for line in io.lines(os.getenv("PDP_BENCH_VIEWS")) do table.insert(bodies, line) end
  i = tid - 2
  sent = 0
  headers = {["Content-Type"] = "application/json"}
  for name, value in pairs(wrk.headers) do headers[name] = value end  -- Accept-Encoding from -H
end
function request()
  i = i + 2
  sent = sent + 1
  return wrk.format("POST", "/_dash-update-component", headers, bodies[(i % #bodies) + 1])
end
function done(summary, latency, requests)
  local sent_all = 0
  for _, t in ipairs(threads) do sent_all = sent_all + t:get("sent") end
  io.write(string.format('PDP-RESULT {"requests": %d, "sent": %d, "p50_ms": %.2f, "errors": %d, "timeouts": %d, ' ..
    '"status": %d, "connect": %d, "read": %d, "write": %d}\n',
    summary.requests, sent_all, latency:percentile(50) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read, summary.errors.timeout,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write))
end
"""

STATIC_SCRIPT = r"""
-- each request made by a Lua function too, as the views' are: the client does the same work for both
function request()
  return wrk.format("GET", wrk.path)
end
function done(summary, latency, requests)
  io.write(string.format('PDP-RESULT {"requests": %d, "p50_ms": %.2f, "errors": %d}\n', summary.requests,
    latency:percentile(50) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read))
end
"""


def random_views(rel, n: int, seed: int, other_comparators: bool = False) -> list[tuple[str, str]]:
    """``n`` distinct (path, query) topic-page views of ``rel`` in random order: district × measure × period
    × breakdown (half with a breakdown where the measure has one) at the default comparators, or at other
    comparators than the default."""
    from components import params

    rng = random.Random(seed)
    districts = list(rel.home_districts()["area_code"])
    slugs = [s for s in TOPICS if rel.indicators(s)]
    inds = {slug: rel.indicators(slug) for slug in slugs}
    periods = {ind: rel.periods(ind) for ids in inds.values() for ind in ids}
    breakdowns = {ind: list(rel.breakdown_dimensions(ind)) for ind in periods}
    seen: dict[tuple[str, str], None] = {}
    for _ in range(n * 20):
        if len(seen) >= n:
            break
        slug = rng.choice(slugs)
        ind = rng.choice(inds[slug])
        dims = breakdowns[ind]
        q = params.query(area=rng.choice(districts), indicator=ind, period=rng.choice(periods[ind]),
                         breakdown=rng.choice(dims) if dims and rng.random() < 0.5 else None,
                         comparators=rng.choice(OTHER_COMPARATORS) if other_comparators else None)
        seen[(f"/{slug}", q)] = None
    return list(seen)


def cpu_ms(processed: Path, n: int = 40, seed: int = 1) -> dict:
    """Median/p90 CPU ms per view in this process, with chart caches cleared before each view and kept."""
    os.environ["PDP_PROCESSED_DIR"] = str(processed)
    import app as app_module
    import data_access
    from components import charts, topic_page
    from dash._utils import to_json
    from flask import request as _request  # noqa: F401 - the layout runs inside a request context

    data_access.clear_cache()
    rel = data_access.load()
    views = random_views(rel, n, seed)
    from urllib.parse import parse_qsl

    out = {}
    for mode in ("fresh", "shared"):
        charts._cached.cache_clear()
        topic_page._cached_view.cache_clear()
        times = []
        for path, q in views:
            if mode == "fresh":
                charts._cached.cache_clear()
            kw = dict(parse_qsl(q.lstrip("?")))
            t = time.process_time()
            with app_module.server.test_request_context("/_dash-update-component", method="POST"):
                to_json(topic_page.topic_view(path.strip("/"), kw.get("area"), kw.get("indicator"),
                                              kw.get("period"), kw.get("breakdown"), kw.get("comparators")))
            times.append(1000 * (time.process_time() - t))
        times.sort()
        out[mode] = (statistics.median(times), times[int(0.9 * (len(times) - 1))])
    return out


def _wrk(url: str, seconds: int, script: str, env: dict) -> dict:
    path = Path(tempfile.mkstemp(suffix=".lua")[1])
    path.write_text(script)
    try:
        cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "30s", "-s", str(path),
               "-H", f"Accept-Encoding: {ACCEPT_ENCODING}", url]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    finally:
        path.unlink()
    return json.loads(re.search(r"PDP-RESULT (.*)", out)[1])


def render_pack(processed: Path, packs: Path, jobs: int = 2) -> dict:
    """Render the release's view pack into ``packs`` as gunicorn's packer would (here with ``jobs``
    processes): its summary and the wall time."""
    env = {**os.environ, "PDP_PROCESSED_DIR": str(processed), "PDP_VIEW_PACK_DIR": str(packs)}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "web.view_pack", f"--jobs={jobs}"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    return {**json.loads(out.strip().splitlines()[-1]), "wall_seconds": time.perf_counter() - started}


def under_load(processed: Path, runs: int = 3, seconds: int = 5, packs: Path | None = None) -> dict:
    """p50 ms and requests/s: static file vs unseen router views, gunicorn as the Dockerfile runs it (with
    the view pack in ``packs``, its packer off), for the pack's kind of view and for other comparators."""
    import httpx

    import data_access

    os.environ["PDP_PROCESSED_DIR"] = str(processed)
    data_access.clear_cache()
    rel = data_access.load()
    env = {**os.environ, "PDP_PROCESSED_DIR": str(processed), "PDP_VIEW_PACK": "0"}
    if packs is not None:
        env["PDP_VIEW_PACK_DIR"] = str(packs)
    server, base = start_gunicorn(env, quiet=True)
    try:
        page = httpx.get(base + "/", timeout=30).text
        static = re.search(r'href="(/assets/[^"]+\.css[^"]*)"', page)[1]
        out = {}
        for kind, other in (("views", False), ("other_comparators", True)):
            views = random_views(rel, 1500 * runs, seed=7, other_comparators=other)
            static_p50, view_p50, static_rps, view_rps, wrapped = [], [], [], [], False
            for run in range(runs):
                lines = Path(tempfile.mkstemp(suffix=".jsonl")[1])
                chunk = views[run::runs]
                lines.write_text("\n".join(json.dumps(router_body(p, q)) for p, q in chunk) + "\n")
                try:
                    v = _wrk(base + "/_dash-update-component", seconds, WRK_SCRIPT,
                             {**env, "PDP_BENCH_VIEWS": str(lines)})
                finally:
                    lines.unlink()
                s = _wrk(base + static, seconds, STATIC_SCRIPT, env)
                if v["errors"] or v["timeouts"] or s["errors"]:
                    raise RuntimeError(f"error responses under load: views {v} static {s}")
                wrapped |= v["sent"] > len(chunk)
                view_p50.append(v["p50_ms"])
                static_p50.append(s["p50_ms"])
                view_rps.append(v["requests"] / seconds)
                static_rps.append(s["requests"] / seconds)
            out[kind] = {"static_p50": statistics.median(static_p50), "view_p50": statistics.median(view_p50),
                         "static_rps": statistics.median(static_rps), "view_rps": statistics.median(view_rps),
                         "wrapped": wrapped, "views": len(views) // runs}
        return out
    finally:
        stop_server(server)


def view_rows(processed: Path, runs: int = 3) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows for the benchmark table, for the release in ``processed``."""
    name = Path(processed).name
    cpu = _cpu_in_child(processed)
    with tempfile.TemporaryDirectory(prefix="pdp-bench-views-") as packs:
        pack = render_pack(processed, Path(packs))
        load = under_load(processed, runs, packs=Path(packs))
    rows = [
        (f"unseen topic view CPU in-process, rendered live ({name}): median / p90, charts fresh → shared",
         f"{cpu['fresh'][0]:.0f} / {cpu['fresh'][1]:.0f} ms → {cpu['shared'][0]:.0f} / {cpu['shared'][1]:.0f} ms",
         "—"),
        (f"view pack ({name}): views, size, render time with {pack['jobs']} processes (wall / CPU)",
         f"{pack['views']:,} views, {pack['bytes'] / 2 ** 20:.0f} MB, {pack['wall_seconds']:.0f} s / "
         f"{pack['cpu_seconds']:.0f} s", "—"),
    ]
    for kind, label, aim in (("views", "unseen views (district × measure × period × breakdown)", AIM),
                             ("other_comparators", "unseen views with other comparators (rendered live)", "—")):
        got = load[kind]
        ratio = got["view_p50"] / got["static_p50"] if got["static_p50"] else float("nan")
        note = ""
        if got["wrapped"]:
            note = (f" (the list of {got['views']:,} per run wrapped: the pack answers a repeat as it did the first)"
                    if kind == "views" else " (list wrapped: some views repeated, from the router cache)")
        rows.append((f"{label} under load ({name}): p50 vs static file{note}",
                     f"{got['view_p50']:.1f} ms vs {got['static_p50']:.2f} ms = ×{ratio:.1f} "
                     f"({got['view_rps']:.0f} vs {got['static_rps']:.0f} req/s)", aim))
    return rows


def _cpu_in_child(processed: Path) -> dict:
    """cpu_ms in a fresh interpreter (the app reads its release folder when first imported)."""
    code = ("import json, sys; from pathlib import Path; from bench.bench_views import cpu_ms; "
            f"print('PDP-CPU', json.dumps(cpu_ms(Path({str(processed)!r}))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PDP_PROCESSED_DIR": str(processed)}).stdout
    return json.loads(re.search(r"PDP-CPU (.*)", out)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", type=Path, action="append", required=True,
                        help="processed-data folder with a release (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"Machine: {describe_machine()}")
    print("| figure | result | aim |\n| --- | ---: | --- |")
    for folder in args.processed:
        for name, result, aim in view_rows(folder, args.runs):
            print(f"| {name} | {result} | {aim} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
