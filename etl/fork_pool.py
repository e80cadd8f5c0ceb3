"""Independent pieces of a build on two cores: this process and a forked one, results in the pieces' order.

Files are independent (one parser, one file), and so are batches of indicators to aggregate, so two
processes halve the wall time of either. Both processes take the next piece from one shared list, the
costliest first (longest processing time first: whichever process finishes first takes what is left, so
neither is left with a big piece at the end); the forked worker starts on the costliest. No thread of this
process hands out the work, so nothing competes with this process's own work for the interpreter lock. A
worker's results come back through files in a private temporary folder, which this process loads between
its own pieces. Output never depends on it: every result is the object the serial loop makes, handed back
in the pieces' order, and any piece whose result does not come back (a worker killed, a result that does
not pickle) is worked out again here. The pool is used only where it is safe and worth it: on Linux, where
``fork`` is safe with these libraries (macOS's system libraries are not, and Windows has no fork; the worker
inherits the loaded modules and data, so it starts in milliseconds), more than one core is usable, there
are several pieces and enough work in all, and this process runs no other Python thread (a thread holding
a lock at the fork could hang the child). ``PDP_BUILD_WORKERS=1`` keeps a build in one process.
"""
from __future__ import annotations

import gc
import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
MAX_WORKERS = 2  # processes parsing, this one included: the machines this runs on share 2 cores
MIN_BYTES = 1 << 20  # below ~1 MiB of files a fork costs more than it saves (``workers_for``'s default)

_JOB: tuple | None = None  # (fn, items, order, counter, folder): what a forked worker runs (inherited)


def workers_for(sizes: Sequence[int], minimum: int | None = None) -> int:
    """How many processes to work on pieces of these ``sizes`` with: 1 (here, serially) or up to ``MAX_WORKERS``
    (1 below ``minimum`` in all, MIN_BYTES by default: a fork would cost more than it saves)."""
    wanted = os.environ.get("PDP_BUILD_WORKERS", "").strip()
    limit = int(wanted) if wanted.isdigit() else MAX_WORKERS
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    if (not hasattr(os, "fork") or not sys.platform.startswith("linux") or threading.active_count() > 1
            or len(sizes) < 2 or sum(sizes) < (MIN_BYTES if minimum is None else minimum)):
        return 1
    return max(1, min(limit, cores, len(sizes)))


def _here(fn: Callable[[Any], T], items: Sequence[Any], done: Callable[[int], None]) -> Iterator[T]:
    for index, item in enumerate(items):
        result = fn(item)
        done(index)
        yield result


def _claim(counter) -> int:
    """The next position in the shared order (one past the end when none is left)."""
    with counter.get_lock():
        position = counter.value
        counter.value = position + 1
    return position


def _work(position: int) -> None:
    """A forked worker: run items from ``position`` on, claiming each next one, and leave each result that
    pickles in the folder as ``<index>`` (written under another name first, so a half-written result is
    never read). One that fails or does not pickle is left for the parent to run."""
    fn, items, order, counter, folder = _JOB
    while position < len(order):
        index = order[position]
        try:
            data = pickle.dumps(fn(items[index]), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            data = None
        if data is not None:
            part = os.path.join(folder, f"{index}.part")
            with open(part, "wb") as out:
                out.write(data)
            os.replace(part, os.path.join(folder, str(index)))
        position = _claim(counter)


def _collect(folder: str, results: dict, done: Callable[[int], None]) -> None:
    """Load (and delete) the results workers have finished."""
    for name in os.listdir(folder):
        if name.isdigit():
            path = os.path.join(folder, name)
            with open(path, "rb") as data:
                results[int(name)] = pickle.load(data)
            os.unlink(path)
            done(int(name))


def ordered_map(fn: Callable[[Any], T], items: Sequence[Any], workers: int, costs: Sequence[float] | None = None,
                done: Callable[[int], None] = lambda index: None) -> Iterator[T]:
    """``fn(item)`` for every item, yielded in the items' order, worked out by ``workers`` processes: this one
    and ``workers - 1`` forked ones, each taking the costliest item left (by ``costs``, an estimate: the
    order changes only the time taken). An item whose result does not come back from a worker is run
    here instead. ``done(index)`` is called as each item is finished, in whatever order (e.g. to move a
    progress bar)."""
    global _JOB
    if workers <= 1:
        yield from _here(fn, items, done)
        return
    import multiprocessing  # (here: a build of a small folder never loads it)
    import tempfile

    order = sorted(range(len(items)), key=lambda i: -(costs[i] if costs else 0))
    forked = min(workers - 1, len(order))
    results: dict[int, T] = {}
    processes = []
    with tempfile.TemporaryDirectory(prefix="pdp-parse-") as folder:
        try:
            context = multiprocessing.get_context("fork")
            counter = context.Value("q", forked)  # the next position to claim: workers start on 0 .. forked - 1
            _JOB = (fn, items, order, counter, folder)
            gc.freeze()  # the workers' collector then never walks (and so never copies) this process's objects
            for position in range(forked):
                process = context.Process(target=_work, args=(position,), daemon=True)
                process.start()
                processes.append(process)
        except (OSError, ValueError):  # no semaphores or processes to be had: the rest is run here
            counter = None
        finally:
            _JOB = None
            gc.unfreeze()
        try:
            position = _claim(counter) if counter is not None else 0
            while position < len(order):
                index = order[position]
                results[index] = fn(items[index])
                done(index)
                _collect(folder, results, done)
                position = _claim(counter) if counter is not None else position + 1
            for process in processes:
                process.join()
            _collect(folder, results, done)
        finally:
            for process in processes:
                if process.is_alive():  # this process stopped early (an interrupt): so do the workers
                    process.terminate()
                    process.join()
    for index in range(len(items)):
        if index not in results:  # a worker died, or its result failed or did not pickle: the same work, here
            results[index] = fn(items[index])
            done(index)
        yield results.pop(index)
