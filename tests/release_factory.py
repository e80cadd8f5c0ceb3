"""A small, contract-compliant release folder for dashboard tests (synthetic values only).

Writes ``manifest.json`` and ``releases/<id>/{indicators,areas}.parquet`` + ``release.json`` the way the
ETL does (brief: "Release layout"), so the dashboard can be tested without running the ETL. Values
come from a seeded generator; codes and names are the public ONS ones from ``etl.demo.areas``.
"""
from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vocab.catalogue import INDICATORS
from etl.demo import areas as demo
from etl.schema import ARROW_SCHEMA, sort_tidy, tidy_frame, validate_tidy

RELEASE_ID = "2026-11-01T000000Z"
GM_LEP = ("E37000015", "Greater Manchester")
GM_CA = ("E47000001", "Greater Manchester")
GM_DISTRICTS = (("E08000001", "Bolton"), ("E08000002", "Bury"), ("E08000003", "Manchester"),
                ("E08000004", "Oldham"), ("E08000005", "Rochdale"), ("E08000006", "Salford"),
                ("E08000007", "Stockport"), ("E08000008", "Tameside"), ("E08000009", "Trafford"),
                ("E08000010", "Wigan"))

SOURCES = {  # indicator prefix -> (source_id, publisher, title, next update)
    "claimant": ("ons_nomis_claimant_count", "Office for National Statistics", "Claimant count (Nomis NM_162_1)",
                 "2026-12-15"),
    "furlough": ("hmrc_cjrs", "HM Revenue & Customs", "Coronavirus Job Retention Scheme statistics", None),
    "neet": ("dfe_neet_participation", "Department for Education", "Participation in education, training and "
             "NEET age 16 to 17 by local authority", "2027-06-12"),
    "attainment": ("dfe_lait", "Department for Education", "Local authority interactive tool (LAIT)", None),
    "apprenticeships": ("dfe_apprenticeships", "Department for Education", "Apprenticeships and traineeships",
                        "2027-01-29"),
}
SOURCE_OF_TOPIC = {"claimant-count": "claimant", "furlough": "furlough", "neet": "neet",
                   "attainment": "attainment", "apprenticeships": "apprenticeships"}

MONTHS = [f"{y}-{m:02d}" for y in (2019, 2020, 2021) for m in range(1, 13)]
FURLOUGH_MONTHS = [f"{y}-{m:02d}" for y, m in [(2020, m) for m in range(7, 13)] + [(2021, m) for m in range(1, 10)]]
YEARS = ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21", "2021/22"]
CLAIMANT_BREAKDOWNS = {"total": 1.0, "age=16-24": 0.22, "age=25-49": 0.55, "age=50+": 0.23,
                       "sex=female": 0.42, "sex=male": 0.58}
APPRENTICE_BREAKDOWNS = {"total": 1.0, "age=Under 19": 0.3, "age=19-24": 0.3, "age=25+": 0.4,
                         "level=Intermediate": 0.4, "level=Advanced": 0.45, "level=Higher": 0.15,
                         "sector=Construction": 0.2, "sector=Health": 0.5, "sector=Manufacturing": 0.3}
SUPPRESSED = {("apprenticeship_starts", "E07000124", "2019/20", "sector=Manufacturing"),
              ("claimant_count", "E07000119", "2020-02", "age=50+"),
              ("attainment8", "E06000009", "2019/20", "total")}


