"""Crafted requests to Dash's endpoints get a 4xx and one log line, never a 500 with a traceback: the
callback payload is checked at the boundary against the registered callbacks and the types their
components declare, and a bounded fuzz test posts generated payloads to every callback."""
from __future__ import annotations

import json
import logging
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROUTER = ".._pages_content.children..._pages_store.data.."
ROUTER_OUTPUTS = [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}]
TOPIC = "claimant-count"


def router_body(path="/", search="") -> dict:
    return {"output": ROUTER, "outputs": ROUTER_OUTPUTS,
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}


def topic_body(**values) -> dict:
    props = {"area": "area-select", "indicator": "indicator-radio", "period": "period-select",
             "breakdown": "breakdown-select", "comparators": "comparators-check"}
    inputs = [{"id": f"{TOPIC}-{cid}", "property": "value", "value": values.get(name)} for name, cid in props.items()]
    return {"output": f"{TOPIC}-url.search", "outputs": {"id": f"{TOPIC}-url", "property": "search"},
            "inputs": inputs, "changedPropIds": [f"{TOPIC}-area-select.value"],
            "state": [{"id": f"{TOPIC}-url", "property": "search", "value": values.get("search")}]}


def with_(body: dict, **changes) -> dict:
    return {**body, **changes}


def swap_input(body: dict, index: int, **item) -> dict:
    inputs = [dict(i) for i in body["inputs"]]
    inputs[index].update(item)
    return {**body, "inputs": inputs}


CRAFTED = {
    "empty body": b"",
    "invalid JSON": b"{\"output\": ",
    "invalid UTF-8": b"{\"output\": \"\xff\xfe\"}",
    "a list, not an object": b"[1, 2, 3]",
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep nesting inside a value": json.dumps(with_(topic_body(), inputs=[
        {"id": f"{TOPIC}-area-select", "property": "value", "value": [[[[[[[[[[["E07000117"]]]]]]]]]]]}])).encode(),
    "lone surrogate in the output": b'{"output": "\\ud800"}',
    "lone surrogate in a value": json.dumps(swap_input(topic_body(), 0, value="E07\ud800")).encode(),
    "unknown output": json.dumps(with_(topic_body(), output="nope.children")).encode(),
    "output of a clientside callback": json.dumps(with_(topic_body(), output="shell-nav-collapse.is_open")).encode(),
    "output is a number": json.dumps(with_(topic_body(), output=7)).encode(),
    "missing inputs": json.dumps({"output": f"{TOPIC}-url.search"}).encode(),
    "too few inputs": json.dumps(with_(topic_body(), inputs=topic_body()["inputs"][:2])).encode(),
    "inputs is a dict": json.dumps(with_(topic_body(), inputs={"id": "x"})).encode(),
    "an input for another component": json.dumps(swap_input(topic_body(), 0, id="neet-area-select")).encode(),
    "an input with another property": json.dumps(swap_input(topic_body(), 0, property="options")).encode(),
    "a dict as an id": json.dumps(swap_input(topic_body(), 0, id={"type": "x", "index": 1})).encode(),
    "a list of ints for an area": json.dumps(swap_input(topic_body(), 0, value=[1, 2, 3])).encode(),
    "a number where a string is expected": json.dumps(swap_input(router_body(), 0, value=12)).encode(),
    "a string where a list is expected": json.dumps(swap_input(topic_body(), 4, value="home")).encode(),
    "an object as a period": json.dumps(swap_input(topic_body(), 2, value={"a": 1})).encode(),
    "mismatched outputs": json.dumps(with_(topic_body(), outputs={"id": "neet-url", "property": "search"})).encode(),
    "outputs missing": json.dumps({k: v for k, v in router_body().items() if k != "outputs"}).encode(),
    "changedPropIds naming nothing": json.dumps(with_(topic_body(), changedPropIds=["{\"a\":"])).encode(),
    "a state for another component": json.dumps(with_(topic_body(), state=[{"id": "x", "property": "y"}])).encode(),
    "a huge body": json.dumps(swap_input(router_body(), 1, value="?" + "a" * 2_000_000)).encode(),
}


