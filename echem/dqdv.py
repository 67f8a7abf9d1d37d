"""Incremental capacity dQ/dV and the sodium-stripping warning peak.

dQ/dV is computed on voltage-binned data: every capacity increment of the half cycle goes
into the bin of its mean voltage, dQ/dV = ΣΔQ / ΔV (no division by small voltage
differences, no dependence on the logging interval), then a Savitzky–Golay filter smooths
it. A symmetric filter on a uniform grid keeps peak positions (general practice; state
bin width, window and order with the result).

After over-sodiation, the following desodiation first strips the plated sodium: a plateau
just above 0 V and an extra dQ/dV peak at a lower potential than the hard-carbon
desodiation peak (about 0.1 V) — an early warning of plating (Li et al. 2026).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz._lazy import callable_module
from charz._validation import check_choice, check_number
from charz.display import DescriptorsHTMLMixin
from charz.errors import FitError
from charz.record import Measurement
from echem._curves import (
    Half,
    check_cycler,
    cycles_with,
    default_cycle,
    full_cycles,
    half_cycle,
    source_name,
)

__all__ = ["DQDVResult", "StrippingResult", "dqdv", "dqdv_capacity_raw", "dqdv_raw",
           "stripping_peak"]

UNIT = "mA*h/g/V"


@dataclass(frozen=True, slots=True, eq=False)
class DQDVResult(DescriptorsHTMLMixin):
    """Incremental capacity of one half cycle.

    Attributes
    ----------
    curve : xarray.Dataset
        Over ``voltage`` (V, bin centres): ``dqdv_raw`` and ``dqdv`` (smoothed), in
        mA*h/g/V (negative on sodiation: the capacity grows while the voltage falls).
    peaks : xarray.Dataset
        Over ``peak``: ``voltage`` (V), ``height`` (mA*h/g/V, smoothed curve),
        ``prominence``.
    cycle : int
    half : str
    smoothing : str
        The smoothing stated (bin width, Savitzky–Golay window and order).
    """

    curve: xr.Dataset = field(repr=False)
    peaks: xr.Dataset = field(repr=False)
    cycle: int = 0
    half: str = ""
    smoothing: str = ""

    def descriptors(self) -> dict[str, Measurement]:
        """dQ/dV fills no record key (its peaks are in :attr:`peaks`)."""
        return {}

    def plot(self, ax: Any = None) -> Any:
        """Raw and smoothed dQ/dV with the peaks marked."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(layout="constrained", figsize=(5, 3.6))
        v = self.curve["voltage"].values
        ax.plot(v, self.curve["dqdv_raw"].values, color="0.7", lw=0.8, label="binned")
        ax.plot(v, self.curve["dqdv"].values, color="k", lw=1.2, label="smoothed")
        if self.peaks.sizes.get("peak", 0):
            ax.plot(self.peaks["voltage"], self.peaks["height"], "v", color="tab:red",
                    label="peaks")
        ax.set_xlabel("voltage (V)")
        ax.set_ylabel("dQ/dV (mA h/g/V)")
        ax.set_title(f"cycle {self.cycle} {self.half}", fontsize="small")
        ax.legend(fontsize="small")
        return ax


def _spread_increments(v0: np.ndarray, v1: np.ndarray, dq: np.ndarray, lo: float,
                       bin_width: float, nb: int) -> np.ndarray:
    """Capacity per voltage bin, each increment spread evenly over the voltage it spans.

    An increment ΔQ between voltages v0 and v1 puts ΔQ·overlap/|v1 − v0| into every bin it
    overlaps (linear interpolation of Q(V) between logged points), so sparse logging (one
    point per 5–20 mV on slopes) gives no empty bins; increments without a voltage change
    go to the bin of their voltage. O(n log n): the deposited capacity F(V) is piecewise
    linear with breakpoints at the interval ends.
    """
    a = np.minimum(v0, v1)
    b = np.maximum(v0, v1)
    width = b - a
    point = width <= 1e-12 * max(bin_width, 1.0)
    edges = lo + bin_width * np.arange(nb + 1)
    # point masses
    k = np.clip(np.floor((a[point] - lo) / bin_width).astype(int), 0, nb - 1)
    out = np.bincount(k, weights=dq[point], minlength=nb).astype(float)
    # spread increments: slope changes +s at a, -s at b, F = ∫ slope
    sl = dq[~point] / width[~point]
    if sl.size:
        ev = np.concatenate([a[~point], b[~point]])
        w = np.concatenate([sl, -sl])
        order = np.argsort(ev, kind="stable")
        ev, w = ev[order], w[order]
        slope = np.cumsum(w)  # slope just after each event
        f_ev = np.concatenate([[0.0], np.cumsum(slope[:-1] * np.diff(ev))])
        f_edges = np.interp(edges, ev, f_ev)
        out += np.diff(f_edges)
    return out


