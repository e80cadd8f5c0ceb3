"""The open data API (``/api/v1``): indicators, areas, periods and observations as JSON or CSV, the
OpenAPI document, and each release whole as a Frictionless Data Package.

Requests are checked against the same parameter table the OpenAPI document is made from
(``web.openapi``): an unknown, repeated or malformed parameter is a 400 with a JSON reason, never a
500. Answers carry an ETag made of the release id and the query (a new release changes it) and are
paged (``limit``/``offset``, ``next`` and a ``Link`` header).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from urllib.parse import urlencode

import pandas as pd
from flask import Flask, Response, request

import data_access
import release_query
from reuse import data_files
from reuse.data_package import package_zip
from vocab.catalogue import INDICATORS
from web import openapi

MAX_AGE = 300  # seconds: the current release may change; a pinned one never does
PINNED_MAX_AGE = 86400


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False, allow_nan=False), status=status,
                    mimetype="application/json")


def _value(name: str, text: str):
    schema, _ = openapi.PARAMETERS[name]
    if schema["type"] == "integer":
        if not re.fullmatch(r"[0-9]{1,12}", text):
            raise ApiError(400, f"{name} must be a whole number (got '{text[:40]}').")
        number = int(text)
        if not schema["minimum"] <= number <= schema["maximum"]:
            raise ApiError(400, f"{name} must be between {schema['minimum']} and {schema['maximum']}.")
        return number
    if "enum" in schema and text not in schema["enum"]:
        raise ApiError(400, f"{name} must be one of {', '.join(schema['enum'])} (got '{text[:40]}').")
    if "pattern" in schema and not re.fullmatch(schema["pattern"], text):
        raise ApiError(400, f"'{text[:40]}' is not a valid {name}.")
    if not schema.get("minLength", 0) <= len(text) <= schema.get("maxLength", 10_000):
        raise ApiError(400, f"{name} must be {schema.get('minLength', 0)} to {schema['maxLength']} characters long.")
    if name.startswith("period_"):
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise ApiError(400, f"{name} must be a date (YYYY-MM-DD), got '{text}'.") from None
    return text


def parse_args(endpoint: str) -> dict:
    """The endpoint's parameters, checked; defaults filled in."""
    allowed = openapi.ENDPOINTS[endpoint][1]
    out = {}
    for key in request.args.keys():
        if key not in allowed:
            raise ApiError(400, f"'{key[:40]}' is not a parameter of /api/v1/{endpoint} (use {', '.join(allowed)}).")
        values = request.args.getlist(key)
        if len(values) > 1:
            raise ApiError(400, f"{key} is given more than once; give it once (lists are comma-separated).")
        out[key] = _value(key, values[0])
    for key in allowed:
        default = openapi.PARAMETERS[key][0].get("default")
        out.setdefault(key, default)
    return out


def _release(args) -> tuple[data_access.Release, bool]:
    if not args.get("release"):
        return data_access.load(), False
    try:
        return data_access.load(args["release"]), True
    except data_access.NoReleaseError:
        raise ApiError(404, f"We don't keep release '{args['release']}'; leave out release= for the latest.") from None


def _known(kind: str, asked: list[str], known) -> None:
    unknown = [a for a in asked if a not in known]
    if unknown:
        raise ApiError(400, f"There is no {kind} '{unknown[0]}' in this release.")


