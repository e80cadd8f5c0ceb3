"""One layer of an ONSvisual TopoJSON read from the parsed document, the shapes GDAL would give.

GDAL reads the whole file again to give one layer (~0.08 s for the UK file, a third of its parse),
although the document is already parsed for its layer names. Here the layer's arcs are decoded with
numpy (delta-decoded, then scaled: ``sum * scale + translate``, GDAL's arithmetic) and joined into rings.
Only a plain layer reads here: Polygon/MultiPolygon features with an ``areacd`` text and nothing but
``areanm``/``start``/``end`` besides, arcs of two numbers a point, rings that close, arcs that meet
exactly. Anything else returns None and GDAL reads the file as before, so damaged files are reported
exactly as they were. tests/test_boundaries_fast.py checks the shapes equal GDAL's, byte for byte.
"""
from __future__ import annotations

from itertools import chain

import numpy as np
import pandas as pd

PROPERTIES = {"areacd", "areanm", "start", "end"}


def read_layer(doc: dict, layer: str):
    """The layer as GDAL (geopandas.read_file) would give its columns areacd/areanm/start/end and
    geometry (no CRS, as GDAL gives a TopoJSON), or None where it is not a plain layer."""
    try:
        return _read(doc, layer)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError):
        return None  # (anything odd: GDAL reads it and says what is wrong)


def _read(doc: dict, layer: str):
    import geopandas as gpd

    obj = doc["objects"][layer]
    if not isinstance(obj, dict) or obj.get("type") != "GeometryCollection" or set(obj) - {"type", "geometries"}:
        return None
    features = obj["geometries"]
    if not isinstance(features, list) or not features:
        return None
    rows = []
    for feature in features:
        if not isinstance(feature, dict) or set(feature) != {"type", "arcs", "properties"} \
                or feature["type"] not in ("Polygon", "MultiPolygon"):
            return None
        props = feature["properties"]
        if not isinstance(props, dict) or set(props) - PROPERTIES or type(props.get("areacd")) is not str \
                or type(props.get("areanm", "")) is not str \
                or any(type(props.get(k, 0)) is not int for k in ("start", "end")):
            return None
        rows.append(props)
    points, starts, counts = _arcs(doc)
    shapes = np.empty(len(features), dtype=object)
    for kind in ("Polygon", "MultiPolygon"):
        at = [i for i, f in enumerate(features) if f["type"] == kind]
        if at:
            made = _shapes([features[i]["arcs"] for i in at], kind, points, starts, counts)
            if made is None:
                return None
            shapes[at] = made
    named = sum("areanm" in r for r in rows)
    if named not in (0, len(rows)):
        return None  # (GDAL's missing names are not None: left to it)
    columns = {"areacd": [r["areacd"] for r in rows]}
    if named:
        columns["areanm"] = [r["areanm"] for r in rows]
    for key in ("start", "end"):
        if any(key in r for r in rows):
            columns[key] = np.array([r.get(key, np.nan) for r in rows], dtype="float64")
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry=gpd.GeoSeries(shapes), crs=None)


def _arcs(doc: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(every arc's points in turn as x/y in degrees, each arc's first row, each arc's point count)."""
    arcs = doc["arcs"]
    if not isinstance(arcs, list) or not arcs or not all(type(a) is list for a in arcs):
        raise ValueError("arcs")
    counts = np.fromiter(map(len, arcs), np.int64, len(arcs))
    if counts.min() < 2:
        raise ValueError("an arc of fewer than two points")
    flat = [point for arc in arcs for point in arc]
    if set(map(type, flat)) != {list} or set(map(len, flat)) != {2}:
        raise ValueError("points of two numbers")
    numbers = set(map(type, chain.from_iterable(flat)))
    values = np.fromiter(chain.from_iterable(flat), np.int64 if numbers == {int} else np.float64,
                         2 * len(flat)).reshape(len(flat), 2)  # (OverflowError: beyond 64 bits)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    transform = doc.get("transform")
    if transform is None:
        if not numbers <= {int, float}:
            raise ValueError("numbers")
        values = values.astype("float64")
        if not np.isfinite(values).all():
            raise ValueError("numbers")
        return values, starts, counts
    if set(transform) != {"scale", "translate"} or numbers != {int} or values.dtype != np.int64:
        raise ValueError("quantised arcs")
    scale, translate = (np.array(transform[k], dtype="float64") for k in ("scale", "translate"))
    if scale.shape != (2,) or translate.shape != (2,) \
            or any(type(v) not in (int, float) for k in ("scale", "translate") for v in transform[k]):
        raise ValueError("transform")
    if np.abs(values).max() >= 2**31:
        raise ValueError("deltas beyond what a double adds exactly")
    summed = np.cumsum(values, axis=0)
    summed -= np.repeat(summed[starts] - values[starts], counts, axis=0)  # each arc's own running sum
    return summed.astype("float64") * scale + translate, starts, counts


def _shapes(arcs: list, kind: str, points: np.ndarray, starts: np.ndarray, counts: np.ndarray):
    """Polygons (or multipolygons) from their arc lists, or None. A ring is its arcs in turn (a negative
    reference ``~i``: arc i backwards), each after the first without its first point, which must be the
    point before it bit for bit (GDAL keeps one or the other); a ring must close and have 4 points."""
    import shapely

    polygons = arcs if kind == "MultiPolygon" else [[rings] for rings in arcs]
    starts, counts = starts.tolist(), counts.tolist()
    firsts, steps, sizes = [], [], []  # per arc met: its first row taken, +1/-1, rows taken
    ring_sizes, polygon_ends, feature_ends, meet_a, meet_b = [], [], [], [], []
    for feature in polygons:
        if type(feature) is not list or not feature:
            return None
        for rings in feature:
            if type(rings) is not list or not rings:
                return None
            for ring in rings:
                if type(ring) is not list or not ring:
                    return None
                size, first, last = 0, 0, 0  # (first and last: set by the ring's first arc)
                for k, ref in enumerate(ring):
                    if type(ref) is not int:
                        return None
                    if ref >= 0:
                        head, step = starts[ref], 1  # (IndexError: not an arc)
                    else:
                        head, step = starts[~ref] + counts[~ref] - 1, -1
                    count = counts[ref if ref >= 0 else ~ref]
                    if k:
                        meet_a.append(last)
                        meet_b.append(head)
                        head, count = head + step, count - 1
                    else:
                        first = head
                    last = head + step * (count - 1)
                    firsts.append(head)
                    steps.append(step)
                    sizes.append(count)
                    size += count
                if size < 4:
                    return None
                meet_a.append(first)
                meet_b.append(last)
                ring_sizes.append(size)
            polygon_ends.append(len(ring_sizes))
        feature_ends.append(len(polygon_ends))
    bits = points.view(np.int64)
    if not (bits[meet_a] == bits[meet_b]).all():
        return None
    sizes = np.array(sizes, dtype=np.int64)
    at = np.repeat(np.cumsum(sizes) - sizes, sizes)
    rows = np.repeat(np.array(firsts, dtype=np.int64), sizes) + \
        np.repeat(np.array(steps, dtype=np.int64), sizes) * (np.arange(len(at)) - at)
    coords = points[rows]
    offsets = [np.concatenate([[0], np.cumsum(ring_sizes)]), np.concatenate([[0], polygon_ends])]
    if kind == "Polygon":
        return list(shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, tuple(offsets)))
    offsets.append(np.concatenate([[0], feature_ends]))
    return list(shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, tuple(offsets)))
