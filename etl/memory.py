"""Freed memory handed back to the system between the build's phases.

At national scale the build frees hundreds of MB of per-file frames after combining them; glibc keeps
freed blocks in its heap (only the top of the heap is returned), so the process holds them while the
next phase allocates afresh. glibc's ``malloc_trim`` (``memory_limits.trim``, as gunicorn's workers use it)
returns the free pages; pyarrow's pool is asked the same. Where there is no glibc only pyarrow's is.
"""
from __future__ import annotations

import pyarrow as pa

import memory_limits


def give_back() -> None:
    """Return freed heap pages (glibc) and pyarrow's unused pool memory to the system."""
    pa.default_memory_pool().release_unused()
    memory_limits.trim()
