"""A response cache for the Pages router callback, keyed on release, home area and URL.

Every view is a pure function of (release, home area, path, query), so the router's JSON reply
can be kept (already gzipped) and served again without rebuilding or re-serialising the page.
This is what makes a district switch about as cheap as serving a static file.
"""
from __future__ import annotations

import gzip
from collections import OrderedDict
from threading import Lock

from flask import Flask, Response, g, request

try:
    import brotli
except ImportError:  # flask-compress works without it; then gzip only
    brotli = None

import data_access

ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
MAX_ENTRIES = 1024


class RouterCache:
    """LRU of (release, home, path, search, encoding) -> (body bytes, content encoding)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._data: OrderedDict = OrderedDict()
        self._lock = Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
            return None

    def put(self, key, value):
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def clear(self):
        with self._lock:
            self._data.clear()


_STATIC: dict[tuple[str, str], bytes] = {}


def compress_static(response: Response) -> Response:
    """Compress an immutable (fingerprinted) file once at a high level and reuse the bytes.

    flask-compress then leaves it alone (Content-Encoding is set) and keeps its fast default levels
    for dynamic responses.
    """
    accept = request.headers.get("Accept-Encoding", "").lower()
    encoding = "br" if ("br" in accept and brotli is not None) else "gzip" if "gzip" in accept else None
    if encoding is None or response.status_code != 200 or "Content-Encoding" in response.headers:
        return response
    key = (request.full_path, encoding)
    response.direct_passthrough = False
    if key not in _STATIC:
        data = response.get_data()
        _STATIC[key] = brotli.compress(data, quality=9) if encoding == "br" else gzip.compress(data, 9)
    else:
        response.close()  # the file send_file opened is not needed: the compressed bytes are cached
    response.set_data(_STATIC[key])
    response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    return response


def _router_key():
    if request.method != "POST" or not request.path.endswith("_dash-update-component"):
        return None
    body = request.get_json(silent=True, cache=True)
    if not isinstance(body, dict) or body.get("output") != ROUTER_OUTPUT:
        return None
    inputs = {(i.get("id"), i.get("property")): i.get("value") for i in body.get("inputs", []) if isinstance(i, dict)}
    path = inputs.get(("_pages_location", "pathname"))
    search = inputs.get(("_pages_location", "search"))
    if not isinstance(path, str) or not isinstance(search, (str, type(None))):
        return None
    try:
        release_id = data_access.current_release_id()
    except data_access.NoReleaseError:
        return None
    encoding = "gzip" if "gzip" in request.headers.get("Accept-Encoding", "").lower() else "identity"
    return (data_access.processed_dir().as_posix(), release_id, data_access.home_area_code(), path, search or "",
            encoding)


def install(server: Flask, cache: RouterCache) -> None:
    """Serve router replies from ``cache``; store (gzipped) replies the router computes."""

    @server.before_request
    def _serve_cached():
        key = _router_key()
        if key is None:
            return None
        g.pdp_router_key = key
        hit = cache.get(key)
        if hit is None:
            return None
        body, encoding = hit
        response = Response(body, mimetype="application/json")
        if encoding != "identity":
            response.headers["Content-Encoding"] = encoding
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["X-PDP-Cache"] = "hit"
        return response

    @server.after_request
    def _store(response):
        key = g.pop("pdp_router_key", None)
        if key is None or response.status_code != 200 or "Content-Encoding" in response.headers:
            return response
        body = response.get_data()
        encoding = key[-1]
        if encoding == "gzip":
            body = gzip.compress(body, compresslevel=6)
            response.set_data(body)
            response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        cache.put(key, (body, encoding))
        return response
