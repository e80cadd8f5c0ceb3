"""How each figure we computed was made, in plain English: ``derivations.parquet`` beside the tidy table.

One row per derived (indicator, area, period, breakdown), and one per aggregate we could not compute
(``is_computed`` false) with the reason, so the dashboard can say "Computed by us from the 3 councils'
rates weighted by their population aged 16-64, mid-2023 estimates" or why a figure is missing, instead
of a bare "not available".
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from etl.distinct import distinct_rows, per_distinct
from vocab.catalogue import INDICATORS, Indicator

DERIVATION_COLUMNS = ["indicator", "area_code", "period", "breakdown", "is_computed", "method",
                      "building_block_level", "building_blocks", "member_count", "population_year", "note"]
DERIVATIONS_SCHEMA = pa.schema([
    ("indicator", pa.string()), ("area_code", pa.string()), ("period", pa.string()), ("breakdown", pa.string()),
    ("is_computed", pa.bool_()), ("method", pa.string()), ("building_block_level", pa.string()),
    ("building_blocks", pa.string()), ("member_count", pa.int32()), ("population_year", pa.int32()),
    ("note", pa.string()),
])
# (singular, plural) of the building blocks an aggregate was made from
NOUNS = {"district": ("district", "districts"), "upper_tier": ("council", "councils")}


def empty_derivations() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in DERIVATION_COLUMNS})


def method_of(ind: Indicator) -> str:
    """sum | ratio_of_counts | weighted_mean | population_weighted."""
    if ind.denominator == "population":
        return "population_weighted"
    return {"ratio": "ratio_of_counts"}.get(ind.aggregation, ind.aggregation)


def band_words(band: str | None) -> str:
    """'age=16-64' -> 'aged 16-64'; 'age=16+' -> 'aged 16 and over'; 'total' -> 'of all ages'."""
    if not band or band == "total":
        return "of all ages"
    age = band.split("=", 1)[1]
    return f"aged {age[:-1]} and over" if age.endswith("+") else f"aged {age}"


def _blocks(n: int, base: str) -> str:
    """'the 3 councils'' / 'the 1 district's' (possessive)."""
    one, many = NOUNS[base]
    return f"the {n} {one}'s" if n == 1 else f"the {n} {many}'"


def computed_note(row, ind: Indicator) -> str:
    """The sentence for one derived row (``row`` has value, status, members, base, years)."""
    n, blocks = int(row.members), _blocks(int(row.members), row.base)
    if row.status == "not_applicable":
        return f"Not applicable: none of the {n} {NOUNS[row.base][1]} has a figure of its own."
    if pd.isna(row.value):
        what = "suppressed" if row.status == "suppressed" else "not available"
        return f"Not available: at least one of {blocks} figures is {what}, so the total is unknown."
    method = method_of(ind)
    if method == "sum":
        return f"Computed by us: the sum of {blocks} figures."
    if method == "ratio_of_counts":
        return (f"Computed by us from {blocks} published counts (their total divided by their total "
                f"{ind.denominator_label or 'denominator'}), not an average of their rates.")
    if method == "weighted_mean":
        return (f"Computed by us from {blocks} totals divided by their total "
                f"{ind.denominator_label or 'weight'}, not an average of their averages.")
    text = (f"Computed by us from {blocks} rates weighted by their population {band_words(ind.population_band)}, "
            f"mid-{int(row.population_year)} estimates")
    if int(row.requested_year) > int(row.population_year):
        text += f"; {int(row.requested_year)} populations are not published yet"
    return text + "."


def missing_note(row, ind: Indicator, name_of: Callable[[str], str | None]) -> str:
    """The sentence for an aggregate no building blocks could give (``row.reason`` says why)."""
    names = ", ".join(name_of(c) or c for c in str(row.lacking).split(", ") if c)
    if row.reason == "members_missing" and row.base == "district":
        return (f"Not computed: only {max(int(row.have), 0)} of the {int(row.want)} districts have a figure "
                "for this period.")
    if row.reason == "members_missing":
        return ("Not computed: the councils with a figure for this period do not cover the whole area "
                f"({max(int(row.have), 0)} of its {int(row.want)} districts).")
    if row.reason == "no_population":
        return (f"Not computed: no mid-{int(row.population_year)} population {band_words(ind.population_band)} "
                f"for {names}, so the rates cannot be weighted.")
    if row.reason == "no_weight":
        return (f"Not computed: the figures for {names} come without {ind.denominator_label or 'weights'}, so "
                "they cannot be combined (an average of averages would be wrong).")
    return f"Not computed: the figures for {names} come without the counts behind them."


def derivation_table(mine: pd.DataFrame, unresolved: pd.DataFrame,
                     name_of: Callable[[str], str | None]) -> pd.DataFrame:
    """derivations.parquet rows for the indicators in ``mine`` (derived rows) and ``unresolved`` (aggregates
    left out): each indicator's derived rows, then its rows left out, indicators in the order they come.
    Each sentence is written once per distinct set of what it says, not once per row."""
    frames = []
    for frame, computed in ((mine, True), (unresolved, False)):
        if frame.empty:
            continue
        method = by_indicator(frame["indicator"], method_of)
        weighted = method == "population_weighted"
        frames.append(pd.DataFrame({
            "indicator": frame["indicator"].to_numpy(), "area_code": frame["parent_code"].to_numpy(),
            "period": frame["period"].to_numpy(), "breakdown": frame["breakdown"].to_numpy(),
            "is_computed": computed, "method": method,
            "building_block_level": frame["base"].to_numpy(), "building_blocks": frame["blocks"].to_numpy(),
            "member_count": frame["members"].astype("int32").to_numpy(),
            "population_year": frame["population_year"].where(weighted).astype("Int32").to_numpy(),
            "note": _computed_notes(frame) if computed else _missing_notes(frame, name_of)}))
    if not frames:
        return empty_derivations()
    table = pd.concat(frames, ignore_index=True)
    order, _ = pd.factorize(table["indicator"], sort=True)  # (each indicator's rows together, in id order)
    return table.take(np.argsort(order, kind="stable")).reset_index(drop=True)


def _computed_notes(frame: pd.DataFrame) -> np.ndarray:
    """``computed_note`` for each row, written once per distinct (indicator, status, whether the value is
    missing, members, base, years)."""
    keys = pd.DataFrame({"indicator": frame["indicator"].to_numpy(), "status": frame["status"].to_numpy(),
                         "value": np.where(frame["value"].isna(), np.nan, 0.0),  # (only whether it is missing)
                         "members": frame["members"].to_numpy(), "base": frame["base"].to_numpy(),
                         "population_year": frame["population_year"].to_numpy(),
                         "requested_year": frame["requested_year"].to_numpy()})
    return _per_distinct_row(keys, lambda row: computed_note(row, INDICATORS[row.indicator]))


def _missing_notes(frame: pd.DataFrame, name_of: Callable[[str], str | None]) -> np.ndarray:
    """``missing_note`` for each row, written once per distinct (indicator, reason, base, counts, year,
    members lacking)."""
    keys = frame[["indicator", "reason", "base", "have", "want", "population_year", "lacking"]]
    return _per_distinct_row(keys, lambda row: missing_note(row, INDICATORS[row.indicator], name_of))


def _per_distinct_row(keys: pd.DataFrame, fn: Callable) -> np.ndarray:
    """``fn(row)`` for each row of ``keys``, called once per distinct row."""
    numbers, distinct = distinct_rows(keys, list(keys.columns))
    texts = np.empty(len(distinct), dtype=object)
    texts[:] = [fn(row) for row in distinct.itertuples(index=False)]
    return texts[numbers]


def by_indicator(ids: pd.Series, fn: Callable[[Indicator], object]) -> np.ndarray:
    """``fn(Indicator)`` for each row's indicator id, called once per distinct id."""
    return per_distinct(ids, lambda i: fn(INDICATORS[i])).to_numpy()


def sort_derivations(df: pd.DataFrame) -> pd.DataFrame:
    """Canonical order, so the same inputs give the same file."""
    return df.sort_values(["indicator", "area_code", "period", "breakdown"], kind="mergesort").reset_index(drop=True)
