"""A source's summary read from category codes is the one its rows give."""
import numpy as np
import pandas as pd

from etl.schema import tidy_frame
from etl.source_rows import SourceRows
from etl.texts import as_categories


def table(seed: int, periods: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    return tidy_frame([{"indicator": rng.choice(["claimant_count", "claimant_rate"]),
                        "area_code": rng.choice(["E07000117", "E07000118", "E12000002"]), "area_name": None,
                        "area_level": "district", "period": rng.choice(periods), "value": 1.0,
                        "status": rng.choice(["ok", "provisional", "revised"]), "unit": "count",
                        "source": rng.choice(["one", "two"]), "derived": bool(rng.random() < 0.2)}
                       for _ in range(n)])


def test_codes_and_rows_agree():
    for seed in range(4):
        df = as_categories(table(seed, ["2019-03", "2020-01", "2020-02", "2021-12"]))
        for source in ("one", "two", "three"):
            coded = SourceRows(df, source)
            assert coded.coded
            if not coded.count:
                assert source == "three"
                continue
            assert coded.described() == coded._from_rows()
            assert coded.area_codes() == set(df.loc[coded.mask, "area_code"].astype(object))
            assert coded.described()["periods"]["first"] == "2019-03"


def test_two_labels_starting_the_same_day_are_settled_by_the_rows():
    df = as_categories(table(9, ["2020", "2020-01", "2021-12"]))  # 2020 and 2020-01 both start on 1 January 2020
    rows = SourceRows(df, "one")
    assert rows._period_at("min") is None, "the codes cannot say which label the rows' sort puts first"
    assert rows.described() == rows._from_rows()
    assert SourceRows(table(9, ["2020-01"]), "one").described()["periods"]["count"] == 1, "object columns: rows"
