"""Reading the raw folder: every extract detected and parsed, every problem logged (none raised), so one
report lists them all."""
from __future__ import annotations

import contextlib
import dataclasses
import importlib
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from etl.domain import text_problems
from etl.errors import EtlError, Problem, ProblemLog, SourceFormatError
from etl.fork_pool import ordered_map, workers_for
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
    """Detect and parse every file under ``raw_dir``; problems are logged, not raised, in the files' order
    (on two processes where that helps: ``etl.fork_pool``; the outcome is the same)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise SourceFormatError(Problem(file=str(raw_dir), message="the raw-data folder does not exist",
                                        expected="a folder of downloaded extracts"))
    extracts, problems = list_extracts(raw_dir, skip_names=(DEMO_MARKER,))
    log.extend(problems)
    root = raw_dir.resolve()
    raws = [RawFile(path=path, name=name, root=root) for path, name in extracts]
    sizes = [_size(raw.path) for raw in raws]
    workers = workers_for(sizes)
    parsed = []
    with _progress(progress, len(extracts)) as advance, contextlib.ExitStack() as stack:
        if workers > 1:
            _import_readers(raws)
            hasher = None
        else:  # each file's sha256 is worked out on a second thread while it is parsed (hashlib lets go of the GIL)
            hasher = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        costs = [size * COST_PER_BYTE.get(raw.suffix, 1.0) for raw, size in zip(raws, sizes)]
        outcomes = ordered_map(_ParseOne(all_parsers(), hasher), raws, workers, costs,
                               done=lambda i: advance(raws[i].name))  # (as each is read, in whatever order)
        for raw, (result, digest, found) in zip(raws, outcomes):
            log.extend(found)
            if result is not None:
                parsed.append(ParsedFile(raw=raw, result=result, sha256=digest, rows=len(result.table)))
    if not extracts and not problems:
        log.add(Problem(file=str(raw_dir), message="no extracts found", expected="publishers' files"))
    return parsed


# Readers that parsers import when they first meet a kind of file (so a build that has none never loads
# them), by suffix. Before forking, the ones this folder needs are imported here once: otherwise each
# worker would import them again, on every build.
READERS = {".xlsx": ("openpyxl",), ".xlsm": ("openpyxl",), ".gpkg": ("pyogrio",), ".geojson": ("pyogrio",),
           ".json": ("pyogrio",), ".parquet": ("pyarrow.parquet",)}


# Roughly how much longer a byte of each kind takes to parse than a byte of CSV (measured on the real
# extracts): only the order in which the pool takes files, costliest first, depends on it.
COST_PER_BYTE = {".xlsx": 15.0, ".xlsm": 15.0, ".json": 3.5, ".geojson": 2.0, ".gpkg": 0.7, ".parquet": 0.3}


def _import_readers(raws: list[RawFile]) -> None:
    for module in dict.fromkeys(m for raw in raws for m in READERS.get(raw.suffix, ())):
        importlib.import_module(module)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone since it was listed: its parse reports it
        return 0


class _ParseOne:
    """One file -> (its parse result or None, its sha256, its problems in the order they are logged).

    Every failure is a problem of the file, never an exception, so a worker process hands back the
    same outcome as the serial reader."""

    def __init__(self, parsers: list, hasher: ThreadPoolExecutor | None):
        self.parsers, self.hasher = parsers, hasher

    def __call__(self, raw: RawFile) -> tuple[ParseResult | None, str | None, list[Problem]]:
        problems: list[Problem] = []
        try:
            digest = self.hasher.submit(sha256_file, raw.path) if self.hasher else None
            if digest is None:  # hashed from the bytes a parser reads whole, if it does
                raw = dataclasses.replace(raw, keep_digest=True)
            result = detect(raw, self.parsers).parse(raw)
            problems += result.warnings
            problems += text_problems(result.table, raw.name)
            return result, digest.result() if digest else raw.digest_read() or sha256_file(raw.path), problems
        except EtlError as exc:
            return None, None, problems + exc.problems
        except Exception as exc:  # an unexpected parser failure is still reported against the file
            return None, None, problems + [Problem(file=raw.name, message="the file could not be read "
                                                                          f"({type(exc).__name__}: {exc})")]


class _progress:
    """A rich progress bar on a terminal; silent when output is not a terminal."""

    def __init__(self, enabled: bool, total: int):
        self.enabled = enabled and sys.stderr.isatty()
        self.total = total

    def __enter__(self):
        if not self.enabled:
            return lambda name: None
        from rich.progress import Progress

        # redrawn as files are read, not by a thread of its own: a fork while another thread holds a lock
        # (the console's) could hang the worker, so ``etl.fork_pool`` forks only from a single thread
        self._bar = Progress(transient=True, auto_refresh=False)
        self._bar.__enter__()
        task = self._bar.add_task("Reading extracts", total=self.total)

        def advance(name: str) -> None:
            self._bar.update(task, advance=1, description=f"Read {name[-40:]}")
            self._bar.refresh()

        return advance

    def __exit__(self, *exc):
        if self.enabled:
            self._bar.__exit__(*exc)
        return False
