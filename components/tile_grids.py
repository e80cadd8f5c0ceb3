"""Tile-grid maps, used when a release has no boundaries: each home area's districts as (row, column)
squares, roughly where they are. The layouts are data in ``tile_grids.csv`` (one row per district;
the area name is there for the person editing it): another home area needs rows, not code."""
from __future__ import annotations

import csv
from pathlib import Path


def _read(path: Path) -> dict[str, dict[str, tuple[int, int]]]:
    grids: dict[str, dict[str, tuple[int, int]]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            grid = grids.setdefault(row["home_area_code"], {})
            cell = (int(row["row"]), int(row["column"]))
            if row["area_code"] in grid or cell in grid.values():
                raise ValueError(f"{path.name}: {row['area_code']} at {cell} is placed twice in "
                                 f"{row['home_area_code']}'s grid (one square per district)")
            grid[row["area_code"]] = cell
    return grids


TILE_GRIDS = _read(Path(__file__).with_name("tile_grids.csv"))  # home area code -> {district code: (row, col)}
