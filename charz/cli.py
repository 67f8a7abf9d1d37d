"""The ``charz`` command: a thin shell over the Python API.

Each installed technique (:func:`charz.plugins.techniques`) contributes its subcommands
through the hooks of its :class:`~charz.plugins.Technique`:

* ``add_parser(subparsers)`` adds ``charz <technique> ...`` and sets ``run=handler`` with
  :meth:`argparse.ArgumentParser.set_defaults`; ``handler(args) -> int``.
* optionally ``add_insitu_parser(subparsers)`` adds ``charz insitu <technique> ...``.

The hooks import only :mod:`argparse` and :mod:`charz.cli_common`; the technique's heavy
imports happen inside the handler, so ``charz --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from charz import __version__
from charz.cli_common import add_strict_option
from charz.errors import CharzError
from charz.plugins import techniques

__all__ = ["build_parser", "main"]


def _run_demo(args: argparse.Namespace) -> int:
    from charz.cli_common import flag_summary
    from charz.demo import run_demo
    from charz.output import set_quiet
    from charz.record import records_to_json

    set_quiet(args.quiet or args.json)
    report = run_demo(args.out, quiet=args.quiet or args.json, strict=args.strict)
    if args.json:
        print(records_to_json(report.records, indent=2))
    else:
        print(f"charz demo: {flag_summary(report.records)}; "
              f"wrote {len(report.files)} files to {report.out}")
        for name in report.skipped:
            print(f"  note: {name}", file=sys.stderr)
    return 1 if report.failed else 0


def _run_report(args: argparse.Namespace) -> int:
    from charz.output import set_quiet
    from charz.report import run_manifest

    set_quiet(args.quiet)
    return run_manifest(args.manifest, args.out, as_json=args.json, strict=args.strict)


def _run_table(args: argparse.Namespace) -> int:
    from charz.record import merge_records, read_records
    from charz.tables import write_tables

    records = [rec for p in args.records for rec in read_records(p)]
    files = write_tables(merge_records(records), args.out)
    print(f"charz table: wrote {', '.join(str(f) for f in files)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (technique subcommands come from the installed techniques)."""
    parser = argparse.ArgumentParser(
        prog="charz",
        description="Structural descriptors of carbon materials from raw instrument files.",
    )
    parser.add_argument("--version", action="version", version=f"charz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run every analysis on the embedded example data")
    demo.add_argument("--out", default="charz-demo", help="report folder (default: charz-demo)")
    demo.add_argument("--json", action="store_true", help="print the records as JSON")
    add_strict_option(demo)
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(run=_run_demo)

    report = sub.add_parser("report", help="many samples, all techniques, one table")
    report.add_argument("manifest", help="manifest file (CSV/TOML/JSON: sample, technique, file)")
    report.add_argument("--out", required=True, help="report folder")
    report.add_argument("--json", action="store_true", help="print the records as JSON")
    add_strict_option(report)
    report.add_argument("--quiet", action="store_true", help="no progress bars")
    report.set_defaults(run=_run_report)

    table = sub.add_parser("table", help="structural table (CSV/XLSX/LaTeX/Markdown) from JSON")
    table.add_argument("records", nargs="+", help="records.json file(s)")
    table.add_argument("--out", required=True, help="output folder")
    table.set_defaults(run=_run_table)

    insitu = sub.add_parser("insitu", help="in-situ series: heatmaps beside the voltage curve")
    insitu_sub = insitu.add_subparsers(dest="insitu_technique", metavar="TECHNIQUE")

    for tech in techniques():
        if tech.add_parser is not None:
            tech.add_parser(sub)
        if tech.add_insitu_parser is not None:
            tech.add_insitu_parser(insitu_sub)
    return parser


def _format_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings on the command line: one line, ``charz: warning: ...`` (no source line)."""
    text = " ".join(str(message).split())
    return f"charz: warning: {text} [{category.__name__}]\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``charz`` command; returns the exit code."""
    import warnings

    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    previous = warnings.formatwarning
    warnings.formatwarning = _format_warning
    try:
        return int(run(args) or 0)
    except CharzError as exc:
        msg = " ".join(str(exc).split())
        print(f"charz: error: {msg}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("charz: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = previous


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
