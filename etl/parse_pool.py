"""Parsing files on two cores: this process and a forked one, results handed back in the files' order.

Files are independent (one parser, one file), so two processes halve the wall time of a folder of
many pages. The forked worker takes the largest files first, this process the smallest, until they
meet; this process's own results need no copying back, and its caches are warm. Output never depends
on it: every file's outcome (its table, its hash, its problems) is the same object the serial reader
makes, handed back in the files' order, and any file whose outcome cannot come back (a worker killed, a
result that does not pickle) is parsed again here. The pool is used only where it is safe and worth
it: on Linux, where ``fork`` is safe with these libraries (macOS's system libraries are not, and Windows
has no fork; the worker inherits the loaded modules, so it starts in milliseconds), more than
one core is usable, there are several files of 1 MiB or more in all, and this process runs no other
Python thread (a thread holding a lock at the fork could hang the child). ``PDP_PARSE_WORKERS=1``
forces the serial reader.
"""
from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
MAX_WORKERS = 2  # processes parsing, this one included: the machines this runs on share 2 cores
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
    if (not hasattr(os, "fork") or not sys.platform.startswith("linux") or threading.active_count() > 1
            or len(sizes) < 2 or sum(sizes) < MIN_BYTES):
        return 1
    return max(1, min(limit, cores, len(sizes)))


def _here(fn: Callable[[Any], T], items: Sequence[Any], done: Callable[[int], None]) -> Iterator[T]:
    for index, item in enumerate(items):
        result = fn(item)
        done(index)
        yield result


def _run(index: int):
    fn, items = _JOB
    return fn(items[index])


def ordered_map(fn: Callable[[Any], T], items: Sequence[Any], workers: int, sizes: Sequence[int] | None = None,
                done: Callable[[int], None] = lambda index: None) -> Iterator[T]:
    """``fn(item)`` for every item, yielded in the items' order, worked out by ``workers`` processes: this one
    and ``workers - 1`` forked ones. The forked ones take the largest items first, this one the smallest
    (so neither is left with a big file at the end, and this process, whose results need no copying back,
    does its share too). An item whose result cannot come back from a worker is run here instead.
    ``done(index)`` is called as each item is finished, in whatever order (e.g. to move a progress bar)."""
    global _JOB
    if workers <= 1:
        yield from _here(fn, items, done)
        return
    import multiprocessing  # (here: a build of a small folder never loads it)
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    _JOB = (fn, items)
    gc.freeze()  # the workers' collector then never walks (and so never copies) the pages of this process's objects
    try:
        pool = ProcessPoolExecutor(max_workers=workers - 1, mp_context=multiprocessing.get_context("fork"))
    except (OSError, ValueError):  # no semaphores or pipes to be had: read here
        _JOB = None
        gc.unfreeze()
        yield from _here(fn, items, done)
        return
    order = sorted(range(len(items)), key=lambda i: -(sizes[i] if sizes else 0))
    low, high = 0, len(order)  # items order[low:high] are not started: workers take from low, this process from high
    results: dict[int, T] = {}
    running: dict = {}  # future -> item index
    ahead = 2 * (workers - 1)  # items queued per worker pool: enough that a worker never waits for this process
    broken = False
    try:
        while low < high or running:
            while not broken and low < high and len(running) < ahead:
                try:
                    running[pool.submit(_run, order[low])] = order[low]
                except Exception:  # the pool broke (a worker died): the rest are read here
                    broken = True
                    break
                low += 1
            if _JOB is not None:  # the workers are forked (at the first submit): they took their copy
                _JOB = None
                gc.unfreeze()
            for future in [f for f in running if f.done()]:
                index = running.pop(future)
                try:
                    results[index] = future.result()
                except Exception:  # a worker died or its result did not pickle: the same work, here
                    results[index] = fn(items[index])
                done(index)
            if low < high:
                high -= 1
                results[order[high]] = fn(items[order[high]])
                done(order[high])
            elif running:
                wait(running, return_when=FIRST_COMPLETED)
        for index in range(len(items)):
            yield results.pop(index)
    finally:
        _JOB = None
        gc.unfreeze()
        pool.shutdown(wait=True, cancel_futures=True)
