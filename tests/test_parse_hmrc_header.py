"""HMRC's header search asks whether cells are dates only of rows with a code column: it finds the rows
the full search (roles and dates of every cell) finds."""
from __future__ import annotations

import random
from datetime import date, datetime

from etl.sources import hmrc_cjrs
from etl.sources.grids import Grid

CELLS = ["ONS code", "Authority name", "Total number of employments furloughed", "Employments eligible",
         "Take-up rate (%)", "Jul 2020", "31 Jul 2020", date(2020, 7, 31), datetime(2020, 8, 1), "E07000117",
         "Burnley", 12, 3.5, None, "", "Area code", "LA code", "Code", "Furloughed", "2020-07-31", "Local authority"]


def _full_search(sheet: Grid) -> int | None:
    for i, (_, cells) in enumerate(sheet.rows[:hmrc_cjrs.HEADER_SEARCH_ROWS]):
        roles = [hmrc_cjrs.header_role(c) for c in cells]
        dated = sum(1 for c, r in zip(cells, roles) if r is None and hmrc_cjrs.cell_period(c) is not None)
        names = {r[0] for r in roles if r}
        if "code" in names and (names & set(hmrc_cjrs.VALUE_ROLES) or dated):
            return i
    return None


def test_the_header_found_is_the_full_search_s():
    rng = random.Random(12)
    found = set()
    for _ in range(3000):
        rows = [(j + 1, [rng.choice(CELLS) for _ in range(rng.randint(0, 6))]) for j in range(rng.randint(0, 6))]
        sheet = Grid(name=None, rows=rows)
        expected = _full_search(sheet)
        assert hmrc_cjrs.find_header(sheet) == expected, rows
        found.add(expected is None)
    assert found == {True, False}  # rows with and without a header were met
