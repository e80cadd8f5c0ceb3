"""Dash component tree -> HTML, so a page's first response is readable before any JavaScript runs.

A tree may hold components or their plain dicts (``components.plain_tree``, as page layouts return them).

The same layout function the Dash page uses is rendered here (one source of truth), with the markup
the React components produce (same tags and classes, so nothing moves when React takes over). Ids get
a prefix (``STATIC_PREFIX``) so they never collide with React's. Graphs are drawn by a callback
(``graph``) that the caller provides: inline SVG, or a fixed-size box while one is not drawn yet.
"""
from __future__ import annotations

import html as _html
import json
import re
from collections.abc import Callable

from components import plain_tree

STATIC_PREFIX = "ssr-"
VOID = {"input", "br", "hr", "img", "meta", "link", "col", "area", "base", "source", "track", "wbr"}
# Props that are React state or Dash plumbing, never attributes.
SKIP = {"children", "n_clicks", "n_clicks_timestamp", "loading_state", "setProps", "disable_n_clicks",
        "persistence", "persisted_props", "persistence_type", "data-dash-is-loading", "key"}
ATTR_NAMES = {"className": "class", "html_for": "for", "htmlFor": "for", "tabIndex": "tabindex",
              "colSpan": "colspan", "rowSpan": "rowspan", "readOnly": "readonly", "maxLength": "maxlength",
              "accessKey": "accesskey", "contentEditable": "contenteditable", "spellCheck": "spellcheck"}

ID_REFS = {"aria-describedby", "aria-labelledby", "aria-controls", "aria-owns", "html_for", "htmlFor", "list"}
GraphRenderer = Callable[[dict, float], str]


def esc(text) -> str:
    return _html.escape(str(text), quote=True)


def static_id(value) -> str:
    """The prefixed id of the static copy (dict ids, as Dash pattern-matching ids, become JSON)."""
    if isinstance(value, dict):
        value = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return STATIC_PREFIX + str(value)


def style_text(style: dict | None) -> str:
    """React's style object as CSS text (camelCase -> kebab-case; numbers get px like React does)."""
    out = []
    for key, value in (style or {}).items():
        if value is None:
            continue
        name = key if key.startswith("--") else re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value != 0 and name not in {
                "opacity", "z-index", "flex", "flex-grow", "flex-shrink", "font-weight", "line-height", "order"}:
            value = f"{value}px"
        out.append(f"{name}:{value}")
    return ";".join(out)


def attrs(props: dict) -> str:
    """HTML attributes for the props of an html.* component."""
    out = []
    for key, value in props.items():
        if key in SKIP or value is None or value is False:
            continue
        if key == "id":
            value = static_id(value)
        elif key in ID_REFS:  # references to ids point at the static copy's own elements
            value = " ".join(static_id(v) for v in str(value).split())
        elif key == "href" and str(value).startswith("#") and len(str(value)) > 1:
            value = "#" + static_id(str(value)[1:])
        elif key == "style":
            value = style_text(value)
            if not value:
                continue
        name = ATTR_NAMES.get(key, key)
        out.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    return "".join(out)


def classes(*names) -> str:
    return " ".join(n for n in names if n)


def element(tag: str, props: dict, inner: str) -> str:
    if tag in VOID:
        return f"<{tag}{attrs(props)}>"
    return f"<{tag}{attrs(props)}>{inner}</{tag}>"


