"""Member rows -> one figure per (indicator, parent, level, period, breakdown), by each indicator's own rule.

``sum`` adds values; ``ratio`` divides summed numerators by summed denominators (× the unit's scale);
``weighted_mean`` divides summed totals by summed weights. Many indicators are combined in one pass: the
rule, scale and failure reason are looked up per group from its indicator, so the fixed cost of a groupby
is paid once per batch of indicators, not once per indicator.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from vocab.catalogue import INDICATORS
from etl.groupsum import kahan_group_sums
from etl.schema import STATUSES_WITH_VALUE

SCALE = {"percent": 100.0, "per_100k": 100_000.0, "count": 1.0, "score": 1.0}
GROUP = ["indicator", "parent_code", "parent_level", "period", "breakdown"]
HASH = np.random.default_rng(5).integers(1, 2 ** 62, 4096) | 1  # odd multipliers hashing a set of codes
# why a ratio or weighted mean could not be computed, by the indicator's denominator
REASONS = {"population": "no_population", "pupils": "no_weight"}


def combine(merged: pd.DataFrame, expected: pd.Series, coverage: pd.Series | None,
            labels: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply each indicator's rule per ``GROUP`` group: (computed groups, failed groups with a ``reason``:
    members_missing, no_counts, no_weight or no_population). A group is complete where ``coverage`` (per
    group) equals ``expected`` (per parent); ``coverage`` None counts the group's distinct area codes.
    ``labels`` turns group columns given as integer ranks back into texts (``etl.aggregate``)."""
    # A 'not applicable' member has no figure of its own (e.g. City of London, published with
    # Westminster): it adds nothing, where a suppressed or missing member makes the total unknown.
    not_applicable = merged["status"].eq("not_applicable")
    has_value = merged["status"].isin(STATUSES_WITH_VALUE) & merged["value"].notna()
    # a weighted mean's numerator is the publisher's total where given (t_att8), else value x weight
    total = merged["numerator"].where(merged["numerator"].notna(), merged["value"] * merged["denominator"])
    frame = merged.assign(
        has_value=has_value | not_applicable,
        is_not_applicable=not_applicable,
        is_suppressed=merged["status"].eq("suppressed"),
        is_provisional=merged["status"].eq("provisional"),
        has_numerator=merged["numerator"].notna() | not_applicable,
        has_denominator=merged["denominator"].notna() | not_applicable,
        weighted=total,
    )
    if "population_year" not in frame.columns:
        frame = frame.assign(population_year=np.nan, requested_year=np.nan)
    # each row's group number (groups sorted as groupby(GROUP) sorts them; -1 for a row with a missing key)
    group_of, out = _groups(frame, labels or {})
    counted = [("n_rows", "area_code", "size"), ("all_values", "has_value", "all"),
               ("all_not_applicable", "is_not_applicable", "all"), ("any_suppressed", "is_suppressed", "any"),
               ("any_provisional", "is_provisional", "any"), ("num_all", "has_numerator", "all"),
               ("den_all", "has_denominator", "all")]  # (the columns and order one named aggregation gave)
    for name, column, how in counted:
        out[name] = _counted(group_of, frame[column], how, len(out))
    out["source"] = _first(group_of, frame["source"], len(out))
    for column in ("population_year", "requested_year"):
        out[column] = _max(group_of, frame[column], len(out))
    sums = ["value", "numerator", "denominator", "weighted"]
    for name, total in zip(["value_sum", "num_sum", "den_sum", "weighted_sum"],
                           kahan_group_sums(group_of, [frame[c].to_numpy(dtype=np.float64) for c in sums], len(out))):
        out[name] = total
    groups = len(out)
    distinct = np.zeros(groups, dtype=np.int64)
    area, areas = sorted_codes(frame["area_code"])
    out["blocks"] = _texts(_joined(group_of, area, areas, ",", groups, distinct), out.index)
    out["lacking"] = _texts(np.full(groups, "", dtype=object), out.index)  # (only a failed group's note names them)
    want = expected.reindex(pd.MultiIndex.from_frame(out[["parent_code", "parent_level"]])).to_numpy()
    have = distinct if coverage is None else coverage.reindex(pd.MultiIndex.from_frame(out[GROUP])).fillna(0).to_numpy()
    out["members"], out["have"], out["want"] = out["n_rows"], have, want
    complete = have == want
    incomplete = out[~complete]
    failed = [incomplete.assign(reason=_texts(np.full(len(incomplete), "members_missing", dtype=object),
                                              incomplete.index))]
    out = out[complete].copy()
    ind_of, ids = pd.factorize(out["indicator"])  # each group's indicator, looked up once per indicator
    ind = [INDICATORS[i] for i in ids]
    rule = np.array([i.aggregation for i in ind], dtype=object)[ind_of]
    is_ratio, by_counts = rule == "ratio", np.isin(rule, ["ratio", "weighted_mean"])
    computable = (out["all_values"] & ~out["all_not_applicable"]).to_numpy()  # every member has a figure
    ok = (out["den_all"] & (out["den_sum"] > 0) & (out["num_all"] | ~is_ratio)).to_numpy()
    cannot = by_counts & ~ok & computable
    reason = np.array([REASONS.get(i.denominator, "no_counts") for i in ind], dtype=object)[ind_of]
    failed.append(out[cannot].assign(reason=_texts(reason[cannot], out.index[cannot])))
    out = out[~cannot].copy()
    rule, is_ratio, by_counts = rule[~cannot], is_ratio[~cannot], by_counts[~cannot]
    scales = np.array([SCALE[i.unit] if i.aggregation == "ratio" else 1.0 for i in ind], dtype=np.float64)
    scale = np.where(is_ratio, scales[ind_of[~cannot]], 1.0)
    top = np.where(is_ratio, out["num_sum"], out["weighted_sum"])
    with np.errstate(divide="ignore", invalid="ignore"):
        value = top / out["den_sum"].to_numpy() * scale
    out["value"] = np.where(by_counts, value, out["value_sum"])
    out["numerator"] = np.where(by_counts, top, np.nan)
    out["denominator"] = np.where(by_counts, out["den_sum"], np.nan)
    missing = ~out["all_values"] | out["all_not_applicable"]
    out.loc[missing, ["value", "numerator", "denominator"]] = np.nan
    status = np.where(out["all_not_applicable"], "not_applicable",
                      np.where(missing, np.where(out["any_suppressed"], "suppressed", "not_available"),
                               np.where(out["any_provisional"], "provisional", "ok")))
    out["status"] = _texts(status.astype(object), out.index)
    failed = pd.concat(failed)  # (indexed by group number, as ``out`` was)
    failing = np.zeros(groups + 1, dtype=bool)  # group number + 1 (0: a row in no group) -> failed?
    failing[failed.index.to_numpy() + 1] = True
    lacking = (has_value & merged["denominator"].isna()).to_numpy()  # members with a figure but no weight
    lacking = _joined(np.where(failing[group_of + 1], group_of, -1), np.where(lacking, area, -1), areas, ", ", groups)
    failed["lacking"] = _texts(lacking[failed.index.to_numpy()], failed.index)
    return out, failed.reset_index(drop=True)


