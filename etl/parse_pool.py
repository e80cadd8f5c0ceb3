"""Parsing files on two cores: a fork pool whose results come back in the files' order.

Files are independent (one parser, one file), so two processes halve the wall time of a folder of
many pages. Output never depends on it: every file's outcome (its table, its hash, its problems) is
the same object the serial reader makes, handed back in the files' order, and any file whose outcome
cannot come back (a worker killed, a result that does not pickle) is parsed again here, in this
process. The pool is used only where it is safe and worth it: ``fork`` exists (the workers inherit the
loaded modules, so they start in milliseconds), more than one core is usable, there are several files,
and this process runs no other Python thread (a thread holding a lock at the fork could hang the
child). ``PDP_PARSE_WORKERS=1`` forces the serial reader.
"""
from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
MAX_WORKERS = 2  # the machines this runs on share 2 cores; more workers only add memory
MIN_BYTES = 1 << 20  # below ~1 MiB of files a fork costs more than it saves

_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None  # what the forked workers run (inherited)


def workers_for(sizes: Sequence[int]) -> int:
    """How many processes to parse files of these ``sizes`` with: 1 (here, serially) or up to ``MAX_WORKERS``."""
    wanted = os.environ.get("PDP_PARSE_WORKERS", "").strip()
    limit = int(wanted) if wanted.isdigit() else MAX_WORKERS
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    if (not hasattr(os, "fork") or threading.active_count() > 1
            or len(sizes) < 2 or sum(sizes) < MIN_BYTES):
        return 1
    return max(1, min(limit, cores, len(sizes)))


def _run(index: int):
    fn, items = _JOB
    return fn(items[index])


def ordered_map(fn: Callable[[Any], T], items: Sequence[Any], workers: int,
                sizes: Sequence[int] | None = None) -> Iterator[T]:
    """``fn(item)`` for every item, yielded in the items' order; on ``workers`` forked processes when more
    than one (the largest items first, so no worker is left with a big file at the end), else here.
    An item whose result cannot come back from a worker is run here instead."""
    global _JOB
    if workers <= 1:
        yield from map(fn, items)
        return
    import multiprocessing  # (here: a build of a small folder never loads it)
    from concurrent.futures import ProcessPoolExecutor

    _JOB = (fn, items)
    gc.freeze()  # the workers' collector then never walks (and so never copies) the pages of this process's objects
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    except (OSError, ValueError):  # no semaphores or pipes to be had: read here
        _JOB = None
        gc.unfreeze()
        yield from map(fn, items)
        return
    try:
        order = sorted(range(len(items)), key=lambda i: -(sizes[i] if sizes else 0))
        futures = {i: pool.submit(_run, i) for i in order}
        _JOB = None  # the workers were forked with it (a fork pool starts them all at the first submit)
        gc.unfreeze()
        for i in range(len(items)):
            try:
                result = futures.pop(i).result()
            except Exception:  # a worker died or its result did not pickle: the same work, here
                result = fn(items[i])
            yield result
    finally:
        _JOB = None
        gc.unfreeze()
        pool.shutdown(wait=True, cancel_futures=True)
