"""DfE children's services statistical neighbours -> a ``neighbours`` table.

DfE publishes, for each upper-tier local authority, its ten nearest statistical neighbours as a
workbook: banner rows (column letters, column numbers) above the header ``LA num, LA Name, LA number,
GOInd, GOReg, SN1, SNP, SN2, SNP, ..., SN10, SNP``. Areas are DfE's 3-digit LA numbers, not GSS codes;
``SNk`` is the k-th nearest neighbour and the ``SNP`` after it how close it is ("Very close", ...).
The header is found by its content, wherever the banner rows leave it. Below the current sets, a
section headed "Old SNs:" keeps the sets of authorities that no longer exist; they are kept with
``is_current`` False (older data of those authorities may still want them). The build maps LA numbers to
GSS codes with the ``old_la_code``/``new_la_code`` pairs of DfE's own KS4 and NCCIS files.
"""
from __future__ import annotations

import re

import pandas as pd

from etl.errors import ProblemCollector, format_error
from etl.sources.cells import number as parse_number
from etl.sources.base import ParseResult, RawFile, source_meta
from etl.sources.grids import read_grids

META = source_meta("dfe_statistical_neighbours")
COLUMNS = ["la_number", "la_name", "rank", "neighbour_la_number", "closeness", "is_current"]
NEIGHBOUR = re.compile(r"^sn\s*(\d{1,2})$")


def _fold(value: object) -> str:
    return " ".join(str(value if value is not None else "").split()).lower()


def _header(rows: list[tuple[int, list[object]]]) -> tuple[int, dict[str, int], dict[int, tuple[int, int | None]]] | None:
    """(row index, field -> column, rank -> (neighbour column, closeness column)) of the header row."""
    for i, (_line, cells) in enumerate(rows[:15]):
        folded = [_fold(c) for c in cells]
        ranks = {}
        for j, text in enumerate(folded):
            if m := NEIGHBOUR.match(text):
                closeness = j + 1 if j + 1 < len(folded) and folded[j + 1] == "snp" else None
                ranks[int(m[1])] = (j, closeness)
        number = next((folded.index(h) for h in ("la num", "la number", "la code", "la") if h in folded), None)
        name = next((folded.index(h) for h in ("la name", "local authority") if h in folded), None)
        if number is not None and name is not None and len(ranks) >= 5:
            return i, {"number": number, "name": name}, ranks
    return None


def _la_number(value: object) -> int | None:
    number = parse_number(value)
    if number is None or number != int(number) or not 100 <= number <= 999:
        return None
    return int(number)


class DfeStatisticalNeighboursParser:
    """DfE statistical neighbours workbook (LA numbers with SN1..SN10 and their closeness)."""

    name = "DfE children's services statistical neighbours (LA num, LA Name, SN1, SNP, ... SN10)"

    def sniff(self, raw: RawFile) -> bool:
        if raw.looks_binary and not raw.is_spreadsheet:
            return False
        return any(_header(g.rows) is not None for g in read_grids(raw, max_rows=20))

    def parse(self, raw: RawFile) -> ParseResult:
        col = ProblemCollector(raw.name)
        grid = next((g for g in read_grids(raw) if _header(g.rows) is not None), None)
        if grid is None:
            raise format_error(raw.name, "no statistical-neighbour header row",
                               expected="a row 'LA num, LA Name, ..., SN1, SNP, ...'")
        i, where, ranks = _header(grid.rows)
        header = [str(c or "").strip() for c in grid.rows[i][1]]
        rows, seen, is_current = [], {}, True
        for line, cells in col.until_full(grid.rows[i + 1:]):
            filled = [str(c).strip() for c in cells if c is not None and str(c).strip()]
            if not filled:
                continue
            if len(filled) == 1 and filled[0].endswith(":"):  # a section heading such as "Old SNs:"
                is_current = not re.search(r"\b(old|previous|former)\b", filled[0], re.IGNORECASE)
                continue
            la = _la_number(cells[where["number"]])
            if la is None:
                col.error("an LA number that is not DfE's 3-digit code", row=line, column=header[where["number"]],
                          expected="a number such as 888", found=cells[where["number"]])
                continue
            if (la, is_current) in seen:
                col.error("a local authority listed twice", row=line, column=header[where["number"]],
                          expected=f"one row per authority (first on line {seen[la, is_current]})", found=la)
                continue
            seen[la, is_current] = line
            name = str(cells[where["name"]] or "").strip()
            for rank, (j, k) in sorted(ranks.items()):
                neighbour = _la_number(cells[j]) if j < len(cells) else None
                if neighbour is None:
                    col.error("a neighbour that is not DfE's 3-digit LA number", row=line, column=header[j],
                              expected="a number such as 888", found=cells[j] if j < len(cells) else "")
                    continue
                closeness = str(cells[k]).strip().capitalize() if k is not None and k < len(cells) and cells[k] \
                    else None
                rows.append((la, name, rank, neighbour, closeness, is_current))
        col.raise_if_any()
        if not rows:
            raise format_error(raw.name, "no authorities below the header", expected="one row per authority")
        table = pd.DataFrame(rows, columns=COLUMNS).astype(
            {"la_number": "int64", "rank": "int64", "neighbour_la_number": "int64", "is_current": bool})
        return ParseResult(kind="neighbours", table=table, meta=META, warnings=col.warnings)


PARSERS = [DfeStatisticalNeighboursParser()]
