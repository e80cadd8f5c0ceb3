"""Caching headers and honest HTTP statuses for what Dash serves.

Dash answers every path with the same HTML shell, so a page that does not exist would be a 200: the
status is taken from Dash's own router (``dash._pages``, private, used only here) so it always agrees
with what the page shows. Fingerprinted static files are marked immutable and compressed once
(``web.router_cache``); the shell layout and callback list may be reused briefly.
"""
from __future__ import annotations

from collections.abc import Callable

import dash
from dash._pages import _path_to_page
from flask import Flask, request

import config
import data_access
from web.router_cache import ONE_YEAR, compress_static



def status_for(path: str) -> int:
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


def install(server: Flask, own_status: Callable[[str], bool]) -> None:
    """Add the headers and statuses to ``server``'s responses; ``own_status(path)`` paths set their own."""

    @server.after_request
    def _headers(response):
        path = request.path
        if path.startswith(("/assets/", "/_dash-component-suites/")):
            response = compress_static(response)
        elif path in ("/_dash-layout", "/_dash-dependencies") and response.status_code == 200:
            response.headers["Cache-Control"] = f"private, max-age={config.SHELL_MAX_AGE}"
        elif path.startswith("/_favicon.ico"):
            response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}"
        elif (request.method == "GET" and response.status_code == 200 and response.mimetype == "text/html"
              and not path.startswith(("/_", "/assets/")) and not own_status(path)):
            response.status_code = status_for(path)
        return response
