"""Page layouts are sent as plain trees (components/plain_tree.py): the router's JSON must be exactly what
Dash would send for the components, orjson must encode the tree on its first try (no Python walk), and the
first view (static_html) must render a plain tree as it renders the components."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest
from dash import dcc, html
from dash._utils import to_json

from components import plain_tree, static_html

ROOT = Path(__file__).resolve().parents[1]
ORJSON_OPTS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY  # what plotly's to_json_plotly uses


def _views(rel, n: int = 16):
    """A spread of topic views of the factory release: every topic's measures, first/last period, a breakdown."""
    from components import planner
    from vocab.catalogue import TOPICS

    area = rel.home_districts()["area_code"].iloc[-1]
    out = []
    for slug in TOPICS:
        for ind_id in rel.indicators(slug):
            periods = rel.periods(ind_id)
            dims = list(rel.breakdown_dimensions(ind_id))
            out.append((slug, area, ind_id, periods[-1], dims[0] if dims else None, list(planner.ALL_ROLES)))
            out.append((slug, area, ind_id, periods[0], None, ["home"]))
    return out[:n]


def _parsed(markup: str) -> list:
    """The HTML's tags (attributes in name order), text and ends: equal for attributes in another order."""
    events = []

    class Events(HTMLParser):
        def handle_starttag(self, tag, attrs):
            events.append((tag, sorted(attrs)))

        def handle_endtag(self, tag):
            events.append(("/", tag))

        def handle_data(self, data):
            events.append(data)

    Events().feed(markup)
    return events


def test_a_topic_page_as_a_plain_tree_is_the_json_dash_sends(release, dash_app):
    from components import topic_page

    views = _views(release)
    assert views, "the factory release has topic views"
    for slug, area, ind_id, period, dim, roles in views:
        with dash_app.server.test_request_context("/_dash-update-component", method="POST"):
            page = topic_page.render(release, slug, area, ind_id, period, dim, roles)
            tree = plain_tree.tree(page)
            assert json.loads(to_json(tree)) == json.loads(to_json(page)), \
                f"{slug} {ind_id} {period}: the JSON Dash's encoding gives (data-/aria- props in name order)"
            orjson.dumps(tree, option=ORJSON_OPTS)  # no component left: orjson's first try succeeds
            assert _parsed(static_html.render(tree, lambda p, f: f"<graph {p['id']}>")) == \
                _parsed(static_html.render(page, lambda p, f: f"<graph {p['id']}>")), "the first view renders it the same"


def test_the_router_answers_a_topic_view_as_plain_json(release, dash_app):
    """The real router callback (Dash Pages' layout through safe_layout) still answers the view."""
    from web.view_pack import router_body
    from components import topic_page

    area = release.home_districts()["area_code"].iloc[0]
    ind_id = release.indicators("claimant-count")[0]
    body = router_body("/claimant-count", f"?area={area}&indicator={ind_id}")
    got = dash_app.server.test_client().post("/_dash-update-component", json=body)
    assert got.status_code == 200
    children = json.loads(got.get_data(as_text=True))["response"]["_pages_content"]["children"]
    with dash_app.server.test_request_context("/_dash-update-component", method="POST"):
        expected = json.loads(to_json(topic_page.topic_view("claimant-count", area, ind_id)))
    assert children["props"]["children"][1] == expected, "the page under the home picker, as topic_view gives it"


def test_what_orjson_cannot_encode_still_encodes_as_dash_would():
    """A component inside a dict prop is left for Dash's own walk: slower, same JSON."""
    page = html.Div([html.P("a", id="x"), dcc.Checklist(options=[{"label": html.B("bold"), "value": 1}]),
                     ("tuple", 2), None], **{"aria-label": "y"})
    tree = plain_tree.tree(page)
    with pytest.raises(TypeError):
        orjson.dumps(tree, option=ORJSON_OPTS)
    assert json.loads(to_json(tree)) == json.loads(to_json(page))
    assert plain_tree.tree(tree) is tree, "a plain tree is left as it is"


def test_parts_of_either_form():
    node = html.Span("hi", id="s", className="c")
    assert plain_tree.is_component(node) and plain_tree.is_component(plain_tree.tree(node))
    assert not plain_tree.is_component({"props": {}, "type": "Span"})
    assert plain_tree.parts(node) == plain_tree.parts(plain_tree.tree(node)) == (
        "dash_html_components", "Span", {"children": "hi", "id": "s", "className": "c"})


def test_a_plain_tree_is_the_same_bytes_in_every_process():
    """Dash lists data-/aria- props in an order that follows str hashes (PYTHONHASHSEED); a plain tree
    puts them in name order, so processes with other seeds send a page as the same bytes."""
    code = ("from dash import html; from components import plain_tree; import orjson; "
            "b = html.Button('x', type='button', **{'data-copy-kind': 'link', 'data-copy-path': 'p', "
            "'data-status': 's', 'aria-label': 'l', 'data-title': 't'}); "
            "print(list(b.to_plotly_json()['props']), orjson.dumps(plain_tree.tree(html.Div([b]))).decode())")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(1, 7)]
    assert len({r.split("] ")[0] for r in runs}) > 1, "Dash's own order differs between seeds (else no test)"
    assert len({r.split("] ")[1] for r in runs}) == 1, "the plain tree's bytes do not"


def test_the_home_picker_is_built_once_per_release_home_and_kept_values(release, dash_app):
    import data_access
    from components.home_picker import home_picker, home_picker_tree

    with dash_app.server.test_request_context("/"):
        first = home_picker_tree(release, "", {"indicator": "claimant_rate"})
        assert first == plain_tree.tree(home_picker(release, "", {"indicator": "claimant_rate"}))
        assert home_picker_tree(release, "", {"indicator": "claimant_rate"}) is first, "built once, then kept"
        assert home_picker_tree(release, "", {"indicator": "neet_rate"}) != first, "the kept measure is its own"
        other = release.home_choices()["area_code"].iloc[-1]
        with data_access.home_as(other):
            theirs = home_picker_tree(release, "", {"indicator": "claimant_rate"})
        assert theirs["props"]["children"][1]["props"]["value"] == other != release.home_code(), \
            "each home area's picker shows that home area chosen"
