"""The diff pairs rows of two releases by key numbers looked up in a table: what pandas' hash lookup gives."""
import numpy as np
import pandas as pd
import pytest

from etl.diff import _distinct_periods, _positions
from etl.texts import as_categories


@pytest.mark.parametrize("n", [0, 1, 10, 5000])
def test_positions_as_pandas_finds_them(n):
    rng = np.random.default_rng(n)
    keys = rng.permutation(3 * n + 5)[:n].astype(np.int64)
    wanted = rng.integers(0, 3 * n + 8, 2 * n).astype(np.int64)
    assert (_positions(keys, wanted) == pd.Index(keys).get_indexer(wanted)).all()
    far = np.array([2 ** 40, 7], dtype=np.int64)  # too far apart for a table: hashed
    assert _positions(far, np.array([7, 2 ** 40, 3])).tolist() == [1, 0, -1]


def test_a_key_twice_is_refused_as_pandas_refuses_it():
    with pytest.raises(pd.errors.InvalidIndexError):
        _positions(np.array([1, 2, 2]), np.array([2]))


def test_distinct_periods_from_codes_are_the_distinct_rows():
    df = pd.DataFrame({"source": ["a", "a", "b", "a", None], "indicator": ["x", "x", "x", "y", "y"],
                       "period": ["2020", "2020", "2021", "2020", "2020"]})
    texts = lambda frame: {tuple("-" if pd.isna(v) else v for v in r)  # noqa: E731
                           for r in frame.itertuples(index=False)}
    got = _distinct_periods(as_categories(df))
    assert texts(got) == texts(df.drop_duplicates()) and len(got) == len(df.drop_duplicates()) == 4
    assert got["source"].isna().sum() == 1 and got["source"].dropna().map(type).eq(str).all()
