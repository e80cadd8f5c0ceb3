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


def test_none_rule_is_never_aggregated(geo):
    annual = rows("claimant_rate_annual", "percent", {"E07000001": (1.0, "ok", None, None),
                                                      "E07000002": (2.0, "ok", None, None),
                                                      "E06000001": (3.0, "ok", None, None)}, period="2020")
    assert aggregate(annual, geo).rows.empty, "indicators with rule 'none' keep only publishers' figures"


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
