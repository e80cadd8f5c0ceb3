"""Nomis query-tool CSV of the claimant count (NM_162_1) -> tidy rows, with the API layout's rules (``nomis``).

Title lines (dataset name, "ONS Crown Copyright Reserved [from Nomis on ...]", ``"date :","March 2020"``
-style lines fixing one value of a dimension), then one or more tables whose header's first cell is the
geography type and second ``mnemonic`` (the codes), one column per date, measure, sex or age band, and
footnote lines below.
"""
from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterator

from etl.errors import Problem, ProblemCollector, SourceFormatError
from etl.schema import GSS
from etl.sources.base import ParseResult, RawFile
from etl.sources.nomis import (
    MEASURES,
    MEASURES_KIND,
    SEXES,
    finish,
    normalise_age,
    record,
    skip,
    warn_skipped,
)
from vocab.periods import parse_month_name

# Query tool: "label :" title lines -> the dimension they fix
QUERY_LABELS: dict[str, str] = {"date": "date", "sex": "sex", "gender": "sex", "age": "age", "measure": "measure",
                                "measures": "measures", "geography": "geography", "units": "units"}
# Query-tool column headings that carry no observation (skipped)
QUERY_SKIP_COLUMNS = {"", "flag", "flags", "conf", "numerator", "denominator", "note", "notes"}

# A query-tool download has a title and a few footnote and blank lines around its tables; far more is not one.
MAX_LINES_OUTSIDE_TABLES = 500
CODE_AND_NAME = re.compile(r"^([EWSNK]\d{8})\s*:\s*(.+)$")
LABEL_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z /]*?)\s*:\s*(.*)$")

def _label_line(cells: list[str]) -> tuple[str, str] | None:
    """'"date :","March 2020"' or '"date : March 2020"' -> ('date', 'March 2020'); else None."""
    filled = [c.strip() for c in cells if c.strip()]
    if not filled:
        return None
    m = LABEL_LINE.match(filled[0])
    if not m:
        return None
    key = " ".join(m[1].split()).lower()
    if key not in QUERY_LABELS:
        return None
    value = m[2].strip() or (filled[1] if len(filled) > 1 else "")
    return (QUERY_LABELS[key], value) if value else None


def _column_dimension(heading: str) -> tuple[str, str] | None:
    """What a query-tool column heading varies: ('date'|'measure'|'sex'|'age', label) or None."""
    text = " ".join(heading.split())
    if text.lower() in MEASURES:
        return "measure", text
    if parse_month_name(text):
        return "date", text
    if text.lower() in SEXES:
        return "sex", text
    if normalise_age(text) is not None:
        return "age", text
    return None


def _is_data_row(cells: list[str], has_mnemonic: bool) -> bool:
    first = cells[0].strip() if cells else ""
    if CODE_AND_NAME.match(first):
        return True
    if has_mnemonic and len(cells) > 1 and GSS.match(cells[1].strip()):
        return True
    return sum(1 for c in cells if c.strip()) >= 3


def _is_header(cells: list[str], following: list[tuple[int, list[str]]]) -> bool:
    """A table header: second cell 'mnemonic', or >= 2 cells followed by a 'CODE : name' row
    (``following`` = the next two rows)."""
    cells = [c.strip() for c in cells]
    if len(cells) >= 3 and cells[1].lower() == "mnemonic":
        return True
    if sum(1 for c in cells if c) < 2 or _label_line(cells):
        return False
    for _, nxt in following:
        if not any(c.strip() for c in nxt):
            continue
        return bool(CODE_AND_NAME.match(nxt[0].strip()))
    return False


class _Lookahead:
    """Rows read one at a time with a peek at the next few (a query-tool table is known by the row
    after its header), so the file is never held in memory."""

    def __init__(self, rows: Iterator[tuple[int, list[str]]]):
        self._rows, self._buffer = rows, deque()

    def peek(self, n: int) -> list[tuple[int, list[str]]]:
        while len(self._buffer) < n and (row := next(self._rows, None)) is not None:
            self._buffer.append(row)
        return list(self._buffer)[:n]

    def pop(self) -> tuple[int, list[str]] | None:
        return self._buffer.popleft() if self.peek(1) else None


