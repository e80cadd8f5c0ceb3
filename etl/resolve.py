"""Areas: the geography built from every lookup file, and each file's rows resolved against it (codes for
name-only rows, levels and names from the codes), with what cannot be resolved reported."""
from __future__ import annotations

import numpy as np
import pandas as pd

from etl.distinct import distinct_rows
from etl.errors import MAX_PROBLEMS, Problem, ProblemLog
from etl.geography import Geography, reconcile_lookups
from etl.parse import ParsedFile
from etl.schema import KEY
from etl.tidy_check import has_duplicate_keys
from etl.texts import from_distinct, is_categorical
from vocab.levels import level_of_code


def build_geography(parsed: list[ParsedFile], log: ProblemLog) -> Geography:
    """The geography from every lookup (made to agree first) and the codes and names the data carry."""
    tables = {"hierarchy": [], "names": [], "changes": []}
    observed = []
    for item in parsed:
        if item.result.kind in tables:
            tables[item.result.kind].append((item.raw.name, item.result.table))
        elif item.result.kind == "indicators":
            observed.append(_observed(item.result.table))
    hierarchy, problems = reconcile_lookups(tables["hierarchy"])
    log.extend(problems)
    return Geography.from_tables(hierarchy, [t for _, t in tables["names"]], [t for _, t in tables["changes"]],
                                 observed)


