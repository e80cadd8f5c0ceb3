"""ETL and dashboard memory at national scale: the all-England monthly claimant count (~5 million rows).

Run from the repo root:  python -m bench.bench_scale [--runs 3] [--keep DIR]
Writes the synthetic all-England NM_162_1 extract (``python -m etl demo --national``'s files), then side by
side: merely reading its pages (pyarrow; pandas with the pyarrow engine), ``python -m etl build`` on them
(each run a fresh process: wall time and peak memory) into an empty folder and again into the same folder, as an
analyst's refresh is (its diff against the previous release included), their ratio, and the memory of each gunicorn worker
serving the release just built (bench.bench_memory). Medians of ``--runs``; speed is measured here, never
asserted in tests. ``scale_rows`` and ``bench_memory.memory_rows`` give the rows to any other runner.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_load import children, memory_mb  # noqa: E402
from bench.bench_memory import memory_rows  # noqa: E402
from bench.machine import describe_machine, table  # noqa: E402
from etl.demo import NATIONAL_WRITERS, write_demo_extracts  # noqa: E402

BUILD_SECONDS_AIM, BUILD_MEMORY_AIM_MB, RATIO_AIM = 60, 2048, 5


def _read_all(pages: list[Path], how: str) -> int:
    import pandas as pd
    import pyarrow.csv as pacsv

    if how == "pyarrow":
        return sum(pacsv.read_csv(p).num_rows for p in pages)
    return sum(len(pd.read_csv(p, engine="pyarrow")) for p in pages)


def _timed_build(raw: Path, out: Path, sample: bool = False) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, peak summed PSS in MB or 0) of one ``python -m etl build`` in a fresh
    process. The build forks a worker to parse and to aggregate (``etl.fork_pool``): RSS counts the pages
    they share in each, PSS shares them out, so the summed PSS of the build and its workers is the memory
    the machine gives the build. With ``sample`` it is read every 0.1 s from /proc/PID/smaps_rollup, which
    takes CPU from the build: timed runs are not sampled."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    pss = 0.0
    if sample:
        while not (ended := os.wait4(proc.pid, os.WNOHANG))[0]:
            pss = max(pss, sum(memory_mb(p, "smaps_rollup", "Pss:") for p in [proc.pid, *children(proc.pid)]))
            time.sleep(0.1)
        _, status, usage = ended
    else:
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"etl build failed: {proc.stderr.read().decode(errors='replace')[-2000:]}")
    return wall, usage.ru_maxrss / 1024, pss


def scale_rows(folder: Path, runs: int = 3, raw: Path | None = None) -> tuple[list[tuple[str, str, str]], Path]:
    """(figure, result, aim) rows for ETL at scale, and the processed folder the builds wrote. ``raw``: an
    all-England extract already written (``python -m etl demo --national --raw DIR``), not generated again."""
    out, given = folder / "national_processed", raw is not None
    start = time.perf_counter()
    if not given:
        raw = folder / "national_raw"
        written = write_demo_extracts(raw, NATIONAL_WRITERS)
    else:
        written = sorted(Path(raw).iterdir())
    generate = time.perf_counter() - start
    pages = sorted(p for p in written if p.name.startswith("NM_162_1"))
    size_mb = sum(p.stat().st_size for p in pages) / 2**20
    reads = {}
    _read_all(pages, "pyarrow")  # (untimed: the pages in the page cache, as the builds below find them)
    for how in ("pyarrow", "pandas"):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            rows = _read_all(pages, how)
            times.append(time.perf_counter() - t0)
        reads[how] = statistics.median(times)
    firsts, refreshes = [], []
    for _ in range(runs):  # a first release into an empty folder, then a refresh (diffed against it)
        shutil.rmtree(out, ignore_errors=True)
        firsts.append(_timed_build(raw, out))
        refreshes.append(_timed_build(raw, out))
    shutil.rmtree(out, ignore_errors=True)  # memory: one more first build and refresh, sampled (not timed)
    sampled_first, sampled_refresh = _timed_build(raw, out, sample=True), _timed_build(raw, out, sample=True)
    build = statistics.median(b[0] for b in firsts)
    peak, peak_pss = max(b[1] for b in firsts + [sampled_first]), sampled_first[2]
    refresh, refresh_peak = statistics.median(b[0] for b in refreshes), sampled_refresh[2]
    rows_out = [
        ("the all-England extract (already written)" if given else
         "generate the all-England extract (python -m etl demo --national's files)",
         f"{generate:.1f} s: {rows:,} rows, {len(pages)} pages, {size_mb:,.0f} MB", "—"),
        ("read its pages: pyarrow.csv / pandas.read_csv(engine='pyarrow')",
         f"{reads['pyarrow']:.1f} s / {reads['pandas']:.1f} s", "—"),
        ("python -m etl build on them, first release in the folder (median wall time)", f"{build:.1f} s",
         f"≤ {BUILD_SECONDS_AIM} s"),
        ("build vs reading with pyarrow / with pandas", f"×{build / reads['pyarrow']:.1f} / ×{build / reads['pandas']:.1f}",
         f"≤ ×{RATIO_AIM}"),
        ("build peak memory: summed PSS of the build and its forked worker (max RSS of the build process alone)",
         f"{peak_pss:,.0f} MB ({peak:,.0f} MB)", f"≤ {BUILD_MEMORY_AIM_MB:,} MB"),
        ("the same build again into that folder, as a refresh is (with the diff against the previous release): "
         "median wall / peak summed PSS", f"{refresh:.1f} s / {refresh_peak:,.0f} MB",
         f"≤ {BUILD_SECONDS_AIM} s, ≤ {BUILD_MEMORY_AIM_MB:,} MB"),
    ]
    return rows_out, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the extract and release here (kept) instead of a temp folder")
    parser.add_argument("--raw", type=Path, help="an all-England extract already written: read and build it as it is")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pdp-scale-") as tmp:
        folder = args.keep or Path(tmp)
        rows, processed = scale_rows(folder, args.runs, args.raw)
        rows += memory_rows(processed)
    print(f"Machine: {describe_machine()}; {args.runs} run(s), medians")
    print(table("figure", rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
