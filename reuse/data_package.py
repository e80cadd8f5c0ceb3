"""A release as a Frictionless Data Package: ``datapackage.json`` plus each table as CSV and Parquet.

Built from the release folder's own Parquet files (copied byte for byte; the CSV is written from them),
so the package is the release and nothing else. Field descriptions are the table contracts' wording.
"""
from __future__ import annotations

import functools
import io
import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import config

# Tables a release may have, in the package's order, with what each row is.
TABLES = {
    "indicators": "One figure: an indicator for an area, period and breakdown (the tidy table).",
    "derivations": "How each figure we computed (or could not compute) from its building blocks was made.",
    "areas": "Every area with its upper tier, LEP, LSIP, combined authority, region and country.",
    "neighbours": "Each council's statistical neighbours (DfE's published set, mapped to GSS codes).",
    "similar_districts": "Each district's most similar districts, computed by us (see the Data and methods page).",
    "comparator_groups": "Each comparator group's combined figure per indicator and period, by the indicator's rule.",
    "local_catalogue": "The declarations of local indicators this release carries.",
}
FIELDS = {
    "indicator": "Indicator id (the catalogue key, e.g. claimant_rate).",
    "area_code": "ONS GSS code of the area (e.g. E07000117).",
    "area_name": "Name of the area.",
    "area_level": "district, upper_tier, lep, lsip, combined_authority, region or country.",
    "period": "The period as the publisher labels it: 2021-03, 2019/20, 2021 or 2020-Q2.",
    "period_start": "First day the period covers.",
    "period_end": "Last day the period covers.",
    "breakdown": "total, or one dimension=value such as age=16-24.",
    "value": "The figure; empty when suppressed or missing (see status).",
    "status": "ok, or why the value is empty: suppressed, not_available, not_applicable, low ...",
    "numerator": "Count the value is made of (where published or computed); empty otherwise.",
    "denominator": "Base of the rate: cohort, pupils or population; empty otherwise.",
    "lower_ci": "Lower end of the publisher's 95% confidence interval; empty where none is published.",
    "upper_ci": "Upper end of the publisher's 95% confidence interval; empty where none is published.",
    "unit": "Unit of the value: count, percent, rate_per_100k, score ...",
    "source": "Id of the source the figure comes from.",
    "derived": "True when we computed the figure from its building blocks, false for the publisher's own.",
    "is_computed": "True when the aggregate was computed; false when it could not be (see note).",
    "method": "sum, ratio_of_counts, weighted_mean or population_weighted.",
    "building_block_level": "district or upper_tier: the members the aggregate is made of.",
    "building_blocks": "GSS codes of the members used, comma-separated.",
    "member_count": "Number of members used.",
    "population_year": "Mid-year of the population estimates used as weights (population-weighted only).",
    "note": "Plain-English note on how the figure was made.",
    "upper_tier_code": "GSS code of the county or unitary council the district is in.",
    "lep_code": "GSS code of the local enterprise partnership.",
    "lsip_code": "GSS code of the local skills improvement plan area.",
    "combined_authority_code": "GSS code of the combined authority.",
    "region_code": "GSS code of the region.",
    "country_code": "GSS code of the country.",
    "successor_code": "GSS code that replaced this one, where ONS re-coded or merged the area.",
    "la_number": "DfE's 3-digit local-authority number.",
    "neighbour_code": "GSS code of a statistical neighbour or similar district.",
    "neighbour_la_number": "DfE's 3-digit number of the neighbour.",
    "rank": "1 = the closest neighbour.",
    "group": "neighbours (DfE's statistical neighbours of a council) or similar (computed similar districts).",
    "members": "GSS codes of the group's members used, comma-separated.",
    "closeness": "DfE's closeness band of the neighbour (e.g. Very close).",
    "id": "Local indicator id.",
    "title": "Local indicator title.",
    "licence": "The licence the local indicator's data are under.",
    "declaration": "The TOML declaration as JSON.",
    "distance": "Distance between the two districts in standardised variables (smaller is more similar).",
}


def _field_type(arrow_type) -> str:
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type):
        return "number"
    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return "date"
    return "string"


def descriptor(folder: Path, meta: dict) -> dict:
    """datapackage.json for the release in ``folder`` (its tables present, with their CSV and Parquet)."""
    resources = []
    for name, what in TABLES.items():
        path = folder / f"{name}.parquet"
        if not path.is_file():
            continue
        schema = pq.read_schema(path)
        fields = [{"name": f.name, "type": _field_type(f.type), "description": FIELDS.get(f.name, f.name)}
                  for f in schema if f.name != "geometry"]
        resources.append({"name": name, "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv",
                          "encoding": "utf-8", "description": what, "schema": {"fields": fields}})
        resources.append({"name": f"{name}-parquet", "path": f"{name}.parquet", "format": "parquet",
                          "mediatype": "application/vnd.apache.parquet", "description": what + " (Parquet)"})
    return {"name": f"partner-data-pack-{meta['id'].lower()}".replace(":", "-"),
            "title": f"{config.SITE_TITLE}: release {meta['id']}",
            "description": "Labour-market and skills indicators for English areas, from the publishers' own "
                           "extracts" + (" (demo data, not official statistics)" if meta.get("is_demo") else "") + ".",
            "version": meta["id"], "created": str(meta.get("created", "")),
            "licenses": [{"name": "OGL-UK-3.0", "title": config.LICENCE, "path": config.LICENCE_URL}],
            "sources": [{"title": s.get("title") or s.get("source_id", ""), **({"path": s["url"]} if s.get("url") else {})}
                        for s in meta.get("sources", [])],
            "resources": resources}


@functools.lru_cache(maxsize=4)
def package_zip(folder: str, release_id: str) -> bytes:
    """The whole package as one zip (cached per release: a release never changes)."""
    path = Path(folder)
    meta = json.loads((path / "release.json").read_text(encoding="utf-8"))
    desc = descriptor(path, meta)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(desc, indent=2, ensure_ascii=False))
        for res in desc["resources"]:
            source = path / f"{res['name'].removesuffix('-parquet')}.parquet"
            if res["format"] == "parquet":
                archive.write(source, res["path"])
            else:
                table = pq.read_table(source)
                fields = res["schema"]["fields"]
                frame = table.select([f["name"] for f in fields]).to_pandas()
                for f in fields:  # whole numbers stay whole where some are missing (not 2021.0)
                    if f["type"] == "integer":
                        frame[f["name"]] = frame[f["name"]].astype("Int64")
                archive.writestr(res["path"], frame.to_csv(index=False, date_format="%Y-%m-%d"))
    return buffer.getvalue()
