"""aggregate_groups joins each member's rows to its groups from numpy positions: the rows pandas' merge gives."""
import numpy as np
import pandas as pd
import pytest

from etl.aggregate import _with_owners
from etl.texts import as_categories


@pytest.mark.parametrize("categorical", [False, True], ids=["object", "categorical"])
@pytest.mark.parametrize("seed", range(4))
def test_rows_joined_to_their_groups_as_merge_joins_them(seed, categorical):
    rng = np.random.default_rng(seed)
    codes = np.array([f"E0700{n:04d}" for n in range(12)], dtype=object)
    rows = pd.DataFrame({"area_code": rng.choice(codes[:10], 200), "value": rng.random(200),
                         "period": rng.choice(np.array(["2023", "2024"], dtype=object), 200)})
    rows = as_categories(rows) if categorical else rows
    owners = pd.DataFrame({"parent_code": rng.integers(0, 30, 60).astype(np.uint16),
                           "member_code": pd.Series(rng.choice(codes[2:], 60), dtype=object),  # (some own nothing)
                           "parent_level": rng.integers(0, 2, 60).astype(np.uint8)}).drop_duplicates()
    got = _with_owners(rows, owners)
    expected = rows.merge(owners, left_on="area_code", right_on="member_code").drop(columns="member_code")
    assert len(got) == len(expected) > 0 and list(got.columns) == list(expected.columns)
    assert isinstance(got["area_code"].dtype, pd.CategoricalDtype)
    assert got["area_code"].astype(object).tolist() == expected["area_code"].astype(object).tolist()
    for column in ("value", "period", "parent_code", "parent_level"):
        assert got[column].tolist() == expected[column].tolist(), column
    assert got["parent_code"].dtype == np.uint16 and got["parent_level"].dtype == np.uint8
