"""``charz demo``: every analysis that exists, on the example data shipped in the package.

The core part draws the in-situ heatmaps (XRD and Raman frames beside the voltage curve)
from the embedded series. Each installed technique adds its part through the ``demo`` hook
of its :class:`~charz.plugins.Technique`, ``demo(ctx: DemoContext) -> None``: it reads its
example files
(``ctx.example("xrd/HC-demo.xye")``), fits, adds results to the demo record with
``ctx.add(result, ...)`` and saves figures with ``ctx.save_figure(fig, "xrd_fit")``. The
demo and its table grow as techniques land.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charz.errors import CharzError
from charz.plugins import techniques
from charz.record import HasDescriptors, StructuralRecord, merge_records

__all__ = ["DEMO_SAMPLE", "DemoContext", "DemoReport", "run_demo"]

#: Name of the example hard-carbon sample.
DEMO_SAMPLE = "HC-demo"


@dataclass
class DemoContext:
    """What a technique's demo part gets.

    Attributes
    ----------
    data_dir : Path
        Folder of the embedded example files (``charz/examples/data``).
    out : Path
        Report folder.
    truth : dict
        Known parameters of the generated example data (``truth.json``).
    quiet : bool
        No progress bars.
    strict : bool
        Flagged results (:mod:`charz.flags`) are errors: :meth:`add` raises
        :class:`~charz.errors.FlaggedResultError` and the part fails.
    """

    data_dir: Path
    out: Path
    truth: dict[str, Any]
    quiet: bool = False
    strict: bool = False
    records: list[StructuralRecord] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def example(self, name: str) -> Path:
        """Path of an embedded example file (``"xrd/HC-demo.xye"``)."""
        path = self.data_dir / name
        if not path.exists():
            raise CharzError(f"example file {name} is missing from {self.data_dir}")
        return path

    def add(self, *results: HasDescriptors, sample: str = DEMO_SAMPLE) -> None:
        """Add analysis results to the record of ``sample`` (the demo sample by default).

        Flagged results warn once (raise with ``strict``), see :func:`charz.flags.report_flags`.
        """
        self.add_record(StructuralRecord(sample).with_results(*results))

    def add_record(self, record: StructuralRecord) -> None:
        """Add a whole record (e.g. other samples of a structure–performance example)."""
        from charz.flags import report_flags

        report_flags(f"demo sample {record.sample}", record, strict=self.strict)
        self.records.append(record)

    def save_figure(self, fig: Any, name: str) -> list[Path]:
        """Save a figure as ``name.png`` and ``name.pdf`` in the report folder; closes it."""
        from charz.plotting import save_figure

        paths = save_figure(fig, self.out / name)
        self.files.extend(paths)
        return paths

    def write_csv(self, name: str, data: Any, *, metadata: dict[str, Any] | None = None,
                  **options: Any) -> Path:
        """Write a CSV and its JSON sidecar (:func:`charz.output.write_csv`) atomically."""
        from charz.output import sidecar_path, write_csv

        path = write_csv(self.out / name, data, metadata=metadata, **options)
        self.files.extend([path, sidecar_path(path)])
        return path

    def write_text(self, name: str, text: str) -> Path:
        """Write a text file (CSV, JSON) atomically into the report folder."""
        from charz.output import atomic_write_text

        path = atomic_write_text(self.out / name, text)
        self.files.append(path)
        return path


@dataclass
class DemoReport:
    """What :func:`run_demo` did."""

    out: Path
    records: list[StructuralRecord]
    files: list[Path]
    skipped: list[str]
    failed: list[str]


def example_data_dir() -> Path:
    """Folder of the embedded example data."""
    return Path(__file__).parent / "examples" / "data"


def _parts(missing: list[str]) -> list[tuple[str, Callable[[DemoContext], None]]]:
    from charz import examples
    from charz.compare import demo_campaign

    parts: list[tuple[str, Callable[[DemoContext], None]]] = [("in-situ", examples.demo_insitu),
                                                               ("campaign", demo_campaign)]
    for tech in techniques():
        if tech.demo is None:
            missing.append(f"{tech.name}: no demo part")
            continue
        parts.append((tech.name, tech.demo))
    return parts


def run_demo(
    out: str | Path = "charz-demo", *, quiet: bool = False, strict: bool = False
) -> DemoReport:
    """Run the demo: fit every example file, write records, tables and figures to ``out``.

    Parameters
    ----------
    out : str or Path
        Report folder (created).
    quiet : bool
        No progress bars.
    strict : bool
        A part whose results carry flags fails (see :class:`DemoContext`).

    Returns
    -------
    DemoReport
        Records, files written, and parts that were skipped or failed. A part that fails
        with a :class:`CharzError` is reported and the others still run.
    """
    from charz.output import atomic_write_text, progress
    from charz.plotting import use_style
    from charz.record import records_to_json
    from charz.tables import write_tables

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = example_data_dir()
    truth = json.loads((data_dir / "truth.json").read_text(encoding="utf-8"))
    ctx = DemoContext(data_dir, out, truth, quiet, strict)
    failed: list[str] = []
    parts = _parts(ctx.notes)
    with use_style():
        for name, run in progress(parts, total=len(parts), desc="charz demo",
                                  disable=True if quiet else None):
            try:
                run(ctx)
            except CharzError as exc:
                failed.append(f"{name}: {exc}")
                print(f"charz: error: demo part {name} failed: {exc}", file=sys.stderr)
            except Exception:  # a bug in one part must not hide the others' results
                failed.append(f"{name}: internal error")
                print(f"charz: internal error in demo part {name}:", file=sys.stderr)
                traceback.print_exc()
    records = merge_records(ctx.records)
    ctx.files.append(atomic_write_text(out / "records.json", records_to_json(records, indent=2)))
    ctx.files.extend(write_tables(records, out))
    ctx.files.append(_write_page(out, records, ctx.files, ctx.notes, failed))
    return DemoReport(out, records, ctx.files, ctx.notes, failed)


#: Figure-name prefixes of the demo and the report section they belong to.
_FIGURE_SECTIONS = (
    ("insitu_xrd", "xrd"), ("insitu_raman", "raman"), ("insitu_saxs", "saxs"),
    ("xrd", "xrd"), ("raman", "raman"), ("saxs", "saxs"), ("sorption", "sorption"),
    ("echem", "echem"), ("pycnometry", "pycnometry"),
)
_CAMPAIGN_FIGURES = ("compare_", "structure_performance", "campaign")


def figure_section(name: str, sample: str = DEMO_SAMPLE) -> tuple[str | None, str | None]:
    """``(sample, technique)`` of a demo figure from its name (``None`` sample: campaign)."""
    if name.startswith(_CAMPAIGN_FIGURES):
        return None, None
    for prefix, technique in _FIGURE_SECTIONS:
        if name.startswith(prefix):
            return sample, technique
    return sample, None


def _write_page(out: Path, records: list[StructuralRecord], files: list[Path],
                notes: list[str], failed: list[str]) -> Path:
    """``report.html``: every record, every PNG figure written, notes and failures."""
    from charz.htmlreport import HtmlReport

    page = HtmlReport("charz demo: the example hard carbons")
    page.add_records(records)
    for path in files:
        if path.suffix == ".png" and path.exists():
            sample, technique = figure_section(path.stem)
            page.add_figure(path, sample=sample, technique=technique,
                            caption=path.stem.replace("_", " "))
    for note in notes:
        page.add_note(note)
    for failure in failed:
        page.add_warning(f"demo part {failure}")
    return page.write(out / "report.html")
