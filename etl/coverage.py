"""Which areas a parent is made of, and how many of them the rows of each indicator, period and breakdown cover.

An aggregate is computed only when every member area has a row (``etl.aggregate``). Coverage is worked out
for all the indicators of a batch at once, and once per distinct set of area codes: most indicators,
periods and breakdowns have the same areas, so a release's thousands of groups need a few dozen sets.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from etl.distinct import distinct_rows
from etl.geography import Geography
from etl.rollup import numbered_rows
from vocab.levels import PARENT_LEVELS, UNITARY_PREFIXES

KEY = ["indicator", "parent_code", "parent_level", "period", "breakdown"]  # a coverage figure's group


def membership(geo: Geography, base: str) -> pd.DataFrame:
    """unit_code, member_code (today's code), parent_code, parent_level for every unit the geography knows.

    ``base`` is ``district`` (districts roll up to counties, LEPs, ... England) or ``upper_tier``
    (counties and unitaries roll up to LEPs, regions, England: for upper-tier-only indicators).
    """
    rows = []
    if base == "district":
        for district in geo.districts:
            for level in PARENT_LEVELS:
                parent = geo.parent_of(district, level)
                if parent is None or (level == "upper_tier" and parent == district):
                    continue
                rows.append((district, geo.current_code(district), parent, level))
    else:
        tier_of = {d: geo.upper_tier_of(d) for d in geo.districts}
        parent = {(d, level): geo.parent_of(d, level) for d in geo.districts for level in PARENT_LEVELS[1:]}
        districts_of: dict[str, list[str]] = {}  # (as Geography._common_parent finds them, once for all tiers)
        for district, tier in tier_of.items():
            districts_of.setdefault(tier, []).append(district)
        within = {}  # (tier, level) -> the parent the whole tier lies in (None: it straddles)
        for tier in sorted(t for t in districts_of if t):
            for level in PARENT_LEVELS[1:]:
                if tier[:3] in UNITARY_PREFIXES:
                    found = geo.parent_of(tier, level)
                else:  # the parent all its districts share
                    shared = {parent[(d, level)] for d in districts_of[tier]}
                    found = shared.pop() if len(shared) == 1 else None
                within[(tier, level)] = found
                if found is not None:
                    rows.append((tier, geo.current_code(tier), found, level))
        # a parent with a district whose council straddles its edge (Staffordshire in two LEPs) cannot be
        # made of whole councils: its councils would stand for only part of it
        partial = {(parent[(d, level)], level) for d in geo.districts for level in PARENT_LEVELS[1:]
                   if within.get((tier_of[d], level)) != parent[(d, level)]}
        rows = [r for r in rows if (r[2], r[3]) not in partial]
    return pd.DataFrame(rows, columns=["unit_code", "member_code", "parent_code", "parent_level"]).drop_duplicates()


def tier_districts(geo: Geography) -> pd.DataFrame:
    """unit_code (a council), district (today's code) for every district in each council's area."""
    pairs = {(tier, geo.current_code(d)) for d in geo.districts if (tier := geo.upper_tier_of(d))}
    return pd.DataFrame(sorted(pairs), columns=["unit_code", "district"])


class Coverage:
    """Per (indicator, parent, level, period, breakdown) of a table's rows, a count a parent's rows must reach
    to be complete (``_count``: per parent, 0 where none of the set's codes lies in it), worked out once per
    distinct set of codes a group's rows have (most indicators, periods and breakdowns share a few)."""

    parents: pd.DataFrame  # parent_code, parent_level: what ``_count``'s positions stand for

    def __init__(self):
        self.counts: dict[frozenset, np.ndarray] = {}  # set of codes -> count per parent

    def _count(self, present: frozenset) -> np.ndarray:
        raise NotImplementedError

    def _counted(self, present: frozenset) -> np.ndarray:
        if present not in self.counts:
            self.counts[present] = self._count(present)
        return self.counts[present]

    def __call__(self, units: pd.DataFrame) -> pd.Series:
        """The count per (indicator, parent, level, period, breakdown) of ``units``' rows (only parents they
        reach)."""
        found = _sets_by_group(units)
        if found is None:
            return pd.Series(dtype="int64", index=pd.MultiIndex.from_arrays([[]] * len(KEY), names=KEY))
        groups, sets = found
        group_parts, parent_parts, count_parts = [], [], []
        for group_numbers, codes in sets:  # (the groups with one set of codes, those codes)
            count = self._counted(frozenset(codes))
            where = np.flatnonzero(count)
            group_parts.append(np.repeat(group_numbers, len(where)))
            parent_parts.append(np.tile(where, len(group_numbers)))
            count_parts.append(np.tile(count[where], len(group_numbers)))
        group_of, parent_of = np.concatenate(group_parts), np.concatenate(parent_parts)
        index = pd.MultiIndex.from_arrays([
            groups["indicator"][group_of],
            self.parents["parent_code"].to_numpy(dtype=object)[parent_of],
            self.parents["parent_level"].to_numpy(dtype=object)[parent_of],
            groups["period"][group_of], groups["breakdown"][group_of]], names=KEY)
        return pd.Series(np.concatenate(count_parts), index=index, name="member_code")


class TierCoverage(Coverage):
    """How many of each parent's districts (today's codes) councils' rows cover; -1 where two rows cover
    the same district (an old and a new council both given)."""

    def __init__(self, members: pd.DataFrame, districts: pd.DataFrame):
        super().__init__()
        covered = members[["unit_code", "parent_code", "parent_level"]].merge(districts, on="unit_code")
        self.parent_of, self.parents = distinct_rows(covered, ["parent_code", "parent_level"])
        self.unit = covered["unit_code"].to_numpy(dtype=object)  # (a council, a parent, one of its districts)
        self.district, districts_seen = pd.factorize(covered["district"])
        self.n_districts = max(len(districts_seen), 1)

    def _count(self, present: frozenset) -> np.ndarray:
        rows = np.fromiter((u in present for u in self.unit), dtype=bool, count=len(self.unit))
        parent = self.parent_of[rows]
        given = np.bincount(parent, minlength=len(self.parents))  # rows per parent: each a district
        pairs = np.unique(parent * self.n_districts + self.district[rows])
        have = np.bincount(pairs // self.n_districts, minlength=len(self.parents))  # districts per parent
        return np.where(given == have, have, -1)


class DistrictCoverage(Coverage):
    """How many of each parent's members rows cover, for one geography's district membership.

    A member (today's code) is covered by its own row or by rows for all the codes it was formed from,
    so one of four old Somerset districts never stands for the whole of Somerset.
    """

    def __init__(self, members: pd.DataFrame, geo: Geography):
        super().__init__()
        self.geo = geo
        pairs = members[["parent_code", "parent_level", "member_code"]].drop_duplicates()
        self.all_members = pairs["member_code"].unique().tolist() if len(pairs) else []
        self.member_of_pair = pd.Index(self.all_members).get_indexer(pairs["member_code"])
        self.parent_of_pair, self.parents = distinct_rows(pairs, ["parent_code", "parent_level"])

    def _count(self, present: frozenset) -> np.ndarray:
        covered = np.array([m in present or self.geo.covered(m, present) for m in self.all_members], dtype=bool)
        return np.bincount(self.parent_of_pair[covered[self.member_of_pair]], minlength=len(self.parents))


def _sets_by_group(units: pd.DataFrame):
    """None for no rows, else (each (indicator, period, breakdown) group's values as arrays of texts, and per
    distinct set of area codes: the numbers of the groups whose rows have it, its codes): from one sort of
    an integer per row, sets of codes told apart per set size (``etl.rollup.numbered_rows``), so a
    national table's thousands of groups need no Python step each."""
    if units.empty:
        return None
    columns = [_numbered(units[c]) for c in ("indicator", "period", "breakdown", "area_code")]
    sizes = [len(labels) for _, labels in columns]
    key = np.zeros(len(units), dtype=np.int64)  # (each column's code + 1: 0 is a missing value)
    for (codes, _), size in zip(columns, sizes):
        key = key * (size + 1) + (codes + 1)
    pairs = np.sort(key, kind="stable")  # (runs of rising keys: merged fast; np.unique hashes: far slower)
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]  # distinct (group, area), by group then area
    area = pairs % (sizes[3] + 1) - 1
    group_key = pairs // (sizes[3] + 1)
    starts = np.flatnonzero(np.r_[True, group_key[1:] != group_key[:-1]])
    labels = [np.asarray(np.r_[[np.nan], np.asarray(labels, dtype=object)], dtype=object) for _, labels in columns]
    rest, groups = group_key[starts], {}
    for name, at in (("breakdown", 2), ("period", 1), ("indicator", 0)):
        rest, number = np.divmod(rest, sizes[at] + 1)
        groups[name] = labels[at][number]
    lengths = np.diff(np.r_[starts, len(pairs)])
    sets = []
    for length in np.unique(lengths):
        these = np.flatnonzero(lengths == length)
        members = area[starts[these][:, None] + np.arange(length)]
        which, one = numbered_rows(members + 1, sizes[3] + 1)
        order = np.argsort(which, kind="stable")
        bounds = np.searchsorted(which[order], np.arange(len(one) + 1))
        for k in range(len(one)):
            sets.append((these[order[bounds[k]:bounds[k + 1]]], labels[3][members[one[k]] + 1]))
    return groups, sets


def _numbered(column: pd.Series) -> tuple[np.ndarray, object]:
    """(each row's number, -1 for a missing value; the values numbered): a categorical's own codes."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    return pd.factorize(column)
