"""The canonical order from category codes is the order pandas gives the texts (ties kept, missing last)."""
import numpy as np
import pandas as pd
import pytest

from etl.schema import SORT_KEY, sort_tidy
from etl.texts import as_categories, concat_sorted, stable_order


def random_rows(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pick = lambda values: rng.choice(np.array(values, dtype=object), n)  # noqa: E731
    df = pd.DataFrame({"indicator": pick(["b_rate", "a_count", "c"]),
                       "area_code": pick(["E07000117", "E06000008", "E92000001", None]),
                       "period": pick(["2024-01", "2023-12", "2024"]),
                       "breakdown": pick(["total", "sex=male", "age=16-24"]),
                       "source": pick(["z_src", "a_src"]),
                       "value": rng.normal(size=n), "when": pd.to_datetime("2024-01-01") + pd.to_timedelta(
                           rng.integers(0, 100, n), "D"),
                       "no_interval": np.nan, "one_unit": "count"})  # (constant: left in place when sorted)
    df["area_code"] = df["area_code"].astype(object)
    return df


@pytest.mark.parametrize("seed", [0, 1])
def test_joined_and_sorted_by_codes_as_pandas_sorts_the_texts(seed):
    frames = [random_rows(seed, 500), random_rows(seed + 10, 300), random_rows(seed + 20, 0)]
    frames[1]["area_code"] = frames[1]["area_code"].where(frames[1]["area_code"] != "E92000001", "W06000001")
    expected = pd.concat(frames, ignore_index=True).sort_values(SORT_KEY, kind="mergesort").reset_index(drop=True)
    got = sort_tidy([as_categories(f) for f in frames])
    assert got["area_code"].isna().any(), "missing codes are in the test"
    for column in expected.columns:
        if not isinstance(got[column].dtype, pd.CategoricalDtype):
            np.testing.assert_array_equal(got[column].to_numpy(), expected[column].to_numpy(), err_msg=column)
            continue
        values = got[column].astype(object)
        assert values.tolist() == expected[column].tolist() or (
            column == "area_code" and values.fillna("-").tolist() == expected[column].fillna("-").tolist()), column
    assert got["value"].tolist() == expected["value"].tolist(), "ties keep their order (stable), as mergesort"


def test_a_frame_not_sortable_by_codes_is_sorted_by_pandas():
    frames = [as_categories(random_rows(3, 50)), as_categories(random_rows(4, 50))]
    frames[1] = frames[1].assign(value=frames[1]["value"].astype("float32"))  # dtypes differ: pandas joins
    got = concat_sorted(frames, SORT_KEY)
    expected = pd.concat([f.astype(object) for f in frames], ignore_index=True).sort_values(
        SORT_KEY, kind="mergesort")
    assert got["value"].astype(float).tolist() == expected["value"].astype(float).tolist()


def test_many_keys_that_do_not_fit_one_number_are_sorted_by_lexsort():
    rng = np.random.default_rng(5)
    keys = [pd.Categorical.from_codes(rng.integers(-1, 70_000, 2_000), categories=[f"k{i:05d}" for i in range(70_000)])
            for _ in range(4)]  # 70,001 ** 4 > 2 ** 62
    order = stable_order(keys)
    frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
    expected = frame.sort_values(list(frame.columns), kind="mergesort").index.to_numpy()
    assert (order == expected).all()