def _geography(home: str) -> tuple[list[dict], list[tuple[str, str, float, str]]]:
    """areas.parquet rows and the districts as (code, name, weight, upper tier code)."""
    rows = [
        dict(area_code=demo.COUNTRY[0], area_name=demo.COUNTRY[1], area_level="country"),
        dict(area_code=demo.REGION[0], area_name=demo.REGION[1], area_level="region",
             country_code=demo.COUNTRY[0]),
        dict(area_code=demo.COUNTY[0], area_name=demo.COUNTY[1], area_level="upper_tier",
             region_code=demo.REGION[0], country_code=demo.COUNTRY[0]),
        dict(area_code=demo.LEP[0], area_name=demo.LEP[1], area_level="lep", region_code=demo.REGION[0],
             country_code=demo.COUNTRY[0]),
        dict(area_code=demo.LSIP[0], area_name=demo.LSIP[1], area_level="lsip", region_code=demo.REGION[0],
             country_code=demo.COUNTRY[0]),
    ]
    districts = [(d.code, d.name, d.weight, d.upper_tier_code) for d in demo.DISTRICTS]
    for code, name, _, upper in districts:
        rows.append(dict(area_code=code, area_name=name, area_level="district", upper_tier_code=upper,
                         lep_code=demo.LEP[0], lsip_code=demo.LSIP[0], region_code=demo.REGION[0],
                         country_code=demo.COUNTRY[0]))
    if home == "gm":
        rows.append(dict(area_code=GM_LEP[0], area_name=GM_LEP[1], area_level="lep", region_code=demo.REGION[0],
                         country_code=demo.COUNTRY[0]))
        rows.append(dict(area_code=GM_CA[0], area_name=GM_CA[1], area_level="combined_authority",
                         region_code=demo.REGION[0], country_code=demo.COUNTRY[0]))
        for i, (code, name) in enumerate(GM_DISTRICTS):
            districts.append((code, name, 80.0 + 7 * i, code))
            rows.append(dict(area_code=code, area_name=name, area_level="district", upper_tier_code=code,
                             lep_code=GM_LEP[0], combined_authority_code=GM_CA[0], region_code=demo.REGION[0],
                             country_code=demo.COUNTRY[0]))
    cols = ["area_code", "area_name", "area_level", "upper_tier_code", "lep_code", "lsip_code",
            "combined_authority_code", "region_code", "country_code"]
    return [{c: r.get(c) for c in cols} for r in rows], districts


def _row(ind: str, code: str, name: str, level: str, period: str, breakdown: str, value: float,
         num: float | None = None, den: float | None = None, derived: bool = False) -> dict:
    topic = INDICATORS[ind].topic
    suppressed = (ind, code, period, breakdown) in SUPPRESSED
    return dict(indicator=ind, area_code=code, area_name=name, area_level=level, period=period,
                breakdown=breakdown, value=math.nan if suppressed else round(value, 6),
                status="suppressed" if suppressed else "ok",
                numerator=math.nan if (num is None or suppressed) else num,
                denominator=math.nan if (den is None or suppressed) else den,
                unit=INDICATORS[ind].unit, source=SOURCES[SOURCE_OF_TOPIC[topic]][0], derived=derived)


def _district_rows(districts, rng) -> list[dict]:
    rows = []
    for code, name, weight, upper in districts:
        level_factor = rng.uniform(0.7, 1.4)
        for i, month in enumerate(MONTHS):
            covid = 1.9 if "2020-04" <= month <= "2021-06" else 1.0
            residents = weight * 1000
            for bd, share in CLAIMANT_BREAKDOWNS.items():
                count = 5 * round(residents * 0.03 * level_factor * covid * share * rng.uniform(0.95, 1.05) / 5)
                den = residents * share
                rows.append(_row("claimant_count", code, name, "district", month, bd, count))
                rows.append(_row("claimant_rate", code, name, "district", month, bd, 100 * count / den, count, den))
        for month in FURLOUGH_MONTHS:
            eligible = weight * 400
            furloughed = 100 * round(eligible * rng.uniform(0.04, 0.15) / 100)
            rows.append(_row("furloughed_employments", code, name, "district", month, "total", furloughed))
            rows.append(_row("furlough_take_up", code, name, "district", month, "total",
                             100 * furloughed / eligible, furloughed, eligible))
        for year in YEARS:
            total = weight * rng.uniform(8, 14)
            for bd, share in APPRENTICE_BREAKDOWNS.items():
                rows.append(_row("apprenticeship_starts", code, name, "district", year, bd,
                                 10 * round(total * share / 10)))
    return rows


