"""Whether a tidy table meets the contract, decided in one vectorised pass (no report).

pandera's ``TIDY_SCHEMA.validate`` names every failing row and column, but on millions of rows it spends
most of a national build copying and re-checking columns that are fine. ``meets_contract`` applies the
same rules column by column (each text rule once per distinct value); only a table it cannot clear goes
to pandera, which then reports exactly as before. It must never clear a table pandera would fail: every
rule here is the schema's own, or stricter.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# pandera reads the schema's "datetime64[ms]" as datetime64[ns] and accepts either; the table has [ms]
SAME_DTYPE = {"datetime64[ns]": "datetime64[ms]"}


def _every_distinct(series: pd.Series, ok) -> bool:
    """``ok`` holds for every distinct non-missing value of ``series``."""
    return all(bool(ok(v)) for v in pd.unique(series.dropna().to_numpy()))


def meets_contract(df: pd.DataFrame, schema) -> bool:
    """True only when ``schema`` (the pandera TIDY_SCHEMA: strict, ordered, unique KEY) would pass ``df``."""
    from etl.schema import KEY, TIDY_COLUMNS, _interval_holds_value, _value_matches_status

    if list(df.columns) != TIDY_COLUMNS or df.index.has_duplicates:
        return False
    for name, column in schema.columns.items():
        series = df[name]
        if str(series.dtype) != SAME_DTYPE.get(str(column.dtype), str(column.dtype)):
            return False
        if not column.nullable and series.isna().any():
            return False
        for check in column.checks:
            if not _passes(series, check):
                return False
    if not (_value_matches_status(df).all() and _interval_holds_value(df).all()):
        return False
    return not df.duplicated(KEY).any()


def _passes(series: pd.Series, check) -> bool:
    """One column check of the schema on the non-missing values (as pandera applies it)."""
    from etl.schema import DISTINCT_RULES

    allowed = check.statistics.get("allowed_values") if check.name == "isin" else None
    if allowed is not None:
        return bool(series.dropna().isin(list(allowed)).all())
    rule = DISTINCT_RULES.get(getattr(check, "_check_fn", None))
    if rule is None:
        return False  # a check this pass does not know: leave it to pandera
    return _every_distinct(series, rule)
