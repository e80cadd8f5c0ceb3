"""indicators.parquet written on a second thread while the build checks the table: same bytes, nothing left behind."""
from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

import etl.release
import etl.staging
from etl.build import build
from etl.release import read_manifest, release_dir

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "tests" / "fixtures" / "build" / "good"
TODAY = date(2026, 1, 15)


def files(out: Path) -> dict[str, bytes]:
    folder = release_dir(out, read_manifest(out)["current_release"])
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "release.json"}


def everything(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} \
        if out.exists() else {}


@pytest.fixture
def writers(monkeypatch) -> list[str]:
    """The names of the threads that wrote an indicators table."""
    names = []
    original = etl.release.write_indicators

    def spy(table, path):
        names.append(threading.current_thread().name)
        return original(table, path)

    monkeypatch.setattr(etl.release, "write_indicators", spy)
    return names


def test_threaded_and_serial_builds_write_the_same_bytes(tmp_path, monkeypatch, writers):
    monkeypatch.setattr(etl.staging, "THREADED", True)
    build(GOOD, tmp_path / "threaded", today=TODAY)
    assert len(writers) == 1 and writers[0].startswith("etl-write"), writers
    monkeypatch.setattr(etl.staging, "THREADED", False)
    build(GOOD, tmp_path / "serial", today=TODAY)
    assert writers[1] == threading.main_thread().name, "one core: the table is written in turn"
    threaded, serial = files(tmp_path / "threaded"), files(tmp_path / "serial")
    assert "indicators.parquet" in threaded and threaded == serial
    assert not list((tmp_path / "threaded" / "releases").glob(".tmp-*")), "the staged folder became the release"


def test_a_build_that_stops_after_staging_leaves_the_folder_as_it_was(tmp_path, monkeypatch, writers):
    monkeypatch.setattr(etl.staging, "THREADED", True)
    out = tmp_path / "processed"
    build(GOOD, out, today=TODAY)
    before = everything(out)

    def fails(*args, **kwargs):
        raise RuntimeError("QA could not run")

    monkeypatch.setattr("etl.qa.qa_findings", fails)
    with pytest.raises(RuntimeError):
        build(GOOD, out, today=TODAY)
    assert len(writers) == 2, "the second build had started writing its table"
    assert everything(out) == before
    assert not list((out / "releases").glob(".tmp-*"))
    fresh = tmp_path / "never_built" / "processed"
    with pytest.raises(RuntimeError):
        build(GOOD, fresh, today=TODAY)
    assert not fresh.parent.exists(), "folders made only for the staged table are removed again"


def test_an_error_writing_the_staged_table_stops_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(etl.staging, "THREADED", True)
    out = tmp_path / "processed"
    build(GOOD, out, today=TODAY)
    before = everything(out)

    def full_disk(table, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(etl.release, "write_indicators", full_disk)
    with pytest.raises(OSError, match="No space left"):
        build(GOOD, out, today=TODAY)
    assert everything(out) == before


def test_a_rebuild_names_both_releases_in_its_diff(tmp_path, monkeypatch):
    """The diff is worked out while the table is written; the new release's id is filled in once known."""
    import json

    monkeypatch.setattr(etl.staging, "THREADED", True)
    out = tmp_path / "processed"
    first = build(GOOD, out, today=TODAY).release_id
    second = build(GOOD, out, today=TODAY).release_id
    changes = json.loads((release_dir(out, second) / "diff.json").read_text(encoding="utf-8"))
    assert (changes["old_release"], changes["new_release"]) == (first, second)
    assert f"{first} -> {second}" in (release_dir(out, second) / "diff.txt").read_text(encoding="utf-8")
