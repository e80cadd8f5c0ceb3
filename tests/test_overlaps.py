"""Two files with the same figures: one file's set per period where they conflict, never a silent mix."""
import math

import pandas as pd
import pytest

from etl.overlaps import resolve_overlaps
from etl.schema import tidy_frame


def frame(file, order, indicator, unit, values, period, counts=False, breakdown="total"):
    out = tidy_frame([{"indicator": indicator, "area_code": code, "area_name": code, "area_level": "upper_tier",
                       "period": period, "breakdown": breakdown, "value": value, "status": "ok",
                       "numerator": value * 100 if counts else math.nan, "denominator": 100 if counts else math.nan,
                       "unit": unit, "source": file} for code, value in values.items()])
    return out.assign(_file=file, _order=order)


def kept(result):
    df = result.rows
    return {(c, p, b): (f, v) for c, p, b, f, v in zip(df["area_code"], df["period"], df["breakdown"], df["_file"],
                                                        df["value"])}


def test_the_file_with_counts_is_used_whole_for_its_periods():
    ks4 = frame("ks4.csv", 0, "attainment8", "score", {"E10000017": 45.0, "E08000016": 44.1}, "2022/23", counts=True)
    lait = pd.concat([frame("lait.parquet", 1, "attainment8", "score", {"E10000017": 45.0, "E08000038": 44.1},
                            "2022/23"),
                      frame("lait.parquet", 1, "attainment8", "score", {"E10000017": 45.4}, "2024/25")])
    result = resolve_overlaps(pd.concat([ks4, lait], ignore_index=True))
    rows = kept(result)
    assert rows[("E10000017", "2022/23", "total")][0] == "ks4.csv", "the figure with pupil counts is kept"
    assert ("E08000038", "2022/23", "total") not in rows, \
        "the other file's rows for that period are not mixed in (Barnsley's new code beside its old one)"
    assert rows[("E10000017", "2024/25", "total")] == ("lait.parquet", 45.4), "periods only LAIT covers stay"
    assert any("has the counts" in s and "2022/23" in s for s in result.superseded), result.superseded
    assert result.problems == [], "the shared figure agrees: nothing to warn about"


def test_disagreeing_vintages_are_reported_and_the_finer_file_is_used_whole():
    mye2 = frame("MYE2.csv", 0, "population", "count", {"E10000017": 1_270_162, "E07000117": 95_000,
                                                          "E06000009": 142_708}, "2023")
    revised = pd.concat([frame("population_LAD.csv", 1, "population", "count",
                               {"E10000017": 1_275_103, "E06000009": 143_070}, year)
                         for year in ("2023", "2024")])
    result = resolve_overlaps(pd.concat([mye2, revised], ignore_index=True))
    rows = kept(result)
    assert rows[("E10000017", "2023", "total")] == ("MYE2.csv", 1_270_162) and \
        rows[("E06000009", "2023", "total")][0] == "MYE2.csv", \
        "2023 is one vintage: districts and their county from the same file, so they add up"
    assert rows[("E10000017", "2024", "total")][0] == "population_LAD.csv", "2024 only the revised file gives"
    assert len(result.problems) == 1 and result.problems[0].severity == "warning", "one warning for the pair"
    text = result.problems[0].message
    assert "MYE2.csv" in text and "population_LAD.csv" in text and "2 of the 2" in text, text


def test_files_that_agree_are_merged_row_by_row():
    library = pd.concat([frame("library.csv", 0, "apprenticeship_starts", "count", {"E07000117": 500.0}, "2016/17"),
                         frame("library.csv", 0, "apprenticeship_starts", "count", {"E07000117": 120.0}, "2016/17",
                               breakdown="age=Under 19")])
    ees = frame("ees.csv", 1, "apprenticeship_starts", "count", {"E07000117": 500.0}, "2016/17")
    result = resolve_overlaps(pd.concat([library, ees], ignore_index=True))
    rows = kept(result)
    assert rows[("E07000117", "2016/17", "age=Under 19")][0] == "library.csv", \
        "a breakdown only one file gives is kept when the files agree"
    assert len(result.rows) == 2 and result.problems == [], "one row per key, no warning"


