"""One builder per chart kind: from a release, a measure and a view to the chart's spec (planned by
``components.planner``, drawn by ``components.figures``, worded by ``components.summaries``)."""
from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import pandas as pd

import data_access
from components import figures, frame_memo, planner, summaries
from components.chart_spec import ALL, ChartSpec, View, make_spec, notes
from components.formatting import (
    breakdown_label,
    format_value,
    is_missing,
    period_phrase,
    period_text,
    polarity_text,
)
from components.tile_grids import TILE_GRIDS
from components.views import (
    comparator_series,
    district_line,
    series_table,
    values_table,
)
from vocab.catalogue import INDICATORS
from vocab.periods import frequency

STRIP_PERIODS = 24


def _fallback_note(rel, ind_id: str, area: str) -> tuple[data_access.Resolved, str | None]:
    res = rel.resolve(ind_id, area)
    note = (f"{INDICATORS[ind_id].label} is published for upper-tier councils only: {rel.area_name(area)} "
            f"shows the figure for the {res.label}." if res.label else None)
    return res, note


def _span(rel, ind_id: str) -> str:
    periods, ind = rel.periods(ind_id), INDICATORS[ind_id]
    if len(periods) == 1:
        return period_text(periods[0], ind)
    return f"{period_text(periods[0], ind)} to {period_text(periods[-1], ind)}" if periods else "no period"


def collapse_upper_tier(dfv: pd.DataFrame) -> pd.DataFrame:
    """One bar per area actually measured (county-only data: the county once, labelled)."""
    dff = dfv.drop_duplicates("shown_code").copy()
    counts = dfv.groupby("shown_code").size()
    has_label = dff["label"].notna()
    dff.loc[has_label, "area_name"] = [f"{lab} ({counts[c]} districts)" for lab, c in
                                       zip(dff.loc[has_label, "label"], dff.loc[has_label, "shown_code"])]
    dff["area_code"] = dff["shown_code"]
    return dff


def _council_shapes(rel, dfv: pd.DataFrame):
    """The districts' boundaries dissolved into the councils whose figures they show: the same for every
    view that maps districts onto councils the same way, so worked out once per release and mapping."""
    pairs = tuple(zip(dfv["area_code"], dfv["shown_code"]))

    def compute():
        shapes = rel.boundaries[rel.boundaries["area_code"].isin(dfv["area_code"])].merge(
            dfv[["area_code", "shown_code"]], on="area_code")
        return shapes.dissolve(by="shown_code", as_index=False)[["shown_code", "geometry"]].rename(
            columns={"shown_code": "area_code"})
    return rel._cached(("council-shapes", pairs), compute)


def _highest_first(df: pd.DataFrame) -> pd.DataFrame:
    """Rows by value, highest first, missing values last (the order of a ranking's table and data)."""
    return df.assign(_s=df["value"].fillna(-float("inf"))).sort_values("_s", ascending=False)


class PeriodBase(NamedTuple):
    """What the ranking and the map of one period draw for every district, whichever district is chosen."""
    dfv: pd.DataFrame  # rel.district_values
    councils: bool  # published for upper-tier councils only: one unit per council
    units: pd.DataFrame  # one row per area measured (collapse_upper_tier)
    ordered: pd.DataFrame  # units, highest first
    named: pd.DataFrame  # units named as the council where the figure is a council's
    ranking_table: pd.DataFrame
    map_data: pd.DataFrame
    map_table: pd.DataFrame


