"""What we know about each publisher's sources, stated once in ``publishers.toml`` and read only here.

Every source id the parsers produce has a ``[sources.<id>]`` table: who publishes it, its title and its
page (what the release manifest, the validation report and the dashboard show), and for the sources
``python -m etl fetch`` downloads, where from and when the next release is due. Facts about one
publisher's releases that its files do not state (HMRC's CJRS release calendar, the authorities HMRC
publishes combined) are data in the same table. The file is checked when read: a missing or unknown
key fails with the source and key named.
"""
from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import config
from etl.errors import EtlError, Problem

PUBLISHERS_TOML = Path(__file__).with_name("publishers.toml")
KINDS = ("nomis", "csv", "file", "arcgis_geojson", "arcgis_table")
SOURCE_KEYS = {"publisher", "title", "landing_page", "host", "licence", "next_update", "calendar", "fetch_once",
               "downloads", "releases", "undated_release", "reported_with"}
REQUIRED_KEYS = ("publisher", "title", "landing_page")
FETCH_KEYS = ("host", "next_update")  # required as well for a source that has downloads
DOWNLOAD_KEYS = {"kind", "url", "output", "name", "params", "page_size", "expected_columns",
                 "expected_properties", "dataset_id"}


class PublishersError(EtlError):
    """``publishers.toml`` is missing, is not TOML or states a source incompletely."""


@dataclass(frozen=True)
class Download:
    """One file to fetch for a source (a source may have several, e.g. the ONS lookups)."""

    kind: str
    url: str
    output: str
    name: str = ""
    params: dict = field(default_factory=dict)
    page_size: int | None = None
    expected_columns: tuple[str, ...] = ()
    expected_properties: tuple[str, ...] = ()
    dataset_id: str | None = None


@dataclass(frozen=True)
class Release:
    """What HMRC's release page says about one CJRS release (the tables do not always say it)."""

    period: str  # the month whose end the cumulative figures describe
    release_date: str


@dataclass(frozen=True)
class Source:
    source_id: str
    publisher: str
    title: str
    landing_page: str
    host: str = ""
    downloads: tuple[Download, ...] = ()
    licence: str = ""
    next_update: str | None = None
    calendar: str | None = None
    fetch_once: bool = False
    releases: dict[str, Release] = field(default_factory=dict)  # by release title month ("2020-08")
    undated_release: str | None = None  # the release a file stating no date is taken to be
    reported_with: dict[str, str] = field(default_factory=dict)  # area code -> the code it is published with


@dataclass(frozen=True)
class Settings:
    since: str = "2019-01"
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    max_tries: int = 4
    backoff_seconds: float = 2.0
    max_retry_after: float = 60.0
    user_agent: str = "partner-data-pack-fetch/1.0"


def load(path: Path | str = PUBLISHERS_TOML) -> tuple[Settings, dict[str, Source]]:
    """(fetch settings, every source by id) from ``path``; one error listing every problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublishersError(Problem(file=path.name, message="the publishers file is missing",
                                      expected=f"a TOML file at {path}")) from None
    except tomllib.TOMLDecodeError as exc:
        raise PublishersError(Problem(file=path.name, message=f"the publishers file is not valid TOML ({exc})")) \
            from None
    defaults = data.get("defaults", {})
    settings = Settings(**{k: v for k, v in defaults.items() if k in Settings.__dataclass_fields__})
    overrides = {k: type(getattr(settings, k))(v) for k, v in config.fetch_setting_overrides().items()}
    if overrides:
        settings = Settings(**{**settings.__dict__, **overrides})
    problems: list[Problem] = []
    sources = {}
    for source_id, raw in data.get("sources", {}).items():
        source = _source(source_id, raw, path.name, problems)
        if source is not None:
            sources[source_id] = source
    if problems:
        raise PublishersError(problems)
    return settings, sources


def _source(source_id: str, raw: dict, file: str, problems: list[Problem]) -> Source | None:
    unknown = sorted(set(raw) - SOURCE_KEYS)
    required = REQUIRED_KEYS + (FETCH_KEYS if raw.get("downloads") else ())
    missing = [k for k in required if not raw.get(k)]
    if unknown or missing:
        problems.append(Problem(file=file, message=f"source {source_id} is incomplete or has unknown keys",
                                column=", ".join(missing + unknown), expected=", ".join(required),
                                found=", ".join(sorted(raw))))
        return None
    downloads = []
    for d in raw.get("downloads", []):
        if d.get("kind") not in KINDS or not d.get("output") or set(d) - DOWNLOAD_KEYS:
            problems.append(Problem(file=file, message=f"source {source_id} has a bad download",
                                    expected=f"kind one of {', '.join(KINDS)}, an output name and only the keys "
                                             f"{', '.join(sorted(DOWNLOAD_KEYS))}",
                                    found=f"kind={d.get('kind')!r} output={d.get('output')!r} keys={sorted(d)}"))
            continue
        downloads.append(Download(**{**d, "params": dict(d.get("params", {})),
                                     "expected_columns": tuple(d.get("expected_columns", ())),
                                     "expected_properties": tuple(d.get("expected_properties", ()))}))
    releases = {month: Release(**r) for month, r in raw.get("releases", {}).items()}
    if raw.get("undated_release") and raw["undated_release"] not in releases:
        problems.append(Problem(file=file, message=f"source {source_id}: undated_release names no release",
                                expected=", ".join(releases) or "a [sources.<id>.releases] entry",
                                found=raw["undated_release"]))
    return Source(source_id=source_id, publisher=raw["publisher"], title=raw["title"],
                  landing_page=raw["landing_page"], host=raw.get("host", ""), downloads=tuple(downloads),
                  licence=raw.get("licence", ""), next_update=raw.get("next_update"), calendar=raw.get("calendar"),
                  fetch_once=bool(raw.get("fetch_once", False)), releases=releases,
                  undated_release=raw.get("undated_release"), reported_with=dict(raw.get("reported_with", {})))


@functools.cache
def sources() -> dict[str, Source]:
    """Every source of the project's own ``publishers.toml`` (read once per process)."""
    return load()[1]


def source(source_id: str) -> Source:
    """The source named ``source_id``; a clear error when the file does not describe it."""
    found = sources().get(source_id)
    if found is None:
        raise PublishersError(Problem(file=PUBLISHERS_TOML.name, message=f"no [sources.{source_id}] table",
                                      expected="publisher, title and landing_page for every source a parser reads"))
    return found
