"""The memory-mapped release table: its indexed queries answer exactly what filtering the release frame
with pandas answers, its file is written once (atomically) and reused, and the caches stay bounded."""
from __future__ import annotations

import os
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from release_factory import write_release

import data_access
import release_query
import release_table


@pytest.fixture()
def rel(tmp_path, monkeypatch):
    write_release(tmp_path / "processed")
    monkeypatch.setenv("PDP_PROCESSED_DIR", str(tmp_path / "processed"))
    monkeypatch.setenv("PDP_TABLE_CACHE_DIR", str(tmp_path / "tables"))
    monkeypatch.setenv("PDP_HOME_AREA", "E37000019")
    data_access.clear_cache()
    yield data_access.load()
    data_access.clear_cache()


def _frame(rel) -> pd.DataFrame:
    """The release as the old code held it: every row, dates as datetimes."""
    df = pd.read_parquet(rel.path / "indicators.parquet")
    for col in ("period_start", "period_end"):
        df[col] = pd.to_datetime(df[col])
    return df


def test_every_series_equals_filtering_the_frame(rel):
    df = _frame(rel)
    checked = 0
    for (ind, bd, code), rows in df.groupby(["indicator", "breakdown", "area_code"]):
        want = rows.sort_values(["period_start", "period"], kind="mergesort")[data_access.SERIES_COLUMNS]
        got = rel.series(ind, code, bd)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
        checked += 1
    assert checked == sum(len(a) for a in rel.rows.ranges.values()) > 100


def test_periods_and_indicators_equal_the_frame(rel):
    df = _frame(rel)
    assert set(rel.indicators() + rel.context_indicators()) <= set(df["indicator"])
    for ind, rows in df[df["breakdown"] == "total"].groupby("indicator"):
        want = list(dict.fromkeys(rows.sort_values("period_start", kind="mergesort")["period"]))
        assert rel.periods(ind) == want
    assert rel.periods("no_such_indicator") == []


API_COLUMNS = ["indicator", "area_code", "breakdown", "period", "value", "status"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_api_queries_equal_pandas_filtering(rel, data):
    df = _frame(rel).sort_values(["indicator", "area_code", "breakdown", "period_start", "period"],
                                 kind="mergesort").reset_index(drop=True)
    inds = sorted(set(df["indicator"]))
    areas = sorted(set(df["area_code"]))
    starts = sorted(set(df["period_start"].dropna()))
    filters = {
        "indicators": data.draw(st.none() | st.lists(st.sampled_from(inds), min_size=1, max_size=3)),
        "areas": data.draw(st.none() | st.lists(st.sampled_from(areas), min_size=1, max_size=4)),
        "level": data.draw(st.none() | st.sampled_from(sorted(set(df["area_level"])))),
        "breakdown": data.draw(st.none() | st.sampled_from(sorted(set(df["breakdown"])))),
        "period_from": data.draw(st.none() | st.sampled_from(starts)),
        "period_to": data.draw(st.none() | st.sampled_from(starts)),
    }
    want = df
    if filters["indicators"]:
        want = want[want["indicator"].isin(filters["indicators"])]
    if filters["areas"]:
        want = want[want["area_code"].isin(filters["areas"])]
    if filters["level"]:
        want = want[want["area_level"] == filters["level"]]
    if filters["breakdown"]:
        want = want[want["breakdown"] == filters["breakdown"]]
    if filters["period_from"] is not None:
        want = want[want["period_start"] >= filters["period_from"]]
    if filters["period_to"] is not None:
        want = want[want["period_start"] <= filters["period_to"]]
    query = rel.observations(**{k: (str(v.date()) if hasattr(v, "date") else v) for k, v in filters.items()})
    assert query.total == len(want)
    offset = data.draw(st.integers(0, max(len(want), 1)))
    limit = data.draw(st.integers(1, 500))
    got = query.page(offset, limit, API_COLUMNS)
    pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                  want.iloc[offset:offset + limit][API_COLUMNS].reset_index(drop=True))


