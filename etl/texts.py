"""The tidy table's text columns as pandas categoricals inside the build, object strings at its edges.

A national table repeats a few hundred codes, periods and breakdowns millions of times. As ``object``
columns every whole-table step (a contract check, a sort, a groupby, a comparison with "ok") hashes or
compares 5 M Python strings; as categoricals it works on small integer codes. Categories are kept
sorted, so sorting and grouping by them give the same order as the texts would. They stay categorical in
``BuildOutcome.indicators`` through the release files and the diff against the last release (which pairs
rows by codes over both releases' categories); pandera's report, which compares texts, sees ``object``
columns (``as_objects``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

TEXT_COLUMNS = ("indicator", "area_code", "area_name", "area_level", "period", "breakdown", "status", "unit",
                "source")


def is_categorical(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.CategoricalDtype)


def as_categories(df: pd.DataFrame, columns=TEXT_COLUMNS) -> pd.DataFrame:
    """``df`` with its ``columns`` (those it has) as categoricals with sorted categories (not copied otherwise)."""
    df = df.copy(deep=False)
    for column in columns:
        if column in df.columns and not is_categorical(df[column]):
            df[column] = _categorical(df[column])
    return df


def _categorical(series: pd.Series) -> pd.Categorical:
    codes, uniques = pd.factorize(series.to_numpy(dtype=object), sort=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))


def from_distinct(values: np.ndarray, index: np.ndarray) -> pd.Categorical:
    """``values[index]`` as a categorical (as ``as_categories`` makes it), hashing only ``values``: a reader's
    few distinct cells, spread to its rows by ``index``."""
    codes, uniques = pd.factorize(values, sort=True)
    used = np.zeros(len(uniques) + 1, dtype=bool)  # categories are the values rows have, as for a column
    used[codes[index] + 1] = True
    keep = np.flatnonzero(used[1:])
    renumber = np.full(len(uniques) + 1, -1, dtype=np.int64)  # old number + 1 -> new number (-1: missing)
    renumber[keep + 1] = np.arange(len(keep))
    return pd.Categorical.from_codes(renumber[codes[index] + 1], categories=pd.Index(uniques[keep], dtype=object))


def as_objects(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every categorical column back to object strings (missing: None), as the contract has them."""
    df = df.copy(deep=False)
    for column in df.columns:
        if is_categorical(df[column]):
            df[column] = pd.Series(objects(df[column]), index=df.index, dtype=object)  # not pandas' "str"
    return df


