"""Period labels: every publisher spelling maps to one normalised label with the right bounds."""
from datetime import date

import pytest

from vocab import periods


@pytest.mark.parametrize("text, expected", [
    ("March 2020", "2020-03"), ("Mar 2020", "2020-03"), ("2020-03", "2020-03"), ("2020 March", "2020-03"),
    ("Smarch 2020", None), ("2020-13", None),
])
def test_month_names(text, expected):
    assert periods.parse_month_name(text) == expected, f"{text!r} should normalise to {expected!r}"


@pytest.mark.parametrize("text, ident, expected", [
    ("201718", "Academic year", "2017/18"), ("2021", "Calendar year", "2021"), ("2021", "Academic year", "2021/22"),
    ("201719", "Academic year", None), ("banana", None, None),
])
def test_dfe_time_period(text, ident, expected):
    assert periods.parse_dfe_time_period(text, ident) == expected, f"DfE {text}/{ident} -> {expected}"


@pytest.mark.parametrize("text, expected", [
    ("2020-01-01/P1Y", "2020"), ("2019-08-01/P1Y", "2019/20"), ("2020-03-01/P1M", "2020-03"),
    ("2020-04-01/P3M", "2020-Q2"), ("2020-02-01/P3M", None), ("2020", None),
])
def test_iso_intervals(text, expected):
    assert periods.parse_iso_interval(text) == expected, f"ELS period {text!r} -> {expected!r}"


def test_bounds_cover_the_whole_period():
    assert periods.period_bounds("2020-02") == (date(2020, 2, 1), date(2020, 2, 29)), "leap-year February"
    assert periods.period_bounds("2017/18") == (date(2017, 8, 1), date(2018, 7, 31)), "academic year Aug-Jul"
    assert periods.period_bounds("2020-Q2") == (date(2020, 4, 1), date(2020, 6, 30)), "quarter"
    assert periods.period_bounds("2017/19") is None, "an academic year must span consecutive years"
    assert periods.frequency("2017/18") == "academic_year" and periods.frequency("2020-03") == "month"
