"""Comparator groups written into a release: DfE's statistical neighbours of each council (mapped from
DfE LA numbers to GSS codes) and the "similar districts" we compute, with each group's figures combined
by every indicator's own rule (``etl.aggregate.aggregate_groups``: never an average of rates).

Tables (explicit pyarrow schemas, so an empty table still has its columns' types):

* ``neighbours``: area_code, la_number, rank, neighbour_code, neighbour_la_number, closeness;
* ``similar_districts``: area_code, rank, neighbour_code, distance (plus the method as JSON);
* ``comparator_groups``: one row per group, indicator, period: the group's combined figure.
"""
from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from etl.aggregate import aggregate_groups
from etl.errors import Problem
from vocab.levels import DISTRICT_PREFIXES

SIMILAR_TOML = Path(__file__).resolve().parents[1] / "vocab" / "similar_districts.toml"
NEIGHBOURS_SCHEMA = pa.schema([("area_code", pa.string()), ("la_number", pa.int64()), ("rank", pa.int64()),
                               ("neighbour_code", pa.string()), ("neighbour_la_number", pa.int64()),
                               ("closeness", pa.string())])
SIMILAR_SCHEMA = pa.schema([("area_code", pa.string()), ("rank", pa.int64()), ("neighbour_code", pa.string()),
                            ("distance", pa.float64())])
GROUPS_SCHEMA = pa.schema([("group", pa.string()), ("area_code", pa.string()), ("indicator", pa.string()),
                           ("period", pa.string()), ("breakdown", pa.string()), ("value", pa.float64()),
                           ("status", pa.string()), ("numerator", pa.float64()), ("denominator", pa.float64()),
                           ("members", pa.string()), ("member_count", pa.int64())])


