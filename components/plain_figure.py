"""A figure as the plain dict plotly.js is sent, without building a ``go.Figure`` per chart.

``go.Figure(data, layout, _validate=False).to_plotly_json()`` builds an object per trace, deep-copies
everything (plotly's whole default template included) and walks it for arrays, three times per chart
on a topic page (the graph's box height twice, the JSON once). This gives the same dict, key for key
and in the same order: each trace's and the layout's keys in plotly's own order (learnt once per set
of keys from plotly itself), ``type`` last on each trace, the default template last in the layout, and
numpy arrays as plotly's typed arrays. tests/test_plain_figure.py holds it equal to plotly's and valid.

The template is one shared dict and traces may share lists with their inputs: a figure is read, never
changed in place (reuse.framing copies before it frames one).
"""
from __future__ import annotations

import functools
import threading

import approx_size
import orjson
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def default_template() -> dict | None:
    """plotly's default template as go.Figure puts it in every layout (None when there is none): one dict,
    outside the bounded caches' size estimates (approx_size.shared), not counted once per figure."""
    template = go.Figure().to_plotly_json()["layout"].get("template")
    return approx_size.shared(template) if template is not None else None


@functools.lru_cache(maxsize=512)
def _trace_order(trace_type: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The order plotly gives a trace of ``trace_type`` with these keys (its constructor's order)."""
    with _lock:  # plotly's lazy class imports are not safe with several threads at once
        props = {k: 0 for k in keys if k != "type"}
        trace = go.Figure(data=[{"type": trace_type, **props}], _validate=False).data[0]
        return tuple(k for k in trace.to_plotly_json() if k != "type")


@functools.lru_cache(maxsize=256)
def _layout_order(keys: tuple[str, ...]) -> tuple[str, ...]:
    with _lock:
        layout = go.Layout(**{k: 0 for k in keys}, _validate=False)
        return tuple(layout.to_plotly_json())


def _ordered(d: dict, order: tuple[str, ...]) -> dict:
    return {k: d[k] for k in order}


def _set(d: dict) -> tuple[str, ...]:
    """The keys plotly keeps (it drops a top-level None)."""
    return tuple(k for k, v in d.items() if v is not None)


def _trace(t: dict) -> dict:
    trace_type = t.get("type", "scatter")
    out = _ordered(t, _trace_order(trace_type, _set(t)))
    out["type"] = trace_type
    return out


def figure(data: list[dict], layout: dict) -> dict:
    """{'data': [...], 'layout': {...}} exactly as ``go.Figure(data=data, layout=layout, _validate=False)
    .to_plotly_json()`` gives it."""
    traces = [_trace(t) for t in data]
    lay = _ordered(layout, _layout_order(_set(layout)))
    res = {"data": traces, "layout": lay}
    try:  # already plain lists, numbers and text (what the builders give): nothing for plotly to convert
        orjson.dumps(res)
    except TypeError:  # orjson refuses numpy and pandas objects, the very ones plotly converts
        convert_to_base64(res)  # numpy arrays as typed arrays, as plotly sends them
    if "template" not in lay and pio.templates.default is not None:
        lay["template"] = default_template()
    return res


def as_dict(figure) -> dict:
    """Any figure (a plain dict, a ``go.Figure``, None) as its plain dict; the builders already give dicts."""
    return figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else dict(figure or {})


def height(figure, default: int = 450) -> int:
    """The chart's height in pixels (plotly's default when the layout sets none): the room its SVG and its
    interactive chart take."""
    return int((as_dict(figure).get("layout") or {}).get("height") or default)
