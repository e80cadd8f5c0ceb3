"""`python -m etl fetch`: download the publishers' latest releases into ``data/raw/<YYYY-MM-DD>/``.

Sources, URLs, dataset ids and query parameters are data in ``etl/publishers.toml``. Each file is
written to a temporary name in the dated folder, validated (not an HTML error page, not cut short,
the expected header present), and only then moved over its final name with ``os.replace``: a failed
run never loses an earlier download. A 304 to a conditional request (ETag / Last-Modified kept in
``data/raw/.fetch-state.json``) means "unchanged": the previous file is reused. Every file's sha256
goes into ``data/raw/<date>/fetch-manifest.json``; the build copies the checksums into the release.

With no network or a publisher down, a source fails in seconds (small connect timeout, no retries
on refused connections or DNS failures) with a message naming the host and the manual route. 429 and
5xx answers are retried with exponential back-off (honouring Retry-After). One failing source does
not stop the others; the exit code is 1 when any failed.

fetch-manifest.json::

    {"schema_version": 1, "raw_folder": "2026-11-24", "updated": "<ISO UTC>",
     "files": [{"source_id", "publisher", "title", "download", "urls": [...], "file" (path relative to
                data/raw, e.g. "2026-11-24/x.csv" or an older folder's file when reused),
                "sha256", "bytes", "rows" (CSV data rows or GeoJSON features, else null),
                "fetched_at", "etag", "last_modified",
                "status" ("downloaded" | "unchanged" | "skipped" | "failed"), "error",
                "next_update", "licence", "landing_page"}, ...]}
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


import config
from etl import publishers
from etl.errors import EtlError, Problem
from etl.fetch_http import Http, Unreachable, check_length, csv_problem, decode_text, looks_like_html
from etl.publishers import PUBLISHERS_TOML, Download, Settings, Source

STATE_NAME = ".fetch-state.json"
MANIFEST_NAME = "fetch-manifest.json"
DATED_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ZIP_MAGIC = b"PK\x03\x04"  # XLSX and ODS are zip files
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary XLS


class FetchError(EtlError):
    """A download failed, or what came back is not the file the publisher normally serves."""


# --- configuration ----------------------------------------------------------------------------

def load_config(path: Path | str = PUBLISHERS_TOML) -> tuple[Settings, dict[str, Source]]:
    """(settings, the sources that have downloads) from the publishers file (``etl.publishers`` reads it)."""
    settings, sources = publishers.load(path)
    return settings, {source_id: source for source_id, source in sources.items() if source.downloads}


def resolve_url(download: Download, since: str, override: str | None = None) -> str:
    """The download's URL with {since}/{dataset_id} filled; ``override`` swaps the scheme and host
    (or, when it has a path, the whole URL) so tests can point a source at 127.0.0.1."""
    url = download.url.format(since=since, dataset_id=download.dataset_id or "")
    if not override:
        return url
    parts = urlsplit(override)
    if parts.path not in ("", "/"):
        return override
    own = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, own.path, own.query, own.fragment))


def resolve_params(download: Download, since: str) -> dict[str, str]:
    return {k: str(v).format(since=since) for k, v in download.params.items()}


# --- the fetchers, one per kind ----------------------------------------------------------------------

@dataclass
class Fetched:
    """A completed, validated download written to ``path`` (or reused when ``status`` is unchanged)."""

    path: Path
    urls: list[str]
    status: str = "downloaded"
    etag: str | None = None
    last_modified: str | None = None
    rows: int | None = None


class Fetcher:
    """Downloads the configured sources into ``raw/<date>/`` and records them in the manifest."""

    def __init__(self, raw_dir: Path, sources: dict[str, Source], settings: Settings, *, day: str | None = None,
                 since: str | None = None, overrides: dict[str, str] | None = None, progress=None, sleep=time.sleep):
        self.raw_dir = Path(raw_dir)
        self.sources = sources
        self.settings = settings
        self.day = day or datetime.now(timezone.utc).date().isoformat()
        self.since = since or settings.since
        self.overrides = overrides or {}
        self.folder = self.raw_dir / self.day
        self.http = Http(settings, sleep=sleep)
        self.progress = progress or (lambda message: None)
        self.down_hosts: dict[str, str] = {}  # hosts that could not be reached in this run: fail the rest at once

    # public -------------------------------------------------------------------------------------------
    def run(self, only: list[str] | None = None) -> tuple[list[dict], list[FetchError]]:
        """Fetch every (or ``only`` the named) source; returns manifest entries and the errors."""
        self.folder.mkdir(parents=True, exist_ok=True)
        state = self._read_json(self.raw_dir / STATE_NAME, {})
        entries, errors = [], []
        try:
            for source_id in only or list(self.sources):
                source = self.sources[source_id]
                for download in source.downloads:
                    entry, error = self._one(source, download, state)
                    entries.append(entry)
                    if error:
                        errors.append(error)
                    self._write_json(self.raw_dir / STATE_NAME, state)
                    self._merge_manifest([entry])
        finally:
            self.http.close()
        return entries, errors

    # one download ---------------------------------------------------------------------------------------
    def _one(self, source: Source, download: Download, state: dict) -> tuple[dict, FetchError | None]:
        label = f"{source.source_id}" + (f" ({download.name})" if download.name else "")
        key = f"{source.source_id}/{download.output}"
        override = self.overrides.get(source.source_id) or self.overrides.get("*")
        url = resolve_url(download, self.since, override) if download.url else ""
        entry = {"source_id": source.source_id, "publisher": source.publisher, "title": source.title,
                 "download": download.name or None, "urls": [url] if url else [], "file": None, "sha256": None,
                 "bytes": None, "rows": None, "fetched_at": _now(), "etag": None, "last_modified": None,
                 "status": "failed", "error": None, "next_update": source.next_update, "licence": source.licence,
                 "landing_page": source.landing_page}
        if source.fetch_once and (existing := self._already_present(download.output)):
            entry.update(self._describe(existing), status="skipped",
                         error=None, fetched_at=None)
            self.progress(f"{label}: final release already in data/raw ({entry['file']}); skipped")
            return entry, None
        host = urlsplit(url).hostname or source.host
        if not url:
            return self._failed(entry, source, host, "no download URL is configured (manual download only)",
                                download)
        if host in self.down_hosts:
            return self._failed(entry, source, host, f"{self.down_hosts[host]} (earlier in this run)", download)
        self.progress(f"{label}: downloading from {host}")
        target = self.folder / download.output
        temp = self.folder / f".{download.output}.part-{os.getpid()}"
        try:
            fetched = self._fetch(download, url, temp, state.get(key))
            if fetched.status == "unchanged":
                previous = self.raw_dir / state[key]["file"]
                entry.update(self._describe(previous), status="unchanged", urls=fetched.urls,
                             etag=state[key].get("etag"), last_modified=state[key].get("last_modified"))
                self.progress(f"{label}: unchanged since {state[key]['file']} (304)")
                return entry, None
            os.replace(temp, target)  # only a complete, validated download replaces the file
        except Unreachable as exc:
            if exc.connect:
                self.down_hosts[host] = str(exc)
            return self._failed(entry, source, host, str(exc), download)
        except FetchError as exc:
            return self._failed(entry, source, host, "; ".join(p.message for p in exc.problems), download)
        finally:
            temp.unlink(missing_ok=True)
        entry.update(self._describe(target), status="downloaded", urls=fetched.urls, etag=fetched.etag,
                     last_modified=fetched.last_modified, rows=fetched.rows)
        state[key] = {"file": entry["file"], "etag": fetched.etag, "last_modified": fetched.last_modified,
                      "sha256": entry["sha256"], "url": url}
        self.progress(f"{label}: saved {entry['file']} ({entry['bytes']:,} bytes)")
        return entry, None

    def _failed(self, entry: dict, source: Source, host: str, reason: str,
                download: Download) -> tuple[dict, FetchError]:
        what = source.title + (f" ({download.name})" if download.name else "")
        message = (f"{host}: {reason}. Manual route: download {what} from "
                   f"{source.landing_page} into data/raw/ and run `python -m etl build`")
        entry["error"] = message
        self.progress(message)
        return entry, FetchError(Problem(file=source.source_id, message=message))

    def _fetch(self, download: Download, url: str, temp: Path, previous: dict | None) -> Fetched:
        params = resolve_params(download, self.since)
        if download.kind == "nomis":
            return self._fetch_nomis(download, url, params, temp)
        if download.kind in ("arcgis_geojson", "arcgis_table"):
            return self._fetch_arcgis(download, url, params, temp)
        headers = {}
        if previous and (self.raw_dir / previous.get("file", "")).is_file() and previous.get("url") == url:
            if previous.get("etag"):
                headers["If-None-Match"] = previous["etag"]
            if previous.get("last_modified"):
                headers["If-Modified-Since"] = previous["last_modified"]
        response = self.http.get(url, params=params or None, headers=headers or None)
        if response.status_code == 304:
            return Fetched(path=self.raw_dir / previous["file"], urls=[str(response.url)], status="unchanged")
        body = response.content
        if problem := check_length(body, response.headers):
            raise _fail(url, problem)
        if looks_like_html(body, response.headers.get("Content-Type")):
            raise _fail(url, "the server sent a web page (HTML) where data was expected; found "
                             f"{_snippet(body)!r}")
        rows = None
        if download.kind == "csv":
            problem, _, rows = csv_problem(decode_text(body), download.expected_columns)
            if problem:
                raise _fail(url, problem)
        elif download.kind == "file" and not body.startswith((ZIP_MAGIC, OLE_MAGIC)):
            raise _fail(url, f"expected a spreadsheet (ODS/XLSX/XLS), found {_snippet(body)!r}")
        temp.write_bytes(body)
        return Fetched(path=temp, urls=[str(response.url)], etag=response.headers.get("ETag"),
                       last_modified=response.headers.get("Last-Modified"), rows=rows)

    def _fetch_nomis(self, download: Download, url: str, params: dict, temp: Path) -> Fetched:
        """Page through Nomis with ``recordoffset`` until a page has fewer rows than the page size."""
        page_size = int(download.page_size or 25000)
        offset, header, total, urls, declared = 0, None, 0, [], None
        with open(temp, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            while True:
                response = self.http.get(url, params={**params, "recordoffset": str(offset)})
                urls.append(str(response.url))
                body = response.content
                if problem := check_length(body, response.headers):
                    raise _fail(str(response.url), problem)
                if looks_like_html(body, response.headers.get("Content-Type")):
                    raise _fail(str(response.url), "the server sent a web page (HTML) where CSV was expected; "
                                                   f"found {_snippet(body)!r}")
                text = decode_text(body)
                if offset and not text.strip():
                    break  # the previous page was exactly full and nothing is left
                problem, page_header, _ = csv_problem(text, download.expected_columns)
                if problem:
                    raise _fail(str(response.url), problem)
                rows = [r for r in csv.reader(io.StringIO(text, newline=""))][1:]
                rows = [r for r in rows if any(c.strip() for c in r)]
                if header is None:
                    header = page_header
                    writer.writerow(header)
                    if "RECORD_COUNT" in header and rows:
                        declared = _int(rows[0][header.index("RECORD_COUNT")])
                elif page_header != header:
                    raise _fail(str(response.url), f"page at offset {offset} has a different header: "
                                                   f"expected {', '.join(header)}; found {', '.join(page_header)}")
                writer.writerows(rows)
                total += len(rows)
                self.progress(f"  Nomis rows {total:,}" + (f" of {declared:,}" if declared else ""))
                if len(rows) < page_size:
                    break
                offset += page_size
        if declared is not None and declared != total:
            raise _fail(url, f"Nomis announced RECORD_COUNT {declared:,} rows but the pages held {total:,}")
        return Fetched(path=temp, urls=urls, rows=total)

    def _fetch_arcgis(self, download: Download, url: str, params: dict, temp: Path) -> Fetched:
        """Page an ArcGIS REST query with resultOffset; GeoJSON kept as GeoJSON, tables written as CSV."""
        page_size = int(download.page_size or 2000)
        geojson = download.kind == "arcgis_geojson"
        params = {**params, "f": "geojson" if geojson else "json"}
        offset, features, fields, urls = 0, [], None, []
        while True:
            response = self.http.get(url, params={**params, "resultOffset": str(offset),
                                                  "resultRecordCount": str(page_size)})
            urls.append(str(response.url))
            body = response.content
            if problem := check_length(body, response.headers):
                raise _fail(str(response.url), problem)
            if looks_like_html(body, response.headers.get("Content-Type")):
                raise _fail(str(response.url), f"the server sent a web page (HTML) where JSON was expected; "
                                               f"found {_snippet(body)!r}")
            try:
                doc = json.loads(body)
            except ValueError as exc:
                raise _fail(str(response.url), f"the JSON cannot be read ({exc}); the body may be truncated") from None
            if isinstance(doc, dict) and "error" in doc:
                raise _fail(str(response.url), f"the portal answered with an error: {doc['error']}")
            page = doc.get("features") if isinstance(doc, dict) else None
            if not isinstance(page, list):
                raise _fail(str(response.url), "expected a JSON object with a 'features' list, found "
                                               f"{_snippet(body)!r}")
            if fields is None and not geojson:
                fields = [f["name"] for f in doc.get("fields", []) if "name" in f]
            features.extend(page)
            more = doc.get("exceededTransferLimit") or (doc.get("properties") or {}).get("exceededTransferLimit")
            if len(page) < page_size and not more:
                break
            offset += len(page) or page_size
        if geojson:
            props = features[0].get("properties", {}) if features else {}
            missing = [p for p in download.expected_properties if p not in props]
            if not features or missing:
                raise _fail(url, f"the boundary file has changed: expected properties "
                                 f"{', '.join(download.expected_properties)}; "
                                 f"found {', '.join(props) or 'no features'}")
            temp.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
        else:
            records = [f.get("attributes", {}) for f in features]
            columns = fields or (list(records[0]) if records else [])
            missing = [c for c in download.expected_columns if c not in columns]
            if missing or not records:
                raise _fail(url, f"the lookup has changed: expected columns {', '.join(download.expected_columns)}; "
                                 f"found {', '.join(columns) or 'no rows'}")
            with open(temp, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(columns)
                writer.writerows([["" if r.get(c) is None else r.get(c) for c in columns] for r in records])
        return Fetched(path=temp, urls=urls, rows=len(features))

    # files and manifests ---------------------------------------------------------------------------------
    def _already_present(self, output: str) -> Path | None:
        for folder in sorted(dated_folders(self.raw_dir), reverse=True):
            if (folder / output).is_file():
                return folder / output
        return None

    def _describe(self, path: Path) -> dict:
        data = path.read_bytes()
        return {"file": path.relative_to(self.raw_dir).as_posix(), "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data)}

    def _merge_manifest(self, new: list[dict]) -> None:
        """Add entries to today's manifest, keeping an earlier good entry when a retry today failed."""
        path = self.folder / MANIFEST_NAME
        manifest = self._read_json(path, {"schema_version": 1, "raw_folder": self.day, "files": []})
        by_key = {(e["source_id"], e.get("download")): e for e in manifest.get("files", [])}
        for entry in new:
            key = (entry["source_id"], entry.get("download"))
            old = by_key.get(key)
            if entry["status"] == "failed" and old and old.get("status") != "failed":
                by_key[key] = {**old, "last_error": entry["error"]}
            else:
                by_key[key] = entry
        manifest.update(files=list(by_key.values()), updated=_now())
        self._write_json(path, manifest)

    @staticmethod
    def _read_json(path: Path, default):
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return default

    @staticmethod
    def _write_json(path: Path, data) -> None:
        temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        temp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temp, path)


