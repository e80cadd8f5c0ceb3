"""The tidy-table contract: cells keep their meaning and the schema reports every break at once."""
import math

import pytest

from etl.schema import parse_cell, parse_number, tidy_frame, validate_tidy


@pytest.mark.parametrize("cell, value, status", [
    ("1,234", 1234.0, "ok"), ("31.8", 31.8, "ok"), ("12%", 12.0, "ok"), ("c", math.nan, "suppressed"),
    ("x", math.nan, "not_available"), ("z", math.nan, "not_applicable"), ("~", math.nan, "low"),
    ("low", math.nan, "low"), ("", math.nan, "not_available"), ("-", math.nan, "not_available"),
])
def test_cells_keep_their_meaning(cell, value, status):
    parsed_value, parsed_status = parse_cell(cell)
    assert parsed_status == status, f"{cell!r} should have status {status}"
    assert (math.isnan(parsed_value) and math.isnan(value)) or parsed_value == value, \
        f"{cell!r} should have value {value} (suppressed is NaN, never 0)"


def test_text_is_not_a_number():
    assert parse_number("abc") is None and parse_cell("abc") is None, "text must be reported, not guessed"
    assert parse_number("1,23") is None, "a malformed thousands separator is not a number"


def _row(**kw):
    row = {"indicator": "claimant_count", "area_code": "E06000009", "area_name": "Blackpool",
           "area_level": "district", "period": "2020-03", "value": 5.0, "status": "ok", "unit": "count",
           "source": "test"}
    row.update(kw)
    return row


def test_valid_table_passes():
    df = tidy_frame([_row(), _row(period="2020-04"), _row(value=math.nan, status="suppressed", period="2020-05")])
    assert validate_tidy(df) == [], "a well-formed table has no problems"
    assert str(df.loc[0, "period_start"].date()) == "2020-03-01", "period bounds are filled from the label"


def test_every_break_is_reported_in_one_run():
    df = tidy_frame([_row(), _row(), _row(indicator="nope", period="2020-06"), _row(area_code="X1", period="2020-07"),
                     _row(value=math.nan, status="ok", period="2020-08")])
    problems = validate_tidy(df)
    text = "\n".join(str(p) for p in problems)
    assert "the same indicator, area, period and breakdown twice" in text, "duplicate keys are reported"
    assert "not in the catalogue" in text and "'nope'" in text, "an unknown indicator is reported with the value found"
    assert "not a GSS area code" in text and "'X1'" in text, "a malformed area code is reported"
    assert "a value and its status disagree" in text, "a missing value marked ok is reported"
    assert all(p.column for p in problems), f"every problem names its column: {problems}"


@pytest.mark.parametrize("lower, upper", [(-0.2, -0.25), (-0.1, 0.1), (-0.4, None)])
def test_a_confidence_interval_must_hold_its_value(lower, upper):
    df = tidy_frame([_row(indicator="progress8", unit="score", period="2022/23", value=-0.31, lower_ci=lower,
                          upper_ci=upper)])
    text = "\n".join(str(p) for p in validate_tidy(df))
    assert "confidence interval" in text, f"[{lower}, {upper}] around -0.31 breaks the contract"
