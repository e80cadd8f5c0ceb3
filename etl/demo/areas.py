"""The invented demo geography's real codes and names (the areas are real; every value is synthetic).

Only codes and names come from the public ONS register; no figure here or in the generator is
taken from any publication. ``weight`` is an invented size used to scale synthetic counts.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoArea:
    code: str
    name: str
    upper_tier_code: str  # the county for E07 districts, itself for unitaries
    dfe_la_code: str  # DfE 3-digit ``old_la_code`` of the upper tier
    weight: float  # invented relative size (residents 16-64, in thousands)


COUNTRY = ("E92000001", "England")
REGION = ("E12000002", "North West")
COUNTY = ("E10000017", "Lancashire", "888")
LEP = ("E37000019", "Lancashire")
LSIP = ("E69000019", "Lancashire")

DISTRICTS: tuple[DemoArea, ...] = (
    DemoArea("E06000008", "Blackburn with Darwen", "E06000008", "889", 92),
    DemoArea("E06000009", "Blackpool", "E06000009", "890", 85),
    DemoArea("E07000117", "Burnley", "E10000017", "888", 56),
    DemoArea("E07000118", "Chorley", "E10000017", "888", 70),
    DemoArea("E07000119", "Fylde", "E10000017", "888", 44),
    DemoArea("E07000120", "Hyndburn", "E10000017", "888", 50),
    DemoArea("E07000121", "Lancaster", "E10000017", "888", 92),
    DemoArea("E07000122", "Pendle", "E10000017", "888", 56),
    DemoArea("E07000123", "Preston", "E10000017", "888", 95),
    DemoArea("E07000124", "Ribble Valley", "E10000017", "888", 35),
    DemoArea("E07000125", "Rossendale", "E10000017", "888", 44),
    DemoArea("E07000126", "South Ribble", "E10000017", "888", 69),
    DemoArea("E07000127", "West Lancashire", "E10000017", "888", 69),
    DemoArea("E07000128", "Wyre", "E10000017", "888", 62),
)

# Invented sizes of the parts of the region and country outside the demo districts, so that the
# "publisher's" North West and England totals are larger than the sum of the 14 districts.
REST_OF_REGION_WEIGHT = 3600.0
REST_OF_COUNTRY_WEIGHT = 30000.0

SEED = 20190101  # the generator is seeded so the demo pack is identical on every machine
