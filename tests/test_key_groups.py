"""key_groups walks the groups pandas' groupby gives: same keys, same order, same rows in the same order."""
import numpy as np
import pandas as pd
import pytest

from etl.key_groups import key_groups
from etl.texts import as_categories


def _frame(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    return pd.DataFrame({"indicator": rng.choice(np.array(["b_rate", "a_count", "c", None], dtype=object), n, p=[0.3, 0.3, 0.3, 0.1]),
                         "area_code": rng.choice(np.array(["E12000002", "E06000008", "E92000001", np.nan], dtype=object), n,
                                                 p=[0.3, 0.3, 0.3, 0.1]),
                         "value": rng.random(n)}).astype({"indicator": object, "area_code": object})


@pytest.mark.parametrize("categorical", [False, True], ids=["object", "categorical"])
@pytest.mark.parametrize("seed", range(3))
def test_the_groups_of_groupby(seed, categorical):
    df = _frame(seed)
    df = as_categories(df) if categorical else df
    df = df.iloc[::-1]  # (positions, not labels)
    expected = [(tuple(key), group.index.tolist())
                for key, group in df.groupby(["indicator", "area_code"], sort=True, observed=True)]
    got = [(key, df.index[where].tolist()) for key, where in key_groups(df, ["indicator", "area_code"])]
    assert got == expected and len(got) == 9, "every complete key once, sorted, its rows in frame order"


def test_an_empty_frame_has_no_groups():
    assert key_groups(_frame(0).iloc[:0], ["indicator", "area_code"]) == []
