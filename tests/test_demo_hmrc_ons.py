"""The synthetic HMRC CJRS workbook and ONS lookups: read by the real parsers, internally consistent."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.demo import hmrc_ons
from etl.demo.areas import COUNTRY, COUNTY, DISTRICTS, LEP, LSIP, REGION, SEED
from etl.sources.base import RawFile, detect

DISTRICT_CODES = sorted(d.code for d in DISTRICTS)
COUNTY_DISTRICTS = [d.code for d in DISTRICTS if d.upper_tier_code == COUNTY[0]]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("demo")
    return out, hmrc_ons.write(out, np.random.default_rng([SEED, 2]))


@pytest.fixture(scope="module")
def parsed(written) -> dict[str, object]:
    out, paths = written
    results = {}
    for path in paths:
        raw = RawFile.at(path, out)
        results[path.name] = detect(raw).parse(raw)
    return results


def test_writes_workbook_and_lookups_but_no_boundaries(written):
    out, paths = written
    assert {p.suffix for p in paths} == {".xlsx", ".csv"}, "a CJRS workbook and CSV lookups"
    assert all(p.exists() and p.parent == out for p in paths), "every returned path exists in out_dir"
    assert not any(p.suffix in (".gpkg", ".geojson", ".json", ".topojson") for p in out.iterdir()), \
        "the demo never invents polygons"


def cjrs(parsed) -> pd.DataFrame:
    return parsed[hmrc_ons.CJRS_FILE].table


def test_cjrs_workbook_months_and_areas(parsed):
    result = parsed[hmrc_ons.CJRS_FILE]
    table = result.table
    assert result.kind == "indicators" and result.meta.source_id == "hmrc_cjrs", "read by the HMRC CJRS parser"
    periods = sorted(table["period"].unique())
    assert periods[0] == "2020-07" and periods[-1] == "2021-09" and len(periods) == 15, \
        "claim months July 2020 to September 2021, one per sheet"
    expected = set(DISTRICT_CODES) | {COUNTY[0], REGION[0], COUNTRY[0]}
    assert set(table["area_code"]) == expected, "districts, Lancashire county, North West and England"
    assert set(table["indicator"]) == {"furloughed_employments", "furlough_take_up"}, "both CJRS indicators"
    assert not result.warnings, "the demo workbook reads without warnings"


def test_cjrs_counts_are_consistent(parsed):
    table = cjrs(parsed)
    counts = table[table["indicator"] == "furloughed_employments"].pivot(index="period", columns="area_code",
                                                                         values="value")
    assert (counts % 100 == 0).all().all(), "counts are rounded to 100"
    assert (counts[COUNTY_DISTRICTS].sum(axis=1) == counts[COUNTY[0]]).all(), "the county row = its 12 districts"
    assert (counts[REGION[0]] > counts[DISTRICT_CODES].sum(axis=1)).all(), "North West is bigger than Lancashire"
    assert (counts[COUNTRY[0]] > counts[REGION[0]]).all(), "England is bigger than the North West"
    assert counts.loc["2021-01"].sum() != counts.loc["2021-09"].sum(), "values change over time"


def test_cjrs_take_up_has_counts_and_published_rate(parsed):
    table = cjrs(parsed)
    rates = table[table["indicator"] == "furlough_take_up"]
    assert rates["numerator"].notna().all() and rates["denominator"].notna().all(), \
        "every take-up row carries furloughed and eligible counts for aggregation"
    computed = 100 * rates["numerator"] / rates["denominator"]
    assert ((rates["value"] - computed).abs() <= 0.5 + 1e-9).all(), \
        "the published (rounded) take-up matches furloughed / eligible"
    assert rates["value"].between(1, 40).all(), "take-up is a percentage, not a fraction"


def test_lookups_cover_the_demo_districts(parsed):
    ltla = parsed[hmrc_ons.LTLA_LOOKUP_FILE].table
    assert sorted(ltla["child_code"].unique()) == DISTRICT_CODES, "the ltla lookup lists all 14 districts"
    county = sorted(ltla[ltla["parent_level"] == "upper_tier"]["child_code"])
    assert county == sorted(COUNTY_DISTRICTS), "only the 12 E07 districts have Lancashire as upper tier"
    assert set(ltla[ltla["parent_level"] == "region"]["parent_code"]) == {REGION[0]}, "all in the North West"
    lep = parsed[hmrc_ons.LEP_LOOKUP_FILE].table
    assert sorted(lep["child_code"]) == DISTRICT_CODES and set(lep["parent_code"]) == {LEP[0]}, "LAD -> LEP"
    lsip = parsed[hmrc_ons.LSIP_LOOKUP_FILE].table
    assert sorted(lsip["child_code"]) == DISTRICT_CODES and set(lsip["parent_code"]) == {LSIP[0]}, "LAD -> LSIP"


def test_lookup_headers_are_the_ons_ones(written):
    out, _ = written
    first = (out / hmrc_ons.LTLA_LOOKUP_FILE).read_text(encoding="utf-8-sig").splitlines()[0]
    assert first == "ltlacd,ltlanm,ctycd,ctynm,mctycd,mctynm,cauthcd,cauthnm,rgncd,rgnnm,ctrycd,ctrynm", \
        "same header as ONS's ltla lookup"
    first = (out / hmrc_ons.LSIP_LOOKUP_FILE).read_text(encoding="utf-8").splitlines()[0]
    assert first == "LAD23CD,LAD23NM,LSIP23CD,LSIP23NM,ObjectId", "same header as ONS's LAD -> LSIP lookup"


def _cjrs_values(out: Path, seed: int) -> pd.DataFrame:
    path = hmrc_ons.write(out, np.random.default_rng([seed, 2]))[0]
    return detect(RawFile.at(path)).parse(RawFile.at(path)).table


def test_seeded_generator_is_deterministic(tmp_path):
    first = _cjrs_values(tmp_path / "a", SEED)
    again = _cjrs_values(tmp_path / "b", SEED)
    other = _cjrs_values(tmp_path / "c", SEED + 1)
    digest = lambda df: hashlib.sha256(pd.util.hash_pandas_object(df[["value", "numerator"]]).values).hexdigest()
    assert digest(first) == digest(again), "the same seed gives the same values"
    assert digest(first) != digest(other), "another seed gives other values"
