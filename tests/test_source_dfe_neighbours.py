"""DfE statistical neighbours: the header is found below banner rows; old sets are kept apart; bad cells fail."""
from pathlib import Path

import openpyxl
import pytest

from etl.errors import SourceFormatError
from etl.sources.base import RawFile, detect
from etl.sources.dfe_neighbours import DfeStatisticalNeighboursParser

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "neighbours" / "sn_may_2025.xlsx"
HEADER = ["LA num", "LA Name", "LA number", "GOInd", "GOReg"] + [x for k in range(1, 11) for x in (f"SN{k}", "SNP")]


def _workbook(tmp_path, rows):
    """A workbook in DfE's layout: two banner rows (column letters, numbers), the header, then ``rows``."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "LA SN Groups"
    sheet.append(list("ABCDE") + list(range(3, 23)))
    sheet.append(list(range(1, 26)))
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "neighbours.xlsx"
    book.save(path)
    return path


def _row(la, name, neighbours, closeness="Very close"):
    return [la, name, la, 5, "North West"] + [x for n in neighbours for x in (n, closeness)]


def test_neighbours_in_rank_order_with_old_sets_apart(tmp_path):
    path = _workbook(tmp_path, [_row(888, "Lancashire", range(801, 811)), _row(890, "Blackpool", range(821, 831)),
                                [None] * 25, [None, "Old SNs:"], _row(909, "Cumbria", range(831, 841), "Very Close")])
    result = detect(RawFile.at(path)).parse(RawFile.at(path))
    t = result.table
    assert result.kind == "neighbours"
    lancs = t[(t.la_number == 888)].sort_values("rank")
    assert lancs["neighbour_la_number"].tolist() == list(range(801, 811)), "SN1..SN10 in order"
    assert lancs["is_current"].all() and set(lancs["closeness"]) == {"Very close"}
    cumbria = t[t.la_number == 909]
    assert len(cumbria) == 10 and not cumbria["is_current"].any(), "sets under 'Old SNs:' are not current"
    assert set(cumbria["closeness"]) == {"Very close"}, "DfE's mixed capitalisation is folded"


def test_a_neighbour_that_is_not_an_la_number_is_named(tmp_path):
    bad = _row(888, "Lancashire", range(801, 811))
    bad[7] = "eight hundred"
    path = _workbook(tmp_path, [bad])
    with pytest.raises(SourceFormatError) as info:
        DfeStatisticalNeighboursParser().parse(RawFile.at(path))
    problem = info.value.problems[0]
    assert (problem.row, problem.column, problem.found) == (4, "SN2", "eight hundred")


@pytest.mark.skipif(not REAL.is_file(), reason="../shared/data/real/neighbours/sn_may_2025.xlsx not present")
def test_real_neighbours_workbook():
    t = detect(RawFile.at(REAL)).parse(RawFile.at(REAL)).table
    current = t[t.is_current]
    assert current["la_number"].nunique() >= 150, "every upper-tier authority has a set"
    assert (current.groupby("la_number").size() == 10).all(), "ten neighbours each"
    assert 888 in set(current["la_number"]), "Lancashire (DfE LA 888) is listed"
