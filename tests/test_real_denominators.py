"""Denominators on the real extracts in ../shared/data/real: every expected figure is computed here from the
publishers' raw CSV cells (read with the csv module, not through our parsers), with the arithmetic written out.
"""
import csv
import math
from pathlib import Path

import pytest

import data_access
from vocab.significance import significance_label

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
LEP = "E37000019"
COUNCILS = ["E10000017", "E06000008", "E06000009"]  # Lancashire CC, Blackburn with Darwen, Blackpool
DISTRICTS = ["E06000008", "E06000009"] + [f"E07000{n}" for n in range(117, 129)]  # the LEP's 14 districts
LANCS_E07 = DISTRICTS[2:]  # Lancashire County Council's 12 districts

pytestmark = [pytest.mark.real, pytest.mark.xdist_group("real_build"), pytest.mark.skipif(
    not REAL.is_dir(), reason="../shared/data/real not present: real-extract tests need the shared folder beside "
                              "the repo")]


@pytest.fixture()
def release(real_build):
    return real_build


def records(relative: str, skip: int = 0) -> list[dict]:
    with open(REAL / relative, newline="", encoding="utf-8-sig") as fh:
        for _ in range(skip):
            next(fh)
        return list(csv.DictReader(fh))


def number(cell: str) -> float:
    return float(cell.strip().replace(",", ""))


def one(df, indicator, code, period, breakdown="total"):
    hit = df[(df.indicator == indicator) & (df.area_code == code) & (df.period == period) &
             (df.breakdown == breakdown)]
    assert len(hit) == 1, f"exactly one {indicator} row for {code} {period} {breakdown}"
    return hit.iloc[0]


def derivation(release, indicator, code, period):
    d = release["derivations"]
    hit = d[(d.indicator == indicator) & (d.area_code == code) & (d.period == period) & (d.breakdown == "total")]
    assert len(hit) == 1, f"one derivation record for {indicator} {code} {period}"
    return hit.iloc[0]


def ks4(file: str, level: str, code_column: str, codes: list[str]) -> dict[str, dict]:
    rows = [r for r in records(f"ks4_attainment8/{file}") if r["time_period"] == "202223"
            and r["geographic_level"] == level and r.get("gender", "Total") == "Total" and r[code_column] in codes]
    return {r[code_column]: r for r in rows}


def els(relative: str, indicator: str, period: str, codes: list[str]) -> dict[str, float]:
    return {r["areacd"]: number(r["observation"]) for r in records(relative)
            if r["indicator"] == indicator and r["period"] == period and r["areacd"] in codes}


def population_16_64(year: int, codes: list[str]) -> dict[str, float]:
    """population_LAD.csv (Nomis NM_31_1 reshaped): the 'Aged 16 - 64' row's column for ``year``."""
    return {r["region_code"]: number(r[str(year)]) for r in records("population/population_LAD.csv")
            if r["age_band"] == "Aged 16 - 64" and r["region_code"] in codes}


def mye2_16_64(codes: list[str]) -> dict[str, float]:
    """MYE2 (mid-2023, 7 title rows): persons aged 16..64 summed from the single-year columns."""
    return {r["Code"]: sum(number(r[str(age)]) for age in range(16, 65)) for r in records(
        "population/MYE2 - Persons.csv", skip=7) if r["Code"] in codes}


# --- Attainment 8 ---------------------------------------------------------------------------------

def test_lep_attainment8_by_school_location_is_total_points_over_pupils(release):
    cells = ks4("2223_la_data_revised.csv", "Local authority", "new_la_code", COUNCILS)
    assert sorted(cells) == sorted(COUNCILS), "the KS4 file has the LEP's three councils for 2022/23"
    points = sum(number(cells[c]["t_att8"]) for c in COUNCILS)  # t_att8: Lancashire + BwD + Blackpool
    pupils = sum(number(cells[c]["t_pupils"]) for c in COUNCILS)  # t_pupils: the same three
    row = one(release["df"], "attainment8", LEP, "2022/23")
    assert row["value"] == pytest.approx(points / pupils), "LEP = sum of t_att8 / sum of t_pupils of its councils"
    mean_of_averages = sum(number(cells[c]["avg_att8"]) for c in COUNCILS) / 3
    assert abs(row["value"] - mean_of_averages) > 0.1, "never the mean of the three averages"
    assert (row["numerator"], row["denominator"]) == (pytest.approx(points), pupils), "the counts travel with it"


