"""The EES table made a column at a time (etl.sources.ees_columnar: each distinct area, period, filter
combination and cell checked once) is exactly the row loops' table, warnings and extras: on the real
extracts, the fixtures and synthetic variants; a file the row loops would report on (or with a repeated
row) is left to them and gives the same problems."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl.sources import ees_columnar
from parse_both_ways import made_spy
from test_parse_ees_fast import FIXTURES, REAL, _assert_same, _both


def _spy(monkeypatch) -> list[bool]:
    """Whether each ees_table call made the table (True) or left the file to the row loops (False)."""
    return made_spy(monkeypatch, ees_columnar, "ees_table")


@pytest.mark.parametrize("name", ["ks4_attainment8/2223_la_data_revised.csv",
                                  "ks4_attainment8/2223_pr_lad_data_revised.csv",
                                  "apprenticeships/dfe_fe_achievements_lad_201617_202122_ees_permalink.csv",
                                  "neet_participation/dfe_nccis_neet_participation_la_2021.csv"])
def test_real_extract_made_column_wise(name, monkeypatch):
    if not (REAL / name).exists():
        pytest.skip(f"real extract {name} not in ../shared/data/real")
    made = _spy(monkeypatch)
    fast, slow, _used = _both(REAL / name, monkeypatch)
    assert made == [True], "a clean real extract is made without the row loops"
    assert len(slow.table) > 100
    _assert_same(fast, slow)


@pytest.mark.parametrize("name, made", [("ks4_pr_lad_underlying.csv", [True]),
                                        ("apprenticeships_underlying.csv", [True]),
                                        ("apprenticeships_permalink.csv", [True]),
                                        ("ks4_la_lad_underlying.csv", [False])])  # (a unitary at LA and LAD level)
def test_fixtures_made_column_wise_or_left_to_the_row_loops(name, made, monkeypatch):
    got = _spy(monkeypatch)
    fast, slow, _used = _both(FIXTURES / name, monkeypatch)
    assert got == made
    _assert_same(fast, slow)


def _variant(tmp_path: Path, name: str, edit) -> Path:
    lines = (FIXTURES / name).read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / name
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("edit", [
    lambda lines: lines[:1] + [" , ".join(line.replace('"', "").split(",")) for line in lines[1:]],  # cells padded
    lambda lines: lines[:3] + ["," * lines[0].count(",")] + lines[3:],  # a row of empty cells
    lambda lines: [lines[0]] + [line.replace('"Revised"', '"Provisional"') for line in lines[1:3]] + lines[3:],
    lambda lines: [lines[0]] + [line.replace('"-0.3"', '"c"').replace('"41.1"', '"x"') for line in lines[1:]],
    lambda lines: [lines[0]] + [line.replace('"1000"', '"1,000"') for line in lines[1:]],
    lambda lines: [lines[0]] + [line.replace('"Pupil residency"', '"School location"', 1) for line in lines[1:4]]
    + lines[4:],
    lambda lines: lines + [lines[4].replace('"E07000117","Burnley"', '"E07000120","Hyndburn"')],  # one more area
    lambda lines: lines + [lines[4].replace('"Burnley"', '"LA demo"')],  # a dummy row
    lambda lines: [lines[0]] + [line.replace(line.split(",")[2], '"Ward"') for line in lines[1:]],  # none kept
])
def test_clean_variants_made_column_wise(edit, tmp_path, monkeypatch):
    made = _spy(monkeypatch)
    fast, slow, _used = _both(_variant(tmp_path, "ks4_pr_lad_underlying.csv", edit), monkeypatch)
    assert made == [True]
    assert len(slow.table) > 0 or all("not charted" in w.message for w in slow.warnings)
    _assert_same(fast, slow)


@pytest.mark.parametrize("edit", [
    lambda line: line.replace('"46.0"', '"abc"'),  # a measure that is not a number
    lambda line: line.replace('"470000"', '"many"'),  # a weight that is not a number
    lambda line: line.replace('"National"', '"Planet"'),  # an unknown level
    lambda line: line.replace('"202223"', '"20xx"', 1),  # a period we cannot read
    lambda line: line.replace('"Pupil residency"', '"Pupil location"'),  # a basis we do not know
    lambda line: line.replace('"E92000001","England","",""', '"E92000001","England","","","X123","Nowhere"', 1),
])
def test_a_problem_is_left_to_the_row_loops(edit, tmp_path, monkeypatch):
    made = _spy(monkeypatch)
    path = _variant(tmp_path, "ks4_pr_lad_underlying.csv", lambda lines: [lines[0], edit(lines[1])] + lines[2:])
    fast, slow, _used = _both(path, monkeypatch)
    assert made in ([False], [])  # ([]: a row of another width is not read column-wise at all)
    assert isinstance(slow, list) and slow
    _assert_same(fast, slow)


def test_a_repeated_row_is_left_to_the_row_loops(tmp_path, monkeypatch):
    made = _spy(monkeypatch)
    fast, slow, _used = _both(_variant(tmp_path, "ks4_pr_lad_underlying.csv", lambda lines: lines + lines[-1:]),
                              monkeypatch)
    assert made == [False] and isinstance(slow, list)
    _assert_same(fast, slow)


@pytest.mark.parametrize("reasons", [3, 100])
def test_skip_rows_records_what_a_call_per_row_would(reasons):
    """Many rows' skips at once leave the collector as a skip call per row does (lines shown, counts, order)."""
    import random

    from etl.errors import ProblemCollector
    from etl.sources.row_memo import skip_rows

    rng = random.Random(reasons)
    texts = [f"reason {k}" for k in range(reasons)]
    which = [rng.randrange(reasons) for _ in range(2000)]
    lines = sorted(rng.sample(range(2, 50000), 2000))
    plain, bulk = ProblemCollector("f.csv"), ProblemCollector("f.csv")
    for k, line in zip(which, lines):
        plain.skip(texts[k], line)
    skip_rows(bulk, texts, which, lines)
    assert bulk.skipped == plain.skipped and bulk.skipped_counts == plain.skipped_counts
    assert list(bulk.skipped) == list(plain.skipped) and bulk.warnings == plain.warnings
