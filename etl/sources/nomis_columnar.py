"""The Nomis API CSV read a column at a time: the same rows as the line-by-line reader, ~50x faster.

An all-England monthly extract is millions of rows in 25,000-row pages; checking each cell in Python
takes minutes. Here pyarrow reads a page's columns as text, each *distinct* cell (a few hundred dates,
areas, sexes, ages, measures; a few thousand values) is checked once by the line-by-line reader's own
functions, and the results are spread back to the rows with numpy. Only a file that is clean reads
here: anything irregular (a problem to report, a status we do not know, a blank or lone-CR line, a
quoted line break, bytes that are not UTF-8) returns None and the file is read line by line, which
names every problem's row and column exactly as before.
"""
from __future__ import annotations

import codecs
import functools
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from etl.distinct import numbered
from etl.errors import ProblemCollector
from etl.schema import GSS, STATUSES_WITH_VALUE
from etl.sources.cells import cell as parse_cell
from etl.sources import nomis
from etl.sources.base import MAX_LINE_BYTES, RawFile
from etl.texts import from_distinct
from vocab.periods import parse_month_name, period_bounds

_cell = functools.lru_cache(maxsize=1 << 16)(parse_cell)  # the same few thousand values on every page
MAX_BYTES = 16 * 2**20  # a 25,000-row API page with every default column is ~10 MB
READ_FIELDS = ("date", "area_code", "area_name", "sex", "age", "measure", "measures", "value", "status",
               "status_name", "conf")


def _clean_bytes(raw: RawFile) -> tuple[bytes, int] | None:
    """(the file's bytes without a UTF-8 BOM, its number of lines), or None when its lines are not one record
    each or it is larger than an API page (a big file is streamed line by line, so junk stops after 50
    problems, in little memory)."""
    if raw.path.stat().st_size > MAX_BYTES:
        return None
    data = raw.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # lone CRs: the line numbers need the line-by-line reader (blank lines: see parse_clean)
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    if len(ends) and (ends[0] > MAX_LINE_BYTES or np.diff(ends).max(initial=0) > MAX_LINE_BYTES
                      or len(data) - ends[-1] > MAX_LINE_BYTES):
        return None
    return data, len(ends) + (not data.endswith(b"\n"))


def _read(data: bytes, width: int, where: dict[str, int]) -> pa.Table | None:
    """The columns ``where`` points at, for every data row, as text (named by position: ``c0``, ``c1``...);
    None when pyarrow finds the CSV irregular."""
    names = [f"c{i}" for i in sorted(set(where.values()))]
    try:
        return pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 24, skip_rows=1,
                                           column_names=[f"c{i}" for i in range(width)]),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(include_columns=names, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False,
                                                 column_types={n: pa.string() for n in names}))
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None


def _distinct(table: pa.Table, name: str | None, rows: int, default: str) -> tuple[np.ndarray, list[str]]:
    """(row -> index, distinct stripped texts) of one column; the default text when the column is absent."""
    if name is None:
        return np.zeros(rows, dtype=np.int64), [default]
    encoded = table.column(name).combine_chunks().dictionary_encode()
    texts = [t.strip() for t in encoded.dictionary.to_pylist()]
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), texts


