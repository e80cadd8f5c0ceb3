"""PNG and SVG images of a chart with its title, source and notes baked in, rendered by the warm browser."""
from __future__ import annotations

from reuse.browser import RENDER_TIMEOUT, in_browser
from reuse.framing import framed_figure
from reuse.image_params import DEFAULT_IMAGE_SIZE

IMAGE_FORMATS = ("png", "svg")


def render_image(fig, fmt: str = "png", width: int | None = None, height: int | None = None,
                 scale: float | None = None, title: str = "", subtitle: str = "", source_line: str = "",
                 footnote: str | None = None, timeout: float | None = None) -> bytes:
    """PNG or SVG bytes of ``fig`` with title, subtitle, footnote and source line baked in.

    ``fig`` (a ``go.Figure`` or its dict) is not modified. Sizes default to ``config.EXPORT_DEFAULT_SIZE``.
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
    data = in_browser(lambda k: k.calc_fig(spec, opts=opts), limit + 5, f"rendering a {fmt.upper()} image")
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)
