"""The cyclic garbage collector paused while a reader makes many small objects that cannot form cycles.

Reading a TopoJSON makes ~100,000 lists of numbers: each thousand new objects sets off a collection that
walks every object alive (the whole build's, a few hundred thousand), which took ~3/4 of json's time.
Reference counting still frees everything; the collector runs again as usual afterwards.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """No cyclic collection inside the block (re-enabled after it only if it was on before)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
