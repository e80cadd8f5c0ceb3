"""All settings in one place: paths, the home area, palette, export, web and server settings.

Values can be overridden with environment variables (``PDP_*``) so a deployment for another
sub-region needs no code change: e.g. ``PDP_HOME_AREA=E37000015`` for Greater Manchester LEP. What can
change while a process runs (the folders, the home area) is read when asked, through functions.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ASSETS_DIR = ROOT / "assets"  # CSS, JS and fonts the app serves itself (no CDN)

# --- paths and the home area: read at call time, so a deployment (or a test) changes them by
# configuration alone and a running process follows --------------------------------------------
MANIFEST_NAME = "manifest.json"
RELEASES_SUBDIR = "releases"
KEEP_RELEASES = int(os.environ.get("PDP_KEEP_RELEASES", "6"))  # older releases are pruned after a build
DEFAULT_HOME_AREA = "E37000019"  # Lancashire LEP
COUNTRY_CODE = "E92000001"  # England


def raw_dir() -> Path:
    """Where the publishers' downloaded files are (``PDP_RAW_DIR``)."""
    return Path(os.environ.get("PDP_RAW_DIR") or ROOT / "data" / "raw")


def processed_location() -> str:
    """Where releases live (``PDP_PROCESSED_DIR``): a local folder or an object-store URL (``s3://…``)."""
    return str(os.environ.get("PDP_PROCESSED_DIR") or ROOT / "data" / "processed")


def is_url(location: str | os.PathLike) -> bool:
    """True for an fsspec URL of a remote store (``s3://…``), false for a local path or ``file://``."""
    text = str(location)
    return "://" in text and not text.startswith("file://")


def mirror_dir(url: str) -> Path:
    """The local folder an object store's releases are mirrored into (``PDP_RELEASE_MIRROR_DIR``, else
    one per URL in the temp folder)."""
    if os.environ.get("PDP_RELEASE_MIRROR_DIR"):
        return Path(os.environ["PDP_RELEASE_MIRROR_DIR"])
    return Path(tempfile.gettempdir()) / f"pdp-releases-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def processed_dir() -> Path:
    """The local folder of releases the dashboard serves: ``PDP_PROCESSED_DIR``, or its mirror when that
    is an object-store URL."""
    location = processed_location()
    return mirror_dir(location) if is_url(location) else Path(location)


def release_poll_seconds() -> float:
    """How often an app process asks the object store whether the current release changed."""
    return float(os.environ.get("PDP_RELEASE_POLL_SECONDS", "15"))


def demo_raw_dir() -> Path:
    """Where ``python -m etl demo`` writes its synthetic extracts (``PDP_DEMO_RAW_DIR``)."""
    return Path(os.environ.get("PDP_DEMO_RAW_DIR") or ROOT / "data" / "demo_raw")


def home_area_code() -> str:
    """The LEP, LSIP or county the pack is for (``PDP_HOME_AREA``)."""
    return os.environ.get("PDP_HOME_AREA") or DEFAULT_HOME_AREA


# Fetch settings the environment may override (publishers.toml's [defaults] give the rest).
FETCH_SETTING_VARIABLES = {"backoff_seconds": "PDP_FETCH_BACKOFF", "max_retry_after": "PDP_FETCH_MAX_RETRY_AFTER",
                           "connect_timeout": "PDP_FETCH_CONNECT_TIMEOUT", "max_tries": "PDP_FETCH_MAX_TRIES"}


def fetch_setting_overrides() -> dict[str, str]:
    """{setting: text} for each PDP_FETCH_* variable that is set (read when the fetch starts)."""
    return {k: os.environ[v] for k, v in FETCH_SETTING_VARIABLES.items() if os.environ.get(v)}


# --- look ---------------------------------------------------------------------------------
# GOV.UK Analysis Function categorical palette (accessible; no red/green meaning)
PALETTE = {
    "dark_blue": "#12436D", "turquoise": "#28A197", "dark_pink": "#801650", "orange": "#F46A25",
    "dark_grey": "#3D3D3D", "light_purple": "#A285D1", "comparator_grey": "#BFBFBF",
}
SERIES_COLOURS = {"district": PALETTE["dark_blue"], "home": PALETTE["turquoise"],
                  "region": PALETTE["orange"], "country": PALETTE["dark_grey"],
                  "neighbours": PALETTE["dark_pink"], "similar": PALETTE["light_purple"]}
# Sequential scale for maps (light to dark blue), readable without colour as well (values shown on hover/table)
SEQUENTIAL_SCALE = ["#E8EEF4", "#B5C7D9", "#7D9CBC", "#4A729C", "#12436D"]

SITE_TITLE = os.environ.get("PDP_SITE_TITLE", "Partner Data Pack")
LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

