"""`python -m etl diff [OLD] [NEW]`: what changed between two releases ("what's new in this release").

Compares two releases' tidy tables and reports, for the analyst on the terminal and for the
dashboard's home page as ``releases/<new_id>/diff.json`` (+ ``diff.txt``):

- new periods per source and indicator;
- revised values beyond the source's rounding: publisher figures only (derived aggregates move with
  their inputs), a change counts when it is larger than half a unit of the last published decimal
  (``catalogue.INDICATORS[id].decimals``: > 0.05 for 1 dp, > 0.5 for whole numbers) or, for counts
  the publisher rounds to a base (claimant count to 5, apprenticeships to 10, CJRS to 100;
  ``catalogue.Indicator.rounding_base``), larger than one rounding step;
- values that appeared or disappeared (a status change, e.g. ``ok`` -> ``suppressed``);
- areas added or removed (by GSS code);
- rank moves among the home area's districts: per headline indicator (``catalogue.TOPICS``), each
  release's latest period in which at least two home districts have a value, ranked by polarity
  (1 = best; ties share the better rank).

diff.json (schema_version 1)::

    {"schema_version": 1, "created": "<ISO UTC>", "old_release": "<id>", "new_release": "<id>",
     "home_area_code": "E37000019", "home_area_name": "Lancashire",
     "summary": {"new_periods": int, "revisions": int, "status_changes": int, "areas_added": int,
                 "areas_removed": int, "rank_moves": int},
     "new_periods": [{"source", "indicator", "label", "periods": [...], "latest": "2020-05"}],
     "revisions_by_indicator": {"<indicator>": int},
     "revisions": [{"indicator", "source", "area_code", "area_name", "area_level", "period", "breakdown",
                    "old_value", "new_value", "change", "tolerance", "is_home_area"}],  # at most MAX_LISTED
     "revisions_truncated": bool,
     "status_changes": [{"indicator", "source", "area_code", "area_name", "period", "breakdown",
                         "old_status", "new_status", "old_value", "new_value"}],  # at most MAX_LISTED
     "areas_added": [{"area_code", "area_name", "area_level"}], "areas_removed": [...],
     "rank_moves": [{"indicator", "label", "polarity", "old_period", "new_period", "districts": n,
                     "moves": [{"area_code", "area_name", "old_rank", "new_rank", "change"
                                (positive = moved towards 1st), "old_value", "new_value"}]}]}
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import config
from etl.errors import EtlError, Problem, ReleaseError
from etl.memory import give_back
from etl.texts import TEXT_COLUMNS, as_categories, as_objects, distinct_texts, is_categorical, union_categories
from vocab.catalogue import INDICATORS, TOPICS

SCHEMA_VERSION = 1
MAX_LISTED = 500  # revisions / status changes listed in diff.json (counts are always complete)
TEXT_LINES = 12  # revisions shown on the terminal
KEY = ["indicator", "area_code", "period", "breakdown"]
KEY_LIMIT = 2 ** 62  # a combined key is renumbered densely before it could pass this (int64)
READ_COLUMNS = KEY + ["area_name", "area_level", "source", "value", "status", "derived", "period_start"]
PARENT_COLUMNS = ("upper_tier_code", "lep_code", "lsip_code", "combined_authority_code", "region_code",
                  "country_code")


# --- pure comparisons -----------------------------------------------------------------------------------

def tolerance(indicator_id: str) -> float:
    """The largest change that may be rounding alone, for a publisher's figure of this indicator."""
    if indicator_id in INDICATORS and INDICATORS[indicator_id].rounding_base > 1:
        return float(INDICATORS[indicator_id].rounding_base)
    decimals = INDICATORS[indicator_id].decimals if indicator_id in INDICATORS else 1
    return 0.5 * 10 ** (-decimals)


