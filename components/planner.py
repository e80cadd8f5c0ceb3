"""The view planner: the one place that decides what is honest to draw for the data at hand.

Every chart builder (and so every page, download, embed, summary and the gallery) asks it:

- which periods can be joined by a line: runs of comparable periods, split at the series breaks the
  publisher's notes declare (``vocab/series.toml``), with part years on their own and never compared;
- whether a "trend" is a line at all: it needs at least two comparable periods, else it is a dot
  comparison of one period;
- which comparators a measure may be set against: a count only against counts of like areas (a
  district's count is never drawn beside its region's or England's), larger areas as shares instead;
- how a map of an upper-tier-only measure is drawn: the council once, not its figure on every district;
- why the home area has no figure, in plain words, and the honest alternative.
Everything here is pure: a release and a question in, a plan out.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import config
from components.formatting import format_value, period_text
from components.summaries import possessive
from vocab.catalogue import INDICATORS, TOPICS, Indicator
from vocab.periods import period_bounds
from vocab.significance import significance_label

ALL_ROLES = ("home", "region", "country", "neighbours", "similar")


@dataclass(frozen=True)
class Mark:
    """Something to draw on a time axis: a series break (before ``period``) or a part-year point."""
    period: str
    kind: str  # "break" | "part"
    label: str  # short text on the chart
    reason: str  # the full sentence for notes, CSV headers and images


def _start(period: str):
    bounds = period_bounds(period)
    return bounds[0] if bounds else None


def breaks_between(ind: Indicator, earlier: str, later: str) -> list:
    """The declared breaks that fall after ``earlier`` and at or before ``later``."""
    a, b = _start(earlier), _start(later)
    if a is None or b is None:
        return []
    return [brk for brk in ind.breaks if (s := _start(brk.starts)) is not None and a < s <= b]


def segments(ind_id: str, periods: list[str]) -> list[list[str]]:
    """Runs of comparable periods (oldest first): split at breaks; a part period stands alone."""
    ind = INDICATORS[ind_id]
    out: list[list[str]] = []
    previous = None
    for period in periods:
        part = ind.part_period(period)
        starts_new = (previous is None or part or ind.part_period(previous)
                      or bool(breaks_between(ind, previous, period)))
        if starts_new:
            out.append([period])
        else:
            out[-1].append(period)
        previous = period
    return out


def comparable_run(ind_id: str, periods: list[str]) -> list[str]:
    """The latest run of full, comparable periods (what a change over time may be measured on)."""
    ind = INDICATORS[ind_id]
    runs = [s for s in segments(ind_id, periods) if not any(ind.part_period(p) for p in s)]
    return runs[-1] if runs else []


def marks(ind_id: str, periods: list[str]) -> list[Mark]:
    """Breaks between the periods shown, and part periods among them."""
    ind = INDICATORS[ind_id]
    out = []
    for earlier, later in zip(periods, periods[1:]):
        for brk in breaks_between(ind, earlier, later):
            out.append(Mark(later, "break", "Series break",
                            f"Series break before {period_text(brk.starts, ind)}: {brk.reason}."))
    for period in periods:
        if why := ind.part_period(period):
            out.append(Mark(period, "part", "Part year", f"{period_text(period, ind)} is {why}."))
    return out


def comparable(ind_id: str, earlier: str, later: str) -> bool:
    """True when a change from ``earlier`` to ``later`` may be stated: no break between, no part year."""
    ind = INDICATORS[ind_id]
    return not (ind.part_period(earlier) or ind.part_period(later) or breaks_between(ind, earlier, later))


def has_trend(ind_id: str, periods: list[str]) -> bool:
    """A line over time needs at least two comparable periods."""
    return any(len(s) >= 2 for s in segments(ind_id, periods))


def page_kinds(rel, ind_id: str, kinds, area: str | None = None) -> list[str]:
    """The charts a topic page shows for a measure: every district over time only where there is a time
    (two comparable periods; one period would repeat the ranking), a breakdown only where the data has one,
    the area among its peers only where it has a peer group."""
    shown = []
    for kind in kinds:
        if kind == "strip" and not has_trend(ind_id, rel.periods(ind_id)):
            continue
        if kind == "breakdown" and not rel.breakdown_dimensions(ind_id):
            continue
        if kind == "peers" and not rel.peer_group(ind_id, area):
            continue
        shown.append(kind)
    return shown


def comparator_roles(ind_id: str, roles) -> list[str]:
    """Comparators a district's figure may be drawn against: none for counts (their size differs)."""
    if INDICATORS[ind_id].unit == "count":
        return []
    return [r for r in roles if r in ALL_ROLES]


