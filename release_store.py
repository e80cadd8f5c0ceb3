"""Releases kept in object storage (``s3://bucket/prefix`` or any fsspec URL), mirrored to a local folder.

Why a mirror: every reader (the app, ``etl releases``) and every writer (``etl build``/``demo``/``use``)
already works on a local folder with the layout ``etl.release`` describes, atomically switched. So the
store is synchronised with that folder and nothing else changes:

* a writer copies the store's manifest, every ``release.json`` and the current release down
  (:func:`checkout`), works locally, then :func:`publish` uploads the new release folders first and the
  manifest last, with a conditional write (``If-Match`` the manifest it started from, or
  ``If-None-Match: *`` when there was none), so of two concurrent builds only one wins and the other fails
  with a clear error, changing nothing a reader follows;
* a reader (:func:`refresh`) polls the store's manifest at most every ``PDP_RELEASE_POLL_SECONDS``; a new
  current release is downloaded completely into ``releases/.tmp-*``, renamed into place, and only then
  named in the local manifest, so a reader never sees half a release. When the store cannot be reached the
  last mirrored release keeps serving and :func:`status` says so (``/readyz``).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import config

log = logging.getLogger(__name__)


class PublishConflict(RuntimeError):
    """Another build changed the store's manifest after this one read it."""


def _fs(url: str):
    """The fsspec filesystem and root path for ``url``; ``PDP_S3_ENDPOINT_URL`` names an S3-compatible
    store that is not AWS (MinIO, moto, Ceph)."""
    import fsspec

    options = {}
    endpoint = os.environ.get("PDP_S3_ENDPOINT_URL")
    if url.startswith("s3://"):
        options = {"client_kwargs": {"endpoint_url": endpoint}} if endpoint else {}
        options["skip_instance_cache"] = True  # a fresh client per call: forked workers share no loop
        # an unreachable store must cost a poll seconds, not minutes of retries
        options["config_kwargs"] = {"connect_timeout": 3, "read_timeout": 30, "retries": {"max_attempts": 2}}
    fs, root = fsspec.core.url_to_fs(url, **options)
    return fs, root.rstrip("/")


def _read_manifest(fs, root: str) -> tuple[dict | None, str | None]:
    """The store's manifest and its version tag (ETag), or (None, None) when there is none yet."""
    path = f"{root}/{config.MANIFEST_NAME}"
    try:
        info = fs.info(path)
    except FileNotFoundError:
        return None, None
    data = json.loads(fs.cat_file(path))
    return data, str(info.get("ETag") or info.get("etag") or "")


