"""Flask routes for reusing charts: downloads, embeds and the printable district profile.

* ``/download/<chart_id>.csv|.xlsx|.png|.svg?area=&period=&breakdown=&comparators=&release=``
  (images also take ``width``, ``height`` and ``scale``);
* ``/embed/<chart_id>?...``: the chart alone for an iframe, framable by the configured origins;
* ``/district/<area_code>/report`` (print CSS, A4) and ``/district/<area_code>/report.pdf`` (the same
  HTML printed offline by ``web.pdf``: the server never fetches a page to print it).

Every answer to a bad link is a 4xx with a plain-text reason, never a 500. The figure and data come
from ``components.charts``, the same specs the dashboard pages draw. Nothing here reads the request's
Host: links in downloads use ``config.PUBLIC_URL``.
"""
from __future__ import annotations

import functools
import hashlib
import html
import logging
import os
import re

import plotly.io as pio
from flask import Flask, Response, request

import config
import data_access
from components import charts, exports, params
from components.formatting import format_value, period_text
from vocab.catalogue import INDICATORS, TOPICS
from web import pdf, security
from web.export_cache import ExportCache, folder_for

log = logging.getLogger(__name__)

DATA_FORMATS = ("csv", "xlsx")
IMAGE_FORMATS = ("png", "svg")
IMAGE_PARAMS = ("width", "height", "scale")
RELEASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")
OWN_PATHS = re.compile(r"^/(download|embed)/|^/district/[^/]+/report(\.pdf)?$")
REPORT_WIDTH = 680  # layout px of a chart on an A4 page with 15 mm margins
ASSET_LINK = re.compile(r'(?:href|src)="/assets/([^"?#]+)"')
IMAGES = ExportCache(folder_for("images"))
PDFS = ExportCache(folder_for("reports"))


class Refused(Exception):
    """A request we answer with a 4xx and a plain message for the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def owns(path: str) -> bool:
    """True for the paths these routes serve (app.py leaves their HTTP status alone)."""
    return bool(OWN_PATHS.match(path or ""))


def plain(status: int, message: str) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")


def _guard(fn):
    """Turn Refused, UnknownChart and BadParam into plain 4xx answers; exports failing into 503."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Refused as e:
            return plain(e.status, e.message)
        except charts.UnknownChart as e:
            return plain(404, str(e))
        except params.BadParam as e:
            return plain(400, f"That link doesn't work: {e}")
        except data_access.NoReleaseError:
            return plain(503, data_access.NO_RELEASE + ".")
        except exports.ExportError as e:
            log.error("export failed for %r: %s", request.full_path[:200], e)
            return plain(503, "Sorry, the file could not be made just now (the image renderer is busy or "
                              "unavailable). Please try again in a minute.")
    return wrapper


# --- shared request handling -------------------------------------------------------------------------

def release_for(args) -> tuple[data_access.Release, bool]:
    """(release, pinned): ``?release=<id>`` pins an old release (404 if we no longer keep it)."""
    wanted = args.get("release")
    if wanted is None or wanted == "":
        return data_access.load(), False
    if not RELEASE_ID.match(wanted):
        raise Refused(400, f"'{wanted[:40]}' is not a release id (release ids look like 2026-11-01T000000Z).")
    try:
        return data_access.load(wanted), True
    except data_access.NoReleaseError:
        raise Refused(404, f"We don't have release '{wanted}'. We keep the last {config.KEEP_RELEASES} releases; "
                           "leave out release= for the latest figures.") from None


def check_args(args, extra: tuple[str, ...] = ()) -> None:
    allowed = charts.VIEW_PARAMS + extra
    unknown = [k for k in args.keys() if k not in allowed]
    if unknown:
        raise Refused(400, f"That link doesn't work: '{unknown[0][:40]}' is not a setting for this chart "
                           f"(use {', '.join(allowed)}).")


def chart_from_request(chart: str, extra: tuple[str, ...] = ()):
    charts.parse_chart_id(chart)  # an unknown id is reported before anything else
    check_args(request.args, extra)
    rel, pinned = release_for(request.args)
    return rel, pinned, charts.build(rel, chart, request.args)


def _is_current(rel) -> bool:
    try:
        return rel.id == data_access.current_release_id()
    except data_access.NoReleaseError:
        return False


