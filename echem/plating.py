"""Plating-onset capacity from an over-sodiation curve (``plating_onset_capacity``).

When a Na||HC half cell is sodiated past 0 V to a fixed capacity cut-off, the sodiation
curve shows the hard-carbon plateau, a dip (the nucleation overpotential of sodium metal)
and then the sodium-plating plateau just below 0 V. The inflection point between the two
plateaus is the lowest voltage of the curve; the capacity there is the boundary between
sodium storage in the carbon and sodium plating (Li et al. 2026: about 243–278 mA*h/g for
three commercial hard carbons at 1 C).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from charz.display import DescriptorsHTMLMixin
from charz.errors import FitError
from charz.flags import POOR_FIT, combine
from charz.record import Measurement, Provenance
from echem._curves import check_cycler, cycles_with, half_cycle, mass_flags, source_name

__all__ = ["PlatingOnsetResult", "bin_curve", "plating_onset", "plating_onset_raw"]

UNIT = "mA*h/g"


@dataclass(frozen=True, slots=True, eq=False)
class PlatingOnsetResult(DescriptorsHTMLMixin):
    """The voltage minimum of an over-sodiation curve.

    Attributes
    ----------
    plating_onset_capacity : Measurement
        Sodiation capacity at the minimum (mA*h/g); stderr from the local quadratic fit.
    minimum_voltage : float
        Voltage at the minimum (V vs Na⁺/Na): the Na nucleation overpotential.
    depth : float
        Rise of the smoothed voltage after the minimum (V): how clear the dip is.
    noise : float
        Voltage noise (V, robust standard deviation of the raw points about the smoothed
        curve).
    cycle : int
    curve : xarray.Dataset
        Over ``capacity`` (mA*h/g, binned grid): ``voltage`` (bin means) and ``smoothed``.
    raw : xarray.Dataset
        The raw half cycle (``voltage`` over ``capacity``).
    """

    plating_onset_capacity: Measurement
    minimum_voltage: float
    depth: float
    noise: float
    cycle: int
    curve: xr.Dataset = field(repr=False)
    raw: xr.Dataset = field(repr=False)

    def descriptors(self) -> dict[str, Measurement]:
        """``plating_onset_capacity``."""
        return {"plating_onset_capacity": self.plating_onset_capacity}

    def plot(self, ax: Any = None) -> Any:
        """The over-sodiation curve with the inflection point (voltage minimum) marked."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(layout="constrained", figsize=(5, 3.6))
        q = self.plating_onset_capacity.value
        ax.plot(self.raw["capacity"], self.raw["voltage"], ".", ms=1.5, color="0.6",
                label="data")
        ax.plot(self.curve["capacity"], self.curve["smoothed"], "-", color="k", lw=1.2,
                label="smoothed")
        ax.axhline(0.0, color="0.7", lw=0.8, ls=":")
        ax.axvline(q, color="tab:red", lw=1, ls="--")
        ax.plot([q], [self.minimum_voltage], "o", color="tab:red",
                label=f"plating onset {q:.1f} mA h/g")
        ax.set_xlabel("sodiation capacity (mA h/g)")
        ax.set_ylabel("voltage (V)")
        lo = min(float(self.raw["voltage"].min()), self.minimum_voltage) - 0.02
        ax.set_ylim(lo, min(float(self.raw["voltage"].max()), 0.5))
        ax.legend(fontsize="small")
        return ax


