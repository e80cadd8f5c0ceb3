"""Every chart of a real-extract release and of the demo pack obeys the view planner's rules.

Walks every topic x measure x chart kind (for two districts, one of them unitary) and asserts, as a
statistician reviewing the dashboard would: period axes never show clock times; no line joins periods
across a series break or has fewer than two comparable periods; no count is set against a larger area's
count; every number in a summary is in the chart's data (or a difference of two of its values); no
change is stated across a break; no internal key leaks into a label; the home page has every topic;
and every URL the README shows works on both releases.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from serving import serving

README = Path(__file__).resolve().parents[1] / "README.md"
INTERNAL_KEY = re.compile(r"\b[a-z]+_[a-z_0-9]+\b|\b[a-z]+=[\w-]|;[a-z]+=")
CHANGE_VERB = re.compile(r"\b(rose|fell)\b")
NUMBER = re.compile(r"(?<![\w/])-?\d+(?:,\d{3})*(?:\.\d+)?")


@pytest.fixture(scope="module", params=[pytest.param(kind, marks=pytest.mark.xdist_group(f"{kind}_build"))
                                        for kind in ("real", "demo")])
def release(request, dash_app):
    """The app serving the release built from the real extracts or the demo pack; restored afterwards."""
    folder = request.getfixturevalue(f"{request.param}_build")["out"]
    with serving(folder, dash_app) as rel:
        yield request.param, rel


def _specs(rel):
    """Every chart spec of the release: each measure x kind, for a two-tier and a unitary district."""
    from components import charts

    districts = list(rel.home_districts()["area_code"])
    unitary = next((c for c in districts if not c.startswith("E07")), districts[0])
    areas = list(dict.fromkeys([districts[0], unitary]))
    for chart in charts.chart_ids(rel):
        ind_id, kind = charts.parse_chart_id(chart)
        for area in areas:
            args = {"areas": ",".join(areas)} if kind == "compare" else {"area": area}
            yield charts.build(rel, chart, args)


def _axis_ok(axis: dict) -> bool:
    return bool(axis.get("tickvals")) or ("tickformat" in axis and "%H" not in axis["tickformat"])


def _runs(trace: dict) -> list[list[str]]:
    """The periods of each unbroken stretch of a line trace (customdata[0] holds the period text)."""
    runs, current = [], []
    for y, custom in zip(trace["y"], trace["customdata"]):
        if y is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(custom[0])
    return runs + ([current] if current else [])


def test_period_axes_never_show_clock_times(release):
    _, rel = release
    for spec in _specs(rel):
        if spec.kind in ("trend", "strip", "compare"):
            layout = spec.figure["layout"]
            xs = [t.get("x") for t in spec.figure["data"] if t.get("x")]
            dated = any(isinstance(x[0], str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(x[0])) for x in xs)
            if dated:
                assert _axis_ok(layout["xaxis"]), f"{spec.chart_id}: a date axis names its periods, no clock times"


def test_no_line_crosses_a_break_or_stands_on_one_period(release):
    from components import planner
    from components.formatting import period_text
    from vocab.catalogue import INDICATORS

    _, rel = release
    for spec in _specs(rel):
        ind = INDICATORS[spec.indicator]
        text_to_period = {period_text(p, ind): p for p in rel.periods(spec.indicator)}
        line_traces = [t for t in spec.figure["data"]
                       if "lines" in str(t.get("mode", "")) and t.get("customdata")]
        if spec.kind in ("trend", "compare") and line_traces:
            periods = sorted({p for p in spec.data["period"]}, key=rel.periods(spec.indicator).index)
            assert planner.has_trend(spec.indicator, periods), \
                f"{spec.chart_id}: a line over time needs two comparable periods"
        for trace in line_traces:
            for run in _runs(trace):
                periods = [text_to_period[t] for t in run if t in text_to_period]
                for a, b in zip(periods, periods[1:]):
                    assert planner.comparable(spec.indicator, a, b), \
                        f"{spec.chart_id}: the line of {trace['name']} joins {a} and {b} across a break or part year"


def test_counts_are_never_set_against_larger_areas(release):
    from vocab.catalogue import INDICATORS

    _, rel = release
    for spec in _specs(rel):
        if INDICATORS[spec.indicator].unit != "count":
            continue
        if spec.kind == "breakdown":
            assert "share_percent" in spec.data.columns, f"{spec.chart_id}: counts by group are compared as shares"
        else:
            assert set(spec.data.get("role", pd.Series(["district"]))) <= {"district"}, \
                f"{spec.chart_id}: a district's count is drawn beside a larger area's count"


def _allowed_numbers(spec) -> set[str]:
    """Every number a summary may quote: the data's values and differences as shown, and sizes of groups."""
    from components.summaries import format_number, rounded
    from vocab.catalogue import INDICATORS

    ind = INDICATORS[spec.indicator]
    column = "share_percent" if "share_percent" in spec.data.columns else "value"
    shown_ind = ind if column == "value" else replace(ind, unit="percent", decimals=1)
    columns = [column] + [c for c in ("lower_ci", "upper_ci") if c in spec.data.columns]
    values = sorted({rounded(v, shown_ind) for c in columns for v in spec.data[c].dropna()})
    if ind.significance_reference is not None:
        values = sorted(set(values) | {ind.significance_reference})
    numbers = {format_number(abs(v), shown_ind).split(" ")[0].rstrip("%") for v in values}
    for a, b in itertools.combinations(values, 2):
        numbers.add(format_number(abs(rounded(b - a, shown_ind)), shown_ind).split(" ")[0].rstrip("%"))
    numbers.update(str(n) for n in range(0, 40))  # group sizes: "14 districts", "2 of 5 periods"
    return numbers


