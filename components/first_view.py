"""The first response of a page URL carries the page already rendered, so it is readable before any
JavaScript runs (issue 12 item 1).

The page's own Dash layout function (the one the router callback calls) is rendered to HTML by
``components.static_html`` into a copy of the shell placed before Dash's ``react-entry-point``. Dash's
scripts are deferred; React renders into its (invisible, same-size) root, and ``assets/pdp.js`` swaps the
two once React's page has drawn, so nothing moves. Charts come as inline SVG from ``static_charts``.
"""
from __future__ import annotations

import contextvars
import copy
import logging
import os
import threading
from urllib.parse import urlencode

import dash
from dash import _pages

from components import static_charts, static_html

log = logging.getLogger(__name__)

# While set, page layouts render in full although the request is a page GET (see views.is_validation_call).
RENDERING = contextvars.ContextVar("pdp_first_view_rendering", default=False)
STATIC_ROOT_ID = "pdp-static"
WARM_UP_HEADER = "X-PDP-Warm-Up"
_prerendered: set[str] = set()
PRERENDER = os.environ.get("PDP_FIRST_VIEW_PRERENDER", "1") == "1"  # draw default views after a release loads


def page_for(path: str):
    """The registered page and its path variables for a URL path, or (None, None)."""
    page, variables = _pages._path_to_page(path.strip("/"))
    return (page or None), (variables or {})


def page_tree(shell, path: str, args) -> object | None:
    """The shell with the page's layout in the page container, as the router callback would fill it."""
    page, variables = page_for(path)
    if page is None or page["module"].endswith("not_found_404"):
        return None
    layout = page["layout"]
    query = {k: (v[0] if len(v) == 1 else v) for k, v in args.lists()} if hasattr(args, "lists") else dict(args)
    token = RENDERING.set(True)
    try:
        content = layout(**variables, **query) if callable(layout) else layout
        tree = shell()
    finally:
        RENDERING.reset(token)
    return with_content(tree, content)


def with_content(node, content):
    """``node`` with ``content`` in Dash Pages' ``_pages_content`` div: the components on the way there are
    copies, the rest shared. Never in place: ``dash.page_container`` is one object that the app's layout
    (``/_dash-layout``) shares with every request, so filling it would send React the page this process
    rendered last (another reader's page, maybe), which the router callback then replaces as a whole."""
    if getattr(node, "id", None) == "_pages_content":
        filled = copy.copy(node)
        filled.children = content
        return filled
    children = getattr(node, "children", None)
    if isinstance(children, (list, tuple)):
        new = [with_content(c, content) for c in children]
        changed = any(a is not b for a, b in zip(new, children))
    elif children is not None and hasattr(children, "to_plotly_json"):
        new = with_content(children, content)
        changed = new is not children
    else:
        return node
    if not changed:
        return node
    out = copy.copy(node)
    out.children = new
    return out


def render_page(shell, path: str, args, graph=None) -> str | None:
    """The static HTML of the page at ``path`` with query ``args`` (None when there is no such page);
    charts as inline SVG where drawn in time (``static_charts.PageCharts``)."""
    graph = graph or static_charts.PageCharts()
    try:
        tree = page_tree(shell, path, args)
        if tree is None:
            return None
        return f'<div id="{STATIC_ROOT_ID}">{static_html.render(tree, graph, path)}</div>'
    except Exception:  # noqa: BLE001 - the interactive page still renders; never a 500 for the first view
        log.exception("first view of %s?%s failed", path, urlencode(list(getattr(args, "items", dict)())))
        return None


def prerender_once(shell, server) -> None:
    """``prerender_defaults`` for the current release, asked once per release in this process."""
    import data_access

    try:
        release_id = data_access.load().id
    except data_access.NoReleaseError:
        return
    if PRERENDER and release_id not in _prerendered:
        _prerendered.add(release_id)
        prerender_defaults(shell, release_id, server)


def prerender_defaults(shell, release_id: str, server) -> bool:
    """Draw the charts of every page's default view of ``release_id`` in the background, once per release
    on this host (the first worker to ask claims it in the shared disk cache). False if already claimed."""
    if not static_charts.claim(f"prerender:{release_id}"):
        return False

    def run():
        import flask

        for page in list(dash.page_registry.values()):
            if page.get("path_template") or page["module"].endswith("not_found_404"):
                continue
            with server.test_request_context(page["path"]):
                render_page(shell, page["path"], flask.request.args, static_charts.PageCharts(wait=120))
        log.info("first views of release %s drawn", release_id)

    threading.Thread(target=run, name="pdp-first-view-prerender", daemon=True).start()
    return True


def is_registered_page(path: str) -> bool:
    page, _ = page_for(path)
    return page is not None and page in dash.page_registry.values()