def dated_folders(raw_dir: Path | str) -> list[Path]:
    """The ``data/raw/<YYYY-MM-DD>/`` folders, oldest first."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return []
    return sorted(p for p in raw_dir.iterdir() if p.is_dir() and DATED_FOLDER.match(p.name))


def _fail(url: str, problem: str) -> FetchError:
    return FetchError(Problem(file=urlsplit(url).path.rsplit("/", 1)[-1] or url, message=problem))


def _snippet(body: bytes) -> str:
    return body[:80].decode("utf-8", errors="replace").strip()


def _int(text: str) -> int | None:
    try:
        return int(str(text).strip())
    except ValueError:
        return None


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- CLI --------------------------------------------------------------------------------------------------

def _parse_overrides(items: list[str]) -> dict[str, str]:
    overrides = {}
    for item in items:
        source_id, sep, url = item.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise ValueError(f"--base-url-override expects SOURCE=URL (e.g. ons_nomis_claimant_count="
                             f"http://127.0.0.1:8000), found {item!r}")
        overrides[source_id] = url
    return overrides


def _progress_printer():
    """Progress lines on a terminal (rich); quiet when stdout is not a TTY."""
    if not sys.stdout.isatty():
        return None
    from rich.console import Console

    console = Console(highlight=False)
    return lambda message: console.print(message, markup=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m etl fetch``; returns the exit code (0 ok, 1 a source failed, 2 usage)."""
    parser = argparse.ArgumentParser(prog="python -m etl fetch",
                                     description="Download the latest releases into data/raw/<YYYY-MM-DD>/.")
    parser.add_argument("--raw", type=Path, default=config.raw_dir(), help="raw data folder (default data/raw)")
    parser.add_argument("--since", help="first month of the claimant count series, YYYY-MM (default from config)")
    parser.add_argument("--only", nargs="+", metavar="SOURCE", help="fetch only these source ids")
    parser.add_argument("--config", type=Path, default=PUBLISHERS_TOML, help="sources file (etl/publishers.toml)")
    parser.add_argument("--base-url-override", action="append", default=[], metavar="SOURCE=URL",
                        help="send a source's requests to another server (SOURCE may be *)")
    parser.add_argument("--date", help="dated folder name, YYYY-MM-DD (default today, UTC)")
    args = parser.parse_args(argv)
    try:
        settings, sources = load_config(args.config)
        overrides = _parse_overrides(args.base_url_override)
        if args.since and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.since):
            raise ValueError(f"--since expects YYYY-MM, found {args.since!r}")
        if args.date:
            date.fromisoformat(args.date)
        unknown = [s for s in (args.only or []) if s not in sources]
        if unknown:
            raise ValueError(f"unknown source id(s) {', '.join(unknown)}; known: {', '.join(sources)}")
    except (ValueError, EtlError) as exc:
        print(f"fetch: {exc}", file=sys.stderr)
        return 2
    fetcher = Fetcher(args.raw, sources, settings, day=args.date, since=args.since, overrides=overrides,
                      progress=_progress_printer())
    entries, errors = fetcher.run(args.only)
    for entry in entries:
        what = entry["source_id"] + (f" ({entry['download']})" if entry.get("download") else "")
        if entry["status"] == "failed":
            continue
        print(f"{entry['status']:>10}  {what}: {entry['file']}  sha256 {entry['sha256'][:12]}")
    for error in errors:
        print(f"    FAILED  {error}", file=sys.stderr)
    print(f"fetch: {len(entries) - len(errors)} of {len(entries)} file(s) ready in {args.raw / fetcher.day}"
          + (f"; {len(errors)} failed (earlier downloads are untouched)" if errors else ""),
          file=sys.stderr if errors else sys.stdout)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
