"""The topic-page factory shared by the five topic pages (claimant count, furlough, NEET, ...).

The whole view is a function of the URL: controls only write the query string (through a
``dcc.Location`` with ``refresh='callback-nav'``), and Dash Pages re-renders the page from it. So
reload, back/forward and a pasted link always reproduce the view. Rendered views are cached per
release, home area and parameters.
"""
from __future__ import annotations

import functools

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, ctx, dcc, html

import config
import data_access
from components import figures, params
from components.cards import chart_card, friendly_message
from components.formatting import (
    breakdown_label,
    format_value,
    period_text,
    polarity_text,
)
from components.views import (
    comparator_series,
    demo_notice,
    district_line,
    safe_layout,
    series_table,
    values_table,
)
from etl.catalogue import INDICATORS, TOPICS
from etl.periods import frequency

STRIP_PERIODS = 24
ROLE_NAMES = {"home": "home area", "region": "region", "country": "England"}


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
              Input(i["comparators-check"], "value"), prevent_initial_call=True)
    def write_url(area, indicator, period, breakdown, comparators):
        return controls_to_query(ctx.triggered_id == i["indicator-radio"], area, indicator, period, breakdown,
                                 comparators)

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


def controls_to_query(indicator_changed: bool, area, indicator, period, breakdown, comparators) -> str:
    """The query string for the controls' values (a new measure starts at its latest period)."""
    if indicator_changed:
        period, breakdown = None, None
    comps = [r for r in params.COMPARATOR_ROLES if r in (comparators or [])]
    return params.query(area=area, indicator=indicator, period=period,
                        breakdown=None if breakdown in (None, "total") else breakdown,
                        comparators=None if comps == list(params.COMPARATOR_ROLES) else (",".join(comps) or "none"))


def topic_view(slug: str, area=None, indicator=None, period=None, breakdown=None, comparators=None):
    rel = data_access.load()
    title, headline = TOPICS[slug]
    available = rel.indicators(slug)
    header = [html.H1(title, className="mb-2")]
    if not available:
        return html.Div(header + [friendly_message("No data for this topic", "The current release has no "
                                                   "figures for this topic.", heading=False)])
    districts = rel.home_districts()
    try:
        default_area = districts["area_code"].iloc[0] if len(districts) else None
        area_code = params.area(area, rel, default_area)
        ind_id = params.indicator(indicator, available, headline if headline in available else available[0])
        period_v = params.period(period, rel.periods(ind_id), rel.latest_period(ind_id))
        dim = params.breakdown(breakdown, list(rel.breakdown_dimensions(ind_id)))
        roles = params.comparators(comparators)
    except params.BadParam as exc:
        return html.Div(header + [friendly_message("That link doesn't work", str(exc), back_href=f"/{slug}",
                                                   back_text=f"Start again on {title}", heading=False)])
    return _cached_view(rel.id, rel.home_code(), slug, area_code, ind_id, period_v, dim, tuple(roles))


@functools.lru_cache(maxsize=512)
def _cached_view(release_id: str, home: str, slug: str, area_code, ind_id, period_v, dim, roles):
    rel = data_access.load(release_id)
    return render(rel, slug, area_code, ind_id, period_v, dim, list(roles))


