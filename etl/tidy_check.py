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


def meets_contract(df: pd.DataFrame, schema, unique_key: bool = True) -> bool:
    """True only when ``schema`` (the pandera TIDY_SCHEMA: strict, ordered, unique KEY) would pass ``df``;
    with ``unique_key=False``, every rule but the key's uniqueness (each rule but that one is row by row, so
    any slice of such a table with no key twice passes too)."""
    from etl.schema import KEY, TIDY_COLUMNS, _interval_holds_value, _value_matches_status

    if list(df.columns) != TIDY_COLUMNS or df.index.has_duplicates:
        return False
    codes = {}  # text column -> (row -> distinct value's number, -1 for missing; its distinct values)
    for name, column in schema.columns.items():
        series = df[name]
        categorical = isinstance(series.dtype, pd.CategoricalDtype)
        if not categorical and str(series.dtype) != SAME_DTYPE.get(str(column.dtype), str(column.dtype)):
            return False
        if categorical:  # the build's text columns: the numbers are there already
            if str(column.dtype) != "object" or not _all_texts(series.cat.categories):
                return False
            codes[name] = (series.array.codes, series.cat.categories.to_numpy(dtype=object))
            missing = (codes[name][0] < 0).any()
        elif series.dtype == object:  # one pass gives the missing cells and the distinct values to check
            codes[name] = pd.factorize(series)
            missing = (codes[name][0] < 0).any()
        else:
            missing = series.isna().any()
        if not column.nullable and missing:
            return False
        for check in column.checks:
            if not _passes(series, check, codes[name][1] if name in codes else None):
                if not categorical:
                    return False
                codes[name] = _used(series)  # an unused category may break the rule: only rows' values count
                if not _passes(series, check, codes[name][1]):
                    return False
    if not (_value_matches_status(df).all() and _interval_holds_value(df).all()):
        return False
    return not unique_key or not _has_duplicate_keys(df, [codes.get(k) for k in KEY], KEY)


def _used(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(row -> category number, -1 for missing; the categories rows use): a categorical column as
    ``pd.factorize`` gives an object one, the rules then checked on values rows really have."""
    codes = series.cat.codes.to_numpy()
    categories = series.cat.categories.to_numpy(dtype=object)
    used = np.bincount(codes + 1, minlength=len(categories) + 1)[1:] > 0
    return codes, categories[used] if not used.all() else categories  # (codes as small as pandas keeps them)


def _all_texts(categories: pd.Index) -> bool:
    """Whether every category is a str (as an object column of them would be to pandera)."""
    return categories.dtype == object and pd.api.types.infer_dtype(categories, skipna=False) == "string"


def has_duplicate_keys(df: pd.DataFrame, key: list[str]) -> bool:
    """Whether two rows of ``df`` share ``key`` (missing equal to missing, as ``DataFrame.duplicated`` has it),
    from the columns' numbers: a categorical's codes, an object column's factorized values."""
    coded = []
    for name in key:
        series = df[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            coded.append((series.array.codes, None))
        elif series.dtype == object:
            coded.append(pd.factorize(series))
        else:
            coded.append(None)
    return _has_duplicate_keys(df, coded, key)


def _has_duplicate_keys(df: pd.DataFrame, coded: list, key: list[str]) -> bool:
    """Whether two rows share ``key``, from the key columns' numbers (one int64 per row) where they fit."""
    if any(c is None for c in coded):
        return bool(df.duplicated(key).any())
    sizes = [int(numbers.max(initial=-1)) + 2 for numbers, _ in coded]  # numbers run from -1 (missing)
    if np.prod([float(s) for s in sizes]) >= 2.0 ** 62:
        return bool(df.duplicated(key).any())
    combined = np.zeros(len(df), dtype=np.int64)
    for (numbers, _), size in zip(coded, sizes):  # (in place: no temporary array per column)
        combined *= size
        combined += numbers
        combined += 1
    if np.prod([float(s) for s in sizes]) <= 3.0 * len(df):  # few possible keys (a national table): count each
        return bool(np.bincount(combined).max(initial=0) > 1)  # (~10x faster than sorting; ≤ 24 bytes a row)
    combined.sort()  # (in place: a hash table of 5 M keys would be the check's largest allocation)
    return bool((combined[1:] == combined[:-1]).any())


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