class NomisQueryParser:
    """Nomis query-tool CSV download (title lines, geography x date/measure table, footnotes)."""

    name = "Nomis query-tool CSV (claimant count)"

    def sniff(self, raw: RawFile) -> bool:
        try:
            if raw.looks_binary:
                return False
            head = raw.head_text(60)
            text = "\n".join(head).lower()
            if "nomis" not in text or "claimant" not in text:
                return False
            for cells in csv.reader(head):  # a table header with codes, as the query tool writes it
                cells = [c.strip() for c in cells]
                if len(cells) >= 3 and cells[1].lower() == "mnemonic" or cells and CODE_AND_NAME.match(cells[0]):
                    return True
            return False
        except Exception:
            return False

    def parse(self, raw: RawFile) -> ParseResult:
        rows = _Lookahead(raw.csv_rows())
        problems = ProblemCollector(raw.name)
        records, skipped = [], {}
        context: dict[str, tuple[str, int]] = {}  # dimension -> (value, line) from title lines
        tables = outside = 0
        while not problems.full and (row := rows.pop()) is not None:
            line, cells = row
            label = _label_line(cells)
            if label:
                context[label[0]] = (label[1], line)
                continue
            if not _is_header(cells, rows.peek(2)):
                outside += 1  # a title, footnote or blank line
                if outside > MAX_LINES_OUTSIDE_TABLES:
                    problems.error(f"more than {MAX_LINES_OUTSIDE_TABLES} lines outside any table", row=line,
                                   expected="a query-tool download: title lines, tables and a few footnotes",
                                   found=",".join(cells)[:80])
                    break
                continue
            tables += 1
            self._table(line, cells, rows, context, problems, records, skipped)
        if problems.full and rows.peek(1):
            problems.stop(rows.peek(1)[0][0])
        problems.raise_if_any()
        if not tables:
            raise SourceFormatError(Problem(file=raw.name, message="no table found under the title lines",
                                            expected="a header row whose first cell is the geography type and "
                                                     "second 'mnemonic' (tick 'show codes' in the query tool)"))
        warn_skipped(problems, skipped)
        return finish(records, problems)

    def _table(self, header_line, header, rows, context, problems, records, skipped) -> None:
        """Parse the table under ``header``, reading ``rows`` up to its last data row."""
        header = [c.strip() for c in header]
        has_mnemonic = len(header) > 1 and header[1].lower() == "mnemonic"
        first_value = 2 if has_mnemonic else 1
        columns: list[tuple[int, str, str]] = []  # (cell index, dimension, label)
        errors_before = len(problems.errors)
        for j, heading in enumerate(header[first_value:], start=first_value):
            if heading.lower() in QUERY_SKIP_COLUMNS:
                continue
            dim = _column_dimension(heading)
            if dim is None:
                problems.error("a column heading we do not understand", row=header_line, column=heading,
                               expected="a month ('March 2020'), a measure ('Claimant count'), a sex or an "
                                        "age band", found=heading)
                continue
            columns.append((j, dim[0], dim[1]))
        dims = {d for _, d, _ in columns}
        for needed, example in (("date", "'date :','March 2020'"), ("measure", "'measure :','Claimant count'")):
            if needed not in dims and needed not in context:
                problems.error(f"the table does not say which {needed} it shows", row=header_line,
                               expected=f"a title line such as {example} or one column per {needed}",
                               found=", ".join(header))
        measures = context.get("measures", ("Value", 0))[0].lower()
        keep = MEASURES_KIND.get(measures, True)
        header_ok = len(problems.errors) == errors_before
        started = False
        while not problems.full and (following := rows.peek(1)):
            line, cells = following[0]
            if not any(c.strip() for c in cells):
                if started:
                    break
                rows.pop()
                continue
            if not _is_data_row(cells, has_mnemonic):
                break
            started = True
            rows.pop()
            if not header_ok:
                continue  # the header's problems are reported once, not on every row
            first = cells[0].strip()
            if m := CODE_AND_NAME.match(first):
                code, name = m[1], m[2].strip()
            elif has_mnemonic:
                code, name = (cells[1].strip() if len(cells) > 1 else ""), first
            else:
                problems.error("a row without a geography code", row=line, column=header[0],
                               expected="'CODE : name' or a 'mnemonic' column", found=first)
                continue
            if len(cells) < len(header) and any(j >= len(cells) for j, _, _ in columns):
                problems.error("a row with fewer cells than the header (truncated line?)", row=line,
                               expected=f"{len(header)} cells", found=f"{len(cells)} cells")
                continue
            if not keep:
                skip(skipped, "a 'Percent' table (shares of a total, not rates)", line)
                continue
            for j, dim, label in columns:
                fixed = {k: v for k, (v, _) in context.items()}
                fixed[dim] = label
                rec = record(problems, line, code=code, name=name, date=fixed.get("date", ""),
                              sex=fixed.get("sex", "Total"), age=fixed.get("age", "All categories: Age 16+"),
                              measure=fixed.get("measure", ""), value_text=cells[j], status=None,
                              columns={"measure": header[j] if dim == "measure" else "measure",
                                       "date": header[j] if dim == "date" else "date",
                                       "sex": header[j] if dim == "sex" else "sex",
                                       "age": header[j] if dim == "age" else "age",
                                       "area_code": header[1] if has_mnemonic else header[0],
                                       "value": header[j]},
                              skipped=skipped)
                if rec is not None:
                    records.append(rec)


PARSERS = [NomisQueryParser()]
