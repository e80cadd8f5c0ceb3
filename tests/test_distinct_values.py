"""``etl.distinct.each_distinct``: one call per distinct value, in order of first appearance (a check that
logs problems then logs them where a row reader would meet each value first)."""
from etl.distinct import each_distinct


def test_each_distinct_calls_once_per_value_in_first_appearance_order():
    calls = []
    out = each_distinct(["b", "a", "b", "c", "a"], lambda v: calls.append(v) or v.upper())
    assert out == ["B", "A", "B", "C", "A"]
    assert calls == ["b", "a", "c"]
