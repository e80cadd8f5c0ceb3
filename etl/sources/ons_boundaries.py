"""ONS boundaries (GeoPackage / GeoJSON / TopoJSON) -> kind ``boundaries``: English areas in WGS84,
simplified for the web. Any ``LADyyCD``/``LEPyyCD``/``CTYUAyyCD``/``RGNyyCD``... vintage, or ONSvisual's
TopoJSON (layers ``ltla``/``utla``/``rgn``..., properties ``areacd``/``areanm``/``start``/``end``).
Files are recognised by content, never by their names.
"""
from __future__ import annotations

import json
import math
import re
from warnings import catch_warnings, simplefilter

import numpy as np
import pandas as pd

from etl.errors import MAX_PROBLEMS, Problem, SourceFormatError, format_error
from etl.sources.base import ParseResult, RawFile, source_meta
from etl.sources import topojson_layer
from etl.sources.gc_paused import gc_paused
from etl.sources.ons_geography import GEO_LEVELS, GSS, level_of

BOUNDARIES_ID = "ons_boundaries"
# Boundaries: code properties in order of preference (the finest geography first), and
# TopoJSON layers (ONSvisual uk-topojson) in the same order.
BOUNDARY_CODE = re.compile(r"^(?P<geo>lad|ltla|ctyua|utla|cty|lep|lsip|cauth|rgn|ctry)(?P<yy>\d{2})?cd$", re.I)
BOUNDARY_GEO_ORDER = ("lad", "ltla", "ctyua", "utla", "cty", "lep", "lsip", "cauth", "rgn", "ctry")
TOPOJSON_LAYERS = ("ltla", "lad", "utla", "cty", "cauth", "rgn", "ctry")
SIMPLIFY_TOLERANCE = 0.001  # degrees (~70-110 m): plenty for a district choropleth on a phone
WGS84 = "EPSG:4326"
BRITISH_NATIONAL_GRID = "EPSG:27700"
BNG_EXTENT = (-100_000, -100_000, 800_000, 1_400_000)  # metres: Great Britain with a margin
ENGLAND_EXTENT = (-7.0, 49.6, 2.1, 56.0)  # lon/lat: the Isles of Scilly to Lowestoft, to Berwick, with a margin
POLYGONAL = ("Polygon", "MultiPolygon", "GeometryCollection")  # a collection's polygon parts are kept



def _geo_kind(raw: RawFile) -> str | None:
    """'gpkg', 'geojson' or 'topojson' from the file's first bytes."""
    head = raw.head_bytes
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg" if head[68:72] in (b"GPKG", b"GP10", b"GP11") else None
    text = head[:65536].decode("utf-8", errors="ignore").lstrip("\ufeff \r\n\t")
    if not text.startswith("{"):
        return None
    if re.search(r'"type"\s*:\s*"Topology"', text):
        return "topojson"
    if re.search(r'"type"\s*:\s*"FeatureCollection"', text):
        return "geojson"
    return None


def _code_field(columns: list[str]) -> tuple[str, str | None, str | None] | None:
    """(code column, name column, geography token) by preference, or None."""
    found = {}
    for col in columns:
        if m := BOUNDARY_CODE.match(col):
            found.setdefault(m["geo"].lower(), (col, m["yy"]))
    for geo in BOUNDARY_GEO_ORDER:
        if geo in found:
            col, yy = found[geo]
            name = next((c for c in columns if c.lower() == f"{geo}{yy or ''}nm"), None)
            return col, name, geo
    lower = {c.lower(): c for c in columns}
    if "areacd" in lower:
        return lower["areacd"], lower.get("areanm"), None
    return None


def _read_geo(raw: RawFile, kind: str):
    """The layer holding the boundaries. GDAL's warnings about malformed features are silenced: such
    features come back without a geometry, which :func:`geometry_problems` reports with their codes."""
    with catch_warnings():
        simplefilter("ignore", RuntimeWarning)
        return _read_layer(raw, kind)


