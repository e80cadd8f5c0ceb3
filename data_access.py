"""The dashboard's one data-access module: reads releases (it never builds one) and answers queries.

Pages and components never touch files; they ask this module. A release is opened once and cached by
its id (every kept release, within a budget): its rows are a sorted, memory-mapped Arrow table with an
index of row ranges (release_table.py), so a query reads only its own rows, and the API's row queries
page from that index (release_query.py); small results are kept in a bounded cache. The folder and the home area come from ``config`` at call time. Which release is current is
read from the manifest again whenever the file changes (one ``stat`` per question), so
``python -m etl use <id>`` or a new build is served by running processes without a restart.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import config
from approx_size import approx_bytes
import release_store
import release_query
from release_table import ReleaseTable
from vocab import catalogue
from vocab.catalogue import INDICATORS, TOPICS
from vocab.levels import DISTRICT_PREFIXES

log = logging.getLogger(__name__)

# Columns of areas.parquet that point a district at a larger area it belongs to.
PARENT_COLUMNS = ("lep_code", "lsip_code", "combined_authority_code", "upper_tier_code", "region_code",
                  "country_code")
NO_RELEASE = "No release yet — run `python -m etl demo` or `python -m etl build`"


class NoReleaseError(LookupError):
    """There is no release in the processed-data folder (build one with ``python -m etl demo``)."""


def processed_dir() -> Path:
    return config.processed_dir()


# The home area a request asked for (``?home=``, validated by the page or route that reads it); each
# request starts without one (web.install resets it), so a worker thread never carries one over.
_REQUESTED_HOME: ContextVar[str | None] = ContextVar("pdp_requested_home", default=None)
# Levels a user may choose as the home area (areas made of districts), in the picker's order.
HOME_LEVELS = ("lep", "lsip", "combined_authority", "upper_tier", "region")
# Comparator groups: DfE's statistical neighbours of a council; the similar districts we compute.
GROUP_NAMES = {"neighbours": "{name}'s statistical neighbours (DfE), combined",
               "similar": "Districts similar to {name} (computed), combined"}


def home_area_code() -> str:
    """The home area of this request (``?home=``), else the configured one (``PDP_HOME_AREA``)."""
    return _REQUESTED_HOME.get() or config.home_area_code()


def requested_home() -> str | None:
    """The home area this request chose, when it differs from the configured one (links keep it)."""
    code = _REQUESTED_HOME.get()
    return code if code and code != config.home_area_code() else None


def use_home(code: str | None) -> None:
    """Make ``code`` (already validated) this request's home area; None returns to the configured one."""
    _REQUESTED_HOME.set(code or None)


@contextmanager
def home_as(code: str | None):
    """``code`` (already validated) as the home area inside the block only (a page rendering its view)."""
    token = _REQUESTED_HOME.set(code or None)
    try:
        yield
    finally:
        _REQUESTED_HOME.reset(token)


def read_manifest(folder: Path | None = None) -> dict | None:
    """The manifest in ``folder`` (None when there is no release yet, or it cannot be read)."""
    path = Path(folder or processed_dir()) / config.MANIFEST_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # the ETL replaces it atomically, so this is a damaged file
        log.error("the manifest %s cannot be read (%s): serving no release", path, exc)
        return None


# folder -> (the manifest's (inode, mtime, size), its current release id)
_CURRENT: dict[str, tuple[tuple[int, int, int], str]] = {}
_CURRENT_LOCK = threading.Lock()


