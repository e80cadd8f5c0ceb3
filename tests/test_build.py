"""End-to-end builds on a small hand-written raw folder: aggregation, the report, and bad input.

Each bad input is added beside the good files; the build must fail naming the file (and row and
column where they apply), exit non-zero, and leave the previous release current and untouched.
"""
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl.__main__ import main
from etl.build import build
from etl.release import read_manifest

GOOD = Path(__file__).parent / "fixtures" / "build" / "good"
NOMIS_HEADER = ("DATE_NAME,GEOGRAPHY_NAME,GEOGRAPHY_CODE,GENDER_NAME,AGE_NAME,MEASURE_NAME,MEASURES_NAME,"
                "OBS_VALUE,OBS_STATUS\n")
COUNT = "Total,All categories: Age 16+,Claimant count,Value"


def current_table(out: Path) -> pd.DataFrame:
    manifest = read_manifest(out)
    return pd.read_parquet(out / "releases" / manifest["current_release"] / "indicators.parquet")


def pick(df, indicator, code, period):
    hit = df[(df.indicator == indicator) & (df.area_code == code) & (df.period == period) & (df.breakdown == "total")]
    assert len(hit) == 1, f"one {indicator} row for {code} {period}"
    return hit.iloc[0]


@pytest.fixture
def good_raw(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(GOOD, raw)
    return raw


@pytest.fixture(scope="module")
def good_release(tmp_path_factory) -> Path:
    """A processed folder whose current release `python -m etl build` made from the good folder (once)."""
    out = tmp_path_factory.mktemp("good") / "processed"
    assert main(["build", "--raw", str(GOOD), "--out", str(out)]) == 0, "the good folder builds"
    return out


def test_good_build_aggregates_and_reports(good_raw, tmp_path):
    out = tmp_path / "processed"
    outcome = build(good_raw, out)
    df = current_table(out)
    assert pick(df, "claimant_count", "E37000019", "2020-03")["value"] == 3000, "LEP count = sum of its districts"
    lep_rate = pick(df, "claimant_rate", "E37000019", "2020-03")
    assert lep_rate["value"] == pytest.approx(3000 / 150000 * 100), "LEP rate = sum counts / sum residents"
    assert lep_rate["derived"], "the LEP value is marked as computed here"
    region = pick(df, "claimant_count", "E12000002", "2020-03")
    assert region["value"] == 3005 and not region["derived"], "the publisher's own region figure is kept"
    pendle = pick(df, "claimant_count", "E07000122", "2020-04")
    assert pd.isna(pendle["value"]) and pendle["status"] == "not_available", "missing stays missing, never 0"
    assert pd.isna(pick(df, "claimant_count", "E37000019", "2020-04")["value"]), \
        "an aggregate with a missing member is missing too"
    report = (out / "releases" / outcome.release_id / "validation.txt").read_text()
    assert "ons_nomis_claimant_count" in report and "2020-03 to 2020-04" in report, "report lists sources and periods"
    assert "2 compared" in report, "report compares our aggregates with the publisher's own"
    meta = json.loads((out / "manifest.json").read_text())["release"]
    files = [f for s in meta["sources"] for f in s["files"]]
    assert all(len(f["sha256"]) == 64 for f in files), "every file's checksum is in the manifest"
    assert meta["is_demo"] is False, "a real build is not marked demo"


def test_same_inputs_same_table(good_raw, tmp_path):
    build(good_raw, tmp_path / "a")
    build(good_raw, tmp_path / "b")
    ha = read_manifest(tmp_path / "a")["release"]["table_sha256"]
    hb = read_manifest(tmp_path / "b")["release"]["table_sha256"]
    assert ha == hb, "the same inputs give byte-identical indicator tables"


BAD_INPUTS = {
    # name: (file name, content, substrings the message must contain)
    "empty file": ("empty.csv", b"", ["'empty.csv'", "empty"]),
    "blank lines only": ("blank.csv", b"\n\n  \n", ["'blank.csv'", "empty"]),
    "unknown layout": ("mystery.csv", b"foo,bar,baz\n1,2,3\n", ["'mystery.csv'", "layout is not one we know",
                                                                "foo, bar, baz"]),
    "binary junk": ("junk.dat", bytes(range(256)) * 4, ["'junk.dat'", "layout is not one we know"]),
    "wrong encoding": ("latin1.csv", (NOMIS_HEADER + f"March 2020,Ynys M\xf4n Pendle,E07000122,{COUNT},5,A\n"
                                      ).encode("cp1252"), ["'latin1.csv'", "UTF-8", "row 2"]),
    "text in a number column": ("text.csv", (NOMIS_HEADER + f"May 2020,Burnley,E07000117,{COUNT},abc,A\n").encode(),
                                ["'text.csv'", "row 2", "OBS_VALUE", "abc"]),
    "duplicate rows": ("dupes.csv", (NOMIS_HEADER + f"May 2020,Burnley,E07000117,{COUNT},5,A\n" * 2).encode(),
                       ["'dupes.csv'", "duplicate"]),
    "unknown area code": ("unknown_area.csv", (NOMIS_HEADER + f"May 2020,Nowhere,E99999999,{COUNT},5,A\n").encode(),
                          ["'unknown_area.csv'", "E99999999"]),
    "malformed area code": ("bad_code.csv", (NOMIS_HEADER + f"May 2020,Burnley,E0700117,{COUNT},5,A\n").encode(),
                            ["'bad_code.csv'", "E0700117"]),
    "missing required column": ("no_value.csv", (NOMIS_HEADER.replace(",OBS_VALUE", "") +
                                                 f"May 2020,Burnley,E07000117,{COUNT},A\n").encode(),
                                ["'no_value.csv'"]),
    "truncated file": ("truncated.csv", (NOMIS_HEADER + f"May 2020,Burnley,E07000117,{COUNT},5,A\nJune 2020,Burnl"
                                         ).encode(), ["'truncated.csv'", "row 3"]),
    "bad date": ("bad_date.csv", (NOMIS_HEADER + f"Smarch 2020,Burnley,E07000117,{COUNT},5,A\n").encode(),
                 ["'bad_date.csv'", "row 2", "Smarch 2020"]),
    "unknown measure": ("bad_measure.csv", (NOMIS_HEADER + "May 2020,Burnley,E07000117,Total,All categories: Age "
                                            "16+,Claimants per hectare,Value,5,A\n").encode(),
                        ["'bad_measure.csv'", "row 2", "Claimants per hectare"]),
    "unknown district name": ("names.csv", b"year,level,la_name,SSA,Age,Starts,Achievements\n"
                                           b"201617,Totals,Atlantis,Totals,Totals,10,5\n",
                              ["'names.csv'", "row 2", "Atlantis"]),
    "corrupt spreadsheet": ("broken.xlsx", b"PK\x03\x04" + b"not really a zip" * 10, ["'broken.xlsx'"]),
    "negative count": ("negative.csv", (NOMIS_HEADER + f"May 2020,Burnley,E07000117,{COUNT},-5,A\n").encode(),
                       ["negative.csv"]),
}


@pytest.mark.bad_input
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_clearly_and_keeps_the_previous_release(case, good_raw, good_release, tmp_path, capsys):
    name, content, expected = BAD_INPUTS[case]
    out = tmp_path / "processed"
    shutil.copytree(good_release, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    (good_raw / "more").mkdir()
    (good_raw / "more" / name).write_bytes(content)
    code = main(["build", "--raw", str(good_raw), "--out", str(out)])
    err = capsys.readouterr().err
    assert code != 0, f"{case}: the build must fail"
    assert "Traceback" not in err, f"{case}: an expected failure prints no traceback"
    for text in expected:
        text = text.replace(f"'{name}'", f"'more/{name}'")  # files in sub-folders are named by their path
        assert text in err, f"{case}: the message should contain {text!r}; got:\n{err}"
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, f"{case}: the previous release and manifest stay untouched"


def test_all_problems_of_a_run_are_reported_together(good_raw, tmp_path, capsys):
    (good_raw / "a.csv").write_bytes(b"")
    (good_raw / "b.csv").write_bytes((NOMIS_HEADER + f"May 2020,Burnley,E07000117,{COUNT},abc,A\n").encode())
    assert main(["build", "--raw", str(good_raw), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "'a.csv'" in err and "'b.csv'" in err, "one report lists the problems of every file"


def test_missing_raw_folder(tmp_path, capsys):
    assert main(["build", "--raw", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 1
    assert "does not exist" in capsys.readouterr().err, "a missing raw folder is named"


def test_validate_does_not_write(good_raw, tmp_path, capsys):
    out = tmp_path / "processed"
    assert main(["validate", "--raw", str(good_raw), "--out", str(out)]) == 0
    assert "ons_nomis_claimant_count" in capsys.readouterr().out, "validate prints the per-source report"
    assert not out.exists(), "validate writes nothing"


def test_releases_and_use(good_raw, tmp_path, capsys):
    out = tmp_path / "processed"
    main(["build", "--raw", str(good_raw), "--out", str(out)])
    first = read_manifest(out)["current_release"]
    (good_raw / "claimant_nomis_api.csv").write_text(
        (GOOD / "claimant_nomis_api.csv").read_text().replace("1000,A", "1005,A"))
    main(["build", "--raw", str(good_raw), "--out", str(out)])
    second = read_manifest(out)["current_release"]
    assert first != second, "a changed input gives a new release"
    capsys.readouterr()
    assert main(["releases", "--out", str(out)]) == 0
    listing = capsys.readouterr().out
    assert first in listing and f"* {second}" in listing, "releases lists both and marks the current one"
    assert main(["use", first, "--out", str(out)]) == 0
    assert read_manifest(out)["current_release"] == first, "use switches back to the older release"
    assert main(["use", "no-such-release", "--out", str(out)]) == 1, "an unknown release id is an error"


def test_lookups_alone_are_a_clear_failure(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    for lookup in GOOD.glob("lookup_*.csv"):
        (raw / lookup.name).write_bytes(lookup.read_bytes())
    assert main(["build", "--raw", str(raw), "--out", str(tmp_path / "out")]) == 1, "no data, no release"
    err = capsys.readouterr().err
    assert "no indicator rows" in err and "Traceback" not in err, "a folder of lookups only says what is missing"
