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


def meets_contract(df: pd.DataFrame, schema) -> bool:
    """True only when ``schema`` (the pandera TIDY_SCHEMA: strict, ordered, unique KEY) would pass ``df``."""
    from etl.schema import KEY, TIDY_COLUMNS, _interval_holds_value, _value_matches_status

    if list(df.columns) != TIDY_COLUMNS or df.index.has_duplicates:
        return False
    codes = {}  # text column -> (row -> distinct value's number, -1 for missing; its distinct values)
    for name, column in schema.columns.items():
        series = df[name]
        if str(series.dtype) != SAME_DTYPE.get(str(column.dtype), str(column.dtype)):
            return False
        if series.dtype == object:  # one pass gives the missing cells and the distinct values to check
            codes[name] = pd.factorize(series)
            missing = (codes[name][0] < 0).any()
        else:
            missing = series.isna().any()
        if not column.nullable and missing:
            return False
        for check in column.checks:
            if not _passes(series, check, codes[name][1] if name in codes else None):
                return False
    if not (_value_matches_status(df).all() and _interval_holds_value(df).all()):
        return False
    return not _has_duplicate_keys(df, [codes.get(k) for k in KEY], KEY)


def _has_duplicate_keys(df: pd.DataFrame, coded: list, key: list[str]) -> bool:
    """Whether two rows share ``key``, from the key columns' numbers (one int64 per row) where they fit."""
    if any(c is None for c in coded) or np.prod([float(len(u)) + 1 for _, u in coded]) >= 2.0 ** 62:
        return bool(df.duplicated(key).any())
    combined = np.zeros(len(df), dtype=np.int64)
    for numbers, uniques in coded:
        combined = combined * (len(uniques) + 1) + (numbers + 1)
    return not pd.Index(combined).is_unique


def _passes(series: pd.Series, check, distinct=None) -> bool:
    """One column check of the schema on the non-missing values (as pandera applies it); ``distinct``: the
    column's distinct non-missing values when already known."""
    from etl.schema import DISTINCT_RULES

    allowed = check.statistics.get("allowed_values") if check.name == "isin" else None
    if allowed is not None:
        if distinct is not None:
            return bool(pd.Index(distinct, dtype=object).isin(list(allowed)).all())
        return bool(series.dropna().isin(list(allowed)).all())
    rule = DISTINCT_RULES.get(getattr(check, "_check_fn", None))
    if rule is None:
        return False  # a check this pass does not know: leave it to pandera
    values = distinct if distinct is not None else pd.unique(series.dropna().to_numpy())
    return all(bool(rule(v)) for v in values)
