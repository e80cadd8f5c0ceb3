"""A LAIT parquet of many row groups (ours in a few of them) gives the rows and lines its CSV gives: the
reader reads only the groups that hold our indicators."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl.sources import dfe_lait
from etl.sources.base import RawFile

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dfe"
PARSER = dfe_lait.PARSERS[0]


def test_row_groups_give_the_csv_rows(tmp_path):
    ours = pd.read_csv(FIXTURES / "lait_long.csv", dtype=str, keep_default_na=False)
    filler = pd.DataFrame({c: ["x"] * 7 for c in ours.columns}).assign(**{"Short Desc": "Another indicator"})
    df = pd.concat([filler, ours.iloc[:3], filler, filler, ours.iloc[3:], filler], ignore_index=True)
    csv = tmp_path / "lait.csv"
    df.to_csv(csv, index=False)
    df["LA Number"] = pd.to_numeric(df["LA Number"], errors="coerce").astype("float64")
    parquet = tmp_path / "lait.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), parquet, row_group_size=5)
    assert pq.ParquetFile(parquet).num_row_groups > 5
    from_csv, from_parquet = PARSER.parse(RawFile.at(csv)), PARSER.parse(RawFile.at(parquet))
    pd.testing.assert_frame_equal(from_parquet.table, from_csv.table, check_exact=True)
    assert [w.message for w in from_parquet.warnings] == [w.message for w in from_csv.warnings]
    assert from_csv.table["source_row"].min() > 8  # the lines are counted past the other indicators' rows
