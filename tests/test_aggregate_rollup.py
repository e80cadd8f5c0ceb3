"""etl.rollup's own grouping, first/max and joined member lists give what pandas' groupby gives, on invented
rows with missing keys, missing values, unsorted rows and member sets too large to number in one integer."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl.member_rows import encoded
import etl.rollup as rollup
from etl.rollup import GROUP, _first, _groups, _joined, _max, sorted_codes


@pytest.fixture
def frame():
    rng = np.random.default_rng(12)
    n = 5_000
    pick = lambda values: rng.choice(np.asarray(values, dtype=object), n)  # noqa: E731
    df = pd.DataFrame({"indicator": pick(["b_rate", "a_count", "c_mean"]),
                       "parent_code": pick([f"E1{i:07d}" for i in range(40)]),
                       "parent_level": pick(["region", "lep", "upper_tier"]),
                       "period": pick([f"20{y:02d}" for y in range(10, 24)]),
                       "breakdown": pick(["total", "sex=f", "sex=m", None]),
                       "area_code": pick([f"E0{i:07d}" for i in range(300)] + [None]),
                       "source": pick(["x", "y", None]),
                       "population_year": rng.choice([2019.0, 2020.0, np.nan], n)})
    return df


def test_groups_are_numbered_as_groupby_numbers_them(frame):
    group_of, keys = _groups(frame, {})
    grouped = frame.groupby(GROUP, sort=True)
    assert (group_of == grouped.ngroup().fillna(-1).to_numpy(dtype=np.int64)).all()
    assert (group_of == -1).sum() == frame["breakdown"].isna().sum() > 0, "a row with a missing key is in no group"
    want = grouped.size().reset_index()[GROUP]
    for column in GROUP:
        assert keys[column].tolist() == want[column].tolist(), column


def test_encoded_columns_group_as_their_texts(frame):
    texts = frame.dropna(subset=["breakdown"]).reset_index(drop=True)
    coded, labels = encoded(texts, GROUP)
    group_of, keys = _groups(coded, labels)
    want_of, want = _groups(texts, {})
    assert (group_of == want_of).all()
    pd.testing.assert_frame_equal(keys, want)


def test_first_and_max_are_groupbys(frame):
    group_of, keys = _groups(frame, {})
    grouped = frame.groupby(GROUP, sort=True)
    assert list(_first(group_of, frame["source"], len(keys))) == grouped["source"].first().tolist()
    np.testing.assert_array_equal(_max(group_of, frame["population_year"], len(keys)),
                                  grouped["population_year"].max().to_numpy())


def reference_joined(frame, group_of, groups, sep):
    out = [""] * groups
    for g in range(groups):
        codes = sorted(set(c for c, gg in zip(frame["area_code"], group_of) if gg == g and isinstance(c, str)))
        out[g] = sep.join(codes)
    return out


def test_joined_members_are_the_sorted_distinct_codes(frame):
    group_of, keys = _groups(frame, {})
    counts = np.zeros(len(keys), dtype=np.int64)
    got = _joined(group_of, *pd.factorize(frame["area_code"], sort=True), ",", len(keys), counts)
    want = reference_joined(frame, group_of, len(keys), ",")
    assert list(got) == want
    assert counts.tolist() == [len(w.split(",")) if w else 0 for w in want]


def test_large_member_sets_are_joined_too():
    """300 codes in sets of 20 cannot be one int64 each (300**20): sets are then compared as rows."""
    codes = [f"E0{i:07d}" for i in range(300)]
    rows = [(g, codes[(g * 7 + k) % 300]) for g in range(50) for k in range(20)] * 2  # each code twice
    group_of = np.array([g for g, _ in rows], dtype=np.int64)
    values = pd.Series([c for _, c in rows])
    got = _joined(group_of, *pd.factorize(values, sort=True), ",", 50)
    want = [",".join(sorted({c for gg, c in rows if gg == g})) for g in range(50)]
    assert list(got) == want
    assert len(set(want)) == 50


def test_sets_whose_hashes_collide_are_still_told_apart(monkeypatch):
    """With every multiplier 1 a set hashes to the sum of its codes: sets with equal sums collide, the check
    sees it and the sets are compared as rows."""
    monkeypatch.setattr(rollup, "HASH", np.ones(4096, dtype=np.int64))
    codes = [f"E0{i:07d}" for i in range(300)]
    sets = [[0, 3] + list(range(10, 28)), [1, 2] + list(range(10, 28))]  # equal sums, 20 codes each
    rows = [(g, codes[c]) for g in range(40) for c in sets[g % 2]]
    group_of = np.array([g for g, _ in rows] + [-1] * 200, dtype=np.int64)  # (200 codes in no group)
    got = _joined(group_of, *pd.factorize(pd.Series([c for _, c in rows] + codes[100:]), sort=True), ",", 40)
    assert got[0] != got[1]
    assert list(got) == [",".join(sorted(codes[c] for c in sets[g % 2])) for g in range(40)]


def test_a_categorical_is_ranked_as_its_texts_sort():
    """Categories in any order, some unused, a missing value: ranks as pd.factorize(sort=True) of the texts."""
    texts = pd.Series(["E07000003", "E06000001", None, "E07000001", "E06000001"], dtype=object)
    column = texts.astype(pd.CategoricalDtype(["E07000003", "E09000001", "E07000001", "E06000001"]))
    codes, uniques = sorted_codes(column)
    want_codes, want = pd.factorize(texts, sort=True)
    assert [uniques[c] if c >= 0 else None for c in codes] == [want[c] if c >= 0 else None for c in want_codes]
    assert list(codes) == [2, 0, -1, 1, 0] and list(uniques) == sorted(uniques)
