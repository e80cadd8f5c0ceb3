"""The fast contract pass (etl.tidy_check) clears only tables pandera passes; anything else goes to pandera."""
import math

import pandas as pd
import pytest

from etl.schema import TIDY_SCHEMA, coerce_types, tidy_frame, validate_tidy
from etl.tidy_check import meets_contract


def _row(**kw):
    row = {"indicator": "claimant_count", "area_code": "E07000117", "area_name": "Burnley", "area_level": "district",
           "period": "2020-03", "value": 100.0, "status": "ok", "unit": "count", "source": "ons_nomis_claimant_count",
           "breakdown": "total"}
    row.update(kw)
    return row


def _valid() -> pd.DataFrame:
    return tidy_frame([_row(), _row(period="2020-04"), _row(value=math.nan, status="suppressed", period="2020-05"),
                       _row(area_code="E12000002", area_level="region", area_name=None, breakdown="age=18-24")])


def test_a_valid_table_is_cleared_and_pandera_agrees():
    df = _valid()
    assert meets_contract(df, TIDY_SCHEMA)
    TIDY_SCHEMA.validate(df, lazy=True)  # raises if pandera disagrees
    assert validate_tidy(df) == []


@pytest.mark.parametrize("column, value", [
    ("indicator", "nope"), ("area_code", "X1"), ("area_level", "parish"), ("period", "2020-13"),
    ("breakdown", "Total"), ("status", "weird"), ("unit", "bananas"), ("source", None), ("area_code", None),
])
def test_a_broken_cell_is_left_to_pandera_which_reports_it(column, value):
    df = _valid()
    df[column] = df[column].astype(object)
    df.loc[1, column] = value
    df = coerce_types(df)
    assert not meets_contract(df, TIDY_SCHEMA)
    problems = validate_tidy(df)
    assert problems and any(p.column == column or column in str(p.column) for p in problems)


def test_frame_rules_duplicates_order_and_types_are_checked():
    df = _valid()
    no_value = df.copy()
    no_value.loc[0, "value"] = math.nan  # status ok without a value
    assert not meets_contract(no_value, TIDY_SCHEMA) and validate_tidy(no_value)
    twice = pd.concat([df, df.iloc[:1]], ignore_index=True)
    assert not meets_contract(twice, TIDY_SCHEMA) and validate_tidy(twice)
    assert not meets_contract(df[df.columns[::-1]], TIDY_SCHEMA)
    assert not meets_contract(df.assign(value=df["value"].astype("float32")), TIDY_SCHEMA)
    interval = df.assign(lower_ci=[1.0, math.nan, math.nan, math.nan])  # one end only
    assert not meets_contract(interval, TIDY_SCHEMA) and validate_tidy(interval)


def test_without_the_key_rule_only_uniqueness_is_let_through():
    """``unique_key=False`` (combine's one pass over many files, where two files may give one key) clears a
    key given twice, and nothing else that pandera would fail."""
    df = _valid()
    twice = pd.concat([df, df.iloc[:1]], ignore_index=True)
    assert meets_contract(twice, TIDY_SCHEMA, unique_key=False) and not meets_contract(twice, TIDY_SCHEMA)
    no_value = twice.copy()
    no_value.loc[0, "value"] = math.nan  # status ok without a value
    assert not meets_contract(no_value, TIDY_SCHEMA, unique_key=False)
    weird = coerce_types(twice.assign(status=["ok", "weird", "suppressed", "ok", "ok"]))
    assert not meets_contract(weird, TIDY_SCHEMA, unique_key=False)
