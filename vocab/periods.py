"""Period labels: the publishers' many spellings -> our normalised label plus first/last day.

Normalised labels (DESIGN §4): ``2020-03`` month, ``2017/18`` academic year (1 Aug - 31 Jul),
``2020`` calendar year, ``2020-Q2`` quarter. Functions return ``None`` for text they do not
understand, so parsers can report the row and column.
"""
from __future__ import annotations

import calendar
import functools
import re
from datetime import date

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})


def month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def academic_year_label(start_year: int) -> str:
    return f"{start_year:04d}/{(start_year + 1) % 100:02d}"


@functools.lru_cache(maxsize=8192)
def period_bounds(label: str) -> tuple[date, date] | None:
    """First and last day covered by a normalised period label (None for year 0 or 9999's next year:
    no calendar date can hold them). Cached: a release has a few hundred labels over many rows."""
    if not re.match(r"\d{4}", label) or not 1 <= int(label[:4]) <= 9998:
        return None
    if m := re.fullmatch(r"(\d{4})-(\d{2})", label):
        y, mo = int(m[1]), int(m[2])
        if 1 <= mo <= 12:
            return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
        return None
    if m := re.fullmatch(r"(\d{4})/(\d{2})", label):
        y = int(m[1])
        if (y + 1) % 100 != int(m[2]):
            return None
        return date(y, 8, 1), date(y + 1, 7, 31)
    if m := re.fullmatch(r"(\d{4})", label):
        y = int(m[1])
        return date(y, 1, 1), date(y, 12, 31)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", label):
        y, q = int(m[1]), int(m[2])
        last_month = q * 3
        return date(y, last_month - 2, 1), date(y, last_month, calendar.monthrange(y, last_month)[1])
    return None


def frequency(label: str) -> str | None:
    """``month``, ``academic_year``, ``year`` or ``quarter`` for a normalised label."""
    if re.fullmatch(r"\d{4}-\d{2}", label):
        return "month"
    if re.fullmatch(r"\d{4}/\d{2}", label):
        return "academic_year"
    if re.fullmatch(r"\d{4}", label):
        return "year"
    if re.fullmatch(r"\d{4}-Q[1-4]", label):
        return "quarter"
    return None


def parse_month_name(text: str) -> str | None:
    """'March 2020', 'Mar 2020', '2020-03', '2020 March' -> '2020-03'."""
    text = str(text).strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{2})?", text):
        return month_label(int(m[1]), int(m[2])) if 1 <= int(m[2]) <= 12 else None
    if m := re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{4})", text):
        mo = _MONTHS.get(m[1].lower())
        return month_label(int(m[2]), mo) if mo else None
    if m := re.fullmatch(r"(\d{4})\s+([A-Za-z]+)", text):
        mo = _MONTHS.get(m[2].lower())
        return month_label(int(m[1]), mo) if mo else None
    return None


def parse_dfe_time_period(time_period: str, time_identifier: str | None = None) -> str | None:
    """DfE ``time_period`` ('201718', '2021') with its ``time_identifier`` -> our label."""
    text = str(time_period).strip()
    ident = (time_identifier or "").strip().lower()
    if re.fullmatch(r"\d{6}", text):
        start, end = int(text[:4]), int(text[4:])
        if (start + 1) % 100 != end:
            return None
        return academic_year_label(start)
    if re.fullmatch(r"\d{4}", text):
        if "academic" in ident:  # an academic year given by its start
            return academic_year_label(int(text))
        return text
    return None


def parse_iso_interval(text: str) -> str | None:
    """ONS ELS periods: '2020-01-01/P1Y' -> '2020', '2019-08-01/P1Y' -> '2019/20',
    '2020-03-01/P1M' -> '2020-03', '2020-04-01/P3M' -> '2020-Q2'."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})/P(\d+)([YMQ])", str(text).strip())
    if not m:
        return None
    y, mo, n, unit = int(m[1]), int(m[2]), int(m[4]), m[5]
    if unit == "Y" and n == 1:
        if mo == 1:
            return f"{y:04d}"
        if mo == 8:
            return academic_year_label(y)
        if mo == 9:  # some DfE-derived ELS series start the academic year in September
            return academic_year_label(y)
        return None
    if unit == "M" and n == 1:
        return month_label(y, mo)
    if (unit == "M" and n == 3) or (unit == "Q" and n == 1):
        return f"{y}-Q{(mo - 1) // 3 + 1}" if mo in (1, 4, 7, 10) else None
    return None


def parse_year_or_academic(text: str) -> str | None:
    """'2018' -> '2018'; '2017/18' or '2017-18' or '201718' -> '2017/18'."""
    text = str(text).strip()
    if re.fullmatch(r"\d{4}", text):
        return text
    if m := re.fullmatch(r"(\d{4})[/-]?(\d{2})", text):
        return academic_year_label(int(m[1])) if (int(m[1]) + 1) % 100 == int(m[2]) else None
    return None


def months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every (year, month) from ``first`` to ``last`` inclusive."""
    (y, m), out = first, []
    while (y, m) <= last:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
