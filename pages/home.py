"""Home: headline figures for the home area against the region and England, a map, what is new."""
import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

import data_access
from components import charts, figures, params, planner
from components.cards import headline_card, published_text, spec_card
from components.formatting import period_text
from components.views import change_list, demo_notice, safe_layout
from components.whats_new import diff_sentences
from vocab.catalogue import INDICATORS

dash.register_page(__name__, path="/", name="Home", order=0, title="Partner Data Pack",
                   description="Labour market and skills figures for the home area's districts.")


def headline_cards(rel):
    """A card for every topic: its freshest measure with a figure for the home area, or, where the home
    area's figure cannot be computed, the reason in plain words and the range of its areas."""
    home = rel.home_code()
    cards = []
    for slug in rel.topics():
        ind_id = planner.default_indicator(rel, slug)
        ind = INDICATORS[ind_id]
        period = rel.latest_period(ind_id, home) or rel.latest_period(ind_id)
        value, status = rel.value(ind_id, home, period)
        reason = planner.home_gap(rel, ind_id, period) if value != value else planner.home_note(rel, ind_id, period)
        comps = planner.comparators_for(rel, ind_id, home, period, ("region", "country"))
        shares = planner.shares_of(rel, ind_id, home, period) if ind.unit == "count" else []
        history = rel.series(ind_id, home)
        spark = figures.sparkline(history.tail(24)) if history["value"].notna().sum() > 1 else None
        cards.append(dbc.Col(headline_card(f"home-{slug}", ind, rel.home_name(), value, status, period,
                                           change_list(rel, ind_id, home, period), comps, spark,
                                           link=f"/{slug}", shares=shares, reason=reason),
                             md=6, xl=4, className="mb-3"))
    return dbc.Row(cards)


def whats_new(rel):
    """The release's diff (written by ``python -m etl diff``) if present, else its sources' coverage."""
    items = [html.Li(text) for text in diff_sentences(rel.diff)]
    if not items:
        for src in rel.sources:
            periods = src.get("periods") or {}
            if not periods.get("last"):  # lookups and boundaries have no periods
                continue
            ind = next((INDICATORS[i] for i in src.get("indicators", []) if i in INDICATORS), None)
            last = period_text(periods["last"], ind)
            published = published_text(src)
            items.append(html.Li([html.Strong(src.get("title") or src.get("source_id", "")),
                                  f": latest period {last}" + (f", {published}" if published else "")]))
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
    map_ind = next((planner.default_indicator(rel, s) for s in rel.topics()), None)
    if map_ind:
        period = rel.latest_period(map_ind)
        spec = charts.spec_for(rel, map_ind, "map", charts.view_for(rel, map_ind, None, period, None,
                                                                      params.COMPARATOR_ROLES))
        body.append(dbc.Row([
            dbc.Col(spec_card("home-map", spec, page_url="/#home-map"), lg=7),
            dbc.Col(html.Nav([html.H2("District profiles", className="h4"),
                              html.Ul([html.Li(dcc.Link(n, href=params.with_home(f"/district/{c}")))
                                       for c, n in districts.itertuples(index=False)],
                                      className="pdp-district-list")],
                             **{"aria-label": "District profiles"}), lg=5),
        ]))
    body.append(whats_new(rel))
    return html.Div(body)
