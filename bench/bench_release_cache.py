"""Release cache: a download pinned to each of the kept releases in turn (``?release=``), per request.

Run from the repo root:  python bench/bench_release_cache.py [--rounds 5]

Writes ``config.KEEP_RELEASES`` (default 6) synthetic releases (tests/release_factory.py) into a temporary
folder and cycles ``/download/claimant-rate-trend.csv?release=<id>`` over them through the Flask test
client: once with the cache holding every kept release (as the app does) and once holding 4 (as it did),
which reloads a release from disk on every request. Prints a markdown table and writes
bench/results/release_cache.json. Nothing here is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def cycle(client, ids: list[str], rounds: int) -> list[float]:
    """Seconds per request, cycling the releases ``rounds`` times after one warm-up round."""
    times = []
    for n in range(rounds + 1):
        for rid in ids:
            t = time.perf_counter()
            response = client.get(f"/download/claimant-rate-trend.csv?area=E07000117&release={rid}")
            if response.status_code != 200:
                raise SystemExit(f"release {rid}: HTTP {response.status_code} {response.data[:200]!r}")
            if n:
                times.append(time.perf_counter() - t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    import config
    from release_factory import write_release

    folder = Path(tempfile.mkdtemp(prefix="pdp-bench-releases-"))
    ids = [f"2026-{m:02d}-01T000000Z" for m in range(1, config.KEEP_RELEASES + 1)]
    for rid in ids:
        write_release(folder, release_id=rid)
    os.environ["PDP_PROCESSED_DIR"] = str(folder)
    os.environ.setdefault("PDP_LOG_LEVEL", "WARNING")
    import app as app_module
    import data_access
    from bench.machine import describe_machine

    client = app_module.server.test_client()
    kept = config.KEEP_RELEASES
    results = {}
    for label, size in ((f"every kept release cached ({kept})", kept), ("4 cached (before)", 4)):
        config.KEEP_RELEASES = size
        data_access.clear_cache()
        times = cycle(client, ids, args.rounds)
        results[label] = {"median_ms": round(statistics.median(times) * 1000, 2), "requests": len(times),
                          "releases_in_memory": data_access.release_cache_size()[0],
                          "memory_mb": round(data_access.release_cache_size()[1] / 2**20, 1)}
    config.KEEP_RELEASES = kept
    fast, slow = (results[k]["median_ms"] for k in results)
    print(f"\nMachine: {describe_machine()}\nCycling {len(ids)} releases, {args.rounds} rounds\n")
    print("| release cache | median per request | releases in memory (MB) |")
    print("|---|---:|---:|")
    for label, r in results.items():
        print(f"| {label} | {r['median_ms']} ms | {r['releases_in_memory']} ({r['memory_mb']}) |")
    print(f"\nholding every kept release makes a pinned request {slow / fast:.0f}x cheaper")
    out = ROOT / "bench" / "results" / "release_cache.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": describe_machine(), "results": results}, indent=1), encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