def _num(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _str(value) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA else str(value)


def _period_order(df: pd.DataFrame) -> dict[str, pd.Timestamp]:
    """period label -> its first day (to sort mixed labels)."""
    if "period_start" in df.columns:
        first = df.groupby("period", sort=False, observed=True)["period_start"].min()
        return {str(k): v for k, v in first.items()}
    return {}


def new_periods(old_df: pd.DataFrame, new_df: pd.DataFrame) -> list[dict]:
    """Per (source, indicator): the periods in the new release that the old one did not have."""
    order = _period_order(new_df)
    old_df, new_df = _distinct_periods(old_df), _distinct_periods(new_df)
    old_sets = old_df.groupby(["source", "indicator"])["period"].agg(lambda s: set(map(str, s))).to_dict()
    out = []
    for (source, indicator), periods in new_df.groupby(["source", "indicator"])["period"]:
        added = set(map(str, periods)) - old_sets.get((source, indicator), set())
        if added:
            ordered = sorted(added, key=lambda p: (order.get(p, pd.Timestamp.min), p))
            out.append({"source": str(source), "indicator": str(indicator), "label": _label(indicator),
                        "periods": ordered, "latest": ordered[-1]})
    return sorted(out, key=lambda e: (e["indicator"], e["source"]))


PERIOD_SET = ["source", "indicator", "period"]


def _distinct_periods(df: pd.DataFrame) -> pd.DataFrame:
    """Each (source, indicator, period) once, as texts: the few hundred combinations, not millions of rows
    (from category codes where it can: in code order; callers group them into sets)."""
    found = distinct_texts(df, PERIOD_SET)
    return found if found is not None else as_objects(df[PERIOD_SET].drop_duplicates())


def revisions(old_df: pd.DataFrame, new_df: pd.DataFrame, home_codes: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(value revisions beyond rounding, status changes) between the publisher figures of both releases."""
    cols = KEY + ["area_name", "area_level", "source", "value", "status"]
    old_rows, new_rows = _matching_rows(old_df, new_df)
    if not len(old_rows):
        empty = pd.DataFrame(columns=KEY)
        return empty, empty
    value_old, value_new = _values(old_df)[old_rows], _values(new_df)[new_rows]
    has_old, has_new = ~np.isnan(value_old), ~np.isnan(value_new)
    change = value_new - value_old
    limit = _tolerances(new_df["indicator"].iloc[new_rows])
    is_revised, is_status = has_old & has_new & (np.abs(change) > limit + 1e-9), has_old != has_new
    keep = is_revised | is_status  # only these rows become texts
    both = _joined(old_df[cols].iloc[old_rows[keep]], new_df[cols].iloc[new_rows[keep]])
    both["tolerance"], both["change"] = limit[keep], change[keep]
    revised, status = both[is_revised[keep]].copy(), both[is_status[keep]].copy()
    for frame in (revised, status):
        frame["is_home_area"] = frame["area_code"].isin(home_codes)
    revised["size"] = (revised["change"].abs() / revised["tolerance"]).astype(float)
    revised = revised.sort_values(["is_home_area", "size"], ascending=[False, False], kind="mergesort")
    status = status.sort_values(["is_home_area", "indicator", "area_code", "period"],
                                ascending=[False, True, True, True], kind="mergesort")
    return revised, status


def _matching_rows(old: pd.DataFrame, new: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(old row numbers, new row numbers) of the publisher's rows with the same KEY, in the old table's order (as
    an inner merge pairs them): KEY is unique in a release, so each old row meets at most one new row."""
    old_keys, new_keys = _key_numbers(old, new)
    old_published, new_published = _published_rows(old), _published_rows(new)
    at = pd.Index(new_keys[new_published]).get_indexer(old_keys[old_published])
    found = at >= 0
    return old_published[found], new_published[at[found]]


def _key_numbers(old: pd.DataFrame, new: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """One integer per row for its KEY, equal in both tables for equal texts: the columns' codes over shared
    categories, combined (hashing 5 M integers instead of 5 M tuples of strings)."""
    old_keys, new_keys = np.zeros(len(old), dtype=np.int64), np.zeros(len(new), dtype=np.int64)
    for column in KEY:
        old_codes, new_codes, size = _shared_codes(old[column], new[column])
        if (int(max(old_keys.max(initial=0), new_keys.max(initial=0))) + 1) * size >= KEY_LIMIT:
            both, _ = pd.factorize(np.concatenate([old_keys, new_keys]))
            old_keys, new_keys = both[:len(old)].astype(np.int64), both[len(old):].astype(np.int64)
        old_keys, new_keys = old_keys * size + old_codes, new_keys * size + new_codes
    return old_keys, new_keys


def _shared_codes(old: pd.Series, new: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """(old codes, new codes, number of codes) of one text column over the union of both columns' categories;
    missing is code 0 (a merge pairs missing keys with each other too)."""
    old, new = _categorical(old), _categorical(new)
    union = union_categories([old.cat.categories, new.cat.categories])
    codes = [s.cat.set_categories(union).cat.codes.to_numpy(dtype=np.int64) + 1 for s in (old, new)]
    return codes[0], codes[1], len(union) + 1


def _categorical(series: pd.Series) -> pd.Series:
    """``series`` as a categorical (a table from a caller or a test may have plain texts)."""
    return series if is_categorical(series) else as_categories(series.to_frame())[series.name]


def _tolerances(indicator: pd.Series) -> np.ndarray:
    """Each row's tolerance, worked out once per distinct indicator."""
    indicator = _categorical(indicator)
    per_code = np.array([tolerance(str(i)) for i in indicator.cat.categories] + [math.nan], dtype=float)
    return per_code[indicator.cat.codes.to_numpy()]


def _joined(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Paired rows side by side as a merge on KEY names them (KEY once, other columns _old/_new), as texts."""
    old, new = as_objects(old).reset_index(drop=True), as_objects(new).reset_index(drop=True)
    return pd.concat([old[KEY], old.drop(columns=KEY).add_suffix("_old"), new.drop(columns=KEY).add_suffix("_new")],
                     axis=1)


def _values(df: pd.DataFrame) -> np.ndarray:
    """The value column as floats, missing as NaN (also from a nullable column)."""
    return df["value"].to_numpy(dtype=float, na_value=np.nan)


def _published_rows(df: pd.DataFrame) -> np.ndarray:
    """Numbers of the rows as the publisher gave them (not our derived aggregates)."""
    if "derived" not in df.columns:
        return np.arange(len(df))
    return np.flatnonzero(~df["derived"].to_numpy(dtype=bool))


def area_changes(old_df: pd.DataFrame, new_df: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """(areas added, areas removed) by GSS code over all indicators."""
    def areas(df):
        first = df[["area_code", "area_name", "area_level"]].dropna(subset=["area_code"]).drop_duplicates("area_code")
        return {str(r.area_code): {"area_code": str(r.area_code), "area_name": _str(r.area_name),
                                   "area_level": _str(r.area_level)} for r in first.itertuples()}

    old, new = areas(old_df), areas(new_df)
    added = [new[c] for c in sorted(set(new) - set(old))]
    removed = [old[c] for c in sorted(set(old) - set(new))]
    return added, removed


def district_ranks(df: pd.DataFrame, indicator_id: str, districts: list[str]) -> tuple[str | None, pd.DataFrame]:
    """(period, frame of area_code, area_name, value, rank) for the latest period in which at least two
    of ``districts`` have a value; rank 1 = best by the indicator's polarity."""
    polarity = INDICATORS[indicator_id].polarity if indicator_id in INDICATORS else None
    rows = df[(df["indicator"] == indicator_id) & (df["breakdown"] == "total") & df["area_code"].isin(districts)
              & df["value"].notna()]
    if "area_level" in rows.columns:
        rows = rows[rows["area_level"].isna() | (rows["area_level"] == "district")]
    rows = as_objects(rows)  # the few home-district rows, ranked and sorted by their texts
    if rows.empty or polarity is None:
        return None, pd.DataFrame()
    counts = rows.groupby("period")["area_code"].nunique()
    candidates = counts[counts >= 2].index.tolist()
    if not candidates:
        return None, pd.DataFrame()
    order = _period_order(rows)
    period = max(candidates, key=lambda p: (order.get(str(p), pd.Timestamp.min), str(p)))
    latest = rows[rows["period"] == period].drop_duplicates("area_code")[["area_code", "area_name", "value"]].copy()
    latest["rank"] = latest["value"].rank(method="min", ascending=(polarity == "lower")).astype(int)
    return str(period), latest.sort_values(["rank", "area_code"]).reset_index(drop=True)


def _home_rows(df: pd.DataFrame, districts: list[str]) -> pd.DataFrame:
    """The rows ``district_ranks`` may rank (totals of ``districts`` with a value), found once for every topic."""
    return df[(df["breakdown"] == "total") & df["area_code"].isin(districts) & df["value"].notna()]


def rank_moves(old_df: pd.DataFrame, new_df: pd.DataFrame, districts: list[str]) -> list[dict]:
    """Per headline indicator: each home district's rank in the old and the new release."""
    out = []
    old_df, new_df = _home_rows(old_df, districts), _home_rows(new_df, districts)  # (a few hundred, not 5 M)
    for _, (_, indicator_id) in TOPICS.items():
        old_period, old = district_ranks(old_df, indicator_id, districts)
        new_period, new = district_ranks(new_df, indicator_id, districts)
        if new.empty:
            continue
        if old.empty:
            old = pd.DataFrame({"area_code": pd.Series(dtype=object), "value": pd.Series(dtype=float),
                                "rank": pd.Series(dtype=float)})
        merged = new.merge(old[["area_code", "value", "rank"]], on="area_code", how="left", suffixes=("_new", "_old"))
        moves = []
        for r in merged.to_dict("records"):
            old_rank = None if pd.isna(r["rank_old"]) else int(r["rank_old"])
            moves.append({"area_code": str(r["area_code"]), "area_name": _str(r["area_name"]),
                          "old_rank": old_rank, "new_rank": int(r["rank_new"]),
                          "change": None if old_rank is None else old_rank - int(r["rank_new"]),
                          "old_value": _num(r["value_old"]), "new_value": _num(r["value_new"])})
        out.append({"indicator": indicator_id, "label": _label(indicator_id),
                    "polarity": INDICATORS[indicator_id].polarity, "old_period": old_period,
                    "new_period": new_period, "districts": len(moves), "moves": moves})
    return out


def home_districts(areas: pd.DataFrame | None, home_code: str) -> list[str]:
    """The district codes inside the home area (any parent column equal to it, or the district itself)."""
    if areas is None or areas.empty:
        return []
    districts = areas[areas["area_level"] == "district"]
    mask = districts["area_code"] == home_code
    for col in PARENT_COLUMNS:
        if col in districts.columns:
            mask |= districts[col] == home_code
    return sorted(str(c) for c in districts.loc[mask.fillna(False), "area_code"])


def diff_releases(old_df: pd.DataFrame, new_df: pd.DataFrame, old_meta: dict, new_meta: dict,
                  home_districts: list[str]) -> dict:
    """Everything that changed from the old release to the new one, as the diff.json document."""
    home = set(home_districts) | {new_meta.get("home_area_code") or ""}
    periods = new_periods(old_df, new_df)
    revised, status = revisions(old_df, new_df, home)
    added, removed = area_changes(old_df, new_df)
    ranks = rank_moves(old_df, new_df, list(home_districts))
    moved = sum(1 for block in ranks for m in block["moves"] if m["change"])
    return {
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "old_release": old_meta.get("id"), "new_release": new_meta.get("id"),
        "home_area_code": new_meta.get("home_area_code"), "home_area_name": new_meta.get("home_area_name"),
        "summary": {"new_periods": sum(len(p["periods"]) for p in periods), "revisions": len(revised),
                    "status_changes": len(status), "areas_added": len(added), "areas_removed": len(removed),
                    "rank_moves": moved},
        "new_periods": periods,
        "revisions_by_indicator": {str(k): int(v) for k, v in revised["indicator"].value_counts().sort_index().items()}
        if len(revised) else {},
        "revisions": [_revision_record(r) for r in revised.head(MAX_LISTED).to_dict("records")],
        "revisions_truncated": len(revised) > MAX_LISTED,
        "status_changes": [_status_record(r) for r in status.head(MAX_LISTED).to_dict("records")],
        "areas_added": added, "areas_removed": removed,
        "rank_moves": ranks,
    }


def _revision_record(r: dict) -> dict:
    return {"indicator": str(r["indicator"]), "source": _str(r["source_new"]), "area_code": str(r["area_code"]),
            "area_name": _str(r["area_name_new"]), "area_level": _str(r["area_level_new"]),
            "period": str(r["period"]), "breakdown": str(r["breakdown"]), "old_value": _num(r["value_old"]),
            "new_value": _num(r["value_new"]), "change": round(float(r["change"]), 6),
            "tolerance": float(r["tolerance"]), "is_home_area": bool(r["is_home_area"])}


def _status_record(r: dict) -> dict:
    return {"indicator": str(r["indicator"]), "source": _str(r["source_new"]), "area_code": str(r["area_code"]),
            "area_name": _str(r["area_name_new"]), "period": str(r["period"]), "breakdown": str(r["breakdown"]),
            "old_status": _str(r["status_old"]), "new_status": _str(r["status_new"]),
            "old_value": _num(r["value_old"]), "new_value": _num(r["value_new"])}


def _label(indicator_id) -> str:
    return INDICATORS[indicator_id].label if indicator_id in INDICATORS else str(indicator_id)


# --- text ------------------------------------------------------------------------------------------------

def _fmt(value: float | None, indicator_id: str | None = None) -> str:
    """A value as the publisher shows it: the indicator's decimals, thousands separated."""
    if value is None:
        return "n/a"
    if indicator_id in INDICATORS:
        return f"{value:,.{INDICATORS[indicator_id].decimals}f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def render_text(diff: dict) -> str:
    """The diff as plain text for a terminal and diff.txt."""
    s = diff["summary"]
    home = diff.get("home_area_name") or diff.get("home_area_code") or "the home area"
    lines = [f"What changed: release {diff['old_release']} -> {diff['new_release']}",
             f"  {s['new_periods']} new period(s), {s['revisions']} revised value(s) beyond rounding, "
             f"{s['status_changes']} value(s) appeared or withdrawn, {s['areas_added']} area(s) added, "
             f"{s['areas_removed']} removed, {s['rank_moves']} rank move(s) among {home}'s districts", ""]
    lines.append("New periods:")
    for p in diff["new_periods"] or []:
        shown = ", ".join(p["periods"][-6:]) + (f" (+{len(p['periods']) - 6} earlier)" if len(p["periods"]) > 6 else "")
        lines.append(f"  {p['label']} [{p['source']}]: {shown}")
    if not diff["new_periods"]:
        lines.append("  none")
    lines += ["", "Revised values (beyond the publisher's rounding):"]
    for ind, n in diff["revisions_by_indicator"].items():
        lines.append(f"  {_label(ind)}: {n}")
    for r in diff["revisions"][:TEXT_LINES]:
        sign = "+" if r["change"] > 0 else ""
        breakdown = "" if r["breakdown"] == "total" else f" {r['breakdown']}"
        lines.append(f"    {_label(r['indicator'])}, {r['area_name'] or r['area_code']} {r['period']}{breakdown}: "
                     f"{_fmt(r['old_value'], r['indicator'])} -> {_fmt(r['new_value'], r['indicator'])} "
                     f"({sign}{_fmt(r['change'], r['indicator'])})")
    if s["revisions"] > TEXT_LINES:
        lines.append(f"    ... and {s['revisions'] - TEXT_LINES} more (see diff.json)")
    if not s["revisions"]:
        lines.append("  none")
    if diff["status_changes"]:
        lines += ["", "Values that appeared or were withdrawn:"]
        for r in diff["status_changes"][:TEXT_LINES]:
            lines.append(f"    {_label(r['indicator'])}, {r['area_name'] or r['area_code']} {r['period']}: "
                         f"{r['old_status']} {_fmt(r['old_value'], r['indicator'])} -> {r['new_status']} "
                         f"{_fmt(r['new_value'], r['indicator'])}")
    lines += ["", "Areas added:" + ("" if diff["areas_added"] else " none")]
    lines += [f"  {a['area_code']} {a['area_name'] or ''} ({a['area_level'] or '?'})" for a in diff["areas_added"]]
    lines += ["Areas removed:" + ("" if diff["areas_removed"] else " none")]
    lines += [f"  {a['area_code']} {a['area_name'] or ''} ({a['area_level'] or '?'})" for a in diff["areas_removed"]]
    lines += ["", f"Rank among {home}'s districts (1 = best):"]
    for block in diff["rank_moves"]:
        lines.append(f"  {block['label']} ({block['old_period'] or 'none'} -> {block['new_period']}, "
                     f"{'lower' if block['polarity'] == 'lower' else 'higher'} is better):")
        movers = [m for m in block["moves"] if m["change"]]
        for m in movers:
            direction = "up" if m["change"] > 0 else "down"
            lines.append(f"    {m['area_name'] or m['area_code']}: {_ordinal(m['old_rank'])} -> "
                         f"{_ordinal(m['new_rank'])} ({direction} {abs(m['change'])})")
        if not movers:
            lines.append("    no moves")
    if not diff["rank_moves"]:
        lines.append("  no headline indicator has district values for the home area")
    return "\n".join(lines) + "\n"


# --- release files and CLI -----------------------------------------------------------------------------

def load_release(processed: Path, release: str) -> tuple[Path, pd.DataFrame, dict, pd.DataFrame | None]:
    """(folder, indicators, release.json, areas or None) for a release id or a release folder path."""
    folder = Path(release) if Path(release).is_dir() else processed / "releases" / release
    table = folder / "indicators.parquet"
    if not table.is_file():
        raise ReleaseError(Problem(file=str(folder), message="not a release folder",
                                   expected="releases/<id>/indicators.parquet"))
    try:
        meta = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        meta = {}
    meta.setdefault("id", folder.name)
    areas = pd.read_parquet(folder / "areas.parquet") if (folder / "areas.parquet").is_file() else None
    return folder, read_indicators(table), meta, areas


def read_indicators(table: Path) -> pd.DataFrame:
    """The columns a diff reads, texts as categoricals straight from Parquet (a national release whole, as
    strings, is gigabytes)."""
    present = set(pq.read_schema(table).names)
    columns = [c for c in READ_COLUMNS if c in present]
    df = pd.read_parquet(table, columns=columns, read_dictionary=[c for c in columns if c in TEXT_COLUMNS],
                         to_pandas_kwargs={"date_as_object": False})  # datetime64 as in the tidy contract
    give_back()  # the Arrow table it was converted from (hundreds of MB at national scale)
    return df


def default_pair(processed: Path) -> tuple[str, str]:
    """(previous, current) release ids from data/processed/manifest.json."""
    try:
        manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReleaseError(Problem(file="manifest.json", message=f"no releases in {processed}",
                                   expected="a built release (run `python -m etl build` or `demo`)")) from None
    current = manifest.get("current_release")
    ids = [r["id"] for r in manifest.get("releases", [])]
    older = ids[ids.index(current) + 1:] if current in ids else [i for i in ids if i != current]
    if not current or not older:
        raise ReleaseError(Problem(file="manifest.json", message="there is no earlier release to compare with",
                                   expected="two releases", found=", ".join(ids) or "none"))
    return older[0], current


def write_outputs(diff: dict, folder: Path) -> tuple[Path, Path]:
    """Write diff.json and diff.txt atomically into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("diff.json", json.dumps(diff, indent=2, ensure_ascii=False) + "\n"),
                       ("diff.txt", render_text(diff))):
        temp = folder / f".{name}.tmp-{os.getpid()}"
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, folder / name)
        written.append(folder / name)
    return written[0], written[1]


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m etl diff``; 0 done, 2 nothing to compare / bad arguments."""
    parser = argparse.ArgumentParser(prog="python -m etl diff",
                                     description="What changed between two releases (default: previous and current).")
    parser.add_argument("old", nargs="?", help="older release id or folder (default: the release before the current)")
    parser.add_argument("new", nargs="?", help="newer release id or folder (default: the current release)")
    parser.add_argument("--processed", type=Path, default=config.processed_dir(), help="processed data folder")
    parser.add_argument("--out", type=Path, help="where to write diff.json/diff.txt (default: the new release folder)")
    parser.add_argument("--home", default=None, help="home area code (default: the new release's, else config)")
    args = parser.parse_args(argv)
    try:
        if args.old and args.new:
            old_id, new_id = args.old, args.new
        else:
            previous, current = default_pair(args.processed)
            old_id, new_id = args.old or previous, args.new or current
        _, old_df, old_meta, _ = load_release(args.processed, old_id)
        new_folder, new_df, new_meta, areas = load_release(args.processed, new_id)
    except EtlError as exc:
        print(f"diff: {exc}", file=sys.stderr)
        return 2
    home = args.home or new_meta.get("home_area_code") or config.home_area_code()
    new_meta = {**new_meta, "home_area_code": home}
    if areas is not None and "home_area_name" not in new_meta:
        named = areas.loc[areas["area_code"] == home, "area_name"]
        if len(named):
            new_meta["home_area_name"] = str(named.iloc[0])
    diff = diff_releases(old_df, new_df, old_meta, new_meta, home_districts(areas, home))
    json_path, _ = write_outputs(diff, args.out or new_folder)
    print(render_text(diff), end="")
    print(f"\nwritten: {json_path} and diff.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
