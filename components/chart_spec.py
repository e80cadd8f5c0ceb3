"""What one chart is: the validated view it shows and the spec every reuse takes from (figure, data as
plotted, text, provenance), and how a builder assembles one."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

import config
from components import params, planner
from components.cards import source_line
from vocab import statuses
from vocab.catalogue import INDICATORS

ALL = ("home", "region", "country")


@dataclass(frozen=True)
class View:
    """A validated view of one chart (what the query string asked for, defaults filled in)."""
    area: str | None
    period: str | None
    breakdown: str | None
    comparators: tuple[str, ...]
    latest: bool = False  # the period is the latest one: links leave it out, so live embeds move on
    areas: tuple[str, ...] = ()  # the districts of a 'compare' chart

    def query_params(self) -> dict[str, str]:
        """The view as query parameters (defaults left out), for download, embed and page links."""
        comps = list(self.comparators)
        return {k: v for k, v in {
            "area": self.area, "period": None if self.latest else self.period, "breakdown": self.breakdown,
            "comparators": None if comps == list(params.COMPARATOR_ROLES) else (",".join(comps) or "none"),
            "areas": ",".join(self.areas) or None,
        }.items() if v}


@dataclass(frozen=True, eq=False)
class ChartSpec:
    """One chart and everything reused with it: figure, tidy data as plotted, text and provenance."""
    chart_id: str
    kind: str
    indicator: str
    title: str
    figure: object
    data: pd.DataFrame  # tidy, exactly as plotted (CSV/XLSX)
    table: pd.DataFrame  # formatted for people ("Show as table")
    source: dict
    source_text: str
    period_text: str
    release_date: str
    release_id: str
    is_demo: bool
    note: str | None
    summary: str
    view: View
    footnote: str | None = None  # the suppression key baked into images
    extra: dict = field(default_factory=dict)
    licence: str | None = None  # a local indicator's declared licence (None: the site's)

    @property
    def topic(self) -> str:
        return INDICATORS[self.indicator].topic

    def query(self, pinned: bool = False) -> str:
        """'?area=...' for this view (with ``release=`` when pinned)."""
        extra = {"release": self.release_id} if pinned else {}
        return params.query(**self.view.query_params(), **extra)

    def page_url(self) -> str:
        """The dashboard view this chart belongs to (its topic page with the same parameters)."""
        q = params.query(**self.view.query_params(), indicator=self.indicator)
        if self.kind == "compare":
            return f"/compare{q}"
        return f"/{self.topic}{q}#{self.topic}-{self.kind}"

    def meta(self, url: str | None = None) -> dict:
        """Header facts for CSV/XLSX files (reuse.data_files.header_lines)."""
        notes = [n for n in (self.note, self.footnote) if n]
        src = self.source
        who = ", ".join(str(x) for x in (src.get("publisher"), src.get("title") or src.get("source_id")) if x)
        published = f" (published {src['release_date']})" if src.get("release_date") else ""
        link = f" {src['url']}" if src.get("url") else ""
        return {"title": self.title, "subtitle": self.summary, "source": f"{who or 'unknown source'}{published}{link}",
                "period": self.period_text, "release_date": self.release_date, "release_id": self.release_id,
                "url": url, "is_demo": self.is_demo, "notes": notes, "licence": self.licence,
                "decimals": INDICATORS[self.indicator].decimals}

    def image_subtitle(self) -> str:
        """The period and notes (breaks named briefly, part years, caveats) baked into a PNG/SVG under the title."""
        note = planner.image_note(self.note, self.indicator)
        return self.period_text + (f". {note}" if note else "")

    def image_source_line(self) -> str:
        demo = " Demo data — not official statistics." if self.is_demo else ""
        return f"{self.source_text} {self.licence or config.LICENCE}.{demo}"


def chart_id(indicator_id: str, kind: str) -> str:
    return f"{indicator_id.replace('_', '-')}-{kind}"


def make_spec(rel, ind_id: str, kind: str, view: View, title: str, figure, data: pd.DataFrame, table: pd.DataFrame,
          ptext: str, summary: str, note: str | None = None) -> ChartSpec:
    source = rel.source_for(ind_id)
    if "significance" in data.columns:
        note = notes(note, "Whiskers show 95% confidence intervals; a figure is significantly different from "
                            "its comparator only when the whole interval is on one side of it.")
    shown = sorted({str(s) for s in data.get("status", pd.Series(dtype=object)).dropna()} - {"ok"})
    footnote = None
    if shown:
        words = "; ".join(f"{s.replace('_', ' ')}: shown as '{statuses.label(s)}'" for s in shown)
        footnote = f"Key: {words}. Missing figures are gaps, never zero."
    return ChartSpec(chart_id=chart_id(ind_id, kind), kind=kind, indicator=ind_id, title=title, figure=figure,
                     data=data.reset_index(drop=True), table=table, source=source,
                     source_text=source_line(source, ptext, rel.created), period_text=ptext,
                     release_date=rel.created, release_id=rel.id, is_demo=rel.is_demo, note=note, summary=summary,
                     view=view, footnote=footnote, licence=rel.licence_for(ind_id))


def notes(*parts) -> str | None:
    """The non-empty parts joined as one note (None when there are none)."""
    flat = [p for part in parts for p in ([part] if isinstance(part, str) or part is None else part) if p]
    return " ".join(dict.fromkeys(flat)) or None