def objects(series: pd.Series) -> np.ndarray:
    """A categorical column's values as an object array (the categories' own strings; missing: None)."""
    codes = series.cat.codes.to_numpy()
    texts = np.empty(len(series.cat.categories) + 1, dtype=object)  # the last slot: code -1 (missing)
    texts[:-1] = series.cat.categories.to_numpy(dtype=object)
    return texts[codes]


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat`` keeping text columns categorical: each column's categories are unioned (and sorted) first
    (pandas would turn categoricals with different categories into strings).

    Frames with the same columns of plain numpy or categorical types (the build's own) are joined column by
    column on their codes: pandas' concat of hundreds of API pages recodes and copies each frame's blocks.
    Text columns that are object strings in every frame (parsers' tables) are joined first and numbered once,
    not once per frame."""
    if len(frames) > 1:
        joined = _concat_objects(frames)
        if joined is not None:
            return joined
    frames = [as_categories(f) for f in frames]
    joined = _concat_columns(frames) if len(frames) > 1 else None
    if joined is not None:
        return joined
    if len(frames) > 1:
        for column in TEXT_COLUMNS:
            if all(column in f.columns for f in frames):
                union = union_categories([f[column].cat.categories for f in frames])
                for f in frames:  # (each frame is a shallow copy of the caller's: only its codes are remade)
                    if not f[column].cat.categories.equals(union):
                        f[column] = f[column].cat.set_categories(union)
    return pd.concat(frames, ignore_index=True)


def _concat_objects(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """``concat(frames)`` where every frame has every text column, each as object strings in all frames or
    categorical in all of them: object ones joined and numbered once (the same sorted categories and codes as
    numbering each frame's and taking their union), categorical ones joined on their codes, the other
    columns joined as ``pd.concat`` joins them. None otherwise (``concat`` then works frame by frame)."""
    names = list(dict.fromkeys(name for f in frames for name in f.columns))
    if any(len(set(f.columns)) != len(f.columns) for f in frames):
        return None
    columns, objects_ = {}, []
    for name in [name for name in names if name in TEXT_COLUMNS]:
        parts = [f[name] for f in frames if name in f.columns]
        if len(parts) != len(frames):
            return None
        if all(p.dtype == object for p in parts):
            objects_.append(name)
        elif all(is_categorical(p) for p in parts):
            columns[name] = _concat_categorical(parts)
        else:
            return None
    if not objects_:
        return None  # (all categorical or none: ``_concat_columns`` or pandas join them)
    for name in objects_:
        columns[name] = _categorical(pd.Series(np.concatenate([f[name].to_numpy(dtype=object) for f in frames]),
                                               dtype=object, copy=False))
    rest = [name for name in names if name not in columns]
    if rest:
        joined = pd.concat([f[[c for c in rest if c in f.columns]] for f in frames], ignore_index=True)
        for name in rest:
            columns[name] = joined[name]
    return pd.DataFrame({name: columns[name] for name in names}, copy=False)


def concat_sorted(frames: list[pd.DataFrame], by: list[str]) -> pd.DataFrame:
    """``concat(frames).sort_values(by, kind="mergesort")`` numbered from 0, without the joined table in between:
    where ``by`` are categorical the order comes from their codes (one stable sort of one number per row) and
    each column is joined and put in that order in turn (a national table is 5 M rows)."""
    frames = [as_categories(f) for f in frames]
    joined = _concat_columns(frames, by)
    if joined is not None:
        return joined
    return concat(frames).sort_values(by, kind="mergesort").reset_index(drop=True)


def _concat_columns(frames: list[pd.DataFrame], by: list[str] | None = None) -> pd.DataFrame | None:
    """``frames`` joined column by column, as ``concat`` joins them (and with ``by``, categorical columns, in
    their stable order); None where a column is not one numpy dtype in every frame or categorical in every
    frame (``pd.concat`` then decides)."""
    names = list(frames[0].columns)
    if len(set(names)) != len(names) or any(list(f.columns) != names for f in frames[1:]):
        return None
    parts = {name: [f[name] for f in frames] for name in names}
    categorical = {name for name, series in parts.items() if all(is_categorical(p) for p in series)}
    for name, series in parts.items():
        dtype = series[0].dtype
        if name not in categorical and (not isinstance(dtype, np.dtype) or any(p.dtype != dtype for p in series)):
            return None
    order, keys = None, {}
    if by is not None:
        if not set(by) <= categorical:
            return None
        keys = {name: _concat_categorical(parts[name]) for name in by}
        order = stable_order([keys[name] for name in by])
    columns, inverse = {}, None
    for name in names:
        if name in categorical:
            values = keys.pop(name) if name in keys else _concat_categorical(parts[name])
            del parts[name]
            columns[name] = values if order is None or _constant(values.codes) else pd.Categorical.from_codes(
                values.codes[order], dtype=values.dtype, validate=False)  # (its own codes, reordered)
        else:
            arrays = [p.to_numpy() for p in parts.pop(name)]
            if order is None or _constant(np.concatenate([a[:1] for a in arrays])) and all(map(_constant, arrays)):
                columns[name] = np.concatenate(arrays)
            else:  # each part put straight into its rows' places (no joined copy to reorder)
                inverse = _inverse(order) if inverse is None else inverse
                columns[name] = values = np.empty(len(order), dtype=arrays[0].dtype)
                for array, start in zip(arrays, np.cumsum([0] + [len(a) for a in arrays[:-1]])):
                    values[inverse[start:start + len(array)]] = array
    return pd.DataFrame(columns, copy=False)


def _inverse(order: np.ndarray) -> np.ndarray:
    """Where each row goes: ``inverse[order[i]] == i``."""
    inverse = np.empty(len(order), dtype=np.intp)
    inverse[order] = np.arange(len(order))
    return inverse


def _constant(values: np.ndarray) -> bool:
    """Whether every element of ``values`` has the same bytes (then any order of them is the same array: a
    national table's empty confidence intervals and its one source are not reordered)."""
    if not len(values) or values.dtype.kind not in "biufcmM":
        return False
    bits = values.view(f"u{values.dtype.itemsize}") if values.dtype.itemsize in (1, 2, 4, 8) else None
    return bits is not None and bool((bits == bits[0]).all())


def stable_order(keys: list[pd.Categorical]) -> np.ndarray:
    """The positions that sort rows stably by ``keys`` (first most significant), each by its categories' order
    with missing last, as ``sort_values`` sorts categoricals: one number per row where they fit in 62 bits."""
    sizes = [len(k.categories) + 1 for k in keys]
    numbers = []
    for key, size in zip(keys, sizes):
        codes = key.codes.astype(np.int64)
        codes[codes < 0] = size - 1  # missing sorts last
        numbers.append(codes)
    if np.prod([float(s) for s in sizes]) >= 2.0 ** 62:
        return np.lexsort(numbers[::-1])
    combined = np.zeros(len(numbers[0]) if numbers else 0, dtype=np.int64)
    for codes, size in zip(numbers, sizes):
        combined *= size
        combined += codes
    return np.argsort(combined, kind="stable")


def _concat_categorical(parts: list[pd.Series]) -> pd.Categorical:
    """Categorical columns joined over the union of their categories (each part's codes renumbered)."""
    union = union_categories([p.cat.categories for p in parts])
    codes = []
    for part in parts:
        numbers = part.array.codes
        if part.cat.categories.equals(union):
            codes.append(numbers)
            continue
        renumber = np.append(union.get_indexer(part.cat.categories), -1)  # (code -1, missing, stays -1)
        codes.append(renumber[numbers])
    return pd.Categorical.from_codes(np.concatenate(codes), dtype=pd.CategoricalDtype(union))


def distinct_texts(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame | None:
    """Each combination of ``columns`` that rows of ``df`` have, once, as texts (missing: None), in code order,
    found by counting the columns' category codes; None where one is not categorical or there are too many
    possible combinations to count (the caller then asks pandas)."""
    if not all(c in df.columns and is_categorical(df[c]) for c in columns):
        return None
    sizes = [len(df[c].cat.categories) + 1 for c in columns]
    if np.prod([float(s) for s in sizes]) > 3.0 * len(df) + 1024:
        return None
    key = np.zeros(len(df), dtype=np.int64)
    for column, size in zip(columns, sizes):  # (in place: no temporary array per column)
        key *= size
        key += df[column].array.codes
        key += 1
    present = np.flatnonzero(np.bincount(key, minlength=1))
    texts, below = {}, int(np.prod(sizes))
    for column, size in zip(columns, sizes):
        below //= size
        values = np.append(df[column].cat.categories.to_numpy(dtype=object), None)  # (code -1: missing)
        texts[column] = values[present // below % size - 1]
    return pd.DataFrame(texts, dtype=object)


def union_categories(categories: list[pd.Index]) -> pd.Index:
    """Every category of ``categories``, once each and sorted (as ``pd.factorize(sort=True)`` would)."""
    first = categories[0]
    if all(c.equals(first) for c in categories[1:]):
        return first
    return pd.Index(pd.unique(np.concatenate([c.to_numpy(dtype=object) for c in categories])),
                    dtype=object).sort_values()
