"""Aggregation benchmark: the two build stages whose cost is fixed work per indicator, not rows, timed in
process on the real extracts' own inputs (``aggregate``: areas made of areas; ``build_groups``: comparator
groups), each several times; medians of wall and CPU time.

Run: python -m bench.bench_aggregate [--runs 7]
``aggregate_rows`` gives the rows to any other runner (``python -m bench``). Speed is measured here, never
asserted in tests; that the figures do not change is tested (tests/test_aggregate_batches.py).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REAL = ROOT.parent / "shared" / "data" / "real"
AIMS = {"aggregate": 0.8, "build_groups": 0.25}  # seconds, wall, in-process real build (issue 12 item 4)


def stage_inputs(raw: Path) -> dict:
    """The arguments a build hands to ``aggregate`` and ``build_groups`` (captured from one real run)."""
    import etl.build as build

    seen = {}
    aggregate, build_groups = build.aggregate, build.build_groups

    def keep_aggregate(published, geo):
        seen["aggregate"] = (published, geo)
        return aggregate(published, geo)

    def keep_groups(parsed, geo, indicators):
        seen["build_groups"] = (parsed, geo, indicators)
        return build_groups(parsed, geo, indicators)

    build.aggregate, build.build_groups = keep_aggregate, keep_groups
    try:
        build.run(raw)
    finally:
        build.aggregate, build.build_groups = aggregate, build_groups
    return seen


def timed(fn, args, runs: int) -> tuple[float, float]:
    """(median wall, median CPU) seconds of ``fn(*args)`` over ``runs`` calls after one warm-up."""
    fn(*args)
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(*args)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def aggregate_rows(runs: int = 7, raw: Path = REAL) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows: median wall (and CPU) of each stage on the real extracts."""
    from etl.aggregate import aggregate
    from etl.comparator_groups import build_groups

    if not raw.is_dir():
        return [("aggregation stages", f"skipped: {raw} not present", "—")]
    inputs = stage_inputs(raw)
    rows = []
    for name, fn in (("aggregate", aggregate), ("build_groups", build_groups)):
        wall, cpu = timed(fn, inputs[name], runs)
        rows.append((f"etl {name}, real extracts, in process: median wall (CPU) of {runs}",
                     f"{wall:.3f} s ({cpu:.3f} s CPU)", f"≤ {AIMS[name]} s"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--raw", type=Path, default=REAL, help="raw folder (default ../shared/data/real)")
    args = parser.parse_args(argv)
    for figure, result, aim in aggregate_rows(args.runs, args.raw):
        print(f"{figure}: {result} (aim {aim})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