def test_values_are_checked_against_the_declared_types():
    import typing

    from web.callback_guard import fits

    select = typing.Union[str, typing.SupportsFloat, typing.SupportsInt, typing.SupportsComplex, None]
    checklist = typing.Optional[typing.Sequence[typing.Union[str, typing.SupportsFloat]]]
    assert fits("E07000117", select) and fits(3, select) and fits(None, select), "text, numbers or unset"
    assert not fits([1, 2], select) and not fits({"a": 1}, select) and not fits(True, select), \
        "a select holds one value, and a boolean is not a number"
    assert fits(["home", 2], checklist) and fits([], checklist), "a checklist holds a list of values"
    assert not fits("home", checklist) and not fits([["home"]], checklist), "text is not a list; no nesting"
    assert fits({"any": "thing"}, typing.Any), "an undeclared type takes any JSON value"


@pytest.fixture()
def client(dash_app):
    c = dash_app.server.test_client()
    c.get("/")  # Dash registers the pages' callbacks on the first request
    return c


def problems(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_callback_posts_get_a_4xx_and_one_log_line(client, caplog, name):
    caplog.set_level(logging.INFO)
    caplog.clear()
    response = client.post("/_dash-update-component", data=CRAFTED[name], content_type="application/json")
    assert 400 <= response.status_code < 500, f"{name}: expected a 4xx, got {response.status_code}"
    assert b"Traceback" not in response.data, f"{name}: no traceback in the answer"
    logged = problems(caplog)
    assert len(logged) == 1 and logged[0].exc_info is None, \
        f"{name}: one log line and no traceback, got {[(r.name, r.getMessage()[:120]) for r in logged]}"


def test_a_body_without_length_is_cut_off_at_the_limit(dash_app, caplog):
    import threading

    import httpx
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    caplog.set_level(logging.INFO)
    caplog.clear()

    def chunks():  # no Content-Length: sent chunked, 5 MB in all
        yield b'{"output": "'
        for _ in range(50):
            yield b"a" * 100_000
        yield b'"}'

    try:
        response = httpx.post(f"http://127.0.0.1:{server.server_port}/_dash-update-component", content=chunks(),
                              headers={"Content-Type": "application/json"}, timeout=60)
    finally:
        server.shutdown()
    assert response.status_code == 413, f"a chunked body past the limit is refused: {response.status_code}"
    assert len(problems(caplog)) == 1, f"with one log line: {[r.getMessage() for r in problems(caplog)]}"


def test_log_lines_cannot_be_forged(client, caplog):
    caplog.set_level(logging.INFO)
    caplog.clear()
    client.post("/_dash-update-component", data=b'{"x\\nFAKE": 1}', content_type="application/json")
    client.get("/_dash-component-suites/nope/a%0AFAKE%20LINE.js")
    assert all("\n" not in r.getMessage() for r in problems(caplog)), \
        f"client text is quoted, so it never starts a new log line: {[r.getMessage() for r in problems(caplog)]}"


def test_wrong_content_type_is_refused(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.post("/_dash-update-component", data=json.dumps(router_body()), content_type="text/plain")
    assert 400 <= response.status_code < 500, f"a callback request must be JSON: {response.status_code}"
    assert all(r.exc_info is None for r in caplog.records), "refused without a traceback"


def test_well_formed_callbacks_still_work(client):
    response = client.post("/_dash-update-component", json=topic_body(area="E07000117", indicator="claimant_rate",
                                                                       comparators=["home"]))
    assert response.status_code == 200, f"a real control change is answered: {response.data[:200]!r}"
    assert "area=E07000117" in response.get_data(as_text=True), "and writes the URL"
    router = client.post("/_dash-update-component", json=router_body("/district/E07000117"))
    assert router.status_code == 200 and b"Burnley" in router.data, "the Pages router still renders"
    ints = client.post("/_dash-update-component", json={
        "output": "compare-url.search", "outputs": {"id": "compare-url", "property": "search"},
        "inputs": [{"id": "compare-areas-check", "property": "value", "value": [1, 2]},
                   {"id": "compare-indicator-select", "property": "value", "value": None}],
        "changedPropIds": ["compare-areas-check.value"],
        "state": [{"id": "compare-url", "property": "search", "value": "?home=E10000017"}]})
    assert ints.status_code == 200, "a checklist may hold numbers (its declared type): answered, not a 500"
    assert "home=E10000017" in ints.get_data(as_text=True), "a control change keeps the link's home area"


@pytest.mark.parametrize("path", ["/_dash-component-suites/nope/nope.js", "/_dash-component-suites/dash/nope.js",
                                  "/_dash-component-suites/dash/deps/react@0.0.0.min.js",
                                  "/_dash-component-suites/dash/..%2F..%2Fetc%2Fpasswd",
                                  "/_dash-component-suites/os/path.py"])
def test_unknown_component_suite_paths_are_404(client, caplog, path):
    caplog.set_level(logging.INFO)
    caplog.clear()
    response = client.get(path)
    assert response.status_code == 404, f"{path}: not found, got {response.status_code}"
    logged = problems(caplog)
    assert len(logged) == 1 and logged[0].exc_info is None, f"{path}: one line, no traceback: {logged}"


# --- fuzzing every registered callback ---------------------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from(["\ud800", "\x00", "=", "'", "%", "&", "?"]),
               max_size=30)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=12)