def period_base(rel, ind_id: str, period: str) -> PeriodBase:
    """Worked out once per release, home area, measure and period and shared by every district's view."""
    def compute() -> PeriodBase:
        dfv = rel.district_values(ind_id, period)
        councils = bool(dfv["label"].notna().any())
        units = collapse_upper_tier(dfv) if councils else dfv
        ordered = _highest_first(units)
        named = units.assign(area_name=units["label"].where(units["label"].notna(), units["area_name"]))
        map_data = dfv.assign(period=period, figure_for=[c if pd.notna(lab) else None for c, lab in
                                                         zip(dfv["shown_code"], dfv["label"])])
        map_data = map_data[["area_code", "area_name", "period", "value", "status", "figure_for"]]
        return PeriodBase(dfv, councils, units, ordered, named, values_table(ordered, ind_id), map_data,
                          values_table(dfv.sort_values("area_name"), ind_id, label="District"))
    return rel._cached(("period-base", rel.home_code(), ind_id, period), compute)


def map_figure(rel, dfv: pd.DataFrame, ind, selected):
    """Choropleth from the release's boundaries, else the configured (or automatic) tile grid. Districts
    that share their council's figure are drawn as that council: one shape (or one label) per figure."""
    base, note, councils = _map_base(rel, dfv, ind)
    return figures.select(base, _map_selected(rel, ind.id, selected, councils)), note


def _map_selected(rel, ind_id: str, selected, councils: bool):
    """The area outlined for district ``selected``: its council where the map draws councils."""
    return rel.resolve(ind_id, selected).code if councils and selected else selected


def _period_map(rel, ind_id: str, period: str, selected):
    """``map_figure`` of the period's districts: the map drawn once per release, home area, measure and
    period (period_base), only the chosen district's outline per view."""
    base, note, councils = rel._cached(("map-base", rel.home_code(), ind_id, period), lambda: _map_base(
        rel, period_base(rel, ind_id, period).dfv, INDICATORS[ind_id]))
    return figures.select(base, _map_selected(rel, ind_id, selected, councils)), note


def _map_base(rel, dfv: pd.DataFrame, ind) -> tuple[figures.Selectable, str, bool]:
    """(the map with no district chosen, its note, whether the areas drawn are councils)."""
    councils = dfv["label"].notna().any()
    if rel.boundaries is not None and dfv["area_code"].isin(rel.boundaries["area_code"]).any():
        if not councils:
            return figures.choropleth_base(dfv, rel.boundaries, ind), "Map of districts", False
        merged = _council_shapes(rel, dfv)
        units = collapse_upper_tier(dfv)
        return figures.choropleth_base(units, merged, ind), "Map of councils", True
    districts = rel.home_districts()
    grid = TILE_GRIDS.get(rel.home_code(), {})
    codes = set(districts["area_code"])
    tiles = dfv.assign(show_value=~dfv.duplicated("shown_code")) if councils else dfv
    if not grid or not codes.issubset(grid):
        grid = figures.auto_grid(list(districts.itertuples(index=False, name=None)))
        return figures.tile_map_base(tiles, grid, ind), "Districts in alphabetical order (not a map)", False
    note = "Tile map (each square is a district, roughly in place)"
    if councils:
        note += "; districts sharing their council's figure show it once"
    return figures.tile_map_base(tiles, grid, ind), note, False


# --- builders: one per kind -------------------------------------------------------------------------

def _periods_of(lines: list[dict]) -> list[str]:
    """Every period any line has, oldest first."""
    starts = {}
    for line in lines:
        for start, period, _day in figures.start_periods(line["df"]):
            starts.setdefault(period, start)
    return sorted(starts, key=starts.get)


def _trend_parts(ind_id: str, series: pd.DataFrame):
    """(rows with a figure, their periods, the last comparable run, the rows the sentence reads labelled):
    the same for every view of this area's series (kept while the frame lives: frame_memo)."""
    ind = INDICATORS[ind_id]
    have = series[series["value"].notna()]
    periods = list(have["period"])
    if not periods:
        return have, periods, [], series.assign(period_label=[period_phrase(p, ind) for p in series["period"]])
    run = planner.comparable_run(ind_id, periods)
    seg = series[series["period"].isin(run)] if run else None
    if seg is not None:
        seg = seg.assign(period_label=[period_phrase(p, ind) for p in seg["period"]])
    return have, periods, run, seg


