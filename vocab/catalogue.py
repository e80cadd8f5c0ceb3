"""The indicator catalogue: what each indicator means and how areas made of areas get a value.

The facts are data in ``catalogue.toml`` beside this module, checked when it is loaded (a wrong or
unknown key fails at import with the indicator and key named). ``aggregation`` is one of ``sum``
(counts), ``ratio`` (sum of numerators / sum of denominators), ``weighted_mean`` (mean weighted by
``denominator``) or ``none`` (only the publisher's figure). Rates are never averaged.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

CATALOGUE_TOML = Path(__file__).with_name("catalogue.toml")
AGGREGATIONS = ("sum", "ratio", "weighted_mean", "none")
UNITS = ("percent", "count", "score", "per_100k")
POLARITIES = ("lower", "higher", None)
PUBLISHED_LEVELS = ("district", "upper_tier")
CONTEXT_TOPIC = "context"  # indicators kept as denominators or context, not charted on a topic page


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
    return Indicator(id=ind_id, **entry)


def load(path: Path = CATALOGUE_TOML) -> tuple[dict[str, Indicator], dict[str, tuple[str, str]], dict]:
    """(indicators, topics, qa settings) from the catalogue file, checked."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    topics = {slug: (title, headline) for slug, (title, headline) in data["topics"].items()}
    indicators = {ind_id: _indicator(ind_id, entry, topics) for ind_id, entry in data["indicators"].items()}
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
