"""The synthetic Nomis extract parses with the real parser and is internally consistent."""
import hashlib

import numpy as np
import pandas as pd
import pytest

from etl.demo import nomis as demo
from etl.demo.areas import COUNTRY, COUNTY, DISTRICTS, REGION, SEED
from etl.sources.base import RawFile, all_parsers, detect
from etl.sources.nomis import NomisApiParser


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_nomis")
    return demo.write(out, np.random.default_rng(SEED))


@pytest.fixture(scope="module")
def table(written):
    frames = []
    for path in written:
        raw = RawFile.at(path)
        parser = detect(raw, all_parsers())
        assert parser.name == NomisApiParser.name, f"{path.name} is recognised as a Nomis API CSV"
        frames.append(parser.parse(raw).table)
    return pd.concat(frames, ignore_index=True)


def test_pages_respect_the_api_row_cap(written):
    lines = [sum(1 for _ in open(p, encoding="utf-8")) - 1 for p in written]
    assert len(written) >= 2 and max(lines) <= 25_000, "each file is one API page of at most 25,000 rows"


def test_coverage(table):
    months = sorted(table.period.unique())
    assert (months[0], months[-1], len(months)) == ("2019-01", "2026-10", 94), "January 2019 to October 2026"
    codes = {d.code for d in DISTRICTS} | {COUNTY[0], REGION[0], COUNTRY[0]}
    assert set(table.area_code) == codes, "14 districts, Lancashire county, North West and England"
    assert set(table.breakdown) >= {"total", "sex=female", "age=18-24", "age=18-24;sex=male", "age=50+"}, \
        "sex and age breakdowns"
    assert not table.duplicated(["indicator", "area_code", "period", "breakdown"]).any(), "no key twice"


def _totals(table, indicator="claimant_count", breakdown="total"):
    df = table[(table.indicator == indicator) & (table.breakdown == breakdown)]
    return df.pivot(index="period", columns="area_code", values="value")


def test_geography_adds_up(table):
    counts = _totals(table)
    county_districts = [d.code for d in DISTRICTS if d.upper_tier_code == COUNTY[0]]
    assert (counts[county_districts].sum(axis=1) == counts[COUNTY[0]]).all(), "districts sum to the county"
    all_districts = counts[[d.code for d in DISTRICTS]].sum(axis=1)
    assert (counts[REGION[0]] > all_districts).all(), "North West = districts + the rest of the region"
    assert (counts[COUNTRY[0]] > counts[REGION[0]]).all(), "England = North West + the rest of the country"


def test_breakdowns_add_up_and_counts_are_rounded(table):
    counts = table[(table.indicator == "claimant_count") & table.value.notna()]
    assert (counts.value % 5 == 0).all(), "counts are rounded to 5"
    total = _totals(table)
    male, female = _totals(table, breakdown="sex=male"), _totals(table, breakdown="sex=female")
    assert (male + female).equals(total), "male + female = total"


def test_rates_are_plausible_and_carry_ratio_parts(table):
    rates = table[(table.indicator == "claimant_rate") & (table.breakdown == "total")]
    assert rates.value.between(0.5, 15).all(), "total claimant rates are plausible percentages"
    assert rates.numerator.notna().all() and rates.denominator.notna().all(), \
        "every total rate row has numerator (count) and denominator (residents) for aggregation"


def test_covid_jump(table):
    counts = _totals(table)
    districts = [d.code for d in DISTRICTS]
    ratio = counts.loc["2020-05", districts] / counts.loc["2020-01", districts]
    assert ratio.min() > 1.4, "every district's count jumps in spring 2020"


def test_a_few_small_cells_are_withheld(table):
    missing = table[table.value.isna()]
    assert 0 < len(missing) <= 24, "a few cells are withheld"
    assert (missing.status == "not_available").all(), "withheld cells carry a status, not a zero"
    assert missing.breakdown.str.startswith("age=16-17;").all(), "only small 16-17 cells by sex are withheld"


def test_same_seed_same_bytes(written, tmp_path):
    again = demo.write(tmp_path, np.random.default_rng(SEED))
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in written]
    assert digest == [hashlib.sha256(p.read_bytes()).hexdigest() for p in again], "the demo file is reproducible"
