"""Chart reuse outside the dashboard: data files, images and the warm browser that renders them.

Everything here is plain Python (no Dash), so routes stay thin and tests call it directly:

* ``csv_bytes`` / ``xlsx_bytes``: the tidy data exactly as plotted, under header lines naming the chart,
  source, period, release and licence (``read_csv_bytes`` reads such a file back, for tests). Text
  cells that a spreadsheet would take for a formula are escaped (OWASP: a leading ``'``).
* ``render_image``: bakes title, subtitle, source line and suppression key into a copy of the figure and
  renders PNG/SVG with kaleido through one warm headless Chromium per process (``warm_up`` starts it).
* ``in_browser``: runs DevTools work on that browser (``web.pdf`` prints reports with it).

Image size: ``width`` and ``height`` are layout pixels (what fonts are sized against) and ``scale``
multiplies pixel density, as in plotly. The default 800 x 500 at scale 2 gives a 1600 x 1000 px PNG:
16 cm wide at 254 dpi on an A4 page, with 13 px chart text printing at about 7.5 pt.
"""
from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import copy
import hashlib
import html
import io
import json
import logging
import math
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

import config

log = logging.getLogger(__name__)

# --- data files ---------------------------------------------------------------------------------
# (meta key, header label) in the order the header lines are written; missing keys are left out.
HEADER_FIELDS = [("title", "Title"), ("subtitle", "Subtitle"), ("source", "Source"), ("period", "Period"),
                 ("release_date", "Release date"), ("release_id", "Release"), ("url", "View online")]
HEADER_PREFIX = "# "
DEMO_LINE = "Demo data — not official statistics"
CSV_ENCODING = "utf-8-sig"  # with a byte-order mark so Excel reads 'Ynys Môn' and '—' correctly
CSV_NEWLINE = "\r\n"  # RFC 4180; it also makes the writer quote any text holding a line break

# --- images ---------------------------------------------------------------------------------------
IMAGE_FORMATS = ("png", "svg")
IMAGE_MIME = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv; charset=utf-8",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "pdf": "application/pdf"}
DEFAULT_IMAGE_SIZE = getattr(config, "EXPORT_DEFAULT_SIZE", (800, 500, 2.0))
IMAGE_LIMITS = getattr(config, "EXPORT_IMAGE_LIMITS", {"width": (200, 4000), "height": (200, 4000),
                                                       "scale": (0.5, 4.0)})
MAX_PIXELS = getattr(config, "EXPORT_MAX_PIXELS", 40_000_000)  # output width*height after scaling
# Text baked into images: (font size px, line height px, colour)
TITLE_STYLE = (20, 26, "#0B0C0C")
SUBTITLE_STYLE = (14, 19, "#3D3D3D")
FOOTER_STYLE = (12, 16, "#505A5F")
EDGE = 16  # px between the image edge and the baked-in text
CARTESIAN_TRACES = {"scatter", "scattergl", "bar", "box", "histogram", "heatmap", "violin", "waterfall"}

RENDER_TIMEOUT = getattr(config, "EXPORT_RENDER_TIMEOUT", 30.0)
BROWSER_START_TIMEOUT = 60.0
BROWSER_TABS = getattr(config, "EXPORT_BROWSER_TABS", 2)

# A text cell starting with one of these is taken for a formula by spreadsheet programs (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportError(RuntimeError):
    """An image or PDF could not be produced (browser missing, crashed or too slow)."""


class ChromiumNotFoundError(ExportError):
    """No Chromium executable where config.CHROMIUM_PATH (env PDP_CHROMIUM) points, nor on PATH."""


# ==================================================================================================
# CSV and XLSX
# ==================================================================================================

def header_lines(meta: Mapping[str, Any]) -> list[str]:
    """'Title: ...', 'Source: ...', ... 'Licence: ...' (+ the demo warning): one fact per line."""
    lines = []
    for key, label in HEADER_FIELDS:
        value = meta.get(key)
        if value is not None and str(value).strip():
            lines.append(f"{label}: {_one_line(value)}")
    lines.append(f"Licence: {config.LICENCE} {config.LICENCE_URL}")
    notes = meta.get("notes") or []
    for note in [notes] if isinstance(notes, str) else notes:
        lines.append(f"Note: {_one_line(note)}")
    if meta.get("is_demo"):
        lines.append(DEMO_LINE)
    return lines


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


