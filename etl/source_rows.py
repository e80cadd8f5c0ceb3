"""One source's own rows of the indicators table, summarised for the report and release.json.

A national table is 5 M rows of one source: what the report says of them (indicators, areas, first and
last period, statuses) is read from the text columns' category codes, without copying or sorting the
rows. Anything the codes cannot settle (object columns; two period labels starting on the first or last
day) is worked out from the rows, as before.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from etl.texts import is_categorical

SUMMARY_COLUMNS = ["indicator", "area_code", "period", "period_start", "status"]


class SourceRows:
    """The published (not derived) rows of one source in ``df``."""

    def __init__(self, df: pd.DataFrame, source_id: str):
        self.df = df
        self.mask = None if df.empty else (df["source"] == source_id).to_numpy(dtype=bool) & ~df[
            "derived"].to_numpy(dtype=bool)
        self.count = 0 if self.mask is None else int(np.count_nonzero(self.mask))
        self.coded = not df.empty and all(is_categorical(df[c]) for c in SUMMARY_COLUMNS if c != "period_start")

    def described(self) -> dict:
        """indicators, areas, periods (first, last, count) and status_counts, as the report gives them."""
        if not self.coded:
            return self._from_rows()
        periods = self._used("period")
        first, last = self._period_at("min"), self._period_at("max")
        if first is None or last is None:
            return self._from_rows()
        statuses = self.df["status"]
        counts = np.bincount(statuses.array.codes[self.mask] + 1, minlength=len(statuses.cat.categories) + 1)[1:]
        return {"indicators": sorted(self._used("indicator")), "areas": len(self._used("area_code")),
                "periods": {"first": first, "last": last, "count": len(periods)},
                "status_counts": {k: int(v) for k, v in zip(statuses.cat.categories, counts) if k != "ok" and v}}

    def area_codes(self) -> set:
        if self.coded:
            return set(self._used("area_code"))
        return set(self.df.loc[self.mask, "area_code"].unique())

    def _used(self, column: str) -> list:
        """The categories of ``column`` the rows have (missing left out, as ``nunique`` leaves it)."""
        series = self.df[column]
        used = np.bincount(series.array.codes[self.mask] + 1, minlength=len(series.cat.categories) + 1)[1:] > 0
        return series.cat.categories[used].tolist()

    def _period_at(self, end: str) -> str | None:
        """The period label of the rows starting first (``min``) or last (``max``); None when there is no one
        label (two labels starting that day, or a row without a start: the rows' sort decides then)."""
        starts = self.df["period_start"].to_numpy()[self.mask]
        if np.isnat(starts).any():
            return None
        at = starts.min() if end == "min" else starts.max()
        codes = self.df["period"].array.codes[self.mask][starts == at]
        if codes.min() < 0 or codes.min() != codes.max():
            return None
        return self.df["period"].cat.categories[codes[0]]

    def _from_rows(self) -> dict:
        rows = self.df[SUMMARY_COLUMNS][self.mask]
        ordered = rows[["period_start", "period"]].sort_values("period_start")
        return {
            "indicators": sorted(rows["indicator"].unique().tolist()),
            "areas": int(rows["area_code"].nunique()),
            "periods": {"first": ordered["period"].iloc[0], "last": ordered["period"].iloc[-1],
                        "count": int(rows["period"].nunique())},
            "status_counts": {k: int(v) for k, v in rows["status"].value_counts().sort_index().items()
                              if k != "ok" and v},  # (a categorical counts its unused statuses as 0)
        }
