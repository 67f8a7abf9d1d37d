"""GITT: Na⁺ diffusion coefficient versus voltage (Weppner & Huggins 1977).

Each current pulse of duration τ, framed by rests, gives

    D = (4 / (π τ)) · L² · (ΔE_s / ΔE_τ)²,   L = m_B V_M / (M_B S)

with ΔE_s the change of the relaxed (quasi-equilibrium) voltage across the pulse (end of
the rest after it minus end of the rest before it) and ΔE_τ the voltage change during the
pulse without the IR drop. ΔE_τ is taken from a straight-line fit of E against √t over
the pulse (t from the current switch-on): its slope × √τ; the fit's intercept absorbs the
IR drop. Valid for τ ≪ L²/D and E linear in √t during the pulse (both are reported).

References
----------
W. Weppner and R. A. Huggins, "Determination of the kinetic parameters of mixed-conducting
electrodes and application to the system Li3Sb", J. Electrochem. Soc. 124 (1977) 1569.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from charz._lazy import callable_module
from charz._validation import check_number
from charz.display import DescriptorsHTMLMixin
from charz.errors import MissingMetadataError, PhysicsWarning
from charz.record import Measurement
from echem._curves import row_increments, source_name
from echem.io import CyclerDataError

__all__ = ["GITTResult", "diffusion_length", "gitt"]


def diffusion_length(*, mass_mg: float, molar_mass_g_mol: float, molar_volume_cm3_mol: float,
                     area_cm2: float) -> float:
    """Weppner–Huggins length L = m_B V_M / (M_B S) in cm.

    Parameters
    ----------
    mass_mg : float
        Active mass m_B (mg).
    molar_mass_g_mol : float
        Molar mass M_B (g/mol).
    molar_volume_cm3_mol : float
        Molar volume V_M (cm^3/mol).
    area_cm2 : float
        Electrode–electrolyte contact area S (cm^2).
    """
    for opt, value in (("mass_mg", mass_mg), ("molar_mass_g_mol", molar_mass_g_mol),
                       ("molar_volume_cm3_mol", molar_volume_cm3_mol), ("area_cm2", area_cm2)):
        check_number(opt, value, lo=0.0, inclusive=False)
    return (mass_mg / 1000.0) * molar_volume_cm3_mol / (molar_mass_g_mol * area_cm2)


@dataclass(frozen=True, slots=True, eq=False)
class GITTResult(DescriptorsHTMLMixin):
    """Diffusion coefficient per GITT pulse.

    Attributes
    ----------
    diffusion : xarray.Dataset
        Over ``pulse``: ``D`` (cm^2/s), ``voltage`` (relaxed voltage after the pulse, V),
        ``capacity`` (mA*h/g passed at the end of the pulse, in the pulse direction; NaN
        without a mass), ``tau`` (s), ``delta_es``, ``delta_et`` (V), ``r2`` (√t fit),
        ``tau_ratio`` (τ·D/L², should be ≪ 1), ``rest_drift`` (V over the last 20 % of
        the rest after the pulse: a rest too short to relax biases ΔE_s), ``direction``
        (-1 sodiation, +1 desodiation).
    length_cm : float
        Diffusion length L used (cm).
    """

    diffusion: xr.Dataset = field(repr=False)
    length_cm: float = float("nan")
    data: xr.Dataset | None = field(default=None, repr=False)

    def descriptors(self) -> dict[str, Measurement]:
        """GITT fills no record key (D(V) is a curve)."""
        return {}

    def plot(self, ax: Any = None) -> Any:
        """log D versus relaxed voltage, one marker style per direction."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(layout="constrained", figsize=(5, 3.6))
        d = self.diffusion
        for sign, label, mk in ((-1, "sodiation", "o"), (1, "desodiation", "s")):
            sel = d["direction"].values == sign
            if sel.any():
                ax.semilogy(d["voltage"].values[sel], d["D"].values[sel], mk, ms=4,
                            label=label)
        ax.set_xlabel("voltage (V)")
        ax.set_ylabel("D (cm$^2$/s)")
        good = d["D"].values[np.isfinite(d["D"].values) & (d["D"].values > 0)]
        if good.size and np.log10(good.max() / good.min()) >= 1.0:
            # over a decade or more, label the decades only (minor labels crowd the axis)
            from matplotlib.ticker import NullFormatter

            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"GITT, L = {self.length_cm * 1e4:.3g} µm", fontsize="small")
        ax.legend(fontsize="small")
        return ax