def _read_layer(raw: RawFile, kind: str):
    import geopandas as gpd
    import pyogrio

    try:
        if kind == "gpkg":
            layers = [str(name) for name, _ in pyogrio.list_layers(raw.path)]
            if len(layers) == 1:  # (the layer read whatever its fields: no need to look at them first)
                try:
                    return gpd.read_file(raw.path, layer=layers[0]), layers[0]
                except Exception:  # a damaged layer: read as before, so reported in the same words
                    pass
            for layer in layers:
                fields = list(pyogrio.read_info(raw.path, layer=layer)["fields"])
                if _code_field(fields):
                    return gpd.read_file(raw.path, layer=layer), layer
            if not layers:
                raise format_error(raw.name, "the GeoPackage has no layers", expected="a boundary layer")
            return gpd.read_file(raw.path, layer=layers[0]), layers[0]
        if kind == "topojson":
            with gc_paused():  # (~100,000 lists of arcs, all gone again by its end: see etl.sources.gc_paused)
                doc = json.loads(raw.text)
                objects = doc.get("objects") or {}
                layer = next((name for name in TOPOJSON_LAYERS if name in objects), next(iter(objects), None))
                if layer is None:
                    raise format_error(raw.name, "the TopoJSON has no objects", expected="layers such as 'ltla'")
                gdf = topojson_layer.read_layer(doc, layer) if isinstance(objects, dict) else None
                del doc, objects
            if gdf is not None:
                return gdf, layer  # (the shapes GDAL gives, from the document already read)
            return gpd.read_file(raw.path, layer=layer), layer
        return gpd.read_file(raw.path), None
    except SourceFormatError:
        raise
    except Exception as exc:  # GDAL/pyogrio raise their own types for damaged files
        raise format_error(raw.name, f"the boundary file cannot be read ({type(exc).__name__}: {exc})",
                           expected="a GeoPackage, GeoJSON or TopoJSON file") from None


def _assume_crs(gdf, raw: RawFile, warnings: list[Problem]):
    """A file without a CRS: lon/lat numbers are WGS84, metre-sized numbers British National Grid.
    Coordinates that are neither (a damaged or foreign file) are an error, not a guess."""
    minx, miny, maxx, maxy = gdf.total_bounds
    looks_lonlat = -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    looks_bng = BNG_EXTENT[0] <= minx <= maxx <= BNG_EXTENT[2] and BNG_EXTENT[1] <= miny <= maxy <= BNG_EXTENT[3]
    if (gdf.crs is None or gdf.crs.to_epsg() == 4326) and not looks_lonlat and not looks_bng:
        raise format_error(raw.name, "the coordinates are neither longitude/latitude nor British National Grid "
                                     "metres", column="geometry",
                           expected="a boundary file in WGS84 or EPSG:27700",
                           found=f"x {minx:.6g} to {maxx:.6g}, y {miny:.6g} to {maxy:.6g}")
    if gdf.crs is None:
        return gdf.set_crs(WGS84 if looks_lonlat else BRITISH_NATIONAL_GRID)
    if gdf.crs.to_epsg() == 4326 and not looks_lonlat:
        warnings.append(Problem(file=raw.name, message="coordinates are in metres although the file declares "
                                "WGS84; read as British National Grid (EPSG:27700)", severity="warning"))
        return gdf.set_crs(BRITISH_NATIONAL_GRID, allow_override=True)
    return gdf


def geometry_problems(gdf, raw: RawFile, code_col: str) -> list[Problem]:
    """English features whose geometry cannot be an area: missing, empty, not a polygon, or with
    coordinates that are not finite numbers (checked before any reprojection or repair)."""
    import shapely

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if np.isin(shapely.get_type_id(geoms), (3, 6)).all() and not shapely.is_empty(geoms).any() \
            and np.isfinite(shapely.get_coordinates(geoms)).all():
        return []  # (every feature a non-empty polygon or multipolygon of finite numbers: none to report)
    problems = []
    for number, (code, geom) in enumerate(zip(gdf[code_col], gdf.geometry.values), start=1):
        if not str(code).strip().startswith("E"):
            continue
        if geom is None or geom.is_empty:
            reason = "a feature without a geometry"
        elif geom.geom_type not in POLYGONAL:
            reason = f"a feature whose geometry is not an area ({geom.geom_type})"
        elif not np.isfinite(shapely.get_coordinates(geom)).all():
            reason = "a feature with coordinates that are not finite numbers"
        else:
            continue
        problems.append(Problem(file=raw.name, message=reason, column="geometry",
                                expected="a polygon or multipolygon for every area",
                                found=f"feature {number} ({code})"))
    return problems


