"""Parts of a view worked out once and shared by other views (a period's map, a measure's strip chart, a
comparator's line, a table's cells, a frame's records) must give every view exactly what it would get
built on its own, and the memos holding them must be safe."""
from __future__ import annotations

import gc
import json
import threading

import numpy as np
import pandas as pd
import pytest

from components import figures, frame_memo
from vocab.catalogue import INDICATORS

RATE = INDICATORS["claimant_rate"]


def _spec_text(spec) -> str:
    """What a page and the downloads take from a spec, as text (figure with key order, words, tables)."""
    return json.dumps({"figure": spec.figure, "summary": spec.summary, "note": spec.note, "title": spec.title,
                       "table": spec.table.to_json(), "data": spec.data.to_json()}, default=str)


def test_a_view_after_other_districts_views_is_the_view_built_alone(dash_app):
    """Build every chart for one district after building it for the others (memos warm), then again in a
    fresh release (memos cold): the same figure, words and tables."""
    import data_access
    from components import charts, params, planner

    kinds = ("trend", "ranking", "map", "strip", "breakdown", "peers")

    def build(rel, areas):
        out = {}
        for ind_id in rel.indicators():
            periods = rel.periods(ind_id)
            for area in areas:
                for period in (periods[0], periods[-1]):
                    for roles in (list(params.COMPARATOR_ROLES), ["home"]):
                        view = charts.view_for(rel, ind_id, area, period, None, roles)
                        for kind in planner.page_kinds(rel, ind_id, kinds, area):
                            out[(ind_id, area, period, tuple(roles), kind)] = _spec_text(
                                charts.BUILDERS[kind](rel, ind_id, view))
        return out

    data_access.clear_cache()
    charts._cached.cache_clear()
    rel = data_access.load()
    areas = list(rel.home_districts()["area_code"])
    warm = build(rel, areas[:3])
    data_access.clear_cache()
    cold = build(data_access.load(), [areas[2]])
    assert cold, "the factory release has charts"
    for key, text in cold.items():
        assert warm[key] == text, f"{key}: shared parts gave another chart than building it alone"


def test_a_map_with_a_district_chosen_is_its_base_with_that_outline():
    df = pd.DataFrame({"area_code": ["A", "B", "C"], "area_name": ["Aa", "Bb", "Cc"], "value": [1.0, None, 3.0],
                       "status": ["ok", "suppressed", "ok"]})
    grid = {"A": (0, 0), "B": (0, 1), "C": (1, 0)}
    base = figures.tile_map_base(df, grid, RATE)
    before = json.dumps(base.figure)
    chosen = figures.tile_map(df, grid, RATE, selected="B")
    assert json.dumps(base.figure) == before, "choosing a district never changes the shared base"
    lines = [s["line"] for s in chosen["layout"]["shapes"]]
    assert [line["width"] for line in lines] == [1, 4, 1], "only the chosen tile is outlined"
    assert json.dumps(figures.tile_map(df, grid, RATE)) == before, "no district: the base itself"
    assert chosen["data"] is not base.figure["data"] or chosen["layout"] is not base.figure["layout"]