def test_north_west_and_england_attainment8_stay_the_publishers_and_ours_agree_for_the_region(release):
    published = {r["region_code"] or r["country_code"]: r for r in records("ks4_attainment8/2223_la_data_revised.csv")
                 if r["time_period"] == "202223" and r["gender"] == "Total"
                 and r["geographic_level"] in ("National", "Regional")}
    comparisons = release["outcome"].aggregation.comparisons
    for code in ("E12000002", "E92000001"):
        row = one(release["df"], "attainment8", code, "2022/23")
        assert not row["derived"] and row["value"] == number(published[code]["avg_att8"]), \
            f"{code}: the publisher's own Attainment 8 is kept"
    # England cannot be re-made from councils (the City of London has no KS4 row); the North West can
    ours = comparisons[(comparisons.indicator == "attainment8") & (comparisons.area_code == "E12000002")
                       & (comparisons.period == "2022/23")]["ours"]
    assert len(ours) == 1 and abs(ours.iloc[0] - number(published["E12000002"]["avg_att8"])) <= 0.05, \
        "our North West (its councils' points / pupils) agrees with DfE's within its rounding"


def test_districts_have_their_own_attainment8_by_residence(release):
    df = release["df"]
    burnley = one(df, "attainment8_residency", "E07000117", "2022/23")
    assert burnley["value"] == 40.0 and not burnley["derived"], "Burnley's own 2022/23 figure by pupil residence"
    assert df[(df.indicator == "attainment8") & (df.area_code == "E07000117")].empty, \
        "no school-location figure is invented for a district (different series)"
    cells = ks4("2223_pr_lad_data_revised.csv", "Local authority district", "lad_code", DISTRICTS)
    assert sorted(cells) == sorted(DISTRICTS), "the residency file has all 14 districts"
    points = sum(number(cells[c]["t_att8"]) for c in DISTRICTS)
    pupils = sum(number(cells[c]["t_pupils"]) for c in DISTRICTS)
    lep = one(df, "attainment8_residency", LEP, "2022/23")
    assert lep["value"] == pytest.approx(points / pupils), "LEP by residence = sum of its 14 districts' points / pupils"
    assert lep["value"] != pytest.approx(one(df, "attainment8", LEP, "2022/23")["value"]), \
        "the two bases are different figures, kept apart"


def test_ks4_file_with_pupils_is_preferred_to_lait_for_the_years_it_covers(release):
    df, outcome = release["df"], release["outcome"]
    covered = {f"{r['time_period'][:4]}/{r['time_period'][4:]}" for r in records(
        "ks4_attainment8/2223_la_data_revised.csv")}
    for period in covered:
        row = one(df, "attainment8", "E10000017", period)
        assert row["source"] == "dfe_ks4_performance" and row["denominator"] > 0, \
            f"{period}: Lancashire's figure comes from the KS4 file, with its pupils"
    assert one(df, "attainment8", "E10000017", "2024/25")["source"] == "dfe_lait", "LAIT for the years only it has"
    assert any("2223_la_data_revised.csv" in s and "dfe_lait" in s and "counts" in s for s in outcome.superseded), \
        "the report says which file was preferred and why"


# --- rates published without counts ------------------------------------------------------------------