def _tangle(seed):
    """Rows of three files (categorical KEY columns) with keys given by two or three files, some twice in one file,
    missing breakdowns and periods without a start, and each file's counts and reach varied."""
    import numpy as np

    from etl.overlaps import OverlapResult
    from etl.texts import as_categories

    rng = np.random.default_rng(seed)
    n = 400
    df = pd.DataFrame({
        "indicator": rng.choice(["population", "claimant_count"], n),
        "area_code": rng.choice(["E06000001", "E06000002", "E07000117", None], n, p=[0.3, 0.3, 0.3, 0.1]),
        "period": rng.choice(["2021", "2022", "2023"], n),
        "breakdown": rng.choice(["total", "age=16-64", None], n),
        "value": rng.integers(0, 5, n).astype(float),
        "_order": rng.integers(0, 3, n)})
    df = as_categories(df.sort_values("_order", kind="mergesort").reset_index(drop=True))
    df["_file"] = pd.Series(np.array(["a.csv", "b.csv", "c.csv"], dtype=object)[df["_order"]], dtype=object)
    df["_has_counts"] = rng.random(n) < 0.5
    reach = pd.Series(pd.to_datetime(["2021-01-01", "2023-01-01", None])[rng.integers(0, 3, n)])
    df["_reach"] = reach.astype("datetime64[ms]")
    df.index = df.index * 3 + 7  # (labels that are not positions)
    return lambda: OverlapResult(df.copy())


@pytest.mark.parametrize("seed", range(6))
def test_finishing_on_key_numbers_matches_the_frames(seed):
    """The numpy finish (categorical KEY columns: the build's) keeps the same rows, in the same order, with the
    same notes as sorting, merging and grouping frames."""
    from etl.overlaps import _finish_codes, _finish_frames, _key_numbers

    make = _tangle(seed)
    expected, got = _finish_frames(make()), _finish_codes(make(), _key_numbers(make().rows))
    assert got.superseded == expected.superseded and expected.superseded
    pd.testing.assert_frame_equal(got.rows, expected.rows, check_exact=True)
    assert got.rows.index.tolist() == expected.rows.index.tolist()


def test_categorical_keys_resolve_as_object_ones():
    """The build's categorical tables (sets picked out and rows finished by their codes) give the rows,
    notes and warnings that object columns give, with sets no two files share left as they are."""
    from etl.texts import as_categories, as_objects

    table = pd.concat([
        frame("ks4.csv", 0, "attainment8", "score", {"E10000017": 45.0, "E08000016": 44.1}, "2022/23", counts=True),
        frame("ks4.csv", 0, "attainment8", "score", {"E10000017": 41.0}, "2018/19", counts=True),
        frame("lait.parquet", 1, "attainment8", "score", {"E10000017": 45.0, "E08000038": 44.1}, "2022/23"),
        frame("lait.parquet", 1, "attainment8", "score", {"E10000017": 45.4}, "2024/25"),
        frame("MYE2.csv", 2, "population", "count", {"E10000017": 1_270_162, "E06000009": 142_708}, "2023"),
        frame("pop.csv", 3, "population", "count", {"E10000017": 1_275_103, "E06000009": 142_708}, "2023"),
        frame("pop.csv", 3, "population", "count", {"E10000017": 1_275_103}, "2024"),
        frame("library.csv", 4, "apprenticeship_starts", "count", {"E07000117": 500.0, "E07000118": 7.0}, "2016/17"),
        frame("ees.csv", 5, "apprenticeship_starts", "count", {"E07000117": 500.0}, "2016/17"),
        frame("ees.csv", 5, "apprenticeship_starts", "count", {"E07000117": 9.0}, "2015/16"),
    ], ignore_index=True)
    plain, coded = resolve_overlaps(table), resolve_overlaps(as_categories(table))
    assert coded.superseded == plain.superseded and len(plain.superseded) == 3, plain.superseded
    assert [vars(p) for p in coded.problems] == [vars(p) for p in plain.problems] and plain.problems
    pd.testing.assert_frame_equal(as_objects(coded.rows), plain.rows, check_exact=True)
    assert ("E10000017", "2024/25", "total") in kept(coded) and ("E08000038", "2022/23", "total") not in kept(coded)
