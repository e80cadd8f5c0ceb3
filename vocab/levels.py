"""Area levels and what a GSS code's prefix says about an area: one table, ``gss_levels.csv``.

Districts are the building blocks; unitary districts (E06, E08, E09) are their own upper tier, while
two-tier districts (E07) sit inside a county (E10).
"""
from __future__ import annotations

import csv
from pathlib import Path

AREA_LEVELS = ("district", "upper_tier", "lep", "lsip", "combined_authority", "region", "country")
PARENT_LEVELS = AREA_LEVELS[1:]

with open(Path(__file__).with_name("gss_levels.csv"), newline="", encoding="utf-8") as _fh:
    PREFIXES: dict[str, dict[str, str]] = {row["prefix"]: row for row in csv.DictReader(_fh)}

LEVEL_BY_PREFIX: dict[str, str] = {p: row["level"] for p, row in PREFIXES.items()}
DISTRICT_PREFIXES = tuple(p for p, row in PREFIXES.items() if row["level"] == "district")
UNITARY_PREFIXES = tuple(p for p, row in PREFIXES.items() if row["kind"] == "unitary")
TWO_TIER_DISTRICT_PREFIXES = tuple(p for p, row in PREFIXES.items() if row["kind"] == "lower_tier")
UPPER_TIER_PREFIXES = tuple(p for p, row in PREFIXES.items() if row["level"] == "upper_tier")


def level_of_code(code: str) -> str | None:
    """The area level a GSS code denotes, or None for a code we do not handle."""
    return LEVEL_BY_PREFIX.get(str(code)[:3])


def is_two_tier_district(code: str) -> bool:
    return str(code)[:3] in TWO_TIER_DISTRICT_PREFIXES

