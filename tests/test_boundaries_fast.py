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
