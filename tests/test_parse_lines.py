"""RawFile.lines() splits at lone CRs exactly as the regex it skips on ordinary lines would."""
from __future__ import annotations

import itertools

from etl.sources.base import _LONE_CR, RawFile


def _expected(data: bytes) -> list[str]:
    out = []
    for line in _readlines(data):
        out.extend(_LONE_CR.split(line))
    return out


def _readlines(data: bytes) -> list[str]:
    lines, start = [], 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end + 1
        lines.append(data[start:end].decode("utf-8"))
        start = end
    return lines


def test_lines_agree_with_the_lone_cr_split(tmp_path):
    path = tmp_path / "x.csv"
    for n in range(8):
        for cells in itertools.product(("a", "\r", "\n", "\r\n"), repeat=n):
            data = "".join(cells).encode()
            path.write_bytes(data)
            assert list(RawFile.at(path, tmp_path).lines()) == _expected(data), repr(data)
