"""How each status of a figure reads, in one place: a short label (tables, charts, CSV keys) and a sentence
predicate (summaries). The status words themselves are the tidy table's contract (DESIGN §4)."""
from __future__ import annotations

# status -> (short label, "Blackpool's figure for March 2021 is ..." predicate)
WORDING: dict[str, tuple[str, str]] = {
    "suppressed": ("suppressed (small numbers)", "suppressed by the publisher to protect confidentiality (small numbers)"),
    "not_available": ("not available", "not available"),
    "not_applicable": ("not applicable", "not applicable (published with another area)"),
    "low": ("fewer than 5", "fewer than 5, too small to publish as a number"),
    "low_reliability": ("low reliability", "of low reliability"),
    "provisional": ("provisional", "provisional"),
    "revised": ("revised", "revised"),
}
# statuses that qualify a real number; shown in brackets after it
QUALIFIERS = {"provisional": "provisional", "revised": "revised", "low_reliability": "low reliability"}


def label(status: str) -> str:
    """The short label of a status ('not available' for one we do not know)."""
    return WORDING.get(str(status), WORDING["not_available"])[0]


def predicate(status: str) -> str:
    """The status as the end of a sentence about a missing figure."""
    return WORDING.get(str(status), WORDING["not_available"])[1]
