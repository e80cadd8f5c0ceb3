"""The boundary parser's shortcuts give what the plain steps give: validity looked up for all shapes at
once (``_polygonal_all``) and the collector paused while the TopoJSON is read (``gc_paused``)."""
from __future__ import annotations

import gc

import numpy as np
import pytest
import shapely

from etl.sources import ons_boundaries
from etl.sources.gc_paused import gc_paused

SQUARE = shapely.box(0, 0, 1, 1)
BOWTIE = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])  # self-crossing: invalid
SHAPES = [SQUARE, None, shapely.Polygon(), BOWTIE, shapely.MultiPolygon([SQUARE, shapely.box(2, 2, 3, 3)]),
          shapely.GeometryCollection([SQUARE, shapely.LineString([(5, 5), (6, 6)])]),
          shapely.LineString([(0, 0), (1, 1)]), shapely.Point(0, 0)]


def _same(got: list, want: list) -> bool:
    return len(got) == len(want) and all(
        (a is None and b is None) or (a is not None and b is not None and a.equals_exact(b, 0)
                                      and a.geom_type == b.geom_type) for a, b in zip(got, want))


def test_polygonal_all_is_polygonal_of_each():
    want = [ons_boundaries._polygonal(g) for g in SHAPES]
    got = ons_boundaries._polygonal_all(np.array(SHAPES, dtype=object))
    assert _same(got, want), "the same shapes as _polygonal one by one (repaired, lines dropped, None kept)"
    assert got[3] is not BOWTIE and got[3].is_valid, "an invalid polygon is repaired, not passed through"
    assert got[0] is SHAPES[0], "a valid polygon is passed through as it is"


def test_polygonal_all_trusts_only_what_was_checked():
    checked = np.array([True, False, False, False, False, False, False, False])
    got = ons_boundaries._polygonal_all(np.array(SHAPES, dtype=object), checked)
    assert got[0] is SQUARE and _same(got[1:], [ons_boundaries._polygonal(g) for g in SHAPES[1:]])


def test_simplify_for_web_same_as_shape_by_shape_polygonal():
    shapes = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), BOWTIE], dtype=object)
    older = np.array([False, False, True])
    got = ons_boundaries.simplify_for_web(shapes, older)
    simplified = list(shapely.coverage_simplify(shapes[:2], ons_boundaries.SIMPLIFY_TOLERANCE)) + \
        [shapely.simplify(BOWTIE, ons_boundaries.SIMPLIFY_TOLERANCE, preserve_topology=True)]
    assert _same(got, [ons_boundaries._polygonal(g) for g in simplified])


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_pauses_and_restores(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with gc_paused():
            assert not gc.isenabled(), "no cyclic collection inside the block"
        assert gc.isenabled() is enabled, "the collector is left as it was found"
        with pytest.raises(ValueError):
            with gc_paused():
                raise ValueError("a reader's error")
        assert gc.isenabled() is enabled, "... also when the block raises"
    finally:
        (gc.enable if was else gc.disable)()


# --- TopoJSON layers read from the parsed document (etl.sources.topojson_layer) ---------------------

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import geopandas as gpd  # noqa: E402

from etl.sources import topojson_layer  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "ons_geography"
REAL_TOPOJSON = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "boundaries" / \
    "ons_uk_topojson_2014_2025.json"

# Quantised: two squares sharing an edge (arc 0, walked backwards by the second), one with a hole, and a
# multipolygon of both; start/end on some features only.
QUANTISED = {
    "type": "Topology",
    "transform": {"scale": [0.0001234567, 0.0000987654], "translate": [-2.5, 52.25]},
    "arcs": [[[1000, 0], [0, 1000]],                      # 0: shared edge x=1000, y 0 -> 1000
             [[1000, 1000], [-1000, 0], [0, -1000], [1000, 0]],  # 1: left square's other sides
             [[1000, 0], [1000, 0], [0, 1000], [-1000, 0]],      # 2: right square's other sides
             [[200, 200], [300, 0], [0, 300], [-300, 0], [0, -300]]],  # 3: a hole in the left square
    "objects": {"ltla": {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "arcs": [[0, 1], [3]], "properties": {"areacd": "E06000001", "areanm": "Left"}},
        {"type": "Polygon", "arcs": [[2, -1]], "properties": {"areacd": "E06000002", "areanm": "Right",
                                                              "end": 2019}},
        {"type": "MultiPolygon", "arcs": [[[0, 1]], [[2, -1]]],
         "properties": {"areacd": "E06000003", "areanm": "Both", "start": 2020}}]}}}


def _gdal_and_fast(path: Path, layer: str):
    fast = topojson_layer.read_layer(json.loads(path.read_text()), layer)
    return gpd.read_file(path, layer=layer), fast


def _assert_as_gdal(path: Path, layer: str):
    gdal, fast = _gdal_and_fast(path, layer)
    assert fast is not None, f"{path.name} {layer}: a plain layer reads from the document"
    assert [g.wkb for g in fast.geometry] == [g.wkb for g in gdal.geometry], "GDAL's shapes, byte for byte"
    assert fast.crs is None and gdal.crs is None
    for column in fast.columns.drop("geometry"):
        want, got = gdal[column], fast[column]
        assert (want.isna() == got.isna()).all() and (want[want.notna()] == got[got.notna()]).all(), column


