"""Where parsing the real extracts goes, file by file: each file's detection and parse CPU beside merely
reading it (``bench.bench_etl.read_file``), costliest first. A build's parse stage is these files shared
between two processes (``etl.fork_pool``), so a file's CPU counts about half in the build's wall time;
speed is measured here, never asserted in tests.

Run from the repo root:  python -m bench.bench_files [--runs 7]
``file_rows(runs)`` gives the (figure, result, aim) rows to any other runner.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_etl import REAL, read_file  # noqa: E402
from bench.machine import describe_machine, table  # noqa: E402


def _median_cpu(work, runs: int) -> float:
    """Median CPU seconds of ``runs`` calls of ``work`` after one call not counted (imports, caches)."""
    work()
    times = []
    for _ in range(runs):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times)


def file_rows(runs: int = 7) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows: each real file's parse CPU (detection included) and read CPU, medians."""
    from etl.rawfolder import DEMO_MARKER, list_extracts
    from etl.sources import grids
    from etl.sources.base import RawFile, all_parsers, detect

    if not REAL.is_dir():
        return [("parse CPU per real file", "skipped: ../shared/data/real not present", "")]
    parsers = all_parsers()
    extracts, _problems = list_extracts(REAL, skip_names=(DEMO_MARKER,))
    measured = []
    for path, name in extracts:
        def parse(path=path, name=name):
            grids._ROWS.clear()  # a build reads each workbook once: no rows kept from the last parse
            grids._load_xlsx.cache_clear()
            raw = RawFile(path=path, name=name, root=REAL)
            detect(raw, parsers).parse(raw)
        measured.append((_median_cpu(parse, runs), _median_cpu(lambda path=path: read_file(path), runs), name))
    rows = [(f"parse / read CPU: {name}", f"{parse * 1000:.0f} / {read * 1000:.0f} ms", "—")
            for parse, read, name in sorted(measured, reverse=True)]
    parse_total, read_total = sum(m[0] for m in measured), sum(m[1] for m in measured)
    rows.append((f"parse / read CPU: the {len(measured)} real files summed (median of {runs} each)",
                 f"{parse_total * 1000:.0f} / {read_total * 1000:.0f} ms = ×{parse_total / read_total:.1f}", "—"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"Machine: {describe_machine()}; medians of {args.runs}")
    print(table("figure", file_rows(args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
