"""The synthetic demo pack: invented values in the publishers' own file layouts, built by the real ETL.

Each publisher's writer lives in its own module (``nomis``, ``dfe``, ``hmrc_ons``) and gets its
own seeded random generator, so the pack is identical on every machine. A marker file tells the
build (and so the manifest and every page) that this is demo data.
"""
from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import numpy as np

from etl.build import build
from etl.rawfolder import DEMO_MARKER
from etl.demo.areas import SEED

WRITERS = ("nomis", "dfe", "hmrc_ons")  # etl.demo.<module>.write(out_dir, rng) -> list[Path]
MARKER_TEXT = ("DEMO DATA - NOT OFFICIAL STATISTICS\n"
               "Every value in this folder was invented by Partner Data Pack's seeded generator\n"
               "(python -m etl demo). The files imitate the publishers' layouts only.\n")


NATIONAL_WRITERS = ("national",)  # the all-England claimant count and its lookups, for building at scale


def write_demo_extracts(raw_dir: Path, writers: tuple[str, ...] = WRITERS) -> list[Path]:
    """Write every demo extract into a fresh ``raw_dir`` and mark the folder as demo data."""
    raw_dir = Path(raw_dir)
    if raw_dir.exists():
        shutil.rmtree(raw_dir)
    raw_dir.mkdir(parents=True)
    written = []
    for index, name in enumerate(writers):
        module = importlib.import_module(f"etl.demo.{name}")
        rng = np.random.default_rng([SEED, index])
        written.extend(module.write(raw_dir, rng))
    (raw_dir / DEMO_MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return written


def build_demo_pack(out_dir: Path, raw_dir: Path | None = None, progress: bool = False, national: bool = False):
    """Generate the demo extracts (the all-England claimant count with ``national``) and build them into
    ``out_dir``; returns the BuildOutcome."""
    import config

    raw_dir = Path(raw_dir or config.demo_raw_dir())
    write_demo_extracts(raw_dir, NATIONAL_WRITERS if national else WRITERS)
    return build(raw_dir, Path(out_dir), progress=progress)
