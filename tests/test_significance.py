"""Significance from a 95% confidence interval, as DfE reads Progress 8 against the national average."""
import math

import pytest

from vocab.significance import compare_interval, significance_label


@pytest.mark.parametrize("lower, upper, expected", [
    (0.05, 0.20, "significantly above England"),
    (-0.40, -0.23, "significantly below England"),
    (-0.07, 0.09, "not significantly different from England"),
    (-0.13, 0.00, "not significantly different from England"),  # an end on the comparator includes it
    (0.00, 0.13, "not significantly different from England"),
])
def test_interval_against_the_national_average_of_zero(lower, upper, expected):
    assert significance_label(lower, upper, 0.0) == expected, \
        f"[{lower}, {upper}] against 0: {expected} (whole interval above / below, else not different)"


def test_the_comparator_can_be_another_value_and_name():
    assert significance_label(3.1, 3.5, 3.6, "the North West") == "significantly below the North West", \
        "an interval wholly below the comparator's value is significantly below it"
    assert compare_interval(3.1, 3.7, 3.6) == "not_different", "an interval containing the comparator is not different"


@pytest.mark.parametrize("lower, upper, reference", [(math.nan, 0.1, 0.0), (None, None, 0.0), (-0.1, 0.1, None)])
def test_no_interval_no_verdict(lower, upper, reference):
    assert significance_label(lower, upper, reference) is None, "without an interval nothing is claimed"


def test_a_reversed_interval_is_an_error():
    with pytest.raises(ValueError, match="lower end"):
        compare_interval(0.3, 0.1, 0.0)
