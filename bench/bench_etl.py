"""ETL benchmarks: build all real extracts and the demo pack several times; report medians.

Run: python -m bench.bench_etl [--runs 5]   (or: python bench/run_all.py)
Speed is measured here, never asserted in tests.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe_machine  # noqa: E402
from etl.build import build  # noqa: E402
from etl.demo import build_demo_pack, write_demo_extracts  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if REAL.is_dir():
            rows.append(("build: all real extracts (../shared/data/real)",
                         timed(lambda: build(REAL, tmp / "real"), args.runs)))
        write_demo_extracts(tmp / "demo_raw")
        rows.append(("build: demo pack (extracts already written)",
                     timed(lambda: build(tmp / "demo_raw", tmp / "demo"), args.runs)))
        rows.append(("demo: generate extracts + build", timed(lambda: build_demo_pack(tmp / "demo2", tmp / "raw2"),
                                                              max(1, args.runs // 2))))
    print(f"Machine: {describe_machine()}")
    print("| benchmark | median (s) | min (s) | runs |")
    print("| --- | ---: | ---: | ---: |")
    for name, times in rows:
        print(f"| {name} | {statistics.median(times):.2f} | {min(times):.2f} | {len(times)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
