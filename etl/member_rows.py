"""Each building block's rows joined to every parent area it lies in, a bounded number of rows at a time.

At national scale each district row is joined to a dozen parents (tens of millions of rows): the join is
done a few levels and a few periods at a time, on integer codes rather than texts, so the joined rows
(the build's memory peak) stay about the table's size.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

JOINED_ROWS = 1_000_000  # rows joined to their parents at once: levels are taken a few at a time up to this


def encoded(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, dict] | None:
    """(frame, labels): the group ``columns`` as integer ranks of their sorted texts (groups then sort as
    the texts do), 1-2 bytes a row, not 8; ``labels`` turns ranks back into texts. None where a group
    column has a missing value (the columns are then left as texts)."""
    encoded, labels = frame.copy(deep=False), {}
    for column in columns:
        codes, uniques = pd.factorize(frame[column], sort=True)
        if (codes < 0).any():
            return None
        encoded[column] = codes.astype(np.min_scalar_type(len(uniques)))
        labels[column] = np.asarray(uniques, dtype=object)
    return encoded, labels


def level_batches(members: pd.DataFrame, rows: int):
    """``members`` a few levels at a time, so that about ``rows`` × levels stays under JOINED_ROWS (one batch
    for a table of a few thousand rows: each batch is a pass over the rows)."""
    levels = [frame for _, frame in members.groupby("parent_level", sort=True)]
    step = max(1, JOINED_ROWS // max(rows, 1))
    for start in range(0, len(levels), step):
        yield pd.concat(levels[start:start + step], ignore_index=True)


def period_chunks(periods: pd.Series):
    """Row positions of ``periods`` a few whole periods at a time, about JOINED_ROWS rows each (a larger
    period alone), in row order within each; one chunk (None: every row) for a table under JOINED_ROWS.
    Every group combined lies in one period, so chunks give the same groups with the same rows in order."""
    if len(periods) <= JOINED_ROWS:
        yield None
        return
    codes, _ = pd.factorize(periods)
    sizes = np.bincount(codes)
    chunk_of_period = np.zeros(len(sizes), dtype=np.int64)
    chunk, filled = 0, 0
    for period, size in enumerate(sizes):
        if filled and filled + size > JOINED_ROWS:
            chunk, filled = chunk + 1, 0
        chunk_of_period[period] = chunk
        filled += size
    chunk_of_row = chunk_of_period[codes]
    order = np.argsort(chunk_of_row, kind="stable")
    bounds = np.searchsorted(chunk_of_row[order], np.arange(chunk + 2))
    for c in range(chunk + 1):
        yield order[bounds[c]:bounds[c + 1]]


def members_joined(slim: pd.DataFrame, members: pd.DataFrame, unit_of_row: tuple) -> pd.DataFrame:
    """Each unit row with each parent it lies in (rows of a group in ``slim``'s order, as a merge gives them);
    where an old code and its successor both have a row, only the successor's is kept.

    ``unit_of_row``: (each row's number among the distinct codes, the distinct codes) of ``slim``'s
    area_code. A unit lies in one parent of a level, so each level's join is a lookup, not a merge."""
    # whether each unit's code is today's, worked out per unit; today's codes as numbers (only compared)
    members = members.assign(is_current=(members["unit_code"] == members["member_code"]).to_numpy(),
                             member_code=pd.factorize(members["member_code"])[0])
    parts = [_joined_level(slim, level, unit_of_row) for _, level in members.groupby("parent_level", sort=False)]
    merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0] if parts else slim.iloc[0:0]
    if merged.empty:
        return merged
    is_current = merged["is_current"].to_numpy()
    if not is_current.all():  # (all current, the usual case: nothing to set aside)
        # only rows of a district that has an old code can be set aside: the groups are formed among those
        member = merged["member_code"]
        maybe = member.isin(pd.unique(member[~is_current])).to_numpy()
        candidates = merged[maybe]
        has_current = candidates.groupby(["indicator", "parent_code", "period", "breakdown", "member_code"])[
            "is_current"].transform("any").to_numpy()
        drop = np.zeros(len(merged), dtype=bool)
        drop[np.flatnonzero(maybe)[~candidates["is_current"].to_numpy() & has_current]] = True
        merged = merged[~drop]
    return merged.drop(columns=["member_code", "is_current"])  # not needed to combine


def _joined_level(slim: pd.DataFrame, members: pd.DataFrame, unit_of_row: tuple) -> pd.DataFrame:
    """``slim``'s rows with their parent of one level (member_code, parent_code, parent_level, is_current)."""
    if not members["unit_code"].is_unique:
        return slim.merge(members, left_on="area_code", right_on="unit_code").drop(columns="unit_code")
    codes, units = unit_of_row
    at = pd.Index(members["unit_code"]).get_indexer(units)[codes]
    keep = at >= 0
    joined = slim[keep] if not keep.all() else slim.copy(deep=False)
    for column in ("member_code", "parent_code", "parent_level", "is_current"):
        joined[column] = members[column].to_numpy()[at[keep]]
    return joined.reset_index(drop=True)
