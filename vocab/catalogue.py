"""The indicator catalogue: what each indicator means and how areas made of areas get a value.

The facts are data in ``catalogue.toml`` beside this module, checked when it is loaded (a wrong or
unknown key fails at import with the indicator and key named). ``aggregation`` is one of ``sum``
(counts), ``ratio`` (sum of numerators / sum of denominators), ``weighted_mean`` (mean weighted by
``denominator``) or ``none`` (only the publisher's figure). Rates are never averaged: where a publisher
gives rates only, ``denominator = "population"`` names the population band each member's rate is
weighted by, so the combined rate is a ratio of (estimated) counts.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

CATALOGUE_TOML = Path(__file__).with_name("catalogue.toml")
AGGREGATIONS = ("sum", "ratio", "weighted_mean", "none")
UNITS = ("percent", "count", "score", "per_100k")
POLARITIES = ("lower", "higher", None)
PUBLISHED_LEVELS = ("district", "upper_tier")
CONTEXT_TOPIC = "context"  # indicators kept as denominators or context, not charted on a topic page
# What an area made of areas is weighted by: the publisher's counts beside each figure, a DfE file's
# pupil numbers, or (rates published without counts) a band of the `population` indicator.
DENOMINATORS = ("published", "pupils", "population")
POPULATION_INDICATOR = "population"


class CatalogueError(ValueError):
    """The catalogue file states something impossible (the message names the indicator and key)."""


@dataclass(frozen=True, kw_only=True)
class Indicator:
    id: str
    label: str  # plain-English name for stakeholders
    in_sentence: str  # how it reads inside a sentence
    unit: str
    aggregation: str
    polarity: str | None  # "lower" (lower is better), "higher", or None (no judgement)
    published_level: str  # the finest level the publisher gives
    topic: str  # the dashboard page the indicator belongs to, or "context"
    decimals: int  # how the source rounds the published figure
    definition: str
    denominator_label: str | None = None
    denominator: str | None = None  # one of DENOMINATORS (ratio and weighted_mean only)
    population_band: str | None = None  # the population breakdown a rates-only indicator is a share of
    min: float = 0.0  # the values the indicator can take (Progress 8 can be negative)
    max: float | None = None
    significance_reference: float | None = None  # what a confidence interval is judged against
    rounding_base: float = 1  # publishers round these counts to a base (claimant count to 5, CJRS to 100)
    qa_jump: float | None = None  # QA flags a period-on-period change beyond this

    @property
    def is_rate(self) -> bool:
        return self.unit in ("percent", "per_100k")


def _indicator(ind_id: str, entry: dict, topics: dict) -> Indicator:
    known = {f.name for f in fields(Indicator)} - {"id"}
    if unknown := set(entry) - known:
        raise CatalogueError(f"indicator {ind_id!r}: unknown key(s) {', '.join(sorted(unknown))}")
    required = {"label", "in_sentence", "unit", "aggregation", "polarity", "published_level", "topic",
                "decimals", "definition"}
    if missing := required - set(entry):
        raise CatalogueError(f"indicator {ind_id!r}: missing key(s) {', '.join(sorted(missing))}")
    entry = {**entry, "polarity": entry["polarity"] or None}
    checks = (("unit", UNITS), ("aggregation", AGGREGATIONS), ("polarity", POLARITIES),
              ("published_level", PUBLISHED_LEVELS), ("topic", (*topics, CONTEXT_TOPIC)))
    for key, allowed in checks:
        if entry[key] not in allowed:
            raise CatalogueError(f"indicator {ind_id!r}: {key} {entry[key]!r} is not one of {allowed}")
    _check_denominator(ind_id, entry)
    for key in ("min", "max", "significance_reference", "rounding_base"):
        if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], (int, float))):
            raise CatalogueError(f"indicator {ind_id!r}: {key} {entry[key]!r} is not a number")
    if entry.get("max") is not None and entry["max"] < entry.get("min", 0.0):
        raise CatalogueError(f"indicator {ind_id!r}: max {entry['max']} is below min {entry.get('min', 0.0)}")
    return Indicator(id=ind_id, **{k: float(v) if k in ("min", "max") else v for k, v in entry.items()})


def _check_denominator(ind_id: str, entry: dict) -> None:
    """Ratios and weighted means say what they are weighted by; a population weight names its band."""
    denominator, band = entry.get("denominator"), entry.get("population_band")
    if denominator is not None and denominator not in DENOMINATORS:
        raise CatalogueError(f"indicator {ind_id!r}: denominator {denominator!r} is not one of {DENOMINATORS}")
    if entry["aggregation"] in ("ratio", "weighted_mean") and denominator is None:
        raise CatalogueError(f"indicator {ind_id!r}: aggregation {entry['aggregation']!r} needs a denominator "
                             f"(one of {DENOMINATORS})")
    if (denominator == "population") != (band is not None):
        raise CatalogueError(f"indicator {ind_id!r}: population_band goes with denominator = 'population' "
                             f"(found denominator {denominator!r}, population_band {band!r})")
    if band is not None and not re.fullmatch(r"total|age=\d+(-\d+|\+)", band):
        raise CatalogueError(f"indicator {ind_id!r}: population_band {band!r} is not a population breakdown "
                             "such as 'age=16-64', 'age=16+' or 'total'")


def load(path: Path = CATALOGUE_TOML) -> tuple[dict[str, Indicator], dict[str, tuple[str, str]], dict]:
    """(indicators, topics, qa settings) from the catalogue file, checked."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    topics = {slug: (title, headline) for slug, (title, headline) in data["topics"].items()}
    indicators = {ind_id: _indicator(ind_id, entry, topics) for ind_id, entry in data["indicators"].items()}
    for ind in indicators.values():
        if ind.denominator == "population" and POPULATION_INDICATOR not in indicators:
            raise CatalogueError(f"indicator {ind.id!r} is weighted by population, but the catalogue has no "
                                 f"{POPULATION_INDICATOR!r} indicator")
    for slug, (_title, headline) in topics.items():
        if indicators.get(headline) is None or indicators[headline].topic != slug:
            raise CatalogueError(f"topic {slug!r}: headline {headline!r} is not one of its indicators")
    return indicators, topics, data.get("qa", {})


INDICATORS, TOPICS, QA = load()
QA_MIN_COUNT_CHANGE = QA.get("min_count_change", 0)


def indicator(indicator_id: str) -> Indicator:
    """The catalogue entry for ``indicator_id`` (KeyError names the unknown id)."""
    try:
        return INDICATORS[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(INDICATORS)}") from None
