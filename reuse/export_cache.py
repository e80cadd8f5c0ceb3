"""Rendered images and PDFs on disk (diskcache), bounded in bytes and in count, shared by the workers
(and, with ``PDP_REDIS_URL``, by every host through the shared cache as a second level).

diskcache evicts the least recently stored entries beyond ``max_bytes``; entries beyond ``max_items``
are evicted oldest first as well, so neither callers choosing image sizes nor many distinct views can
grow it without bound. Keys name everything that decides the content (chart, view, release, size; for
a PDF the report's own HTML), never the request's Host. Renders for one key are not run twice at once
in a process (a per-key lock), so a burst of identical requests costs one render.
"""
from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import diskcache

import config

MB = 1024 * 1024


def folder_for(name: str) -> Path:
    """``<PDP_EXPORT_CACHE_DIR or the temp folder's pdp-exports>/<name>``."""
    return Path(config.EXPORT_CACHE_DIR or Path(tempfile.gettempdir()) / "pdp-exports") / name


class ExportCache:
    """``get_or_render(key, render)``: the stored bytes for ``key``, rendering them only when absent."""

    def __init__(self, folder: str | Path, *, max_items: int | None = None, max_bytes: int | None = None,
                 shared=None):
        self.folder = Path(folder)
        # a second level every host shares (web.shared_cache: Redis), or None on one machine
        self.shared = shared
        self.max_items = max_items or config.EXPORT_CACHE_ITEMS
        self.max_bytes = max_bytes or config.EXPORT_CACHE_MB * MB
        self._cache: diskcache.Cache | None = None
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def _store(self) -> diskcache.Cache:
        """Opened on first use, so each gunicorn worker opens it after the fork."""
        with self._lock:
            if self._cache is None:
                self._cache = diskcache.Cache(str(self.folder), size_limit=self.max_bytes,
                                              eviction_policy="least-recently-stored", cull_limit=16)
            return self._cache

    def get(self, key: str) -> bytes | None:
        return self._store().get(key)

    def get_or_render(self, key: str, render: Callable[[], bytes]) -> bytes:
        data = self.get(key)
        if data is not None:
            return data
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            data = self.get(key)  # another thread may have rendered it while we waited
            if data is None and self.shared is not None:
                data = self.shared.get(("export", self.folder.name, key))
                if data is not None:
                    self._put(key, data)
            if data is None:
                data = render()
                self._put(key, data)
                if self.shared is not None:
                    self.shared.set(("export", self.folder.name, key), data)
        with self._lock:
            self._key_locks.pop(key, None)
        return data

    def _put(self, key: str, data: bytes) -> None:
        store = self._store()
        store.set(key, data)
        while len(store) > self.max_items:
            try:
                oldest, _ = store.peekitem(last=False)
            except KeyError:  # another worker emptied it meanwhile
                break
            store.delete(oldest)

    def clear(self) -> None:
        self._store().clear()