def _trend_text(rel, ind_id: str, series: pd.DataFrame, who: str, comparator_codes: list[tuple[str, str]],
                fallback_for: str | None = None) -> str:
    """A trend sentence that never measures a change across a series break or into a part year.

    ``series``: period, value, status of the area (oldest first); ``comparator_codes``: (name, code).
    """
    ind = INDICATORS[ind_id]
    have, periods, run, seg = frame_memo.derived(series, ("trend-text", ind_id), lambda: _trend_parts(ind_id, series))
    if not periods:
        return summaries.trend_summary(seg, who, ind, fallback_for=fallback_for)
    parts = []
    if run:
        comps = [(name, rel.value(ind_id, code, run[-1])[0]) for name, code in comparator_codes]
        parts.append(summaries.trend_summary(seg, who, ind, comps, fallback_for=fallback_for))
        if run[0] != periods[0]:
            brk = next((b for earlier, later in zip(periods, periods[1:]) if later == run[0]
                        for b in planner.breaks_between(ind, earlier, later)), None)
            why = f" ({brk.reason})" if brk else " (a part year)"
            parts.append(f"Earlier figures are not compared: the series is not comparable across "
                         f"{period_phrase(run[0], ind)}{why}.")
    last = periods[-1]
    if ind.part_period(last):
        value, status = rel.value(ind_id, have["area_code"].iloc[0], last) if "area_code" in have else (
            have["value"].iloc[-1], have["status"].iloc[-1])
        parts.append(f"{period_phrase(last, ind)} is {ind.part_period(last)}, so it is not compared with full "
                     f"years: {summaries.possessive(who)} {ind.in_sentence} was "
                     f"{format_value(have['value'].iloc[-1], ind, have['status'].iloc[-1])}.")
    return " ".join(parts)


def trend(rel, ind_id: str, view: View) -> ChartSpec:
    """The district's series over time against the chosen comparators; a dot comparison when there are
    fewer than two comparable periods; lines broken at series breaks, part years marked."""
    ind = INDICATORS[ind_id]
    res, fallback = _fallback_note(rel, ind_id, view.area)
    name = rel.area_name(view.area)
    roles = planner.comparator_roles(ind_id, view.comparators)
    lines = [district_line(rel, ind_id, view.area)] + comparator_series(rel, ind_id, view.area, roles)
    periods = _periods_of(lines)
    data = pd.concat([_line_frame(rel, ind_id, line) for line in lines], ignore_index=True)
    data = planner.with_significance(rel, ind_id, data[["series", "role", "area_code", "period", "value", "status",
                                                        "lower_ci", "upper_ci"]])
    note = notes(fallback, planner.count_note(ind_id), planner.caveat_notes(ind_id, periods))
    own = lines[0]["df"]
    comps = [(line["name"], line["code"]) for line in lines[1:]]
    if planner.has_trend(ind_id, periods):
        marks, segments = planner.marks(ind_id, periods), planner.segments(ind_id, periods)
        fig = figures.time_series(lines, ind, marks=marks, segments=segments,
                                  traces=_trend_traces(rel, ind_id, lines, marks, segments))
        title = f"{ind.label}: {name} over time"
        summary = _trend_text(rel, ind_id, own, res.label or res.name, comps, fallback_for=name if res.label else None)
        latest = own[own["value"].notna()]["period"]
        if len(latest):
            summary = " ".join(filter(None, [summary, planner.significance_sentence(
                rel, ind_id, res.code, latest.iloc[-1], res.label or res.name)]))
    else:
        fig = figures.dot_comparison(lines, ind)
        only = period_text(periods[-1], ind) if periods else "no period"
        title = f"{ind.label}: {name}, {only}"
        note = notes(note, "Only one period is published, so there is no trend over time.")
        summary = _dot_text(rel, ind_id, lines, periods[-1] if periods else None, res, name)
    return make_spec(rel, ind_id, "trend", view, title, fig, data, series_table(lines, ind_id), _span(rel, ind_id),
                 summary, note)


