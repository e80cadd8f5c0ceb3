"""CPU of parsing the real DfE files (EES CSVs, FE data library table): each file's parser in this process,
median of several parses after a warm-up. Issue 12's build is mostly fixed costs per file, so a parser's
CPU is the figure to watch; speed is measured here, never asserted in tests.

Run: python -m bench.bench_dfe [--runs 8]
``dfe_rows(runs)`` gives the (figure, result, aim) rows to any other runner.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe_machine, table  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
FILES = ["apprenticeships/dfe_apprenticeship_starts_achievements_lad_ssa_age_201617.csv",
         "ks4_attainment8/2223_la_data_revised.csv",
         "apprenticeships/dfe_fe_achievements_lad_201617_202122_ees_permalink.csv",
         "ks4_attainment8/2223_pr_lad_data_revised.csv",
         "neet_participation/dfe_nccis_neet_participation_la_2021.csv"]
BEFORE_S = 0.27  # the five files' summed CPU on main 37d57d2 (2026-11-29); the aim is a third off
AIM_S = BEFORE_S * 2 / 3


def _cpu(path: Path, runs: int) -> float:
    """Median CPU seconds of ``runs`` parses of one file (a first, warm-up parse not counted)."""
    from etl.sources.base import RawFile, all_parsers, detect

    parser = detect(RawFile(path=path, name=path.name, root=path.parent), all_parsers())
    times = []
    for _ in range(runs + 1):
        raw = RawFile(path=path, name=path.name, root=path.parent)
        start = time.process_time()
        parser.parse(raw)
        times.append(time.process_time() - start)
    return statistics.median(times[1:])


def dfe_rows(runs: int = 8) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows: each real DfE file's parse CPU and their sum."""
    present = [REAL / name for name in FILES if (REAL / name).is_file()]
    if not present:
        return [("DfE parsers' CPU (real extracts)", "skipped: ../shared/data/real not present", "")]
    rows, total = [], 0.0
    for path in present:
        cpu = _cpu(path, runs)
        total += cpu
        rows.append((f"parse CPU, {path.parent.name}/{path.name} (median of {runs})", f"{cpu * 1000:.1f} ms", ""))
    met = "met" if total <= AIM_S and len(present) == len(FILES) else "not met"
    rows.append((f"parse CPU, the {len(present)} real DfE files summed", f"{total * 1000:.0f} ms ({met})",
                 f"<= {AIM_S * 1000:.0f} ms (a third off {BEFORE_S * 1000:.0f} ms)"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args(argv)
    print(describe_machine())
    print(table("DfE parsers (real extracts)", dfe_rows(args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
