"""The topic-page factory shared by the five topic pages (claimant count, furlough, NEET, ...).

The whole view is a function of the URL: controls only write the query string (through a
``dcc.Location`` with ``refresh='callback-nav'``), and Dash Pages re-renders the page from it. So
reload, back/forward and a pasted link always reproduce the view. Rendered views are cached per
release, home area and parameters.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html

import config
import data_access
from components import charts, freshness, params, plain_tree, planner
from components.cards import friendly_message, spec_card
from components.charts import collapse_upper_tier, map_figure  # noqa: F401 - used by pages/home.py
from components.formatting import (
    breakdown_label,
    format_value,
    period_text,
    polarity_text,
)
from components.views import demo_notice, safe_layout
from vocab.catalogue import INDICATORS, TOPICS

STRIP_PERIODS = charts.STRIP_PERIODS
ROLE_NAMES = {"home": "home area", "region": "region", "country": "England", "neighbours": "statistical neighbours",
              "similar": "similar districts"}


def ids(slug: str) -> dict[str, str]:
    """The page's component ids, kebab-case and prefixed with the page."""
    return {k: f"{slug}-{k}" for k in ("url", "area-select", "indicator-radio", "period-select",
                                      "breakdown-select", "comparators-check", "key-figures")}


def make_topic_page(slug: str):
    """Register the URL-writing callback for ``slug`` and return the page's layout function."""
    i = ids(slug)

    @callback(Output(i["url"], "search"),
              Input(i["area-select"], "value"), Input(i["indicator-radio"], "value"),
              Input(i["period-select"], "value"), Input(i["breakdown-select"], "value"),
              Input(i["comparators-check"], "value"), State(i["url"], "search"), prevent_initial_call=True)
    def write_url(area, indicator, period, breakdown, comparators, search):
        return controls_to_query(ctx.triggered_id == i["indicator-radio"], area, indicator, period, breakdown,
                                 comparators, home=params.home_in(search))

    @safe_layout(skeleton=lambda: skeleton(slug))
    def layout(area=None, indicator=None, period=None, breakdown=None, comparators=None, **_ignored):
        return topic_view(slug, area, indicator, period, breakdown, comparators)

    return layout


def skeleton(slug: str):
    """The page's callback ids only (for Dash's validation layout)."""
    i = ids(slug)
    return html.Div([dcc.Location(id=i["url"], refresh="callback-nav"), dbc.Select(id=i["area-select"]),
                     dbc.RadioItems(id=i["indicator-radio"]), dbc.Select(id=i["period-select"]),
                     dbc.Select(id=i["breakdown-select"]), dbc.Checklist(id=i["comparators-check"])])


def controls_to_query(indicator_changed: bool, area, indicator, period, breakdown, comparators,
                      home: str | None = None) -> str:
    """The query string for the controls' values (a new measure starts at its latest period), keeping
    the link's home area."""
    if indicator_changed:
        period, breakdown = None, None
    comps = [r for r in params.ALL_ROLES if r in (comparators or [])]
    return params.query(home=home, area=area, indicator=indicator, period=period,
                        breakdown=None if breakdown in (None, "total") else breakdown,
                        comparators=None if comps == list(params.COMPARATOR_ROLES) else (",".join(comps) or "none"))


def topic_view(slug: str, area=None, indicator=None, period=None, breakdown=None, comparators=None):
    """The page for these (unchecked) parameters as a plain tree (``plain_tree``): the JSON Dash sends,
    without Dash's walk of every figure."""
    rel = data_access.load()
    title, headline = TOPICS[slug]
    available = rel.indicators(slug)
    header = [html.H1(title, className="mb-2")]
    if not available:
        return plain_tree.tree(html.Div(header + [friendly_message(
            "No data for this topic", "The current release has no figures for this topic.", heading=False)]))
    try:
        view = resolve(rel, slug, area, indicator, period, breakdown, comparators)
    except params.BadParam as exc:
        return plain_tree.tree(html.Div(header + [friendly_message(
            "That link doesn't work", str(exc), back_href=f"/{slug}", back_text=f"Start again on {title}",
            heading=False)]))
    return _cached_view(rel.id, rel.home_code(), *view, freshness.today())


class View(NamedTuple):
    """A topic page's view, every parameter checked and defaulted: equal views render equal pages."""

    slug: str
    area_code: str | None
    ind_id: str | None
    period_v: str | None
    dim: str | None
    roles: tuple[str, ...]


def resolve(rel, slug: str, area=None, indicator=None, period=None, breakdown=None, comparators=None) -> View:
    """The view these (unchecked) URL values ask for, or ``params.BadParam`` saying what is wrong."""
    districts = rel.home_districts()
    default_area = districts["area_code"].iloc[0] if len(districts) else None
    area_code = params.area(area, rel, default_area)
    ind_id = params.indicator(indicator, rel.indicators(slug), planner.default_indicator(rel, slug))
    period_v = params.period(period, rel.periods(ind_id), rel.latest_period(ind_id))
    dim = params.breakdown(breakdown, list(rel.breakdown_dimensions(ind_id)))
    return View(slug, area_code, ind_id, period_v, dim, tuple(params.comparators(comparators)))


@functools.lru_cache(maxsize=config.VIEW_CACHE_ENTRIES)
def _cached_view(release_id: str, home: str, slug: str, area_code, ind_id, period_v, dim, roles, today: str):
    """Cached by release, home area, view and day (the 'newer data may be available' notice is dated)."""
    rel = data_access.load(release_id)
    return plain_tree.tree(render(rel, slug, area_code, ind_id, period_v, dim, list(roles), today))