def outside_england(df, raw: RawFile) -> list[Problem]:
    """Areas (in WGS84) that do not lie within England's bounding box: a wrong projection or junk."""
    bounds = df.geometry.bounds
    west, south, east, north = ENGLAND_EXTENT
    outside = (bounds["minx"] < west) | (bounds["maxx"] > east) | (bounds["miny"] < south) | (bounds["maxy"] > north)
    return [Problem(file=raw.name, message="an area that does not lie in England", column="geometry",
                    expected=f"longitude {west} to {east}, latitude {south} to {north} (WGS84)",
                    found=f"{code}: {b.minx:.4g}, {b.miny:.4g} to {b.maxx:.4g}, {b.maxy:.4g}")
            for code, b in zip(df.loc[outside, "area_code"], bounds[outside].itertuples())]


def _polygonal(geom):
    """Only the polygon parts of a geometry (make_valid may add stray lines or points)."""
    import shapely

    if geom is None or geom.is_empty:
        return geom
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def _duplicate_codes(df, raw: RawFile, code_col: str) -> list[Problem]:
    """One feature per area: two shapes for one code would leave which one is drawn to chance."""
    if not df["area_code"].duplicated().any():
        return []
    dupes = df[df["area_code"].duplicated(keep=False)]
    return [Problem(file=raw.name, message="two features with the same area code", column=code_col,
                    expected="one feature per area", found=code)
            for code in dict.fromkeys(dupes["area_code"])][:MAX_PROBLEMS]


def _current_and_older(gdf):
    """TopoJSON layers hold every year's areas: current ones first, older codes after (no dupes)."""
    if "end" not in gdf.columns and "start" not in gdf.columns:
        return gdf, np.zeros(len(gdf), dtype=bool)
    years = pd.concat([pd.to_numeric(gdf.get(c), errors="coerce") for c in ("start", "end") if c in gdf.columns])
    newest = years.max()
    end = pd.to_numeric(gdf["end"], errors="coerce") if "end" in gdf.columns else pd.Series(np.nan, gdf.index)
    current = end.isna() | (end >= newest) if not math.isnan(newest) else pd.Series(True, gdf.index)
    gdf = gdf.assign(_current=current.values, _rank=end.fillna(np.inf).values)
    gdf = gdf.sort_values(["_current", "_rank"], ascending=False, kind="mergesort")
    gdf = gdf.drop_duplicates("area_code", keep="first")
    older = ~gdf["_current"].to_numpy()
    return gdf.drop(columns=["_current", "_rank"]), older


def simplify_for_web(geoms, older: np.ndarray):
    """Simplify the current areas as one coverage (shared borders stay shared); older ones alone."""
    import shapely

    values = np.asarray(geoms, dtype=object)
    out = values.copy()
    current = ~older
    checked = np.zeros(len(values), dtype=bool)  # known valid polygons already: _polygonal would keep them
    if current.any():
        try:
            simplified = shapely.coverage_simplify(values[current], SIMPLIFY_TOLERANCE)
            if not (shapely.is_valid(simplified) & ~shapely.is_empty(simplified)).all():  # (None: not valid)
                raise ValueError("coverage simplification gave invalid shapes")
            checked[current] = np.isin(shapely.get_type_id(simplified), (3, 6))  # Polygon, MultiPolygon
        except Exception:  # not a clean coverage (overlaps): simplify each shape on its own
            simplified = shapely.simplify(values[current], SIMPLIFY_TOLERANCE, preserve_topology=True)
        out[current] = simplified
    if older.any():
        out[older] = shapely.simplify(values[older], SIMPLIFY_TOLERANCE, preserve_topology=True)
    return _polygonal_all(out, checked)


def _polygonal_all(geoms, checked: np.ndarray | None = None) -> list:
    """:func:`_polygonal` of each geometry; valid polygons (most of them) found at once, not one by one,
    and those in ``checked`` not looked at again."""
    import shapely

    values = np.asarray(geoms, dtype=object)
    todo = ~checked if checked is not None else np.ones(len(values), dtype=bool)
    keep = ~todo
    keep[todo] = shapely.is_valid(values[todo]) & np.isin(shapely.get_type_id(values[todo]), (3, 6))
    return [g if ok else _polygonal(g) for g, ok in zip(values, keep)]


