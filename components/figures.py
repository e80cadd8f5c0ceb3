"""Pure figure builders: data frames in, plain figure dicts out (no Dash, no file I/O, no plotly express).

Figures are assembled from plain dicts and never go through ``go.Figure``: building, validating and
copying a plotly object per chart was most of a view's cost; these dicts are fixed by this module and
tests/test_plain_figure.py holds every kind valid and equal to what plotly would send.
Lines differ by dash style and marker as well as colour, so meaning never rests on colour alone.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import pandas as pd

import config
from components import frame_memo, plain_figure
from components.formatting import axis_suffix, format_value, is_missing, period_text
from vocab.periods import frequency
from vocab.catalogue import Indicator

FONT = dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size=13,
            color=config.PALETTE["dark_grey"])
ROLE_STYLE = {  # role -> (colour, line dash, marker symbol)
    "district": (config.SERIES_COLOURS["district"], "solid", "circle"),
    "home": (config.SERIES_COLOURS["home"], "dash", "square"),
    "region": (config.SERIES_COLOURS["region"], "dot", "diamond"),
    "country": (config.SERIES_COLOURS["country"], "dashdot", "triangle-up"),
    "neighbours": (config.SERIES_COLOURS["neighbours"], "longdash", "x"),
    "similar": (config.SERIES_COLOURS["similar"], "longdashdot", "star"),
}
# Several districts on one chart (compare page): palette colours not used by the comparators, and
# each line also gets its own marker symbol so lines can be told apart without colour.
EXTRA_COLOURS = [config.PALETTE[k] for k in ("dark_blue", "dark_pink", "light_purple", "orange")]
EXTRA_SYMBOLS = ["circle", "square-open", "diamond", "triangle-up-open", "x", "star", "cross", "hexagon-open"]
OTHER_BAR = "#B5C7D9"
NO_FIGURE = "#F3F2F1"  # light grey fill (with a grey outline) for an area without a figure
OUTLINE = "#B1B4B6"
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "displaylogo": False}


def _figure(data: list[dict], layout: dict) -> dict:
    """The figure as the plain dict plotly.js is sent (components/plain_figure.py: what go.Figure would give)."""
    return plain_figure.figure(data, _layout(layout))


def _layout(layout: dict) -> dict:
    base = dict(font=FONT, paper_bgcolor="white", plot_bgcolor="white", margin=dict(l=8, r=8, t=8, b=8),
                hoverlabel=dict(font=dict(size=13)), separators=".,")
    base.update(layout)
    return base


def _value_axis(ind: Indicator, **extra) -> dict:
    axis = dict(ticksuffix=axis_suffix(ind), separatethousands=True, gridcolor="#E5E5E5", zeroline=False,
                automargin=True, rangemode="tozero" if ind.unit == "count" else "normal")
    axis.update(extra)
    return axis


def _texts(values, statuses, ind: Indicator) -> list[str]:
    return [format_value(v, ind, s) for v, s in zip(values, statuses)]


def _line_traces(lines: list[dict], ind: Indicator, segment_of: dict[str, int] | None = None,
                 part_periods: frozenset = frozenset()) -> list[dict]:
    """One trace per line (``line_trace``)."""
    return [line_trace(i, line, ind, segment_of, part_periods) for i, line in enumerate(lines)]


def segment_index(segments) -> dict[str, int]:
    """Period -> the number of its run of comparable periods (``segments``)."""
    return {p: i for i, run in enumerate(segments or []) for p in run}


def part_periods(marks) -> frozenset:
    """The periods ``marks`` label as part years."""
    return frozenset(m.period for m in marks if m.kind == "part")


def line_trace(i: int, line: dict, ind: Indicator, segment_of: dict[str, int] | None = None,
               part_periods: frozenset = frozenset()) -> dict:
    """The trace of the ``i``-th line; a gap (None) where ``segment_of`` says the series breaks, so no line
    joins periods that are not comparable; part periods get an open marker."""
    df = line["df"]
    role = line.get("role")
    colour, dash, symbol = ROLE_STYLE.get(role, (EXTRA_COLOURS[i % len(EXTRA_COLOURS)], "solid",
                                                 EXTRA_SYMBOLS[i % len(EXTRA_SYMBOLS)]))
    many = len(df) > 24 and role in ROLE_STYLE
    xs, ys, custom, symbols, plus, minus = [], [], [], [], [], []
    previous = None
    lowers = df["lower_ci"] if "lower_ci" in df.columns else [math.nan] * len(df)
    uppers = df["upper_ci"] if "upper_ci" in df.columns else [math.nan] * len(df)
    for (_start, period, day), value, text, lower, upper in zip(start_periods(df), df["value"],
                                                                _texts(df["value"], df["status"], ind), lowers, uppers):
        segment = segment_of.get(period) if segment_of else None
        if previous is not None and segment != previous:
            xs.append(day)
            ys.append(None)
            custom.append(["", ""])
            symbols.append(symbol)
            plus.append(0)
            minus.append(0)
        previous = segment
        xs.append(day)
        ys.append(None if is_missing(value) else value)
        has_ci = not (is_missing(value) or is_missing(lower) or is_missing(upper))
        custom.append([period_text(period, ind), text + (f" (95% CI {format_value(lower, ind)} to "
                                                         f"{format_value(upper, ind)})" if has_ci else "")])
        plus.append(upper - value if has_ci else 0)
        minus.append(value - lower if has_ci else 0)
        symbols.append(symbol + "-open" if period in part_periods and not symbol.endswith("-open") else symbol)
    whiskers = _whiskers(plus, minus, colour)
    return dict(**({"error_y": whiskers} if whiskers else {}),
                type="scatter", mode="lines" if many and not part_periods else "lines+markers", name=line["name"],
                x=xs, y=ys, customdata=custom,
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>" + line["name"] + "</extra>",
                line=dict(color=colour, width=3 if line.get("role") == "district" else 2, dash=dash),
                marker=dict(symbol=symbols, size=8, color=colour))


def _whiskers(plus: list[float], minus: list[float], colour: str) -> dict | None:
    """Error bars for 95% confidence intervals (None when no point has one)."""
    if not any(plus) and not any(minus):
        return None
    return dict(type="data", symmetric=False, array=plus, arrayminus=minus, visible=True, color=colour,
                thickness=1.5, width=5)


def _interval_arms(df: pd.DataFrame) -> tuple[list[float], list[float]]:
    """(above, below) the value for each row's interval; 0 where a row has none."""
    if "lower_ci" not in df.columns:
        return [0] * len(df), [0] * len(df)
    plus, minus = [], []
    for value, lower, upper in zip(df["value"], df["lower_ci"], df["upper_ci"]):
        ok = not (is_missing(value) or is_missing(lower) or is_missing(upper))
        plus.append(upper - value if ok else 0)
        minus.append(value - lower if ok else 0)
    return plus, minus


