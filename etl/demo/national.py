"""Synthetic all-England Nomis claimant count (NM_162_1) at full breakdowns, for building at national scale.

What ``python -m etl fetch`` would download for every district, region and England, monthly from
January 2013, by sex and all 17 NM_162_1 age groups, count and rate: about 5 million rows in the
API's 25,000-row pages, in the full upper-case column set of ``etl.demo.nomis``. Every value is
invented by the seeded generator. The 14 Lancashire districts keep their real codes and names (so
the dashboard's home area works on this release); the other districts are invented (``E079nnnnn``
codes, which ONS never issues, named "Synthetic district ..."), spread over the nine real regions.

Internal consistency, as in the small demo: counts are rounded to 5 in the finest cells (sex x 12
age bands that partition 16+); every published group is the sum of its rounded cells, a region is
the sum of its districts and England of the regions; rates are count / invented residents of the
same sex and age x 100, rounded to 1 decimal place; a few small cells are withheld (status "Q").

Columns are written with pyarrow a page at a time (text quoted, numbers bare, as Nomis does), so
the generator is quick and its memory small however many rows it writes.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from etl.demo import nomis
from etl.demo.areas import COUNTRY, DISTRICTS, REGION
from etl.demo.hmrc_ons import write_lookups
from vocab.periods import months_between

FIRST_MONTH, LAST_MONTH = (2013, 1), nomis.LAST_MONTH
# The nine English regions (public ONS codes) and an invented number of districts in each (296 in all).
REGIONS = (("E12000001", "North East", 12), ("E12000002", "North West", 39),
           ("E12000003", "Yorkshire and The Humber", 21), ("E12000004", "East Midlands", 35),
           ("E12000005", "West Midlands", 30), ("E12000006", "East of England", 45), ("E12000007", "London", 33),
           ("E12000008", "South East", 64), ("E12000009", "South West", 17))
# The finest age bands (they partition 16+) and the NM_162_1 age groups made of them, in its order.
FINE_AGES = ("16-17", "18-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64", "65+")
FINE_CLAIMANT_SHARE = np.array([1.2, 6.0, 12.0, 13.0, 12.5, 11.0, 9.5, 8.5, 8.0, 8.0, 7.5, 2.8])
FINE_RESIDENT_SHARE = np.array([4.0, 4.0, 9.0, 10.5, 10.5, 10.0, 9.5, 9.5, 10.0, 9.5, 8.5, 5.0])
AGE_GROUPS = (("All categories: Age 16+", FINE_AGES), ("Aged 16-17", ("16-17",)),
              ("Aged 18-24", ("18-19", "20-24")), ("Aged 25-49", FINE_AGES[3:8]), ("Aged 50+", FINE_AGES[8:]),
              ("Aged 16-24", FINE_AGES[:3]), ("Aged 16-19", ("16-17", "18-19")), ("Aged 20-24", ("20-24",)),
              *((f"Aged {band}", (band,)) for band in FINE_AGES[3:]))
SUPPRESSED_CELLS = 12
TEXT = ("DATE_NAME", "DATE_CODE", "DATE", "DATE_TYPE", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_TYPE",
        "GENDER_NAME", "GENDER_TYPE", "AGE_NAME", "AGE_TYPE", "MEASURE_NAME", "MEASURE_TYPE", "MEASURES_NAME",
        "OBS_STATUS", "OBS_STATUS_NAME", "OBS_CONF", "OBS_CONF_NAME", "URN")


def national_areas(regions: tuple = REGIONS) -> list[tuple[str, str, str, str]]:
    """(code, name, level, region code) of every area in the extract: districts, regions, England."""
    real = [(d.code, d.name) for d in DISTRICTS]
    areas, serial = [], 0
    for region_code, region_name, count in regions:
        own = real if region_code == REGION[0] else []
        for code, name in own:
            areas.append((code, name, "district", region_code))
        for i in range(count - len(own)):
            serial += 1
            areas.append((f"E079{serial:05d}", f"Synthetic district {serial:03d} ({region_name})", "district",
                          region_code))
    areas += [(code, name, "region", code) for code, name, _ in regions]
    areas.append((*COUNTRY, "country", ""))
    return areas


def _group_matrix() -> np.ndarray:
    """(fine band x age group) 0/1 matrix: a group's figure is the sum of its fine bands."""
    matrix = np.zeros((len(FINE_AGES), len(AGE_GROUPS)), dtype=np.int64)
    for g, (_, bands) in enumerate(AGE_GROUPS):
        matrix[[FINE_AGES.index(b) for b in bands], g] = 1
    return matrix


