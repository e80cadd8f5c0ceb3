"""The diff's distinct periods per (source, indicator), counted from category codes, are the distinct rows."""
import pandas as pd

from etl.diff import _distinct_periods
from etl.texts import as_categories


def test_distinct_periods_from_codes_are_the_distinct_rows():
    df = pd.DataFrame({"source": ["a", "a", "b", "a", None], "indicator": ["x", "x", "x", "y", "y"],
                       "period": ["2020", "2020", "2021", "2020", "2020"]})
    texts = lambda frame: {tuple("-" if pd.isna(v) else v for v in r)  # noqa: E731
                           for r in frame.itertuples(index=False)}
    got = _distinct_periods(as_categories(df))
    assert texts(got) == texts(df.drop_duplicates()) and len(got) == len(df.drop_duplicates()) == 4
    assert got["source"].isna().sum() == 1 and got["source"].dropna().map(type).eq(str).all()
