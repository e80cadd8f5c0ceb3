"""The printable district profile: every topic for one district, one topic per A4 page.

The same HTML is served at ``/district/<code>/report`` and printed to PDF offline (``reuse.pdf``), so
what a person prints and what the server prints cannot differ.
"""
from __future__ import annotations

from components import charts, params, planner
from components.formatting import format_value, period_text
from vocab.catalogue import INDICATORS, TOPICS
from web import security
from web.templates import figure_json, render, trusted

CHART_WIDTH = 680  # layout px of a chart on an A4 page with 15 mm margins
# The page's start-up script: constant text, so the site's CSP allows it by hash.
SCRIPT = """
(function () {
  var print = document.getElementById("pdp-report-print");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
  var figs = JSON.parse(document.getElementById("pdp-report-figures").textContent);
  Promise.all(figs.map(function (f) {
    return Plotly.newPlot(document.getElementById(f[0]), f[1].data, f[1].layout,
                          {staticPlot: true, displayModeBar: false});
  })).then(function () { document.body.classList.add("pdp-report-ready"); });
})();
"""
SCRIPT_HASH = security.script_hash(SCRIPT)


def section(rel, slug: str, code: str, n: int) -> dict:
    """One topic's headline figures, ranking summary and trend chart for the district (trend None: no figures)."""
    title = TOPICS[slug][0]
    ind_id = planner.default_indicator(rel, slug)
    if ind_id is None:
        return {"slug": slug, "title": title, "trend": None}
    ind = INDICATORS[ind_id]
    period = rel.latest_period(ind_id, code)
    if period is None:
        return {"slug": slug, "title": title, "trend": None}
    view = charts.view_for(rel, ind_id, code, period, None, params.COMPARATOR_ROLES)
    res = rel.resolve(ind_id, code)
    rows = [(res.label or rel.area_name(code), *rel.value(ind_id, res.code, period))]
    rows += [(cname, *rel.value(ind_id, ccode, period)) for _, ccode, cname in rel.comparators(code)]
    return {"slug": slug, "title": title, "indicator": ind, "period_text": period_text(period, ind),
            "rows": [(area, format_value(v, ind, s)) for area, v, s in rows],
            "trend": charts.spec_for(rel, ind_id, "trend", view),
            "ranking": charts.spec_for(rel, ind_id, "ranking", view),
            "chart_id": f"pdp-report-chart-{n}"}


def report_html(rel, code: str) -> str:
    """The district profile page for ``code`` (a home-area district) in release ``rel``."""
    sections = [section(rel, slug, code, n) for n, slug in enumerate(rel.topics())]
    figures = ",".join(f'["{s["chart_id"]}", {figure_json(s["trend"].figure, width=CHART_WIDTH, autosize=False)}]'
                       for s in sections if s["trend"] is not None)
    return render("report.html", rel=rel, code=code, name=rel.area_name(code), home_query=params.query(),
                  region=rel.area_name(rel.region_code(code) or ""), sections=sections, chart_width=CHART_WIDTH,
                  figures=trusted(f"[{figures}]"), script=trusted(SCRIPT))