def _upper_tier_rows(upper_tiers, rng) -> list[dict]:
    """NEET/participation and Attainment 8 exist for upper tiers only (as DfE/LAIT publish them)."""
    rows = []
    for code, name, weight in upper_tiers:
        for year in YEARS:
            cohort = weight * 25
            for ind, lo, hi in (("neet_nk_rate", 4, 9), ("neet_rate", 2, 6), ("not_known_rate", 0.5, 3),
                                ("participation_rate", 90, 96)):
                num = round(cohort * rng.uniform(lo, hi) / 100)
                rows.append(_row(ind, code, name, "upper_tier", year, "total", 100 * num / cohort, num, cohort))
            pupils = weight * 12
            score = rng.uniform(42, 50)
            rows.append(_row("attainment8", code, name, "upper_tier", year, "total", score, score * pupils, pupils))
    return rows


def _aggregate(df: pd.DataFrame, members: list[str], code: str, name: str, level: str,
               scale: float = 1.0) -> list[dict]:
    """Values for an area made of ``members`` by each indicator's rule (``scale`` invents the rest)."""
    dff = df[df["area_code"].isin(members)]
    rows = []
    for (ind, period, bd), g in dff.groupby(["indicator", "period", "breakdown"], sort=False):
        rule = INDICATORS[ind].aggregation
        if rule == "sum":
            value, num, den = g["value"].sum() * scale, None, None
        else:
            num, den = g["numerator"].sum() * scale, g["denominator"].sum() * scale
            value = (100 * num / den) if rule == "ratio" else num / den
            value *= rng_jitter(code, ind, period) if scale > 1 else 1
            num = value * den / (100 if rule == "ratio" else 1)
        rows.append(_row(ind, code, name, level, period, bd, value, num, den, derived=True))
    return rows


def rng_jitter(code: str, ind: str, period: str) -> float:
    """A deterministic small difference so region/England are not equal to the home area."""
    return 1.0 + ((sum(map(ord, code + ind + period)) % 97) - 48) / 400


