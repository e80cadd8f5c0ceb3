"""Is a figure significantly different from a comparator? Read from its 95% confidence interval, as DfE does.

DfE's rule for Progress 8: a score is *significantly above* the national average when the whole 95%
interval is above it (lower end > comparator), *significantly below* when the whole interval is below
it (upper end < comparator), and *not significantly different* when the interval includes it (an end
equal to the comparator counts as including it). For pupils' Progress 8 the national average is 0
(``significance_reference`` in the catalogue); for other figures the comparator is England's value.
Pure functions: the dashboard's summaries, cards and CSV downloads all ask these.
"""
from __future__ import annotations

import math

ABOVE, BELOW, NOT_DIFFERENT = "above", "below", "not_different"
PHRASES = {ABOVE: "significantly above", BELOW: "significantly below",
           NOT_DIFFERENT: "not significantly different from"}


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def compare_interval(lower: float | None, upper: float | None, reference: float | None) -> str | None:
    """``above`` / ``below`` / ``not_different``; None when there is no interval or nothing to compare with."""
    if _missing(lower) or _missing(upper) or _missing(reference):
        return None
    if lower > upper:
        raise ValueError(f"a confidence interval's lower end {lower} is above its upper end {upper}")
    if lower > reference:
        return ABOVE
    if upper < reference:
        return BELOW
    return NOT_DIFFERENT


def significance_label(lower: float | None, upper: float | None, reference: float | None,
                       reference_name: str = "England") -> str | None:
    """'significantly above England', 'significantly below England' or 'not significantly different from
    England' (None without an interval)."""
    verdict = compare_interval(lower, upper, reference)
    return None if verdict is None else f"{PHRASES[verdict]} {reference_name}"
