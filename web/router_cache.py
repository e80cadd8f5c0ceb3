"""A response cache for the Pages router callback, keyed on release, home area and URL.

Every view is a pure function of (release, home area, path, query), so the router's JSON reply
can be kept (already gzipped) and served again without rebuilding or re-serialising the page.
This is what makes a district switch about as cheap as serving a static file. Fingerprinted static
files are compressed once here too. Both caches are bounded in entries and bytes.
"""
from __future__ import annotations

import contextlib
import gzip
import os
import sys
import threading
from collections import OrderedDict
from pathlib import Path
from threading import Lock

import dash
from dash.fingerprint import check_fingerprint
from flask import Flask, Response, g, request

try:
    import brotli
except ImportError:  # flask-compress works without it; then gzip only
    brotli = None

import config
import data_access
from components import freshness

ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
MAX_ENTRIES = 1024
# Router replies are compressed once, when first computed, on the request's own time: brotli at quality 3 is
# both faster and smaller than gzip's default level 6 (real release, 105 KB of JSON: 0.6 ms / 16 KB vs
# 1.6 ms / 18 KB); gzip at level 4 for clients without brotli (1.0 ms / 19 KB).
ROUTER_BROTLI_QUALITY = 3
ROUTER_GZIP_LEVEL = 4
MB = 1024 * 1024
ONE_YEAR = 31536000


