"""The population behind each published rate, for indicators published as rates only.

ONS Explore Local Statistics gives the claimant rate (per 100 residents aged 16-64) and DfE's
apprenticeship rates (per 100,000 residents aged 16-64) without the counts behind them. An area made
of areas is then the rate of the summed (estimated) counts: sum(rate x population) / sum(population),
which needs each member's population in the band the catalogue names (``population_band``).

Which mid-year estimate: the one of the calendar year the period starts in (2021 -> mid-2021; the
academic year 2019/20 -> mid-2019, as DfE divides an academic year's count by the mid-year estimate of
the year it starts). Where that year is later than any estimate in the release (not published yet),
the latest one is used, as ONS does, and the year asked for is kept so the figure's note can say so.
Only ``total`` rows are weighted: a rate for one sex or age group is a share of another population.
"""
from __future__ import annotations

import pandas as pd

from vocab.catalogue import INDICATORS, POPULATION_INDICATOR

WEIGHT_COLUMNS = ["indicator", "area_code", "period", "breakdown", "weight", "population_year", "requested_year"]


def population_year(period_start: pd.Series) -> pd.Series:
    """The mid-year estimate a period's rate is a share of: the calendar year the period starts in."""
    return pd.to_datetime(period_start).dt.year.astype("int64")


def population_weights(tidy: pd.DataFrame) -> pd.DataFrame:
    """For every ``total`` row of a rates-only indicator: its area's population (``weight``, NaN when the
    release has none), the mid-year used (``population_year``) and the one asked for (``requested_year``).
    Indicators weighted by the same population band are looked up together, in one merge."""
    population = tidy[((tidy["indicator"] == POPULATION_INDICATOR) & tidy["value"].notna()).to_numpy()]
    total = (tidy["breakdown"] == "total").to_numpy()
    by_band: dict[str, list] = {}  # band -> [(indicator id, its rows asking for a population)]
    for indicator_id, ind in INDICATORS.items():
        if ind.denominator != "population":
            continue
        rows = tidy[(tidy["indicator"] == indicator_id).to_numpy() & total]
        if not rows.empty:
            by_band.setdefault(ind.population_band, []).append((indicator_id, rows))
    weighted = {}
    for band_name, asking in by_band.items():
        band = population[(population["breakdown"] == band_name).to_numpy()]
        years = population_year(band["period_start"])
        latest = int(years.max()) if len(band) else None
        rows = pd.concat([r for _, r in asking], ignore_index=True) if len(asking) > 1 else asking[0][1]
        wanted = rows[["indicator", "area_code", "period", "breakdown"]].assign(
            requested_year=population_year(rows["period_start"]).to_numpy())
        wanted["population_year"] = wanted["requested_year"].clip(upper=latest) if latest else wanted["requested_year"]
        sizes = pd.DataFrame({"area_code": band["area_code"].to_numpy(), "population_year": years.to_numpy(),
                              "weight": band["value"].to_numpy()})
        merged = wanted.merge(sizes, on=["area_code", "population_year"], how="left")
        if len(asking) == 1:
            weighted[asking[0][0]] = merged
        else:  # (a left merge keeps the rows' order: each indicator's rows stay together)
            ids = merged["indicator"].to_numpy()
            for indicator_id, _ in asking:
                weighted[indicator_id] = merged[ids == indicator_id]
    frames = [weighted[i] for i in INDICATORS if i in weighted]  # (in the catalogue's order, as ever)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "weight" else object) for c in WEIGHT_COLUMNS})
    return pd.concat(frames, ignore_index=True)[WEIGHT_COLUMNS]
