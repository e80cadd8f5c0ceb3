"""Plain-English chart summaries: the text alternative of each chart, also shown under it.

Pure functions of data frames and values (no Dash). Rules they follow:
* numbers as the source rounds them (``Indicator.decimals``; counts with thousands separators;
  percentages with a % sign; "per 100,000 people" for rates per head) and ranks/ties worked out on
  those rounded figures, so the sentence agrees with the labels on the chart;
* differences in "points" for percentages and scores, plain differences for counts;
* "highest"/"lowest" are facts; the polarity note says which way is better (never "best" for a
  claimant rate);
* suppressed or missing figures are named as such and never treated as 0;
* every function returns a string and never raises: odd input gives "No data for ...".
"""
from __future__ import annotations

import logging
import numbers
from collections.abc import Iterable, Sequence
from functools import wraps
from typing import Any

import pandas as pd

from components import frame_memo
from components.formatting import is_missing
from vocab import statuses
from vocab.catalogue import Indicator

log = logging.getLogger(__name__)

# Why a figure is missing, as a sentence predicate ("Blackpool's figure for March 2021 is ...").
# Area names read with "the" inside a sentence.
NAMES_WITH_THE = {"North West", "North East", "South East", "South West", "East Midlands", "West Midlands",
                  "East of England", "Humber", "Liverpool City Region"}
# (polarity, end of the ranking) -> note
POLARITY_NOTES = {("lower", "highest"): "higher is worse", ("lower", "lowest"): "lower is better",
                  ("higher", "highest"): "higher is better", ("higher", "lowest"): "lower is worse"}
MAX_TIED_NAMES = 2
PLURALS = {"sex": "sexes", "age group": "age groups", "group": "groups"}


