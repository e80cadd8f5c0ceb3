"""`python -m etl diff`: two tiny hand-made releases, one change of each kind, and the CLI on them."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from etl import diff
from etl.schema import tidy_frame

HOME = "E37000019"  # Lancashire LEP
BURNLEY, CHORLEY, FYLDE, PRESTON = "E07000117", "E07000118", "E07000119", "E07000123"
NAMES = {BURNLEY: "Burnley", CHORLEY: "Chorley", FYLDE: "Fylde", PRESTON: "Preston", "E12000002": "North West",
         "E92000001": "England", HOME: "Lancashire"}
LEVELS = {"E12000002": "region", "E92000001": "country", HOME: "lep"}
CC = "ons_nomis_claimant_count"


def row(indicator, code, period, value, *, unit="percent", source=CC, status="ok", derived=False, breakdown="total"):
    return {"indicator": indicator, "area_code": code, "area_name": NAMES[code],
            "area_level": LEVELS.get(code, "district"), "period": period, "value": value,
            "status": status, "unit": unit, "source": source, "derived": derived, "breakdown": breakdown}


def old_rows():
    return [
        row("claimant_rate", BURNLEY, "2020-03", 3.0), row("claimant_rate", CHORLEY, "2020-03", 2.0),
        row("claimant_rate", FYLDE, "2020-03", 4.0), row("claimant_rate", PRESTON, "2020-03", 5.0),
        row("claimant_count", BURNLEY, "2020-03", 1235, unit="count"),
        row("claimant_count", CHORLEY, "2020-03", 980, unit="count"),
        row("claimant_rate", "E12000002", "2020-03", 3.1),
        row("claimant_rate", HOME, "2020-03", 3.4, derived=True),
        row("neet_nk_rate", "E12000002", "2021", 5.6, source="dfe_neet_participation"),
    ]


def new_rows():
    return [
        # March revised: Burnley beyond rounding (+0.2), Chorley within rounding (+0.04 is float noise of 1 dp)
        row("claimant_rate", BURNLEY, "2020-03", 3.2), row("claimant_rate", CHORLEY, "2020-03", 2.04),
        row("claimant_rate", FYLDE, "2020-03", 4.0),
        # Preston's March value withdrawn (suppressed): a status change, not a revision
        row("claimant_rate", PRESTON, "2020-03", math.nan, status="suppressed"),
        # counts: +5 is one rounding step (not a revision), +20 is
        row("claimant_count", BURNLEY, "2020-03", 1240, unit="count"),
        row("claimant_count", CHORLEY, "2020-03", 1000, unit="count"),
        # a new month: Burnley falls to best, Chorley drops
        row("claimant_rate", BURNLEY, "2020-04", 1.5), row("claimant_rate", CHORLEY, "2020-04", 6.0),
        row("claimant_rate", FYLDE, "2020-04", 4.5), row("claimant_rate", PRESTON, "2020-04", 5.5),
        row("claimant_rate", "E12000002", "2020-04", 5.0),
        # derived aggregates move with their inputs: never reported as revisions
        row("claimant_rate", HOME, "2020-03", 9.9, derived=True),
        # England is new in this release; the North West NEET row has gone
        row("claimant_rate", "E92000001", "2020-04", 5.8),
        row("claimant_rate", "E12000002", "2020-03", 3.1),
    ]


def areas_frame():
    rows = [{"area_code": c, "area_name": NAMES[c], "area_level": "district", "upper_tier_code": "E10000017",
             "lep_code": HOME, "lsip_code": "E69000019", "combined_authority_code": None,
             "region_code": "E12000002", "country_code": "E92000001"} for c in (BURNLEY, CHORLEY, FYLDE, PRESTON)]
    rows.append({"area_code": "E07000001", "area_name": "Elsewhere", "area_level": "district", "upper_tier_code": None,
                 "lep_code": "E37000001", "lsip_code": None, "combined_authority_code": None,
                 "region_code": "E12000001", "country_code": "E92000001"})
    rows.append({"area_code": HOME, "area_name": "Lancashire", "area_level": "lep", "upper_tier_code": None,
                 "lep_code": None, "lsip_code": None, "combined_authority_code": None, "region_code": None,
                 "country_code": "E92000001"})
    return pd.DataFrame(rows).astype("string")


@pytest.fixture
def result():
    districts = diff.home_districts(areas_frame(), HOME)
    return diff.diff_releases(tidy_frame(old_rows()), tidy_frame(new_rows()), {"id": "r1"},
                              {"id": "r2", "home_area_code": HOME}, districts)


def test_home_districts_come_from_the_lep_column():
    assert diff.home_districts(areas_frame(), HOME) == [BURNLEY, CHORLEY, FYLDE, PRESTON], \
        "the home area's districts are those whose lep_code is the home code"
    assert diff.home_districts(areas_frame(), "E12000002") == [BURNLEY, CHORLEY, FYLDE, PRESTON], \
        "a region as home area selects its districts through region_code"


def test_new_periods_per_source_and_indicator(result):
    periods = {(p["source"], p["indicator"]): p["periods"] for p in result["new_periods"]}
    assert periods == {(CC, "claimant_rate"): ["2020-04"]}, f"only April claimant rate is new, got {periods}"
    assert result["new_periods"][0]["latest"] == "2020-04", "the latest new period is named"


def test_revisions_beyond_rounding_only(result):
    found = {(r["indicator"], r["area_code"]): r for r in result["revisions"]}
    burnley = found.get(("claimant_rate", BURNLEY))
    assert burnley is not None and burnley["change"] == pytest.approx(0.2), \
        "a 0.2 point change in a 1 dp rate is a revision"
    assert ("claimant_rate", CHORLEY) not in found, "0.04 is within half a unit of the last decimal (0.05)"
    assert ("claimant_count", CHORLEY) in found and ("claimant_count", BURNLEY) not in found, \
        "counts rounded to 5: +20 is a revision, +5 (one rounding step) is not"
    assert all(r["area_code"] != HOME for r in result["revisions"]), "derived aggregates are not revisions"
    assert result["revisions_by_indicator"] == {"claimant_count": 1, "claimant_rate": 1}, "counts per indicator"
    assert found[("claimant_rate", BURNLEY)]["is_home_area"], "home-area rows are flagged (and listed first)"


def test_status_changes_are_reported_separately(result):
    changes = [(c["area_code"], c["old_status"], c["new_status"]) for c in result["status_changes"]]
    assert changes == [(PRESTON, "ok", "suppressed")], f"Preston's withdrawn value is a status change: {changes}"


def test_areas_added_and_removed(result):
    assert [a["area_code"] for a in result["areas_added"]] == ["E92000001"], "England is new in the new release"
    assert result["areas_removed"] == [], "no area code disappears (North West is still there for claimants)"
    old = tidy_frame(old_rows() + [row("claimant_rate", "E92000001", "2020-03", 3.0)])
    new = tidy_frame([r for r in new_rows() if r["area_code"] != PRESTON])
    removed = diff.diff_releases(old, new, {"id": "a"}, {"id": "b"}, [])["areas_removed"]
    assert [a["area_code"] for a in removed] == [PRESTON], "a district missing from the new release is removed"


def test_rank_moves_among_home_districts(result):
    block = next(b for b in result["rank_moves"] if b["indicator"] == "claimant_rate")
    assert (block["old_period"], block["new_period"]) == ("2020-03", "2020-04"), "each release's latest period"
    moves = {m["area_code"]: (m["old_rank"], m["new_rank"], m["change"]) for m in block["moves"]}
    assert moves[BURNLEY] == (2, 1, 1), f"Burnley: 2nd -> 1st (lower is better), got {moves[BURNLEY]}"
    assert moves[CHORLEY] == (1, 4, -3), f"Chorley: 1st -> 4th, got {moves[CHORLEY]}"
    assert moves[PRESTON] == (4, 3, 1), f"Preston: 4th -> 3rd, got {moves[PRESTON]}"
    assert "E12000002" not in moves, "only the home area's districts are ranked"
    assert result["summary"]["rank_moves"] == 4, "every district moved"


def test_rank_ties_share_the_better_rank_and_higher_is_better():
    rows = [row("attainment8", c, "2022/23", v, unit="score", source="dfe_ks4_performance")
            for c, v in ((BURNLEY, 44.0), (CHORLEY, 48.0), (FYLDE, 48.0))]
    period, ranks = diff.district_ranks(tidy_frame(rows), "attainment8", [BURNLEY, CHORLEY, FYLDE])
    assert period == "2022/23", "the latest period with two or more districts"
    assert dict(zip(ranks["area_code"], ranks["rank"])) == {CHORLEY: 1, FYLDE: 1, BURNLEY: 3}, \
        "higher Attainment 8 is better; ties share rank 1"


def test_text_mentions_each_kind_of_change(result):
    text = diff.render_text({**result, "home_area_name": "Lancashire"})
    for expected in ("release r1 -> r2", "Claimant rate [ons_nomis_claimant_count]: 2020-04",
                     "Burnley 2020-03: 3.0 -> 3.2 (+0.2)", "Chorley 2020-03: 980 -> 1,000 (+20)",
                     "E92000001 England (country)", "Chorley: 1st -> 4th (down 3)", "Lancashire's districts",
                     "suppressed"):
        assert expected in text, f"the text report should contain {expected!r}:\n{text}"


def write_release(processed, release_id, rows, created):
    folder = processed / "releases" / release_id
    folder.mkdir(parents=True)
    tidy_frame(rows).to_parquet(folder / "indicators.parquet")
    areas_frame().to_parquet(folder / "areas.parquet")
    meta = {"id": release_id, "created": created, "is_demo": False, "home_area_code": HOME, "sources": []}
    (folder / "release.json").write_text(json.dumps(meta), encoding="utf-8")
    return meta


def test_cli_defaults_to_previous_and_current_release(tmp_path, capsys):
    processed = tmp_path / "processed"
    write_release(processed, "2026-10-20T0900", old_rows(), "2026-10-20T09:00:00Z")
    current = write_release(processed, "2026-11-24T0900", new_rows(), "2026-11-24T09:00:00Z")
    manifest = {"schema_version": 1, "current_release": "2026-11-24T0900", "release": current,
                "releases": [{"id": "2026-11-24T0900", "created": "2026-11-24T09:00:00Z", "is_demo": False},
                             {"id": "2026-10-20T0900", "created": "2026-10-20T09:00:00Z", "is_demo": False}]}
    (processed / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert diff.main(["--processed", str(processed)]) == 0, "the diff CLI should succeed"
    out = capsys.readouterr().out
    assert "release 2026-10-20T0900 -> 2026-11-24T0900" in out, f"defaults: previous -> current\n{out}"
    written = processed / "releases" / "2026-11-24T0900" / "diff.json"
    doc = json.loads(written.read_text(encoding="utf-8"))
    assert doc["schema_version"] == 1 and doc["home_area_name"] == "Lancashire", "diff.json is written in the release"
    assert doc["summary"]["revisions"] == 2 and doc["summary"]["areas_added"] == 1, f"summary: {doc['summary']}"
    assert (written.parent / "diff.txt").read_text(encoding="utf-8").startswith("What changed"), "diff.txt too"
    out_dir = tmp_path / "elsewhere"
    assert diff.main(["2026-11-24T0900", "2026-10-20T0900", "--processed", str(processed), "--out", str(out_dir)]) == 0
    reverse = json.loads((out_dir / "diff.json").read_text(encoding="utf-8"))
    assert reverse["new_release"] == "2026-10-20T0900", "explicit OLD NEW are honoured and --out redirects the files"
    assert [(p["indicator"], p["periods"]) for p in reverse["new_periods"]] == [("neet_nk_rate", ["2021"])], \
        "reversed, only the NEET period that the newer release lacks is 'new'"


def test_cli_with_a_single_release_explains_there_is_nothing_to_compare(tmp_path, capsys):
    processed = tmp_path / "processed"
    current = write_release(processed, "only", new_rows(), "2026-11-24T09:00:00Z")
    (processed / "manifest.json").write_text(json.dumps(
        {"schema_version": 1, "current_release": "only", "release": current,
         "releases": [{"id": "only", "created": "2026-11-24T09:00:00Z", "is_demo": False}]}), encoding="utf-8")
    assert diff.main(["--processed", str(processed)]) == 2, "one release only: nothing to compare"
    assert "no earlier release" in capsys.readouterr().err, "the message says why"
    assert diff.main(["nope", "only", "--processed", str(processed)]) == 2, "an unknown release id is an error"


def _without_timestamp(doc):
    return {k: v for k, v in doc.items() if k != "created"}


def _scrambled_categories(df):
    """``df``'s text columns as categoricals whose categories are in reverse order plus one unused (as Parquet's
    dictionaries come: neither sorted nor the other release's)."""
    df = df.copy()
    for column in ("indicator", "area_code", "area_name", "area_level", "period", "breakdown", "status", "source"):
        values = df[column].astype(object)
        seen = sorted({v for v in values if isinstance(v, str)}, reverse=True)
        df[column] = pd.Categorical(values, categories=seen + [f"unused-{column}"])
    return df


