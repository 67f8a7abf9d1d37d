"""``charz report MANIFEST --out DIR``: many samples, all techniques, one table.

The manifest (:mod:`charz.manifest`) lists one input file per row with its sample and
technique; each file is analysed by its technique's report hook. A bad file is reported
and skipped; every good result is written: ``records.json``, the tables, with two or more
samples the comparison figures of :mod:`charz.compare` (stacked patterns and spectra, SAXS
curves, isotherms, voltage profiles; PNG and PDF), and with three or more samples
``structure_performance`` and the correlation table ``correlations.csv`` (Pearson r,
p-value, n for every pair of descriptors that at least three samples have).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from charz.manifest import ManifestRow, analyse_manifest, read_manifest
from charz.record import records_to_json

__all__ = ["ManifestRow", "analyse_manifest", "read_manifest", "run_manifest"]


def run_manifest(
    manifest: str | Path, out: str | Path, *, as_json: bool = False, strict: bool = False
) -> int:
    """Analyse every file of a manifest and write one table; returns the exit code.

    With ``strict``, a file whose results carry flags (:mod:`charz.flags`) fails like a
    bad file; otherwise it warns once and its results are written.
    """
    from charz.cli_common import flag_summary
    from charz.compare import comparison_figures
    from charz.output import atomic_write_text
    from charz.tables import write_tables

    records, results, batch = analyse_manifest(manifest, strict=strict)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "records.json", records_to_json(records, indent=2))
    write_tables(records, out)
    written: list[Path] = []
    if len(records) >= 2:  # comparison figures; with 3+ samples also correlations.csv
        written += comparison_figures(results, records, out)
    figures = _sample_figures(results, out)
    _write_page(out, records, written, figures, batch)
    if as_json:
        print(records_to_json(records, indent=2))
    else:
        n_files = len(batch.ok) + len(batch.failed)
        print(f"charz report: {len(records)} sample(s), {len(batch.ok)} of {n_files} file(s) "
              f"analysed, {flag_summary(records)}; wrote {out}")
    if batch.failed:
        print(f"charz: error: {batch.summary()}", file=sys.stderr)
        return 1
    return 0


def _sample_figures(results: Any, out: Path) -> list[tuple[Path, str, str]]:
    """Each result's own figure, ``<sample>_<technique>_<kind>.png`` (and PDF)."""
    from charz.cli_common import _figure_name, _plottable, _save_one

    figures: list[tuple[Path, str, str]] = []
    used: set[str] = set()
    for sample, items in dict(results).items():
        for i, res in enumerate(_plottable(items)):
            technique = _technique_of(res)
            kind = _figure_name(res, i)
            name = f"{sample}_{technique}" + ("" if kind == technique else f"_{kind}")
            base, n = name, 2
            while name in used:  # e.g. an N2 and a CO2 isotherm of one sample
                name, n = f"{base}_{n}", n + 1
            used.add(name)
            try:
                paths = _save_one(res, out / name, ("png", "pdf"))
            except Exception as exc:  # a figure must not lose the report
                import warnings

                from charz.errors import CharzWarning

                warnings.warn(f"{sample}: figure {name} not drawn ({exc})", CharzWarning,
                              stacklevel=2)
                continue
            figures.append((paths[0], sample, technique))
    return figures


def _technique_of(result: Any) -> str:
    try:
        ms = result.descriptors()
    except Exception:
        ms = {}
    for m in dict(ms).values():
        if getattr(m, "technique", ""):
            return str(m.technique)
    return type(result).__module__.split(".")[0]


def _write_page(out: Path, records: Any, comparison: list[Path],
                figures: list[tuple[Path, str, str]], batch: Any) -> Path:
    from charz.htmlreport import HtmlReport

    page = HtmlReport(f"charz report: {len(records)} sample(s)")
    page.add_records(records)
    for path in comparison:
        if path.suffix == ".png":
            page.add_figure(path, caption=path.stem.replace("_", " "))
    for path, sample, technique in figures:
        page.add_figure(path, sample=sample, technique=technique)
    for item, err in getattr(batch, "failed", []):
        page.add_warning(f"{item}: {err}")
    return page.write(out / "report.html")
