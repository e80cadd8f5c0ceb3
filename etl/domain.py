"""Impossible values: what no publisher can have meant, checked against the catalogue's declared domain.

The tidy-table schema (``etl.schema``) says what a row must look like; this module says what its
numbers, periods and names may be. Both run on each file's rows (so a problem names the file, its
row and the publisher's column) and on the finished table. Nothing here guesses: every bound is data
in ``vocab/catalogue.toml`` (``min``/``max``, ``whole_numbers``, ``earliest_period``/``latest_period``
and ``[count_ceilings]``), and the build date bounds periods from above.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from etl.errors import CONTROL_CHARACTERS, MAX_PROBLEMS, Problem
from vocab.catalogue import COUNT_CEILINGS, INDICATORS
from vocab.periods import period_bounds

WHOLE_TOLERANCE = 1e-6  # float noise in a whole number read from a spreadsheet, not a fraction


def _rules() -> pd.DataFrame:
    """One row per indicator: the catalogue's domain as columns, for vectorised checks."""
    rows = []
    for ind in INDICATORS.values():
        earliest = period_bounds(ind.earliest_period) if ind.earliest_period else None
        latest = period_bounds(ind.latest_period) if ind.latest_period else None
        rows.append({"indicator": ind.id, "_label": ind.label, "_unit": ind.unit, "_min": float(ind.min),
                     "_max": np.nan if ind.max is None else float(ind.max), "_whole": ind.is_whole,
                     "_earliest": pd.Timestamp(earliest[0]) if earliest else pd.NaT,
                     "_earliest_label": ind.earliest_period, "_latest": pd.Timestamp(latest[1]) if latest else pd.NaT,
                     "_latest_label": ind.latest_period, "_den_label": ind.denominator_label or "its denominator"})
    rules = pd.DataFrame(rows).set_index("indicator")
    # in the unit of the tidy table's period dates: comparing 5 M dates across units converts them first
    return rules.astype({"_earliest": "datetime64[ms]", "_latest": "datetime64[ms]"})


RULES = _rules()


@dataclass(frozen=True)
class _Check:
    """One impossible-value rule: which rows break it and how the report describes them."""

    part: str  # the tidy column at fault: value, numerator, denominator or period
    message: Callable[[pd.Series], str]
    expected: Callable[[pd.Series], str]
    found: Callable[[pd.Series], str]
    fails: Callable[[dict], np.ndarray]  # the rows (numpy arrays of ``_arrays``) that break it


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1e4 and abs(x) < 1e15 and float(x).is_integer() else f"{x:g}"


def _not_finite(part: str) -> _Check:
    return _Check(part, lambda r: f"the {part} is not a finite number (too large to be real?)",
                  lambda r: "a number within the indicator's range", lambda r: str(r[part]),
                  lambda d: np.isinf(d[part]))


def _negative(part: str, when: Callable[[dict], np.ndarray]) -> _Check:
    return _Check(part, lambda r: f"a negative {part}", lambda r: "0 or more", lambda r: _number(r[part]),
                  lambda d: when(d) & (d[part] < 0))


# Each rule on whole columns (numpy; a comparison with NaN or NaT is False): a million rows at a time
CHECKS: list[_Check] = [
    _not_finite("value"),
    _Check("value", lambda r: f"a value below the smallest possible {r['_label']}",
           lambda r: f"at least {_number(r['_min'])}", lambda r: _number(r["value"]),
           lambda d: np.isfinite(d["value"]) & (d["value"] < d["_min"])),
    _Check("value", lambda r: f"a value above the largest possible {r['_label']}",
           lambda r: f"at most {_number(r['_max'])}", lambda r: _number(r["value"]),
           lambda d: np.isfinite(d["value"]) & (d["value"] > d["_max"])),
    _Check("value", lambda r: f"a count larger than any {str(r['area_level']).replace('_', ' ')} could have",
           lambda r: f"at most {_number(r['_ceiling'])} for one {str(r['area_level']).replace('_', ' ')}",
           lambda r: _number(r["value"]),
           lambda d: d["_count"] & np.isfinite(d["value"]) & (d["value"] > d["_ceiling"])),
    _Check("value", lambda r: f"a fractional {r['_label']}: the publisher publishes whole numbers only",
           lambda r: "a whole number", lambda r: f"{r['value']:.10g}",
           lambda d: d["_whole"] & np.isfinite(d["value"]) & (np.abs(d["value"] - np.round(d["value"]))
                                                               > WHOLE_TOLERANCE)),
    _not_finite("numerator"),
    _negative("numerator", lambda d: d["_min"] >= 0),  # a sum of negative scores can be negative
    _not_finite("denominator"),
    _negative("denominator", lambda d: ~np.isnan(d["_min"])),
    _Check("denominator",
           lambda r: f"a denominator ({r['_den_label']}) larger than any "
                     f"{str(r['area_level']).replace('_', ' ')} could have",
           lambda r: f"at most {_number(r['_ceiling'])}", lambda r: _number(r["denominator"]),
           lambda d: np.isfinite(d["denominator"]) & (d["denominator"] > d["_ceiling"])),
    _Check("numerator", lambda r: f"the numerator is larger than the denominator ({r['_den_label']}): more than "
                                  "100% is impossible",
           lambda r: "a numerator no larger than its denominator",
           lambda r: f"{_number(r['numerator'])} of {_number(r['denominator'])}",
           lambda d: d["_percent"] & (d["numerator"] > d["denominator"] * (1 + 1e-9))
           & ~(d["value"] > d["_max"])),  # a value already out of range says it once
    _Check("period", lambda r: f"a period before the {r['_label']} series began",
           lambda r: f"{r['_earliest_label']} or later", lambda r: str(r["period"]),
           lambda d: d["period_start"] < d["_earliest"]),
    _Check("period", lambda r: f"a period after the {r['_label']} series ended",
           lambda r: f"{r['_latest_label']} or earlier", lambda r: str(r["period"]),
           lambda d: d["period_start"] > d["_latest"]),
    _Check("period", lambda r: "a period in the future",
           lambda r: f"a period that has begun by the build date ({r['_today'].date().isoformat()})",
           lambda r: str(r["period"]), lambda d: d["period_start"] > d["_today"]),
]


