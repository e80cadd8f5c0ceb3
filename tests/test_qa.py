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


def test_coverage_names_the_period_that_starts_last():
    """The latest period is the one whose rows start last (each period's first row gives its start), not the
    last text; areas missing from it are named."""
    import pandas as pd

    from etl.qa import coverage_findings

    rows = [("2023", "2024-01-01", "E07000117"), ("2023", "2024-01-01", "E07000118"),
            ("2024", "2023-01-01", "E07000117"), ("2022", "2022-01-01", "E07000118")]
    df = pd.DataFrame({"indicator": "population", "breakdown": "total", "period": [r[0] for r in rows],
                       "period_start": pd.to_datetime([r[1] for r in rows]), "area_code": [r[2] for r in rows]})
    findings = coverage_findings(df, ["E07000117", "E07000118", "E07000119"], [])
    coverage = [f.message for f in findings if f.check == "coverage"]
    assert coverage == ["latest period 2023 has no value row for E07000119, E92000001"], coverage
