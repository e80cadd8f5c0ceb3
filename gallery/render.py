"""Render every chart of a release to PNG and write an index page (Jinja2, autoescaped)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from components import charts, params
from reuse.browser import ExportError
from reuse.images import render_image
from vocab.catalogue import INDICATORS, TOPICS
from vocab.levels import is_two_tier_district

TEMPLATES = Path(__file__).with_name("templates")
PER_DISTRICT = ("trend", "breakdown")  # kinds drawn for a district; the others cover every district


@dataclass
class Entry:
    topic: str
    anchor: str
    title: str
    url: str
    summary: str
    note: str | None
    image: str | None = None
    error: str | None = None


def gallery_views(rel) -> list[tuple[str, dict]]:
    """(chart id, query args) for every chart: each once for the first district, the per-district kinds
    also for a unitary district, the compare chart for both."""
    districts = list(rel.home_districts()["area_code"])
    if not districts:
        return []
    first = next((c for c in districts if is_two_tier_district(c)), districts[0])
    unitary = next((c for c in districts if not is_two_tier_district(c)), None)
    out = []
    for chart in charts.chart_ids(rel):
        ind_id, kind = charts.parse_chart_id(chart)
        if kind == "compare":
            out.append((chart, {"areas": ",".join(dict.fromkeys(filter(None, [first, unitary])))}))
            continue
        out.append((chart, {} if kind == "map" else {"area": first}))
        if kind in PER_DISTRICT and unitary and unitary != first:
            out.append((chart, {"area": unitary}))
    return out


def render_gallery(rel, out: Path, only: list[str] | None = None,
                   progress: Callable[[str], None] = lambda _text: None) -> Path:
    """Write ``out``/<chart>.png for every view and ``out``/index.html; return the index path."""
    out.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    for chart, args in gallery_views(rel):
        ind_id, _kind = charts.parse_chart_id(chart)
        if only and ind_id not in only:
            continue
        spec = charts.build(rel, chart, args)
        stem = chart + ("-" + args["area"] if "area" in args else "")
        entry = Entry(topic=TOPICS.get(INDICATORS[ind_id].topic, (INDICATORS[ind_id].topic,))[0], anchor=stem,
                      title=spec.title, url=f"/download/{chart}.png{params.query(**args)}", summary=spec.summary,
                      note=spec.note)
        try:
            data = render_image(spec.figure, "png", title=spec.title, subtitle=spec.image_subtitle(),
                                        source_line=spec.image_source_line(), footnote=spec.footnote)
            (out / f"{stem}.png").write_bytes(data)
            entry.image = f"{stem}.png"
        except ExportError as exc:  # one chart failing must not lose the others
            entry.error = str(exc)
        entries.append(entry)
        progress(f"{'rendered' if entry.image else 'FAILED  '} {stem}")
    topics = {}
    for entry in entries:
        topics.setdefault(entry.topic, []).append(entry)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    html = env.get_template("index.html").render(
        release_id=rel.id, is_demo=rel.is_demo, home_name=rel.home_name(), created=rel.created,
        charts=entries, topics=list(topics.items()))
    index = out / "index.html"
    index.write_text(html, encoding="utf-8")
    return index
