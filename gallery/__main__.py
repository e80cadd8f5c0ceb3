"""CLI: python -m gallery [--release ID] [--out DIR] [--processed DIR] [--only INDICATOR ...]."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from gallery.render import render_gallery


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gallery", description=__doc__)
    parser.add_argument("--release", help="a release id (default: the current release)")
    parser.add_argument("--out", default="gallery-out", help="folder for the PNGs and index.html")
    parser.add_argument("--processed", help="the processed-data folder (default: PDP_PROCESSED_DIR or data/processed)")
    parser.add_argument("--only", nargs="*", help="only these indicator ids")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.processed:
        os.environ["PDP_PROCESSED_DIR"] = args.processed
    import data_access

    try:
        rel = data_access.load(args.release)
    except data_access.NoReleaseError as exc:
        print(f"No release to show: {exc}", file=sys.stderr)
        return 1
    index = render_gallery(rel, Path(args.out), only=args.only, progress=lambda text: print(text, file=sys.stderr))
    print(f"Gallery of release {rel.id}: {index}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
