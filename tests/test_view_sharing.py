"""Charts shared between views are exactly the charts built for each view on its own.

``components.charts`` caches a spec on only the view fields its chart kind is drawn from (a strip chart
ignores the period, a trend the breakdown), so an unseen view reuses work already done. This walks
every measure x chart kind of the factory release over views that differ in every field and checks the
shared spec equals a fresh build for that exact view: same figure JSON, data, table, words and links.
"""
from __future__ import annotations

import itertools

import plotly.io as pio
import pytest


def _fresh(rel, ind_id, kind, view):
    from components.chart_builders import BUILDERS

    return BUILDERS[kind](rel, ind_id, view)


def _same(a, b) -> None:
    assert pio.to_json(a.figure, validate=False) == pio.to_json(b.figure, validate=False)
    assert a.data.equals(b.data) and a.table.equals(b.table)
    for field in ("chart_id", "title", "summary", "note", "footnote", "period_text", "source_text", "view"):
        assert getattr(a, field) == getattr(b, field), field
    assert a.query() == b.query() and a.page_url() == b.page_url()


def test_a_shared_spec_equals_a_fresh_build_for_every_view(release):
    from components import charts, params

    charts._cached.cache_clear()
    districts = list(release.home_districts()["area_code"])[:3]
    checked = 0
    for ind_id in release.indicators():
        periods = release.periods(ind_id)
        dims = list(release.breakdown_dimensions(ind_id))
        kinds = [k for k in ("trend", "ranking", "map", "strip", "breakdown", "peers")
                 if (k != "breakdown" or dims) and (k != "peers" or release.has_groups(ind_id))]
        for area, period, dim, roles in itertools.product(
                districts, dict.fromkeys([periods[-1], periods[0]]), dict.fromkeys([None, *dims[-1:]]),
                [tuple(params.COMPARATOR_ROLES), ("country",)]):
            view = charts.view_for(release, ind_id, area, period, dim, roles)
            for kind in kinds:
                _same(charts.spec_for(release, ind_id, kind, view), _fresh(release, ind_id, kind, view))
                checked += 1
    assert checked > 100
    # the views really were shared: far fewer builds than views checked
    assert charts._cached.cache_info().currsize < checked / 2


@pytest.mark.parametrize("kind", ["strip", "trend"])
def test_views_differing_only_in_unused_fields_share_one_build(release, kind):
    from components import charts

    ind_id = release.indicators()[0]
    area = release.home_districts()["area_code"].iloc[0]
    a = charts.view_for(release, ind_id, area, release.periods(ind_id)[0], None, ("home",))
    b = charts.view_for(release, ind_id, area, release.periods(ind_id)[-1], None, ("home",))
    sa, sb = charts.spec_for(release, ind_id, kind, a), charts.spec_for(release, ind_id, kind, b)
    if kind == "strip":
        assert sa.figure is sb.figure  # one build, two views
    assert sa.view == a and sb.view == b and sa.query() != sb.query()