def comparators_for(rel, ind_id: str, code: str | None, period: str, roles=ALL_ROLES) -> list[tuple]:
    """(name, value, status) of the comparators a figure for ``code`` may be set against in words: rates
    against the home area, region and England; counts against none (their size differs)."""
    allowed = comparator_roles(ind_id, roles)
    return [(name, *rel.value(ind_id, comp_code, period)) for role, comp_code, name in rel.comparators(code, ind_id)
            if role in allowed and comp_code != code]


def shares_of(rel, ind_id: str, code: str, period: str) -> list[tuple[str, float]]:
    """For a count: (larger area's name, ``code``'s share of its total in percent), the honest way to set
    a count beside the region's and England's."""
    value, _ = rel.value(ind_id, code, period)
    out = []
    for role, comp_code, name in rel.comparators(code):
        if role == "home" or comp_code == code:
            continue
        total, _ = rel.value(ind_id, comp_code, period)
        if value == value and total == total and total > 0:
            out.append((name, value / total * 100))
    return out


def significance_reference(rel, ind_id: str, period: str) -> tuple[float | None, str]:
    """What a figure's 95% interval is judged against: the catalogue's reference (Progress 8: 0, the
    national average) or England's figure for the same period."""
    ind = INDICATORS[ind_id]
    if ind.significance_reference is not None:
        return ind.significance_reference, "the national average"
    value, _ = rel.value(ind_id, config.COUNTRY_CODE, period)
    return (None if value != value else value), "England"


def significance_sentence(rel, ind_id: str, code: str, period: str, who: str) -> str:
    """'Its 95% confidence interval is -0.40 to -0.23: significantly below the national average (0.00).'
    Empty when the figure has no interval."""
    ind = INDICATORS[ind_id]
    lower, upper = rel.interval(ind_id, code, period)
    reference, name = significance_reference(rel, ind_id, period)
    label = significance_label(lower, upper, reference, name)
    if label is None:
        return ""
    return (f"{possessive(who)} 95% confidence interval is {format_value(lower, ind)} to {format_value(upper, ind)}: "
            f"{label} ({format_value(reference, ind)}).")


