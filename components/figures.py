"""Pure figure builders: data frames in, lean ``go.Figure`` out (no Dash, no file I/O, no plotly express).

Figures are assembled from plain dicts and created with ``_validate=False``: plotly's property
validation is the slow part of building a figure and these dicts are fixed by this module.
Lines differ by dash style and marker as well as colour, so meaning never rests on colour alone.
"""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

import config
from components.formatting import axis_suffix, format_value, is_missing, period_text
from vocab.catalogue import Indicator

FONT = dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size=13,
            color=config.PALETTE["dark_grey"])
ROLE_STYLE = {  # role -> (colour, line dash, marker symbol)
    "district": (config.SERIES_COLOURS["district"], "solid", "circle"),
    "home": (config.SERIES_COLOURS["home"], "dash", "square"),
    "region": (config.SERIES_COLOURS["region"], "dot", "diamond"),
    "country": (config.SERIES_COLOURS["country"], "dashdot", "triangle-up"),
}
# Several districts on one chart (compare page): palette colours not used by the comparators, and
# each line also gets its own marker symbol so lines can be told apart without colour.
EXTRA_COLOURS = [config.PALETTE[k] for k in ("dark_blue", "dark_pink", "light_purple", "orange")]
EXTRA_SYMBOLS = ["circle", "square-open", "diamond", "triangle-up-open", "x", "star", "cross", "hexagon-open"]
OTHER_BAR = "#B5C7D9"
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "displaylogo": False}


def _figure(data: list[dict], layout: dict) -> go.Figure:
    base = dict(font=FONT, paper_bgcolor="white", plot_bgcolor="white", margin=dict(l=8, r=8, t=8, b=8),
                hoverlabel=dict(font=dict(size=13)), separators=".,")
    base.update(layout)
    return go.Figure(data=data, layout=base, _validate=False)


def _value_axis(ind: Indicator, **extra) -> dict:
    axis = dict(ticksuffix=axis_suffix(ind), separatethousands=True, gridcolor="#E5E5E5", zeroline=False,
                automargin=True, rangemode="tozero" if ind.unit == "count" else "normal")
    axis.update(extra)
    return axis


def _texts(values, statuses, ind: Indicator) -> list[str]:
    return [format_value(v, ind, s) for v, s in zip(values, statuses)]


def _line_traces(lines: list[dict], ind: Indicator) -> list[dict]:
    data = []
    for i, line in enumerate(lines):
        df = line["df"]
        role = line.get("role")
        colour, dash, symbol = ROLE_STYLE.get(role, (EXTRA_COLOURS[i % len(EXTRA_COLOURS)], "solid",
                                                     EXTRA_SYMBOLS[i % len(EXTRA_SYMBOLS)]))
        many = len(df) > 24 and role in ROLE_STYLE
        data.append(dict(
            type="scatter", mode="lines" if many else "lines+markers", name=line["name"],
            x=[d.strftime("%Y-%m-%d") for d in df["period_start"]],
            y=[None if is_missing(v) else v for v in df["value"]],
            customdata=[[period_text(p), t] for p, t in zip(df["period"], _texts(df["value"], df["status"], ind))],
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>" + line["name"] + "</extra>",
            line=dict(color=colour, width=3 if line.get("role") == "district" else 2, dash=dash),
            marker=dict(symbol=symbol, size=8, color=colour, maxdisplayed=14)))
    return data


def time_series(lines: list[dict], ind: Indicator, height: int = 340) -> go.Figure:
    """Lines over time; ``lines`` = [{'name', 'role', 'df' (period, period_start, value, status)}]."""
    return _figure(_line_traces(lines, ind), dict(
        height=height, yaxis=_value_axis(ind), xaxis=_time_axis(lines),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), hovermode="closest"))


def _time_axis(lines: list[dict]) -> dict:
    """A date axis; with few periods, one tick per period labelled as the publisher names it
    (a lone period would otherwise get clock-time ticks)."""
    axis = dict(showgrid=False, automargin=True)
    periods = {}
    for line in lines:
        for start, period in zip(line["df"]["period_start"], line["df"]["period"]):
            periods.setdefault(start.strftime("%Y-%m-%d"), period_text(period))
    if 0 < len(periods) <= 12:
        ticks = sorted(periods)
        axis.update(tickmode="array", tickvals=ticks, ticktext=[periods[t] for t in ticks])
        if len(ticks) == 1:
            only = pd.Timestamp(ticks[0])
            axis["range"] = [(only - pd.Timedelta(days=200)).strftime("%Y-%m-%d"),
                             (only + pd.Timedelta(days=200)).strftime("%Y-%m-%d")]
    return axis