def test_every_summary_number_is_in_the_charts_data(release):
    from components.formatting import period_phrase, period_text
    from vocab.catalogue import INDICATORS

    _, rel = release
    for spec in _specs(rel):
        ind = INDICATORS[spec.indicator]
        text = spec.summary
        for p in sorted(rel.periods(spec.indicator), key=len, reverse=True):
            for shown in (period_text(p, ind), period_text(p), period_phrase(p, ind), p):
                text = text.replace(shown, " ")
        for category in spec.data.get("category", pd.Series(dtype=object)).dropna().unique():
            text = text.replace(str(category), " ")  # group names such as "25-49"
        text = re.sub(r"\b\d+(st|nd|rd|th)\b", " ", text)
        text = re.sub(r"per 100,000|95% confidence", " ", text)
        text = re.sub(r"\b(19|20)\d\d(/\d\d)?\b", " ", text)  # years named in notes (breaks, part years)
        allowed = _allowed_numbers(spec)
        for number in NUMBER.findall(text):
            assert number.lstrip("-") in allowed, \
                f"{spec.chart_id}: '{number}' in the summary is not in the chart's data: {spec.summary!r}"


def test_no_change_is_stated_across_a_break(release):
    from components import planner
    from components.formatting import period_phrase
    from vocab.catalogue import INDICATORS

    _, rel = release
    for spec in _specs(rel):
        ind = INDICATORS[spec.indicator]
        for sentence in re.split(r"(?<=\.)\s", spec.summary):
            if not CHANGE_VERB.search(sentence):
                continue
            named = [p for p in rel.periods(spec.indicator) if period_phrase(p, ind) in sentence]
            for a, b in zip(named, named[1:]):
                assert planner.comparable(spec.indicator, a, b) or "not comparable" in spec.summary, \
                    f"{spec.chart_id}: a change from {a} to {b} crosses a break: {sentence!r}"


def test_no_internal_key_in_any_label(release):
    _, rel = release
    for spec in _specs(rel):
        fig = spec.figure
        labels = [spec.title, spec.summary, spec.note or ""]
        labels += [str(t.get("name") or "") for t in fig["data"]]
        labels += [str(a.get("text") or "") for a in fig["layout"].get("annotations", [])]
        labels += [str(t) for t in fig["layout"].get("xaxis", {}).get("ticktext", [])]
        labels += [str(y) for t in fig["data"] if t.get("type") == "bar" for y in (t.get("y") or t.get("x") or [])
                   if isinstance(y, str)]
        for label in labels:
            assert not INTERNAL_KEY.search(re.sub(r"https?://\S+", "", label)), \
                f"{spec.chart_id}: an internal key shows in {label!r}"


def test_home_page_has_a_card_for_every_topic(release):
    import json

    import plotly

    from pages import home

    _, rel = release
    page = json.dumps(home.layout(), cls=plotly.utils.PlotlyJSONEncoder)
    for slug in rel.topics():
        assert f'"home-{slug}-value"' in page, f"the home page has a card for {slug}"
    assert "not available\"" not in page or "pdp-headline-reason" in page, \
        "a missing home figure comes with its reason"


