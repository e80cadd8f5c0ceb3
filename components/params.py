"""URL parameters -> validated values, or a plain-English reason the link does not work.

Query values arrive as text (or a list when a key is repeated); anything unexpected raises
``BadParam`` with a message for the user, never an exception the user would see.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import data_access
from components.formatting import period_text
from vocab.catalogue import INDICATORS

COMPARATOR_ROLES = ("home", "region", "country")  # shown unless the link says otherwise
GROUP_ROLES = ("neighbours", "similar")  # comparator groups, on request (where the release has them)
ALL_ROLES = COMPARATOR_ROLES + GROUP_ROLES


class BadParam(ValueError):
    """A URL value the dashboard cannot show; the message is written for the user."""


def _text(value, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadParam(f"The link gives more than one {name}; please choose one.")
    return value.strip()


def home(value, release) -> str | None:
    """A home-area code the release knows (LEP, LSIP, combined authority, county or region), or None."""
    code = _text(value, "home area")
    if code is None:
        return None
    code = code.upper()
    if not release.is_home_choice(code):
        raise BadParam(f"'{code[:20]}' is not an area we can use as the home area (choose a LEP, LSIP, "
                       "combined authority, county or region from the list).")
    return code


def area(value, release, default: str | None) -> str | None:
    code = _text(value, "district")
    if code is None:
        return default
    code = code.upper()
    if not release.is_home_district(code):
        raise BadParam(f"We don't have a district with the code '{code[:20]}' in {release.home_name()}.")
    return code


def indicator(value, allowed: list[str], default: str | None) -> str | None:
    ind = _text(value, "measure")
    if ind is None:
        return default
    if ind not in allowed:
        names = ", ".join(INDICATORS[i].label for i in allowed if i in INDICATORS)
        raise BadParam(f"'{ind[:40]}' is not a measure on this page. Available: {names}.")
    return ind


def period(value, periods: list[str], default: str | None) -> str | None:
    p = _text(value, "period")
    if p is None:
        return default
    if p not in periods:
        span = f"{period_text(periods[0])} to {period_text(periods[-1])}" if periods else "none"
        raise BadParam(f"'{p[:40]}' is not a period we have for this measure (we have {span}).")
    return p


def breakdown(value, dimensions: list[str]) -> str | None:
    dim = _text(value, "breakdown")
    if dim is None or dim == "total":
        return None
    if dim not in dimensions:
        raise BadParam(f"'{dim[:40]}' is not a breakdown we have for this measure.")
    return dim


def comparators(value) -> list[str]:
    text = _text(value, "comparators")
    if text is None:
        return list(COMPARATOR_ROLES)
    roles = [r for r in text.split(",") if r]
    if text == "none":
        return []
    bad = [r for r in roles if r not in ALL_ROLES]
    if bad:
        raise BadParam(f"'{bad[0][:40]}' is not a comparison we can show (use home, region, country, neighbours "
                       "or similar).")
    return [r for r in ALL_ROLES if r in roles]


def areas(value, release, default: list[str], limit: int = 8) -> list[str]:
    text = _text(value, "list of districts")
    if text is None:
        return default
    codes = [c.strip().upper() for c in text.split(",") if c.strip()]
    bad = [c for c in codes if not release.is_home_district(c)]
    if bad:
        raise BadParam(f"We don't have a district with the code '{bad[0][:20]}' in {release.home_name()}.")
    return list(dict.fromkeys(codes))[:limit]


def query(**params) -> str:
    """'?area=...&indicator=...' from the non-empty values (lists become comma-separated); the home area
    this request chose is kept (``home=``) unless ``params`` names one."""
    params.setdefault("home", data_access.requested_home())
    clean = {k: (",".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for k, v in params.items()}
    clean = {k: v for k, v in clean.items() if v not in (None, "")}
    return "?" + urlencode(clean, safe=",") if clean else ""


def with_home(href: str) -> str:
    """``href`` (a path on this site) keeping the home area this request chose."""
    code = data_access.requested_home()
    if not code or "home=" in href:
        return href
    path, hash_mark, fragment = href.partition("#")
    return f"{path}{'&' if '?' in path else '?'}home={code}{hash_mark}{fragment}"


def home_in(search: str | None) -> str | None:
    """The ``home=`` of a query string (a control writing a new one keeps it; the page checks it)."""
    values = parse_qs((search or "").lstrip("?")).get("home") or [None]
    return values[0]
