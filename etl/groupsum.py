"""Per-group sums of float columns, bit for bit as pandas' own (Cython) groupby sum adds them.

pandas adds each group's values in row order with Kahan compensation, except that pandas 3 switches to
``np.add.reduceat`` (no compensation) when the group ids happen to be sorted and a column has no NaN:
the same figures would then differ in their last digits depending on how the rows were cut up. The
build combines areas a level of parents at a time, so its sums must not depend on that: here every
sum is the compensated one, in row order, whatever the layout. It calls the Cython kernel pandas' own
groupby uses for an unsorted layout (``pandas._libs.groupby.group_sum``: private, so
``tests/test_groupsum.py`` checks it against ``groupby().sum()`` and the layout independence).
"""
from __future__ import annotations

import numpy as np
from pandas._libs.groupby import group_sum


def kahan_group_sums(ids: np.ndarray, columns: list[np.ndarray], groups: int) -> list[np.ndarray]:
    """For each column, the sum of its non-NaN values per group id (0 for none; ids < 0 are ignored),
    added in row order with Kahan compensation as pandas' ``group_sum`` does."""
    if not columns:
        return []
    values = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])
    total = np.zeros((groups, len(columns)))
    group_sum(total, np.zeros(groups, dtype=np.int64), values, np.asarray(ids, dtype=np.intp), None, None, 0, False)
    return [total[:, j] for j in range(len(columns))]
