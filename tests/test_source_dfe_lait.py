"""DfE LAIT long data (parquet or CSV): Attainment 8 by name; fixture, bad inputs, the real parquet."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import SourceFormatError
from etl.sources import dfe_lait
from etl.sources.base import RawFile, all_parsers, detect

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dfe"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
PARSER = dfe_lait.PARSERS[0]
EXPECTED = [
    ("attainment8", None, "Blackpool", "upper_tier", "2017/18", 38.4, "ok", 2),
    ("attainment8", None, "Lancashire", "upper_tier", "2017/18", 45.1, "ok", 3),
    ("attainment8", "E92000001", "England", "country", "2017/18", 46.5, "ok", 4),
    ("attainment8", "E12000003", "Yorkshire and the Humber", "region", "2017/18", 45.9, "ok", 5),
    ("attainment8", None, "Blackpool", "upper_tier", "2018/19", None, "not_available", 8),
    ("attainment8", None, "Bedford Borough", "upper_tier", "2018/19", 47.2, "ok", 9),
]


def as_tuples(df: pd.DataFrame) -> list[tuple]:
    cols = ["indicator", "area_code", "area_name", "area_level", "period", "value", "status", "source_row"]
    return [tuple(None if isinstance(v, float) and math.isnan(v) else v for v in rec)
            for rec in df[cols].itertuples(index=False)]


def variant(tmp_path: Path, edit) -> RawFile:
    lines = (FIXTURES / "lait_long.csv").read_text().splitlines()
    path = tmp_path / "lait.csv"
    path.write_text("\n".join(edit(lines)) + "\n")
    return RawFile.at(path)


def parquet_copy(tmp_path: Path) -> RawFile:
    df = pd.read_csv(FIXTURES / "lait_long.csv", dtype=str, keep_default_na=False)
    df["LA Number"] = pd.to_numeric(df["LA Number"]).astype("float64")
    path = tmp_path / "bds_long.parquet"
    df.to_parquet(path, index=False)
    return RawFile.at(path)


def test_csv_fixture_gives_exactly_the_expected_rows():
    raw = RawFile.at(FIXTURES / "lait_long.csv")
    assert detect(raw, all_parsers()) is PARSER, "the LAIT header is recognised"
    result = PARSER.parse(raw)
    assert as_tuples(result.table) == EXPECTED, \
        "A8 only, years -> academic years, float artefacts rounded, '-' missing, London halves and Pre LG skipped"
    assert result.table["breakdown"].eq("total").all() and result.table["unit"].eq("score").all(), "defaults"
    assert result.table["denominator"].isna().all(), "LAIT has no pupil counts, so no weights"
    messages = " | ".join(w.message for w in result.warnings)
    assert "no pupil counts" in messages and "Pre LG" in messages and "Inner/Outer London" in messages, messages


def test_parquet_copy_gives_the_same_rows(tmp_path):
    raw = parquet_copy(tmp_path)
    assert raw.is_parquet and detect(raw, all_parsers()) is PARSER, "a parquet is recognised by its columns"
    assert as_tuples(PARSER.parse(raw).table) == EXPECTED, "same rows from parquet as from CSV"


def test_other_parquet_is_not_claimed(tmp_path):
    path = tmp_path / "other.parquet"
    pd.DataFrame({"a": ["1"], "b": ["2"]}).to_parquet(path)
    assert not PARSER.sniff(RawFile.at(path)), "a parquet without LAIT columns is not LAIT"


def test_period_labels():
    assert dfe_lait.period_of("2018") == ("2017/18", "ok"), "Years is the end of the academic year"
    assert dfe_lait.period_of("2025 (prov)") == ("2024/25", "provisional"), "provisional years keep the flag"
    assert dfe_lait.period_of("banana")[0] is None, "nonsense is not a period"


def test_text_value_is_an_error(tmp_path):
    raw = variant(tmp_path, lambda ls: ls[:2] + [ls[2].replace("45.100000000000001", "forty")] + ls[3:])
    with pytest.raises(SourceFormatError) as exc:
        PARSER.parse(raw)
    assert "row 3 column Values" in str(exc.value) and "'forty'" in str(exc.value), str(exc.value)


def test_bad_year_is_an_error(tmp_path):
    raw = variant(tmp_path, lambda ls: ls[:2] + [ls[2].replace(",2018,", ",20-18,")] + ls[3:])
    with pytest.raises(SourceFormatError) as exc:
        PARSER.parse(raw)
    assert "row 3 column Years" in str(exc.value), str(exc.value)


def test_missing_column_is_an_error(tmp_path):
    raw = variant(tmp_path, lambda ls: [ls[0].replace("Values", "Value")] + ls[1:])
    with pytest.raises(SourceFormatError) as exc:
        PARSER.parse(raw)
    assert "column Values" in str(exc.value) and "missing" in str(exc.value), str(exc.value)


def test_duplicate_rows_are_an_error(tmp_path):
    raw = variant(tmp_path, lambda ls: ls + [ls[1]])
    with pytest.raises(SourceFormatError) as exc:
        PARSER.parse(raw)
    assert "row 11" in str(exc.value) and "line 2" in str(exc.value), str(exc.value)


def test_row_with_too_many_cells_is_an_error(tmp_path):
    raw = variant(tmp_path, lambda ls: ls[:2] + [ls[2] + ",extra,cells"] + ls[3:])
    with pytest.raises(SourceFormatError):
        PARSER.parse(raw)


def test_file_without_attainment8_is_an_error(tmp_path):
    raw = variant(tmp_path, lambda ls: [ls[0], ls[-1]])
    with pytest.raises(SourceFormatError) as exc:
        PARSER.parse(raw)
    assert "AVG_Attain8_Score" in str(exc.value), str(exc.value)


def test_real_lait_parquet():
    path = REAL / "ks4_attainment8" / "dfe_lait_bds_long_2026-04.parquet"
    if not path.exists():
        pytest.skip("../shared/data/real not present: real-extract tests need the shared folder beside the repo")
    raw = RawFile.at(path)
    assert detect(raw, all_parsers()) is PARSER, "the real LAIT parquet is recognised"
    df = PARSER.parse(raw).table
    blackpool = df[(df["area_name"] == "Blackpool") & (df["period"] == "2017/18")]
    assert blackpool["value"].tolist() == [38.5], "published Blackpool Attainment 8 2017/18"
    assert set(df["period"]) == {f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2025)}, "2015/16 .. 2024/25"
    assert (df["value"].dropna() * 10).round(6).mod(1).eq(0).all(), "every value rounded to 1 dp"
    regions = df[df["area_level"] == "region"]
    assert regions["area_code"].nunique() == 9, "nine regions coded, incl. 'Yorkshire and the Humber'"
    assert not df["area_name"].str.contains("Pre LG|London \\(", regex=True).any(), "non-standard areas skipped"
    assert "Lancashire" in set(df["area_name"]), "Lancashire county present by name"
