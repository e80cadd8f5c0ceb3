"""Figure builders, formatting, URL parameters and callbacks as plain functions (no browser)."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

import config
from components import figures, formatting, params
from components.cards import DEMO_TEXT, chart_card
from components.tile_grids import TILE_GRIDS
from components.topic_page import controls_to_query
from vocab.catalogue import INDICATORS

RATE, COUNT, SCORE = INDICATORS["claimant_rate"], INDICATORS["claimant_count"], INDICATORS["attainment8"]
RED_GREEN = {"#ff0000", "#00ff00", "#008000", "#d62728", "#2ca02c", "red", "green"}


def series(values, start="2021-01"):
    periods = pd.period_range(start, periods=len(values), freq="M")
    return pd.DataFrame({"period": [str(p) for p in periods], "period_start": periods.to_timestamp(),
                         "value": values, "status": ["ok" if not math.isnan(v) else "suppressed" for v in values]})


def colours_in(fig: go.Figure) -> set[str]:
    text = fig.to_json().lower()
    return {c for c in RED_GREEN if f'"{c}"' in text}


def test_number_formatting_follows_the_catalogue_decimals():
    assert formatting.format_value(3.456, RATE) == "3.5%", "claimant rate has 1 decimal and a % sign"
    assert formatting.format_value(12345.0, COUNT) == "12,345", "counts have thousands separators"
    assert (formatting.format_value(47.24, SCORE), formatting.format_value(47.26, SCORE)) == ("47.2", "47.3"), \
        "scores have one decimal, rounded to the nearer"
    assert formatting.format_value(47.25, SCORE) == "47.2", \
        "an exact half goes to the even digit (Python's float formatting), not always up"
    assert formatting.format_value(float("nan"), COUNT, "suppressed").startswith("suppressed"), \
        "a suppressed cell is described in words, never shown as 0"


def test_change_and_polarity_wording_is_neutral():
    assert formatting.format_change(0.3, RATE) == "up 0.3 percentage points", "rates change in percentage points"
    assert formatting.format_change(-1200, COUNT) == "down 1,200", "counts change in plain numbers"
    assert formatting.format_change(0.01, RATE) == "no change", "a change below the precision is no change"
    assert formatting.polarity_text(RATE) == "Lower is better", "claimant rate: lower is better"
    assert formatting.polarity_text(SCORE) == "Higher is better", "attainment: higher is better"
    assert formatting.period_text("2021-03") == "March 2021" and \
        formatting.period_text("2019/20") == "2019/20 academic year", "periods read as plain English"


def test_time_series_has_one_line_per_area_with_distinct_styles():
    lines = [{"name": "Preston", "role": "district", "df": series([3.0, 3.2, 3.1])},
             {"name": "Lancashire", "role": "home", "df": series([3.5, 3.6, 3.4])},
             {"name": "England", "role": "country", "df": series([4.0, 4.1, float("nan")])}]
    fig = go.Figure(figures.time_series(lines, RATE))
    assert [t.name for t in fig.data] == ["Preston", "Lancashire", "England"], "one trace per line, in order"
    dashes = {t.line.dash for t in fig.data}
    assert len(dashes) == 3, "lines differ by dash style as well as colour"
    assert fig.data[2].y[-1] is None, "a missing value is a gap, not zero"
    assert fig.layout.yaxis.ticksuffix == "%", "percent axes say so"
    assert fig.data[0].line.color == config.SERIES_COLOURS["district"], "district colour comes from the palette"
    assert not colours_in(fig), "no red/green meaning"


def test_ranking_bar_marks_the_selected_district_and_reference_lines():
    df = pd.DataFrame({"area_code": ["A", "B", "C"], "area_name": ["Alpha", "Beta", "Gamma"],
                       "value": [2.0, float("nan"), 5.0], "status": ["ok", "suppressed", "ok"]})
    fig = go.Figure(figures.ranking_bar(df, RATE, "A", [("North West", 3.0), ("England", 4.0)]))
    bar = fig.data[0]
    assert list(bar.y)[-1] == "Gamma", "the highest value is at the top"
    assert "▶ Alpha" in bar.y, "the selected district is marked by text, not colour alone"
    assert any(t.startswith("suppressed") for t in bar.text), "suppressed bars say so"
    assert len(fig.layout.shapes) == 2 and {a.text for a in fig.layout.annotations} == \
        {"North West 3.0%", "England 4.0%"}, "region and England reference lines are drawn and labelled"


def test_tile_map_uses_the_configured_grid_and_never_polygons():
    grid = TILE_GRIDS["E37000019"]
    df = pd.DataFrame({"area_code": list(grid), "area_name": [f"D{i}" for i in range(len(grid))],
                       "value": [float(i) for i in range(len(grid))], "status": ["ok"] * len(grid)})
    fig = go.Figure(figures.tile_map(df, grid, RATE, selected=list(grid)[0]))
    assert len(fig.layout.shapes) == 14 and all(s.type == "rect" for s in fig.layout.shapes), \
        "one square per district"
    fills = {s.fillcolor for s in fig.layout.shapes}
    assert fills <= set(config.SEQUENTIAL_SCALE), "tiles use the sequential blue scale"
    assert "13.0%" in " ".join(fig.data[0].text), "each tile shows its value as text"


def test_auto_grid_is_alphabetical_for_unconfigured_home_areas():
    grid = figures.auto_grid([("B", "Beta"), ("A", "Alpha"), ("C", "Gamma")], columns=2)
    assert grid == {"A": (0, 0), "B": (0, 1), "C": (1, 0)}, "alphabetical, row by row"


def test_choropleth_draws_the_release_boundaries():
    shapely = pytest.importorskip("shapely.geometry")
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"area_code": ["A", "B"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
                           crs="EPSG:4326")
    df = pd.DataFrame({"area_code": ["A", "B"], "area_name": ["Alpha", "Beta"], "value": [1.0, 2.0],
                       "status": ["ok", "ok"]})
    fig = go.Figure(figures.choropleth(df, gdf, RATE, selected="B"))
    filled = [t for t in fig.data if t.fill == "toself"]
    assert len(filled) == 2, "one filled outline per boundary"
    assert filled[0].fillcolor != filled[1].fillcolor, "shade follows the value"


def test_breakdown_bars_and_sparkline():
    df = pd.DataFrame({"category": ["16-24", "25-49"] * 2, "value": [1.0, 2.0, 1.5, 2.5],
                       "status": ["ok"] * 4, "series": ["Preston"] * 2 + ["England"] * 2,
                       "role": ["district"] * 2 + ["country"] * 2})
    fig = go.Figure(figures.breakdown_bars(df, RATE))
    assert [t.name for t in fig.data] == ["Preston", "England"] and fig.layout.barmode == "group", \
        "grouped bars, one series per area"
    assert fig.layout.yaxis.visible is not False and not fig.layout.annotations
    missing = df.assign(value=float("nan"), status="suppressed")
    empty = go.Figure(figures.breakdown_bars(missing, RATE))
    assert empty.layout.yaxis.visible is False, "nothing published: no value axis to read a scale from"
    assert "No figures published" in empty.layout.annotations[0].text
    assert [list(t.text) for t in empty.data] == [["suppressed (small numbers)"] * 2] * 2, \
        "each bar still says why it is missing"
    spark = go.Figure(figures.sparkline(series([1.0, 2.0, 3.0])))
    assert len(spark.data) == 1 and spark.layout.xaxis.visible is False, "a sparkline is a bare line"


def test_chart_card_carries_title_source_period_release_and_table():
    fig = go.Figure(figures.sparkline(series([1.0, 2.0])))
    card = chart_card("x", "Claimant rate", fig, pd.DataFrame({"Period": ["March 2021"], "Value": ["3.0%"]}),
                      {"title": "Claimant count", "publisher": "ONS", "release_date": "2026-10-14"},
                      "March 2021", "2026-11-01", is_demo=True)
    text = str(card.to_plotly_json())
    for words in ("Claimant rate", "ONS, Claimant count", "Period: March 2021", "Data pack release: 2026-11-01",
                  "Show as table", DEMO_TEXT):
        assert words in text, f"a chart card should show {words!r}"
    assert DEMO_TEXT not in str(chart_card("y", "T", fig, pd.DataFrame(), {}, None, "d", is_demo=False)
                                .to_plotly_json()), "no demo badge on an official release"


def test_url_parameters_are_validated_with_plain_messages():
    assert params.comparators(None) == ["home", "region", "country"], "all comparators by default"
    assert params.comparators("country,home") == ["home", "country"], "comparators in canonical order"
    assert params.comparators("none") == [], "'none' hides every comparator"
    with pytest.raises(params.BadParam, match="not a comparison"):
        params.comparators("mars")
    with pytest.raises(params.BadParam, match="not a period"):
        params.period("banana", ["2021-01"], "2021-01")
    with pytest.raises(params.BadParam, match="more than one"):
        params.period(["2021-01", "2021-02"], ["2021-01"], None)
    assert params.query(area="E1", comparators=["home", "country"], period=None) == \
        "?area=E1&comparators=home,country", "query strings drop empty values and join lists"


def test_topic_callback_writes_the_controls_to_the_url():
    q = controls_to_query(False, "E07000123", "claimant_rate", "2021-03", "age", ["home", "region", "country"])
    assert q == "?area=E07000123&indicator=claimant_rate&period=2021-03&breakdown=age", \
        "all controls are written; default comparators are left out"
    q = controls_to_query(True, "E07000123", "claimant_count", "2021-03", "age", ["country"])
    assert q == "?area=E07000123&indicator=claimant_count&comparators=country", \
        "a new measure starts at its latest period and first breakdown"
    assert controls_to_query(False, "E1", "x", None, "total", []).endswith("comparators=none"), \
        "no comparators is written explicitly"


def test_whats_new_reads_the_diff_document_in_plain_words():
    from components.whats_new import diff_sentences

    diff = {"old_release": "r1", "home_area_name": "Lancashire",
            "summary": {"new_periods": 1, "revisions": 3, "status_changes": 1, "areas_added": 0,
                        "areas_removed": 0, "rank_moves": 1},
            "new_periods": [{"source": "s", "indicator": "claimant_rate", "label": "Claimant rate",
                             "periods": ["2021-11", "2021-12"], "latest": "2021-12"}],
            "revisions_by_indicator": {"claimant_count": 3},
            "rank_moves": [{"indicator": "claimant_rate", "label": "Claimant rate", "polarity": "lower",
                            "moves": [{"area_code": "E1", "area_name": "Preston", "old_rank": 3, "new_rank": 1,
                                       "change": 2}]}]}
    text = " ".join(diff_sentences(diff))
    for words in ("previous release (r1)", "new figures up to December 2021 (2 new periods)",
                  "3 earlier figures were revised", "Claimant count 3", "newly published or withdrawn",
                  "Preston moved from 3rd to 1st of Lancashire's districts (lower is better)"):
        assert words in text, f"what's new should say {words!r}"
    assert diff_sentences({"something": "else"}) == [], "an unexpected document falls back to the sources"


def test_time_series_with_one_period_labels_it_as_published():
    import pandas as _pd

    from components import figures as _figures
    from vocab.catalogue import INDICATORS as _INDICATORS

    df = _pd.DataFrame({"period": ["2020-06"], "period_start": [_pd.Timestamp("2020-06-01")], "value": [35.0],
                        "status": ["ok"]})
    fig = _figures.time_series([{"name": "Burnley", "role": "district", "df": df}], _INDICATORS["furlough_take_up"])
    axis = fig["layout"]["xaxis"]
    assert list(axis["ticktext"]) == ["June 2020"], "a lone period is one tick named like the publisher names it"
    assert axis["range"][0] < "2020-06-01" < axis["range"][1], "the lone point sits inside the axis range"


def test_tile_labels_wrap_rather_than_truncate():
    from components.figures import tile_label

    assert tile_label("Preston") == "Preston", "short names stay whole"
    assert tile_label("Blackburn with Darwen") == "Blackburn<br>with Darwen", "long names wrap at a middle space"
    assert tile_label("West Lancashire") == "West<br>Lancashire", "two-word names wrap"
    assert tile_label("Kingstonuponthames") == "Kingstonup…", "a long single word is cut with an ellipsis"
