"""Two files giving the same figures (indicator, area, period, breakdown): which are kept, and do they agree?

A file's figures for one period are one set: one vintage, one basis. Where two files cover the same
indicator and period and **conflict** - they disagree beyond the publisher's rounding on a figure both
give, or only one of them carries the counts behind its figures - one file's set is used whole for that
period, never a mix (districts from one vintage and their county from another would not add up; old and
new area codes from two files would count an area twice). The file is chosen as a statistician would:

1. the one published **with its counts** (numerator and denominator): areas made of areas can only be
   computed from those (DfE's KS4 file with pupil numbers over LAIT's averages for the same years);
2. else the one covering **more areas** (the finer building blocks: ONS's MYE2 gives every district);
3. else the **later release**, whose figures for that indicator reach a later period (publishers revise
   earlier years in later releases);
4. else the file read later (folder order).

Files that agree are merged row by row with the same order of preference. Every disagreement beyond
rounding (``decimals``, or ``rounding_base`` for counts; 0 for exact counts such as population
estimates) is a warning naming both files, how many figures differ and an example.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.errors import Problem
from etl.schema import KEY
from vocab.catalogue import INDICATORS

SET = ["indicator", "period"]
# why a file was preferred, in the order the criteria are applied
REASONS = ("has the counts behind the figures", "covers more areas", "is the later release",
           "comes later in the folder")


@dataclass
class OverlapResult:
    rows: pd.DataFrame  # one row per key
    superseded: list[str] = field(default_factory=list)  # what was set aside, and why
    problems: list[Problem] = field(default_factory=list)  # disagreements beyond rounding (warnings)


def tolerance(indicator_id: str) -> float:
    """The largest difference two copies of one published figure can show from rounding alone."""
    ind = INDICATORS[indicator_id]
    if ind.unit == "count":
        return ind.rounding_base / 2
    return 0.5 * 10.0 ** (-ind.decimals)


def resolve_overlaps(df: pd.DataFrame) -> OverlapResult:
    """Keep one row per key from ``df`` (columns KEY, value, numerator, denominator, period_start, and
    ``_order``/``_file`` naming each row's file); say which file was preferred, why, and where they differ."""
    if df.empty:
        return OverlapResult(df)
    shared = df.duplicated(KEY, keep=False).to_numpy()
    if not shared.any():  # no key given twice (the usual case): nothing to choose between or compare
        return OverlapResult(_in_file_order(df))
    # decided on the columns it reads (and each row's position), then the rows kept taken whole once
    narrow = df[[c for c in dict.fromkeys(NEEDED) if c in df.columns]].assign(_pos=np.arange(len(df)))
    result = _resolve(narrow, shared)
    positions = result.rows["_pos"].to_numpy()
    keep_all = len(positions) == len(df) and bool((positions == np.arange(len(df))).all())
    result.rows = df if keep_all else df.take(positions)
    return result


# the columns choosing between files reads
NEEDED = KEY + ["value", "numerator", "denominator", "period_start", "_order", "_file"]


def _resolve(df: pd.DataFrame, shared: np.ndarray) -> OverlapResult:
    """``resolve_overlaps`` on the columns it reads (``shared``: the rows whose key is on another row)."""
    df = df.assign(_has_counts=df["numerator"].notna() & df["denominator"].notna(),  # (a file is one _order)
                   _reach=df.groupby(["_order", "indicator"])["period_start"].transform("max"))
    involved = _in_shared_sets(df, shared)  # (only sets with a shared key have files to choose between)
    sets = df if involved.all() else df[involved]
    files = _file_sets(sets)
    pairs = _pairs(df, shared)
    result = OverlapResult(df)
    if pairs.empty:
        return _finish(result)
    conflicts = _conflicting_sets(pairs, files)
    winners = _best(files.merge(conflicts, on=SET))
    losing = files.merge(conflicts, on=SET).merge(winners[SET + ["_file"]], on=SET, suffixes=("", "_winner"))
    losing = losing[losing["_file"] != losing["_file_winner"]]
    dropped = np.zeros(len(df), dtype=bool)
    dropped[np.flatnonzero(involved)] = pd.MultiIndex.from_frame(sets[SET + ["_file"]]).isin(
        pd.MultiIndex.from_frame(losing[SET + ["_file"]]))
    for (loser, winner), grp in losing.merge(winners[SET + ["why"]], on=SET).groupby(["_file", "_file_winner"]):
        periods = ", ".join(sorted(grp["period"].unique()))
        indicators = ", ".join(sorted(grp["indicator"].unique()))
        result.superseded.append(
            f"{int(grp['rows'].sum())} rows of {loser} not used for {periods} ({indicators}): the figures of "
            f"{winner} are used whole for those periods, not mixed: it {grp['why'].iloc[0]}")
    decided = winners[SET + ["_file", "why"]].rename(columns={"_file": "_file_kept"})
    result.problems = _disagreements(pairs, decided)
    result.rows = df[~dropped]
    return _finish(result)


def _in_shared_sets(df: pd.DataFrame, shared: np.ndarray) -> np.ndarray:
    """The rows of every (indicator, period) set that has a row in ``shared`` (by category codes where SET
    is categorical)."""
    columns = [df[c] for c in SET]
    if all(isinstance(c.dtype, pd.CategoricalDtype) for c in columns):
        size = len(columns[1].cat.categories) + 1
        numbers = (columns[0].array.codes.astype(np.int64) + 1) * size + columns[1].array.codes + 1
        return np.isin(numbers, np.unique(numbers[shared]))
    return pd.MultiIndex.from_frame(df[SET]).isin(pd.MultiIndex.from_frame(df.loc[shared, SET]))


def _file_sets(df: pd.DataFrame) -> pd.DataFrame:
    """Per (indicator, period, file): rows, areas, whether it has counts, its reach and its folder order."""
    return df.groupby(SET + ["_file"], sort=True).agg(
        rows=("area_code", "size"), areas=("area_code", "nunique"), counts=("_has_counts", "any"),
        reach=("_reach", "max"), order=("_order", "max")).reset_index()


def _pairs(df: pd.DataFrame, shared: np.ndarray) -> pd.DataFrame:
    """Every two rows of different files with the same key (``shared``: the rows whose key is on another row),
    with whether they differ beyond rounding."""
    shared = df[shared][KEY + ["_file", "value"]]
    pairs = shared.merge(shared, on=KEY, suffixes=("", "_other"))
    pairs = pairs[pairs["_file"] < pairs["_file_other"]].copy()
    if pairs.empty:
        return pairs
    limit = pairs["indicator"].map(tolerance).astype("float64")  # (a categorical maps to one)
    pairs["differs"] = (pairs["value"].notna() & pairs["value_other"].notna()
                        & ((pairs["value"] - pairs["value_other"]).abs() > limit + 1e-9))
    return pairs


def _conflicting_sets(pairs: pd.DataFrame, files: pd.DataFrame) -> pd.DataFrame:
    """(indicator, period) sets two files both give that disagree, or where only one file has counts."""
    shared = pairs[SET].drop_duplicates()
    disagree = pairs.loc[pairs["differs"], SET].drop_duplicates()
    mixed_counts = files.merge(shared, on=SET).groupby(SET)["counts"].nunique()
    mixed_counts = mixed_counts[mixed_counts > 1].reset_index()[SET]
    return pd.concat([disagree, mixed_counts]).drop_duplicates().reset_index(drop=True)


def _best(files: pd.DataFrame) -> pd.DataFrame:
    """The preferred file per (indicator, period), with the first criterion that set it apart."""
    ranked = files.sort_values(SET + ["counts", "areas", "reach", "order"],
                               ascending=[True, True, False, False, False, False], kind="mergesort")
    best = ranked.drop_duplicates(SET, keep="first").copy()
    runner = ranked[ranked.duplicated(SET, keep="first")].drop_duplicates(SET, keep="first")
    both = best.merge(runner, on=SET, suffixes=("", "_next"))
    why = np.select([both["counts"] != both["counts_next"], both["areas"] != both["areas_next"],
                     both["reach"] != both["reach_next"]], REASONS[:3], REASONS[3])
    return best.merge(both[SET].assign(why=why), on=SET)


def _finish(result: OverlapResult) -> OverlapResult:
    """Row-by-row precedence among what is left (files that agree): counts, then later release, then order."""
    numbers = _key_numbers(result.rows)
    return _finish_frames(result) if numbers is None else _finish_codes(result, numbers)


def _key_numbers(df: pd.DataFrame) -> np.ndarray | None:
    """One number per row that sorts as ``sort_values(KEY)`` sorts categorical KEY columns (by code, missing
    last) and is equal exactly when the keys are; None where a KEY column is not categorical or they do not
    fit in 62 bits."""
    columns = [df[k] for k in KEY]
    if not all(isinstance(c.dtype, pd.CategoricalDtype) for c in columns):
        return None
    sizes = [len(c.cat.categories) + 1 for c in columns]
    if np.prod([float(s) for s in sizes]) >= 2.0 ** 62:
        return None
    numbers = np.zeros(len(df), dtype=np.int64)
    for column, size in zip(columns, sizes):
        codes = column.array.codes.astype(np.int64)
        numbers *= size
        numbers += np.where(codes < 0, size - 1, codes)
    return numbers


def _finish_codes(result: OverlapResult, numbers: np.ndarray) -> OverlapResult:
    """``_finish_frames`` on the KEY's numbers (``_key_numbers``): the same rows in the same order and the same
    notes, from one stable sort of positions instead of sorting, merging and grouping frames."""
    df = result.rows
    if not len(df) or not (np.diff(np.sort(numbers)) == 0).any():
        result.rows = _in_file_order(df.drop(columns=["_has_counts", "_reach"]))
        return result
    order = df["_order"].to_numpy()
    counts = df["_has_counts"].to_numpy(dtype=bool)
    reach = df["_reach"].to_numpy(dtype="datetime64[ns]")
    late = np.isnat(reach)
    reach_desc = np.where(late, np.iinfo(np.int64).max, -np.where(late, 0, reach.view(np.int64)))  # (NaT last)
    ranked = np.lexsort([-order, reach_desc, ~counts, numbers])  # (stable, as mergesort: KEY, then the rest)
    again = np.r_[False, numbers[ranked][1:] == numbers[ranked][:-1]]
    if again.any():
        first = np.maximum.accumulate(np.where(~again, np.arange(len(ranked)), 0))  # each row's kept row
        dropped, kept = ranked[again], ranked[first[again]]
        files = df["_file"].to_numpy(dtype=object)
        other = files[dropped] != files[kept]
        dropped, kept = dropped[other], kept[other]
        why = np.where(counts[kept] & ~counts[dropped], REASONS[0],
                       np.where(reach[kept] > reach[dropped], REASONS[2], REASONS[3]))
        tally = Counter(zip(files[dropped].tolist(), files[kept].tolist(), why.tolist()))
        for (older, newer, reason), n in sorted(tally.items()):
            result.superseded.append(f"{n} rows of {older} superseded by {newer} (the same figures): it {reason}")
    kept_rows = ranked[~again]
    result.rows = df.drop(columns=["_has_counts", "_reach"]).take(
        kept_rows[np.argsort(order[kept_rows], kind="stable")])
    return result


def _finish_frames(result: OverlapResult) -> OverlapResult:
    """``_finish`` by sorting, merging and grouping frames (KEY columns of any type)."""
    df = result.rows
    if not df.duplicated(KEY).any():  # nothing to choose between (the usual case): keep the rows as they are
        result.rows = _in_file_order(df.drop(columns=["_has_counts", "_reach"]))
        return result
    ranked = df.sort_values(KEY + ["_has_counts", "_reach", "_order"], ascending=[True] * len(KEY) + [False] * 3,
                            kind="mergesort")
    dropped_mask = ranked.duplicated(KEY, keep="first")
    kept, dropped = ranked[~dropped_mask], ranked[dropped_mask]
    if not dropped.empty:
        pairs = dropped.merge(kept[KEY + ["_file", "_has_counts", "_reach"]], on=KEY, suffixes=("", "_kept"))
        pairs = pairs[pairs["_file"] != pairs["_file_kept"]]
        why = np.where(pairs["_has_counts_kept"] & ~pairs["_has_counts"], REASONS[0],
                       np.where(pairs["_reach_kept"] > pairs["_reach"], REASONS[2], REASONS[3]))
        for (older, newer, reason), n in pairs.assign(why=why).groupby(["_file", "_file_kept", "why"]).size().items():
            result.superseded.append(f"{n} rows of {older} superseded by {newer} (the same figures): it {reason}")
    result.rows = kept.drop(columns=["_has_counts", "_reach"]).sort_values("_order", kind="mergesort")
    return result


def _in_file_order(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` sorted by ``_order`` (stable); not copied when it already is (files are combined in order: at
    national scale a sort is a copy of millions of rows)."""
    return df if df["_order"].is_monotonic_increasing else df.sort_values("_order", kind="mergesort")


def _disagreements(pairs: pd.DataFrame, decided: pd.DataFrame) -> list[Problem]:
    """One warning per file pair and indicator whose shared figures differ beyond rounding."""
    problems = []
    differing = pairs[pairs["differs"]].merge(decided, on=SET)
    for (one, other, indicator_id), grp in differing.groupby(["_file", "_file_other", "indicator"], sort=True):
        shared = pairs[(pairs["_file"] == one) & (pairs["_file_other"] == other) & (pairs["indicator"] == indicator_id)]
        gap = (grp["value"] - grp["value_other"]).abs()
        used = sorted(set(grp["_file_kept"]))
        periods = ", ".join(sorted(grp["period"].unique()))
        problems.append(Problem(
            file=one, severity="warning",
            message=(f"'{one}' and '{other}' give different {indicator_id} figures for {len(grp):,} of the "
                     f"{len(shared):,} rows both have ({periods}), beyond rounding (e.g. {_example(grp.iloc[0])}; "
                     f"largest: {_example(grp.loc[gap.idxmax()])}); the figures of "
                     f"{' and '.join(repr(u) for u in used)} are used for those periods: it "
                     f"{grp['why'].iloc[0]}"),
            expected="the same figure in both files", found=f"{len(grp):,} differences"))
    return problems


def _example(row: pd.Series) -> str:
    digits = INDICATORS[row["indicator"]].decimals
    return (f"{row['area_code']} {row['period']} {row['breakdown']}: {row['value']:,.{digits}f} vs "
            f"{row['value_other']:,.{digits}f}")
