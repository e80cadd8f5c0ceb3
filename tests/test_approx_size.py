"""The size estimate bounded caches use: containers of frames and shapes count what they hold."""
import numpy as np
import pandas as pd
import pytest

from approx_size import approx_bytes


def frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"area_code": [f"E0{i:07d}" for i in range(rows)], "value": np.arange(rows, dtype=float)})


def test_a_dict_of_frames_counts_its_frames():
    big = frame(100_000)
    alone = approx_bytes(big)
    assert alone >= 100_000 * (8 + 8 + 8)  # a float and a text cell (pointer + object) per row at least
    held = approx_bytes({"history": big, "span": "the last 24 months", "recent": ["2024-01"] * 24})
    assert held >= alone
    assert approx_bytes({"tables": [big, big.copy()]}) >= 2 * alone


def test_a_long_list_is_sampled_but_counted_in_full():
    small = approx_bytes([frame(10)] * 10)
    assert approx_bytes([frame(10)] * 10_000) >= 900 * small


def test_shapes_count_their_coordinates():
    gpd = pytest.importorskip("geopandas")
    shapely = pytest.importorskip("shapely")
    square = shapely.geometry.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
    detailed = shapely.geometry.Point(0, 0).buffer(1, quad_segs=2_000)  # ~8,000 vertices
    plain = gpd.GeoDataFrame({"code": ["a"]}, geometry=[square])
    fine = gpd.GeoDataFrame({"code": ["a"]}, geometry=[detailed])
    assert approx_bytes(fine) - approx_bytes(plain) >= 16 * 7_000


def test_self_referencing_containers_end():
    loop: list = []
    loop.append(loop)
    assert approx_bytes(loop) > 0


def test_an_object_shared_by_every_figure_is_counted_once():
    """plotly's default template sits in every plain figure (components/plain_figure.py): a cache of figures
    counts it once, not once per figure."""
    from approx_size import shared

    template = shared({"layout": {f"k{i}": {"font": {"size": i}} for i in range(200)}})
    one = {"data": [], "layout": {"height": 300, "template": template}}
    assert approx_bytes(template) < 100, "a shared object counts as a reference"
    assert approx_bytes([one] * 10) < 10 * 2_000


def test_a_list_of_numbers_counts_as_the_walk_would_without_walking_it():
    import approx_size

    numbers = [1.5, 2, None, np.float64(3.0), True] * 1000
    assert approx_bytes(numbers) == 64 + (8 + approx_size.OBJECT) * len(numbers)
    mixed = [1.5] * 100 + ["a longer piece of text" * 20] * 100
    assert approx_bytes(mixed) > approx_bytes([1.5] * 200), "a list with text in it is still walked"
