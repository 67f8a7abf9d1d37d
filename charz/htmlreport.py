"""``report.html``: one self-contained page per report folder.

The page shows, for every sample and technique, the values with their uncertainties and
flags, every figure, the methods (the conventions used, stated) and the provenance (file,
SHA-256, reader, charz version), plus the warnings the run produced; for several samples it
adds the campaign table and the comparison figures first. Figures are embedded as PNG data
URIs (or inline SVG), so the page has no external URL, needs no network and travels as one
file. The page is rendered from a Jinja2 template (``charz/templates/report.html.j2``), as
FIELD-NOTES §8 recommends; nothing is built by string concatenation.

Examples
--------
>>> from charz.htmlreport import HtmlReport          # doctest: +SKIP
>>> page = HtmlReport("HC campaign")                 # doctest: +SKIP
>>> page.add_records(records)                        # doctest: +SKIP
>>> page.add_figure("out/xrd_fit.png", sample="HC-demo", technique="xrd")  # doctest: +SKIP
>>> page.write("out/report.html")                    # doctest: +SKIP
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charz.errors import CharzError
from charz.record import DESCRIPTORS, Measurement, StructuralRecord

__all__ = ["HtmlReport", "ReportFigure", "write_html_report"]

#: Order of the technique sections on a sample's part of the page.
TECHNIQUE_ORDER = ("xrd", "raman", "saxs", "pycnometry", "sorption", "echem")

TECHNIQUE_TITLES = {
    "xrd": "X-ray diffraction",
    "raman": "Raman spectroscopy",
    "saxs": "Small-angle X-ray scattering",
    "pycnometry": "Helium pycnometry",
    "sorption": "Gas sorption",
    "echem": "Electrochemistry",
}

#: Default resolution of embedded PNG figures (a screen's, not print's).
EMBED_DPI = 144.0

_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".gif": "image/gif", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class ReportFigure:
    """A figure on the page.

    Parameters
    ----------
    path : Path
        A PNG, JPEG or SVG file (a PDF twin beside it is linked when present).
    sample : str or None
        Sample it belongs to; None for campaign-wide (comparison) figures.
    technique : str or None
        Technique section it belongs to (``xrd``, ``raman``, ...); None: "other figures".
    caption : str
        Caption under the figure (default: the file name).
    """

    path: Path
    sample: str | None = None
    technique: str | None = None
    caption: str = ""


@dataclass
class HtmlReport:
    """Collects records, figures and warnings, then writes one HTML page.

    Parameters
    ----------
    title : str
        Page title.
    embed_dpi : float or None
        Resolution at which PNG figures are embedded (default 144: sharp on a screen,
        about a quarter of the bytes of the 300-dpi files on disk, which stay as they
        are). ``None`` embeds the files unchanged.
    """

    title: str = "charz report"
    records: list[StructuralRecord] = field(default_factory=list)
    figures: list[ReportFigure] = field(default_factory=list)
    warnings: list[tuple[str | None, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    embed_dpi: float | None = EMBED_DPI

    def add_records(self, records: Iterable[StructuralRecord]) -> None:
        """Add sample records (their measurements, methods, flags and provenance)."""
        for rec in records:
            if not isinstance(rec, StructuralRecord):
                raise CharzError(f"add_records takes StructuralRecord objects, "
                                 f"got {type(rec).__name__}")
            self.records.append(rec)

    def add_figure(self, path: str | Path, *, sample: str | None = None,
                   technique: str | None = None, caption: str = "") -> None:
        """Add a figure file (PNG/JPEG/SVG) to a sample's technique section or the campaign."""
        path = Path(path)
        if path.suffix.lower() not in _MIME:
            raise CharzError(f"{path.name}: a report figure must be PNG, JPEG or SVG")
        self.figures.append(ReportFigure(path, sample, technique, caption))

    def add_warning(self, text: str, *, sample: str | None = None) -> None:
        """Add a warning line (shown under its sample, or for the whole run)."""
        self.warnings.append((sample, " ".join(str(text).split())))

    def add_note(self, text: str) -> None:
        """Add a note for the whole run (e.g. a part that was skipped)."""
        self.notes.append(" ".join(str(text).split()))

    # -- rendering ------------------------------------------------------------------
    def render(self) -> str:
        """The page's HTML text."""
        from charz import __version__

        env = _environment()
        template = env.get_template("report.html.j2")
        samples = _merge_by_sample(self.records)
        context = {
            "title": self.title,
            "version": __version__,
            "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "campaign": _campaign_table(samples) if len(samples) > 1 else None,
            "campaign_figures": [_figure_context(f, self.embed_dpi) for f in self.figures
                                 if f.sample is None],
            "samples": [self._sample_context(rec) for rec in samples],
            "run_warnings": [w for s, w in self.warnings if s is None],
            "notes": list(self.notes),
            "flag_legend": _flag_legend(samples),
        }
        return template.render(**context)

    def write(self, path: str | Path) -> Path:
        """Render and write the page atomically; returns its path."""
        from charz.output import atomic_write_text

        return atomic_write_text(Path(path), self.render())

    def _sample_context(self, rec: StructuralRecord) -> dict[str, Any]:
        by_tech: dict[str, list[tuple[str, Measurement, bool]]] = {}
        for key, m in rec.descriptors.items():
            by_tech.setdefault(m.technique or "other", []).append((key, m, False))
        for key, m in rec.conflicts:
            by_tech.setdefault(m.technique or "other", []).append((key, m, True))
        figs = [f for f in self.figures if f.sample == rec.sample]
        techniques = sorted(set(by_tech) | {f.technique or "other" for f in figs},
                            key=_technique_rank)
        sections = []
        for tech in techniques:
            rows = [_row(key, m, conflict) for key, m, conflict in by_tech.get(tech, [])]
            sections.append({
                "technique": tech,
                "title": TECHNIQUE_TITLES.get(tech, tech.capitalize()),
                "rows": rows,
                "methods": _methods(by_tech.get(tech, [])),
                "provenance": _provenance(by_tech.get(tech, [])),
                "figures": [_figure_context(f, self.embed_dpi) for f in figs
                            if (f.technique or "other") == tech],
            })
        return {
            "name": rec.sample,
            "anchor": _anchor(rec.sample),
            "n_values": len(rec.descriptors),
            "n_flagged": sum(bool(_flags(m)) for m in rec.descriptors.values()),
            "sections": sections,
            "warnings": [w for s, w in self.warnings if s == rec.sample],
        }


