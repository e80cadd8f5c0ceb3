"""The dashboard's entry point: ``gunicorn app:server`` in production, ``python app.py`` to develop.

Pages live in ``pages/``, the frame around them in ``components/shell.py`` and everything about serving
on the web in ``web/``. The app only reads releases: with none yet every page says how to build one.
"""
from __future__ import annotations

from dash import Dash

import config
import web
from components import shell
from web import security


def create_app() -> Dash:
    app = shell.ShellDash(__name__, server=web.create_server(), use_pages=True, pages_folder=str(config.ROOT / "pages"),
               assets_folder=str(config.ASSETS_DIR), assets_ignore=shell.ASSETS_IGNORE, title=config.SITE_TITLE, compress=True,
               suppress_callback_exceptions=False, serve_locally=True, update_title=None,
               meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    shell.install(app)
    web.install(app)
    return app


web.configure_logging()
app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(debug=config.DEV_DEBUG, dev_tools_disable_version_check=True, host=config.DEV_HOST,
            port=config.DEV_PORT, request_handler=security.QuietRequestHandler)