class Renderer:
    """Renders one component tree; ``graph(props)`` gives the markup of a dcc.Graph."""

    def __init__(self, graph: GraphRenderer, path: str = ""):
        self.graph = graph
        self.path = path  # the page's URL path (navigation links mark it active, as dbc.NavLink does)
        self.fraction = 1.0  # of the container's width, at desktop size (dbc.Col lg/xl), for chart sizes

    def render(self, node) -> str:
        if node is None or node is False:
            return ""
        if isinstance(node, (list, tuple)):
            return "".join(self.render(n) for n in node)
        if isinstance(node, (str, int, float)):
            return esc(node)
        if not plain_tree.is_component(node):
            return esc(node)
        namespace, kind, props = plain_tree.parts(node)
        if namespace == "dash_html_components":
            return element(kind.lower(), props, self.render(props.get("children")))
        method = getattr(self, f"{'dcc' if namespace == 'dash_core_components' else 'dbc'}_{kind}", None)
        if method is None:  # unknown component: keep its text so the page stays readable
            return f"<div{attrs({'id': props.get('id'), 'className': props.get('className')})}>" \
                   f"{self.render(props.get('children'))}</div>"
        return method(props)

    # --- dcc ---------------------------------------------------------------------------------------

    def dcc_Location(self, p):
        return ""

    def dcc_Store(self, p):
        return ""

    def dcc_Link(self, p):
        return element("a", {"id": p.get("id"), "className": p.get("className"), "href": p.get("href"),
                             "title": p.get("title"), "style": p.get("style")}, self.render(p.get("children")))

    def dcc_Graph(self, p):
        return self.graph(p, self.fraction)

    def dcc_Input(self, p):
        return element("input", {"id": p.get("id"), "className": p.get("className"), "type": p.get("type", "text"),
                                 "value": p.get("value"), "name": p.get("name"),
                                 "placeholder": p.get("placeholder"), "style": p.get("style")}, "")

    # --- dash_bootstrap_components (the markup dbc 2 renders) ---------------------------------------

    def dbc_Container(self, p):
        fluid = p.get("fluid")
        base = "container-fluid" if fluid is True else (f"container-{fluid}" if fluid else "container")
        return element(p.get("tag") or "div", {"id": p.get("id"), "className": classes(base, p.get("className")),
                                               "style": p.get("style")}, self.render(p.get("children")))

    def dbc_Row(self, p):
        return element("div", {"id": p.get("id"), "className": classes("row", p.get("className")),
                               "style": p.get("style")}, self.render(p.get("children")))

    def dbc_Col(self, p):
        names = []
        for size in ("width", "xs", "sm", "md", "lg", "xl", "xxl"):
            value = p.get(size)
            if value is None:
                continue
            if isinstance(value, dict):
                value = value.get("size")
            infix = "" if size in ("width", "xs") else f"-{size}"
            names.append(f"col{infix}" if value is True else f"col{infix}-{value}")
        span = next((p[s] for s in ("xl", "lg", "md", "sm", "width") if isinstance(p.get(s), int)), 12)
        outer, self.fraction = self.fraction, self.fraction * span / 12
        try:
            inner = self.render(p.get("children"))
        finally:
            self.fraction = outer
        return element("div", {"id": p.get("id"), "className": classes(*(names or ["col"]), p.get("className")),
                               "style": p.get("style")}, inner)

    def dbc_Form(self, p):
        return element("form", {"id": p.get("id"), "className": p.get("className"), "style": p.get("style")},
                       self.render(p.get("children")))

    def dbc_Label(self, p):
        return element("label", {"id": p.get("id"), "className": classes("form-label", p.get("className")),
                                 "html_for": p.get("html_for"),
                                 "style": p.get("style")}, self.render(p.get("children")))

    def dbc_Select(self, p):
        options = "".join(
            f'<option value="{esc(o["value"])}"{" selected" if o["value"] == p.get("value") else ""}'
            f'{" disabled" if o.get("disabled") else ""}>{esc(o["label"])}</option>'
            for o in (p.get("options") or []))
        size = f"form-select-{p['size']}" if p.get("size") in ("sm", "lg") else None
        return element("select", {"id": p.get("id"), "className": classes("form-select", size, p.get("className")),
                                  "name": p.get("name"), "required": p.get("required"),
                                  "disabled": p.get("disabled"), "style": p.get("style")}, options)

    def _choices(self, p, kind: str):
        chosen = p.get("value")
        chosen = chosen if isinstance(chosen, list) else [chosen]
        item = classes("form-check", "form-check-inline" if p.get("inline") else None)
        out = []
        for n, o in enumerate(p.get("options") or []):
            input_id = f"{static_id(p.get('id'))}-{n}"
            out.append(
                f'<div class="{item}"><input type="{kind}" class="form-check-input" id="{esc(input_id)}"'
                f'{" checked" if o["value"] in chosen else ""}{" disabled" if o.get("disabled") else ""}>'
                f'<label class="form-check-label" for="{esc(input_id)}">{self.render(o["label"])}</label></div>')
        return f'<div{attrs({"id": p.get("id"), "className": p.get("className")})}>{"".join(out)}</div>'

    def dbc_RadioItems(self, p):
        return self._choices(p, "radio")

    def dbc_Checklist(self, p):
        return self._choices(p, "checkbox")

    def dbc_Card(self, p):
        return element("div", {"id": p.get("id"), "className": classes("card", p.get("className")),
                               "style": p.get("style")}, self.render(p.get("children")))

    def dbc_CardBody(self, p):
        return element("div", {"id": p.get("id"), "className": classes("card-body", p.get("className")),
                               "style": p.get("style")}, self.render(p.get("children")))

    def dbc_Badge(self, p):
        names = classes("badge", f"bg-{p.get('color', 'secondary')}",
                        f"text-{p['text_color']}" if p.get("text_color") else None, p.get("className"))
        return element("span", {"id": p.get("id"), "className": names, "style": p.get("style")},
                       self.render(p.get("children")))

    def dbc_Table(self, p):
        names = classes("table", "table-striped" if p.get("striped") else None,
                        "table-bordered" if p.get("bordered") else None, "table-hover" if p.get("hover") else None,
                        "table-sm" if p.get("size") == "sm" else None, p.get("className"))
        return element("table", {"id": p.get("id"), "className": names, "style": p.get("style")},
                       self.render(p.get("children")))

    def dbc_Navbar(self, p):
        style = dict(p.get("style") or {})
        color = p.get("color")
        named = color in {"primary", "secondary", "success", "info", "warning", "danger", "light", "dark"}
        if color and not named:
            style["backgroundColor"] = color
        names = classes("navbar", f"navbar-expand-{p.get('expand', 'md')}" if p.get("expand") is not False else None,
                        f"bg-{color}" if named else None, p.get("className"))
        theme = {"data-bs-theme": "dark"} if p.get("dark") else {}
        return element(p.get("tag") or "nav", {"id": p.get("id"), "className": names, "style": style, **theme},
                       self.render(p.get("children")))

    def dbc_Nav(self, p):
        names = classes("nav", "navbar-nav" if p.get("navbar") else None, p.get("className"))
        return element("div", {"id": p.get("id"), "className": names, "style": p.get("style")},
                       self.render(p.get("children")))

    def dbc_NavItem(self, p):
        return element("div", {"id": p.get("id"), "className": classes("nav-item", p.get("className")),
                               "style": p.get("style")}, self.render(p.get("children")))

    def dbc_NavLink(self, p):
        href, active = str(p.get("href") or "").split("?")[0], p.get("active")
        on = active is True or (active == "exact" and href == self.path) or (
            active == "partial" and self.path.startswith(href))
        return element("a", {"id": p.get("id"), "className": classes("nav-link", "active" if on else None,
                                                                     p.get("className")),
                             "href": p.get("href"), "style": p.get("style")}, self.render(p.get("children")))

    def dbc_Collapse(self, p):
        names = classes("collapse", "navbar-collapse" if p.get("navbar") else None,
                        "show" if p.get("is_open") else None, p.get("className"))
        return element("div", {"id": p.get("id"), "className": names, "style": p.get("style")},
                       self.render(p.get("children")))


def render(tree, graph: GraphRenderer, path: str = "") -> str:
    """The HTML of ``tree`` for the page at URL ``path``, graphs drawn by ``graph``."""
    return Renderer(graph, path).render(tree)