def file_name(spec, fmt: str) -> str:
    bits = [spec.chart_id, spec.view.area or "", (spec.view.period or "").replace("/", "-"), spec.release_date]
    stem = "_".join(b for b in bits if b)
    return re.sub(r"[^A-Za-z0-9._-]", "-", stem) + f".{fmt}"


# --- downloads -----------------------------------------------------------------------------------------

@_guard
def download(filename: str):
    chart, dot, fmt = filename.rpartition(".")
    fmt = fmt.lower()
    if not dot or fmt not in DATA_FORMATS + IMAGE_FORMATS:
        raise Refused(404, f"Downloads are .csv, .xlsx, .png or .svg files, e.g. /download/claimant-rate-trend.csv "
                           f"(asked for '{filename[:60]}').")
    rel, pinned, spec = chart_from_request(chart, IMAGE_PARAMS if fmt in IMAGE_FORMATS else ())
    page = config.PUBLIC_URL + spec.page_url()
    if fmt == "csv":
        data = exports.csv_bytes(spec.data, spec.meta(page))
    elif fmt == "xlsx":
        data = exports.xlsx_bytes(spec.data, spec.meta(page))
    else:
        try:
            width, height, scale = exports.parse_image_params(request.args)
        except ValueError as e:
            raise Refused(400, f"That link doesn't work: {e}.") from None
        data = image_bytes(rel, spec, fmt, width, height, scale)
    response = Response(data, content_type=exports.IMAGE_MIME[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(spec, fmt)}"'
    response.headers["Cache-Control"] = "public, max-age=86400" if pinned else "public, max-age=300"
    return response


def image_bytes(rel, spec, fmt: str, width: int, height: int, scale: float) -> bytes:
    """The rendered image, from the cache when this chart, view, release, format and size were done before."""
    key = exports.cache_key(spec.chart_id, {**spec.view.query_params(), "home": rel.home_code(),
                                            "folder": str(rel.path)}, rel.id, fmt, width, height, scale)
    subtitle = spec.period_text + (f". {spec.note}" if spec.note else "")
    return IMAGES.get_or_render(key, lambda: exports.render_image(
        spec.figure, fmt, width, height, scale, title=spec.title, subtitle=subtitle,
        source_line=spec.image_source_line(), footnote=spec.footnote))


# --- embeds --------------------------------------------------------------------------------------------

PAGE_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{bootstrap}">
<link rel="stylesheet" href="{pdp_css}">
{extra}</head>
"""


def asset_url(name: str) -> str:
    """``/assets/<name>?m=<mtime>``: the fingerprint Dash uses, so the file is cached as immutable."""
    return f"/assets/{name}?m={os.path.getmtime(pdf.ASSETS / name)}"


def page_head(title: str, extra: str) -> str:
    return PAGE_HEAD.format(title=title, extra=extra, bootstrap=asset_url("bootstrap.min.css"),
                            pdp_css=asset_url("pdp.css"))


# Inline start-up scripts of the embed and report pages: constant text, so the site's CSP allows them by hash.
EMBED_SCRIPT = """
(function () {
  var fig = JSON.parse(document.getElementById("pdp-embed-figure").textContent);
  var el = document.getElementById("pdp-embed-chart");
  Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: true, displaylogo: false})
    .then(function () { document.body.classList.add("pdp-embed-ready"); });
})();
"""
REPORT_SCRIPT = """
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
INLINE_SCRIPT_HASHES = [security.script_hash(EMBED_SCRIPT), security.script_hash(REPORT_SCRIPT)]


def figure_json(fig, **layout) -> str:
    """The figure as JSON safe inside a <script> element."""
    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else dict(fig)
    spec = {"data": spec.get("data", []), "layout": {**dict(spec.get("layout") or {}), **layout}}
    return pio.json.to_json_plotly(spec).replace("</", "<\\/")