def bin_curve(capacity: Any, voltage: Any, *, bin_width: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean voltage in equal capacity bins (empty bins interpolated).

    Parameters
    ----------
    capacity : array_like
        Capacity (mA*h/g), increasing along the half cycle.
    voltage : array_like
        Voltage (V).
    bin_width : float
        Bin width in mA*h/g.

    Returns
    -------
    (centres, mean_voltage) : tuple of ndarray
    """
    q = np.asarray(capacity, float)
    v = np.asarray(voltage, float)
    lo = float(np.min(q))
    nb = max(math.ceil((float(np.max(q)) - lo) / bin_width), 1)
    k = np.clip(((q - lo) / bin_width).astype(int), 0, nb - 1)
    n = np.bincount(k, minlength=nb)
    s = np.bincount(k, weights=v, minlength=nb)
    centres = lo + (np.arange(nb) + 0.5) * bin_width
    filled = n > 0
    mean = np.interp(centres, centres[filled], s[filled] / n[filled])
    return centres, mean


def _cubic_minimum(coef: np.ndarray, half_width: float) -> float | None:
    """Position of the lowest local minimum of a cubic within ±half_width (None if none)."""
    d1 = np.polyder(coef)
    roots = np.roots(d1)
    roots = roots[np.abs(roots.imag) < 1e-12].real
    roots = roots[(np.abs(roots) <= half_width) & (np.polyval(np.polyder(d1), roots) > 0)]
    if roots.size == 0:
        return None
    return float(roots[np.argmin(np.polyval(coef, roots))])


def plating_onset_raw(
    capacity: Any,
    voltage: Any,
    *,
    smooth_mah_g: float = 10.0,
    bin_width: float | None = None,
    polyorder: int = 2,
    min_depth: float = 1e-3,
    n_sigma: float = 5.0,
    max_voltage: float = 0.0,
) -> dict[str, Any]:
    """Find the voltage minimum between the two plateaus of an over-sodiation curve.

    Parameters
    ----------
    capacity, voltage : array_like
        Sodiation half cycle: capacity (mA*h/g, increasing) and voltage (V).
    smooth_mah_g : float
        Savitzky–Golay window in mA*h/g (default 10 mA*h/g) and the half-width of the
        local quadratic fit.
    bin_width : float, optional
        Capacity bin width (mA*h/g); default ``smooth_mah_g / 20``.
    polyorder : int
        Savitzky–Golay polynomial order (2).
    min_depth : float
        The smoothed voltage must rise at least this much (V) after the minimum, and at
        least ``n_sigma`` standard errors of the smoothed curve.
    n_sigma : float
        See ``min_depth``.
    max_voltage : float
        The minimum must lie at or below this voltage (V; default 0 V vs Na⁺/Na: sodium
        nucleates only below 0 V, so wiggles on the slope or HC plateau are not taken).

    Returns
    -------
    dict
        ``capacity``, ``capacity_stderr`` (mA*h/g), ``voltage`` (V), ``depth`` (V),
        ``noise`` (V), ``centres``, ``binned``, ``smoothed`` (arrays).

    Raises
    ------
    FitError
        The curve has no interior minimum followed by a rise (no inflection: the cell was
        not over-sodiated, or the cut-off came before plating), or too few points.

    Notes
    -----
    1. Mean voltage in equal capacity bins (removes the dependence on sampling density).
    2. Savitzky–Golay smoothing over ``smooth_mah_g``; the global minimum of the smoothed curve
       is the candidate (the inflection is the lowest voltage of the curve).
    3. Candidates are local minima of the smoothed curve (over ±``smooth_mah_g``/2) with at
       least one window of data after them, after which the smoothed voltage rises within
       three windows by max(``min_depth``, ``n_sigma`` σ_s), σ_s = noise / √(points per
       window); the lowest candidate is the inflection. (Usually the global minimum; a
       plating plateau that keeps sinking slowly does not hide the dip.)
    4. A least-squares cubic through the raw points within ±``smooth_mah_g``/2 of the
       candidate gives the minimum at sub-bin resolution (a cubic, not a parabola: the dip
       is asymmetric, steep on the storage side, and a parabola's vertex is biased by
       ~1 mA*h/g towards the plating side on generated curves) and, by error propagation
       of the fitted coefficients, its standard error (statistical only). If the cubic
       has no minimum inside the window, the smoothed minimum is kept and the stderr is
       the half-width of the region where the smoothed curve is within σ_s of its
       minimum.
    """
    from scipy.ndimage import maximum_filter1d, minimum_filter1d
    from scipy.signal import savgol_filter

    q = np.asarray(capacity, float)
    v = np.asarray(voltage, float)
    ok = np.isfinite(q) & np.isfinite(v)
    q, v = q[ok], v[ok]
    if q.size < 10:
        raise FitError(f"over-sodiation curve has only {q.size} points; need at least 10")
    span = float(q.max() - q.min())
    if span <= 2 * smooth_mah_g:
        raise FitError(
            f"over-sodiation curve spans {span:.1f} mA*h/g, less than two smoothing windows "
            f"({smooth_mah_g:g} mA*h/g each)"
        )
    bw = bin_width if bin_width is not None else smooth_mah_g / 20.0
    centres, binned = bin_curve(q, v, bin_width=bw)
    w = round(smooth_mah_g / bw) | 1
    w = max(w, polyorder + 2 + (polyorder + 2) % 2 - 1)
    smooth = savgol_filter(binned, w, polyorder, mode="interp")
    resid = v - np.interp(q, centres, smooth)
    noise = float(1.4826 * np.median(np.abs(resid - np.median(resid))))
    pts_per_window = max(q.size * smooth_mah_g / span, 1.0)
    sigma_s = noise / math.sqrt(pts_per_window)
    need = max(min_depth, n_sigma * sigma_s)
    # candidates: local minima of the smoothed curve (over ±smooth_mah_g/2) followed, within
    # three windows, by a rise of at least `need`, with at least one window of data after
    # them; the lowest candidate wins (the global minimum when the plating plateau is flat)
    half = max(w // 2, 1)
    span = 3 * w
    local = smooth <= minimum_filter1d(smooth, size=2 * half + 1, mode="nearest")
    ahead = maximum_filter1d(smooth, size=span, origin=-(span // 2), mode="nearest")
    valid = (local & (ahead - smooth >= need) & (centres[-1] - centres >= smooth_mah_g)
             & (smooth <= max_voltage))
    if not valid.any():
        k = int(np.argmin(smooth))
        q_min = float(centres[k])
        after = centres > q_min
        rise = float(np.max(smooth[after]) - smooth[k]) if after.any() else 0.0
        if smooth[k] > max_voltage:
            why = f"above {max_voltage:g} V, so no sodium can have plated"
        elif centres[-1] - q_min < smooth_mah_g:
            why = "at the end of the curve"
        else:
            why = f"followed by a rise of only {rise * 1e3:.2f} mV (< {need * 1e3:.2f} mV)"
        raise FitError(
            f"no voltage minimum between two plateaus: the lowest smoothed voltage "
            f"({smooth[k]:.4f} V at {q_min:.1f} mA*h/g) is {why}; the cell was not "
            "over-sodiated into sodium plating, or the curve ends first"
        )
    cand = np.flatnonzero(valid)
    k = int(cand[np.argmin(smooth[cand])])
    q_min = float(centres[k])
    rise = float(ahead[k] - smooth[k])
    sel = np.abs(q - q_min) <= smooth_mah_g / 2
    q_star, q_err, v_star = q_min, None, float(smooth[k])
    refined = False
    if sel.sum() >= 8:
        coef, cov = np.polyfit(q[sel] - q_min, v[sel], 3, cov=True)
        vertex = _cubic_minimum(coef, smooth_mah_g / 2)
        if vertex is not None:
            q_star = float(q_min + vertex)
            v_star = float(np.polyval(coef, vertex))
            grad = np.zeros(4)
            for j in range(4):
                h = 1e-6 * max(abs(coef[j]), 1e-12)
                bumped = coef.copy()
                bumped[j] += h
                other = _cubic_minimum(bumped, smooth_mah_g / 2)
                grad[j] = ((other if other is not None else vertex) - vertex) / h
            q_err = float(math.sqrt(max(grad @ cov @ grad, 0.0)))
            refined = True
    if q_err is None:
        near = centres[smooth <= smooth[k] + sigma_s]
        q_err = float((near.max() - near.min()) / 2) if near.size else float(bw)
    return {
        "capacity": q_star, "capacity_stderr": q_err, "voltage": v_star, "depth": rise,
        "noise": noise, "centres": centres, "binned": binned, "smoothed": smooth,
        "refined": refined,
    }


def plating_onset(
    ds: xr.Dataset,
    *,
    cycle: int | None = None,
    smooth_mah_g: float = 10.0,
    bin_width: float | None = None,
    polyorder: int = 2,
    min_depth: float = 1e-3,
    max_voltage: float = 0.0,
    mass_mg: float | None = None,
) -> PlatingOnsetResult:
    """Plating-onset capacity: sodiation capacity at the voltage minimum of over-sodiation.

    Parameters
    ----------
    ds : xarray.Dataset
        Cycler Dataset holding an over-sodiation (sodiation past 0 V to a capacity cut-off).
    cycle : int, optional
        Default: the first cycle whose sodiation half goes below 0 V, else the first cycle
        with a sodiation half.
    smooth_mah_g : float
        Smoothing window in mA*h/g (Savitzky–Golay, order ``polyorder``) and half-width
        of the local quadratic fit (see :func:`plating_onset_raw`).
    bin_width : float, optional
        Capacity bin width (mA*h/g); default ``smooth_mah_g / 20``.
    polyorder : int
        Savitzky–Golay order.
    min_depth : float
        Minimum rise (V) of the smoothed curve after the minimum.
    max_voltage : float
        The minimum must be at or below this voltage (V; default 0 V vs Na⁺/Na).
    mass_mg : float, optional
        Active mass in mg.

    Returns
    -------
    PlatingOnsetResult
        ``plating_onset_capacity`` is flagged ``poor_fit`` when the local cubic has no
        minimum inside the window (the smoothed minimum is kept, with the width of the
        region within noise of it as its uncertainty), and ``assumed:mass`` when the
        active mass was assumed.

    Raises
    ------
    FitError
        No inflection (voltage minimum followed by the plating plateau).
    CyclerDataError
        No sodiation data in the cycle.

    References
    ----------
    Li et al. (2026): over-sodiation at a fixed capacity cut-off; the inflection point
    (voltage minimum) separates Na storage from Na plating.
    """
    ds = check_cycler(ds, mass_mg=mass_mg)
    if cycle is None:
        cands = cycles_with(ds, "sodiation")
        if cands.size == 0:
            from echem.io import CyclerDataError

            raise CyclerDataError(f"{source_name(ds)}: no sodiation (current < 0) data")
        v = np.asarray(ds["voltage"].values, float)
        cyc = np.asarray(ds["cycle"].values)
        i = np.asarray(ds["current"].values, float)
        below = np.unique(cyc[(i < 0) & (v < 0)])
        use = int(below[0]) if below.size else int(cands[0])
    else:
        use = int(cycle)
    hc = half_cycle(ds, use, "sodiation")
    try:
        res = plating_onset_raw(hc.capacity, hc.voltage, smooth_mah_g=smooth_mah_g,
                                bin_width=bin_width, polyorder=polyorder, min_depth=min_depth,
                                max_voltage=max_voltage)
    except FitError as exc:
        raise FitError(f"{source_name(ds)}, cycle {use}: {exc}") from None
    prov = Provenance.from_data(ds, parameters={
        "cycle": use, "window_mAh_g": float(smooth_mah_g), "polyorder": int(polyorder),
        "bin_width_mAh_g": float(bin_width if bin_width is not None else smooth_mah_g / 20),
        "min_depth_V": float(min_depth), "max_voltage_V": float(max_voltage),
    })
    m = Measurement(
        res["capacity"], res["capacity_stderr"], UNIT, "echem",
        f"sodiation capacity at the voltage minimum between the HC and Na-plating plateaus "
        f"(cycle {use}; Savitzky–Golay {smooth_mah_g:g} mA*h/g, order {polyorder}, on "
        "capacity-binned data; local cubic minimum)",
        prov,
        extra={"minimum_voltage_V": res["voltage"], "dip_depth_V": res["depth"],
               "noise_V": res["noise"]},
        flags=combine(mass_flags(ds), [] if res["refined"] else [POOR_FIT]),
    )
    curve = xr.Dataset(
        {"voltage": ("capacity", res["binned"], {"units": "V", "long_name": "binned voltage"}),
         "smoothed": ("capacity", res["smoothed"], {"units": "V",
                                                    "long_name": "smoothed voltage"})},
        coords={"capacity": ("capacity", res["centres"], {"units": UNIT,
                                                          "long_name": "sodiation capacity"})},
    )
    raw = xr.Dataset(
        {"voltage": ("capacity", hc.voltage, {"units": "V", "long_name": "voltage"})},
        coords={"capacity": ("capacity", hc.capacity, {"units": UNIT,
                                                       "long_name": "sodiation capacity"})},
    )
    return PlatingOnsetResult(m, res["voltage"], res["depth"], res["noise"], use, curve, raw)
