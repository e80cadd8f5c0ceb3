"""Memory per gunicorn worker with a release loaded: RSS, PSS and private memory from /proc.

Run from the repo root:  python -m bench.bench_memory --processed DIR   (a processed folder with a release,
e.g. one built from ``python -m etl demo --national``). Starts the Dockerfile's gunicorn command (the
repository's gunicorn.conf.py: 2 threaded workers, the release loaded in the master before forking) on a
free 127.0.0.1 port (or ``--port``), sends a realistic mix (the home page, the topic pages, ``--views`` views
not seen before through the page router, an API page and a CSV download), then reads each process's
memory and stops it.

RSS counts every page a process touches, shared ones included, so two workers sharing a loaded release
each show it in full; PSS divides each shared page among the processes sharing it; private memory is
what a worker alone holds.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_load import TOPICS, children, memory_mb, router_body, start_gunicorn, stop_server  # noqa: E402
from bench.machine import describe_machine  # noqa: E402

PAGES = ("/", "/claimant-count", "/claimant-count?breakdown=age", "/claimant-count?indicator=claimant_rate",
         "/district/E07000123")


def realistic_mix(processed: Path, views: int = 120, seed: int = 12) -> list[tuple[str, str, str | None]]:
    """(method, path, body): home, every topic page, ``views`` different views (area x measure x period x
    breakdown, none repeated) through the page router, an API page and a CSV download. Sent with a new
    connection each, the views spread over both workers (about ``views / 2`` new views each)."""
    import random

    os.environ["PDP_PROCESSED_DIR"] = str(processed)
    import data_access

    rel = data_access.load()
    rng = random.Random(seed)
    districts = list(rel.home_districts()["area_code"]) or list(rel.areas["area_code"][:20])
    topics = [t for t in TOPICS if rel.indicators(t)]
    mix: list[tuple[str, str, str | None]] = [("GET", "/", None)] + [("GET", f"/{t}", None) for t in topics]
    seen: set = set()
    while len(seen) < views and topics:
        slug = rng.choice(topics)
        ind = rng.choice(rel.indicators(slug))
        period = rng.choice(rel.periods(ind)[-36:] or [""])
        dims = list(rel.breakdown_dimensions(ind))
        breakdown = rng.choice(dims + ["", ""]) if dims else ""
        key = (slug, ind, rng.choice(districts), period, breakdown)
        if key in seen:
            continue
        seen.add(key)
        search = f"?area={key[2]}&indicator={ind}&period={period}" + (f"&breakdown={breakdown}" if breakdown else "")
        mix.append(("POST", "/_dash-update-component", router_body(f"/{slug}", search)))
    mix.append(("GET", "/api/v1/observations?limit=1000", None))
    if topics:
        ind = rel.indicators(topics[0])[0].replace("_", "-")
        mix.append(("GET", f"/download/{ind}-trend.csv?area={districts[0]}", None))
    return mix


def worker_memory(processed: Path, rounds: int = 1, port: int | None = None, views: int = 120) -> dict:
    """Start gunicorn on ``processed``, send the realistic mix ``rounds`` times (spread over both workers), and
    return {"master": {...}, "workers": [{...}, ...], "startup_s": float, "errors": int}, each process's
    rss/pss/private in MB."""
    import httpx

    mix = realistic_mix(processed, views)

    work = Path(tempfile.mkdtemp(prefix="pdp-memory-"))
    env = {**os.environ, "PDP_PROCESSED_DIR": str(processed), "PDP_EXPORT_CACHE_DIR": str(work / "exports"),
           "PDP_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    with open(work / "gunicorn.log", "wb") as log:
        server, base = start_gunicorn(env, log, port=port)
    try:
        startup = time.perf_counter() - started
        errors = 0
        with httpx.Client(base_url=base, timeout=120) as client:  # a new connection each time: both workers serve
            for _ in range(rounds):
                for page in PAGES:
                    client.get(page, headers={"Connection": "close"})
                for method, path, body in mix:
                    r = client.request(method, path, content=body, headers={
                        "Connection": "close", **({"Content-Type": "application/json"} if body else {})})
                    errors += r.status_code >= 400

        def figures(pid: int) -> dict:
            return {"rss": round(memory_mb(pid), 1), "pss": round(memory_mb(pid, "smaps_rollup", "Pss:"), 1),
                    "private": round(memory_mb(pid, "smaps_rollup", "Private_Dirty:")
                                     + memory_mb(pid, "smaps_rollup", "Private_Clean:"), 1)}

        return {"master": figures(server.pid), "workers": [figures(w) for w in children(server.pid)],
                "startup_s": round(startup, 1), "errors": errors, "requests": rounds * (len(PAGES) + len(mix))}
    finally:
        stop_server(server)


def memory_rows(processed: Path, port: int | None = None) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows for the benchmark table."""
    found = worker_memory(processed, port=port)
    rows = [(f"gunicorn worker {i} memory after the mix ({found['requests']} requests, {found['errors']} errors): "
             "RSS / PSS / private", f"{w['rss']:,.0f} / {w['pss']:,.0f} / {w['private']:,.0f} MB", "RSS ≤ 300 MB")
            for i, w in enumerate(found["workers"], start=1)]
    m = found["master"]
    rows.append(("gunicorn master (holds the preloaded release): RSS / PSS / private",
                 f"{m['rss']:,.0f} / {m['pss']:,.0f} / {m['private']:,.0f} MB", "—"))
    rows.append(("gunicorn start-up until the first page answers", f"{found['startup_s']:.1f} s", "—"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", type=Path, required=True, help="processed-data folder with a release")
    parser.add_argument("--port", type=int, default=None, help="port to serve on (default: a free one)")
    args = parser.parse_args(argv)
    print(f"Machine: {describe_machine()}")
    print("| figure | result | aim |\n| --- | ---: | --- |")
    for name, result, aim in memory_rows(args.processed, args.port):
        print(f"| {name} | {result} | {aim} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