@pytest.mark.skipif(not REAL_TOPOJSON.is_file(), reason="../shared/data/real/boundaries TopoJSON not present")
def test_real_topojson_every_layer_as_gdal_gives_it():
    for layer in json.loads(REAL_TOPOJSON.read_text())["objects"]:
        _assert_as_gdal(REAL_TOPOJSON, layer)


def test_fixture_and_quantised_layers_as_gdal_gives_them(tmp_path):
    _assert_as_gdal(FIXTURES / "ltla_tiny.topojson", "ltla")
    path = tmp_path / "q.json"
    path.write_text(json.dumps(QUANTISED))
    _assert_as_gdal(path, "ltla")


def _edited(edit) -> dict:
    doc = json.loads(json.dumps(QUANTISED))
    edit(doc)
    return doc


FEATURES = lambda doc: doc["objects"]["ltla"]["geometries"]  # noqa: E731
ODD = {
    "arcs that do not meet": lambda d: d["arcs"][2].__setitem__(0, [1001, 0]),
    "a ring that does not close": lambda d: d["arcs"][3][-1].__setitem__(1, -299),
    "a ring of three points": lambda d: d["arcs"].__setitem__(3, [[0, 0], [1, 0], [-1, 0]]),
    "an arc of one point": lambda d: d["arcs"].append([[5, 5]]),
    "an arc that is not there": lambda d: FEATURES(d)[0]["arcs"][1].__setitem__(0, 9),
    "a point of three numbers": lambda d: d["arcs"][0][1].append(0),
    "a fractional delta": lambda d: d["arcs"][0][1].__setitem__(0, 0.5),
    "a true for a number": lambda d: d["arcs"][0][1].__setitem__(0, True),
    "another property": lambda d: FEATURES(d)[0]["properties"].__setitem__("LAD22CD", "E06000001"),
    "a name on some features only": lambda d: FEATURES(d)[0]["properties"].pop("areanm"),
    "a code that is a number": lambda d: FEATURES(d)[0]["properties"].__setitem__("areacd", 6000001),
    "a year that is a text": lambda d: FEATURES(d)[1]["properties"].__setitem__("end", "2019"),
    "a feature without a shape": lambda d: FEATURES(d)[0].__setitem__("type", None),
    "a feature with an id": lambda d: FEATURES(d)[0].__setitem__("id", "x"),
    "a line": lambda d: FEATURES(d)[0].__setitem__("type", "LineString"),
    "no features": lambda d: FEATURES(d).clear(),
    "a transform without a scale": lambda d: d["transform"].pop("scale"),
}


@pytest.mark.parametrize("odd", sorted(ODD))
def test_anything_odd_is_left_to_gdal(odd):
    assert topojson_layer.read_layer(QUANTISED, "ltla") is not None, "the unedited document reads here"
    assert topojson_layer.read_layer(_edited(ODD[odd]), "ltla") is None, f"{odd}: GDAL reads it, as before"


def _nan_polygon():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (shapely's note on the NaN made on purpose)
        return shapely.Polygon([(0, 0), (1, float("nan")), (1, 1), (0, 0)])


@pytest.mark.parametrize("odd, reason", [
    (shapely.Polygon(), "a feature without a geometry"),
    (shapely.MultiPolygon(), "a feature without a geometry"),
    (None, "a feature without a geometry"),
    (shapely.Point(0, 0), "a feature whose geometry is not an area (Point)"),
    (_nan_polygon(), "a feature with coordinates that are not finite"),
])
def test_geometry_problems_found_among_good_polygons(odd, reason):
    """The check of all shapes at once (none to report) never hides one that the feature-by-feature check
    reports: only English features count."""
    from etl.sources.base import RawFile

    raw = RawFile(path=Path("x.geojson"), name="x.geojson", root=Path("."))
    good = [SQUARE, shapely.MultiPolygon([SQUARE])]
    gdf = gpd.GeoDataFrame({"code": ["E06000001", "E06000002"]}, geometry=good)
    assert ons_boundaries.geometry_problems(gdf, raw, "code") == []
    gdf = gpd.GeoDataFrame({"code": ["E06000001", "W06000002", "E06000003"]}, geometry=[SQUARE, odd, odd])
    problems = ons_boundaries.geometry_problems(gdf, raw, "code")
    assert [p.found for p in problems] == ["feature 3 (E06000003)"] and problems[0].message.startswith(reason)


def test_damaged_one_layer_geopackage_reported_as_before(tmp_path, monkeypatch):
    """A one-layer GeoPackage is read without looking at its fields first; when that read fails, the file
    is read as before (fields first), so the problem is the one it always was."""
    import pyogrio

    from etl.errors import SourceFormatError
    from etl.sources.base import RawFile

    path = tmp_path / "lad.gpkg"
    gpd.GeoDataFrame({"LAD22CD": ["E06000001"]}, geometry=[SQUARE], crs="EPSG:4326").to_file(path, driver="GPKG")
    raw = RawFile.at(path)
    assert ons_boundaries._read_layer(raw, "gpkg")[1] == "lad", "one layer, read directly"

    def broken(*_args, **_kwargs):
        raise RuntimeError("a damaged layer")

    def no_info(*_args, **_kwargs):
        raise ValueError("a damaged header")

    monkeypatch.setattr(gpd, "read_file", broken)
    monkeypatch.setattr(pyogrio, "read_info", no_info)
    with pytest.raises(SourceFormatError) as err:
        ons_boundaries._read_layer(raw, "gpkg")
    assert "(ValueError: a damaged header)" in str(err.value.problems[0]), "the fields are read first, as before"