def _line_frame(rel, ind_id: str, line: dict) -> pd.DataFrame:
    """A line's rows as the trend's data has them; a comparator's kept in the query memo (the same for every
    district shown against it)."""
    def frame():
        return line["df"].assign(series=line["name"], role=line["role"], area_code=line["code"])
    return frame() if line["role"] == "district" else rel._cached(
        ("line-frame", ind_id, line["code"], line["role"], line["name"]), frame)


def _trend_traces(rel, ind_id: str, lines: list[dict], marks, segments) -> list[dict]:
    """Each line's trace (figures.line_trace); a comparator's, the same for every district shown against
    it, drawn once per release, measure, line and breaks (the release's bounded query memo)."""
    ind = INDICATORS[ind_id]
    segment_of, part = figures.segment_index(segments), figures.part_periods(marks)
    runs = tuple(tuple(run) for run in segments or ())
    out = []
    for i, line in enumerate(lines):
        def draw(i=i, line=line):
            return figures.line_trace(i, line, ind, segment_of, part)
        out.append(draw() if line["role"] == "district" else rel._cached(
            ("line-trace", ind_id, line["code"], line["role"], line["name"], i, runs, part), draw))
    return out


def _dot_text(rel, ind_id: str, lines: list[dict], period: str | None, res, name: str) -> str:
    ind = INDICATORS[ind_id]
    if period is None:
        return f"No {ind.in_sentence} figures are published for {name}."
    own = lines[0]["df"]
    if not len(own):
        return f"No {ind.in_sentence} figure is published for {name}."
    comps = [(line["name"], rel.value(ind_id, line["code"], period)[0]) for line in lines[1:]]
    series = own.assign(period_label=[period_phrase(p, ind) for p in own["period"]])
    text = summaries.trend_summary(series, res.label or res.name, ind, comps, fallback_for=name if res.label else None)
    return " ".join(filter(None, [text, planner.significance_sentence(rel, ind_id, res.code, period,
                                                                      res.label or res.name)]))


def ranking(rel, ind_id: str, view: View) -> ChartSpec:
    """Every district in one period (county-only data: one bar per council); rates also with region and
    England lines, counts only among the districts."""
    ind = INDICATORS[ind_id]
    res, _ = _fallback_note(rel, ind_id, view.area)
    ptext = period_text(view.period, ind)
    comp = {role: (code, name) for role, code, name in rel.comparators(view.area)}
    ref_roles = [r for r in ("region", "country") if r in comp and r in planner.comparator_roles(ind_id, ALL)]
    base = period_base(rel, ind_id, view.period)
    councils = base.councils
    refs = [(comp[r][1], rel.value(ind_id, comp[r][0], view.period)[0]) for r in ref_roles]
    selected = res.code if res.label else view.area
    data = _ranking_data(rel, ind_id, view.period, tuple((r, *comp[r]) for r in ref_roles))
    named = base.named
    summary = summaries.ranking_summary(named, selected, ind, ptext, rel.home_name(), refs,
                                        peer_noun="councils" if councils else "districts",
                                        fallback_for=rel.area_name(view.area) if res.label else None)
    summary = " ".join(filter(None, [summary, planner.significance_sentence(
        rel, ind_id, selected, view.period, rel.area_name(selected) if not res.label else res.label)]))
    lines_note = f"Dotted lines: {' and '.join(r[0] for r in refs)}. " if refs else ""
    note = notes(f"{lines_note}{polarity_text(ind)}.", planner.count_note(ind_id),
                  planner.caveat_notes(ind_id, [view.period]))
    peers = "councils" if councils else "districts"
    return make_spec(rel, ind_id, "ranking", view, f"{ind.label}: {peers} of {rel.home_name()}, {ptext}",
                 _ranking_figure(rel, ind_id, view.period, refs, selected), data, base.ranking_table, ptext,
                 summary, note)


