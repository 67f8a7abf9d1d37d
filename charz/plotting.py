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
    "legend_clear_of_data",
    "legend_overlaps",
    "legends_clear_of_data",
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


#: legend positions tried inside the axes, in order of preference (corners first)
_LEGEND_LOCS = ("upper right", "upper left", "lower left", "lower right", "center right",
                "center left", "upper center", "lower center", "center")


#: clearance (points) kept between a placed legend and the data
_MARGIN = 3.0


def _drawn_points(ax: Any, step: float = 2.0) -> tuple[Any, Any]:
    """Display coordinates (pixels) of what ``ax`` draws, with a half-width per point.

    Lines (also those of twin axes drawn over the same area) give their vertices and,
    where a line style is drawn, points every ``step`` px along each segment; the pad is
    half the marker size (or line width) in pixels.
    Collections (scatter) give their offsets; texts inside the axes the corners and centre
    of their extents. Points outside the axes (clipped) are dropped.
    """
    import numpy as np

    fig = ax.figure
    px_per_pt = fig.dpi / 72.0
    xy_all, pad_all = [], []
    for line in [ln for a in (ax, *_twins(ax)) for ln in a.get_lines()]:
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
        xy = xy[np.isfinite(xy).all(axis=1)]
        if not len(xy):
            continue
        if line.get_linestyle() not in ("None", "", " ", "none") and len(xy) > 1:
            seg = np.diff(xy, axis=0)
            n = np.maximum(np.ceil(np.hypot(*seg.T) / step), 1).astype(int)
            start = np.repeat(xy[:-1], n, axis=0)
            frac = np.concatenate([np.arange(k) / k for k in n])
            xy = np.vstack([start + np.repeat(seg, n, axis=0) * frac[:, None], xy[-1:]])
        marker = line.get_marker() not in ("None", "", " ", None, "none")
        half = max(line.get_markersize() / 2 if marker else 0.0, line.get_linewidth() / 2)
        xy_all.append(xy)
        pad_all.append(np.full(len(xy), half * px_per_pt))
    for coll in ax.collections:
        offsets = np.asarray(coll.get_offsets(), dtype=float)
        if coll.get_visible() and offsets.size:
            xy = coll.get_offset_transform().transform(offsets)
            sizes = np.asarray(coll.get_sizes() if hasattr(coll, "get_sizes") else [], float)
            half = float(np.sqrt(sizes.max()) / 2) if sizes.size else 0.0
            xy_all.append(xy)
            pad_all.append(np.full(len(xy), half * px_per_pt))
    renderer = fig.canvas.get_renderer()
    for text in ax.texts:
        if text.get_visible() and text.get_text():
            e = text.get_window_extent(renderer)
            xy_all.append(np.array([[e.x0, e.y0], [e.x1, e.y0], [e.x0, e.y1], [e.x1, e.y1],
                                    [(e.x0 + e.x1) / 2, (e.y0 + e.y1) / 2]]))
            pad_all.append(np.zeros(5))
    if not xy_all:
        return np.empty((0, 2)), np.empty(0)
    xy, pad = np.vstack(xy_all), np.concatenate(pad_all)
    box = ax.bbox
    keep = ((xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1)
            & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1))
    return xy[keep], pad[keep]


def legend_overlaps(legend: Any, ax: Any | None = None, *, margin: float = 0.0) -> int:
    """How many drawn points of ``ax`` (default: the legend's axes) the legend box covers.

    Parameters
    ----------
    legend : matplotlib.legend.Legend
    ax : matplotlib.axes.Axes, optional
    margin : float
        Clearance in points (1/72 in) the legend box must also keep from the data.

    Returns
    -------
    int
        Number of points (vertices, points along drawn line segments, scatter offsets,
        text extents; each grown by its marker or line half-width) inside the legend's
        window extent. The figure must have been drawn (or laid out) first.
    """
    import numpy as np

    ax = legend.axes if ax is None else ax
    bbox = legend.get_window_extent(ax.figure.canvas.get_renderer())
    xy, pad = _drawn_points(ax)
    pad = pad + margin * ax.figure.dpi / 72.0
    inside = ((xy[:, 0] + pad >= bbox.x0) & (xy[:, 0] - pad <= bbox.x1)
              & (xy[:, 1] + pad >= bbox.y0) & (xy[:, 1] - pad <= bbox.y1))
    return int(np.count_nonzero(inside))


def _twins(ax: Any) -> list[Any]:
    """Other axes of the figure drawn over exactly the area of ``ax`` (``twinx``/``twiny``)."""
    return [o for o in ax.figure.axes
            if o is not ax and o.get_visible() and o.bbox.bounds == ax.bbox.bounds]


def _grow_top(ax: Any, factor: float) -> bool:
    """Raise the top of the y range so the current range fills 1/``factor`` of the height."""
    grown = [_grow_one(a, factor) for a in (ax, *_twins(ax))]  # every one, no short cut
    return all(grown)


