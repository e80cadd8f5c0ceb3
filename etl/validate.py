"""The validation report: per source, what was read and what looks wrong; and the release metadata.

Pure functions of a ``BuildOutcome``: the same text is printed at the end of a build, saved as
``validation.txt`` in the release, and printed by ``python -m etl validate``.
"""
from __future__ import annotations

import copy
from collections import Counter

import numpy as np
import pandas as pd

from etl.key_groups import key_groups

from etl.source_rows import SourceRows
from vocab.catalogue import INDICATORS
from vocab.levels import is_two_tier_district, level_of_code


def home_members(geo, home_area: str) -> list[str]:
    level = level_of_code(home_area)
    return geo.members(home_area, level) if level else []


def source_summaries(outcome, home_area: str) -> list[dict]:
    """One summary per source id: files, rows, areas, periods, suppression, coverage of the home area.

    Worked out once per outcome (the report and release.json both need them; each is a pass over the
    whole table) and handed out as copies."""
    key = (home_area, id(outcome.indicators))
    cached = getattr(outcome, "_source_summaries", None)
    if cached is None or cached[0] != key:
        cached = (key, _source_summaries(outcome, home_area))
        outcome._source_summaries = cached
    return copy.deepcopy(cached[1])


def _source_summaries(outcome, home_area: str) -> list[dict]:
    df = outcome.indicators
    home = home_members(outcome.geography, home_area)
    home_tiers = sorted({t for d in home if (t := outcome.geography.upper_tier_of(d))})
    summaries = []
    by_source: dict[str, list] = {}
    for item in outcome.files:
        by_source.setdefault(item.result.meta.source_id, []).append(item)
    for source_id, items in sorted(by_source.items()):
        meta = items[0].result.meta
        summary_rows = SourceRows(df, source_id)
        summary = {  # publisher, title, page and next update: etl/publishers.toml, through each file's meta
            "source_id": source_id, "publisher": meta.publisher, "title": meta.title,
            "kind": items[0].result.kind,
            "files": [{"name": i.raw.name, "sha256": i.sha256, "rows": i.rows} for i in items],
            "release_date": max((i.result.meta.release_date for i in items if i.result.meta.release_date),
                                default=None),
            "next_update": meta.next_update,
            "url": next((i.result.meta.url for i in items if i.result.meta.url), None),
            "is_demo": outcome.is_demo or any(i.result.meta.is_demo for i in items),
            "rows": summary_rows.count,
        }
        if summary_rows.count:
            summary.update(summary_rows.described())
            codes = summary_rows.area_codes()
            district_level = any(is_two_tier_district(c) for c in codes)
            expected = home if district_level else home_tiers
            summary["home_missing"] = [c for c in expected if c not in codes and
                                       outcome.geography.current_code(c) not in codes]
        summaries.append(summary)
    return summaries


def release_meta(outcome, home_area: str) -> dict:
    """release.json contents apart from id/created/hash (added when the release is written)."""
    sources = [{k: v for k, v in s.items() if k not in ("status_counts", "home_missing", "kind")}
               for s in source_summaries(outcome, home_area)]
    return {"is_demo": outcome.is_demo, "home_area_code": home_area,
            "home_area_name": outcome.geography.name_of(home_area), "sources": sources,
            "rows": int(len(outcome.indicators)),
            "warnings": [str(w) for w in outcome.log.warnings][:200],
            "aggregation_notes": outcome.aggregation.notes[:200]}


def comparable(outcome) -> pd.DataFrame:
    """Our aggregates beside the publishers' own figures, where the comparison means something.

    The demo's lookups list only the home area's districts, so its region and England sums are
    partial: those are left out for demo data.
    """
    comparisons = outcome.aggregation.comparisons
    if outcome.is_demo and len(comparisons):
        comparisons = comparisons[~comparisons["area_code"].str[:3].isin(["E12", "E92"])]
    return comparisons


def differences_beyond_rounding(comparisons: pd.DataFrame) -> pd.DataFrame:
    """Our aggregates that differ from the publisher's own figure by more than rounding explains.

    Each member's published figure can be off by half its rounding unit, so a sum of ``n`` of them
    can be off by ``n`` half-units; rates are compared at their published decimals.
    """
    if comparisons.empty:
        return comparisons
    df = comparisons.copy()
    known = [INDICATORS[i] for i in pd.unique(df["indicator"])]  # (each indicator looked up once, not per row)
    decimals = df["indicator"].map({i.id: i.decimals for i in known})
    unit = df["indicator"].map({i.id: i.unit for i in known})
    rounding_base = df["indicator"].map({i.id: i.rounding_base for i in known})
    tolerance = (0.5 * 10.0 ** (-decimals)).where(unit != "count", df["members"] * rounding_base / 2)
    tolerance = tolerance.where(unit == "count", tolerance + 0.05 * 10.0 ** (1 - decimals))
    df["tolerance"] = tolerance
    return df[df["difference"].abs() > df["tolerance"] + 1e-9]


