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
    if len(records) >= 2:  # comparison figures; with 3+ samples also correlations.csv
        comparison_figures(results, records, out)
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
