"""Spreadsheets and CSVs as grids of cells, for publishers whose tables sit below title rows.

Each grid is one sheet (or the one CSV) as ``(file line, cells)`` rows, so a parser can search
for its header row and report problems by the line a user sees. Cells keep the spreadsheet's
types; a percentage that Excel stores as 0.32 is given as 32, the number a reader sees.
"""
from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import islice
from pathlib import Path

import pandas as pd

from etl.errors import format_error
from etl.sources.base import RawFile


# The most a workbook may expand to when unzipped: HMRC's and ONS's largest expand to a few MiB. An
# .xlsx is read row by row; an .ods is parsed whole (odfpy), at many times its size, so its limit is lower.
MAX_WORKBOOK_BYTES = {"xlsx": 256 * 2**20, "ods": 32 * 2**20}
HEAD_ROWS = 64  # rows kept in memory for header searches (headers sit in the first ~20)


class StreamedRows:
    """A table's ``(file line, cells)`` rows, read from the file again on each pass: the first
    ``HEAD_ROWS`` are kept for header searches, the rest are streamed, so however long the table is
    it never sits in memory (and a parser that stops early reads no further)."""

    def __init__(self, open_rows: Callable[[], Iterator[tuple[int, list[object]]]]):
        self._open = open_rows
        self._head: list[tuple[int, list[object]]] | None = None

    @property
    def head(self) -> list[tuple[int, list[object]]]:
        if self._head is None:
            self._head = list(islice(self._open(), HEAD_ROWS))
        return self._head

    def __iter__(self) -> Iterator[tuple[int, list[object]]]:
        return self._open()

    def __bool__(self) -> bool:
        return bool(self.head)

    def __getitem__(self, key):
        if isinstance(key, int):
            if not 0 <= key < HEAD_ROWS:
                raise IndexError(f"row {key} is beyond the rows kept for header searches")
            return self.head[key]
        if key.step is None and key.stop is not None and 0 <= key.stop <= HEAD_ROWS:
            return self.head[key]
        return islice(self._open(), key.start, key.stop, key.step)


@dataclass
class Grid:
    """A CSV file or one sheet: rows of (file line, cells) (streamed when a whole table is read)."""

    name: str | None  # the sheet name; None for a CSV
    rows: list[tuple[int, list[object]]] | StreamedRows
    is_csv: bool = False


def read_grids(raw: RawFile, max_rows: int | None = None) -> list[Grid]:
    """The file as grids: one per sheet of an XLSX/ODS workbook, or one for a CSV."""
    if raw.suffix == ".ods" or raw.is_spreadsheet:
        _refuse_zip_bomb(raw)
    if raw.suffix == ".ods":
        return _read_ods(raw, max_rows)
    if raw.is_spreadsheet:
        return _read_xlsx(raw, max_rows)
    return [_read_csv(raw, max_rows)]