class BoundedCache:
    """A thread-safe LRU bounded both in entries and in bytes (an entry larger than the whole is not kept)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int | None = None):
        self.max_entries = max_entries
        self.max_bytes = max_bytes if max_bytes is not None else config.ROUTER_CACHE_MB * MB
        self._data: OrderedDict = OrderedDict()
        self._sizes: dict = {}
        self._lock = Lock()
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            return None

    def put(self, key, value, nbytes: int | None = None):
        """Keep ``value`` (``nbytes`` long; default ``len(value)``), evicting the least recently used."""
        size = len(value) if nbytes is None else nbytes
        with self._lock:
            self._drop(key)
            if size > self.max_bytes:
                return
            self._data[key] = value
            self._sizes[key] = size
            self.nbytes += size
            while len(self._data) > self.max_entries or self.nbytes > self.max_bytes:
                self._drop(next(iter(self._data)))

    def clear(self):
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self.nbytes = 0

    def _drop(self, key) -> None:
        if key in self._data:
            del self._data[key]
            self.nbytes -= self._sizes.pop(key)


class RouterCache(BoundedCache):
    """Router replies: (release, home, path, search, encoding) -> (body bytes, content encoding).

    With a ``shared`` cache (Redis) this process's memory is the small first level and Redis the
    second, so a page rendered by any process on any host is rendered once per release."""

    def __init__(self, *args, shared=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shared = shared

    def get(self, key):
        hit = super().get(key)
        if hit is None and self.shared is not None:
            body = self.shared.get(_shared_parts(key))
            if body is not None:
                hit = (body, key[-1])
                super().put(key, hit, len(body))
        return hit

    def put(self, key, value, nbytes: int | None = None):
        super().put(key, value, len(value[0]) if nbytes is None else nbytes)
        if self.shared is not None:
            self.shared.set(_shared_parts(key), value[0])


def _shared_parts(key: tuple) -> tuple:
    """The key without this host's folder: the store's location names the releases for every host."""
    return ("router", config.processed_location(), *key[1:])


STATIC = BoundedCache(max_entries=256, max_bytes=config.STATIC_CACHE_MB * MB)


def real_fingerprint() -> str | None:
    """The file behind this static request if its fingerprint is the file's own (mtime), else None.

    Dash links assets as ``/assets/<file>?m=<mtime>`` and package files as
    ``/_dash-component-suites/<package>/<name>.v<version>m<mtime>.<ext>``; any other ``m`` is made up
    by the client and must neither be cached nor be marked immutable.
    """
    path = request.path
    if path.startswith("/assets/"):
        file = _inside(Path(dash.get_app().config.assets_folder), path[len("/assets/"):])
        if file is not None and request.args.get("m") == str(os.path.getmtime(file)):
            return str(file)
        return None
    package, _, fingerprinted = path[len("/_dash-component-suites/"):].partition("/")
    plain, has_fingerprint = check_fingerprint(fingerprinted)
    module = sys.modules.get(package)
    if not has_fingerprint or module is None or not getattr(module, "__file__", None):
        return None
    file = _inside(Path(module.__file__).parent, plain)
    stamp = fingerprinted.split("/")[-1].split(".")[1].rpartition("m")[2]
    if file is not None and stamp == str(int(os.stat(file).st_mtime)):
        return str(file)
    return None


def _inside(folder: Path, relative: str) -> Path | None:
    folder = folder.resolve()
    file = (folder / relative).resolve()
    return file if file.is_file() and folder in file.parents else None


def compress_static(response: Response) -> Response:
    """Mark a truly fingerprinted file immutable, compress it once at a high level and reuse the bytes.

    The cache is keyed on the file, its mtime and the encoding (never on the query string), and is
    bounded. flask-compress then leaves the response alone (Content-Encoding is set) and keeps its
    fast default levels for everything else, including static files without a real fingerprint.
    """
    file = real_fingerprint() if response.status_code == 200 else None
    if file is None:
        return response
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    encoding = accepted_encoding()
    if encoding == "identity" or "Content-Encoding" in response.headers:
        return response
    key = (file, os.path.getmtime(file), encoding)
    response.direct_passthrough = False
    body = STATIC.get(key)
    if body is None:
        data = response.get_data()
        body = brotli.compress(data, quality=9) if encoding == "br" else gzip.compress(data, 9)
        STATIC.put(key, body)
    else:
        response.close()  # the file send_file opened is not needed: the compressed bytes are cached
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    return response


class _Bypass(threading.local):
    on = False


_BYPASS = _Bypass()


@contextlib.contextmanager
def bypassed():
    """Requests in this block (on this thread) are rendered by the router: neither cache nor pack answers
    them, and nothing is stored (``view_pack`` renders packs so)."""
    _BYPASS.on = True
    try:
        yield
    finally:
        _BYPASS.on = False


def from_pack(key: tuple) -> tuple[bytes, str] | None:
    """The view pack's reply for this router request, in the client's encoding (the pack holds brotli)."""
    from web import view_pack  # not at import: `python -m web.view_pack` imports this module first

    packed = view_pack.reply(key[3], key[4])
    if packed is None:
        return None
    encoding = key[-1]
    return (packed if encoding == "br" else compress_reply(brotli.decompress(packed), encoding)), encoding


def _router_key():
    if _BYPASS.on or request.method != "POST" or not request.path.endswith("_dash-update-component"):
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
    # the day's "newer data may be available" notices are part of a topic view
    notices = freshness.notices_state(release_id, freshness.today())
    return (data_access.processed_dir().as_posix(), release_id, data_access.home_area_code(), path, search or "",
            notices, accepted_encoding())


def accepted_encoding() -> str:
    """The encoding this request's Accept-Encoding takes (werkzeug's parse: qualities, "gzip;q=0" refuses
    gzip): br, else gzip, else identity. Router replies and fingerprinted files are kept in it."""
    accept = request.accept_encodings
    return "br" if brotli is not None and accept["br"] else "gzip" if accept["gzip"] else "identity"


def compress_reply(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=ROUTER_BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=ROUTER_GZIP_LEVEL) if encoding == "gzip" else body


def install(server: Flask, cache: RouterCache) -> None:
    """Serve router replies from ``cache``; store (gzipped) replies the router computes."""

    @server.before_request
    def _serve_cached():
        key = _router_key()
        if key is None:
            return None
        g.pdp_router_key = key
        hit, source = cache.get(key), "hit"
        if hit is None:
            hit, source = from_pack(key), "pack"
            if hit is None:
                return None
            if hit[1] != "br":  # re-encoded for this client: kept, so it is done once
                cache.put(key, hit)
        body, encoding = hit
        response = Response(body, mimetype="application/json")
        if encoding != "identity":
            response.headers["Content-Encoding"] = encoding
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["X-PDP-Cache"] = source
        return response

    @server.after_request
    def _store(response):
        key = g.pop("pdp_router_key", None)
        if key is None or _BYPASS.on or response.status_code != 200 or "Content-Encoding" in response.headers:
            return response
        body = response.get_data()
        encoding = key[-1]
        if encoding != "identity":
            body = compress_reply(body, encoding)
            response.set_data(body)
            response.headers["Content-Encoding"] = encoding
        response.headers["Vary"] = "Accept-Encoding"
        cache.put(key, (body, encoding))
        return response