def sorted_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(each row's rank among the column's values sorted as texts, -1 for a missing value; those values
    sorted), as ``pd.factorize(sort=True)`` gives them but from a categorical's own codes where it has them
    (its categories, ranked once: unused ones take ranks too, harmlessly)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(column, sort=True)
        return codes, np.asarray(uniques, dtype=object)
    categories = np.asarray(column.cat.categories, dtype=object)
    order = np.argsort(categories, kind="stable")
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # (a missing value's code -1 stays -1)
    return rank[column.cat.codes.to_numpy()], categories[order]


def _texts(values: np.ndarray, index: pd.Index) -> pd.Series:
    """Texts kept as Python objects: these in-between tables are read back as arrays, and turning every
    column of strings into Arrow strings (pandas' default) is a large share of combining's time nationally."""
    return pd.Series(values, index=index, dtype=object)


def _groups(frame: pd.DataFrame, labels: dict) -> tuple[np.ndarray, pd.DataFrame]:
    """(each row's group number, the groups' ``GROUP`` values as texts): groups numbered in the order of
    their texts, as ``groupby(GROUP, sort=True).ngroup()`` numbers text columns, rows with a missing key in
    no group (-1), from one integer key per row rather than pandas' grouping of five columns. Columns in
    ``labels`` are integer ranks of sorted texts (``etl.member_rows.encoded``); others are ranked here."""
    key, valid, columns = np.zeros(len(frame), dtype=np.int64), np.ones(len(frame), dtype=bool), []
    for column in GROUP:
        if column in labels:
            codes, texts = frame[column].to_numpy().astype(np.int64), labels[column]
        else:
            codes, texts = sorted_codes(frame[column])
            valid &= codes >= 0
        if len(texts) and key.max(initial=0) >= (2 ** 62) // len(texts):  # (never at England's scale)
            key = _ranks(key)
        key = key * len(texts) + codes
        columns.append((column, codes, np.asarray(texts, dtype=object)))
    numbers, distinct = pd.factorize(key[valid])
    rank = np.empty(len(distinct), dtype=np.int64)  # each distinct key's rank (they are distinct: a sort)
    rank[np.argsort(distinct, kind="stable")] = np.arange(len(distinct))
    group_of = np.full(len(frame), -1, dtype=np.int64)
    group_of[valid] = rank[numbers]
    one_row = np.empty(len(distinct), dtype=np.int64)  # any row of each group: they all have its values
    one_row[group_of[valid]] = np.flatnonzero(valid)
    return group_of, pd.DataFrame({column: texts[codes[one_row]] for column, codes, texts in columns}, dtype=object)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each value's rank among the distinct ``values`` (equal values, equal ranks)."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return inverse.reshape(-1)