def test_periods_answer_equals_the_frame(rel):
    df = _frame(rel)
    total = df[df["breakdown"] == "total"].sort_values(["indicator", "area_code", "breakdown", "period_start",
                                                        "period"], kind="mergesort")
    want = total.drop_duplicates(["indicator", "period"]).sort_values(["indicator", "period_start"], kind="mergesort")
    got = release_query.period_rows(rel)
    cols = ["indicator", "period", "period_start", "period_end"]
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), want[cols].reset_index(drop=True))


def test_the_table_file_is_written_once_and_reused(rel, tmp_path):
    files = list((tmp_path / "tables").glob("*.arrow"))
    assert len(files) == 1 and files[0] == rel.rows.path
    assert not list((tmp_path / "tables").glob("*.tmp-*")), "no half-written file is left"
    stamp = files[0].stat().st_mtime_ns
    os.utime(files[0], ns=(stamp - 10**9, stamp - 10**9))  # a reopen must not rewrite it
    inode = files[0].stat().st_ino
    again = release_table.ReleaseTable(rel.path / "indicators.parquet", rel.id)
    assert again.path == files[0] and files[0].stat().st_ino == inode
    assert again.num_rows == len(_frame(rel))


def test_a_rebuilt_release_with_the_same_id_gets_a_new_table(rel, tmp_path):
    parquet = rel.path / "indicators.parquet"
    before = release_table.table_path(parquet, rel.id)
    os.utime(parquet, ns=(1, 1))
    assert release_table.table_path(parquet, rel.id) != before


def test_concurrent_first_opens_build_one_good_file(rel, tmp_path, monkeypatch):
    monkeypatch.setenv("PDP_TABLE_CACHE_DIR", str(tmp_path / "fresh"))
    parquet = rel.path / "indicators.parquet"
    built, errors = [], []
    real = release_table._sorted_table

    def counting(path):
        built.append(1)
        return real(path)

    monkeypatch.setattr(release_table, "_sorted_table", counting)

    def open_one():
        try:
            table = release_table.ReleaseTable(parquet, rel.id)
            assert table.num_rows == rel.row_count
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(built) == 1, "the lock makes concurrent first opens build the file once"
    assert len(list((tmp_path / "fresh").glob("*.arrow"))) == 1


def test_old_table_files_are_pruned_but_not_the_one_in_use(rel, tmp_path):
    folder = tmp_path / "tables"
    stale = folder / "old-release-0000.arrow"
    stale.write_bytes(b"x")
    os.utime(stale, (1, 1))
    os.utime(rel.rows.path, (1, 1))
    removed = release_table.prune(keep=rel.rows.path)
    assert removed == [stale] and rel.rows.path.exists()


def test_query_cache_is_bounded_in_entries_and_bytes(rel, monkeypatch):
    monkeypatch.setattr(data_access, "QUERY_CACHE_ENTRIES", 10)
    for code in list(rel.areas["area_code"])[:40]:
        rel.series(rel.indicators()[0], code)
        rel.resolve(rel.indicators()[0], code)
    assert rel.memo_size()[0] == 10
    monkeypatch.setattr(data_access, "QUERY_CACHE_ENTRIES", 10_000)
    monkeypatch.setattr(data_access, "QUERY_CACHE_BYTES", 50_000)
    for code in list(rel.areas["area_code"])[:40]:
        rel.series(rel.indicators()[0], code)
    entries, size = rel.memo_size()
    assert size <= 50_000 and entries > 1


def test_unmapping_pages_keeps_answers(rel):
    before = rel.series(rel.indicators()[0], "E07000117").copy()
    data_access.unmap_pages()
    pd.testing.assert_frame_equal(rel.series(rel.indicators()[0], "E07000117"), before)
    assert np.isfinite(before["value"]).any()
