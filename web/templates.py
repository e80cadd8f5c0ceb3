"""The HTML the app serves outside Dash, rendered from Jinja2 templates in ``web/templates/``.

Autoescaping is on for every template, so text from a release or a request can never become markup;
only constant scripts and JSON already made safe for a ``<script>`` element are marked safe.
"""
from __future__ import annotations

import os

import jinja2
import plotly.io as pio
from markupsafe import Markup

import config
from components import plain_figure

ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(config.ROOT / "web" / "templates"), autoescape=True,
                         undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def asset_url(name: str) -> str:
    """``/assets/<name>?m=<mtime>``: the fingerprint Dash uses, so the file is cached as immutable."""
    return f"/assets/{name}?m={os.path.getmtime(config.ASSETS_DIR / name)}"


ENV.globals.update(asset_url=asset_url, site_title=config.SITE_TITLE, licence=config.LICENCE,
                   licence_url=config.LICENCE_URL)


def render(template: str, **context) -> str:
    return ENV.get_template(template).render(**context)


def trusted(text: str) -> Markup:
    """Text written by this app (a constant script, JSON escaped for a script element), inserted as is."""
    return Markup(text)


def figure_json(fig, **layout) -> str:
    """A figure as JSON safe inside a ``<script>`` element (``</`` escaped), with ``layout`` overrides."""
    spec = plain_figure.as_dict(fig)
    spec = {"data": spec.get("data", []), "layout": {**dict(spec.get("layout") or {}), **layout}}
    return pio.json.to_json_plotly(spec).replace("</", "<\\/")
