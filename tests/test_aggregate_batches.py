"""Indicators are combined in batches and joined a bounded number of rows at a time (etl.aggregate): how the
work is cut up must never change a figure, a note or a derivation. Checked on the real extracts, whose
sixteen aggregated indicators cover every rule (sums, ratios of counts, population-weighted rates,
weighted means), failures of every kind and council codes that changed."""
from __future__ import annotations

from pathlib import Path

import os
import subprocess
import sys

import pandas as pd
import pytest

import etl.aggregate as aggregation
import etl.build as build
import etl.member_rows as member_rows

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"

pytestmark = [pytest.mark.real, pytest.mark.skipif(
    not REAL.is_dir(), reason="../shared/data/real not present: real-extract tests need the shared folder beside "
                              "the repo")]


@pytest.fixture(scope="module")
def inputs():
    return real_inputs()


def real_inputs() -> dict:
    """(published table, geography, indicators table) as a real build hands them to aggregate and to the
    comparator groups."""
    seen = {}
    aggregate, build_groups = build.aggregate, build.build_groups

    def keep_aggregate(published, geo):
        seen["published"], seen["geo"] = published, geo
        return aggregate(published, geo)

    def keep_groups(parsed, geo, indicators):
        seen["indicators"] = indicators
        return build_groups(parsed, geo, indicators)

    build.aggregate, build.build_groups = keep_aggregate, keep_groups
    try:
        build.run(REAL)
    finally:
        build.aggregate, build.build_groups = aggregate, build_groups
    return seen


@pytest.fixture(autouse=True)
def one_process(monkeypatch):
    """Batches are counted (and the work spied on) in this process: no forked worker takes any
    (``test_two_processes_give_the_same_figures`` checks the pool)."""
    monkeypatch.setenv("PDP_BUILD_WORKERS", "1")


def batches_seen(monkeypatch) -> list[int]:
    """The number of indicators in each batch aggregate combines (recorded as it plans them)."""
    sizes = []
    plans = aggregation._indicator_plans

    def counted(*args, **kwargs):
        planned = plans(*args, **kwargs)
        sizes.extend(len(plan.plain) + len(plan.weighted) for plan in planned)
        return planned

    monkeypatch.setattr(aggregation, "_indicator_plans", counted)
    return sizes


def same_result(got, want):
    for name in ("rows", "comparisons", "derivations"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), check_exact=True, obj=name)
    assert got.notes == want.notes


def test_one_indicator_at_a_time_gives_the_batched_figures(inputs, monkeypatch):
    sizes = batches_seen(monkeypatch)
    batched = aggregation.aggregate(inputs["published"], inputs["geo"])
    assert sizes == [16], "the real extracts' sixteen aggregated indicators are combined in one batch"
    assert len(batched.rows) > 10_000 and len(batched.comparisons) > 500, "the real build derives many figures"
    assert set(batched.derivations["is_computed"]) == {True, False}, "some aggregates could not be computed"
    assert batched.notes, "the report explains the aggregates left out"
    sizes.clear()
    monkeypatch.setattr(aggregation, "BATCH_ROWS", 1)
    alone = aggregation.aggregate(inputs["published"], inputs["geo"])
    assert sizes == [1] * 16, "a batch of one row's budget holds one indicator"
    same_result(alone, batched)


def test_joining_a_few_rows_at_a_time_gives_the_same_figures(inputs, monkeypatch):
    whole = aggregation.aggregate(inputs["published"], inputs["geo"])
    chunks = []
    period_chunks = member_rows.period_chunks

    def counted(periods):
        for rows in period_chunks(periods):
            chunks.append(rows)
            yield rows

    combined = []
    combine = aggregation.combine

    def counted_combine(merged, *args):
        combined.append(merged["parent_level"].nunique())
        return combine(merged, *args)

    monkeypatch.setattr(member_rows, "JOINED_ROWS", 2_000)
    monkeypatch.setattr(aggregation, "BATCH_ROWS", 2_000)
    monkeypatch.setattr(aggregation, "period_chunks", counted)
    monkeypatch.setattr(aggregation, "combine", counted_combine)
    cut = aggregation.aggregate(inputs["published"], inputs["geo"])
    assert sum(rows is not None for rows in chunks) > 30, "periods were taken apart"
    assert sum(levels == 1 for levels in combined) > 100, "levels were combined one at a time"
    same_result(cut, whole)


