"""The ONS ELS CSV read a column at a time: the same records as ``ons_els``'s line-by-line reader.

Each distinct area code, indicator name, (period, kind of period), (observation, status, notes) and
(interval, observation) is checked once with the line-by-line reader's own functions and the results are
spread back to the rows. Anything the line-by-line reader would report (a code that is not GSS, a period
or number we cannot read, a bad interval, a duplicate row) or an irregular file (``etl.sources.columns``)
gives None, and the file is read line by line, which names each problem's row and column as before.
"""
from __future__ import annotations

import numpy as np

from etl.schema import GSS
from etl.sources.base import RawFile
from etl.sources.columns import combine, objects, read_columns
from etl.sources.ons_els import ELS_INDICATORS, GEOGRAPHY_LEVELS, confidence_interval, observation, parse_period


def parse_clean(raw: RawFile, header: list[str], where: dict[str, int]) -> tuple[dict, dict] | None:
    """(the records as columns, {unknown indicator name: [first line, rows]}) of a clean ELS CSV whose
    header is on line 1, or None when it must be read line by line."""
    cols = read_columns(raw, len(header), 1, set(where.values()))
    if cols is None:
        return None
    column = lambda field: cols.column(where.get(field))  # noqa: E731

    ci, ct = column("area_code")
    if not all(GSS.match(t) for t in ct):
        return None  # (every distinct text is some row's)
    england = np.asarray([t.startswith("E") for t in ct], dtype=bool)[ci]

    (ii, it), (vi, vt) = column("indicator"), column("variable")
    ni, pairs = combine((ii, len(it)), (vi, len(vt)))
    name_id: dict[str, int] = {}
    pair_name = np.asarray([name_id.setdefault(it[a] or vt[b], len(name_id)) for a, b in pairs], dtype=np.int64)
    names = list(name_id)
    specs = [ELS_INDICATORS.get(" ".join(n.split()).lower()) for n in names]
    row_name = pair_name[ni]
    known = np.asarray([s is not None for s in specs], dtype=bool)[row_name]
    skipped = _skipped(england & ~known, row_name, names, cols.line)

    keep = np.flatnonzero(england & known)
    if not len(keep):
        return None  # the line-by-line reader says why
    name = row_name[keep]
    kinds = np.asarray([0 if s is None or s[3] == "year" else 1 for s in specs], dtype=np.int64)[name]
    pi, pt = column("period")
    period_of, period_pairs = combine((pi[keep], len(pt)), (kinds, 2))
    labels = [parse_period(pt[a], "year" if k == 0 else "academic_year") for a, k in period_pairs]
    if any(label is None for label in labels):
        return None

    (oi, ot), (si, st), (ti, tt) = column("value"), column("status"), column("notes")
    obs_of, obs_triples = combine((oi[keep], len(ot)), (si[keep], len(st)), (ti[keep], len(tt)))
    obs = [observation(ot[a], st[b], tt[c]) for a, b, c in obs_triples]
    if any(o is None for o in obs):
        return None
    (li, lt), (ui, ut) = column("lci"), column("uci")
    ci_of, ci_triples = combine((li[keep], len(lt)), (ui[keep], len(ut)), (obs_of, len(obs)))
    intervals = [confidence_interval(lt[a], ut[b], obs[o][0]) for a, b, o in ci_triples]
    if any(i is None for i in intervals):
        return None

    indicator_id: dict[str, int] = {}
    name_indicator = np.asarray([indicator_id.setdefault(s[0], len(indicator_id)) if s else -1 for s in specs],
                                dtype=np.int64)
    label_id: dict[str, int] = {}
    period_label = np.asarray([label_id.setdefault(label, len(label_id)) for label in labels], dtype=np.int64)
    key, _ = combine((name_indicator[name], len(indicator_id)), (ci[keep], len(ct)),
                     (period_label[period_of], len(label_id)))
    if len(np.unique(key)) != len(keep):
        return None  # a duplicate row: reported by the line-by-line reader

    gi, gt = column("geography")
    ai, at = column("area_name")
    spec_part = lambda i: objects([s[i] if s else None for s in specs])[name]  # noqa: E731
    records = {
        "source_row": cols.line[keep], "source_column": objects([header[where["value"]]])[np.zeros(len(keep), int)],
        "indicator": spec_part(0), "area_code": objects(ct)[ci[keep]],
        "area_name": objects([t or None for t in at])[ai[keep]],
        "area_level": objects([GEOGRAPHY_LEVELS.get(t.lower()) for t in gt])[gi[keep]],
        "period": objects(labels)[period_of],
        "value": np.asarray([o[0] for o in obs], dtype=np.float64)[obs_of],
        "status": objects([o[1] for o in obs])[obs_of],
        "lower_ci": np.asarray([i[0] for i in intervals], dtype=np.float64)[ci_of],
        "upper_ci": np.asarray([i[1] for i in intervals], dtype=np.float64)[ci_of],
        "unit": spec_part(1), "source": spec_part(2)}
    return records, skipped


def _skipped(mask: np.ndarray, row_name: np.ndarray, names: list[str], line: np.ndarray) -> dict[str, list[int]]:
    """{name: [first line, rows]} of the rows in ``mask``, in the order their names first appear."""
    rows = np.flatnonzero(mask)
    if not len(rows):
        return {}
    distinct, first, counts = np.unique(row_name[rows], return_index=True, return_counts=True)
    return {names[n]: [int(line[rows[f]]), int(c)] for f, n, c in sorted(zip(first, distinct, counts))}
