"""Each request's home area: ``?home=<code>`` when it names one the release knows, else the configured one.

Set before anything else reads it and reset on every request, so a worker thread never carries one
request's choice into the next. Pages and routes validate the value again themselves and say what is
wrong with a bad one (a friendly page or a 400); here a bad value is simply not used.
"""
from __future__ import annotations

from flask import Flask, request

import data_access
from components import params


def install(server: Flask) -> None:
    @server.before_request
    def _home_from_query():
        data_access.use_home(None)
        value = request.args.get("home")
        if not value or not data_access.has_release():
            return None
        try:
            data_access.use_home(params.home(value, data_access.load()))
        except params.BadParam:
            pass  # the page or route reading the link explains the problem
        return None

    @server.teardown_request
    def _forget_home(_exc):
        data_access.use_home(None)