def _never_raises(fn):
    """Summaries are page furniture: a bug must cost a sentence, never the page."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception:
            log.exception("summary %s failed", fn.__name__)
            return "No summary is available for this chart."
    return wrapper


# --- words and numbers -------------------------------------------------------------------------

def no_number(value: Any) -> bool:
    """Nothing to put in a sentence: a missing figure (``is_missing``) or anything that is not a number."""
    return is_missing(value) or not isinstance(value, numbers.Real)


def rounded(value: float, ind: Indicator) -> float:
    """The value as the source publishes it (``decimals`` places)."""
    return round(float(value), ind.decimals)


def format_number(value: float, ind: Indicator) -> str:
    """'9.8%', '12,340', '47.2', '412 per 100,000 people' by unit and published decimals."""
    text = f"{float(value):,.{max(ind.decimals, 0)}f}"
    if ind.unit == "percent":
        return text + "%"
    if ind.unit == "per_100k":
        return text + " per 100,000 people"
    return text


def format_amount(delta: float, ind: Indicator) -> str:
    """The size of a difference: '3.2 points' (percent, score), '1,230' (count), '45 per 100,000 people'."""
    amount = abs(rounded(delta, ind))
    number = f"{amount:,.{max(ind.decimals, 0)}f}"
    if ind.unit == "count":
        return number
    if ind.unit == "per_100k":
        return f"{number} per 100,000 people"
    return f"{number} {'point' if amount == 1 else 'points'}"


def format_difference(delta: float, ind: Indicator, other: str) -> str:
    """'3.2 points above England', '1,230 fewer than Pendle', 'the same as England'."""
    if rounded(delta, ind) == 0:
        return f"the same as {other}"
    if ind.unit == "count":
        return f"{format_amount(delta, ind)} {'more' if delta > 0 else 'fewer'} than {other}"
    return f"{format_amount(delta, ind)} {'above' if delta > 0 else 'below'} {other}"


def measure_name(ind: Indicator) -> str:
    """How the indicator reads inside a sentence (the catalogue's ``in_sentence``)."""
    return ind.in_sentence


def in_sentence(name: str) -> str:
    """'North West' -> 'the North West' (region names read with 'the'), others unchanged."""
    name = str(name).strip()
    return f"the {name}" if name in NAMES_WITH_THE else name


def possessive(name: str) -> str:
    name = in_sentence(name)
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def join_names(names: Sequence[str], limit: int = MAX_TIED_NAMES) -> str:
    """'A', 'A and B', 'A, B and 3 others'."""
    names = [in_sentence(n) for n in names]
    if len(names) > limit + 1:
        rest = len(names) - limit
        return f"{', '.join(names[:limit])} and {rest} others"
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _value_phrase(value: float, status: str, ind: Indicator) -> str:
    text = format_number(value, ind)
    qualifier = statuses.QUALIFIERS.get(str(status))
    return f"{text} ({qualifier})" if qualifier else text


def _missing_phrase(status: Any) -> str:
    return statuses.predicate(status)


def _comparisons(value: float, ind: Indicator, comparators: Iterable[tuple[str, Any]] | None,
                 exclude: Iterable[str] = ()) -> list[str]:
    """['3.2 points above England', ...] for comparators that have a figure (others are left out)."""
    skip = {str(n) for n in exclude}
    out = []
    for item in comparators or []:
        try:
            name, other = item[0], item[1]
        except (TypeError, IndexError, KeyError):
            continue
        if no_number(other) or str(name) in skip:
            continue
        out.append(format_difference(rounded(value, ind) - rounded(other, ind), ind, in_sentence(name)))
    return out


def _records(values: pd.DataFrame | None, columns: Sequence[str]) -> list[dict] | None:
    """The needed columns as a list of row dicts (None if unusable): values numeric (others NaN), statuses as
    text (missing: 'not_available'). A summary reads a dozen rows; pandas filtering per sentence cost more
    than the rest of a chart."""
    if values is None or not isinstance(values, pd.DataFrame) or not set(columns) <= set(values.columns):
        return None
    # the same frames (a period's districts) are summed up for every district's view: worked out once each
    return [dict(r) for r in frame_memo.derived(values, ("records", tuple(columns)), lambda: _new_records(values, columns))]


def _new_records(values: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    cols = {c: values[c].astype(object).tolist() for c in columns if c not in ("value", "status")}
    cols["value"] = pd.to_numeric(values["value"], errors="coerce").astype(float).tolist()
    if "status" in columns:
        cols["status"] = ["not_available" if _na(v) else str(v) for v in values["status"].astype(object).tolist()]
    return [dict(zip(cols, row)) for row in zip(*cols.values())]


def _na(value) -> bool:
    """pandas' notion of missing for one cell (None, NaN, NA, NaT)."""
    return value is None or bool(pd.isna(value))


def _named(rows: list[dict]) -> list[dict]:
    """Each row with ``name``: its area name, or its code when the name is missing or blank."""
    for r in rows:
        n = r["area_name"]
        r["name"] = str(n if not _na(n) and str(n).strip() != "" else r["area_code"])
    return rows


# --- ranking (bar chart of districts) ------------------------------------------------------------

@_never_raises
def ranking_summary(values: pd.DataFrame, selected_code: str | None, indicator: Indicator, period_label: str,
                    home_name: str, comparators: Sequence[tuple[str, Any]] = (), *,
                    peer_noun: str = "districts", home_code: str | None = None, home_value: Any = None,
                    fallback_for: str | None = None) -> str:
    """Where the selected area stands among its peers, e.g. "Blackpool's claimant rate was 9.8% in
    March 2021, the highest of Lancashire's 14 districts (higher is worse), and 3.2 points above England."

    ``values``: area_code, area_name, value, status (one row per peer area). ``comparators``: [(name,
    value)] such as region and England. When ``selected_code`` is the home area (``home_code``) or not
    among the peers, the summary describes the spread across the peers instead (with ``home_value``).
    ``fallback_for``: the name of the area the user chose when the figures shown are for the wider
    (upper-tier) area ``selected_code`` because the publisher gives none for the chosen one.
    """
    ind = indicator
    df = _records(values, ["area_code", "area_name", "value", "status"])
    measure = measure_name(ind)
    if not df:
        return f"No data for the {measure} in {period_label}."
    _named(df)
    n_all = len(df)
    peers = f"{possessive(home_name)} {n_all} {peer_noun}"
    prefix = _fallback_prefix(fallback_for, df, selected_code)

    matches = [r for r in df if r["area_code"] == selected_code]
    if selected_code is None or not matches or (home_code is not None and selected_code == home_code):
        return prefix + _spread_summary(df, ind, period_label, home_name, peer_noun, comparators,
                                        home_value if selected_code == home_code or selected_code is None
                                        else None)
    row = matches[0]
    name = row["name"]
    if no_number(row["value"]):
        first = (f"{possessive(name)} figure for the {measure} in {period_label} is "
                 f"{_missing_phrase(row['status'])}, so it is not ranked.")
        spread = _extremes_sentence(df, ind, peer_noun, home_name)
        return prefix + first + (f" {spread}" if spread else "")

    ranked = [dict(r, shown=rounded(r["value"], ind)) for r in df if not no_number(r["value"])]
    mine = rounded(row["value"], ind)
    n = len(ranked)
    group = peers if n == n_all else f"the {n} {peer_noun} in {in_sentence(home_name)} with a figure"
    text = f"{possessive(name)} {measure} was {_value_phrase(row['value'], row['status'], ind)} in {period_label}"
    if n > 1:
        text += ", " + _rank_phrase(ranked, selected_code, mine, ind, group)
    comparisons = _comparisons(row["value"], ind, comparators, exclude=[name])
    if len(comparisons) == 1:
        text += f" and {comparisons[0]}."
    elif comparisons:
        text += f". It was {join_names(comparisons, limit=len(comparisons))}."
    else:
        text += "."
    return prefix + text


def _rank_phrase(ranked: list[dict], code: str, mine: float, ind: Indicator, group: str) -> str:
    """'the highest of <group> (higher is worse)', 'the joint 3rd highest of <group> (with Pendle)'."""
    higher = sum(r["shown"] > mine for r in ranked)
    lower = sum(r["shown"] < mine for r in ranked)
    tied = [r["name"] for r in ranked if r["shown"] == mine and r["area_code"] != code]
    if not higher and not lower:
        return f"the same as every other one of {group}"
    if higher == 0:
        end, position = "highest", 1
    elif lower == 0:
        end, position = "lowest", 1
    elif higher + 1 <= lower + 1:
        end, position = "highest", higher + 1
    else:
        end, position = "lowest", lower + 1
    words = end if position == 1 else f"{ordinal(position)} {end}"
    notes = [f"with {join_names(tied)}"] if tied else []
    if position == 1 and (ind.polarity, end) in POLARITY_NOTES:
        notes.append(POLARITY_NOTES[(ind.polarity, end)])
    phrase = f"the {'joint ' if tied else ''}{words} of {group}"
    return f"{phrase} ({'; '.join(notes)})" if notes else phrase


def _extremes_sentence(df: list[dict], ind: Indicator, peer_noun: str, home_name: str) -> str:
    """'Across Lancashire's 14 districts, the claimant rate was highest in Blackpool (9.8%) and lowest in
    Ribble Valley (2.1%).' ('Of the 13 districts in Lancashire with a figure, ...' when some are missing)."""
    shown = [(rounded(r["value"], ind), r["name"]) for r in df if not no_number(r["value"])]
    if not shown:
        return f"No figures are published for {possessive(home_name)} {peer_noun} in this period."
    top, bottom = max(v for v, _ in shown), min(v for v, _ in shown)
    top_names = [n for v, n in shown if v == top]
    bottom_names = [n for v, n in shown if v == bottom]
    intro = (f"Across {possessive(home_name)} {len(df)} {peer_noun}" if len(shown) == len(df)
             else f"Of the {len(shown)} {peer_noun} in {in_sentence(home_name)} with a figure")
    measure = measure_name(ind)
    if len(shown) == 1 and len(df) == 1:
        return f"{capitalise(possessive(top_names[0]))} {measure} was {format_number(top, ind)}."
    if top == bottom:
        return f"{intro}, the {measure} was {format_number(top, ind)} in every one."
    return (f"{intro}, the {measure} was highest in {join_names(top_names)} ({format_number(top, ind)}) "
            f"and lowest in {join_names(bottom_names)} ({format_number(bottom, ind)}).")


def _spread_summary(df: list[dict], ind: Indicator, period_label: str, home_name: str, peer_noun: str,
                    comparators, home_value) -> str:
    measure = measure_name(ind)
    first = ""
    if not no_number(home_value):
        first = f"{possessive(home_name)} {measure} was {format_number(home_value, ind)} in {period_label}"
        comparisons = _comparisons(home_value, ind, comparators, exclude=[home_name])
        first += (", " + join_names(comparisons, limit=len(comparisons)) if comparisons else "") + ". "
    spread = _extremes_sentence(df, ind, peer_noun, home_name)
    if not first:  # the sentence must name the period
        spread = f"In {period_label}, {spread[:1].lower()}{spread[1:]}" if spread.startswith(("Across", "Of ")) \
            else spread
    missing = [r["name"] for r in df if no_number(r["value"])]
    tail = ""
    if missing and len(missing) < len(df):
        verb = "is" if len(missing) == 1 else "are"
        tail = f" The figure for {join_names(missing)} {verb} not published (suppressed or not available)."
    return first + spread + tail


def _fallback_prefix(fallback_for: str | None, df: list[dict], selected_code: str | None) -> str:
    if not fallback_for:
        return ""
    wider = next((r["name"] for r in df if r["area_code"] == selected_code), "the wider area")
    return f"Figures are not published for {in_sentence(fallback_for)}, so these are for {in_sentence(wider)}. "


# --- trend (line chart over time) ----------------------------------------------------------------

@_never_raises
def trend_summary(series: pd.DataFrame, area_name: str, indicator: Indicator,
                  comparators: Sequence[tuple[str, Any]] = (), *, fallback_for: str | None = None,
                  is_home: bool = False) -> str:
    """How the area's figure moved from the first to the latest period, e.g. "Burnley's claimant rate
    rose from 3.1% in March 2020 to 7.4% in March 2021, up 4.3 points. In March 2021 it was 0.8 points
    above England."

    ``series``: period, period_label, value, status (any order; sorted by ``period``).
    ``comparators``: [(name, latest value)] for the latest period. ``is_home`` says the area is the
    home area; ``fallback_for`` names the district whose figures are not published (see ranking).
    """
    ind = indicator
    measure = measure_name(ind)
    df = _records(series, ["period", "period_label", "value", "status"])
    if not df:
        return f"No data for {possessive(area_name)} {measure}."
    df = sorted(df, key=lambda r: r["period"])  # stable, as pandas' stable sort
    for r in df:
        if _na(r["period_label"]):
            r["period_label"] = r["period"]
    prefix = ""
    if fallback_for:
        prefix = f"Figures are not published for {in_sentence(fallback_for)}, so these are for {in_sentence(area_name)}. "
    elif is_home:
        prefix = capitalise(f"These figures are for {in_sentence(area_name)} as a whole. ")
    who = possessive(area_name)
    have = [r for r in df if not no_number(r["value"])]
    last = df[-1]
    if not have:
        return prefix + f"No {measure} figures are published for {in_sentence(area_name)} in this period."
    gaps = len(df) - len(have)
    gap_note = ""
    if gaps:
        gap_note = f" (figures for {gaps} of {len(df)} periods are not published)"

    if no_number(last["value"]):
        latest = have[-1]
        text = (f"{who} figure for {last['period_label']} is {_missing_phrase(last['status'])}; the latest "
                f"published was {_value_phrase(latest['value'], latest['status'], ind)} in "
                f"{latest['period_label']}{gap_note}.")
        return prefix + capitalise(text)

    first = have[0]
    if len(have) == 1:
        text = f"{who} {measure} was {_value_phrase(last['value'], last['status'], ind)} in {last['period_label']}"
    else:
        change = rounded(last["value"], ind) - rounded(first["value"], ind)
        start = f"{format_number(first['value'], ind)} in {first['period_label']}"
        end = f"{_value_phrase(last['value'], last['status'], ind)} in {last['period_label']}"
        if rounded(change, ind) == 0:
            text = f"{who} {measure} was {end}, the same as in {first['period_label']}"
        else:
            verb = "rose" if change > 0 else "fell"
            text = (f"{who} {measure} {verb} from {start} to {end}, {'up' if change > 0 else 'down'} "
                    f"{format_amount(change, ind)}")
        peak = _peak_phrase(have, ind)
        if peak:
            text += f", {peak}"
    text = capitalise(text) + gap_note + "."
    comparisons = _comparisons(last["value"], ind, comparators, exclude=[area_name])
    if comparisons:
        text += f" In {last['period_label']} it was {join_names(comparisons, limit=len(comparisons))}."
    return prefix + text


def _peak_phrase(have: list[dict], ind: Indicator) -> str:
    """'peaking at 8.0% in February 2021' when the highest figure is neither the first nor the last."""
    shown = [rounded(r["value"], ind) for r in have]
    top = max(shown)
    if shown[0] == top or shown[-1] == top:
        return ""
    at = shown.index(top)
    return f"peaking at {format_number(top, ind)} in {have[at]['period_label']}"


# --- breakdown (bars by age, sex, level ...) -----------------------------------------------------

@_never_raises
def breakdown_summary(df: pd.DataFrame, area_name: str, indicator: Indicator, period_label: str,
                      dimension: str = "group") -> str:
    """Which group is highest and lowest, e.g. "In March 2021, Burnley's claimant rate was highest for
    aged 18-24 (9.1%) and lowest for aged 50+ (3.2%), across 4 age groups."

    ``df``: breakdown, breakdown_label (optional), value, status; a ``total`` row is reported as overall.
    """
    ind = indicator
    measure = measure_name(ind)
    cols = ["breakdown", "value", "status"] + (["breakdown_label"] if isinstance(df, pd.DataFrame)
                                                and "breakdown_label" in df.columns else [])
    data = _records(df, cols)
    if not data:
        return f"No data for {possessive(area_name)} {measure} by {dimension} in {period_label}."
    for r in data:
        label = r.get("breakdown_label", r["breakdown"])
        r["label"] = str(label if not _na(label) else r["breakdown"])
    total = [r for r in data if str(r["breakdown"]) == "total"]
    groups = [r for r in data if str(r["breakdown"]) != "total"]
    have = [(rounded(r["value"], ind), r["label"]) for r in groups if not no_number(r["value"])]
    who = possessive(area_name)
    overall = ""
    if total and not no_number(total[0]["value"]):
        overall = f" Overall it was {format_number(total[0]['value'], ind)}."
    if not have:
        return f"No figures by {dimension} are published for {in_sentence(area_name)} in {period_label}.{overall}"
    top, bottom = max(v for v, _ in have), min(v for v, _ in have)
    top_labels = [lab for v, lab in have if v == top]
    bottom_labels = [lab for v, lab in have if v == bottom]
    plural = PLURALS.get(dimension, dimension if dimension.endswith("s") else f"{dimension}s")
    if len(have) == 1:
        text = f"In {period_label}, {who} {measure} for {top_labels[0]} was {format_number(top, ind)}."
    elif top == bottom:
        text = f"In {period_label}, {who} {measure} was {format_number(top, ind)} for every {dimension}."
    else:
        text = (f"In {period_label}, {who} {measure} was highest for {join_names(top_labels)} "
                f"({format_number(top, ind)}) and lowest for {join_names(bottom_labels)} "
                f"({format_number(bottom, ind)}), across {len(groups)} {plural}.")
    missing = [r["label"] for r in groups if no_number(r["value"])]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        text += f" The figure for {join_names(missing)} {verb} not published (suppressed or not available)."
    return text + overall


# --- map (tile map or choropleth of districts) ---------------------------------------------------

@_never_raises
def map_summary(values: pd.DataFrame, indicator: Indicator, period_label: str, home_name: str, *,
                peer_noun: str = "districts", selected_code: str | None = None) -> str:
    """The spread across the map, e.g. "Claimant rate, March 2021: across Lancashire's 14 districts,
    Blackpool was highest at 9.8% and Ribble Valley lowest at 2.1% (lower is better)."

    ``values``: area_code, area_name, value, status. ``selected_code`` adds where that area stands.
    """
    ind = indicator
    measure = measure_name(ind)
    df = _records(values, ["area_code", "area_name", "value", "status"])
    if not df:
        return f"No data for the {measure} map in {period_label}."
    _named(df)
    spread = _extremes_sentence(df, ind, peer_noun, home_name)
    text = f"In {period_label}, {spread[:1].lower()}{spread[1:]}" if spread.startswith(("Across", "Of ")) \
        else spread
    note = {"lower": "lower is better", "higher": "higher is better"}.get(ind.polarity or "")
    if note and sum(not no_number(r["value"]) for r in df) > 1:
        text = text[:-1] + f"; {note}."
    missing = [r["name"] for r in df if no_number(r["value"])]
    if missing and len(missing) < len(df):
        verb = "is" if len(missing) == 1 else "are"
        text += f" The figure for {join_names(missing)} {verb} not published (suppressed or not available)."
    if selected_code is not None:
        row = next((r for r in df if r["area_code"] == selected_code), None)
        if row is not None and not no_number(row["value"]):
            text += f" {capitalise(in_sentence(row['name']))}: {format_number(row['value'], ind)}."
    return text
