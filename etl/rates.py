"""Rates recomputed from their counts where the publisher rounds the rate more coarsely than its counts.

HMRC publishes CJRS take-up as whole-number percentages beside counts rounded to 100: a whole-number
England (32%) set against our home area's 31.8% (from counts) compares unlike with like. For indicators
marked ``value_from_counts`` in the catalogue, every row with both counts gets numerator / denominator
(so districts, the areas we combine and the publisher's regions and England share one basis).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from vocab.catalogue import INDICATORS

SCALE = {"percent": 100.0, "per_100k": 100_000.0}


def rates_from_counts(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the values of ``value_from_counts`` indicators recomputed from numerator / denominator."""
    wanted = [i for i, ind in INDICATORS.items() if ind.value_from_counts]
    if df.empty or not wanted:
        return df
    scale = df["unit"].map(SCALE).astype(float)
    rows = (df["indicator"].isin(wanted) & df["status"].eq("ok") & df["numerator"].notna()
            & df["denominator"].gt(0) & scale.notna())
    if not rows.any():
        return df
    out = df.copy(deep=False)  # copy-on-write: only the value column is copied
    out.loc[rows, "value"] = (out.loc[rows, "numerator"] / out.loc[rows, "denominator"] * scale[rows]).to_numpy(
        dtype=np.float64)
    return out
