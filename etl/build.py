"""The build orchestrator: it only sequences parse -> resolve -> aggregate -> validate -> write.

Every problem of a run is collected (all files are parsed even after one fails) and the build
raises one ``EtlError`` listing them; nothing is written to the output folder in that case.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

import config
from etl.aggregate import AggregationResult, aggregate
from etl.derivations import sort_derivations
from etl.domain import text_problems, value_problems
from etl.errors import MAX_PROBLEMS, EtlError, Problem, ProblemLog, SourceFormatError, ValidationError
from etl.geography import Geography, reconcile_lookups
from etl.overlaps import resolve_overlaps
from etl.rates import rates_from_counts
from vocab.levels import level_of_code
from etl.rawfolder import list_extracts
from etl.release import sha256_file, write_release
from etl.schema import KEY, OPTIONAL_PARSER_COLUMNS, coerce_types, empty_tidy, sort_tidy, validate_tidy
from etl.sources.base import ParseResult, RawFile, all_finalisers, all_parsers, detect

DEMO_MARKER = "PDP-DEMO-DATA.txt"  # a raw folder holding this file is a synthetic demo pack


@dataclass
class ParsedFile:
    raw: RawFile
    result: ParseResult
    sha256: str


@dataclass
class BuildOutcome:
    """Everything a build produced, before or after writing."""

    indicators: pd.DataFrame
    areas: pd.DataFrame
    boundaries: object
    files: list[ParsedFile]
    aggregation: AggregationResult
    geography: Geography
    log: ProblemLog
    is_demo: bool
    superseded: list[str] = field(default_factory=list)
    release_id: str | None = None


def parse_all(raw_dir: Path, log: ProblemLog, progress: bool = False) -> list[ParsedFile]:
    """Detect and parse every file; problems are logged, not raised, so one report lists them all."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise SourceFormatError(Problem(file=str(raw_dir), message="the raw-data folder does not exist",
                                        expected="a folder of downloaded extracts"))
    parsers = all_parsers()
    extracts, problems = list_extracts(raw_dir, skip_names=(DEMO_MARKER,))
    log.extend(problems)
    parsed = []
    with _progress(progress, len(extracts)) as advance:
        for path, name in extracts:
            raw = RawFile(path=path, name=name, root=raw_dir.resolve())
            try:
                parser = detect(raw, parsers)
                result = parser.parse(raw)
                log.extend(result.warnings)
                log.extend(text_problems(result.table, raw.name))
                parsed.append(ParsedFile(raw=raw, result=result, sha256=sha256_file(path)))
            except EtlError as exc:
                log.extend(exc.problems)
            except Exception as exc:  # an unexpected parser failure is still reported against the file
                log.add(Problem(file=raw.name, message=f"the file could not be read ({type(exc).__name__}: {exc})"))
            advance(raw.name)
    if not extracts and not problems:
        log.add(Problem(file=str(raw_dir), message="no extracts found", expected="publishers' files"))
    return parsed


def build_geography(parsed: list[ParsedFile], log: ProblemLog) -> Geography:
    """The geography from every lookup (made to agree first) and the codes and names the data carry."""
    tables = {"hierarchy": [], "names": [], "changes": []}
    observed = []
    for item in parsed:
        if item.result.kind in tables:
            tables[item.result.kind].append((item.raw.name, item.result.table))
        elif item.result.kind == "indicators":
            observed.append(item.result.table.dropna(subset=["area_code", "area_name"])[
                ["area_code", "area_name"]].drop_duplicates())
    hierarchy, problems = reconcile_lookups(tables["hierarchy"])
    log.extend(problems)
    return Geography.from_tables(hierarchy, [t for _, t in tables["names"]], [t for _, t in tables["changes"]],
                                 observed)