def build_tidy(home: str = "lancs", seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicators, areas) frames for a synthetic release; ``home='gm'`` adds Greater Manchester.

    Generated (and checked against the contract) once per process; each call gets its own copies."""
    tidy, areas = _generated(home, seed)
    return tidy.copy(), areas.copy()


@functools.lru_cache(maxsize=4)
def _generated(home: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    area_rows, districts = _geography(home)
    rows = _district_rows(districts, rng)
    weights = {c: w for c, _, w, _ in districts}
    uppers = [(demo.COUNTY[0], demo.COUNTY[1], sum(d.weight for d in demo.DISTRICTS if d.code.startswith("E07"))),
              ("E06000008", "Blackburn with Darwen", weights["E06000008"]),
              ("E06000009", "Blackpool", weights["E06000009"])]
    if home == "gm":
        uppers += [(c, n, weights[c]) for c, n in GM_DISTRICTS]
    rows += _upper_tier_rows(uppers, rng)
    df = pd.DataFrame(rows)
    district_df = df[df["area_level"] == "district"]
    county_members = [d.code for d in demo.DISTRICTS if d.code.startswith("E07")]
    lancs = [d.code for d in demo.DISTRICTS]
    agg = _aggregate(district_df, county_members, demo.COUNTY[0], demo.COUNTY[1], "upper_tier")
    upper_df = df[df["area_level"] == "upper_tier"]  # only the upper-tier-only indicators
    lancs_uppers = [demo.COUNTY[0], "E06000008", "E06000009"]
    agg += _aggregate(district_df, lancs, demo.LEP[0], demo.LEP[1], "lep")
    agg += _aggregate(upper_df, lancs_uppers, demo.LEP[0], demo.LEP[1], "lep")
    agg += _aggregate(district_df, lancs, demo.LSIP[0], demo.LSIP[1], "lsip")
    agg += _aggregate(upper_df, lancs_uppers, demo.LSIP[0], demo.LSIP[1], "lsip")
    all_uppers = lancs_uppers + ([c for c, _ in GM_DISTRICTS] if home == "gm" else [])
    all_districts = list(weights)
    agg += _aggregate(district_df, all_districts, demo.REGION[0], demo.REGION[1], "region", scale=4.0)
    agg += _aggregate(upper_df, all_uppers, demo.REGION[0], demo.REGION[1], "region", scale=4.0)
    agg += _aggregate(district_df, all_districts, demo.COUNTRY[0], demo.COUNTRY[1], "country", scale=40.0)
    agg += _aggregate(upper_df, all_uppers, demo.COUNTRY[0], demo.COUNTRY[1], "country", scale=40.0)
    if home == "gm":
        gm = [c for c, _ in GM_DISTRICTS]
        agg += _aggregate(district_df, gm, GM_LEP[0], GM_LEP[1], "lep")
        agg += _aggregate(upper_df, gm, GM_LEP[0], GM_LEP[1], "lep")
    tidy = sort_tidy(tidy_frame(pd.concat([df, pd.DataFrame(agg)], ignore_index=True)))
    problems = validate_tidy(tidy)
    assert not problems, f"the factory must write a contract-compliant table: {problems[:3]}"
    return tidy, pd.DataFrame(area_rows)


def _square_boundaries(areas: pd.DataFrame):
    """Test-only squares (not real shapes) so the choropleth path can be exercised."""
    import geopandas as gpd
    from shapely.geometry import box

    dff = areas[areas["area_level"] == "district"].reset_index(drop=True)
    geoms = [box(-3.0 + 0.2 * (i % 4), 53.5 + 0.2 * (i // 4), -2.82 + 0.2 * (i % 4), 53.68 + 0.2 * (i // 4))
             for i in range(len(dff))]
    return gpd.GeoDataFrame(dff[["area_code", "area_name", "area_level"]], geometry=geoms, crs="EPSG:4326")


def write_release(processed_dir: Path, home: str = "lancs", release_id: str = RELEASE_ID, is_demo: bool = True,
                  with_boundaries: bool = False, diff: dict | None = None) -> str:
    """Write a release folder and switch ``manifest.json`` to it; returns the release id."""
    processed_dir = Path(processed_dir)
    folder = processed_dir / "releases" / release_id
    folder.mkdir(parents=True, exist_ok=True)
    tidy, areas = build_tidy(home)
    pq.write_table(pa.Table.from_pandas(tidy, schema=ARROW_SCHEMA, preserve_index=False),
                   folder / "indicators.parquet")
    areas_schema = pa.schema([(c, pa.string()) for c in areas.columns])
    pq.write_table(pa.Table.from_pandas(areas, schema=areas_schema, preserve_index=False), folder / "areas.parquet")
    if with_boundaries:
        _square_boundaries(areas).to_parquet(folder / "boundaries.parquet")
    if diff is not None:
        (folder / "diff.json").write_text(json.dumps(diff), encoding="utf-8")
    sources = []
    for key, (source_id, publisher, title, next_update) in SOURCES.items():
        dff = tidy[tidy["source"] == source_id]
        periods = sorted(dff["period"].unique(), key=lambda p: dff.loc[dff["period"] == p, "period_start"].iloc[0])
        sources.append(dict(source_id=source_id, publisher=publisher, title=title,
                            files=[dict(name=f"{key}.csv", sha256="0" * 64, rows=int(len(dff)))],
                            release_date="2026-10-14", next_update=next_update, url="https://example.org/" + key,
                            indicators=sorted(dff["indicator"].unique()), periods={"first": periods[0],
                                                                                   "last": periods[-1]},
                            rows=int(len(dff)), is_demo=is_demo))
    release = {"id": release_id, "created": "2026-11-01T00:00:00Z", "is_demo": is_demo,
               "home_area_code": GM_LEP[0] if home == "gm" else demo.LEP[0], "table_sha256": "0" * 64,
               "sources": sources}
    (folder / "release.json").write_text(json.dumps(release, indent=1), encoding="utf-8")
    (folder / "validation.txt").write_text("factory release: no problems\n", encoding="utf-8")
    manifest = {"schema_version": 1, "current_release": release_id, "release": release,
                "releases": [{"id": release_id, "created": release["created"], "is_demo": is_demo}]}
    temp = processed_dir / ".manifest.json.tmp"  # replaced atomically, as the ETL does
    temp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(temp, processed_dir / "manifest.json")
    return release_id
