"""Every topic view of a release, rendered ahead of time and served like a static file.

A release changes six times a year, and a topic page's view is a pure function of the release, the home
area, the renderer (this code and its libraries), the day's "newer data may be available" notices and the
view's parameters (district × measure × period × breakdown). So the router's reply for every such view, at
the default comparators, is rendered once, by the router itself (the app's own request path: the bytes a
live request would get), compressed with brotli and written to a *pack*: one file of replies and an index,
named by a digest of everything the replies depend on. A worker answers a view in the pack with one
``pread`` (it keeps only the index in memory), and a view outside it (another home area, other
comparators, a link that does not resolve) is rendered live as before.

``python -m web.view_pack`` renders the pack of the current release if it is missing and prunes the
others; under gunicorn a low-priority loop beside the workers runs it every few minutes, so a new release
or a new day's notices get their pack (``gunicorn.conf.py``). While no pack fits the request, every view is
rendered live: a pack only ever saves time.
"""
from __future__ import annotations

import argparse
import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from threading import Lock
from typing import Iterator

import config
import data_access
from components import freshness, params, topic_page
from web.router_cache import ROUTER_OUTPUT
from vocab.catalogue import TOPICS

log = logging.getLogger(__name__)

FORMAT = 1
BROTLI_QUALITY = 5  # written once per release: smaller than the live replies' quality 3, read just as fast
RECHECK_SECONDS = 5.0  # how long a worker trusts "no pack yet" before looking again
CODE_FOLDERS = ("components", "pages", "vocab", "web")
CODE_FILES = ("app.py", "config.py", "data_access.py", "release_query.py", "release_table.py")


def folder() -> Path:
    """Where packs live: ``PDP_VIEW_PACK_DIR``, else ``pdp-views`` in the temp folder (not the release
    folder, which may be read-only or mirrored from object storage)."""
    return Path(os.environ.get("PDP_VIEW_PACK_DIR") or Path(tempfile.gettempdir()) / "pdp-views")


