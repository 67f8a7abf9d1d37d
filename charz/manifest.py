"""Manifests: many input files of many samples, each analysed by its technique's report hook.

The manifest lists one input file per row, as CSV (columns ``sample,technique,file`` and
optional ``options`` as ``key=value;key=value``) or JSON (a list of such objects). Paths
are relative to the manifest. Technique ``records`` merges saved ``records.json`` files
(sample ``*`` takes every record in the file), so a report can combine earlier results
with new measurements. Each technique analyses its files with its defaults (the same as
``charz <technique> FILE``) through the report hooks of its
:class:`~charz.plugins.Technique`: ``analyse_file(path, **options) -> [result, ...]``, and
``manifest_kinds`` for further row kinds (``pycnometry`` rows go to saxs, ``cycler`` rows
to echem). A bad file is reported and skipped. :mod:`charz.report` writes the outputs.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charz.errors import CharzError, OptionError
from charz.record import StructuralRecord, merge_records

__all__ = ["ManifestRow", "analyse_manifest", "read_manifest"]


def _hooks() -> dict[str, Callable[..., list[Any]]]:
    """Manifest technique name -> report hook, over the installed techniques."""
    from charz.plugins import techniques

    hooks: dict[str, Callable[..., list[Any]]] = {}
    for tech in techniques():
        for kind, hook in tech.report_hooks().items():
            hooks.setdefault(kind, hook)
    return hooks


@dataclass(frozen=True)
class ManifestRow:
    """One input of a report."""

    sample: str
    technique: str
    file: Path
    options: dict[str, Any] = field(default_factory=dict)


def _parse_options(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # split at ';' only where a new key= follows, so lists such as window=[15;35] survive
    parts = re.split(r";\s*(?=[A-Za-z_]\w*\s*=)", text or "")
    for part in filter(None, (p.strip() for p in parts)):
        key, sep, value = part.partition("=")
        if not sep:
            raise OptionError(f"manifest option {part!r} is not key=value")
        value = value.strip()
        if value.startswith("[") and ";" in value:
            value = value.replace(";", ",")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value.strip()
    return out


def read_manifest(path: str | Path) -> list[ManifestRow]:
    """Read a CSV or JSON manifest (see module docstring)."""
    path = Path(path)
    if not path.exists():
        raise CharzError(f"{path}: manifest not found")
    base = path.parent
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CharzError(f"{path.name}: not JSON ({exc})") from None
    else:
        items = list(csv.DictReader(line for line in text.splitlines()
                                    if line.strip() and not line.lstrip().startswith("#")))
    kinds = [*_hooks(), "records"]
    rows = []
    for i, item in enumerate(items, 1):
        try:
            sample, tech, file = item["sample"].strip(), item["technique"].strip().lower(), \
                item["file"].strip()
        except (KeyError, AttributeError, TypeError):
            raise CharzError(
                f"{path.name}: row {i} needs 'sample', 'technique' and 'file' (got {item!r})"
            ) from None
        if tech not in kinds:
            raise OptionError(f"{path.name}: row {i}: technique {tech!r} is not one of "
                             f"{', '.join(kinds)}")
        opts = item.get("options") or {}
        if isinstance(opts, str):
            opts = _parse_options(opts)
        rows.append(ManifestRow(sample, tech, (base / file).resolve(), dict(opts)))
    if not rows:
        raise CharzError(f"{path.name}: the manifest lists no files")
    return rows


def _saved_records(row: ManifestRow) -> list[StructuralRecord]:
    from charz.record import read_records

    found = [r for r in read_records(row.file) if row.sample in ("*", r.sample)]
    if not found:
        raise CharzError(f"{row.file.name}: holds no record of sample {row.sample!r}")
    return found


def _analyse(row: ManifestRow, strict: bool = False,
             collect: dict[str, list[Any]] | None = None) -> list[StructuralRecord]:
    from charz.flags import report_flags

    if row.technique == "records":
        records = _saved_records(row)
        for rec in records:
            report_flags(f"{row.file.name} ({rec.sample})", rec, strict=strict)
        return records
    analyse = _hooks().get(row.technique)
    if analyse is None:
        raise CharzError(f"{row.file.name}: no installed technique analyses "
                         f"{row.technique!r} rows for reports")
    try:
        results = analyse(row.file, **row.options)
    except TypeError as exc:  # an option the analysis does not take
        raise OptionError(f"{row.file.name}: bad manifest options {row.options}: {exc}") from None
    record = StructuralRecord(row.sample).with_results(*results)
    report_flags(row.file.name, record, strict=strict)
    if collect is not None:  # the result objects, for the comparison figures
        collect.setdefault(row.sample, []).extend(results)
    return [record]


def analyse_manifest(manifest: str | Path, *, strict: bool = False
                     ) -> tuple[list[StructuralRecord], dict[str, list[Any]], Any]:
    """Analyse every file of a manifest (a bad file is reported and skipped).

    Parameters
    ----------
    manifest : str or Path
        CSV or JSON manifest (module docstring).
    strict : bool
        A file whose results carry flags fails like a bad file.

    Returns
    -------
    (records, results, batch) : tuple
        The merged records (one per sample), the analysis result objects per sample
        (``{sample: [result, ...]}``, for :func:`charz.compare.comparison_figures`) and the
        :class:`~charz.output.BatchResult` (``failed`` lists the bad files).
    """
    from charz.output import run_batch

    rows = read_manifest(manifest)
    results: dict[str, list[Any]] = {}
    batch = run_batch(rows, lambda row: _analyse(row, strict, results), desc="charz report")
    return merge_records(r for recs in batch.ok for r in recs), results, batch