def _write_local_json(data: dict, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
    os.replace(tmp, path)


def _download_release(fs, root: str, release_id: str, local: Path) -> None:
    """Copy one release folder down completely, then rename it into place (never half there)."""
    releases = local / config.RELEASES_SUBDIR
    releases.mkdir(parents=True, exist_ok=True)
    final = releases / release_id
    if (final / "indicators.parquet").is_file():
        return
    tmp = Path(tempfile.mkdtemp(dir=releases, prefix=".tmp-"))
    try:
        fs.get(f"{root}/{config.RELEASES_SUBDIR}/{release_id}/", str(tmp), recursive=True)
        if not (tmp / "release.json").is_file():
            raise FileNotFoundError(f"release {release_id} in the store has no release.json")
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# --- writers: etl build / demo / use / releases ----------------------------------------------------
def checkout(url: str, local: Path) -> str | None:
    """Copy what a writer needs into ``local``: the manifest, every release's ``release.json`` and the
    current release. Returns the manifest's version tag for :func:`publish` (None: no manifest yet)."""
    fs, root = _fs(url)
    manifest, tag = _read_manifest(fs, root)
    releases = local / config.RELEASES_SUBDIR
    releases.mkdir(parents=True, exist_ok=True)
    for path in fs.glob(f"{root}/{config.RELEASES_SUBDIR}/*/release.json"):
        release_id = path.rstrip("/").split("/")[-2]
        (releases / release_id).mkdir(exist_ok=True)
        (releases / release_id / "release.json").write_bytes(fs.cat_file(path))
    if manifest:
        shutil.rmtree(releases / manifest["current_release"], ignore_errors=True)
        _download_release(fs, root, manifest["current_release"], local)
        _write_local_json(manifest, local / config.MANIFEST_NAME)
    return tag


def publish(url: str, local: Path, tag: str | None) -> None:
    """Upload release folders the store lacks, then the manifest (conditionally), then remove releases
    pruned locally. Raises :class:`PublishConflict` when another build published first."""
    fs, root = _fs(url)
    manifest_path = local / config.MANIFEST_NAME
    if not manifest_path.is_file():
        return
    remote_ids = {p.rstrip("/").split("/")[-2] for p in fs.glob(f"{root}/{config.RELEASES_SUBDIR}/*/release.json")}
    local_ids = {p.name for p in (local / config.RELEASES_SUBDIR).iterdir()
                 if p.is_dir() and not p.name.startswith(".") and (p / "release.json").is_file()}
    for release_id in sorted(local_ids - remote_ids):
        folder = local / config.RELEASES_SUBDIR / release_id
        target = f"{root}/{config.RELEASES_SUBDIR}/{release_id}"
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "release.json")
        for path in files:  # release.json last: a release is listed only once its files are there
            fs.put_file(str(path), f"{target}/{path.relative_to(folder).as_posix()}")
        fs.put_file(str(folder / "release.json"), f"{target}/release.json")
    body = manifest_path.read_bytes()
    condition = {"IfMatch": tag} if tag else {"IfNoneMatch": "*"}
    try:
        fs.pipe_file(f"{root}/{config.MANIFEST_NAME}", body, **condition)
    except OSError as exc:  # s3fs wraps the store's 412 PreconditionFailed in an OSError
        code = getattr(exc.__cause__, "response", {}).get("Error", {}).get("Code")
        if code in ("PreconditionFailed", "412"):
            raise PublishConflict(f"another build changed {url}/{config.MANIFEST_NAME} meanwhile; "
                                  "nothing was made current: run the build again") from None
        raise
    current = json.loads(body)["current_release"]
    for release_id in sorted(remote_ids - local_ids - {current}):
        fs.rm(f"{root}/{config.RELEASES_SUBDIR}/{release_id}", recursive=True)


# --- readers: the app ---------------------------------------------------------------------------
_STATE = {"checked": 0.0, "ok_at": None, "error": None}
_LOCK = threading.Lock()


def refresh(url: str, force: bool = False) -> None:
    """Mirror the store's current release if the poll interval has passed (one thread at a time; the
    others go on serving the release already mirrored). Failures are logged and remembered, never raised."""
    now = time.monotonic()
    if not force and now - _STATE["checked"] < config.release_poll_seconds():
        return
    if not _LOCK.acquire(blocking=force or _STATE["ok_at"] is None):
        return
    try:
        _STATE["checked"] = now
        local = config.mirror_dir(url)
        fs, root = _fs(url)
        manifest, _tag = _read_manifest(fs, root)
        if manifest:
            local_manifest = local / config.MANIFEST_NAME
            known = json.loads(local_manifest.read_text(encoding="utf-8")) if local_manifest.is_file() else {}
            if known.get("current_release") != manifest["current_release"]:
                _download_release(fs, root, manifest["current_release"], local)
                _write_local_json(manifest, local_manifest)
                log.info("release %s mirrored from %s", manifest["current_release"], url)
        _STATE.update(ok_at=time.time(), error=None)
    except Exception as exc:  # the store is unreachable or damaged: keep serving what is mirrored
        if _STATE["error"] is None:
            log.warning("release store %s cannot be read (%s): serving the last mirrored release", url, exc)
        _STATE["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        _LOCK.release()


def status() -> dict:
    """When the store was last read successfully and the last error (None when it answers)."""
    return {"last_ok": _STATE["ok_at"], "error": _STATE["error"]}
