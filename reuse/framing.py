"""A figure framed for reuse as an image: title and subtitle above, suppression key and source below,
with margins made room for in pixels. Pure: a figure (or its dict) in, a new figure dict out."""
from __future__ import annotations

import copy
import html

# Text baked into images: (font size px, line height px, colour)
TITLE_STYLE = (20, 26, "#0B0C0C")
SUBTITLE_STYLE = (14, 19, "#3D3D3D")
FOOTER_STYLE = (12, 16, "#505A5F")
EDGE = 16  # px between the image edge and the baked-in text
CARTESIAN_TRACES = {"scatter", "scattergl", "bar", "box", "histogram", "heatmap", "violin", "waterfall"}


def framed_figure(fig, width: int, height: int, *, title: str = "", subtitle: str = "", source_line: str = "",
                  footnote: str | None = None) -> dict:
    """A figure dict sized ``width`` x ``height`` with the text a reused image must carry.

    Title and subtitle sit above the plot (and above a legend placed there); footnote (suppression key)
    and source line sit at the bottom, below the axis labels. Margins are made room for in pixels.
    """
    spec = fig.to_dict() if hasattr(fig, "to_dict") else copy.deepcopy(dict(fig))
    layout = dict(spec.get("layout") or {})
    margin = dict(layout.get("margin") or {})
    old_t, old_b = _num(margin.get("t"), 80), _num(margin.get("b"), 80)
    old_l, old_r = _num(margin.get("l"), 80), _num(margin.get("r"), 80)

    title_lines = _wrap(title, width - 40, TITLE_STYLE[0] * 1.2)  # bold glyphs are about a fifth wider
    sub_lines = _wrap(subtitle, width - 40, SUBTITLE_STYLE[0])
    foot_lines = _wrap(footnote or "", width - 40, FOOTER_STYLE[0]) + _wrap(source_line, width - 40,
                                                                            FOOTER_STYLE[0])
    top_text = 14 + len(title_lines) * TITLE_STYLE[1] + len(sub_lines) * SUBTITLE_STYLE[1]
    top_text += 10 if title_lines or sub_lines else 0
    left = max(old_l, _y_axis_room(spec, layout), EDGE)
    right = max(old_r, EDGE)
    axis_room = _x_axis_room(spec, layout)
    foot_text = 10 + len(foot_lines) * FOOTER_STYLE[1] + (6 if foot_lines else 0)
    bottom = max(old_b, 8) + axis_room + foot_text
    top = top_text + max(old_t, 8)
    legend = layout.get("legend") or {}
    if legend.get("orientation") == "h" and _num(legend.get("y"), 0) >= 1 and _shows_legend(spec):
        # a legend above the plot sits (y - 1) plot-heights above it and is about 30 px tall
        top += 30 + (_num(legend.get("y"), 1) - 1) * max(60, height - top - bottom)
    if top + bottom > height - 60:  # keep at least 60 px of plot: squeeze the outer text, never the data
        bottom = max(8, height - 60 - top)
    top, bottom, left = int(round(top)), int(round(bottom)), int(round(left))
    plot_h, plot_w = max(1, height - top - bottom), max(1, width - left - right)

    layout.update(width=width, height=height, autosize=False,
                  margin=dict(margin, t=top, b=bottom, l=left, r=right, autoexpand=True))
    heading = [f"<b>{line}</b>" for line in title_lines]
    heading += [f"<span style=\"font-size:{SUBTITLE_STYLE[0]}px;color:{SUBTITLE_STYLE[2]}\">{line}</span>"
                for line in sub_lines]
    if heading:
        # yanchor "bottom" puts the first line's baseline at y whatever the number of lines ("top" lets
        # plotly draw the first line of a multi-line title above the image)
        layout["title"] = dict(text="<br>".join(heading), x=0, xref="container", xanchor="left",
                               y=1 - (12 + TITLE_STYLE[0]) / height, yref="container", yanchor="bottom",
                               pad=dict(t=0, b=0, l=EDGE),
                               font=dict(size=TITLE_STYLE[0], color=TITLE_STYLE[2]))
    annotations = list(layout.get("annotations") or [])
    if foot_lines:
        # annotations cannot use container coordinates: convert "EDGE px from the left, 8 px from the
        # bottom of the image" into plot-area fractions using the margins set above
        annotations.append(dict(
            text="<br>".join(foot_lines), xref="paper", x=-(left - EDGE) / plot_w, xanchor="left",
            yref="paper", y=-(bottom - 8) / plot_h, yanchor="bottom", align="left", showarrow=False,
            font=dict(size=FOOTER_STYLE[0], color=FOOTER_STYLE[2])))
    layout["annotations"] = annotations
    layout.setdefault("paper_bgcolor", "white")
    spec["layout"] = layout
    return spec


def _num(value, default: float) -> float:
    try:
        return float(value) if value is not None else float(default)
    except (TypeError, ValueError):
        return float(default)


def _shows_legend(spec: dict) -> bool:
    traces = spec.get("data") or []
    shown = [t for t in traces if t.get("showlegend") is not False]
    return len(shown) > 1 or any(t.get("showlegend") is True for t in traces)


def _y_axis_room(spec: dict, layout: dict) -> int:
    """Pixels left of the plot for y tick labels: measured on category names, else a number's width.

    Setting this ourselves (rather than leaving it all to plotly's automargin) lets the footer be placed
    from the image's left edge; automargin still widens the margin if the estimate is short.
    """
    traces = [t for t in spec.get("data") or [] if (t.get("type") or "scatter") in CARTESIAN_TRACES]
    axis = layout.get("yaxis") or {}
    if not traces or axis.get("visible") is False or axis.get("showticklabels") is False:
        return 0
    font = _num(((axis.get("tickfont") or {}).get("size")), _num((layout.get("font") or {}).get("size"), 12))
    labels = [str(v) for t in traces for v in (t.get("y") or []) if isinstance(v, str)]
    chars = max((len(v) for v in labels), default=6)
    return int(chars * font * 0.6) + 14


def _x_axis_room(spec: dict, layout: dict) -> int:
    """Pixels below the plot taken by x tick labels and axis title (0 for maps and hidden axes)."""
    if not any((t.get("type") or "scatter") in CARTESIAN_TRACES for t in spec.get("data") or []):
        return 0
    axis = layout.get("xaxis") or {}
    if axis.get("visible") is False or axis.get("showticklabels") is False:
        return 0
    title = axis.get("title")
    has_title = bool(title.get("text") if isinstance(title, dict) else title)
    return 30 + (22 if has_title else 0)


def _one_line(value) -> str:
    return " ".join(str(value).split())


def _wrap(text: str | None, width_px: float, font_px: float) -> list[str]:
    """Word-wrap plain text to lines that fit ``width_px`` (plotly does not wrap), HTML-escaped."""
    text = _one_line(text or "")
    if not text:
        return []
    per_line = max(20, int(width_px / (font_px * 0.52)))
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > per_line:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return [html.escape(line, quote=False) for line in lines]