def csv_bytes(df: pd.DataFrame, meta: Mapping[str, Any]) -> bytes:
    """The plotted data as UTF-8 CSV (RFC 4180) under '# ' header lines; missing values are empty cells.

    The caller chooses and orders the columns (keep ``status`` so an empty value says why it is empty).
    Text that a spreadsheet would run as a formula gets a leading ``'``; numbers stay numbers.
    """
    out = io.StringIO()
    for line in header_lines(meta):
        out.write(f"{HEADER_PREFIX}{line}{CSV_NEWLINE}")
    text_columns = [c for c in df.columns if not (pd.api.types.is_numeric_dtype(df[c])
                                                  or pd.api.types.is_datetime64_any_dtype(df[c]))]
    df.assign(**{str(c): df[c].map(escape_formula, na_action="ignore") for c in text_columns}).to_csv(
        out, index=False, lineterminator=CSV_NEWLINE, na_rep="")
    return out.getvalue().encode(CSV_ENCODING)


def escape_formula(value: Any) -> Any:
    """``'=SUM(A1)'`` -> ``"'=SUM(A1)"``: text a spreadsheet would take for a formula is prefixed (OWASP)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def read_csv_bytes(data: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    """Read a ``csv_bytes`` file back: ({label: text} from the header lines, the data frame)."""
    text = data.decode(CSV_ENCODING)
    lines = text.splitlines(keepends=True)
    meta: dict[str, str] = {}
    n = 0
    while n < len(lines) and lines[n].startswith(HEADER_PREFIX.rstrip()):
        label, _, value = lines[n][len(HEADER_PREFIX):].rstrip("\r\n").partition(": ")
        meta[label] = value
        n += 1
    df = pd.read_csv(io.StringIO("".join(lines[n:])), keep_default_na=False, na_values=[""])
    return meta, df


def xlsx_bytes(df: pd.DataFrame, meta: Mapping[str, Any]) -> bytes:
    """A workbook: sheet 'data' (header lines, a blank row, then the table) and sheet 'notes'.

    ``meta['decimals']`` (optional) sets the number format of a ``value`` column, so Excel shows the
    figure as the source rounds it while keeping the full value in the cell.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    lines = header_lines(meta)
    for i, line in enumerate(lines, start=1):
        _as_text(ws.cell(row=i, column=1, value=line)).font = Font(bold=(i == 1), size=14 if i == 1 else 11)
    top = len(lines) + 2  # one blank row between the header lines and the table
    columns = [str(c) for c in df.columns]
    for j, name in enumerate(columns, start=1):
        _as_text(ws.cell(row=top, column=j, value=name)).font = Font(bold=True)
    decimals = meta.get("decimals")
    for i, row in enumerate(df.itertuples(index=False, name=None), start=top + 1):
        for j, value in enumerate(row, start=1):
            cell = _as_text(ws.cell(row=i, column=j, value=_excel_value(value)))
            if decimals is not None and columns[j - 1] == "value" and isinstance(cell.value, float):
                cell.number_format = "#,##0" + ("." + "0" * int(decimals) if int(decimals) > 0 else "")
    for j, name in enumerate(columns, start=1):
        longest = max([len(name)] + [len(str(v)) for v in df.iloc[:200, j - 1].tolist()])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, longest + 2))
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    if len(df) and columns and len(set(columns)) == len(columns):
        ref = f"A{top}:{get_column_letter(len(columns))}{top + len(df)}"
        table = Table(displayName="ChartData", ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
        ws.add_table(table)

    notes = wb.create_sheet("notes")
    notes.append(["Field", "Value"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for line in lines:
        label, sep, value = line.partition(": ")
        notes.append([label, value] if sep else ["Note", line])
    notes.append(["Missing values", "Empty cells are not zero: the status column says why a value is "
                                    "missing (suppressed, not available, ...)."])
    for row in notes.iter_rows():
        for cell in row:
            _as_text(cell)
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _as_text(cell):
    """Keep a text cell text: openpyxl stores '=...' as a formula, and Excel re-reads '+', '-', '@' as one."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)
    return cell


def _excel_value(value: Any) -> Any:
    """Cells openpyxl can write: NaN/NA -> empty, numpy scalars -> Python, dates kept."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value if isinstance(value, (int, float, str, bool)) or hasattr(value, "year") else str(value)


# ==================================================================================================
# Image parameters and cache
# ==================================================================================================

def parse_image_params(args: Mapping[str, Any]) -> tuple[int, int, float]:
    """``?width=&height=&scale=`` -> (width, height, scale) with defaults; ValueError says what is wrong.

    ``args`` is any mapping (Flask's ``request.args`` works). Width and height are whole layout pixels;
    the PNG is ``width*scale`` by ``height*scale`` pixels.
    """
    default_w, default_h, default_s = DEFAULT_IMAGE_SIZE
    width = _bounded(args, "width", default_w, integer=True)
    height = _bounded(args, "height", default_h, integer=True)
    scale = _bounded(args, "scale", default_s, integer=False)
    pixels = width * scale * height * scale
    if pixels > MAX_PIXELS:
        raise ValueError(f"the image would be {round(width * scale)} x {round(height * scale)} pixels; "
                         f"the largest allowed is {MAX_PIXELS:,} pixels in all: lower width, height or scale")
    return int(width), int(height), float(scale)


def _bounded(args: Mapping[str, Any], name: str, default: float, *, integer: bool) -> float:
    lo, hi = IMAGE_LIMITS[name]
    raw = args.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    what = "a whole number of pixels" if integer else "a number"
    try:
        number = float(str(raw).strip())
    except ValueError:
        raise ValueError(f"{name} must be {what} between {lo:g} and {hi:g}; got {str(raw)[:40]!r}") from None
    if not math.isfinite(number) or (integer and number != int(number)) or not lo <= number <= hi:
        raise ValueError(f"{name} must be {what} between {lo:g} and {hi:g}; got {str(raw)[:40]!r}")
    return int(number) if integer else number


def cache_key(chart_id: str, params: Mapping[str, Any], release_id: str, fmt: str, width: int, height: int,
              scale: float) -> str:
    """A stable text key for one rendered image (same chart, view, release, format and size)."""
    payload = json.dumps({"chart": chart_id, "params": {str(k): str(v) for k, v in sorted(params.items())},
                          "release": release_id, "fmt": fmt, "size": [int(width), int(height), float(scale)]},
                         sort_keys=True)
    return f"{chart_id}-{hashlib.sha256(payload.encode()).hexdigest()[:32]}.{fmt}"


# ==================================================================================================
# The warm browser
# ==================================================================================================

def chromium_path() -> str:
    """The Chromium executable: config.CHROMIUM_PATH (env PDP_CHROMIUM), else chromium on PATH."""
    configured = getattr(config, "CHROMIUM_PATH", "/usr/bin/chromium")
    if configured and Path(configured).is_file() and os.access(configured, os.X_OK):
        return str(configured)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    raise ChromiumNotFoundError(
        f"no Chromium found at {configured!r} nor on PATH: install it (Debian: apt-get install chromium) "
        "or set PDP_CHROMIUM to its path; images and PDFs need a headless Chromium")


class _WarmBrowser:
    """One headless Chromium (a kaleido ``Kaleido`` browser) per process, driven from its own event loop.

    Started on first use (or by ``warm_up``), so a gunicorn worker forked after import starts its own.
    Calls from any thread are scheduled onto the private loop and waited for with a timeout; a browser
    that has died is restarted once on the next call.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self.starts = 0

    def is_running(self) -> bool:
        return (self._kaleido is not None and self._pid == os.getpid() and self._thread is not None
                and self._thread.is_alive())

    def start(self) -> None:
        with self._lock:
            if self.is_running():
                return
            self._forget()
            path = chromium_path()
            import kaleido

            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="pdp-chromium", daemon=True)
            thread.start()

            async def _open():
                k = kaleido.Kaleido(n=BROWSER_TABS, timeout=RENDER_TIMEOUT, mathjax=False, path=path)
                await k.open()
                return k

            future = asyncio.run_coroutine_threadsafe(_open(), loop)
            try:
                self._kaleido = future.result(BROWSER_START_TIMEOUT)
            except Exception as e:
                future.cancel()
                loop.call_soon_threadsafe(loop.stop)
                raise ExportError(f"headless Chromium ({path}) did not start: {e}") from e
            self._loop, self._thread, self._pid = loop, thread, os.getpid()
            self.starts += 1

    def run(self, make_coro: Callable[[Any], Any], timeout: float, what: str) -> Any:
        """Run ``make_coro(kaleido)`` on the browser's loop; restart a dead browser once."""
        for attempt in (1, 2):
            self.start()
            future = asyncio.run_coroutine_threadsafe(make_coro(self._kaleido), self._loop)
            try:
                return future.result(timeout)
            except concurrent.futures.TimeoutError:
                future.cancel()
                raise ExportError(f"{what} took longer than {timeout:g} s") from None
            except ExportError:
                raise
            except Exception as e:
                if attempt == 1 and _looks_like_dead_browser(e):
                    log.warning("headless Chromium stopped (%s); restarting it", e)
                    self.close()
                    continue
                raise ExportError(f"{what} failed: {type(e).__name__}: {e}") from e
        raise ExportError(f"{what} failed: the browser stopped twice")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            if self._kaleido is not None and self._loop is not None and self._pid == os.getpid():
                try:
                    asyncio.run_coroutine_threadsafe(self._kaleido.close(), self._loop).result(15)
                except Exception as e:  # closing a crashed browser may fail; the process is gone anyway
                    log.debug("closing headless Chromium: %s", e)
                self._loop.call_soon_threadsafe(self._loop.stop)
            self._forget()

    def _forget(self) -> None:
        self._kaleido = self._loop = self._thread = self._pid = None


def _looks_like_dead_browser(e: BaseException) -> bool:
    try:
        from choreographer.errors import (
            BrowserClosedError,
            BrowserFailedError,
            ChannelClosedError,
        )
    except ImportError:  # pragma: no cover
        return False
    return isinstance(e, (BrowserClosedError, BrowserFailedError, ChannelClosedError, BrokenPipeError))


_BROWSER = _WarmBrowser()
atexit.register(_BROWSER.close)


def warm_up(background: bool = True) -> None:
    """Start the headless Chromium now (in a thread by default) so the first export is not slow."""
    def _start():
        try:
            _BROWSER.start()
        except ExportError as e:
            log.warning("image export unavailable: %s", e)

    if background:
        threading.Thread(target=_start, name="pdp-chromium-warm-up", daemon=True).start()
    else:
        _BROWSER.start()


def shutdown() -> None:
    """Close the headless Chromium (tests; it is also closed at exit)."""
    _BROWSER.close()


def in_browser(make_coro: Callable[[Any], Any], timeout: float, what: str) -> Any:
    """Run ``make_coro(browser)`` (a choreographer/kaleido browser) on the warm browser's event loop.

    Starts the browser if needed and restarts a dead one once; ExportError names ``what`` on failure.
    """
    return _BROWSER.run(make_coro, timeout, what)


# ==================================================================================================
# Images
# ==================================================================================================

def render_image(fig, fmt: str = "png", width: int | None = None, height: int | None = None,
                 scale: float | None = None, title: str = "", subtitle: str = "", source_line: str = "",
                 footnote: str | None = None, timeout: float | None = None) -> bytes:
    """PNG or SVG bytes of ``fig`` with title, subtitle, footnote and source line baked in.

    ``fig`` (a ``go.Figure`` or its dict) is not modified. Sizes default to ``EXPORT_DEFAULT_SIZE``.
    Raises ValueError for an unknown format and ExportError when the browser fails.
    """
    fmt = str(fmt).lower()
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {', '.join(IMAGE_FORMATS)}; got {fmt!r}")
    dw, dh, ds = DEFAULT_IMAGE_SIZE
    width, height, scale = int(width or dw), int(height or dh), float(scale or ds)
    spec = framed_figure(fig, width, height, title=title, subtitle=subtitle, source_line=source_line,
                         footnote=footnote)
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    limit = timeout or RENDER_TIMEOUT
    data = _BROWSER.run(lambda k: k.calc_fig(spec, opts=opts), limit + 5, f"rendering a {fmt.upper()} image")
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


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


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk; ValueError if ``data`` is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """(result, seconds) of ``fn()`` — for bench scripts."""
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0
