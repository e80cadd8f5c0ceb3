"""A clean CSV read a column at a time, for the parsers' column-wise fast paths (ELS, EES).

pyarrow reads every cell as text; each column is then its *distinct* stripped texts plus one index per
row, so a parser checks each distinct text (or each distinct combination of a few columns) once with its
line-by-line reader's own functions and spreads the results back to the rows with numpy. Only a clean
file reads here (header on line 1, one record per line, no blank lines, every row as wide as the header,
UTF-8): otherwise :func:`read_columns` gives None and the parser reads the file line by line, which
names every problem's row and column as before.
"""
from __future__ import annotations

from collections.abc import Iterator
from itertools import repeat

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.sources.base import RawFile
from etl.sources.nomis_columnar import _clean_bytes, _read


class Columns:
    """The data rows of a clean CSV: ``line`` (file line of each row) and, per header position, the
    (row -> index, distinct stripped texts) of that column."""

    def __init__(self, table: pa.Table, width: int):
        self.rows = table.num_rows
        self.line = np.arange(self.rows, dtype=np.int64) + 2
        self._table = table
        self._width = width
        self._cache: dict[int, tuple[np.ndarray, list[str]]] = {}
        self._trim: dict[int, pa.Array] = {}

    def column(self, i: int | None, default: str = "") -> tuple[np.ndarray, list[str]]:
        """(row -> index, distinct stripped texts) of column ``i``; ``default`` everywhere when None."""
        if i is None:
            return np.zeros(self.rows, dtype=np.int64), [default]
        if i not in self._cache:
            encoded = self._table.column(f"c{i}").combine_chunks().dictionary_encode()
            texts = [t.strip() for t in encoded.dictionary.to_pylist()]
            index = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            distinct = {}
            remap = np.asarray([distinct.setdefault(t, len(distinct)) for t in texts], dtype=np.int64)
            self._cache[i] = (remap[index] if len(distinct) < len(texts) else index, list(distinct))
        return self._cache[i]

    def texts(self, i: int | None, default: str = "") -> np.ndarray:
        """Column ``i``'s stripped texts, one per row (object array)."""
        index, texts = self.column(i, default)
        return objects(texts)[index]

    def stripped(self, i: int) -> list[str]:
        """Column ``i``'s texts, one per row, stripped as ``str.strip()`` does (by pyarrow, a whole column at
        once: no Python step per cell)."""
        return self._trimmed(i).to_pylist()

    def present(self, i: int, values: set[str]) -> set[str]:
        """Which of ``values`` occur (stripped) in column ``i``."""
        found = pc.unique(pc.filter(self._trimmed(i), pc.is_in(self._trimmed(i), value_set=pa.array(
            sorted(values), type=pa.string()))))
        return set(found.to_pylist())

    def taken(self, i: int, rows: np.ndarray) -> list[str]:
        """Column ``i``'s texts on ``rows`` (positions), stripped as ``str.strip()`` does."""
        return [t.strip() for t in self._table.column(f"c{i}").take(pa.array(rows, type=pa.int64())).to_pylist()]

    def present_in(self, candidates: dict[int, set[str]]) -> dict[int, set[str]]:
        """Column index -> which of its ``candidates`` values occur (stripped) in it, for columns where some
        do: every column looked through at once (one trim and one lookup over all of them, not ~4 pyarrow
        calls a column), then only the columns with a hit one by one."""
        where = [i for i, values in candidates.items() if values]
        if not where or not self.rows:
            return {}
        together = pa.chunked_array([self._table.column(f"c{i}").combine_chunks() for i in where], type=pa.string())
        every = pa.array(sorted(set().union(*(candidates[i] for i in where))), type=pa.string())
        trimmed = pc.utf8_trim(together, characters=SPACE)
        hit = pc.is_in(trimmed, value_set=every).to_numpy(zero_copy_only=False).reshape(len(where), self.rows)
        out = {}
        for k in np.flatnonzero(hit.any(axis=1)).tolist():
            present = self.present(where[k], candidates[where[k]])
            if present:
                out[where[k]] = present
        return out

    def blank(self) -> np.ndarray:
        """Per row: True when every read cell is empty once stripped."""
        out = np.ones(self.rows, dtype=bool)
        first = self._table.column_names[0]
        if not pc.any(pc.equal(self._trimmed(int(first[1:])), "")).as_py():  # (the usual case: one column says no)
            return np.zeros(self.rows, dtype=bool)
        for name in self._table.column_names:
            out &= pc.equal(self._trimmed(int(name[1:])), "").to_numpy(zero_copy_only=False)
        return out

    def _trimmed(self, i: int) -> pa.Array:
        if i not in self._trim:
            self._trim[i] = pc.utf8_trim(self._table.column(f"c{i}").combine_chunks(), characters=SPACE)
        return self._trim[i]


# the characters str.strip() removes (str.isspace)
SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200b))) + \
    "\u2028\u2029\u202f\u205f\u3000"


def read_columns(raw: RawFile, width: int, first_line: int, columns: set[int]) -> Columns | None:
    """Columns ``columns`` of the data rows under a header of ``width`` cells, or None when the file is
    not clean (see the module docstring) and must be read line by line."""
    if first_line != 1 or not columns:
        return None
    clean = _clean_bytes(raw)
    if clean is None:
        return None
    data, lines = clean
    table = _read(data, width, {str(i): i for i in columns})
    if table is None or table.num_rows != lines - 1 or table.num_rows == 0:
        return None  # pyarrow skips blank lines: then rows and lines differ
    return Columns(table, width)


def combine(*indexes: tuple[np.ndarray, int]) -> tuple[np.ndarray, np.ndarray]:
    """(row -> index of its distinct combination, the combinations as an array of index tuples) of several
    columns' (row -> index, number of distinct values)."""
    key = np.zeros(len(indexes[0][0]), dtype=np.int64)
    for index, count in indexes:
        key = key * max(count, 1) + index
    distinct, back = np.unique(key, return_inverse=True)
    parts = []
    for _index, count in reversed(indexes):
        parts.append(distinct % max(count, 1))
        distinct = distinct // max(count, 1)
    return back.reshape(-1), np.stack(parts[::-1], axis=1)


def objects(values: list) -> np.ndarray:
    """A 1-d object array of ``values`` (numpy would make tuples a second dimension)."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


class ColumnRows:
    """``read_rows``'s data rows of a clean file read a column at a time: pyarrow strips each column's texts
    and rows are zipped from whole columns, not split and stripped cell by cell. ``seen`` answers which
    values occur in a column without making rows, and ``only`` makes rows of just the columns a parser reads."""

    def __init__(self, cols: Columns, width: int):
        self.cols, self.width = cols, width

    def __iter__(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        return self.only(set(range(self.width)))

    def seen(self, candidates: dict[int, set[str]]) -> dict[int, set[str]]:
        """Column index -> the ``candidates`` values that occur in it (as the row loop would collect them)."""
        return self.cols.present_in(candidates)

    def only(self, needed: set[int]) -> Iterator[tuple[int, tuple[str, ...]]]:
        """The rows (empty rows passed over) with the ``needed`` columns' cells; every other cell is ''."""
        columns = [self.cols.stripped(i) if i in needed else repeat("") for i in range(self.width)]
        lines, blank = self.cols.line.tolist(), self.cols.blank()
        if blank.any():  # rows of empty cells only (",,,"): passed over like blank lines
            drop = set(np.flatnonzero(blank).tolist())
            return ((line, row) for k, (line, row) in enumerate(zip(lines, zip(*columns))) if k not in drop)
        return zip(lines, zip(*columns))
