"""Layout pieces shared by pages: chart cards, headline cards, badges and friendly messages.

Pure functions returning Dash components; the "show as table" alternative is a native
``<details>`` element, so it needs no callback and works with keyboard and screen readers.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components import frame_memo, params, plain_figure
from components.figures import GRAPH_CONFIG
from components.summaries import possessive
from components.formatting import (
    format_change,
    format_value,
    period_text,
    polarity_text,
)
from vocab.catalogue import Indicator
from vocab.periods import period_bounds

DEMO_TEXT = "Demo data — not official statistics"


def demo_badge(is_demo: bool):
    """A visible badge on every chart of a demo release (text, not colour alone)."""
    if not is_demo:
        return None
    return dbc.Badge(DEMO_TEXT, color="warning", text_color="dark", className="pdp-demo-badge me-2")


def published_text(source: dict) -> str | None:
    """'published 2020-08-21', or None when the publisher's date cannot be the date of these figures (a
    metadata date earlier than the end of the latest period they cover is a stale date, not a release)."""
    published = source.get("release_date")
    last = (source.get("periods") or {}).get("last")
    bounds = period_bounds(str(last)) if last else None
    if not published:
        return None
    if bounds and str(published) < bounds[1].isoformat():
        return None
    return f"published {published}"


def source_line(source: dict, period: str | None, release_date: str) -> str:
    title = source.get("title") or source.get("source_id") or "unknown source"
    publisher = source.get("publisher")
    who = f"{publisher}, {title}" if publisher else title
    published = published_text(source)
    bits = [f"Source: {who}" + (f" ({published})" if published else "")]
    if period:
        bits.append(f"Period: {period}")
    bits.append(f"Data pack release: {release_date}")
    return ". ".join(bits) + "."


def data_table(df: pd.DataFrame, caption: str, table_id: str | None = None):
    """A plain accessible table: caption, header row, one row per record."""
    head = html.Thead(html.Tr([html.Th(str(c), scope="col") for c in df.columns]))
    body = html.Tbody([html.Tr([html.Td(str(v)) for v in row]) for row in df.itertuples(index=False)])
    kwargs = {"id": table_id} if table_id else {}
    table = dbc.Table([html.Caption(caption), head, body], bordered=False, striped=True, size="sm",
                      className="pdp-table", **kwargs)
    # a scrollable region must be reachable by keyboard (axe: scrollable-region-focusable)
    return html.Div(table, className="table-responsive", tabIndex="0", role="region",
                    **{"aria-label": f"Table: {caption}"})


def graph_box(figure) -> dict:
    """The chart's own height before plotly.js has drawn it, so the server's SVG and the interactive chart
    take the same room (components/first_view.py)."""
    return {"height": f"{plain_figure.height(figure)}px"}


def chart_card(card_id: str, title: str, figure, table: pd.DataFrame, source: dict, period: str | None,
               release_date: str, is_demo: bool, note: str | None = None, heading_level: int = 2,
               summary: str | None = None, reuse=None):
    """A chart with title, source, period, release date, a table alternative and the demo badge.

    ``summary`` (a generated sentence) is shown under the chart and is its text alternative;
    ``reuse`` is the download/share bar (``reuse_bar``).
    """
    heading = html.H2 if heading_level == 2 else html.H3
    box = graph_box(figure)
    alt = {"aria-label": f"Chart: {title}. The same figures are in the table below."}
    if summary:
        alt = {"aria-label": f"Chart: {title}. {summary}", "aria-describedby": f"{card_id}-summary"}
    return dbc.Card(dbc.CardBody([
        heading(title, className="h5 card-title", id=f"{card_id}-title"),
        html.P([demo_badge(is_demo), html.Span(source_line(source, period, release_date))],
               className="small text-body-secondary mb-1 pdp-source"),
        html.P(note, className="small mb-1 pdp-note") if note else None,
        html.Div(dcc.Graph(id=f"{card_id}-graph", figure=figure, config=GRAPH_CONFIG,
                           className="pdp-graph", style=box), role="img",
                 style={"minHeight": box["height"]}, **alt),  # holds the room while React re-renders
        html.P(summary, id=f"{card_id}-summary", className="mb-1 pdp-summary") if summary else None,
        reuse,
        lazy_table(card_id, table, title),
    ]), className="pdp-card mb-4 h-auto", id=card_id)


def reuse_bar(card_id: str, chart_id: str, title: str, query: str, page_url: str, embed_query: str | None = None):
    """Download CSV/PNG/SVG links and 'copy link' / 'copy embed code' buttons (assets/pdp.js copies).

    Real links and buttons, so they work by keyboard; each label names the chart for screen readers.
    """
    def link(fmt: str, what: str):
        return html.A(f"Download {fmt.upper()}", href=f"/download/{chart_id}.{fmt}{query}",
                      download=f"{chart_id}.{fmt}", className="btn btn-outline-primary btn-sm pdp-download",
                      **{"aria-label": f"Download {fmt.upper()} ({what}): {title}"})

    embed = f"/embed/{chart_id}{query if embed_query is None else embed_query}"
    return html.Div([
        link("csv", "data"), link("png", "image"), link("svg", "image"),
        html.Button("Copy link to this view", type="button", className="btn btn-outline-secondary btn-sm pdp-copy",
                     **{"data-copy-kind": "link", "data-copy-path": page_url, "data-status": f"{card_id}-copy-status",
                        "aria-label": f"Copy link to this view: {title}"}),
        html.Button("Copy embed code", type="button", className="btn btn-outline-secondary btn-sm pdp-copy",
                    **{"data-copy-kind": "embed", "data-copy-path": embed, "data-title": title,
                       "data-status": f"{card_id}-copy-status", "aria-label": f"Copy embed code: {title}"}),
        html.Span(id=f"{card_id}-copy-status", className="small pdp-copy-status", role="status",
                  **{"aria-live": "polite"}),
    ], className="pdp-reuse d-flex flex-wrap gap-2 align-items-center my-2", role="group",
        **{"aria-label": f"Download or share: {title}"})


def spec_card(card_id: str, spec, heading_level: int = 2, page_url: str | None = None):
    """A chart card from a ``components.charts.ChartSpec``: the same figure and data the downloads use."""
    return chart_card(card_id, spec.title, spec.figure, spec.table, spec.source, spec.period_text,
                      spec.release_date, spec.is_demo, note=spec.note, heading_level=heading_level,
                      summary=spec.summary, reuse=reuse_bar(card_id, spec.chart_id, spec.title, spec.query(),
                                                            params.with_home(page_url) if page_url
                                                            else spec.page_url()))


def table_data(df: pd.DataFrame, caption: str, table_id: str) -> dict:
    """A table as compact JSON for the browser (built into HTML only when someone opens it)."""
    return {"id": table_id, "caption": caption, "columns": [str(c) for c in df.columns], "rows": table_rows(df)}


def table_rows(df: pd.DataFrame) -> list[list[str]]:
    """The table's cells as text, once per table while it lives (frame_memo): a period's ranking and map
    tables and a measure's strip table serve every district's view."""
    return frame_memo.derived(df, "table-rows", lambda: [[str(v) for v in row] for row in df.itertuples(index=False)])


def lazy_table(card_id: str, df: pd.DataFrame, caption: str):
    """'Show as table': a native <details>; its table is drawn on first opening (assets/pdp.js).

    Drawing every chart's table up front doubles the work the browser does to show a page.
    """
    return html.Details([
        html.Summary("Show as table"),
        html.Div(id={"type": "pdp-table-slot", "index": card_id}),
        dcc.Store(id={"type": "pdp-table-data", "index": card_id}, data=table_data(df, caption, f"{card_id}-table")),
    ], id={"type": "pdp-details", "index": card_id}, className="pdp-details mt-2")


def headline_card(card_id: str, ind: Indicator, area_name: str, value: float, status: str, period: str | None,
                  changes: list[tuple[str, float]], comparators: list[tuple[str, float, str]], spark=None,
                  label: str | None = None, link: str | None = None, shares: list[tuple[str, float]] = (),
                  reason: str | None = None):
    """Latest value in words, changes on earlier periods, comparator values (or, for a count, its share
    of the larger areas) and a sparkline; ``reason`` says why a missing figure is missing."""
    items = [html.Li(f"{format_change(delta, ind).capitalize()} on {when}") for when, delta in changes]
    comps = [html.Li(f"{name}: {format_value(v, ind, s)}") for name, v, s in comparators]
    comps += [html.Li(f"{share:.1f}% of {possessive(name)} total") for name, share in shares]
    missing = value is None or value != value
    body = [
        html.H3(ind.label, className="h6 text-uppercase small mb-1 pdp-headline-title"),
        html.P(area_name + (f" ({label})" if label else ""), className="small mb-0"),
        html.P(format_value(value, ind, status), className=("fs-5" if missing else "display-6") +
               " mb-0 pdp-headline-value", id=f"{card_id}-value"),
        html.P(reason, className="small mb-1 pdp-headline-reason", id=f"{card_id}-reason") if reason else None,
        html.P(period_text(period, ind), className="small mb-1", id=f"{card_id}-period"),
        html.Ul(items, className="small mb-1 list-unstyled") if items else None,
        html.P(polarity_text(ind), className="small fst-italic mb-1"),
        html.Ul(comps, className="small mb-1 list-unstyled pdp-comparators") if comps else None,
        html.Div(dcc.Graph(figure=spark, config={**GRAPH_CONFIG, "staticPlot": True}, className="pdp-spark",
                           style=graph_box(spark)),
                 **{"aria-hidden": "true"}) if spark is not None else None,
        dcc.Link("See the details", href=params.with_home(link), className="small") if link else None,
    ]
    return dbc.Card(dbc.CardBody(body), className="pdp-card pdp-headline h-100", id=card_id)


def friendly_message(title: str, text: str, back_href: str = "/", back_text: str = "Go to the home page",
                     heading: bool = True):
    """What a user sees for an unknown page or a bad value in the URL: plain words and a way back."""
    return html.Div([
        html.H1(title) if heading else html.H2(title),
        html.P(text, className="lead", id="pdp-friendly-message"),
        dcc.Link(back_text, href=params.with_home(back_href), className="btn btn-primary"),
    ], className="pdp-friendly py-4")