def write_html_report(
    path: str | Path,
    records: Iterable[StructuralRecord],
    *,
    figures: Iterable[ReportFigure | tuple[str | Path, str | None, str | None]] = (),
    warnings: Iterable[str] = (),
    notes: Iterable[str] = (),
    title: str = "charz report",
) -> Path:
    """Write ``report.html`` for records and figure files in one call.

    Parameters
    ----------
    path : str or Path
        Output file (usually ``<out>/report.html``).
    records : iterable of StructuralRecord
        The samples.
    figures : iterable
        :class:`ReportFigure` objects or ``(path, sample, technique)`` tuples.
    warnings, notes : iterable of str
        Lines shown for the whole run.
    title : str
        Page title.

    Returns
    -------
    Path
        The page written.
    """
    page = HtmlReport(title)
    page.add_records(records)
    for fig in figures:
        if isinstance(fig, ReportFigure):
            page.figures.append(fig)
        else:
            fpath, sample, technique = fig
            page.add_figure(fpath, sample=sample, technique=technique)
    for w in warnings:
        page.add_warning(w)
    for n in notes:
        page.add_note(n)
    return page.write(path)


# -- helpers ---------------------------------------------------------------------------
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("charz", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _technique_rank(tech: str) -> tuple[int, str]:
    return (TECHNIQUE_ORDER.index(tech) if tech in TECHNIQUE_ORDER else len(TECHNIQUE_ORDER),
            tech)


def _anchor(text: str) -> str:
    return "s-" + "".join(c if c.isalnum() else "-" for c in text)


def _flags(m: Measurement) -> tuple[str, ...]:
    return tuple(getattr(m, "flags", ()) or ())


def _merge_by_sample(records: Sequence[StructuralRecord]) -> list[StructuralRecord]:
    from charz.record import merge_records

    return merge_records(records)


def _value_text(m: Measurement) -> str:
    from charz.tables import format_uncertainty

    return format_uncertainty(m.value, m.stderr, style="pm")


def _unit_text(unit: str) -> str:
    return "" if unit == "1" else unit.replace("^3", "³").replace("^2", "²").replace("*", "·")


def _row(key: str, m: Measurement, conflict: bool) -> dict[str, Any]:
    spec = DESCRIPTORS.get(key)
    return {
        "key": key,
        "label": spec.label_text if spec else key,
        "meaning": spec.meaning if spec else "",
        "value": _value_text(m),
        "unit": _unit_text(m.unit),
        "method": m.method,
        "flags": list(_flags(m)),
        "conflict": conflict,
        "source": m.source.source,
    }


def _methods(items: Sequence[tuple[str, Measurement, bool]]) -> list[dict[str, str]]:
    seen: dict[str, list[str]] = {}
    for key, m, _ in items:
        if m.method:
            seen.setdefault(m.method, []).append(key)
    return [{"method": method, "keys": ", ".join(keys)} for method, keys in seen.items()]


def _provenance(items: Sequence[tuple[str, Measurement, bool]]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str | None, str], dict[str, Any]] = {}
    for _key, m, _ in items:
        p = m.source
        ident = (p.source, p.sha256, p.reader)
        if ident not in rows:
            params = ", ".join(f"{k}={v}" for k, v in sorted(p.parameters.items()))
            rows[ident] = {"file": p.source or "(data given in Python)",
                           "sha256": p.sha256 or "", "reader": p.reader,
                           "version": p.version, "parameters": params}
    return list(rows.values())