def ranking_bar(df: pd.DataFrame, ind: Indicator, selected: str | None, refs: list[tuple[str, float]],
                height: int | None = None) -> go.Figure:
    """Horizontal bars of every district (highest at the top) with dotted reference lines.

    ``df``: area_code, area_name, value, status; ``refs``: [(label, value)] e.g. region and England.
    The selected district is marked by colour and by a '▶' before its name.
    """
    dff = df.assign(sort=df["value"].fillna(-math.inf)).sort_values("sort", ascending=True)
    names = [("▶ " if c == selected else "") + n for c, n in zip(dff["area_code"], dff["area_name"])]
    colours = [config.SERIES_COLOURS["district"] if c == selected else OTHER_BAR for c in dff["area_code"]]
    texts = _texts(dff["value"], dff["status"], ind)
    data = [dict(type="bar", orientation="h", y=names, x=[0 if is_missing(v) else v for v in dff["value"]],
                 marker=dict(color=colours), text=texts, textposition="outside", cliponaxis=False,
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
    return _figure(data, dict(
        height=height or max(260, 28 * len(dff) + 70), shapes=shapes, annotations=annotations,
        margin=dict(l=8, r=48, t=20 + 22 * len(annotations), b=8),
        xaxis=_value_axis(ind, rangemode="tozero"), yaxis=dict(automargin=True, tickfont=dict(size=13))))


def dot_strip(history: pd.DataFrame, ind: Indicator, selected: str | None, home: pd.DataFrame | None = None,
              home_name: str = "Home area", height: int = 320) -> go.Figure:
    """Every district as a grey dot per period, the selected district and the home area as lines."""
    x = [d.strftime("%Y-%m-%d") for d in history["period_start"]]
    data = [dict(type="scatter", mode="markers", name="All districts", x=x,
                 y=[None if is_missing(v) else v for v in history["value"]],
                 customdata=[[n, period_text(p), t] for n, p, t in zip(
                     history["area_name"], history["period"], _texts(history["value"], history["status"], ind))],
                 hovertemplate="%{customdata[0]}, %{customdata[1]}: %{customdata[2]}<extra></extra>",
                 marker=dict(color=config.PALETTE["comparator_grey"], size=6, opacity=0.8))]
    lines = []
    if home is not None and len(home):
        lines.append({"name": home_name, "role": "home", "df": home})
    if selected is not None:
        sel = history[history["area_code"] == selected]
        if len(sel):
            lines.append({"name": str(sel["area_name"].iloc[0]), "role": "district", "df": sel})
    return _figure(data + _line_traces(lines, ind), dict(
        height=height, yaxis=_value_axis(ind), xaxis=dict(showgrid=False, automargin=True),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), hovermode="closest"))


def colour_for(value, lo: float, hi: float) -> str:
    """A colour on the sequential light-to-dark blue scale (never red/green)."""
    scale = config.SEQUENTIAL_SCALE
    if is_missing(value):
        return "#FFFFFF"
    t = 0.5 if hi <= lo else (value - lo) / (hi - lo)
    return scale[min(len(scale) - 1, max(0, int(round(t * (len(scale) - 1)))))]


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


def tile_map(df: pd.DataFrame, grid: dict[str, tuple[int, int]], ind: Indicator, selected: str | None = None,
             height: int | None = None) -> go.Figure:
    """One labelled square per district at its (row, column) in ``grid``; shade = value, text = value."""
    dff = df[df["area_code"].isin(grid)]
    values = dff["value"].dropna()
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    shapes, xs, ys, texts, hover = [], [], [], [], []
    for code, name, value, status in dff[["area_code", "area_name", "value", "status"]].itertuples(index=False):
        row, col = grid[code]
        fill = colour_for(value, lo, hi)
        shapes.append(dict(type="rect", layer="below", x0=col + 0.04, x1=col + 0.96, y0=-row - 0.96, y1=-row - 0.04,
                           fillcolor=fill, line=dict(color=config.PALETTE["dark_grey"] if code == selected
                                                     else "white", width=4 if code == selected else 1)))
        label = tile_label(name)
        shown = format_value(value, ind, status)
        xs.append(col + 0.5)
        ys.append(-row - 0.5)
        texts.append(f"<b>{label}</b><br>{shown if not is_missing(value) else 'n/a'}")
        hover.append(f"{name}: {shown}")
    rows = max((r for r, _ in grid.values()), default=0) + 1
    cols = max((c for _, c in grid.values()), default=0) + 1
    data = [dict(type="scatter", mode="text", x=xs, y=ys, text=texts, hovertext=hover, hoverinfo="text",
                 textfont=dict(size=11, color=[_text_colour(s["fillcolor"]) for s in shapes]), showlegend=False)]
    axis = dict(visible=False, fixedrange=True)
    return _figure(data, dict(height=height or 90 * rows + 30, shapes=shapes,
                              xaxis=dict(axis, range=[0, cols]), yaxis=dict(axis, range=[-rows, 0]),
                              margin=dict(l=4, r=4, t=4, b=4)))


def _rings(geometry) -> list[list[tuple[float, float]]]:
    polys = [geometry] if geometry.geom_type == "Polygon" else list(getattr(geometry, "geoms", []))
    return [list(p.exterior.coords) for p in polys if p.geom_type == "Polygon"]


def choropleth(df: pd.DataFrame, boundaries, ind: Indicator, selected: str | None = None,
               height: int = 420) -> go.Figure:
    """Districts' real shapes (``boundaries``: area_code, geometry in WGS84) shaded by value.

    Drawn as filled scatter outlines so it needs no map tiles or geo bundle and works offline.
    """
    shapes = boundaries[boundaries["area_code"].isin(df["area_code"])]
    values = df.set_index("area_code")
    vals = values["value"].dropna()
    lo, hi = (float(vals.min()), float(vals.max())) if len(vals) else (0.0, 1.0)
    data, lx, ly, lt, lc = [], [], [], [], []
    for code, geometry in zip(shapes["area_code"], shapes.geometry):
        value, status, name = values.at[code, "value"], values.at[code, "status"], values.at[code, "area_name"]
        xs, ys = [], []
        for ring in _rings(geometry):
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
        fill = colour_for(value, lo, hi)
        shown = format_value(value, ind, status)
        data.append(dict(type="scatter", mode="lines", x=xs, y=ys, fill="toself", fillcolor=fill, name=name,
                         line=dict(color=config.PALETTE["dark_grey"] if code == selected else "white",
                                   width=3 if code == selected else 1),
                         hoveron="fills", text=f"{name}: {shown}", hoverinfo="text", showlegend=False))
        c = geometry.representative_point()
        lx.append(c.x)
        ly.append(c.y)
        lt.append(shown if not is_missing(value) else "n/a")
        lc.append(_text_colour(fill))
    data.append(dict(type="scatter", mode="text", x=lx, y=ly, text=lt, hoverinfo="skip", showlegend=False,
                     textfont=dict(size=10, color=lc)))
    axis = dict(visible=False, fixedrange=True)
    return _figure(data, dict(height=height, xaxis=axis, yaxis=dict(axis, scaleanchor="x", scaleratio=1.6),
                              margin=dict(l=4, r=4, t=4, b=4)))


def breakdown_bars(df: pd.DataFrame, ind: Indicator, height: int = 300) -> go.Figure:
    """Grouped bars: ``df`` has category, value, status and series (e.g. the district and England)."""
    data = []
    for i, (series, g) in enumerate(df.groupby("series", sort=False)):
        role = g["role"].iloc[0] if "role" in g.columns else None
        colour = ROLE_STYLE.get(role, (EXTRA_COLOURS[i % len(EXTRA_COLOURS)],))[0]
        data.append(dict(type="bar", name=series, x=list(g["category"]),
                         y=[0 if is_missing(v) else v for v in g["value"]], marker=dict(color=colour, pattern=dict(shape="" if i == 0 else "/")),
                         text=_texts(g["value"], g["status"], ind), textposition="outside", cliponaxis=False,
                         hovertemplate="%{x}: %{text}<extra>" + str(series) + "</extra>"))
    return _figure(data, dict(height=height, barmode="group", yaxis=_value_axis(ind, rangemode="tozero"),
                              xaxis=dict(automargin=True), margin=dict(l=8, r=8, t=30, b=8),
                              legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)))


def sparkline(df: pd.DataFrame, height: int = 60) -> go.Figure:
    """A tiny line of the last values (decoration beside a figure given in words)."""
    colour = config.SERIES_COLOURS["district"]
    data = [dict(type="scatter", mode="lines", x=[d.strftime("%Y-%m-%d") for d in df["period_start"]],
                 y=[None if is_missing(v) else v for v in df["value"]], line=dict(color=colour, width=2),
                 hoverinfo="skip", showlegend=False)]
    axis = dict(visible=False, fixedrange=True)
    return _figure(data, dict(height=height, xaxis=axis, yaxis=axis, margin=dict(l=0, r=0, t=2, b=2)))
