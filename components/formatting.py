"""Plain-English numbers, changes, periods and polarity wording (no colour carries meaning)."""
from __future__ import annotations

import calendar
import numbers
import re

from pandas import NA

from vocab import statuses
from vocab.catalogue import Indicator

POLARITY_WORDS = {"lower": "Lower is better", "higher": "Higher is better", None: "No judgement: neither "
                  "higher nor lower is better"}
UNIT_SUFFIX = {"percent": "%", "count": "", "score": "", "per_100k": ""}


def is_missing(value) -> bool:
    """No figure: None, pandas' NA or a NaN (of any kind of float); a text or a number is there."""
    return value is None or value is NA or (isinstance(value, numbers.Real) and value != value)


def format_value(value, ind: Indicator, status: str = "ok") -> str:
    """'3.4%', '1,230', '47.2' by the indicator's unit and published ``decimals``; words for gaps."""
    if is_missing(value):
        return statuses.label(status)
    return f"{value:,.{ind.decimals}f}{UNIT_SUFFIX.get(ind.unit, '')}"


def format_change(delta, ind: Indicator) -> str:
    """'up 0.3 percentage points', 'down 1,200', 'no change' (neutral words, no colour)."""
    if is_missing(delta):
        return "no comparison available"
    rounded = round(delta, ind.decimals)
    if rounded == 0:
        return "no change"
    unit = {"percent": " percentage points", "score": " points"}.get(ind.unit, "")
    if ind.unit == "percent" and abs(rounded) == 1:
        unit = " percentage point"
    return f"{'up' if rounded > 0 else 'down'} {abs(rounded):,.{ind.decimals}f}{unit}"


def polarity_text(ind: Indicator) -> str:
    return POLARITY_WORDS.get(ind.polarity, POLARITY_WORDS[None])


def period_text(period: str | None, ind: Indicator | None = None) -> str:
    """'2021-03' -> 'March 2021', '2019/20' -> '2019/20 academic year', others unchanged; with the
    indicator, as its publisher describes the period (NEET '2021' -> 'December 2020 to February 2021
    average', CJRS '2020-06' -> '1 March to 30 June 2020 (cumulative)')."""
    if not period:
        return "no period"
    if ind is not None and ind.period_label:
        year = int(period[:4]) if period[:4].isdigit() else None
        month = int(period[5:7]) if re.fullmatch(r"\d{4}-\d{2}", period) else None
        if year is not None:
            return ind.period_label.format(year=year, prev_year=year - 1, period=period,
                                           month_name=calendar.month_name[month] if month else "",
                                           last_day=calendar.monthrange(year, month)[1] if month else "")
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        month = int(m[2])
        if 1 <= month <= 12:
            return f"{calendar.month_name[month]} {m[1]}"
    if re.fullmatch(r"\d{4}/\d{2}", period):
        return f"{period} academic year"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        return f"Quarter {m[2]} {m[1]}"
    return period


def period_phrase(period: str | None, ind: Indicator | None = None) -> str:
    """The period inside a sentence: 'in 2019/20', 'in March 2021' ('academic year' is for titles)."""
    return period_text(period, ind).replace(" academic year", "")


def axis_suffix(ind: Indicator) -> str:
    return UNIT_SUFFIX.get(ind.unit, "")


def breakdown_label(dimension: str) -> str:
    return {"age": "Age group", "sex": "Sex", "level": "Level", "sector": "Sector"}.get(dimension,
                                                                                       dimension.capitalize())
