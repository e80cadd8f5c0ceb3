"""District (or upper-tier) values -> values for the areas they make up, by each indicator's rule.

``sum`` adds counts; ``ratio`` divides summed numerators by summed denominators; ``weighted_mean``
divides summed totals (e.g. Attainment 8 points) by summed weights (pupils). Rates are never averaged:
a rate published without its counts is weighted by its population (``etl.denominators``), which makes
it a ratio of estimated counts. An aggregate is computed only when every member area has a row for
that period and breakdown, from the smallest complete building blocks: districts where they all have
what the rule needs, else the counties and unitaries. Where the publisher gives its own figure for the
area we keep the publisher's and record the difference from ours; every figure we compute (and every
one we could not) is described in ``derivations`` for the dashboard's notes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.denominators import population_weights
from etl.derivations import derivation_table, empty_derivations
from etl.distinct import distinct_rows, per_distinct
from etl.groupsum import kahan_group_sums
from etl.memory import give_back
from etl.texts import as_objects
from etl.geography import Geography
from etl.schema import STATUSES_WITH_VALUE, tidy_frame
from vocab.catalogue import INDICATORS, Indicator
from vocab.levels import PARENT_LEVELS, UNITARY_PREFIXES

SCALE = {"percent": 100.0, "per_100k": 100_000.0, "count": 1.0, "score": 1.0}
BASES = ("district", "upper_tier")  # building blocks, finest first
GROUP = ["parent_code", "parent_level", "period", "breakdown"]


@dataclass
class AggregationResult:
    rows: pd.DataFrame  # derived tidy rows for areas the publishers did not give
    comparisons: pd.DataFrame  # ours vs the publisher's own figure
    notes: list[str] = field(default_factory=list)  # aggregates that could not be computed, and why
    derivations: pd.DataFrame = field(default_factory=empty_derivations)  # how each derived row was made


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
        tiers = sorted({t for d in geo.districts if (t := geo.upper_tier_of(d))})
        within = {}  # (tier, level) -> the parent the whole tier lies in (None: it straddles)
        for tier in tiers:
            for level in PARENT_LEVELS[1:]:
                parent = geo.parent_of(tier, level) if tier[:3] in UNITARY_PREFIXES else geo._common_parent(tier, level)
                within[(tier, level)] = parent
                if parent is not None:
                    rows.append((tier, geo.current_code(tier), parent, level))
        # a parent with a district whose council straddles its edge (Staffordshire in two LEPs) cannot be
        # made of whole councils: its councils would stand for only part of it
        partial = {(geo.parent_of(d, level), level) for d in geo.districts for level in PARENT_LEVELS[1:]
                   if within.get((geo.upper_tier_of(d), level)) != geo.parent_of(d, level)}
        rows = [r for r in rows if (r[2], r[3]) not in partial]
    return pd.DataFrame(rows, columns=["unit_code", "member_code", "parent_code", "parent_level"]).drop_duplicates()


COMBINED = ["area_code", "period", "breakdown", "value", "status", "numerator", "denominator", "source",
            "population_year", "requested_year"]  # the columns _combine reads from each member row


def _slim(units: pd.DataFrame) -> pd.DataFrame:
    """Only the columns combining needs: each district row is joined to every area it lies in (tens of
    millions of rows at national scale), so each column carried along costs memory and time."""
    return units[[c for c in COMBINED if c in units.columns]]


def _encoded(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, dict] | None:
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


JOINED_ROWS = 1_000_000  # rows joined to their parents at once: levels are taken a few at a time up to this


def _level_batches(members: pd.DataFrame, rows: int):
    """``members`` a few levels at a time, so that about ``rows`` × levels stays under JOINED_ROWS (one batch
    for a table of a few thousand rows: each batch is a pass over the rows)."""
    levels = [frame for _, frame in members.groupby("parent_level", sort=True)]
    step = max(1, JOINED_ROWS // max(rows, 1))
    for start in range(0, len(levels), step):
        yield pd.concat(levels[start:start + step], ignore_index=True)


def _period_chunks(periods: pd.Series):
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


def _members_joined(slim: pd.DataFrame, members: pd.DataFrame, unit_of_row: tuple) -> pd.DataFrame:
    """Each unit row with each parent it lies in (rows of a group in ``slim``'s order, as a merge gives them);
    where an old code and its successor both have a row, only the successor's is kept.

    ``unit_of_row``: (each row's number among the distinct codes, the distinct codes) of ``slim``'s
    area_code. A unit lies in one parent of a level, so each level's join is a lookup, not a merge."""
    parts = [_joined_level(slim, level, unit_of_row) for _, level in members.groupby("parent_level", sort=False)]
    merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0] if parts else slim.iloc[0:0]
    if merged.empty:
        return merged
    is_current = merged["is_current"]
    if not is_current.all():  # (all current, the usual case: nothing to set aside)
        has_current = merged.groupby(["parent_code", "period", "breakdown", "member_code"])[
            "is_current"].transform("any")
        merged = merged[is_current | ~has_current]
    return merged.drop(columns=["member_code", "is_current"])  # not needed to combine


def _joined_level(slim: pd.DataFrame, members: pd.DataFrame, unit_of_row: tuple) -> pd.DataFrame:
    """``slim``'s rows with their parent of one level (member_code, parent_code, parent_level) and whether
    the row's code is today's (is_current: worked out per unit, not compared row by row)."""
    members = members.assign(is_current=(members["unit_code"] == members["member_code"]).to_numpy())
    if not members["unit_code"].is_unique:
        return slim.merge(members, left_on="area_code", right_on="unit_code").drop(columns="unit_code")
    codes, units = unit_of_row
    at = pd.Index(members["unit_code"]).get_indexer(units)[codes]
    keep = at >= 0
    joined = slim[keep] if not keep.all() else slim.copy(deep=False)
    for column in ("member_code", "parent_code", "parent_level", "is_current"):
        joined[column] = members[column].to_numpy()[at[keep]]
    return joined.reset_index(drop=True)


def _units(df: pd.DataFrame, base: str) -> pd.DataFrame:
    if base == "district":
        return df[df["area_level"] == "district"]
    unitary = per_distinct(df["area_code"], lambda c: isinstance(c, str) and c[:3] in UNITARY_PREFIXES).astype(bool)
    return df[(df["area_level"] == "upper_tier") | unitary]


def aggregate(tidy: pd.DataFrame, geo: Geography) -> AggregationResult:
    """Derived rows for every parent area whose members are all present, plus publisher comparisons."""
    derived, comparisons, notes, described = [], [], [], []
    memberships = {base: membership(geo, base) for base in BASES}
    # completeness is counted in today's districts, so a council that was split or merged (Cumbria ->
    # Cumberland + Westmorland and Furness) covers the same area under its old or its new codes
    expected = memberships["district"].groupby(["parent_code", "parent_level"])["member_code"].nunique()
    tier_districts = _tier_districts(geo)
    weights = population_weights(tidy)
    read = ["indicator", "area_level"] + [c for c in COMBINED if c in tidy.columns]  # each indicator's rows, slim
    for indicator_id, df in _by_indicator(tidy, read):
        ind = INDICATORS[indicator_id]
        if ind.aggregation == "none":
            continue
        if ind.denominator == "population":
            df = _weighted_by_population(df, weights, ind)
        results, failures = [], []
        for rank, base in enumerate(BASES):
            units = _units(df, base)
            slim = _slim(units)
            coded = _encoded(slim, ["period", "breakdown"])
            slim, unit_labels = coded if coded else (slim, None)
            unit_of_row = pd.factorize(slim["area_code"])
            coverage = None
            # a few levels of parents at a time: each district row is joined to one parent per level, so at
            # national scale the joined rows (the build's memory peak) are the table's size, not ×levels
            for members in _level_batches(memberships[base], len(slim)):
                parents = _encoded(members, ["parent_code", "parent_level"]) if unit_labels is not None else None
                members, labels = (parents[0], {**unit_labels, **parents[1]}) if parents else (members, {})
                if not parents and unit_labels is not None:  # texts throughout, as the units' columns
                    slim, unit_labels = _slim(units), None
                    unit_of_row = pd.factorize(slim["area_code"])
                for rows in _period_chunks(slim["period"]):  # a group lies in one period: combined apart
                    part = slim if rows is None else slim.take(rows)
                    codes = unit_of_row if rows is None else (unit_of_row[0][rows], unit_of_row[1])
                    merged = _members_joined(part, members, codes)
                    del part
                    if merged.empty:
                        continue
                    if coverage is None:
                        coverage = (_coverage(units, memberships[base], geo) if base == "district"
                                    else _tier_coverage(units, memberships[base], tier_districts))
                    result, failed = _combine(merged, ind, expected, coverage, labels)
                    del merged
                    give_back()  # a national batch frees hundreds of MB (etl.memory)
                    results.append(result.assign(base=base, rank=rank))
                    failures.append(failed.assign(base=base, rank=rank))
        if not results:
            continue
        result = _smallest_complete(pd.concat(results, ignore_index=True))
        failures = pd.concat(failures, ignore_index=True)
        published = _publishers_figures(tidy, indicator_id, [result, failures])
        is_published = _is_published(result, published, indicator_id)
        mine, theirs = result[~is_published], result[is_published]
        unresolved = _unresolved(failures, result, published, indicator_id)
        notes.extend(_notes(unresolved, ind))
        described.append(derivation_table(mine, unresolved, ind, geo.name_of))
        if not theirs.empty:
            pub = published.loc[list(zip([indicator_id] * len(theirs), theirs["parent_code"], theirs["period"],
                                         theirs["breakdown"]))]
            comparisons.append(pd.DataFrame({
                "indicator": indicator_id, "area_code": theirs["parent_code"].to_numpy(),
                "period": theirs["period"].to_numpy(), "breakdown": theirs["breakdown"].to_numpy(),
                "ours": theirs["value"].to_numpy(), "publisher": pub["value"].to_numpy(),
                "members": theirs["n_rows"].to_numpy(), "source": pub["source"].to_numpy()}))
        if not mine.empty:
            derived.append(pd.DataFrame({
                "indicator": indicator_id, "area_code": mine["parent_code"].to_numpy(),
                "area_name": [geo.name_of(c) for c in mine["parent_code"]],
                "area_level": mine["parent_level"].to_numpy(), "period": mine["period"].to_numpy(),
                "breakdown": mine["breakdown"].to_numpy(), "value": mine["value"].to_numpy(),
                "status": mine["status"].to_numpy(), "numerator": mine["numerator"].to_numpy(),
                "denominator": mine["denominator"].to_numpy(), "unit": ind.unit,
                "source": mine["source"].to_numpy(), "derived": True}))
    rows = tidy_frame(pd.concat(derived, ignore_index=True)) if derived else tidy_frame([])
    comparison = pd.concat(comparisons, ignore_index=True) if comparisons else pd.DataFrame(
        columns=["indicator", "area_code", "period", "breakdown", "ours", "publisher", "members", "source"])
    if not comparison.empty:
        comparison["difference"] = comparison["ours"] - comparison["publisher"]
    derivations = pd.concat(described, ignore_index=True) if described else empty_derivations()
    return AggregationResult(rows=rows, comparisons=comparison, notes=sorted(set(notes)), derivations=derivations)


def aggregate_groups(tidy: pd.DataFrame, members: pd.DataFrame, breakdown: str | None = None) -> pd.DataFrame:
    """Figures for groups of areas that are not places (a council's statistical neighbours, a district's
    similar districts), by each indicator's rule, only where every member has its figure for the period.

    ``members``: area_code (whose group), group (its kind), member_code. Returns group, area_code,
    indicator, period, breakdown, value, status, numerator, denominator, members (codes used, comma-separated)
    and member_count; only ``breakdown`` when given (population weights come from every breakdown)."""
    columns = ["group", "area_code", "indicator", "period", "breakdown", "value", "status", "numerator",
               "denominator", "members", "member_count"]
    owners = members.rename(columns={"area_code": "parent_code", "group": "parent_level"}).drop_duplicates()
    expected = owners.groupby(["parent_code", "parent_level"])["member_code"].nunique()
    weights = population_weights(tidy)
    wanted = tidy if breakdown is None else tidy[tidy["breakdown"] == breakdown]
    out = []
    for indicator_id, df in wanted.groupby("indicator", sort=True):
        ind = INDICATORS[indicator_id]
        if ind.aggregation == "none":
            continue
        if ind.denominator == "population":
            df = _weighted_by_population(df, weights, ind)
        merged = df.merge(owners, left_on="area_code", right_on="member_code")
        if merged.empty:
            continue
        coverage = merged.groupby(GROUP)["area_code"].nunique()
        result, _failed = _combine(merged, ind, expected, coverage)
        out.append(pd.DataFrame({
            "group": result["parent_level"].to_numpy(), "area_code": result["parent_code"].to_numpy(),
            "indicator": indicator_id, "period": result["period"].to_numpy(),
            "breakdown": result["breakdown"].to_numpy(), "value": result["value"].to_numpy(dtype=float),
            "status": result["status"].to_numpy(), "numerator": result["numerator"].to_numpy(dtype=float),
            "denominator": result["denominator"].to_numpy(dtype=float), "members": result["blocks"].to_numpy(),
            "member_count": result["n_rows"].to_numpy(dtype="int64")}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=columns)


def _weighted_by_population(df: pd.DataFrame, weights: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """Rates published without counts get numerator = rate x population / scale and denominator = population,
    so the ``ratio`` rule gives sum(rate x population) / sum(population). Only for combining: the published
    rows in the release keep what the publisher said."""
    mine = weights[weights["indicator"] == ind.id].drop(columns="indicator")
    out = df.drop(columns=["numerator", "denominator"]).merge(mine, on=["area_code", "period", "breakdown"],
                                                               how="left")
    out["denominator"] = out["weight"].where(out["value"].notna())
    out["numerator"] = out["value"] * out["denominator"] / SCALE[ind.unit]
    return out.drop(columns="weight")


def _by_indicator(tidy: pd.DataFrame, columns: list[str]):
    """(indicator id, its rows' ``columns``) in id order, as ``groupby("indicator")`` gives them, one indicator
    copied at a time (iterating a groupby first copies the whole table, sorted)."""
    ids = tidy["indicator"]
    for indicator_id in sorted(i for i in ids.unique() if isinstance(i, str)):
        yield indicator_id, tidy.loc[(ids == indicator_id).to_numpy(), columns]


def _publishers_figures(tidy: pd.DataFrame, indicator_id: str, groups: list[pd.DataFrame]) -> pd.DataFrame:
    """The publisher's own figure and source for the parent areas in ``groups``, indexed by indicator, area,
    period and breakdown (to compare ours with): only those rows, not an index of every row of the table."""
    parents = pd.unique(np.concatenate([g["parent_code"].to_numpy(dtype=object) for g in groups]))
    rows = tidy[(tidy["indicator"] == indicator_id) & tidy["area_code"].isin(parents)]
    return as_objects(rows[["indicator", "area_code", "period", "breakdown", "value", "source"]]).set_index(
        ["indicator", "area_code", "period", "breakdown"])


def _is_published(groups: pd.DataFrame, published: pd.DataFrame, indicator_id: str) -> np.ndarray:
    """Which groups the publisher gives a figure for itself (ours is then only compared with it)."""
    if groups.empty or published.empty:
        return np.zeros(len(groups), bool)
    key = pd.MultiIndex.from_arrays([np.full(len(groups), indicator_id, dtype=object)] + [
        groups[c].to_numpy(dtype=object) for c in ("parent_code", "period", "breakdown")])
    return key.isin(published.index)


def _smallest_complete(results: pd.DataFrame) -> pd.DataFrame:
    """One result per group: from the finest building blocks that are all there with what the rule needs.
    A suppressed district is there (its figure exists, unknown to us): the total stays missing."""
    ranked = results.sort_values(GROUP + ["rank"], kind="mergesort")
    return ranked.drop_duplicates(GROUP, keep="first").reset_index(drop=True)


def _unresolved(failures: pd.DataFrame, result: pd.DataFrame, published: pd.DataFrame,
                indicator_id: str) -> pd.DataFrame:
    """Groups no building blocks could compute and the publisher does not give: one reason each, from the
    blocks that came closest (all members present beats members missing; finer blocks first)."""
    if failures.empty:
        return failures
    if len(result):
        failures = failures[~pd.MultiIndex.from_frame(failures[GROUP]).isin(pd.MultiIndex.from_frame(result[GROUP]))]
    failures = failures[~_is_published(failures, published, indicator_id)]
    ordered = failures.assign(_partial=failures["reason"] == "members_missing").sort_values(
        GROUP + ["_partial", "rank"], kind="mergesort")
    return ordered.drop_duplicates(GROUP, keep="first").drop(columns="_partial").reset_index(drop=True)


def _notes(unresolved: pd.DataFrame, ind: Indicator) -> list[str]:
    """One line per parent and reason for the validation report (totals only)."""
    notes = []
    totals = unresolved[unresolved["breakdown"] == "total"] if len(unresolved) else unresolved
    for (code, level, reason), grp in totals.groupby(["parent_code", "parent_level", "reason"], sort=True):
        first = grp.iloc[0]
        if reason == "members_missing":
            notes.append(f"{ind.id}: {level} {code} not computed for {len(grp)} period(s): members missing "
                         f"(e.g. {first['period']}: {max(int(first['have']), 0)} of its {int(first['want'])} "
                         "districts covered)")
        elif reason == "no_population":
            notes.append(f"{ind.id}: {code} not computed for {len(grp)} period(s): a member has no population "
                         f"{ind.population_band} (e.g. {first['period']}: {first['lacking']} for "
                         f"mid-{int(first['population_year'])})")
        elif reason == "no_weight":
            notes.append(f"{ind.id}: {code} not computed: a member has no weight (e.g. pupil numbers)")
        else:
            notes.append(f"{ind.id}: {code} not computed: a member has no numerator/denominator counts")
    return notes


def _tier_districts(geo: Geography) -> pd.DataFrame:
    """unit_code (a council), district (today's code) for every district in each council's area."""
    pairs = {(tier, geo.current_code(d)) for d in geo.districts if (tier := geo.upper_tier_of(d))}
    return pd.DataFrame(sorted(pairs), columns=["unit_code", "district"])


def _tier_coverage(units: pd.DataFrame, members: pd.DataFrame, tier_districts: pd.DataFrame) -> pd.Series:
    """How many of each parent's districts (today's codes) the councils' rows cover, per (parent, level,
    period, breakdown); -1 where two rows cover the same district (an old and a new council both given)."""
    present = units[["area_code", "period", "breakdown"]].drop_duplicates().rename(columns={"area_code": "unit_code"})
    covered = present.merge(members[["unit_code", "parent_code", "parent_level"]], on="unit_code").merge(
        tier_districts, on="unit_code")
    if covered.empty:
        return pd.Series(dtype="float64")
    grouped = covered.groupby(["parent_code", "parent_level", "period", "breakdown"])["district"]
    have = grouped.nunique()
    return have.where(grouped.size() == have, -1)


def _coverage(units: pd.DataFrame, members: pd.DataFrame, geo: Geography) -> pd.Series:
    """How many of each parent's members the rows cover, per (parent, level, period, breakdown).

    A member (today's code) is covered by its own row or by rows for all the codes it was formed
    from, so one of four old Somerset districts never stands for the whole of Somerset.
    """
    all_members = members["member_code"].unique().tolist()
    pairs = members[["parent_code", "parent_level", "member_code"]].drop_duplicates()
    if units.empty:
        return pd.DataFrame(columns=["period", "breakdown", "member_code"]).merge(pairs, on="member_code").groupby(
            ["parent_code", "parent_level", "period", "breakdown"])["member_code"].nunique()
    # most periods and breakdowns have the same areas: each distinct set of codes is worked out once
    set_ids: dict[bytes, int] = {}
    groups, counts = [], []
    for period, breakdown, key, codes in _codes_by_group(units):
        if key not in set_ids:
            present = frozenset(codes)
            set_ids[key] = len(set_ids)
            covered = [m for m in all_members if m in present or geo.covered(m, present)]
            counts.append(pairs[pairs["member_code"].isin(covered)].groupby(["parent_code", "parent_level"])[
                "member_code"].nunique().reset_index().assign(_set=set_ids[key]))
        groups.append((period, breakdown, set_ids[key]))
    covered = pd.DataFrame(groups, columns=["period", "breakdown", "_set"]).merge(pd.concat(counts), on="_set")
    return covered.set_index(["parent_code", "parent_level", "period", "breakdown"])["member_code"].sort_index()


def _codes_by_group(units: pd.DataFrame):
    """(period, breakdown, a key of its rows' distinct area codes, those codes) per (period, breakdown) of
    ``units``: from one sort of the rows' numbers, not a pandas group and a set of strings for each of
    thousands of groups (equal keys: equal sets of codes)."""
    group, keys = distinct_rows(units, ["period", "breakdown"])
    numbers, codes = pd.factorize(units["area_code"], sort=True)
    codes = np.asarray(codes, dtype=object)
    order = np.lexsort((numbers, group))
    group, numbers = group[order], numbers[order]
    distinct = np.r_[True, (group[1:] != group[:-1]) | (numbers[1:] != numbers[:-1])]
    group, numbers = group[distinct], numbers[distinct]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    periods, breakdowns = (keys[c].to_numpy(dtype=object) for c in ("period", "breakdown"))
    for number, present in zip(group[starts], np.split(numbers, starts[1:])):
        yield periods[number], breakdowns[number], present.tobytes(), codes[present]


def _combine(merged: pd.DataFrame, ind: Indicator, expected: pd.Series,
             coverage: pd.Series, labels: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the indicator's rule per (parent, period, breakdown) group: (computed groups, failed groups with
    a ``reason``: members_missing, no_counts, no_weight or no_population)."""
    rule = ind.aggregation
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
        lacking=merged["area_code"].where(has_value & merged["denominator"].isna()),
    )
    if "population_year" not in frame.columns:
        frame = frame.assign(population_year=np.nan, requested_year=np.nan)
    grouped = frame.groupby(GROUP, sort=True)
    out = grouped.agg(source=("source", "first"), population_year=("population_year", "max"),
                      requested_year=("requested_year", "max")).reset_index()
    for column, texts in (labels or {}).items():  # group columns given as ranks (``_encoded``) -> texts
        out[column] = texts[out[column].to_numpy()]
    # each row's position in ``out`` (groups sorted, as agg gives them); -1 for a row in no group
    group_of = grouped.ngroup().fillna(-1).to_numpy(dtype=np.int64)
    counted = [("n_rows", "area_code", "size"), ("all_values", "has_value", "all"),
               ("all_not_applicable", "is_not_applicable", "all"), ("any_suppressed", "is_suppressed", "any"),
               ("any_provisional", "is_provisional", "any"), ("num_all", "has_numerator", "all"),
               ("den_all", "has_denominator", "all")]  # (before source, as one named aggregation gave them)
    for at, (name, column, how) in enumerate(counted, start=len(GROUP)):
        out.insert(at, name, _counted(group_of, frame[column], how, len(out)))
    sums = ["value", "numerator", "denominator", "weighted"]
    for name, total in zip(["value_sum", "num_sum", "den_sum", "weighted_sum"],
                           kahan_group_sums(group_of, [frame[c].to_numpy(dtype=np.float64) for c in sums], len(out))):
        out[name] = total
    groups = len(out)
    out["blocks"] = _joined(group_of, frame["area_code"], ",", groups)
    out["lacking"] = ""  # members without a weight: only a failed group's note names them (joined below)
    want = expected.reindex(pd.MultiIndex.from_frame(out[["parent_code", "parent_level"]])).to_numpy()
    have = coverage.reindex(pd.MultiIndex.from_frame(out[GROUP])).fillna(0).to_numpy()
    out["members"], out["have"], out["want"] = out["n_rows"], have, want
    complete = have == want
    failed = [out[~complete].assign(reason="members_missing")]
    out = out[complete].copy()
    computable = out["all_values"] & ~out["all_not_applicable"]  # every member has a figure to combine
    if rule in ("ratio", "weighted_mean"):
        ok = out["den_all"] & (out["den_sum"] > 0)
        if rule == "ratio":
            ok &= out["num_all"]
        reason = {"population": "no_population", "pupils": "no_weight"}.get(ind.denominator, "no_counts")
        failed.append(out[~ok & computable].assign(reason=reason))
        out = out[ok | ~computable].copy()
        top = out["num_sum"] if rule == "ratio" else out["weighted_sum"]
        out["value"] = top / out["den_sum"] * (SCALE[ind.unit] if rule == "ratio" else 1.0)
        out["numerator"], out["denominator"] = top, out["den_sum"]
    else:
        out["value"] = out["value_sum"]
        out["numerator"], out["denominator"] = np.nan, np.nan
    missing = ~out["all_values"] | out["all_not_applicable"]
    out.loc[missing, ["value", "numerator", "denominator"]] = np.nan
    out["status"] = np.where(out["all_not_applicable"], "not_applicable",
                             np.where(missing, np.where(out["any_suppressed"], "suppressed", "not_available"),
                                      np.where(out["any_provisional"], "provisional", "ok")))
    failed = pd.concat(failed)  # (indexed by group number, as ``out`` was)
    failing = np.zeros(groups + 1, dtype=bool)  # group number + 1 (0: a row in no group) -> failed?
    failing[failed.index.to_numpy() + 1] = True
    lacking = _joined(np.where(failing[group_of + 1], group_of, -1), frame["lacking"], ", ", groups)
    failed["lacking"] = lacking[failed.index.to_numpy()]
    return out, failed.reset_index(drop=True)


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


def _joined(group_of: np.ndarray, values: pd.Series, sep: str, groups: int) -> np.ndarray:
    """Per group, the distinct non-empty ``values`` of its rows, sorted and joined ("" for none): on integer
    codes (the strings' sorted ranks), so millions of member rows never sort or deduplicate Python strings;
    a set of members shared by many groups (every period of a region) is joined once."""
    out = np.full(groups, "", dtype=object)
    keep = values.notna().to_numpy() & (group_of >= 0)
    if not keep.any():
        return out
    codes, uniques = pd.factorize(values[keep], sort=True)
    key = np.sort(group_of[keep].astype(np.int64) * len(uniques) + codes)  # np.unique's hashing: ~10x slower
    key = key[np.r_[True, key[1:] != key[:-1]]]
    group, code = np.divmod(key, len(uniques))
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    texts = np.asarray(uniques, dtype=object)
    joined: dict[bytes, str] = {}
    for g, chunk in zip(group[starts], np.split(code, starts[1:])):
        k = chunk.tobytes()
        out[g] = joined[k] if k in joined else joined.setdefault(k, sep.join(texts[chunk]))
    return out
