"""The page frame every Dash page sits in: skip link, navigation from the page registry, footer.

Also the HTML document around it (scripts in one block, so the CSP hashes stay stable) and the shell's
two clientside callbacks: the phone-width menu button and "Show as table".
"""
from __future__ import annotations

import re

import dash
import flask
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, ClientsideFunction, Dash, Input, Output, State, html

import config
import data_access
from components import first_view
from vocab.catalogue import TOPICS

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


# Bundles Dash sends that no page here needs: the DataTable (no page uses one) and the polyfill for
# browsers without ES2017 (none that can run this app's React 18 anyway).
UNUSED_BUNDLES = re.compile(r'<script src="[^"]*/(?:dash_table/|deps/polyfill@)[^"]*"></script>\s*')
# plotly.js is not loaded with the page: dcc.Graph fetches it (from PLOTLY_ASSET) when a chart mounts,
# after the first view has painted. Embeds and reports still link it themselves.
PLOTLY_ASSET = "plotly-basic.min.js"
ASSETS_IGNORE = re.escape(PLOTLY_ASSET)
# Dash's scripts are not even fetched until the first view has painted: each is written as an inert
# <script type="pdp/later" data-src=...> and RENDERER (constant text, so the CSP hash Dash computes in
# app.csp_hashes stays stable) loads them after the first frame, in order (async=false), then starts
# React. A hidden tab (nothing to paint) loads them at once. Deferred <script> tags were fetched during
# the parse and, on a busy machine, their bytes and compile time came before the first paint.
LATER = "pdp/later"
RENDERER = ("(function () { var started = false; function load() { if (started) { return; } started = true;"
            " var later = document.querySelectorAll('script[type=\"" + LATER + "\"]'), left = later.length;"
            " function one() { left -= 1; if (left === 0) { window.renderer = new DashRenderer(); } }"
            " later.forEach(function (old) { var s = document.createElement('script'); s.async = false;"
            " s.onload = one; s.onerror = one; s.src = old.getAttribute('data-src'); document.body.appendChild(s); });"
            " if (left === 0) { window.renderer = new DashRenderer(); } }"
            " if (document.visibilityState === 'hidden') { load(); }"
            " else { requestAnimationFrame(function () { setTimeout(load, 0); }); setTimeout(load, 3000); } })();")


def later_scripts(scripts: str) -> str:
    """Dash's ``<script src>`` tags as inert placeholders that RENDERER loads after the first paint."""
    return re.sub(r'<script src="([^"]+)"></script>', rf'<script type="{LATER}" data-src="\1"></script>', scripts)


class ShellDash(Dash):
    """Dash with the document trimmed to what the pages use (Dash's own ``interpolate_index`` hook)."""

    def _config(self):
        config = super()._config()
        config["plotlyjs_url"] = self.get_asset_url(PLOTLY_ASSET)  # read by dcc.Graph when it mounts
        return config

    def interpolate_index(self, **kwargs):
        kwargs["scripts"] = later_scripts(UNUSED_BUNDLES.sub("", kwargs["scripts"]))
        if flask.has_request_context():
            # gunicorn's post_worker_init asks for "/" in every worker: no chart drawing (no Chromium) for it
            warm_up = flask.request.headers.get(first_view.WARM_UP_HEADER) == "1"
            charts = first_view.static_charts.PageCharts(draw=not warm_up)
            static = first_view.render_page(shell, flask.request.path, flask.request.args, charts)
            if not warm_up:
                first_view.prerender_once(shell, self.server)
            if static:  # the page, readable before any script runs; React's root waits invisibly
                kwargs["app_entry"] = static + kwargs["app_entry"].replace(
                    'id="react-entry-point"', 'id="react-entry-point" class="pdp-pending"', 1)
        return super().interpolate_index(**kwargs)


def nav_pages(topics=None) -> list[dict]:
    """Registered pages except templates (district), the 404 and, given the release's ``topics``, topic
    pages it has no figures for (local indicators are optional)."""
    return [page for page in dash.page_registry.values()
            if not page.get("path_template") and not page["module"].endswith("not_found_404")
            and (topics is None or page["path"].lstrip("/") not in TOPICS or page["path"].lstrip("/") in topics)]


def navigation(topics=None):
    """Links to the pages of ``nav_pages``, in ``order``."""
    links = [dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact",
                                     id={"type": "shell-link", "index": page["path"]}))
             for page in nav_pages(topics)]
    return dbc.Navbar(dbc.Container([
        html.A(config.SITE_TITLE, href="/", className="navbar-brand fw-bold", id="shell-link-brand"),
        html.Button("Menu", id="shell-nav-toggle", className="navbar-toggler pdp-menu-button", type="button",
                    n_clicks=0, **{"aria-controls": "shell-nav-collapse", "aria-expanded": "false"}),
        dbc.Collapse(dbc.Nav(links, className="pdp-nav flex-wrap", navbar=True), id="shell-nav-collapse",
                     is_open=False, navbar=True),
    ], fluid=True), color=config.PALETTE["dark_blue"], dark=True, expand="lg", className="mb-3 pdp-navbar",
        tag="nav")


def shell():
    """The page frame: skip link, navigation, the page container as <main>, footer."""
    topics = None
    try:
        rel = data_access.load()
        topics = rel.topics()
        release_text = f"Release {rel.id} (created {rel.created})" + (" — demo data, not official statistics"
                                                                       if rel.is_demo else "")
    except data_access.NoReleaseError:
        release_text = "No release loaded"
    return html.Div([
        html.A("Skip to main content", href="#main-content", className="visually-hidden-focusable pdp-skip"),
        html.Header(navigation(topics)),
        html.Main(dbc.Container(dash.page_container, fluid="lg"), id="main-content", tabIndex="-1"),
        html.Footer(dbc.Container([
            html.P([release_text, ". ", html.A("Sources, definitions and accessibility", href="/data", id="shell-link-data"), ". ",
                    html.A(config.LICENCE, href=config.LICENCE_URL), "."], className="small mb-0"),
        ], fluid="lg"), className="pdp-footer mt-4 py-3"),
    ])


def install(app: Dash) -> None:
    """Give ``app`` the document, the shell layout and the shell's clientside callbacks."""
    app.index_string = INDEX_STRING
    app.renderer = RENDERER
    app.layout = shell
    app.clientside_callback(  # the phone-width menu button: pure UI, so no server round trip
        """function (n, open) { var next = n > 0 ? !open : open;
            return [next, next ? "true" : "false"]; }""",
        Output("shell-nav-collapse", "is_open"), Output("shell-nav-toggle", "aria-expanded"),
        Input("shell-nav-toggle", "n_clicks"), State("shell-nav-collapse", "is_open"), prevent_initial_call=True)
    kept = [{"type": "shell-link", "index": ALL}, "shell-link-brand", "shell-link-data"]
    app.clientside_callback(  # the shell's links keep the page's home area (assets/pdp.js)
        ClientsideFunction(namespace="pdp", function_name="keepHome"),
        [Output(k, "href") for k in kept], Input("_pages_location", "search"), [State(k, "href") for k in kept])
    app.clientside_callback(  # "Show as table": build the table on first opening (assets/pdp.js)
        ClientsideFunction(namespace="pdp", function_name="renderTable"),
        Output({"type": "pdp-table-slot", "index": MATCH}, "children"),
        Input({"type": "pdp-details", "index": MATCH}, "n_clicks"),
        State({"type": "pdp-table-data", "index": MATCH}, "data"),
        State({"type": "pdp-table-slot", "index": MATCH}, "children"), prevent_initial_call=True)