def controls(rel, slug: str, area_code, ind_id, period_v, dim, roles):
    """Native, labelled controls (select, radio, checkbox) that pass axe and work by keyboard."""
    i = ids(slug)
    districts = rel.home_districts()
    inds = rel.indicators(slug)
    dims = list(rel.breakdown_dimensions(ind_id))
    comp_names = {role: name for role, _, name in rel.comparators(area_code, ind_id)}
    shown_roles = [r for r in params.ALL_ROLES if r in params.COMPARATOR_ROLES or r in comp_names]
    bd_options = ([{"label": breakdown_label(d), "value": d} for d in dims] if dims
                  else [{"label": "No breakdown for this measure", "value": "total"}])
    return dbc.Form(dbc.Row([
        dbc.Col([dbc.Label("District", html_for=i["area-select"]),
                 dbc.Select(id=i["area-select"], value=area_code,
                            options=[{"label": n, "value": c} for c, n in districts.itertuples(index=False)])],
                md=6, lg=3),
        dbc.Col([dbc.Label("Period", html_for=i["period-select"]),
                 dbc.Select(id=i["period-select"], value=period_v,
                            options=[{"label": period_text(p, INDICATORS[ind_id]), "value": p}
                                     for p in reversed(rel.periods(ind_id))])],
                md=6, lg=3),
        dbc.Col([dbc.Label("Breakdown", html_for=i["breakdown-select"]),
                 dbc.Select(id=i["breakdown-select"], value=dim or (dims[0] if dims else "total"),
                            options=bd_options, disabled=not dims)], md=6, lg=3),
        dbc.Col(html.Fieldset([html.Legend("Compare with", className="form-label fs-6 mb-1"),
                               dbc.Checklist(id=i["comparators-check"], value=roles, inline=True,
                                             options=[{"label": comp_names.get(r, ROLE_NAMES[r]), "value": r}
                                                      for r in shown_roles])]), md=6, lg=3),
        dbc.Col(html.Fieldset([html.Legend("Measure", className="form-label fs-6 mb-1"),
                               dbc.RadioItems(id=i["indicator-radio"], value=ind_id, inline=True,
                                              options=[{"label": INDICATORS[x].label, "value": x} for x in inds])]),
                width=12, className="mt-2"),
    ], className="g-3"), className="pdp-controls mb-4 p-3")


def key_figures(rel, slug: str, area_code, ind_id, period_v, roles) -> html.Div:
    """The chosen district's figure and its comparators in words (ids used by the feature tests)."""
    ind = INDICATORS[ind_id]
    res = rel.resolve(ind_id, area_code)
    value, status = rel.value(ind_id, res.code, period_v)
    who = rel.area_name(area_code) + (f" — figure for the {res.label}" if res.label else "")
    items = []
    for role, role_code, role_name in rel.comparators(area_code, ind_id):
        if role in planner.comparator_roles(ind_id, roles):
            v, st = rel.value(ind_id, role_code, period_v)
            why = []
            if role == "home":
                text = planner.home_gap(rel, ind_id, period_v) if v != v else planner.home_note(rel, ind_id, period_v)
                why = [" (", text, ")"] if text else []
            items.append(html.Li([f"{role_name}: ", html.Strong(format_value(v, ind, st), id=f"{slug}-key-{role}"),
                                  *why]))
    if ind.unit == "count":
        items.append(html.Li(planner.count_note(ind_id), className="small"))
    return html.Section([
        html.H2(f"{ind.label}, {period_text(period_v, ind)}", className="h5"),
        html.P([f"{who}: ", html.Strong(format_value(value, ind, status), id=f"{slug}-key-value",
                                        className="fs-4")], className="mb-1"),
        html.Ul(items, className="mb-1"),
        html.P(polarity_text(ind) + ".", className="small fst-italic mb-0"),
    ], id=ids(slug)["key-figures"], className="pdp-key-figures mb-4", **{"aria-live": "polite"})


def render(rel, slug: str, area_code, ind_id, period_v, dim, roles, today: str | None = None):
    """The topic page; every chart card is built from the chart registry (components.charts)."""
    ind = INDICATORS[ind_id]
    title, _ = TOPICS[slug]
    district_name = rel.area_name(area_code)
    view = charts.view_for(rel, ind_id, area_code, period_v, dim, roles)
    card = {kind: spec_card(f"{slug}-{kind}", charts.spec_for(rel, ind_id, kind, view))
            for kind in planner.page_kinds(rel, ind_id, ("trend", "ranking", "map", "strip", "breakdown", "peers"),
                                           area_code)}
    cards = [card["trend"], dbc.Row([dbc.Col(card["ranking"], lg=6), dbc.Col(card["map"], lg=6)]),
             *(card[kind] for kind in ("strip", "breakdown", "peers") if kind in card)]
    return html.Div([
        dcc.Location(id=ids(slug)["url"], refresh="callback-nav"),
        html.H1(title, className="mb-2"),
        demo_notice(rel),
        freshness.topic_notice(rel, slug, today),
        html.P(ind.definition, className="lead fs-6"),
        controls(rel, slug, area_code, ind_id, period_v, dim, roles),
        key_figures(rel, slug, area_code, ind_id, period_v, roles),
        html.P(dcc.Link(f"See all topics for {district_name}", href=params.with_home(f"/district/{area_code}")), className="mb-3"),
        *cards,
    ])
