"""The chart registry: one builder per chart kind, giving everything a chart is reused with.

A chart id is ``<indicator id with '-' for '_'>-<kind>`` (``claimant-rate-trend``); its view comes from
the same query parameters as the topic pages (``area``, ``period``, ``breakdown``, ``comparators``) plus
``release``. The topic pages, the downloads and the embeds all take their figure and data from here, so
a downloaded CSV is exactly what the page plots. Specs are cached by release, home area and view.
"""
from __future__ import annotations

import functools
from dataclasses import replace
from collections.abc import Mapping

import config
import data_access
from components import params
from components.chart_builders import (  # noqa: F401
    BUILDERS,
    STRIP_PERIODS,
    collapse_upper_tier,
    map_figure,
)
from components.chart_spec import ALL, ChartSpec, View, chart_id  # noqa: F401 - the registry's vocabulary
from vocab.catalogue import INDICATORS

KINDS = ("trend", "ranking", "map", "strip", "breakdown", "compare", "peers")
# kind -> one-line description for /data ({ind} is the measure's label)
DESCRIPTIONS = {
    "trend": "{ind} over time for the chosen district against the home area, its region and England",
    "ranking": "{ind} for every district of the home area in one period, highest first, with region and "
               "England lines",
    "map": "{ind} by district in one period, as a map (or tile map)",
    "strip": "{ind} for every district over recent periods, with the chosen district and the home area",
    "breakdown": "{ind} by age, sex, level or sector for the chosen district, the home area and England",
    "compare": "{ind} over time for several chosen districts (areas=code,code,...) with the home area and England",
    "peers": "{ind} in one period for the chosen district's council among its DfE statistical neighbours (or the "
             "district among its computed similar districts), with the group's combined figure",
}
# Query parameters a chart URL may carry (images add width, height and scale).
VIEW_PARAMS = ("area", "areas", "period", "breakdown", "comparators", "indicator", "release", "home")


class UnknownChart(LookupError):
    """No chart has this id in the release; the message is written for the user."""


# --- ids ------------------------------------------------------------------------------------------

def parse_chart_id(chart: str) -> tuple[str, str]:
    """'claimant-rate-trend' -> ('claimant_rate', 'trend'); UnknownChart for anything else."""
    text = str(chart or "")[:80]
    stem, _, kind = text.rpartition("-")
    ind = stem.replace("-", "_")
    if kind not in KINDS or ind not in INDICATORS:
        raise UnknownChart(f"There is no chart called '{text}'. The list of charts is on the /data page.")
    return ind, kind


def chart_ids(rel) -> list[str]:
    """Every chart the release can draw, in topic order (breakdown charts only where there are breakdowns)."""
    out = []
    for ind_id in rel.indicators():
        for kind in KINDS:
            if (kind != "breakdown" or rel.breakdown_dimensions(ind_id)) and (kind != "peers"
                                                                             or rel.has_groups(ind_id)):
                out.append(chart_id(ind_id, kind))
    return out


def description(chart: str) -> str:
    ind, kind = parse_chart_id(chart)
    return DESCRIPTIONS[kind].format(ind=INDICATORS[ind].label)


# --- views ----------------------------------------------------------------------------------------

def _one(args: Mapping, name: str):
    """A single query value (Flask MultiDict lists become a list, which params rejects)."""
    if hasattr(args, "getlist"):
        values = args.getlist(name)
        return values if len(values) > 1 else (values[0] if values else None)
    return args.get(name)


