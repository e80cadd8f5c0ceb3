"""Parsing a file with a parser's column-wise reader and with its row reader (``columnar`` False), for tests
that the two agree; and a spy on whether a column-wise reader made the table."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.errors import SourceFormatError
from etl.sources.base import RawFile


def both_ways(parser_class, path: Path, name: str | None = None) -> list[tuple]:
    """[column-wise outcome, row reader's]: each (table, warnings as texts) or (None, problems as texts)."""
    out = []
    for columnar in (True, False):
        parser = parser_class()
        parser.columnar = columnar
        try:
            result = parser.parse(RawFile(path=path, name=name or path.name, root=path.parent))
            out.append((result.table, [str(w) for w in result.warnings]))
        except SourceFormatError as err:
            out.append((None, [str(p) for p in err.problems]))
    return out


def assert_agree(outcomes: list[tuple]) -> None:
    """``both_ways``' two outcomes are the same: the same warnings or problems in the same order, and the
    same table exactly (or none from either)."""
    (fast, fast_msgs), (rows, row_msgs) = outcomes
    assert fast_msgs == row_msgs, "the same warnings (or problems), in the same order"
    if rows is None:
        assert fast is None
    else:
        pd.testing.assert_frame_equal(fast, rows, check_exact=True)


def made_spy(monkeypatch, module, name: str) -> list[bool]:
    """Whether each call of ``module.name`` (a column-wise reader) gave something (True) or left the file to
    the row reader (None: False), in call order; the reader itself still runs."""
    made = []
    real = getattr(module, name)

    def spy(*args):
        out = real(*args)
        made.append(out is not None)
        return out

    monkeypatch.setattr(module, name, spy)
    return made
