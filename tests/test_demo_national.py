"""The all-England synthetic claimant count (``etl demo --national``), on a small sample of the same kind:
recognised by content, read column-wise exactly as the line-by-line reader reads it, internally consistent,
and built without a problem. (The full 5-million-row extract is timed in bench/, not here.)"""
import shutil

import numpy as np
import pandas as pd
import pytest

from etl.build import run
from etl.demo import national
from etl.demo.areas import SEED
from etl.errors import ProblemCollector
from etl.rawfolder import DEMO_MARKER
from etl.sources import nomis, nomis_columnar
from etl.sources.base import RawFile, all_parsers, detect

REGIONS = (("E12000002", "North West", 16), ("E12000001", "North East", 4))
FIRST_MONTH = (2025, 10)  # 13 months to October 2026: just over one 25,000-row page
AREAS = 16 + 4 + 2 + 1  # districts, regions, England
ROWS = AREAS * 13 * 3 * len(national.AGE_GROUPS) * 2  # months x sexes x age groups x (count, rate)


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national")
    national.write(folder, np.random.default_rng(SEED), regions=REGIONS, first_month=FIRST_MONTH)
    (folder / DEMO_MARKER).write_text("demo", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def pages(raw):
    return sorted(raw.glob("NM_162_1_page*.data.csv"), key=lambda p: int(p.name[13:].split(".")[0]))


@pytest.fixture(scope="module")
def table(pages):
    return pd.concat([nomis.NomisApiParser().parse(RawFile.at(p)).table for p in pages], ignore_index=True)


def test_pages_of_the_api(pages):
    rows = [pd.read_csv(p).shape[0] for p in pages]
    assert rows[:-1] == [25_000] * (len(rows) - 1) and sum(rows) == ROWS, \
        f"{ROWS:,} rows in pages of 25,000 (the API's cap), the last page the rest; got {rows}"
    offsets = pd.concat([pd.read_csv(p, usecols=["RECORD_OFFSET", "RECORD_COUNT"]) for p in pages])
    assert offsets["RECORD_OFFSET"].tolist() == list(range(ROWS)) and set(offsets["RECORD_COUNT"]) == {ROWS}, \
        "RECORD_OFFSET numbers every row across pages and RECORD_COUNT gives the total, as the API does"


def test_recognised_by_content_not_name(pages, tmp_path):
    renamed = tmp_path / "download (3).txt"
    shutil.copy(pages[0], renamed)
    assert detect(RawFile.at(renamed), all_parsers()).name == nomis.NomisApiParser.name, \
        "a page saved under any name is recognised as a Nomis API CSV by its header"


def test_every_row_parsed(table):
    assert len(table) == ROWS, "every observation of the sample becomes one tidy row (all English areas)"
    assert set(table["breakdown"]) >= {"total", "age=16-17", "age=65+;sex=female", "sex=male"}, \
        "all sexes and the 17 NM_162_1 age groups"
    assert (table["status"] == "not_available").sum() > 0, "some small cells are withheld (status Q)"


def test_read_column_wise_and_line_by_line_alike(pages, monkeypatch):
    """The column-wise reader must take the generated pages (else the build is ~50x slower at scale) and
    give exactly the rows and notes of the line-by-line reader."""
    raw = RawFile.at(pages[0])
    header = [c.strip().upper() for c in raw.first_row()]
    where = {f: header.index(n) for f, names in nomis.API_COLUMNS.items() for n in names[:1] if n in header}
    fast = nomis_columnar.parse_clean(raw, header, 1, where, {f: header[i] for f, i in where.items()},
                                      ProblemCollector(raw.name))
    assert fast is not None, "a generated page is clean, so it is read column-wise"
    quick = nomis.NomisApiParser().parse(raw)
    monkeypatch.setattr(nomis_columnar, "parse_clean", lambda *args: None)
    slow = nomis.NomisApiParser().parse(raw)
    pd.testing.assert_frame_equal(quick.table, slow.table, obj="column-wise vs line-by-line rows")
    assert [str(w) for w in quick.warnings] == [str(w) for w in slow.warnings], "the same notes either way"


def test_areas_add_up(table):
    counts = table[(table["indicator"] == "claimant_count") & (table["status"] == "ok")]
    total = counts[counts["breakdown"] == "total"].set_index(["area_code", "period"])["value"]
    areas = national.national_areas(REGIONS)
    for region, _, _ in REGIONS:
        members = [a[0] for a in areas if a[2] == "district" and a[3] == region]
        summed = total[total.index.get_level_values(0).isin(members)].groupby(level=1).sum()
        assert (summed == total.loc[region]).all(), f"{region} is the sum of its districts in every month"
    regions = total[total.index.get_level_values(0).isin([r[0] for r in REGIONS])].groupby(level=1).sum()
    assert (regions == total.loc["E92000001"]).all(), "England is the sum of the regions in every month"
    by_sex = counts[counts["breakdown"].isin(["sex=male", "sex=female"])].groupby(["area_code", "period"])["value"]
    assert (by_sex.sum() == total.loc[by_sex.sum().index]).all(), "male + female = total"


def test_sample_builds(raw):
    outcome = run(raw, stop_at_errors=True)
    assert not outcome.log.errors, f"the national sample builds: {[str(p) for p in outcome.log.errors[:3]]}"
    published = outcome.indicators[~outcome.indicators["derived"]]
    assert len(published) == ROWS, "every parsed row reaches the release"
    assert outcome.is_demo, "the folder is marked as demo data"
