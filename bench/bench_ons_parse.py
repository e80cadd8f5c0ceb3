"""CPU of parsing the real ONS files (boundaries, population, lookup workbooks), each file on its own after
a warm-up: sniffing and parsing, as ``etl build`` does for each file, in this process (``time.process_time``:
CPU, so the other users of a shared machine change it less than wall time).

Run: python -m bench.bench_ons_parse [--runs 7]
``ons_parse_rows(runs)`` gives the (figure, result, aim) rows to any other runner. Measured, never asserted.
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
ONS_FILES = ("boundaries/ons_uk_topojson_2014_2025.json",
             "boundaries/Local_Authority_Districts_December_2022_UK_BUC_V2.gpkg",
             "boundaries/Local_Enterprise_Partnerships_(May_2021)_EN_BUC.geojson",
             "boundaries/lad_to_lep_2020_lookup.xlsx", "boundaries/lad23_to_lsip23_lookup.xlsx",
             "population/population_LAD.csv", "population/MYE2 - Persons.csv")
BEFORE_S = 0.60  # the summed median CPU of these files on main 37d57d2 (session 6's start)
AIM_S = BEFORE_S * 2 / 3  # a third off


def _cpu_per_file(runs: int) -> dict[str, float]:
    from etl.sources.base import RawFile, all_parsers, detect

    parsers, times = all_parsers(), {}
    for run in range(runs + 1):  # (run 0 warms up: imports, caches)
        for name in ONS_FILES:  # (in turn, so a workbook is not read from the last file's cache)
            raw = RawFile(path=REAL / name, name=name, root=REAL)
            start = time.process_time()
            detect(raw, parsers).parse(raw)
            if run:
                times.setdefault(name, []).append(time.process_time() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def ons_parse_rows(runs: int = 7) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows: each ONS file's median parse CPU, then their sum against the aim."""
    if not all((REAL / name).is_file() for name in ONS_FILES):
        return [("ONS files' parse CPU", "skipped: ../shared/data/real is not complete", "")]
    medians = _cpu_per_file(runs)
    rows = [(f"parse CPU, {Path(name).name} (median of {runs})", f"{seconds * 1000:.0f} ms", "")
            for name, seconds in medians.items()]
    total = sum(medians.values())
    rows.append(("parse CPU, the ONS files summed", f"{total:.3f} s ({'met' if total <= AIM_S else 'not met'})",
                 f"<= {AIM_S:.2f} s (a third off {BEFORE_S:.2f} s)"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    print(describe_machine())
    print(table("ONS files (real extracts)", ons_parse_rows(args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