def _read_csv(raw: RawFile, max_rows: int | None) -> Grid:
    if not max_rows:
        return Grid(name=None, rows=StreamedRows(raw.csv_rows), is_csv=True)
    reader = csv.reader(io.StringIO("\n".join(raw.head_text(max_rows)), newline=""))
    rows: list[tuple[int, list[object]]] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, list(cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise format_error(raw.name, f"the CSV cannot be read ({exc})", row=start,
                           expected="comma-separated cells with balanced quotes") from None
    return Grid(name=None, rows=rows, is_csv=True)


def _refuse_zip_bomb(raw: RawFile) -> None:
    """A workbook is a zip: one that would expand beyond its ``MAX_WORKBOOK_BYTES`` is refused unopened."""
    try:
        with zipfile.ZipFile(raw.path) as book:
            expanded = sum(member.file_size for member in book.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not a readable zip: the workbook reader reports it
    limit = MAX_WORKBOOK_BYTES["ods" if raw.suffix == ".ods" else "xlsx"]
    if expanded > limit:
        raise format_error(raw.name, f"the workbook would expand to {expanded / 2**20:,.0f} MiB when opened",
                           expected=f"a publisher's workbook (under {limit // 2**20} MiB expanded)",
                           found=f"{raw.path.stat().st_size:,} bytes compressed")


def _percent_cell(value: object, number_format: str | None) -> object:
    """Excel keeps 32% as 0.32 with a percent format: give the number a reader sees."""
    if number_format and "%" in number_format and isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(float(value) * 100, 10)
    return value


def _open_xlsx(raw: RawFile):
    """The workbook, opened read-only (rows are read on demand) and once for all the sniffers and the
    parser of one file: opening can cost a pass over every sheet (openpyxl sizes a sheet that does
    not declare its dimensions by reading it)."""
    stat = raw.path.stat()
    try:
        return _load_xlsx(raw.path, stat.st_mtime_ns, stat.st_size)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise format_error(raw.name, f"the workbook cannot be opened ({type(exc).__name__}: {exc})",
                           expected="an .xlsx workbook") from None


@lru_cache(maxsize=1)
def _load_xlsx(path: Path, _mtime_ns: int, _size: int):
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True, data_only=True)


def _sheet_rows(raw: RawFile, sheet: str, max_rows: int | None = None) -> Iterator[tuple[int, list[object]]]:
    """(sheet row, cells) of one sheet. A small workbook's rows are kept once read (per sheet and
    ``max_rows``): every sniffer looks at the first rows and the parser reads the sheet more than once,
    and openpyxl parses the sheet's XML from the start on each read. Rows that cannot all be read are
    read again as they come, so a damaged sheet fails where it did."""
    try:
        info = raw.path.stat()
    except OSError:
        info = None
    if info is None or info.st_size > CACHED_WORKBOOK_BYTES:
        yield from _read_sheet_rows(raw, sheet, max_rows)
        return
    key = (raw.path, info.st_mtime_ns, info.st_size, sheet, max_rows)
    if key not in _ROWS:
        try:
            rows = list(_read_sheet_rows(raw, sheet, max_rows))
        except Exception:
            yield from _read_sheet_rows(raw, sheet, max_rows)
            return
        if _ROWS and next(iter(_ROWS))[:3] != key[:3]:
            _ROWS.clear()  # one workbook's rows at a time (files are read one after another)
        _ROWS[key] = rows
    for line, cells in _ROWS[key]:
        yield line, list(cells)  # (a copy: a reader may change its row)


CACHED_WORKBOOK_BYTES = 2**20  # a workbook up to 1 MiB (compressed) has its rows kept while it is read
_ROWS: dict[tuple, list[tuple[int, list[object]]]] = {}


def _read_sheet_rows(raw: RawFile, sheet: str, max_rows: int | None) -> Iterator[tuple[int, list[object]]]:
    """(sheet row, cells) of one sheet, read row by row."""
    for i, row in enumerate(_open_xlsx(raw)[sheet].iter_rows(max_row=max_rows), start=1):
        line = next((c.row for c in row if getattr(c, "row", None)), i)
        yield line, [_percent_cell(c.value, getattr(c, "number_format", None)) for c in row]


def _read_xlsx(raw: RawFile, max_rows: int | None) -> list[Grid]:
    names = _open_xlsx(raw).sheetnames
    if max_rows:
        return [Grid(name=name, rows=list(_sheet_rows(raw, name, max_rows))) for name in names]
    return [Grid(name=name, rows=StreamedRows(partial(_sheet_rows, raw, name))) for name in names]


def _read_ods(raw: RawFile, max_rows: int | None) -> list[Grid]:
    try:
        frames = pd.read_excel(raw.path, engine="odf", header=None, sheet_name=None, nrows=max_rows, dtype=object)
    except Exception as exc:  # odfpy raises many types for a damaged file
        raise format_error(raw.name, f"the spreadsheet cannot be opened ({type(exc).__name__}: {exc})",
                           expected="an .ods spreadsheet") from None
    return [Grid(name=str(name), rows=[(i + 1, [None if (isinstance(v, float) and math.isnan(v)) else v for v in r])
                                       for i, r in enumerate(df.itertuples(index=False, name=None))])
            for name, df in frames.items()]