def test_topic_pages_show_every_district_over_time_only_where_there_is_a_time(release):
    import json

    import plotly

    from components import planner, topic_page
    from vocab.catalogue import INDICATORS

    _, rel = release
    seen = set()
    for slug in rel.topics():
        for ind_id in rel.indicators(slug):
            periods = rel.periods(ind_id)
            area = rel.home_districts()["area_code"].iloc[0]
            page = json.dumps(topic_page.render(rel, slug, area, ind_id, periods[-1], None, ["home"]),
                              cls=plotly.utils.PlotlyJSONEncoder)
            over_time = planner.has_trend(ind_id, periods)
            seen.add(over_time)
            assert (f'"{slug}-strip-graph"' in page) == over_time, (
                f"{INDICATORS[ind_id].label} has {len(periods)} period(s): the every-district-over-time chart "
                f"is {'expected' if over_time else 'a repeat of the ranking and must not be'} on the page")
    assert True in seen, "the walk met at least one measure with a time series"


def _readme_urls() -> list[str]:
    text = README.read_text(encoding="utf-8")
    urls = re.findall(r"`(/(?:download|embed|compare|district|claimant-count|furlough|neet|attainment|"
                      r"apprenticeships)[^`\s]*)`", text)
    return [u for u in dict.fromkeys(urls) if "<" not in u and "E99999999" not in u]


def test_every_readme_url_works(release, dash_app):
    import json

    import plotly

    kind, rel = release
    urls = _readme_urls()
    assert len(urls) >= 5, "the README shows example links"
    client = dash_app.server.test_client()
    for url in urls:
        path, _, query = url.partition("?")
        if path.startswith(("/download/", "/embed/")):
            response = client.get(url)
            assert response.status_code == 200, f"{url} on the {kind} release: {response.data[:200]!r}"
            continue
        from dash._pages import _parse_query_string, _path_to_page

        page, variables = _path_to_page(dash_app.strip_relative_path(path) or "")
        assert page, f"{url} names a page"
        layout = page["layout"](**(variables or {}), **_parse_query_string(query))
        rendered = json.dumps(layout, cls=plotly.utils.PlotlyJSONEncoder)
        assert "pdp-friendly-message" not in rendered, f"{url} on the {kind} release shows an error message"


def test_progress8_shows_its_interval_and_significance(release):
    """Progress 8 with DfE's 95% intervals: whiskers on the chart, the verdict in the summary and the CSV."""
    kind, rel = release
    if kind == "demo":
        assert "progress8_residency" not in rel.indicators(), \
            "the demo pack publishes no Progress 8 by residency (so no interval to draw there)"
        return
    from components import charts
    from vocab.significance import significance_label

    burnley = "E07000117"
    lower, upper = rel.interval("progress8_residency", burnley, "2022/23")
    expected = significance_label(lower, upper, 0.0, "the national average")
    assert expected, "Burnley's Progress 8 by residency has a published interval"
    for kind_ in ("trend", "ranking"):
        spec = charts.build(rel, f"progress8-residency-{kind_}", {"area": burnley})
        traces = spec.figure["data"]
        assert any(t.get("error_x") or t.get("error_y") for t in traces), f"{kind_}: the interval is drawn"
        assert expected in spec.summary, f"{kind_}: the summary says '{expected}': {spec.summary!r}"
        row = spec.data[spec.data["area_code"] == burnley].iloc[0]
        assert row["significance"] == expected and row["lower_ci"] == lower, f"{kind_}: the CSV carries the verdict"


def test_furlough_comparators_share_one_basis(release):
    """HMRC rounds take-up to whole numbers; every area is recomputed from counts, so the home area is set
    against the region and England on the same basis and precision."""
    kind, rel = release
    from vocab.catalogue import INDICATORS

    period = rel.latest_period("furlough_take_up")
    for code in (rel.home_code(), "E12000002", "E92000001"):
        value, status = rel.value("furlough_take_up", code, period)
        assert status == "ok", f"{kind}: {code} has a take-up figure"
    if kind == "real":
        shown = {code: round(rel.value("furlough_take_up", code, period)[0], INDICATORS["furlough_take_up"].decimals)
                 for code in (rel.home_code(), "E12000002", "E92000001")}
        assert shown == {rel.home_code(): 31.8, "E12000002": 31.6, "E92000001": 31.5}, \
            f"take-up from HMRC's counts: Lancashire above the North West and England, not 'below 32': {shown}"
