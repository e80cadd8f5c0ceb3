"""The EES parser's column-wise reading (a clean file read by pyarrow a column at a time, only the columns
the parser uses made into rows) gives exactly the line-by-line reader's table, warnings, extras and
problems: on the real extracts, the fixtures and synthetic files with a bad cell."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.errors import SourceFormatError
from etl.sources import dfe_ees
from etl.sources.base import RawFile, all_parsers, detect
from parse_both_ways import made_spy

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dfe"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
EES_FIXTURES = ["neet_nccis_underlying.csv", "ks4_la_lad_underlying.csv", "ks4_pr_lad_underlying.csv",
                "apprenticeships_underlying.csv", "apprenticeships_permalink.csv"]


def _outcome(path: Path):
    raw = RawFile.at(path)
    parser = detect(raw, all_parsers())
    try:
        return parser.parse(RawFile.at(path))
    except SourceFormatError as exc:
        return exc.problems


def _both(path: Path, monkeypatch):
    """(column-wise outcome, line-by-line outcome, whether the column-wise reader was used)."""
    monkeypatch.setattr(dfe_ees, "COLUMN_WISE_BYTES", 0)  # small files too (they read line by line in a build)
    used = made_spy(monkeypatch, dfe_ees, "read_columns")
    fast = _outcome(path)
    monkeypatch.setattr(dfe_ees, "read_columns", lambda *a: None)
    slow = _outcome(path)
    return fast, slow, used


def _assert_same(fast, slow):
    if isinstance(slow, list):
        assert fast == slow
        return
    pd.testing.assert_frame_equal(fast.table, slow.table, check_exact=True)
    assert fast.warnings == slow.warnings and fast.meta == slow.meta
    assert fast.extras.keys() == slow.extras.keys()
    for key in slow.extras:
        pd.testing.assert_frame_equal(fast.extras[key], slow.extras[key])


@pytest.mark.parametrize("name", ["ks4_attainment8/2223_la_data_revised.csv",
                                  "ks4_attainment8/2223_pr_lad_data_revised.csv",
                                  "apprenticeships/dfe_fe_achievements_lad_201617_202122_ees_permalink.csv"])
def test_real_extract_reads_column_wise_to_the_same_table(name, monkeypatch):
    if not (REAL / name).exists():
        pytest.skip(f"real extract {name} not in ../shared/data/real")
    fast, slow, used = _both(REAL / name, monkeypatch)
    assert used == [True]
    assert len(slow.table) > 500
    _assert_same(fast, slow)


@pytest.mark.parametrize("name", EES_FIXTURES)
def test_fixtures_give_the_same_outcome(name, monkeypatch):
    fast, slow, _ = _both(FIXTURES / name, monkeypatch)
    _assert_same(fast, slow)


def _variant(tmp_path: Path, edit) -> Path:
    lines = (FIXTURES / "ks4_la_lad_underlying.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "ks4.csv"
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return path


def test_padded_cells_and_an_empty_row_give_the_same_table(tmp_path, monkeypatch):
    width = len(FIXTURES.joinpath("ks4_la_lad_underlying.csv").read_text().splitlines()[0].split(","))

    def edit(lines):
        lines = [lines[0]] + [" , ".join(line.split(",")) for line in lines[1:]]  # every cell padded
        return lines[:3] + ["," * (width - 1)] + lines[3:]

    fast, slow, used = _both(_variant(tmp_path, edit), monkeypatch)
    assert used == [True]
    assert len(slow.table) > 0 and slow.warnings
    _assert_same(fast, slow)


@pytest.mark.parametrize("edit", [
    lambda line: line.replace(",48.8,", ",abc,"),  # a measure that is not a number
    lambda line: line.replace(",National,", ",Planet,"),  # an unknown level
    lambda line: line.replace("202122,", "20xx,", 1),  # a period we cannot read
])
def test_a_bad_cell_gives_the_same_problems(edit, tmp_path, monkeypatch):
    fast, slow, used = _both(_variant(tmp_path, lambda lines: [lines[0], edit(lines[1])] + lines[2:]),
                             monkeypatch)
    assert used == [True]  # read column-wise; the same row checks report the problem
    assert isinstance(slow, list) and slow and slow[0].row == 2
    _assert_same(fast, slow)


def test_a_column_with_total_values_is_a_filter_column_wise_too(tmp_path, monkeypatch):
    """A column outside the dataset's filter table is a filter when a "Total" occurs in it: found from the
    column's values without making rows, it must skip the same rows."""
    def edit(lines):
        return [lines[0] + ",phase"] + [line + (",Secondary" if i == 0 else ",Total")
                                        for i, line in enumerate(lines[1:])]

    fast, slow, used = _both(_variant(tmp_path, edit), monkeypatch)
    assert used == [True]
    assert any("phase is not 'Total'" in w.message for w in slow.warnings)
    _assert_same(fast, slow)


def test_area_checks_once_per_distinct_area_report_every_row_as_before():
    """RowMemo replays _area's skips and errors for each row with its own line: the collector ends up as the
    plain row-by-row calls leave it (bad levels, dummy rows, pseudo-areas, repeated on several rows)."""
    from etl.errors import ProblemCollector
    from etl.sources.row_memo import RowMemo

    header = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "old_la_code", "new_la_code", "la_name"]
    idx = {h: i for i, h in enumerate(header)}
    base = ["202223", "Academic year", "Local authority", "E92000001", "England", "E12000002", "North West",
            "888", "E10000017", "Lancashire"]
    variants = [{}, {2: "Planet"}, {9: "LA demo"}, {8: "z"}, {8: "X10000017"}, {8: "E13000001"}, {2: "Ward"}, {}]
    rows = [[v.get(i, c) for i, c in enumerate(base)] for v in variants] * 3
    plain, memo = ProblemCollector("f.csv"), ProblemCollector("f.csv")
    area_of = RowMemo(lambda c, p, line: dfe_ees._area(c, idx, "underlying", p, line), list(range(len(header))))
    got = [area_of(cells, memo, line) for line, cells in enumerate(rows, start=2)]
    want = [dfe_ees._area(cells, idx, "underlying", plain, line) for line, cells in enumerate(rows, start=2)]
    assert got == want and len(area_of.seen) < len(rows)
    assert memo.errors == plain.errors and len(plain.errors) == 6
    assert memo.warnings == plain.warnings and memo.skipped_counts == plain.skipped_counts
