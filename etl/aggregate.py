"""District (or upper-tier) values -> values for the areas they make up, by each indicator's rule.

``sum`` adds counts; ``ratio`` divides summed numerators by summed denominators; ``weighted_mean``
divides summed totals (e.g. Attainment 8 points) by summed weights (pupils). Rates are never averaged:
a rate published without its counts is weighted by its population (``etl.denominators``), which makes
it a ratio of estimated counts. An aggregate is computed only when every member area has a row for
that period and breakdown, from the smallest complete building blocks: districts where they all have
what the rule needs, else the counties and unitaries. Where the publisher gives its own figure for the
area we keep the publisher's and record the difference from ours; every figure we compute (and every
one we could not) is described in ``derivations`` for the dashboard's notes.

A release's cost is fixed work per step, not rows (a few dozen indicators of a few thousand rows), so
indicators are combined in batches, ``indicator`` being one more group key (``etl.rollup``); an indicator
of millions of rows (all-England monthly data) is a batch of its own, joined a bounded number of rows at
a time (``etl.member_rows``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.coverage import DistrictCoverage, TierCoverage, membership, tier_districts
from etl.denominators import population_weights
from etl.derivations import by_indicator, derivation_table, empty_derivations
from etl.distinct import per_distinct
from etl.fork_pool import ordered_map, workers_for
from etl.geography import Geography
from etl.member_rows import JOINED_ROWS, encoded, level_batches, members_joined, period_chunks
from etl.memory import give_back
from etl.rollup import GROUP, SCALE, combine
from etl.schema import tidy_frame
from etl.texts import as_objects
from vocab.catalogue import INDICATORS, POPULATION_INDICATOR
from vocab.levels import UNITARY_PREFIXES

BASES = ("district", "upper_tier")  # building blocks, finest first
BATCH_ROWS = JOINED_ROWS  # indicators are combined together up to this many rows (a larger one alone)
SHARED_ROWS = 20_000  # below this many rows to combine a forked worker costs more than it saves
__all__ = ["AggregationResult", "aggregate", "aggregate_groups", "membership", "SCALE", "BASES"]


@dataclass
class AggregationResult:
    rows: pd.DataFrame  # derived tidy rows for areas the publishers did not give
    comparisons: pd.DataFrame  # ours vs the publisher's own figure
    notes: list[str] = field(default_factory=list)  # aggregates that could not be computed, and why
    derivations: pd.DataFrame = field(default_factory=empty_derivations)  # how each derived row was made


COMBINED = ["indicator", "area_code", "period", "breakdown", "value", "status", "numerator", "denominator",
            "source", "population_year", "requested_year"]  # the columns combining reads from each member row


def _slim(units: pd.DataFrame) -> pd.DataFrame:
    """Only the columns combining needs: each district row is joined to every area it lies in (tens of
    millions of rows at national scale), so each column carried along costs memory and time."""
    return units[[c for c in COMBINED if c in units.columns]]


def _units(df: pd.DataFrame, base: str) -> pd.DataFrame:
    if base == "district":
        return df[(df["area_level"] == "district").to_numpy()]
    unitary = per_distinct(df["area_code"], lambda c: isinstance(c, str) and c[:3] in UNITARY_PREFIXES).astype(bool)
    return df[((df["area_level"] == "upper_tier") | unitary).to_numpy()]


def aggregate(tidy: pd.DataFrame, geo: Geography) -> AggregationResult:
    """Derived rows for every parent area whose members are all present, plus publisher comparisons.

    Batches of indicators are independent: on two cores they are shared with a forked worker
    (``etl.fork_pool``; the same result, in the same order)."""
    memberships = {base: membership(geo, base) for base in BASES}
    # completeness is counted in today's districts, so a council that was split or merged (Cumbria ->
    # Cumberland + Westmorland and Furness) covers the same area under its old or its new codes
    expected = memberships["district"].groupby(["parent_code", "parent_level"])["member_code"].nunique()
    coverages = {"district": DistrictCoverage(memberships["district"], geo),
                 "upper_tier": TierCoverage(memberships["upper_tier"], tier_districts(geo))}
    weights = population_weights(tidy)
    table = _combining_columns(tidy)
    rows_of = _rows_by_indicator(tidy)
    sizes = [len(rows) for rows in rows_of.values()]
    workers = workers_for(sizes, minimum=SHARED_ROWS)
    plans = _indicator_plans(rows_of, BATCH_ROWS, parts=workers)

    def one(plan: _Plan) -> _BatchResult | None:
        return _aggregated(_batch(table, plan, weights), tidy, geo, memberships, expected, coverages)

    derived, comparisons, notes, described = [], [], [], []
    for part in ordered_map(one, plans, workers, costs=[plan.rows for plan in plans]):
        if part is None:
            continue
        notes.extend(part.notes)
        described.append(part.derivations)
        if part.comparison is not None:
            comparisons.append(part.comparison)
        if part.derived is not None:
            derived.append(part.derived)
    rows = tidy_frame(pd.concat(derived, ignore_index=True)) if derived else tidy_frame([])
    comparison = pd.concat(comparisons, ignore_index=True) if comparisons else pd.DataFrame(
        columns=["indicator", "area_code", "period", "breakdown", "ours", "publisher", "members", "source"])
    if not comparison.empty:
        comparison["difference"] = comparison["ours"] - comparison["publisher"]
    derivations = pd.concat(described, ignore_index=True) if described else empty_derivations()
    return AggregationResult(rows=rows, comparisons=comparison, notes=sorted(set(notes)), derivations=derivations)


@dataclass
class _BatchResult:
    """What one batch of indicators gives ``aggregate``."""
    derived: pd.DataFrame | None  # tidy rows of the figures we computed
    comparison: pd.DataFrame | None  # ours beside the publisher's own figures
    notes: list[str]
    derivations: pd.DataFrame


def _aggregated(batch: pd.DataFrame, tidy: pd.DataFrame, geo: Geography, memberships: dict, expected: pd.Series,
                coverages: dict) -> _BatchResult | None:
    """One batch of indicators combined from the smallest complete building blocks (None: nothing to combine)."""
    results, failures = [], []
    for rank, base in enumerate(BASES):
        for result, failed in _combined(_units(batch, base), memberships[base], expected, coverages[base]):
            results.append(result.assign(base=base, rank=rank))
            failures.append(failed.assign(base=base, rank=rank))
    if not results:
        return None
    result = _smallest_complete(pd.concat(results, ignore_index=True))
    failures = pd.concat(failures, ignore_index=True)
    del results
    published = _publishers_figures(tidy, [result, failures])
    is_published = _is_published(result, published)
    mine, theirs = result[~is_published], result[is_published]
    unresolved = _unresolved(failures, result, published)
    return _BatchResult(derived=_derived_rows(mine, geo) if not mine.empty else None,
                        comparison=_comparison(theirs, published) if not theirs.empty else None,
                        notes=_notes(unresolved), derivations=derivation_table(mine, unresolved, geo.name_of))


def _combined(units: pd.DataFrame, members: pd.DataFrame, expected: pd.Series, coverage_of):
    """(computed groups, failed groups) of one base's ``units`` rows, a few periods and a few levels of
    parents at a time: each district row is joined to one parent per level, so at national scale the
    joined rows (the build's memory peak) are about the table's size, not ×levels."""
    slim = _slim(units)
    coded = encoded(slim, ["indicator", "period", "breakdown"])
    slim, unit_labels = coded if coded else (slim, None)
    levels = list(level_batches(members, len(slim)))
    parents = [encoded(level, ["parent_code", "parent_level"]) for level in levels] if coded else [None]
    if all(parents):  # every group column as ranks (``etl.member_rows.encoded``)
        levels = [(level, {**unit_labels, **labels}) for level, labels in parents]
    else:  # texts throughout, as the units' columns
        slim, levels = _slim(units), [(level, {}) for level in levels]
    unit_of_row = pd.factorize(slim["area_code"])
    coverage = None
    for rows in period_chunks(slim["period"]):  # a group lies in one period: combined apart
        part = slim if rows is None else slim.take(rows)  # (taken once for all its levels)
        codes = unit_of_row if rows is None else (unit_of_row[0][rows], unit_of_row[1])
        for level_members, labels in levels:
            merged = members_joined(part, level_members, codes)
            if merged.empty:
                continue
            if coverage is None:
                coverage = coverage_of(units)
            result, failed = combine(merged, expected, coverage, labels)
            del merged
            give_back()  # a national batch frees hundreds of MB (etl.memory)
            yield result, failed
        del part


@dataclass
class _Plan:
    """The rows of a batch of indicators: those taken as published, those weighted by population."""
    plain: list[np.ndarray] = field(default_factory=list)
    weighted: list[np.ndarray] = field(default_factory=list)
    rows: int = 0


def _combining_columns(tidy: pd.DataFrame) -> pd.DataFrame:
    """The columns combining reads (and the level, to pick building blocks)."""
    return tidy[["area_level"] + [c for c in COMBINED if c in tidy.columns]]


def _rows_by_indicator(tidy: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each indicator to combine (in id order) -> its row positions, in table order."""
    codes, ids = pd.factorize(tidy["indicator"])
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(ids) + 1))
    rows_of = {ids[k]: order[bounds[k]:bounds[k + 1]] for k in range(len(ids)) if isinstance(ids[k], str)}
    return {i: rows_of[i] for i in sorted(rows_of) if INDICATORS[i].aggregation != "none"}


