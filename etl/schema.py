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

from vocab.catalogue import INDICATORS, UNITS
from vocab.levels import AREA_LEVELS
from etl.errors import Problem
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
# Columns a parser may add for the build's use; the build drops them before validation.
# source_row: the 1-based file line a row came from (for error messages after name matching).
OPTIONAL_PARSER_COLUMNS = ["source_row"]

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
    df = pd.DataFrame(rows).copy() if not isinstance(rows, pd.DataFrame) else rows.copy()
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
    """Set the contract's dtypes (object strings, float64 numbers, datetime64 dates, bool)."""
    df = df.copy()
    for col in ("indicator", "area_code", "area_name", "area_level", "period", "breakdown", "status", "unit",
                "source"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    for col in NUMBER_COLUMNS:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    for col in ("period_start", "period_end"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ms]")
    df["derived"] = df["derived"].astype(bool)
    return df.reset_index(drop=True)


def empty_tidy() -> pd.DataFrame:
    return coerce_types(pd.DataFrame({c: pd.Series(dtype=object) for c in TIDY_COLUMNS}))


def sort_tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Canonical row order, so the same inputs give byte-identical tables."""
    return df.sort_values(KEY + ["source"], kind="mergesort").reset_index(drop=True)


def _bound(df: pd.DataFrame, key: str, default: float) -> pd.Series:
    """Each row's catalogue bound (``min``/``max``) for its indicator."""
    bounds = {i: getattr(ind, key) for i, ind in INDICATORS.items()}
    return df["indicator"].map(bounds).astype("float64").fillna(default)


def _value_in_domain(df: pd.DataFrame) -> pd.Series:
    """Values (and their interval ends) within the indicator's catalogue domain; NaN passes."""
    low, high = _bound(df, "min", -np.inf), _bound(df, "max", np.inf)
    ok = pd.Series(True, index=df.index)
    for col in ("value", "lower_ci", "upper_ci"):
        ok &= df[col].isna() | ((df[col] >= low) & (df[col] <= high))
    return ok


def _numerator_sign(df: pd.DataFrame) -> pd.Series:
    """A numerator is a count (>= 0) unless the indicator itself can be negative (Progress 8 totals)."""
    return df["numerator"].isna() | (df["numerator"] >= 0) | (_bound(df, "min", 0.0) < 0)


def _interval_holds_value(df: pd.DataFrame) -> pd.Series:
    """A 95% interval comes whole (both ends or neither) and lower <= value <= upper."""
    lower, upper, value = df["lower_ci"], df["upper_ci"], df["value"]
    whole = lower.isna() == upper.isna()
    ordered = lower.isna() | (lower <= upper)
    around = lower.isna() | value.isna() | ((lower <= value + 1e-9) & (value <= upper + 1e-9))
    return whole & ordered & around


def _value_matches_status(df: pd.DataFrame) -> pd.Series:
    has_value = df["value"].notna()
    keeps_value = df["status"].isin(STATUSES_WITH_VALUE)
    return (has_value & keeps_value) | (~has_value & ~df["status"].isin(["ok"]))


TIDY_SCHEMA = pa.DataFrameSchema(
    {
        "indicator": pa.Column(object, pa.Check.isin(list(INDICATORS)), nullable=False),
        "area_code": pa.Column(object, pa.Check.str_matches(GSS_CODE), nullable=False),
        "area_name": pa.Column(object, nullable=True),
        "area_level": pa.Column(object, pa.Check.isin(list(AREA_LEVELS)), nullable=False),
        "period": pa.Column(object, pa.Check(lambda s: s.map(lambda p: period_bounds(str(p)) is not None),
                                             element_wise=False, error="a normalised period label"),
                            nullable=False),
        "period_start": pa.Column("datetime64[ms]", nullable=False),
        "period_end": pa.Column("datetime64[ms]", nullable=False),
        "breakdown": pa.Column(object, pa.Check.str_matches(r"^(total|[a-z_]+=.+)$"), nullable=False),
        "value": pa.Column("float64", nullable=True),
        "status": pa.Column(object, pa.Check.isin(list(STATUSES)), nullable=False),
        "numerator": pa.Column("float64", nullable=True),
        "denominator": pa.Column("float64", pa.Check.ge(0), nullable=True),
        "lower_ci": pa.Column("float64", nullable=True),
        "upper_ci": pa.Column("float64", nullable=True),
        "unit": pa.Column(object, pa.Check.isin(list(UNITS)), nullable=False),
        "source": pa.Column(object, nullable=False),
        "derived": pa.Column(bool, nullable=False),
    },
    checks=[pa.Check(_value_matches_status, error="value is NaN exactly when status has no value"),
            pa.Check(_value_in_domain, error="value within the indicator's min/max in vocab/catalogue.toml"),
            pa.Check(_numerator_sign, error="numerator >= 0 (a count) unless the indicator can be negative"),
            pa.Check(_interval_holds_value, error="a confidence interval with both ends and lower <= value <= upper")],
    unique=KEY,
    strict=True,
    ordered=True,
)


def validate_tidy(df: pd.DataFrame, file: str = "indicators table",
                  source_rows: pd.Series | None = None) -> list[Problem]:
    """Every way ``df`` breaks the contract, as problems (empty list when it is valid).

    ``source_rows`` maps the frame's index to file lines, so a problem can name the row.
    """
    try:
        TIDY_SCHEMA.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems = []
        cases = exc.failure_cases
        for check, group in cases.groupby("check", dropna=False, sort=False):
            columns = [c for c in group["column"].dropna().unique().tolist() if c in TIDY_COLUMNS]
            rows = sorted({int(i) for i in group["index"].dropna().tolist()})
            found = ", ".join(dict.fromkeys(str(v) for v in group["failure_case"].head(20)))
            if len(columns) != 1:  # a check on whole rows: show the offending keys instead
                found = "; ".join(" ".join(str(df.loc[i, k]) for k in KEY) for i in rows[:5] if i in df.index)
            line = None
            if source_rows is not None and rows and rows[0] in source_rows.index and pd.notna(source_rows[rows[0]]):
                line = int(source_rows[rows[0]])
            problems.append(Problem(file=file, message=f"{len(rows) or len(group)} row(s) fail the check", row=line,
                                    column=columns[0] if len(columns) == 1 else None,
                                    expected=str(check), found=found))
        return problems
    return []
