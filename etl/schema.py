"""The tidy-table contract (DESIGN §4): columns, types, status words, and its pandera schema.

Parsers build rows with :func:`tidy_frame`; the build validates the whole table with
:func:`validate_tidy`, which collects every failure (``lazy=True``) into ``Problem`` records.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
from pandas.api.types import infer_dtype

from vocab.catalogue import INDICATORS, UNITS
from vocab.levels import AREA_LEVELS
from etl.distinct import per_distinct
from etl.errors import MAX_PROBLEMS, Problem
from etl.texts import TEXT_COLUMNS, as_objects, concat_sorted, is_categorical
from etl.tidy_check import meets_contract
from vocab.periods import period_bounds

STATUSES = ("ok", "suppressed", "not_available", "not_applicable", "low", "low_reliability",
            "provisional", "revised")
# Statuses whose value is a real number; the others always have value NaN.
STATUSES_WITH_VALUE = ("ok", "low_reliability", "provisional", "revised")

# Publishers' symbols -> our status word (DfE/ONS/Nomis/HMRC conventions)
MARKERS: dict[str, str] = {
    "c": "suppressed", "*": "suppressed", "!": "suppressed",
    "x": "not_available", "-": "not_available", "..": "not_available", ":": "not_available", "": "not_available",
    "z": "not_applicable",
    "~": "low", "low": "low",
    "u": "low_reliability",
    "p": "provisional",
    "r": "revised",
}

TIDY_COLUMNS = ["indicator", "area_code", "area_name", "area_level", "period", "period_start", "period_end",
                "breakdown", "value", "status", "numerator", "denominator", "lower_ci", "upper_ci", "unit", "source",
                "derived"]
NUMBER_COLUMNS = ("value", "numerator", "denominator", "lower_ci", "upper_ci")
KEY = ["indicator", "area_code", "period", "breakdown"]
# Columns a parser may add for the build's use; the build drops them before writing. They locate a
# problem found after parsing (a name not matched, an impossible value) as the user sees the file:
# source_row: the 1-based file line a row came from; source_column: the heading its value came from;
# source_parts: the heading(s) its numerator and denominator came from.
OPTIONAL_PARSER_COLUMNS = ["source_row", "source_column", "source_parts"]
VALUE_STATUS_CHECK = "value is NaN exactly when status has no value"
INTERVAL_CHECK = "a confidence interval with both ends and lower <= value <= upper"

ARROW_SCHEMA = pa_arrow.schema([
    ("indicator", pa_arrow.string()), ("area_code", pa_arrow.string()), ("area_name", pa_arrow.string()),
    ("area_level", pa_arrow.string()), ("period", pa_arrow.string()), ("period_start", pa_arrow.date32()),
    ("period_end", pa_arrow.date32()), ("breakdown", pa_arrow.string()), ("value", pa_arrow.float64()),
    ("status", pa_arrow.string()), ("numerator", pa_arrow.float64()), ("denominator", pa_arrow.float64()),
    ("lower_ci", pa_arrow.float64()), ("upper_ci", pa_arrow.float64()), ("unit", pa_arrow.string()),
    ("source", pa_arrow.string()), ("derived", pa_arrow.bool_()),
])

GSS_CODE = r"^[EWSNK]\d{8}$"
GSS = re.compile(GSS_CODE)  # a well-formed GSS area code (E/W/S/N/K + 8 digits)
_NUMBER = re.compile(r"^\s*[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][-+]?\d+)?\s*$")


def parse_number(text: object) -> float | None:
    """A publisher's number cell -> float, or None when it is not a number ('1,234' is fine)."""
    if text is None:
        return None
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        return None if (isinstance(text, float) and math.isnan(text)) else float(text)
    s = str(text).strip().replace("\u00a0", "")
    if s.endswith("%"):
        s = s[:-1]
    if not s or not _NUMBER.match(s) or not re.search(r"\d", s):
        return None
    return float(s.replace(",", ""))


def parse_cell(text: object) -> tuple[float, str] | None:
    """A cell -> (value, status): numbers are ``ok``, markers keep their meaning with NaN.

    Returns None when the cell is neither a number nor a known marker (the caller reports it).
    """
    number = parse_number(text)
    if number is not None:
        return number, "ok"
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return math.nan, "not_available"
    key = str(text).strip().lower()
    if key in MARKERS:
        return math.nan, MARKERS[key]
    return None


