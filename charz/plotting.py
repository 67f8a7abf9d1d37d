"""Plot style and figure output.

Computation never plots; results have ``plot(ax=None) -> Axes``. Figures are written with
:func:`save_figure` (PNG and PDF, atomically). pyplot is imported only inside functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["PAPER_STYLE", "axis_label", "failure_axes", "failure_text", "save_figure", "use_style"]

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
