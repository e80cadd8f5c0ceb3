"""District profile: one district across every topic, against the home area, its region and England."""
import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

import data_access
from components import charts, params, planner
from components.cards import friendly_message, headline_card, spec_card
from components.views import change_list, demo_notice, safe_layout
from vocab.catalogue import INDICATORS, TOPICS


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
    ind_id = planner.default_indicator(rel, slug)
    ind = INDICATORS[ind_id]
    res = rel.resolve(ind_id, code)
    period = rel.latest_period(ind_id, code)
    if period is None:
        return html.Section([html.H2(TOPICS[slug][0], className="h4"),
                             html.P("No figures for this district in the current release.")], className="mb-4")
    value, status = rel.value(ind_id, res.code, period)
    comps = [c for c in planner.comparators_for(rel, ind_id, res.code, period) if c[1] == c[1]]  # with a figure
    card = headline_card(f"district-{slug}", ind, rel.area_name(code), value, status, period,
                         change_list(rel, ind_id, res.code, period), comps, label=res.label,
                         link=f"/{slug}?area={code}")
    spec = charts.spec_for(rel, ind_id, "trend", charts.view_for(rel, ind_id, code, period, None, params.COMPARATOR_ROLES))
    chart = spec_card(f"district-{slug}-trend", spec, heading_level=3,
                      page_url=f"/district/{code}#district-{slug}-trend")
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
        html.P([dcc.Link("Compare with other districts", href=f"/compare{params.query(areas=code)}"), " · ",
                html.A("Printable profile (A4)", href=params.with_home(f"/district/{code}/report")), " · ",
                html.A("Download the profile as PDF", href=params.with_home(f"/district/{code}/report.pdf"),
                       **{"aria-label": f"Download the profile as PDF: {name}"})]),
        *[topic_section(rel, slug, code) for slug in rel.topics()],
    ])
