"""District profile: one district across every topic, against the home area, its region and England."""
import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

import data_access
from components import figures
from components.cards import chart_card, friendly_message, headline_card
from components.formatting import period_text
from components.views import (
    change_list,
    comparator_series,
    demo_notice,
    district_line,
    safe_layout,
    series_table,
)
from etl.catalogue import INDICATORS, TOPICS


def title(area_code=None, **_ignored):
    try:
        rel = data_access.load()
        if rel.is_home_district(str(area_code).upper()):
            return f"{rel.area_name(str(area_code).upper())} - district profile - Partner Data Pack"
    except data_access.NoReleaseError:
        pass
    return "District profile - Partner Data Pack"


dash.register_page(__name__, path_template="/district/<area_code>", name="District profile", title=title,
                   description="Every topic for one district.")


def topic_section(rel, slug: str, code: str):
    _, ind_id = TOPICS[slug]
    if ind_id not in rel.indicators(slug):
        ind_id = rel.indicators(slug)[0]
    ind = INDICATORS[ind_id]
    res = rel.resolve(ind_id, code)
    period = rel.latest_period(ind_id, code)
    if period is None:
        return html.Section([html.H2(TOPICS[slug][0], className="h4"),
                             html.P("No figures for this district in the current release.")], className="mb-4")
    value, status = rel.value(ind_id, res.code, period)
    comps = [(name, *rel.value(ind_id, c, period)) for _, c, name in rel.comparators(code)]
    card = headline_card(f"district-{slug}", ind, rel.area_name(code), value, status, period,
                         change_list(rel, ind_id, res.code, period), comps, label=res.label,
                         link=f"/{slug}?area={code}")
    lines = [district_line(rel, ind_id, code)] + comparator_series(rel, ind_id, code, ["home", "region", "country"])
    periods = rel.periods(ind_id)
    note = (f"Published for upper-tier councils only: the figure shown is for the {res.label}."
            if res.label else None)
    chart = chart_card(f"district-{slug}-trend", f"{ind.label} over time", figures.time_series(lines, ind, 300),
                       series_table(lines, ind_id), rel.source_for(ind_id),
                       f"{period_text(periods[0])} to {period_text(periods[-1])}", rel.created, rel.is_demo,
                       note=note, heading_level=3)
    return html.Section([html.H2(TOPICS[slug][0], className="h4"),
                         dbc.Row([dbc.Col(card, lg=4, className="mb-3"), dbc.Col(chart, lg=8)])],
                        className="mb-4", id=f"district-{slug}")


@safe_layout
def layout(area_code=None, **_ignored):
    rel = data_access.load()
    code = str(area_code or "").strip().upper()
    if not rel.is_home_district(code):
        return friendly_message("District not found", f"We don't have a district with the code "
                                f"'{str(area_code)[:20]}' in {rel.home_name()}. Choose one from the home page.")
    name = rel.area_name(code)
    return html.Div([
        html.H1(f"{name}: district profile"), demo_notice(rel),
        html.P(f"Every topic for {name}, compared with {rel.home_name()}, "
               f"{rel.area_name(rel.region_code(code) or '')} and England.", className="lead fs-6"),
        html.P(dcc.Link("Compare with other districts", href=f"/compare?areas={code}")),
        *[topic_section(rel, slug, code) for slug in rel.topics()],
    ])
