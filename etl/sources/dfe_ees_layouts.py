"""The DfE explore-education-statistics datasets and layouts, as data: which measure columns identify
a dataset and become which indicator, which filter values mean "all", and which geographic levels,
pseudo-areas and dummy rows there are (read by ``dfe_ees``). Publisher, title and page of each source:
``etl/publishers.toml``.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Measure:
    """One published measure column -> one indicator, with how numerator/denominator are made."""

    indicator: str
    columns: tuple[str, ...]  # accepted spellings of the value column (first found wins)
    unit: str
    weight: tuple[str, ...] = ()  # the denominator column(s), if any
    combine: str = "none"  # "percent": num = v*w/100; "mean": num = v*w; "none": no num/den
    total: tuple[str, ...] = ()  # the published numerator (e.g. t_att8), used instead of v*w where given
    interval: tuple[str, str] | None = None  # the 95% confidence interval's (lower, upper) columns
    by_basis: dict[str, str] = field(default_factory=dict)  # basis value (lower case) -> indicator


@dataclass(frozen=True)
class Filter:
    """A filter column: which values mean "all", and the breakdown dimension of the others."""

    totals: tuple[str, ...]  # in order of preference: the first value present in the file is "all"
    dimension: str | None = None  # None: keep only the total rows


@dataclass(frozen=True)
class Dataset:
    key: str
    source_id: str  # publisher, title and page: etl/publishers.toml
    marker_columns: tuple[str, ...]  # any of these in the header identifies the dataset
    measures: tuple[Measure, ...]
    filters: dict[str, Filter] = field(default_factory=dict)  # lower-case column name -> rule
    basis_column: str | None = None  # the column saying how pupils are counted (school location / residency)
    bases: tuple[str, ...] = ()  # its known values (lower case); a file without the column is the first


GENERIC_TOTALS = ("Total", "All pupils", "All", "Totals")
STATE_FUNDED_TOTALS = ("All state-funded", "Total state-funded", "State-funded", "Total", "All schools")

NEET = Dataset(
    "neet", "dfe_neet_participation",
    ("neet_not_known_percent", "neet_percent", "notknown_percent"),
    (
        Measure("neet_nk_rate", ("NEET_not_known_percent",), "percent", ("Cohort_DJFavg",), "percent"),
        Measure("neet_rate", ("NEET_percent",), "percent", ("Cohort_DJFavg",), "percent"),
        Measure("not_known_rate", ("Notknown_percent",), "percent", ("Cohort_DJFavg",), "percent"),
        Measure("participation_rate", ("TOTAL_participating_in_education_and_training_percent",), "percent",
                ("Age1617_ONS_population",), "percent"),
    ),
    # the real 2021 file has Age = "16-17" on every row; single ages are not in the catalogue
    {"age": Filter(("16-17", "16 to 17", "Total"))},
)

KS4 = Dataset(
    "ks4", "dfe_ks4_performance",
    ("avg_att8", "attainment8_average"),
    (
        Measure("attainment8", ("avg_att8", "attainment8_average"), "score", ("t_pupils", "pupil_count"), "mean",
                total=("t_att8",), by_basis={"pupil residency": "attainment8_residency"}),
        Measure("progress8", ("avg_p8score",), "score", ("t_inp8calc",), "mean", total=("t_p8score",),
                interval=("p8score_ci_low", "p8score_ci_upp"), by_basis={"pupil residency": "progress8_residency"}),
    ),
    {
        "establishment_type_group": Filter(STATE_FUNDED_TOTALS),
        "school_type": Filter(STATE_FUNDED_TOTALS),
        "breakdown_topic": Filter(("Total", "All pupils")),
        "breakdown": Filter(("Total", "All pupils")),
        "sex": Filter(("Total", "All pupils")), "gender": Filter(("Total", "All pupils")),
        "characteristic_gender": Filter(("Total", "All pupils")),
        "disadvantage": Filter(("Total", "All pupils")), "disadvantage_status": Filter(("Total", "All pupils")),
    },
    basis_column="level_methodology",
    bases=("school location", "pupil residency"),
)

_AGE = Filter(("Total",), "age")
_LEVEL = Filter(("Total",), "level")
_SECTOR = Filter(("Total",), "sector")
APPRENTICESHIPS = Dataset(
    "apprenticeships", "dfe_apprenticeships",
    ("starts", "achievements"),
    (
        Measure("apprenticeship_starts", ("starts",), "count"),
        Measure("apprenticeship_achievements", ("achievements",), "count"),
    ),
    {
        "age_summary": _AGE, "age_group": _AGE, "age": _AGE, "age_youth": _AGE,
        "apps_level": _LEVEL, "level": _LEVEL, "apps_level_detailed": _LEVEL,
        "ssa_t1_desc": _SECTOR, "sector_subject_area": _SECTOR, "ssa_tier_1": _SECTOR,
        "sector_subject_area_tier_1": _SECTOR,
        "sex": Filter(("Total",), "sex"),
        # the FE & skills permalink mixes provision types: only "Apprenticeships: ..." rows are ours
        "level_or_type": Filter(("Apprenticeships: Total", "Apprenticeships"), "level"),
    },
)

DATASETS = (NEET, KS4, APPRENTICESHIPS)  # order = precedence (the NEET file also has an avg_att8 column)

# geographic_level (underlying and camelCase permalink spellings) -> (area_level, code column, name column)
LEVELS: dict[str, tuple[str, str, str]] = {
    "national": ("country", "country_code", "country_name"),
    "regional": ("region", "region_code", "region_name"),
    "local authority": ("upper_tier", "new_la_code", "la_name"),
    "local authority district": ("district", "lad_code", "lad_name"),
    "country": ("country", "location_code", "location"),
    "region": ("region", "location_code", "location"),
    "localauthority": ("upper_tier", "location_code", "location"),
    "localauthoritydistrict": ("district", "location_code", "location"),
}
# Real EES levels we do not chart: skipped with a warning (the build derives LEP/LSIP/CA values itself)
SKIPPED_LEVELS = {
    "school", "institution", "provider", "parliamentary constituency", "parliamentaryconstituency", "ward",
    "opportunity area", "opportunityarea", "local enterprise partnership", "localenterprisepartnership",
    "local skills improvement plan area", "localskillsimprovementplanarea", "english devolved area",
    "englishdevolvedarea", "mayoral combined authority", "mayoralcombinedauthority", "rsc region", "rscregion",
    "multi-academy trust", "mat", "sponsor", "planning area", "planningarea", "health geography",
}
# Publisher dummy rows (the NCCIS dashboard file ends with two); matched on any name column
DUMMY_NAMES = {"region demo", "la demo"}
# Codes of pseudo-areas outside the standard geography: skipped with a warning
SKIPPED_CODE_PREFIXES = {"E13": "Inner/Outer London"}

UNDERLYING_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
PERMALINK_COLUMNS = ("location", "location_code", "geographic_level", "time_period")
# Columns that are neither filters nor measures
NON_FILTER_COLUMNS = {
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
    "region_name", "old_la_code", "new_la_code", "la_name", "lad_code", "lad_name", "location",
    "location_code", "version", "data_type", "level_methodology", "pcon_code", "pcon_name", "lsip_code", "lsip_name",
    "local_enterprise_partnership_code", "local_enterprise_partnership_name", "english_devolved_area_code",
    "english_devolved_area_name", "opportunity_area_code", "opportunity_area_name", "ward_code", "ward_name",
}
