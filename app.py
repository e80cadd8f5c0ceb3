"""Builds the Dash app and its shell; ``server`` is the WSGI entry point (``gunicorn app:server``).

``python app.py`` runs the development server. The app only reads releases: with none yet, every
page says how to build one (``python -m etl demo`` or ``python -m etl build``).
"""
from __future__ import annotations

import logging
import os

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, ClientsideFunction, Dash, Input, Output, State, html
from dash._pages import (
    _path_to_page,  # the router's own path matcher, so HTTP statuses agree with it
)
from flask import Flask, request

import config
import data_access
from components import exports, routes
from components.router_cache import ONE_YEAR, RouterCache, compress_static, install
from web import callback_guard, no_release, security

log = logging.getLogger("pdp.app")

# The shell layout and callback list change only on a restart (new code or release): let browsers
# reuse them briefly so a warm page load is the document plus one router request.
SHELL_MAX_AGE = int(os.environ.get("PDP_SHELL_MAX_AGE", "60"))
# Responses compressed on the fly (downloads too); images and workbooks are compressed already.
COMPRESSED_TYPES = ["text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
                    "application/json", "image/svg+xml"]
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <div class="pdp-scripts">
            {%config%}
            {%scripts%}
            {%renderer%}
        </div>
    </body>
</html>"""


def navigation():
    """Links to every registered page except templates (district) and the 404, in ``order``."""
    links = [dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
             for page in dash.page_registry.values()
             if not page.get("path_template") and not page["module"].endswith("not_found_404")]
    return dbc.Navbar(dbc.Container([
        html.A(config.SITE_TITLE, href="/", className="navbar-brand fw-bold"),
        html.Button("Menu", id="shell-nav-toggle", className="navbar-toggler pdp-menu-button", type="button",
                    n_clicks=0, **{"aria-controls": "shell-nav-collapse", "aria-expanded": "false"}),
        dbc.Collapse(dbc.Nav(links, className="pdp-nav flex-wrap", navbar=True), id="shell-nav-collapse",
                     is_open=False, navbar=True),
    ], fluid=True), color=config.PALETTE["dark_blue"], dark=True, expand="lg", className="mb-3 pdp-navbar",
        tag="nav")


def shell():
    """The page frame: skip link, navigation, the page container as <main>, footer."""
    try:
        rel = data_access.load()
        release_text = f"Release {rel.id} (created {rel.created})" + (" — demo data, not official statistics"
                                                                       if rel.is_demo else "")
    except data_access.NoReleaseError:
        release_text = "No release loaded"
    return html.Div([
        html.A("Skip to main content", href="#main-content", className="visually-hidden-focusable pdp-skip"),
        html.Header(navigation()),
        html.Main(dbc.Container(dash.page_container, fluid="lg"), id="main-content", tabIndex="-1"),
        html.Footer(dbc.Container([
            html.P([release_text, ". ", html.A("Sources, definitions and accessibility", href="/data"), ". ",
                    html.A(config.LICENCE, href=config.LICENCE_URL), "."], className="small mb-0"),
        ], fluid="lg"), className="pdp-footer mt-4 py-3"),
    ])


def _status_for(path: str) -> int:
    """404 for paths no page serves (and unknown districts), else 200: the shell is the same HTML."""
    page, variables = _path_to_page(dash.get_app().strip_relative_path(path) or "")
    if not page or page.get("module", "").endswith("not_found_404"):
        return 404
    if variables and "area_code" in variables:
        try:
            if not data_access.load().is_home_district(str(variables["area_code"]).upper()):
                return 404
        except data_access.NoReleaseError:
            return 404
    return 200


def _after_request(response):
    """Long-lived caching for truly fingerprinted files; honest 404s for unknown pages."""
    path = request.path
    if path.startswith(("/assets/", "/_dash-component-suites/")):
        response = compress_static(response)
    elif path in ("/_dash-layout", "/_dash-dependencies") and response.status_code == 200:
        response.headers["Cache-Control"] = f"private, max-age={SHELL_MAX_AGE}"
    elif path.startswith("/_favicon.ico"):
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}"
    elif (request.method == "GET" and response.status_code == 200 and response.mimetype == "text/html"
          and not path.startswith(("/_", "/assets/")) and not routes.owns(path)):
        response.status_code = _status_for(path)
    return response


def create_app() -> Dash:
    """The Dash app: pages, shell, compression, cache and security headers."""
    try:
        log.info("serving release %s from %s", data_access.current_release_id(), data_access.processed_dir())
    except data_access.NoReleaseError:
        log.warning("no release in %s: every page says so until one is built (python -m etl demo or "
                    "python -m etl build)", data_access.processed_dir())
    server = Flask(__name__)
    server.config["COMPRESS_MIMETYPES"] = COMPRESSED_TYPES  # read by flask-compress when Dash enables it
    dash_app = Dash(__name__, server=server, use_pages=True, pages_folder=str(config.ROOT / "pages"),
                    assets_folder=str(config.ROOT / "assets"), title=config.SITE_TITLE, compress=True,
                    suppress_callback_exceptions=False, serve_locally=True, update_title=None,
                    meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    dash_app.index_string = INDEX_STRING
    dash_app.layout = shell
    dash_app.clientside_callback(  # the phone-width menu button: pure UI, so no server round trip
        """function (n, open) { var next = n > 0 ? !open : open;
            return [next, next ? "true" : "false"]; }""",
        Output("shell-nav-collapse", "is_open"), Output("shell-nav-toggle", "aria-expanded"),
        Input("shell-nav-toggle", "n_clicks"), State("shell-nav-collapse", "is_open"), prevent_initial_call=True)
    dash_app.clientside_callback(  # "Show as table": build the table on first opening (assets/pdp.js)
        ClientsideFunction(namespace="pdp", function_name="renderTable"),
        Output({"type": "pdp-table-slot", "index": MATCH}, "children"),
        Input({"type": "pdp-details", "index": MATCH}, "n_clicks"),
        State({"type": "pdp-table-data", "index": MATCH}, "data"),
        State({"type": "pdp-table-slot", "index": MATCH}, "children"), prevent_initial_call=True)
    no_release.install(server)
    server.after_request(_after_request)
    routes.register(server)  # /download, /embed, /district/<code>/report(.pdf)
    security.install(server, lambda: [*dash_app.csp_hashes(), *routes.INLINE_SCRIPT_HASHES], framable=["pdp_embed"])
    callback_guard.install(server, dash_app)  # before the router cache, which reads the callback body
    if os.environ.get("PDP_EXPORT_WARM_UP") == "1":
        exports.warm_up()  # start headless Chromium now so the first image export is not slow
    dash_app.router_cache = RouterCache()
    install(server, dash_app.router_cache)
    return dash_app


logging.basicConfig(level=os.environ.get("PDP_LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: "
                    "%(message)s")
for chatty in ("kaleido", "choreographer"):  # the image renderer logs every browser tab at INFO
    logging.getLogger(chatty).setLevel(logging.WARNING)
app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(debug=os.environ.get("PDP_DEBUG") == "1", dev_tools_disable_version_check=True,
            host=os.environ.get("PDP_HOST", "127.0.0.1"), port=int(os.environ.get("PDP_PORT", "8050")),
            request_handler=security.QuietRequestHandler)