def _location(df: pd.DataFrame, idx, part: str) -> tuple[int | None, str]:
    """(file line, column as the user should see it) of one row's ``part``."""
    row = df.at[idx, "source_row"] if "source_row" in df.columns else None
    column = part
    if part in ("numerator", "denominator") and "source_parts" in df.columns and isinstance(
            df.at[idx, "source_parts"], str):
        column = df.at[idx, "source_parts"]
    elif part == "value" and "source_column" in df.columns and isinstance(df.at[idx, "source_column"], str):
        column = df.at[idx, "source_column"]
    return (int(row) if row is not None and pd.notna(row) else None), column


MESSAGE_RULES = ["_label", "_earliest_label", "_latest_label", "_den_label"]  # read for a failing row only


def _with_rules(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (rows of catalogue indicators only: an unknown one is the schema's to report) with each
    row's domain beside it: the rules the checks compare with, not the texts only a report needs, and
    without copying the table's own columns (at national scale each is millions of rows)."""
    codes, indicators = pd.factorize(df["indicator"], use_na_sentinel=False)
    position = RULES.index.get_indexer(pd.Index(indicators, dtype=object))[codes]
    known = position >= 0
    d = df.copy(deep=False) if known.all() else df[known].copy(deep=False)
    for column in RULES.columns.difference(MESSAGE_RULES, sort=False):  # (in the rules' dtypes: no inference)
        d[column] = RULES[column].array.take(position[known])
    return d


CHUNK_ROWS = 1_000_000  # rows checked at once: each carries ~10 rule columns while it is checked
# the catalogue's domain per indicator (a row of RULES), as the checks compare rows with it
RULE_ARRAYS = {"_min": RULES["_min"].to_numpy(dtype="float64"), "_max": RULES["_max"].to_numpy(dtype="float64"),
               "_whole": RULES["_whole"].fillna(False).to_numpy(dtype=bool),
               "_count": (RULES["_unit"] == "count").to_numpy(dtype=bool),
               "_percent": (RULES["_unit"] == "percent").to_numpy(dtype=bool),
               "_earliest": RULES["_earliest"].to_numpy(), "_latest": RULES["_latest"].to_numpy()}


def value_problems(df: pd.DataFrame, file: str, today: date) -> list[Problem]:
    """Every row of a tidy table (a parser's, or the finished one) whose numbers or period are impossible.

    Checked a million rows at a time on numpy arrays (every rule is row by row); only the rows a report
    lists are looked at as rows. Problems are listed as one pass would list them: check by check, in row
    order."""
    if df.empty:
        return []
    found: list[list[Problem]] = [[] for _ in CHECKS]  # per check, its first MAX_PROBLEMS failing rows
    failing = 0
    for start in range(0, len(df), CHUNK_ROWS):
        chunk = df.iloc[start:start + CHUNK_ROWS]
        d = _arrays(chunk, today)
        listed_rows = {}  # check number -> positions in ``chunk`` of the rows to describe
        for number, (check, listed) in enumerate(zip(CHECKS, found)):
            with np.errstate(invalid="ignore", over="ignore"):  # (inf - inf: NaN, which fails no comparison)
                mask = check.fails(d) & d["_known"]
            count = int(np.count_nonzero(mask))
            failing += count
            if count and len(listed) < MAX_PROBLEMS:
                listed_rows[number] = np.flatnonzero(mask)[:MAX_PROBLEMS - len(listed)]
        if listed_rows:  # the rows as the report describes them, with their rules beside them
            rows = _prepared(chunk.iloc[np.unique(np.concatenate(list(listed_rows.values())))], today)
            for number, positions in listed_rows.items():
                found[number] += [_problem(rows, idx, CHECKS[number], file) for idx in chunk.index[positions]]
    problems = [p for listed in found for p in listed][:MAX_PROBLEMS]
    problems.sort(key=lambda p: (p.row is None, p.row or 0))
    if failing > len(problems):
        problems.append(Problem(file=file, message=f"{failing - len(problems)} more impossible value(s) not listed",
                                expected="the values above corrected"))
    return problems


def _arrays(df: pd.DataFrame, today: date) -> dict:
    """``df``'s numbers and period starts, and each row's rules (``RULE_ARRAYS``, ``_ceiling`` by its level),
    as numpy arrays; ``_known``: the rows of catalogue indicators (an unknown one is the schema's to report)."""
    codes, indicators = pd.factorize(df["indicator"], use_na_sentinel=False)
    position = RULES.index.get_indexer(pd.Index(indicators, dtype=object))[codes]
    d = {"_known": position >= 0}
    rule = np.where(d["_known"], position, 0)
    for name, values in RULE_ARRAYS.items():
        d[name] = values[rule]
    for col in ("value", "numerator", "denominator"):
        d[col] = (df[col] if df[col].dtype == "float64" else pd.to_numeric(df[col], errors="coerce")).to_numpy(
            dtype="float64")
    d["_ceiling"] = _ceilings(df["area_level"])
    starts = df["period_start"]
    d["period_start"] = (starts if starts.dtype.kind == "M" else pd.to_datetime(starts, errors="coerce")).to_numpy()
    d["_today"] = np.datetime64(pd.Timestamp(today))
    return d


def _ceilings(levels: pd.Series) -> np.ndarray:
    """Each row's largest possible count for its area level (NaN: none), looked up once per level."""
    if isinstance(levels.dtype, pd.CategoricalDtype):
        ceilings = pd.Series(levels.cat.categories, dtype=object).map(COUNT_CEILINGS).to_numpy(dtype="float64")
        return np.append(ceilings, np.nan)[levels.array.codes]  # (code -1, no level: no ceiling)
    codes, distinct = pd.factorize(levels, use_na_sentinel=False)  # a few levels, millions of rows
    return pd.Series(distinct, dtype=object).map(COUNT_CEILINGS).to_numpy(dtype="float64")[codes]


def _prepared(df: pd.DataFrame, today: date) -> pd.DataFrame:
    """``df``'s rows with the rules beside them, as the report's messages read them."""
    d = _with_rules(df)
    for col in ("value", "numerator", "denominator"):
        d[col] = pd.to_numeric(d[col], errors="coerce").astype("float64")
    d["_ceiling"] = _ceilings(d["area_level"])
    d["period_start"] = pd.to_datetime(d["period_start"], errors="coerce")
    d["_today"] = pd.Timestamp(today)
    return d


def _problem(d: pd.DataFrame, idx, check: _Check, file: str) -> Problem:
    """The report's line for row ``idx`` of ``d`` failing ``check``."""
    r = pd.concat([d.loc[idx], RULES.loc[d.at[idx, "indicator"], MESSAGE_RULES]])
    row, column = _location(d, idx, check.part)
    found = check.found(r)
    if row is None:  # the finished table: say which row by its key
        found += f" ({r['indicator']} {r['area_code']} {r['period']} {r['breakdown']})"
    return Problem(file=file, message=check.message(r), row=row, column=column, expected=check.expected(r),
                   found=found)


def text_problems(table: pd.DataFrame, file: str) -> list[Problem]:
    """Names (and every other text cell) holding control or invisible characters, row by row."""
    problems: list[Problem] = []
    failing = 0
    for column in table.columns:
        categorical = isinstance(table[column].dtype, pd.CategoricalDtype)
        if column.startswith("source_") or (table[column].dtype != object and not categorical):
            continue
        values = table[column]
        distinct = values.cat.categories if categorical else pd.unique(values.to_numpy())  # (rows: by isin)
        flagged = [v for v in distinct if isinstance(v, str) and CONTROL_CHARACTERS.search(v)]
        for idx in values.index[values.isin(flagged).to_numpy(dtype=bool)] if flagged else []:
            failing += 1
            if len(problems) >= MAX_PROBLEMS:
                continue
            row = table.at[idx, "source_row"] if "source_row" in table.columns else None
            problems.append(Problem(file=file, message=f"a control or invisible character in the "
                                                       f"{column.replace('_', ' ')}",
                                    row=int(row) if row is not None and pd.notna(row) else None, column=column,
                                    expected="printable text (no NUL, escape, line-break or direction-override "
                                             "characters)", found=values[idx]))
    if failing > len(problems):
        problems.append(Problem(file=file, message=f"{failing - len(problems)} more cell(s) with control characters "
                                                   "not listed", expected="printable text"))
    return problems