def _grow_one(ax: Any, factor: float) -> bool:
    import math

    lo, hi = ax.get_ylim()
    if hi <= lo:
        return False
    if ax.get_yscale() == "linear":
        ax.set_ylim(lo, lo + (hi - lo) * factor)
    elif ax.get_yscale() == "log" and lo > 0:
        ax.set_ylim(lo, 10 ** (math.log10(lo) + (math.log10(hi) - math.log10(lo)) * factor))
    else:
        return False
    return True


def _inside_clear(ax: Any, kwargs: dict[str, Any], headroom: Sequence[float]) -> Any:
    """A legend inside ``ax`` covering no data, or None (limits restored then)."""
    ax.figure.draw_without_rendering()  # final axes positions and autoscaled limits
    for loc in _LEGEND_LOCS:
        legend = ax.legend(loc=loc, **kwargs)
        if legend_overlaps(legend, ax, margin=_MARGIN) == 0:
            return legend
    limits = [(a, a.get_ylim()) for a in (ax, *_twins(ax))]
    for factor in headroom:
        if not _grow_top(ax, factor):
            break
        ax.figure.draw_without_rendering()
        for loc in ("upper right", "upper left", "upper center"):
            legend = ax.legend(loc=loc, **kwargs)
            if legend_overlaps(legend, ax, margin=_MARGIN) == 0:
                return legend
        for a, ylim in limits:
            a.set_ylim(ylim)
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    return None


def _outside(ax: Any, kwargs: dict[str, Any]) -> Any:
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                     **kwargs)


def _legend_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(kwargs)
    kwargs.pop("loc", None)
    kwargs.pop("bbox_to_anchor", None)
    kwargs.setdefault("fontsize", PAPER_STYLE["legend.fontsize"])
    kwargs.setdefault("frameon", PAPER_STYLE["legend.frameon"])
    return kwargs


def legend_clear_of_data(ax: Any, *, headroom: Sequence[float] = (1.15, 1.3, 1.5),
                         **kwargs: Any) -> Any:
    """Draw the legend of ``ax`` where it covers none of the plotted data.

    The figure is laid out, then each position in the axes is tried (corners first, as
    ordered in ``_LEGEND_LOCS``); the first whose box covers no drawn point — line vertices,
    points along drawn segments, markers with their size, scatter points, texts — is kept
    (see :func:`legend_overlaps`), with a 3 pt clearance. When every position covers data,
    the top of the y range (and of any twin axes) is raised step by step (``headroom``) to
    free an upper corner; failing that, the legend goes outside, to the right of the axes,
    and constrained layout makes room.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes with its data, limits and scales already set (they fix where data is drawn).
    headroom : sequence of float
        Factors by which the y range may be stretched upwards (linear or log axis) to make
        room for the legend; ``()`` never changes the limits.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.legend` (``handles``, ``title``, ...);
        ``loc`` and ``bbox_to_anchor`` are chosen here. The font size and frame default to
        :data:`PAPER_STYLE` even outside :func:`use_style`.

    Returns
    -------
    matplotlib.legend.Legend
    """
    kwargs = _legend_kwargs(kwargs)
    legend = _inside_clear(ax, kwargs, headroom)
    return legend if legend is not None else _outside(ax, kwargs)


def legends_clear_of_data(specs: Sequence[tuple[Any, dict[str, Any]]], *,
                          headroom: Sequence[float] = (1.15, 1.3, 1.5)) -> list[Any]:
    """:func:`legend_clear_of_data` for several axes of one figure.

    A legend put outside its axes changes the constrained layout, and so where the other
    panels draw their data. The legends that fit nowhere inside go outside first; the
    others are then placed on the resulting layout, and the rounds repeat until every
    legend inside an axes covers no data.

    Parameters
    ----------
    specs : sequence of (Axes, dict)
        Each axes with the keyword arguments of its legend.
    headroom : sequence of float
        As in :func:`legend_clear_of_data`.

    Returns
    -------
    list of matplotlib.legend.Legend
    """
    if not specs:
        return []
    fig = specs[0][0].figure
    kws = [_legend_kwargs(kw) for _, kw in specs]
    outside: set[int] = set()
    legends: list[Any] = [None] * len(specs)
    for _ in range(len(specs) + 1):
        for i in sorted(outside):
            legends[i] = _outside(specs[i][0], kws[i])
        fig.draw_without_rendering()
        new = set()
        for i, (ax, _kw) in enumerate(specs):
            if i not in outside:
                legends[i] = _inside_clear(ax, kws[i], headroom)
                if legends[i] is None:
                    new.add(i)
        if not new:
            fig.draw_without_rendering()
            if all(legend_overlaps(legends[i], specs[i][0], margin=_MARGIN) == 0
                   for i in range(len(specs)) if i not in outside):
                break
        outside |= new
    return legends


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
