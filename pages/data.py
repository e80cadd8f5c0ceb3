"""Data and methods: sources, release and next-update dates, definitions, glossary, accessibility."""
import dash
import pandas as pd
from dash import html

import config
import data_access
from components import charts, freshness, params
from components.cards import data_table, published_text
from components.comparator_text import comparator_groups_section
from components.formatting import period_text, polarity_text
from components.views import demo_notice, safe_layout
from vocab.catalogue import INDICATORS, TOPICS

dash.register_page(__name__, path="/data", name="Data and methods", order=7,
                   title="Data and methods - Partner Data Pack",
                   description="Sources, release dates, definitions, glossary and accessibility statement.")

GLOSSARY = [
    ("District", "A lower-tier or unitary local authority (for example Preston or Blackpool)."),
    ("Upper-tier council", "A county council or unitary authority, responsible for education and skills. "
     "Some figures are only published at this level."),
    ("LEP", "Local Enterprise Partnership: the group of districts this dashboard treats as the home area."),
    ("Claimant count", "People claiming benefits mainly because they are unemployed."),
    ("NEET", "Not in education, employment or training."),
    ("Percentage point", "The difference between two percentages: 5% to 6% is up 1 percentage point."),
    ("Suppressed", "A figure withheld by the publisher to protect confidentiality (small numbers). It is "
     "shown as 'suppressed', never as zero."),
    ("Academic year", "1 August to 31 July, written 2019/20."),
]


def sources_table(rel, today: str | None = None):
    rows = []
    for src in rel.sources:
        periods = src.get("periods") or {}
        ind = next((INDICATORS[i] for i in src.get("indicators", []) if i in INDICATORS), None)
        first, last = period_text(periods.get("first"), ind), period_text(periods.get("last"), ind)
        rows.append({"Source": src.get("title") or src.get("source_id"), "Publisher": src.get("publisher", ""),
                     "Periods": (first if first == last else f"{first} to {last}") if periods else "",
                     "Published": published_text(src) or (f"not stated (metadata says {src['release_date']}, "
                                                           "before its latest figures)" if src.get("release_date")
                                                           else "not recorded"),
                     "Next update": src.get("next_update") or "not announced",
                     "Newer data": freshness.NOTICE if freshness.is_stale(src, today) else "not yet due",
                     "Demo data": "yes" if src.get("is_demo") else "no"})
    return pd.DataFrame(rows)


def definitions_table(rel):
    rows = [{"Measure": ind.label, "Topic": TOPICS.get(ind.topic, ("Context (denominators, not charted)",))[0], "Definition": ind.definition,
             "Published for": ind.published_level.replace("_", "-").replace("upper-tier", "upper-tier councils")
             + " areas", "Reading it": polarity_text(ind)}
            for i, ind in INDICATORS.items() if i in rel.indicators() + rel.context_indicators()]
    return pd.DataFrame(rows)


def chart_list(rel):
    """Every chart id with a one-line description and example download and embed links."""
    districts = rel.home_districts()
    example = params.query(area=districts["area_code"].iloc[0] if len(districts) else None)
    rows = []
    for cid in charts.chart_ids(rel):
        links = []
        for label, url in (("CSV", f"/download/{cid}.csv{example}"), ("Excel", f"/download/{cid}.xlsx{example}"),
                           ("PNG", f"/download/{cid}.png{example}"), ("SVG", f"/download/{cid}.svg{example}"),
                           ("Embed", f"/embed/{cid}{example}")):
            links += [html.A(label, href=url, **{"aria-label": f"{label}: {cid}"}), " "]
        rows.append(html.Tr([html.Td(html.Code(cid)), html.Td(charts.description(cid) + "."), html.Td(links)]))
    table = html.Table([html.Caption("Chart ids, what each chart shows and example links"),
                        html.Thead(html.Tr([html.Th("Chart id", scope="col"), html.Th("What it shows", scope="col"),
                                            html.Th("Examples", scope="col")])),
                        html.Tbody(rows)], className="table table-sm table-striped pdp-table", id="data-charts-table")
    return html.Div(table, className="table-responsive", tabIndex="0", role="region",
                    **{"aria-label": "Table: chart ids"})


def stale_notice(rel, today: str | None = None):
    due = freshness.stale_sources(rel, today)
    if not due:
        return None
    return html.P([html.Strong(f"{freshness.NOTICE}: "), "; ".join(
        f"{s.get('title') or s.get('source_id')} (next update was due {s.get('next_update')})" for s in due) + "."],
        className="alert alert-info py-2 small pdp-stale-notice", role="note", id="data-stale-notice")


REUSE_TEXT = [
    "Every chart has a stable id and takes the same settings as its page: area (a district code), period, "
    "breakdown and comparators (home, region, country, comma-separated, or none); add release=<id> to pin the "
    "figures of one release so they never change (we keep the last " + str(config.KEEP_RELEASES) + " releases).",
    "/download/<chart id>.csv or .xlsx gives exactly the data plotted, with the title, source, period, release and "
    "licence on the first lines. /download/<chart id>.png or .svg gives an image sized for an A4 report "
    "(width=, height= and scale= change it). /embed/<chart id> is the chart alone for an iframe.",
]


@safe_layout
def layout(**_ignored):
    rel = data_access.load()
    return html.Div([
        html.H1("Data and methods"), demo_notice(rel),
        html.Section([html.H2("This release", className="h4"),
                      html.P([f"Release {rel.id}, created {rel.created}. ",
                              "Demo data — not official statistics." if rel.is_demo else "Official statistics "
                              "as published by the sources below."], id="data-release")]),
        html.Section([html.H2("Sources", className="h4"), stale_notice(rel), data_table(sources_table(rel), "Sources, their "
                                                                     "publication and next update dates",
                                                                     "data-sources-table")]),
        html.Section([html.H2("Definitions", className="h4"),
                      data_table(definitions_table(rel), "What each measure means", "data-definitions-table")]),
        html.Section([html.H2("Reusing charts in reports", className="h4"), *[html.P(t) for t in REUSE_TEXT],
                      chart_list(rel)], id="data-charts"),
        html.Section([html.H2("Glossary", className="h4"),
                      html.Dl([item for term, text in GLOSSARY for item in (html.Dt(term), html.Dd(text))])]),
        html.Section([html.H2("How areas are combined", className="h4"),
                      html.P("Counts are added up. Rates for an area made of several districts are worked out "
                             "from the added-up numbers (never by averaging rates). Attainment 8 is weighted by "
                             "the number of pupils. Some education figures are published only for upper-tier "
                             "councils; a district then shows its council's figure, labelled as such.")]),
        comparator_groups_section(rel),
        html.Section([html.H2("Accessibility statement", className="h4"),
                      html.P("This dashboard aims to meet WCAG 2.2 level AA. Every page can be used with a "
                             "keyboard alone, has a skip link, one main heading, labelled controls and visible "
                             "focus. Every chart has a table alternative ('Show as table'). Colours come from the "
                             "GOV.UK Analysis Function palette; no meaning rests on colour alone and no red/green "
                             "pairs are used. Pages are tested automatically with axe-core."),
                      html.P("If something does not work for you, contact the data pack team with the page "
                             "address and what went wrong.")]),
        html.P(["Data are available under the ", html.A(config.LICENCE, href=config.LICENCE_URL), "."]),
    ])
