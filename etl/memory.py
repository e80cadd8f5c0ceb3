"""Freed memory handed back to the system between the build's phases.

At national scale the build frees hundreds of MB of per-file frames after combining them; glibc keeps
freed blocks in its heap (only the top of the heap is returned), so the process holds them while the
next phase allocates afresh. ``malloc_trim`` returns the free pages; pyarrow's pool is asked the same.
Where there is no glibc (macOS, musl) this does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools

import pyarrow as pa


@functools.cache
def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def give_back() -> None:
    """Return freed heap pages (glibc) and pyarrow's unused pool memory to the system."""
    pa.default_memory_pool().release_unused()
    if (libc := _libc()) is not None:
        libc.malloc_trim(0)
