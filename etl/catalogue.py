"""The indicator catalogue: what each indicator means and how areas made of areas get a value.

This is data shared by the ETL (aggregation, validation) and the dashboard (labels, polarity).
``aggregation`` is one of ``sum`` (counts), ``ratio`` (sum of numerators / sum of denominators),
``weighted_mean`` (mean weighted by ``denominator``) or ``none`` (only the publisher's figure).
Rates are never averaged.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

AGGREGATIONS = ("sum", "ratio", "weighted_mean", "none")
UNITS = ("percent", "count", "score", "per_100k")


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str  # plain-English name for stakeholders
    unit: str
    aggregation: str
    polarity: str | None  # "lower" (lower is better), "higher", or None (no judgement)
    published_level: str  # the finest level the publisher gives
    topic: str  # the dashboard page the indicator belongs to
    decimals: int  # how the source rounds the published figure
    definition: str
    denominator_label: str | None = None
    rounding_base: float = 1  # publishers round these counts to a base (claimant count to 5, CJRS to 100)

    @property
    def is_rate(self) -> bool:
        return self.unit in ("percent", "per_100k")


INDICATORS: dict[str, Indicator] = {i.id: i for i in [
    Indicator("claimant_count", "Claimant count", "count", "sum", "lower", "district", "claimant-count", 0,
              "People claiming benefits principally for the reason of being unemployed (Jobseeker's "
              "Allowance or Universal Credit searching for work). Counts are rounded to the nearest 5."),
    Indicator("claimant_rate", "Claimant rate", "percent", "ratio", "lower", "district", "claimant-count", 1,
              "Claimants as a percentage of residents aged 16 to 64.", "residents aged 16-64"),
    Indicator("claimant_rate_annual", "Claimant rate (annual average)", "percent", "none", "lower", "district",
              "claimant-count", 1, "Annual average of the monthly claimant rate, as published by ONS "
              "Explore Local Statistics."),
    Indicator("furloughed_employments", "Employments furloughed", "count", "sum", "lower", "district",
              "furlough", 0, "Employments furloughed under the Coronavirus Job Retention Scheme (CJRS), "
              "by the employee's home address. Rounded to the nearest 100."),
    Indicator("furlough_take_up", "Furlough take-up rate", "percent", "ratio", "lower", "district", "furlough", 0,
              "Employments furloughed as a percentage of employments eligible for the scheme.",
              "eligible employments"),
    Indicator("neet_nk_rate", "NEET or not known (16-17)", "percent", "ratio", "lower", "upper_tier", "neet", 1,
              "16 and 17 year olds not in education, employment or training, or whose activity is not "
              "known, as a percentage of those known to the local authority (December to February average).",
              "16-17 year olds known to the local authority"),
    Indicator("neet_rate", "NEET (16-17)", "percent", "ratio", "lower", "upper_tier", "neet", 1,
              "16 and 17 year olds not in education, employment or training, as a percentage of those "
              "known to the local authority.", "16-17 year olds known to the local authority"),
    Indicator("not_known_rate", "Activity not known (16-17)", "percent", "ratio", "lower", "upper_tier", "neet", 1,
              "16 and 17 year olds whose activity is not known to the local authority, as a percentage.",
              "16-17 year olds known to the local authority"),
    Indicator("participation_rate", "In education or training (16-17)", "percent", "ratio", "higher",
              "upper_tier", "neet", 1, "16 and 17 year olds participating in education or training, as a "
              "percentage of the 16-17 population.", "16-17 year olds"),
    Indicator("attainment8", "Attainment 8 score", "score", "weighted_mean", "higher", "upper_tier",
              "attainment", 1, "Average Attainment 8 score per pupil at the end of key stage 4 (GCSE) in "
              "state-funded schools.", "pupils at the end of key stage 4"),
    Indicator("apprenticeship_starts", "Apprenticeship starts", "count", "sum", "higher", "district",
              "apprenticeships", 0, "Apprenticeship programmes started in the academic year, by the "
              "learner's home district. Rounded to the nearest 10."),
    Indicator("apprenticeship_achievements", "Apprenticeship achievements", "count", "sum", "higher", "district",
              "apprenticeships", 0, "Apprenticeship programmes completed successfully in the academic year."),
    Indicator("apprenticeship_starts_rate", "Apprenticeship starts per 100,000 people", "per_100k", "none",
              "higher", "district", "apprenticeships", 0, "Apprenticeship starts per 100,000 population, as "
              "published by ONS Explore Local Statistics."),
    Indicator("apprenticeship_achievements_rate", "Apprenticeship achievements per 100,000 people", "per_100k",
              "none", "higher", "district", "apprenticeships", 0, "Apprenticeship achievements per 100,000 "
              "population, as published by ONS Explore Local Statistics."),
    Indicator("population", "Population (mid-year estimate)", "count", "sum", None, "district", "context", 0,
              "Usually resident population at 30 June of the year (ONS mid-year estimates), by age band. "
              "The denominator of rates published per resident (claimant rate: aged 16-64; apprenticeship "
              "rates: aged 16 and over)."),
]}

# Counts the publishers round to a base: a difference within that is rounding, not a revision.
for _id, _base in {"claimant_count": 5, "furloughed_employments": 100, "apprenticeship_starts": 10,
                   "apprenticeship_achievements": 10}.items():
    INDICATORS[_id] = replace(INDICATORS[_id], rounding_base=_base)

# Dashboard topics, in navigation order: (path slug, title, headline indicator)
TOPICS: dict[str, tuple[str, str]] = {
    "claimant-count": ("Claimant count", "claimant_rate"),
    "furlough": ("Furlough (CJRS)", "furlough_take_up"),
    "neet": ("NEET 16-17", "neet_nk_rate"),
    "attainment": ("Attainment 8", "attainment8"),
    "apprenticeships": ("Apprenticeships", "apprenticeship_starts"),
}


def indicator(indicator_id: str) -> Indicator:
    """The catalogue entry for ``indicator_id`` (KeyError names the unknown id)."""
    try:
        return INDICATORS[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(INDICATORS)}") from None
