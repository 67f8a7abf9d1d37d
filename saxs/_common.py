"""Shared helpers of the saxs analyses: input checks, weights, plotting (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CharzError, FitError

#: sphere-equivalent radius from a radius of gyration, R = sqrt(5/3) Rg (homogeneous sphere)
SPHERE_R_PER_RG = float(np.sqrt(5.0 / 3.0))


def as_curve(curve: Any, *, q_range: tuple[float, float] | None = None,
             name: str = "curve") -> tuple[np.ndarray, np.ndarray, np.ndarray | None, xr.DataArray]:
    """Check a SAXS curve (DataArray with dim ``q`` in 1/nm) and cut it to ``q_range``.

    Returns q, I, sigma (None when absent) and the cut DataArray.
    """
    if not isinstance(curve, xr.DataArray) or "q" not in curve.dims or curve.ndim != 1:
        raise CharzError(f"{name}: a 1-D SAXS curve (xarray.DataArray with dim 'q') is needed; "
                         "read one with charz.read(path) or saxs.make_curve(...)")
    unit = curve["q"].attrs.get("units", "1/nm")
    if unit != "1/nm":
        raise CharzError(f"{name}: q must be in 1/nm (got {unit!r}); readers convert on load")
    da = curve
    if q_range is not None:
        lo, hi = q_range
        if not lo < hi:
            raise CharzError(f"{name}: q_range {q_range} must be (low, high) with low < high")
        da = curve.where((curve.q >= lo) & (curve.q <= hi), drop=True)
    q = np.asarray(da["q"].values, dtype=float)
    y = np.asarray(da.values, dtype=float)
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
    """Least-squares weights: 1/σ when σ is known, else 1/|I| (relative residuals)."""
    if sigma is not None:
        return 1.0 / sigma, "weights 1/σ from the file"
    floor = np.max(np.abs(y)) * 1e-12 + 1e-300
    return 1.0 / np.maximum(np.abs(y), floor), "no σ in the data: relative weights 1/|I|"


def check_fit(result: Any, what: str, name: str, *, may_touch: tuple[str, ...] = ()) -> None:
    """Raise FitError when lmfit did not succeed or a varied parameter sits on a bound.

    MINPACK's "tolerance too small" endings (ier 6–8: no further improvement possible at
    machine precision) count as converged. ``may_touch`` names parameters allowed at a
    bound (an optional amplitude that the data set to zero).
    """
    ier = getattr(result, "ier", None)
    if not result.success and ier not in (6, 7, 8):
        raise FitError(f"{name}: {what} fit did not converge ({result.message})")
    for p in result.params.values():
        if not p.vary or p.expr is not None or p.name in may_touch:
            continue
        for bound in (p.min, p.max):
            if np.isfinite(bound) and abs(p.value - bound) <= 1e-6 * max(1.0, abs(bound)):
                raise FitError(
                    f"{name}: {what} fit hit the bound {p.name} = {bound:g}; widen the q range "
                    "or fix the parameter (the data do not determine it)"
                )


def stderr(param: Any) -> float | None:
    if not getattr(param, "vary", True) and getattr(param, "expr", None) is None:
        return None
    s = getattr(param, "stderr", None)
    return None if s is None or not np.isfinite(s) else float(s)


def plot_fit(curve: xr.Dataset, *, ax: Any = None, title: str = "",
             components: tuple[str, ...] = ()) -> Any:
    """Log–log data, model and components, with a residual panel when ``ax`` is None."""
    import matplotlib.pyplot as plt

    q = curve["q"].values
    resid_ax = None
    if ax is None:
        _fig, (ax, resid_ax) = plt.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1], "hspace": 0.05},
            figsize=(3.5, 3.4))
    y = curve["data"].values
    pos = y > 0
    if "sigma" in curve:
        s = curve["sigma"].values
        ax.errorbar(q[pos], y[pos], yerr=np.where(np.isfinite(s[pos]), s[pos], 0), fmt=".",
                    ms=2, lw=0.5, color="0.35", label="data", zorder=1)
    else:
        ax.plot(q[pos], y[pos], ".", ms=2, color="0.35", label="data")
    ax.plot(q, curve["best_fit"].values, "-", color="C3", label="model", zorder=3)
    for i, comp in enumerate(components):
        if comp in curve:
            c = curve[comp].values
            ax.plot(q, np.where(c > 0, c, np.nan), "--", lw=0.8, color=f"C{i}",
                    label=curve[comp].attrs.get("long_name", comp))
    ax.set_xscale("log")
    ax.set_yscale("log")
    if pos.any():
        ax.set_ylim(y[pos].min() / 3, y[pos].max() * 3)
    unit = curve["data"].attrs.get("units", "")
    ax.set_ylabel(f"I ({unit})" if unit and unit != "1" else "I (arb. units)")
    if title:
        ax.set_title(title)
    ax.legend(loc="lower left")
    if resid_ax is not None:
        if "sigma" in curve and np.isfinite(curve["sigma"].values).all():
            r = (y - curve["best_fit"].values) / curve["sigma"].values
            resid_ax.set_ylabel("(I − fit)/σ")
        else:
            r = (y - curve["best_fit"].values) / np.abs(curve["best_fit"].values)
            resid_ax.set_ylabel("rel. residual")
        resid_ax.axhline(0, color="0.5", lw=0.5)
        resid_ax.plot(q, r, ".", ms=2, color="0.35")
        resid_ax.set_xlabel("q (1/nm)")
    else:
        ax.set_xlabel("q (1/nm)")
    return ax
