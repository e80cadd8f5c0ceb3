"""Group sums that do not depend on how the rows are cut up (etl.groupsum)."""
import numpy as np
import pandas as pd

from etl.groupsum import kahan_group_sums


def test_sums_equal_pandas_compensated_groupby_sum_bit_for_bit():
    rng = np.random.default_rng(7)
    ids = rng.integers(0, 300, 20_000)
    values = rng.random(20_000) * 10.0 ** rng.integers(-3, 8, 20_000)
    values[rng.random(20_000) < 0.1] = np.nan
    values[:3] = np.inf
    expected = pd.Series(values).groupby(ids).sum()  # ids unsorted: pandas' Kahan (Cython) path
    got = kahan_group_sums(ids, [values], 300)[0]
    assert np.array_equal(got[expected.index.to_numpy()], expected.to_numpy(), equal_nan=True)


def test_a_group_sums_the_same_alone_or_among_others():
    values = np.array([91.078, 126.867, 757.161])
    alone = kahan_group_sums(np.zeros(3, dtype=np.int64), [values], 1)[0][0]
    among = kahan_group_sums(np.array([1, 0, 1, 0, 1, 0]), [np.repeat(values, 2)], 2)
    assert alone == among[0][0] == among[0][1] == 975.106  # sorted ids: pandas would give 975.1059999999999


def test_missing_values_and_rows_in_no_group_are_skipped():
    sums = kahan_group_sums(np.array([0, -1, 0, 1]), [np.array([1.5, 100.0, np.nan, np.nan])], 3)[0]
    assert sums.tolist() == [1.5, 0.0, 0.0]
