"""Impossible and unsafe inputs: each stops the build with the usual report and leaves the release alone.

Every case in ``CASES`` is one distinct bad input, added beside the good raw folder of
``tests/fixtures/build``; the build must raise naming the file and, where it applies, the row (file
line) and column, and the release that was current must stay byte for byte as it was. The tests that
feed a distinct bad input carry the ``bad_input`` marker so they can be counted:
``python -m pytest --collect-only -q -m bad_input``. A representative set also runs through the command
line's own entry point (``python -m etl build``'s ``main``: exit code and printed report), and two
million-row junk files go through ``python -m etl build`` in a subprocess, which measures the memory a
failed build takes.
"""
from __future__ import annotations

import codecs
import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from etl.build import build
from etl.errors import EtlError
from etl.release import read_manifest

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "tests" / "fixtures" / "build" / "good"
TODAY = date(2026, 1, 15)  # the build date the in-process cases run on (periods after it are the future)

NOMIS = "DATE_NAME,GEOGRAPHY_NAME,GEOGRAPHY_CODE,GENDER_NAME,AGE_NAME,MEASURE_NAME,MEASURES_NAME,OBS_VALUE,OBS_STATUS\n"
ALL = "Total,All categories: Age 16+"
COUNT, RATE = "Claimant count,Value", "Claimants as a proportion of residents aged 16-64,Value"
NEET = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,"
        "new_la_code,la_name,Age,Cohort_DJFavg,NEET_not_known_percent,NEET_percent,Notknown_percent,"
        "TOTAL_participating_in_education_and_training_percent,Age1617_ONS_population\n")
NEET_LANCS = "Calendar year,Local authority,E92000001,England,E12000002,North West,888,E10000017,Lancashire,16-17"
KS4 = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,"
       "new_la_code,la_name,lad_code,lad_name,t_pupils,avg_att8\n")
KS4_LANCS = "202122,Academic year,Local authority,E92000001,England,E12000002,North West,888,E10000017,Lancashire,,"
APPS = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,lad_code,"
        "lad_name,starts,achievements\n")
APPS_BURNLEY = "Academic year,Local authority district,E92000001,England,E12000002,North West,E07000117,Burnley"
HMRC = "ONS code,Authority name,Total number of employments furloughed,Employments eligible,Take-up rate (%)\n"
HMRC_COUNTS = "ONS code,Authority name,Total number of employments furloughed,Employments eligible\n"
ELS = "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"
LAIT = "Short Desc,Data item,Years,LA and Regions,Values,LA Number,Region\n"
FE = "year,level,la_name,SSA,Age,Starts,Achievements\n"
WIDE = "region,region_code,age_band,2021\n"
LEP_LOOKUP = "LAD21CD,LAD21NM,LEP21CD,LEP21NM\n"


def hmrc_titled(at: str) -> str:
    return (f"Coronavirus Job Retention Scheme statistics,,,,\n\"Table 5: Employments furloughed by local authority, "
            f"at {at}\",,,,\n,,,,\n" + HMRC + "E07000117,Burnley,1500,39000,4\n")