def tidy_frame(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Rows with at least indicator, area_code, period, value, status, unit, source -> tidy frame.

    Fills defaults (breakdown ``total``, derived False, NaN numerator/denominator, period
    bounds from the label), orders the columns and sets the contract's dtypes.
    """
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows.copy(deep=False)  # copy-on-write
    if df.empty:
        return empty_tidy()
    defaults = {"area_name": None, "area_level": None, "breakdown": "total", "numerator": np.nan,
                "denominator": np.nan, "lower_ci": np.nan, "upper_ci": np.nan, "derived": False}
    for col, default in defaults.items():
        if col not in df.columns:
            df[col] = default
    if "period_start" not in df.columns or "period_end" not in df.columns:
        bounds = {p: period_bounds(p) for p in df["period"].unique()}
        df["period_start"] = df["period"].map(lambda p: bounds[p][0] if bounds[p] else None)
        df["period_end"] = df["period"].map(lambda p: bounds[p][1] if bounds[p] else None)
    extra = [c for c in OPTIONAL_PARSER_COLUMNS if c in df.columns]
    df = df[TIDY_COLUMNS + extra]
    return coerce_types(df)


def coerce_types(df: pd.DataFrame) -> pd.DataFrame:
    """Set the contract's dtypes (object strings, float64 numbers, datetime64 dates, bool).

    A column that already has its type is kept as it is, not copied: a national table is millions of rows,
    and the copy is shallow (copy-on-write), so the caller's frame is never changed. Categorical text
    columns (``etl.texts``: the build's own form of them) stay categorical."""
    df = df.copy(deep=False)
    for col in TEXT_COLUMNS:
        if is_categorical(df[col]):
            continue
        if df[col].dtype != object or _has_missing(df[col]):  # missing cells become None
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    for col in NUMBER_COLUMNS:
        if df[col].dtype != "float64":
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    for col in ("period_start", "period_end"):
        if df[col].dtype != "datetime64[ms]":
            df[col] = pd.to_datetime(df[col]).astype("datetime64[ms]")
    if df["derived"].dtype != bool:
        df["derived"] = df["derived"].astype(bool)
    return df.reset_index(drop=True)


def _has_missing(texts: pd.Series) -> bool:
    """Whether an object column has a missing cell; a column of texts only (the usual case) is known as such
    by pandas' type inference, ~4x faster than looking at every cell for None or NaN."""
    return infer_dtype(texts.to_numpy(), skipna=False) != "string" and bool(texts.isna().any())


def empty_tidy() -> pd.DataFrame:
    return coerce_types(pd.DataFrame({c: pd.Series(dtype=object) for c in TIDY_COLUMNS}))


SORT_KEY = KEY + ["source"]


def sort_tidy(tables: pd.DataFrame | list[pd.DataFrame]) -> pd.DataFrame:
    """Canonical row order, so the same inputs give byte-identical tables. A list of tables is joined first
    (``etl.texts.concat_sorted``: each column joined and ordered in turn, by the keys' category codes)."""
    if isinstance(tables, list):
        return concat_sorted(tables, SORT_KEY)
    if all(is_categorical(tables[column]) for column in SORT_KEY):
        return concat_sorted([tables], SORT_KEY)
    return tables.sort_values(SORT_KEY, kind="mergesort").reset_index(drop=True)


def _interval_holds_value(df: pd.DataFrame) -> pd.Series:
    """A 95% interval comes whole (both ends or neither) and lower <= value <= upper."""
    lower, upper, value = df["lower_ci"], df["upper_ci"], df["value"]
    if all(c.dtype == "float64" for c in (lower, upper, value)):  # (the usual case: on numpy arrays)
        lower, upper, value = lower.to_numpy(), upper.to_numpy(), value.to_numpy()
        no_lower = np.isnan(lower)
        if no_lower.all() and np.isnan(upper).all():  # no intervals at all (most publishers)
            return pd.Series(np.ones(len(df), dtype=bool), index=df.index)
        holds = (no_lower == np.isnan(upper)) & (no_lower | (lower <= upper))
        holds &= no_lower | np.isnan(value) | ((lower <= value + 1e-9) & (value <= upper + 1e-9))
        return pd.Series(holds, index=df.index)
    whole = lower.isna() == upper.isna()
    ordered = lower.isna() | (lower <= upper)
    around = lower.isna() | value.isna() | ((lower <= value + 1e-9) & (value <= upper + 1e-9))
    return whole & ordered & around


def _value_matches_status(df: pd.DataFrame) -> pd.Series:
    has_value = df["value"].notna().to_numpy()
    keeps_value = _is_in(df["status"], STATUSES_WITH_VALUE)
    return pd.Series((has_value & keeps_value) | (~has_value & ~_is_in(df["status"], ["ok"])), index=df.index)


def _is_in(texts: pd.Series, values) -> np.ndarray:
    """``texts.isin(values)`` as an array; a categorical's looked up once per category."""
    if is_categorical(texts):
        found = np.append(texts.cat.categories.isin(list(values)), False)  # (code -1, missing: not in)
        return found[texts.array.codes]
    return texts.isin(list(values)).to_numpy()


DISTINCT_RULES: dict = {}  # each check function below -> its rule on one value (etl.tidy_check applies it too)


def _distinct_check(ok, name: str) -> pa.Check:
    """A column check evaluated once per distinct value (a tidy column repeats a few hundred values)."""
    def fn(s):
        return per_distinct(s, ok).astype(bool)

    DISTINCT_RULES[fn] = ok
    return pa.Check(fn, element_wise=False, error=name)


BREAKDOWN = re.compile(r"^(total|[a-z_]+=.+)$")
TIDY_SCHEMA = pa.DataFrameSchema(
    {
        # read at check time: local indicators join the catalogue while a build runs
        "indicator": pa.Column(object, _distinct_check(lambda i: i in INDICATORS, "a catalogue indicator"),
                               nullable=False),
        "area_code": pa.Column(object, _distinct_check(lambda c: bool(GSS.match(str(c))), "str_matches"),
                               nullable=False),
        "area_name": pa.Column(object, nullable=True),
        "area_level": pa.Column(object, pa.Check.isin(list(AREA_LEVELS)), nullable=False),
        "period": pa.Column(object, _distinct_check(lambda p: period_bounds(str(p)) is not None,
                                                    "a normalised period label"), nullable=False),
        "period_start": pa.Column("datetime64[ms]", nullable=False),
        "period_end": pa.Column("datetime64[ms]", nullable=False),
        "breakdown": pa.Column(object, _distinct_check(lambda b: bool(BREAKDOWN.match(str(b))), "str_matches"),
                               nullable=False),
        "value": pa.Column("float64", nullable=True),  # its domain is etl.domain's (catalogue) to check
        "status": pa.Column(object, pa.Check.isin(list(STATUSES)), nullable=False),
        "numerator": pa.Column("float64", nullable=True),
        "denominator": pa.Column("float64", nullable=True),
        "lower_ci": pa.Column("float64", nullable=True),
        "upper_ci": pa.Column("float64", nullable=True),
        "unit": pa.Column(object, pa.Check.isin(list(UNITS)), nullable=False),
        "source": pa.Column(object, nullable=False),
        "derived": pa.Column(bool, nullable=False),
    },
    checks=[pa.Check(_value_matches_status, error=VALUE_STATUS_CHECK),
            pa.Check(_interval_holds_value, error=INTERVAL_CHECK)],
    unique=KEY,
    strict=True,
    ordered=True,
)


# How each kind of contract failure reads in a report: column -> (message, expected).
COLUMN_FAILURES: dict[str, tuple[str, str]] = {
    "indicator": ("an indicator that is not in the catalogue", "an indicator id from vocab/catalogue.toml"),
    "area_code": ("not a GSS area code", "a code like E07000117"),
    "area_level": ("an unknown area level", "one of " + ", ".join(AREA_LEVELS)),
    "period": ("a period label that cannot be read", "'2020-03', '2017/18', '2020' or '2020-Q2' (a real date)"),
    "period_start": ("a period without a first day", "a period label that can be read"),
    "period_end": ("a period without a last day", "a period label that can be read"),
    "breakdown": ("a breakdown that is not 'total' or 'dimension=value'", "'total' or e.g. 'age=18-24'"),
    "status": ("an unknown status", "one of " + ", ".join(STATUSES)),
    "unit": ("an unknown unit", "one of " + ", ".join(UNITS)),
}
ROW_FAILURES: dict[str, tuple[str, str, str]] = {  # frame-level check -> (columns, message, expected)
    VALUE_STATUS_CHECK: ("value, status", "a value and its status disagree",
                         "a number with a status that keeps one (ok, provisional ...), or no number with a marker "
                         "status (suppressed, not_available ...)"),
    INTERVAL_CHECK: ("value, lower_ci, upper_ci", "a confidence interval that does not hold its value",
                     "both ends of the 95% confidence interval, with lower <= value <= upper (or neither end)"),
    "multiple_fields_uniqueness": (", ".join(KEY), "the same indicator, area, period and breakdown twice",
                                   "one row per indicator, area, period and breakdown"),
}


def validate_tidy(df: pd.DataFrame, file: str = "indicators table") -> list[Problem]:
    """Every way ``df`` breaks the contract, one problem per failing row (capped), each naming the
    file line (a parser's ``source_row``) and the column; empty when the table is valid.

    ``df`` may carry the parsers' OPTIONAL_PARSER_COLUMNS: they locate problems and are not checked.
    """
    rows = df["source_row"] if "source_row" in df.columns else None
    checked = coerce_types(df.drop(columns=[c for c in OPTIONAL_PARSER_COLUMNS if c in df.columns]))
    if meets_contract(checked, TIDY_SCHEMA):
        return []  # the usual case, decided without pandera; a table with a failure is reported below
    checked = as_objects(checked)  # pandera's schema (and its report) is in object strings
    try:
        TIDY_SCHEMA.validate(checked, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return _contract_problems(exc.failure_cases, checked, rows, file)
    return []


def contract_cleared(df: pd.DataFrame, unique_key: bool = True) -> bool:
    """True when the fast pass clears ``df`` (then ``validate_tidy`` finds nothing); False when it does not,
    without asking pandera why: for a caller that only needs to know whether to look closer. With
    ``unique_key=False`` a key given twice is not checked (``meets_contract``)."""
    return meets_contract(coerce_types(df.drop(columns=[c for c in OPTIONAL_PARSER_COLUMNS if c in df.columns])),
                          TIDY_SCHEMA, unique_key)


def _contract_problems(cases: pd.DataFrame, df: pd.DataFrame, rows: pd.Series | None, file: str) -> list[Problem]:
    problems: list[Problem] = []
    failing = 0
    cases = cases.assign(_row=cases["index"]).sort_values(["_row"], kind="mergesort", na_position="first")
    unreadable = set(cases.loc[cases["column"] == "period", "_row"].dropna())
    for (context, check, index), group in cases.groupby(["schema_context", "check", "_row"], dropna=False,
                                                        sort=False):
        column = group["column"].dropna().iloc[0] if group["column"].notna().any() else None
        if column in ("period_start", "period_end") and index in unreadable:
            continue  # an unreadable period has no first or last day: said once, on the period
        failing += 1
        if len(problems) >= MAX_PROBLEMS:
            continue
        line = None
        if rows is not None and pd.notna(index) and index in rows.index and pd.notna(rows[index]):
            line = int(rows[index])
        if context == "DataFrameSchema" and check in ROW_FAILURES:
            columns, message, expected = ROW_FAILURES[check]
            found = " ".join(str(df.at[index, c]) for c in columns.split(", ")) if index in df.index else None
            problems.append(Problem(file=file, message=message, row=line, column=columns, expected=expected,
                                    found=found))
            continue
        message, expected = COLUMN_FAILURES.get(column, ("a cell that breaks the tidy-table contract", str(check)))
        if pd.isna(index):  # the whole column (a wrong type, a missing column)
            message, expected = "a column that breaks the tidy-table contract", str(check)
        elif check == "not_nullable":
            message, expected = "an empty cell where the contract needs a value", f"a {column}"
        found = ", ".join(dict.fromkeys(str(v) for v in group["failure_case"].head(5)))
        problems.append(Problem(file=file, message=message, row=line, column=column, expected=expected, found=found))
    if failing > len(problems):
        problems.append(Problem(file=file, message=f"{failing - len(problems)} more contract failure(s) not listed",
                                expected="the rows above corrected"))
    return problems
