"""Parsing benchmarks: ``etl.parse.parse_all`` in-process on the real extracts (and, given its folder, the
all-England claimant count's 208 pages), serially and on the fork pool, beside the imports of ``python -m
etl build``. Wall time, CPU (this process and its workers) and the peak memory of the process tree.

Run: python -m bench.bench_parse [--runs 3] [--national /work/scale-etl/raw]
``parse_rows(runs, national)`` gives the (figure, result, aim) rows to any other runner. Speed is measured
here, never asserted in tests; the machine's load changes wall times, so each run alternates the two ways.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe_machine, table  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
REAL_AIM_S, NATIONAL_AIM_S, IMPORT_AIM_S, MEMORY_AIM_MB = 0.8, 5.0, 0.6, 2048


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _parse_once(raw: Path, workers: str) -> tuple[float, float]:
    """(wall s, CPU s of this process and its workers) of one parse_all (no sampling thread: the pool forks
    only from a process with one thread)."""
    from etl.errors import ProblemLog
    from etl.parse import parse_all

    os.environ["PDP_BUILD_WORKERS"] = workers
    cpu, children, start = time.process_time(), _children_cpu(), time.perf_counter()
    files = parse_all(raw, ProblemLog())
    wall = time.perf_counter() - start
    used = time.process_time() - cpu + _children_cpu() - children
    del files
    return wall, used


def _peak_mb(raw: Path) -> tuple[float, float]:
    """(peak of the summed PSS, peak of the summed RSS) in MB of parse_all on the pool in a fresh process
    and its workers, sampled from outside every 50 ms. PSS shares each page among the processes that map
    it (the workers share the parent's pages until they write them): what the machine gives; RSS counts a
    shared page once per process."""
    import psutil

    code = ("import sys; sys.path.insert(0, '.'); from pathlib import Path; from etl.errors import ProblemLog; "
            f"from etl.parse import parse_all; parse_all(Path({str(raw)!r}), ProblemLog())")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    top, pss, rss = psutil.Process(proc.pid), 0, 0
    while proc.poll() is None:
        sample_pss = sample_rss = 0
        try:
            for each in [top, *top.children(recursive=True)]:
                info = each.memory_full_info()
                sample_pss, sample_rss = sample_pss + info.pss, sample_rss + info.rss
        except psutil.Error:  # a worker ended between listing and reading
            pass
        pss, rss = max(pss, sample_pss), max(rss, sample_rss)
        time.sleep(0.05)
    return pss / 2**20, rss / 2**20


def _compare(raw: Path, runs: int) -> dict[str, list[tuple[float, float]]]:
    results: dict[str, list] = {"1": [], "2": []}
    _parse_once(raw, "1")  # warm: imports and caches, as the second build of a process has them
    for _ in range(runs):
        for workers in ("1", "2"):
            results[workers].append(_parse_once(raw, workers))
    os.environ.pop("PDP_BUILD_WORKERS", None)
    return results


def _rows(label: str, raw: Path, runs: int, aim: float) -> list[tuple[str, str, str]]:
    results = _compare(raw, runs)
    med = {w: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs)) for w, rs in results.items()}
    return [(f"parse_all, {label}, serial: median wall / CPU", f"{med['1'][0]:.2f} s / {med['1'][1]:.2f} s", "—"),
            (f"parse_all, {label}, 2-process fork pool: median wall / CPU (all processes)",
             f"{med['2'][0]:.2f} s / {med['2'][1]:.2f} s", f"≤ {aim} s wall"),
            (f"parse_all, {label}, fork pool, fresh process: peak memory of parent + workers, PSS (RSS)",
             "{:,.0f} MB ({:,.0f} MB)".format(*_peak_mb(raw)), f"≤ {MEMORY_AIM_MB:,} MB")]


def import_seconds(runs: int) -> float:
    """Median seconds to import what ``python -m etl build`` imports before it reads a file."""
    code = "import time; t = time.perf_counter(); import etl.__main__, etl.build; print(time.perf_counter() - t)"
    return statistics.median(float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                                                  text=True, check=True).stdout) for _ in range(runs))


def parse_rows(runs: int = 3, national: Path | None = None) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows: parse_all serial vs fork pool (real extracts; national pages if given)."""
    rows = [("imports of python -m etl build (fresh process)", f"{import_seconds(runs):.2f} s",
             f"≤ {IMPORT_AIM_S} s")]
    if REAL.is_dir():
        rows += _rows("real extracts", REAL, runs, REAL_AIM_S)
    if national is not None and Path(national).is_dir():
        rows += _rows("all-England NM_162_1 (208 pages)", Path(national), runs, NATIONAL_AIM_S)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--national", type=Path, default=None, help="a folder of NM_162_1 API pages")
    args = parser.parse_args(argv)
    rows = parse_rows(args.runs, args.national)
    print(f"Machine: {describe_machine()}; load {os.getloadavg()[0]:.2f}; {args.runs} run(s), medians")
    print(table("figure", rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
