"""Shared helpers of the saxs analyses: input checks, weights, plotting (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CharzError, FitError, OptionError
from charz.flags import NO_SIGNAL, is_flat

#: sphere-equivalent radius from a radius of gyration, R = sqrt(5/3) Rg (homogeneous sphere)
SPHERE_R_PER_RG = float(np.sqrt(5.0 / 3.0))


def as_curve(curve: Any, *, window: tuple[float, float] | None = None,
             name: str = "curve") -> tuple[np.ndarray, np.ndarray, np.ndarray | None, xr.DataArray]:
    """Check a SAXS curve (DataArray with dim ``q`` in 1/nm) and cut it to ``window``.

    Returns q, I, sigma (None when absent) and the cut DataArray.
    """
    if not isinstance(curve, xr.DataArray) or "q" not in curve.dims or curve.ndim != 1:
        raise CharzError(f"{name}: a 1-D SAXS curve (xarray.DataArray with dim 'q') is needed; "
                         "read one with charz.read(path) or saxs.make_curve(...)")
    unit = curve["q"].attrs.get("units", "1/nm")
    if unit != "1/nm":
        raise CharzError(f"{name}: q must be in 1/nm (got {unit!r}); readers convert on load")
    da = curve
    if window is not None:
        lo, hi = window
        if not lo < hi:
            raise OptionError(f"{name}: window {window} must be (low, high) with low < high")
        da = curve.where((curve.q >= lo) & (curve.q <= hi), drop=True)
    q = np.asarray(da["q"].values, dtype=float)
    y = np.asarray(da.values, dtype=float)
    if y.size == 0 or bool(is_flat(y)):
        exc = FitError(f"{name}: no signal above noise: the curve is flat (all NaN, all zero "
                       "or constant)")
        exc.flags = (NO_SIGNAL,)  # type: ignore[attr-defined]
        raise exc
    ok = np.isfinite(q) & np.isfinite(y) & (q > 0)
    if not ok.all():
        raise CharzError(f"{name}: q must be > 0 and q, I finite")
    sigma = None
    if "sigma" in da.coords:
        s = np.asarray(da["sigma"].values, dtype=float)
        if np.isfinite(s).all() and (s > 0).all():
            sigma = s
    return q, y, sigma, da


def weights(y: np.ndarray, sigma: np.ndarray | None) -> tuple[np.ndarray, str]:
    """Least-squares weights: 1/σ when σ is known, else ``1/|I|`` (relative residuals)."""
    if sigma is not None:
        return 1.0 / sigma, "weights 1/σ from the file"
    floor = np.max(np.abs(y)) * 1e-12 + 1e-300
    return 1.0 / np.maximum(np.abs(y), floor), "no σ in the data: relative weights 1/|I|"


def stderr(param: Any) -> float | None:
    if not getattr(param, "vary", True) and getattr(param, "expr", None) is None:
        return None
    s = getattr(param, "stderr", None)
    return None if s is None or not np.isfinite(s) else float(s)


def plot_fit(curve: xr.Dataset, *, ax: Any = None, title: str = "",
             components: tuple[str, ...] = (), subtitle: str = "") -> Any:
    """Log–log data, model and components, with a residual panel when ``ax`` is None.

    The figure (constrained layout) is titled with the file name (``curve.attrs
    ["source"]``), ``title`` and ``subtitle``; the legend sits beside the data. A curve
    without ``best_fit`` (a failed fit) is drawn as data only.
    """
    import matplotlib.pyplot as plt

    q = curve["q"].values
    resid_ax = None
    if ax is None:
        _fig, (ax, resid_ax) = plt.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]},
            figsize=(5.0, 3.8), layout="constrained")
    y = curve["data"].values
    pos = y > 0
    if "sigma" in curve:
        s = curve["sigma"].values
        ax.errorbar(q[pos], y[pos], yerr=np.where(np.isfinite(s[pos]), s[pos], 0), fmt=".",
                    ms=2, lw=0.5, color="0.35", label="data", zorder=1)
    else:
        ax.plot(q[pos], y[pos], ".", ms=2, color="0.35", label="data")
    has_fit = "best_fit" in curve
    if has_fit:
        ax.plot(q, curve["best_fit"].values, "-", color="C3", label="model", zorder=3)
    for i, comp in enumerate(components):
        if comp in curve:
            c = curve[comp].values
            label = curve[comp].attrs.get("long_name", comp)
            if not (c > 0).any():  # a dropped term, a negative background: say so
                label += " (≤ 0, not drawn)"
            ax.plot(q, np.where(c > 0, c, np.nan), "--", lw=0.8, color=f"C{i}", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    if pos.any():
        ax.set_ylim(y[pos].min() / 3, y[pos].max() * 3)
    unit = curve["data"].attrs.get("units", "")
    ax.set_ylabel(f"I ({unit})" if unit and unit != "1" else "I (arb. units)")
    head = "\n".join(t for t in (str(curve.attrs.get("source", "")), title, subtitle) if t)
    if head:
        ax.set_title(head, fontsize=9, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=7,
              frameon=False)
    if resid_ax is not None:
        resid_ax.axhline(0, color="0.5", lw=0.5)
        if has_fit:
            best = curve["best_fit"].values
            if "sigma" in curve and np.isfinite(curve["sigma"].values).all():
                r = (y - best) / curve["sigma"].values
                resid_ax.set_ylabel("(I − fit)/σ")
            else:
                r = (y - best) / np.abs(best)
                resid_ax.set_ylabel("rel. residual")
            resid_ax.plot(q, r, ".", ms=2, color="0.35")
        else:
            resid_ax.set_ylabel("residual")
        resid_ax.set_xlabel("q (1/nm)")
    else:
        ax.set_xlabel("q (1/nm)")
    return ax