def resolve_view(rel, ind_id: str, kind: str, args: Mapping) -> View:
    """Validate ``args`` for chart ``ind_id``/``kind`` (params.BadParam says what is wrong)."""
    if ind_id not in rel.indicators():
        raise UnknownChart(f"The chart '{chart_id(ind_id, kind)}' has no data in this release.")
    dims = list(rel.breakdown_dimensions(ind_id))
    if kind == "breakdown" and not dims:
        raise UnknownChart(f"{INDICATORS[ind_id].label} has no breakdown, so there is no chart "
                           f"'{chart_id(ind_id, kind)}'. The list of charts is on the /data page.")
    indicator = params._text(_one(args, "indicator"), "measure")
    if indicator not in (None, ind_id):
        raise params.BadParam(f"The chart '{chart_id(ind_id, kind)}' shows {INDICATORS[ind_id].label}; "
                              f"leave out indicator or use indicator={ind_id}.")
    districts = rel.home_districts()
    if kind == "compare":
        codes = params.areas(_one(args, "areas"), rel, list(districts["area_code"].iloc[:2]))
        return compare_view(rel, ind_id, codes)
    default_area = districts["area_code"].iloc[0] if len(districts) else None
    if kind == "peers" and not rel.has_groups(ind_id):
        raise UnknownChart(f"{INDICATORS[ind_id].label} has no comparator groups in this release, so there is no "
                           f"chart '{chart_id(ind_id, kind)}'. The list of charts is on the /data page.")
    # a map without area= highlights no district (the home page's map); other charts need a district
    area = params.area(_one(args, "area"), rel, None if kind == "map" else default_area)
    period = params.period(_one(args, "period"), rel.periods(ind_id), rel.latest_period(ind_id))
    dim = params.breakdown(_one(args, "breakdown"), dims)
    roles = params.comparators(_one(args, "comparators"))
    return View(area, period, dim, tuple(roles), period == rel.latest_period(ind_id))


def compare_view(rel, ind_id: str, codes: list[str]) -> View:
    """The View of a 'compare' chart: the chosen districts, latest period (comparators are fixed)."""
    return View(None, rel.latest_period(ind_id), None, tuple(params.COMPARATOR_ROLES), True, tuple(codes))


def view_for(rel, ind_id: str, area: str | None, period: str | None, dim: str | None, roles) -> View:
    """The View of a page's current state (pages validate their parameters themselves)."""
    return View(area, period, dim, tuple(roles), period == rel.latest_period(ind_id))


def build(rel, chart: str, args: Mapping) -> ChartSpec:
    """The spec of ``chart`` for the view in ``args`` (UnknownChart / params.BadParam for bad input)."""
    ind_id, kind = parse_chart_id(chart)
    view = resolve_view(rel, ind_id, kind, args)
    return spec_for(rel, ind_id, kind, view)


# The View fields each builder reads: a spec is cached on these only, so views that differ in anything
# else (a strip chart at another period, a trend with another breakdown) share one built chart.
USES = {"trend": ("area", "comparators"), "ranking": ("area", "period"), "map": ("area", "period"),
        "strip": ("area",), "breakdown": ("area", "period", "breakdown"), "compare": ("areas", "period"),
        "peers": ("area", "period")}


def core_view(kind: str, view: View) -> View:
    """``view`` with only the fields chart ``kind`` is drawn from (the others blank)."""
    used = USES[kind]
    return View(*(getattr(view, f) if f in used else blank for f, blank in
                  (("area", None), ("period", None), ("breakdown", None), ("comparators", ()))),
                latest=False, areas=view.areas if "areas" in used else ())


def spec_for(rel, ind_id: str, kind: str, view: View) -> ChartSpec:
    """Cached by folder, release, home area and the view's fields the chart is drawn from: the page,
    downloads and embeds share one spec; the spec carries the full ``view`` for its links."""
    spec = _cached(str(rel.path), rel.id, rel.home_code(), ind_id, kind, core_view(kind, view))
    return spec if spec.view == view else replace(spec, view=view)


@functools.lru_cache(maxsize=config.CHART_CACHE_ENTRIES)
def _cached(folder: str, release_id: str, home: str, ind_id: str, kind: str, view: View) -> ChartSpec:
    rel = data_access.load(release_id)
    return BUILDERS[kind](rel, ind_id, view)


