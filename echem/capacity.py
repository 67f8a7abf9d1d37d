"""Capacities of Na||hard-carbon half cells: per cycle, slope/plateau split, rate response.

Record keys filled here (units from :data:`charz.record.DESCRIPTORS`):

* ``reversible_capacity`` (mA*h/g): desodiation capacity of the stated cycle.
* ``initial_coulombic_efficiency`` (1): desodiation / sodiation capacity of the first cycle.
* ``slope_capacity`` / ``plateau_capacity`` (mA*h/g): sodiation capacity above / below the
  split voltage (default 0.1 V vs Na⁺/Na; Li et al. 2026).
* ``rate_response`` (mA*h/g per 1 C): slope of a straight line through usable capacity
  versus C-rate, with Pearson's r in ``Measurement.extra``.

Conventions: sodiation = current < 0 (discharge of the half cell), desodiation = current
> 0; a half cycle includes all its CC and CV steps; rests are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from charz._validation import check_number
from charz.display import DescriptorsHTMLMixin
from charz.errors import FitError, PhysicsWarning
from charz.flags import POOR_FIT, combine
from charz.record import Measurement, Provenance
from echem._curves import (
    Half,
    check_cycler,
    cycles_with,
    default_cycle,
    full_cycles,
    half_cycle,
    mass_flags,
    row_increments,
    source_name,
)
from echem.io import CyclerDataError

__all__ = [
    "CycleCapacityResult",
    "RateResponseResult",
    "SlopePlateauResult",
    "cycle_capacities",
    "rate_response",
    "rate_response_from_cycler",
    "slope_plateau",
    "slope_plateau_raw",
    "smooth_curve",
    "with_state_of_charge",
]

UNIT = "mA*h/g"


def _axes(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(layout="constrained", figsize=(5, 3.6))
    return ax


# ---------------------------------------------------------------------------------------
# Per-cycle capacities and coulombic efficiency
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class CycleCapacityResult(DescriptorsHTMLMixin):
    """Per-cycle sodiation/desodiation capacities and coulombic efficiencies.

    Attributes
    ----------
    reversible_capacity : Measurement or None
        Desodiation capacity (mA*h/g) of :attr:`cycle`; None when the record has no cycle
        with both halves (see :attr:`notes`).
    initial_coulombic_efficiency : Measurement or None
        Desodiation / sodiation capacity of the first full cycle (1); None when the record
        has no cycle with both halves.
    cycle : int
        Cycle of ``reversible_capacity`` (the first cycle with data when there is none).
    table : xarray.Dataset
        Over ``cycle``: ``sodiation``, ``desodiation`` (mA*h/g) and
        ``coulombic_efficiency`` (1; NaN where a half is missing).
    data : xarray.Dataset
        The cycler Dataset (for :meth:`plot`).
    notes : tuple of str
        Why a value is left out (partial records).
    """

    reversible_capacity: Measurement | None
    initial_coulombic_efficiency: Measurement | None
    cycle: int
    table: xr.Dataset = field(repr=False)
    data: xr.Dataset = field(repr=False)
    notes: tuple[str, ...] = ()

    def descriptors(self) -> dict[str, Measurement]:
        """``reversible_capacity`` and ``initial_coulombic_efficiency`` (those determined)."""
        out = {"reversible_capacity": self.reversible_capacity,
               "initial_coulombic_efficiency": self.initial_coulombic_efficiency}
        return {k: m for k, m in out.items() if m is not None}

    def plot(self, ax: Any = None, *, max_cycles: int = 10) -> Any:
        """Voltage versus capacity of each half cycle (first ``max_cycles`` cycles)."""
        import matplotlib.pyplot as plt

        ax = _axes(ax)
        cycles = [int(c) for c in self.table["cycle"].values][:max_cycles]
        cmap = plt.get_cmap("viridis")
        for k, c in enumerate(cycles):
            color = cmap(k / max(len(cycles) - 1, 1))
            for half, ls in (("sodiation", "-"), ("desodiation", "--")):
                try:
                    hc = half_cycle(self.data, c, half)
                except CyclerDataError:
                    continue
                ax.plot(hc.capacity, hc.voltage, ls, color=color, lw=1,
                        label=f"cycle {c} {half}")
        ax.set_xlabel("specific capacity (mA h/g)")
        ax.set_ylabel("voltage (V)")
        ice = self.initial_coulombic_efficiency
        ax.set_title(f"{source_name(self.data)}: "
                     + (f"ICE {ice.value:.1%}" if ice is not None else "no full cycle"))
        ax.legend(fontsize="small", ncol=2)
        return ax


def cycle_capacities(
    ds: xr.Dataset,
    *,
    cycle: int | None = None,
    mass_mg: float | None = None,
) -> CycleCapacityResult:
    """Sodiation and desodiation capacity of every cycle, coulombic efficiency, ICE.

    Parameters
    ----------
    ds : xarray.Dataset
        Cycler Dataset (:mod:`echem.io`), with ``capacity`` in mA*h/g or ``mass_mg`` given.
    cycle : int, optional
        Cycle whose desodiation capacity is ``reversible_capacity``. Default: the first
        cycle that has both halves (the one ICE is computed on).
    mass_mg : float, optional
        Active mass in mg (overrides the file's).

    Returns
    -------
    CycleCapacityResult
        On a partial record (no cycle with both halves: an over-sodiation test that was
        never charged, a first cycle without its desodiation) the per-cycle table is
        still filled; ``initial_coulombic_efficiency`` (and, unless ``cycle`` names a cycle
        with desodiation, ``reversible_capacity``) is None and ``notes`` says why.

    Raises
    ------
    CyclerDataError
        No sodiation or desodiation data at all, or ``cycle`` has no desodiation data.
    MissingMetadataError
        No active mass (no specific capacity).

    Notes
    -----
    The capacity of a half cycle is the sum of the capacities its steps passed (CC and
    CV). Coulombic efficiency CE = Q_desodiation / Q_sodiation of the same cycle; the
    initial CE is that of the first cycle holding both halves, so a leading rest or a
    formation cycle numbered 0 by the cycler does not shift it.
    """
    ds = check_cycler(ds, mass_mg=mass_mg)
    inc = row_increments(ds)
    cyc = np.asarray(ds["cycle"].values)
    i = np.asarray(ds["current"].values, float)
    stype = np.asarray(ds["step_type"].values).astype(str)
    active = stype != "rest"
    cycles, inv = np.unique(cyc, return_inverse=True)
    sod = np.bincount(inv, weights=np.where(active & (i < 0), inc, 0.0), minlength=cycles.size)
    desod = np.bincount(inv, weights=np.where(active & (i > 0), inc, 0.0), minlength=cycles.size)
    has_sod = np.bincount(inv, weights=(active & (i < 0)).astype(float),
                          minlength=cycles.size) > 0
    has_des = np.bincount(inv, weights=(active & (i > 0)).astype(float),
                          minlength=cycles.size) > 0
    sod = np.where(has_sod, sod, np.nan)
    desod = np.where(has_des, desod, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ce = desod / sod
    table = xr.Dataset(
        {
            "sodiation": ("cycle", sod, {"units": UNIT, "long_name": "sodiation capacity"}),
            "desodiation": ("cycle", desod, {"units": UNIT,
                                             "long_name": "desodiation capacity"}),
            "coulombic_efficiency": ("cycle", ce, {"units": "1",
                                                   "long_name": "coulombic efficiency"}),
        },
        coords={"cycle": ("cycle", cycles.astype(int), {"units": "1", "long_name": "cycle"})},
    )
    name = source_name(ds)
    if not (has_sod.any() or has_des.any()):
        raise CyclerDataError(
            f"{name}: no sodiation (current < 0) or desodiation (current > 0) data: "
            "nothing to analyse (rest or open-circuit data only?)"
        )
    both = full_cycles(ds)
    notes: list[str] = []
    if both.size == 0:
        first = None
        use = int(cycles[has_sod | has_des][0]) if cycle is None else int(cycle)
        notes.append(
            "no cycle has both a sodiation and a desodiation half: "
            "initial_coulombic_efficiency"
            + ("" if cycle is not None else " and reversible_capacity")
            + " need both and are left out"
        )
    else:
        first = int(both[0])
        use = first if cycle is None else int(cycle)
    explicit = cycle is not None or first is not None
    k = int(np.searchsorted(cycles, use))
    if explicit and (use not in cycles or not has_des[k]):
        have = cycles[has_des]
        raise CyclerDataError(
            f"{name}: cycle {use} has no desodiation data "
            f"(cycles with desodiation: {', '.join(map(str, have[:30])) or 'none'})"
        )
    prov = Provenance.from_data(ds, parameters={
        "cycle": use, "first_cycle": first,
        "active_mass_mg": float(ds.attrs.get("active_mass_mg", float("nan")))
        if "active_mass_mg" in ds.attrs else None,
    })
    rev = None
    if explicit:
        rev = Measurement(
            float(desod[k]), None, UNIT, "echem",
            f"desodiation (current > 0) capacity of cycle {use}, CC+CV steps summed", prov,
            flags=mass_flags(ds),
        )
    ice = None
    if first is not None:
        k0 = int(np.searchsorted(cycles, first))
        ice_val = float(ce[k0])
        if not np.isfinite(ice_val) or sod[k0] <= 0:
            raise CyclerDataError(f"{name}: cycle {first} has no sodiation capacity")
        if ice_val > 1.05:
            import warnings

            warnings.warn(
                f"{name}: initial coulombic efficiency {ice_val:.3f} > 1: is the current "
                "sign right (sodiation must be negative)?",
                PhysicsWarning, stacklevel=2,
            )
        ice = Measurement(
            ice_val, None, "1", "echem",
            f"desodiation / sodiation capacity of the first full cycle (cycle {first})", prov,
            extra={"sodiation_capacity": float(sod[k0]),
                   "desodiation_capacity": float(desod[k0])},
        )  # a ratio of two capacities at one mass: the mass cancels, no flag
    return CycleCapacityResult(rev, ice, use, table, ds, tuple(notes))


# ---------------------------------------------------------------------------------------
# Slope / plateau split
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class SlopePlateauResult(DescriptorsHTMLMixin):
    """Capacity above (slope) and below (plateau) a split voltage.

    Attributes
    ----------
    slope_capacity, plateau_capacity : Measurement
        mA*h/g.
    split_voltage : float
        V vs Na⁺/Na.
    cycle : int
    half : str
        ``"sodiation"`` (the contract's definition) or ``"desodiation"``.
    curve : xarray.Dataset
        ``voltage`` (V) over ``capacity`` (mA*h/g) of the half cycle.
    """

    slope_capacity: Measurement
    plateau_capacity: Measurement
    split_voltage: float
    cycle: int
    half: str
    curve: xr.Dataset = field(repr=False)

    def descriptors(self) -> dict[str, Measurement]:
        """``slope_capacity`` and ``plateau_capacity``."""
        return {"slope_capacity": self.slope_capacity, "plateau_capacity": self.plateau_capacity}

    def plot(self, ax: Any = None) -> Any:
        """The half-cycle curve with the split voltage and the two regions shaded."""
        ax = _axes(ax)
        q = self.curve["capacity"].values
        v = self.curve["voltage"].values
        ax.plot(q, v, color="k", lw=1.2)
        ax.axhline(self.split_voltage, color="0.5", ls=":", lw=1)
        ax.fill_between(q, v, self.split_voltage, where=v >= self.split_voltage, alpha=0.25,
                        color="tab:blue",
                        label=f"slope {self.slope_capacity.value:.0f} mA h/g")
        ax.fill_between(q, v, self.split_voltage, where=v < self.split_voltage, alpha=0.25,
                        color="tab:orange",
                        label=f"plateau {self.plateau_capacity.value:.0f} mA h/g")
        ax.set_xlabel("specific capacity (mA h/g)")
        ax.set_ylabel("voltage (V)")
        ax.set_title(f"cycle {self.cycle} {self.half}, split at {self.split_voltage:g} V")
        ax.legend(fontsize="small")
        return ax


def slope_plateau_raw(capacity: Any, voltage: Any, *, split_voltage: float = 0.1
                      ) -> tuple[float, float]:
    """Capacity passed above and below ``split_voltage`` along one half cycle.

    Parameters
    ----------
    capacity : array_like
        Cumulative capacity along the half cycle (any unit; increasing).
    voltage : array_like
        Voltage (V) at each point.
    split_voltage : float
        V.

    Returns
    -------
    (above, below) : tuple of float
        Same unit as ``capacity``; they add up to the total.

    Notes
    -----
    Each capacity increment ΔQ between two points is split between "above" and "below" in
    proportion to the part of the straight line between the two voltages that lies above
    the split (linear interpolation within the increment). Noise around the split then
    averages out instead of moving a single crossing point.
    """
    q = np.asarray(capacity, float)
    v = np.asarray(voltage, float)
    if q.size < 2:
        raise CyclerDataError(f"a half cycle needs at least 2 points, got {q.size}")
    dq = np.diff(q, prepend=0.0)
    v0 = np.concatenate([[v[0]], v[:-1]])
    hi = np.maximum(v0, v)
    lo = np.minimum(v0, v)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(hi > lo, np.clip((hi - split_voltage) / (hi - lo), 0.0, 1.0),
                        (v > split_voltage).astype(float))
    above = float(np.sum(frac * dq))
    below = float(np.sum((1.0 - frac) * dq))
    return above, below


def smooth_curve(capacity: Any, voltage: Any, *, smooth_mah_g: float) -> np.ndarray:
    """Voltage smoothed along capacity: Savitzky–Golay (order 2) on capacity bins.

    Bins of ``smooth_mah_g``/10 mA*h/g, a filter ``smooth_mah_g`` wide, interpolated back
    onto the points (so capacities, and totals, are unchanged).
    """
    from scipy.signal import savgol_filter

    from echem.plating import bin_curve

    q = np.asarray(capacity, float)
    v = np.asarray(voltage, float)
    if smooth_mah_g <= 0 or q.size < 5 or q[-1] - q[0] < 2 * smooth_mah_g:
        return v
    centres, binned = bin_curve(q, v, bin_width=smooth_mah_g / 10.0)
    smooth = savgol_filter(binned, 11, 2, mode="interp") if binned.size > 11 else binned
    return np.interp(q, centres, smooth)


def _split_uncertainty(capacity: np.ndarray, voltage: np.ndarray, split: float) -> float | None:
    """Half-width (mA*h/g) of the capacity range where the curve is within noise of the split.

    Noise σ: robust standard deviation of the voltage about a 5 mA*h/g Savitzky–Golay
    smooth, at least half the voltage resolution of the file. Where |V_smooth − split| < σ,
    points fall on either side by chance: a flat crossing makes the split uncertain by
    about half that range (plus one mean increment).
    """
    q = np.asarray(capacity, float)
    v = np.asarray(voltage, float)
    if q.size < 20:
        return None
    vs = smooth_curve(q, v, smooth_mah_g=5.0)
    r = v - vs
    sigma = 1.4826 * float(np.median(np.abs(r - np.median(r))))
    dv = np.abs(np.diff(v))
    resolution = float(dv[dv > 0].min()) / 2 if np.any(dv > 0) else 0.0
    near = np.abs(vs - split) < max(sigma, resolution, 1e-6)
    step = float(q[-1] - q[0]) / (q.size - 1)
    if not near.any():
        return step if step > 0 else None
    return 0.5 * float(q[near].max() - q[near].min()) + step


def slope_plateau(
    ds: xr.Dataset,
    *,
    split_voltage: float = 0.1,
    cycle: int | None = None,
    half: Half = "sodiation",
    smoothing: float = 0.0,
    mass_mg: float | None = None,
) -> SlopePlateauResult:
    """Split a half cycle's capacity at a voltage: slope (above) and plateau (below).

    Parameters
    ----------
    ds : xarray.Dataset
        Cycler Dataset.
    split_voltage : float
        Split voltage in V vs Na⁺/Na (default 0.1 V, Li et al. 2026).
    cycle : int, optional
        Default: the first cycle that has both halves; on a partial record without one
        (e.g. a sodiation-only over-sodiation test), the first cycle with ``half``.
    half : {'sodiation', 'desodiation'}
        The contract's keys use the sodiation half; on desodiation, "plateau" is the
        capacity passed below the split (the low-voltage plateau on charge).
    smoothing : float
        Width (mA*h/g) of a Savitzky–Golay filter (order 2, on capacity bins) applied to
        the voltage before the split; default 0 = raw points (on generated curves with a
        kink at the split, smoothing biased the result more than noise did).
    mass_mg : float, optional
        Active mass in mg.

    Returns
    -------
    SlopePlateauResult

    Raises
    ------
    CyclerDataError
        The cycle has no data of that half.
    PhysicsWarning
        The curve never reaches the split voltage (plateau capacity 0).

    References
    ----------
    Li et al. (2026), three commercial hard carbons: slope/plateau split at 0.1 V.
    Stevens & Dahn, J. Electrochem. Soc. 147 (2000) 1271 (slope/plateau storage).
    """
    ds = check_cycler(ds, mass_mg=mass_mg)
    use = default_cycle(ds, half) if cycle is None else int(cycle)
    hc = half_cycle(ds, use, half)
    v_used = smooth_curve(hc.capacity, hc.voltage, smooth_mah_g=smoothing)
    above, below = slope_plateau_raw(hc.capacity, v_used, split_voltage=split_voltage)
    stderr = _split_uncertainty(hc.capacity, hc.voltage, split_voltage)
    if half == "sodiation" and np.min(hc.voltage) > split_voltage:
        import warnings

        warnings.warn(
            f"{source_name(ds)}: cycle {use} never goes below {split_voltage:g} V "
            "(no plateau region)", PhysicsWarning, stacklevel=2,
        )
    prov = Provenance.from_data(ds, parameters={
        "split_voltage_V": float(split_voltage), "cycle": use, "half": half,
        "smoothing_mAh_g": float(smoothing),
    })
    how = (f"voltage Savitzky–Golay-smoothed over {smoothing:g} mA*h/g" if smoothing > 0
           else "raw voltage")
    method = (f"{half} capacity of cycle {use} {{}} {split_voltage:g} V vs Na+/Na "
              f"({how}; increments split by linear interpolation; stderr = half-width of "
              "the capacity range within noise of the split)")
    slope = Measurement(above, stderr, UNIT, "echem", method.format("above"), prov,
                        flags=mass_flags(ds))
    plateau = Measurement(below, stderr, UNIT, "echem", method.format("below"), prov,
                          flags=mass_flags(ds))
    curve = xr.Dataset(
        {"voltage": ("capacity", hc.voltage, {"units": "V", "long_name": "voltage"})},
        coords={"capacity": ("capacity", hc.capacity,
                             {"units": UNIT, "long_name": "specific capacity"})},
    )
    return SlopePlateauResult(slope, plateau, float(split_voltage), use, half, curve)


# ---------------------------------------------------------------------------------------
# Rate response
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class RateResponseResult(DescriptorsHTMLMixin):
    """Straight line of usable capacity versus C-rate.

    Attributes
    ----------
    rate_response : Measurement
        Slope in mA*h/g per 1 C (negative: capacity falls with rate), stderr from the
        regression; ``extra``: ``pearson_r``, ``p_value``, ``intercept`` (mA*h/g), ``n``.
    c_rate : ndarray
        C-rates (1/h) of the points fitted.
    capacity : ndarray
        Capacity (mA*h/g) at each rate (mean over the cycles at that rate).
    """

    rate_response: Measurement
    c_rate: np.ndarray = field(repr=False)
    capacity: np.ndarray = field(repr=False)

    def descriptors(self) -> dict[str, Measurement]:
        """``rate_response``."""
        return {"rate_response": self.rate_response}

    def plot(self, ax: Any = None) -> Any:
        """Capacity versus C-rate with the fitted line and Pearson r."""
        ax = _axes(ax)
        ex = self.rate_response.extra
        ax.plot(self.c_rate, self.capacity, "o", color="k")
        x = np.linspace(0, float(np.max(self.c_rate)) * 1.05, 50)
        ax.plot(x, ex["intercept"] + self.rate_response.value * x, "-", color="tab:red",
                label=f"slope {self.rate_response.value:.1f} mA h/g per C, "
                      f"r = {ex['pearson_r']:.3f}")
        ax.set_xlabel("C-rate (1/h)")
        ax.set_ylabel("capacity (mA h/g)")
        ax.legend(fontsize="small")
        return ax


def rate_response(
    c_rate: Any,
    capacity: Any,
    *,
    source: Provenance | None = None,
    basis: str = "",
    flags: tuple[str, ...] = (),
) -> RateResponseResult:
    """Slope of capacity versus C-rate (least squares) with Pearson's r.

    Parameters
    ----------
    c_rate : array_like
        C-rate of each point (1/h; 1 C = full capacity in one hour on the stated basis).
    capacity : array_like
        Usable capacity at each rate (mA*h/g).
    source : Provenance, optional
        Where the numbers come from.
    basis : str
        The C-rate basis, stated in the method (e.g. ``"1 C = 300 mA/g"``).
    flags : tuple of str
        Flags the capacities carry (e.g. ``assumed:mass``).

    Returns
    -------
    RateResponseResult

    Raises
    ------
    FitError
        Fewer than 3 points or fewer than 2 distinct rates.

    Notes
    -----
    Flagged ``poor_fit`` when ``|r| < 0.9``: a straight line does not describe the capacity
    versus rate (e.g. a capacity that collapses above some rate); quote with care.

    Ordinary least squares Q = a + b·C; ``rate_response`` = b with its standard error,
    Pearson r and the two-sided p-value of ``scipy.stats.linregress`` (Li et al. 2026
    report the slope with r as the rate responsiveness).
    """
    from scipy import stats

    x = np.asarray(c_rate, float).ravel()
    y = np.asarray(capacity, float).ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 3 or np.unique(x).size < 2:
        raise FitError(
            f"rate response needs at least 3 points at 2 or more C-rates; got {x.size} "
            f"points at {np.unique(x).size} rate(s)"
        )
    fit = stats.linregress(x, y)
    m = Measurement(
        float(fit.slope), float(fit.stderr), UNIT, "echem",
        "least-squares slope of usable capacity vs C-rate (per 1 C)"
        + (f"; {basis}" if basis else ""),
        source or Provenance(),
        extra={"pearson_r": float(fit.rvalue), "p_value": float(fit.pvalue),
               "intercept": float(fit.intercept), "n": int(x.size)},
        flags=combine(flags, [POOR_FIT] if abs(fit.rvalue) < 0.9 else []),
    )
    return RateResponseResult(m, x, y)


def rate_response_from_cycler(
    ds: xr.Dataset,
    *,
    one_c_ma_g: float,
    half: Half = "desodiation",
    mass_mg: float | None = None,
    rate_tolerance: float = 0.05,
) -> RateResponseResult:
    """Rate response from a rate-test file: per-cycle capacity and C-rate, then the line.

    Parameters
    ----------
    ds : xarray.Dataset
        Cycler Dataset of a rate test (blocks of cycles at increasing current).
    one_c_ma_g : float
        Current density of 1 C in mA/g (conventions vary, e.g. 300 mA/g: state it).
    half : {'desodiation', 'sodiation'}
        Which half counts as usable capacity (default desodiation).
    mass_mg : float, optional
        Active mass in mg.
    rate_tolerance : float
        Cycles whose C-rates differ by less than this fraction are averaged as one rate.

    Returns
    -------
    RateResponseResult
        One point per distinct rate (mean capacity of its cycles).
    """
    one_c_ma_g = check_number("one_c_ma_g", one_c_ma_g, lo=0.0, inclusive=False)
    ds = check_cycler(ds, mass_mg=mass_mg)
    mass_g = float(ds.attrs["active_mass_mg"]) / 1000.0
    cycles = cycles_with(ds, half)
    if cycles.size == 0:
        raise CyclerDataError(f"{source_name(ds)}: no {half} data")
    inc = row_increments(ds)
    cyc = np.asarray(ds["cycle"].values)
    i = np.asarray(ds["current"].values, float)
    stype = np.asarray(ds["step_type"].values).astype(str)
    sel = (stype != "rest") & ((i > 0) if half == "desodiation" else (i < 0))
    idx = np.searchsorted(cycles, cyc[sel])
    cap = np.bincount(idx, weights=inc[sel], minlength=cycles.size)
    # C-rate from the CC steps only (a CV tail would lower the mean current)
    cc = sel & (stype != "cv")
    idx_cc = np.searchsorted(cycles, cyc[cc])
    isum = np.bincount(idx_cc, weights=np.abs(i[cc]), minlength=cycles.size)
    n = np.bincount(idx_cc, minlength=cycles.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        crate = isum / n / mass_g / one_c_ma_g
    ok = np.isfinite(crate) & (cap > 0)
    crate, cap = crate[ok], cap[ok]
    order = np.argsort(crate)
    cs, qs = crate[order], cap[order]
    if cs.size == 0:
        raise CyclerDataError(f"{source_name(ds)}: no cycle with a {half} capacity")
    new = np.concatenate([[True], np.diff(np.log(cs)) > np.log1p(rate_tolerance)])
    group = np.cumsum(new) - 1
    rates = np.bincount(group, weights=cs) / np.bincount(group)
    caps = np.bincount(group, weights=qs) / np.bincount(group)
    prov = Provenance.from_data(ds, parameters={"one_c_mA_per_g": float(one_c_ma_g),
                                                "half": half})
    return rate_response(rates, caps, source=prov,
                         basis=f"1 C = {one_c_ma_g:g} mA/g, {half} capacity, "
                               "mean over the cycles at each rate", flags=mass_flags(ds))


# ---------------------------------------------------------------------------------------
# State of charge (for in-situ alignment)
# ---------------------------------------------------------------------------------------


def with_state_of_charge(ds: xr.Dataset) -> xr.Dataset:
    """Add ``state_of_charge`` (1): degree of sodiation within each half cycle.

    On sodiation it rises from 0 to 1 (capacity passed / capacity of that half), on
    desodiation it falls from 1 to 0, and rests keep the last value. Works without an
    active mass (uses ``capacity_abs``). Give the result to
    ``charz.series.attach_echem(..., variables=("voltage", "capacity", "state_of_charge"))``
    to get it on in-situ frames.

    Parameters
    ----------
    ds : xarray.Dataset
        Cycler Dataset.

    Returns
    -------
    xarray.Dataset
        A copy with ``state_of_charge``.
    """
    import pandas as pd

    cap = np.asarray(ds["capacity_abs"].values, float)
    step = np.asarray(ds["step"].values)
    starts = np.ones(cap.size, bool)
    starts[1:] = step[1:] != step[:-1]
    prev = np.concatenate([[0.0], cap[:-1]])
    prev[starts] = 0.0
    inc = np.clip(cap - prev, 0.0, None)
    i = np.asarray(ds["current"].values, float)
    active = np.asarray(ds["step_type"].values).astype(str) != "rest"
    direction = np.where(active, np.sign(i), 0).astype(int)
    cyc = np.asarray(ds["cycle"].values)
    frame = pd.DataFrame({"cycle": cyc, "dir": direction, "inc": np.where(active, inc, 0.0)})
    groups = frame.groupby(["cycle", "dir"], sort=False)["inc"]
    frac = groups.cumsum() / groups.transform("sum").replace(0.0, np.nan)
    soc = np.where(direction < 0, frac, np.where(direction > 0, 1.0 - frac, np.nan))
    soc = pd.Series(soc).ffill().fillna(0.0).to_numpy(float)
    return ds.assign(state_of_charge=("record", soc, {
        "units": "1", "long_name": "state of charge (degree of sodiation of the half cycle)"}))