def _ranking_figure(rel, ind_id: str, period: str, refs: list[tuple[str, float]], selected):
    """The ranking drawn once per release, home area, measure, period and reference lines (figures.RankingBase);
    only the chosen district's mark per view. A missing reference value draws no line, whatever it is."""
    key = tuple((label, None if is_missing(value) else value) for label, value in refs)
    base = rel._cached(("ranking-base", rel.home_code(), ind_id, period, key), lambda: figures.ranking_base(
        period_base(rel, ind_id, period).units, INDICATORS[ind_id], refs))
    return figures.ranking_select(base, selected)


def _ranking_data(rel, ind_id: str, period: str, refs: tuple[tuple[str, str, str], ...]) -> pd.DataFrame:
    """The ranking's data as plotted: the districts highest first, then the reference lines ``refs``
    ((role, code, name)), with significance; the same for every district of the home area."""
    def compute() -> pd.DataFrame:
        ordered = period_base(rel, ind_id, period).ordered
        data = ordered.assign(role="district", period=period)[["role", "area_code", "area_name", "period", "value",
                                                               "status", "lower_ci", "upper_ci"]]
        ref_rows = [{"role": r, "area_code": code, "area_name": name, "period": period,
                     **dict(zip(("value", "status"), rel.value(ind_id, code, period)))} for r, code, name in refs]
        if ref_rows:
            data = pd.concat([data, pd.DataFrame(ref_rows)], ignore_index=True)
        return planner.with_significance(rel, ind_id, data)
    return rel._cached(("ranking-data", rel.home_code(), ind_id, period, refs), compute)


def map_chart(rel, ind_id: str, view: View) -> ChartSpec:
    """Every district shaded by its value in one period; a measure published for councils only is
    drawn as the councils (a county once), never its figure painted on each district."""
    ind = INDICATORS[ind_id]
    ptext = period_text(view.period, ind)
    base = period_base(rel, ind_id, view.period)
    councils, units, data = base.councils, base.units, base.map_data
    fig, map_note = _period_map(rel, ind_id, view.period, view.area)
    summary = summaries.map_summary(units, ind, ptext, rel.home_name(),
                                    peer_noun="councils" if councils else "districts",
                                    selected_code=rel.resolve(ind_id, view.area).code if view.area else None)
    council_note = (f"{ind.label} is published for upper-tier councils only: each council is drawn as one area "
                    "with its figure.") if councils else None
    title = f"{ind.label} by {'council' if councils else 'district'}, {ptext}"
    return make_spec(rel, ind_id, "map", view, title, fig, data,
                 base.map_table, ptext, summary,
                 notes(f"{map_note}. Darker blue means a higher value; the key gives the values.", council_note,
                        planner.caveat_notes(ind_id, [view.period])))


