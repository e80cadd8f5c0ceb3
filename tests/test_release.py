"""Releases: written whole or not at all, manifest switched atomically, old ones kept then pruned."""
import json
from datetime import datetime, timedelta, timezone

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.errors import ReleaseError
from etl.geography import AREAS_COLUMNS
from etl.release import list_releases, read_manifest, switch_current, write_release
from etl.schema import tidy_frame


def table(value=5.0):
    return tidy_frame([{"indicator": "claimant_count", "area_code": "E06000009", "area_name": "Blackpool",
                        "area_level": "district", "period": "2020-03", "value": value, "status": "ok",
                        "unit": "count", "source": "test"}])


AREAS = pd.DataFrame([{"area_code": "E06000009", "area_name": "Blackpool", "area_level": "district",
                       "upper_tier_code": "E06000009", "region_code": "E12000002", "country_code": "E92000001"}],
                     columns=AREAS_COLUMNS, dtype=object)
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_write_then_switch_and_list(tmp_path):
    first = write_release(tmp_path, indicators=table(5), areas=AREAS, meta={"is_demo": True}, now=T0)
    second = write_release(tmp_path, indicators=table(6), areas=AREAS, meta={"is_demo": False},
                           now=T0 + timedelta(days=1))
    manifest = read_manifest(tmp_path)
    assert manifest["current_release"] == second, "the newest build becomes current"
    assert [r["id"] for r in manifest["releases"]] == [second, first], "releases are listed newest first"
    assert manifest["release"]["is_demo"] is False, "the manifest carries the current release's metadata"
    switch_current(tmp_path, first)
    assert read_manifest(tmp_path)["current_release"] == first, "an older release can be made current again"
    assert (tmp_path / "releases" / first / "indicators.parquet").exists()


def test_same_table_same_bytes(tmp_path):
    a = write_release(tmp_path / "a", indicators=table(), areas=AREAS, meta={}, now=T0)
    b = write_release(tmp_path / "b", indicators=table(), areas=AREAS, meta={}, now=T0 + timedelta(hours=1))
    ha = json.loads((tmp_path / "a" / "releases" / a / "release.json").read_text())["table_sha256"]
    hb = json.loads((tmp_path / "b" / "releases" / b / "release.json").read_text())["table_sha256"]
    assert ha == hb, "the same table content gives byte-identical parquet, whatever the build time"


def test_prune_keeps_the_newest(tmp_path):
    ids = [write_release(tmp_path, indicators=table(i), areas=AREAS, meta={}, keep=2, now=T0 + timedelta(days=i))
           for i in range(4)]
    kept = [r["id"] for r in list_releases(tmp_path)]
    assert kept == [ids[3], ids[2]], "only the newest N releases are kept"


def test_unknown_release_is_a_clear_error(tmp_path):
    write_release(tmp_path, indicators=table(), areas=AREAS, meta={}, now=T0)
    with pytest.raises(ReleaseError, match="no release called 'nope'"):
        switch_current(tmp_path, "nope")


def test_failed_write_leaves_current_untouched(tmp_path):
    good = write_release(tmp_path, indicators=table(), areas=AREAS, meta={}, now=T0)
    before = (tmp_path / "manifest.json").read_bytes()
    broken = table().assign(value="not a number")  # pyarrow refuses it against the float schema
    with pytest.raises(Exception):
        write_release(tmp_path, indicators=broken, areas=AREAS, meta={}, now=T0 + timedelta(days=1))
    assert (tmp_path / "manifest.json").read_bytes() == before, "the manifest is unchanged after a failed write"
    assert [r["id"] for r in list_releases(tmp_path)] == [good], "no half-written release is left behind"
    assert not list((tmp_path / "releases").glob(".tmp-*")), "temporary folders are cleaned up"


def test_areas_are_written_with_their_schema(tmp_path):
    release_id = write_release(tmp_path, indicators=table(), areas=AREAS, meta={}, now=T0)
    schema = pq.read_schema(tmp_path / "releases" / release_id / "areas.parquet")
    assert schema.names == AREAS_COLUMNS, "areas.parquet has the declared columns in order"
    assert all(t == pa.string() for t in schema.types), \
        f"every column is text, even one no area has a value in (lep_code here): {schema}"


@pytest.mark.parametrize("row_group", [None, 2])
def test_categorical_texts_are_read_back_as_the_schema_s_strings(tmp_path, monkeypatch, row_group):
    """Categorical text columns go to Parquet as dictionaries (their codes, not a text per row), yet a reader
    sees exactly the table an object-column frame gives: the schema's plain strings, the same values."""
    import etl.release as release
    from etl.schema import ARROW_SCHEMA
    from etl.texts import as_categories

    if row_group:  # (a table of several row groups is written a group at a time)
        monkeypatch.setattr(release, "ROW_GROUP", row_group)
    rows = pd.concat([table(v) for v in (1.0, 2.0, 3.0)], ignore_index=True)
    rows["period"] = ["2020-01", "2020-02", "2020-03"]
    rows.loc[1, "area_name"] = None  # (a missing text stays missing)
    plain, coded = tmp_path / "plain.parquet", tmp_path / "coded.parquet"
    release.write_parquet(rows, plain, ARROW_SCHEMA)
    coded_rows = as_categories(rows)
    assert isinstance(coded_rows["area_name"].dtype, pd.CategoricalDtype)
    release.write_parquet(coded_rows, coded, ARROW_SCHEMA)
    schema = pq.read_schema(coded)
    assert schema.equals(ARROW_SCHEMA.remove_metadata()), f"the schema's types, no dictionaries: {schema}"
    assert pq.read_table(coded).equals(pq.read_table(plain))
    assert pq.ParquetFile(coded).metadata.num_row_groups == (2 if row_group else 1)
    assert pd.read_parquet(coded)["area_name"].isna().tolist() == [False, True, False]
