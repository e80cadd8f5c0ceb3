"""Where a build's time goes: each stage (parse, geography, combine, aggregate, sort, checks, groups, QA,
report, write) timed inside in-process builds into empty folders; medians of wall and CPU seconds.

Run: python -m bench.bench_stages [--raw FOLDER] [--runs 3]   (default: the real extracts in ../shared; the
all-England extract with ``--raw`` pointing at ``python -m etl demo --national``'s raw folder).
``stage_rows(raw, runs)`` gives the rows to any runner (``python -m bench``'s etl section).
CPU seconds are the process's (the table is written on a second thread while the checks run: see
``etl.staging``), so a stage's CPU can exceed its wall time.
"""
from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import etl.build as build_module  # noqa: E402
import etl.qa as qa_module  # noqa: E402
import etl.validate as validate_module  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
STAGES = {build_module: ("parse_all", "build_geography", "combine", "aggregate", "sort_tidy", "validate_tidy",
                         "value_problems", "build_groups", "write_release"),
          validate_module: ("release_meta", "report_text"), qa_module: ("qa_findings", "qa_html")}


def _timed_stages(raw: Path) -> tuple[dict[str, tuple[float, float]], float]:
    """One build of ``raw`` into a temporary folder: {stage: (wall, cpu)} and the build's wall time."""
    spent: dict[str, list[float]] = {}
    originals = []
    for module, names in STAGES.items():
        for name in names:
            original = getattr(module, name, None)
            if original is None:
                continue
            originals.append((module, name, original))

            @functools.wraps(original)
            def timed(*args, _original=original, _name=name, **kwargs):
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    return _original(*args, **kwargs)
                finally:
                    total = spent.setdefault(_name, [0.0, 0.0])
                    total[0] += time.perf_counter() - wall
                    total[1] += time.process_time() - cpu

            setattr(module, name, timed)
    try:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            build_module.build(raw, Path(folder) / "processed")
            whole = time.perf_counter() - start
    finally:
        for module, name, original in originals:
            setattr(module, name, original)
    return {name: (wall, cpu) for name, (wall, cpu) in spent.items()}, whole


def stage_rows(raw: Path | None = None, runs: int = 3) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows: each stage's median wall/CPU seconds and their sum, over ``runs`` builds."""
    raw = raw or REAL
    if not raw.is_dir():
        return []
    _timed_stages(raw)  # (a warm-up: imports a build makes on first use)
    results = [_timed_stages(raw) for _ in range(runs)]
    names = [n for names in STAGES.values() for n in names if any(n in r for r, _ in results)]
    rows = []
    for name in names:
        wall = statistics.median(r.get(name, (0.0, 0.0))[0] for r, _ in results)
        cpu = statistics.median(r.get(name, (0.0, 0.0))[1] for r, _ in results)
        rows.append((f"stage {name} ({raw.name})", f"{wall:.2f} s wall, {cpu:.2f} s CPU of this process", "–"))
    rows.append((f"whole build in-process ({raw.name}, median of {runs})",
                 f"{statistics.median(w for _, w in results):.2f} s wall", "–"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for figure, result, aim in stage_rows(args.raw, args.runs):
        print(f"{figure:<60} {result:<28} {aim}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