def resolve_areas(table: pd.DataFrame, geo: Geography, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Fill codes for name-only rows, levels and names from the geography; report what cannot be."""
    df = table.copy()
    problems: list[Problem] = []
    need_code = df["area_code"].isna()
    if need_code.any():
        pairs = df.loc[need_code, ["area_name", "area_level"]].drop_duplicates()
        codes = {(n, lvl): geo.resolve_name(n, lvl) for n, lvl in pairs.itertuples(index=False)}
        df.loc[need_code, "area_code"] = [codes[(n, lvl)] for n, lvl in
                                          df.loc[need_code, ["area_name", "area_level"]].itertuples(index=False)]
        unresolved = df[need_code & df["area_code"].isna()]
        for (name, level), group in list(unresolved.groupby(["area_name", "area_level"], sort=True))[:MAX_PROBLEMS]:
            first = group.index[0]
            problems.append(Problem(file=file, row=_row(df, first), column="area name",
                                    message=f"area name not found in the geography lookups ({len(group)} rows)",
                                    expected=f"a known {level} name (or an alias in "
                                             "etl/reference/name_aliases.csv)", found=name))
    levels = df["area_code"].map(lambda c: level_of_code(c) if isinstance(c, str) else None)
    unknown = df[df["area_code"].notna() & levels.isna()]
    for code, group in list(unknown.groupby("area_code", sort=True))[:MAX_PROBLEMS]:
        problems.append(Problem(file=file, row=_row(df, group.index[0]), column="area code",
                                message=f"unknown area code ({len(group)} rows)",
                                expected="an English GSS code of a district, county, LEP, LSIP, combined "
                                         "authority, region or England", found=code))
    # the code decides the level (a unitary published as a "Local authority" is still a district)
    df["area_level"] = levels.where(levels.notna(), df["area_level"])
    df["area_name"] = [n if isinstance(n, str) and n else (geo.name_of(c) or c) for n, c in
                       zip(df["area_name"], df["area_code"])]
    return df, problems


def _row(df: pd.DataFrame, idx) -> int | None:
    if "source_row" in df.columns and pd.notna(df.at[idx, "source_row"]):
        return int(df.at[idx, "source_row"])
    return None


def duplicate_problems(table: pd.DataFrame, file: str) -> list[Problem]:
    """Rows of one file that say two things about the same indicator, area, period and breakdown."""
    dupes = table[table.duplicated(KEY, keep="first")]
    return [Problem(file=file, row=_row(table, idx), message="duplicate row",
                    expected="one row per indicator, area, period and breakdown",
                    found=" ".join(str(table.at[idx, k]) for k in KEY)) for idx in dupes.index[:MAX_PROBLEMS]]


def combine(parsed: list[ParsedFile], geo: Geography, log: ProblemLog,
            today: date) -> tuple[pd.DataFrame, list[str]]:
    """All files' indicator rows in one table; where two files give the same key, ``resolve_overlaps`` picks one."""
    frames = []
    for order, item in enumerate(parsed):
        if item.result.kind != "indicators" or item.result.table.empty:
            continue
        table, problems = resolve_areas(item.result.table, geo, item.raw.name)
        problems += duplicate_problems(table.dropna(subset=["area_code"]), item.raw.name)
        if not problems:  # check the file's own rows against the contract, so errors name the file
            problems += validate_tidy(table, file=item.raw.name)
        problems += value_problems(table, item.raw.name, today)
        log.extend(problems)
        frames.append(table.assign(_order=order, _file=item.raw.name))
    if not frames:
        return empty_tidy(), []
    overlaps = resolve_overlaps(pd.concat(frames, ignore_index=True).dropna(subset=["area_code"]))
    log.extend(overlaps.problems)
    df = overlaps.rows.drop(columns=["_order", "_file"] + [c for c in OPTIONAL_PARSER_COLUMNS
                                                           if c in overlaps.rows.columns])
    for source_id, finalise in all_finalisers().items():
        mine = df["source"] == source_id
        if mine.any():
            df = pd.concat([df[~mine], finalise(df[mine])], ignore_index=True)
    return df, overlaps.superseded


def combine_boundaries(parsed: list[ParsedFile]):
    frames = [p.result.table for p in parsed if p.result.kind == "boundaries" and len(p.result.table)]
    if not frames:
        return None
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    return gdf.drop_duplicates("area_code", keep="first").sort_values("area_code").reset_index(drop=True)


def run(raw_dir: Path, *, progress: bool = False, today: date | None = None) -> BuildOutcome:
    """Parse, resolve, aggregate and validate everything under ``raw_dir`` without writing anything.

    ``today`` (default: the build date) bounds periods: none may start after it."""
    today = today or date.today()
    log = ProblemLog()
    parsed = parse_all(raw_dir, log, progress)
    geo = build_geography(parsed, log)
    published, superseded = combine(parsed, geo, log, today)
    published = rates_from_counts(published)
    aggregation = aggregate(published, geo) if not published.empty else AggregationResult(
        published.iloc[0:0], pd.DataFrame(), [])
    aggregation.derivations = sort_derivations(aggregation.derivations)
    indicators = sort_tidy(pd.concat([published, aggregation.rows], ignore_index=True))
    indicators = coerce_types(indicators) if not indicators.empty else indicators
    if not log.errors:
        log.extend(validate_tidy(indicators))
        log.extend(value_problems(indicators, "indicators table", today))
    areas = geo.areas_table(indicators["area_code"].unique().tolist()) if not indicators.empty else None
    is_demo = (Path(raw_dir) / DEMO_MARKER).exists()
    return BuildOutcome(indicators=indicators, areas=areas, boundaries=combine_boundaries(parsed), files=parsed,
                        aggregation=aggregation, geography=geo, log=log, is_demo=is_demo, superseded=superseded)


def build(raw_dir: Path, out_dir: Path, *, progress: bool = False, strict: bool = False,
          home_area: str | None = None, today: date | None = None) -> BuildOutcome:
    """Run the pipeline and, only if nothing is wrong, write a new release and make it current."""
    from etl.qa import as_problems, qa_findings, qa_html
    from etl.validate import release_meta, report_text

    home_area = home_area or config.home_area_code()
    outcome = run(raw_dir, progress=progress, today=today)
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
    outcome.release_id = write_release(
        out_dir, indicators=outcome.indicators, areas=outcome.areas, boundaries=outcome.boundaries, meta=meta,
        derivations=outcome.aggregation.derivations,
        extra_files={"validation.txt": report_text(outcome, home_area),
                     "qa.html": qa_html(findings, outcome, home_area)},
        finalize=lambda release_id, folder: write_diff_against_current(out_dir, release_id, folder, outcome, meta))
    return outcome


def write_diff_against_current(out_dir: Path, release_id: str, folder: Path, outcome: BuildOutcome,
                               meta: dict) -> None:
    """diff.json/diff.txt ("what's new in this release") against the release that was current."""
    from etl import diff
    from etl.release import read_manifest

    manifest = read_manifest(out_dir)
    if not manifest:
        return
    _old_folder, old_df, old_meta, _old_areas = diff.load_release(Path(out_dir), manifest["current_release"])
    home = diff.home_districts(outcome.areas, meta["home_area_code"])
    result = diff.diff_releases(old_df, outcome.indicators, old_meta, {**meta, "id": release_id}, home)
    diff.write_outputs(result, folder)


class _progress:
    """A rich progress bar on a terminal; silent when output is not a terminal."""

    def __init__(self, enabled: bool, total: int):
        self.enabled = enabled and sys.stderr.isatty()
        self.total = total

    def __enter__(self):
        if not self.enabled:
            return lambda name: None
        from rich.progress import Progress

        self._bar = Progress(transient=True)
        self._bar.__enter__()
        task = self._bar.add_task("Reading extracts", total=self.total)
        return lambda name: self._bar.update(task, advance=1, description=f"Read {name[-40:]}")

    def __exit__(self, *exc):
        if self.enabled:
            self._bar.__exit__(*exc)
        return False
