"""The view pack (web/view_pack.py): topic views rendered ahead of time are the bytes a live request gets,
equivalent links find the same view, and nothing the pack cannot vouch for is answered from it."""
from __future__ import annotations

import gzip
import json
import os
import threading
import time
import types
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import brotli
import httpx
import pytest

from web import router_cache, view_pack

ROOT = Path(__file__).resolve().parents[1]
POST = "/_dash-update-component"


def _post(client, path: str, search: str, encoding: str = "br"):
    return client.post(POST, json=view_pack.router_body(path, search), headers={"Accept-Encoding": encoding})


def _live(client, path: str, search: str) -> bytes:
    with router_cache.bypassed():
        got = _post(client, path, search, "identity")
    assert got.status_code == 200 and "X-PDP-Cache" not in got.headers
    return got.get_data()


def _equivalent(search: str) -> str:
    """The same view asked another way: keys reversed, the area in lower case, the default comparators named."""
    values = dict(parse_qsl(search.lstrip("?")))
    values["area"] = values["area"].lower()
    values["comparators"] = "country,region,home"
    return "?" + urlencode(dict(reversed(list(values.items()))), safe=",")


@pytest.fixture()
def pack_folder(tmp_path, monkeypatch, dash_app):
    monkeypatch.setenv("PDP_VIEW_PACK_DIR", str(tmp_path))
    dash_app.router_cache.clear()
    yield tmp_path
    dash_app.router_cache.clear()


def test_equivalent_links_find_one_view_and_others_none(release, dash_app):
    with dash_app.server.test_request_context(POST, method="POST"):
        path, search = next(view_pack.views(release))
        key = view_pack.key_for(release, path, search)
        assert key and key.startswith("claimant-count|")
        assert view_pack.key_for(release, path, _equivalent(search)) == key
        assert view_pack.key_for(release, path + "/", search) == key, "Dash's router strips the slash too"
        without_period = "&".join(p for p in search.split("&") if not p.startswith("period="))
        if release.latest_period(key.split("|")[2]) == key.split("|")[3]:
            assert view_pack.key_for(release, path, without_period) == key, "the default period named or not"
        for other in (search + "&home=E10000017", search + "&comparators=home", search + "&area=x&area=y",
                      search.replace("area=", "area=E99"), "?area=" + key.split("|")[1]):
            assert view_pack.key_for(release, path, other) is None, other
        assert view_pack.key_for(release, "/district", search) is None
        assert view_pack.key_for(release, "/compare", "") is None


def test_a_packed_view_is_the_live_reply_in_every_encoding(release, dash_app, pack_folder):
    client = dash_app.server.test_client()
    summary = view_pack.render(release, limit=4)
    assert summary["views"] == 4 and summary["release"] == release.id
    index = json.loads(next(pack_folder.glob("*.json")).read_text())
    assert len(index["replies"]) == 4
    packed_views = list(view_pack.views(release))[:4]
    for path, search in packed_views:
        asked = _equivalent(search)
        live = _live(client, path, asked)
        got = _post(client, path, asked, "br")
        assert got.headers["X-PDP-Cache"] == "pack" and got.headers["Content-Encoding"] == "br"
        assert brotli.decompress(got.get_data()) == live, "the pack holds the live reply, byte for byte"
        got = _post(client, path, asked, "gzip")
        assert got.headers["X-PDP-Cache"] == "pack" and gzip.decompress(got.get_data()) == live
        again = _post(client, path, asked, "gzip")
        assert again.headers["X-PDP-Cache"] == "hit", "re-encoded once, then kept in the router cache"
        got = _post(client, path, search + "&home=E10000017", "br")
        assert got.status_code == 200 and got.headers.get("X-PDP-Cache") != "pack", "another home area: live"
    path, search = list(view_pack.views(release))[4]
    got = _post(client, path, search)
    assert got.status_code == 200 and "X-PDP-Cache" not in got.headers, "a view outside the pack is rendered"