@functools.lru_cache(maxsize=1)
def renderer_version() -> str:
    """A digest of the code and libraries that render a view: another version renders other bytes."""
    import dash
    import plotly

    digest = hashlib.sha256(f"{FORMAT} {dash.__version__} {plotly.__version__}".encode())
    files = [config.ROOT / f for f in CODE_FILES]
    files += sorted(p for d in CODE_FOLDERS for p in (config.ROOT / d).rglob("*") if p.suffix in (".py", ".csv"))
    for file in files:
        digest.update(file.relative_to(config.ROOT).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def pack_name(rel) -> str:
    """The pack for this release, home area, renderer and day's notices: ``<site>-<home>-<digest>``, where
    the site is a digest of the release location (so deployments sharing the folder prune only their own)."""
    location = config.processed_location()
    parts = [location, rel.id, rel.home_code(), renderer_version(), freshness.notices_state(rel.id, freshness.today())]
    return f"{_site(location, rel.home_code())}-{hashlib.sha256(chr(10).join(parts).encode()).hexdigest()[:24]}"


def _site(location: str, home: str) -> str:
    return f"{hashlib.sha256(location.encode()).hexdigest()[:8]}-{home}"


def view_key(view: topic_page.View) -> str:
    return "|".join([view.slug, view.area_code or "", view.ind_id or "", view.period_v or "", view.dim or ""])


def key_for(rel, path: str, search: str) -> str | None:
    """The pack key of a router request for ``path`` + ``search``, or None when the pack cannot answer it:
    not a topic page, another home area or comparators than the default, a value that does not resolve,
    or no measure named (the home-area form then keeps no measure, so the reply differs)."""
    import dash
    from dash._pages import _parse_query_string  # Dash's own parse: the values the page is given

    slug = dash.get_app().strip_relative_path(path)
    if slug not in TOPICS or not rel.indicators(slug):
        return None
    query = _parse_query_string(search)
    if any(not isinstance(v, str) for v in query.values()) or query.get("home") or not query.get("indicator"):
        return None
    try:
        view = topic_page.resolve(rel, slug, query.get("area"), query.get("indicator"), query.get("period"),
                                  query.get("breakdown"), query.get("comparators"))
    except params.BadParam:
        return None
    return view_key(view) if view.roles == params.COMPARATOR_ROLES else None


def views(rel) -> Iterator[tuple[str, str]]:
    """(path, query) of every view the pack holds, latest periods first, one measure and period at a time
    (so the charts every district shares are drawn once)."""
    districts = list(rel.home_districts()["area_code"])
    for slug in TOPICS:
        for ind in rel.indicators(slug):
            for period in reversed(rel.periods(ind)):
                for dim in [None, *rel.breakdown_dimensions(ind)]:
                    for area in districts:
                        yield f"/{slug}", params.query(area=area, indicator=ind, period=period, breakdown=dim)


def router_body(path: str, search: str) -> dict:
    """The request body Dash's renderer posts for the page at ``path`` + ``search``."""
    return {"output": ROUTER_OUTPUT, "outputs": [{"id": "_pages_content", "property": "children"},
                                                 {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.search"], "state": []}


class Pack:
    """An open pack: its index in memory (key -> offset, length), its replies read on demand. The file
    closes when the last request holding the pack lets go of it (never under a reader's feet)."""

    def __init__(self, body: Path, index: dict):
        self.file = open(body, "rb", buffering=0)  # noqa: SIM115 - lives as long as the pack object
        self.index = index

    def reply(self, key: str) -> bytes | None:
        where = self.index.get(key)
        return os.pread(self.file.fileno(), where[1], where[0]) if where else None


_OPEN: dict[Path, Pack | float] = {}  # folder/name -> open pack, or when it was last found missing
_OPEN_LOCK = Lock()


def current_pack(rel) -> Pack | None:
    """The open pack for ``rel`` now, or None (looked for again after RECHECK_SECONDS)."""
    where = folder() / pack_name(rel)
    found = _OPEN.get(where)
    if isinstance(found, Pack):
        return found
    if found is not None and time.monotonic() - found < RECHECK_SECONDS:
        return None
    with _OPEN_LOCK:
        found = _OPEN.get(where)  # another thread may have opened it meanwhile
        if isinstance(found, Pack):
            return found
        try:
            index = json.loads(where.with_suffix(".json").read_bytes())
            pack = Pack(where.with_suffix(".br"), index["replies"])
        except (OSError, ValueError, KeyError):
            _OPEN[where] = time.monotonic()
            return None
        _OPEN.clear()  # one pack at a time: the previous one closes once no request reads it
        _OPEN[where] = pack
        return pack


def reply(path: str, search: str) -> bytes | None:
    """The pack's brotli-compressed router reply for this request, when the current pack holds it."""
    if data_access.requested_home():
        return None
    try:
        rel = data_access.load()  # one look at the manifest (the router key has just made sure of a release)
    except data_access.NoReleaseError:
        return None
    pack = current_pack(rel)
    if pack is None:
        return None
    key = key_for(rel, path, search)
    return pack.reply(key) if key else None


def render(rel, limit: int | None = None, budget_mb: float | None = None, jobs: int = 1) -> dict:
    """Render the pack for ``rel`` (the current release) into the pack folder; returns its summary.

    Each view goes through the app's own router request (the router cache and the pack are bypassed), so a
    packed reply is byte for byte what a live request gets. ``jobs`` forked processes take a run of
    consecutive views each (the charts their districts share stay theirs to reuse). Written to temporary
    files and renamed, the index last: a worker sees a whole pack or none."""
    import multiprocessing

    name = pack_name(rel)
    folder().mkdir(parents=True, exist_ok=True)
    todo = list(views(rel))[:limit]
    jobs = max(1, min(jobs, len(todo)))
    runs = [(todo[i * len(todo) // jobs:(i + 1) * len(todo) // jobs], folder() / f".{name}.{os.getpid()}.{i}.tmp",
             None if budget_mb is None else budget_mb * 2 ** 20 / jobs) for i in range(jobs)]
    if jobs == 1:
        parts = [_render_run(*runs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.starmap(_render_run, runs)
    replies, offset = {}, 0
    with open(runs[0][1], "ab") as out:  # the runs' files, one after another, in the first
        for (_, tmp, _), (part, cpu) in zip(runs, parts):
            replies.update({key: (offset + start, length) for key, (start, length) in part.items()})
            offset += tmp.stat().st_size
            if tmp != runs[0][1]:
                with open(tmp, "rb") as run_file:
                    shutil.copyfileobj(run_file, out)
                tmp.unlink()
    summary = {"format": FORMAT, "release": rel.id, "home": rel.home_code(), "views": len(replies),
               "bytes": offset, "jobs": jobs, "cpu_seconds": round(sum(cpu for _, cpu in parts), 1)}
    os.replace(runs[0][1], folder() / f"{name}.br")
    index_tmp = folder() / f".{name}.{os.getpid()}.json.tmp"
    index_tmp.write_text(json.dumps({**summary, "replies": replies}))
    os.replace(index_tmp, folder() / f"{name}.json")
    return summary


def _render_run(todo: list[tuple[str, str]], tmp: Path, budget: float | None) -> tuple[dict, float]:
    """Render ``todo`` into ``tmp`` until it holds ``budget`` bytes: (key -> (offset, length), CPU seconds)."""
    import brotli

    import app as app_module
    from web import router_cache

    started, replies, offset = time.process_time(), {}, 0
    rel = data_access.load()
    client = app_module.server.test_client()
    with router_cache.bypassed(), open(tmp, "wb") as out:
        client.get("/", headers={"X-PDP-Warm-Up": "1"})
        for path, search in todo:
            if budget is not None and offset >= budget:
                break
            response = client.post("/_dash-update-component", json=router_body(path, search),
                                   headers={"Accept-Encoding": "identity"})
            if response.status_code != 200:
                raise RuntimeError(f"rendering {path}{search} gave HTTP {response.status_code}")
            body = brotli.compress(response.get_data(), quality=BROTLI_QUALITY)
            out.write(body)
            replies[key_for(rel, path, search)] = (offset, len(body))
            offset += len(body)
    return replies, time.process_time() - started


def prune(name: str) -> None:
    """Remove this site's and home area's packs other than ``name``, and files a stopped render left (this
    runs under the folder's lock, so no render is under way)."""
    site = name.rsplit("-", 1)[0]
    for file in folder().glob("*"):
        if file.name.endswith(".tmp") or (file.name.startswith(site + "-") and file.name.split(".")[0] != name):
            file.unlink(missing_ok=True)


def ensure(limit: int | None = None, budget_mb: float | None = None, jobs: int = 1) -> dict | None:
    """Render the current release's pack unless it is there already; prune the others."""
    if not data_access.has_release():
        return None
    rel = data_access.load()
    name = pack_name(rel)
    summary = None
    folder().mkdir(parents=True, exist_ok=True)
    with open(folder() / ".lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another process renders it
        if not (folder() / f"{name}.json").exists():
            summary = render(rel, limit, budget_mb, jobs)
            log.info("view pack %s: %s views, %.1f MB, %s s CPU", name, summary["views"],
                     summary["bytes"] / 2 ** 20, summary["cpu_seconds"])
        prune(name)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web.view_pack", description=__doc__.split("\n\n")[0])
    limit = os.environ.get("PDP_VIEW_PACK_LIMIT")
    parser.add_argument("--limit", type=int, default=int(limit) if limit else None,
                        help="render at most this many views (default: all; PDP_VIEW_PACK_LIMIT)")
    parser.add_argument("--budget-mb", type=float, default=float(os.environ.get("PDP_VIEW_PACK_MB", "1024")),
                        help="stop adding views once the pack is this large (default 1024, PDP_VIEW_PACK_MB)")
    parser.add_argument("--jobs", type=int, default=1, help="processes rendering at once (default 1)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=config.LOG_LEVEL, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    summary = ensure(args.limit, args.budget_mb, args.jobs)
    print(json.dumps(summary or {"views": 0, "note": "the pack was already there, or there is no release"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