def test_categorical_tables_give_the_same_diff():
    districts = diff.home_districts(areas_frame(), HOME)
    meta = ({"id": "r1"}, {"id": "r2", "home_area_code": HOME})
    as_texts = diff.diff_releases(tidy_frame(old_rows()), tidy_frame(new_rows()), *meta, districts)
    as_codes = diff.diff_releases(_scrambled_categories(tidy_frame(old_rows())),
                                  _scrambled_categories(tidy_frame(new_rows())), *meta, districts)
    assert _without_timestamp(as_codes) == _without_timestamp(as_texts), \
        "categorical tables (categories unsorted, different in each release) give the text tables' diff"


def _random_release(seed, n=400):
    rng = np.random.default_rng(seed)
    rows = [row(ind, code, period, float(rng.integers(0, 40)) * (10 if ind == "claimant_count" else 0.1), breakdown=b,
                unit="count" if ind == "claimant_count" else "percent")
            for ind in ("claimant_rate", "claimant_count") for code in (BURNLEY, CHORLEY, FYLDE, PRESTON)
            for period in ("2020-01", "2020-02", "2020-03") for b in ("total", "male", "female")]
    df = tidy_frame(rows).sample(frac=0.8, random_state=seed).reset_index(drop=True)  # rows in another order
    df.loc[rng.random(len(df)) < 0.1, "value"] = math.nan
    df.loc[rng.random(len(df)) < 0.1, "derived"] = True
    return df


