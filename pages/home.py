"""Home: headline figures for the home area against the region and England, a map, what is new."""
import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

import data_access
from components import charts, figures, params
from components.cards import headline_card, spec_card
from components.formatting import period_text
from components.views import change_list, demo_notice, safe_layout
from components.whats_new import diff_sentences
from vocab.catalogue import INDICATORS, TOPICS

dash.register_page(__name__, path="/", name="Home", order=0, title="Partner Data Pack",
                   description="Labour market and skills figures for the home area's districts.")


def headline_cards(rel):
    home = rel.home_code()
    cards = []
    for slug in rel.topics():
        _, ind_id = TOPICS[slug]
        if ind_id not in rel.indicators(slug):
            ind_id = rel.indicators(slug)[0]
        ind = INDICATORS[ind_id]
        period = rel.latest_period(ind_id, home)
        if period is None:
            continue
        value, status = rel.value(ind_id, home, period)
        comps = [(name, *rel.value(ind_id, code, period)) for role, code, name in rel.comparators(None)
                 if role != "home"]
        spark = figures.sparkline(rel.series(ind_id, home).tail(24))
        cards.append(dbc.Col(headline_card(f"home-{slug}", ind, rel.home_name(), value, status, period,
                                           change_list(rel, ind_id, home, period), comps, spark,
                                           link=f"/{slug}"), md=6, xl=4, className="mb-3"))
    return dbc.Row(cards)


def whats_new(rel):
    """The release's diff (written by ``python -m etl diff``) if present, else its sources' coverage."""
    items = [html.Li(text) for text in diff_sentences(rel.diff)]
    if not items:
        for src in rel.sources:
            periods = src.get("periods") or {}
            if not periods.get("last"):  # lookups and boundaries have no periods
                continue
            last = period_text(periods["last"])
            items.append(html.Li([html.Strong(src.get("title") or src.get("source_id", "")),
                                  f": latest period {last}" + (f", published {src['release_date']}"
                                                               if src.get("release_date") else "")]))
    return html.Section([html.H2("What is new in this release", className="h4"),
                         html.P(f"Release {rel.id}, created {rel.created}.", className="small"),
                         html.Ul(items, id="home-whats-new")], className="mb-4")


@safe_layout
def layout(**_ignored):
    rel = data_access.load()
    home = rel.home_name()
    districts = rel.home_districts()
    body = [html.H1(f"{home}: jobs and skills at a glance"), demo_notice(rel),
            html.P(f"Latest figures for {home} compared with the region and England. Choose a topic or a "
                   "district for more detail.", className="lead fs-6"),
            html.Section([html.H2("Headline figures", className="h4"), headline_cards(rel)], className="mb-4")]
    map_ind = next((TOPICS[s][1] for s in rel.topics() if TOPICS[s][1] in rel.indicators(s)), None)
    if map_ind:
        period = rel.latest_period(map_ind)
        spec = charts.spec_for(rel, map_ind, "map", charts.view_for(rel, map_ind, None, period, None,
                                                                      params.COMPARATOR_ROLES))
        body.append(dbc.Row([
            dbc.Col(spec_card("home-map", spec, page_url="/#home-map"), lg=7),
            dbc.Col(html.Nav([html.H2("District profiles", className="h4"),
                              html.Ul([html.Li(dcc.Link(n, href=f"/district/{c}"))
                                       for c, n in districts.itertuples(index=False)],
                                      className="pdp-district-list")],
                             **{"aria-label": "District profiles"}), lg=5),
        ]))
    body.append(whats_new(rel))
    return html.Div(body)
