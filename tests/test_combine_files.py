"""Many files combined at once: each file's problems are the ones it would have on its own, naming its rows.

``etl.combine`` joins every file's rows first and resolves and checks them together (a national extract is
hundreds of API pages); these tests hold it to what checking each file on its own reports.
"""
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.combine import combine
from etl.errors import ProblemLog
from etl.geography import Geography
from etl.parse import ParsedFile
from etl.schema import tidy_frame
from etl.sources.base import ParseResult, RawFile, SourceMeta
from etl.texts import as_categories, concat

TODAY = date(2026, 11, 29)
NAMES = {"E07000117": "Burnley", "E07000118": "Chorley", "E07000119": "Fylde", "E06000008": "Blackburn with Darwen"}


def geography() -> Geography:
    names = pd.DataFrame({"area_code": list(NAMES), "area_name": list(NAMES.values()),
                          "area_level": ["district"] * len(NAMES)})
    return Geography.from_tables([], [names], [], [])


def rows(*cells, period="2024-01"):
    """Tidy rows (code or None, name, value) of claimant counts, with the file line each came from."""
    table = tidy_frame([{"indicator": "claimant_count", "area_code": code, "area_name": name, "area_level": "district",
                         "period": period, "value": value, "status": "ok", "unit": "count",
                         "source": "test_source"} for code, name, value in cells])
    return table.assign(source_row=np.arange(2, len(table) + 2))


def parsed(name: str, table: pd.DataFrame, categorical: bool) -> ParsedFile:
    meta = SourceMeta(source_id="test_source", publisher="Test", title="Test")
    table = as_categories(table) if categorical else table
    return ParsedFile(raw=RawFile(path=Path(name), name=name), result=ParseResult("indicators", table, meta),
                      sha256="0", rows=len(table))


def files(categorical: bool) -> list[ParsedFile]:
    return [
        parsed("good.csv", rows(("E07000117", "Burnley", 10.0), ("E07000118", "Chorley", 20.0)), categorical),
        parsed("unknown_code.csv", rows(("E07000119", "Fylde", 5.0), ("X99999999", "Nowhere", 7.0),
                                        ("X99999998", "Nowhere", 8.0)), categorical),
        parsed("by_name.csv", rows((None, "Blackburn with Darwen", 3.0), (None, "Atlantis", 4.0)), categorical),
        parsed("twice.csv", rows(("E07000117", "Burnley", 10.0), ("E07000118", "Chorley", 20.0),
                                 ("E07000118", "Chorley", 21.0), period="2024-02"), categorical),
        parsed("bad_value.csv", rows(("E07000119", "Fylde", -5.0), period="2024-03"), categorical),
    ]


def said(log: ProblemLog) -> list[tuple]:
    return [(p.file, p.severity, p.row, p.column, p.message, p.expected, p.found) for p in log.problems]


@pytest.mark.parametrize("categorical", [True, False], ids=["categorical", "object"])
def test_each_file_reports_what_it_would_alone(categorical):
    together = ProblemLog()
    combine(files(categorical), geography(), together, TODAY)
    alone = ProblemLog()
    for item in files(categorical):
        combine([item], geography(), alone, TODAY)
    assert said(together) == said(alone), "checked together, each file's problems are its own, in file order"
    by_file = {}
    for file, _severity, row, column, message, *_ in said(together):
        by_file.setdefault(file, []).append((row, column, message))
    assert "good.csv" not in by_file
    assert by_file["unknown_code.csv"] == [(4, "area code", "unknown area code (1 rows)"),
                                          (3, "area code", "unknown area code (1 rows)")], "by code"
    assert by_file["by_name.csv"] == [(3, "area name", "area name not found in the geography lookups (1 rows)")]
    assert by_file["twice.csv"] == [(4, None, "duplicate row")]
    assert [m for _r, _c, m in by_file["bad_value.csv"]] == ["a negative value"] or \
        any("below" in m for _r, _c, m in by_file["bad_value.csv"]), by_file["bad_value.csv"]
    assert by_file["bad_value.csv"][0][0] == 2, "the problem names the file's own line"


def test_clean_files_combine_to_their_rows_in_file_order():
    clean = [parsed("a.csv", rows(("E07000117", "Burnley", 10.0), (None, "Chorley", 20.0)), True),
             parsed("b.csv", rows(("E07000119", "Fylde", 5.0), period="2024-02"), False)]
    log = ProblemLog()
    df, superseded = combine(clean, geography(), log, TODAY)
    assert log.problems == [] and superseded == []
    assert df["area_code"].tolist() == ["E07000117", "E07000118", "E07000119"], "a name-only row gets its code"
    assert df["area_name"].tolist() == ["Burnley", "Chorley", "Fylde"]
    assert df["area_level"].tolist() == ["district"] * 3
    assert "source_row" not in df.columns
    assert all(clean_file.result.table.empty for clean_file in clean), "the files' own rows are let go"


