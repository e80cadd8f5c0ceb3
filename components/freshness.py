"""Is newer data out? A source's ``next_update`` date (release.json) against today.

Pure functions of the release metadata and a date, so pages and tests pass ``today`` explicitly.
"""
from __future__ import annotations

import datetime as dt
import functools

from dash import html

from vocab.catalogue import INDICATORS

NOTICE = "Newer data may be available"


def today() -> str:
    return dt.date.today().isoformat()


def is_stale(source: dict, on: str | None = None) -> bool:
    """True when today is past the source's announced next update (unknown dates are never stale)."""
    nxt = str(source.get("next_update") or "")[:10]
    try:
        return dt.date.fromisoformat(nxt) < dt.date.fromisoformat(on or today())
    except ValueError:
        return False


def stale_sources(rel, on: str | None = None) -> list[dict]:
    return [s for s in rel.sources if is_stale(s, on)]


def notices_state(release_id: str, on: str) -> str:
    """The sources of a release whose newer figures were due by ``on``: all a date changes on a page."""
    import data_access

    return _notices_state(str(data_access.processed_dir()), release_id, on)


@functools.lru_cache(maxsize=8)
def _notices_state(folder: str, release_id: str, on: str) -> str:
    """``folder`` is only part of the key: two folders may hold releases with one id."""
    import data_access

    return ",".join(sorted(str(s.get("source_id")) for s in stale_sources(data_access.load(release_id), on)))


def topic_notice(rel, slug: str, on: str | None = None):
    """A small notice on a topic page whose source was due to publish newer figures by now."""
    wanted = {i for i, ind in INDICATORS.items() if ind.topic == slug}
    due = [s for s in stale_sources(rel, on) if wanted & set(s.get("indicators") or [])]
    if not due:
        return None
    names = "; ".join(f"{s.get('title') or s.get('source_id')} (next update was due {s.get('next_update')})"
                      for s in due)
    return html.P([html.Strong(f"{NOTICE}. "), f"The publisher was due to update: {names}. This dashboard will "
                   "show the new figures after the next data pack release."],
                  className="alert alert-info py-2 small pdp-stale-notice", role="note")
