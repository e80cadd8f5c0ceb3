"""ETL benchmarks: build all real extracts and the demo pack several times, beside merely reading the real
extracts' files; report medians and the ratio.

Run: python -m bench.bench_etl [--runs 5]   (``python -m bench`` runs it with every other benchmark)
Speed is measured here, never asserted in tests. ``etl_rows`` gives the rows to any other runner.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe_machine, table  # noqa: E402
from etl.build import build  # noqa: E402
from etl.demo import build_demo_pack, write_demo_extracts  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
RATIO_AIM = 5


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def read_file(path: Path) -> None:
    """Read one extract as a tool would with no checks at all: the floor a build is compared with."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        pd.read_csv(path, engine="pyarrow")
    elif suffix == ".xlsx":
        pd.read_excel(path, sheet_name=None)
    elif suffix == ".parquet":
        pd.read_parquet(path)
    elif suffix in (".gpkg", ".geojson"):
        import geopandas as gpd

        gpd.read_file(path)
    elif suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))


def read_all(folder: Path) -> None:
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "PROVENANCE.md"):
        read_file(path)


def etl_rows(runs: int = 5) -> list[tuple[str, str, str]]:
    """(figure, result, aim) rows: real-extract build vs reading, and the demo pack."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="pdp-etl-") as tmp:
        tmp = Path(tmp)
        if REAL.is_dir():
            build(REAL, tmp / "real_warm")  # imports a build makes on first use, as reading's are made below
            read = statistics.median(timed(lambda: read_all(REAL), runs))
            folders = iter(range(runs))  # each run a first release in an empty folder (a refresh also diffs)
            built = statistics.median(timed(lambda: build(REAL, tmp / f"real{next(folders)}"), runs))
            rows += [("build all real extracts (../shared/data/real), in process, into an empty folder",
                      f"{built:.2f} s", "—"),
                     ("merely read the same files (pandas/pyarrow/geopandas, no checks)", f"{read:.2f} s", "—"),
                     ("real build vs reading", f"×{built / read:.1f}", f"≤ ×{RATIO_AIM}")]
            rows.append(_fresh_process_row("real extracts", REAL, tmp / "real_fresh", runs))
        write_demo_extracts(tmp / "demo_raw")
        demo = statistics.median(timed(lambda: build(tmp / "demo_raw", tmp / "demo"), runs))
        rows.append(("build the demo pack (extracts already written)", f"{demo:.2f} s", "—"))
        rows.append(_fresh_process_row("demo pack", tmp / "demo_raw", tmp / "demo_fresh", runs))
        both = statistics.median(timed(lambda: build_demo_pack(tmp / "demo2", tmp / "raw2"), max(1, runs // 2)))
        rows.append(("generate the demo extracts and build them", f"{both:.2f} s", "—"))
    return rows


def _fresh_process_row(what: str, raw: Path, out: Path, runs: int) -> tuple[str, str, str]:
    """``python -m etl build`` as a user runs it (a fresh process, imports included): median wall, peak RSS."""
    from bench.bench_scale import BUILD_MEMORY_AIM_MB, _timed_build

    builds = [_timed_build(raw, out) for _ in range(runs)]
    return (f"python -m etl build, {what}, fresh process: median wall / peak RSS",
            f"{statistics.median(b[0] for b in builds):.1f} s / {max(b[1] for b in builds):,.0f} MB",
            f"≤ {BUILD_MEMORY_AIM_MB:,} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    rows = etl_rows(args.runs)
    print(f"Machine: {describe_machine()}; {args.runs} run(s), medians")
    print(table("figure", rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
