"""Work derived from a data frame, kept while the frame lives.

A period's ranking and map frames and a measure's strip table are built once (the release's query memo)
and then read by every district's view: their cells as text, their rows as records. Keyed on the frame
itself (by identity, with a weak reference, since frames cannot be dict keys): an entry goes when its frame
goes, so this never holds more than the caches that hold the frames. Results are shared: read, never
changed.
"""
from __future__ import annotations

import functools
import threading
import weakref

_memo: dict[tuple[int, object], tuple[weakref.ref, object]] = {}
_lock = threading.RLock()


def derived(frame, what, compute):
    """``compute()`` for ``frame`` and ``what`` (hashable), worked out once while ``frame`` lives."""
    key = (id(frame), what)
    hit = _memo.get(key)
    if hit is not None and hit[0]() is frame:
        return hit[1]
    value = compute()
    entry = (weakref.ref(frame, functools.partial(_forget, key)), value)
    with _lock:
        _memo[key] = entry
    return value


def _forget(key, ref, memo=_memo, lock=_lock) -> None:
    """A frame went: its entry goes (unless a newer frame with the same id has it already). Runs from the
    garbage collector, maybe while this thread holds the lock (hence a re-entrant one), maybe at interpreter
    exit after this module's globals are gone (hence the bound defaults)."""
    with lock:
        if memo.get(key, (None,))[0] is ref:
            del memo[key]


def size() -> int:
    """Entries held now (frames alive that have derived work)."""
    return len(_memo)