def test_threads_opening_the_pack_at_once_share_one_open_file(release, dash_app, pack_folder, monkeypatch):
    """A worker's first requests open the pack together: the second must take the first's pack, not open
    its own and close the first under the first reader's feet (it did: "Illegal seek" under wrk)."""
    view_pack.render(release, limit=3)
    view_pack._OPEN.clear()
    slow = types.SimpleNamespace(loads=lambda text: (time.sleep(0.2), json.loads(text))[1], dumps=json.dumps)
    monkeypatch.setattr(view_pack, "json", slow)  # both threads find no pack open before either has one
    start, packs = threading.Barrier(2), []

    def open_pack():
        start.wait()
        packs.append(view_pack.current_pack(release))

    threads = [threading.Thread(target=open_pack) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert packs[0] is packs[1] and not packs[0].file.closed
    key = view_pack.key_for(release, *next(view_pack.views(release)))
    assert brotli.decompress(packs[0].reply(key))


def test_two_processes_render_the_pack_one_process_renders(release, dash_app, tmp_path, monkeypatch):
    packs = {}
    for jobs in (1, 2):
        monkeypatch.setenv("PDP_VIEW_PACK_DIR", str(tmp_path / str(jobs)))
        summary = view_pack.render(release, limit=5, jobs=jobs)
        assert summary["views"] == 5 and summary["jobs"] == jobs
        name = view_pack.pack_name(release)
        index = json.loads((tmp_path / str(jobs) / f"{name}.json").read_text())["replies"]
        body = (tmp_path / str(jobs) / f"{name}.br").read_bytes()
        assert sum(length for _, length in index.values()) == len(body) == summary["bytes"]
        packs[jobs] = {key: brotli.decompress(body[start:start + length]) for key, (start, length) in index.items()}
        assert not list((tmp_path / str(jobs)).glob(".*.tmp")), "the runs' files are gone"
    assert packs[1] == packs[2]


def test_a_pack_is_not_used_once_the_day_adds_a_notice(release, dash_app, pack_folder, monkeypatch):
    from components import freshness

    due = [s["next_update"] for s in release.sources if s.get("next_update")]
    if not due:
        pytest.skip("the factory release names no next update")
    client = dash_app.server.test_client()
    view_pack.render(release, limit=1)
    path, search = next(view_pack.views(release))
    assert _post(client, path, search).headers.get("X-PDP-Cache") == "pack"
    monkeypatch.setattr(freshness, "today", lambda: "2999-01-01")  # every source overdue: notices on the page
    got = _post(client, path, search, "identity")
    assert got.headers.get("X-PDP-Cache") is None, "rendered live, with the notice"
    assert freshness.NOTICE in got.get_data(as_text=True)


def test_ensure_renders_once_prunes_others_and_a_half_written_pack_is_never_read(release, dash_app, pack_folder):
    name = view_pack.pack_name(release)
    site = name.rsplit("-", 1)[0]
    (pack_folder / f"{site}-0123456789abcdef01234567.json").write_text("{}")  # an earlier release's pack
    other_site = "0123abcd-E10000017-0123456789abcdef01234567.json"  # another deployment sharing the folder
    (pack_folder / other_site).write_text("{}")
    (pack_folder / f".{site}-0123.99.0.tmp").write_bytes(b"x")  # a render that was stopped
    first = view_pack.ensure(limit=2)
    assert first["views"] == 2
    assert view_pack.ensure(limit=2) is None, "rendered already: nothing to do"
    names = sorted(p.name for p in pack_folder.iterdir())
    assert names == [".lock", other_site, f"{name}.br", f"{name}.json"]
    (pack_folder / f"{name}.json").unlink()  # the index is written last: without it there is no pack
    view_pack._OPEN.clear()
    client = dash_app.server.test_client()
    path, search = next(view_pack.views(release))
    assert _post(client, path, search).headers.get("X-PDP-Cache") is None


def test_gunicorn_renders_the_pack_beside_its_workers_and_stops_it(release_dir, tmp_path):
    from bench.bench_load import start_gunicorn, stop_server

    env = {**os.environ, "PDP_PROCESSED_DIR": str(release_dir), "PDP_HOME_AREA": "E37000019",
           "PDP_VIEW_PACK": "1", "PDP_VIEW_PACK_LIMIT": "3", "PDP_VIEW_PACK_DIR": str(tmp_path)}
    server, base = start_gunicorn(env, quiet=True)
    try:
        for _ in range(600):  # the packer's first run starts with the master; rendering takes seconds
            if list(tmp_path.glob("*.json")):
                break
            time.sleep(0.1)
        index = json.loads(next(tmp_path.glob("*.json")).read_text())
        assert index["views"] == 3
        path, search = _first_view(index)
        got = httpx.post(base + POST, json=view_pack.router_body(path, search), headers={"Accept-Encoding": "br"},
                         timeout=30)
        assert got.status_code == 200 and got.headers["X-PDP-Cache"] == "pack"
        packers = [int(pid) for pid, args in _children(server.pid) if "view-packer" in args]
        assert len(packers) == 1, "the packer loop runs beside the workers"
    finally:
        stop_server(server)
    for _ in range(100):
        if not Path(f"/proc/{packers[0]}").exists():
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{packers[0]}").exists(), "the packer stops with gunicorn"


def _first_view(index: dict) -> tuple[str, str]:
    key = min(index["replies"].items(), key=lambda kv: kv[1][0])[0]
    slug, area, ind, period, dim = key.split("|")
    return f"/{slug}", "?" + urlencode({k: v for k, v in (("area", area), ("indicator", ind), ("period", period),
                                                          ("breakdown", dim)) if v})


def _children(pid: int) -> list[tuple[str, str]]:
    """(pid, command line) of ``pid``'s child processes, from /proc (no ps needed)."""
    from bench.bench_load import children

    out = []
    for child in children(pid):
        try:
            out.append((str(child), Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except OSError:
            continue
    return out