# --- reuse in reports: downloads, images, PDFs, embeds ------------------------------------
CHROMIUM_PATH = os.environ.get("PDP_CHROMIUM", "/usr/bin/chromium")  # headless Chromium for PNG/SVG/PDF
# Image size in layout pixels and pixel density: 800 x 500 at scale 2 -> a 1600 x 1000 px PNG, 16 cm wide
# at 254 dpi on an A4 page. ?width=&height=&scale= may ask for others within these bounds.
EXPORT_DEFAULT_SIZE = (800, 500, 2.0)
EXPORT_IMAGE_LIMITS = {"width": (200, 4000), "height": (200, 4000), "scale": (0.5, 4.0)}
EXPORT_MAX_PIXELS = 40_000_000  # output width x height after scaling
EXPORT_RENDER_TIMEOUT = float(os.environ.get("PDP_EXPORT_TIMEOUT", "30"))  # seconds per image or PDF
EXPORT_BROWSER_TABS = int(os.environ.get("PDP_EXPORT_TABS", "2"))  # images (and PDFs) rendered at once per process
EXPORT_QUEUE_TIMEOUT = float(os.environ.get("PDP_EXPORT_QUEUE_TIMEOUT", "60"))  # seconds a PDF may wait for a tab
EXPORT_CACHE_ITEMS = int(os.environ.get("PDP_EXPORT_CACHE_ITEMS", "2000"))  # rendered images (and PDFs)
EXPORT_CACHE_DIR = os.environ.get("PDP_EXPORT_CACHE_DIR") or None  # default: pdp-exports in the temp folder
EXPORT_WARM_UP = os.environ.get("PDP_EXPORT_WARM_UP") == "1"  # start Chromium with the app, not on first export
# Origins allowed to put /embed pages in an iframe, besides this site; env PDP_FRAME_ANCESTORS adds more
# (space- or comma-separated, e.g. "https://www.lancashire.gov.uk https://lancashirelep.co.uk").
FRAME_ANCESTORS: list[str] = []


def frame_ancestors() -> list[str]:
    """FRAME_ANCESTORS then the origins in ``PDP_FRAME_ANCESTORS`` (unchecked: web.security checks them)."""
    return [*FRAME_ANCESTORS, *re.split(r"[\s,]+", os.environ.get("PDP_FRAME_ANCESTORS", ""))]


# --- serving on the web: public address, security headers, bounded caches ----------------------------
# The site's public address (e.g. "https://data.lancashire-skills.org.uk"): the "View online" line of
# downloads uses it, never the Host a request names. Empty: that line gives a path on this site.
PUBLIC_URL = os.environ.get("PDP_PUBLIC_URL", "").strip().rstrip("/")
# "1" when users reach the site over HTTPS (a TLS proxy in front that sets X-Forwarded-Proto): adds HSTS.
HTTPS = os.environ.get("PDP_HTTPS", "") == "1"
HSTS_MAX_AGE = int(os.environ.get("PDP_HSTS_MAX_AGE", str(365 * 24 * 3600)))
REFERRER_POLICY = os.environ.get("PDP_REFERRER_POLICY", "strict-origin-when-cross-origin")
EXPORT_CACHE_MB = int(os.environ.get("PDP_EXPORT_CACHE_MB", "256"))  # rendered images and PDFs, on disk
VIEW_CACHE_ENTRIES = int(os.environ.get("PDP_VIEW_CACHE_ENTRIES", "48"))  # rendered topic views per process
CHART_CACHE_ENTRIES = int(os.environ.get("PDP_CHART_CACHE_ENTRIES", "192"))  # chart specs per process
RELEASE_CACHE_MB = int(os.environ.get("PDP_RELEASE_CACHE_MB", "2048"))  # loaded releases kept in memory
ROUTER_CACHE_MB = int(os.environ.get("PDP_ROUTER_CACHE_MB", "64"))  # rendered page replies per process
STATIC_CACHE_MB = int(os.environ.get("PDP_STATIC_CACHE_MB", "32"))  # compressed static files per process
CALLBACK_MAX_BYTES = 64 * 1024  # a callback request body larger than this is refused (413)
CALLBACK_MAX_DEPTH = 8  # nesting of lists and objects in a callback request
# The shell layout and callback list change only on a restart (new code): browsers may reuse them briefly,
# so a warm page load is the document plus one router request.
SHELL_MAX_AGE = int(os.environ.get("PDP_SHELL_MAX_AGE", "60"))

# --- running the development server (python app.py) and logging ------------------------------------
LOG_LEVEL = os.environ.get("PDP_LOG_LEVEL", "INFO")
DEV_DEBUG = os.environ.get("PDP_DEBUG") == "1"
DEV_HOST = os.environ.get("PDP_HOST", "127.0.0.1")
DEV_PORT = int(os.environ.get("PDP_PORT", "8050"))
