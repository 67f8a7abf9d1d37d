"""Plot style and figure output.

Computation never plots; results have ``plot(ax=None) -> Axes``. Figures are written with
:func:`save_figure` (PNG and PDF, atomically). pyplot is imported only inside functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "PAPER_STYLE",
    "above_twin",
    "axis_label",
    "failure_axes",
    "failure_text",
    "key_label",
    "save_figure",
    "slice_masks",
    "trend",
    "use_style",
]

#: rcParams of charz figures: single-column journal width, ticks inside, constrained layout
#: (labels, colour bars and legends placed "outside" never clipped), no top/right clutter.
#: :func:`use_style` applies it to the demo, ``charz report`` and every ``--plot`` figure.
PAPER_STYLE: dict[str, Any] = {
    "figure.figsize": (3.5, 2.8),
    "figure.constrained_layout.use": True,
    "figure.dpi": 150,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "xtick.minor.visible": True,
    "ytick.minor.visible": True,
    "lines.linewidth": 1.0,
    "axes.linewidth": 0.8,
    "image.cmap": "viridis",
    "pdf.fonttype": 42,
}


@contextlib.contextmanager
def use_style(**overrides: Any) -> Iterator[None]:
    """Context manager applying :data:`PAPER_STYLE` (plus overrides) with the Agg-safe rc."""
    import matplotlib

    with matplotlib.rc_context({**PAPER_STYLE, **overrides}):
        yield


def axis_label(obj: Any, default: str = "") -> str:
    """``long_name (units)`` from an xarray object's attrs (unit ``1`` omitted)."""
    attrs = getattr(obj, "attrs", {}) or {}
    name = attrs.get("long_name") or getattr(obj, "name", None) or default
    units = attrs.get("units")
    if units and units != "1":
        return f"{name} ({units})"
    return str(name)


def key_label(key: str, unit: str | None = None) -> str:
    """A record key as an axis or legend label.

    A key of :data:`charz.record.DESCRIPTORS` gives its TeX label, which already carries
    the record's unit (``$\\omega_G$ (cm$^{-1}$)``, ``I$_D$/I$_G$``); ``unit`` is then not
    added. Other keys print with spaces for underscores, followed by ``unit`` unless it is
    ``1`` or empty.
    """
    from charz.record import DESCRIPTORS

    if key in DESCRIPTORS:
        return DESCRIPTORS[key].label_tex
    label = key.replace("_", " ")
    return f"{label} ({unit})" if unit not in (None, "", "1") else label


def slice_masks(success: Any, flags: Any) -> tuple[Any, Any, Any]:
    """``(clean, flagged, failed)`` boolean masks of a series' slices.

    ``clean``: fitted, no flag; ``flagged``: fitted with a flag (:mod:`charz.flags`);
    ``failed``: not fitted (no signal, not converged), left out of means and tracks.
    """
    import numpy as np

    ok = np.asarray(success, bool).ravel()
    has_flag = np.char.str_len(np.asarray(flags, str).ravel()) > 0
    return ok & ~has_flag, ok & has_flag, ~ok


def trend(
    ax: Any, x: Any, y: Any, *, success: Any, flags: Any, yerr: Any = None,
    label: str | None = None, color: str = "C0", line: bool = False,
    legend: bool | None = None, legend_kw: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Per-slice values of a series: fitted slices filled, flagged slices hollow, failed
    slices left out, each kind with its legend entry (``flagged (n)``, ``n not fitted``).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    x, y : array_like
        One value per slice (``y`` NaN where there is none).
    success, flags : array_like
        The series' ``success`` and ``flags`` (``","``-joined, ``""`` when clean).
    yerr : array_like, optional
        Error bars (standard errors).
    label : str, optional
        Legend text of the good slices.
    color : str
        Colour of the points (flagged points: the same colour, hollow).
    line : bool
        Join the fitted and flagged points (in ``x`` order) with a thin line.
    legend : bool, optional
        Draw the legend (where it hides the fewest points, on a light frame). Default:
        when some slices are flagged or failed (the legend then says how many).
    legend_kw : dict, optional
        Placement and style of the legend, passed to :meth:`~matplotlib.axes.Axes.legend`
        (e.g. ``{"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)}``: outside, right).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.errorbar` (``ms``, ``elinewidth`` ...).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import numpy as np

    x = np.asarray(x).ravel()
    y = np.asarray(y, float).ravel()
    e = None if yerr is None else np.asarray(yerr, float).ravel()
    clean, flagged, failed = slice_masks(success, flags)
    kwargs.setdefault("ms", 3)
    if line:
        keep = clean | flagged
        ax.plot(x[keep], y[keep], "-", color=color, lw=0.6, alpha=0.6)
    handles = [ax.errorbar(x[clean], y[clean], yerr=None if e is None else e[clean],
                           fmt="o", color=color, label=label or "fitted", **kwargs)]
    if flagged.any():
        handles.append(ax.errorbar(x[flagged], y[flagged],
                                   yerr=None if e is None else e[flagged], fmt="o",
                                   color=color, mfc="none",
                                   label=f"flagged ({int(flagged.sum())})", **kwargs))
    if failed.any():  # left out; said in the legend
        handles += ax.plot([], [], " ", label=f"{int(failed.sum())} not fitted (left out)")
    if legend or (legend is None and (flagged.any() or failed.any())):
        ax.legend(handles=handles, **{"loc": "best", "fontsize": "small", "frameon": True,
                                      "framealpha": 0.8, "edgecolor": "none",
                                      **(legend_kw or {})})
    return ax


def above_twin(ax: Any, twin: Any) -> None:
    """Draw ``ax`` (points, legend) above its twin axes (e.g. the voltage curve)."""
    ax.set_zorder(twin.get_zorder() + 1)
    ax.patch.set_visible(False)


def failure_text(message: str, *, width: int = 70) -> str:
    """``fit failed: <reason>`` wrapped for a figure title (the file-name prefix dropped)."""
    import textwrap

    return textwrap.fill("fit failed: " + message.split(": ", 1)[-1], width)


def failure_axes(message: str, ax: Any = None, *, width: int = 70) -> Any:
    """Axes that say why a fit failed when there is no curve to draw (for failed results)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(layout="constrained")
    ax.set_title(failure_text(message, width=width), fontsize=9, loc="left")
    return ax


def save_figure(
    fig: Any, path: str | Path, *, formats: Sequence[str] = ("png", "pdf"), close: bool = True
) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix in ``formats`` (atomically); return the paths."""
    from charz.output import atomic_path

    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lstrip(".") in formats else path
    written = []
    for fmt in formats:
        target = stem.with_name(f"{stem.name}.{fmt}")
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt)
        written.append(target)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return written