def _observed(table: pd.DataFrame) -> pd.DataFrame:
    """The (area_code, area_name) pairs a file's rows carry, once each, in the order they first appear;
    categorical columns (an API page: 25,000 rows, a few hundred pairs) paired by their codes."""
    code, name = table["area_code"], table["area_name"]
    if not (is_categorical(code) and is_categorical(name)):
        return table.dropna(subset=["area_code", "area_name"])[["area_code", "area_name"]].drop_duplicates()
    codes, names = code.array.codes.astype(np.int64), name.array.codes.astype(np.int64)
    both = (codes >= 0) & (names >= 0)
    pairs = pd.unique(codes[both] * len(name.cat.categories) + names[both])  # (in order of first appearance)
    return pd.DataFrame({"area_code": code.cat.categories.take(pairs // len(name.cat.categories)),
                         "area_name": name.cat.categories.take(pairs % len(name.cat.categories))})


def resolve_areas(table: pd.DataFrame, geo: Geography, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Fill codes for name-only rows, levels and names from the geography; report what cannot be. Levels
    and names are worked out once per distinct (code, level, name) and come back categorical (etl.texts)."""
    df, problems = resolve_files(table, geo, [file], np.zeros(len(table), dtype=np.int64))
    return df, problems[0]


def resolve_files(table: pd.DataFrame, geo: Geography, files: list[str],
                  file_of: np.ndarray) -> tuple[pd.DataFrame, list[list[Problem]]]:
    """``resolve_areas`` of several files' rows in one table (``file_of``: each row's number in ``files``; a
    file's rows together, in its order): the same rows, and per file the same problems, as each file resolved
    on its own, with each distinct (code, level, name) worked out once over all of them (a national extract
    is hundreds of API pages)."""
    df = table.copy(deep=False)  # copy-on-write: only the columns changed below are copied
    problems: list[list[Problem]] = [[] for _ in files]
    need_code = df["area_code"].isna()
    if need_code.any():
        df["area_code"] = df["area_code"].astype(object)  # (a categorical cannot take new codes)
        # each distinct (name, level) looked up once, in order of first appearance, and spread to its rows
        number, pairs = distinct_rows(df.loc[need_code, ["area_name", "area_level"]], ["area_name", "area_level"])
        codes = np.empty(len(pairs), dtype=object)
        codes[:] = [geo.resolve_name(n, lvl) for n, lvl in pairs.itertuples(index=False)]
        df.loc[need_code, "area_code"] = codes[number]
        unresolved = need_code.to_numpy() & df["area_code"].isna().to_numpy()
        for number, rows in _per_file(df, unresolved, file_of):
            for (name, level), group in list(rows.groupby(["area_name", "area_level"], sort=True))[:MAX_PROBLEMS]:
                problems[number].append(Problem(
                    file=files[number], row=_row(df, group.index[0]), column="area name",
                    message=f"area name not found in the geography lookups ({len(group)} rows)",
                    expected=f"a known {level} name (or an alias in etl/reference/name_aliases.csv)", found=name))
    combination, distinct = _distinct_areas(df)
    codes = distinct["area_code"].to_numpy(dtype=object)
    levels = np.array([level_of_code(c) if isinstance(c, str) else None for c in codes], dtype=object)
    unknown = (pd.notna(codes) & pd.isna(levels))[combination]
    for number, rows in _per_file(df, unknown, file_of):
        for code, group in list(rows.groupby("area_code", sort=True))[:MAX_PROBLEMS]:
            problems[number].append(Problem(
                file=files[number], row=_row(df, group.index[0]), column="area code",
                message=f"unknown area code ({len(group)} rows)",
                expected="an English GSS code of a district, county, LEP, LSIP, combined authority, region or "
                         "England", found=code))
    # the code decides the level (a unitary published as a "Local authority" is still a district)
    levels = np.where(pd.isna(levels), distinct["area_level"].to_numpy(dtype=object), levels)
    names = [n if isinstance(n, str) and n else geo.name_of(c) or c
             for c, n in zip(codes, distinct["area_name"].to_numpy(dtype=object))]
    df["area_level"] = from_distinct(levels, combination)  # categorical, as the combined table has them
    df["area_name"] = from_distinct(np.array(names, dtype=object), combination)
    return df, problems


AREA_COLUMNS = ["area_code", "area_level", "area_name"]


def _distinct_areas(df: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """``distinct_rows(df, AREA_COLUMNS)`` (numbered in another order: what is done per combination does not
    depend on it); categorical columns with few possible combinations (a national table: a few hundred areas)
    are numbered by counting their codes instead of hashing 5 M keys."""
    columns = [df[c] for c in AREA_COLUMNS]
    sizes = [len(c.cat.categories) + 1 for c in columns] if all(is_categorical(c) for c in columns) else None
    if sizes is None or np.prod([float(s) for s in sizes]) > 3.0 * len(df) + 1024:
        return distinct_rows(df, AREA_COLUMNS)
    key = np.zeros(len(df), dtype=np.int64)
    for column, size in zip(columns, sizes):  # (in place: no temporary array per column)
        key *= size
        key += column.array.codes
        key += 1
    present = np.flatnonzero(np.bincount(key, minlength=int(np.prod(sizes))))
    number = np.zeros(int(np.prod(sizes)), dtype=np.int64)
    number[present] = np.arange(len(present))
    distinct = {}
    for name, column, size, below in zip(AREA_COLUMNS, columns, sizes, [sizes[1] * sizes[2], sizes[2], 1]):
        codes = present // below % size - 1
        texts = np.append(column.cat.categories.to_numpy(dtype=object), np.nan)  # (code -1: missing)
        distinct[name] = texts[codes]
    return number[key], pd.DataFrame(distinct, dtype=object)


def _per_file(df: pd.DataFrame, mask: np.ndarray, file_of: np.ndarray):
    """(file number, that file's rows of ``df`` where ``mask``) for each file with such rows, in file order."""
    if not mask.any():
        return
    for number in np.unique(file_of[mask]):
        yield int(number), df[mask & (file_of == number)]


def _row(df: pd.DataFrame, idx) -> int | None:
    if "source_row" in df.columns and pd.notna(df.at[idx, "source_row"]):
        return int(df.at[idx, "source_row"])
    return None


def duplicate_problems(table: pd.DataFrame, file: str) -> list[Problem]:
    """Rows of one file that say two things about the same indicator, area, period and breakdown."""
    return file_duplicate_problems(table, [file], np.zeros(len(table), dtype=np.int64))[0]


def file_duplicate_problems(table: pd.DataFrame, files: list[str], file_of: np.ndarray) -> list[list[Problem]]:
    """``duplicate_problems`` of several files' rows in one table (``file_of`` as for ``resolve_files``); a key
    that two files share is not a duplicate (that is an overlap, ``etl.overlaps``'s to settle)."""
    problems: list[list[Problem]] = [[] for _ in files]
    if table.empty or not has_duplicate_keys(table, KEY):
        return problems  # no key twice in the whole table (the usual case): none in any one file
    numbered = table.assign(_file_number=file_of)
    dupes = numbered[numbered.duplicated(KEY + ["_file_number"], keep="first").to_numpy()]
    for number, rows in dupes.groupby("_file_number", sort=True):
        problems[int(number)] = [Problem(file=files[int(number)], row=_row(table, idx), message="duplicate row",
                                         expected="one row per indicator, area, period and breakdown",
                                         found=" ".join(str(table.at[idx, k]) for k in KEY))
                                 for idx in rows.index[:MAX_PROBLEMS]]
    return problems