def controls(rel, slug: str, area_code, ind_id, period_v, dim, roles):
    """Native, labelled controls (select, radio, checkbox) that pass axe and work by keyboard."""
    i = ids(slug)
    districts = rel.home_districts()
    inds = rel.indicators(slug)
    dims = list(rel.breakdown_dimensions(ind_id))
    comp_names = {role: name for role, _, name in rel.comparators(area_code)}
    bd_options = ([{"label": breakdown_label(d), "value": d} for d in dims] if dims
                  else [{"label": "No breakdown for this measure", "value": "total"}])
    return dbc.Form(dbc.Row([
        dbc.Col([dbc.Label("District", html_for=i["area-select"]),
                 dbc.Select(id=i["area-select"], value=area_code,
                            options=[{"label": n, "value": c} for c, n in districts.itertuples(index=False)])],
                md=6, lg=3),
        dbc.Col([dbc.Label("Period", html_for=i["period-select"]),
                 dbc.Select(id=i["period-select"], value=period_v,
                            options=[{"label": period_text(p), "value": p} for p in reversed(rel.periods(ind_id))])],
                md=6, lg=3),
        dbc.Col([dbc.Label("Breakdown", html_for=i["breakdown-select"]),
                 dbc.Select(id=i["breakdown-select"], value=dim or (dims[0] if dims else "total"),
                            options=bd_options, disabled=not dims)], md=6, lg=3),
        dbc.Col(html.Fieldset([html.Legend("Compare with", className="form-label fs-6 mb-1"),
                               dbc.Checklist(id=i["comparators-check"], value=roles, inline=True,
                                             options=[{"label": comp_names.get(r, ROLE_NAMES[r]), "value": r}
                                                      for r in params.COMPARATOR_ROLES])]), md=6, lg=3),
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
    for role, role_code, role_name in rel.comparators(area_code):
        if role in roles:
            v, st = rel.value(ind_id, role_code, period_v)
            items.append(html.Li([f"{role_name}: ", html.Strong(format_value(v, ind, st), id=f"{slug}-key-{role}")]))
    return html.Section([
        html.H2(f"{ind.label}, {period_text(period_v)}", className="h5"),
        html.P([f"{who}: ", html.Strong(format_value(value, ind, status), id=f"{slug}-key-value",
                                        className="fs-4")], className="mb-1"),
        html.Ul(items, className="mb-1"),
        html.P(polarity_text(ind) + ".", className="small fst-italic mb-0"),
    ], id=ids(slug)["key-figures"], className="pdp-key-figures mb-4", **{"aria-live": "polite"})


def map_figure(rel, dfv: pd.DataFrame, ind, selected):
    """Choropleth from the release's boundaries, else the configured (or automatic) tile grid."""
    if rel.boundaries is not None and dfv["area_code"].isin(rel.boundaries["area_code"]).any():
        return figures.choropleth(dfv, rel.boundaries, ind, selected), "Map of districts"
    districts = rel.home_districts()
    grid = config.TILE_GRIDS.get(rel.home_code(), {})
    codes = set(districts["area_code"])
    if not grid or not codes.issubset(grid):
        grid = figures.auto_grid(list(districts.itertuples(index=False, name=None)))
        return figures.tile_map(dfv, grid, ind, selected), "Districts in alphabetical order (not a map)"
    return figures.tile_map(dfv, grid, ind, selected), "Tile map (each square is a district, roughly in place)"


def collapse_upper_tier(dfv: pd.DataFrame) -> pd.DataFrame:
    """One bar per area actually measured (county-only data: the county once, labelled)."""
    dff = dfv.drop_duplicates("shown_code").copy()
    counts = dfv.groupby("shown_code").size()
    has_label = dff["label"].notna()
    dff.loc[has_label, "area_name"] = [f"{lab} ({counts[c]} districts)" for lab, c in
                                       zip(dff.loc[has_label, "label"], dff.loc[has_label, "shown_code"])]
    dff["area_code"] = dff["shown_code"]
    return dff


def render(rel, slug: str, area_code, ind_id, period_v, dim, roles):
    ind = INDICATORS[ind_id]
    title, _ = TOPICS[slug]
    source = rel.source_for(ind_id)
    release_date = rel.created
    ptext = period_text(period_v)
    res = rel.resolve(ind_id, area_code)
    district_name = rel.area_name(area_code)
    label_note = (f"{ind.label} is published for upper-tier councils only: {district_name} shows the figure for "
                  f"the {res.label}." if res.label else None)
    comp = {role: (code, name) for role, code, name in rel.comparators(area_code)}

    lines = [district_line(rel, ind_id, area_code)] + comparator_series(rel, ind_id, area_code, roles)
    ts = chart_card(f"{slug}-trend", f"{ind.label}: {district_name} over time", figures.time_series(lines, ind),
                    series_table(lines, ind_id), source, f"{period_text(rel.periods(ind_id)[0])} to "
                    f"{period_text(rel.periods(ind_id)[-1])}", release_date, rel.is_demo, note=label_note)

    dfv = rel.district_values(ind_id, period_v)
    ranked = collapse_upper_tier(dfv) if dfv["label"].notna().any() else dfv
    refs = [(comp[r][1], rel.value(ind_id, comp[r][0], period_v)[0]) for r in ("region", "country") if r in comp]
    selected_shown = res.code if res.label else area_code
    rank = chart_card(f"{slug}-ranking", f"{ind.label}: districts of {rel.home_name()}, {ptext}",
                      figures.ranking_bar(ranked, ind, selected_shown, refs),
                      values_table(ranked.sort_values("value", ascending=False), ind_id), source, ptext,
                      release_date, rel.is_demo, note=f"Dotted lines: {' and '.join(r[0] for r in refs)}. "
                      f"{polarity_text(ind)}.")
    map_fig, map_note = map_figure(rel, dfv, ind, area_code)
    mapcard = chart_card(f"{slug}-map", f"{ind.label} by district, {ptext}", map_fig,
                         values_table(dfv.sort_values("area_name"), ind_id, label="District"), source, ptext,
                         release_date, rel.is_demo, note=f"{map_note}. Darker blue means a higher value.")
    # the dot strip shows the last STRIP_PERIODS periods: enough to see the spread, light to draw
    all_periods = rel.periods(ind_id)
    recent = all_periods[-STRIP_PERIODS:]
    history = rel.district_history(ind_id)
    history = history[history["period"].isin(recent)]
    home_series = rel.series(ind_id, rel.home_code())
    home_series = home_series[home_series["period"].isin(recent)]
    strip_tbl = history.pivot_table(index="period", columns="area_name", values="value", aggfunc="first",
                                    sort=False)
    strip_tbl = strip_tbl.reset_index().rename(columns={"period": "Period"})
    strip_tbl["Period"] = strip_tbl["Period"].map(period_text)
    strip_tbl = strip_tbl.map(lambda v: format_value(v, ind) if isinstance(v, float) else v)
    span = (f"the last {len(recent)} months" if len(all_periods) > STRIP_PERIODS and frequency(recent[-1]) == "month"
            else "over time")
    strip = chart_card(f"{slug}-strip", f"{ind.label}: every district, {span}",
                       figures.dot_strip(history, ind, selected_shown if not res.label else area_code,
                                         home_series, rel.home_name()),
                       strip_tbl, source, f"{period_text(recent[0])} to {period_text(recent[-1])}", release_date,
                       rel.is_demo, note="Grey dots: every district. Lines: the chosen district and the home area.")
    cards = [ts, dbc.Row([dbc.Col(rank, lg=6), dbc.Col(mapcard, lg=6)]), strip]
    dims = rel.breakdown_dimensions(ind_id)
    if dims:
        dim = dim or next(iter(dims))
        frames = [rel.breakdown_values(ind_id, res.code, period_v, dim).assign(series=district_name,
                                                                               role="district")]
        for role in ("home", "country"):
            if role in comp:
                frames.append(rel.breakdown_values(ind_id, comp[role][0], period_v, dim).assign(
                    series=comp[role][1], role=role))
        bdf = pd.concat(frames, ignore_index=True)
        tbl = bdf.assign(value=[format_value(v, ind, s) for v, s in zip(bdf["value"], bdf["status"])]).pivot(
            index="category", columns="series", values="value").reset_index().rename(
            columns={"category": breakdown_label(dim)})
        cards.append(chart_card(f"{slug}-breakdown", f"{ind.label} by {breakdown_label(dim).lower()}: "
                                f"{district_name}, {ptext}", figures.breakdown_bars(bdf, ind), tbl, source, ptext,
                                release_date, rel.is_demo))
    return html.Div([
        dcc.Location(id=ids(slug)["url"], refresh="callback-nav"),
        html.H1(title, className="mb-2"),
        demo_notice(rel),
        html.P(ind.definition, className="lead fs-6"),
        controls(rel, slug, area_code, ind_id, period_v, dim, roles),
        key_figures(rel, slug, area_code, ind_id, period_v, roles),
        html.P(dcc.Link(f"See all topics for {district_name}", href=f"/district/{area_code}"), className="mb-3"),
        *cards,
    ])
