"""Tables ready for a paper: many records → pandas → CSV, XLSX, LaTeX (booktabs), Markdown.

Columns follow the order and labels of hard-carbon structural tables (d$_{002}$ (nm),
L$_c$ (nm), L$_a$ (nm), N, I$_D$/I$_G$, ...), grouped as structure (XRD, Raman),
porosity (true density, SAXS, sorption) and electrochemistry. Values are printed with
their uncertainty rounded as journals print it: the uncertainty to one significant digit
(two when its leading digit is 1), the value to the same decimal place — ``0.381(2)`` or
``0.381 ± 0.002``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from charz._format import format_uncertainty
from charz.errors import CharzWarning
from charz.record import DESCRIPTORS, StructuralRecord

__all__ = [
    "FLAG_MARK",
    "GROUPS",
    "format_uncertainty",
    "formatted_table",
    "to_dataframe",
    "to_latex",
    "to_markdown",
    "write_tables",
]

#: Table groups by technique, in the order papers print them.
GROUPS: dict[str, tuple[str, ...]] = {
    "Structure": ("xrd", "raman"),
    "Porosity": ("pycnometry", "saxs", "sorption"),
    "Electrochemistry": ("echem",),
}


def _keys(records: Sequence[StructuralRecord], keys: Sequence[str] | None) -> list[str]:
    present = {k for r in records for k in r.descriptors}
    if keys is not None:
        return [k for k in keys if k in present]
    order = list(DESCRIPTORS)
    return sorted(present, key=lambda k: order.index(k) if k in order else len(order))


def to_dataframe(
    records: Iterable[StructuralRecord], *, keys: Sequence[str] | None = None
) -> pd.DataFrame:
    """Numeric table: one row per sample, columns ``"<label>"`` and ``"u(<label>)"``.

    Column labels are the plain-text labels of :data:`~charz.record.DESCRIPTORS`
    (``d002 (nm)``); ``df.attrs["keys"]`` maps them back to record keys. When any value is
    flagged (:mod:`charz.flags`), a last text column ``flags`` lists, per sample, each
    flagged key with its flags (``d002: at_bound:center``).
    """
    records = list(records)
    ks = _keys(records, keys)
    rows, cols = [], []
    for k in ks:
        label = DESCRIPTORS[k].label_text
        cols += [label, f"u({label})"]
    for r in records:
        row = []
        for k in ks:
            m = r.descriptors.get(k)
            row += [m.value, m.stderr] if m is not None else [math.nan, math.nan]
        rows.append(row)
    index = pd.Index([r.sample for r in records], name="sample")
    df = pd.DataFrame(rows, columns=cols, index=index)
    df = df.astype(float)
    notes = [_row_flags(r, ks) for r in records]
    if any(notes):
        df["flags"] = notes
    df.attrs["keys"] = {DESCRIPTORS[k].label_text: k for k in ks}
    return df


#: Mark of a flagged value in the formatted tables (LaTeX: ``$^\dagger$``).
FLAG_MARK = "†"


def _row_flags(record: StructuralRecord, keys: Sequence[str]) -> str:
    return "; ".join(f"{k}: {', '.join(record.descriptors[k].flags)}" for k in keys
                     if k in record.descriptors and record.descriptors[k].flags)


def _flag_notes(records: Sequence[StructuralRecord], keys: Sequence[str],
                labels: Literal["tex", "text"] = "text") -> list[str]:
    """One note per flagged value: ``† HC-1, d002 (nm): fit parameter center ended ...``."""
    from charz.flags import explain

    notes = []
    for r in records:
        for k in keys:
            m = r.descriptors.get(k)
            if m is not None and m.flags:
                spec = DESCRIPTORS[k]
                label = spec.label_tex if labels == "tex" else spec.label_text
                why = "; ".join(f"{f} ({explain(f)})" for f in m.flags)
                sample = _tex_escape(r.sample) if labels == "tex" else r.sample
                why = _tex_escape(why) if labels == "tex" else why
                notes.append(f"{sample}, {label}: {why}")
    return notes


def formatted_table(
    records: Iterable[StructuralRecord],
    *,
    keys: Sequence[str] | None = None,
    labels: Literal["tex", "text"] = "text",
    style: Literal["parentheses", "pm"] = "parentheses",
) -> pd.DataFrame:
    """Table of strings (value with uncertainty) with LaTeX or plain labels.

    A flagged value gets the mark :data:`FLAG_MARK` (``$^\\dagger$`` with LaTeX labels);
    the tables' notes say why.
    """
    records = list(records)
    ks = _keys(records, keys)
    mark = "$^\\dagger$" if labels == "tex" else FLAG_MARK
    data = {}
    for k in ks:
        spec = DESCRIPTORS[k]
        col = []
        for r in records:
            m = r.descriptors.get(k)
            col.append("–" if m is None else format_uncertainty(m.value, m.stderr, style=style)
                       + (mark if m.flags else ""))
        data[spec.label_tex if labels == "tex" else spec.label_text] = col
    return pd.DataFrame(data, index=pd.Index([r.sample for r in records], name="Sample"))


def _methods(records: Sequence[StructuralRecord], keys: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for k in keys:
        seen = []
        for r in records:
            m = r.descriptors.get(k)
            if m is not None and m.method not in seen:
                seen.append(m.method)
        out.append((k, "; ".join(seen)))
    return out


def _tex_escape(text: str) -> str:
    repl = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}
    return "".join(repl.get(c, c) for c in text)


def _group_keys(records: Sequence[StructuralRecord]) -> list[tuple[str, list[str]]]:
    ks = _keys(records, None)
    groups = []
    for title, techs in GROUPS.items():
        sel = [k for k in ks if DESCRIPTORS[k].technique in techs]
        if sel:
            groups.append((title, sel))
    rest = [k for k in ks if not any(k in g for _, g in groups)]
    if rest:
        groups.append(("Other", rest))
    return groups


def to_latex(records: Iterable[StructuralRecord], *, style: Literal["parentheses", "pm"] =
             "parentheses") -> str:
    """LaTeX (booktabs) tables, one per group, with the methods as table notes.

    Needs ``\\usepackage{booktabs}`` in the document.
    """
    records = list(records)
    chunks = ["% charz structural tables; needs \\usepackage{booktabs}"]
    for title, keys in _group_keys(records):
        ft = formatted_table(records, keys=keys, labels="tex", style=style)
        ncol = len(keys)
        lines = [
            f"% {title}",
            "\\begin{tabular}{l" + "c" * ncol + "}",
            "\\toprule",
            "Sample & " + " & ".join(ft.columns) + " \\\\",
            "\\midrule",
        ]
        for sample, row in ft.iterrows():
            lines.append(_tex_escape(str(sample)) + " & " + " & ".join(row.values) + " \\\\")
        lines.append("\\bottomrule")
        lines.append("\\end{tabular}")
        notes = [f"{DESCRIPTORS[k].label_tex}: {_tex_escape(m)}"
                 for k, m in _methods(records, keys)]
        lines.append("\\par\\smallskip{\\footnotesize " + "; ".join(notes) + ".}")
        flagged = _flag_notes(records, keys, "tex")
        if flagged:
            lines.append("\\par{\\footnotesize $^\\dagger$ flagged, quote with care: "
                         + "; ".join(flagged) + ".}")
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


def to_markdown(records: Iterable[StructuralRecord], *, style: Literal["parentheses", "pm"] =
                "parentheses") -> str:
    """Markdown (pipe) tables, one per group, with the methods listed below each."""
    records = list(records)
    chunks = []
    for title, keys in _group_keys(records):
        ft = formatted_table(records, keys=keys, labels="text", style=style)
        head = "| Sample | " + " | ".join(ft.columns) + " |"
        rule = "|---|" + "---:|" * len(keys)
        body = ["| " + str(s).replace("|", "\\|") + " | " + " | ".join(r.values) + " |"
                for s, r in ft.iterrows()]
        notes = [f"- {DESCRIPTORS[k].label_text}: {m}" for k, m in _methods(records, keys)]
        notes += [f"- {FLAG_MARK} flagged, quote with care: {n}"
                  for n in _flag_notes(records, keys)]
        chunks.append("\n".join([f"### {title}", "", head, rule, *body, "", *notes]))
    return "\n\n".join(chunks) + "\n"


def _methods_frame(records: Sequence[StructuralRecord]) -> pd.DataFrame:
    rows = []
    for r in records:
        for k, m in r.descriptors.items():
            rows.append({"sample": r.sample, "key": k, "value": m.value, "stderr": m.stderr,
                         "unit": m.unit, "technique": m.technique, "method": m.method,
                         "file": m.source.source, "sha256": m.source.sha256,
                         "flags": ", ".join(m.flags), "conflict": False})
        for k, m in r.conflicts:
            rows.append({"sample": r.sample, "key": k, "value": m.value, "stderr": m.stderr,
                         "unit": m.unit, "technique": m.technique, "method": m.method,
                         "file": m.source.source, "sha256": m.source.sha256,
                         "flags": ", ".join(m.flags), "conflict": True})
    return pd.DataFrame(rows)


def _csv_metadata(records: Sequence[StructuralRecord]) -> dict:
    keys = _keys(records, None)
    return {
        "description": "structural descriptor table: one row per sample; 'u(<column>)' is "
                       "one standard error; 'flags' lists flagged values (charz.flags)",
        "keys": {DESCRIPTORS[k].label_text: k for k in keys},
        "units": {DESCRIPTORS[k].label_text: DESCRIPTORS[k].unit for k in keys},
        "methods": dict(_methods(records, keys)),
        "values": [{"sample": r.sample, "key": k, "technique": m.technique,
                    "file": m.source.source, "sha256": m.source.sha256,
                    "flags": list(m.flags)}
                   for r in records for k, m in r.descriptors.items()],
    }


def write_tables(
    records: Iterable[StructuralRecord],
    out: str | Path,
    *,
    stem: str = "table",
    formats: Sequence[str] = ("csv", "xlsx", "tex", "md"),
) -> list[Path]:
    """Write the structural table as ``table.csv``, ``.xlsx``, ``.tex`` and ``.md`` (atomic).

    The CSV holds numbers (value and ``u(...)`` columns, units in the names, a ``flags``
    text column when anything is flagged) and loads with ``pandas.read_csv`` defaults; its
    sidecar ``table.json`` maps columns to keys, units and methods and lists every value's
    file, SHA-256 and flags (:func:`charz.output.write_csv`). The XLSX has sheets ``values``,
    ``formatted`` and ``methods`` (every value with unit, method, file and SHA-256); LaTeX
    and Markdown hold the journal-formatted strings with methods as notes. XLSX needs
    openpyxl (extra ``xlsx``); without it that file is skipped with a warning.
    """
    from charz.output import atomic_path, atomic_write_text, write_csv

    records = list(records)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if "csv" in formats:
        written.append(write_csv(out / f"{stem}.csv", to_dataframe(records),
                                 metadata=_csv_metadata(records)))
    if "xlsx" in formats:
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            warnings.warn(
                "openpyxl is not installed: table.xlsx skipped "
                "(pip install 'charz-carbon[xlsx]')",
                CharzWarning,
                stacklevel=2,
            )
        else:
            path = out / f"{stem}.xlsx"
            with atomic_path(path) as tmp:
                with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                    to_dataframe(records).to_excel(xw, sheet_name="values")
                    formatted_table(records).to_excel(xw, sheet_name="formatted")
                    _methods_frame(records).to_excel(xw, sheet_name="methods", index=False)
            written.append(path)
    if "tex" in formats:
        written.append(atomic_write_text(out / f"{stem}.tex", to_latex(records)))
    if "md" in formats:
        written.append(atomic_write_text(out / f"{stem}.md", to_markdown(records)))
    return written
