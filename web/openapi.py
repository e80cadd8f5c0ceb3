"""The open API's OpenAPI 3.0 document: one source for what each endpoint takes and returns.

``web.api`` validates requests against the same parameter table, so the document and the behaviour
cannot drift apart; the test suite checks every response against it (schemathesis).
"""
from __future__ import annotations

from reuse.data_package import FIELDS

LEVELS = ["district", "upper_tier", "lep", "lsip", "combined_authority", "region", "country"]
MAX_LIMIT = 5000
# name -> (OpenAPI schema, description)
PARAMETERS = {
    "release": ({"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$"},
                "A kept release id (pins the figures); the current release when left out."),
    "format": ({"type": "string", "enum": ["json", "csv"], "default": "json"}, "json or csv."),
    "indicator": ({"type": "string", "pattern": r"^[a-z0-9_]{1,60}(,[a-z0-9_]{1,60}){0,19}$"},
                  "One or more indicator ids, comma-separated (see /api/v1/indicators)."),
    "area": ({"type": "string", "pattern": r"^[A-Za-z][0-9]{8}(,[A-Za-z][0-9]{8}){0,49}$"},
             "One or more GSS area codes, comma-separated (up to 50)."),
    "level": ({"type": "string", "enum": LEVELS}, "Only areas of this level."),
    "breakdown": ({"type": "string", "minLength": 1, "maxLength": 120},
                  "total, or one dimension=value (e.g. age=16-24); every breakdown when left out."),
    "period_from": ({"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                    "Only periods starting on or after this date (YYYY-MM-DD)."),
    "period_to": ({"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                  "Only periods starting on or before this date (YYYY-MM-DD)."),
    "limit": ({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 1000}, "Rows per page."),
    "offset": ({"type": "integer", "minimum": 0, "maximum": 100_000_000, "default": 0}, "Rows to skip."),
}
ENDPOINTS = {
    "indicators": ("Indicators in the release with their catalogue facts", ("release", "format")),
    "areas": ("Areas and their parents", ("release", "format", "area", "level", "limit", "offset")),
    "periods": ("Periods of each indicator", ("release", "format", "indicator")),
    "observations": ("Figures: one row per indicator, area, period and breakdown",
                     ("release", "format", "indicator", "area", "level", "breakdown", "period_from", "period_to",
                      "limit", "offset")),
}
NUMBER = {"type": "number", "nullable": True}
TEXT = {"type": "string", "nullable": True}
ROWS = {
    "indicators": {"id": {"type": "string"}, "label": {"type": "string"}, "unit": {"type": "string"},
                   "topic": {"type": "string"}, "aggregation": {"type": "string"}, "polarity": TEXT,
                   "definition": {"type": "string"}, "source": TEXT, "is_local": {"type": "boolean"}},
    "areas": {k: TEXT for k in ("area_code", "area_name", "area_level", "upper_tier_code", "lep_code", "lsip_code",
                                "combined_authority_code", "region_code", "country_code")},
    "periods": {"indicator": {"type": "string"}, "period": {"type": "string"},
                "period_start": {"type": "string", "format": "date"}, "period_end": {"type": "string", "format": "date"}},
    "observations": {"indicator": {"type": "string"}, "area_code": {"type": "string"}, "area_name": {"type": "string"},
                     "area_level": {"type": "string"}, "period": {"type": "string"},
                     "period_start": {"type": "string", "format": "date"},
                     "period_end": {"type": "string", "format": "date"}, "breakdown": {"type": "string"},
                     "value": NUMBER, "status": {"type": "string"}, "numerator": NUMBER, "denominator": NUMBER,
                     "lower_ci": NUMBER, "upper_ci": NUMBER, "unit": {"type": "string"}, "source": {"type": "string"},
                     "derived": {"type": "boolean"}},
}
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
CACHE_HEADERS = {"ETag": {"schema": {"type": "string"}, "description": "Changes with the release and the query."},
                 "Cache-Control": {"schema": {"type": "string"}}}


def _row(name: str) -> dict:
    props = {k: {**v, "description": FIELDS.get(k, v.get("description", k))} for k, v in ROWS[name].items()}
    return {"type": "object", "required": list(props), "properties": props}


def _page(name: str) -> dict:
    return {"type": "object", "required": ["release", "total", "limit", "offset", "next", "data"],
            "properties": {"release": {"type": "string"}, "total": {"type": "integer", "minimum": 0},
                           "limit": {"type": "integer"}, "offset": {"type": "integer"},
                           "next": {"type": "string", "nullable": True,
                                    "description": "Path of the next page; null on the last."},
                           "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}}}


def _errors() -> dict:
    json_error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {"304": {"description": "Not modified (If-None-Match matched the ETag)."},
            "400": {"description": "A parameter is not valid; the message says which.", "content": json_error},
            "404": {"description": "The release is not kept.", "content": json_error}}


def document() -> dict:
    """The OpenAPI 3.0.3 document of /api/v1."""
    paths = {}
    for name, (summary, names) in ENDPOINTS.items():
        paths[f"/api/v1/{name}"] = {"get": {
            "summary": summary, "operationId": f"get_{name}",
            "parameters": [{"name": p, "in": "query", "required": False, "schema": PARAMETERS[p][0],
                            "description": PARAMETERS[p][1]} for p in names],
            "responses": {"200": {"description": summary, "headers": CACHE_HEADERS, "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{name}_page"}},
                "text/csv": {"schema": {"type": "string"}}}}, **_errors()}}}
    paths["/api/v1/datapackage.zip"] = {"get": {
        "summary": "The whole release as a Frictionless Data Package (datapackage.json, CSV and Parquet)",
        "operationId": "get_datapackage",
        "parameters": [{"name": "release", "in": "query", "required": False, "schema": PARAMETERS["release"][0],
                        "description": PARAMETERS["release"][1]}],
        "responses": {"200": {"description": "A zip file", "headers": CACHE_HEADERS,
                              "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
                      **_errors()}}}
    schemas = {"Error": ERROR}
    for name in ROWS:
        schemas[name] = _row(name)
        schemas[f"{name}_page"] = _page(name)
    return {"openapi": "3.0.3",
            "info": {"title": "Partner Data Pack open data API", "version": "1.0.0",
                     "description": "Every figure of a release, filtered and paged. Licence: Open Government "
                                    "Licence v3.0.",
                     "license": {"name": "Open Government Licence v3.0",
                                 "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}},
            "paths": paths, "components": {"schemas": schemas}}
