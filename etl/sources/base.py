"""What every source parser shares: the raw-file wrapper, the parse result and the registry.

A parser is an object with ``name``, ``sniff(raw) -> bool`` (recognise the file by its
header/content, never by its file name) and ``parse(raw) -> ParseResult``. Each module in
``etl.sources`` exposes its parsers in a module-level ``PARSERS`` list; :func:`all_parsers`
finds them, so adding a publisher means adding one module.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import importlib
import os
import pkgutil
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

import pandas as pd

from etl import publishers
from etl.errors import Problem, SourceFormatError, format_error

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".ods", ".xls"}
MAX_LINE_BYTES = 2**20  # no publisher's CSV line comes near this; a longer one is not a table
_CONTROL_BYTES = frozenset(range(32)) - frozenset(b"\t\n\r\f")
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32 (little-endian)"), (codecs.BOM_UTF32_BE, "UTF-32 (big-endian)"),
              (codecs.BOM_UTF16_LE, "UTF-16 (little-endian)"), (codecs.BOM_UTF16_BE, "UTF-16 (big-endian)"))
_LONE_CR = re.compile(r"(?<=\r)(?!\n|$)")


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


def source_meta(source_id: str, **stated) -> SourceMeta:
    """What ``publishers.toml`` says about ``source_id`` (publisher, title, page, next update), with what
    a file states itself (e.g. its ``release_date``) in ``stated``."""
    source = publishers.source(source_id)
    return SourceMeta(**{"source_id": source_id, "publisher": source.publisher, "title": source.title,
                         "url": source.landing_page, "next_update": source.next_update, **stated})


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

    ``extras`` holds further tables a file states besides its main one (e.g. ``la_codes``: the DfE LA
    numbers and GSS codes a DfE file pairs in its ``old_la_code``/``new_la_code`` columns).
    """

    kind: str
    table: pd.DataFrame
    meta: SourceMeta
    warnings: list[Problem] = field(default_factory=list)
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class RawFile:
    """One file under data/raw; ``name`` is what messages show (path relative to the raw folder)."""

    path: Path
    name: str
    root: Path | None = None  # the raw folder: companion files are read only from inside it
    # a build with no second thread hashing the file (a parse worker) has read_bytes hash what it reads
    keep_digest: bool = field(default=False, compare=False, repr=False)

    @classmethod
    def at(cls, path: Path | str, root: Path | str | None = None) -> "RawFile":
        path = Path(path)
        name = str(path.relative_to(root)) if root and path.is_relative_to(root) else path.name
        return cls(path=path, name=name, root=Path(root).resolve() if root else None)

    def companion(self, suffix: str) -> Path | None:
        """The file beside this one with ``suffix`` (e.g. '.metadata.json') when it is a regular file
        inside the raw folder; None otherwise (a link leaving the folder or a FIFO is never opened)."""
        candidate = self.path.with_suffix(suffix)
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        inside = self.root is None or real.is_relative_to(self.root)
        return real if inside and real.is_file() else None

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @cached_property
    def head_bytes(self) -> bytes:
        """The first 64 KiB, read by the first look at a file: opened without blocking and checked to be
        a regular file, so a FIFO that replaced it since the folder was listed cannot hang the build."""
        with os.fdopen(os.open(self.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise format_error(self.name, "not a regular file; it was not read",
                                   expected="a downloaded extract (a regular file)")
            return fh.read(65536)

    @property
    def is_spreadsheet(self) -> bool:
        return self.suffix in SPREADSHEET_SUFFIXES or self.head_bytes[:4] == b"PK\x03\x04" and self.suffix not in (
            ".gpkg", ".zip")

    @property
    def is_parquet(self) -> bool:
        return self.head_bytes[:4] == b"PAR1"

    @cached_property  # asked by every sniffer (its head is read once anyway)
    def looks_binary(self) -> bool:
        """A known binary format, or a head whose bytes are mostly not text (one stray NUL in a name is
        still text, so that its row and column can be reported)."""
        head = self.head_bytes
        if self.is_parquet or head[:4] == b"PK\x03\x04" or head[:16].startswith(b"SQLite format 3") or \
                head[:2] == b"\x1f\x8b":
            return True
        sample = head[:4096]
        return bool(sample) and sum(1 for b in sample if b in _CONTROL_BYTES) > len(sample) // 20

    @property
    def wide_encoding(self) -> str | None:
        """'UTF-16 (little-endian)' etc. when the file is UTF-16/32 text (with or without a byte-order mark)."""
        head = self.head_bytes
        for bom, name in _WIDE_BOMS:
            if head.startswith(bom):
                return name
        sample = head[:512] if len(head) >= 512 else head[: len(head) - len(head) % 2]
        if len(sample) >= 8:
            even, odd = sample[0::2], sample[1::2]
            if not any(odd) and all(32 <= b < 127 or b in b"\t\r\n" for b in even):
                return "UTF-16 (little-endian, no byte-order mark)"
            if not any(even) and all(32 <= b < 127 or b in b"\t\r\n" for b in odd):
                return "UTF-16 (big-endian, no byte-order mark)"
        return None

    def read_bytes(self) -> bytes:
        """The whole file at once. With ``keep_digest`` the sha256 of these bytes is kept (``digest_read``),
        so the file is not read again only to be hashed."""
        data = self.path.read_bytes()
        if self.keep_digest:
            self.__dict__["_digest_read"] = hashlib.sha256(data).hexdigest()  # (frozen: kept as cached_property does)
        return data

    def digest_read(self) -> str | None:
        """The sha256 of the file as ``read_bytes`` last read it with ``keep_digest``; None if it did not."""
        return self.__dict__.get("_digest_read")

    @cached_property
    def text(self) -> str:
        """The whole file as text (UTF-8, BOM allowed), for the few layouts that need all of it at once
        (JSON); tables are read line by line with :meth:`lines` and :meth:`csv_rows`."""
        data = self.read_bytes()
        if not data.strip():
            raise format_error(self.name, "the file is empty", expected="a header row and data rows")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise format_error(self.name, "the file is not UTF-8 text", row=line,
                               expected="UTF-8 text (in Excel: Save As 'CSV UTF-8')",
                               found=data[exc.start: exc.start + 8]) from None

    def lines(self) -> Iterator[str]:
        """The file's lines as text, read one at a time (memory stays small however long the file is).

        A line that is not UTF-8, or longer than ``MAX_LINE_BYTES``, is an error naming its line number.
        """
        with open(self.path, "rb") as fh:
            number = 0
            while data := fh.readline(MAX_LINE_BYTES + 1):
                number += 1
                if len(data) > MAX_LINE_BYTES:
                    raise format_error(self.name, f"a line longer than {MAX_LINE_BYTES // 2**20} MiB", row=number,
                                       expected="a publisher's table (lines of a few KB, ending in a line break)",
                                       found=f"{MAX_LINE_BYTES:,}+ bytes without a line break")
                if number == 1 and data.startswith(codecs.BOM_UTF8):
                    data = data[len(codecs.BOM_UTF8):]
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise format_error(self.name, "the file is not UTF-8 text", row=number,
                                       expected="UTF-8 text (in Excel: Save As 'CSV UTF-8')",
                                       found=data[exc.start: exc.start + 8]) from None
                cr = text.find("\r")
                if cr < 0 or cr == len(text) - 1 or cr == len(text) - 2 and text[-1] == "\n":
                    yield text  # no CR, or only the line's own CRLF (nearly every line): no lone CR to split at
                    continue
                pieces = _LONE_CR.split(text)  # classic-Mac line breaks: one line each, as an editor shows
                number += len(pieces) - 1
                yield from pieces

    def head_text(self, max_lines: int = 30) -> list[str]:
        """The first lines as text, for sniffing; empty for binary or undecodable files."""
        return self._head_lines[:max_lines]

    @cached_property  # decoded once: every parser's sniffer looks at the head
    def _head_lines(self) -> list[str]:
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
        return lines

    def first_row(self, max_lines: int = 30) -> list[str]:
        """The first non-blank CSV row (cells stripped), or [] when there is none."""
        for line in self.head_text(max_lines):
            if line.strip().strip(","):
                return [c.strip() for c in next(csv.reader([line]))]
        return []

    def csv_rows(self) -> Iterator[tuple[int, list[str]]]:
        """(first file line, cells) for every CSV record, streamed; line numbers as an editor shows them."""
        reader = csv.reader(self.lines())
        last = 0
        try:
            for cells in reader:
                yield last + 1, cells
                last = reader.line_num
        except csv.Error as exc:
            raise SourceFormatError(Problem(file=self.name, message=f"the CSV cannot be read ({exc})", row=last + 1,
                                            expected="well-formed CSV (quotes closed on every line)")) from None


def line_of(index: int, header_line: int = 0) -> int:
    """1-based file line of the 0-based data row ``index`` under a header on line ``header_line``."""
    return header_line + 2 + int(index)


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
    if (encoding := raw.wide_encoding) is not None:
        raise format_error(raw.name, f"the file is {encoding.split(' (')[0]} text, not UTF-8", row=1,
                           expected="UTF-8 text (in Excel: Save As 'CSV UTF-8'; in a text editor: save as UTF-8)",
                           found=encoding)
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
