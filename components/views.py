"""Shared view helpers: safe page layouts, series for a district and its comparators, key figures.

Thin glue between ``data_access`` (queries) and the pure builders in ``components.figures``.
"""
from __future__ import annotations

import functools
import logging

import numpy as np
import pandas as pd
from dash import html
from flask import has_request_context, request

import data_access
from components import figures, frame_memo, params, plain_tree
from components.cards import friendly_message
from components.formatting import format_value, is_missing, period_text
from components.home_picker import home_picker_tree
from vocab.catalogue import INDICATORS

log = logging.getLogger(__name__)


def is_validation_call() -> bool:
    """True while Dash builds its validation layout (on a page request, not in the router callback).

    That layout only needs the pages' component ids; a full render of every page would be embedded
    in every HTML response (~700 KB), so pages return a skeleton with their ids instead.
    """
    from components.first_view import RENDERING  # the first view renders the page in full

    return has_request_context() and not request.path.endswith("_dash-update-component") and not RENDERING.get()


def safe_layout(func=None, *, skeleton=None):
    """Wrap a page layout so nothing a user types in a URL can produce a traceback or HTTP 500; the
    link's ``home=`` (checked here) is the home area while the page renders."""
    if func is None:
        return functools.partial(safe_layout, skeleton=skeleton)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if is_validation_call():
            return skeleton() if skeleton else html.Div()
        try:
            rel = data_access.load()
            # a district page's district may not be in the new home area: the choice goes to the home page
            action, keep = ("/" if "area_code" in kwargs else ""), {"indicator": kwargs.get("indicator")}
            try:
                home = params.home(kwargs.pop("home", None), rel)
            except params.BadParam as exc:
                return html.Div([home_picker_tree(rel, action, keep), friendly_message("That link doesn't work", str(exc))])
            with data_access.home_as(home):
                # plain dicts, not components: Dash's JSON encoder then needs no walk of its own (plain_tree)
                return plain_tree.tree(html.Div([home_picker_tree(rel, action, keep), func(*args, **kwargs)]))
        except data_access.NoReleaseError as exc:
            log.error("%s", exc)
            return friendly_message("No data yet", data_access.NO_RELEASE + ".")
        except Exception:  # noqa: BLE001 - the last line of defence for user-facing pages; logged in full
            log.exception("page layout failed for %s(%r)", func.__name__, kwargs)
            return friendly_message("Sorry, something went wrong",
                                    "This view could not be shown. Try the home page, or check the link.")
    return wrapper


def comparator_series(rel, ind_id: str, code: str | None, roles: list[str]) -> list[dict]:
    """Lines for the chosen comparators (home area, the district's region, England)."""
    lines = []
    for role, comp_code, name in rel.comparators(code, ind_id):
        if role in roles:
            s = rel.series(ind_id, comp_code)
            if len(s):
                lines.append({"name": name, "role": role, "df": s, "code": comp_code})
    return lines


def district_line(rel, ind_id: str, code: str, breakdown: str = "total") -> dict:
    res = rel.resolve(ind_id, code)
    name = res.label or res.name
    return {"name": name, "role": "district", "df": rel.series(ind_id, res.code, breakdown), "code": res.code}


def series_table(lines: list[dict], ind_id: str) -> pd.DataFrame:
    """Period rows in time order (each line's ``period_start``), one column per line, formatted as on screen
    (the chart's table alternative). Lines are outer-joined on the period; the usual case (names and periods
    distinct, no empty line) is put together from lists, the same frame without a merge per line."""
    ind = INDICATORS[ind_id]
    cols = [frame_memo.derived(line["df"], ("table-cells", ind_id), lambda df=line["df"]: (
        [period_text(p) for p in df["period"]], [format_value(v, ind, s) for v, s in zip(df["value"], df["status"])]))
        for line in lines]
    when: dict[str, object] = {}  # a period's text -> its start, first seen first
    for line, (periods, _) in zip(lines, cols):
        for text, (start, _period, _day) in zip(periods, figures.start_periods(line["df"])):
            when.setdefault(text, start)
    names = [line["name"] for line in lines]
    if len(lines) > 1 and len(set(names)) == len(names) and "Period" not in names and all(
            isinstance(n, str) for n in names) and all(p and len(set(p)) == len(p) for p, _ in cols):
        keys = sorted(when, key=when.__getitem__)
        table = {"Period": keys}
        for name, (periods, texts) in zip(names, cols):
            at = dict(zip(periods, texts))
            table[name] = [at.get(k, np.nan) for k in keys]
        return pd.DataFrame(table)
    out = None
    for name, (periods, texts) in zip(names, cols):
        col = pd.DataFrame({"Period": periods, name: texts})
        out = col if out is None else out.merge(col, on="Period", how="outer", sort=False)
    if out is None:
        return pd.DataFrame({"Period": []})
    order = sorted(range(len(out)), key=lambda i: when[out["Period"].iat[i]])  # stable: ties keep merge order
    return out.iloc[order].reset_index(drop=True)


def values_table(df: pd.DataFrame, ind_id: str, name_col: str = "area_name", label: str = "Area") -> pd.DataFrame:
    ind = INDICATORS[ind_id]
    return pd.DataFrame({label: list(df[name_col]),
                         ind.label: [format_value(v, ind, s) for v, s in zip(df["value"], df["status"])]})


def change_list(rel, ind_id: str, code: str, period: str) -> list[tuple[str, float]]:
    """[(when, delta)] against the previous period and a year earlier (when they differ), never across a
    series break or from or into a part year."""
    from components import planner

    value, _ = rel.value(ind_id, code, period)
    out = []
    prev = rel.previous_period(ind_id, period)
    year = rel.period_offset(ind_id, period, 12)
    for when in dict.fromkeys(p for p in (prev, year) if p and planner.comparable(ind_id, p, period)):
        before, _ = rel.value(ind_id, code, when)
        if not (is_missing(value) or is_missing(before)):
            out.append((period_text(when, INDICATORS[ind_id]), value - before))
    return out


def demo_notice(rel):
    if not rel.is_demo:
        return None
    return html.P([html.Strong("Demo data — not official statistics. "),
                   "Every figure in this release is invented by a generator to show how the dashboard works."],
                  className="alert alert-warning py-2 small pdp-demo-notice", role="note")
