"""Aggregation rules: sums, ratios of counts, weighted means; never averaged rates; missing stays missing."""
import math

import pandas as pd
import pytest

from etl.aggregate import aggregate
from etl.geography import Geography
from etl.schema import tidy_frame

# A tiny invented geography: county E10000001 = districts E07000001, E07000002; unitary E06000001;
# all three in LEP E37000001 and region E12000001.
HIERARCHY = pd.DataFrame([
    ("E07000001", "Alpha", "E10000001", "Shire", "upper_tier"),
    ("E07000002", "Beta", "E10000001", "Shire", "upper_tier"),
    *[(d, n, "E37000001", "Shire LEP", "lep") for d, n in
      [("E07000001", "Alpha"), ("E07000002", "Beta"), ("E06000001", "Unity")]],
    *[(d, n, "E12000001", "North", "region") for d, n in
      [("E07000001", "Alpha"), ("E07000002", "Beta"), ("E06000001", "Unity")]],
], columns=["child_code", "child_name", "parent_code", "parent_name", "parent_level"])


@pytest.fixture
def geo():
    return Geography.from_tables([HIERARCHY], [], [], [])


def rows(indicator, unit, values, period="2020-03", **extra):
    out = []
    for code, (value, status, num, den) in values.items():
        out.append({"indicator": indicator, "area_code": code, "area_name": code,
                    "area_level": "upper_tier" if code.startswith("E10") else "district", "period": period,
                    "value": value, "status": status, "numerator": num, "denominator": den, "unit": unit,
                    "source": "test", **extra})
    return tidy_frame(out)


def value_of(result, code, indicator):
    hit = result.rows[(result.rows["area_code"] == code) & (result.rows["indicator"] == indicator)]
    assert len(hit) == 1, f"exactly one {indicator} row for {code}"
    return hit.iloc[0]


def test_counts_sum_and_rates_are_ratios_of_counts(geo):
    counts = rows("claimant_count", "count", {"E07000001": (100, "ok", None, None),
                                              "E07000002": (300, "ok", None, None),
                                              "E06000001": (600, "ok", None, None)})
    rates = rows("claimant_rate", "percent", {"E07000001": (10.0, "ok", 100, 1000),
                                              "E07000002": (3.0, "ok", 300, 10000),
                                              "E06000001": (6.0, "ok", 600, 10000)})
    result = aggregate(pd.concat([counts, rates], ignore_index=True), geo)
    assert value_of(result, "E37000001", "claimant_count")["value"] == 1000, "LEP count is the sum of its districts"
    assert value_of(result, "E10000001", "claimant_count")["value"] == 400, "county count sums its E07 districts"
    lep_rate = value_of(result, "E37000001", "claimant_rate")
    assert lep_rate["value"] == pytest.approx(1000 / 21000 * 100), "rate = sum of counts / sum of denominators"
    assert lep_rate["value"] != pytest.approx((10 + 3 + 6) / 3), "never the mean of the rates"
    assert lep_rate["derived"], "computed rows are marked derived"


def test_suppressed_member_makes_the_aggregate_missing_not_smaller(geo):
    counts = rows("claimant_count", "count", {"E07000001": (math.nan, "suppressed", None, None),
                                              "E07000002": (300, "ok", None, None),
                                              "E06000001": (600, "ok", None, None)})
    row = value_of(aggregate(counts, geo), "E37000001", "claimant_count")
    assert math.isnan(row["value"]) and row["status"] == "suppressed", "a suppressed part keeps the total missing"


def test_incomplete_membership_is_not_aggregated(geo):
    counts = rows("claimant_count", "count", {"E07000001": (100, "ok", None, None),
                                              "E06000001": (600, "ok", None, None)})
    result = aggregate(counts, geo)
    assert not (result.rows["area_code"] == "E37000001").any(), "no LEP value from 2 of its 3 districts"
    assert any("E37000001" in n for n in result.notes), "the skipped aggregate is explained"