PARAM = st.sampled_from(["area", "indicator", "period", "breakdown", "comparators", "areas", "release", "x"])
PARAM_VALUE = st.sampled_from(["E07000117", "E99999999", "claimant_rate", "2020-06", "2019/20", "age", "home,none",
                               "none", "", "E07000117,E07000123", "../../etc"]) | TEXT
SEARCH = st.dictionaries(PARAM, PARAM_VALUE, max_size=4).map(
    lambda d: "?" + "&".join(f"{k}={v}" for k, v in d.items()) if d else "")
PATH = st.sampled_from(["/", "/claimant-count", "/furlough", "/neet", "/attainment", "/apprenticeships", "/compare",
                        "/data", "/district/E07000117", "/district/E99999999", "/district/%00", "/nope"]) | TEXT


def value_for(item: dict):
    """Mostly values of the right kind for this input (so the callback itself runs), sometimes anything."""
    if item["property"] == "pathname":
        return PATH | JSON
    if item["property"] == "search":
        return SEARCH | JSON
    return st.sampled_from([None, "E07000117", "claimant_rate", "2020-06", "age", ["home", "region"], []]) | TEXT | JSON


def payloads(dep: dict):
    inputs, state = dep["inputs"], dep["state"]
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in dep["output"].strip(".").split("...")]

    def build(in_values, st_values, mutate):
        body = {"output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": [{**i, "value": v} for i, v in zip(inputs, in_values)],
                "state": [{**s, "value": v} for s, v in zip(state, st_values)],
                "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else []}
        key, value = mutate
        if key is not None:
            body[key] = value
        return body

    mutations = st.just((None, None)) | st.tuples(st.sampled_from(["inputs", "state", "outputs", "output",
                                                                    "changedPropIds"]), JSON)
    return st.builds(build, st.tuples(*[value_for(i) for i in inputs]), st.tuples(*[JSON for _ in state]), mutations)


def test_fuzz_every_callback_answers_without_a_5xx(client):
    deps = client.get("/_dash-dependencies").get_json()
    assert any(d["output"] == ROUTER for d in deps) and len(deps) >= 8, "the app's callbacks are all fuzzed"
    for dep in deps:
        @settings(max_examples=50, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        @given(payloads(dep))
        def post(body):
            response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
            assert response.status_code < 500, f"{dep['output']}: {response.status_code} for {body!r:.300}"

        post()


def test_fuzz_strategy_reaches_the_callbacks(client):
    """The fuzz payloads are not all refused at the door: well-typed ones reach the callbacks (intent check)."""
    seen = set()
    for search in ["", "?area=E07000117", "?period=banana", string.punctuation]:
        seen.add(client.post("/_dash-update-component", json=router_body("/claimant-count", search)).status_code)
    assert seen == {200}, f"well-typed router payloads are answered by the pages: {seen}"
