"""Which release a dashboard benchmark measures: the processed folder's, else a synthetic test release."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def processed_folder(arg: str | None) -> Path:
    """``arg``, ``PDP_PROCESSED_DIR`` or data/processed when it holds a release; else a fresh test release."""
    folder = Path(arg or os.environ.get("PDP_PROCESSED_DIR") or ROOT / "data" / "processed")
    if (folder / "manifest.json").is_file():
        return folder
    from release_factory import write_release  # tests/ is on sys.path in the benchmarks

    tmp = Path(tempfile.mkdtemp(prefix="pdp-bench-"))
    write_release(tmp)
    print(f"no release in {folder}: using the synthetic test release in {tmp}")
    return tmp
