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


def each_distinct(values: list, fn: Callable[[object], object]) -> list:
    """``[fn(v) for v in values]`` with ``fn`` called once per distinct (hashable) value, in order of first
    appearance: a check that logs problems logs each value's once, where a row reader would meet it first."""
    seen: dict = {}
    return [seen[v] if v in seen else seen.setdefault(v, fn(v)) for v in values]


def numbered(series: pd.Series) -> tuple[np.ndarray, int]:
    """(each row's number among the column's distinct values, missing included; how many numbers there can
    be): a categorical's own codes (shifted past missing), without hashing its rows again."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype(np.int64) + 1, len(series.cat.categories) + 1
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes, len(uniques)


def distinct_rows(df: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """(each row's number among the distinct combinations of ``columns``, numbered in order of first
    appearance; those combinations as a frame in that order, missing values included): for work done once
    per combination, not once per row."""
    key = np.zeros(len(df), dtype=np.int64)
    for column in columns:
        codes, size = numbered(df[column])
        key = key * size + codes
    numbers, _ = pd.factorize(key)  # (hashes one int64 a row; a sort would be slower)
    first = np.flatnonzero(np.r_[len(numbers) > 0, numbers[1:] > np.maximum.accumulate(numbers)[:-1]])
    return numbers, df[columns].iloc[first].reset_index(drop=True)