def _strip_base(rel, ind_id: str) -> dict:
    """Everything of a strip chart that is the same for every district: worked out once per release, home
    area and measure (the grey dots, the table, the data as plotted) and shared by every view."""
    def compute() -> dict:
        ind = INDICATORS[ind_id]
        all_periods = rel.periods(ind_id)
        recent = all_periods[-STRIP_PERIODS:]
        history = rel.district_history(ind_id)
        history = history[history["period"].isin(recent)]
        with_home = "home" in planner.comparator_roles(ind_id, ALL)
        home_series = rel.series(ind_id, rel.home_code())
        home_series = home_series[home_series["period"].isin(recent)] if with_home else home_series.iloc[0:0]
        tbl = history.pivot_table(index="period", columns="area_name", values="value", aggfunc="first", sort=False)
        tbl = tbl.reset_index().rename(columns={"period": "Period"})
        tbl["Period"] = tbl["Period"].map(lambda p: period_text(p, ind))
        tbl = tbl.map(lambda v: format_value(v, ind) if isinstance(v, float) else v)
        span = (f"the last {len(recent)} months" if len(all_periods) > STRIP_PERIODS
                and frequency(recent[-1]) == "month"
                else "over time" if len(recent) > 1 else period_text(recent[0], ind) if recent else "no period")
        cols = ["role", "area_code", "area_name", "period", "value", "status"]
        data = pd.concat([history.assign(role="district")[cols],
                          home_series.assign(role="home", area_code=rel.home_code(), area_name=rel.home_name())[cols]],
                         ignore_index=True)
        ptext = (f"{period_text(recent[0], ind)} to {period_text(recent[-1], ind)}" if len(recent) > 1
                 else period_text(recent[0], ind) if recent else "no period")
        last = recent[-1] if recent else None
        latest = period_base(rel, ind_id, last) if last else None  # the spread sentence: the last period
        return dict(recent=recent, history=history, with_home=with_home, home_series=home_series, tbl=tbl,
                    span=span, data=data, ptext=ptext, last=last, councils=bool(latest and latest.councils),
                    units=latest.units if latest else pd.DataFrame(),
                    figure=figures.strip_base(history, ind, home_series if with_home else None, rel.home_name(),
                                              marks=planner.marks(ind_id, recent),
                                              segments=planner.segments(ind_id, recent)))
    return rel._cached(("strip-base", rel.home_code(), ind_id), compute)


def strip(rel, ind_id: str, view: View) -> ChartSpec:
    """Every district as dots over the last STRIP_PERIODS periods; the district (and, for rates, the home
    area) as lines broken at series breaks."""
    ind = INDICATORS[ind_id]
    res = rel.resolve(ind_id, view.area)
    b = _strip_base(rel, ind_id)
    history, recent, with_home, last = b["history"], b["recent"], b["with_home"], b["last"]
    selected = view.area
    fig = figures.strip_select(b["figure"], selected)
    spread = summaries.map_summary(b["units"], ind, period_text(last, ind),
                                   rel.home_name(), peer_noun="councils" if b["councils"] else "districts",
                                   selected_code=res.code if b["councils"] else view.area)
    sel = b["figure"].by_area.get(selected, history.iloc[0:0])
    moved = _trend_text(rel, ind_id, frame_memo.derived(sel, ("area-code", res.code), lambda: sel.assign(
        area_code=res.code)), res.label or res.name, []) if len(sel) > 1 else ""
    summary = " ".join(s for s in (moved, spread) if s)
    lines_note = "Lines: the chosen district and the home area." if with_home else "Line: the chosen district."
    return make_spec(rel, ind_id, "strip", view, f"{ind.label}: every district, {b['span']}", fig, b["data"], b["tbl"],
                     b["ptext"], summary, notes(f"Grey dots: every district. {lines_note}", planner.count_note(ind_id),
                                                planner.caveat_notes(ind_id, recent)))