@_guard
def embed(chart: str):
    rel, pinned, spec = chart_from_request(chart)
    e = html.escape
    live = f"/embed/{spec.chart_id}{spec.query()}"
    dashboard = spec.page_url()
    notice = ""
    if pinned and not _is_current(rel):
        notice = (f'<p class="alert alert-info py-1 px-2 small mb-2 pdp-pinned-notice" role="note">These figures are '
                  f'pinned to release {e(rel.id)} ({e(rel.created)}), which is no longer the latest. '
                  f'<a href="{e(live)}">See the latest figures</a>.</p>')
    elif pinned:
        notice = (f'<p class="small mb-1 pdp-pinned-notice">Pinned to release {e(rel.id)} ({e(rel.created)}), '
                  f'the latest release.</p>')
    demo = ('<p class="small mb-1"><span class="badge text-bg-warning">Demo data — not official statistics</span>'
            '</p>' if rel.is_demo else "")
    body = f"""<body class="pdp-embed">
<main class="container-fluid py-2" id="main-content">
<h1 class="h5 mb-1" id="pdp-embed-title">{e(spec.title)}</h1>
{demo}{notice}
<div id="pdp-embed-chart" class="pdp-graph" role="img" aria-label="Chart: {e(spec.title)}. {e(spec.summary)}"
     aria-describedby="pdp-embed-summary"></div>
<p class="mb-1 small" id="pdp-embed-summary">{e(spec.summary)}</p>
<p class="small text-body-secondary mb-1 pdp-source">{e(spec.source_text)}
 <a href="{e(config.LICENCE_URL)}" target="_blank" rel="noopener">{e(config.LICENCE)}</a>.</p>
<p class="small mb-0"><a href="{e(dashboard)}" target="_top" id="pdp-embed-dashboard-link">View in the dashboard:
 {e(config.SITE_TITLE)}</a></p>
</main>
<script type="application/json" id="pdp-embed-figure">{figure_json(spec.figure)}</script>
<script src="{asset_url("plotly-basic.min.js")}"></script>
<script>{EMBED_SCRIPT}</script>
</body>
</html>"""
    response = Response(page_head(title=e(f"{spec.title} - {config.SITE_TITLE}"), extra="") + body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = security.embed_policy()
    response.headers["Cache-Control"] = "public, max-age=86400" if pinned else "public, max-age=300"
    return response


# --- printable district profile ---------------------------------------------------------------------

REPORT_CSS = """
@page { size: A4; margin: 15mm; }
body.pdp-report { max-width: 190mm; margin: 0 auto; padding: 1rem; }
.pdp-report-topic { margin-top: 1.5rem; }
.pdp-report-chart { width: 680px; max-width: 100%; min-height: 300px; }
.pdp-report table { width: auto; }
@media print {
  body.pdp-report { padding: 0; max-width: none; }
  .pdp-report-actions { display: none !important; }
  .pdp-report-topic { margin-top: 0; }
  .pdp-report-topic + .pdp-report-topic { break-before: page; page-break-before: always; }
  .pdp-report-chart, table { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def report_html(rel, code: str) -> str:
    """Every topic for one district, one topic per A4 page: headline, comparators, chart, summaries."""
    e = html.escape
    name = rel.area_name(code)
    region = rel.area_name(rel.region_code(code) or "")
    sections, figs = [], []
    for n, slug in enumerate(rel.topics()):
        title, headline = TOPICS[slug]
        available = rel.indicators(slug)
        ind_id = headline if headline in available else available[0]
        ind = INDICATORS[ind_id]
        period = rel.latest_period(ind_id, code)
        if period is None:
            sections.append(f'<section class="pdp-report-topic"><h2 class="h4">{e(title)}</h2>'
                            f'<p>No figures for {e(name)} in this release.</p></section>')
            continue
        view = charts.view_for(rel, ind_id, code, period, None, params.COMPARATOR_ROLES)
        trend = charts.spec_for(rel, ind_id, "trend", view)
        rank = charts.spec_for(rel, ind_id, "ranking", view)
        res = rel.resolve(ind_id, code)
        rows = [(res.label or name, *rel.value(ind_id, res.code, period))]
        rows += [(cname, *rel.value(ind_id, ccode, period)) for _, ccode, cname in rel.comparators(code)]
        cells = "".join(f"<tr><th scope=\"row\">{e(a)}</th><td>{e(format_value(v, ind, s))}</td></tr>"
                        for a, v, s in rows)
        figs.append((f"pdp-report-chart-{n}", figure_json(trend.figure, width=REPORT_WIDTH, autosize=False)))
        sections.append(f"""<section class="pdp-report-topic" id="report-{e(slug)}">
<h2 class="h4">{e(title)}: {e(ind.label)}</h2>
<table class="table table-sm pdp-table"><caption>{e(ind.label)}, {e(period_text(period))}</caption>
<thead><tr><th scope="col">Area</th><th scope="col">{e(ind.label)}</th></tr></thead><tbody>{cells}</tbody></table>
<p>{e(rank.summary)}</p>
<h3 class="h6">{e(trend.title)}</h3>
<div class="pdp-report-chart" id="pdp-report-chart-{n}" role="img" aria-label="Chart: {e(trend.title)}. {e(trend.summary)}"></div>
<p>{e(trend.summary)}</p>
<p class="small text-body-secondary">{e(ind.definition)} {e(trend.source_text)}</p>
</section>""")
    data = ",".join(f'["{cid}", {fj}]' for cid, fj in figs)
    demo = ('<p class="alert alert-warning py-2 small"><strong>Demo data — not official statistics.</strong> Every '
            'figure in this release is invented by a generator.</p>' if rel.is_demo else "")
    return page_head(title=e(f"{name}: district profile - {config.SITE_TITLE}"), extra=f"<style>{REPORT_CSS}</style>\n") + f"""<body class="pdp-report">
<main id="main-content">
<nav class="pdp-report-actions mb-3" aria-label="Report actions">
 <a href="/district/{e(code)}">Back to the district profile</a> |
 <a href="/district/{e(code)}/report.pdf">Download as PDF</a> |
 <button type="button" class="btn btn-link p-0 align-baseline" id="pdp-report-print">Print this report</button>
</nav>
<h1>{e(name)}: district profile</h1>
{demo}
<p class="lead fs-6">Every topic for {e(name)}, compared with {e(rel.home_name())}, {e(region)} and England.
 Data pack release {e(rel.id)} (created {e(rel.created)}). {e(config.LICENCE)}.</p>
{''.join(sections)}
</main>
<script type="application/json" id="pdp-report-figures">[{data}]</script>
<script src="{asset_url("plotly-basic.min.js")}"></script>
<script>{REPORT_SCRIPT}</script>
</body>
</html>"""


def not_found_page(message: str) -> Response:
    e = html.escape
    page = page_head(title=e(f"Not found - {config.SITE_TITLE}"), extra="") + f"""<body>
<main class="container py-4" id="main-content"><h1>District not found</h1>
<p class="lead" id="pdp-friendly-message">{e(message)}</p><a class="btn btn-primary" href="/">Go to the home page</a>
</main></body></html>"""
    return Response(page, status=404, mimetype="text/html")


def _district(area_code: str):
    rel, _ = release_for(request.args)
    code = str(area_code or "").strip().upper()
    if not rel.is_home_district(code):
        return rel, None
    return rel, code


@_guard
def report(area_code: str):
    check_args(request.args)
    rel, code = _district(area_code)
    if code is None:
        return not_found_page(f"We don't have a district with the code '{str(area_code)[:20]}' in "
                              f"{rel.home_name()}. Choose one from the home page.")
    return Response(report_html(rel, code), mimetype="text/html")


@_guard
def report_pdf(area_code: str):
    check_args(request.args)
    rel, code = _district(area_code)
    if code is None:
        return plain(404, f"We don't have a district with the code '{str(area_code)[:20]}' in {rel.home_name()}.")
    page = report_html(rel, code)
    data = PDFS.get_or_render(report_key(page), lambda: pdf.print_html(
        page, wait_for=".pdp-report-ready", timeout=config.EXPORT_RENDER_TIMEOUT))
    response = Response(data, mimetype="application/pdf")
    name = re.sub(r"[^A-Za-z0-9-]", "-", rel.area_name(code))
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-district-profile-{rel.created}.pdf"'
    return response


def report_key(page: str) -> str:
    """The PDF's cache key: its HTML (release, area, template: all it shows) and the static files it uses."""
    digest = hashlib.sha256(page.encode("utf-8"))
    for name in sorted(set(ASSET_LINK.findall(page))):
        stat = (pdf.ASSETS / name).stat()
        digest.update(f"{name}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return f"report-{digest.hexdigest()}.pdf"


def register(server: Flask) -> None:
    """Add the routes to the app's Flask server (called from app.create_app)."""
    server.add_url_rule("/download/<path:filename>", "pdp_download", download)
    server.add_url_rule("/embed/<chart>", "pdp_embed", embed)
    server.add_url_rule("/district/<area_code>/report", "pdp_report", report)
    server.add_url_rule("/district/<area_code>/report.pdf", "pdp_report_pdf", report_pdf)

