"""How the comparator groups were made, in plain words for the Data and methods page: DfE's statistical
neighbours (an official set) and our "similar districts" (computed here, never passed off as official)."""
from __future__ import annotations

from dash import html

from components.formatting import period_text
from vocab.catalogue import INDICATORS


def comparator_groups_section(rel):
    """The section, or None when the release has neither group."""
    parts = []
    if rel.neighbours is not None and len(rel.neighbours):
        parts += [html.H3("Statistical neighbours (councils)", className="h5"),
                  html.P(f"For each county and unitary council, the ten councils the Department for Education lists "
                         f"as its statistical neighbours (children's services statistical neighbour benchmarking "
                         f"tool). DfE's 3-digit council numbers are matched to ONS codes using DfE's own KS4 and NCCIS "
                         f"files; {rel.neighbours['area_code'].nunique()} councils have a set in this release. "
                         "'Compare with statistical neighbours' on NEET and Attainment 8 shows the neighbours' "
                         "combined figure, worked out from their counts (for example NEET: all ten councils' NEET "
                         "young people divided by all their 16-17 year olds), never an average of their rates.")]
    method = rel.similar_method or {}
    if rel.similar is not None and len(rel.similar) and method.get("variables"):
        variables = html.Ul([html.Li(f"{v['label']} ({period_text(v['period'], INDICATORS.get(v['indicator']))})")
                             for v in method["variables"]])
        left = method.get("left_out") or []
        parts += [html.H3("Similar districts (computed by us, not an official set)", className="h5"),
                  html.P(f"For each of {method.get('districts', 0)} English districts, the {method.get('neighbours')} "
                         "districts most like it on these measures:"),
                  variables,
                  html.P("Each measure is standardised across England's districts (its mean subtracted and divided "
                         "by its standard deviation, so every measure counts equally), and the similar districts "
                         "are the nearest by straight-line (Euclidean) distance over all of them. Choose 'similar "
                         "districts' under 'Compare with' on any topic: their combined figure is worked out by each "
                         "measure's own rule, as for every other area. This is a simple, transparent method of our "
                         "own; it is not a government statistical-neighbour set." +
                         (f" Left out for lack of data: {', '.join(rel.area_name(c) for c in left[:20])}." if left
                          else ""))]
    if not parts:
        return None
    return html.Section([html.H2("Comparator groups", className="h4"), *parts], id="data-comparator-groups")
