"""Charts of the first view as inline SVG, drawn by the export browser (kaleido) and cached.

The SVG of a figure depends only on the figure and its size, so the cache key is a hash of both: the
same view (release x home area x page x query) gives the same figure and hits the cache, and a figure
that changed can never be served stale. Two levels: a bounded dict in the process, then the bounded disk
cache the image exports use (shared by every worker on the host, and Redis across hosts when set up).

A request never waits long for the browser: ``PageCharts`` waits up to ``WAIT`` seconds for the charts
not cached yet, then sends a fixed-size box where the chart will be (React draws it there moments later).
Renders carry on in the background and fill the cache for the next request. At most ``QUEUE`` renders
wait at a time: past that a page gets boxes and starts nothing, so a flood of never-seen views cannot pile
up work (and memory) behind the export browser.
"""
from __future__ import annotations

import collections
import concurrent.futures
import hashlib
import json
import logging
import os
import re
import threading
import time

import plotly.io as pio

from components import plain_figure, static_html

log = logging.getLogger(__name__)

WAIT = float(os.environ.get("PDP_FIRST_VIEW_WAIT", "0.25"))  # seconds a page waits for uncached charts
MEMORY_ITEMS = int(os.environ.get("PDP_FIRST_VIEW_SVG_ITEMS", "256"))
QUEUE = int(os.environ.get("PDP_FIRST_VIEW_SVG_QUEUE", "24"))  # renders running or waiting, per process
# The page at >= 1200 px (container-lg is 1140 px): 24 px of gutter and 34 px of card padding and border.
CONTAINER = 1140
_EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pdp-svg")
_memory: collections.OrderedDict[str, str] = collections.OrderedDict()
_pending: dict[str, concurrent.futures.Future] = {}
_lock = threading.Lock()
_disk = None
XML_HEAD = re.compile(r"^\s*<\?xml[^>]*>\s*")


def width_for(fraction: float, spark: bool = False) -> int:
    """The chart's width at desktop size for a column ``fraction`` of the container."""
    return max(120, int(CONTAINER * fraction) - 24 - (34 if not spark else 34))


def key_for(spec_json: str, width: int, height: int) -> str:
    return hashlib.sha256(f"{width}x{height}\n{spec_json}".encode("utf-8")).hexdigest()


def _disk_cache():
    global _disk
    if _disk is None:
        from reuse.export_cache import ExportCache, folder_for

        _disk = ExportCache(folder_for("first-view-svg"))
    return _disk


def _remember(key: str, svg: str) -> None:
    with _lock:
        _memory[key] = svg
        _memory.move_to_end(key)
        while len(_memory) > MEMORY_ITEMS:
            _memory.popitem(last=False)


def cached(key: str) -> str | None:
    with _lock:
        if key in _memory:
            _memory.move_to_end(key)
            return _memory[key]
    data = _disk_cache().get(key)
    if data is not None:
        svg = data.decode("utf-8")
        _remember(key, svg)
        return svg
    return None


def _render(key: str, spec: dict, width: int, height: int) -> str:
    from reuse.browser import RENDER_TIMEOUT, in_browser

    opts = {"format": "svg", "width": width, "height": height, "scale": 1}
    data = _disk_cache().get_or_render(key, lambda: _svg_bytes(
        in_browser(lambda k: k.calc_fig(spec, opts=opts), RENDER_TIMEOUT + 5, "drawing a chart for a first view")))
    svg = data.decode("utf-8")
    _remember(key, svg)
    return svg


def _svg_bytes(data) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def render_async(key: str, spec: dict, width: int, height: int) -> concurrent.futures.Future | None:
    """The render of ``key`` (one per key at a time), started in the background if not running; None when
    ``QUEUE`` renders are already running or waiting."""
    with _lock:
        future = _pending.get(key)
        if future is None:
            if len(_pending) >= QUEUE:
                return None
            try:
                future = _EXECUTOR.submit(_render, key, spec, width, height)
            except RuntimeError:  # the process is shutting down: a box, not an error
                return None
            _pending[key] = future
        else:
            return future
    # Outside the lock: a render already done runs the callback at once, in this thread.
    future.add_done_callback(lambda _f: _forget(key))
    return future


def _forget(key: str) -> None:
    with _lock:
        _pending.pop(key, None)


def claim(name: str, seconds: int = 3600) -> bool:
    """True for the first caller on this host (every worker shares the disk cache) within ``seconds``."""
    return bool(_disk_cache()._store().add(f"claim:{name}", 1, expire=seconds))


def clear() -> None:
    """Forget the in-process copies (tests; the disk cache is keyed on content, so it cannot go stale)."""
    with _lock:
        _memory.clear()


def inline_svg(svg: str) -> str:
    """The SVG scaled to its box (viewBox kept), hidden from assistive technology: the box is the image."""
    svg = XML_HEAD.sub("", svg)
    return re.sub(r"^<svg\b", '<svg aria-hidden="true" focusable="false" preserveAspectRatio="xMidYMid meet"',
                  svg, count=1).replace(' width="', ' data-width="', 1).replace(' height="', ' data-height="', 1)


class PageCharts:
    """The graph callback for one page render: cached SVG now, the rest after at most ``WAIT`` seconds."""

    def __init__(self, wait: float | None = None, draw: bool = True):
        self.deadline = time.monotonic() + (WAIT if wait is None else wait)
        self.draw = draw
        self.drawn = 0
        self.boxes = 0

    def __call__(self, props: dict, fraction: float = 1.0) -> str:
        spec = plain_figure.as_dict(props.get("figure"))
        height = plain_figure.height(spec)
        spark = "pdp-spark" in str(props.get("className") or "")
        width = width_for(fraction, spark)
        spec_json = pio.json.to_json_plotly(spec)
        key = key_for(spec_json, width, height)
        svg = cached(key)
        if svg is None and self.draw:
            future = render_async(key, json.loads(spec_json), width, height)
            try:
                svg = None if future is None else future.result(timeout=max(0.0, self.deadline - time.monotonic()))
            except concurrent.futures.TimeoutError:
                svg = None
            except Exception:  # noqa: BLE001 - a box instead of a chart; React draws it anyway
                log.warning("first-view chart not drawn", exc_info=True)
                svg = None
        names = static_html.classes("dash-graph", props.get("className"), "pdp-static-graph")
        attrs = static_html.attrs({"id": props.get("id"), "className": names, "style": {"height": f"{height}px"}})
        if svg is None:
            self.boxes += 1
            return f"<div{attrs}></div>"
        self.drawn += 1
        return f"<div{attrs}>{inline_svg(svg)}</div>"