def start_periods(df: pd.DataFrame) -> list[tuple]:
    """(period start, period, start as 'YYYY-MM-DD') per row: kept while the frame lives (frame_memo), since
    boxing pandas timestamps row by row costs more than what is drawn from them."""
    return frame_memo.derived(df, "start-periods", lambda: [
        (start, period, start.strftime("%Y-%m-%d")) for start, period in zip(df["period_start"], df["period"])])


def _starts(lines: list[dict], starts: dict | None = None) -> dict:
    """Each period's start, first seen first, over ``lines`` (added to ``starts`` worked out before)."""
    starts = dict(starts or {})
    for line in lines:
        for start, period, _day in start_periods(line["df"]):
            starts.setdefault(period, start)
    return starts


def _mark_shapes(marks, lines: list[dict], starts: dict | None = None) -> tuple[list[dict], list[dict]]:
    """Dashed vertical lines for series breaks (midway between the periods; one label, however many
    breaks: the note lists their reasons) and labels for part years. ``starts``: ``_starts(lines)``
    when worked out before."""
    starts = _starts(lines) if starts is None else starts
    ordered = sorted(starts.values())
    breaks = [m for m in marks if m.kind == "break" and m.period in starts]
    shapes, annotations = [], []
    for i, mark in enumerate(breaks):
        at = starts[mark.period]
        before = [s for s in ordered if s < at]
        x = ((before[-1] + (at - before[-1]) / 2) if before else at).strftime("%Y-%m-%d")
        shapes.append(dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                           line=dict(color=config.PALETTE["dark_grey"], width=1.5, dash="dash")))
        if i == 0:
            annotations.append(dict(xref="x", yref="paper", x=x, y=1.0, yanchor="bottom", showarrow=False,
                                    text=mark.label + ("s (dashed lines)" if len(breaks) > 1 else ""),
                                    xanchor="left" if len(breaks) > 1 else "center", bgcolor="white",
                                    font=dict(size=11, color=config.PALETTE["dark_grey"])))
    for mark in marks:
        if mark.kind == "part" and mark.period in starts:
            annotations.append(dict(xref="x", yref="paper", x=starts[mark.period].strftime("%Y-%m-%d"), y=0.0,
                                    yanchor="bottom", showarrow=False, text=mark.label, bgcolor="white",
                                    font=dict(size=11, color=config.PALETTE["dark_grey"])))
    return shapes, annotations


