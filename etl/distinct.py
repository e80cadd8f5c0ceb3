"""A function applied once per distinct value of a column and spread back to its rows.

A tidy table repeats a few hundred codes, periods and breakdowns millions of times; checking or
mapping each distinct value once keeps per-row Python out of whole-table steps.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def per_distinct(series: pd.Series, fn: Callable[[object], object]) -> pd.Series:
    """``series.map(fn)`` with ``fn`` called once per distinct value (missing values included, as themselves)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    results = np.empty(len(uniques), dtype=object)
    results[:] = [fn(u) for u in uniques]
    return pd.Series(results[codes], index=series.index, dtype=object)
