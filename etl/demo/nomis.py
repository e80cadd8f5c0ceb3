"""Synthetic Nomis API CSV of the claimant count (NM_162_1) for the demo geography.

Every value is invented by the seeded generator (nothing is copied or derived from a real release).
The shape mimics a real ``NM_162_1.data.csv`` download: the full upper-case default column set,
months January 2019 - October 2026, sexes Total/Male/Female, five age groups, measures "Claimant
count" and "Claimants as a proportion of residents aged 16-64", pages of at most 25,000 rows.

Internal consistency (so the build's checks have something true to confirm):
- counts are rounded to 5 in the finest cells (male/female x four age bands); every total is the
  sum of its rounded parts, so Male + Female = Total and the bands add up to "All categories";
- Lancashire county E10000017 = its 12 districts; North West = the 14 districts + an invented rest
  of the region; England = North West + an invented rest of the country;
- rates = count / invented residents of the same sex and age * 100, rounded to 1 decimal place;
- a few small cells (16-17 year olds in small districts) are withheld: empty value, status "Q".
"""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np

from etl.demo.areas import (
    COUNTRY,
    COUNTY,
    DISTRICTS,
    REGION,
    REST_OF_COUNTRY_WEIGHT,
    REST_OF_REGION_WEIGHT,
)
from vocab.periods import months_between

FILE_STEM = "NM_162_1"
PAGE_ROWS = 25_000  # the Nomis API's cap per call; even, so a count row and its rate row share a page
FIRST_MONTH, LAST_MONTH = (2019, 1), (2026, 10)

COLUMNS = ["DATE", "DATE_NAME", "DATE_CODE", "DATE_TYPE", "DATE_TYPECODE", "DATE_SORTORDER",
           "GEOGRAPHY", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_TYPE", "GEOGRAPHY_TYPECODE",
           "GEOGRAPHY_SORTORDER", "GENDER", "GENDER_NAME", "GENDER_CODE", "GENDER_TYPE", "GENDER_TYPECODE",
           "GENDER_SORTORDER", "AGE", "AGE_NAME", "AGE_CODE", "AGE_TYPE", "AGE_TYPECODE", "AGE_SORTORDER",
           "MEASURE", "MEASURE_NAME", "MEASURE_CODE", "MEASURE_TYPE", "MEASURE_TYPECODE", "MEASURE_SORTORDER",
           "MEASURES", "MEASURES_NAME", "OBS_VALUE", "OBS_STATUS", "OBS_STATUS_NAME", "OBS_CONF",
           "OBS_CONF_NAME", "URN", "RECORD_OFFSET", "RECORD_COUNT"]

GENDERS = [(0, "Total"), (1, "Male"), (2, "Female")]
# (code, Nomis name, invented share of claimants, invented share of residents 16-64)
AGES = [(1, "Aged 16-17", 0.012, 0.040), (2, "Aged 18-24", 0.180, 0.130), (3, "Aged 25-49", 0.540, 0.520),
        (4, "Aged 50+", 0.268, 0.310)]
AGE_TOTAL = (0, "All categories: Age 16+")
MEASURES = [(1, "Claimant count"), (2, "Claimants as a proportion of residents aged 16-64")]
GEOGRAPHY_TYPES = {  # our level -> (Nomis type name, invented type code)
    "district": ("local authorities: district / unitary (as of April 2023)", 424),
    "county": ("local authorities: county / unitary (as of April 2023)", 423),
    "region": ("regions", 480),
    "country": ("countries", 499),
}
# Invented shape of the claimant count over time (multiplier on each area's 2019 level)
COVID_PROFILE = [("2019-01", 1.00), ("2020-02", 1.03), ("2020-03", 1.12), ("2020-04", 1.80), ("2020-05", 2.20),
                 ("2021-02", 2.25), ("2021-06", 1.95), ("2021-12", 1.55), ("2022-12", 1.32), ("2023-12", 1.36),
                 ("2024-12", 1.45), ("2026-10", 1.50)]
SUPPRESSED_CELLS = 6  # small 16-17 cells withheld in the file