def publisher_checks(outcome, home_area: str) -> list[str]:
    """Our method checked against the publisher's own figures for the home area's region and England:
    per indicator, how many agree within rounding and the latest comparison."""
    comparisons = comparable(outcome)
    geo = outcome.geography
    regions = {r for d in home_members(geo, home_area) if (r := geo.parent_of(d, "region"))}
    wanted = comparisons[comparisons["area_code"].isin(regions | {"E92000001"}) & (comparisons["breakdown"] == "total")
                         & comparisons["ours"].notna() & comparisons["publisher"].notna()] \
        if len(comparisons) else comparisons
    if wanted.empty:
        return []
    beyond = differences_beyond_rounding(wanted)
    off = Counter(zip(beyond["indicator"].tolist(), beyond["area_code"].tolist()))
    periods = wanted["period"].to_numpy()
    lines = ["", "== Our method vs the publisher's own region and England figures (totals)"]
    for (indicator_id, code), where in key_groups(wanted, ["indicator", "area_code"]):
        latest = wanted.iloc[where[np.argsort(periods[where], kind="quicksort")[-1]]]  # (as sort_values sorts)
        digits = INDICATORS[indicator_id].decimals + 1
        lines.append(f"   {indicator_id} {code}: {len(where) - off[(indicator_id, code)]} of {len(where)} "
                     "period(s) within rounding; "
                     f"{latest['period']}: ours {latest['ours']:,.{digits}f} "
                     f"vs publisher {latest['publisher']:,.{digits}f}")
    return lines


def home_derivations(outcome, home_area: str) -> list[str]:
    """How the home area's computed figures were made, for the latest period of each indicator."""
    df = outcome.aggregation.derivations
    mine = df[(df["area_code"] == home_area) & (df["breakdown"] == "total")] if len(df) else df
    if mine.empty:
        return []
    lines = ["", "== How the home area's figures were computed (latest period of each indicator)"]
    for indicator_id, grp in mine.groupby("indicator", sort=True):
        computed = grp[grp["is_computed"]]
        last = (computed if len(computed) else grp).sort_values("period").iloc[-1]
        lines.append(f"   {indicator_id} {last['period']} ({len(computed)} of {len(grp)} period(s) computed): "
                     f"{last['note']}")
    return lines


def report_text(outcome, home_area: str) -> str:
    """The human-readable validation report."""
    lines = []
    home_name = outcome.geography.name_of(home_area) or home_area
    lines.append(f"Validation report{' (DEMO DATA)' if outcome.is_demo else ''}")
    lines.append(f"Home area: {home_name} ({home_area}); {len(home_members(outcome.geography, home_area))} "
                 "districts in the lookups")
    lines.append(f"Rows in the release: {len(outcome.indicators):,} "
                 f"({int(outcome.indicators['derived'].sum()) if len(outcome.indicators) else 0:,} computed here)")
    lines.append("")
    for s in source_summaries(outcome, home_area):
        lines.append(f"== {s['source_id']}: {s['title']} ({s['publisher']})")
        for f in s["files"]:
            lines.append(f"   file {f['name']}  rows {f['rows']:,}  sha256 {f['sha256'][:12]}")
        if s["kind"] != "indicators":
            lines.append(f"   {s['kind']} table")
            lines.append("")
            continue
        if not s["rows"]:
            lines.append("   no rows")
            lines.append("")
            continue
        p = s["periods"]
        lines.append(f"   rows {s['rows']:,}  areas {s['areas']:,}  periods {p['count']} ({p['first']} to {p['last']})")
        lines.append(f"   indicators: {', '.join(s['indicators'])}")
        status = ", ".join(f"{k} {v:,}" for k, v in s["status_counts"].items()) or "none"
        lines.append(f"   cells without a value or flagged: {status}")
        missing = s["home_missing"]
        lines.append(f"   home-area areas missing: {', '.join(missing) if missing else 'none'}")
        lines.append("")
    comparisons = comparable(outcome)
    if outcome.is_demo and len(outcome.aggregation.comparisons):
        lines.append("(Demo data: region and England figures are the generator's own; only the home area's "
                     "districts are in the demo lookups, so they are not compared.)")
    lines.append(f"== Our aggregates vs the publishers' own figures: {len(comparisons):,} compared")
    beyond = differences_beyond_rounding(comparisons)
    if len(comparisons):
        lines.append(f"   {len(beyond):,} differ by more than rounding explains"
                     + (" (showing the first 25)" if len(beyond) > 25 else ""))
        for row in beyond.sort_values(["indicator", "area_code", "period"]).head(25).itertuples():
            lines.append(f"   {row.indicator} {row.area_code} {row.period} {row.breakdown}: ours {row.ours:,.2f} "
                         f"vs publisher {row.publisher:,.2f} (from {int(row.members)} areas)")
    lines.extend(publisher_checks(outcome, home_area))
    lines.extend(home_derivations(outcome, home_area))
    if outcome.aggregation.notes:
        lines.append("")
        lines.append(f"== Aggregates not computed ({len(outcome.aggregation.notes)})")
        lines.extend(f"   {n}" for n in outcome.aggregation.notes[:40])
    if outcome.superseded:
        lines.append("")
        lines.append("== Overlapping files (which file's figures are used, and why)")
        lines.extend(f"   {s}" for s in outcome.superseded)
    if outcome.log.warnings:
        lines.append("")
        lines.append(f"== Warnings ({len(outcome.log.warnings)})")
        lines.extend(f"   {w}" for w in outcome.log.warnings[:40])
    if outcome.log.errors:
        lines.append("")
        lines.append(f"== Errors ({len(outcome.log.errors)})")
        lines.extend(f"   {e}" for e in outcome.log.errors[:100])
    return "\n".join(lines) + "\n"