def current_release_id() -> str:
    """The release the manifest names now: re-read only when the file changed (the ETL replaces it
    atomically, so a switch always changes its inode). With releases in an object store, the store is
    polled first (at most every ``PDP_RELEASE_POLL_SECONDS``) and the local mirror follows it."""
    location = config.processed_location()
    if config.is_url(location):
        release_store.refresh(location)
    folder = processed_dir()
    path = folder / config.MANIFEST_NAME
    try:
        stat = path.stat()
    except OSError:
        raise NoReleaseError(f"no release in {folder}: run `python -m etl demo` or `python -m etl build`") from None
    stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _CURRENT_LOCK:
        cached = _CURRENT.get(str(folder))
    if cached and cached[0] == stamp:
        return cached[1]
    manifest = read_manifest(folder) or {}
    release_id = manifest.get("current_release")
    if not release_id:
        raise NoReleaseError(f"no release in {folder}: run `python -m etl demo` or `python -m etl build`")
    with _CURRENT_LOCK:
        _CURRENT[str(folder)] = (stamp, release_id)
    return release_id


def has_release() -> bool:
    try:
        current_release_id()
    except NoReleaseError:
        return False
    return True


def load(release: str | None = None) -> Release:
    """The current release, or the named one (for pinned links); cached by folder and release id."""
    return _load(str(processed_dir()), release or current_release_id())


def clear_cache() -> None:
    """Forget loaded releases (tests switch folders and home areas)."""
    with _CURRENT_LOCK:
        _CURRENT.clear()
    with _RELEASES_LOCK:
        _RELEASES.clear()


# Loaded releases by (folder, id) -> (release, estimated bytes), least recently used first. Up to
# config.KEEP_RELEASES are kept (every release a pinned link may name, so cycling ?release= never reads
# a release twice) within config.RELEASE_CACHE_MB; the release just asked for is always kept.
_RELEASES: OrderedDict[tuple[str, str], tuple[Release, int]] = OrderedDict()
_RELEASES_LOCK = threading.Lock()


def _load(folder: str, release_id: str) -> Release:
    key = (folder, release_id)
    with _RELEASES_LOCK:
        if key in _RELEASES:
            _RELEASES.move_to_end(key)
            return _RELEASES[key][0]
    path = Path(folder) / config.RELEASES_SUBDIR / release_id
    if not (path / "indicators.parquet").is_file():
        raise NoReleaseError(f"release {release_id!r} not found in {folder}")
    rel = Release(path)
    size = int(rel.table_bytes + rel.areas.memory_usage(deep=True).sum())
    with _RELEASES_LOCK:
        _RELEASES[key] = (rel, size)
        budget = config.RELEASE_CACHE_MB * 1024 * 1024
        while len(_RELEASES) > 1 and (len(_RELEASES) > max(1, config.KEEP_RELEASES)
                                      or sum(n for _, n in _RELEASES.values()) > budget):
            _RELEASES.popitem(last=False)
    return rel


def unmap_pages() -> None:
    """Let go of the mapped release pages this process has touched (workers do it between requests)."""
    with _RELEASES_LOCK:
        releases = [rel for rel, _ in _RELEASES.values()]
    for rel in releases:
        rel.rows.unmap_pages()


def release_cache_size() -> tuple[int, int]:
    """(releases held in memory, their estimated bytes)."""
    with _RELEASES_LOCK:
        return len(_RELEASES), sum(n for _, n in _RELEASES.values())


@dataclass(frozen=True)
class Resolved:
    """Which area's figures answer a question about ``requested`` (an upper tier for county-only data)."""
    requested: str
    code: str
    name: str
    label: str | None  # e.g. "Lancashire County Council area" when the upper tier stands in


LOOKUP_COLUMNS = ("indicator", "area_code", "area_name", "area_level", "breakdown", "unit", "source")


def compact_indicators(df: pd.DataFrame) -> pd.DataFrame:
    """The release frame with the codes and labels rows are looked up by stored once per distinct value
    (categorical codes): an all-England monthly release repeats a few hundred of them millions of times.
    The columns pages are handed (period, status, the numbers) keep their types, and numbers stay float64,
    so no figure shown can change."""
    df = df.copy()
    for col in LOOKUP_COLUMNS:
        df[col] = df[col].astype("category")
    return df