def test_publisher_figure_is_kept_and_compared(geo):
    counts = rows("claimant_count", "count", {"E07000001": (100, "ok", None, None),
                                              "E07000002": (300, "ok", None, None),
                                              "E06000001": (600, "ok", None, None),
                                              "E12000001": (1005, "ok", None, None)})
    counts.loc[counts["area_code"] == "E12000001", "area_level"] = "region"
    result = aggregate(counts, geo)
    assert not (result.rows["area_code"] == "E12000001").any(), "the publisher's own region figure is not replaced"
    cmp = result.comparisons.set_index("area_code").loc["E12000001"]
    assert (cmp["ours"], cmp["publisher"], cmp["difference"]) == (1000, 1005, -5), "the difference is recorded"


def test_upper_tier_only_indicator_aggregates_from_upper_tiers(geo):
    neet = rows("neet_rate", "percent", {"E10000001": (5.0, "ok", 50, 1000), "E06000001": (10.0, "ok", 100, 1000)},
                period="2021")
    row = value_of(aggregate(neet, geo), "E37000001", "neet_rate")
    assert row["value"] == pytest.approx(7.5), "LEP NEET rate from the cohorts of its upper-tier authorities"


def test_weighted_mean_uses_pupil_weights(geo):
    a8 = rows("attainment8", "score", {"E10000001": (40.0, "ok", 40.0 * 3000, 3000),
                                       "E06000001": (50.0, "ok", 50.0 * 1000, 1000)}, period="2017/18")
    row = value_of(aggregate(a8, geo), "E37000001", "attainment8")
    assert row["value"] == pytest.approx(42.5), "Attainment 8 weighted by pupils, not a plain mean (45)"


def population(year, sizes, band="age=16-64"):
    """Tidy population rows (mid-year estimates) for the tiny geography."""
    out = rows("population", "count", {code: (size, "ok", None, None) for code, size in sizes.items()},
               period=str(year))
    out["breakdown"] = band
    return out


def derivation(result, code, indicator, period):
    hit = result.derivations[(result.derivations["area_code"] == code) & (result.derivations["indicator"] == indicator)
                             & (result.derivations["period"] == period)]
    assert len(hit) == 1, f"exactly one derivation record for {indicator} {code} {period}"
    return hit.iloc[0]


RATES = {"E07000001": (2.0, "ok", None, None), "E07000002": (4.0, "ok", None, None),
         "E06000001": (10.0, "ok", None, None)}


def test_rates_without_counts_are_weighted_by_their_population(geo):
    annual = rows("claimant_rate_annual", "percent", RATES, period="2020")
    pops = population(2020, {"E07000001": 1000, "E07000002": 3000, "E06000001": 6000})
    result = aggregate(pd.concat([annual, pops], ignore_index=True), geo)
    row = value_of(result, "E37000001", "claimant_rate_annual")
    # (2.0 x 1000 + 4.0 x 3000 + 10.0 x 6000) / (1000 + 3000 + 6000) = 74000 / 10000 = 7.4
    assert row["value"] == pytest.approx(7.4), "LEP rate = sum(rate x population 16-64) / sum(population 16-64)"
    assert row["value"] != pytest.approx((2.0 + 4.0 + 10.0) / 3), "never the mean of the rates"
    assert row["denominator"] == 10_000, "the derived row carries the population it is a share of"
    note = derivation(result, "E37000001", "claimant_rate_annual", "2020")
    assert note["method"] == "population_weighted" and note["population_year"] == 2020, "method and mid-year recorded"
    assert note["building_block_level"] == "district" and note["building_blocks"] == "E06000001,E07000001,E07000002", \
        "the three districts are the building blocks"
    assert "weighted by their population aged 16-64, mid-2020 estimates" in note["note"], note["note"]