def months() -> list[tuple[int, int]]:
    return months_between(FIRST_MONTH, LAST_MONTH)


def _profile(month_labels: list[str]) -> np.ndarray:
    """The invented multiplier for each month, by straight lines between the anchor months."""
    def idx(label: str) -> int:
        y, m = map(int, label.split("-"))
        return (y - FIRST_MONTH[0]) * 12 + m - FIRST_MONTH[1]
    xs = [idx(a) for a, _ in COVID_PROFILE]
    ys = [v for _, v in COVID_PROFILE]
    return np.interp(np.arange(len(month_labels)), xs, ys)


def _round5(x: np.ndarray) -> np.ndarray:
    return (np.round(np.asarray(x) / 5.0) * 5).astype(np.int64)


def _area_cells(rng: np.random.Generator, residents_k: float, base_rate: float, shape: np.ndarray,
                n_months: int) -> tuple[np.ndarray, np.ndarray]:
    """Invented (counts, residents) per month x sex (M, F) x age band, counts rounded to 5."""
    amplitude = rng.uniform(0.8, 1.2)
    level = 1.0 + (shape - 1.0) * amplitude
    noise = rng.normal(1.0, 0.025, size=n_months)
    total = residents_k * 1000 * base_rate / 100 * level * noise  # unrounded all-ages total
    male_share = rng.uniform(0.57, 0.63)
    counts = np.zeros((n_months, 2, len(AGES)), dtype=np.int64)
    residents = np.zeros((2, len(AGES)))
    for s, share in enumerate((male_share, 1 - male_share)):
        for a, (_, _, age_share, res_share) in enumerate(AGES):
            jitter = rng.normal(1.0, 0.04, size=n_months)
            counts[:, s, a] = _round5(total * share * age_share * jitter)
            residents[s, a] = residents_k * 1000 * 0.5 * res_share
    return counts, residents


def _rows_for(area: tuple[str, str, str], geo_id: int, geo_sort: int, counts: np.ndarray, residents: np.ndarray,
              month_list: list[tuple[int, int]], withheld: set[tuple[int, int, int]]) -> dict:
    """Rows of one area keyed by (month index, gender, age, measure) for later ordering."""
    code, name, level = area
    type_name, type_code = GEOGRAPHY_TYPES[level]
    out = {}
    for t, (y, m) in enumerate(month_list):
        for g, gname in GENDERS:
            for age_pos, (age_code, age_name) in enumerate([AGE_TOTAL] + [(a[0], a[1]) for a in AGES]):
                sexes = [0, 1] if g == 0 else [g - 1]
                ages = list(range(len(AGES))) if age_pos == 0 else [age_pos - 1]
                count = int(counts[t][np.ix_(sexes, ages)].sum())
                res = float(residents[np.ix_(sexes, ages)].sum())
                hidden = (t, g, age_pos) in withheld
                for measure_code, measure_name in MEASURES:
                    if hidden:
                        value, status, status_name = "", "Q", "These figures are missing."
                    elif measure_code == 1:
                        value, status, status_name = count, "A", "Normal Value"
                    else:
                        value, status, status_name = round(count / res * 100, 1), "A", "Normal Value"
                    out[(t, g, age_pos, measure_code)] = {
                        "DATE": f"{y:04d}-{m:02d}", "DATE_NAME": date(y, m, 1).strftime("%B %Y"),
                        "DATE_CODE": f"{y:04d}-{m:02d}", "DATE_TYPE": "date", "DATE_TYPECODE": 0,
                        "DATE_SORTORDER": t, "GEOGRAPHY": geo_id, "GEOGRAPHY_NAME": name, "GEOGRAPHY_CODE": code,
                        "GEOGRAPHY_TYPE": type_name, "GEOGRAPHY_TYPECODE": type_code,
                        "GEOGRAPHY_SORTORDER": geo_sort, "GENDER": g, "GENDER_NAME": gname, "GENDER_CODE": g,
                        "GENDER_TYPE": "sex", "GENDER_TYPECODE": 0, "GENDER_SORTORDER": g, "AGE": age_code,
                        "AGE_NAME": age_name, "AGE_CODE": age_code, "AGE_TYPE": "age", "AGE_TYPECODE": 0,
                        "AGE_SORTORDER": age_pos, "MEASURE": measure_code, "MEASURE_NAME": measure_name,
                        "MEASURE_CODE": measure_code, "MEASURE_TYPE": "measure", "MEASURE_TYPECODE": 0,
                        "MEASURE_SORTORDER": measure_code - 1, "MEASURES": 20100, "MEASURES_NAME": "Value",
                        "OBS_VALUE": value, "OBS_STATUS": status, "OBS_STATUS_NAME": status_name,
                        "OBS_CONF": "F", "OBS_CONF_NAME": "Free (free for publication)",
                        "URN": f"Nm-162d1d{y:04d}-{m:02d}d{geo_id}d{g}d{age_code}d{measure_code}d20100",
                    }
    return out


