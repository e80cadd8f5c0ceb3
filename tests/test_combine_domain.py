"""Impossible values found on whole columns: each rule names the row it fails on, chunked or not."""
from datetime import date

import numpy as np
import pandas as pd

import etl.domain as domain
from etl.domain import value_problems
from etl.errors import MAX_PROBLEMS
from etl.schema import tidy_frame
from etl.texts import as_categories

TODAY = date(2026, 11, 29)


def row(indicator="claimant_count", value=10.0, period="2024-01", level="district", unit="count", **more):
    return {"indicator": indicator, "area_code": "E07000117", "area_name": "Burnley", "area_level": level,
            "period": period, "value": value, "status": "ok", "unit": unit, "source": "test", **more}


CASES = [  # (row, the message the report gives it)
    (row(value=np.inf), "the value is not a finite number (too large to be real?)"),
    (row(value=-5.0), "a value below the smallest possible Claimant count"),
    (row(indicator="claimant_rate", unit="percent", value=140.0), "a value above the largest possible Claimant rate"),
    (row(value=9e8, level="district"), "a count larger than any district could have"),
    (row(value=10.5), "a fractional Claimant count: the publisher publishes whole numbers only"),
    (row(indicator="claimant_rate", unit="percent", value=50.0, numerator=-1.0, denominator=10.0),
     "a negative numerator"),
    (row(indicator="claimant_rate", unit="percent", value=50.0, numerator=20.0, denominator=10.0),
     "the numerator is larger than the denominator"),
    (row(period="1960-01"), "a period before the Claimant count series began"),
    (row(period="2027-03"), "a period in the future"),
    (row(indicator="no_such_indicator"), None),  # the schema's to report, not this module's
    (row(), None),
]


def table(categorical: bool) -> pd.DataFrame:
    df = tidy_frame([r for r, _ in CASES]).assign(source_row=np.arange(2, len(CASES) + 2))
    return as_categories(df) if categorical else df


def test_each_rule_names_its_row():
    for categorical in (False, True):
        problems = value_problems(table(categorical), "claims.csv", TODAY)
        said = [(p.row, p.message) for p in problems]
        expected = [(line, message) for line, (_, message) in enumerate(CASES, start=2) if message]
        assert len(said) == len(expected), said
        for (line, message), (got_line, got) in zip(expected, said):
            assert got_line == line and got.startswith(message), (line, message, got_line, got)


def test_the_finished_table_names_the_key_and_the_value():
    df = tidy_frame([row(value=-5.0)])
    [problem] = value_problems(df, "indicators table", TODAY)
    assert problem.row is None and problem.column == "value"
    assert problem.found == "-5 (claimant_count E07000117 2024-01 total)" and problem.expected == "at least 0"


def test_chunks_list_what_one_pass_lists(monkeypatch):
    rng = np.random.default_rng(1)
    rows = [row(value=float(v)) for v in rng.choice([10.0, -1.0, 10.5, np.inf], 400, p=[0.7, 0.1, 0.1, 0.1])]
    df = as_categories(tidy_frame(rows))
    whole = value_problems(df, "f", TODAY)
    monkeypatch.setattr(domain, "CHUNK_ROWS", 37)
    chunked = value_problems(df, "f", TODAY)
    assert [(p.row, p.message, p.found) for p in chunked] == [(p.row, p.message, p.found) for p in whole]
    assert len(whole) == MAX_PROBLEMS + 1 and "more impossible value(s) not listed" in whole[-1].message
