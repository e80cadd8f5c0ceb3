"""Plain-English chart summaries: wording for normal, suppressed, missing and tied values, polarity,
home-area and fallback cases, and numbers formatted as the source rounds them."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from components import summaries as S
from vocab.catalogue import indicator

RATE = indicator("claimant_rate")  # percent, 1 dp, lower is better
COUNT = indicator("claimant_count")  # count, 0 dp, lower is better
A8 = indicator("attainment8")  # score, 1 dp, higher is better
PER_100K = indicator("apprenticeship_starts_rate")  # per_100k, 0 dp, higher is better

NAMES = ["Blackpool", "Burnley", "Pendle", "Preston", "Hyndburn", "Blackburn with Darwen", "Lancaster", "Wyre",
         "Fylde", "Chorley", "South Ribble", "West Lancashire", "Ribble Valley", "Rossendale"]
RATES = [9.8, 7.4, 6.9, 6.5, 6.4, 7.0, 4.5, 4.1, 3.0, 3.2, 3.1, 3.9, 2.1, 5.0]
CODE = {name: f"E0700{i:04d}" for i, name in enumerate(NAMES)}


def districts(values=RATES, statuses=None) -> pd.DataFrame:
    return pd.DataFrame({"area_code": [CODE[n] for n in NAMES], "area_name": NAMES, "value": values,
                         "status": statuses or ["ok"] * len(NAMES)})


def with_gap(df: pd.DataFrame, name: str, status: str) -> pd.DataFrame:
    df = df.copy()
    df.loc[df["area_name"] == name, ["value", "status"]] = [math.nan, status]
    return df


def test_ranking_highest_matches_the_issue_example():
    text = S.ranking_summary(districts(), CODE["Blackpool"], RATE, "March 2021", "Lancashire", [("England", 6.6)])
    assert text == ("Blackpool's claimant rate was 9.8% in March 2021, the highest of Lancashire's 14 districts "
                    "(higher is worse) and 3.2 points above England."), \
        f"the headline example reads as the issue describes, with the polarity note: {text}"


def test_ranking_middle_ordinal_and_two_comparators():
    text = S.ranking_summary(districts(), CODE["Burnley"], RATE, "March 2021", "Lancashire",
                             [("England", 6.6), ("North West", 7.1)])
    assert "the 2nd highest of Lancashire's 14 districts" in text, f"ordinal rank from the nearer end: {text}"
    assert "higher is worse" not in text, f"polarity note only at the extremes: {text}"
    assert "0.8 points above England and 0.3 points above the North West" in text, \
        f"both comparators, 'the' before the region: {text}"


def test_ranking_lowest_uses_lowest_wording_and_below():
    text = S.ranking_summary(districts(), CODE["Ribble Valley"], RATE, "March 2021", "Lancashire",
                             [("England", 6.6)])
    assert "the lowest of Lancashire's 14 districts (lower is better)" in text, f"lowest + polarity: {text}"
    assert "4.5 points below England" in text, f"difference below the comparator: {text}"


def test_ranking_polarity_higher_is_better():
    top = S.ranking_summary(districts([v * 5 for v in RATES]), CODE["Blackpool"], A8, "2019/20", "Lancashire",
                            [("England", 50.2)], peer_noun="local authorities")
    assert "the highest of Lancashire's 14 local authorities (higher is better)" in top, \
        f"for a higher-is-better score the top is called better: {top}"
    assert "was 49.0 in 2019/20" in top and "1.2 points below England" in top, \
        f"score with 1 decimal and a difference in points: {top}"
    bottom = S.ranking_summary(districts([v * 5 for v in RATES]), CODE["Ribble Valley"], A8, "2019/20",
                               "Lancashire")
    assert "(lower is worse)" in bottom, f"bottom of a higher-is-better score is worse: {bottom}"
    assert "higher is worse" not in top and "lower is better" not in bottom, "never the lower-polarity wording"


def test_ranking_ties_are_joint_and_named():
    df = districts()
    df.loc[df["area_name"] == "Pendle", "value"] = 7.4
    text = S.ranking_summary(df, CODE["Burnley"], RATE, "March 2021", "Lancashire")
    assert "the joint 2nd highest of Lancashire's 14 districts (with Pendle)" in text, f"tie named: {text}"
    top = districts()
    top.loc[top["area_name"] == "Pendle", "value"] = 9.8
    text = S.ranking_summary(top, CODE["Blackpool"], RATE, "March 2021", "Lancashire")
    assert "the joint highest of Lancashire's 14 districts (with Pendle; higher is worse)" in text, \
        f"joint highest keeps the polarity note: {text}"


def test_ranking_ties_use_the_published_rounding():
    df = districts()
    df.loc[df["area_name"] == "Blackpool", "value"] = 9.81
    df.loc[df["area_name"] == "Pendle", "value"] = 9.79  # both shown as 9.8%
    text = S.ranking_summary(df, CODE["Pendle"], RATE, "March 2021", "Lancashire")
    assert "joint highest" in text and "with Blackpool" in text, \
        f"values that print the same are tied, as a reader sees them: {text}"


def test_ranking_suppressed_selected_is_not_zero_and_not_ranked():
    df = with_gap(districts(), "Rossendale", "suppressed")
    text = S.ranking_summary(df, CODE["Rossendale"], RATE, "March 2021", "Lancashire", [("England", 6.6)])
    assert text.startswith("Rossendale's figure for the claimant rate in March 2021 is suppressed"), \
        f"a suppressed figure is named as suppressed: {text}"
    assert "0.0%" not in text and "lowest of" not in text, f"missing is never treated as 0: {text}"
    assert "Of the 13 districts in Lancashire with a figure" in text and "highest in Blackpool (9.8%)" in text, \
        f"context from the districts that have a figure: {text}"


def test_ranking_counts_only_areas_with_a_figure():
    df = with_gap(districts(), "Ribble Valley", "not_available")
    text = S.ranking_summary(df, CODE["Fylde"], RATE, "March 2021", "Lancashire")
    assert "the lowest of the 13 districts in Lancashire with a figure" in text, \
        f"a missing area does not count as lowest, and the group size says so: {text}"


def test_ranking_missing_status_wording():
    df = with_gap(districts(), "Wyre", "not_available")
    text = S.ranking_summary(df, CODE["Wyre"], RATE, "March 2021", "Lancashire")
    assert "is not available, so it is not ranked" in text, f"not available wording: {text}"


def test_ranking_home_area_describes_the_spread():
    text = S.ranking_summary(with_gap(districts(), "Rossendale", "suppressed"), "E37000019", RATE, "March 2021",
                             "Lancashire", [("England", 6.6)], home_code="E37000019", home_value=5.1)
    assert text.startswith("Lancashire's claimant rate was 5.1% in March 2021, 1.5 points below England."), \
        f"the home area's own figure first: {text}"
    assert "highest in Blackpool (9.8%) and lowest in Ribble Valley (2.1%)" in text, f"then the spread: {text}"
    assert "Rossendale is not published" in text, f"and the missing district: {text}"


def test_ranking_upper_tier_fallback_says_so():
    df = pd.DataFrame({"area_code": ["E10000017", "E06000008", "E06000009"],
                       "area_name": ["Lancashire", "Blackburn with Darwen", "Blackpool"],
                       "value": [5.5, 6.1, 7.9], "status": ["ok"] * 3})
    text = S.ranking_summary(df, "E10000017", indicator("neet_nk_rate"), "2020", "Lancashire",
                             peer_noun="local authorities", fallback_for="Burnley")
    assert text.startswith("Figures are not published for Burnley, so these are for Lancashire."), \
        f"the fallback is explained: {text}"
    assert "the lowest of Lancashire's 3 local authorities (lower is better)" in text, f"then ranked: {text}"


def test_counts_use_separators_and_plain_differences():
    df = districts([v * 1000 for v in RATES])
    text = S.ranking_summary(df, CODE["Blackpool"], COUNT, "March 2021", "Lancashire", [("Burnley", 7400)])
    assert "was 9,800 in March 2021" in text, f"counts with thousands separators, no decimals: {text}"
    assert "2,400 more than Burnley" in text, f"plain difference for counts: {text}"
    assert "points" not in text and "%" not in text, f"no points or % for counts: {text}"


def test_per_100k_says_the_unit():
    df = districts([v * 100 for v in RATES])
    text = S.ranking_summary(df, CODE["Blackpool"], PER_100K, "2019/20", "Lancashire", [("England", 700)])
    assert "980 per 100,000 people in 2019/20" in text and "280 per 100,000 people above England" in text, \
        f"rates per head carry their unit: {text}"


def test_percent_keeps_published_decimals():
    df = districts()
    df.loc[df["area_name"] == "Blackpool", "value"] = 10.0
    text = S.ranking_summary(df, CODE["Blackpool"], RATE, "March 2021", "Lancashire", [("England", 9.0)])
    assert "was 10.0% in March 2021" in text and "1.0 point above England" in text, \
        f"1 dp kept even for whole numbers; singular 'point': {text}"


def test_provisional_value_is_flagged():
    df = districts(statuses=["provisional"] + ["ok"] * 13)
    text = S.ranking_summary(df, CODE["Blackpool"], RATE, "March 2021", "Lancashire")
    assert "9.8% (provisional)" in text, f"a provisional figure says so: {text}"


@pytest.mark.parametrize("frame", [pd.DataFrame(), None, pd.DataFrame({"area_code": ["x"]}), "not a frame"])
def test_odd_input_never_raises(frame):
    for text in (S.ranking_summary(frame, "x", RATE, "March 2021", "Lancashire"),
                 S.trend_summary(frame, "Burnley", RATE),
                 S.breakdown_summary(frame, "Burnley", RATE, "March 2021"),
                 S.map_summary(frame, RATE, "March 2021", "Lancashire")):
        assert isinstance(text, str) and text.startswith("No data for"), f"odd input -> 'No data for ...': {text}"


def test_all_missing_districts():
    df = districts([math.nan] * 14, ["suppressed"] * 14)
    text = S.ranking_summary(df, CODE["Burnley"], RATE, "March 2021", "Lancashire")
    assert "is suppressed" in text and "No figures are published" in text, f"nothing ranked, said plainly: {text}"


# --- trend -----------------------------------------------------------------------------------------

SERIES = pd.DataFrame({"period": ["2021-03", "2020-03", "2020-04", "2021-02"],  # unsorted on purpose
                       "period_label": ["March 2021", "March 2020", "April 2020", "February 2021"],
                       "value": [7.4, 3.1, 8.0, 7.1], "status": ["ok"] * 4})


def test_trend_rise_with_peak_and_comparators():
    text = S.trend_summary(SERIES, "Burnley", RATE, [("England", 6.6), ("North West", 7.4)])
    assert text.startswith("Burnley's claimant rate rose from 3.1% in March 2020 to 7.4% in March 2021, "
                           "up 4.3 points, peaking at 8.0% in April 2020."), f"first to latest, sorted: {text}"
    assert "In March 2021 it was 0.8 points above England and the same as the North West." in text, \
        f"latest compared with comparators: {text}"


def test_trend_fall_and_counts():
    s = SERIES.assign(value=[1200.0, 2500.0, 2400.0, 1300.0])
    text = S.trend_summary(s, "Burnley", COUNT)
    assert "fell from 2,500 in March 2020 to 1,200 in March 2021, down 1,300" in text, f"count fall: {text}"


def test_trend_latest_suppressed_reports_last_published():
    s = SERIES.copy()
    s.loc[s["period"] == "2021-03", ["value", "status"]] = [math.nan, "suppressed"]
    text = S.trend_summary(s, "Burnley", RATE)
    assert "figure for March 2021 is suppressed" in text and "latest published was 7.1% in February 2021" in text, \
        f"latest gap explained, previous figure given: {text}"
    assert "0.0" not in text, "missing is not zero"


def test_trend_home_area_says_so():
    text = S.trend_summary(SERIES, "Lancashire", RATE, is_home=True)
    assert text.startswith("These figures are for Lancashire as a whole."), f"home area flagged: {text}"


def test_trend_all_missing():
    s = SERIES.assign(value=math.nan, status="not_available")
    text = S.trend_summary(s, "Burnley", RATE)
    assert text.startswith("No claimant rate figures are published for Burnley"), f"no numbers invented: {text}"


# --- breakdown and map -----------------------------------------------------------------------------

def test_breakdown_highest_lowest_overall_and_gap():
    df = pd.DataFrame({"breakdown": ["total", "18-24", "25-49", "50+", "16-17"],
                       "breakdown_label": ["All", "aged 18-24", "aged 25-49", "aged 50+", "aged 16-17"],
                       "value": [7.4, 9.1, 7.9, 3.2, math.nan], "status": ["ok"] * 4 + ["suppressed"]})
    text = S.breakdown_summary(df, "Burnley", RATE, "March 2021", "age group")
    assert "highest for aged 18-24 (9.1%) and lowest for aged 50+ (3.2%), across 4 age groups" in text, \
        f"extremes by group, total excluded: {text}"
    assert "aged 16-17 is not published" in text and "Overall it was 7.4%" in text, f"gap and total: {text}"


def test_map_spread_polarity_and_missing():
    df = with_gap(districts(), "Rossendale", "suppressed")
    text = S.map_summary(df, RATE, "March 2021", "Lancashire", selected_code=CODE["Burnley"])
    assert text.startswith("In March 2021, of the 13 districts in Lancashire with a figure, the claimant rate was "
                           "highest in Blackpool (9.8%) and lowest in Ribble Valley (2.1%); lower is better."), \
        f"map spread with polarity: {text}"
    assert "Rossendale is not published" in text and "Burnley: 7.4%" in text, f"gap and selected area: {text}"
    tied = districts()
    tied.loc[tied["area_name"] == "Pendle", "value"] = 9.8
    assert "highest in Blackpool and Pendle (9.8%)" in S.map_summary(tied, RATE, "March 2021", "Lancashire"), \
        "tied extremes are both named"


def test_formatting_helpers():
    assert S.ordinal(1) == "1st" and S.ordinal(2) == "2nd" and S.ordinal(3) == "3rd" and S.ordinal(4) == "4th", \
        "ordinals"
    assert S.ordinal(11) == "11th" and S.ordinal(12) == "12th" and S.ordinal(13) == "13th" and S.ordinal(22) == \
        "22nd", "teen ordinals take 'th'"
    assert S.format_number(12345.0, COUNT) == "12,345", "counts with separators"
    assert S.format_number(3.14159, RATE) == "3.1%", "percent to the published decimals"
    assert S.possessive("Three Rivers") == "Three Rivers'", "possessive of a name ending in s"
    assert S.join_names(["A", "B", "C", "D"]) == "A, B and 2 others", "long tie lists are shortened"