def _figure_context(fig: ReportFigure, embed_dpi: float | None = None) -> dict[str, Any]:
    path = fig.path
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CharzError(f"{path}: report figure cannot be read ({exc})") from None
    suffix = path.suffix.lower()
    pdf = path.with_suffix(".pdf")
    caption = fig.caption or path.stem.replace("_", " ")
    out = {"caption": caption, "name": path.name,
           "pdf": pdf.name if pdf.exists() else None, "svg": None, "uri": None}
    if suffix == ".svg":
        text = data.decode("utf-8", errors="replace")
        start = text.find("<svg")
        out["svg"] = text[start:] if start >= 0 else html.escape(text)
    else:
        if suffix == ".png" and embed_dpi:
            data = _png_at_dpi(data, embed_dpi)
        out["uri"] = f"data:{_MIME[suffix]};base64,{base64.b64encode(data).decode('ascii')}"
    return out


def _png_at_dpi(data: bytes, dpi: float) -> bytes:
    """The PNG resampled to ``dpi`` (from the resolution it states) with a 256-colour palette.

    Matplotlib stores the ``savefig`` resolution in the PNG (``pHYs``); a file without it,
    or already at or below ``dpi``, is returned unchanged. Line plots and colour maps keep
    their look with an adaptive palette (no dithering), at a sixth of the bytes of the
    300-dpi file.
    """
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        src = img.info.get("dpi")
        if not src or float(src[0]) <= dpi * 1.05:
            return data
        scale = dpi / float(src[0])
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        rgba = img.convert("RGBA")
        opaque = rgba.getchannel("A").getextrema()[0] == 255
        small = rgba.convert("RGB") if opaque else rgba
        small = small.resize(size, Image.Resampling.LANCZOS)
        small = small.quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                               dither=Image.Dither.NONE)
        buf = io.BytesIO()
        small.save(buf, format="PNG", dpi=(dpi, dpi))
    out = buf.getvalue()
    return out if len(out) < len(data) else data


def _campaign_table(records: Sequence[StructuralRecord]) -> dict[str, Any]:
    keys = [k for k in DESCRIPTORS if any(k in r for r in records)]
    keys += sorted({k for r in records for k in r.descriptors} - set(keys))
    header = [{"key": k, "label": DESCRIPTORS[k].label_text if k in DESCRIPTORS else k}
              for k in keys]
    rows = []
    for rec in records:
        cells = []
        for k in keys:
            m = rec.descriptors.get(k)
            cells.append(None if m is None else {"value": _value_text(m),
                                                 "flags": list(_flags(m))})
        rows.append({"sample": rec.sample, "anchor": _anchor(rec.sample), "cells": cells})
    return {"header": header, "rows": rows}


def _flag_legend(records: Sequence[StructuralRecord]) -> list[dict[str, str]]:
    used = sorted({f for r in records for m in r.descriptors.values() for f in _flags(m)})
    if not used:
        return []
    try:
        from charz.flags import FLAGS  # the documented vocabulary
    except ImportError:  # pragma: no cover - older core without the flags table
        FLAGS = {}
    legend = []
    for flag in used:
        head = flag.split(":", 1)[0]
        meaning = (FLAGS.get(flag) or FLAGS.get(head) or FLAGS.get(head + ":") or "")
        legend.append({"flag": flag, "meaning": _as_text(meaning)})
    return legend


def _as_text(meaning: Any) -> str:
    if isinstance(meaning, str):
        return meaning
    if isinstance(meaning, Mapping):
        return str(meaning.get("meaning", ""))
    return str(getattr(meaning, "meaning", meaning))