def _format(row: dict) -> list[str | int | float]:
    """Nomis quotes text and leaves numbers bare, as csv.QUOTE_NONNUMERIC does."""
    return [row[c] for c in COLUMNS]


def write(out_dir: Path, rng: np.random.Generator) -> list[Path]:
    """Write the synthetic claimant-count extract (one file per 25,000-row API page); return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    month_list = months()
    labels = [f"{y:04d}-{m:02d}" for y, m in month_list]
    shape = _profile(labels)
    n = len(month_list)

    cells: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for d in DISTRICTS:
        base_rate = rng.uniform(2.0, 4.0) * (1.35 if d.code == "E06000009" else 1.0)
        cells[d.code] = _area_cells(rng, d.weight, base_rate, shape, n)
    rest_region = _area_cells(rng, REST_OF_REGION_WEIGHT, 3.0, shape, n)
    rest_country = _area_cells(rng, REST_OF_COUNTRY_WEIGHT, 2.6, shape, n)

    def total(codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return sum(cells[c][0] for c in codes), sum(cells[c][1] for c in codes)

    county = total([d.code for d in DISTRICTS if d.upper_tier_code == COUNTY[0]])
    districts_all = total([d.code for d in DISTRICTS])
    region = (districts_all[0] + rest_region[0], districts_all[1] + rest_region[1])
    country = (region[0] + rest_country[0], region[1] + rest_country[1])

    areas = [((d.code, d.name, "district"), cells[d.code]) for d in DISTRICTS]
    areas += [((COUNTY[0], COUNTY[1], "county"), county), ((REGION[0], REGION[1], "region"), region),
              ((COUNTRY[0], COUNTRY[1], "country"), country)]

    # withhold a few small cells: 16-17 year olds (age position 1), one sex, in the smallest districts
    small = sorted(DISTRICTS, key=lambda d: d.weight)[:3]
    withheld: dict[str, set[tuple[int, int, int]]] = {d.code: set() for d in small}
    for _ in range(SUPPRESSED_CELLS):
        d = small[int(rng.integers(len(small)))]
        withheld[d.code].add((int(rng.integers(n)), int(rng.integers(1, 3)), 1))

    by_area = []
    for pos, (area, (counts, residents)) in enumerate(areas):
        geo_id = 1_946_100_000 + pos * 37  # invented Nomis-style internal ids
        by_area.append(_rows_for(area, geo_id, pos, counts, residents, month_list, withheld.get(area[0], set())))

    # API order: date, geography, gender, age, measure (measure innermost)
    ordered = []
    for t in range(n):
        for rows in by_area:
            for g, _ in GENDERS:
                for age_pos in range(len(AGES) + 1):
                    for measure_code, _ in MEASURES:
                        ordered.append(rows[(t, g, age_pos, measure_code)])
    for offset, row in enumerate(ordered):
        row["RECORD_OFFSET"], row["RECORD_COUNT"] = offset, len(ordered)

    paths = []
    for page, start in enumerate(range(0, len(ordered), PAGE_ROWS), start=1):
        path = out_dir / f"{FILE_STEM}_page{page}.data.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
            writer.writerow(COLUMNS)
            for row in ordered[start:start + PAGE_ROWS]:
                writer.writerow(_format(row))
        paths.append(path)
    return paths