def breakdown(rel, ind_id: str, view: View) -> ChartSpec:
    """The district, home area and England by one breakdown dimension in one period. Counts are drawn as
    each area's shares (its groups as a percentage of its total), so areas of different sizes compare."""
    ind = INDICATORS[ind_id]
    res = rel.resolve(ind_id, view.area)
    dims = rel.breakdown_dimensions(ind_id)
    dim = view.breakdown or next(iter(dims))
    ptext = period_text(view.period, ind)
    name = rel.area_name(view.area)
    comp = {role: (code, cname) for role, code, cname in rel.comparators(view.area)}
    frames = [rel.breakdown_values(ind_id, res.code, view.period, dim).assign(series=name, role="district",
                                                                              area_code=res.code)]
    for role in ("home", "country"):
        if role in comp:  # the same for every district: kept in the query memo
            code, cname = comp[role]
            frames.append(rel._cached(("breakdown-frame", ind_id, code, view.period, dim, cname, role), lambda: (
                rel.breakdown_values(ind_id, code, view.period, dim).assign(series=cname, role=role, area_code=code))))
    bdf = pd.concat(frames, ignore_index=True)
    shown_ind = ind
    if ind.unit == "count":
        totals = {code: rel.value(ind_id, code, view.period)[0] for code in bdf["area_code"].unique()}
        bdf["count"] = bdf["value"]
        bdf["value"] = [v / totals[c] * 100 if totals[c] else float("nan") for v, c in
                        zip(bdf["count"], bdf["area_code"])]
        shown_ind = replace(ind, unit="percent", decimals=1, label=f"Share of {ind.label.lower()}",
                            in_sentence=f"share of {ind.in_sentence.removeprefix('number of ')}")
    tbl = bdf.assign(value=[format_value(v, shown_ind, s) for v, s in zip(bdf["value"], bdf["status"])]).pivot(
        index="category", columns="series", values="value").reset_index().rename(
        columns={"category": breakdown_label(dim)})
    cols = ["series", "role", "area_code", "period", "breakdown", "category"] + (
        ["count", "value"] if ind.unit == "count" else ["value"]) + ["status"]
    data = bdf.assign(period=view.period, breakdown=[f"{dim}={c}" for c in bdf["category"]])[cols]
    if ind.unit == "count":
        data = data.rename(columns={"value": "share_percent"})
    mine = frames[0].rename(columns={"category": "breakdown_label"}).assign(
        breakdown=lambda d: d["breakdown_label"])
    if ind.unit == "count":
        mine = mine.assign(value=bdf.loc[bdf["role"] == "district", "value"].to_numpy())
    summary = summaries.breakdown_summary(mine, name, shown_ind, ptext, breakdown_label(dim).lower())
    note = notes("Each area's groups as a percentage of its own total, so areas of different sizes compare."
                  if ind.unit == "count" else None, planner.caveat_notes(ind_id, [view.period]))
    title = (f"{shown_ind.label} by {breakdown_label(dim).lower()}: {name}, {ptext}" if ind.unit == "count" else
             f"{ind.label} by {breakdown_label(dim).lower()}: {name}, {ptext}")
    return make_spec(rel, ind_id, "breakdown", view, title, figures.breakdown_bars(bdf, shown_ind), data, tbl, ptext,
                 summary, note)


def compare(rel, ind_id: str, view: View) -> ChartSpec:
    """Several chosen districts over time; rates also against the home area and England."""
    ind = INDICATORS[ind_id]
    codes = list(view.areas)
    # districts that share their council's figure are one line, named as the council with its districts
    shown: dict[str, list[str]] = {}
    for c in codes:
        shown.setdefault(rel.resolve(ind_id, c).code, []).append(c)
    lines = []
    for shown_code, members in shown.items():
        res = rel.resolve(ind_id, members[0])
        name = (f"{res.label} ({', '.join(rel.area_name(m) for m in members)})" if res.label
                else rel.area_name(members[0]))
        lines.append(dict(district_line(rel, ind_id, members[0]), role=None, name=name))
    if codes:
        lines += comparator_series(rel, ind_id, codes[0], planner.comparator_roles(ind_id, ["home", "country"]))
    frames = [line["df"].assign(series=line["name"], role=line.get("role") or "district",
                                area_code=line.get("code")) for line in lines]
    data = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["series", "role", "area_code", "period", "value", "status"]))
    data = data[["series", "role", "area_code", "period", "value", "status"]]
    periods = _periods_of(lines)
    latest = view.period
    values = pd.DataFrame([{"area_code": code, "area_name": line["name"],
                            **dict(zip(("value", "status"), rel.value(ind_id, code, latest)))}
                           for code, line in zip(shown, lines)], columns=["area_code", "area_name", "value", "status"])
    councils = len(shown) < len(codes) or any(rel.resolve(ind_id, c).label for c in codes)
    summary = summaries.map_summary(values, ind, period_text(latest, ind) if latest else "", rel.home_name(),
                                    peer_noun="areas shown" if councils else "chosen districts")
    fig = (figures.time_series(lines, ind, marks=planner.marks(ind_id, periods),
                               segments=planner.segments(ind_id, periods))
           if planner.has_trend(ind_id, periods) else figures.dot_comparison(lines, ind))
    return make_spec(rel, ind_id, "compare", view, f"{ind.label}: chosen districts over time", fig, data,
                 series_table(lines, ind_id), _span(rel, ind_id), summary,
                 notes(planner.count_note(ind_id), planner.caveat_notes(ind_id, periods)))


