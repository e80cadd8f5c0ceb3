"""The home-area picker: a plain GET form (label, native select, button), so it works by keyboard and
without scripts, and the choice lands in the URL (``?home=``) like every other setting."""
from __future__ import annotations

import functools

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import plain_tree

LEVEL_NAMES = {"lep": "LEP", "lsip": "LSIP", "combined_authority": "combined authority", "upper_tier": "county",
               "region": "region"}


def home_picker(rel, action: str = "", keep: dict | None = None):
    """Every LEP, LSIP, combined authority, county and region the release's lookups know, the current
    home area chosen; ``keep`` (e.g. the measure) travels with the new choice as hidden fields."""
    choices = rel.home_choices()
    options = [{"label": f"{name} ({LEVEL_NAMES.get(level, level)})", "value": code}
               for code, name, level in choices[["area_code", "area_name", "area_level"]].itertuples(index=False)]
    hidden = [dcc.Input(type="hidden", name=k, value=v) for k, v in (keep or {}).items() if v]
    return html.Form([
        dbc.Label("Home area", html_for="home-picker-select", className="mb-0 me-2 fw-bold"),
        dbc.Select(id="home-picker-select", name="home", value=rel.home_code(), options=options,
                   className="w-auto d-inline-block me-2", size="sm"),
        *hidden,
        html.Button("Show", type="submit", className="btn btn-primary btn-sm"),
        html.Span(f" {len(options)} areas: LEPs, LSIPs, combined authorities, counties and regions",
                  className="small text-muted ms-2 d-none d-md-inline"),
    ], method="GET", action=action, className="pdp-home-picker d-flex flex-wrap align-items-center mb-3",
        role="search", **{"aria-label": "Choose the home area"})


def home_picker_tree(rel, action: str = "", keep: dict | None = None) -> dict:
    """``home_picker`` as a plain tree, built once per release, home area, action and kept values: every page
    carries it, and its ~120 options took ~1 ms to build each time. Shared between replies: never changed."""
    import data_access

    return _picker_tree(str(data_access.processed_dir()), rel.id, rel.home_code(), action,
                        tuple(sorted((keep or {}).items())))


@functools.lru_cache(maxsize=256)
def _picker_tree(folder: str, release_id: str, home: str, action: str, keep: tuple) -> dict:
    """``folder`` is only part of the key: two folders may hold releases with one id."""
    import data_access

    with data_access.home_as(home):
        return plain_tree.tree(home_picker(data_access.load(release_id), action, dict(keep)))