class OnsBoundaryParser:
    """ONS boundaries: GeoPackage, GeoJSON or TopoJSON with LADyyCD/LEPyyCD/areacd properties."""

    name = "ONS boundaries (GeoPackage / GeoJSON / TopoJSON; LADyyCD, LEPyyCD, areacd ...)"

    def sniff(self, raw: RawFile) -> bool:
        try:
            return _geo_kind(raw) is not None
        except Exception:  # a sniffer never raises
            return False

    def parse(self, raw: RawFile) -> ParseResult:
        import geopandas as gpd

        if raw.path.stat().st_size == 0:
            raise format_error(raw.name, "the file is empty", expected="a boundary file")
        kind = _geo_kind(raw)
        if kind is None:
            raise format_error(raw.name, "not a GeoPackage, GeoJSON FeatureCollection or TopoJSON Topology",
                               expected="a boundary file from the ONS Open Geography Portal")
        warnings: list[Problem] = []
        gdf, layer = _read_geo(raw, kind)
        if gdf.empty:
            raise format_error(raw.name, "the boundary file has no features", expected="one feature per area")
        fields = [c for c in gdf.columns if c != gdf.geometry.name]
        field = _code_field(fields)
        if field is None:
            raise format_error(raw.name, "no area code property found",
                               expected="a property like LAD22CD, LEP21CD, CTYUA21CD, RGN21CD or areacd",
                               found=", ".join(fields) or "no properties")
        code_col, name_col, geo = field
        if problems := geometry_problems(gdf, raw, code_col):
            raise SourceFormatError(problems[:MAX_PROBLEMS])
        gdf = _assume_crs(gdf[gdf.geometry.notna()], raw, warnings)
        df = gpd.GeoDataFrame({
            "area_code": gdf[code_col].astype(str).str.strip(),
            "area_name": gdf[name_col].astype(str).str.strip() if name_col else None,
            "start": pd.to_numeric(gdf["start"], errors="coerce") if "start" in gdf.columns else np.nan,
            "end": pd.to_numeric(gdf["end"], errors="coerce") if "end" in gdf.columns else np.nan,
        }, geometry=gdf.geometry.values, crs=gdf.crs)
        bad = df[~df["area_code"].str.match(GSS.pattern)]
        if len(bad):
            raise format_error(raw.name, f"{len(bad)} feature(s) have no GSS code", column=code_col,
                               expected="codes like E07000117", found=", ".join(bad["area_code"].head(5)))
        df = df[df["area_code"].str.startswith("E")]
        if df.empty:
            raise format_error(raw.name, "no English areas in the file", column=code_col,
                               expected="codes starting with E")
        df = df.to_crs(WGS84)
        if problems := outside_england(df, raw):
            raise SourceFormatError(problems[:MAX_PROBLEMS])
        df["geometry"] = _polygonal_all(df.geometry.values)
        if kind != "topojson":
            if problems := _duplicate_codes(df, raw, code_col):
                raise SourceFormatError(problems)
            df = df.drop(columns=["start", "end"])
        df, older = _current_and_older(df)
        df = df.set_geometry(simplify_for_web(df.geometry.values, older), crs=WGS84)
        lost = df[df.geometry.isna() | df.geometry.is_empty]
        if len(lost):
            raise format_error(raw.name, f"{len(lost)} area(s) have no shape left once repaired and simplified",
                               column="geometry", expected="polygons larger than about 100 m across",
                               found=", ".join(lost["area_code"].head(5)))
        layer_geo = layer if layer in GEO_LEVELS else None
        df["area_level"] = [level_of(c, geo or layer_geo) for c in df["area_code"]]
        out = gpd.GeoDataFrame(df[["area_code", "area_name", "area_level", "geometry"]], geometry="geometry",
                               crs=WGS84).sort_values("area_code", kind="mergesort").reset_index(drop=True)
        return ParseResult("boundaries", out, source_meta(BOUNDARIES_ID), warnings)


PARSERS = [OnsBoundaryParser()]
