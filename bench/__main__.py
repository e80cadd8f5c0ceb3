"""Every benchmark in one run, side by side: ``python -m bench [--runs N] [--only etl,scale,...]``.

Each section is a function of its own module returning (figure, result, aim) rows; this runner only calls
them in turn, prints one markdown table per section with the machine and date, and writes the same to
bench/results/summary.md. Sections: ``etl`` (real extracts and the demo pack, build vs merely reading),
``scale`` (the all-England monthly extract: build time, peak memory, ratio to reading; then the memory of
each gunicorn worker serving it). Nothing is asserted: the aims are printed beside the results.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe_machine  # noqa: E402

Rows = list[tuple[str, str, str]]


def etl_section(runs: int, work: Path) -> Rows:
    from bench.bench_etl import etl_rows

    return etl_rows(runs)


def scale_section(runs: int, work: Path) -> Rows:
    from bench.bench_memory import memory_rows
    from bench.bench_scale import scale_rows

    rows, processed = scale_rows(work / "scale", runs)
    return rows + memory_rows(processed)


SECTIONS = {"etl": ("ETL on the real extracts and the demo pack", etl_section),
            "scale": ("At national scale (all-England monthly claimant count)", scale_section)}


def table(title: str, rows: Rows) -> str:
    lines = [f"| {title} | result | aim |", "| --- | --- | --- |"]
    lines += [f"| {name} | {result} | {aim} |" for name, result, aim in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (medians are reported)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    header = f"Machine: {describe_machine()}; {dt.date.today().isoformat()}; {args.runs} run(s), medians"
    parts = [header]
    print(header, flush=True)
    with tempfile.TemporaryDirectory(prefix="pdp-bench-") as tmp:
        for name in chosen:
            title, section = SECTIONS[name]
            text = table(title, section(args.runs, Path(tmp)))
            print("\n" + text, flush=True)
            parts.append(text)
    out = ROOT / "bench" / "results" / "summary.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
