"""Chart data as files people open in a spreadsheet: CSV and XLSX with provenance lines.

``csv_bytes`` / ``xlsx_bytes`` write the tidy data exactly as plotted, under header lines naming the
chart, source, period, release and licence. Text cells that a spreadsheet would take for a formula are
escaped (OWASP: a leading ``'``); numbers stay numbers.
"""
from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

import config

# (meta key, header label) in the order the header lines are written; missing keys are left out.
HEADER_FIELDS = [("title", "Title"), ("subtitle", "Subtitle"), ("source", "Source"), ("period", "Period"),
                 ("release_date", "Release date"), ("release_id", "Release"), ("url", "View online")]
HEADER_PREFIX = "# "
DEMO_LINE = "Demo data — not official statistics"
CSV_ENCODING = "utf-8-sig"  # with a byte-order mark so Excel reads 'Ynys Môn' and '—' correctly
CSV_NEWLINE = "\r\n"  # RFC 4180; it also makes the writer quote any text holding a line break
# A text cell starting with one of these is taken for a formula by spreadsheet programs (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def header_lines(meta: Mapping[str, Any]) -> list[str]:
    """'Title: ...', 'Source: ...', ... 'Licence: ...' (+ the demo warning): one fact per line; the licence is
    the site's unless ``meta['licence']`` names the figures' own (a local indicator's declaration)."""
    lines = []
    for key, label in HEADER_FIELDS:
        value = meta.get(key)
        if value is not None and str(value).strip():
            lines.append(f"{label}: {_one_line(value)}")
    licence = meta.get("licence") or f"{config.LICENCE} {config.LICENCE_URL}"
    lines.append(f"Licence: {_one_line(licence)}")
    notes = meta.get("notes") or []
    for note in [notes] if isinstance(notes, str) else notes:
        lines.append(f"Note: {_one_line(note)}")
    if meta.get("is_demo"):
        lines.append(DEMO_LINE)
    return lines


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


def csv_bytes(df: pd.DataFrame, meta: Mapping[str, Any]) -> bytes:
    """The plotted data as UTF-8 CSV (RFC 4180) under '# ' header lines; missing values are empty cells.

    The caller chooses and orders the columns (keep ``status`` so an empty value says why it is empty).
    Text that a spreadsheet would run as a formula gets a leading ``'``; numbers stay numbers.
    """
    out = io.StringIO()
    for line in header_lines(meta):
        out.write(f"{HEADER_PREFIX}{line}{CSV_NEWLINE}")
    text_columns = [c for c in df.columns if not (pd.api.types.is_numeric_dtype(df[c])
                                                  or pd.api.types.is_datetime64_any_dtype(df[c]))]
    df.assign(**{str(c): df[c].map(escape_formula, na_action="ignore") for c in text_columns}).to_csv(
        out, index=False, lineterminator=CSV_NEWLINE, na_rep="")
    return out.getvalue().encode(CSV_ENCODING)


def escape_formula(value: Any) -> Any:
    """``'=SUM(A1)'`` -> ``"'=SUM(A1)"``: text a spreadsheet would take for a formula is prefixed (OWASP)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def xlsx_bytes(df: pd.DataFrame, meta: Mapping[str, Any]) -> bytes:
    """A workbook: sheet 'data' (header lines, a blank row, then the table) and sheet 'notes'.

    ``meta['decimals']`` (optional) sets the number format of a ``value`` column, so Excel shows the
    figure as the source rounds it while keeping the full value in the cell.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    lines = header_lines(meta)
    for i, line in enumerate(lines, start=1):
        _as_text(ws.cell(row=i, column=1, value=line)).font = Font(bold=(i == 1), size=14 if i == 1 else 11)
    top = len(lines) + 2  # one blank row between the header lines and the table
    columns = [str(c) for c in df.columns]
    for j, name in enumerate(columns, start=1):
        _as_text(ws.cell(row=top, column=j, value=name)).font = Font(bold=True)
    decimals = meta.get("decimals")
    for i, row in enumerate(df.itertuples(index=False, name=None), start=top + 1):
        for j, value in enumerate(row, start=1):
            cell = _as_text(ws.cell(row=i, column=j, value=_excel_value(value)))
            if decimals is not None and columns[j - 1] == "value" and isinstance(cell.value, float):
                cell.number_format = "#,##0" + ("." + "0" * int(decimals) if int(decimals) > 0 else "")
    for j, name in enumerate(columns, start=1):
        longest = max([len(name)] + [len(str(v)) for v in df.iloc[:200, j - 1].tolist()])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, longest + 2))
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    if len(df) and columns and len(set(columns)) == len(columns):
        ref = f"A{top}:{get_column_letter(len(columns))}{top + len(df)}"
        table = Table(displayName="ChartData", ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
        ws.add_table(table)

    notes = wb.create_sheet("notes")
    notes.append(["Field", "Value"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for line in lines:
        label, sep, value = line.partition(": ")
        notes.append([label, value] if sep else ["Note", line])
    notes.append(["Missing values", "Empty cells are not zero: the status column says why a value is "
                                    "missing (suppressed, not available, ...)."])
    for row in notes.iter_rows():
        for cell in row:
            _as_text(cell)
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _as_text(cell):
    """Keep a text cell text: openpyxl stores '=...' as a formula, and Excel re-reads '+', '-', '@' as one."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)
    return cell


def _excel_value(value: Any) -> Any:
    """Cells openpyxl can write: NaN/NA -> empty, numpy scalars -> Python, dates kept."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value if isinstance(value, (int, float, str, bool)) or hasattr(value, "year") else str(value)