def test_a_choropleth_outline_goes_on_the_chosen_area_only():
    shapely = pytest.importorskip("shapely.geometry")
    gpd = pytest.importorskip("geopandas")
    shapes = gpd.GeoDataFrame({"area_code": ["A", "B"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    df = pd.DataFrame({"area_code": ["A", "B"], "area_name": ["Aa", "Bb"], "value": [1.0, np.nan],
                       "status": ["ok", "suppressed"]})
    base = figures.choropleth_base(df, shapes, RATE)
    plain = json.dumps(base.figure)
    chosen = figures.select(base, "B")
    assert json.dumps(chosen) == json.dumps(figures.choropleth(df, shapes, RATE, selected="B"))
    assert json.dumps(base.figure) == plain
    assert [t["line"]["width"] for t in chosen["data"][:2]] == [1, 3]
    assert chosen["data"][0] is base.figure["data"][0], "the other areas' traces are shared, not copied"


def test_breakdown_groups_are_pandas_groups():
    df = pd.DataFrame({"series": ["b", "a", "b", "c", "a"], "category": list("xyzwv"), "value": [1.0, 2, 3, 4, 5],
                       "status": ["ok"] * 5, "role": ["district", "home", "district", "country", "home"]})
    expected = [(k, {c: list(g[c]) for c in ("category", "value", "status", "role")})
                for k, g in df.groupby("series", sort=False)]
    assert figures._groups(df, "series", ["category", "value", "status", "role"]) == expected
    gaps = df.assign(series=["b", None, "b", "c", None])
    assert figures._groups(gaps, "series", ["category"]) == [
        (k, {"category": list(g["category"])}) for k, g in gaps.groupby("series", sort=False)], \
        "a missing key: pandas decides (it drops those rows)"


def test_series_table_is_the_outer_merge_of_its_lines_in_time_order():
    """Every period of any line once, oldest first (not in the text order of the labels: 'April 2022' before
    'March 2021' misled), each line's cell or a gap; pandas' own merge where names clash."""
    from components.formatting import format_value, period_text
    from components.views import series_table

    def line(name, periods, values):
        df = pd.DataFrame({"period": periods, "period_start": pd.to_datetime([p + "-01" for p in periods]),
                           "value": values, "status": ["ok"] * len(values)})
        return {"name": name, "df": df}

    lines = [line("Burnley", ["2021-03", "2021-04", "2022-04"], [1.0, 2.0, 3.0]),
             line("Lancashire", ["2021-04", "2021-03", "2021-08"], [4.0, 5.0, 6.0]),
             line("England", ["2021-03"], [7.0])]
    got = series_table(lines, "claimant_rate")
    periods = ["2021-03", "2021-04", "2021-08", "2022-04"]
    assert list(got["Period"]) == [period_text(p) for p in periods], "oldest first"
    cells = {item["name"]: dict(zip(item["df"]["period"], item["df"]["value"])) for item in lines}
    for name in cells:
        want = [format_value(cells[name][p], RATE) if p in cells[name] else None for p in periods]
        assert [None if isinstance(v, float) else v for v in got[name]] == want, name
    same_name = [lines[0], dict(lines[1], name="Burnley")]
    clash = series_table(same_name, "claimant_rate")
    assert list(clash.columns) == ["Period", "Burnley_x", "Burnley_y"], "names that clash take pandas' own merge"
    assert list(clash["Period"]) == [period_text(p) for p in periods], "and are in time order too"
    single = series_table([lines[1]], "claimant_rate")
    assert list(single["Period"]) == [period_text(p) for p in ["2021-03", "2021-04", "2021-08"]]


def test_frame_memo_keeps_work_while_the_frame_lives():
    df = pd.DataFrame({"a": [1, 2]})
    calls = []
    first = frame_memo.derived(df, "x", lambda: calls.append(1) or [1])
    assert frame_memo.derived(df, "x", lambda: calls.append(1) or [2]) is first and calls == [1]
    assert frame_memo.derived(df, "y", lambda: 3) == 3, "each kind of work has its own entry"
    held = frame_memo.size()
    del df
    gc.collect()
    assert frame_memo.size() <= held - 2, "entries go with their frame"


def test_frame_memo_survives_the_collector_running_inside_it():
    """A frame in a reference cycle dies when the collector runs, which may be while this thread holds the
    memo's lock (it did deadlock with a plain lock)."""
    for _ in range(50):
        df = pd.DataFrame({"a": [1]})
        df.attrs["self"] = df  # a cycle: only the collector frees it
        frame_memo.derived(df, "cycle", lambda: 1)
        del df
    done = threading.Event()

    def collect_while_locked():
        with frame_memo._lock:
            gc.collect()
        done.set()

    worker = threading.Thread(target=collect_while_locked, daemon=True)
    worker.start()
    worker.join(10)
    assert done.is_set(), "the collector's callbacks waited for a lock their own thread held"


@pytest.mark.parametrize("with_ci", [False, True])
def test_a_ranking_with_a_district_chosen_is_its_base_with_that_mark(with_ci):
    df = pd.DataFrame({"area_code": ["A", "B", "C"], "area_name": ["Aa", "Bb", "Cc"], "value": [3.0, 1.0, np.nan],
                       "status": ["ok", "ok", "suppressed"]})
    if with_ci:
        df = df.assign(lower_ci=[2.5, 0.5, np.nan], upper_ci=[3.5, 1.5, np.nan])
    refs = [("North West", 2.0), ("England", float("nan"))]
    base = figures.ranking_base(df, RATE, refs)
    before = json.dumps(base.figure)
    for chosen in ("B", None, "Z"):
        got = figures.ranking_select(base, chosen)
        assert json.dumps(got) == json.dumps(figures.ranking_bar(df, RATE, chosen, refs))
    assert json.dumps(base.figure) == before, "marking a district never changes the shared base"
    marked = figures.ranking_select(base, "B")
    assert marked["data"][0]["y"] == ["Cc", "▶ Bb", "Aa"], "lowest at the bottom, the chosen one marked"
    colours = marked["data"][0]["marker"]["color"]
    assert colours[1] != colours[0] == colours[2], "only the chosen bar (or dot) changes colour"
    if with_ci:
        assert marked["data"][1]["y"] == marked["data"][0]["y"], "the values column follows the names"
    for key in ("layout",):
        assert marked[key] is base.figure[key], "the rest is shared"