def dqdv_raw(
    capacity: Any,
    voltage: Any,
    *,
    bin_width: float = 0.002,
    smooth_v: float = 0.02,
    polyorder: int = 2,
    v_range: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dQ/dV of one half cycle on a uniform voltage grid.

    Parameters
    ----------
    capacity : array_like
        Cumulative capacity along the half cycle (mA*h/g, increasing).
    voltage : array_like
        Voltage (V).
    bin_width : float
        Voltage bin width (V), default 2 mV. Each capacity increment is spread over the
        voltage interval it spans (see ``_spread_increments``).
    smooth_v : float
        Savitzky–Golay window (V), default 20 mV; rounded to an odd number of bins.
    polyorder : int
        Savitzky–Golay order (default 2).
    v_range : (float, float), optional
        Voltage range of the grid; default the data's.

    Returns
    -------
    (voltage, dqdv_raw, dqdv_smoothed) : tuple of ndarray
        Bin centres (V) and dQ/dV (capacity unit per V), signed: positive when voltage
        rises with capacity (desodiation), negative when it falls (sodiation).
    """
    from scipy.signal import savgol_filter

    q = np.asarray(capacity, float)
    v = np.asarray(voltage, float)
    if q.size < 3:
        raise FitError(f"dQ/dV needs at least 3 points, got {q.size}")
    dq = np.diff(q)
    lo, hi = v_range if v_range is not None else (float(v.min()), float(v.max()))
    nb = max(math.ceil((hi - lo) / bin_width), 1)
    s = _spread_increments(v[:-1], v[1:], dq, lo, bin_width, nb)
    sign = 1.0 if v[-1] >= v[0] else -1.0
    raw = sign * s / bin_width
    centres = lo + (np.arange(nb) + 0.5) * bin_width
    w = round(smooth_v / bin_width) | 1
    if w <= polyorder:
        w = (polyorder + 1) | 1
        if w <= polyorder:
            w += 2
    smooth = savgol_filter(raw, w, polyorder, mode="interp") if nb > w else raw.copy()
    return centres, raw, smooth


def dqdv_capacity_raw(
    capacity: Any,
    voltage: Any,
    *,
    smooth_mah_g: float = 10.0,
    polyorder: int = 2,
    bin_width: float = 0.002,
) -> tuple[np.ndarray, np.ndarray]:
    """dQ/dV from the capacity-binned curve: Savitzky–Golay derivative dV/dQ, inverted.

    Parameters
    ----------
    capacity, voltage : array_like
        One half cycle: capacity (mA*h/g, increasing) and voltage (V).
    smooth_mah_g : float
        Savitzky–Golay window in mA*h/g (10); capacity bins of ``smooth_mah_g``/20.
    polyorder : int
        Order (2).
    bin_width : float
        Spacing (V) of the uniform voltage grid the result is interpolated onto.

    Returns
    -------
    (voltage, dqdv) : tuple of ndarray
        dQ/dV = 1/(dV/dQ) of the smoothed curve on a uniform voltage grid (signed as in
        :func:`dqdv_raw`); where the smoothed curve is not monotonic (``|dV/dQ|`` at noise
        level with the wrong sign) dQ/dV is NaN.
    """
    from scipy.signal import savgol_filter

    from echem.plating import bin_curve

    q = np.asarray(capacity, float)
    v = np.asarray(voltage, float)
    bq = smooth_mah_g / 20.0
    _, vb = bin_curve(q, v, bin_width=bq)
    w = max(round(smooth_mah_g / bq) | 1, polyorder + 2 + (polyorder + 1) % 2)
    if vb.size <= w:
        raise FitError(f"dQ/dV: the half cycle spans less than one smoothing length "
                       f"({smooth_mah_g:g} mA*h/g)")
    vs = savgol_filter(vb, w, polyorder, mode="interp")
    dvdq = savgol_filter(vb, w, polyorder, deriv=1, delta=bq, mode="interp")
    sign = 1.0 if vs[-1] >= vs[0] else -1.0
    ok = sign * dvdq > 0
    dq = np.where(ok, 1.0 / np.where(ok, dvdq, 1.0), np.nan)
    # uniform voltage grid over the monotone part of the smoothed curve
    vm = np.maximum.accumulate(vs) if sign > 0 else -np.maximum.accumulate(-vs)
    lo, hi = float(vm.min()), float(vm.max())
    grid = lo + (np.arange(max(math.ceil((hi - lo) / bin_width), 1)) + 0.5) * bin_width
    order = np.argsort(vm, kind="stable")
    keep = np.isfinite(dq[order])
    out = np.interp(grid, vm[order][keep], dq[order][keep]) if keep.any() else grid * np.nan
    return grid, out


def dqdv(
    ds: xr.Dataset,
    *,
    cycle: int | None = None,
    half: Half | None = None,
    method: Literal["voltage_bins", "capacity_bins"] = "voltage_bins",
    bin_width: float = 0.002,
    smooth_v: float = 0.02,
    smooth_mah_g: float = 10.0,
    polyorder: int = 2,
    prominence: float = 0.1,
    mass_mg: float | None = None,
) -> DQDVResult:
    """Incremental capacity dQ/dV of one half cycle, with its peaks.

    Parameters
    ----------
    ds : xarray.Dataset
        Cycler Dataset.
    cycle : int, optional
        Default: the first cycle that has both halves; on a partial record without one,
        the first cycle with ``half`` (with ``half=None``: with a sodiation half).
    half : {'desodiation', 'sodiation'}, optional
        Default: desodiation when the cycle has one, else sodiation (a sodiation-only
        over-sodiation record still gives its dQ/dV).
    method : {'voltage_bins', 'capacity_bins'}
        ``voltage_bins`` (default): capacity increments summed in voltage bins, then
        Savitzky–Golay over ``smooth_v`` V (:func:`dqdv_raw`). ``capacity_bins``: voltage
        averaged in capacity bins, Savitzky–Golay derivative dV/dQ over
        ``smooth_mah_g`` mA*h/g, inverted (:func:`dqdv_capacity_raw`).
    bin_width : float
        Voltage bin width in V (2 mV).
    smooth_v : float
        Savitzky–Golay window in V (20 mV), order ``polyorder`` (2).
    smooth_mah_g : float
        Savitzky–Golay window in mA*h/g for ``method="capacity_bins"`` (10).
    prominence : float
        Peaks must stand out by this fraction of the largest ``|dQ/dV|`` (0.1) and be at least
        one smoothing window apart.
    mass_mg : float, optional
        Active mass in mg.

    Returns
    -------
    DQDVResult
    """
    method = check_choice("method", method, ("voltage_bins", "capacity_bins"))
    if half is not None:
        half = check_choice("half", half, ("sodiation", "desodiation"))
    for opt, value in (("bin_width", bin_width), ("smooth_v", smooth_v),
                       ("smooth_mah_g", smooth_mah_g)):
        check_number(opt, value, lo=0.0, inclusive=False)
    from scipy.signal import find_peaks

    ds = check_cycler(ds, mass_mg=mass_mg)
    if half is None:
        if cycle is None and full_cycles(ds).size == 0 and cycles_with(ds, "sodiation").size:
            half = "sodiation"
        elif cycle is not None and int(cycle) not in cycles_with(ds, "desodiation"):
            half = "sodiation"
        else:
            half = "desodiation"
    use = default_cycle(ds, half) if cycle is None else int(cycle)
    hc = half_cycle(ds, use, half)
    centres, raw, smooth = dqdv_raw(hc.capacity, hc.voltage, bin_width=bin_width,
                                    smooth_v=smooth_v, polyorder=polyorder)
    if method == "capacity_bins":
        grid, cap_curve = dqdv_capacity_raw(hc.capacity, hc.voltage, smooth_mah_g=smooth_mah_g,
                                            polyorder=polyorder, bin_width=bin_width)
        smooth = np.interp(centres, grid, np.nan_to_num(cap_curve), left=0.0, right=0.0)
    mag = np.abs(smooth)
    top = float(mag.max()) if mag.size else 0.0
    w = round(smooth_v / bin_width) | 1
    idx, props = find_peaks(mag, prominence=prominence * top if top > 0 else None,
                            distance=max(w, 1))
    # sub-bin peak position: vertex of the parabola through the three bins at the maximum
    inner = (idx > 0) & (idx < mag.size - 1)
    pos = centres[idx].astype(float)
    j = idx[inner]
    y0, y1, y2 = mag[j - 1], mag[j], mag[j + 1]
    den = y0 - 2 * y1 + y2
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(den < 0, 0.5 * (y0 - y2) / den, 0.0)
    pos[inner] = centres[j] + np.clip(shift, -0.5, 0.5) * bin_width
    peaks = xr.Dataset(
        {
            "voltage": ("peak", pos, {"units": "V", "long_name": "peak voltage"}),
            "height": ("peak", smooth[idx], {"units": UNIT, "long_name": "peak dQ/dV"}),
            "prominence": ("peak", np.asarray(props.get("prominences", np.zeros(idx.size))),
                           {"units": UNIT, "long_name": "prominence"}),
        }
    )
    if method == "capacity_bins":
        smoothing = (f"capacity bins of {smooth_mah_g / 20:g} mA*h/g, Savitzky–Golay "
                     f"derivative over {smooth_mah_g:g} mA*h/g, order {polyorder}, "
                     f"inverted; on a {bin_width * 1e3:g} mV grid; peak positions refined "
                     "by a 3-point parabola")
    else:
        smoothing = (f"voltage bins of {bin_width * 1e3:g} mV, Savitzky–Golay {w} bins "
                     f"({w * bin_width * 1e3:g} mV), order {polyorder}; peak positions "
                     "refined by a 3-point parabola")
    curve = xr.Dataset(
        {
            "dqdv_raw": ("voltage", raw, {"units": UNIT, "long_name": "dQ/dV (binned)"}),
            "dqdv": ("voltage", smooth, {"units": UNIT, "long_name": "dQ/dV (smoothed)"}),
        },
        coords={"voltage": ("voltage", centres, {"units": "V", "long_name": "voltage"})},
        attrs={"smoothing": smoothing, "source": source_name(ds)},
    )
    return DQDVResult(curve, peaks, use, half, smoothing)


@dataclass(frozen=True, slots=True, eq=False)
class StrippingResult(DescriptorsHTMLMixin):
    """Sodium-stripping check of a desodiation half cycle.

    Attributes
    ----------
    detected : bool
        A separate dQ/dV peak below ``max_voltage`` and below the main desodiation peak.
    peak_voltage : float
        Stripping peak voltage (V), NaN if not detected.
    main_peak_voltage : float
        Main (hard-carbon) desodiation peak (V).
    stripping_capacity : float
        Desodiation capacity passed below the valley between the two peaks (mA*h/g), 0 if
        not detected.
    dqdv : DQDVResult
    """

    detected: bool
    peak_voltage: float
    main_peak_voltage: float
    stripping_capacity: float
    dqdv: DQDVResult = field(repr=False)

    def descriptors(self) -> dict[str, Measurement]:
        """No record key (a warning flag, not a structural descriptor)."""
        return {}

    def plot(self, ax: Any = None) -> Any:
        """dQ/dV with the stripping peak highlighted."""
        ax = self.dqdv.plot(ax)
        if self.detected:
            ax.axvline(self.peak_voltage, color="tab:orange", ls="--", lw=1,
                       label=f"Na stripping {self.peak_voltage * 1e3:.0f} mV")
            ax.legend(fontsize="small")
        return ax


def stripping_peak(
    ds: xr.Dataset,
    *,
    cycle: int | None = None,
    max_voltage: float = 0.05,
    bin_width: float = 0.002,
    smooth_v: float = 0.01,
    polyorder: int = 2,
    prominence: float = 0.05,
    mass_mg: float | None = None,
) -> StrippingResult:
    """Detect the sodium-stripping plateau/peak on the desodiation after over-sodiation.

    Parameters
    ----------
    ds : xarray.Dataset
        Cycler Dataset.
    cycle : int, optional
        Cycle whose desodiation half is checked; default the first full cycle.
    max_voltage : float
        Stripping peaks lie below this voltage (V; default 0.05 V vs Na⁺/Na).
    bin_width, smooth_v, polyorder, prominence
        dQ/dV settings (:func:`dqdv`); a narrower window (10 mV) than the default keeps
        the stripping and hard-carbon peaks apart.
    mass_mg : float, optional
        Active mass in mg.

    Returns
    -------
    StrippingResult
    """
    res = dqdv(ds, cycle=cycle, half="desodiation", bin_width=bin_width, smooth_v=smooth_v,
               polyorder=polyorder, prominence=prominence, mass_mg=mass_mg)
    pv = res.peaks["voltage"].values
    ph = np.abs(res.peaks["height"].values)
    if pv.size == 0:
        return StrippingResult(False, float("nan"), float("nan"), 0.0, res)
    high = pv > max_voltage
    main = float(pv[high][np.argmax(ph[high])]) if high.any() else float(pv[np.argmax(ph)])
    low = (pv <= max_voltage) & (pv < main)
    if not low.any():
        return StrippingResult(False, float("nan"), main, 0.0, res)
    strip = float(pv[low][np.argmax(ph[low])])
    v = res.curve["voltage"].values
    d = np.abs(res.curve["dqdv"].values)
    between = (v > strip) & (v < main)
    valley = float(v[between][np.argmin(d[between])]) if between.any() else strip
    hc = half_cycle(check_cycler(ds, mass_mg=mass_mg), res.cycle, "desodiation")
    below = hc.voltage <= valley
    cap = float(hc.capacity[below].max() - 0.0) if below.any() else 0.0
    return StrippingResult(True, strip, main, cap, res)


# ``import echem.dqdv`` must not turn the package's function of this name into the module
callable_module(__name__)
