"""Synthetic DfE extracts: publishers' layouts, recognised by the real parsers, internally consistent."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from etl.demo import WRITERS, dfe
from etl.demo.areas import DISTRICTS, SEED
from etl.schema import validate_tidy
from etl.sources import dfe_ees
from etl.sources.base import RawFile, all_parsers, detect

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
NEET, KS4, APPS = dfe_ees.PARSERS
LANCS_DISTRICTS = [d.code for d in DISTRICTS if d.upper_tier_code == "E10000017"]


def demo_rng() -> np.random.Generator:
    """The generator ``python -m etl demo`` gives this writer."""
    return np.random.default_rng([SEED, WRITERS.index("dfe")])


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("demo")
    paths = dfe.write(out, demo_rng())
    return {p.name: p for p in paths}


@pytest.fixture(scope="module")
def parsed(demo) -> dict[str, object]:
    return {"neet": NEET.parse(RawFile.at(demo[dfe.NEET_FILE])).table,
            "ks4": KS4.parse(RawFile.at(demo[dfe.KS4_FILE])).table,
            "apps": APPS.parse(RawFile.at(demo[dfe.APPS_FILE])).table}


def test_three_files_each_recognised_by_its_parser(demo):
    assert sorted(demo) == sorted([dfe.NEET_FILE, dfe.KS4_FILE, dfe.APPS_FILE]), "three extracts written"
    for name, parser in ((dfe.NEET_FILE, NEET), (dfe.KS4_FILE, KS4), (dfe.APPS_FILE, APPS)):
        assert detect(RawFile.at(demo[name]), all_parsers()) is parser, f"{name} is recognised as {parser.name}"


def test_same_seed_same_bytes(demo, tmp_path):
    again = dfe.write(tmp_path, demo_rng())
    for path in again:
        assert path.read_bytes() == demo[path.name].read_bytes(), f"{path.name} is reproducible from the seed"


def test_parsed_demo_meets_the_tidy_contract(parsed):
    for key, df in parsed.items():
        assert validate_tidy(df.drop(columns=["source_row"])) == [], f"{key} demo rows meet the contract"


def test_neet_header_is_the_real_nccis_header(demo):
    header = demo[dfe.NEET_FILE].read_text().splitlines()[0].split(",")
    assert len(header) == 54 and header == dfe.NEET_HEADER, "54 columns in the publisher's order"
    real = REAL / "neet_participation" / "dfe_nccis_neet_participation_la_2021.csv"
    if real.exists():
        assert header == real.read_text(encoding="utf-8-sig").splitlines()[0].split(","), "same as the real file"


def test_neet_areas_years_markers_and_cohorts(demo, parsed):
    df = parsed["neet"]
    assert set(df["area_code"]) == {"E92000001", "E12000002", "E10000017", "E06000009", "E06000008"}, "areas"
    assert sorted(df["period"].unique()) == [str(y) for y in range(2018, 2026)], "calendar years 2018-2025"
    assert (df["status"] == "suppressed").sum() == 1, "exactly one suppressed value"
    text = demo[dfe.NEET_FILE].read_text()
    assert ",z," in text, "'z' appears for not-applicable cells"
    cohort = df[df["indicator"] == "neet_rate"].pivot_table(index="period", columns="area_code",
                                                            values="denominator")
    las = cohort[["E10000017", "E06000009", "E06000008"]].sum(axis=1)
    assert (cohort["E12000002"] > las).all(), "the North West cohort exceeds its three demo authorities"
    assert (cohort["E92000001"] > cohort["E12000002"]).all(), "England exceeds the North West"
    with open(demo[dfe.NEET_FILE], newline="") as fh:
        for rec in csv.DictReader(fh):
            if "c" in (rec["NEET_percent"], rec["Notknown_percent"]):
                continue
            total = float(rec["NEET_not_known_percent"])
            parts = float(rec["NEET_percent"]) + float(rec["Notknown_percent"])
            assert abs(total - parts) <= 0.11, f"NEET+NK = NEET_NK within rounding ({rec['la_name']})"


def test_ks4_authorities_are_weighted_means_of_their_districts(parsed):
    df = parsed["ks4"]
    assert sorted(df["period"].unique()) == [f"{y}/{(y + 1) % 100:02d}" for y in range(2018, 2025)], "years"
    for period, dff in df.groupby("period"):
        districts = dff[dff["area_code"].isin(LANCS_DISTRICTS)]
        county = dff[dff["area_code"] == "E10000017"].iloc[0]
        if districts["status"].eq("not_applicable").all():
            assert county["value"] > 0, f"{period}: the county figure stands without district tables"
            continue
        mean = districts["numerator"].sum() / districts["denominator"].sum()
        assert abs(mean - county["value"]) <= 0.1, f"{period}: Lancashire = pupil-weighted districts"
        assert county["denominator"] == districts["denominator"].sum(), f"{period}: pupils add up"
    blackpool = df[df["area_code"] == "E06000009"]
    assert blackpool["area_level"].eq("district").all() and len(blackpool) == 7, "unitary once a year"
    assert "provisional" in set(df["status"]), "the latest year is provisional"


def test_apprenticeship_totals_are_consistent(parsed):
    df = parsed["apps"]
    starts = df[df["indicator"] == "apprenticeship_starts"]
    assert sorted(starts["period"].unique()) == [f"{y}/{(y + 1) % 100:02d}" for y in range(2018, 2026)], "years"
    dims = {b.split("=")[0] for b in starts["breakdown"] if b != "total"}
    assert dims == {"age", "level", "sector"}, "age, level and sector breakdowns"
    for (code, period), dff in starts.groupby(["area_code", "period"]):
        total = dff[dff["breakdown"] == "total"]["value"].iloc[0]
        ages = dff[dff["breakdown"].str.startswith("age=")]
        assert len(ages) == 3 and abs(ages["value"].sum() - total) <= 15, f"{code} {period}: ages sum to the total"
    totals = starts[starts["breakdown"] == "total"].pivot_table(index="period", columns="area_code", values="value")
    districts = totals[[d.code for d in DISTRICTS]].sum(axis=1)
    assert (totals["E12000002"] > districts).all(), "the region is larger than the 14 demo districts"
    statuses = set(df["status"])
    assert {"low", "suppressed"} <= statuses, f"markers 'low' and 'c' are exercised: {statuses}"