def parse_clean(raw: RawFile, header: list[str], header_line: int, where: dict[str, int],
                columns: dict[str, str], problems: ProblemCollector) -> pd.DataFrame | None:
    """The records of a clean Nomis API CSV as a frame (as ``nomis.record`` makes them), with the
    skipped-row notes added to ``problems``; None when the file must be read line by line."""
    clean = _clean_bytes(raw)
    if clean is None or header_line != 1:
        return None
    data, lines = clean
    table = _read(data, len(header), where)
    if table is None or table.num_rows != lines - 1 or table.num_rows == 0:
        return None  # pyarrow skips blank lines: then rows and lines differ
    n = table.num_rows
    line = np.arange(n, dtype=np.int64) + header_line + 1
    name_of = {f: f"c{i}" for f, i in where.items()}
    defaults = {"sex": "Total", "age": "All categories: Age 16+", "measures": "Value"}
    col = {f: _distinct(table, name_of.get(f), n, defaults.get(f, "")) for f in READ_FIELDS}

    def per_row(field: str, fn, dtype=object) -> np.ndarray:
        index, texts = col[field]
        return (_as_objects([fn(t) for t in texts]) if dtype is object
                else np.asarray([fn(t) for t in texts], dtype=dtype))[index]

    if any(t.lower() not in nomis.MEASURES_KIND for t in col["measures"][1]):  # (texts that rows have)
        return None  # an unknown MEASURES value: reported by the line-by-line reader
    skip_percent = ~per_row("measures", lambda t: nomis.MEASURES_KIND[t.lower()], bool)
    unknown = per_row("measure", lambda t: nomis.MEASURES.get(" ".join(t.split()).lower(), "?") == "?", bool)
    if unknown[~skip_percent].any():
        return None  # an unknown measure
    not_used = per_row("measure", lambda t: nomis.MEASURES.get(" ".join(t.split()).lower(), "?") is None, bool)
    skip_measure = ~skip_percent & not_used
    used = ~skip_percent & ~skip_measure

    status = _statuses(col)
    bounds = [period_bounds(p) if (p := parse_month_name(t)) else None for t in col["date"][1]]
    start, end = (np.asarray([b[i] if b else None for b in bounds], dtype="datetime64[ms]")[col["date"][0]]
                  for i in (0, 1))  # dates as numbers, not millions of Python date objects
    # each check once per distinct cell (as booleans: no per-row objects to test)
    cells = [_cell(t) for t in col["value"][1]]  # each distinct value cell read once: (value, status) or None
    bad = (per_row("date", lambda t: parse_month_name(t) is None, bool)
           | per_row("sex", lambda t: " ".join(t.split()).lower() not in nomis.SEXES, bool)
           | per_row("age", lambda t: nomis.normalise_age(t) is None, bool)
           | ~per_row("area_code", lambda t: bool(GSS.match(t)), bool)
           | np.asarray([c is None for c in cells], dtype=bool)[col["value"][0]] | (status == "?"))
    if bad[used].any():
        return None  # a problem (or a status we do not know): named row by row by the line-by-line reader
    skip_abroad = used & ~per_row("area_code", lambda t: t.startswith("E"), bool)
    keep = used & ~skip_abroad

    reasons = [(skip_percent, "MEASURES_NAME 'Percent' (shares of a total, not rates)"),
               (skip_measure, None), (skip_abroad, "areas outside England (the product is England-only)")]
    _note_skipped(problems, reasons, line, col)

    status = status[keep]
    kept_values = col["value"][0][keep]  # kept cells all read
    value = np.asarray([(c or (math.nan, None))[0] for c in cells], dtype=np.float64)[kept_values]
    cell_status = _as_objects([(c or (math.nan, None))[1] for c in cells])[kept_values]
    value, status = _observations(value, cell_status, status)
    rows = int(keep.sum())

    def text(field: str, fn) -> pd.Categorical:  # the kept rows' texts, made once per distinct cell
        index, texts = col[field]
        return from_distinct(_as_objects([fn(t) for t in texts]), index[keep])

    def constant(value) -> pd.Categorical:
        return from_distinct(_as_objects([value]), np.zeros(rows, dtype=np.int64))

    measure_part = lambda i: lambda t: _part(nomis.MEASURES.get(" ".join(t.split()).lower()), i)  # noqa: E731
    (si, st), (ai, at) = col["sex"], col["age"]
    frame = pd.DataFrame({  # text columns as categoricals (etl.texts): every later step hashes codes, not texts
        "source_row": line[keep], "source_column": constant(columns["value"]), "indicator": text("measure", measure_part(0)),
        "area_code": text("area_code", str), "area_name": text("area_name", lambda t: t or None),
        "area_level": constant(None), "period": text("date", parse_month_name),
        "period_start": start[keep], "period_end": end[keep],
        "breakdown": from_distinct(_breakdowns(st, at), (si * len(at) + ai)[keep]), "value": value,
        "status": from_distinct(status, np.arange(rows)),
        "unit": text("measure", measure_part(1)), "source": constant(nomis.META.source_id)})
    if frame.empty or _has_duplicate_keys(frame, ["indicator", "area_code", "period", "breakdown"]):
        return None  # no rows, or a key given twice: reported by the line-by-line reader
    return frame