def test_the_latest_population_stands_in_for_a_year_not_published_yet(geo):
    annual = rows("claimant_rate_annual", "percent", RATES, period="2021")
    pops = population(2020, {"E07000001": 1000, "E07000002": 3000, "E06000001": 6000})
    result = aggregate(pd.concat([annual, pops], ignore_index=True), geo)
    assert value_of(result, "E37000001", "claimant_rate_annual")["value"] == pytest.approx(7.4), \
        "2021 rates weighted by the mid-2020 populations, the latest there are"
    note = derivation(result, "E37000001", "claimant_rate_annual", "2021")
    assert note["population_year"] == 2020, "the mid-year actually used is recorded"
    assert "2021 populations are not published yet" in note["note"], note["note"]


def test_an_academic_year_takes_the_mid_year_it_starts_in(geo):
    starts = rows("apprenticeship_starts_rate", "per_100k", {"E07000001": (1000.0, "ok", None, None),
                                                             "E07000002": (2000.0, "ok", None, None),
                                                             "E06000001": (3000.0, "ok", None, None)}, period="2019/20")
    mid_2019 = population(2019, {"E07000001": 100, "E07000002": 100, "E06000001": 200})
    mid_2020 = population(2020, {"E07000001": 500, "E07000002": 100, "E06000001": 100})
    result = aggregate(pd.concat([starts, mid_2019, mid_2020], ignore_index=True), geo)
    # mid-2019: (1000 x 100 + 2000 x 100 + 3000 x 200) / 400 = 900000 / 400 = 2250
    assert value_of(result, "E37000001", "apprenticeship_starts_rate")["value"] == pytest.approx(2250), \
        "2019/20 rates are weighted by the mid-2019 estimates (the year the academic year starts)"


def test_a_suppressed_member_rate_keeps_the_aggregate_missing(geo):
    annual = rows("claimant_rate_annual", "percent", {**RATES, "E07000002": (math.nan, "suppressed", None, None)},
                  period="2020")
    pops = population(2020, {"E07000001": 1000, "E07000002": 3000, "E06000001": 6000})
    result = aggregate(pd.concat([annual, pops], ignore_index=True), geo)
    row = value_of(result, "E37000001", "claimant_rate_annual")
    assert math.isnan(row["value"]) and row["status"] == "suppressed", "a suppressed member keeps the LEP missing"
    assert "suppressed" in derivation(result, "E37000001", "claimant_rate_annual", "2020")["note"], \
        "the note says why the figure is missing"


def test_a_member_without_population_is_not_computed_and_the_reason_is_kept(geo):
    annual = rows("claimant_rate_annual", "percent", RATES, period="2020")
    pops = population(2020, {"E07000001": 1000, "E07000002": 3000})
    result = aggregate(pd.concat([annual, pops], ignore_index=True), geo)
    lep = (result.rows["area_code"] == "E37000001") & (result.rows["indicator"] == "claimant_rate_annual")
    assert not lep.any(), \
        "no LEP rate when a member's population is unknown (it would be a biased average)"
    assert any("E37000001" in n and "no population age=16-64" in n for n in result.notes), result.notes
    note = derivation(result, "E37000001", "claimant_rate_annual", "2020")
    assert not note["is_computed"] and "Unity" in note["note"], \
        "derivations explain the missing figure, naming the member without a population"


def test_councils_are_the_building_blocks_where_districts_have_no_population(geo):
    annual = rows("claimant_rate_annual", "percent", {**RATES, "E10000001": (3.5, "ok", None, None)}, period="2020")
    pops = population(2020, {"E10000001": 4000, "E06000001": 6000})
    result = aggregate(pd.concat([annual, pops], ignore_index=True), geo)
    # (3.5 x 4000 + 10.0 x 6000) / (4000 + 6000) = 74000 / 10000 = 7.4
    assert value_of(result, "E37000001", "claimant_rate_annual")["value"] == pytest.approx(7.4), \
        "LEP from the county and the unitary when the districts have no population"
    note = derivation(result, "E37000001", "claimant_rate_annual", "2020")
    assert note["building_block_level"] == "upper_tier" and "the 2 councils'" in note["note"], note["note"]
    with_districts = pd.concat([annual, pops, population(2020, {"E07000001": 1000, "E07000002": 3000})],
                               ignore_index=True)
    assert derivation(aggregate(with_districts, geo), "E37000001", "claimant_rate_annual", "2020")[
        "building_block_level"] == "district", "districts, the smallest complete building blocks, win when all there"


