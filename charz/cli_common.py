"""Pieces every technique subcommand shares: common options and the per-file batch loop.

A technique's ``_cli.py`` handler typically reads::

    def _run(args):
        from xrd.peaks import fit_pattern       # heavy import inside the handler
        def analyse(path):
            result = fit_pattern(charz.read(path, technique="xrd"), ...)
            return [result]                       # objects with descriptors() (and plot())
        return run_files(args, analyse, technique="xrd")
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from charz.errors import OptionError

__all__ = [
    "add_common_options",
    "add_insitu_options",
    "add_scheduler_option",
    "add_strict_option",
    "finish_insitu",
    "flag_summary",
    "run_files",
    "start_insitu",
]


def add_common_options(parser: argparse.ArgumentParser, *, files: bool = True) -> None:
    """Add ``FILE...``, ``--json``, ``--plot``, ``--out``, ``--sample``, ``--strict``,
    ``--quiet``."""
    if files:
        parser.add_argument("files", nargs="+", metavar="FILE", help="input file(s)")
    parser.add_argument("--json", action="store_true", help="print the records as JSON")
    parser.add_argument("--plot", metavar="PATH", default=None,
                        help="save a figure (PNG/PDF by suffix); several inputs: PATH stem + "
                             "input stem")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="also write records.json and the tables to DIR")
    parser.add_argument("--sample", default=None,
                        help="sample name (default: the file name without suffix)")
    add_strict_option(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def add_strict_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--strict``: a flagged result (see :mod:`charz.flags`) is an error, not a warning."""
    parser.add_argument("--strict", action="store_true",
                        help="treat flagged results (fit at a bound, not converged, no "
                             "signal, ...) as errors instead of warning")


def flag_summary(records: Sequence[Any]) -> str:
    """``"12 results, 2 flagged"`` over the descriptors of some records."""
    values = [m for r in records for m in r.descriptors.values()]
    n_flagged = sum(1 for m in values if m.flags)
    return f"{len(values)} result{'s' if len(values) != 1 else ''}, {n_flagged} flagged"


def add_insitu_options(parser: argparse.ArgumentParser, *, files_help: str,
                       tz_help: str = "time zone of zone-less timestamps (e.g. Europe/Berlin "
                                      "or +01:00)") -> None:
    """Options every ``charz insitu <technique>`` takes.

    ``FILES_OR_DIR...``, ``--echem CYCLER``, ``--out DIR`` (required), ``--tz``,
    ``--align {absolute,relative}``, ``--offset-s`` and ``--quiet`` (see
    :func:`charz.series.attach_echem` for the alignment: by default absolute times are
    required on both clocks, a zone-less one needs ``--tz``; ``--align relative`` puts the
    first frame at the cycler's start instead). A technique whose series run on the
    engine adds :func:`add_scheduler_option`.
    """
    parser.add_argument("files", nargs="+", metavar="FILES_OR_DIR", help=files_help)
    parser.add_argument("--echem", metavar="CYCLER", default=None,
                        help="cycler file: voltage/capacity attached to each frame by time")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--tz", default=None, help=tz_help)
    parser.add_argument("--align", choices=["absolute", "relative"], default="absolute",
                        help="absolute (default): match frames and cycler by absolute time "
                             "(a clock without a zone needs --tz); relative: the first frame "
                             "at the cycler's start (both series start at zero)")
    parser.add_argument("--offset-s", type=float, default=0.0,
                        help="cycler clock offset (s) added to the frame times")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def start_insitu(args: argparse.Namespace) -> tuple[Path, Any]:
    """The start of every ``charz insitu`` handler: quiet mode, output folder, input(s).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options of :func:`add_insitu_options` (``files``, ``out``, ``quiet``).

    Returns
    -------
    out : Path
        The output folder (created).
    source : str or list of str
        The one file or folder given, or the list of files.
    """
    from charz.output import set_quiet

    set_quiet(args.quiet)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return out, (args.files[0] if len(args.files) == 1 else args.files)


