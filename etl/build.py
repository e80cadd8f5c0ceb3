"""The build orchestrator: it only sequences parse -> resolve -> combine -> aggregate -> validate -> write.

Every problem of a run is collected (all files are parsed even after one fails) and the build
raises one ``EtlError`` listing them; nothing is written to the output folder in that case.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd

import config
from etl.aggregate import AggregationResult, aggregate
from etl.combine import combine, combine_boundaries
from etl.comparator_groups import build_groups, release_files
from etl.sources.local_indicators import catalogue_file
from etl.derivations import sort_derivations
from etl.domain import value_problems
from etl.errors import Problem, ProblemLog, SourceFormatError, ValidationError
from etl.geography import Geography
from etl.memory import give_back
from etl.parse import ParsedFile, parse_all
from etl.rates import rates_from_counts
from etl.rawfolder import DEMO_MARKER
from etl.release import write_release
from etl.resolve import build_geography
from etl.schema import coerce_types, sort_tidy, validate_tidy
from etl.staging import StagedTable


@dataclass
class BuildOutcome:
    """Everything a build produced, before or after writing."""

    indicators: pd.DataFrame  # text columns categorical (etl.texts): its readers work on codes, not 5 M strings
    areas: pd.DataFrame
    boundaries: object
    files: list[ParsedFile]
    aggregation: AggregationResult
    geography: Geography
    log: ProblemLog
    is_demo: bool
    superseded: list[str] = field(default_factory=list)
    release_id: str | None = None
    groups: dict = field(default_factory=dict)  # statistical neighbours, similar districts, their figures


def run(raw_dir: Path, *, progress: bool = False, today: date | None = None,
        stop_at_errors: bool = False, table_ready: Callable[[pd.DataFrame], None] | None = None) -> BuildOutcome:
    """Parse, resolve, aggregate and validate everything under ``raw_dir`` without writing anything.

    ``today`` (default: the build date) bounds periods: none may start after it. With ``stop_at_errors``
    (a build, which writes nothing once a file has an error) areas are not aggregated after an error:
    the report is the same, without the work it would throw away. ``table_ready`` is handed the finished
    indicators table before it is checked (a build starts writing it: ``etl.staging``)."""
    today = today or date.today()
    log = ProblemLog()
    parsed = parse_all(raw_dir, log, progress)
    geo = build_geography(parsed, log)
    published, superseded = combine(parsed, geo, log, today)
    give_back()  # the files' own frames, freed by combine (see etl.memory)
    published = rates_from_counts(published)
    skip = published.empty or (stop_at_errors and bool(log.errors))
    aggregation = AggregationResult(published.iloc[0:0].copy(), pd.DataFrame(), []) if skip else aggregate(published, geo)
    aggregation.derivations = sort_derivations(aggregation.derivations)
    # in canonical order, each column joined and sorted in turn: at national scale a copy of the table is
    # hundreds of MB, and the joined table would be one more
    indicators = sort_tidy([published, aggregation.rows])
    del published
    indicators = coerce_types(indicators) if not indicators.empty else indicators
    if table_ready is not None and not log.errors and not indicators.empty:
        table_ready(indicators)
    if not log.errors:
        log.extend(validate_tidy(indicators))
        log.extend(value_problems(indicators, "indicators table", today))
    areas = geo.areas_table(indicators["area_code"].unique().tolist()) if not indicators.empty else None
    groups = {}
    if not log.errors:
        groups, problems = build_groups(parsed, geo, indicators)
        log.extend(problems)
    is_demo = (Path(raw_dir) / DEMO_MARKER).exists()
    return BuildOutcome(indicators=indicators, areas=areas, boundaries=combine_boundaries(parsed), files=parsed,
                        aggregation=aggregation, geography=geo, log=log, is_demo=is_demo, superseded=superseded,
                        groups=groups)


def build(raw_dir: Path, out_dir: Path, *, progress: bool = False, strict: bool = False,
          home_area: str | None = None, today: date | None = None) -> BuildOutcome:
    """Run the pipeline and, only if nothing is wrong, write a new release and make it current."""
    from etl.qa import as_problems, qa_findings, qa_html
    from etl.validate import release_meta, report_text

    home_area = home_area or config.home_area_code()
    staged = StagedTable(out_dir)  # the table is written on a second thread while it is checked
    try:
        outcome = run(raw_dir, progress=progress, today=today, stop_at_errors=True, table_ready=staged.start)
        findings = qa_findings(outcome, home_area) if not outcome.log.errors else []
        outcome.log.extend(as_problems(findings))
        problems = outcome.log.errors + (outcome.log.warnings if strict else [])
        if problems:
            only_table = all(p.file == "indicators table" for p in problems)
            raise (ValidationError if only_table else SourceFormatError)(problems)
        if outcome.indicators.empty:
            raise ValidationError(Problem(file=str(raw_dir), message="no indicator rows in any file",
                                          expected="at least one publisher's extract with data"))
        meta = release_meta(outcome, home_area)
        changes = diff_against_current(out_dir, outcome, meta)  # (while the table is still being written)
        outcome.release_id = write_release(
            out_dir, indicators=outcome.indicators, areas=outcome.areas, boundaries=outcome.boundaries, meta=meta,
            derivations=outcome.aggregation.derivations,
            extra_files={"validation.txt": report_text(outcome, home_area),
                         "qa.html": qa_html(findings, outcome, home_area), **release_files(outcome.groups),
                         **catalogue_file(outcome.files)},
            finalize=lambda release_id, folder: write_diff(changes, release_id, folder),
            staged=staged)
    finally:
        staged.close()  # (a build that stopped leaves no half-written folder)
    return outcome


def diff_against_current(out_dir: Path, outcome: BuildOutcome, meta: dict) -> dict | None:
    """What's new in this build against the release that is current (None when there is none), worked out
    before the new release is written; its id is filled in by ``write_diff``."""
    from etl import diff
    from etl.release import read_manifest

    manifest = read_manifest(out_dir)
    if not manifest:
        return None
    _old_folder, old_df, old_meta, _old_areas = diff.load_release(Path(out_dir), manifest["current_release"])
    home = diff.home_districts(outcome.areas, meta["home_area_code"])
    return diff.diff_releases(old_df, outcome.indicators, old_meta, {**meta, "id": None}, home)


def write_diff(changes: dict | None, release_id: str, folder: Path) -> None:
    """diff.json/diff.txt ("what's new in this release") into the new release's folder."""
    from etl import diff

    if changes is not None:
        diff.write_outputs({**changes, "new_release": release_id}, folder)
