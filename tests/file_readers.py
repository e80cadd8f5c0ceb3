"""Reading exported files back in tests: the CSV's header lines and table, a PNG's pixel size."""
from __future__ import annotations

import io

import pandas as pd

from reuse.data_files import CSV_ENCODING, HEADER_PREFIX


def read_csv_bytes(data: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    """Read a ``csv_bytes`` file back: ({label: text} from the header lines, the data frame)."""
    text = data.decode(CSV_ENCODING)
    lines = text.splitlines(keepends=True)
    meta: dict[str, str] = {}
    n = 0
    while n < len(lines) and lines[n].startswith(HEADER_PREFIX.rstrip()):
        label, _, value = lines[n][len(HEADER_PREFIX):].rstrip("\r\n").partition(": ")
        meta[label] = value
        n += 1
    df = pd.read_csv(io.StringIO("".join(lines[n:])), keep_default_na=False, na_values=[""])
    return meta, df


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk; ValueError if ``data`` is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
