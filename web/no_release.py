"""Until a release exists every page says how to make one, with HTTP 503 rather than a broken page.

503 and ``Retry-After`` because the service is up but has nothing to serve yet: load balancers and
uptime checks see it is not ready, proxies and search engines keep nothing, and a person reading the
page is told the one command that fixes it. The check is a ``stat`` of the manifest per request, so
the first build is served at once, without a restart.
"""
from __future__ import annotations

from flask import Flask, Response, request

import data_access
from web import templates

STATIC_PATHS = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/healthz", "/readyz")
DATA_PATHS = ("/_dash-", "/download/", "/api/")  # answered in plain text: no person reads these as a page
RETRY_AFTER_SECONDS = 60


def response() -> Response:
    """The 503 answer for the current request: an HTML page, or plain text for data endpoints."""
    if request.path.startswith(DATA_PATHS):
        answer = Response(data_access.NO_RELEASE + ".\n", status=503, mimetype="text/plain")
    else:
        answer = Response(templates.render("no_release.html", message=data_access.NO_RELEASE), status=503,
                          mimetype="text/html")
    answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    answer.headers["Cache-Control"] = "no-store"
    return answer


def install(server: Flask) -> None:
    """Answer every request but static files with :func:`response` while there is no current release."""

    @server.before_request
    def _no_release():
        if request.path.startswith(STATIC_PATHS) or data_access.has_release():
            return None
        return response()
