"""Local indicators: an analyst's own series as a tidy CSV plus a TOML declaration beside it.

``data/raw/<any folder>/online_vacancies.csv`` (``area_code, period, value[, numerator, denominator,
status]``) and ``online_vacancies.toml`` (a ``[local_indicator]`` table: id, title, unit, polarity,
aggregation, source, licence, caveats). The declaration becomes a catalogue entry (checked as the
catalogue's own are) for the rest of the build, and the CSV is read like a publisher's file: every bad
cell is reported with its file, line and column.
"""
from __future__ import annotations

import json
import tomllib

import pandas as pd

from etl.errors import Problem, ProblemCollector, SourceFormatError, format_error
from etl.schema import GSS, STATUSES, tidy_frame
from etl.sources.cells import cell as parse_cell, number as parse_number
from etl.sources.base import ParseResult, RawFile, SourceMeta
from vocab.catalogue import CatalogueError, Indicator, local_indicator, register_local
from vocab.periods import period_bounds

COLUMNS = ("area_code", "period", "value", "numerator", "denominator", "status")
REQUIRED = COLUMNS[:3]
TABLE = "local_indicator"
MAX_DECLARATION_BYTES = 64 * 1024


def read_declaration(path, name: str) -> tuple[Indicator, dict]:
    """(catalogue entry, the declaration as written) from a TOML file; SourceFormatError names the file."""
    try:
        if path.stat().st_size > MAX_DECLARATION_BYTES:
            raise format_error(name, "the declaration is too large", expected="a short TOML file (under 64 KB)")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise format_error(name, "the declaration is not UTF-8 text", expected="a UTF-8 TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise format_error(name, f"the declaration is not valid TOML ({exc})",
                           expected=f"a [{TABLE}] table of key = value lines") from None
    decl = data.get(TABLE)
    if not isinstance(decl, dict):
        raise format_error(name, f"no [{TABLE}] table", expected=f"[{TABLE}] with id, title, unit, polarity, "
                                                                 "aggregation, source, licence", found=", ".join(data))
    try:
        ind = local_indicator(decl)
    except CatalogueError as exc:
        raise SourceFormatError(Problem(file=name, column=f"[{TABLE}]", message=f"the declaration is not valid: {exc}",
                                        expected="see the README's 'Local indicators' template")) from None
    register_local(ind)
    return ind, decl


def meta_of(decl: dict) -> SourceMeta:
    return SourceMeta(source_id=f"local_{decl['id']}", publisher=str(decl["source"]), title=str(decl["title"]))


class LocalDeclarationParser:
    """The TOML declaration of a local indicator (a [local_indicator] table)."""

    name = "local indicator declaration (TOML with a [local_indicator] table)"

    def sniff(self, raw: RawFile) -> bool:
        return raw.suffix == ".toml" and f"[{TABLE}]" in raw.head_bytes.decode("utf-8", "replace")

    def parse(self, raw: RawFile) -> ParseResult:
        ind, decl = read_declaration(raw.path, raw.name)
        table = pd.DataFrame([{"id": ind.id, "title": str(decl["title"]), "source": str(decl["source"]),
                               "licence": str(decl["licence"]), "declaration": json.dumps(decl, sort_keys=True,
                                                                                          default=str)}])
        return ParseResult(kind="local_catalogue", table=table, meta=meta_of(decl))


class LocalCsvParser:
    """A local indicator's tidy CSV: area_code, period, value[, numerator, denominator, status]."""

    name = "local indicator CSV (area_code, period, value[, numerator, denominator, status] + a .toml beside it)"

    def sniff(self, raw: RawFile) -> bool:
        if raw.suffix != ".csv" or raw.looks_binary:
            return False
        header = [h.strip().lower() for h in raw.first_row()]
        return header[:3] == list(REQUIRED) and set(header) <= set(COLUMNS)

    def parse(self, raw: RawFile) -> ParseResult:
        declaration = raw.companion(".toml")
        if declaration is None:
            raise format_error(raw.name, "a local indicator CSV without its declaration",
                               expected=f"a file {raw.path.with_suffix('.toml').name} beside it (see the README)")
        ind, decl = read_declaration(declaration, str(raw.path.with_suffix(".toml").name))
        col = ProblemCollector(raw.name)
        rows = iter(raw.csv_rows())
        _line, header = next(rows)
        header = [h.strip().lower() for h in header]
        where = {h: i for i, h in enumerate(header)}
        records, seen = [], {}
        for line, cells in col.table_rows(rows, len(header)):
            cell = {h: cells[i].strip() for h, i in where.items()}
            if not GSS.match(cell["area_code"]):
                col.error("an area code that is not a GSS code", row=line, column="area_code",
                          expected="a 9-character ONS code such as E07000117", found=cell["area_code"])
                continue
            if period_bounds(cell["period"]) is None:
                col.error("a period we cannot read", row=line, column="period",
                          expected="'2024-03' (month), '2024' (year), '2023/24' (academic year) or '2024-Q1'",
                          found=cell["period"])
                continue
            parsed = parse_cell(cell["value"])
            if parsed is None:
                col.error("text where a number belongs", row=line, column="value",
                          expected="a number, an empty cell or a status marker", found=cell["value"])
                continue
            value, status = parsed
            if cell.get("status"):
                if cell["status"] not in STATUSES:
                    col.error("a status we do not know", row=line, column="status",
                              expected="one of " + ", ".join(STATUSES), found=cell["status"])
                    continue
                status = cell["status"]
            counts = {}
            for name in ("numerator", "denominator"):
                text = cell.get(name, "")
                counts[name] = parse_number(text) if text else None
                if text and counts[name] is None:
                    col.error("text where a number belongs", row=line, column=name, expected="a number or empty",
                              found=text)
            key = (cell["area_code"], cell["period"])
            if key in seen:
                col.error("a duplicate row: the same area and period twice", row=line,
                          expected=f"one row per area and period (first on line {seen[key]})", found=" ".join(key))
                continue
            seen[key] = line
            records.append({"indicator": ind.id, "area_code": cell["area_code"], "period": cell["period"],
                            "value": value, "status": status, "numerator": counts["numerator"],
                            "denominator": counts["denominator"], "unit": ind.unit, "source": f"local_{ind.id}",
                            "source_row": line, "source_column": "value"})
        col.raise_if_any()
        if not records:
            raise format_error(raw.name, "no rows below the header", expected="one row per area and period")
        return ParseResult(kind="indicators", table=tidy_frame(records), meta=meta_of(decl))


PARSERS = [LocalDeclarationParser(), LocalCsvParser()]


def catalogue_file(parsed) -> dict[str, bytes]:
    """``local_catalogue.parquet``: the declarations the build read, so the release carries them and the
    dashboard knows its local indicators without a code change (nothing when there are none)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    frames = [p.result.table for p in parsed if p.result.kind == "local_catalogue"]
    if not frames:
        return {}
    table = pd.concat(frames, ignore_index=True).drop_duplicates("id").sort_values("id", kind="mergesort")
    schema = pa.schema([(name, pa.string()) for name in ("id", "title", "source", "licence", "declaration")])
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(table, schema=schema, preserve_index=False), buffer)
    return {"local_catalogue.parquet": buffer.getvalue()}
