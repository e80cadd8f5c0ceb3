"""Figures are plain dicts (components/plain_figure.py), never built as ``go.Figure`` per view: each must be
a valid plotly figure and exactly what plotly itself would send for it, key order included (the server's
SVG is keyed on that JSON and the browser draws it)."""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from components import plain_figure


def _plotly_json(data, layout) -> str:
    """What a figure was before plain dicts: go.Figure without validation, as plotly sends it."""
    return json.dumps(go.Figure(data=data, layout=layout, _validate=False).to_plotly_json(), default=str)


@pytest.mark.parametrize("data, layout", [
    ([{"y": [1, None, 3], "mode": "lines", "name": "A", "line": {"width": 2, "color": "#123"}}],
     {"height": 300, "xaxis": {"type": "date"}, "title": None}),
    ([{"type": "bar", "orientation": "h", "x": np.array([1.5, 2.0]), "y": ["a", "b"], "text": ["1.5", "2"]},
      {"type": "scatter", "x": [None], "y": [None], "showlegend": True, "visible": None}],
     {"shapes": [{"type": "line", "x0": 1}], "annotations": [], "barmode": "group", "margin": {"l": 8}}),
    ([], {"template": {"layout": {"font": {"size": 9}}}, "height": 10}),
])
def test_a_plain_figure_is_what_plotly_would_send(data, layout):
    fig = plain_figure.figure([dict(t) for t in data], dict(layout))
    assert json.dumps(fig, default=str) == _plotly_json(data, layout), \
        "same keys, values and order as go.Figure(...).to_plotly_json()"
    go.Figure(fig)  # and plotly's validation accepts it


def test_every_chart_of_the_release_is_a_valid_plotly_figure_in_plotly_order(release):
    """Every chart kind x measure of the factory release: plotly validates the dict and, re-reading it,
    gives back the very same JSON (no key moved, no value coerced, the template where plotly puts it)."""
    from components import charts, params

    kinds_seen = set()
    area = release.home_districts()["area_code"].iloc[0]
    for ind_id in release.indicators():
        view = charts.view_for(release, ind_id, area, release.latest_period(ind_id), None, params.COMPARATOR_ROLES)
        for kind in ("trend", "ranking", "map", "strip", "breakdown", "peers"):
            if (kind == "breakdown" and not release.breakdown_dimensions(ind_id)) or (
                    kind == "peers" and not release.has_groups(ind_id)):
                continue
            fig = charts.spec_for(release, ind_id, kind, view).figure
            assert isinstance(fig, dict), "a spec's figure is a plain dict"
            go.Figure(fig)  # raises on anything plotly would reject
            again = go.Figure(fig, _validate=False).to_plotly_json()
            # a template given is put in the layout's key order; go.Figure adds its default one last
            again["layout"]["template"] = again["layout"].pop("template")
            assert json.dumps(again, default=str) == json.dumps(fig, default=str), f"{ind_id} {kind}"
            kinds_seen.add(kind)
    assert {"trend", "ranking", "map", "strip"} <= kinds_seen