def peers(rel, ind_id: str, view: View) -> ChartSpec:
    """The council (or district) whose figure stands for the chosen district among its comparator group's
    members in one period, with the group's combined figure as a dotted line (rates only)."""
    ind = INDICATORS[ind_id]
    res = rel.resolve(ind_id, view.area)
    ptext = period_text(view.period, ind)
    group = rel.peer_group(ind_id, view.area)
    title_who = rel.area_name(res.code) if res.label is None else res.label
    if group is None:
        empty = pd.DataFrame(columns=["role", "area_code", "area_name", "period", "value", "status"])
        return make_spec(rel, ind_id, "peers", view, f"{ind.label}: {title_who} and its comparator group, {ptext}",
                     figures.ranking_bar(empty, ind, None, []), empty, values_table(empty, ind_id), ptext,
                     f"There is no comparator group for {title_who} in this release.", None)
    kind = group.partition(":")[0]
    figure, data, table, summary = _peers_base(rel, ind_id, group, view.period)
    what = ("its statistical neighbours (DfE's set)" if kind == "neighbours"
            else "its most similar districts (computed by us, not an official set; method on the Data page)")
    note = notes(f"{title_who} with {what}. {polarity_text(ind)}.", planner.count_note(ind_id),
                  planner.caveat_notes(ind_id, [view.period]))
    return make_spec(rel, ind_id, "peers", view, f"{ind.label}: {title_who} and {what.split(' (')[0]}, {ptext}",
                     figure, data, table, ptext, summary, note)


def _peers_base(rel, ind_id: str, group: str, period: str):
    """(figure, data, table, summary) of a comparator group in one period: the same for every district the
    group stands for (all of a council's districts share its neighbours), kept in the query memo."""
    def compute():
        ind = INDICATORS[ind_id]
        kind, _, owner = group.partition(":")
        codes = [owner] + rel.group_members(group)
        rows = []
        for code in codes:
            value, status = rel.value(ind_id, code, period)
            lower, upper = rel.interval(ind_id, code, period)
            rows.append({"area_code": code, "area_name": rel.area_name(code), "value": value, "status": status,
                         "lower_ci": lower, "upper_ci": upper})
        ranked = pd.DataFrame(rows)
        ordered = _highest_first(ranked)
        data = ordered.assign(role="district", period=period)[["role", "area_code", "area_name", "period", "value",
                                                               "status", "lower_ci", "upper_ci"]]
        refs = []
        if "neighbours" in planner.comparator_roles(ind_id, ("neighbours",)):
            value, status = rel.value(ind_id, group, period)
            refs = [(rel.area_name(group), value)] if value == value else []
            data = pd.concat([data, pd.DataFrame([{"role": kind, "area_code": group, "area_name": rel.area_name(group),
                                                   "period": period, "value": value, "status": status}])],
                             ignore_index=True)
        noun = "councils" if kind == "neighbours" else "districts"
        summary = summaries.ranking_summary(ranked, owner, ind, period_text(period, ind), "the group", refs,
                                            peer_noun=noun)
        return figures.ranking_bar(ranked, ind, owner, refs), data, values_table(ordered, ind_id), summary
    return rel._cached(("peers-base", ind_id, group, period), compute)


BUILDERS = {"trend": trend, "ranking": ranking, "map": map_chart, "strip": strip, "breakdown": breakdown,
            "compare": compare, "peers": peers}
