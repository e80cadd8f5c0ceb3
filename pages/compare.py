"""Compare: several districts side by side on one measure, plus every topic's latest headline figure."""
import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

import data_access
from components import charts, params, planner
from components.cards import data_table, friendly_message, spec_card
from components.formatting import format_value, period_text
from components.views import (
    demo_notice,
    safe_layout,
)
from vocab.catalogue import INDICATORS

dash.register_page(__name__, path="/compare", name="Compare districts", order=6,
                   title="Compare districts - Partner Data Pack", description="Several districts side by side.")


@callback(Output("compare-url", "search"), Input("compare-areas-check", "value"),
          Input("compare-indicator-select", "value"), State("compare-url", "search"), prevent_initial_call=True)
def write_url(areas, indicator, search):
    return params.query(home=params.home_in(search), areas=list(areas or []) or None, indicator=indicator)


def latest_table(rel, codes):
    """One row per topic headline, one column per district (latest period), as on screen."""
    rows = []
    for slug in rel.topics():
        ind_id = planner.default_indicator(rel, slug)
        ind = INDICATORS[ind_id]
        period = rel.latest_period(ind_id)
        row = {"Measure": f"{ind.label}, {period_text(period, ind)}"}
        for code in codes:
            res = rel.resolve(ind_id, code)
            value, status = rel.value(ind_id, res.code, period)
            row[rel.area_name(code)] = format_value(value, ind, status) + (" (county figure)" if res.label else "")
        rows.append(row)
    return pd.DataFrame(rows)


def skeleton():
    """The callback ids only (for Dash's validation layout)."""
    return html.Div([dcc.Location(id="compare-url", refresh="callback-nav"), dbc.Checklist(id="compare-areas-check"),
                     dbc.Select(id="compare-indicator-select")])


@safe_layout(skeleton=skeleton)
def layout(areas=None, indicator=None, **_ignored):
    rel = data_access.load()
    districts = rel.home_districts()
    header = [html.H1("Compare districts")]
    try:
        codes = params.areas(areas, rel, list(districts["area_code"].iloc[:2]))
        headlines = [planner.default_indicator(rel, s) for s in rel.topics()]
        ind_id = params.indicator(indicator, rel.indicators(), (headlines or rel.indicators() or [None])[0])
    except params.BadParam as exc:
        return html.Div(header + [friendly_message("That link doesn't work", str(exc), back_href="/compare",
                                                   back_text="Start again", heading=False)])
    spec = charts.spec_for(rel, ind_id, "compare", charts.compare_view(rel, ind_id, codes))
    controls = dbc.Form(dbc.Row([
        dbc.Col(html.Fieldset([html.Legend("Districts (choose up to 8)", className="form-label fs-6 mb-1"),
                               dbc.Checklist(id="compare-areas-check", value=codes, inline=True,
                                             options=[{"label": n, "value": c}
                                                      for c, n in districts.itertuples(index=False)])]), lg=8),
        dbc.Col([dbc.Label("Measure", html_for="compare-indicator-select"),
                 dbc.Select(id="compare-indicator-select", value=ind_id,
                            options=[{"label": INDICATORS[i].label, "value": i} for i in rel.indicators()])], lg=4),
    ], className="g-3"), className="pdp-controls mb-4 p-3")
    summary = latest_table(rel, codes) if codes else None
    return html.Div(header + [
        dcc.Location(id="compare-url", refresh="callback-nav"), demo_notice(rel), controls,
        spec_card("compare-trend", spec),
        html.Section([html.H2("Latest figures on every topic", className="h4"),
                      data_table(summary, "Latest figures for the chosen districts", "compare-latest-table")
                      if summary is not None else html.P("Choose at least one district.")]),
    ])
