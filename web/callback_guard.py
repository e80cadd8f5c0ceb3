"""The one boundary check for Dash's endpoints: a malformed or mistyped request gets a 4xx and one log line.

A ``/_dash-update-component`` POST must be a JSON object (UTF-8, no lone surrogates, within size and
depth limits) naming a registered server-side callback, with exactly that callback's outputs, inputs
and state (same ids and properties, in order), each value of the JSON type its component declares
(Dash components carry typed signatures, e.g. ``dcc.Location.pathname: Optional[str]``). Only then
does Dash run the callback, so no callback ever sees a shape or type it was not written for. Where a
declared type is wider than what a browser can send (a page path is always text starting with "/"),
``BROWSER_VALUES`` says so. A request for a file Dash does not serve under ``/_dash-component-suites/``
is a 404.
"""
from __future__ import annotations

import collections.abc
import inspect
import json
import logging
import numbers
import threading
import types
import typing
from dataclasses import dataclass

from dash import Dash, dcc
from dash._callback import GLOBAL_CALLBACK_MAP
from dash._utils import split_callback_id
from dash.exceptions import DependencyException
from flask import Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

import config

log = logging.getLogger(__name__)

ENDPOINT_SUFFIX = "_dash-update-component"
BODY_KEYS = {"output", "outputs", "inputs", "state", "changedPropIds", "parsedChangedPropsIds"}
NUMBER_TYPES = (int, float, complex, numbers.Number, typing.SupportsFloat, typing.SupportsInt,
                typing.SupportsComplex)
SEQUENCE_ORIGINS = (list, tuple, collections.abc.Sequence, collections.abc.MutableSequence)
MAPPING_ORIGINS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)
# (component class, property) -> what a browser always sends there, beyond the declared type
BROWSER_VALUES = {(dcc.Location, "pathname"): lambda v: isinstance(v, str) and v.startswith("/")}


class Refused(ValueError):
    """A callback request the app will not run; ``status`` is the 4xx to answer with."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Prop:
    """One input or state of a callback: component id, property, the JSON type it declares and the
    values a browser can send (``None``: any value of that type)."""
    id: str
    property: str
    annotation: typing.Any
    browser_value: typing.Callable[[typing.Any], bool] | None = None

    def accepts(self, value) -> bool:
        return fits(value, self.annotation) and (self.browser_value is None or self.browser_value(value))


@dataclass(frozen=True)
class Callback:
    outputs: tuple[tuple[str, str], ...]
    inputs: tuple[Prop, ...]
    state: tuple[Prop, ...]
    many_outputs: bool


# --- JSON values against a component's declared type ----------------------------------------------------

def fits(value, annotation) -> bool:
    """True if the JSON ``value`` is of the type a component property declares (``None`` means unset)."""
    if value is None or annotation in (inspect.Parameter.empty, typing.Any, object):
        return True
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if annotation is type(None):
        return False  # value is not None here
    if annotation is str:
        return isinstance(value, str)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation in NUMBER_TYPES:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation in SEQUENCE_ORIGINS or origin in SEQUENCE_ORIGINS:
        return isinstance(value, list) and (not args or all(fits(v, args[0]) for v in value))
    if annotation in MAPPING_ORIGINS or origin in MAPPING_ORIGINS or typing.is_typeddict(annotation):
        return isinstance(value, dict)
    return True  # a component (children) or a type we cannot judge: the size and depth limits still apply


def check_json(body, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` and strings that are not valid Unicode (lone surrogates)."""
    stack = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise Refused(400, f"the request is nested more than {max_depth} levels deep")
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise Refused(400, "the request holds text that is not valid Unicode") from None
        elif isinstance(node, dict):
            stack.extend((k, depth + 1) for k in node)
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def parse(raw: bytes, max_depth: int) -> dict:
    """The request body as a JSON object, or Refused saying what is wrong with it."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "the request is not valid JSON") from None
    except RecursionError:
        raise Refused(400, f"the request is nested more than {max_depth} levels deep") from None
    check_json(body, max_depth)
    if not isinstance(body, dict):
        raise Refused(400, "the request is not a JSON object")
    unknown = set(body) - BODY_KEYS
    if unknown:
        raise Refused(400, f"the request has unknown keys: {', '.join(sorted(map(repr, unknown)))[:80]}")
    return body


# --- the registered callbacks ----------------------------------------------------------------------------

def component_types(layout) -> dict[str, type]:
    """{component id: component class} for every component with a plain (string) id in ``layout``."""
    found = {}
    for component in [layout, *layout._traverse()] if layout is not None else []:
        cid = getattr(component, "id", None)
        if isinstance(cid, str):
            found.setdefault(cid, type(component))
    return found


def prop_of(components: dict[str, type], cid: str, prop: str) -> Prop:
    """The input or state ``cid.prop`` with the type its component declares (Any if not in the layout)."""
    cls = components.get(cid)
    param = inspect.signature(cls.__init__).parameters.get(prop) if cls is not None else None
    return Prop(cid, prop, typing.Any if param is None else param.annotation, BROWSER_VALUES.get((cls, prop)))


def registry(dash_app: Dash) -> dict[str, Callback]:
    """Every server-side callback by its output key, with its components' declared types."""
    components = component_types(dash_app.validation_layout)
    found = {}
    for key, cb in dash_app.callback_map.items():
        if "callback" not in cb:  # clientside: the browser runs it, the server never does
            continue
        outputs = split_callback_id(key)
        many = isinstance(outputs, list)
        found[key] = Callback(
            outputs=tuple((o["id"], o["property"]) for o in (outputs if many else [outputs])),
            inputs=tuple(prop_of(components, i["id"], i["property"]) for i in cb["inputs"]),
            state=tuple(prop_of(components, s["id"], s["property"]) for s in cb["state"]),
            many_outputs=many)
    return found