def time_series(lines: list[dict], ind: Indicator, height: int = 340, marks=(), segments=None,
                traces: list[dict] | None = None) -> dict:
    """Lines over time; ``lines`` = [{'name', 'role', 'df' (period, period_start, value, status)}].

    ``segments`` (runs of comparable periods) break the lines between runs; ``marks`` (planner.Mark)
    draw series breaks and label part years, so the chart says what the notes say. ``traces``: the
    lines' ``line_trace``s worked out before (a comparator's is the same for every district).
    """
    if traces is None:
        traces = _line_traces(lines, ind, segment_index(segments), part_periods(marks))
    shapes, annotations = _mark_shapes(marks, lines)
    return _figure(list(traces), dict(
        height=height, yaxis=_value_axis(ind), xaxis=_time_axis(lines), shapes=shapes,
        annotations=annotations, margin=dict(l=8, r=8, t=8 + (18 if annotations else 0), b=8),
        legend=dict(orientation="h", yanchor="bottom", y=1.02 + (0.06 if annotations else 0), x=0),
        hovermode="closest"))


def dot_comparison(lines: list[dict], ind: Indicator, height: int | None = None) -> dict:
    """One period, several areas: a labelled dot per area on a value axis (not a line over time)."""
    names, values, texts, colours, symbols, plus, minus = [], [], [], [], [], [], []
    for i, line in enumerate(lines):
        df = line["df"]
        if not len(df):
            continue
        row = df.iloc[-1]
        colour, _dash, symbol = ROLE_STYLE.get(line.get("role"), (EXTRA_COLOURS[i % len(EXTRA_COLOURS)], "solid",
                                                                  EXTRA_SYMBOLS[i % len(EXTRA_SYMBOLS)]))
        names.append(line["name"])
        values.append(None if is_missing(row["value"]) else row["value"])
        arms = _interval_arms(df.iloc[[-1]])
        plus.append(arms[0][0])
        minus.append(arms[1][0])
        texts.append(format_value(row["value"], ind, row["status"]))
        colours.append(colour)
        symbols.append(symbol)
    whiskers = _whiskers(plus[::-1], minus[::-1], config.PALETTE["dark_grey"])
    data = [dict(**({"error_x": whiskers} if whiskers else {}), type="scatter", mode="markers+text", y=names[::-1],
                 x=values[::-1],
                 text=texts[::-1], textposition="middle right", cliponaxis=False,
                 marker=dict(size=14, color=colours[::-1], symbol=symbols[::-1]),
                 hovertemplate="%{y}: %{text}<extra></extra>", showlegend=False)]
    ends = [v + p for v, p in zip(values, plus) if v is not None] + [v - m for v, m in zip(values, minus)
                                                                     if v is not None]
    top, bottom = (max(ends), min(ends)) if ends else (1, 0)
    span = [min(0, bottom * 1.2), top * 1.2 if top > 0 else 0.5]
    return _figure(data, dict(
        height=height or max(180, 44 * len(names) + 60),
        xaxis=_value_axis(ind, range=span, zeroline=bottom < 0, zerolinecolor=config.PALETTE["dark_grey"]),
        yaxis=dict(automargin=True, tickfont=dict(size=13), type="category"),
        margin=dict(l=8, r=40, t=8, b=8)))


