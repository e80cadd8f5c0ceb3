"""What every source parser shares: the raw-file wrapper, the parse result and the registry.

A parser is an object with ``name``, ``sniff(raw) -> bool`` (recognise the file by its
header/content, never by its file name) and ``parse(raw) -> ParseResult``. Each module in
``etl.sources`` exposes its parsers in a module-level ``PARSERS`` list; :func:`all_parsers`
finds them, so adding a publisher means adding one module.
"""
from __future__ import annotations

import csv
import importlib
import io
import pkgutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

import pandas as pd

from etl.errors import Problem, SourceFormatError, format_error

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".ods", ".xls"}
GEO_SUFFIXES = {".gpkg", ".geojson", ".topojson", ".shp"}


@dataclass(frozen=True)
class SourceMeta:
    """What the manifest says about one parsed file's dataset."""

    source_id: str  # publisher + dataset, e.g. "ons_nomis_claimant_count"
    publisher: str
    title: str
    release_date: str | None = None  # ISO date when the file or config tells us
    next_update: str | None = None
    url: str | None = None
    is_demo: bool = False


@dataclass
class ParseResult:
    """A parsed file: ``kind`` says which table ``table`` is.

    - ``indicators``: a tidy frame (etl.schema.TIDY_COLUMNS; area_level may be None and is
      filled from the geography).
    - ``hierarchy``: child_code, child_name, parent_code, parent_name, parent_level
      (district -> upper_tier / lep / lsip / combined_authority / region / country).
    - ``names``: area_code, area_name, area_level.
    - ``changes``: old_code, old_name, new_code, new_name, change_type, year.
    - ``boundaries``: a GeoDataFrame in WGS84 with area_code, area_name, area_level, geometry.
    """

    kind: str
    table: pd.DataFrame
    meta: SourceMeta
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class RawFile:
    """One file under data/raw; ``name`` is what messages show (path relative to the raw folder)."""

    path: Path
    name: str

    @classmethod
    def at(cls, path: Path | str, root: Path | str | None = None) -> "RawFile":
        path = Path(path)
        name = str(path.relative_to(root)) if root and path.is_relative_to(root) else path.name
        return cls(path=path, name=name)

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @cached_property
    def head_bytes(self) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read(65536)

    @property
    def is_spreadsheet(self) -> bool:
        return self.suffix in SPREADSHEET_SUFFIXES or self.head_bytes[:4] == b"PK\x03\x04" and self.suffix not in (
            ".gpkg", ".zip")

    @property
    def is_parquet(self) -> bool:
        return self.head_bytes[:4] == b"PAR1"

    @property
    def looks_binary(self) -> bool:
        return b"\x00" in self.head_bytes[:4096] or self.is_parquet or self.head_bytes[:4] == b"PK\x03\x04" or \
            self.head_bytes[:16].startswith(b"SQLite format 3")

    @cached_property
    def text(self) -> str:
        """The whole file as text (UTF-8, BOM allowed); a clear error names the bad line."""
        data = self.path.read_bytes()
        if not data.strip():
            raise format_error(self.name, "the file is empty", expected="a header row and data rows")
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                return data.decode("utf-16")
            except UnicodeDecodeError:
                pass
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise format_error(self.name, "the file is not UTF-8 text", row=line,
                               expected="UTF-8 text (in Excel: Save As 'CSV UTF-8')",
                               found=data[exc.start: exc.start + 8]) from None

    def head_text(self, max_lines: int = 30) -> list[str]:
        """The first lines as text, for sniffing; empty for binary or undecodable files."""
        if self.looks_binary:
            return []
        raw = self.head_bytes
        for enc in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            return []
        lines = text.splitlines()
        if len(raw) == 65536 and lines:
            lines = lines[:-1]  # the last line may be cut
        return lines[:max_lines]

    def first_row(self, max_lines: int = 30) -> list[str]:
        """The first non-blank CSV row (cells stripped), or [] when there is none."""
        for line in self.head_text(max_lines):
            if line.strip().strip(","):
                return [c.strip() for c in next(csv.reader([line]))]
        return []

    def csv_records(self) -> list[tuple[int, list[str]]]:
        """(first file line, cells) for every CSV record; line numbers as an editor shows them."""
        reader = csv.reader(io.StringIO(self.text, newline=""))
        rows, last = [], 0
        try:
            for cells in reader:
                rows.append((last + 1, cells))
                last = reader.line_num
        except csv.Error as exc:
            raise SourceFormatError(Problem(file=self.name, message=f"the CSV cannot be read ({exc})", row=last + 1,
                                            expected="well-formed CSV (quotes closed on every line)")) from None
        return rows

    def read_csv(self, header_line: int = 0, **kwargs) -> pd.DataFrame:
        """The CSV as strings (no NA guessing), header on 0-based line ``header_line``.

        Row ``i`` of the frame is line ``header_line + 2 + i`` of the file (see :func:`line_of`).
        """
        try:
            return pd.read_csv(io.StringIO(self.text), dtype=str, keep_default_na=False, skiprows=header_line,
                               skipinitialspace=True, **kwargs)
        except pd.errors.ParserError as exc:
            raise format_error(self.name, f"the CSV cannot be read ({exc})",
                               expected="the same number of cells on every row") from None
        except pd.errors.EmptyDataError:
            raise format_error(self.name, "the file has no header row", expected="a header row") from None


