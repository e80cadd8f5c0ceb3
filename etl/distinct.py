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


def distinct_rows(df: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """(each row's number among the distinct combinations of ``columns``, those combinations as a frame in
    that order, missing values included): for work done once per combination, not once per row."""
    key = np.zeros(len(df), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(df[column], use_na_sentinel=False)
        key = key * len(uniques) + codes
    _, first, numbers = np.unique(key, return_index=True, return_inverse=True)
    return numbers.reshape(-1), df[columns].iloc[first].reset_index(drop=True)