def test_lep_claimant_rate_2021_is_weighted_by_population_16_64(release):
    rates = els("claimant_count/ons_els_claimant_count_annual_rate.csv", "Claimant Count", "2021-01-01/P1Y",
                COUNCILS)
    people = population_16_64(2021, COUNCILS)
    assert sorted(rates) == sorted(people) == sorted(COUNCILS), "rates and mid-2021 populations for the 3 councils"
    expected = sum(rates[c] * people[c] for c in COUNCILS) / sum(people[c] for c in COUNCILS)
    row = one(release["df"], "claimant_rate_annual", LEP, "2021")
    assert row["value"] == pytest.approx(expected), "sum(rate x population 16-64) / sum(population 16-64)"
    assert row["derived"] and row["denominator"] == sum(people.values()), "the population it is a share of"
    note = derivation(release, "claimant_rate_annual", LEP, "2021")
    assert note["population_year"] == 2021 and note["building_block_level"] == "upper_tier", "mid-2021, councils"
    assert "3 councils' rates weighted by their population aged 16-64, mid-2021" in note["note"], note["note"]
    assert math.isnan(one(release["df"], "claimant_rate_annual", "E10000017", "2021")["numerator"]), \
        "the publisher's own rows keep no estimated counts"


def test_lep_apprenticeship_starts_rate_2024_25_from_members_rates_and_populations(release):
    rates = els("apprenticeships/ons_els_apprenticeships_starts_achievements_rate_lad.csv",
                "Apprenticeship starts (England)", "2024-08-01/P1Y", COUNCILS)
    people = population_16_64(2024, COUNCILS)  # 2024/25 starts in 2024: the mid-2024 estimates
    expected = sum(rates[c] * people[c] for c in COUNCILS) / sum(people[c] for c in COUNCILS)
    row = one(release["df"], "apprenticeship_starts_rate", LEP, "2024/25")
    assert row["value"] == pytest.approx(expected), "per 100,000: sum(rate x population) / sum(population)"
    assert derivation(release, "apprenticeship_starts_rate", LEP, "2024/25")["population_year"] == 2024, \
        "the academic year 2024/25 takes the mid-year it starts in"


def test_the_apprenticeship_rates_base_is_residents_16_to_64_at_the_start_of_the_academic_year():
    """Published achievements / published rate x 100,000 recovers the publisher's denominator: it is the
    population aged 16-64 at mid-2019 for 2019/20 (what the catalogue declares), not the population 16+."""
    rates = els("apprenticeships/ons_els_apprenticeships_starts_achievements_rate_lad.csv",
                "Apprenticeship achievements (England)", "2019-08-01/P1Y", COUNCILS)
    by_district = {r["location_code"]: number(r["achievements"]) for r in records(
        "apprenticeships/dfe_fe_achievements_lad_201617_202122_ees_permalink.csv")
        if r["time_period"] == "201920" and r["age_group"] == "Total"
        and r["level_or_type"] == "Apprenticeships: Total" and r["location_code"] in DISTRICTS}
    counts = {"E06000008": by_district["E06000008"], "E06000009": by_district["E06000009"],
              "E10000017": sum(by_district[c] for c in LANCS_E07)}  # the county: its 12 districts' counts
    working_age = population_16_64(2019, COUNCILS)
    everyone_16_plus = {r["region_code"]: number(r["2019"]) for r in records("population/population_LAD.csv")
                        if r["age_band"] == "All ages" and r["region_code"] in COUNCILS}
    for code in COUNCILS:
        young = next(number(r["2019"]) for r in records("population/population_LAD.csv")
                     if r["age_band"] == "Aged 0 - 15" and r["region_code"] == code)
        implied = counts[code] / rates[code] * 100_000  # counts are rounded to 10: a few per cent of noise
        assert abs(implied / working_age[code] - 1) < 0.03, f"{code}: the base is the population 16-64, mid-2019"
        assert abs(implied / (everyone_16_plus[code] - young) - 1) > 0.15, f"{code}: not the population 16+"


