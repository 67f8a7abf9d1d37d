"""Notebook display: ``_repr_html_`` for measurements, records and analysis results.

Jupyter shows an object's ``_repr_html_()`` when it has one. charz shows a small table of
values with their uncertainty (as journals print it), units, technique and flags (marked
``†`` with the reason on hover), and folds the methods and provenance into a
``<details>`` element, so a record of twenty values stays one screen high.

Technique result classes get the same display by inheriting :class:`DescriptorsHTMLMixin`
(it has no fields and no ``__dict__``, so frozen slotted dataclasses can use it)::

    @dataclass(frozen=True, slots=True, eq=False)
    class Peak002Result(DescriptorsHTMLMixin):
        ...
        def descriptors(self) -> dict[str, Measurement]: ...
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from charz._format import format_uncertainty

__all__ = ["DescriptorsHTMLMixin", "descriptors_html"]

_STYLE = ("border-collapse:collapse;font-size:90%;text-align:left",
          "padding:2px 8px;border-bottom:1px solid #ddd")


def _flags_cell(flags: tuple[str, ...]) -> str:
    if not flags:
        return ""
    from charz.flags import explain

    why = "; ".join(f"{f}: {explain(f)}" for f in flags)
    return (f'<span title="{html.escape(why)}" style="color:#b00">† '
            f"{html.escape(', '.join(flags))}</span>")


def descriptors_html(measurements: Mapping[str, Any], *, title: str | None = None,
                     conflicts: tuple[tuple[str, Any], ...] = ()) -> str:
    """HTML table of measurements: key, value(uncertainty), unit, technique, flags.

    Parameters
    ----------
    measurements : Mapping[str, Measurement]
        What to show, in order.
    title : str, optional
        Caption (sample name or result type).
    conflicts : tuple of (key, Measurement)
        Second values kept by a record, listed after the table.

    Returns
    -------
    str
        An HTML fragment (no scripts, no external resources).
    """
    esc = html.escape
    cell = _STYLE[1]
    head = "".join(f'<th style="{cell}">{h}</th>'
                   for h in ("key", "value", "unit", "technique", "flags"))
    rows = []
    for key, m in measurements.items():
        unit = "" if m.unit == "1" else m.unit
        value = format_uncertainty(m.value, m.stderr) + ("†" if m.flags else "")
        rows.append(
            f'<tr><td style="{cell}"><code>{esc(key)}</code></td>'
            f'<td style="{cell}" title="{esc(m.method)}">{esc(value)}</td>'
            f'<td style="{cell}">{esc(unit)}</td><td style="{cell}">{esc(m.technique)}</td>'
            f'<td style="{cell}">{_flags_cell(tuple(m.flags))}</td></tr>'
        )
    if not rows:
        rows.append(f'<tr><td style="{cell}" colspan="5"><i>no descriptors</i></td></tr>')
    caption = f"<caption><b>{esc(title)}</b></caption>" if title else ""
    methods = "".join(
        f"<li><code>{esc(k)}</code>: {esc(m.method)}"
        + (f" — {esc(m.source.source)}" if getattr(m.source, "source", "") else "")
        + (f" (SHA-256 {esc(m.source.sha256[:12])}…)" if getattr(m.source, "sha256", None)
           else "")
        + "</li>"
        for k, m in measurements.items()
    )
    details = (f"<details><summary>methods and sources</summary><ul>{methods}</ul></details>"
               if methods else "")
    extra = ""
    if conflicts:
        items = "".join(
            f"<li><code>{esc(k)}</code> = {esc(format_uncertainty(m.value, m.stderr))} "
            f"{esc(m.unit)} ({esc(m.method)})</li>" for k, m in conflicts)
        extra = f"<p>Conflicting second values (kept):</p><ul>{items}</ul>"
    return (f'<div><table style="{_STYLE[0]}">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{details}{extra}</div>")


class DescriptorsHTMLMixin:
    """Adds ``_repr_html_`` (a table of :meth:`descriptors`) to an analysis result class.

    A series result also shows its one-line ``summary()`` ("110/168 fitted"); a lazy
    (dask-backed) one shows its dimensions without computing anything; a result whose
    ``descriptors()`` raises a :class:`~charz.errors.CharzError` (a failed fit) shows the
    reason instead of a table.
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        from charz.errors import CharzError

        name = type(self).__name__
        maps = getattr(self, "maps", None)
        if maps is not None and any(v.chunks for v in maps.data_vars.values()):
            # lazy (dask-backed) series: showing it must not compute the whole map
            dims = ", ".join(f"{d}: {n}" for d, n in maps.sizes.items())
            keys = ", ".join(html.escape(str(k)) for k in getattr(self, "keys", ()) or ())
            return (f"<div><b>{html.escape(name)}</b>: lazy (dask-backed) over "
                    f"{html.escape(dims)}; keys {keys or '–'}. <code>descriptors()</code> "
                    "or <code>compute()</code> runs the fits.</div>")
        try:
            measurements = self.descriptors()  # type: ignore[attr-defined]
        except CharzError as exc:
            return (f"<div><b>{html.escape(name)}</b>: "
                    f"<span style=\"color:#b00\">{html.escape(str(exc))}</span></div>")
        title = name
        summary = getattr(self, "summary", None)
        if callable(summary):
            try:
                text = summary()
            except CharzError:
                text = ""
            if isinstance(text, str) and text and "\n" not in text and len(text) < 120:
                title = f"{name}: {text}"
        return descriptors_html(measurements, title=title)
