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
SERIES_TOML = Path(__file__).with_name("series.toml")
PERIOD_TYPES = ("month", "year", "academic_year", "mid_year", "cumulative", "average")
AGGREGATIONS = ("sum", "ratio", "weighted_mean", "none")
UNITS = ("percent", "count", "score", "per_100k")
POLARITIES = ("lower", "higher", None)
PUBLISHED_LEVELS = ("district", "upper_tier")
CONTEXT_TOPIC = "context"  # indicators kept as denominators or context, not charted on a topic page


@dataclass(frozen=True)
class Break:
    """The series is not comparable across the boundary before ``starts``."""
    starts: str
    reason: str
    link: str | None = None


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
    # what the publisher's notes say about the series (series.toml)
    period_type: str = "year"
    period_label: str | None = None  # e.g. "December {prev_year} to February {year} average"
    breaks: tuple[Break, ...] = ()
    part_periods: tuple[tuple[str, str], ...] = ()  # (period, why it is incomplete)
    caveats: tuple[str, ...] = ()

    @property
    def is_rate(self) -> bool:
        return self.unit in ("percent", "per_100k")

    def part_period(self, period: str) -> str | None:
        """Why ``period`` is incomplete, or None for a full period."""
        return dict(self.part_periods).get(period)

    def break_before(self, period: str) -> Break | None:
        """The break that starts at ``period`` (the series is not comparable with earlier periods)."""
        return next((b for b in self.breaks if b.starts == period), None)


def _indicator(ind_id: str, entry: dict, topics: dict) -> Indicator:
    known = {f.name for f in fields(Indicator)} - {"id"}  # series keys arrive already checked
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


SERIES_KEYS = ("period_type", "period_label", "breaks", "part_periods", "caveats")


def _series(ind_id: str, entry: dict) -> dict:
    """series.toml's entry for one indicator as Indicator keyword arguments, checked."""
    if unknown := set(entry) - set(SERIES_KEYS):
        raise CatalogueError(f"series {ind_id!r}: unknown key(s) {', '.join(sorted(unknown))}")
    out = dict(entry)
    if out.get("period_type", "year") not in PERIOD_TYPES:
        raise CatalogueError(f"series {ind_id!r}: period_type {out['period_type']!r} is not one of {PERIOD_TYPES}")
    try:
        out["breaks"] = tuple(Break(**b) for b in entry.get("breaks", []))
    except TypeError as exc:
        raise CatalogueError(f"series {ind_id!r}: a break needs starts and reason ({exc})") from None
    out["part_periods"] = tuple((str(k), str(v)) for k, v in entry.get("part_periods", {}).items())
    out["caveats"] = tuple(entry.get("caveats", []))
    return out


def load(path: Path = CATALOGUE_TOML, series_path: Path = SERIES_TOML
         ) -> tuple[dict[str, Indicator], dict[str, tuple[str, str]], dict]:
    """(indicators, topics, qa settings) from the catalogue and series files, checked."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    with open(series_path, "rb") as fh:
        series = tomllib.load(fh).get("series", {})
    if unknown := set(series) - set(data["indicators"]):
        raise CatalogueError(f"series.toml describes indicators not in the catalogue: {', '.join(sorted(unknown))}")
    topics = {slug: (title, headline) for slug, (title, headline) in data["topics"].items()}
    indicators = {ind_id: _indicator(ind_id, {**entry, **_series(ind_id, series.get(ind_id, {}))}, topics)
                  for ind_id, entry in data["indicators"].items()}
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
