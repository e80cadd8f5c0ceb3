"""A Dash component tree as the plain, JSON-native tree Dash sends for it.

Dash encodes a callback's output with plotly's ``to_json_plotly``: orjson first, and when that fails on
the first Dash component, ``clean_to_json_compatible`` walks the whole output in Python (every figure's
every node, plotly's default template of ~1,000 nodes once per chart) before orjson runs again. A page
given as ``tree(layout)`` has no component left, so orjson's first try encodes it: the same JSON, in a
fraction of the time (tests/test_plain_tree.py holds it equal to Dash's own on real views).

A component's ``data-*`` and ``aria-*`` props are put in name order: Dash lists them in an order that
follows the process's string hashes, so two processes (gunicorn workers of different masters, the view
pack's renderer) would otherwise send the same page as different bytes.

Only components and the lists holding them are walked; dicts (figures, styles, stores' data) are taken
as they are. Anything left that orjson cannot encode sends Dash down its own walk as before, so a miss
costs speed, never a different answer.
"""
from __future__ import annotations

from dash.development.base_component import Component


def tree(node):
    """``node`` with every Dash component replaced by its ``to_plotly_json()`` (props, type, namespace)."""
    if isinstance(node, Component):
        out = node.to_plotly_json()  # a new dict each call: filling it in leaves the component alone
        props = out["props"]
        wildcards = [k for k in props if "-" in k]  # data-* and aria-*: in Dash's order, which follows str hashes
        if len(wildcards) > 1:
            for key in sorted(wildcards):
                props[key] = props.pop(key)
        for key, value in props.items():
            if isinstance(value, (Component, list, tuple)):
                props[key] = tree(value)
        return out
    if isinstance(node, (list, tuple)):
        return [tree(n) for n in node]
    return node


def is_component(node) -> bool:
    """A component in either form: a Dash component or its plain dict from ``tree``."""
    return isinstance(node, Component) or (isinstance(node, dict) and "namespace" in node and "type" in node
                                           and "props" in node)


def parts(node) -> tuple[str, str, dict]:
    """(namespace, type, a copy of the props) of a component in either form."""
    if isinstance(node, Component):
        return node._namespace, node._type, dict(node.to_plotly_json()["props"])
    return node["namespace"], node["type"], dict(node["props"])
