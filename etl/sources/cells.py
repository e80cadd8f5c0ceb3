"""``etl.schema``'s ``parse_number`` and ``parse_cell`` with a fast path for the plain number texts that
make up nearly every cell ('1234', '-5.6', '1,234'): such a text is a float once its commas go, so it skips the general
pattern (thousands separators, exponents, percent signs, spaces), which parsers would otherwise run on
every one of a file's cells. Anything else goes to the schema's functions, so the results are theirs."""
from __future__ import annotations

import re

from etl.schema import parse_cell, parse_number

# '1234', '-5.6', '1,234,567.8': (parse_number's own pattern accepts all of these, and reads them so)
_PLAIN = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?").fullmatch


def number(text: object) -> float | None:
    """``parse_number(text)``."""
    if type(text) is str and _PLAIN(text):
        return float(text.replace(",", ""))
    return parse_number(text)


def cell(text: object) -> tuple[float, str] | None:
    """``parse_cell(text)``."""
    if type(text) is str and _PLAIN(text):
        return float(text.replace(",", "")), "ok"
    return parse_cell(text)
