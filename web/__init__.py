"""Serving on the web: routes outside Dash, response headers, caches, templates and the request guards.

``create_server`` makes the Flask server Dash runs on; ``install`` adds everything else to a Dash app,
in the order the hooks must run.
"""
from __future__ import annotations

import logging

from dash import Dash
from flask import Flask

import config
import data_access
from reuse import browser
from web import api, callback_guard, headers, health, home_area, no_release, router_cache, routes, security, shared_cache

log = logging.getLogger("pdp.web")

# Responses compressed on the fly (downloads too); images and workbooks are compressed already.
COMPRESSED_TYPES = ["text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
                    "application/json", "image/svg+xml"]


def configure_logging() -> None:
    logging.basicConfig(level=config.LOG_LEVEL, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("kaleido", "choreographer"):  # the image renderer logs every browser tab at INFO
        logging.getLogger(chatty).setLevel(logging.WARNING)


def create_server() -> Flask:
    server = Flask(__name__, static_folder=None)  # Dash serves assets/ itself
    server.config["COMPRESS_MIMETYPES"] = COMPRESSED_TYPES  # read by flask-compress when Dash enables it
    return server


def install(app: Dash) -> None:
    """Routes, headers, guards and caches on ``app``'s server (Dash pages and shell are already set)."""
    server = app.server
    try:
        log.info("serving release %s from %s", data_access.current_release_id(), data_access.processed_dir())
    except data_access.NoReleaseError:
        log.warning("no release in %s: every page says so until one is built (python -m etl demo or "
                    "python -m etl build)", data_access.processed_dir())
    health.install(server)
    no_release.install(server)
    home_area.install(server)  # before anything reads the home area
    headers.install(server, own_status=routes.owns)
    routes.register(server)  # /download, /embed, /district/<code>/report(.pdf)
    api.register(server)  # /api/v1: indicators, areas, periods, observations, OpenAPI, data package
    security.install(server, lambda: [*app.csp_hashes(), *routes.INLINE_SCRIPT_HASHES], framable=["pdp_embed"])
    callback_guard.install(server, app)  # before the router cache, which reads the callback body
    shared = shared_cache.from_config()
    routes.IMAGES.shared = routes.PDFS.shared = shared  # rendered images and PDFs, shared across hosts
    app.router_cache = router_cache.RouterCache(shared=shared)
    router_cache.install(server, app.router_cache)
    if config.EXPORT_WARM_UP:
        browser.warm_up()  # start headless Chromium now so the first image export is not slow
