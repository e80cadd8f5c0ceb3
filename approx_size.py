"""A cheap estimate of the memory a cached value holds, so bounded caches bound what they really keep.

Caches of query results and chart parts hold frames, GeoDataFrames (council shapes), figure dicts and
containers of them. Counting a container by its length alone let a dict of frames pass as 2 KB, so this
walks into containers (sampling long ones) and counts frames by their columns. Estimates, not exact: text
cells and Python objects at a typical 64 bytes, coordinates at 16.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

OBJECT = 64  # a typical small Python object or short string cell, with its pointer
SAMPLE = 64  # items of a long container looked at; the rest counted at their average


# Values approx_bytes counts as one OBJECT each: a list of them (a trace's x or y) is counted without a call per item
SCALARS = frozenset({float, int, bool, type(None), np.float64, np.int64, np.float32, np.int32, np.bool_})
_SHARED: dict[int, object] = {}  # id -> the object (held, so its id stays its own)


def shared(value):
    """Mark ``value`` as held once per process (plotly's default template, in every figure): values that
    only refer to it do not count it again. Returns ``value``."""
    _SHARED[id(value)] = value
    return value


def approx_bytes(value, depth: int = 0) -> int:
    """Estimated bytes held by ``value`` (frames by column type, geometries by coordinates, containers
    by their sampled items)."""
    if isinstance(value, pd.DataFrame):
        return 2_000 + sum(_column_bytes(value[c]) for c in value.columns) if value.columns.is_unique \
            else 2_000 + 24 * value.size
    if isinstance(value, pd.Series):
        return 200 + _column_bytes(value)
    if isinstance(value, np.ndarray):
        return 112 + (value.nbytes if value.dtype != object else OBJECT * value.size)
    if isinstance(value, (str, bytes)):
        return 49 + len(value)
    if isinstance(value, dict):
        if _SHARED.get(id(value)) is value:
            return 8  # a reference: the object is held once per process, outside any cache's budget
        return 64 + _items_bytes(list(value.values()), depth) + OBJECT * len(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return 64 + _items_bytes(list(value), depth)
    return OBJECT


def _items_bytes(items: list, depth: int) -> int:
    if not items:
        return 0
    if depth >= 8:  # nested deeper than any result we cache: count, do not walk
        return 160 * len(items)
    step = max(1, len(items) // SAMPLE)
    sample = items[::step][:SAMPLE]
    if all(type(v) in SCALARS for v in sample):
        return (8 + OBJECT) * len(items)  # what the walk below gives for scalars, without a call per item
    seen = sum(8 + approx_bytes(v, depth + 1) for v in sample)
    return seen * len(items) // len(sample)


def _column_bytes(column: pd.Series) -> int:
    dtype = column.dtype
    if getattr(dtype, "name", "") == "geometry":
        import shapely

        return OBJECT * len(column) + 16 * int(shapely.get_num_coordinates(np.asarray(column.array)).sum())
    if isinstance(dtype, pd.CategoricalDtype):
        return column.cat.codes.nbytes + approx_bytes(list(dtype.categories))
    if dtype == object or isinstance(dtype, pd.StringDtype):
        return 8 * len(column) + OBJECT * len(column)
    try:
        return int(column.array.nbytes)
    except (AttributeError, TypeError):
        return 24 * len(column)