def finish_insitu(name: str, summary: str, files: Sequence[Path], out: Path, *,
                  failed: int) -> int:
    """Print what a ``charz insitu`` handler wrote; return its exit code.

    Parameters
    ----------
    name : str
        ``"charz insitu xrd"`` ...
    summary : str
        One line on the fits (``"29/29 fitted, 0 flagged"``).
    files : sequence of Path
        Every file written, each listed on its own line.
    out : Path
        The output folder.
    failed : int
        Frames without a fit.

    Returns
    -------
    int
        0 when every frame was fitted, else 1.
    """
    print(f"{name}: {summary}; wrote {len(files)} files to {out}")
    for f in files:
        print(f"  {f}")
    return 0 if failed == 0 else 1


def add_scheduler_option(parser: argparse.ArgumentParser) -> None:
    """``--scheduler {threads,processes,local[:N],tcp://HOST:PORT}``.

    For subcommands whose series run on :func:`charz.series.apply_series`; the handler
    wraps its work in ``with charz.series.scheduler(args.scheduler):``.
    """
    parser.add_argument("--scheduler", default=None, metavar="SPEC",
                        help="run on a dask scheduler: threads, processes, local[:N] (a "
                             "LocalCluster of N worker processes) or tcp://HOST:PORT (a running "
                             "cluster); for Zarr/NetCDF/HDF5-backed series and maps")


def _plot_path(base: str, stem: str, several: bool) -> Path:
    p = Path(base)
    if not p.suffix:
        p = p.with_suffix(".png")
    return p.with_name(f"{p.stem}_{stem}{p.suffix}") if several else p


def _figure_name(result: Any, index: int) -> str:
    """A stable, readable name of a result's figure (``fit``, ``guinier``, ...)."""
    name = getattr(result, "figure_name", None)
    if name:
        return str(name)
    import re

    cls = type(result).__name__
    for suffix in ("Result", "Summary"):
        if cls.endswith(suffix) and len(cls) > len(suffix):
            cls = cls[: -len(suffix)]
            break
    word = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", cls).lower()
    return word or f"figure{index}"


def _plottable(results: Sequence[Any]) -> list[Any]:
    return [r for r in results if callable(getattr(r, "plot", None))]


