"""The Nomis column-wise reader's duplicate-key check agrees with pandas' on categoricals with missing values."""
from __future__ import annotations

import numpy as np
import pandas as pd

from etl.sources.nomis_columnar import _has_duplicate_keys


def test_duplicate_keys_as_pandas_finds_them():
    rng = np.random.default_rng(12)
    seen = set()
    for _ in range(400):
        rows = int(rng.integers(1, 30))
        frame = pd.DataFrame({c: pd.Categorical(rng.choice(np.array(["a", "b", None, "c"], dtype=object)
                                                           [: int(rng.integers(1, 5))], rows)) for c in "wxyz"})
        expected = bool(frame.duplicated(list("wxyz")).any())
        assert _has_duplicate_keys(frame, list("wxyz")) == expected
        seen.add(expected)
    assert seen == {True, False}  # both answers were exercised