def _time_axis(lines: list[dict]) -> dict:
    """A date axis that never shows clock times: months as 'Mar 2021'; other periods one labelled tick
    per period as the publisher names it (thinned to about twelve labels)."""
    axis = dict(showgrid=False, automargin=True)
    periods = {}
    for line in lines:
        for _start, period, day in start_periods(line["df"]):
            periods.setdefault(day, period)
    if not periods:
        return axis
    ticks = sorted(periods)
    monthly = all(frequency(periods[t]) == "month" for t in ticks)
    if monthly and len(ticks) > 12:
        axis.update(tickformat="%b %Y", hoverformat="%b %Y")
    else:
        step = max(1, -(-len(ticks) // 12))
        shown = ticks[::-1][::step][::-1]
        axis.update(tickmode="array", tickvals=shown, ticktext=[tick_text(periods[t]) for t in shown])
    if len(ticks) == 1:
        only = pd.Timestamp(ticks[0])
        axis["range"] = [(only - pd.Timedelta(days=200)).strftime("%Y-%m-%d"),
                         (only + pd.Timedelta(days=200)).strftime("%Y-%m-%d")]
    return axis


def tick_text(period: str) -> str:
    """A short tick label: 'March 2021', '2019/20', '2021'."""
    return period_text(period).replace(" academic year", "")


class RankingBase(NamedTuple):
    """A ranking drawn with no district chosen (``ranking_base``), to ``ranking_select`` one in."""
    figure: dict
    codes: list  # the bars' area codes, bottom to top
    names: list  # their names, unmarked
    whiskers: bool  # dots with 95% intervals instead of bars


def ranking_bar(df: pd.DataFrame, ind: Indicator, selected: str | None, refs: list[tuple[str, float]],
                height: int | None = None) -> dict:
    """Horizontal bars of every district (highest at the top) with dotted reference lines.

    ``df``: area_code, area_name, value, status; ``refs``: [(label, value)] e.g. region and England.
    The selected district is marked by colour and by a '▶' before its name.
    """
    return ranking_select(ranking_base(df, ind, refs, height), selected)


def ranking_select(base: RankingBase, selected: str | None) -> dict:
    """``base`` with ``selected`` marked ('▶' and colour): exactly ``ranking_bar`` with it chosen; the base's
    parts are shared, never changed."""
    data = list(base.figure["data"])
    if selected is not None and selected in base.codes:
        names = [("▶ " if c == selected else "") + n for c, n in zip(base.codes, base.names)]
        other = config.PALETTE["dark_grey"] if base.whiskers else OTHER_BAR
        colours = [config.SERIES_COLOURS["district"] if c == selected else other for c in base.codes]
        data[0] = dict(data[0], y=names, marker=dict(data[0]["marker"], color=colours))
        if base.whiskers:
            data[1] = dict(data[1], y=names)
    return {"data": data, "layout": base.figure["layout"]}


def ranking_base(df: pd.DataFrame, ind: Indicator, refs: list[tuple[str, float]],
                 height: int | None = None) -> RankingBase:
    """``ranking_bar`` with no district chosen: the same for every district of a period."""
    dff = df.assign(sort=df["value"].fillna(-math.inf)).sort_values("sort", ascending=True)
    codes, plain_names = list(dff["area_code"]), list(dff["area_name"])
    names = list(plain_names)
    texts = _texts(dff["value"], dff["status"], ind)
    plus, minus = _interval_arms(dff)
    whiskers = _whiskers(plus, minus, config.PALETTE["dark_grey"])
    if whiskers:  # figures with 95% intervals: dots and whiskers (bars would hide the intervals), values in a column
        values = [None if is_missing(v) else v for v in dff["value"]]
        ends = [v + p for v, p in zip(values, plus) if v is not None] + [v - m for v, m in zip(values, minus)
                                                                         if v is not None]
        right = max(ends + [0]) + (max(ends + [0]) - min(ends + [0])) * 0.08
        data = [dict(type="scatter", mode="markers", y=names, x=values, error_x=whiskers, showlegend=False,
                     marker=dict(color=[config.PALETTE["dark_grey"]] * len(codes), size=10, symbol="diamond"),
                     customdata=texts, hovertemplate="%{y}: %{customdata}<extra></extra>"),
                dict(type="scatter", mode="text", y=names, x=[right] * len(names), text=texts, showlegend=False,
                     textposition="middle right", cliponaxis=False, hoverinfo="skip")]
    else:
        data = [dict(type="bar", orientation="h", y=names, x=[0 if is_missing(v) else v for v in dff["value"]],
                     marker=dict(color=[OTHER_BAR] * len(codes)), text=texts, textposition="outside", cliponaxis=False,
                     hovertemplate="%{y}: %{text}<extra></extra>", showlegend=False)]
    shapes, annotations = [], []
    for i, (label, value) in enumerate(refs):
        if is_missing(value):
            continue
        colour = config.SERIES_COLOURS["region" if i == 0 else "country"]
        shapes.append(dict(type="line", xref="x", yref="paper", x0=value, x1=value, y0=0, y1=1,
                           line=dict(color=colour, width=2, dash="dot" if i == 0 else "dashdot")))
        annotations.append(dict(xref="x", yref="paper", x=value, y=1.0 + 0.06 * (i + 1), showarrow=False,
                                text=f"{label} {format_value(value, ind)}", font=dict(size=12, color=colour),
                                xanchor="center"))
    fig = _figure(data, dict(
        height=height or max(260, 28 * len(dff) + 70), shapes=shapes, annotations=annotations,
        margin=dict(l=8, r=48 + (30 if whiskers else 0), t=20 + 22 * len(annotations), b=8),
        xaxis=_value_axis(ind, rangemode="tozero", zeroline=bool(whiskers), zerolinecolor=config.PALETTE["dark_grey"]),
        yaxis=dict(automargin=True, tickfont=dict(size=13), type="category")))
    return RankingBase(fig, codes, plain_names, bool(whiskers))


def strip_dots(history: pd.DataFrame, ind: Indicator) -> dict:
    """The grey-dots trace of a strip chart: every district, every period."""
    return dict(type="scatter", mode="markers", name="All districts",
                x=[d.strftime("%Y-%m-%d") for d in history["period_start"]],
                y=[None if is_missing(v) else v for v in history["value"]],
                customdata=[[n, period_text(p, ind), t] for n, p, t in zip(
                    history["area_name"], history["period"], _texts(history["value"], history["status"], ind))],
                hovertemplate="%{customdata[0]}, %{customdata[1]}: %{customdata[2]}<extra></extra>",
                marker=dict(color=config.PALETTE["comparator_grey"], size=6, opacity=0.8))


class StripBase(NamedTuple):
    """A strip chart's parts that are the same whichever district is chosen (``strip_base``)."""
    ind: Indicator
    dots: dict  # strip_dots: every district, every period
    home: list[dict]  # the home area's line trace (none when the home area is left out)
    by_area: dict  # area code -> its rows of the history
    starts: dict  # each period's start (home area and history)
    axis: dict
    marks: tuple
    segment_of: dict
    part: frozenset
    height: int


def strip_base(history: pd.DataFrame, ind: Indicator, home: pd.DataFrame | None = None,
               home_name: str = "Home area", height: int = 320, marks=(), segments=None, dots=None) -> StripBase:
    """``dot_strip`` with no district chosen: worked out once per measure, ``strip_select`` adds one.
    ``dots``: strip_dots(history, ind) worked out before."""
    segment_of = segment_index(segments)
    part = part_periods(marks)
    home_lines = [{"name": home_name, "role": "home", "df": home}] if home is not None and len(home) else []
    return StripBase(ind, dots or strip_dots(history, ind), _line_traces(home_lines, ind, segment_of, part),
                     {code: rows for code, rows in history.groupby("area_code", sort=False)},
                     _starts(home_lines + [{"df": history}]), _time_axis([{"df": history}]), tuple(marks), segment_of,
                     part, height)


def strip_select(base: StripBase, selected: str | None) -> dict:
    """The strip chart with ``selected`` drawn as a line (its rows are among the history's: no new periods)."""
    sel = base.by_area.get(selected) if selected is not None else None
    lines = [{"name": str(sel["area_name"].iloc[0]), "role": "district", "df": sel}] if sel is not None else []
    shapes, annotations = _mark_shapes(base.marks, lines, base.starts)
    return _figure([dict(base.dots)] + base.home + _line_traces(lines, base.ind, base.segment_of, base.part), dict(
        height=base.height, yaxis=_value_axis(base.ind), xaxis=dict(base.axis), shapes=shapes,
        annotations=annotations, margin=dict(l=8, r=8, t=8 + (18 if annotations else 0), b=8),
        legend=dict(orientation="h", yanchor="bottom", y=1.02 + (0.06 if annotations else 0), x=0),
        hovermode="closest"))


def dot_strip(history: pd.DataFrame, ind: Indicator, selected: str | None, home: pd.DataFrame | None = None,
              home_name: str = "Home area", height: int = 320, marks=(), segments=None, dots=None) -> dict:
    """Every district as a grey dot per period, the selected district and the home area as lines
    (``home`` None leaves the home area out, e.g. for counts, whose home total dwarfs its districts).
    ``dots``: strip_dots(history, ind) worked out before (the same for every district)."""
    return strip_select(strip_base(history, ind, home, home_name, height, marks, segments, dots), selected)


def colour_for(value, lo: float, hi: float) -> str:
    """A colour on the sequential light-to-dark blue scale (never red/green)."""
    scale = config.SEQUENTIAL_SCALE
    if is_missing(value):
        return NO_FIGURE
    return scale[_step(value, lo, hi)]


def _step(value: float, lo: float, hi: float) -> int:
    scale = config.SEQUENTIAL_SCALE
    t = 0.5 if hi <= lo else (value - lo) / (hi - lo)
    return min(len(scale) - 1, max(0, int(round(t * (len(scale) - 1)))))


def colour_key(values, ind: Indicator) -> list[dict]:
    """Legend entries for the shades used: each shade with the range of the values it stands for
    (from the data, so the key never claims a range nobody has)."""
    values = list(values)
    finite = [float(v) for v in values if not is_missing(v)]
    missing = [] if len(finite) == len(values) else [dict(
        type="scatter", mode="markers", x=[None], y=[None], name="No figure", showlegend=True, hoverinfo="skip",
        marker=dict(symbol="square", size=14, color=NO_FIGURE, line=dict(color=OUTLINE, width=1)))]
    if not finite:
        return missing
    lo, hi = min(finite), max(finite)
    steps: dict[int, list[float]] = {}
    for v in finite:
        steps.setdefault(_step(v, lo, hi), []).append(v)
    entries = []
    for step in sorted(steps):
        a, b = min(steps[step]), max(steps[step])
        text = format_value(a, ind) if format_value(a, ind) == format_value(b, ind) else \
            f"{format_value(a, ind)} to {format_value(b, ind)}"
        entries.append(dict(type="scatter", mode="markers", x=[None], y=[None], name=text, showlegend=True,
                            hoverinfo="skip", marker=dict(symbol="square", size=14,
                                                          color=config.SEQUENTIAL_SCALE[step],
                                                          line=dict(color=config.PALETTE["dark_grey"], width=1))))
    return entries + missing


def _key_legend() -> dict:
    # The title on its own row: beside the entries, plotly.js leaves its width out when it wraps them.
    return dict(orientation="h", yanchor="top", y=-0.02, x=0, title=dict(text="Key", side="top"), font=dict(size=11))


def _text_colour(fill: str) -> str:
    return "white" if fill in config.SEQUENTIAL_SCALE[3:] else config.PALETTE["dark_grey"]


def auto_grid(codes_names: list[tuple[str, str]], columns: int = 4) -> dict[str, tuple[int, int]]:
    """An alphabetical grid for home areas without a configured layout (honest: no fake geography)."""
    ordered = sorted(codes_names, key=lambda cn: cn[1])
    return {code: (i // columns, i % columns) for i, (code, _) in enumerate(ordered)}


def tile_label(name: str, width: int = 11) -> str:
    """A district's name on a tile: whole where it fits, else over two lines at the middle-most space,
    truncated only as a last resort ("Blackburn<br>with Darwen", not "Blackburn .")."""
    if len(name) <= width:
        return name
    spaces = [i for i, ch in enumerate(name) if ch == " "]
    if spaces:
        cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
        first, second = name[:cut], name[cut + 1:]
        if len(first) <= width + 2 and len(second) <= width + 2:
            return f"{first}<br>{second}"
    return name[: width - 1] + "…"


class Selectable(NamedTuple):
    """A map drawn with no district chosen, and where a chosen one's outline goes (``select``): the same
    for every district's view of a period, so it is drawn once and only the outline is per view."""
    figure: dict
    where: str  # "data": a trace per area (choropleth); "shapes": a layout shape per area (tile map)
    at: dict  # area code -> positions of its trace or shape
    line: dict  # the chosen area's outline


def select(base: Selectable, selected: str | None) -> dict:
    """``base``'s figure with ``selected`` outlined: exactly the figure drawn with it chosen. The base's
    parts are shared, never changed (figures are read only)."""
    data, layout = base.figure["data"], base.figure["layout"]
    spots = base.at.get(selected, ()) if selected is not None else ()
    if base.where == "data":
        data = list(data)
        for i in spots:
            data[i] = dict(data[i], line=dict(base.line))
    else:
        shapes = list(layout["shapes"])
        for i in spots:
            shapes[i] = dict(shapes[i], line=dict(base.line))
        layout = dict(layout, shapes=shapes)
    return {"data": data, "layout": layout}


def tile_map(df: pd.DataFrame, grid: dict[str, tuple[int, int]], ind: Indicator, selected: str | None = None,
             height: int | None = None) -> dict:
    """One labelled square per district at its (row, column) in ``grid``; shade = value, text = value.

    An optional ``show_value`` column (False) leaves a tile's value out: districts that share their
    council's figure show it once, on one of them.
    """
    return select(tile_map_base(df, grid, ind, height), selected)


def tile_map_base(df: pd.DataFrame, grid: dict[str, tuple[int, int]], ind: Indicator,
                  height: int | None = None) -> Selectable:
    """``tile_map`` with no district chosen, to ``select`` one in."""
    dff = df[df["area_code"].isin(grid)]
    values = dff["value"].dropna()
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    show = dff["show_value"] if "show_value" in dff.columns else pd.Series(True, index=dff.index)
    shapes, xs, ys, texts, hover, at = [], [], [], [], [], {}
    for (code, name, value, status), shown_here in zip(
            dff[["area_code", "area_name", "value", "status"]].itertuples(index=False), show):
        row, col = grid[code]
        fill = colour_for(value, lo, hi)
        at.setdefault(code, []).append(len(shapes))
        shapes.append(dict(type="rect", layer="below", x0=col + 0.04, x1=col + 0.96, y0=-row - 0.96, y1=-row - 0.04,
                           fillcolor=fill, line=dict(color="white", width=1)))
        label = tile_label(name)
        shown = format_value(value, ind, status)
        xs.append(col + 0.5)
        ys.append(-row - 0.5)
        texts.append(f"<b>{label}</b><br>{shown if not is_missing(value) else 'n/a'}" if shown_here
                     else f"<b>{label}</b>")
        hover.append(f"{name}: {shown}")
    rows = max((r for r, _ in grid.values()), default=0) + 1
    cols = max((c for _, c in grid.values()), default=0) + 1
    data = [dict(type="scatter", mode="text", x=xs, y=ys, text=texts, hovertext=hover, hoverinfo="text",
                 textfont=dict(size=11, color=[_text_colour(s["fillcolor"]) for s in shapes]), showlegend=False)]
    axis = dict(visible=False, fixedrange=True)
    key = colour_key(dff.drop_duplicates("value")["value"], ind)
    fig = _figure(data + key, dict(height=height or 90 * rows + 70, shapes=shapes, legend=_key_legend(),
                                   xaxis=dict(axis, range=[0, cols]), yaxis=dict(axis, range=[-rows, 0]),
                                   margin=dict(l=4, r=4, t=4, b=40)))
    return Selectable(fig, "shapes", at, dict(color=config.PALETTE["dark_grey"], width=4))


def _rings(geometry) -> list[list[tuple[float, float]]]:
    polys = [geometry] if geometry.geom_type == "Polygon" else list(getattr(geometry, "geoms", []))
    return [list(p.exterior.coords) for p in polys if p.geom_type == "Polygon"]


def choropleth(df: pd.DataFrame, boundaries, ind: Indicator, selected: str | None = None,
               height: int = 440) -> dict:
    """Areas' real shapes (``boundaries``: area_code, geometry in WGS84) shaded by value, with a key.

    Drawn as filled scatter outlines so it needs no map tiles or geo bundle and works offline. The
    axes are padded so labels at the edge are never cut.
    """
    return select(choropleth_base(df, boundaries, ind, height), selected)


def choropleth_base(df: pd.DataFrame, boundaries, ind: Indicator, height: int = 440) -> Selectable:
    """``choropleth`` with no area chosen, to ``select`` one in."""
    shapes = boundaries[boundaries["area_code"].isin(df["area_code"])]
    values = df.set_index("area_code")
    vals = values["value"].dropna()
    lo, hi = (float(vals.min()), float(vals.max())) if len(vals) else (0.0, 1.0)
    data, lx, ly, lt, lc, at = [], [], [], [], [], {}
    for code, geometry in zip(shapes["area_code"], shapes.geometry):
        value, status, name = values.at[code, "value"], values.at[code, "status"], values.at[code, "area_name"]
        xs, ys = [], []
        for ring in _rings(geometry):
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
        fill = colour_for(value, lo, hi)
        shown = format_value(value, ind, status)
        at.setdefault(code, []).append(len(data))
        data.append(dict(type="scatter", mode="lines", x=xs, y=ys, fill="toself", fillcolor=fill, name=name,
                         line=dict(color=OUTLINE if is_missing(value) else "white", width=1),
                         hoveron="fills", text=f"{name}: {shown}", hoverinfo="text", showlegend=False))
        c = geometry.representative_point()
        lx.append(c.x)
        ly.append(c.y)
        lt.append(shown if not is_missing(value) else "n/a")
        lc.append(_text_colour(fill))
    data.append(dict(type="scatter", mode="text", x=lx, y=ly, text=lt, hoverinfo="skip", showlegend=False,
                     cliponaxis=False, textfont=dict(size=10, color=lc, shadow="auto")))
    axis = dict(visible=False, fixedrange=True)
    x0, y0, x1, y1 = shapes.total_bounds if len(shapes) else (0, 0, 1, 1)
    pad_x, pad_y = (x1 - x0) * 0.08, (y1 - y0) * 0.04
    fig = _figure(data + colour_key(df.drop_duplicates("area_code")["value"], ind), dict(
        height=height, legend=_key_legend(), xaxis=dict(axis, range=[x0 - pad_x, x1 + pad_x]),
        yaxis=dict(axis, scaleanchor="x", scaleratio=1.6, range=[y0 - pad_y, y1 + pad_y]),
        margin=dict(l=4, r=4, t=4, b=40)))
    return Selectable(fig, "data", at, dict(color=config.PALETTE["dark_grey"], width=3))


def _groups(df: pd.DataFrame, by: str, columns: list[str]) -> list[tuple[object, dict[str, list]]]:
    """``df.groupby(by, sort=False)`` for a few rows, as (key, {column: values}) in order of first appearance
    (pandas' groupby costs more than the chart); groupby itself where a key is missing (it drops those)."""
    columns = [c for c in columns if c in df.columns]
    keys = list(df[by])
    if any(is_missing(k) or k is pd.NA for k in keys):
        return [(key, {c: list(g[c]) for c in columns}) for key, g in df.groupby(by, sort=False)]
    cells = {c: list(df[c]) for c in columns}
    rows: dict[object, list[int]] = {}
    for i, key in enumerate(keys):
        rows.setdefault(key, []).append(i)
    return [(key, {c: [cells[c][i] for i in at] for c in columns}) for key, at in rows.items()]


def breakdown_bars(df: pd.DataFrame, ind: Indicator, height: int = 300) -> dict:
    """Grouped bars: ``df`` has category, value, status and series (e.g. the district and England)."""
    data = []
    for i, (series, g) in enumerate(_groups(df, "series", ["category", "value", "status", "role"])):
        role = g["role"][0] if "role" in g else None
        colour = ROLE_STYLE.get(role, (EXTRA_COLOURS[i % len(EXTRA_COLOURS)],))[0]
        data.append(dict(type="bar", name=series, x=list(g["category"]),
                         y=[0 if is_missing(v) else v for v in g["value"]], marker=dict(color=colour, pattern=dict(shape="" if i == 0 else "/")),
                         text=_texts(g["value"], g["status"], ind), textposition="outside", cliponaxis=False,
                         hovertemplate="%{x}: %{text}<extra>" + str(series) + "</extra>"))
    layout = dict(height=height, barmode="group", yaxis=_value_axis(ind, rangemode="tozero"),
                  xaxis=dict(automargin=True), margin=dict(l=8, r=8, t=30, b=8),
                  legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    if all(is_missing(v) for v in df["value"]):  # no scale to read: a 0-1 axis under empty bars would invent one
        layout["yaxis"] = dict(visible=False, range=[0, 1], fixedrange=True)  # each bar's reason on the baseline
        layout["annotations"] = [dict(text="No figures published for this period", showarrow=False, xref="paper",
                                      yref="paper", x=0.5, y=0.65, font=dict(size=14))]
    return _figure(data, layout)


def sparkline(df: pd.DataFrame, height: int = 60) -> dict:
    """A tiny line of the last values (decoration beside a figure given in words)."""
    colour = config.SERIES_COLOURS["district"]
    data = [dict(type="scatter", mode="lines", x=[d.strftime("%Y-%m-%d") for d in df["period_start"]],
                 y=[None if is_missing(v) else v for v in df["value"]], line=dict(color=colour, width=2),
                 hoverinfo="skip", showlegend=False)]
    axis = dict(visible=False, fixedrange=True)
    return _figure(data, dict(height=height, xaxis=axis, yaxis=axis, margin=dict(l=0, r=0, t=2, b=2)))
