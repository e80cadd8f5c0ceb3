"""Per-group sums of float columns, bit for bit as pandas' own (Cython) groupby sum adds them.

pandas adds each group's values in row order with Kahan compensation, except that pandas 3 switches to
``np.add.reduceat`` (no compensation) when the group ids happen to be sorted and a column has no NaN:
the same figures would then differ in their last digits depending on how the rows were cut up. The
build combines areas a level of parents at a time, so its sums must not depend on that: here every
sum is the compensated one, in row order, whatever the layout.
"""
from __future__ import annotations

import numpy as np


def kahan_group_sums(ids: np.ndarray, columns: list[np.ndarray], groups: int) -> list[np.ndarray]:
    """For each column, the sum of its non-NaN values per group id (0 for none; ids < 0 are ignored),
    added in row order with Kahan compensation as pandas' ``group_sum`` does.

    Vectorised across groups: rows are laid out by their position within their group, and step k adds
    every group's k-th row at once (a group's rows keep their order, so each sum is the sequential one)."""
    ids = np.asarray(ids, dtype=np.int64)
    kept = np.flatnonzero(ids >= 0)
    by_group = kept[np.argsort(ids[kept], kind="stable")]  # each group's rows, in row order
    gid = ids[by_group]
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]]) if len(gid) else np.array([], dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(gid)])
    position = np.arange(len(gid)) - np.repeat(starts, sizes)
    by_step = np.argsort(position, kind="stable")  # step k: every group's k-th row, groups in order
    rows, gid = by_group[by_step], gid[by_step]
    steps = np.flatnonzero(np.r_[True, np.diff(position[by_step]) != 0, True])
    values = np.column_stack([np.asarray(c, dtype=np.float64)[rows] for c in columns]) if columns else None
    total = np.zeros((groups, len(columns)))
    compensation = np.zeros((groups, len(columns)))
    for begin, end in zip(steps[:-1], steps[1:]):
        g, val = gid[begin:end], values[begin:end]
        s, c = total[g], compensation[g]
        y = val - c
        t = s + y
        with np.errstate(invalid="ignore"):  # inf - inf
            new_c = (t - s) - y
        new_c[np.isnan(new_c)] = 0.0  # an infinite value: pandas resets the compensation (GH#53606)
        skip = np.isnan(val)
        total[g] = np.where(skip, s, t)
        compensation[g] = np.where(skip, c, new_c)
    return [total[:, j] for j in range(len(columns))]
