"""The ELS parser's column-wise fast path gives exactly the line-by-line reader's table, warnings and
problems: on the real extracts, on the fixtures and on synthetic files (a bad cell still falls back)."""
from pathlib import Path

import pandas as pd
import pytest

import etl.sources.ons_els_columnar as columnar
from etl.errors import SourceFormatError
from etl.sources.base import RawFile
from etl.sources.ons_els import OnsElsParser
from parse_both_ways import made_spy

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
FIXTURES = Path(__file__).parent / "fixtures" / "ons_els"
ELS = OnsElsParser()
HEADER = "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"


def _both(path: Path, monkeypatch):
    """(fast path's outcome, line-by-line outcome); an outcome is a ParseResult or the problems raised."""
    def run():
        try:
            return ELS.parse(RawFile.at(path))
        except SourceFormatError as exc:
            return exc.problems

    calls = made_spy(monkeypatch, columnar, "parse_clean")
    fast = run()
    monkeypatch.setattr(columnar, "parse_clean", lambda *a: None)
    slow = run()
    return fast, slow, calls


def _assert_same(fast, slow):
    if isinstance(slow, list):
        assert fast == slow
        return
    pd.testing.assert_frame_equal(fast.table, slow.table)
    assert fast.warnings == slow.warnings and fast.meta == slow.meta


@pytest.mark.parametrize("name", ["claimant_count/ons_els_claimant_count_annual_rate.csv",
                                  "apprenticeships/ons_els_apprenticeships_starts_achievements_rate_lad.csv"])
def test_real_extract_reads_column_wise_to_the_same_table(name, monkeypatch):
    if not (REAL / name).exists():
        pytest.skip(f"real extract {name} not in ../shared/data/real")
    fast, slow, calls = _both(REAL / name, monkeypatch)
    assert calls == [True]  # the real file is clean: the fast path read it
    assert len(slow.table) > 1000
    _assert_same(fast, slow)


@pytest.mark.parametrize("name", ["els_current.csv", "els_older.csv"])
def test_fixtures_give_the_same_table(name, monkeypatch):
    fast, slow, _ = _both(FIXTURES / name, monkeypatch)
    _assert_same(fast, slow)


SYNTHETIC = HEADER + "".join([
    "E92000001,England,Nation,Claimant Count,2024-01-01/P1Y,4.1,Percentage,%,,,,\n",
    "W06000001,Anglesey,Local Authority District,Claimant Count,2024-01-01/P1Y,3.0,Percentage,%,,,,\n",
    "E07000117,Burnley,Local Authority District,Something else,2024-01-01/P1Y,9,Percentage,%,,,,\n",
    "E07000117,Burnley,Local Authority District,Claimant Count,2023,5.1,Percentage,%,4.9,5.3,,\n",
    "E06000009,Blackpool,County or Unitary Authority,Claimant Count,2024-01-01/P1Y,,Percentage,%,,,x,\n",
    "E06000009,Blackpool,County or Unitary Authority,Apprenticeship starts,2019-08-01/P1Y,959,Rate,Rate,,,,\n",
    "E06000009,,County or Unitary Authority,Apprenticeship starts (England),2020,,Rate,Rate,,,u,suppressed\n",
    "E07000118,Chorley,Local Authority District,Something else,2024-01-01/P1Y,9,Percentage,%,,,,\n",
    "E07000118,Chorley,Local Authority District,Other,2024-01-01/P1Y,9,Percentage,%,,,,\n",
])


def test_synthetic_file_gives_the_same_table_and_warnings(tmp_path, monkeypatch):
    path = tmp_path / "els.csv"
    path.write_text(SYNTHETIC, encoding="utf-8")
    fast, slow, calls = _both(path, monkeypatch)
    assert calls == [True]
    assert len(slow.table) == 5 and len(slow.warnings) == 2
    _assert_same(fast, slow)


@pytest.mark.parametrize("bad", [
    "E07000117,Burnley,Local Authority District,Claimant Count,2024-01-01/P1Y,five,Percentage,%,,,,\n",
    "E07000117,Burnley,Local Authority District,Claimant Count,2024-01-01/P1Y,5,Percentage,%,,,q,\n",
    "E07000117,Burnley,Local Authority District,Claimant Count,2019/20,5,Percentage,%,,,,\n",
    "E07000117,Burnley,Local Authority District,Claimant Count,2024-01-01/P1Y,5,Percentage,%,6,7,,\n",
    "E0700011,Burnley,Local Authority District,Claimant Count,2024-01-01/P1Y,5,Percentage,%,,,,\n",
    "E92000001,England,Nation,Claimant Count,2024-01-01/P1Y,4.1,Percentage,%,,,,\n",  # a duplicate
    "E07000117,Burnley,Local Authority District,Claimant Count,2024-01-01/P1Y,5\n",
    "\n",
])
def test_a_bad_cell_gives_the_same_problems(bad, tmp_path, monkeypatch):
    path = tmp_path / "els.csv"
    path.write_text(SYNTHETIC + bad + SYNTHETIC.splitlines(keepends=True)[-1].replace("Other", "Another"),
                    encoding="utf-8")
    fast, slow, calls = _both(path, monkeypatch)
    assert calls == [False]  # the fast path gave the file back to the line-by-line reader
    _assert_same(fast, slow)
    if bad.strip():
        assert isinstance(slow, list) and slow[0].row == 11