def _indicator_plans(rows_of: dict[str, np.ndarray], batch_rows: int, parts: int = 1) -> list[_Plan]:
    """The indicators of ``rows_of`` a few at a time (in id order) up to ``batch_rows`` rows (a larger one
    alone), and in at least about ``parts`` batches of similar size where there are enough (one for each
    process: a batch's cost is mostly fixed, so no more than that); those published with counts first,
    then rates published without counts, whose counts are estimated from their population
    (``_weighted_by_population``)."""
    sizes = np.array([len(rows) for rows in rows_of.values()], dtype=np.int64)
    ends = np.cumsum(sizes)
    starts = set()  # the indicators that start a share: where the running total of rows is nearest each share
    if parts > 1 and len(sizes):
        shares = ends[-1] * np.arange(1, parts) / parts
        reach = np.searchsorted(ends, shares)  # the first indicator whose running total reaches each share
        before = np.where(reach > 0, ends[reach - 1], 0)
        starts = set((reach + (ends[reach] - shares <= shares - before)).tolist())
    plans, plan = [], _Plan()
    for k, (indicator_id, rows) in enumerate(rows_of.items()):
        if plan.rows and (plan.rows + len(rows) > batch_rows or k in starts):
            plans.append(plan)
            plan = _Plan()
        (plan.weighted if INDICATORS[indicator_id].denominator == "population" else plan.plain).append(rows)
        plan.rows += len(rows)
    return plans + [plan] if plan.rows else plans


