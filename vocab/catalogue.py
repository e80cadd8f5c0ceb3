"""The indicator catalogue: what each indicator means and how areas made of areas get a value.

The facts are data in ``catalogue.toml`` beside this module, checked when it is loaded (a wrong or
unknown key fails at import with the indicator and key named). ``aggregation`` is one of ``sum``
(counts), ``ratio`` (sum of numerators / sum of denominators), ``weighted_mean`` (mean weighted by
``denominator``) or ``none`` (only the publisher's figure). Rates are never averaged: where a publisher
gives rates only, ``denominator = "population"`` names the population band each member's rate is
weighted by, so the combined rate is a ratio of (estimated) counts. Each indicator also declares its
domain (``min``/``max``, whole numbers, the periods the series can have) and ``count_ceilings`` the
largest count an area of each level can have: the ETL refuses anything outside.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from vocab.levels import AREA_LEVELS
from vocab.periods import period_bounds

CATALOGUE_TOML = Path(__file__).with_name("catalogue.toml")
SERIES_TOML = Path(__file__).with_name("series.toml")
PERIOD_TYPES = ("month", "year", "academic_year", "mid_year", "cumulative", "average")
AGGREGATIONS = ("sum", "ratio", "weighted_mean", "none")
UNITS = ("percent", "count", "score", "per_100k")
POLARITIES = ("lower", "higher", None)
PUBLISHED_LEVELS = ("district", "upper_tier")
CONTEXT_TOPIC = "context"  # indicators kept as denominators or context, not charted on a topic page
# What an area made of areas is weighted by: the publisher's counts beside each figure, a DfE file's
# pupil numbers, or (rates published without counts) a band of the `population` indicator.
DENOMINATORS = ("published", "pupils", "population")
POPULATION_INDICATOR = "population"


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
    denominator: str | None = None  # one of DENOMINATORS (ratio and weighted_mean only)
    population_band: str | None = None  # the population breakdown a rates-only indicator is a share of
    min: float = 0.0  # the values the indicator can take (Progress 8 can be negative)
    max: float | None = None
    significance_reference: float | None = None  # what a confidence interval is judged against
    rounding_base: float = 1  # publishers round these counts to a base (claimant count to 5, CJRS to 100)
    qa_jump: float | None = None  # QA flags a period-on-period change beyond this
    value_from_counts: bool = False  # recompute every area's rate from its counts (publisher rounds coarsely)
    # what the publisher's notes say about the series (series.toml)
    period_type: str = "year"
    period_label: str | None = None  # e.g. "December {prev_year} to February {year} average"
    breaks: tuple[Break, ...] = ()
    part_periods: tuple[tuple[str, str], ...] = ()  # (period, why it is incomplete)
    caveats: tuple[str, ...] = ()
    # The domain (min/max above): a value outside it is impossible and fails the build (counts are also
    # held under COUNT_CEILINGS for their area's level).
    whole_numbers: bool | None = None  # None: whole numbers exactly when the unit is a count
    earliest_period: str | None = None  # the series cannot have a period that starts before this one
    latest_period: str | None = None  # the series ended: no period starts after this one ends
    is_local: bool = False  # declared by an analyst beside a local CSV (data/raw), carried by the release

    @property
    def is_rate(self) -> bool:
        return self.unit in ("percent", "per_100k")

    def part_period(self, period: str) -> str | None:
        """Why ``period`` is incomplete, or None for a full period."""
        return dict(self.part_periods).get(period)

    @property
    def is_whole(self) -> bool:
        """Whether the publisher publishes this only as whole numbers."""
        return self.unit == "count" if self.whole_numbers is None else self.whole_numbers


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
    _check_domain(ind_id, entry)
    _check_denominator(ind_id, entry)
    for key in ("significance_reference", "rounding_base"):
        if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], (int, float))):
            raise CatalogueError(f"indicator {ind_id!r}: {key} {entry[key]!r} is not a number")
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


def _check_domain(ind_id: str, entry: dict) -> None:
    """The domain keys state something possible: numbers, min < max, readable periods in order."""
    for key in ("min", "max"):
        if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], (int, float))):
            raise CatalogueError(f"indicator {ind_id!r}: {key} {entry[key]!r} is not a number")
    if "max" in entry and entry["max"] <= entry.get("min", 0):
        raise CatalogueError(f"indicator {ind_id!r}: max {entry['max']!r} is not above min {entry.get('min', 0)!r}")
    if "whole_numbers" in entry and not isinstance(entry["whole_numbers"], bool):
        raise CatalogueError(f"indicator {ind_id!r}: whole_numbers {entry['whole_numbers']!r} is not true or false")
    bounds = {}
    for key in ("earliest_period", "latest_period"):
        if key in entry:
            bounds[key] = period_bounds(str(entry[key]))
            if bounds[key] is None:
                raise CatalogueError(f"indicator {ind_id!r}: {key} {entry[key]!r} is not a period label "
                                     "('2020-03', '2017/18', '2020', '2020-Q2')")
    if len(bounds) == 2 and bounds["latest_period"][1] < bounds["earliest_period"][0]:
        raise CatalogueError(f"indicator {ind_id!r}: latest_period is before earliest_period")


def _count_ceilings(data: dict) -> dict[str, float]:
    """The largest count any area of a level can have (every level named, each a positive number)."""
    ceilings = data.get("count_ceilings", {})
    if unknown := set(ceilings) - set(AREA_LEVELS):
        raise CatalogueError(f"count_ceilings: unknown area level(s) {', '.join(sorted(unknown))}")
    if missing := set(AREA_LEVELS) - set(ceilings):
        raise CatalogueError(f"count_ceilings: missing area level(s) {', '.join(sorted(missing))}")
    for level, ceiling in ceilings.items():
        if isinstance(ceiling, bool) or not isinstance(ceiling, (int, float)) or ceiling <= 0:
            raise CatalogueError(f"count_ceilings: {level} {ceiling!r} is not a positive number")
    return {level: float(ceiling) for level, ceiling in ceilings.items()}


def load(path: Path = CATALOGUE_TOML, series_path: Path | None = None
         ) -> tuple[dict[str, Indicator], dict[str, tuple[str, str]], dict, dict[str, float]]:
    """(indicators, topics, qa settings, count ceilings by area level) from the catalogue and the series
    file beside it (``series.toml``; none there means no series notes), checked."""
    path = Path(path)
    series_path = Path(series_path) if series_path else path.with_name(SERIES_TOML.name)
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    series = {}
    if series_path.is_file():
        with open(series_path, "rb") as fh:
            series = tomllib.load(fh).get("series", {})
    if unknown := set(series) - set(data["indicators"]):
        raise CatalogueError(f"series.toml describes indicators not in the catalogue: {', '.join(sorted(unknown))}")
    topics = {slug: (title, headline) for slug, (title, headline) in data["topics"].items()}
    indicators = {ind_id: _indicator(ind_id, {**entry, **_series(ind_id, series.get(ind_id, {}))}, topics)
                  for ind_id, entry in data["indicators"].items()}
    for ind in indicators.values():
        if ind.denominator == "population" and POPULATION_INDICATOR not in indicators:
            raise CatalogueError(f"indicator {ind.id!r} is weighted by population, but the catalogue has no "
                                 f"{POPULATION_INDICATOR!r} indicator")
    for slug, (_title, headline) in topics.items():
        if indicators.get(headline) is None or indicators[headline].topic != slug:
            raise CatalogueError(f"topic {slug!r}: headline {headline!r} is not one of its indicators")
    return indicators, topics, data.get("qa", {}), _count_ceilings(data)


INDICATORS, TOPICS, QA, COUNT_CEILINGS = load()
QA_MIN_COUNT_CHANGE = QA.get("min_count_change", 0)


def indicator(indicator_id: str) -> Indicator:
    """The catalogue entry for ``indicator_id`` (KeyError names the unknown id)."""
    try:
        return INDICATORS[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(INDICATORS)}") from None


# --- local indicators: declared in a TOML file beside a tidy CSV in the raw folder -----------------------
LOCAL_TOPIC = "local"
TOPICS[LOCAL_TOPIC] = ("Local indicators", None)
LOCAL_REQUIRED = ("id", "title", "unit", "polarity", "aggregation", "source", "licence")
LOCAL_OPTIONAL = ("caveats", "definition", "decimals", "min", "max", "earliest_period", "denominator_label")
LOCAL_ID = re.compile(r"^[a-z][a-z0-9_]{2,39}$")


def local_indicator(decl: dict) -> Indicator:
    """An analyst's declaration (the ``[local_indicator]`` table) as a catalogue entry, checked like the
    catalogue's own (CatalogueError names the key); its figures are district-level, topic "local"."""
    if unknown := set(decl) - set(LOCAL_REQUIRED) - set(LOCAL_OPTIONAL):
        raise CatalogueError(f"unknown key(s) {', '.join(sorted(unknown))} (allowed: "
                             f"{', '.join(LOCAL_REQUIRED + LOCAL_OPTIONAL)})")
    if missing := [k for k in LOCAL_REQUIRED if k not in decl]:
        raise CatalogueError(f"missing key(s) {', '.join(missing)}")
    ind_id = str(decl["id"])
    if not LOCAL_ID.match(ind_id):
        raise CatalogueError(f"id {ind_id!r} is not 3-40 lower-case letters, digits or _ starting with a letter")
    if ind_id in INDICATORS and not INDICATORS[ind_id].is_local:
        raise CatalogueError(f"id {ind_id!r} is already a published indicator's id; choose another")
    caveats = decl.get("caveats", [])
    if isinstance(caveats, str):
        caveats = [caveats]
    title, unit = str(decl["title"]), str(decl["unit"])
    entry = {"label": title, "in_sentence": title[:1].lower() + title[1:], "unit": unit,
             "aggregation": decl["aggregation"], "polarity": decl["polarity"], "published_level": "district",
             "topic": LOCAL_TOPIC, "decimals": int(decl.get("decimals", 0 if unit == "count" else 1)),
             "definition": str(decl.get("definition") or title).rstrip(".") + f". Source: {decl['source']}. Licence: "
                                                                   f"{decl['licence']}.",
             "earliest_period": str(decl.get("earliest_period", "1990")), "caveats": tuple(map(str, caveats)),
             "is_local": True}
    if decl["aggregation"] in ("ratio", "weighted_mean"):
        entry["denominator"] = "published"
    for key in ("min", "max", "denominator_label"):
        if key in decl:
            entry[key] = decl[key]
    if unit == "percent" and "max" not in entry:
        entry["max"] = 100
    return _indicator(ind_id, entry, TOPICS)


def register_local(ind: Indicator) -> None:
    """Make a local indicator known to this process (the build that reads it, the dashboard that serves
    a release carrying it)."""
    INDICATORS[ind.id] = ind