def test_a_key_two_files_share_is_an_overlap_not_a_duplicate():
    same = [parsed("old.csv", rows(("E07000117", "Burnley", 10.0)), True),
            parsed("new.csv", rows(("E07000117", "Burnley", 10.0), ("E07000118", "Chorley", 1.0)), True)]
    log = ProblemLog()
    df, superseded = combine(same, geography(), log, TODAY)
    assert log.errors == [], "the same figure in two files is not an error"
    assert len(df) == 2 and superseded and "superseded by new.csv" in superseded[0], superseded


@pytest.mark.parametrize("bad", ["value", "status"])
def test_an_overlap_beside_a_broken_file_still_names_that_file(bad):
    """Files that are each clean but share a key pass the one check over all rows; a broken file beside them
    sends every file to be checked on its own, which reports just what that file would alone."""
    def items():
        broken = rows(("E07000119", "Fylde", -5.0 if bad == "value" else 5.0), period="2024-03")
        if bad == "status":
            broken["status"] = "weird"
        return [parsed("old.csv", rows(("E07000117", "Burnley", 10.0)), True),
                parsed("new.csv", rows(("E07000117", "Burnley", 10.0), ("E07000118", "Chorley", 1.0)), True),
                parsed("broken.csv", broken, False)]
    together = ProblemLog()
    df, superseded = combine(items(), geography(), together, TODAY)
    alone = ProblemLog()
    for item in items():
        combine([item], geography(), alone, TODAY)
    assert said(together) == said(alone) and together.errors
    assert {p.file for p in together.errors} == {"broken.csv"} and together.errors[0].row == 2
    assert superseded and "superseded by new.csv" in superseded[0], superseded
    clean = ProblemLog()
    df, superseded = combine(items()[:2], geography(), clean, TODAY)
    assert clean.errors == [] and len(df) == 2 and superseded, "clean files that overlap: no error, one row a key"


def test_concat_by_columns_matches_pandas():
    """The column-wise join (the build's own frames) gives what ``pd.concat`` over unioned categories gives."""
    one = as_categories(rows(("E07000117", "Burnley", 10.0), ("E07000118", "Chorley", 20.0)))
    two = as_categories(rows(("E07000119", "Fylde", np.nan), (None, "Atlantis", 4.0), period="2023-12"))
    joined = concat([one, two])
    expected = pd.concat([one.astype({c: object for c in one.columns if isinstance(one[c].dtype, pd.CategoricalDtype)}),
                          two.astype({c: object for c in two.columns if isinstance(two[c].dtype, pd.CategoricalDtype)})],
                         ignore_index=True)
    for column in joined.columns:
        if isinstance(joined[column].dtype, pd.CategoricalDtype):
            assert list(joined[column].cat.categories) == sorted(joined[column].dropna().unique()), column
            assert joined[column].astype(object).tolist() == expected[column].tolist(), column
        else:
            pd.testing.assert_series_equal(joined[column], expected[column], check_names=False)
    mixed = concat([one, two.assign(value=two["value"].astype("float32"))])  # dtypes differ: pandas decides
    assert mixed["value"].dtype == np.float64 and len(mixed) == 4


def test_parsers_object_texts_are_numbered_once_as_frame_by_frame():
    """Object text columns joined first and numbered once give the categories and codes that numbering each
    frame and taking the union gives, with a column only some frames have filled as pandas fills it."""
    one = rows(("E07000117", "Burnley", 10.0), ("E07000118", "Chorley", 20.0)).assign(source_parts="a / b")
    two = rows(("E07000119", "Fylde", np.nan), (None, "Atlantis", 4.0), period="2023-12")
    three = rows(("E07000117", "Burnley", 1.0), period="2025-01").assign(source_column="col")
    three["area_name"] = pd.Series([None], dtype=object)  # (a file of codes only)
    frames = [one, two, three]
    joined = concat(frames)
    frame_by_frame = concat([as_categories(f) for f in frames])
    pd.testing.assert_frame_equal(joined, frame_by_frame, check_exact=True)
    for column in ("area_code", "area_name", "period"):
        assert list(joined[column].cat.categories) == sorted(joined[column].dropna().unique()), column
        assert (joined[column].cat.codes.to_numpy() == frame_by_frame[column].cat.codes.to_numpy()).all(), column
    assert joined["area_name"].isna().tolist() == [False, False, False, False, True]
    assert joined["source_parts"].tolist()[:2] == ["a / b"] * 2 and joined["source_parts"].isna().sum() == 3


def test_name_only_rows_each_get_their_own_code():
    """Rows published by name only, names interleaved and repeated, each get their name's code."""
    names = ["Chorley", "Burnley", "Chorley", "Fylde", "Burnley", "Chorley"]
    table = rows(*[(None, name, float(n)) for n, name in enumerate(names)])
    table["period"] = [f"2024-0{n + 1}" for n in range(len(names))]
    log = ProblemLog()
    df, _ = combine([parsed("names.csv", table, False)], geography(), log, TODAY)
    assert log.errors == []
    by_value = dict(zip(df["value"].tolist(), df["area_code"].astype(object).tolist()))
    codes = {name: code for code, name in NAMES.items()}
    assert [by_value[float(n)] for n in range(len(names))] == [codes[name] for name in names]