def test_comparator_groups_are_the_same_one_indicator_at_a_time(inputs, monkeypatch):
    table = inputs["indicators"]
    districts = sorted(table.loc[table["area_level"] == "district", "area_code"].astype(str).unique())[:60]
    members = pd.DataFrame([(owner, "similar", districts[(i + k) % len(districts)])
                            for i, owner in enumerate(districts) for k in range(1, 6)],
                           columns=["area_code", "group", "member_code"])
    batched = aggregation.aggregate_groups(table, members, breakdown="total")
    assert batched["indicator"].nunique() > 5 and len(batched) > 1_000, "groups get figures for many indicators"
    monkeypatch.setattr(aggregation, "BATCH_ROWS", 1)
    alone = aggregation.aggregate_groups(table, members, breakdown="total")
    pd.testing.assert_frame_equal(alone, batched, check_exact=True)


def reference_tier_coverage(units, members, districts):
    """The councils' coverage as plain merges and a groupby (how it was first written)."""
    present = units[["indicator", "area_code", "period", "breakdown"]].drop_duplicates().rename(
        columns={"area_code": "unit_code"})
    covered = present.merge(members[["unit_code", "parent_code", "parent_level"]], on="unit_code").merge(
        districts, on="unit_code")
    grouped = covered.groupby(["indicator", "parent_code", "parent_level", "period", "breakdown"])["district"]
    have = grouped.nunique()
    return have.where(grouped.size() == have, -1)


def test_councils_coverage_counts_each_district_once_or_flags_it(inputs):
    from etl.coverage import TierCoverage, membership, tier_districts

    geo, published = inputs["geo"], inputs["published"]
    members, districts = membership(geo, "upper_tier"), tier_districts(geo)
    units = aggregation._units(published, "upper_tier")
    # an old council given beside its successor: a district of the successor's is then covered twice
    council = districts["unit_code"].iloc[0]
    twice = pd.concat([districts, districts[districts["unit_code"] == council].assign(unit_code="E10999999")])
    twice_members = pd.concat([members, members[members["unit_code"] == council].assign(unit_code="E10999999")])
    doubled = pd.concat([units, units[units["area_code"] == council].assign(
        area_code=pd.Categorical(["E10999999"] * int((units["area_code"] == council).sum())))], ignore_index=True)
    for units_, members_, districts_ in ((units, members, districts), (doubled, twice_members, twice)):
        got = TierCoverage(members_, districts_)(units_)
        want = reference_tier_coverage(units_, members_, districts_)
        assert len(got) == len(want) > 1000, "one count per group the councils' rows reach"
        got = got.reindex(want.index)
        assert got.notna().all() and (got.to_numpy() == want.to_numpy()).all()
    assert (want == -1).any(), "the doubled council's parents are flagged"


def compare_on_two_processes(pids_file: str) -> None:
    """Run in a fresh process (the pool forks only from a process with one thread): aggregate the real
    extracts in one process and on two; print SAME, or SKIP where this machine cannot fork a pool."""
    import etl.fork_pool as pool

    os.environ["PDP_BUILD_WORKERS"] = "1"
    seen = real_inputs()
    alone = aggregation.aggregate(seen["published"], seen["geo"])
    os.environ["PDP_BUILD_WORKERS"] = "2"
    if pool.workers_for([10**6] * 2, minimum=0) != 2:
        print("SKIP")
        return
    aggregated = aggregation._aggregated

    def noted(*args):
        with open(pids_file, "a") as out:
            out.write(f"{os.getpid()}\n")
        return aggregated(*args)

    aggregation._aggregated = noted
    shared = aggregation.aggregate(seen["published"], seen["geo"])
    same_result(shared, alone)
    print("SAME")


def test_two_processes_give_the_same_figures(tmp_path):
    pids = tmp_path / "pids"
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"from tests.test_aggregate_batches import compare_on_two_processes as c; c({str(pids)!r})")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-4000:]
    if out.stdout.split()[-1] == "SKIP":
        pytest.skip("a forked worker cannot be used here (no fork, or one usable core)")
    assert out.stdout.split()[-1] == "SAME"
    workers = set(pids.read_text().split())
    assert len(workers) == 2, "the batches were shared between this process and a forked worker"