def run_files(
    args: argparse.Namespace,
    analyse: Callable[[Path], Sequence[Any]],
    *,
    technique: str,
    files: Sequence[str] | None = None,
) -> int:
    """Run ``analyse(path) -> [result, ...]`` on every file; print/write records.

    A file that raises :class:`CharzError` is reported on stderr and skipped; every good
    result is still printed and written. A file with flagged results warns once (with
    ``--strict`` it fails). ``--plot`` writes each result's figure (the first one at the
    given path, further ones as ``<stem>_<kind>.<suffix>``) and lists them on stdout; a fit
    that fails with a :class:`~charz.errors.FitError` carrying its partial result
    (``exc.result``) still has its figure written, so the user can see why. ``--out DIR``
    writes the tables, every figure (PNG and PDF) and ``report.html``. Exit code 0 if all
    files succeeded, else 1.
    """
    import warnings

    from charz.errors import FitError
    from charz.flags import report_flags
    from charz.output import run_batch, set_quiet
    from charz.record import StructuralRecord, merge_records, records_to_json

    set_quiet(getattr(args, "quiet", False))
    paths = [Path(f) for f in (files if files is not None else args.files)]
    several = len(paths) > 1
    out = Path(args.out) if getattr(args, "out", None) else None
    figures: list[tuple[Path, str, str]] = []
    run_warnings: list[tuple[str, str]] = []
    written: list[Path] = []

    def draw(results: Sequence[Any], path: Path, sample: str) -> None:
        if args.plot:
            written.extend(_save_plots(results, _plot_path(args.plot, path.name.split(".")[0],
                                                           several)))
        if out is not None:
            for i, res in enumerate(_plottable(results)):
                target = out / f"{sample}_{technique}_{_figure_name(res, i)}"
                files = _save_one(res, target, ("png", "pdf"))
                written.extend(files)
                figures.append((files[0], sample, technique))

    def one(path: Path) -> tuple[StructuralRecord, list[Any]]:
        sample = args.sample or path.name.split(".")[0]
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                try:
                    results = list(analyse(path))
                    record = StructuralRecord(sample).with_results(*results)
                    # FlagWarning recorded for report.html; --strict: FlaggedResultError
                    report_flags(path.name, record, strict=getattr(args, "strict", False))
                except FitError as exc:
                    partial = getattr(exc, "result", None)
                    if partial is not None and (args.plot or out is not None):
                        draw([partial], path, sample)
                    raise
        finally:
            # shown now, and kept for report.html; outside the recording context, where
            # showwarning would append to ``caught`` while it is iterated (a hang)
            for w in caught:
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
                run_warnings.append((sample, str(w.message)))
        draw(results, path, sample)
        return record, results

    batch = run_batch(paths, one, desc=f"charz {technique}")
    records = merge_records(rec for rec, _ in batch.ok)
    if args.json:
        print(records_to_json(records, indent=2))
    else:
        for rec in records:
            _print_record(rec)
    if out is not None and records:
        from charz.htmlreport import HtmlReport
        from charz.tables import write_tables

        written.extend(write_tables(records, out))
        page = HtmlReport(f"charz {technique}: {', '.join(r.sample for r in records)}")
        page.add_records(records)
        for fig_path, sample, tech in figures:
            page.add_figure(fig_path, sample=sample, technique=tech)
        for sample, text in run_warnings:
            page.add_warning(text, sample=sample)
        for item, err in batch.failed:
            page.add_warning(f"{Path(str(item)).name} failed: {err}")
        written.append(page.write(out / "report.html"))
    if written and not args.json:
        print("wrote " + ", ".join(str(p) for p in written))
    summary = flag_summary(records)
    if several or not summary.endswith(" 0 flagged"):
        print(f"charz {technique}: {summary}", file=sys.stderr)
    if batch.failed:
        if several:  # one input: its error line above is the whole story
            print(f"charz: error: {batch.summary()}", file=sys.stderr)
        return 1
    return 0


def _save_one(result: Any, target: Path, formats: Sequence[str]) -> list[Path]:
    from charz.plotting import save_figure, use_style

    with use_style():
        ax = result.plot()
        fig = ax.figure if hasattr(ax, "figure") else ax
        return save_figure(fig, target, formats=formats)


def _save_plots(results: Sequence[Any], path: Path) -> list[Path]:
    """Write each result's figure: the first at ``path``, the others ``<stem>_<kind>``."""
    plottable = _plottable(results)
    if not plottable:
        raise OptionError(f"--plot: nothing to plot for {path.stem}")
    written: list[Path] = []
    used: set[str] = set()
    for i, res in enumerate(plottable):
        if i == 0:
            target = path
        else:
            kind = _figure_name(res, i)
            kind = kind if kind not in used else f"{kind}{i}"
            target = path.with_name(f"{path.stem}_{kind}{path.suffix}")
        used.add(_figure_name(res, i))
        written += _save_one(res, target, (target.suffix.lstrip(".") or "png",))
    return written


def _print_record(rec: Any) -> None:
    from charz._format import format_uncertainty

    print(f"{rec.sample}")
    for key, m in rec.descriptors.items():
        val = format_uncertainty(m.value, m.stderr, style="pm")
        flags = f"  FLAGGED: {', '.join(m.flags)}" if m.flags else ""
        print(f"  {key:<28} {val} {m.unit if m.unit != '1' else ''}   [{m.method}]{flags}")
    for key, m in rec.conflicts:
        print(f"  {key:<28} {m.value:g} {m.unit}   [CONFLICT: {m.method}]")