def test_weighted_mean_uses_the_published_totals(geo):
    # avg_att8 is rounded to 1 dp; t_att8 (the numerator) is exact: 40.04 x 3000 = 120120, 49.96 x 1000 = 49960
    a8 = rows("attainment8", "score", {"E10000001": (40.0, "ok", 120_120.0, 3000),
                                       "E06000001": (50.0, "ok", 49_960.0, 1000)}, period="2022/23")
    row = value_of(aggregate(a8, geo), "E37000001", "attainment8")
    assert row["value"] == pytest.approx((120_120 + 49_960) / 4000), "sum of points / sum of pupils (42.52)"


def test_progress8_can_be_negative_and_combines_by_pupils(geo):
    p8 = rows("progress8", "score", {"E10000001": (-0.2, "ok", -600.0, 3000), "E06000001": (0.4, "ok", 400.0, 1000)},
              period="2022/23")
    row = value_of(aggregate(p8, geo), "E37000001", "progress8")
    assert row["value"] == pytest.approx(-200 / 4000), "(-600 + 400) / 4000 = -0.05, weighted by pupils"
    assert math.isnan(row["lower_ci"]), "no interval is invented for a computed figure"


def test_a_county_straddling_two_leps_is_not_a_building_block():
    # E07000002 moves to another LEP: Shire county (E10000001) is no longer wholly inside E37000001
    straddle = HIERARCHY.copy()
    straddle.loc[(straddle["child_code"] == "E07000002") & (straddle["parent_level"] == "lep"),
                 ["parent_code", "parent_name"]] = ["E37000002", "Other LEP"]
    geo = Geography.from_tables([straddle], [], [], [])
    neet = rows("neet_rate", "percent", {"E10000001": (5.0, "ok", 50, 1000), "E06000001": (10.0, "ok", 100, 1000)},
                period="2021")
    result = aggregate(neet, geo)
    assert not (result.rows["area_code"] == "E37000001").any(), \
        "a LEP is never made of whole councils when one of them lies partly outside it"


def test_merged_district_codes_roll_up_through_their_successor():
    changes = pd.DataFrame([("E07000009", "Old Town", "E06000001", "Unity", "merger", "2020")],
                           columns=["old_code", "old_name", "new_code", "new_name", "change_type", "year"])
    geo = Geography.from_tables([HIERARCHY], [], [changes], [])
    counts = rows("apprenticeship_starts", "count", {"E07000001": (10, "ok", None, None),
                                                     "E07000002": (20, "ok", None, None),
                                                     "E07000009": (30, "ok", None, None)}, period="2016/17")
    assert value_of(aggregate(counts, geo), "E37000001", "apprenticeship_starts")["value"] == 60, \
        "an old district code counts towards its successor's LEP"


def test_not_applicable_member_adds_nothing(geo):
    counts = rows("furloughed_employments", "count", {"E07000001": (math.nan, "not_applicable", None, None),
                                                      "E07000002": (300, "ok", None, None),
                                                      "E06000001": (600, "ok", None, None)}, period="2020-06")
    row = value_of(aggregate(counts, geo), "E37000001", "furloughed_employments")
    assert row["value"] == 900 and row["status"] == "ok", \
        "an area with no figure of its own (published with a neighbour) adds nothing, unlike a suppressed one"


def test_all_not_applicable_stays_not_applicable(geo):
    a8 = rows("attainment8", "score", {"E10000001": (math.nan, "not_applicable", None, None),
                                       "E06000001": (math.nan, "not_applicable", None, None)}, period="2019/20")
    row = value_of(aggregate(a8, geo), "E37000001", "attainment8")
    assert math.isnan(row["value"]) and row["status"] == "not_applicable", "nothing to aggregate: not applicable"