def with_significance(rel, ind_id: str, data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with its interval columns and a ``significance`` column where intervals exist (the CSV
    says what the summary says); unchanged where the measure has no intervals."""
    if "lower_ci" not in data.columns or data["lower_ci"].isna().all():
        return data.drop(columns=[c for c in ("lower_ci", "upper_ci") if c in data.columns])
    verdicts = []
    for period, lower, upper in zip(data["period"], data["lower_ci"], data["upper_ci"]):
        reference, name = significance_reference(rel, ind_id, period)
        verdicts.append(significance_label(lower, upper, reference, name) or "")
    return data.assign(significance=verdicts)


def count_note(ind_id: str) -> str | None:
    if INDICATORS[ind_id].unit != "count":
        return None
    return "Counts are compared only with other districts' counts: larger areas have far larger counts."


def caveat_notes(ind_id: str, periods: list[str]) -> list[str]:
    """The notes a chart over ``periods`` must carry: breaks and part years among them, then caveats."""
    ind = INDICATORS[ind_id]
    return [m.reason for m in marks(ind_id, periods)] + list(ind.caveats)


def home_note(rel, ind_id: str, period: str | None) -> str | None:
    """How the home area's figure was made, when we made it (e.g. "Computed by us from the 3 councils'
    rates weighted by their population aged 16-64, mid-2024 estimates ...")."""
    recorded = rel.derivation(ind_id, rel.home_code(), period) if period else None
    return recorded["note"] if recorded and recorded.get("is_computed") and recorded.get("note") else None


def image_note(note: str | None, ind_id: str) -> str | None:
    """The chart's note for an image, where room is short: each series break's full reason (kept in the
    CSV header and under the chart) becomes one short line naming the breaks."""
    if not note:
        return note
    ind = INDICATORS[ind_id]
    named = []
    for brk in ind.breaks:
        sentence = f"Series break before {period_text(brk.starts, ind)}: {brk.reason}."
        if sentence in note:
            note = note.replace(sentence, "").strip()
            named.append(period_text(brk.starts, ind).replace(" academic year", ""))
    if named:
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        short = (f"Series break{'s' if len(named) > 1 else ''} before {listed}: not comparable across "
                 f"{'them' if len(named) > 1 else 'it'} (the reasons are in the CSV download).")
        note = " ".join(filter(None, [short, " ".join(note.split())]))
    return note


def default_indicator(rel, slug: str) -> str | None:
    """The measure a topic opens on: the freshest one with a figure for the home area (catalogue order
    breaks ties, so the headline measure wins among equals); else the freshest of all. Worked out once
    per release and home area (every topic view asks)."""
    return rel._cached(("default-indicator", rel.home_code(), slug), lambda: _default_indicator(rel, slug))


def _default_indicator(rel, slug: str) -> str | None:
    candidates = rel.indicators(slug)
    home = rel.home_code()

    def ends(code: str | None) -> list[tuple]:
        out = []
        for ind_id in candidates:
            period = rel.latest_period(ind_id, code) if code else rel.latest_period(ind_id)
            if period and (bounds := period_bounds(period)):
                out.append((bounds[1], ind_id))
        return out

    pool = ends(home) or ends(None)
    if not pool:
        return candidates[0] if candidates else None
    latest = max(end for end, _ in pool)
    freshest = [ind_id for end, ind_id in pool if end == latest]
    headline = TOPICS[slug][1]
    return headline if headline in freshest else freshest[0]


def home_gap(rel, ind_id: str, period: str | None) -> str:
    """Why the home area has no figure for ``period``, in plain words, with the honest alternative."""
    ind = INDICATORS[ind_id]
    home = rel.home_name()
    dfv = rel.district_values(ind_id, period) if period else pd.DataFrame()
    publisher = (rel.source_for(ind_id).get("publisher") or "The publisher").split(" (")[0]
    recorded = rel.derivation(ind_id, rel.home_code(), period) if period else None
    if recorded and not recorded.get("is_computed") and recorded.get("note"):
        why = recorded["note"]
    elif ind.aggregation == "none":
        why = (f"{publisher} publishes the {ind.in_sentence} only as a figure for each area, without the "
               f"counts behind it, so a figure for {home} cannot be added up from its areas.")
    elif len(dfv) and dfv["value"].isna().any():
        missing = sorted(set(dfv.loc[dfv["value"].isna(), "label"].fillna(dfv["area_name"])))
        why = (f"Not every area in {home} has a published figure for {period_text(period, ind)} "
               f"({', '.join(missing[:3])}{' and others' if len(missing) > 3 else ''}), so {home} has none.")
    else:
        why = (f"{publisher} gives the {ind.in_sentence} without the counts needed to combine areas, so a figure "
               f"for {home} cannot be computed.")
    have = dfv[dfv["value"].notna()] if len(dfv) else dfv
    if len(have) >= 2:
        shown = have.drop_duplicates("shown_code")
        names = shown["label"].fillna(shown["area_name"])
        lo, hi = shown["value"].idxmin(), shown["value"].idxmax()
        why += (f" Its areas range from {format_value(shown.at[lo, 'value'], ind)} ({names[lo]}) to "
                f"{format_value(shown.at[hi, 'value'], ind)} ({names[hi]}).")
    return why
