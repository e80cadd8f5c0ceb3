"""The fast contract pass on categorical columns: rules on the categories rows use, not on every category."""
import math

import pandas as pd
import pytest

from etl.schema import TIDY_SCHEMA, _interval_holds_value, _value_matches_status, as_objects, tidy_frame
from etl.texts import as_categories
from etl.tidy_check import has_duplicate_keys, meets_contract


def _row(**kw):
    row = {"indicator": "claimant_count", "area_code": "E07000117", "area_name": "Burnley", "area_level": "district",
           "period": "2020-03", "value": 100.0, "status": "ok", "unit": "count", "source": "ons_nomis_claimant_count",
           "breakdown": "total"}
    return {**row, **kw}


def _table(*rows) -> pd.DataFrame:
    return as_categories(tidy_frame(list(rows) or [_row(), _row(period="2020-04")]))


@pytest.mark.parametrize("column, bad", [("area_code", "X1"), ("status", "weird"), ("period", "2020-13")])
def test_an_unused_category_that_breaks_a_rule_does_not_fail_the_table(column, bad):
    df = _table()
    categories = pd.Index(sorted([*df[column].cat.categories, bad]), dtype=object)
    df[column] = df[column].cat.set_categories(categories)  # (left behind when rows were dropped)
    assert meets_contract(df, TIDY_SCHEMA)
    used = df.copy()
    used.loc[1, column] = bad
    assert not meets_contract(used, TIDY_SCHEMA), "a row with it fails"


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # (pandas comparing object NaNs)
def test_row_checks_on_categoricals_agree_with_the_object_columns():
    df = _table(_row(), _row(period="2020-04", value=math.nan, status="ok"),
                _row(period="2020-05", value=math.nan, status="suppressed"),
                _row(period="2020-06", value=5.0, status="suppressed"),
                _row(period="2020-07", value=5.0, lower_ci=4.0, upper_ci=6.0),
                _row(period="2020-08", value=5.0, lower_ci=5.5, upper_ci=6.0),
                _row(period="2020-09", value=5.0, lower_ci=4.0))
    objects = as_objects(df)
    assert _value_matches_status(df).tolist() == _value_matches_status(objects).tolist() == [
        True, False, True, False, True, True, True]
    assert _interval_holds_value(df).tolist() == [True, True, True, True, True, False, False]
    assert _interval_holds_value(objects.astype({"value": object})).tolist() == _interval_holds_value(df).tolist()


def test_duplicate_keys_from_codes():
    df = _table(_row(), _row(period="2020-04"), _row(area_code=None, area_name="x"), _row(area_code=None, value=3.0))
    assert has_duplicate_keys(df, ["indicator", "area_code", "period", "breakdown"]), "missing equals missing"
    assert not has_duplicate_keys(df.iloc[:3], ["indicator", "area_code", "period", "breakdown"])
