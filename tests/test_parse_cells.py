"""The parsers' fast number reading (``etl.sources.cells``) gives exactly what ``etl.schema`` gives."""
from __future__ import annotations

import math

import pytest

from etl.schema import parse_cell, parse_number
from etl.sources.cells import cell, number

TEXTS = ["0", "1", "-1", "+1", "1.5", "007", "1.", "-.5", ".5", "1,234", "1,23", "1,234,567.5", "-1,234",
         "12,34,567", "1,2345", ",123", "123,", "1,234.", "\u0661,\u0662\u0663\u0664", "1e5", " 1", "1 ", "\u00a012",
         "12%", "\u0663", "\u0661\u0662.\u0665", "1_000", "nan", "inf", "-inf", "", " ", "x", "-", "..", "*", "c",
         "+-1", "1.2.3", "0012.300", "\u00b2", "9" * 400, "1\n", "\t2"]
VALUES = [None, True, False, 0, 3, 2.5, math.nan, math.inf]


def _same(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("value", TEXTS + VALUES, ids=repr)
def test_fast_reading_agrees_with_the_schema(value):
    assert _same(number(value), parse_number(value))
    assert _same(cell(value), parse_cell(value))