# 15 significant digits: what a float64 holds exactly, without the last-bit noise of arithmetic
# (a count derived as rate x cohort reads 87.986, not 87.98599999999999).
FLOAT_FORMAT = "%.15g"


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON rows: NaN -> null, dates as YYYY-MM-DD, numpy scalars as Python."""
    rows = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if isinstance(v, float) and math.isnan(v) or v is None or v is pd.NA or v is pd.NaT:
                clean[k] = None
            elif isinstance(v, (dt.date, pd.Timestamp)):
                clean[k] = v.strftime("%Y-%m-%d")
            elif isinstance(v, float):
                clean[k] = float(FLOAT_FORMAT % v)
            elif hasattr(v, "item"):
                clean[k] = v.item()
            else:
                clean[k] = v
        rows.append(clean)
    return rows


def csv_text(page: pd.DataFrame) -> str:
    """The rows as CSV: every text column (categorical ones too) escaped against formula injection,
    numbers without float noise."""
    text = page.apply(lambda col: col if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
                      or pd.api.types.is_datetime64_any_dtype(col) else col.astype(object).map(
                          data_files.escape_formula, na_action="ignore"))
    return text.to_csv(index=False, date_format="%Y-%m-%d", float_format=FLOAT_FORMAT)


def _answer(endpoint: str, rel, pinned: bool, args: dict, frame, paged: bool) -> Response:
    """One page of ``frame`` (a pandas frame, or an indexed query that reads only the page's rows)."""
    columns = list(openapi.ROWS[endpoint])
    total = len(frame)
    limit, offset = (args["limit"], args["offset"]) if paged else (max(total, 1), 0)
    if isinstance(frame, pd.DataFrame):
        page = frame.iloc[offset:offset + limit][columns]
    else:
        page = frame.page(offset, limit, columns)
    next_path = None
    if paged and offset + limit < total:
        query = {k: v for k, v in request.args.items()}
        query["offset"] = str(offset + limit)
        next_path = f"{request.path}?{urlencode(query)}"
    etag = hashlib.sha256(f"{rel.id}|{request.path}|{sorted(request.args.items(multi=True))}".encode()).hexdigest()[:32]
    if etag in request.if_none_match:
        response = Response(status=304)
    elif args["format"] == "csv":
        response = Response(csv_text(page), mimetype="text/csv")
        response.headers["X-Total-Count"] = str(total)
        response.headers["Content-Disposition"] = f'attachment; filename="{endpoint}-{rel.id}.csv"'
    else:
        response = _json({"release": rel.id, "total": total, "limit": limit, "offset": offset, "next": next_path,
                          "data": _records(page)})
    if next_path:
        response.headers["Link"] = f'<{next_path}>; rel="next"'
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={PINNED_MAX_AGE if pinned else MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def indicators():
    args = parse_args("indicators")
    rel, pinned = _release(args)
    rows = [{"id": i, "label": INDICATORS[i].label, "unit": INDICATORS[i].unit, "topic": INDICATORS[i].topic,
             "aggregation": INDICATORS[i].aggregation, "polarity": INDICATORS[i].polarity,
             "definition": INDICATORS[i].definition, "source": rel.source_for(i).get("source_id"),
             "is_local": bool(getattr(INDICATORS[i], "is_local", False))}
            for i in rel.indicators() + rel.context_indicators()]
    return _answer("indicators", rel, pinned, args, pd.DataFrame(rows, columns=list(openapi.ROWS["indicators"])), False)


def areas():
    args = parse_args("areas")
    rel, pinned = _release(args)
    frame = rel.areas.reset_index(drop=True)
    if args.get("area"):
        codes = args["area"].upper().split(",")
        _known("area", codes, set(frame["area_code"]))
        frame = frame[frame["area_code"].isin(codes)]
    if args.get("level"):
        frame = frame[frame["area_level"] == args["level"]]
    frame = frame.astype(object).where(frame.notna(), None)
    return _answer("areas", rel, pinned, args, frame.sort_values("area_code", kind="mergesort"), True)


def periods():
    args = parse_args("periods")
    rel, pinned = _release(args)
    wanted = None
    if args.get("indicator"):
        wanted = args["indicator"].split(",")
        _known("indicator", wanted, rel._present())
    return _answer("periods", rel, pinned, args, release_query.period_rows(rel, wanted), False)


def observations():
    args = parse_args("observations")
    rel, pinned = _release(args)
    wanted = codes = None
    if args.get("indicator"):
        wanted = args["indicator"].split(",")
        _known("indicator", wanted, rel._present())
    if args.get("area"):
        codes = args["area"].upper().split(",")
        _known("area", codes, rel.area_codes() | set(rel.areas["area_code"]))
    rows = rel.observations(indicators=wanted, areas=codes, level=args.get("level"), breakdown=args.get("breakdown"),
                            period_from=args.get("period_from"), period_to=args.get("period_to"))
    return _answer("observations", rel, pinned, args, rows, True)


def openapi_json():
    response = _json(openapi.document())
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def datapackage():
    for key in request.args.keys():
        if key != "release":
            raise ApiError(400, f"'{key[:40]}' is not a parameter of /api/v1/datapackage.zip (use release).")
    args = {"release": _value("release", request.args["release"])} if request.args.get("release") else {}
    rel, pinned = _release(args)
    etag = f"datapackage-{rel.id}"
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(package_zip(str(rel.path), rel.id), mimetype="application/zip")
        response.headers["Content-Disposition"] = f'attachment; filename="partner-data-pack-{rel.id}.zip"'
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={PINNED_MAX_AGE if pinned else MAX_AGE}"
    return response


def not_found(rest: str):
    raise ApiError(404, f"There is no /api/v1/{rest[:60]}; the endpoints are in /api/v1/openapi.json.")


def _guard(fn):
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ApiError as e:
            return _json({"error": e.message}, e.status)
        except data_access.NoReleaseError:
            return _json({"error": data_access.NO_RELEASE}, 503)
    wrapper.__name__ = fn.__name__
    return wrapper


def register(server: Flask) -> None:
    for name, view in (("indicators", indicators), ("areas", areas), ("periods", periods),
                       ("observations", observations), ("openapi.json", openapi_json),
                       ("datapackage.zip", datapackage)):
        server.add_url_rule(f"/api/v1/{name}", f"pdp_api_{name}", _guard(view))
    server.add_url_rule("/api/v1/<path:rest>", "pdp_api_not_found", _guard(not_found))