def test_home_area_has_a_value_wherever_its_members_are_covered(release):
    df = release["df"]
    for indicator in ("claimant_rate_annual", "apprenticeship_starts_rate", "apprenticeship_achievements_rate",
                      "attainment8"):
        members = df[(df.indicator == indicator) & df.area_code.isin(COUNCILS) & (df.breakdown == "total")]
        weights = members["denominator"].notna() | (indicator != "attainment8")  # rates: population, see above
        covered = members[members["value"].notna() & weights].groupby("period")["area_code"].nunique()
        covered = covered[covered == 3].index
        assert len(covered) > 0, f"{indicator}: some periods have all three councils"
        lep = df[(df.indicator == indicator) & (df.area_code == LEP) & df.period.isin(covered)]
        assert sorted(lep.loc[lep["value"].notna(), "period"]) == sorted(covered), \
            f"{indicator}: a home-area value for every period its members cover"
        shown = set(df.loc[(df.indicator == indicator) & (df.area_code == LEP), "period"])
        for period in set(members["period"]) - shown:
            assert not derivation(release, indicator, LEP, period)["is_computed"], \
                f"{indicator} {period}: a missing home-area figure comes with its reason"


def test_population_files_agree_within_a_year_and_the_vintage_clash_is_reported(release):
    df, warnings = release["df"], [str(w) for w in release["outcome"].log.warnings]
    mye2 = mye2_16_64(DISTRICTS + ["E10000017"])
    assert one(df, "population", "E10000017", "2023", "age=16-64")["value"] == mye2["E10000017"], \
        "2023 comes from one file (MYE2): the county row is the publisher's"
    assert mye2["E10000017"] == sum(mye2[c] for c in LANCS_E07), "MYE2's county row is the sum of its 12 districts"
    lep = one(df, "population", LEP, "2023", "age=16-64")
    assert lep["value"] == sum(mye2[c] for c in DISTRICTS), "the LEP's 2023 population is the sum of its 14 districts"
    assert any("MYE2 - Persons.csv" in w and "population_LAD.csv" in w and "different population figures" in w
               for w in warnings), "the two files' disagreement for 2023 (two vintages) is reported, naming both"


# --- Progress 8 --------------------------------------------------------------------------------------

def test_progress8_interval_and_significance_for_a_district(release):
    cells = ks4("2223_pr_lad_data_revised.csv", "Local authority district", "lad_code", ["E07000117", "E07000118"])
    for code, cell in cells.items():
        row = one(release["df"], "progress8_residency", code, "2022/23")
        low, high = number(cell["p8score_ci_low"]), number(cell["p8score_ci_upp"])
        assert (row["value"], row["lower_ci"], row["upper_ci"]) == (number(cell["avg_p8score"]), low, high), \
            f"{code}: Progress 8 and its 95% interval as published"
        expected = ("significantly above England" if low > 0 else "significantly below England" if high < 0
                    else "not significantly different from England")  # DfE: the whole interval above / below 0
        assert significance_label(row["lower_ci"], row["upper_ci"], 0.0) == expected, f"{code}: {expected}"
    burnley = cells["E07000117"]
    assert number(burnley["p8score_ci_upp"]) < 0, "Burnley's whole interval is below 0 in the published file"
    assert significance_label(*one(release["df"], "progress8_residency", "E07000117", "2022/23")[
        ["lower_ci", "upper_ci"]], 0.0) == "significantly below England", "so Burnley is significantly below"


def test_the_dashboard_can_read_the_note_for_a_computed_figure(release, monkeypatch):
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(release["out"]))
    data_access.clear_cache()
    try:
        rel = data_access.load()
        claimant = release["df"][(release["df"].indicator == "claimant_rate_annual") & (release["df"].area_code == LEP)]
        latest = claimant.sort_values("period_start")["period"].iloc[-1]
        latest_population = max(int(c) for c in records("population/population_LAD.csv")[0] if c.isdigit())
        note = rel.derivation("claimant_rate_annual", LEP, latest)
        assert note is not None and note["is_computed"], "the LEP's latest claimant rate is described"
        if int(latest) > latest_population:
            assert f"{latest} populations are not published yet" in note["note"], note["note"]
            assert note["population_year"] == latest_population, "the latest mid-year estimate stands in"
        assert rel.derivation("claimant_rate_annual", "E10000017", latest) is None, "a publisher's figure has none"
    finally:
        data_access.clear_cache()