def _first(group_of: np.ndarray, values: pd.Series, groups: int):
    """Per group, its first non-missing value (missing for none), as groupby's ``first`` gives it."""
    rows = np.flatnonzero(values.notna().to_numpy() & (group_of >= 0))
    first = np.full(groups, len(values), dtype=np.int64)
    np.minimum.at(first, group_of[rows], rows)
    return values.array.take(np.where(first < len(values), first, -1), allow_fill=True)


def _max(group_of: np.ndarray, values: pd.Series, groups: int) -> np.ndarray:
    """Per group, the largest non-missing value (NaN for none), as groupby's ``max`` gives it."""
    numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
    out = np.full(groups, np.nan)
    kept = group_of >= 0
    np.fmax.at(out, group_of[kept], numbers[kept])
    if values.dtype.kind in "iu":
        return out.astype(values.dtype)
    return out


def _counted(group_of: np.ndarray, flags: pd.Series, how: str, groups: int) -> np.ndarray:
    """Per group (``group_of``: each row's, -1 for none): its number of rows (``how`` "size"), or whether
    ``flags`` hold on "all" or "any" of them, as groupby's size/all/any give them, from one np.bincount
    (each of a named aggregation's functions is a pass of its own)."""
    kept = group_of >= 0
    if how == "size":
        return np.bincount(group_of[kept], minlength=groups)
    holds = flags.to_numpy(dtype=bool)
    if how == "any":
        return np.bincount(group_of[kept & holds], minlength=groups) > 0
    return np.bincount(group_of[kept & ~holds], minlength=groups) == 0


def numbered_rows(members: np.ndarray, codes: int) -> tuple[np.ndarray, np.ndarray]:
    """(each row's number among the distinct rows of ``members`` (integers below ``codes``), one row of each
    number): rows hashed to one integer each where that is exact (a few codes) or checked to be (equal
    numbers, equal rows), else compared as rows."""
    size = members.shape[1]
    exact = codes ** size < 2 ** 62
    if not exact and size > len(HASH):
        _, one, which = np.unique(members, axis=0, return_index=True, return_inverse=True)
        return which.reshape(-1), one
    weights = codes ** np.arange(size - 1, -1, -1, dtype=np.int64) if exact else HASH[:size]
    with np.errstate(over="ignore"):
        which, sets = pd.factorize(members @ weights)  # (a hash wraps around: checked below)
    one = np.empty(len(sets), dtype=np.int64)  # any row with each number (all of them equal, checked)
    one[which] = np.arange(len(which))
    if exact or (members == members[one[which]]).all():
        return which, one
    _, one, which = np.unique(members, axis=0, return_index=True, return_inverse=True)
    return which.reshape(-1), one


def _joined(group_of: np.ndarray, codes: np.ndarray, uniques, sep: str, groups: int,
            counts: np.ndarray | None = None) -> np.ndarray:
    """Per group, the distinct ``uniques`` its rows' ``codes`` (ranks of sorted texts, -1 for none) stand for,
    sorted and joined ("" for none): on integer codes, so millions of member rows never sort or deduplicate
    Python strings; a set of members shared by many groups (every period of a region) is joined once, sets
    being found as the distinct rows of a matrix per set size (no Python step per group). ``counts``, where
    given, is filled with each group's number of distinct values."""
    out = np.full(groups, "", dtype=object)
    keep = (codes >= 0) & (group_of >= 0)
    if not keep.any():
        return out
    codes = codes[keep]
    # (a stable sort: the rows come in runs of rising keys, which it merges ~3x faster than a quicksort;
    # np.unique's hashing: ~10x slower)
    key = np.sort(group_of[keep].astype(np.int64) * len(uniques) + codes, kind="stable")
    key = key[np.r_[True, key[1:] != key[:-1]]]
    group, code = np.divmod(key, len(uniques))
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, len(group)])
    texts = np.asarray(uniques, dtype=object)
    for size in np.unique(sizes):
        these = starts[sizes == size]
        members = code[these[:, None] + np.arange(size)]  # one row per group: its sorted codes
        which, one = numbered_rows(members, len(uniques))
        joined = np.empty(len(one), dtype=object)
        joined[:] = [sep.join(texts[members[at]]) for at in one]
        out[group[these]] = joined[which.reshape(-1)]
    if counts is not None:
        counts[group[starts]] = sizes
    return out
