"""The column-wise FE data library reader gives exactly the row reader's table and warnings, on the real
2016/17 table and a synthetic one; a file with a problem falls back and reports the same problems."""
from pathlib import Path

import pytest

from etl.errors import ProblemCollector
from etl.sources import dfe_fe_library, fe_library_columnar
from etl.sources.base import RawFile
from parse_both_ways import assert_agree, both_ways

REAL = (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "apprenticeships"
        / "dfe_apprenticeship_starts_achievements_lad_ssa_age_201617.csv")
needs_real = pytest.mark.skipif(not REAL.is_file(), reason="../shared/data/real FE library table not present")

TABLE = """year,level,la_name,SSA,Age,Starts,Achievements
201617,Totals,Blackpool,Totals,Totals,"1,900",1100
201617,Totals,Blackpool,Totals,Under 19,700,400

201617,Totals,Blackpool,"Health, Public Services and Care",Totals,500,x
201617,Totals,Blackpool,"Health, Public Services and Care",19-24,100,0
201617,Totals,Barrow in Furness,Totals,Totals,800,450
201617,Totals,Totals,Totals,Totals,490000,275000
201617,Totals,Other,Totals,Totals,150,70
201718,Intermediate,Blackpool,Totals,Totals,900,500
201617,Totals,Other,Construction,19-24,150,70
"""


def _both(path: Path):
    return both_ways(dfe_fe_library.FeLibraryParser, path)


def _fast_used(path: Path) -> bool:
    raw = RawFile(path=path, name=path.name, root=path.parent)
    return fe_library_columnar.fe_table(raw, ProblemCollector(raw.name)) is not None


def _assert_same(path: Path):
    assert_agree(_both(path))


@needs_real
def test_real_table_same_both_ways():
    assert _fast_used(REAL), "the real table is clean: it reads column-wise"
    _assert_same(REAL)


def test_synthetic_table_same_both_ways(tmp_path):
    path = tmp_path / "fe.csv"
    path.write_text(TABLE)
    assert _fast_used(path), "a clean file (blank line, thousands, suppression, Other, Totals) reads column-wise"
    (fast, warnings), _ = _both(path)
    assert len(fast) == 12 and len(warnings) == 2
    _assert_same(path)


@pytest.mark.parametrize("edit", [
    ("1100", "12 apples"), ("Barrow in Furness", ""), ("201718", "2017-18"), (",0\n", ",0,5\n"),
    ("201617,Totals,Barrow in Furness,Totals,Totals,800,450", "201617,Totals,Blackpool,Totals,Totals,8,4")])
def test_a_problem_falls_back_to_the_same_report(tmp_path, edit):
    path = tmp_path / "fe.csv"
    path.write_text(TABLE.replace(*edit))
    assert not _fast_used(path), "a file with a problem is left to the row reader"
    (fast, fast_msgs), (rows, row_msgs) = _both(path)
    assert fast is None and rows is None and fast_msgs and fast_msgs == row_msgs


@pytest.mark.parametrize("variant", ["crlf", "bom", "quoted line break", "trailing empty cell", "spaces"])
def test_file_shapes_read_alike(tmp_path, variant):
    """The one-go C read (or read_rows where a shape needs it) gives the row reader's rows and line numbers."""
    text = TABLE
    if variant == "crlf":
        text = text.replace("\n", "\r\n")
    elif variant == "bom":
        text = "\ufeff" + text
    elif variant == "quoted line break":
        text = text.replace('"Health, Public Services and Care",19-24', '"Health, Public\nServices",19-24')
    elif variant == "trailing empty cell":
        text = text.replace("900,500\n", "900,500,\n")
    else:
        text = text.replace("Barrow in Furness,", " Barrow in Furness ,").replace(",800,", ", 800 ,")
    path = tmp_path / "fe.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert _fast_used(path)
    (fast, _), _ = _both(path)
    assert len(fast) == 12
    _assert_same(path)
    if variant == "quoted line break":
        assert fast.source_row.max() == 11, "rows after a quoted line break keep their file line"


@needs_real
def test_real_table_reads_with_pyarrow():
    raw = RawFile(path=REAL, name=REAL.name, root=REAL.parent)
    assert fe_library_columnar._read_arrow(raw) is not None, "the real table is clean: pyarrow reads it"


@pytest.mark.parametrize("variant", ["plain", "crlf", "bom", "spaces", "empty cells row", "accents", "quoted"])
def test_pyarrow_read_same_as_row_reader(tmp_path, variant):
    """A file without blank lines is read by pyarrow (``_read_arrow``) and gives the row reader's table,
    warnings and line numbers."""
    text = TABLE.replace("\n\n", "\n")
    if variant == "crlf":
        text = text.replace("\n", "\r\n")
    elif variant == "bom":
        text = "\ufeff" + text
    elif variant == "spaces":
        text = text.replace("Barrow in Furness,", " Barrow in Furness ,").replace(",800,", ", 800 ,")
    elif variant == "empty cells row":
        text = text.replace("201617,Totals,Barrow", ",,,,,,\n201617,Totals,Barrow")
    elif variant == "accents":
        text = text.replace("Barrow in Furness", "Ynys Môn")
    elif variant == "quoted":
        text = text.replace("Blackpool,Totals,Totals,900", '"Blackpool","Totals",Totals,"900"')
    path = tmp_path / "fe.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert fe_library_columnar._read_arrow(RawFile(path=path, name=path.name, root=path.parent)) is not None
    assert _fast_used(path)
    (fast, warnings), _ = _both(path)
    assert len(fast) == 12 and len(warnings) == 2
    _assert_same(path)
    if variant == "empty cells row":
        assert fast.source_row.max() == 10, "rows after a row of empty cells keep their file line"


@pytest.mark.parametrize("edit", [
    ("1100", "12 apples"), ("Barrow in Furness", ""), ("201718", "2017-18"), (",0\n", ",0,5\n"),
    ("201617,Totals,Barrow in Furness,Totals,Totals,800,450", "201617,Totals,Blackpool,Totals,Totals,8,4")])
def test_a_problem_in_a_pyarrow_file_falls_back(tmp_path, edit):
    path = tmp_path / "fe.csv"
    path.write_text(TABLE.replace("\n\n", "\n").replace(*edit))
    assert not _fast_used(path), "a file with a problem is left to the row reader"
    (fast, fast_msgs), (rows, row_msgs) = _both(path)
    assert fast is None and rows is None and fast_msgs and fast_msgs == row_msgs
