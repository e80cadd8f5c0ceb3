"""``/healthz`` (the process answers) and ``/readyz`` (a release is loaded) for load balancers.

Ready means "can serve pages": a release is in memory. A release store that cannot be reached does not
make an instance unready — every instance would be pulled at once while each still serves the last
release it loaded — so ``/readyz`` stays 200 and says ``"store": "unreachable"`` for monitoring.
"""
from __future__ import annotations

from flask import Flask, jsonify

import config
import data_access
import release_store

def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def readiness() -> tuple[dict, int]:
    """The body and status of ``/readyz``."""
    body: dict = {"release": None, "store": "local"}
    if config.is_url(config.processed_location()):
        state = release_store.status()
        body["store"] = "unreachable" if state["error"] else "ok"
        body["store_error"] = state["error"]
        body["store_last_ok"] = state["last_ok"]
    try:
        body["release"] = data_access.load().id
    except (data_access.NoReleaseError, OSError, ValueError) as exc:
        body["error"] = str(exc)
        return {**body, "ready": False}, 503
    return {**body, "ready": True}, 200


def install(server: Flask) -> None:
    @server.get("/healthz")
    def healthz():
        return _no_store(jsonify(status="ok"))

    @server.get("/readyz")
    def readyz():
        body, status = readiness()
        response = jsonify(body)
        response.status_code = status
        return _no_store(response)
