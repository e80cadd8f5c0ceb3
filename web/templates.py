"""The HTML the app serves outside Dash, rendered from Jinja2 templates in ``web/templates/``.

Autoescaping is on for every template, so text from a release or a request can never become markup;
only constant scripts and JSON already made safe for a ``<script>`` element are marked safe.
"""
from __future__ import annotations

import os

import jinja2
from markupsafe import Markup

import config

ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(config.ROOT / "web" / "templates"), autoescape=True,
                         undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def asset_url(name: str) -> str:
    """``/assets/<name>?m=<mtime>``: the fingerprint Dash uses, so the file is cached as immutable."""
    return f"/assets/{name}?m={os.path.getmtime(config.ASSETS_DIR / name)}"


ENV.globals.update(asset_url=asset_url, site_title=config.SITE_TITLE, licence=config.LICENCE,
                   licence_url=config.LICENCE_URL)


def render(name: str, **context) -> str:
    return ENV.get_template(name).render(**context)


def trusted(text: str) -> Markup:
    """Text written by this app (a constant script, JSON escaped for a script element), inserted as is."""
    return Markup(text)
