"""DfE FE data library district table (names only): fixture, bad inputs, the real 2016/17 table."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from etl.errors import SourceFormatError
from etl.schema import validate_tidy
from etl.sources import dfe_fe_library
from etl.sources.base import RawFile, all_parsers, detect

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dfe"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
PARSER = dfe_fe_library.PARSERS[0]


def fixture_variant(tmp_path: Path, edit) -> RawFile:
    lines = (FIXTURES / "fe_library.csv").read_text().splitlines()
    path = tmp_path / "fe_library.csv"
    path.write_text("\n".join(edit(lines)) + "\n")
    return RawFile.at(path)


def parse_error(raw: RawFile) -> str:
    with pytest.raises(SourceFormatError) as exc:
        PARSER.parse(raw)
    return str(exc.value)


def test_fixture_is_recognised_by_this_parser_alone():
    assert detect(RawFile.at(FIXTURES / "fe_library.csv"), all_parsers()) is PARSER, "header decides the layout"


def test_fixture_gives_exactly_the_expected_rows():
    result = PARSER.parse(RawFile.at(FIXTURES / "fe_library.csv"))
    got = [tuple(None if isinstance(v, float) and math.isnan(v) else v for v in rec) for rec in result.table[
        ["indicator", "area_code", "area_name", "area_level", "period", "breakdown", "value", "status",
         "source_row"]].itertuples(index=False)]
    assert got == [
        ("apprenticeship_starts", None, "Blackpool", "district", "2016/17", "total", 1900.0, "ok", 2),
        ("apprenticeship_achievements", None, "Blackpool", "district", "2016/17", "total", 1100.0, "ok", 2),
        ("apprenticeship_starts", None, "Blackpool", "district", "2016/17", "age=Under 19", 700.0, "ok", 3),
        ("apprenticeship_achievements", None, "Blackpool", "district", "2016/17", "age=Under 19", 400.0, "ok", 3),
        ("apprenticeship_starts", None, "Blackpool", "district", "2016/17",
         "sector=Health, Public Services and Care", 500.0, "ok", 4),
        ("apprenticeship_achievements", None, "Blackpool", "district", "2016/17",
         "sector=Health, Public Services and Care", 300.0, "ok", 4),
        ("apprenticeship_starts", None, "Barrow in Furness", "district", "2016/17", "total", 800.0, "ok", 6),
        ("apprenticeship_achievements", None, "Barrow in Furness", "district", "2016/17", "total", 450.0, "ok", 6),
        ("apprenticeship_starts", "E92000001", "England", "country", "2016/17", "total", 490000.0, "ok", 7),
        ("apprenticeship_achievements", "E92000001", "England", "country", "2016/17", "total", 275000.0, "ok", 7),
        ("apprenticeship_starts", None, "Blackpool", "district", "2016/17", "level=Intermediate", 900.0, "ok", 9),
        ("apprenticeship_achievements", None, "Blackpool", "district", "2016/17", "level=Intermediate", 500.0,
         "ok", 9),
    ], "names kept as published (the build resolves them), Totals = England, sector x age and 'Other' skipped"
    assert result.meta.source_id == "dfe_fe_data_library", "source id from the brief"
    messages = " | ".join(w.message for w in result.warnings)
    assert "lines 5" in messages and "'Other'" in messages, f"skips are reported: {messages}"


def test_published_zero_stays_zero_not_missing(tmp_path):
    result = PARSER.parse(fixture_variant(tmp_path, lambda ls: ls[:2] + [ls[2].replace("700,400", "0,0")] + ls[3:]))
    row = result.table[(result.table["breakdown"] == "age=Under 19")].iloc[0]
    assert row["value"] == 0.0 and row["status"] == "ok", "the publisher's rounded 0 is a value, not a marker"


def test_output_meets_the_contract_once_names_are_resolved():
    df = PARSER.parse(RawFile.at(FIXTURES / "fe_library.csv")).table.drop(columns=["source_row"])
    fake = {"Blackpool": "E06000009", "Barrow in Furness": "E07000027"}
    df["area_code"] = df["area_code"].fillna(df["area_name"].map(fake))
    assert validate_tidy(df) == [], "everything but the codes is already contract-shaped"


def test_text_in_a_number_column(tmp_path):
    message = parse_error(fixture_variant(tmp_path, lambda ls: ls[:2] + [ls[2].replace(",700,", ",seven,")]
                                          + ls[3:]))
    assert "row 3 column Starts" in message and "'seven'" in message, message


def test_missing_required_column(tmp_path):
    message = parse_error(fixture_variant(tmp_path, lambda ls: [ls[0].replace("SSA", "Sector")] + ls[1:]))
    assert "column SSA" in message and "missing" in message, message


def test_bad_year(tmp_path):
    message = parse_error(fixture_variant(tmp_path, lambda ls: ls[:2] + ["201618" + ls[2][6:]] + ls[3:]))
    assert "row 3 column year" in message and "201618" in message, message


def test_row_with_too_many_cells(tmp_path):
    message = parse_error(fixture_variant(tmp_path, lambda ls: ls[:3] + [ls[3] + ",99"] + ls[4:]))
    assert "row 4" in message and "8 cells" in message, message


def test_duplicate_rows(tmp_path):
    message = parse_error(fixture_variant(tmp_path, lambda ls: ls + [ls[1]]))
    assert "row 10" in message and "line 2" in message, f"both lines are named: {message}"


def test_real_fe_library_table():
    path = REAL / "apprenticeships" / "dfe_apprenticeship_starts_achievements_lad_ssa_age_201617.csv"
    if not path.exists():
        pytest.skip("../shared/data/real not present: real-extract tests need the shared folder beside the repo")
    raw = RawFile.at(path)
    assert detect(raw, all_parsers()) is PARSER, "the real FE data library table is recognised"
    df = PARSER.parse(raw).table
    england = df[(df["area_code"] == "E92000001") & (df["breakdown"] == "total")]
    starts = england[england["indicator"] == "apprenticeship_starts"]["value"].tolist()
    assert starts == [494880.0], "published England 2016/17 apprenticeship starts"
    totals = df[(df["breakdown"] == "total") & (df["indicator"] == "apprenticeship_starts")]
    assert len(totals) == 327, "326 districts + England ('Totals'); the 'Other' pseudo-area skipped"
    ages = df[(df["area_name"] == "Blackpool") & df["breakdown"].str.startswith("age=")]
    assert sorted(ages["breakdown"].unique()) == ["age=19-24", "age=25+", "age=Under 19"], "the three age bands"
    assert df["area_code"].isna().sum() == len(df) - len(df[df["area_name"] == "England"]), \
        "only England gets a code here; districts are resolved by name in the build"
    assert df["source_row"].dtype.kind == "i", "source_row is an integer file line"
