"""Data and methods: sources, release and next-update dates, definitions, glossary, accessibility."""
import dash
import pandas as pd
from dash import html

import config
import data_access
from components.cards import data_table
from components.formatting import period_text, polarity_text
from components.views import demo_notice, safe_layout
from etl.catalogue import INDICATORS, TOPICS

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


def sources_table(rel):
    rows = []
    for src in rel.sources:
        periods = src.get("periods") or {}
        rows.append({"Source": src.get("title") or src.get("source_id"), "Publisher": src.get("publisher", ""),
                     "Periods": f"{period_text(periods.get('first'))} to {period_text(periods.get('last'))}"
                     if periods else "", "Published": src.get("release_date") or "not recorded",
                     "Next update": src.get("next_update") or "not announced",
                     "Demo data": "yes" if src.get("is_demo") else "no"})
    return pd.DataFrame(rows)


def definitions_table(rel):
    rows = [{"Measure": ind.label, "Topic": TOPICS.get(ind.topic, (ind.topic,))[0], "Definition": ind.definition,
             "Published for": ind.published_level.replace("_", "-").replace("upper-tier", "upper-tier councils")
             + " areas", "Reading it": polarity_text(ind)}
            for i, ind in INDICATORS.items() if i in rel.indicators()]
    return pd.DataFrame(rows)


@safe_layout
def layout(**_ignored):
    rel = data_access.load()
    return html.Div([
        html.H1("Data and methods"), demo_notice(rel),
        html.Section([html.H2("This release", className="h4"),
                      html.P([f"Release {rel.id}, created {rel.created}. ",
                              "Demo data — not official statistics." if rel.is_demo else "Official statistics "
                              "as published by the sources below."], id="data-release")]),
        html.Section([html.H2("Sources", className="h4"), data_table(sources_table(rel), "Sources, their "
                                                                     "publication and next update dates",
                                                                     "data-sources-table")]),
        html.Section([html.H2("Definitions", className="h4"),
                      data_table(definitions_table(rel), "What each measure means", "data-definitions-table")]),
        html.Section([html.H2("Glossary", className="h4"),
                      html.Dl([item for term, text in GLOSSARY for item in (html.Dt(term), html.Dd(text))])]),
        html.Section([html.H2("How areas are combined", className="h4"),
                      html.P("Counts are added up. Rates for an area made of several districts are worked out "
                             "from the added-up numbers (never by averaging rates). Attainment 8 is weighted by "
                             "the number of pupils. Some education figures are published only for upper-tier "
                             "councils; a district then shows its council's figure, labelled as such.")]),
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
