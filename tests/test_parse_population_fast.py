"""The column-wise readers (population wide by year) give exactly the row reader's tables, warnings and
problems: on the real extracts, on a synthetic file with every feature, and on bad cells (which fall back)."""
from pathlib import Path

import pandas as pd
import pytest

from etl.sources import ons_population, population_columnar
from etl.sources.base import RawFile
from etl.sources.grids import read_grids
from parse_both_ways import assert_agree, both_ways, made_spy

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "population"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real/population not present")

WIDE = """region,region_code,sex,age_band,2021,2022,2023
Hartlepool,E06000001,Persons,All ages,"92,338",92571.0,93836
Hartlepool,E06000001,Persons,Aged 0 - 15,17802,18147.0,
Hartlepool,E06000001,Persons,Aged 16 - 59/64,55000,55100,55200
Hartlepool,E06000001,Males,All ages,45000,45100,45200
Hartlepool,E06000001,Males,Aged 0 - 15,9000,9100,9200
Hartlepool,E06000001,Males,Aged 16+,36000,36000,36000

,E06000002,Persons,All ages,143000,144000,145000
,E06000002,Persons,Aged 0 - 15,30000,31000,32000
,E06000002,Persons,Aged 65+,20000,21000,22000
Belfast,N09000003,Persons,All ages,345000,346000,347000
Belfast,N09000003,Persons,Aged 0 - 15,70000,71000,72000
"""


def _both(path: Path, name: str | None = None):
    return both_ways(ons_population.WideByYearPopulationParser, path, name)


def _fast_used(path: Path) -> bool:
    raw = RawFile(path=path, name=path.name, root=path.parent)
    grid = read_grids(raw)[0]
    i, header, where = ons_population._wide_header(grid.rows)
    col = ons_population.ProblemCollector(raw.name)
    return population_columnar.wide_table(raw.name, grid.rows[i + 1:], header, where, col) \
        is not None


def _assert_same(path: Path):
    assert_agree(_both(path))


@needs_real
def test_real_wide_table_same_both_ways():
    path = REAL / "population_LAD.csv"
    assert _fast_used(path), "the real LAD table is clean: it reads column-wise"
    _assert_same(path)


def test_synthetic_wide_table_same_both_ways(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(WIDE)
    assert _fast_used(path), "a clean file (commas, blanks, sexes, 16+ given, Northern Ireland) reads column-wise"
    (fast, _), _ = _both(path)
    assert (fast.breakdown == "age=16+;sex=male").sum() == 3, "a given 16+ is not derived again"
    derived = ((fast.breakdown == "age=16+") & fast.derived).sum()
    assert derived == 5, "16+ derived where all ages and 0-15 are both ok (not 2023: a blank 0-15)"
    _assert_same(path)


@pytest.mark.parametrize("bad", ["12.5", "lots", "-3", "E0600000", "Unknown sex", "short"])
def test_bad_cell_falls_back_to_the_same_problem(tmp_path, bad):
    text = WIDE
    if bad == "E0600000":
        text = text.replace("Hartlepool,E06000001,Males,All ages", f"Hartlepool,{bad},Males,All ages")
    elif bad == "Unknown sex":
        text = text.replace("Males,Aged 0 - 15", "Nobody,Aged 0 - 15")
    elif bad == "short":
        text = text.replace("9000,9100,9200", "9000,9100")
    else:
        text = text.replace("45100", bad)
    path = tmp_path / "wide.csv"
    path.write_text(text)
    assert not _fast_used(path), "a file with a problem is left to the row reader"
    (fast, fast_msgs), (rows, row_msgs) = _both(path)
    assert fast is None and rows is None and fast_msgs == row_msgs and fast_msgs


def test_duplicate_key_falls_back(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(WIDE + "Hartlepool,E06000001,Persons,All ages,1,2,3\n")
    assert not _fast_used(path)
    _assert_same(path)


# --- MYE2 (single years of age) -------------------------------------------------------------------

MYE2_FIXTURE = Path(__file__).parent / "fixtures" / "ons_population" / "mye2_persons.csv"


def _mye2_both(path: Path):
    return both_ways(ons_population.Mye2PopulationParser, path)


def _mye2_fast_used(path: Path, monkeypatch) -> bool:
    with monkeypatch.context() as spying:
        made = made_spy(spying, population_columnar, "mye2_table")
        _mye2_both(path)
    return made[0]


def _mye2_same(path: Path):
    assert_agree(_mye2_both(path))


@needs_real
def test_real_mye2_same_both_ways(monkeypatch):
    path = REAL / "MYE2 - Persons.csv"
    assert _mye2_fast_used(path, monkeypatch), "the real MYE2 table is clean: it reads column-wise"
    _mye2_same(path)


def test_synthetic_mye2_same_both_ways(monkeypatch):
    assert _mye2_fast_used(MYE2_FIXTURE, monkeypatch), "the MYE2 fixture (notes, footnotes) reads column-wise"
    _mye2_same(MYE2_FIXTURE)


@pytest.mark.parametrize("edit", [('" 100,100 "', '" 100,200 "'), ('" 100,100 "', '"100100.5"'),
                                  ('" 100,100 "', '"lots"')])
def test_mye2_bad_cell_falls_back_to_the_same_problem(tmp_path, monkeypatch, edit):
    text = MYE2_FIXTURE.read_text()
    assert edit[0] in text
    path = tmp_path / "mye2.csv"
    path.write_text(text.replace(*edit))
    assert not _mye2_fast_used(path, monkeypatch), "a file with a problem is left to the row reader"
    (fast, fast_msgs), (rows, row_msgs) = _mye2_both(path)
    assert fast is None and rows is None and fast_msgs and fast_msgs == row_msgs


@pytest.mark.parametrize("cell", ["\u0664\u0665\u0661\u0660\u0660", "0045100", "45100.000", '" 45100 "',
                                  "1234567890123456", "4.51e4", '"45,100"'])
def test_counts_not_plain_or_not_ascii_same_both_ways(tmp_path, cell):
    """Cells that are not plain ASCII whole numbers (other digits, spaces, 16 digits, exponents, commas) are
    read as the row reader reads them."""
    path = tmp_path / "wide.csv"
    path.write_text(WIDE.replace("45100", cell), encoding="utf-8")
    assert _fast_used(path), "a clean file still reads column-wise"
    _assert_same(path)


def test_plain_is_the_pandas_whole_number_match():
    """Arrow's match of plain whole numbers (ASCII texts) = pandas' ``WHOLE`` fullmatch, values included;
    a list with anything but texts goes to pandas itself."""
    ascii = ["19682", "19682.0", "19682.00", "007", "123456789012345", "1234567890123456", " 1", "1 ", "1.5",
             "-1", "", None, "1e3", "12\n", "1,000", ".0", "1.", " 60,854,727 ", "1,234.00", "12,34", "1234,567",
             "1,234.5", "1,234,567,890,123", "1,234,567,890,123,456", "\t7", "7\xa0"]
    probe = ons_population.ProblemCollector("x")
    for cells in (ascii, ascii + ["\u0661\u0662", "\u0663,\u0661\u0662\u0663"], ascii + [12.0]):
        series = pd.Series(cells, dtype=object)
        want = series.str.fullmatch(population_columnar.WHOLE).fillna(False).to_numpy(dtype=bool)
        plain, values = population_columnar._plain(cells)
        assert plain.tolist() == want.tolist()
        assert values.tolist() == [ons_population._count(c, probe, 0, "") for c in series[want]], \
            "the row reader's count of each plain cell"
    assert not probe.errors and plain.sum() == 11