def feature(code: str, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": {"LAD22CD": code, "LAD22NM": "Burnley"}, "geometry": geometry}


def geojson(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


SQUARE = {"type": "Polygon", "coordinates": [[[-2.3, 53.7], [-2.2, 53.7], [-2.2, 53.8], [-2.3, 53.8], [-2.3, 53.7]]]}


def shifted(dx: float, dy: float, scale: float = 1.0) -> dict:
    ring = [[x * scale + dx, y * scale + dy] for x, y in SQUARE["coordinates"][0]]
    return {"type": "Polygon", "coordinates": [ring]}


def link(target: Callable[[Path, Path], Path]) -> Callable[[Path], None]:
    """A setup that puts a symbolic link ``more/data.csv`` in the raw folder, pointing at ``target``."""
    def setup(raw: Path) -> None:
        (raw / "more").mkdir(exist_ok=True)
        (raw / "more" / "data.csv").symlink_to(target(raw, raw.parent))
    return setup


def secret_file(raw: Path, outside: Path) -> Path:
    path = outside / "secret.csv"
    path.write_text("SECRET-TOKEN,do-not-print\n" + NOMIS)
    return path


def secret_folder(raw: Path, outside: Path) -> Path:
    folder = outside / "elsewhere"
    folder.mkdir()
    (folder / "x.csv").write_text("SECRET-TOKEN\n")
    return folder


def loop(raw: Path, outside: Path) -> Path:
    (raw / "more" / "other.csv").symlink_to(raw / "more" / "data.csv")
    return raw / "more" / "other.csv"


def fifo(raw: Path) -> None:
    (raw / "more").mkdir(exist_ok=True)
    os.mkfifo(raw / "more" / "data.csv")


def unix_socket(raw: Path) -> None:
    (raw / "more").mkdir(exist_ok=True)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(raw / "more" / "data.csv"))


def zip_bomb(raw: Path) -> None:
    """A small .xlsx whose single member expands to 300 MiB of zeros."""
    (raw / "more").mkdir(exist_ok=True)
    with zipfile.ZipFile(raw / "more" / "data.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as book:
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = bytes(2**20)
            for _ in range(300):
                member.write(chunk)


@dataclass
class Case:
    """One bad input: what is written (into ``more/data.csv`` unless ``name`` says otherwise) and what
    the report must say about it."""

    content: str | bytes | Callable[[Path], None]
    says: str  # a fragment of the problem's message
    row: int | None = None
    column: str | None = None
    name: str = "data.csv"
    today: date = TODAY
    not_in_report: tuple[str, ...] = field(default=())

    def write(self, raw: Path) -> None:
        if callable(self.content):
            self.content(raw)
            return
        (raw / "more").mkdir(exist_ok=True)
        data = self.content.encode("utf-8") if isinstance(self.content, str) else self.content
        (raw / "more" / self.name).write_bytes(data)

    @property
    def file(self) -> str:
        return f"more/{self.name}"


CASES: dict[str, Case] = {
    # --- numbers that cannot be real ---------------------------------------------------------------
    "count overflowing to infinity": Case(NOMIS + f"May 2020,Burnley,E07000117,{ALL},{COUNT},1e999,A\n",
                                          "not a finite number", 2, "OBS_VALUE"),
    "count of 1e308": Case(NOMIS + f"May 2020,Burnley,E07000117,{ALL},{COUNT},1e308,A\n",
                           "larger than any district could have", 2, "OBS_VALUE"),
    "50 million claimants in a district": Case(NOMIS + f"May 2020,Burnley,E07000117,{ALL},{COUNT},50000000,A\n",
                                               "larger than any district could have", 2, "OBS_VALUE"),
    "13 million claimants in a region": Case(NOMIS + f"May 2020,North West,E12000002,{ALL},{COUNT},13000000,A\n",
                                             "larger than any region could have", 2, "OBS_VALUE"),
    "fractional claimant count": Case(NOMIS + f"May 2020,Burnley,E07000117,{ALL},{COUNT},12.5,A\n",
                                      "fractional Claimant count", 2, "OBS_VALUE"),
    "claimant rate above 100%": Case(NOMIS + f"May 2020,Burnley,E07000117,{ALL},{RATE},150,A\n",
                                     "above the largest possible Claimant rate", 2, "OBS_VALUE"),
    "negative claimant rate": Case(NOMIS + f"May 2020,Burnley,E07000117,{ALL},{RATE},-1,A\n",
                                   "below the smallest possible Claimant rate", 2, "OBS_VALUE"),
    "the word Infinity as a count": Case(NOMIS + f"May 2020,Burnley,E07000117,{ALL},{COUNT},Infinity,A\n",
                                         "text where a number belongs", 2, "OBS_VALUE"),
    "NEET percentage overflowing": Case(NEET + f"2021,{NEET_LANCS},20000,1e999,2.5,3.0,93.5,21000\n",
                                        "not a finite number", 2, "NEET_not_known_percent"),
    "NEET percentage above 100": Case(NEET + f"2021,{NEET_LANCS},20000,5.5,250,3.0,93.5,21000\n",
                                      "above the largest possible NEET (16-17)", 2, "NEET_percent"),
    "negative NEET cohort": Case(NEET + f"2021,{NEET_LANCS},-20000,5.5,2.5,3.0,93.5,21000\n",
                                 "a negative denominator", 2, "NEET_not_known_percent x Cohort_DJFavg"),
    "Attainment 8 above 90": Case(KS4 + f"{KS4_LANCS},12000,95.0\n", "above the largest possible Attainment 8",
                                  2, "avg_att8"),
    "negative Attainment 8": Case(KS4 + f"{KS4_LANCS},12000,-3.0\n", "below the smallest possible Attainment 8",
                                  2, "avg_att8"),
    "five million pupils in a county": Case(KS4 + f"{KS4_LANCS},5000000,45.0\n",
                                            "a denominator (pupils at the end of key stage 4) larger than any upper "
                                            "tier", 2, "avg_att8 x t_pupils"),
    "fractional apprenticeship starts": Case(APPS + f"202223,{APPS_BURNLEY},10.5,5\n",
                                             "fractional Apprenticeship starts", 2, "starts"),
    "apprenticeship starts of 1e308": Case(APPS + f"202223,{APPS_BURNLEY},1e308,5\n",
                                           "larger than any district could have", 2, "starts"),
    "furloughed overflowing": Case(HMRC + "E07000117,Burnley,1e999,39000,4\n", "not a finite number", 2,
                                   "Total number of employments furloughed"),
    "take-up rate of 150%": Case(HMRC + "E07000117,Burnley,1500,39000,150\n",
                                 "above the largest possible Furlough take-up rate", 2, "Take-up rate (%)"),
    "more furloughed than eligible (rate computed)": Case(
        HMRC_COUNTS + "E07000117,Burnley,45000,39000\n", "above the largest possible Furlough take-up rate", 2,
        "Total number of employments furloughed / Employments eligible"),
    "more furloughed than eligible (rate published)": Case(
        HMRC + "E07000117,Burnley,45000,39000,40\n", "the numerator is larger than the denominator (eligible "
        "employments)", 2, "Total number of employments furloughed / Employments eligible"),
    "fractional furloughed employments": Case(HMRC + "E07000117,Burnley,1500.5,39000,4\n",
                                              "fractional Employments furloughed", 2,
                                              "Total number of employments furloughed"),
    "rate per 100,000 above 100,000": Case(
        ELS + "E07000117,Burnley,Local authority district,Apprenticeship starts (England),2021-08-01/P1Y,1e7,Rate,"
              "per 100000,,,,\n", "above the largest possible Apprenticeship starts per 100,000", 2, "observation"),
    "annual claimant rate overflowing": Case(
        ELS + "E07000117,Burnley,Local authority district,Claimant Count,2021-01-01/P1Y,1e400,Percentage,%,,,,\n",
        "not a finite number", 2, "observation"),
    "LAIT Attainment 8 of 95": Case(LAIT + "AVG_Attain8_Score,,2018,Lancashire,95,888,North West\n",
                                    "above the largest possible Attainment 8", 2, "Values"),
    "FE library starts overflowing": Case(FE + "201617,Totals,Burnley,Totals,Totals,1e999,10\n",
                                          "not a finite number", 2, "Starts"),
    "20 million apprenticeship starts in a district": Case(FE + "201617,Totals,Burnley,Totals,Totals,20000000,10\n",
                                                           "larger than any district could have", 2, "Starts"),
    "50 million people in a district": Case(WIDE + "Blackpool,E06000009,All ages,50000000\n",
                                            "larger than any district could have", 2, "2021"),
    "80 million people in England": Case(WIDE + "England,E92000001,All ages,80000000\n",
                                         "larger than any country could have", 2, "2021"),
    # --- periods that cannot be --------------------------------------------------------------------
    "claimant count for year 0001": Case(NOMIS + f"January 0001,Burnley,E07000117,{ALL},{COUNT},5,A\n",
                                         "before the Claimant count series began", 2, "period"),
    "claimant count for year 0000": Case(NOMIS + f"January 0000,Burnley,E07000117,{ALL},{COUNT},5,A\n",
                                         "a period label that cannot be read", 2, "period"),
    "claimant count for 2999": Case(NOMIS + f"January 2999,Burnley,E07000117,{ALL},{COUNT},5,A\n",
                                    "a period in the future", 2, "period"),
    "claimant count for next month": Case(NOMIS + f"February 2026,Burnley,E07000117,{ALL},{COUNT},5,A\n",
                                          "a period in the future", 2, "period"),
    "NEET figures for 0001/02": Case(NEET + f"000102,{NEET_LANCS},20000,5.5,2.5,3.0,93.5,21000\n",
                                     "before the NEET or not known (16-17) series began", 2, "period"),
    "apprenticeships for 2999/00": Case(APPS + f"299900,{APPS_BURNLEY},10,5\n", "a period in the future", 2,
                                        "period"),
    "furlough before the scheme began": Case(hmrc_titled("31 March 2019"), "before the Employments furloughed "
                                             "series began", 5, "period"),
    "furlough after the scheme ended": Case(hmrc_titled("31 March 2023"), "after the Employments furloughed "
                                            "series ended", 5, "period"),
    "ELS claimant rate for year 0001": Case(
        ELS + "E07000117,Burnley,Local authority district,Claimant Count,0001-01-01/P1Y,4.0,Percentage,%,,,,\n",
        "before the Claimant rate (annual average) series began", 2, "period"),
    "LAIT Attainment 8 for 1899/00": Case(LAIT + "AVG_Attain8_Score,,1900,Lancashire,45,888,North West\n",
                                          "before the Attainment 8 score (by school location) series began", 2, "period"),
    "population for 2099": Case("region,region_code,age_band,2099\nBlackpool,E06000009,All ages,140000\n",
                                "a period in the future", 2, "period"),
    # --- a key given twice with different values ---------------------------------------------------
    "HMRC area twice with different figures": Case(HMRC + "E07000117,Burnley,1500,39000,4\n"
                                                           "E07000117,Burnley,1700,39000,4\n",
                                                   "appears twice for 2020-06 with different figures", 3,
                                                   "Total number of employments furloughed"),
    "unitary at LA and district level, different values": Case(
        KS4
        + "202122,Academic year,Local authority,E92000001,England,E12000002,North West,890,E06000009,Blackpool,,,"
          "1500,41.0\n"
        + "202122,Academic year,Local authority district,E92000001,England,E12000002,North West,,,,E06000009,"
          "Blackpool,1500,43.0\n", "given at both LA and district level with different values", 3, "avg_att8"),
    "single year of age twice with different counts": Case(
        "DATE_NAME,GEOGRAPHY_NAME,GEOGRAPHY_CODE,SEX_NAME,AGE_NAME,MEASURES_NAME,OBS_VALUE,OBS_STATUS\n"
        "2021,Blackpool,E06000009,All persons,Age 5,Value,1500,A\n2021,Blackpool,E06000009,All persons,Age 5,Value,"
        "1600,A\n", "the same area, year and age appear twice with different counts", 3, "OBS_VALUE"),
    "lookup listing a district twice with different LEPs": Case(
        LEP_LOOKUP + "E07000117,Burnley,E37000019,Lancashire\nE07000117,Burnley,E37000015,Greater Manchester\n",
        "listed again with a different parent", 3, "LEP21CD"),
    "code list naming one code twice": Case("ERCD,ERNM\nE37000019,Lancashire\nE37000019,Cumbria\n",
                                            "listed again with a different name", 3, "ERNM"),
    "boundary file with two shapes for one code": Case(geojson(feature("E07000117", SQUARE),
                                                               feature("E07000117", shifted(0.1, 0))),
                                                       "two features with the same area code", None, "LAD22CD",
                                                       name="lad.geojson"),
    # --- geography lookups that disagree -----------------------------------------------------------
    "second LEP lookup moving Burnley, same vintage": Case(
        LEP_LOOKUP + "E07000117,Burnley,E37000015,Greater Manchester\n",
        "and 'lookup_lad_lep.csv' put 1 district(s) under different lep parents", 2, "LEP21CD"),
    "second LEP lookup moving Burnley, no vintage": Case(
        "LACD,LANM,ERCD,ERNM\nE07000117,Burnley,E37000015,Greater Manchester\n",
        "vintages do not say which is newer", 2, "ERCD"),
    # --- names with control or invisible characters -----------------------------------------------
    "NUL in an area name": Case(NOMIS + f"May 2020,Burn\x00ley,E07000117,{ALL},{COUNT},5,A\n",
                                "control or invisible character in the area name", 2, "area_name"),
    "terminal escape in a lookup name": Case(LEP_LOOKUP + "E07000117,Burnley\x1b[2J,E37000019,Lancashire\n",
                                             "control or invisible character in the child name", 2, "child_name"),
    "right-to-left override in a name": Case(APPS + f"202223,{APPS_BURNLEY.replace('Burnley', 'Burn‮yel')},10,5\n",
                                             "control or invisible character in the area name", 2, "area_name"),
    "line break inside a quoted name": Case(HMRC + 'E07000117,"Burn\nley",1500,39000,4\n',
                                            "control or invisible character in the area name", 2, "area_name"),
    # --- boundary files whose geometry is junk -----------------------------------------------------
    "GeoJSON feature without a geometry": Case(geojson(feature("E07000117", None)), "a feature without a geometry",
                                               None, "geometry", name="lad.geojson"),
    "GeoJSON coordinates that are text": Case(
        geojson(feature("E07000117", {"type": "Polygon", "coordinates": "junk"})), "a feature without a geometry",
        None, "geometry", name="lad.geojson"),
    "GeoJSON point instead of an area": Case(
        geojson(feature("E07000117", {"type": "Point", "coordinates": [-2.2, 53.8]})),
        "geometry is not an area (Point)", None, "geometry", name="lad.geojson"),
    "GeoJSON coordinates of 1e12": Case(geojson(feature("E07000117", shifted(1e12, 1e12, 1e6))),
                                        "neither longitude/latitude nor British National Grid", None, "geometry",
                                        name="lad.geojson", not_in_report=("read as British National Grid",)),
    "GeoJSON area in France": Case(geojson(feature("E07000117", shifted(4.6, -5.0))),
                                   "an area that does not lie in England", None, "geometry", name="lad.geojson"),
    "GeoJSON with no features": Case(geojson(), "no features", name="lad.geojson"),
    # --- encodings ---------------------------------------------------------------------------------
    "UTF-16 (little-endian) file": Case(codecs.BOM_UTF16_LE + NOMIS.encode("utf-16-le"), "UTF-16 text, not UTF-8",
                                        1, None, not_in_report=("layout is not one we know",)),
    "UTF-16 (big-endian) file": Case(codecs.BOM_UTF16_BE + NOMIS.encode("utf-16-be"), "UTF-16 text, not UTF-8", 1),
    "UTF-16 file without a byte-order mark": Case(NOMIS.encode("utf-16-le"), "UTF-16 text, not UTF-8", 1),
    "UTF-32 file": Case(codecs.BOM_UTF32_LE + NOMIS.encode("utf-32-le"), "UTF-32 text, not UTF-8", 1),
    # --- what the raw folder holds -----------------------------------------------------------------
    "link to a file outside the raw folder": Case(link(secret_file), "a link to a file outside the raw folder",
                                                  not_in_report=("SECRET-TOKEN",)),
    "link to a folder outside the raw folder": Case(link(secret_folder), "a link to a file outside the raw folder",
                                                    not_in_report=("SECRET-TOKEN",)),
    "link that points to nothing": Case(link(lambda raw, outside: raw / "gone.csv"), "a link that points to nothing"),
    "two links pointing at each other": Case(link(loop), "a symbolic link loop"),
    "link pointing at itself": Case(link(lambda raw, outside: raw / "more" / "data.csv"), "a symbolic link loop"),
    "FIFO in the raw folder": Case(fifo, "not a regular file but a FIFO"),
    "socket in the raw folder": Case(unix_socket, "not a regular file but a socket"),
    "file name with a terminal escape": Case(NOMIS, "a name with control or invisible characters", name="x\x1b[2J.csv",
                                             not_in_report=("\x1b",)),
    # --- files built to exhaust the machine --------------------------------------------------------
    "a 2 MiB line": Case(NOMIS + "x" * (2 * 2**20) + "\n", "a line longer than 1 MiB", 2),
    "workbook expanding to 300 MiB": Case(zip_bomb, "would expand to 300 MiB", name="data.xlsx"),
    "query-tool download trailed by junk lines": Case(
        '"Claimant count by sex and age"\n"ONS Crown Copyright Reserved [from Nomis on 24 November 2026]"\n'
        '"date :","March 2020"\n"measure :","Claimant count"\n\n'
        '"local authority: district / unitary (as of April 2023)","mnemonic","Total"\n"Burnley","E07000117",5\n\n'
        + "junk line\n" * 600, "more than 500 lines outside any table", 505),
}


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A processed folder whose current release was built from the good raw folder (built once)."""
    out = tmp_path_factory.mktemp("released") / "processed"
    build(GOOD, out, today=TODAY)
    return out


@pytest.fixture
def scene(tmp_path, released) -> tuple[Path, Path]:
    raw, out = tmp_path / "raw", tmp_path / "processed"
    shutil.copytree(GOOD, raw)
    shutil.copytree(released, out)
    return raw, out


def snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.bad_input
@pytest.mark.parametrize("case_name", sorted(CASES))
def test_bad_input_stops_the_build_and_keeps_the_release(case_name, scene):
    case = CASES[case_name]
    raw, out = scene
    case.write(raw)
    before = snapshot(out)
    with pytest.raises(EtlError) as info:
        build(raw, out, today=case.today)
    problems = info.value.problems
    report = "\n".join(str(p) for p in problems)
    hits = [p for p in problems if p.file == case.file and case.says in p.message and p.severity == "error"]
    assert hits, f"{case_name}: a problem about {case.file} saying {case.says!r}; got:\n{report}"
    assert any(p.row == case.row and p.column == case.column for p in hits), \
        f"{case_name}: the problem names row {case.row} and column {case.column}; got:\n{report}"
    for text in case.not_in_report:
        assert text not in report, f"{case_name}: the report must not contain {text!r}; got:\n{report}"
    assert snapshot(out) == before, f"{case_name}: the current release and manifest stay untouched"


def test_disagreeing_lookups_with_vintages_use_the_newer_and_say_so(scene):
    raw, out = scene
    (raw / "lep2020.csv").write_text("LAD20CD,LAD20NM,LEP20CD,LEP20NM\n"
                                     "E07000117,Burnley,E37000015,Greater Manchester\n")
    outcome = build(raw, out, today=TODAY)
    assert outcome.geography.parent_of("E07000117", "lep") == "E37000019", \
        "the 2021 lookup (LEP21CD) wins over the 2020 one (LEP20CD)"
    said = [str(p) for p in outcome.log.warnings if p.file == "lookup_lad_lep.csv" and "newer" in p.message]
    assert said and "lep2020.csv" in said[0] and "E07000117" in said[0], \
        f"the report names both files and the district; warnings: {outcome.log.warnings}"


def test_a_year_in_the_title_dates_a_lookup(scene):
    raw, out = scene
    (raw / "lep2022.csv").write_text("LEP lookup (May 2022),,,\nLACD,LANM,ERCD,ERNM\n"
                                     "E07000117,Burnley,E37000015,Greater Manchester\n")
    outcome = build(raw, out, today=TODAY)
    assert outcome.geography.parent_of("E07000117", "lep") == "E37000015", \
        "a title stating 2022 makes that lookup newer than one headed LEP21CD"


def test_a_link_inside_the_raw_folder_is_read(scene):
    raw, out = scene
    (raw / "more").mkdir()
    (raw / "more" / "again.csv").symlink_to(raw / "claimant_nomis_api.csv")
    (raw / "mirror").symlink_to(raw / "more")
    outcome = build(raw, out, today=TODAY)
    names = [f.raw.name for f in outcome.files]
    assert "more/again.csv" in names, "a link to a file inside the folder is read under the link's name"
    assert not any(n.startswith("mirror/") for n in names), "a link to a folder inside is not followed"
    assert any(p.file == "mirror" and "not followed" in p.message for p in outcome.log.warnings), \
        "the folder link is reported, not silently skipped"


def test_companion_metadata_linked_from_outside_is_not_read(tmp_path):
    from etl.sources.base import RawFile
    from etl.sources.ons_els import OnsElsParser

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "els.csv").write_text(ELS + "E07000117,Burnley,Local authority district,Claimant Count,2021-01-01/P1Y,"
                                       "4.0,Percentage,%,,,,\n")
    (tmp_path / "meta.json").write_text(json.dumps({"ess-beta-metadata": {"sourceDate": "01/02/2003",
                                                                          "sourceURL": "http://attacker.example"}}))
    (raw / "els.metadata.json").symlink_to(tmp_path / "meta.json")
    result = OnsElsParser().parse(RawFile.at(raw / "els.csv", raw))
    assert result.meta.release_date is None and "attacker" not in (result.meta.url or ""), \
        "a companion file reached through a link leaving the raw folder is never read"


# --- through the command line, as an analyst runs it ------------------------------------------------

CLI_CASES = ["count overflowing to infinity", "claimant count for 2999", "Attainment 8 above 90",
             "more furloughed than eligible (rate published)", "HMRC area twice with different figures",
             "second LEP lookup moving Burnley, same vintage", "NUL in an area name",
             "GeoJSON feature without a geometry", "UTF-16 (little-endian) file",
             "link to a file outside the raw folder", "FIFO in the raw folder"]


def run_cli(raw: Path, out: Path, tmp_path: Path) -> tuple[int, str, int]:
    """``python -m etl build`` in a subprocess: (exit code, stderr, peak resident memory in KiB)."""
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with open(stdout, "wb") as so, open(stderr, "wb") as se:
        proc = subprocess.Popen([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--out", str(out)],
                                cwd=ROOT, stdout=so, stderr=se, stdin=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, stderr.read_text(encoding="utf-8", errors="replace"), usage.ru_maxrss


@pytest.mark.parametrize("case_name", CLI_CASES)
def test_cli_reports_the_bad_input_and_keeps_the_release(case_name, scene, capsys):
    from etl.__main__ import main

    case = CASES[case_name]
    raw, out = scene
    case.write(raw)
    before = snapshot(out)
    code = main(["build", "--raw", str(raw), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1, f"{case_name}: exit code 1; stderr:\n{err}"
    assert "Traceback" not in err, f"{case_name}: no traceback, a report:\n{err}"
    where = f"'{case.file}'" + (f" row {case.row}" if case.row else "") + (f" column {case.column}" if case.column
                                                                           else "")
    assert where in err and case.says in err, f"{case_name}: the report says {where}: {case.says}; got:\n{err}"
    current = read_manifest(out)["current_release"]
    assert f"Nothing was written. The current release is still {current}." in err, \
        f"{case_name}: the report says the current release was kept"
    assert snapshot(out) == before, f"{case_name}: the current release and manifest stay untouched"


@pytest.fixture(scope="module")
def good_build_memory(tmp_path_factory) -> int:
    """Peak memory (KiB) of a successful CLI build of the good folder: the yardstick for failed ones."""
    tmp = tmp_path_factory.mktemp("yardstick")
    shutil.copytree(GOOD, tmp / "raw")
    code, err, rss = run_cli(tmp / "raw", tmp / "processed", tmp)
    assert code == 0, f"the good folder builds: {err}"
    return rss


JUNK_ROWS = 1_000_000


def write_junk(path: Path, header: str, row: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(header)
        for _ in range(JUNK_ROWS // 1000):
            fh.write(row * 1000)


@pytest.mark.bad_input
@pytest.mark.parametrize("kind", ["known header", "unknown layout"])
def test_million_row_junk_stops_early_with_bounded_memory(kind, scene, tmp_path, good_build_memory):
    raw, out = scene
    junk = raw / "junk.csv"
    if kind == "known header":  # a Nomis header over a million rows of nonsense
        write_junk(junk, NOMIS, "junk,junk,junk,junk,junk,junk,junk,junk,junk\n")
    else:
        write_junk(junk, "foo,bar,baz\n", "1,2,3\n")
    before = snapshot(out)
    code, err, rss = run_cli(raw, out, tmp_path)
    assert code == 1 and "Traceback" not in err, f"{kind}: a report, exit code 1; got:\n{err}"
    if kind == "known header":
        assert "'junk.csv' row 52: reading stopped here after 50 problems" in err, \
            f"parsing stops at the problem cap and says where; got:\n{err[-2000:]}"
    else:
        assert "'junk.csv' row 1: the file's layout is not one we know" in err, f"named as unknown; got:\n{err}"
    assert rss < good_build_memory + 100 * 1024, \
        f"{kind}: the failed build's peak memory ({rss // 1024} MiB) stays near a small good build's " \
        f"({good_build_memory // 1024} MiB), not the file's size"
    assert snapshot(out) == before, f"{kind}: the current release stays untouched"


def test_a_fifo_swapped_in_after_listing_is_not_read(tmp_path):
    from etl.errors import SourceFormatError
    from etl.sources.base import RawFile

    os.mkfifo(tmp_path / "data.csv")  # no writer: a blocking open would wait for ever
    with pytest.raises(SourceFormatError, match="not a regular file"):
        RawFile.at(tmp_path / "data.csv", tmp_path).head_bytes
