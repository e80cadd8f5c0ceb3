"""Synthetic DfE extracts in the publishers' own layouts (NCCIS NEET, KS4, apprenticeships).

Every value is invented by the seeded generator; only the column layouts, area codes/names and
the marker conventions follow the real explore-education-statistics files. The figures hang
together the way the publisher's do: a region's cohort is larger than its authorities' sum, an
authority's Attainment 8 is the pupil-weighted mean of its districts, and apprenticeship totals
are the sums of their breakdowns before the publisher's rounding to the nearest 10.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from etl.demo.areas import (
    COUNTRY,
    COUNTY,
    DISTRICTS,
    REGION,
    REST_OF_COUNTRY_WEIGHT,
    REST_OF_REGION_WEIGHT,
    DemoArea,
)

NEET_FILE = "dfe_nccis_neet_participation_la_demo.csv"
KS4_FILE = "dfe_ks4_attainment8_la_lad_demo.csv"
APPS_FILE = "dfe_apprenticeship_starts_achievements_lad_demo.csv"

# The NCCIS underlying-data header, exactly as DfE publishes it (54 columns)
NEET_HEADER = [
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
    "region_name", "old_la_code", "new_la_code", "la_name", "Age", "Cohort_DJFavg", "NEET_not_known_percent",
    "NEET_percent", "Notknown_percent", "annual_change_ppts_NEET_not_known", "annualchange_NEET",
    "annualchange_notknown", "cohort_March", "TOTAL_participating_in_education_and_training_percent",
    "Full_time_education_percent", "Apprenticeship_percent", "Other_education_and_training_percent",
    "annual_change_Participation_in_education_training", "annual_change_FTE", "annual_change_apprenticeship",
    "annual_change_other_education_training", "September_guarantee_Offer_made_percent",
    "September_guarantee_annual_change_ppts", "cohort_noSEN_percent", "NEET_NK_noSEN_percent", "cohort_EHCP_percent",
    "NEET_NK_EHCP_percent", "cohort_SENDsupport_percent", "NEET_NK_SENDsupport_percent", "VG_cohort_DJF_avg",
    "VG_cohort_percentage", "VG_NEET_NK_percentage", "Level_3", "L2_em_GCSE_othL2", "avg_att8", "pt_l2basics_94",
    "sess_overall_percent", "sess_overall_percent_pa_10_exact", "Age1617_ONS_population", "NEET_NK_quintile",
    "NEET_quintile", "Notknown_quintile", "Participation_ET_quintile", "Sep_guarantee_quintile",
    "NEET_NK_NoSEN_quintile", "NEET_NK_EHCP_quintile", "NEET_NK_SENDsupport_quintile",
    "VG_NEET_NK_percentage_quintile",
]
NEET_YEARS = range(2018, 2026)
KS4_YEARS = range(2018, 2025)  # academic years 2018/19 .. 2024/25 (time_period 201819 ..)
APPS_YEARS = range(2018, 2026)  # 2018/19 .. 2025/26
KS4_NOT_BY_DISTRICT = {2019, 2020}  # invented: no district tables in the two teacher-assessed years ('z')

# Invented scale factors from the demo's "residents 16-64 (thousands)" weights
COHORT_PER_WEIGHT = 34.0  # 16-17 year olds
PUPILS_PER_WEIGHT = 17.0  # pupils at the end of KS4
STARTS_PER_WEIGHT = 24.0  # apprenticeship starts a year
REST_STARTS_SCALE = 0.55  # the rest of the region/country: fewer starts per head than the demo districts
KS4_YEAR_SHIFT = {2018: 0.0, 2019: 4.0, 2020: 5.0, 2021: 2.5, 2022: 0.3, 2023: 0.1, 2024: 0.2}
APPS_YEAR_FACTOR = {2018: 1.0, 2019: 0.86, 2020: 0.8, 2021: 0.9, 2022: 0.88, 2023: 0.9, 2024: 0.92, 2025: 0.95}

AGES = ("Under 19", "19-24", "25+")
LEVELS = ("Intermediate", "Advanced", "Higher")
SECTORS = ("Business, Administration and Law", "Construction, Planning and the Built Environment",
           "Engineering and Manufacturing Technologies", "Health, Public Services and Care",
           "Retail and Commercial Enterprise", "Science and Mathematics")
AGE_SHARE = (0.3, 0.3, 0.4)
LEVEL_SHARE = (0.35, 0.43, 0.22)
SECTOR_SHARE = (0.3, 0.1, 0.17, 0.3, 0.125, 0.005)


def _geo(level: str, code: str, name: str, la: tuple[str, str, str] | None = None) -> dict:
    """The EES geography columns of one row."""
    row = {"geographic_level": level, "country_code": COUNTRY[0], "country_name": COUNTRY[1], "region_code": "",
           "region_name": "", "old_la_code": "", "new_la_code": "", "la_name": "", "lad_code": "", "lad_name": ""}
    if level != "National":
        row.update(region_code=REGION[0], region_name=REGION[1])
    if la:
        row.update(old_la_code=la[2], new_la_code=la[0], la_name=la[1])
    if level == "Local authority district":
        row.update(lad_code=code, lad_name=name)
    return row


def _upper_tiers() -> list[tuple[tuple[str, str, str], list[DemoArea]]]:
    """(code, name, DfE code) of each demo upper tier with its districts."""
    county = [d for d in DISTRICTS if d.upper_tier_code == COUNTY[0]]
    unitaries = [d for d in DISTRICTS if d.upper_tier_code == d.code]
    return [((u.code, u.name, u.dfe_la_code), [u]) for u in unitaries[::-1]] + [(COUNTY, county)]


def _write(path: Path, header: list[str], rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _fmt(x: float, dp: int = 1) -> str:
    """A number as DfE writes it: rounded, no trailing zeros ('5.0' -> '5'), never '-0'."""
    text = f"{x:.{dp}f}"
    if float(text) == 0:
        return "0"
    return text.rstrip("0").rstrip(".") if "." in text else text


# ------------------------------------------------------------------------------------------
# NEET and participation (NCCIS)
# ------------------------------------------------------------------------------------------
def neet_rows(rng: np.random.Generator) -> list[dict]:
    """One row per area and year; a 'c' on one authority-year, 'z' on non-applicable quintiles."""
    all_weight = sum(d.weight for d in DISTRICTS)
    areas = [("National", COUNTRY[0], COUNTRY[1], None,
              (all_weight + REST_OF_REGION_WEIGHT + REST_OF_COUNTRY_WEIGHT) * COHORT_PER_WEIGHT),
             ("Regional", REGION[0], REGION[1], None, (all_weight + REST_OF_REGION_WEIGHT) * COHORT_PER_WEIGHT)]
    areas += [("Local authority", la[0], la[1], la, sum(d.weight for d in ds) * COHORT_PER_WEIGHT)
              for la, ds in _upper_tiers()]
    rows, previous = [], {}
    for level, code, name, la, base in areas:
        neet0, nk0, part0 = rng.normal(3.0, 0.6), rng.normal(2.4, 0.7), rng.normal(92.5, 1.5)
        for year in NEET_YEARS:
            t = year - 2018
            cohort = int(base * (1 + 0.012 * t) * rng.normal(1, 0.01))
            neet = max(0.5, neet0 + rng.normal(-0.05 * t, 0.3))
            nk = max(0.2, nk0 + rng.normal(-0.1 * t, 0.4))
            part = min(99.0, part0 + rng.normal(0.1 * t, 0.6))
            fte = part * rng.uniform(0.9, 0.95)
            appr = (part - fte) * rng.uniform(0.55, 0.7)
            values = {"neet": round(neet, 1), "nk": round(nk, 1), "nnk": round(neet + nk, 1), "part": round(part, 1),
                      "fte": round(fte, 1), "appr": round(appr, 1), "oth": round(part - fte - appr, 1)}
            prev = previous.get(code)
            change = (lambda k: _fmt(values[k] - prev[k])) if prev else (lambda k: "")
            row = {"time_period": str(year), "time_identifier": "Calendar year",
                   **_geo(level, code, name, la), "Age": "16-17", "Cohort_DJFavg": str(cohort),
                   "NEET_not_known_percent": _fmt(values["nnk"]), "NEET_percent": _fmt(values["neet"]),
                   "Notknown_percent": _fmt(values["nk"]), "annual_change_ppts_NEET_not_known": change("nnk"),
                   "annualchange_NEET": change("neet"), "annualchange_notknown": change("nk"),
                   "cohort_March": str(cohort + int(rng.integers(-40, 40))),
                   "TOTAL_participating_in_education_and_training_percent": _fmt(values["part"]),
                   "Full_time_education_percent": _fmt(values["fte"]), "Apprenticeship_percent": _fmt(values["appr"]),
                   "Other_education_and_training_percent": _fmt(values["oth"]),
                   "annual_change_Participation_in_education_training": change("part"),
                   "annual_change_FTE": change("fte"), "annual_change_apprenticeship": change("appr"),
                   "annual_change_other_education_training": change("oth"),
                   "September_guarantee_Offer_made_percent": _fmt(min(99.9, rng.normal(94, 2))),
                   "September_guarantee_annual_change_ppts": _fmt(rng.normal(0, 1)) if prev else "",
                   "Level_3": _fmt(rng.normal(56, 4)), "L2_em_GCSE_othL2": _fmt(rng.normal(28, 2)),
                   "avg_att8": _fmt(rng.normal(48, 2)), "pt_l2basics_94": _fmt(rng.normal(70, 3)),
                   "Age1617_ONS_population": str(int(cohort * rng.uniform(1.03, 1.08)))}
            if level == "National":
                row.update({"cohort_noSEN_percent": _fmt(rng.normal(88, 1)),
                            "NEET_NK_noSEN_percent": _fmt(nk + neet - 0.3),
                            "cohort_EHCP_percent": _fmt(rng.normal(4.3, 0.2)),
                            "sess_overall_percent": _fmt(rng.normal(5.5, 0.3))})
            quintiles = NEET_HEADER[NEET_HEADER.index("NEET_NK_quintile"):NEET_HEADER.index("Sep_guarantee_quintile") + 1]
            if level == "Local authority":
                row.update({k: str(int(rng.integers(1, 6))) for k in quintiles})
            else:  # quintiles rank authorities: not applicable to England or a region
                row.update({k: "z" for k in quintiles})
            previous[code] = values
            rows.append(row)
    # one suppressed cell, as the publisher does for small numbers (invented position)
    target = next(r for r in rows if r["new_la_code"] == "E06000008" and r["time_period"] == "2019")
    target["Notknown_percent"] = "c"
    return sorted(rows, key=lambda r: (r["time_period"], ["National", "Regional", "Local authority"].index(
        r["geographic_level"])))


# ------------------------------------------------------------------------------------------
# KS4 Attainment 8
# ------------------------------------------------------------------------------------------
KS4_HEADER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "old_la_code", "new_la_code", "la_name", "lad_code", "lad_name", "version",
              "establishment_type_group", "breakdown_topic", "breakdown", "t_pupils", "avg_att8", "pt_l2basics_94"]


def ks4_rows(rng: np.random.Generator) -> list[dict]:
    """National, North West, upper-tier and district rows; authorities are pupil-weighted means."""
    base = {d.code: rng.normal(45.5, 2.5) for d in DISTRICTS}
    rest_region, rest_country = rng.normal(46.0, 0.5), rng.normal(46.8, 0.3)
    rows = []
    for year in KS4_YEARS:
        tp = f"{year}{(year + 1) % 100:02d}"
        version = "Provisional" if year == max(KS4_YEARS) else "Revised"
        shift = KS4_YEAR_SHIFT[year]
        pupils = {d.code: int(d.weight * PUPILS_PER_WEIGHT * rng.normal(1 + 0.01 * (year - 2018), 0.02))
                  for d in DISTRICTS}
        score = {d.code: base[d.code] + shift + rng.normal(0, 0.6) for d in DISTRICTS}

        def pooled(codes, extra=()):
            n = sum(pupils[c] for c in codes) + sum(p for p, _ in extra)
            total = sum(pupils[c] * score[c] for c in codes) + sum(p * s for p, s in extra)
            return n, total / n

        rest_r = (int(REST_OF_REGION_WEIGHT * PUPILS_PER_WEIGHT), rest_region + shift + rng.normal(0, 0.2))
        rest_c = (int(REST_OF_COUNTRY_WEIGHT * PUPILS_PER_WEIGHT), rest_country + shift + rng.normal(0, 0.1))
        all_codes = [d.code for d in DISTRICTS]
        units = [("National", COUNTRY[0], COUNTRY[1], None, pooled(all_codes, (rest_r, rest_c)), False),
                 ("Regional", REGION[0], REGION[1], None, pooled(all_codes, (rest_r,)), False)]
        units += [("Local authority", la[0], la[1], la, pooled([d.code for d in ds]), False)
                  for la, ds in _upper_tiers()]
        units += [("Local authority district", d.code, d.name, next(la for la, ds in _upper_tiers() if d in ds),
                   (pupils[d.code], score[d.code]), year in KS4_NOT_BY_DISTRICT) for d in DISTRICTS]
        for level, code, name, la, (n, a8), not_published in units:
            common = {"time_period": tp, "time_identifier": "Academic year", **_geo(level, code, name, la),
                      "version": version, "establishment_type_group": "All state-funded"}
            boys = int(n * rng.uniform(0.49, 0.52))
            for topic, group, count, mean in (("Total", "Total", n, a8), ("Sex", "Boys", boys, a8 - 2.4),
                                              ("Sex", "Girls", n - boys, a8 + 2.4)):
                cells = ("z", "z", "z") if not_published else (
                    str(count), _fmt(mean), _fmt(min(95.0, 25 + mean * 0.95 + rng.normal(0, 1))))
                rows.append({**common, "breakdown_topic": topic, "breakdown": group,
                             "t_pupils": cells[0], "avg_att8": cells[1], "pt_l2basics_94": cells[2]})
    return rows


# ------------------------------------------------------------------------------------------
# apprenticeships
# ------------------------------------------------------------------------------------------
APPS_HEADER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
               "region_name", "lad_code", "lad_name", "age_summary", "apps_Level", "ssa_t1_desc", "starts",
               "achievements"]


def _publish_count(n: int) -> str:
    """The publisher's rounding: 0 stays 0, fewer than 5 is 'low', else the nearest 10."""
    if n == 0:
        return "0"
    if n < 5:
        return "low"
    return str(int(n // 10 + (1 if n % 10 >= 5 else 0)) * 10)


def _cells(rng: np.random.Generator, expected_total: float) -> tuple[np.ndarray, np.ndarray]:
    """True (unrounded) starts and achievements by age x level x sector."""
    shares = (np.array(AGE_SHARE)[:, None, None] * np.array(LEVEL_SHARE)[None, :, None]
              * np.array(SECTOR_SHARE)[None, None, :])
    shares = shares * rng.gamma(20, 1 / 20, size=shares.shape)
    starts = rng.poisson(expected_total * shares / shares.sum())
    achievements = rng.binomial(starts, rng.uniform(0.45, 0.6))
    return starts, achievements


def apprenticeship_rows(rng: np.random.Generator) -> list[dict]:
    """Full age x level x sector cross-tabulation with totals, rounded like the publisher's."""
    rows = []
    sum(d.weight for d in DISTRICTS)
    for year in APPS_YEARS:
        tp = f"{year}{(year + 1) % 100:02d}"
        factor = APPS_YEAR_FACTOR[year]
        by_district = {d.code: _cells(rng, d.weight * STARTS_PER_WEIGHT * factor) for d in DISTRICTS}
        if year == 2018:  # invented: a very small sector count (published as 'low')
            s, a = by_district["E07000124"]
            s[..., -1] = 0
            a[..., -1] = 0
            s[0, 0, -1], a[0, 0, -1] = 3, 1
        rest = STARTS_PER_WEIGHT * REST_STARTS_SCALE * factor
        rest_r = _cells(rng, REST_OF_REGION_WEIGHT * rest)
        rest_c = _cells(rng, REST_OF_COUNTRY_WEIGHT * rest)
        region = tuple(sum(v[i] for v in by_district.values()) + rest_r[i] for i in range(2))
        country = tuple(region[i] + rest_c[i] for i in range(2))
        units = [("National", COUNTRY[0], COUNTRY[1], country), ("Regional", REGION[0], REGION[1], region)]
        units += [("Local authority district", d.code, d.name, by_district[d.code]) for d in DISTRICTS]
        for level, code, name, (starts, achievements) in units:
            common = {"time_period": tp, "time_identifier": "Academic year", **_geo(level, code, name)}
            for ai, age in enumerate(AGES + ("Total",)):
                for li, lev in enumerate(LEVELS + ("Total",)):
                    for si, sector in enumerate(SECTORS + ("Total",)):
                        pick = tuple(slice(None) if label == "Total" else i
                                     for i, label in ((ai, age), (li, lev), (si, sector)))
                        rows.append({**common, "age_summary": age, "apps_Level": lev, "ssa_t1_desc": sector,
                                     "starts": _publish_count(int(starts[pick].sum())),
                                     "achievements": _publish_count(int(achievements[pick].sum()))})
    # one suppressed cell (invented position): Rossendale, higher level, 2022/23 achievements
    target = next(r for r in rows if r["lad_code"] == "E07000125" and r["time_period"] == "202223"
                  and r["age_summary"] == "Total" and r["apps_Level"] == "Higher" and r["ssa_t1_desc"] == "Total")
    target["achievements"] = "c"
    return rows


def write(out_dir: Path, rng: np.random.Generator) -> list[Path]:
    """Write the three synthetic DfE extracts into ``out_dir``; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        _write(out_dir / NEET_FILE, NEET_HEADER, neet_rows(rng)),
        _write(out_dir / KS4_FILE, KS4_HEADER, ks4_rows(rng)),
        _write(out_dir / APPS_FILE, APPS_HEADER, apprenticeship_rows(rng)),
    ]