def _has_duplicate_keys(frame: pd.DataFrame, columns: list[str]) -> bool:
    """``frame.duplicated(columns).any()`` for categorical columns, from their codes (one int64 per row)."""
    key, size = np.zeros(len(frame), dtype=np.int64), 1
    for column in columns:
        codes, count = numbered(frame[column])
        size *= count + 1
        if size >= 2**62:  # (never for a page: a few hundred areas, periods and breakdowns)
            return bool(frame.duplicated(columns).any())
        key = key * (count + 1) + codes
    return bool(pd.Index(key).has_duplicates)


def _part(entry, i: int):
    """Item ``i`` of a catalogue entry (indicator id, unit); None for a measure not used."""
    return entry[i] if isinstance(entry, tuple) else None


def _as_objects(values: list) -> np.ndarray:
    """A 1-d object array of ``values`` (numpy would make tuples a second dimension)."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def _statuses(col: dict) -> np.ndarray:
    """Each row's status word from its (OBS_STATUS, OBS_STATUS_NAME, OBS_CONF) cells, worked out once per
    distinct combination."""
    (si, st), (ni, nt), (ci, ct) = col["status"], col["status_name"], col["conf"]
    combo = (si * len(nt) + ni) * len(ct) + ci
    distinct, back = np.unique(combo, return_inverse=True)
    words = [nomis.status_of(st[c // (len(nt) * len(ct))], nt[c // len(ct) % len(nt)], ct[c % len(ct)])
             for c in distinct]
    return np.asarray(words, dtype=object)[back]


def _breakdowns(st: list[str], at: list[str]) -> np.ndarray:
    """The breakdown label of each distinct (sex, age) pair, flattened: pair (s, a) at s * len(at) + a."""
    labels = np.empty((len(st), len(at)), dtype=object)
    for s, sex in enumerate(st):
        for a, age in enumerate(at):
            band, key = nomis.normalise_age(age), " ".join(sex.split()).lower()
            labels[s, a] = nomis.breakdown_label(band, nomis.SEXES[key]) if band and key in nomis.SEXES else None
    return labels.ravel()


def _observations(value: np.ndarray, cell_status: np.ndarray, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``nomis.observation`` for whole columns: a status carrying no value gives NaN; a status promising a
    value beside a marker or blank keeps the cell's own status."""
    status = status.copy()
    own = pd.isna(status)
    status[own] = cell_status[own]
    no_value = ~own & ~np.isin(status, list(STATUSES_WITH_VALUE))
    value = np.where(no_value, math.nan, value)
    marker = ~own & ~no_value & np.isnan(value)
    status[marker] = cell_status[marker]
    return value, status


def _note_skipped(problems: ProblemCollector, reasons: list, line: np.ndarray, col: dict) -> None:
    """The line-by-line reader's "N row(s) skipped" notes: one per reason, in the order first met."""
    skipped: dict[str, list[int]] = {}
    found = []
    for mask, what in reasons:
        if what is not None:
            if mask.any():
                found.append((int(line[mask][0]), what, int(mask.sum())))
            continue
        index, texts = col["measure"]
        for i, text in enumerate(texts):  # one reason per measure not in the catalogue
            rows = mask & (index == i)
            if rows.any():
                found.append((int(line[rows][0]), f"measure '{text}' (not in the catalogue)", int(rows.sum())))
    for first, what, count in sorted(found):
        skipped.setdefault(what, [first, 0])[1] += count
    nomis.warn_skipped(problems, skipped)