def line_of(index: int, header_line: int = 0) -> int:
    """1-based file line of the 0-based data row ``index`` under a header on line ``header_line``."""
    return header_line + 2 + int(index)


def require_columns(raw: RawFile, found: list[str], required: list[str]) -> None:
    """Raise one error naming every required column that is missing."""
    missing = [c for c in required if c not in found]
    if missing:
        raise SourceFormatError([Problem(file=raw.name, message="a required column is missing", row=1, column=c,
                                         expected=f"columns {', '.join(required)}",
                                         found=", ".join(found)) for c in missing])


class Parser(Protocol):
    name: str

    def sniff(self, raw: RawFile) -> bool: ...

    def parse(self, raw: RawFile) -> ParseResult: ...


def _source_modules() -> list:
    """Every publisher module in the ``etl.sources`` package, in module-name order."""
    import etl.sources as package

    return [importlib.import_module(f"etl.sources.{info.name}")
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name)
            if not info.name.startswith("_") and info.name != "base"]


def all_parsers() -> list[Parser]:
    """Every parser declared in a publisher module's ``PARSERS`` list."""
    return [parser for module in _source_modules() for parser in getattr(module, "PARSERS", [])]


def all_finalisers() -> dict:
    """source_id -> function(df) -> df, run on a source's combined rows (e.g. rates and counts that
    arrived in different files); modules declare them in a ``FINALISERS`` dict."""
    found = {}
    for module in _source_modules():
        found.update(getattr(module, "FINALISERS", {}))
    return found


def detect(raw: RawFile, parsers: list[Parser] | None = None) -> Parser:
    """The one parser that recognises ``raw``; a clear error when none or several do."""
    parsers = all_parsers() if parsers is None else parsers
    if raw.path.stat().st_size == 0 or not raw.head_bytes.strip():
        raise format_error(raw.name, "the file is empty", expected="a publisher's extract")
    claims = []
    for parser in parsers:
        try:
            if parser.sniff(raw):
                claims.append(parser)
        except SourceFormatError:
            raise
        except Exception:  # a sniffer must never crash the build on a strange file
            continue
    if len(claims) == 1:
        return claims[0]
    if not claims:
        first = raw.first_row() if not raw.looks_binary else []
        found = ", ".join(first[:12]) if first else ("binary content" if raw.looks_binary else "no header")
        raise format_error(raw.name, "the file's layout is not one we know", row=1,
                           expected="one of: " + "; ".join(p.name for p in parsers), found=found)
    raise format_error(raw.name, "the file matches more than one layout", expected="exactly one",
                       found=", ".join(p.name for p in claims))
