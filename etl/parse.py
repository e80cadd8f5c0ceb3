"""Reading the raw folder: every extract detected and parsed, every problem logged (none raised), so one
report lists them all."""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from etl.domain import text_problems
from etl.errors import EtlError, Problem, ProblemLog, SourceFormatError
from etl.rawfolder import DEMO_MARKER, list_extracts
from etl.release import sha256_file
from etl.sources.base import ParseResult, RawFile, all_parsers, detect


@dataclass
class ParsedFile:
    raw: RawFile
    result: ParseResult
    sha256: str
    rows: int = 0  # rows the file gave (its table is let go once combined: ``etl.combine.release_tables``)


def parse_all(raw_dir: Path, log: ProblemLog, progress: bool = False) -> list[ParsedFile]:
    """Detect and parse every file under ``raw_dir``; problems are logged, not raised."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise SourceFormatError(Problem(file=str(raw_dir), message="the raw-data folder does not exist",
                                        expected="a folder of downloaded extracts"))
    parsers = all_parsers()
    extracts, problems = list_extracts(raw_dir, skip_names=(DEMO_MARKER,))
    log.extend(problems)
    parsed = []
    # each file's sha256 is worked out on a second thread while it is parsed (hashlib lets go of the GIL)
    with _progress(progress, len(extracts)) as advance, ThreadPoolExecutor(max_workers=1) as hasher:
        for path, name in extracts:
            raw = RawFile(path=path, name=name, root=raw_dir.resolve())
            try:
                digest = hasher.submit(sha256_file, path)
                parser = detect(raw, parsers)
                result = parser.parse(raw)
                log.extend(result.warnings)
                log.extend(text_problems(result.table, raw.name))
                parsed.append(ParsedFile(raw=raw, result=result, sha256=digest.result(), rows=len(result.table)))
            except EtlError as exc:
                log.extend(exc.problems)
            except Exception as exc:  # an unexpected parser failure is still reported against the file
                log.add(Problem(file=raw.name, message=f"the file could not be read ({type(exc).__name__}: {exc})"))
            advance(raw.name)
    if not extracts and not problems:
        log.add(Problem(file=str(raw_dir), message="no extracts found", expected="publishers' files"))
    return parsed


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
