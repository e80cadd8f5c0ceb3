"""The QA report written with every release: coverage, continuity, jumps and totals, as flags.

Pure functions of a ``BuildOutcome``. Findings are warnings (``python -m etl build --strict`` turns
them into a failed build); the same findings are rendered as ``qa.html`` in the release folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from config import COUNTRY_CODE
from etl.errors import Problem
from etl.key_groups import key_groups
from etl.validate import comparable, differences_beyond_rounding, home_members
from vocab.catalogue import INDICATORS, QA_MIN_COUNT_CHANGE
from vocab.levels import is_two_tier_district
from vocab.periods import frequency

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                               autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                               lstrip_blocks=True)
CHECK_LABELS = {"coverage": "Coverage of the expected areas", "continuity": "Period continuity",
                "jump": "Period-on-period jumps beyond the threshold",
                "totals": "District totals vs the publishers' own totals"}


@dataclass(frozen=True)
class Finding:
    check: str  # coverage, continuity, jump, totals
    indicator: str
    message: str


def expected_periods(periods: list[str]) -> list[str]:
    """Every period between the first and last of the same frequency (months, years, academic years)."""
    kinds = {frequency(p) for p in periods}
    if len(kinds) != 1 or None in kinds:
        return sorted(periods)
    kind, ordered = kinds.pop(), sorted(periods)
    first, last = ordered[0], ordered[-1]
    if kind == "month":
        return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]
    if kind == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    if kind == "academic_year":
        return [f"{y}/{(y + 1) % 100:02d}" for y in range(int(first[:4]), int(last[:4]) + 1)]
    if kind == "quarter":
        return [str(p).replace("Q", "-Q") for p in pd.period_range(first.replace("-", ""), last.replace("-", ""),
                                                                     freq="Q")]
    return ordered


def coverage_findings(df: pd.DataFrame, home_codes: list[str], region_codes: list[str]) -> list[Finding]:
    """Home-area areas, their region and England missing from an indicator's latest period; gaps in time."""
    findings = []
    for indicator_id, rows in df[df["breakdown"] == "total"].groupby("indicator"):
        periods = rows["period"].unique().tolist()
        gaps = sorted(set(expected_periods(periods)) - set(periods))
        if gaps:
            findings.append(Finding("continuity", indicator_id, f"{len(gaps)} period(s) missing between the "
                                    f"first and last: {', '.join(gaps[:6])}{' ...' if len(gaps) > 6 else ''}"))
        first = rows.drop_duplicates("period")  # each period's first row gives its start (one pass, not one a period)
        start = dict(zip(first["period"].tolist(), first["period_start"].tolist()))
        latest = max(periods, key=start.__getitem__)
        present = set(rows.loc[rows["period"] == latest, "area_code"])
        published_level = INDICATORS[indicator_id].published_level
        wanted = [c for c in home_codes if published_level == "district" or not is_two_tier_district(c)]
        missing = [c for c in wanted + region_codes + [COUNTRY_CODE] if c not in present]
        if missing:
            findings.append(Finding("coverage", indicator_id, f"latest period {latest} has no value row for "
                                    f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}"))
    return findings


def jump_findings(df: pd.DataFrame, codes: list[str]) -> list[Finding]:
    """Period-on-period changes beyond each indicator's threshold for the areas we chart most."""
    findings = []
    rows = df[(df["breakdown"] == "total") & df["area_code"].isin(codes) & df["value"].notna()]
    ordered = rows.sort_values("period_start")
    all_values, all_periods = ordered["value"].to_numpy(), ordered["period"].to_numpy()
    for (indicator_id, code), where in key_groups(ordered, ["indicator", "area_code"]):
        threshold = INDICATORS[indicator_id].qa_jump
        if threshold is None or len(where) < 2:
            continue
        values, periods = all_values[where], all_periods[where]
        for i in range(1, len(values)):
            before, after = values[i - 1], values[i]
            if INDICATORS[indicator_id].unit == "percent":
                jumped = abs(after - before) > threshold
                change = f"{after - before:+.1f} points"
            else:
                jumped = before > 0 and abs(after - before) / before > threshold and (
                    INDICATORS[indicator_id].unit != "count" or abs(after - before) >= QA_MIN_COUNT_CHANGE)
                change = f"{(after - before) / before:+.0%}" if before else "from 0"
            if jumped:
                findings.append(Finding("jump", indicator_id, f"{code} {periods[i - 1]} -> {periods[i]}: "
                                        f"{before:,.1f} -> {after:,.1f} ({change})"))
    return findings


def totals_findings(outcome) -> list[Finding]:
    """Our sums of districts vs the publisher's own upper-tier, region and England totals."""
    beyond = differences_beyond_rounding(comparable(outcome))
    return [Finding("totals", r.indicator, f"{r.area_code} {r.period} {r.breakdown}: our sum of {int(r.members)} "
                    f"areas {r.ours:,.1f} vs the publisher's {r.publisher:,.1f}")
            for r in beyond.itertuples()]


def qa_findings(outcome, home_area: str) -> list[Finding]:
    geo = outcome.geography
    home = home_members(geo, home_area)
    tiers = sorted({t for d in home if (t := geo.upper_tier_of(d))} - set(home))
    regions = sorted({r for d in home if (r := geo.parent_of(d, "region"))})
    df = outcome.indicators
    if df.empty:
        return []
    return (coverage_findings(df, home + tiers, regions) + jump_findings(df, home + tiers + [home_area] + regions)
            + totals_findings(outcome))


def as_problems(findings: list[Finding]) -> list[Problem]:
    return [Problem(file=f"QA {f.check}", message=f"{f.indicator}: {f.message}", severity="warning")
            for f in findings]


def qa_html(findings: list[Finding], outcome, home_area: str) -> str:
    """A self-contained HTML page of the findings, grouped by check (``etl/templates/qa.html``)."""
    title = "Quality assurance report" + (" (DEMO DATA — not official statistics)" if outcome.is_demo else "")
    sections = [(label, [f for f in findings if f.check == check]) for check, label in CHECK_LABELS.items()]
    return TEMPLATES.get_template("qa.html").render(
        title=title, home_name=outcome.geography.name_of(home_area) or home_area, home_area=home_area,
        count=len(findings), sections=sections, indicators=INDICATORS, max_rows=500)
