"""A small workbook's rows, kept once read (``etl.sources.grids._sheet_rows``), are the rows openpyxl reads."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from etl.sources import grids
from etl.sources.base import RawFile

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def _workbooks(tmp_path: Path) -> list[Path]:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Table 1: a title"])
    sheet.append([])
    sheet.append(["Code", "Name", "Share", "Count"])
    for i in range(40):
        sheet.append([f"E0700{i:04d}", f"Area {i}", 0.25 + i / 100, i * 1000])
        sheet.cell(row=sheet.max_row, column=3).number_format = "0.0%"
    book.create_sheet("Notes").append(["note"])
    path = tmp_path / "made.xlsx"
    book.save(path)
    return [path] + sorted(REAL.rglob("*.xlsx"))


def test_kept_rows_are_the_rows_read(tmp_path):
    for path in _workbooks(tmp_path):
        raw = RawFile.at(path, path.parent)
        for sheet in grids._open_xlsx(raw).sheetnames:
            for max_rows in (None, 8, 20, 25, 64):
                grids._ROWS.clear()
                read = list(grids._read_sheet_rows(raw, sheet, max_rows))
                first = list(grids._sheet_rows(raw, sheet, max_rows))
                assert (sheet, max_rows, len(grids._ROWS)) == (sheet, max_rows, 1)  # kept
                if first and first[0][1]:
                    first[0][1].append("changed by a reader")
                assert first[:1] != read[:1] or not read[0][1]
                assert list(grids._sheet_rows(raw, sheet, max_rows)) == read, (path.name, sheet, max_rows)


def test_a_large_workbook_is_streamed(tmp_path, monkeypatch):
    path = _workbooks(tmp_path)[0]
    monkeypatch.setattr(grids, "CACHED_WORKBOOK_BYTES", 10)
    grids._ROWS.clear()
    raw = RawFile.at(path, tmp_path)
    assert list(grids._sheet_rows(raw, "Data")) == list(grids._read_sheet_rows(raw, "Data", None))
    assert not grids._ROWS


def test_a_damaged_sheet_fails_as_it_did(tmp_path, monkeypatch):
    path = _workbooks(tmp_path)[0]
    raw = RawFile.at(path, tmp_path)
    real_read = grids._read_sheet_rows

    def breaks_after_two(raw, sheet, max_rows):
        for n, row in enumerate(real_read(raw, sheet, max_rows)):
            if n == 2:
                raise ValueError("damaged XML")
            yield row

    monkeypatch.setattr(grids, "_read_sheet_rows", breaks_after_two)
    grids._ROWS.clear()
    got = []
    with pytest.raises(ValueError):
        for row in grids._sheet_rows(raw, "Data"):
            got.append(row)
    assert len(got) == 2 and not grids._ROWS  # the rows before the damage, then the failure