def statistical_neighbours(parsed, geo) -> tuple[pd.DataFrame, list[Problem]]:
    """DfE's current neighbour sets with GSS codes; a warning names the workbook and every LA number no
    DfE file in the build pairs with a GSS code (those authorities and neighbours are left out)."""
    pairs = pd.concat([p.result.extras["la_codes"] for p in parsed if "la_codes" in p.result.extras] or
                      [pd.DataFrame(columns=["la_number", "area_code"])], ignore_index=True)
    codes = {int(n): geo.current_code(c) for n, c in pairs.drop_duplicates("la_number", keep="last").itertuples(index=False)}
    frames, problems = [], []
    for item in (p for p in parsed if p.result.kind == "neighbours"):
        table = item.result.table[item.result.table["is_current"]]
        unmapped = sorted((set(table["la_number"]) | set(table["neighbour_la_number"])) - set(codes))
        if unmapped:
            problems.append(Problem(file=item.raw.name, severity="warning", column="LA num",
                                    message=f"{len(unmapped)} DfE LA number(s) have no GSS code in the DfE files of "
                                            "this build (old_la_code/new_la_code): their neighbour sets are left out",
                                    found=", ".join(map(str, unmapped[:30])) + (" ..." if len(unmapped) > 30 else "")))
        frames.append(pd.DataFrame({"area_code": table["la_number"].map(codes), "la_number": table["la_number"],
                                    "rank": table["rank"], "neighbour_code": table["neighbour_la_number"].map(codes),
                                    "neighbour_la_number": table["neighbour_la_number"],
                                    "closeness": table["closeness"]}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=NEIGHBOURS_SCHEMA.names)
    out = out[out["area_code"].notna() & out["neighbour_code"].notna()]
    return out.sort_values(["area_code", "rank"], kind="mergesort").reset_index(drop=True), problems


def _variable(rows: pd.DataFrame, spec: dict, districts: set[str], min_share: float,
              firsts: dict | None = None) -> tuple[pd.Series, str] | None:
    """One variable's value per district for its latest period that ``min_share`` of districts have
    (``rows``: the districts' rows of its indicator). ``firsts`` keeps each breakdown's ``_first_values``
    for the next variable of the same indicator (population's total is a variable and a share's base)."""
    firsts = {} if firsts is None else firsts
    for breakdown in [spec["breakdown"]] + ([spec["share_of"]] if "share_of" in spec else []):
        if breakdown not in firsts:
            firsts[breakdown] = _first_values(rows, breakdown)
    values = firsts[spec["breakdown"]]
    if "share_of" in spec:
        base = firsts[spec["share_of"]]
        values = (values / base.reindex_like(values)).replace([np.inf, -np.inf], np.nan)
    starts = rows.drop_duplicates("period").set_index("period")["period_start"]
    for period in sorted(values.columns, key=lambda p: starts.get(p), reverse=True):
        column = values[period].dropna()
        if len(column) >= min_share * len(districts):
            return (np.log(column) if spec.get("transform") == "log" else column), period
    return None


def _first_values(rows: pd.DataFrame, breakdown: str) -> pd.DataFrame:
    """Each area's first non-missing value per period (areas × periods that have one), as
    ``pivot_table(aggfunc="first")`` gives it, without its general machinery (a third of the time)."""
    given = rows[(rows["breakdown"] == breakdown).to_numpy() & rows["value"].notna().to_numpy()]
    return given.drop_duplicates(["area_code", "period"]).pivot(index="area_code", columns="period", values="value")


def similar_districts(tidy: pd.DataFrame, districts: set[str], settings_path: Path = SIMILAR_TOML
                      ) -> tuple[pd.DataFrame, dict]:
    """Each of today's ``districts``' nearest districts over the standardised variables, and the method."""
    with open(settings_path, "rb") as fh:
        settings = tomllib.load(fh)
    k, min_share = int(settings["neighbours"]), float(settings["min_coverage"])
    districts = {c for c in districts if c[:3] in DISTRICT_PREFIXES}
    columns, used = {}, []
    wanted = {spec["indicator"] for spec in settings["variables"]}  # (their rows picked out once)
    rows = tidy[(tidy["indicator"].isin(wanted) & tidy["area_code"].isin(districts)).to_numpy()]
    indicators = rows["indicator"].to_numpy(dtype=object)
    of_indicator = {i: rows[indicators == i] for i in wanted}  # (each indicator's rows, and values, read once)
    firsts: dict[str, dict] = {i: {} for i in wanted}
    for spec in settings["variables"]:
        found = _variable(of_indicator[spec["indicator"]], spec, districts, min_share, firsts[spec["indicator"]])
        if found is not None:
            columns[spec["label"]] = found[0]
            used.append({**spec, "period": found[1]})
    method = {"neighbours": k, "variables": used, "districts": 0, "left_out": []}
    if len(columns) < 2:
        return pd.DataFrame(columns=SIMILAR_SCHEMA.names), method
    table = pd.DataFrame(columns)
    complete = table.dropna().sort_index()
    method["left_out"] = sorted(districts - set(complete.index))
    method["districts"] = len(complete)
    z = ((complete - complete.mean()) / complete.std(ddof=0).replace(0, 1)).to_numpy()
    distances = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(distances, np.inf)
    codes = complete.index.to_numpy()
    rows = []
    for i, code in enumerate(codes):
        nearest = np.argsort(distances[i], kind="stable")[:k]
        rows.extend((code, rank + 1, codes[j], round(float(distances[i, j]), 6)) for rank, j in enumerate(nearest)
                    if math.isfinite(distances[i, j]))
    return pd.DataFrame(rows, columns=SIMILAR_SCHEMA.names), method


def group_figures(tidy: pd.DataFrame, neighbours: pd.DataFrame, similar: pd.DataFrame) -> pd.DataFrame:
    """Each group's combined figure per indicator and period (total breakdown), by the indicator's rule."""
    members = pd.concat([
        neighbours[["area_code", "neighbour_code"]].assign(group="neighbours"),
        similar[["area_code", "neighbour_code"]].assign(group="similar"),
    ], ignore_index=True).rename(columns={"neighbour_code": "member_code"})
    out = aggregate_groups(tidy, members, breakdown="total")
    return out[GROUPS_SCHEMA.names].sort_values(["group", "area_code", "indicator", "period"],
                                                kind="mergesort").reset_index(drop=True)


def build_groups(parsed, geo, tidy: pd.DataFrame) -> tuple[dict, list[Problem]]:
    """Every comparator-group table of a release (and the warnings: LA numbers left unmapped)."""
    neighbours, problems = statistical_neighbours(parsed, geo)
    today = {geo.current_code(d) for d in geo.districts}
    similar, method = similar_districts(tidy, today) if not tidy.empty else (pd.DataFrame(columns=SIMILAR_SCHEMA.names), {})
    figures = group_figures(tidy, neighbours, similar) if not tidy.empty else pd.DataFrame(columns=GROUPS_SCHEMA.names)
    return {"neighbours": neighbours, "similar_districts": similar, "comparator_groups": figures,
            "similar_method": method}, problems


def release_files(groups: dict) -> dict[str, bytes]:
    """The tables as Parquet bytes with their explicit schemas, and the method as JSON, for the release
    (converted on this thread: for a few thousand rows, starting pyarrow's pool of threads costs more)."""
    import io
    import json

    import pyarrow.parquet as pq

    files = {}
    for name, schema in (("neighbours", NEIGHBOURS_SCHEMA), ("similar_districts", SIMILAR_SCHEMA),
                         ("comparator_groups", GROUPS_SCHEMA)):
        buffer = io.BytesIO()
        frame = groups[name].astype({f.name: "object" for f in schema if f.type == pa.string()})
        pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False, nthreads=1), buffer)
        files[f"{name}.parquet"] = buffer.getvalue()
    files["similar_districts.json"] = json.dumps(groups["similar_method"], indent=2, default=str)
    return files
