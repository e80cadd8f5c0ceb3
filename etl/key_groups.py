"""Rows grouped by a few key columns as ``DataFrame.groupby(by)`` iterates them, as positions, not frames.

The QA report and the validation report walk a few hundred small groups (an indicator and an area); pandas
builds a frame per group, which costs more than the loop's own work. Here the keys are read once and each
group is a numpy array of row positions.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def key_groups(df: pd.DataFrame, by: list[str]) -> list[tuple[tuple, np.ndarray]]:
    """(key, positions of its rows in ``df`` order) for each distinct key of ``by`` with no missing part, in
    sorted key order: the groups ``df.groupby(by, sort=True)`` gives, keys compared as the texts they are
    (a categorical column's categories are kept sorted: ``etl.texts``)."""
    if df.empty:
        return []
    positions: dict[tuple, list[int]] = {}
    for number, key in enumerate(zip(*(df[c].tolist() for c in by))):
        positions.setdefault(key, []).append(number)
    return [(key, np.array(positions[key], dtype=np.intp)) for key in sorted(k for k in positions if _complete(k))]


def _complete(key: tuple) -> bool:
    return not any(part is None or (isinstance(part, float) and part != part) for part in key)
