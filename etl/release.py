"""Release folders and the manifest: written to a temporary folder, then switched atomically.

Layout (the app reads nothing else)::

    <out>/manifest.json               names the current release (+ a copy of its release.json)
    <out>/releases/<id>/indicators.parquet, areas.parquet, derivations.parquet, [boundaries.parquet],
                              release.json, ...

A failed build never touches ``<out>``'s current release: files are written under
``releases/.tmp-*`` and only a finished folder is renamed into place and named in the manifest
(written to a temp file, then ``os.replace``).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from config import KEEP_RELEASES, MANIFEST_NAME, RELEASES_SUBDIR
from etl.errors import Problem, ReleaseError
from etl.derivations import DERIVATIONS_SCHEMA
from etl.geography import AREAS_SCHEMA
from etl.schema import ARROW_SCHEMA

SCHEMA_VERSION = 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


ROW_GROUP = 1024 * 1024  # pyarrow's default (largest) row group


def write_parquet(df: pd.DataFrame, path: Path, schema: pa.Schema | None = None) -> None:
    """Parquet with an explicit schema and no pandas index, so equal tables give equal bytes.

    Text columns held as categoricals go to the writer as their codes and categories (``arrow_table``'s
    dictionaries), which Parquet stores dictionary-encoded anyway: not a text per row to make and hash
    again. The file carries no Arrow schema of its own (``store_schema=False``), so readers take each
    column's Parquet type, which is the schema's (strings, not dictionaries). A table of more than one row
    group is converted and written a row group at a time (the same groups ``pq.write_table`` makes): a
    national table's Arrow copy is hundreds of MB."""
    options = {"compression": "zstd", "write_statistics": True, "store_schema": False}
    if schema is None or len(df) <= ROW_GROUP:
        pq.write_table(arrow_table(df, schema, dictionaries=True), path, **options)
        return
    with pq.ParquetWriter(path, dictionary_schema(df, schema), **options) as writer:
        for start in range(0, len(df), ROW_GROUP):
            writer.write_table(arrow_table(df.iloc[start:start + ROW_GROUP], schema, dictionaries=True),
                               row_group_size=ROW_GROUP)


def dictionary_schema(df: pd.DataFrame, schema: pa.Schema) -> pa.Schema:
    """``schema`` with each text column that ``df`` holds as a categorical typed as a dictionary of texts."""
    return pa.schema([pa.field(f.name, pa.dictionary(pa.int32(), pa.string()), nullable=f.nullable)
                      if f.type == pa.string() and isinstance(df[f.name].dtype, pd.CategoricalDtype) else f
                      for f in schema])


def arrow_table(df: pd.DataFrame, schema: pa.Schema | None = None, dictionaries: bool = False) -> pa.Table:
    """``pa.Table.from_pandas(df, schema)`` with no pandas metadata, each text column converted once per
    distinct value: a tidy column repeats a few hundred texts millions of times, and converting every cell
    was most of the writing. With ``dictionaries``, categorical text columns stay dictionaries (their codes
    and categories: ``dictionary_schema``)."""
    texts = [f.name for f in schema or [] if f.type == pa.string()
             and (df[f.name].dtype == object or isinstance(df[f.name].dtype, pd.CategoricalDtype))]
    if not texts:
        return pa.Table.from_pandas(df, schema=schema, preserve_index=False).replace_schema_metadata(None)
    rest = pa.schema([f for f in schema if f.name not in texts])
    table = pa.Table.from_pandas(df[rest.names], schema=rest, preserve_index=False) if len(rest) else None
    columns = {name: _text_array(df[name], dictionaries) for name in texts}
    out = dictionary_schema(df, schema) if dictionaries else schema
    return pa.table([columns[f.name] if f.name in columns else table.column(f.name) for f in out],
                    schema=out.remove_metadata())