def _figures(rng: np.random.Generator, areas: list, n_months: int) -> tuple[np.ndarray, np.ndarray]:
    """Invented counts (area, month, sex Total/Male/Female, age group) and residents (area, sex, age group)."""
    districts = [i for i, a in enumerate(areas) if a[2] == "district"]
    shape = nomis._profile([f"{y}-{m:02d}" for y, m in months_between(nomis.FIRST_MONTH, LAST_MONTH)])
    # months before 2019 fall gently to the 2019 level (invented); the extract's months are the last n_months
    early = len(months_between(FIRST_MONTH, LAST_MONTH)) - len(shape)
    shape = np.concatenate([np.linspace(1.6, 1.02, early), shape])[-n_months:]
    size = rng.uniform(40, 250, len(districts))  # residents 16-64, thousands
    rate = rng.uniform(1.5, 5.0, len(districts))
    level = 1.0 + (shape[None, :] - 1.0) * rng.uniform(0.8, 1.2, (len(districts), 1))
    total = size[:, None] * 1000 * rate[:, None] / 100 * level * rng.normal(1.0, 0.025, level.shape)
    male = rng.uniform(0.57, 0.63, len(districts))
    sex_share = np.stack([male, 1 - male], axis=1)  # (district, sex)
    fine_share = FINE_CLAIMANT_SHARE / FINE_CLAIMANT_SHARE.sum()
    jitter = rng.normal(1.0, 0.04, (len(districts), n_months, 2, len(FINE_AGES)))
    fine = total[:, :, None, None] * sex_share[:, None, :, None] * fine_share[None, None, None, :] * jitter
    fine = (np.round(fine / 5.0) * 5).astype(np.int64)  # (district, month, M/F, fine band)
    residents_fine = (size[:, None, None] * 1000 * 0.5 * (FINE_RESIDENT_SHARE / 100)[None, None, :]
                      * np.ones((1, 2, 1)))
    groups = _group_matrix()
    d_counts = fine @ groups  # (district, month, M/F, group)
    d_res = residents_fine @ groups
    d_counts = np.concatenate([d_counts.sum(axis=2, keepdims=True), d_counts], axis=2)
    d_res = np.concatenate([d_res.sum(axis=1, keepdims=True), d_res], axis=1)

    counts = np.zeros((len(areas), n_months, 3, len(AGE_GROUPS)), dtype=np.int64)
    residents = np.zeros((len(areas), 3, len(AGE_GROUPS)))
    counts[districts], residents[districts] = d_counts, d_res
    position = {a[0]: i for i, a in enumerate(areas)}
    for i, (code, _, level_name, region) in enumerate(areas):
        if level_name == "district":
            for target in (position[region], position[COUNTRY[0]]):
                counts[target] += counts[i]
                residents[target] += residents[i]
    return counts, residents


