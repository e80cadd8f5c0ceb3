"""What an image request may ask for (size and pixel density, within bounds) and the key its render is
cached under.

Image size: ``width`` and ``height`` are layout pixels (what fonts are sized against) and ``scale``
multiplies pixel density, as in plotly. The default 800 x 500 at scale 2 gives a 1600 x 1000 px PNG:
16 cm wide at 254 dpi on an A4 page, with 13 px chart text printing at about 7.5 pt.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import config

DEFAULT_IMAGE_SIZE = config.EXPORT_DEFAULT_SIZE
IMAGE_LIMITS = config.EXPORT_IMAGE_LIMITS
MAX_PIXELS = config.EXPORT_MAX_PIXELS  # output width*height after scaling


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