def _indicator_batches(tidy: pd.DataFrame, weights: pd.DataFrame):
    """Each batch's rows (``_indicator_plans``), with the columns combining reads."""
    table = _combining_columns(tidy)
    for plan in _indicator_plans(_rows_by_indicator(tidy), BATCH_ROWS):
        yield _batch(table, plan, weights)


def _batch(table: pd.DataFrame, plan: _Plan, weights: pd.DataFrame) -> pd.DataFrame:
    """One frame of a batch's rows: the indicators taken as published in one take, then the weighted ones in
    another (the order of indicators in a batch changes nothing: each group's rows are one indicator's)."""
    parts = (([table.take(np.concatenate(plan.plain))] if plan.plain else []) +
             ([_weighted_by_population(table.take(np.concatenate(plan.weighted)), weights)] if plan.weighted else []))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _comparison(theirs: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Ours beside the publisher's own figure, for the groups the publisher gives."""
    pub = published.iloc[published.index.get_indexer(_keys(theirs))]
    return pd.DataFrame({
        "indicator": theirs["indicator"].to_numpy(), "area_code": theirs["parent_code"].to_numpy(),
        "period": theirs["period"].to_numpy(), "breakdown": theirs["breakdown"].to_numpy(),
        "ours": theirs["value"].to_numpy(), "publisher": pub["value"].to_numpy(),
        "members": theirs["n_rows"].to_numpy(), "source": pub["source"].to_numpy()})


def _derived_rows(mine: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    """Tidy rows for the figures we computed."""
    return pd.DataFrame({
        "indicator": mine["indicator"].to_numpy(), "area_code": mine["parent_code"].to_numpy(),
        "area_name": per_distinct(mine["parent_code"], geo.name_of).to_numpy(),
        "area_level": mine["parent_level"].to_numpy(), "period": mine["period"].to_numpy(),
        "breakdown": mine["breakdown"].to_numpy(), "value": mine["value"].to_numpy(),
        "status": mine["status"].to_numpy(), "numerator": mine["numerator"].to_numpy(),
        "denominator": mine["denominator"].to_numpy(), "unit": by_indicator(mine["indicator"], lambda i: i.unit),
        "source": mine["source"].to_numpy(), "derived": True})


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
    coded = encoded(owners, ["parent_code", "parent_level"])  # (ranks: the groups' columns are numbered once)
    owners, labels = coded if coded else (owners, {})
    # only the members' rows are combined: the rest of the table is left out before any work (the population
    # rows are all kept: the latest mid-year estimate is the latest of any area)
    kept = tidy["area_code"].isin(owners["member_code"].unique()).to_numpy()
    if breakdown is not None:
        kept = kept & (tidy["breakdown"] == breakdown).to_numpy()
    weights = population_weights(tidy[kept | (tidy["indicator"] == POPULATION_INDICATOR).to_numpy()])
    wanted = tidy[kept]
    out = []
    for batch in _indicator_batches(wanted, weights):
        merged = _with_owners(batch, owners)
        if merged.empty:
            continue
        result, _failed = combine(merged, expected, None, labels)  # (complete: every member has a row)
        # text columns kept as Python strings (the release writes them as such): not made Arrow strings here
        texts = {name: pd.Series(result[column].to_numpy(dtype=object), dtype=object, copy=False)
                 for name, column in (("group", "parent_level"), ("area_code", "parent_code"),
                                      ("indicator", "indicator"), ("period", "period"),
                                      ("breakdown", "breakdown"), ("status", "status"), ("members", "blocks"))}
        out.append(pd.DataFrame({
            "group": texts["group"], "area_code": texts["area_code"], "indicator": texts["indicator"],
            "period": texts["period"], "breakdown": texts["breakdown"], "value": result["value"].to_numpy(dtype=float),
            "status": texts["status"], "numerator": result["numerator"].to_numpy(dtype=float),
            "denominator": result["denominator"].to_numpy(dtype=float), "members": texts["members"],
            "member_count": result["n_rows"].to_numpy(dtype="int64")}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=columns)


def _with_owners(rows: pd.DataFrame, owners: pd.DataFrame) -> pd.DataFrame:
    """Each of ``rows`` once per group that has its area as a member, with the group's parent_code and
    parent_level: the rows ``rows.merge(owners, left_on="area_code", right_on="member_code")`` gives, in its
    order (each row in turn, its groups in ``owners`` order), from numpy positions (the joined table is
    ~300,000 rows). The area code comes back categorical (its sorted texts: combining ranks those, not every
    row's string) and member_code is left out (combining does not read it)."""
    codes, areas = pd.factorize(np.concatenate([rows["area_code"].to_numpy(dtype=object),
                                                owners["member_code"].to_numpy(dtype=object)]), sort=True)
    mine, theirs = codes[:len(rows)], codes[len(rows):]
    by_member = np.argsort(theirs, kind="stable")  # owners of each area together, in their own order
    starts = np.searchsorted(theirs[by_member], np.arange(len(areas) + 1))
    counts = np.where(mine >= 0, starts[mine + 1] - starts[mine], 0)  # (a missing code joins nothing here)
    left = np.repeat(np.arange(len(rows)), counts)
    first = np.repeat(starts[mine] - np.cumsum(counts) + counts, counts)  # each joined row's first owner ...
    right = by_member[first + np.arange(len(left))]  # ... plus its place among that row's owners
    joined = rows.take(left).reset_index(drop=True)
    joined["area_code"] = pd.Categorical.from_codes(mine[left], categories=pd.Index(areas, dtype=object))
    for column in ("parent_code", "parent_level"):
        joined[column] = owners[column].to_numpy()[right]
    return joined


def _weighted_by_population(df: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Rates published without counts get numerator = rate x population / scale and denominator = population,
    so the ``ratio`` rule gives sum(rate x population) / sum(population). Only for combining: the published
    rows in the release keep what the publisher said. (Several indicators at once: one merge.)"""
    out = df.drop(columns=["numerator", "denominator"]).merge(
        weights, on=["indicator", "area_code", "period", "breakdown"], how="left")
    out["denominator"] = out["weight"].where(out["value"].notna())
    scale = by_indicator(out["indicator"], lambda ind: SCALE[ind.unit]).astype(np.float64)
    out["numerator"] = out["value"] * out["denominator"] / scale
    return out.drop(columns="weight")


def _keys(groups: pd.DataFrame) -> pd.MultiIndex:
    """(indicator, parent_code, period, breakdown) of ``groups``, as texts, to look up published figures."""
    return pd.MultiIndex.from_arrays([groups[c].to_numpy(dtype=object)
                                      for c in ("indicator", "parent_code", "period", "breakdown")])


def _publishers_figures(tidy: pd.DataFrame, groups: list[pd.DataFrame]) -> pd.DataFrame:
    """The publisher's own figure and source for the parent areas in ``groups``, indexed by indicator, area,
    period and breakdown (to compare ours with): only those rows, not an index of every row of the table."""
    parents = pd.unique(np.concatenate([g["parent_code"].to_numpy(dtype=object) for g in groups]))
    indicators = pd.unique(np.concatenate([g["indicator"].to_numpy(dtype=object) for g in groups]))
    rows = tidy[(tidy["indicator"].isin(indicators) & tidy["area_code"].isin(parents)).to_numpy()]
    return as_objects(rows[["indicator", "area_code", "period", "breakdown", "value", "source"]]).set_index(
        ["indicator", "area_code", "period", "breakdown"])


def _is_published(groups: pd.DataFrame, published: pd.DataFrame) -> np.ndarray:
    """Which groups the publisher gives a figure for itself (ours is then only compared with it)."""
    if groups.empty or published.empty:
        return np.zeros(len(groups), bool)
    return _keys(groups).isin(published.index)


def _smallest_complete(results: pd.DataFrame) -> pd.DataFrame:
    """One result per group: from the finest building blocks that are all there with what the rule needs.
    A suppressed district is there (its figure exists, unknown to us): the total stays missing."""
    ranked = results.sort_values(GROUP + ["rank"], kind="mergesort")
    return ranked.drop_duplicates(GROUP, keep="first").reset_index(drop=True)


def _unresolved(failures: pd.DataFrame, result: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Groups no building blocks could compute and the publisher does not give: one reason each, from the
    blocks that came closest (all members present beats members missing; finer blocks first)."""
    if failures.empty:
        return failures
    if len(result):
        failures = failures[~pd.MultiIndex.from_frame(failures[GROUP]).isin(pd.MultiIndex.from_frame(result[GROUP]))]
    failures = failures[~_is_published(failures, published)]
    ordered = failures.assign(_partial=failures["reason"] == "members_missing").sort_values(
        GROUP + ["_partial", "rank"], kind="mergesort")
    return ordered.drop_duplicates(GROUP, keep="first").drop(columns="_partial").reset_index(drop=True)


def _notes(unresolved: pd.DataFrame) -> list[str]:
    """One line per indicator, parent and reason for the validation report (totals only), with the number of
    periods and the first one's details (``unresolved`` is sorted by group)."""
    notes = []
    totals = unresolved[(unresolved["breakdown"] == "total").to_numpy()] if len(unresolved) else unresolved
    keys = ["indicator", "parent_code", "parent_level", "reason"]
    firsts = totals.drop_duplicates(keys)
    sizes = totals.groupby(keys, sort=False).size().reindex(pd.MultiIndex.from_frame(firsts[keys])).to_numpy()
    for first, periods in zip(firsts.itertuples(index=False), sizes):
        ind, code, level, reason = INDICATORS[first.indicator], first.parent_code, first.parent_level, first.reason
        if reason == "members_missing":
            notes.append(f"{ind.id}: {level} {code} not computed for {periods} period(s): members missing "
                         f"(e.g. {first.period}: {max(int(first.have), 0)} of its {int(first.want)} "
                         "districts covered)")
        elif reason == "no_population":
            notes.append(f"{ind.id}: {code} not computed for {periods} period(s): a member has no population "
                         f"{ind.population_band} (e.g. {first.period}: {first.lacking} for "
                         f"mid-{int(first.population_year)})")
        elif reason == "no_weight":
            notes.append(f"{ind.id}: {code} not computed: a member has no weight (e.g. pupil numbers)")
        else:
            notes.append(f"{ind.id}: {code} not computed: a member has no numerator/denominator counts")
    return notes