def _text_array(values: pd.Series, dictionary: bool = False) -> pa.Array:
    """A column of texts (object, missing: None/NaN; or categorical) as an Arrow string array, via its
    distinct values (a categorical's are its categories: nothing to hash); a categorical as a dictionary
    array of them with ``dictionary``."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories.to_numpy(dtype=object)
        if dictionary:
            return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32), mask=codes < 0),
                                                  pa.array(uniques, type=pa.string()))
    else:
        codes, uniques = pd.factorize(values)
    return pa.array(uniques, type=pa.string()).take(pa.array(codes, mask=codes < 0))


INDICATORS_FILE = "indicators.parquet"


def write_indicators(indicators: pd.DataFrame, path: Path) -> None:
    """The release's indicators table (the tidy contract's Arrow schema)."""
    write_parquet(indicators, path, ARROW_SCHEMA)


def write_json_atomic(data: dict, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
    os.replace(tmp, path)


def read_manifest(out_dir: Path) -> dict | None:
    """The manifest, or None when no release has been built yet."""
    path = Path(out_dir) / MANIFEST_NAME
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReleaseError(Problem(file=str(path), message=f"the manifest is not valid JSON ({exc})")) from None


def release_dir(out_dir: Path, release_id: str) -> Path:
    return Path(out_dir) / RELEASES_SUBDIR / release_id


def list_releases(out_dir: Path) -> list[dict]:
    """Every complete release folder, newest first, each with its release.json contents."""
    root = Path(out_dir) / RELEASES_SUBDIR
    found = []
    if root.exists():
        for folder in root.iterdir():
            meta_path = folder / "release.json"
            if folder.is_dir() and not folder.name.startswith(".") and meta_path.exists():
                found.append(json.loads(meta_path.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: (m.get("created", ""), m["id"]), reverse=True)


def write_release(out_dir: Path, *, indicators: pd.DataFrame, areas: pd.DataFrame, meta: dict,
                  boundaries=None, derivations: pd.DataFrame | None = None,
                  extra_files: dict[str, str | bytes] | None = None,
                  keep: int = KEEP_RELEASES, now: datetime | None = None,
                  finalize: Callable[[str, Path], None] | None = None, staged=None) -> str:
    """Write a complete release folder, switch the manifest to it, prune old ones; returns its id.

    ``finalize(release_id, folder)`` may add files that need the id (e.g. the diff against the
    previous release) before the folder is moved into place. ``staged`` (an ``etl.staging.StagedTable``
    of ``indicators``) is the folder whose indicators.parquet is already being written.
    """
    out_dir = Path(out_dir)
    root = out_dir / RELEASES_SUBDIR
    root.mkdir(parents=True, exist_ok=True)
    ahead = (staged is not None and staged.folder is not None and staged.folder.parent == root
             and staged.table is indicators)
    tmp = staged.folder if ahead else Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    try:
        if not ahead:
            write_indicators(indicators, tmp / INDICATORS_FILE)
        write_parquet(areas, tmp / "areas.parquet", AREAS_SCHEMA)
        if derivations is not None:
            write_parquet(derivations, tmp / "derivations.parquet", DERIVATIONS_SCHEMA)
        if boundaries is not None and len(boundaries):
            boundaries.to_parquet(tmp / "boundaries.parquet", index=False)
        for name, content in (extra_files or {}).items():
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(tmp / name, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as fh:
                fh.write(content)
        if ahead:
            staged.finish()
        now = now or datetime.now(timezone.utc)
        table_hash = sha256_file(tmp / INDICATORS_FILE)
        release_id = f"{now:%Y%m%dT%H%M%SZ}-{table_hash[:8]}"
        meta = {**meta, "id": release_id, "created": now.isoformat(timespec="seconds"),
                "table_sha256": table_hash, "has_boundaries": (tmp / "boundaries.parquet").exists()}
        write_json_atomic(meta, tmp / "release.json")
        if finalize is not None:
            finalize(release_id, tmp)
        final = root / release_id
        if final.exists():  # the same inputs built twice within a second
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    switch_current(out_dir, release_id)
    prune(out_dir, keep)
    return release_id


def switch_current(out_dir: Path, release_id: str) -> dict:
    """Point manifest.json at ``release_id`` atomically (it must be a complete release)."""
    out_dir = Path(out_dir)
    meta_path = release_dir(out_dir, release_id) / "release.json"
    if not meta_path.exists():
        known = ", ".join(m["id"] for m in list_releases(out_dir)) or "none"
        raise ReleaseError(Problem(file=str(out_dir), message=f"no release called {release_id!r}",
                                   expected=f"one of: {known}", found=release_id))
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    releases = [{"id": m["id"], "created": m["created"], "is_demo": m.get("is_demo", False)}
                for m in list_releases(out_dir)]
    manifest = {"schema_version": SCHEMA_VERSION, "current_release": release_id, "release": meta,
                "releases": releases}
    write_json_atomic(manifest, out_dir / MANIFEST_NAME)
    return manifest


def prune(out_dir: Path, keep: int) -> list[str]:
    """Delete all but the newest ``keep`` releases (never the current one) and stale temp folders."""
    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir) or {}
    current = manifest.get("current_release")
    removed = []
    for meta in list_releases(out_dir)[max(keep, 1):]:
        if meta["id"] != current:
            shutil.rmtree(release_dir(out_dir, meta["id"]), ignore_errors=True)
            removed.append(meta["id"])
    for stale in (out_dir / RELEASES_SUBDIR).glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    if removed:
        switch_current(out_dir, current)  # refresh the manifest's list of releases
    return removed
