"""A release's figures as one sorted, memory-mapped Arrow table with an index of row ranges.

Why: holding the all-England monthly release as pandas frames (plus per-area copies) made every gunicorn
worker's RSS about 2 GB. Instead the release's rows are written once, sorted by (indicator, breakdown,
area, period), as an uncompressed Arrow IPC file, and every process memory-maps it: the operating system
shares the pages, and a query touches only the rows it needs (a zero-copy slice, converted to pandas alone).

The file lives in ``PDP_TABLE_CACHE_DIR`` (default ``pdp-release-tables`` in the temp folder), named by
release id and a fingerprint of the parquet it came from; it is written to a temporary name and renamed
(atomic), under a lock so concurrent first opens build it once; files not opened for a week are pruned.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import mmap
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

FORMAT = "2"  # bump when the file's layout changes, so old files are never read
KEY = ("indicator", "breakdown", "area_code")
SORT = KEY + ("period_start", "period")
# Text columns repeated millions of times: stored once per distinct value (Arrow dictionaries).
DICTIONARY = ("indicator", "area_code", "area_name", "area_level", "breakdown", "unit", "source", "status",
              "period")
KEEP_DAYS = 7


def cache_dir() -> Path:
    folder = os.environ.get("PDP_TABLE_CACHE_DIR") or str(Path(tempfile.gettempdir()) / "pdp-release-tables")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def table_path(parquet: Path, release_id: str) -> Path:
    """Where the table of ``parquet`` is kept: the release id plus a fingerprint of the file (a rebuilt
    release with the same id never reuses a stale table)."""
    st = parquet.stat()
    stamp = f"{FORMAT}|{parquet.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    safe_id = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in release_id)[:80]
    return cache_dir() / f"{safe_id}-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}.arrow"


def _sorted_table(parquet: Path) -> pa.Table:
    """The release's rows sorted by SORT, dates as timestamp[s] (what pandas reads them as), lookup
    columns dictionary-encoded, intervals present (NaN in releases written before they were kept)."""
    table = pq.read_table(parquet)
    for col in ("period_start", "period_end"):
        if col in table.column_names:
            table = table.set_column(table.schema.get_field_index(col), col, table[col].cast(pa.timestamp("s")))
    for col in ("lower_ci", "upper_ci"):
        if col not in table.column_names:
            table = table.append_column(col, pa.array(np.full(table.num_rows, np.nan)))
    order = _first_seen(table)
    table = table.take(pc.sort_indices(table, sort_keys=[(c, "ascending") for c in SORT]))
    for col in DICTIONARY:
        if col in table.column_names:
            table = table.set_column(table.schema.get_field_index(col), col, pc.dictionary_encode(table[col]))
    meta = {**(table.schema.metadata or {}), b"pdp_key_order": json.dumps(order).encode()}
    return table.combine_chunks().replace_schema_metadata(meta)


def _first_seen(table: pa.Table) -> list[list[str]]:
    """(indicator, breakdown) pairs in the order the release first lists them: the order pages list a
    source's breakdowns in, which the sort would otherwise lose."""
    ind = pc.dictionary_encode(table["indicator"]).combine_chunks()
    bd = pc.dictionary_encode(table["breakdown"]).combine_chunks()
    pair = np.asarray(ind.indices).astype(np.int64) * max(len(bd.dictionary), 1) + np.asarray(bd.indices)
    _, first = np.unique(pair, return_index=True)
    first.sort()
    names_i, names_b = ind.dictionary.to_pylist(), bd.dictionary.to_pylist()
    return [[names_i[ind.indices[i].as_py()], names_b[bd.indices[i].as_py()]] for i in first.tolist()]


