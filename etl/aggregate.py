"""District (or upper-tier) values -> values for the areas they make up, by each indicator's rule.

``sum`` adds counts; ``ratio`` divides summed numerators by summed denominators; ``weighted_mean``
weights by ``denominator`` (e.g. pupils). Rates are never averaged. An aggregate is computed only
when every member area has a row for that period and breakdown; where the publisher gives its own
figure for the area we keep the publisher's and record the difference from ours.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vocab.catalogue import INDICATORS
from etl.geography import Geography
from vocab.levels import PARENT_LEVELS, TWO_TIER_DISTRICT_PREFIXES, UNITARY_PREFIXES
from etl.schema import STATUSES_WITH_VALUE, tidy_frame

SCALE = {"percent": 100.0, "per_100k": 100_000.0, "count": 1.0, "score": 1.0}


@dataclass
class AggregationResult:
    rows: pd.DataFrame  # derived tidy rows for areas the publishers did not give
    comparisons: pd.DataFrame  # ours vs the publisher's own figure
    notes: list[str] = field(default_factory=list)  # aggregates that could not be computed, and why


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
        for tier in tiers:
            for level in PARENT_LEVELS[1:]:
                parent = geo.parent_of(tier, level) if tier[:3] in UNITARY_PREFIXES else geo._common_parent(tier, level)
                if parent is not None:
                    rows.append((tier, geo.current_code(tier), parent, level))
    return pd.DataFrame(rows, columns=["unit_code", "member_code", "parent_code", "parent_level"]).drop_duplicates()


def _units(df: pd.DataFrame, base: str) -> pd.DataFrame:
    if base == "district":
        return df[df["area_level"] == "district"]
    return df[(df["area_level"] == "upper_tier") | df["area_code"].str[:3].isin(UNITARY_PREFIXES)]


def aggregate(tidy: pd.DataFrame, geo: Geography) -> AggregationResult:
    """Derived rows for every parent area whose members are all present, plus publisher comparisons."""
    derived, comparisons, notes = [], [], []
    memberships = {base: membership(geo, base) for base in ("district", "upper_tier")}
    expected = {base: m.groupby(["parent_code", "parent_level"])["member_code"].nunique()
                for base, m in memberships.items()}
    published = tidy.set_index(["indicator", "area_code", "period", "breakdown"])
    for indicator_id, df in tidy.groupby("indicator", sort=True):
        rule = INDICATORS[indicator_id].aggregation
        if rule == "none":
            continue
        # Periods with E07 districts aggregate from districts; others (upper-tier-only data) from upper tiers.
        district_periods = set(df.loc[df["area_code"].str.startswith(TWO_TIER_DISTRICT_PREFIXES), "period"])
        for base in ("district", "upper_tier"):
            in_base = df["period"].isin(district_periods)
            units = _units(df[in_base if base == "district" else ~in_base], base)
            if units.empty:
                continue
            merged = units.merge(memberships[base], left_on="area_code", right_on="unit_code")
            if merged.empty:
                continue
            # where an old code and its successor both have a row, keep only the successor's
            merged["is_current"] = merged["area_code"] == merged["member_code"]
            has_current = merged.groupby(["parent_code", "period", "breakdown", "member_code"])[
                "is_current"].transform("any")
            merged = merged[merged["is_current"] | ~has_current]
            coverage = _coverage(units, memberships[base], geo)
            result, skipped = _combine(merged, rule, INDICATORS[indicator_id].unit, expected[base], coverage)
            notes.extend(f"{indicator_id}: {s}" for s in skipped)
            if result.empty:
                continue
            result["indicator"] = indicator_id
            key = list(zip(result["indicator"], result["parent_code"], result["period"], result["breakdown"]))
            is_published = pd.Index(key).isin(published.index) if len(published) else np.zeros(len(result), bool)
            mine = result[~is_published]
            theirs = result[is_published]
            if not theirs.empty:
                pub = published.loc[list(zip(theirs["indicator"], theirs["parent_code"], theirs["period"],
                                             theirs["breakdown"]))]
                comparisons.append(pd.DataFrame({
                    "indicator": theirs["indicator"].to_numpy(), "area_code": theirs["parent_code"].to_numpy(),
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
                    "denominator": mine["denominator"].to_numpy(), "unit": INDICATORS[indicator_id].unit,
                    "source": mine["source"].to_numpy(), "derived": True}))
    rows = tidy_frame(pd.concat(derived, ignore_index=True)) if derived else tidy_frame([])
    comparison = pd.concat(comparisons, ignore_index=True) if comparisons else pd.DataFrame(
        columns=["indicator", "area_code", "period", "breakdown", "ours", "publisher", "members", "source"])
    if not comparison.empty:
        comparison["difference"] = comparison["ours"] - comparison["publisher"]
    return AggregationResult(rows=rows, comparisons=comparison, notes=sorted(set(notes)))


def _coverage(units: pd.DataFrame, members: pd.DataFrame, geo: Geography) -> pd.Series:
    """How many of each parent's members the rows cover, per (parent, level, period, breakdown).

    A member (today's code) is covered by its own row or by rows for all the codes it was formed
    from, so one of four old Somerset districts never stands for the whole of Somerset.
    """
    all_members = members["member_code"].unique().tolist()
    rows = []
    for (period, breakdown), codes in units.groupby(["period", "breakdown"], sort=False)["area_code"]:
        present = set(codes)
        rows.extend((period, breakdown, m) for m in all_members if m in present or geo.covered(m, present))
    covered = pd.DataFrame(rows, columns=["period", "breakdown", "member_code"])
    pairs = members[["parent_code", "parent_level", "member_code"]].drop_duplicates()
    return covered.merge(pairs, on="member_code").groupby(
        ["parent_code", "parent_level", "period", "breakdown"])["member_code"].nunique()


def _combine(merged: pd.DataFrame, rule: str, unit: str, expected: pd.Series,
             coverage: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    """Apply ``rule`` per (parent, period, breakdown) group; skip groups missing members or counts."""
    keys = ["parent_code", "parent_level", "period", "breakdown"]
    # A 'not applicable' member has no figure of its own (e.g. City of London, published with
    # Westminster): it adds nothing, where a suppressed or missing member makes the total unknown.
    not_applicable = merged["status"].eq("not_applicable")
    has_value = merged["status"].isin(STATUSES_WITH_VALUE) & merged["value"].notna()
    frame = merged.assign(
        has_value=has_value | not_applicable,
        is_not_applicable=not_applicable,
        is_suppressed=merged["status"].eq("suppressed"),
        is_provisional=merged["status"].eq("provisional"),
        has_numerator=merged["numerator"].notna() | not_applicable,
        has_denominator=merged["denominator"].notna() | not_applicable,
        weighted=merged["value"] * merged["denominator"],
    )
    grouped = frame.groupby(keys, sort=True)
    out = grouped.agg(members=("member_code", "nunique"), n_rows=("area_code", "size"),
                      all_values=("has_value", "all"), all_not_applicable=("is_not_applicable", "all"),
                      any_suppressed=("is_suppressed", "any"),
                      any_provisional=("is_provisional", "any"), value_sum=("value", "sum"),
                      num_sum=("numerator", "sum"), den_sum=("denominator", "sum"),
                      num_all=("has_numerator", "all"), den_all=("has_denominator", "all"),
                      weighted_sum=("weighted", "sum"), source=("source", "first")).reset_index()
    want = expected.reindex(pd.MultiIndex.from_frame(out[["parent_code", "parent_level"]])).to_numpy()
    have = coverage.reindex(pd.MultiIndex.from_frame(out[keys])).fillna(0).to_numpy()
    complete = have == want
    out["members"] = have
    skipped = []
    incomplete = out[~complete & (out["breakdown"] == "total")]
    for (code, level), grp in incomplete.groupby(["parent_code", "parent_level"]):
        skipped.append(f"{level} {code} not computed for {len(grp)} period(s): members missing "
                       f"(e.g. {grp['period'].iloc[0]}: {int(grp['members'].iloc[0])} of "
                       f"{int(expected.get((code, level), 0))} areas have data)")
    out = out[complete].copy()
    computable = out["all_values"] & ~out["all_not_applicable"]  # every member has a figure to combine
    if rule == "ratio":
        ok = out["num_all"] & out["den_all"] & (out["den_sum"] > 0)
        for code in sorted(out.loc[~ok & computable & (out["breakdown"] == "total"), "parent_code"].unique()):
            skipped.append(f"{code} not computed: a member has no numerator/denominator counts")
        out = out[ok | ~out["all_values"] | out["all_not_applicable"]]
        out["value"] = out["num_sum"] / out["den_sum"] * SCALE[unit]
        out["numerator"], out["denominator"] = out["num_sum"], out["den_sum"]
    elif rule == "weighted_mean":
        ok = out["den_all"] & (out["den_sum"] > 0)
        for code in sorted(out.loc[~ok & computable & (out["breakdown"] == "total"), "parent_code"].unique()):
            skipped.append(f"{code} not computed: a member has no weight (e.g. pupil numbers)")
        out = out[ok | ~out["all_values"] | out["all_not_applicable"]]
        out["value"] = out["weighted_sum"] / out["den_sum"]
        out["numerator"], out["denominator"] = out["weighted_sum"], out["den_sum"]
    else:
        out["value"] = out["value_sum"]
        out["numerator"], out["denominator"] = np.nan, np.nan
    missing = ~out["all_values"] | out["all_not_applicable"]
    out.loc[missing, ["value", "numerator", "denominator"]] = np.nan
    out["status"] = np.where(out["all_not_applicable"], "not_applicable",
                             np.where(missing, np.where(out["any_suppressed"], "suppressed", "not_available"),
                                      np.where(out["any_provisional"], "provisional", "ok")))
    return out, skipped
