"""'What is new in this release' in plain words, from ``diff.json`` (written by ``python -m etl diff``).

Pure: a diff document in, a list of sentences out. An unexpected document gives an empty list, so
the home page falls back to the sources' latest periods.
"""
from __future__ import annotations

from components.formatting import period_text
from vocab.catalogue import INDICATORS

MAX_MOVES = 3  # rank moves listed per headline measure


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _label(indicator_id: str) -> str:
    ind = INDICATORS.get(indicator_id)
    return ind.label if ind else str(indicator_id)


def diff_sentences(diff: dict | None) -> list[str]:
    """Sentences for the home page: new periods, revisions, withdrawn figures, areas, rank moves."""
    if not isinstance(diff, dict) or not isinstance(diff.get("summary"), dict):
        return []
    try:
        return _sentences(diff)
    except (KeyError, TypeError, ValueError, AttributeError):
        return []


def _sentences(diff: dict) -> list[str]:
    s = diff["summary"]
    home = diff.get("home_area_name") or "the home area"
    out = []
    for p in diff.get("new_periods") or []:
        n = len(p.get("periods") or [])
        out.append(f"{p.get('label') or _label(p.get('indicator'))}: new figures up to "
                   f"{period_text(p.get('latest'), INDICATORS.get(p.get('indicator')))}"
                   + (f" ({n} new periods)" if n > 1 else "") + ".")
    if s.get("revisions"):
        by = ", ".join(f"{_label(i)} {n}" for i, n in (diff.get("revisions_by_indicator") or {}).items())
        out.append(f"{s['revisions']} earlier figures were revised by their publishers" + (f" ({by})." if by else "."))
    if s.get("status_changes"):
        out.append(f"{s['status_changes']} figures were newly published or withdrawn (for example suppressed).")
    if s.get("areas_added") or s.get("areas_removed"):
        out.append(f"Areas: {s.get('areas_added', 0)} added, {s.get('areas_removed', 0)} removed.")
    for block in diff.get("rank_moves") or []:
        movers = [m for m in block.get("moves") or [] if m.get("change")]
        movers.sort(key=lambda m: -abs(m["change"]))
        for m in movers[:MAX_MOVES]:
            out.append(f"{block.get('label') or _label(block.get('indicator'))}: {m.get('area_name') or m['area_code']} "
                       f"moved from {_ordinal(m['old_rank'])} to {_ordinal(m['new_rank'])} of {home}'s districts "
                       f"({'lower' if block.get('polarity') == 'lower' else 'higher'} is better).")
    if not out:
        out.append("No figures changed since the previous release.")
    if diff.get("old_release"):
        out.insert(0, f"Compared with the previous release ({diff['old_release']}):")
    return out
