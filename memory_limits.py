"""Keeping a long-running worker's resident memory close to what it holds (glibc malloc tuning).

Why: a threaded gunicorn worker frees most of what a request allocates, but glibc keeps freed memory in
per-thread arenas (up to 8 per core) and at the top of the heap, so RSS ratchets up request after request.
Fewer arenas and a periodic ``malloc_trim`` return it. Both are no-ops where glibc is absent (macOS, musl).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # mallopt parameter (glibc malloc.h)


def _libc():
    try:
        name = ctypes.util.find_library("c")
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


_LIBC = _libc()


def few_arenas(count: int | None = None) -> bool:
    """Cap glibc's malloc arenas (default PDP_MALLOC_ARENAS, 2): threads share them instead of each
    keeping its own fragmented heap. True if applied."""
    count = count or int(os.environ.get("PDP_MALLOC_ARENAS", "2"))
    fn = getattr(_LIBC, "mallopt", None)
    return bool(fn and fn(M_ARENA_MAX, count))


def trim() -> bool:
    """Return freed heap memory to the operating system; True if glibc released any."""
    fn = getattr(_LIBC, "malloc_trim", None)
    return bool(fn and fn(0))