def check_props(items, expected: tuple[Prop, ...], what: str) -> None:
    if not isinstance(items, list) or len(items) != len(expected):
        raise Refused(400, f"the {what} do not match the callback ({len(expected)} expected)")
    for n, (item, prop) in enumerate(zip(items, expected), start=1):
        if not isinstance(item, dict) or set(item) - {"id", "property", "value"}:
            raise Refused(400, f"{what} {n} is not an id, property and value")
        if item.get("id") != prop.id or item.get("property") != prop.property:
            raise Refused(400, f"{what} {n} is not {prop.id}.{prop.property}")
        if not prop.accepts(item.get("value")):
            raise Refused(400, f"the value of {prop.id}.{prop.property} is not of the type that component takes")


def check(body: dict, callbacks: dict[str, Callback]) -> None:
    """Refused unless ``body`` calls a registered callback with its own outputs, inputs and state."""
    output = body.get("output")
    cb = callbacks.get(output) if isinstance(output, str) else None
    if cb is None:
        raise Refused(400, "the request names no callback of this app")
    outputs = body.get("outputs")
    outputs = outputs if cb.many_outputs else [outputs]
    if not isinstance(outputs, list) or [(o.get("id"), o.get("property")) if isinstance(o, dict) else None
                                         for o in outputs] != list(cb.outputs):
        raise Refused(400, "the outputs do not match the callback")
    check_props(body.get("inputs"), cb.inputs, "inputs")
    check_props(body.get("state", []), cb.state, "state")
    inputs = {f"{p.id}.{p.property}" for p in cb.inputs}
    for key in ("changedPropIds", "parsedChangedPropsIds"):
        changed = body.get(key, [])
        if not isinstance(changed, list) or not all(isinstance(c, str) and c in inputs for c in changed):
            raise Refused(400, f"{key} names properties that are not inputs of the callback")


# --- wiring ------------------------------------------------------------------------------------------------

def refuse(status: int, reason: str) -> Response:
    log.warning("refused %s %r from %s: %s", request.method, request.path[:120], request.remote_addr, reason)
    return Response(f"Bad request: {reason}.\n", status=status, mimetype="text/plain")


def _server_side_patterns(dash_app: Dash) -> list[str]:
    maps = list(dash_app.callback_map.items()) + list(GLOBAL_CALLBACK_MAP.items())
    return [key for key, cb in maps if "callback" in cb and any(
        str(p["id"]).startswith("{") for p in cb["inputs"] + cb["state"])]


def install(server: Flask, dash_app: Dash) -> None:
    """Check every callback request before Dash runs it; answer unknown component-suite files with 404.

    Pattern-matching (dict id) server callbacks are not checked here yet, so the app refuses to start
    with one rather than let it through unchecked.
    """
    patterns = _server_side_patterns(dash_app)
    if patterns:
        raise RuntimeError(f"the callback guard cannot check pattern-matching server callbacks: {patterns}")
    server.config["MAX_CONTENT_LENGTH"] = config.CALLBACK_MAX_BYTES  # callbacks are the only request bodies
    built: dict[str, dict[str, Callback]] = {}
    lock = threading.Lock()

    def callbacks() -> dict[str, Callback]:
        with lock:  # built once Dash has registered every callback (on its first request)
            if "all" not in built:
                built["all"] = registry(dash_app)
            return built["all"]

    @server.before_request
    def _guard():
        if request.method != "POST" or not request.path.endswith(ENDPOINT_SUFFIX):
            return None
        try:
            if request.mimetype != "application/json":
                raise Refused(415, "a callback request must be JSON")
            too_large = Refused(413, f"the request is larger than {config.CALLBACK_MAX_BYTES:,} bytes")
            if (request.content_length or 0) > config.CALLBACK_MAX_BYTES:
                raise too_large
            try:
                raw = request.get_data(cache=True)
            except RequestEntityTooLarge:
                raise too_large from None
            if len(raw) >= config.CALLBACK_MAX_BYTES:  # a chunked body is cut off at MAX_CONTENT_LENGTH
                raise too_large
            check(parse(raw, config.CALLBACK_MAX_DEPTH), callbacks())
        except Refused as e:
            return refuse(e.status, str(e))
        return None

    @server.errorhandler(DependencyException)
    def _unknown_suite_file(_error):
        return refuse(404, "no such component-suite file")
