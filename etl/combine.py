"""Every file's indicator rows in one table, and every boundary file in one map layer.

Each file's rows are resolved and checked on their own (so errors name the file); where two files give
the same figures ``etl.overlaps`` picks one set; each source's finaliser then runs on its combined rows.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from etl.domain import value_problems
from etl.errors import ProblemLog
from etl.geography import Geography
from etl.memory import give_back
from etl.overlaps import OverlapResult, resolve_overlaps
from etl.parse import ParsedFile
from etl.resolve import file_duplicate_problems, resolve_files
from etl.schema import KEY, OPTIONAL_PARSER_COLUMNS, contract_cleared, empty_tidy, validate_tidy
from etl.sources.base import all_finalisers
from etl.texts import as_categories, concat
from etl.tidy_check import has_duplicate_keys


def combine(parsed: list[ParsedFile], geo: Geography, log: ProblemLog,
            today: date) -> tuple[pd.DataFrame, list[str]]:
    """All files' indicator rows in one table; where two files give the same key, ``resolve_overlaps`` picks one.

    The files' rows are joined first and resolved and checked together (a national extract is hundreds of
    API pages, each with the same few hundred areas); every problem still names its file and row."""
    files = [(order, item.raw.name, item.result.table) for order, item in enumerate(parsed)
             if item.result.kind == "indicators" and not item.result.table.empty]
    if not files:
        return empty_tidy(), []
    rows = concat([table for _, _, table in files])  # once: resolving, the checks below and the overlaps share it
    sizes = [len(table) for _, _, table in files]
    names = [name for _, name, _ in files]
    orders = [order for order, _, _ in files]
    del files
    release_tables(parsed)
    give_back()  # the files' own frames (etl.memory)
    file_of = np.repeat(np.arange(len(sizes)), sizes)
    rows, problems = resolve_files(rows, geo, names, file_of)
    rows = as_categories(rows)  # (codes found for name-only rows come back as texts)
    located = rows["area_code"].notna().to_numpy()
    duplicates = (file_duplicate_problems(rows, names, file_of) if located.all()
                  else file_duplicate_problems(rows[located], names, file_of[located]))
    resolved = [(name, found + more) for name, found, more in zip(names, problems, duplicates)]
    ends = np.cumsum(sizes)
    files_clean = _files_clean(resolved, rows, today)
    clean = files_clean and not has_duplicate_keys(rows, KEY)
    if not files_clean:
        for (name, problems), start, end in zip(resolved, np.r_[0, ends[:-1]], ends):
            if not problems:  # check each file's own rows, so every error names its file
                problems += validate_tidy(_file_rows(rows, start, end), file=name)
            problems += value_problems(_file_rows(rows, start, end), name, today)
            log.extend(problems)
    del resolved
    if clean:  # no key given twice: there is no overlap to resolve
        overlaps = OverlapResult(rows)
    else:
        rows["_order"] = np.repeat(orders, sizes)
        rows["_file"] = pd.Series(np.repeat(np.array(names, dtype=object), sizes),
                                  dtype=object)  # each file's name, one shared string (pandas would store a "str" per row)
        overlaps = resolve_overlaps(rows.dropna(subset=["area_code"]))
    del rows
    log.extend(overlaps.problems)
    df = overlaps.rows.drop(columns=[c for c in ["_order", "_file"] + OPTIONAL_PARSER_COLUMNS
                                     if c in overlaps.rows.columns])
    for source_id, finalise in all_finalisers().items():
        mine = df["source"] == source_id
        if mine.all():  # one source (a national extract): no need to split and copy the table twice
            df = finalise(df).reset_index(drop=True)
        elif mine.any():
            df = concat([df[~mine], finalise(df[mine])])
    return df, overlaps.superseded


def _file_rows(rows: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """One file's rows of the combined table, as its own table (numbered from 0)."""
    return rows.iloc[start:end].reset_index(drop=True)


def release_tables(parsed: list[ParsedFile]) -> None:
    """Let each indicator file's own rows go (an empty frame with its columns stays): they are all in the
    combined table now, and at national scale a second copy of millions of rows is gigabytes. Each file
    keeps its row count (``ParsedFile.rows``) for the report."""
    for item in parsed:
        if item.result.kind == "indicators":
            item.result.table = item.result.table.iloc[0:0].copy()  # (a slice would keep the rows alive)


def _files_clean(resolved: list, rows: pd.DataFrame, today: date) -> bool:
    """Whether every file's rows meet the contract and the catalogue's domain, checked in one pass over all
    of them (``rows``: a folder of API pages is hundreds of files). Every rule but the key's uniqueness is
    row by row, so the whole passes only when every file would; a key given twice within one file is among
    ``resolved``'s problems, and one given by two files is an overlap (``etl.overlaps``), not a file's error.
    Only when this fails are the files checked one by one, so that every error names its file (pandera's
    report on the whole, which would be thrown away, is never made)."""
    if not resolved or any(problems for _, problems in resolved):
        return False
    return contract_cleared(rows, unique_key=False) and not value_problems(rows, "", today)


def combine_boundaries(parsed: list[ParsedFile]):
    frames = [p.result.table for p in parsed if p.result.kind == "boundaries" and len(p.result.table)]
    if not frames:
        return None
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    return gdf.drop_duplicates("area_code", keep="first").sort_values("area_code").reset_index(drop=True)