# Small query results each release keeps (a series, a district table, a resolved area), least recently
# used first: bounded in entries and in (estimated) bytes, so a worker answering many different views
# does not grow without end.
QUERY_CACHE_ENTRIES = int(__import__("os").environ.get("PDP_QUERY_CACHE_ENTRIES", "4096"))
QUERY_CACHE_BYTES = int(__import__("os").environ.get("PDP_QUERY_CACHE_MB", "24")) * 1024 * 1024
SERIES_COLUMNS = ["period", "period_start", "value", "status", "lower_ci", "upper_ci"]


class Release:
    """One release: its rows memory-mapped (release_table), small tables in memory, and the lookups the
    pages need (all pure; small results cached within a bound)."""

    def __init__(self, path: Path):
        self.path = path
        self.meta = json.loads((path / "release.json").read_text(encoding="utf-8"))
        self.id: str = self.meta["id"]
        self.is_demo: bool = bool(self.meta.get("is_demo"))
        self.local_catalogue = self._register_local_indicators(path / "local_catalogue.parquet")
        # every row, sorted and memory-mapped; queries slice only the rows they need
        self.rows = ReleaseTable(path / "indicators.parquet", self.id)
        self._memo: OrderedDict = OrderedDict()  # key -> (value, estimated bytes)
        self._memo_bytes = 0
        self._memo_lock = threading.RLock()
        self.areas = pd.read_parquet(path / "areas.parquet").set_index("area_code", drop=False)
        self.boundaries = self._read_boundaries(path / "boundaries.parquet")
        diff_path = path / "diff.json"
        self.diff = json.loads(diff_path.read_text(encoding="utf-8")) if diff_path.is_file() else None
        # how each figure computed by the ETL was made (older releases have no such file)
        derivations_path = path / "derivations.parquet"
        self.derivations = (pd.read_parquet(derivations_path).set_index(["indicator", "area_code", "period",
                                                                         "breakdown"]).sort_index()
                            if derivations_path.is_file() else None)
        self._read_comparator_groups(path)

    @property
    def table_bytes(self) -> int:
        """Bytes of the mapped table (shared by every process through the page cache)."""
        return int(self.rows.table.nbytes)

    @property
    def df(self) -> pd.DataFrame:
        """Every row as one pandas frame, read afresh (not kept): for tools and tests only — pages and the API
        use the indexed queries, which never hold the whole release in a worker."""
        return compact_indicators(self.rows.rows(0, self.rows.num_rows))

    @property
    def row_count(self) -> int:
        return self.rows.num_rows

    @staticmethod
    def _register_local_indicators(path: Path) -> pd.DataFrame | None:
        """The local indicators' declarations the release carries, made known to the catalogue, so pages,
        downloads and the API show them with no code change."""
        if not path.is_file():
            return None
        table = pd.read_parquet(path)
        for declaration in table["declaration"]:
            catalogue.register_local(catalogue.local_indicator(json.loads(declaration)))
        return table

    def _read_comparator_groups(self, path: Path) -> None:
        """Statistical neighbours, similar districts and each group's figures (releases built before
        they existed have none). A group's figures are served like an area's, under '<group>:<code>'."""
        def table(name):
            return pd.read_parquet(path / f"{name}.parquet") if (path / f"{name}.parquet").is_file() else None

        self.neighbours, self.similar = table("neighbours"), table("similar_districts")
        method = path / "similar_districts.json"
        self.similar_method = json.loads(method.read_text(encoding="utf-8")) if method.is_file() else None
        figures = table("comparator_groups")
        self._group_figures, self._group_keys = None, set()
        if figures is None or figures.empty:
            return
        starts = pd.Series({(ind, p): s for ind in set(figures["indicator"])
                            for p, s in self._period_starts(ind, any_breakdown=True).items()}, dtype=object)
        where = pd.MultiIndex.from_frame(figures[["indicator", "period"]])
        looked_up = starts.reindex(where) if len(starts) else pd.Series([pd.NaT] * len(where))
        self._group_figures = figures.assign(area_code=figures["group"] + ":" + figures["area_code"],
                                             period_start=pd.to_datetime(looked_up.to_numpy()).as_unit("s"),
                                             lower_ci=float("nan"), upper_ci=float("nan"))
        self._group_keys = set(zip(self._group_figures["indicator"], self._group_figures["breakdown"],
                                   self._group_figures["area_code"]))

    def _group_frame(self, indicator_id: str, code: str, breakdown: str) -> pd.DataFrame | None:
        """One group's figures over time (read from the table when first asked: most are never shown)."""
        if (indicator_id, breakdown, code) not in self._group_keys:
            return None

        def compute():
            g = self._group_figures
            hit = g[(g["indicator"] == indicator_id) & (g["breakdown"] == breakdown) & (g["area_code"] == code)]
            return hit.sort_values("period_start").reset_index(drop=True)

        return self._cached(("group", indicator_id, breakdown, code), compute)

    @staticmethod
    def _read_boundaries(path: Path):
        if not path.is_file():
            return None
        try:
            import geopandas as gpd

            return gpd.read_parquet(path)
        except (ImportError, ValueError, OSError) as exc:  # a broken optional file must not stop the app
            log.warning("boundaries in %s could not be read (%s); using the tile-grid map", path, exc)
            return None

    def _cached(self, key, compute):
        with self._memo_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key][0]
        value = compute()
        size = approx_bytes(value)
        with self._memo_lock:
            if key in self._memo:
                self._memo_bytes -= self._memo.pop(key)[1]
            self._memo[key] = (value, size)
            self._memo_bytes += size
            while len(self._memo) > 1 and (len(self._memo) > QUERY_CACHE_ENTRIES
                                           or self._memo_bytes > QUERY_CACHE_BYTES):
                self._memo_bytes -= self._memo.popitem(last=False)[1][1]
        return value

    def memo_size(self) -> tuple[int, int]:
        """(query results held now, their estimated bytes): at most QUERY_CACHE_ENTRIES / _BYTES."""
        with self._memo_lock:
            return len(self._memo), self._memo_bytes

    def _keys(self) -> set[tuple[str, str]]:
        return set(self.rows.ranges)

    def _present(self) -> set[str]:
        return self._cached(("present",), lambda: {ind for ind, _ in self.rows.ranges})

    def _period_starts(self, indicator_id: str, any_breakdown: bool = False) -> dict:
        """{period: period_start} of an indicator's figures, oldest first (its total rows; with
        ``any_breakdown``, every breakdown's, for periods only a breakdown has)."""
        def compute():
            blocks = [bd for ind, bd in self.rows.ranges if ind == indicator_id
                      and (any_breakdown or bd == "total")]
            frames = []
            for bd in blocks:
                spans = self.rows.ranges[(indicator_id, bd)].values()
                lo, hi = min(a for a, _ in spans), max(b for _, b in spans)  # a block is contiguous
                frames.append(self.rows.rows(lo, hi, ["period", "period_start"]).drop_duplicates("period"))
            if not frames:
                return {}
            both = pd.concat(frames, ignore_index=True).drop_duplicates("period")
            both = both.sort_values("period_start", kind="mergesort")
            return dict(zip(both["period"], both["period_start"]))

        return self._cached(("period_starts", indicator_id, any_breakdown), compute)

    # --- metadata -------------------------------------------------------------------------------
    @property
    def created(self) -> str:
        return str(self.meta.get("created", ""))[:10]

    @property
    def sources(self) -> list[dict]:
        return list(self.meta.get("sources", []))

    def source_for(self, indicator_id: str) -> dict:
        """The manifest entry of the source that publishes ``indicator_id`` (empty dict if unknown)."""
        for src in self.sources:
            if indicator_id in src.get("indicators", []):
                return src
        blocks = [r for (ind, _), areas in self.rows.ranges.items() if ind == indicator_id for r in areas.values()]
        wanted = self.rows.cell("source", min(blocks)[0]) if blocks else None
        return next((s for s in self.sources if s.get("source_id") == wanted), {})

    def indicators(self, topic: str | None = None) -> list[str]:
        """Indicator ids present in the release (catalogue order) that a topic page shows, optionally for one
        topic; context series such as population are denominators, not topics."""
        present = self._present()
        return [i for i, ind in INDICATORS.items() if i in present and ind.topic in TOPICS
                and (topic is None or ind.topic == topic)]

    def context_indicators(self) -> list[str]:
        """Series kept as denominators or context (population), present in the release, not charted."""
        present = self._present()
        return [i for i, ind in INDICATORS.items() if i in present and ind.topic not in TOPICS]

    def topics(self) -> list[str]:
        return [slug for slug in TOPICS if self.indicators(slug)]

    def observations(self, **filters) -> "release_query.Observations":
        """The release's rows in a stable order (indicator, area, breakdown, period), narrowed by ``filters``
        (indicators, areas, level, breakdown, period_from, period_to): pages of the open API are slices of
        it, so a page never moves while the release is current. Only the rows of a page are ever read."""
        return release_query.Observations(self, **filters)

    def area_codes(self) -> set[str]:
        """Every area with figures in the release."""
        return self._cached(("area_codes",), lambda: set(self.rows.first_row))

    def derivation(self, indicator_id: str, code: str, period: str, breakdown: str = "total") -> dict | None:
        """How a figure we computed (or could not compute) was made: method, building blocks, population year
        and a plain-English ``note``; None for a publisher's own figure or a release without the file."""
        key = (indicator_id, code, period, breakdown)
        if self.derivations is None or key not in self.derivations.index:
            return None
        row = {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
               for k, v in self.derivations.loc[key].items()}
        if row["population_year"] is not None:
            row["population_year"] = int(row["population_year"])
        return row

    # --- geography ------------------------------------------------------------------------------
    def area_name(self, code: str) -> str:
        group, _, owner = str(code).partition(":")
        if owner and group in GROUP_NAMES:
            return GROUP_NAMES[group].format(name=self.area_name(owner))
        if code in self.areas.index:
            return str(self.areas.at[code, "area_name"])
        row = self.rows.first_row.get(code)
        return str(self.rows.cell("area_name", row)) if row is not None else code

    def area(self, code: str) -> dict | None:
        if not isinstance(code, str) or code not in self.areas.index:
            return None
        row = self.areas.loc[code]
        return {k: (None if pd.isna(v) else v) for k, v in row.items()}

    def home_code(self) -> str:
        return home_area_code()

    def home_name(self) -> str:
        return self.area_name(self.home_code())

    def home_choices(self) -> pd.DataFrame:
        """Every area that can be the home area (area_code, area_name, area_level): LEPs, LSIPs, combined
        authorities, counties and regions with at least one district, by level then name."""
        def compute():
            a = self.areas
            rows = []
            for level in HOME_LEVELS:
                col = "upper_tier_code" if level == "upper_tier" else f"{level}_code"
                have = set(a.loc[a["area_level"] == "district", col].dropna()) if col in a.columns else set()
                of_level = a[(a["area_level"] == level) & a["area_code"].isin(have)]
                if level == "upper_tier":  # counties only: a unitary is its own single district
                    of_level = of_level[of_level["area_code"].str[:3].isin(("E10", "E11"))]
                rows.append(of_level[["area_code", "area_name", "area_level"]].sort_values("area_name"))
            return pd.concat(rows, ignore_index=True)

        return self._cached(("home_choices",), compute)

    def is_home_choice(self, code: str) -> bool:
        return isinstance(code, str) and code in set(self.home_choices()["area_code"])

    def home_districts(self) -> pd.DataFrame:
        """The districts of the home area (area_code, area_name), alphabetical."""
        home = self.home_code()

        def compute():
            a = self.areas
            is_district = a["area_code"].str[:3].isin(DISTRICT_PREFIXES) | (a["area_level"] == "district")
            member = pd.Series(False, index=a.index)
            for col in PARENT_COLUMNS:
                if col in a.columns:
                    member |= a[col].astype(object).eq(home).fillna(False).astype(bool)
            dff = a[is_district & member & (a["area_level"] == "district")]
            return dff[["area_code", "area_name"]].sort_values("area_name").reset_index(drop=True)

        return self._cached(("home_districts", home), compute)

    def is_home_district(self, code: str) -> bool:
        return isinstance(code, str) and code in set(self.home_districts()["area_code"])

    def region_code(self, code: str) -> str | None:
        area = self.area(code) or {}
        if area.get("region_code"):
            return area["region_code"]
        home = self.area(self.home_code()) or {}
        return home.get("region_code")

    def comparators(self, code: str | None, indicator_id: str | None = None) -> list[tuple[str, str, str]]:
        """(role, code, name) for the home area, the area's region and England, in that order; with an
        indicator, also the comparator group that has figures for it: the statistical neighbours of the
        council whose figure stands for ``code``, or the districts similar to ``code``. Kept in the query
        memo: a view asks several times, and every district's view asks for the home area's."""
        def compute():
            out = [("home", self.home_code(), self.home_name())]
            region = self.region_code(code) if code else self.region_code(self.home_code())
            if region:
                out.append(("region", region, self.area_name(region)))
            out.append(("country", config.COUNTRY_CODE, self.area_name(config.COUNTRY_CODE)))
            if indicator_id and code:
                shown = self.resolve(indicator_id, code).code
                for group, owner in (("neighbours", shown), ("similar", code)):
                    if self._has(indicator_id, f"{group}:{owner}"):
                        out.append((group, f"{group}:{owner}", self.area_name(f"{group}:{owner}")))
            return tuple(out)

        return list(self._cached(("comparators", self.home_code(), code, indicator_id), compute))

    def licence_for(self, indicator_id: str) -> str | None:
        """A local indicator's declared licence (None: the site's licence applies)."""
        table = self.local_catalogue
        if table is None or indicator_id not in set(table["id"]):
            return None
        return str(table.loc[table["id"] == indicator_id, "licence"].iloc[0])

    def has_groups(self, indicator_id: str) -> bool:
        """Whether any comparator group has figures for the indicator."""
        return indicator_id in self._cached(("group_indicators",), lambda: {k[0] for k in self._group_keys})

    def peer_group(self, indicator_id: str, code: str | None) -> str | None:
        """The comparator group of the area whose figure stands for ``code``: its council's statistical
        neighbours where the figure is a council's, else the district's similar districts."""
        if not code:
            return None
        groups = [role_code for role, role_code, _ in self.comparators(code, indicator_id)
                  if role in ("neighbours", "similar")]
        return groups[0] if groups else None

    def group_members(self, group_code: str) -> list[str]:
        """The member codes of a comparator group ('neighbours:E10000017'), closest first."""
        group, _, owner = group_code.partition(":")
        table = {"neighbours": self.neighbours, "similar": self.similar}.get(group)
        if table is None or not owner:
            return []
        return list(table.loc[table["area_code"] == owner].sort_values("rank")["neighbour_code"])

    def upper_tier_label(self, upper_code: str) -> str:
        """'Lancashire County Council area' from the upper tier's name (E10 county) or '<name> area'."""
        name = self.area_name(upper_code)
        if upper_code.startswith("E10") and "council" not in name.lower():
            return f"{name} County Council area"
        return f"{name} area"

    # --- indicator values -----------------------------------------------------------------------
    def _has(self, indicator_id: str, code: str, breakdown: str = "total") -> bool:
        if ":" in code:
            return (indicator_id, breakdown, code) in self._group_keys
        return self.rows.key_range(indicator_id, breakdown, code) is not None

    def _area_frame(self, indicator_id: str, code: str, breakdown: str = "total") -> pd.DataFrame | None:
        """One area's rows over time (oldest first): a slice of the mapped table, converted alone."""
        if ":" in code:  # a comparator group ('neighbours:E10000017')
            return self._group_frame(indicator_id, code, breakdown)
        span = self.rows.key_range(indicator_id, breakdown, code)
        if span is None:
            return None
        return self._cached(("rows", indicator_id, breakdown, code),
                            lambda: self.rows.rows(*span, SERIES_COLUMNS))

    def resolve(self, indicator_id: str, code: str) -> Resolved:
        """The area whose figures stand for ``code``: itself, or its upper tier for county-only data."""
        def compute():
            if self._has(indicator_id, code):
                return Resolved(code, code, self.area_name(code), None)
            upper = (self.area(code) or {}).get("upper_tier_code")
            if upper and upper != code and self._has(indicator_id, upper):
                return Resolved(code, upper, self.area_name(upper), self.upper_tier_label(upper))
            return Resolved(code, code, self.area_name(code), None)

        return self._cached(("resolve", indicator_id, code), compute)

    def series(self, indicator_id: str, code: str, breakdown: str = "total") -> pd.DataFrame:
        """period, period_start, value, status, lower_ci, upper_ci for one area over time (oldest first; may
        be empty; the interval ends are NaN where the publisher gives none). The query memo's own frame,
        so work derived from it (components.frame_memo) is shared by every view: read, never changed in
        place."""
        g = self._area_frame(indicator_id, code, breakdown)
        if g is None:
            return pd.DataFrame({"period": pd.Series(dtype=object), "period_start": pd.Series(dtype="datetime64[ns]"),
                                 "value": pd.Series(dtype=float), "status": pd.Series(dtype=object),
                                 "lower_ci": pd.Series(dtype=float), "upper_ci": pd.Series(dtype=float)})
        return g if list(g.columns) == SERIES_COLUMNS else g[SERIES_COLUMNS]

    def interval(self, indicator_id: str, code: str, period: str, breakdown: str = "total") -> tuple[float, float]:
        """The 95% confidence interval (lower, upper) of one figure; NaNs where none is published."""
        fast = self._cells(indicator_id, code, breakdown)
        if fast is not None:
            return fast[1].get(period, (float("nan"), float("nan")))
        g = self._area_frame(indicator_id, code, breakdown)
        hit = g[g["period"] == period] if g is not None else None
        if hit is None or hit.empty:
            return float("nan"), float("nan")
        return float(hit["lower_ci"].iloc[0]), float(hit["upper_ci"].iloc[0])

    def _cells(self, indicator_id: str, code: str, breakdown: str):
        """An area's (values, intervals) by period, read from the arrays without building a frame (None for a
        comparator group, an area without figures, or gaps in the text columns)."""
        span = None if ":" in code else self.rows.key_range(indicator_id, breakdown, code)
        if span is None:
            return None
        return self._cached(("fastcells", indicator_id, code, breakdown), lambda: self.rows.cells(*span))

    def periods(self, indicator_id: str) -> list[str]:
        """All periods of an indicator, oldest first."""
        return list(self._period_starts(indicator_id))

    def latest_period(self, indicator_id: str, code: str | None = None) -> str | None:
        """The newest period with a value (for ``code`` when given)."""
        if code is None:
            periods = self.periods(indicator_id)
            return periods[-1] if periods else None
        s = self.series(indicator_id, self.resolve(indicator_id, code).code)
        s = s[s["value"].notna()]
        return str(s["period"].iloc[-1]) if len(s) else None

    def value(self, indicator_id: str, code: str, period: str, breakdown: str = "total") -> tuple[float, str]:
        """(value, status) of one cell; (NaN, 'not_available') when the release has no row."""
        def compute():
            g = self._area_frame(indicator_id, code, breakdown)
            if g is None:
                return {}
            return {p: (float(v), str(st)) for p, v, st in zip(g["period"], g["value"], g["status"])}

        fast = self._cells(indicator_id, code, breakdown)  # read from the arrays: held (and counted) once
        cells = fast[0] if fast is not None else self._cached(("cells", indicator_id, code, breakdown), compute)
        return cells.get(period, (float("nan"), "not_available"))

    def breakdown_dimensions(self, indicator_id: str) -> dict[str, list[str]]:
        """{'age': ['16-24', ...], 'sex': [...]} for the breakdowns the source gives."""
        def compute():
            dims: dict[str, list[str]] = {}
            for ind, bd in self.rows.ranges:
                if ind == indicator_id and bd != "total" and "=" in bd and ";" not in bd:  # one dimension only
                    dim, val = bd.split("=", 1)
                    dims.setdefault(dim, []).append(val)
            if "age" in dims:  # ages in age order ("Under 19", "19-24", "25+"), not alphabetical
                dims["age"].sort(key=_age_order)
            return dims

        return self._cached(("dims", indicator_id), compute)

    def breakdown_values(self, indicator_id: str, code: str, period: str, dimension: str) -> pd.DataFrame:
        """category, value, status for one area, period and breakdown dimension."""
        rows = []
        for val in self.breakdown_dimensions(indicator_id).get(dimension, []):
            value, status = self.value(indicator_id, code, period, f"{dimension}={val}")
            rows.append({"category": val, "value": value, "status": status})
        return pd.DataFrame(rows, columns=["category", "value", "status"])

    def district_values(self, indicator_id: str, period: str, breakdown: str = "total") -> pd.DataFrame:
        """One row per home-area district: area_code, area_name, value, status, shown_code, label."""
        def compute():
            rows = []
            for code, name in self.home_districts().itertuples(index=False):
                res = self.resolve(indicator_id, code)
                value, status = self.value(indicator_id, res.code, period, breakdown)
                lower, upper = self.interval(indicator_id, res.code, period, breakdown)
                rows.append({"area_code": code, "area_name": name, "value": value, "status": status,
                             "shown_code": res.code, "label": res.label, "lower_ci": lower, "upper_ci": upper})
            return pd.DataFrame(rows, columns=["area_code", "area_name", "value", "status", "shown_code", "label",
                                               "lower_ci", "upper_ci"])

        return self._cached(("district_values", self.home_code(), indicator_id, period, breakdown), compute)

    def district_history(self, indicator_id: str, breakdown: str = "total") -> pd.DataFrame:
        """Every home-area district's series (area_code, area_name, period, period_start, value)."""
        def compute():
            frames = []
            for code, name in self.home_districts().itertuples(index=False):
                res = self.resolve(indicator_id, code)
                s = self.series(indicator_id, res.code, breakdown).assign(area_code=code, area_name=name)
                frames.append(s)
            if not frames:
                return pd.DataFrame(columns=["area_code", "area_name", "period", "period_start", "value", "status"])
            return pd.concat(frames, ignore_index=True)

        return self._cached(("district_history", self.home_code(), indicator_id, breakdown), compute)

    def period_offset(self, indicator_id: str, period: str, months: int) -> str | None:
        """The period ``months`` before ``period`` (12 = a year earlier), if the release has it."""
        starts = self._period_starts(indicator_id)
        if period not in starts:
            return None
        target = starts[period] - pd.DateOffset(months=months)
        return next((str(p) for p, s in starts.items() if s == target), None)

    def previous_period(self, indicator_id: str, period: str) -> str | None:
        periods = self.periods(indicator_id)
        i = periods.index(period) if period in periods else -1
        return periods[i - 1] if i > 0 else None


def _age_order(band: str) -> tuple[int, str]:
    """'Under 19' -> before 19; '19-24' -> 19; '25+' -> 25; anything else after the bands."""
    text = str(band).strip().lower()
    if text.startswith(("under", "less than")):
        return (-1, text)
    match = re.match(r"(\d+)", text)
    return (int(match[1]), text) if match else (999, text)

