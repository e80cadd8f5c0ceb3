"""Flask routes for reusing charts: downloads, embeds and the printable district profile.

* ``/download/<chart_id>.csv|.xlsx|.png|.svg?area=&period=&breakdown=&comparators=&release=``
  (images also take ``width``, ``height`` and ``scale``);
* ``/embed/<chart_id>?...``: the chart alone for an iframe, framable by the configured origins;
* ``/district/<area_code>/report`` (print CSS, A4) and ``/district/<area_code>/report.pdf`` (the same
  HTML printed offline by ``reuse.pdf``: the server never fetches a page to print it).

Every answer to a bad link is a 4xx with a plain-text reason, never a 500. The figure and data come
from ``components.charts``, the same specs the dashboard pages draw; pages are Jinja2 templates in
``web/templates/``. Nothing here reads the request's
Host: links in downloads use ``config.PUBLIC_URL``.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import re

from flask import Flask, Response, request

import config
import data_access
from components import charts, params
from reuse import data_files, image_params, images, pdf
from reuse.browser import ExportError
from reuse.export_cache import ExportCache, folder_for
from web import report, security
from web.templates import figure_json, render, trusted

log = logging.getLogger(__name__)

DATA_FORMATS = ("csv", "xlsx")
IMAGE_FORMATS = images.IMAGE_FORMATS
IMAGE_PARAMS = ("width", "height", "scale")
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
RELEASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")
OWN_PATHS = re.compile(r"^/(download|embed)/|^/district/[^/]+/report(\.pdf)?$")
ASSET_LINK = re.compile(r'(?:href|src)="/assets/([^"?#]+)"')
IMAGES = ExportCache(folder_for("images"))
PDFS = ExportCache(folder_for("reports"))
# The embed's start-up script: constant text, so the site's CSP allows it by hash.
EMBED_SCRIPT = """
(function () {
  var fig = JSON.parse(document.getElementById("pdp-embed-figure").textContent);
  var el = document.getElementById("pdp-embed-chart");
  Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: true, displaylogo: false})
    .then(function () { document.body.classList.add("pdp-embed-ready"); });
})();
"""
INLINE_SCRIPT_HASHES = [security.script_hash(EMBED_SCRIPT), report.SCRIPT_HASH]


class Refused(Exception):
    """A request we answer with a 4xx and a plain message for the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def owns(path: str) -> bool:
    """True for the paths these routes serve (web.headers leaves their HTTP status alone)."""
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
        except ExportError as e:
            log.error("export failed for %r: %s", request.full_path[:200], e)
            return plain(503, "Sorry, the file could not be made just now (the image renderer is busy or "
                              "unavailable). Please try again in a minute.")
    return wrapper


# --- shared request handling -------------------------------------------------------------------------

def release_for(args) -> tuple[data_access.Release, bool]:
    """(release, pinned): ``?release=<id>`` pins an old release (404 if we no longer keep it); the
    request's ``?home=`` is checked against it (BadParam) and made the home area."""
    rel, pinned = _release(args)
    data_access.use_home(params.home(charts._one(args, "home"), rel))
    return rel, pinned


def _release(args) -> tuple[data_access.Release, bool]:
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
        data = data_files.csv_bytes(spec.data, spec.meta(page))
    elif fmt == "xlsx":
        data = data_files.xlsx_bytes(spec.data, spec.meta(page))
    else:
        try:
            width, height, scale = image_params.parse_image_params(request.args)
        except ValueError as e:
            raise Refused(400, f"That link doesn't work: {e}.") from None
        data = image_bytes(rel, spec, fmt, width, height, scale)
    response = Response(data, content_type=CONTENT_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(spec, fmt)}"'
    response.headers["Cache-Control"] = "public, max-age=86400" if pinned else "public, max-age=300"
    return response


def image_bytes(rel, spec, fmt: str, width: int, height: int, scale: float) -> bytes:
    """The rendered image, from the cache when this chart, view, release, format and size were done before."""
    key = image_params.cache_key(spec.chart_id, {**spec.view.query_params(), "home": rel.home_code(),
                                                 "folder": str(rel.path)}, rel.id, fmt, width, height, scale)
    subtitle = spec.image_subtitle()
    return IMAGES.get_or_render(key, lambda: images.render_image(
        spec.figure, fmt, width, height, scale, title=spec.title, subtitle=subtitle,
        source_line=spec.image_source_line(), footnote=spec.footnote))


# --- embeds --------------------------------------------------------------------------------------------

@_guard
def embed(chart: str):
    rel, pinned, spec = chart_from_request(chart)
    page = render("embed.html", rel=rel, spec=spec, pinned=pinned, current=_is_current(rel),
                  live_url=f"/embed/{spec.chart_id}{spec.query()}", dashboard_url=spec.page_url(),
                  figure=trusted(figure_json(spec.figure)), script=trusted(EMBED_SCRIPT))
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = security.embed_policy()
    response.headers["Cache-Control"] = "public, max-age=86400" if pinned else "public, max-age=300"
    return response


# --- printable district profile ---------------------------------------------------------------------

def not_found_page(message: str) -> Response:
    return Response(render("not_found.html", message=message), status=404, mimetype="text/html")


def _district(area_code: str):
    check_args(request.args)
    rel, _ = release_for(request.args)
    code = str(area_code or "").strip().upper()
    if not rel.is_home_district(code):
        return rel, None
    return rel, code


@_guard
def district_report(area_code: str):
    rel, code = _district(area_code)
    if code is None:
        return not_found_page(f"We don't have a district with the code '{str(area_code)[:20]}' in "
                              f"{rel.home_name()}. Choose one from the home page.")
    return Response(report.report_html(rel, code), mimetype="text/html")


@_guard
def district_report_pdf(area_code: str):
    rel, code = _district(area_code)
    if code is None:
        return plain(404, f"We don't have a district with the code '{str(area_code)[:20]}' in {rel.home_name()}.")
    page = report.report_html(rel, code)
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
        stat = (config.ASSETS_DIR / name).stat()
        digest.update(f"{name}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return f"report-{digest.hexdigest()}.pdf"


def register(server: Flask) -> None:
    """Add the routes to the app's Flask server."""
    server.add_url_rule("/download/<path:filename>", "pdp_download", download)
    server.add_url_rule("/embed/<chart>", "pdp_embed", embed)
    server.add_url_rule("/district/<area_code>/report", "pdp_report", district_report)
    server.add_url_rule("/district/<area_code>/report.pdf", "pdp_report_pdf", district_report_pdf)

