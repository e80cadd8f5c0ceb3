"""Every benchmark in one run, side by side: ``python -m bench [--runs N] [--only etl,scale,...]``.

Each section is a function of its own module returning (figure, result, aim) rows; this runner only calls
them in turn, prints one markdown table per section with the machine and date, and writes the same to
bench/results/summary.md. Sections: ``etl`` (real extracts and the demo pack, build vs merely reading;
where the real build's time goes, stage by stage), ``scale`` (the all-England monthly extract: build time,
peak memory, ratio to reading; then the memory of each gunicorn worker serving it), ``first_view`` (a topic
page in headless Chromium: first chart drawn, bytes before it and in all, requests warm) and ``views`` (views
never seen before against a static file under wrk), the last two on the demo pack, the real extracts and
(views) the all-England release, each built once per run. Nothing is asserted: the aims are printed beside
the results.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe_machine, table  # noqa: E402

Rows = list[tuple[str, str, str]]
REAL = ROOT.parent / "shared" / "data" / "real"


class Releases:
    """The releases the dashboard sections measure, each built once per run into the run's temp folder:
    the demo pack, the real extracts (when ../shared is present) and the all-England one (built by the
    ``scale`` section, or here when that section is not chosen)."""

    def __init__(self, work: Path):
        self.work, self.built = work, {}

    def get(self, name: str) -> Path | None:
        if name not in self.built:
            self.built[name] = self._build(name)
        return self.built[name]

    def _build(self, name: str) -> Path | None:
        from etl.build import build
        from etl.demo import NATIONAL_WRITERS, build_demo_pack, write_demo_extracts

        out = self.work / f"{name}_processed"
        if name == "demo":
            build_demo_pack(out, self.work / "demo_raw")
        elif name == "real":
            if not REAL.is_dir():
                return None
            build(REAL, out)
        else:
            write_demo_extracts(self.work / "national_raw", NATIONAL_WRITERS)
            build(self.work / "national_raw", out)
        return out

    def each(self, names: tuple[str, ...]):
        """(name, processed folder) for each of ``names`` that can be built here."""
        for name in names:
            folder = self.get(name)
            if folder is not None:
                yield name, folder


def labelled(name: str, rows: Rows) -> Rows:
    return [(f"{name}: {figure}", result, aim) for figure, result, aim in rows]


def etl_section(runs: int, releases: Releases) -> Rows:
    from bench.bench_etl import etl_rows
    from bench.bench_stages import stage_rows

    return etl_rows(runs) + stage_rows(REAL, runs)


def first_view_section(runs: int, releases: Releases) -> Rows:
    from bench.bench_first_view import first_view_rows

    return [row for name, folder in releases.each(("demo", "real"))
            for row in labelled(name, first_view_rows(folder, runs))]


def views_section(runs: int, releases: Releases) -> Rows:
    from bench.bench_views import view_rows

    return [row for name, folder in releases.each(("demo", "real", "national"))
            for row in labelled(name, view_rows(folder, runs))]


def scale_section(runs: int, releases: Releases) -> Rows:
    from bench.bench_memory import memory_rows
    from bench.bench_scale import scale_rows

    rows, processed = scale_rows(releases.work / "scale", runs)
    releases.built["national"] = processed
    return rows + memory_rows(processed)


SECTIONS = {"etl": ("ETL on the real extracts and the demo pack", etl_section),
            "scale": ("At national scale (all-England monthly claimant count)", scale_section),
            "first_view": ("First view in headless Chromium, gunicorn 2 workers, cold and warm", first_view_section),
            "views": ("Views never seen before vs a static file, under load (wrk, gunicorn 2 workers)", views_section)}


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
        releases = Releases(Path(tmp))
        for name in chosen:
            title, section = SECTIONS[name]
            text = table(title, section(args.runs, releases))
            print("\n" + text, flush=True)
            parts.append(text)
    out = ROOT / "bench" / "results" / "summary.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