def write(out_dir: Path, rng: np.random.Generator, *, regions: tuple = REGIONS,
          first_month: tuple[int, int] = FIRST_MONTH) -> list[Path]:
    """Write the all-England extract (one file per 25,000-row API page) and the lookups; return the paths.

    ``regions`` ((code, name, districts), ...) and ``first_month`` make a smaller extract of the same kind."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    areas = national_areas(regions)
    month_list = months_between(first_month, LAST_MONTH)
    counts, residents = _figures(rng, areas, len(month_list))
    rates = np.round(counts / residents[:, None] * 100, 1)
    withheld = np.zeros(counts.shape, dtype=bool)
    small = np.argsort(residents[:, 0, 0])[:5]  # 16-17 year olds of one sex in the smallest districts
    withheld[rng.choice(small, SUPPRESSED_CELLS), rng.integers(0, len(month_list), SUPPRESSED_CELLS),
             rng.integers(1, 3, SUPPRESSED_CELLS), 1] = True

    # every row's position in each dimension, in API order: date, geography, gender, age, measure
    dims = (len(month_list), len(areas), 3, len(AGE_GROUPS), 2)
    total_rows = int(np.prod(dims))
    month_text = np.array([date(y, m, 1).strftime("%B %Y") for y, m in month_list], dtype=object)
    month_code = np.array([f"{y:04d}-{m:02d}" for y, m in month_list], dtype=object)
    type_of = {level: nomis.GEOGRAPHY_TYPES[level] for level in ("district", "region", "country")}
    geo_id = 1_946_157_000 + np.arange(len(areas))
    area_code = np.array([a[0] for a in areas], dtype=object)
    area_name = np.array([a[1] for a in areas], dtype=object)
    area_type = np.array([type_of[a[2]][0] for a in areas], dtype=object)
    area_typecode = np.array([type_of[a[2]][1] for a in areas])
    genders = np.array([g for _, g in nomis.GENDERS], dtype=object)
    ages = np.array([name for name, _ in AGE_GROUPS], dtype=object)
    measures = np.array([name for _, name in nomis.MEASURES], dtype=object)

    paths = []
    for page, start in enumerate(range(0, total_rows, nomis.PAGE_ROWS), start=1):
        offset = np.arange(start, min(start + nomis.PAGE_ROWS, total_rows))
        t, a, g, age, m = np.unravel_index(offset, dims)
        hidden = withheld[a, t, g, age]
        value = np.where(m == 0, counts[a, t, g, age], rates[a, t, g, age]).astype(float)
        ids = {"DATE_SORTORDER": t, "GEOGRAPHY": geo_id[a], "GEOGRAPHY_SORTORDER": a, "GENDER": g,
               "GENDER_CODE": g, "GENDER_SORTORDER": g, "AGE": age, "AGE_CODE": age, "AGE_SORTORDER": age,
               "MEASURE": m + 1, "MEASURE_CODE": m + 1, "MEASURE_SORTORDER": m}
        text = {"DATE_NAME": month_text[t], "DATE_CODE": month_code[t], "DATE": month_code[t],
                "GEOGRAPHY_NAME": area_name[a], "GEOGRAPHY_CODE": area_code[a], "GEOGRAPHY_TYPE": area_type[a],
                "GENDER_NAME": genders[g], "AGE_NAME": ages[age], "MEASURE_NAME": measures[m],
                "OBS_STATUS": np.where(hidden, "Q", "A"),
                "OBS_STATUS_NAME": np.where(hidden, "These figures are missing.", "Normal Value"),
                "URN": [f"Nm-162d1d{c}d{i}d{gg}d{aa}d{mm + 1}d20100" for c, i, gg, aa, mm in
                        zip(month_code[t], geo_id[a], g, age, m)]}
        constant = {"DATE_TYPE": "date", "DATE_TYPECODE": 0, "GENDER_TYPE": "sex", "GENDER_TYPECODE": 0,
                    "AGE_TYPE": "age", "AGE_TYPECODE": 0, "MEASURE_TYPE": "measure", "MEASURE_TYPECODE": 0,
                    "MEASURES": 20100, "MEASURES_NAME": "Value", "OBS_CONF": "F",
                    "OBS_CONF_NAME": "Free (free for publication)", "RECORD_COUNT": total_rows}
        columns = {}
        for name in nomis.COLUMNS:
            if name == "OBS_VALUE":
                columns[name] = pa.array(value, mask=hidden)
            elif name == "RECORD_OFFSET":
                columns[name] = pa.array(offset)
            elif name == "GEOGRAPHY_TYPECODE":
                columns[name] = pa.array(area_typecode[a])
            elif name in ids:
                columns[name] = pa.array(ids[name])
            elif name in text:
                columns[name] = pa.array(text[name], type=pa.string())
            else:
                kind = pa.string() if name in TEXT else pa.int64()
                columns[name] = pa.array([constant[name]] * len(offset), type=kind)
        path = out_dir / f"{nomis.FILE_STEM}_page{page}.data.csv"
        pacsv.write_csv(pa.table(columns), path, pacsv.WriteOptions(quoting_style="needed"))
        paths.append(path)
    return paths + write_national_lookups(out_dir, areas, regions)


def write_national_lookups(out_dir: Path, areas: list, regions: tuple) -> list[Path]:
    """The demo's ONS lookups (Lancashire county, LEP, LSIP) plus every district's region and country."""
    import csv

    paths = write_lookups(out_dir)
    real = {d.code for d in DISTRICTS}
    names = {code: name for code, name, _ in regions}
    path = out_dir / "ltla_to_rgn_ctry_lookup_national.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["ltlacd", "ltlanm", "rgncd", "rgnnm", "ctrycd", "ctrynm"])
        writer.writerows([code, name, region, names[region], *COUNTRY] for code, name, level, region in areas
                         if level == "district" and code not in real)
    return [*paths, path]