def gitt(
    ds: xr.Dataset,
    *,
    length_cm: float | None = None,
    mass_mg: float | None = None,
    molar_mass_g_mol: float | None = None,
    molar_volume_cm3_mol: float | None = None,
    area_cm2: float | None = None,
    min_points: int = 4,
) -> GITTResult:
    """Diffusion coefficients from a GITT record (pulses separated by rests).

    Parameters
    ----------
    ds : xarray.Dataset
        Cycler Dataset with current pulses (CC) each preceded and followed by a rest.
    length_cm : float, optional
        Diffusion length L in cm (electrode thickness or particle V/S). Otherwise give
        ``molar_mass_g_mol``, ``molar_volume_cm3_mol``, ``area_cm2`` and the active mass
        (``mass_mg`` or the Dataset's), and L = m_B V_M/(M_B S).
    min_points : int
        Pulses with fewer points are skipped.

    Returns
    -------
    GITTResult

    Raises
    ------
    MissingMetadataError
        Neither ``length_cm`` nor the full set of electrode parameters.
    CyclerDataError
        No pulse framed by rests.

    Warns
    -----
    PhysicsWarning
        τ·D/L² > 0.1 for some pulse (the short-time solution does not hold there).

    Notes
    -----
    D = 4L²/(πτ)·(ΔE_s/ΔE_τ)² (Weppner & Huggins 1977). τ is the time from the last
    rest point before the pulse to the last pulse point; ΔE_τ = ``|b|·√τ`` with b the
    slope of the least-squares line E = a + b√t over the pulse points; ΔE_s =
    ``|E_rest,after − E_rest,before|`` at the ends of the rests. Vectorised over pulses
    (bincount sums).
    """
    name = source_name(ds)
    for v in ("time", "voltage", "current", "step", "step_type"):
        if v not in ds:
            raise CyclerDataError(f"{name}: cycler data lack {v!r} (no {v} column?)")
    if length_cm is None:
        m = mass_mg if mass_mg is not None else ds.attrs.get("active_mass_mg")
        if None in (m, molar_mass_g_mol, molar_volume_cm3_mol, area_cm2):
            raise MissingMetadataError(
                f"{name}: GITT needs the diffusion length: give length_cm= (electrode "
                "thickness or particle V/S, in cm) or mass_mg, molar_mass_g_mol, "
                "molar_volume_cm3_mol and area_cm2"
            )
        length_cm = diffusion_length(mass_mg=float(m), molar_mass_g_mol=molar_mass_g_mol,
                                     molar_volume_cm3_mol=molar_volume_cm3_mol,
                                     area_cm2=area_cm2)
    length_cm = check_number("length_cm", length_cm, lo=0.0, inclusive=False)
    t = np.asarray(ds["time"].values, float)
    v = np.asarray(ds["voltage"].values, float)
    i = np.asarray(ds["current"].values, float)
    step = np.asarray(ds["step"].values)
    stype = np.asarray(ds["step_type"].values).astype(str)
    _, first = np.unique(step, return_index=True)
    order = np.argsort(first)
    first = first[order]
    last = np.append(first[1:] - 1, step.size - 1)
    kind = stype[first]
    is_rest = kind == "rest"
    k = np.arange(1, first.size - 1)
    pulse = k[(~is_rest[k]) & is_rest[k - 1] & is_rest[k + 1]]
    n_pts = last[pulse] - first[pulse] + 1
    pulse = pulse[n_pts >= min_points]
    if pulse.size == 0:
        raise CyclerDataError(
            f"{name}: no GITT pulse found (a current step with a rest before and after it "
            f"and at least {min_points} points)"
        )
    t_on = t[last[pulse - 1]]
    e_before = v[last[pulse - 1]]
    e_after = v[last[pulse + 1]]
    tau = t[last[pulse]] - t_on
    # rows of each pulse -> pulse number, for bincount regressions of E on sqrt(t)
    lengths = last[pulse] - first[pulse] + 1
    seg_of_row = np.repeat(np.arange(pulse.size), lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    rows = np.arange(lengths.sum()) - offsets[seg_of_row] + first[pulse][seg_of_row]
    x = np.sqrt(np.clip(t[rows] - t_on[seg_of_row], 0, None))
    y = v[rows]
    n = np.bincount(seg_of_row).astype(float)
    sx = np.bincount(seg_of_row, x)
    sy = np.bincount(seg_of_row, y)
    sxx = np.bincount(seg_of_row, x * x)
    sxy = np.bincount(seg_of_row, x * y)
    syy = np.bincount(seg_of_row, y * y)
    cov = sxy - sx * sy / n
    varx = sxx - sx * sx / n
    vary = syy - sy * sy / n
    slope = cov / varx
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = cov * cov / (varx * vary)
    delta_et = np.abs(slope) * np.sqrt(tau)
    delta_es = np.abs(e_after - e_before)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = 4.0 / (math.pi * tau) * length_cm ** 2 * (delta_es / delta_et) ** 2
    direction = np.sign(i[first[pulse]]).astype(int)
    cap = np.full(pulse.size, np.nan)
    if "capacity" in ds:
        inc = row_increments(ds)
        cum = np.cumsum(inc)
        cap = cum[last[pulse]]
    # drift over the last 20 % of the rest after each pulse: not relaxed if comparable to ΔE_s
    r_first, r_last = first[pulse + 1], last[pulse + 1]
    t_mark = t[r_last] - 0.2 * (t[r_last] - t[r_first])
    k80 = np.clip(np.searchsorted(t, t_mark), r_first, r_last)
    drift = v[r_last] - v[k80]
    ratio = tau * d / length_cm ** 2
    if np.any(ratio > 0.1):
        warnings.warn(
            f"{name}: {int(np.sum(ratio > 0.1))} pulse(s) have τ·D/L² > 0.1: the "
            "Weppner–Huggins short-time condition τ ≪ L²/D does not hold there",
            PhysicsWarning, stacklevel=2,
        )
    out = xr.Dataset(
        {
            "D": ("pulse", d, {"units": "cm^2/s", "long_name": "diffusion coefficient"}),
            "voltage": ("pulse", e_after, {"units": "V", "long_name": "relaxed voltage"}),
            "capacity": ("pulse", cap, {"units": "mA*h/g",
                                        "long_name": "capacity passed (all pulses)"}),
            "tau": ("pulse", tau, {"units": "s", "long_name": "pulse duration"}),
            "delta_es": ("pulse", delta_es, {"units": "V", "long_name": "ΔE_s"}),
            "delta_et": ("pulse", delta_et, {"units": "V", "long_name": "ΔE_τ (√t fit)"}),
            "r2": ("pulse", r2, {"units": "1", "long_name": "r² of E vs √t"}),
            "rest_drift": ("pulse", drift, {"units": "V", "long_name":
                                            "voltage drift over the last 20 % of the rest"}),
            "tau_ratio": ("pulse", ratio, {"units": "1", "long_name": "τ·D/L²"}),
            "direction": ("pulse", direction, {"units": "1",
                                               "long_name": "-1 sodiation, +1 desodiation"}),
        },
        coords={"pulse": ("pulse", np.arange(1, pulse.size + 1), {"units": "1"})},
        attrs={"length_cm": float(length_cm), "source": name,
               "method": "Weppner–Huggins: D = 4L²/(πτ)·(ΔEs/ΔEτ)², ΔEτ from E vs √t"},
    )
    return GITTResult(out, float(length_cm), ds)


# ``import echem.gitt`` must not turn the package's function of this name into the module
callable_module(__name__)
