"""Command line: python -m etl {build,validate,demo,fetch,diff,releases,use} ...

Expected failures (bad files, failed checks) print a report naming file, row and column and
exit with status 1, without a traceback; the current release is left as it was.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

import config
from etl.errors import EtlError, Problem, ReleaseError

EXIT_OK, EXIT_FAILED = 0, 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Partner Data Pack ETL")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="parse every file under --raw and write a new release to --out")
    b.add_argument("--raw", type=Path, default=config.raw_dir(), help="folder of downloaded extracts")
    b.add_argument("--out", default=config.processed_location(), help="processed-data folder")
    b.add_argument("--strict", action="store_true", help="treat warnings as errors")
    v = sub.add_parser("validate", help="check the files under --raw without writing (or show a release's report)")
    v.add_argument("--raw", type=Path, default=config.raw_dir())
    v.add_argument("--out", default=config.processed_location())
    v.add_argument("--release", nargs="?", const="current", default=None,
                   help="print the stored report of a release (default: the current one) instead")
    d = sub.add_parser("demo", help="generate the synthetic demo extracts and build them")
    d.add_argument("--out", default=config.processed_location(), help="processed-data folder")
    d.add_argument("--raw", type=Path, default=config.demo_raw_dir(), help="where to write the demo extracts")
    d.add_argument("--if-missing", action="store_true",
                   help="build the demo pack only when --out has no current release (a first run)")
    d.add_argument("--national", action="store_true",
                   help="instead: the all-England monthly claimant count at full breakdowns (~5 million rows), "
                        "to try the build and the dashboard at national scale")
    sub.add_parser("fetch", help="download the latest releases from the publishers (see --help)", add_help=False)
    sub.add_parser("diff", help="what changed between two releases (see --help)", add_help=False)
    r = sub.add_parser("releases", help="list the releases kept in --out")
    r.add_argument("--out", default=config.processed_location())
    u = sub.add_parser("use", help="make an older release current again")
    u.add_argument("release_id")
    u.add_argument("--out", default=config.processed_location())
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("fetch", "diff"):  # these own their arguments
        module = __import__(f"etl.{argv[0]}", fromlist=["main"])
        return module.main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except EtlError as exc:
        print(f"\nFailed: {len(exc.problems)} problem(s)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        if args.command in ("build", "demo"):
            _say_current_kept(args.out)
        return EXIT_FAILED


def _say_current_kept(out: str) -> None:
    from etl.release import read_manifest

    try:
        with _local(out, publish=False) as folder:
            manifest = read_manifest(folder)
    except EtlError:
        manifest = None
    kept = manifest["current_release"] if manifest else None
    print(f"Nothing was written. The current release is still {kept}." if kept else
          "Nothing was written (there is no current release yet).", file=sys.stderr)


@contextlib.contextmanager
def _local(out: str, publish: bool = True):
    """``--out`` as a local folder: itself, or for an object-store URL a checked-out copy that is
    published back (new releases first, the manifest last and conditionally) when the command succeeds."""
    if not config.is_url(out):
        yield Path(out)
        return
    import release_store

    with tempfile.TemporaryDirectory(prefix="pdp-out-") as tmp:
        try:
            tag = release_store.checkout(out, Path(tmp))
        except OSError as exc:
            raise ReleaseError(Problem(file=out, message=f"the release store cannot be read ({exc})")) from None
        yield Path(tmp)
        if publish:
            try:
                release_store.publish(out, Path(tmp), tag)
            except release_store.PublishConflict as exc:
                raise ReleaseError(Problem(file=out, message=str(exc))) from None


def cmd_build(args) -> int:
    from etl.build import build
    from etl.release import release_dir

    with _local(args.out) as out:
        outcome = build(args.raw, out, progress=True, strict=args.strict)
        print((release_dir(out, outcome.release_id) / "validation.txt").read_text(encoding="utf-8"))
    print(f"Built release {outcome.release_id} into {args.out} and made it current.")
    return EXIT_OK


def cmd_validate(args) -> int:
    from etl.build import run
    from etl.release import read_manifest, release_dir
    from etl.validate import report_text

    if args.release:
        with _local(args.out, publish=False) as out:
            manifest = read_manifest(out)
            if manifest is None:
                print(f"No release in {args.out} yet: run `python -m etl build` first.", file=sys.stderr)
                return EXIT_FAILED
            release_id = manifest["current_release"] if args.release == "current" else args.release
            path = release_dir(out, release_id) / "validation.txt"
            if not path.exists():
                print(f"No release {release_id!r} in {args.out}.", file=sys.stderr)
                return EXIT_FAILED
            print(path.read_text(encoding="utf-8"))
        return EXIT_OK
    outcome = run(args.raw, progress=True)
    print(report_text(outcome, config.home_area_code()))
    if outcome.log.errors:
        print(f"{len(outcome.log.errors)} problem(s): a build would fail.", file=sys.stderr)
        return EXIT_FAILED
    print("All files are valid: `python -m etl build` would succeed.")
    return EXIT_OK


def cmd_demo(args) -> int:
    from etl.demo import build_demo_pack
    from etl.release import read_manifest

    with _local(args.out) as out:
        current = (read_manifest(out) or {}).get("current_release") if args.if_missing else None
        if current:
            print(f"Release {current} is current in {args.out}: the demo pack is not built (--if-missing).")
            return EXIT_OK
        outcome = build_demo_pack(out, args.raw, progress=True, national=args.national)
    print(f"Wrote demo extracts to {args.raw} and built release {outcome.release_id} (DEMO DATA) into {args.out}.")
    return EXIT_OK


def cmd_releases(args) -> int:
    from etl.release import list_releases, read_manifest

    with _local(args.out, publish=False) as out:
        manifest = read_manifest(out) or {}
        releases = list_releases(out)
    if not releases:
        print(f"No releases in {args.out}.")
        return EXIT_OK
    for meta in releases:
        mark = "*" if meta["id"] == manifest.get("current_release") else " "
        demo = " DEMO" if meta.get("is_demo") else ""
        sources = ", ".join(f"{s['source_id']}" + (f" ({s['periods']['last']})" if s.get("periods") else "")
                            for s in meta.get("sources", []) if s.get("rows"))
        print(f"{mark} {meta['id']}  created {meta['created']}{demo}\n    {sources}")
    print("(* = current)")
    return EXIT_OK


def cmd_use(args) -> int:
    from etl.release import switch_current

    with _local(args.out) as out:
        switch_current(out, args.release_id)
    print(f"Release {args.release_id} is now current.")
    return EXIT_OK


COMMANDS = {"build": cmd_build, "validate": cmd_validate, "demo": cmd_demo, "releases": cmd_releases,
            "use": cmd_use}

if __name__ == "__main__":
    sys.exit(main())
