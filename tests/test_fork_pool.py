"""Parsing on two processes gives what parsing here gives: the same tables, hashes and problems, in the
files' order (``etl.fork_pool``), and falls back to parsing here where a fork is unsafe or fails."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

import etl.fork_pool as pool
from etl.errors import ProblemLog
from etl.parse import parse_all

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "tests" / "fixtures" / "build" / "good"
REAL = ROOT.parent / "shared" / "data" / "real"
PARENT = os.getpid()
NOT_HERE = "the pool is not used here (no fork, or one usable core)"


def _pool_possible() -> bool:
    """Whether this machine could fork a pool, whatever threads a test worker happens to run."""
    real = pool.threading.active_count
    pool.threading.active_count = lambda: 1
    try:
        return pool.workers_for([pool.MIN_BYTES] * 2) == 2
    finally:
        pool.threading.active_count = real


needs_fork = pytest.mark.skipif(not _pool_possible(), reason=NOT_HERE)


def _pid_and(item):
    return os.getpid(), item * 2


def _dies_in_a_worker(item):
    if os.getpid() != PARENT:
        os._exit(3)  # as a worker killed by the kernel would
    return item * 2


def _unpicklable(item):
    return lambda: item  # a result that cannot come back from a worker


@needs_fork
def test_results_come_back_in_order_from_other_processes():
    items = list(range(40))
    out = list(pool.ordered_map(_pid_and, items, workers=2, costs=[i % 7 for i in items]))
    assert [value for _, value in out] == [i * 2 for i in items]
    assert {pid for pid, _ in out} - {PARENT}, "no item was parsed by a worker"


@pytest.mark.parametrize("workers", [1, 2])
def test_each_item_is_reported_done_once(workers):
    if workers > 1 and not _pool_possible():
        pytest.skip(NOT_HERE)
    finished = []
    out = list(pool.ordered_map(_pid_and, list(range(25)), workers=workers, costs=list(range(25)),
                                done=finished.append))
    assert [value for _, value in out] == [i * 2 for i in range(25)]
    assert sorted(finished) == list(range(25))


@needs_fork
def test_a_dead_worker_s_items_are_run_here():
    assert list(pool.ordered_map(_dies_in_a_worker, list(range(6)), workers=2)) == [0, 2, 4, 6, 8, 10]


@needs_fork
def test_a_result_that_cannot_come_back_is_made_here():
    assert [f() for f in pool.ordered_map(_unpicklable, [1, 2, 3], workers=2)] == [1, 2, 3]


def test_serial_where_asked_small_or_threaded(monkeypatch):
    big = [pool.MIN_BYTES] * 3
    real_count = threading.active_count
    monkeypatch.delenv("PDP_BUILD_WORKERS", raising=False)
    # a test worker may run threads of its own: the count is 1 here but in the case about threads
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    if pool.workers_for(big) != 2:
        pytest.skip(NOT_HERE)  # (each case below turns this 2 into a 1)
    with monkeypatch.context() as m:
        m.setenv("PDP_BUILD_WORKERS", "1")
        assert pool.workers_for(big) == 1
    assert pool.workers_for([10, 10, 10]) == 1  # a small folder: a fork costs more than it saves
    assert pool.workers_for([pool.MIN_BYTES]) == 1  # one file
    with monkeypatch.context() as m:
        m.delattr(pool.os, "fork")
        assert pool.workers_for(big) == 1  # no fork (Windows)
    with monkeypatch.context() as m:
        m.setattr(pool.sys, "platform", "darwin")
        assert pool.workers_for(big) == 1  # fork, but not safe with the system's libraries (macOS)
    with monkeypatch.context() as m:
        m.setattr(threading, "active_count", real_count)
        stop = threading.Event()
        other = threading.Thread(target=stop.wait)
        other.start()
        try:
            assert pool.workers_for(big) == 1  # another thread could hold a lock at the fork
        finally:
            stop.set()
            other.join()
    assert pool.workers_for(big) == 2
    monkeypatch.setattr(pool.os, "sched_getaffinity", lambda _pid: {0})
    assert pool.workers_for(big) == 1  # one core given
    assert list(pool.ordered_map(_pid_and, [1, 2], workers=1)) == [(PARENT, 2), (PARENT, 4)]


def _parse(raw: Path, workers: str) -> tuple[list, list]:
    os.environ["PDP_BUILD_WORKERS"] = workers
    log = ProblemLog()
    files = parse_all(raw, log)
    return files, log.problems


def compare(raw: str) -> None:
    """Run in a fresh process (the pool forks only from a process with one thread, and a test process may
    have others): parse ``raw`` serially and on the pool; print how many files had errors, or SKIP."""
    raw = Path(raw)
    pool.MIN_BYTES = 0
    serial, serial_problems = _parse(raw, "1")
    assert pool.workers_for([1, 1]) == 1
    os.environ["PDP_BUILD_WORKERS"] = "2"
    if pool.workers_for([1, 1]) != 2:
        print("SKIP")
        return
    forked, forked_problems = _parse(raw, "2")
    assert forked_problems == serial_problems  # the same problems (file, row, column...) in the same order
    assert [f.raw.name for f in forked] == [f.raw.name for f in serial]
    for a, b in zip(forked, serial):
        assert (a.sha256, a.rows, a.result.kind, a.result.meta, a.result.warnings) == \
               (b.sha256, b.rows, b.result.kind, b.result.meta, b.result.warnings), a.raw.name
        if a.result.kind == "boundaries":
            assert a.result.table.to_wkb().equals(b.result.table.to_wkb()) and a.result.table.crs == b.result.table.crs
        else:
            pd.testing.assert_frame_equal(a.result.table, b.result.table, check_exact=True)
        assert a.result.extras.keys() == b.result.extras.keys()
        for key in a.result.extras:
            pd.testing.assert_frame_equal(a.result.extras[key], b.result.extras[key], check_exact=True)
    print(len({p.file for p in serial_problems if p.severity == "error"}))


def _assert_same(raw: Path) -> int:
    """``compare`` in a fresh process: how many files had errors (the test is skipped where it cannot fork)."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tests.test_fork_pool import compare; "
            f"compare({str(raw)!r})")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-4000:]
    if out.stdout.split()[-1] == "SKIP":
        pytest.skip(NOT_HERE)
    return int(out.stdout.split()[-1])


def test_bad_inputs_are_reported_alike_on_two_processes(tmp_path):
    from tests.test_bad_inputs import CASES

    raw = tmp_path / "raw"
    shutil.copytree(GOOD, raw)
    written = 0
    for i, (name, case) in enumerate(sorted(CASES.items())):
        if callable(case.content):
            continue  # links, FIFOs and sockets are refused by the listing, before any parser
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        case.write(folder)
        for path in (folder / "more").iterdir():
            target = raw / f"case{i:03d}" / path.name
            target.parent.mkdir()
            shutil.move(path, target)
            written += 1
    assert written > 20
    assert _assert_same(raw) > 20  # most cases are errors of their file


@pytest.mark.skipif(not REAL.is_dir(), reason="the publishers' real extracts (../shared/data/real) are not here")
def test_real_extracts_parse_alike_on_two_processes():
    _assert_same(REAL)