def _merged_reference(old_df, new_df):
    """The value revisions and status changes as an inner merge on KEY finds them (the diff's definition)."""
    cols = diff.KEY + ["value"]
    both = old_df.loc[~old_df["derived"], cols].merge(new_df.loc[~new_df["derived"], cols], on=diff.KEY,
                                                      suffixes=("_old", "_new"), how="inner")
    limit = both["indicator"].map(diff.tolerance).astype(float)
    has_old, has_new = both["value_old"].notna(), both["value_new"].notna()
    change = (both["value_new"] - both["value_old"]).abs()
    return both[has_old & has_new & (change > limit + 1e-9)], both[has_old != has_new]


def test_revisions_pair_rows_as_a_merge_on_the_key_does():
    old_df, new_df = _random_release(1), _random_release(2)
    revised, status = diff.revisions(_scrambled_categories(old_df), new_df, {BURNLEY})
    want_revised, want_status = _merged_reference(old_df, new_df)
    assert len(revised) > 20 and len(status) >= 5, "the random releases should differ in both ways"
    columns = diff.KEY + ["value_old", "value_new"]
    got = revised[columns].sort_values(diff.KEY).reset_index(drop=True)
    want = want_revised[columns].sort_values(diff.KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(got.astype({c: object for c in diff.KEY}), want.astype({c: object for c in diff.KEY}))
    assert sorted(map(tuple, status[diff.KEY].to_numpy())) == sorted(map(tuple, want_status[diff.KEY].to_numpy())), \
        "status changes: the same keys as the merge finds"
    ties = revised[~revised["is_home_area"]]
    assert (ties["size"].diff().dropna() <= 0).all(), "revisions listed largest first after the home area's"


def test_keys_renumbered_before_they_overflow_pair_the_same_rows(monkeypatch):
    old_df, new_df = _random_release(3), _random_release(4)
    wide_revised, wide_status = diff.revisions(old_df, new_df, {BURNLEY})
    monkeypatch.setattr(diff, "KEY_LIMIT", 8)  # every column's codes now force a dense renumbering first
    revised, status = diff.revisions(old_df, new_df, {BURNLEY})
    assert len(revised) > 20, "the random releases should have revisions"
    pd.testing.assert_frame_equal(revised, wide_revised)
    pd.testing.assert_frame_equal(status, wide_status)


def test_a_release_is_read_with_the_diffs_columns_only(tmp_path):
    write_release(tmp_path, "r1", old_rows(), "2026-10-20T09:00:00Z")
    _, df, _, _ = diff.load_release(tmp_path, "r1")
    assert list(df.columns) == diff.READ_COLUMNS, "only the columns the diff uses are read"
    assert all(isinstance(df[c].dtype, pd.CategoricalDtype) for c in diff.KEY), "texts are read as categoricals"
    full = pd.read_parquet(tmp_path / "releases" / "r1" / "indicators.parquet")
    doc = diff.diff_releases(df, tidy_frame(new_rows()), {"id": "r1"}, {"id": "r2"}, [BURNLEY, CHORLEY])
    reference = diff.diff_releases(full, tidy_frame(new_rows()), {"id": "r1"}, {"id": "r2"}, [BURNLEY, CHORLEY])
    assert _without_timestamp(doc) == _without_timestamp(reference), "the narrow read gives the same diff"