def ensure_file(parquet: Path, release_id: str) -> Path:
    """The table file of a release, written (once, atomically, under a lock) when absent."""
    target = table_path(parquet, release_id)
    if target.is_file():
        return target
    with open(target.with_suffix(".lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if target.is_file():  # another process built it while we waited
                return target
            table = _sorted_table(parquet)
            tmp = target.with_suffix(f".tmp-{os.getpid()}")
            with pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table, max_chunksize=max(table.num_rows, 1))
            del table
            os.replace(tmp, target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    prune(keep=target)
    return target


def prune(keep: Path | None = None, max_age_days: float = KEEP_DAYS) -> list[Path]:
    """Remove table files not opened for ``max_age_days`` (a mapped file stays readable to whoever has it
    open: unlinking never breaks a running process)."""
    removed = []
    cutoff = time.time() - max_age_days * 86400
    for path in cache_dir().glob("*.arrow"):
        try:
            if path != keep and path.stat().st_mtime < cutoff:
                path.unlink()
                path.with_suffix(".lock").unlink(missing_ok=True)
                removed.append(path)
        except OSError:
            pass
    return removed


class ReleaseTable:
    """The memory-mapped rows of one release and the row range of each (indicator, breakdown, area)."""

    def __init__(self, parquet: Path, release_id: str):
        self.path = ensure_file(parquet, release_id)
        os.utime(self.path)  # opened now: not pruned for another week
        with open(self.path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        # no read-ahead: a query reads a few hundred rows, not the megabytes around them
        self._map.madvise(mmap.MADV_RANDOM)
        self.table: pa.Table = ipc.open_file(pa.BufferReader(pa.py_buffer(self._map))).read_all()
        self.num_rows = self.table.num_rows
        # (indicator, breakdown) -> {area_code: (start, stop)}; ~31,500 keys on the all-England release
        self.ranges: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
        self.first_row: dict[str, int] = {}  # area_code -> a row of that area (its name, its level)
        # a text column's distinct values, as a list (cells are read one by one) and as the pandas array
        # frames take from (rows): both small, made on first use
        self._dictionaries: dict[str, tuple[list[str], object]] = {}
        self._build_index()
        self.unmap_pages()

    def unmap_pages(self) -> None:
        """Drop this process's mappings of the file's pages (they stay in the page cache, and any frame
        still viewing them reads them again on touch): RSS counts every mapped page, so a worker answering
        many different views would otherwise come to map much of the release."""
        self._map.madvise(mmap.MADV_DONTNEED)

    def _build_index(self) -> None:
        n = self.num_rows
        meta = self.table.schema.metadata or {}
        for ind, bd in json.loads(meta.get(b"pdp_key_order", b"[]")):  # first-seen order, kept
            self.ranges[(ind, bd)] = {}
        if n == 0:
            return
        cols = [self.table[c].chunk(0) for c in KEY]
        codes = [np.asarray(c.indices) for c in cols]
        change = np.zeros(n, dtype=bool)
        change[0] = True
        for arr in codes:
            change[1:] |= arr[1:] != arr[:-1]
        starts = np.flatnonzero(change)
        stops = np.append(starts[1:], n)
        names = [c.dictionary.to_pylist() for c in cols]
        for start, stop in zip(starts.tolist(), stops.tolist()):
            ind, bd, area = (names[i][codes[i][start]] for i in range(3))
            self.ranges.setdefault((ind, bd), {})[area] = (start, stop)
            self.first_row.setdefault(area, start)

    def key_range(self, indicator: str, breakdown: str, area: str) -> tuple[int, int] | None:
        return self.ranges.get((indicator, breakdown), {}).get(area)

    def rows(self, start: int, stop: int, columns: list[str] | None = None) -> pd.DataFrame:
        """Rows [start, stop) as a pandas frame (text as plain strings), index 0..n-1: numbers and dates are
        copied from the mapped file, text is looked up in each column's (small) table of distinct values."""
        out = {}
        for name in columns or self.table.column_names:
            chunk = self.table[name].chunk(0).slice(start, stop - start)
            if pa.types.is_dictionary(chunk.type):
                out[name] = self._distinct(name).take(np.asarray(chunk.indices.fill_null(-1)), allow_fill=True)
            elif chunk.null_count == 0 and (pa.types.is_floating(chunk.type) or pa.types.is_timestamp(chunk.type)):
                out[name] = chunk.to_numpy(zero_copy_only=False).copy()
            else:
                out[name] = chunk.to_pandas()
        return pd.DataFrame(out)

    def cells(self, start: int, stop: int) -> tuple[dict, dict] | None:
        """({period: (value, status)}, {period: (lower_ci, upper_ci)}) of rows [start, stop) read straight
        from the arrays (the last row of a period wins for the value, the first for the interval, as in the
        frame); None when a text column has gaps (the caller reads the frame instead)."""
        def col(name):
            return self.table[name].chunk(0).slice(start, stop - start)

        period, status = col("period"), col("status")
        if period.null_count or status.null_count:
            return None
        names_p, names_s = self._names("period"), self._names("status")
        values = col("value").to_numpy(zero_copy_only=False).tolist()
        lower = col("lower_ci").to_numpy(zero_copy_only=False).tolist()
        upper = col("upper_ci").to_numpy(zero_copy_only=False).tolist()
        keys = [names_p[i] for i in np.asarray(period.indices).tolist()]
        stats = [names_s[i] for i in np.asarray(status.indices).tolist()]
        cells = {p: (float(v), str(st)) for p, v, st in zip(keys, values, stats)}
        bounds: dict = {}
        for p, lo, hi in zip(keys, lower, upper):
            bounds.setdefault(p, (float(lo), float(hi)))
        return cells, bounds

    def _dictionary(self, name: str) -> tuple[list[str], object]:
        if name not in self._dictionaries:
            distinct = self.table[name].chunk(0).dictionary
            self._dictionaries[name] = (distinct.to_pylist(), pd.Series(distinct.to_pandas()).array)
        return self._dictionaries[name]

    def _names(self, name: str) -> list[str]:
        return self._dictionary(name)[0]

    def _distinct(self, name: str):
        """A dictionary column's distinct values as a pandas array (the text dtype pandas reads text as)."""
        return self._dictionary(name)[1]

    def take(self, indices: np.ndarray, columns: list[str] | None = None) -> pd.DataFrame:
        part = self.table.select(columns) if columns else self.table
        return to_pandas(part.take(pa.array(indices, type=pa.int64())))

    def cell(self, column: str, row: int):
        return self.table[column][row].as_py()

    def period_starts(self) -> np.ndarray:
        """The period_start column as numpy (a view of the mapped file): rows of a key are in date order."""
        return self.table["period_start"].chunk(0).to_numpy(zero_copy_only=False)


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """Dictionary columns decoded to plain strings, as the release frame had them."""
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table[field.name].cast(field.type.value_type))
    return table.to_pandas()
