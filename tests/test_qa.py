"""QA flags: continuity, coverage, jumps and totals; --strict refuses a release with any."""
import shutil
from pathlib import Path

from etl.__main__ import main
from etl.qa import expected_periods
from etl.release import read_manifest

GOOD = Path(__file__).parent / "fixtures" / "build" / "good"


def test_expected_periods_fill_the_gaps():
    assert expected_periods(["2020-01", "2020-03"]) == ["2020-01", "2020-02", "2020-03"], "months in between"
    assert expected_periods(["2016/17", "2018/19"]) == ["2016/17", "2017/18", "2018/19"], "academic years"
    assert expected_periods(["2019", "2021"]) == ["2019", "2020", "2021"], "calendar years"


def test_build_writes_qa_html_and_flags_jumps(tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(GOOD, raw)
    out = tmp_path / "out"
    assert main(["build", "--raw", str(raw), "--out", str(out)]) == 0, "QA findings do not fail a normal build"
    printed = capsys.readouterr().out
    assert "QA jump" in printed and "E07000117 2020-03 -> 2020-04" in printed, \
        "Burnley's doubling from March to April is flagged"
    page = (out / "releases" / read_manifest(out)["current_release"] / "qa.html").read_text()
    assert "<h1>Quality assurance report</h1>" in page and "E07000117 2020-03" in page, "the QA report is HTML too"


def test_strict_turns_flags_into_a_failed_build(tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(GOOD, raw)
    out = tmp_path / "out"
    assert main(["build", "--raw", str(raw), "--out", str(out), "--strict"]) == 1, "strict refuses QA flags"
    assert "QA jump" in capsys.readouterr().err, "the refusal names the finding"
    assert read_manifest(out) is None, "nothing was written"
