"""t-plot, total pore volume and 4V/A, Dubinin–Radushkevich (CO2 at 273 K).

Gas-to-liquid conversion (stated in every result): V_liq [cm^3/g] = n [mmol/g] · M / ρ_liq
/ 1000, with ρ_liq the saturated-liquid density at the bath temperature (CoolProp; N2 at
77.35 K: 0.806 g/cm^3) unless ``liquid_density_g_cm3`` is given (Micromeritics' older density
conversion factor 0.0015468 corresponds to 0.808 g/cm^3).

References
----------
.. [1] B. C. Lippens, J. H. de Boer, J. Catal. 4 (1965) 319 (t-plot).
.. [2] M. M. Dubinin, L. V. Radushkevich, Proc. Acad. Sci. USSR 55 (1947) 331;
   F. Stoeckli, in Porosity in Carbons (1995) (DR for CO2).
.. [3] ISO 15901-3:2007 and ISO 15901-2:2022 (micropores; CO2 at 273 K).
.. [4] D. Cazorla-Amorós et al., Langmuir 12 (1996) 2820 (CO2 adsorbed density 1.023 g/cm^3).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from charz._validation import check_number, check_window
from charz.display import DescriptorsHTMLMixin
from charz.errors import FitError, MissingMetadataError, PhysicsWarning
from charz.flags import EXTRAPOLATED, OUTSIDE_CALIBRATION, POOR_FIT, combine
from charz.record import Measurement, Provenance
from sorption._adsorbates import R_GAS, canonical_name
from sorption._adsorbates import adsorbate as _adsorbate
from sorption._flags import assumed_flags, span
from sorption.bjh import ThicknessSpec, _curve_name, liquid_properties, thickness
from sorption.io import branch as _branch
from sorption.io._isotherm import branch_option

__all__ = ["DRResult", "PoreVolumeResult", "TPlotResult", "dr_micropore_volume", "t_plot",
           "total_pore_volume"]


def _linfit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float, float]:
    """slope, intercept, se_slope, se_intercept, r of an OLS line."""
    n = x.size
    xm, ym = x.mean(), y.mean()
    sxx = ((x - xm) ** 2).sum()
    sxy = ((x - xm) * (y - ym)).sum()
    syy = ((y - ym) ** 2).sum()
    slope = sxy / sxx
    icpt = ym - slope * xm
    r = sxy / math.sqrt(sxx * syy) if syy > 0 else 1.0
    if n > 2:
        s2 = max(syy - slope * sxy, 0.0) / (n - 2)
        se_s = math.sqrt(s2 / sxx)
        se_i = math.sqrt(s2 * (1 / n + xm**2 / sxx))
    else:
        se_s = se_i = float("nan")
    return slope, icpt, se_s, se_i, r


@dataclass(frozen=True, slots=True, eq=False)
class TPlotResult(DescriptorsHTMLMixin):
    """t-plot result.

    Attributes
    ----------
    micropore_volume : Measurement
        ``micropore_volume`` (cm^3/g liquid) from the intercept.
    external_area : Measurement
        m^2/g from the slope (same flags as the micropore volume).
    t_range_nm : tuple of float
        nm.
    n_points, r : int, float
    slope, intercept : float
        Of amount (mmol/g) against t (nm).
    data : xarray.Dataset
        t, amount and the ``used`` mask.
    """

    micropore_volume: Measurement
    external_area: Measurement
    t_range_nm: tuple[float, float]
    n_points: int
    r: float
    slope: float
    intercept: float
    data: xr.Dataset = field(repr=False)
    notes: tuple[str, ...] = ()

    def descriptors(self) -> dict[str, Measurement]:
        """``micropore_volume`` (cm^3/g)."""
        return {"micropore_volume": self.micropore_volume}

    def plot(self, ax: Any = None) -> Any:
        """Amount against t with the fitted line."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(layout="constrained", figsize=(5, 4))
        t, n, u = self.data["t"].values, self.data["amount"].values, self.data["used"].values
        ax.plot(t, n, "o", mfc="none", color="0.5")
        ax.plot(t[u], n[u], "o", color="C0", label="fit range")
        tt = np.linspace(0, t.max(), 50)
        ax.plot(tt, self.intercept + self.slope * tt, "-", color="C1")
        ax.set_xlabel("t (nm)")
        ax.set_ylabel("n (mmol/g)")
        ax.set_title("t-plot")
        ax.legend(fontsize="small")
        return ax


def t_plot(
    isotherm: xr.Dataset,
    *,
    thickness_curve: ThicknessSpec = "harkins_jura",
    t_range_nm: tuple[float, float] = (0.35, 0.50),
    liquid_density_g_cm3: float | None = None,
    surface_area_correction: float = 1.0,
) -> TPlotResult:
    """t-plot micropore volume and external area (adsorption branch).

    Parameters
    ----------
    isotherm : xarray.Dataset
        Isotherm (mmol/g).
    thickness_curve : str, callable or table
        See :func:`sorption.bjh.thickness` (``carbon_black`` for carbons).
    t_range_nm : (float, float)
        Thickness window in nm (default 0.35–0.50 nm, the common Harkins–Jura choice).
    liquid_density_g_cm3 : float, optional
        g/cm^3; default the saturated liquid at the bath temperature.
    surface_area_correction : float
        Micromeritics' SACF (1.0).

    Returns
    -------
    TPlotResult

    Raises
    ------
    FitError
        Fewer than 2 points in the window.

    Warns
    -----
    PhysicsWarning
        Negative intercept (no micropores resolved; common for low-area hard carbons).

    Notes
    -----
    Flags on ``micropore_volume``: ``extrapolated`` when the measured points cover less
    than half of the window (the line is drawn through a corner of it); ``poor_fit`` when
    fewer than 3 points are in the window or r² < 0.99 (the isotherm is not linear in t
    there: micropores still filling, or condensation starting); ``outside_calibration``
    when a named thickness curve (all are N2-at-77 K curves) is used with another gas.

    V_micro = intercept · M/ρ_liq/1000; A_ext = slope · M/ρ_liq · 1000 / SACF / 1000
    (slope in mmol g⁻¹ nm⁻¹ → m^2/g).
    """
    t_range_nm = check_window("t_range_nm", t_range_nm)
    surface_area_correction = check_number("surface_area_correction", surface_area_correction,
                                           lo=0.0, inclusive=False)
    prov = Provenance.from_data(isotherm)
    name = prov.source or "t-plot"
    gas = str(isotherm.attrs.get("adsorbate", "N2"))
    temp = float(isotherm.attrs.get("temperature_K", 77.35))
    props = liquid_properties(gas, temp, liquid_density_g_cm3=liquid_density_g_cm3)
    ads = _branch(isotherm, "adsorption")
    p = ads["relative_pressure"].values
    n = ads.values
    t = thickness(p, thickness_curve)
    lo, hi = min(t_range_nm), max(t_range_nm)
    used = (t >= lo) & (t <= hi) & np.isfinite(t)
    if used.sum() < 2:
        raise FitError(f"{name}: {int(used.sum())} point(s) with t in {span(lo, hi)} nm; "
                       "the t-plot needs at least 2")
    slope, icpt, se_s, se_i, r = _linfit(t[used], n[used])
    conv = props["molar_mass"] / props["liquid_density"] / 1000.0  # cm^3 liquid per mmol
    vmic = icpt * conv
    a_ext = slope * conv * 1000.0 / surface_area_correction
    notes = []
    vocab = list(assumed_flags(isotherm))
    if vmic < 0:
        notes.append(f"negative t-plot intercept (micropore volume {vmic:.3g} cm³/g): no "
                     "micropores resolved in this window")
        warnings.warn(f"{name}: {notes[-1]}", PhysicsWarning, stacklevel=2)
    covered = float(t[used].max() - t[used].min()) / (hi - lo) if hi > lo else 1.0
    if covered < 0.5:
        notes.append(f"the points cover {covered:.0%} of the t window {span(lo, hi)} nm")
        vocab.append(EXTRAPOLATED)
    if used.sum() < 3 or r**2 < 0.99:
        notes.append(f"{int(used.sum())} points, r² = {r**2:.4f} in the t window: the isotherm "
                     "is not linear in t there")
        vocab.append(POOR_FIT)
    curve = _curve_name(thickness_curve)
    if isinstance(thickness_curve, str) and canonical_name(gas) != "N2":
        # every named thickness curve is a fit to N2 films at 77 K
        notes.append(f"the {curve} thickness curve is for N2 at 77 K; with {canonical_name(gas)} "
                     "its t is not the film thickness (pass a thickness table for this gas)")
        vocab.append(OUTSIDE_CALIBRATION)
    params = {"thickness_curve": curve, "t_range_nm": [lo, hi], "n_points": int(used.sum()),
              "liquid_density_g_per_cm3": props["liquid_density"],
              "liquid_density_source": props["source"], "sacf": surface_area_correction}
    method = (f"t-plot ({curve} thickness, t {span(lo, hi)} nm, {int(used.sum())} points), "
              f"ρ_liq = {props['liquid_density']:.4g} g/cm³"
              + ("; " + next(m for m in notes if "thickness curve is for N2" in m)
                 if OUTSIDE_CALIBRATION in vocab else ""))
    m = Measurement(vmic, se_i * conv if math.isfinite(se_i) else None, "cm^3/g", "sorption",
                    method, prov.with_parameters(**params),
                    {"external_area_m2_per_g": a_ext, "r": r}, flags=tuple(vocab))
    data = xr.Dataset({"amount": ("point", n, {"units": "mmol/g"}),
                       "used": ("point", used)},
                      coords={"t": ("point", t, {"units": "nm"}),
                              "relative_pressure": ("point", p, {"units": "1"})})
    ext = Measurement(a_ext, se_s * conv * 1000.0 if math.isfinite(se_s) else None, "m^2/g",
                      "sorption", f"external area from the slope of the {method}",
                      prov.with_parameters(**params), flags=tuple(vocab))
    return TPlotResult(m, ext, (lo, hi), int(used.sum()), r, slope, icpt, data, tuple(notes))


@dataclass(frozen=True, slots=True, eq=False)
class PoreVolumeResult(DescriptorsHTMLMixin):
    """Total pore volume (and 4V/A when a BET area is given).

    Attributes
    ----------
    total_pore_volume : Measurement
        cm^3/g (liquid), at the point stated in ``relative_pressure_used``.
    mean_pore_diameter : Measurement or None
        4V/A in nm.
    relative_pressure_used : float
    """

    total_pore_volume: Measurement
    mean_pore_diameter: Measurement | None
    relative_pressure_used: float
    amount_used: float

    def descriptors(self) -> dict[str, Measurement]:
        """``total_pore_volume`` and, with a BET area, ``mean_pore_diameter``."""
        out = {"total_pore_volume": self.total_pore_volume}
        if self.mean_pore_diameter is not None:
            out["mean_pore_diameter"] = self.mean_pore_diameter
        return out


def total_pore_volume(
    isotherm: xr.Dataset,
    *,
    p_target: float = 0.99,
    branch: str = "adsorption",
    bet: Any = None,
    liquid_density_g_cm3: float | None = None,
    max_distance: float = 0.02,
    interpolate: bool = False,
) -> PoreVolumeResult:
    """Total pore volume at the measured point nearest p/p0 = ``p_target`` (Gurvich rule).

    Parameters
    ----------
    isotherm : xarray.Dataset
    p_target : float
        Target p/p0 (default 0.99; Micromeritics often uses 0.95 or 0.995).
    branch : {'adsorption', 'desorption'}
        Branch to take the point from (the top point belongs to the adsorption branch).
    bet : BETResult or float, optional
        BET result (or area in m^2/g) for the mean pore diameter 4V/A.
    liquid_density_g_cm3 : float, optional
        g/cm^3 (default saturated liquid at the bath temperature).
    max_distance : float
        Warn when the nearest point is further than this from ``p_target``.
    interpolate : bool
        Interpolate linearly between the two points bracketing ``p_target`` (what
        Micromeritics prints) instead of taking the nearest measured point.

    Returns
    -------
    PoreVolumeResult
        ``total_pore_volume`` is flagged ``extrapolated`` when it does not refer to the
        target: the point used is more than ``max_distance`` away from ``p_target``.
        ``mean_pore_diameter`` inherits the flags of the volume and of the BET area.

    Notes
    -----
    V = n(p_used)·M/ρ_liq/1000; d = 4000·V/A nm (V in cm^3/g, A in m^2/g).
    """
    branch = branch_option("branch", branch)
    p_target = check_number("p_target", p_target, lo=0.0, hi=1.0, inclusive=False)
    max_distance = check_number("max_distance", max_distance, lo=0.0)
    prov = Provenance.from_data(isotherm)
    gas = str(isotherm.attrs.get("adsorbate", "N2"))
    temp = float(isotherm.attrs.get("temperature_K", 77.35))
    props = liquid_properties(gas, temp, liquid_density_g_cm3=liquid_density_g_cm3)
    da = _branch(isotherm, branch)
    if da.size == 0:
        raise FitError(f"{prov.source}: no {branch} points")
    p = da["relative_pressure"].values
    k = int(np.argmin(np.abs(p - p_target)))
    p_used, n_used = float(p[k]), float(da.values[k])
    how = "point nearest"
    if interpolate and p.min() <= p_target <= p.max():
        order = np.argsort(p)
        p_used, n_used = float(p_target), float(np.interp(p_target, p[order], da.values[order]))
        how = "interpolated at"
    vocab = list(assumed_flags(isotherm))
    if abs(p_used - p_target) > max_distance:
        vocab.append(EXTRAPOLATED)
    if abs(p_used - p_target) > max_distance:
        warnings.warn(f"{prov.source}: the point nearest p/p0 {p_target:g} is at {p_used:.4g}; "
                      "the total pore volume refers to that point", PhysicsWarning,
                      stacklevel=2)
    conv = props["molar_mass"] / props["liquid_density"] / 1000.0
    v = n_used * conv
    method = (f"Gurvich: {branch} {how} p/p0 {p_target:g} (used p/p0 = {p_used:.5g}), "
              f"ρ_liq({canonical_name(gas)}) = {props['liquid_density']:.4g} g/cm³")
    params = {"p_target": p_target, "p_used": p_used, "branch": branch, "interpolate": interpolate,
              "liquid_density_g_per_cm3": props["liquid_density"]}
    src = prov.with_parameters(**params)
    vm = Measurement(v, None, "cm^3/g", "sorption", method, src, {"p_used": p_used},
                     flags=tuple(vocab))
    dm = None
    if bet is not None:
        area = float(bet.bet_area.value) if hasattr(bet, "bet_area") else float(bet)
        area_se = bet.bet_area.stderr if hasattr(bet, "bet_area") else None
        d = 4000.0 * v / area
        dm = Measurement(d, d * area_se / area if area_se else None, "nm", "sorption",
                         f"4V/A with V at p/p0 = {p_used:.5g} and BET area {area:.4g} m²/g",
                         src.with_parameters(bet_area=area),
                         flags=combine(vm, getattr(bet, "bet_area", None)))
    return PoreVolumeResult(vm, dm, p_used, n_used)


@dataclass(frozen=True, slots=True, eq=False)
class DRResult(DescriptorsHTMLMixin):
    """Dubinin–Radushkevich result.

    Attributes
    ----------
    dr_micropore_volume : Measurement
        ``dr_micropore_volume`` (cm^3/g).
    characteristic_energy : Measurement
        Characteristic energy E = βE0 in kJ/mol (stderr from the slope; same flags).
    p0, adsorbed_density_g_cm3 : float
        Pa and g/cm^3 used.
    p_range : tuple of float
    data : xarray.Dataset
        log10²(p0/p), log10 W and the ``used`` mask.
    """

    dr_micropore_volume: Measurement
    characteristic_energy: Measurement
    p0: float
    adsorbed_density_g_cm3: float
    p_range: tuple[float, float]
    n_points: int
    r: float
    slope: float
    intercept: float
    data: xr.Dataset = field(repr=False)

    def descriptors(self) -> dict[str, Measurement]:
        """``dr_micropore_volume`` (cm^3/g)."""
        return {"dr_micropore_volume": self.dr_micropore_volume}

    def plot(self, ax: Any = None) -> Any:
        """DR plot: log10 W against log10²(p0/p)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(layout="constrained", figsize=(5, 4))
        x, y, u = (self.data[k].values for k in ("log2_p0_p", "log_w", "used"))
        ax.plot(x, y, "o", mfc="none", color="0.5")
        ax.plot(x[u], y[u], "o", color="C0", label="fit range")
        xx = np.linspace(0, x.max(), 50)
        ax.plot(xx, self.intercept + self.slope * xx, "-", color="C1",
                label=f"W0 = {self.dr_micropore_volume.value:.4g} cm³/g")
        ax.set_xlabel("log10²(p0/p)")
        ax.set_ylabel("log10 W (cm³/g)")
        ax.set_title("Dubinin–Radushkevich")
        ax.legend(fontsize="small")
        return ax


def dr_micropore_volume(
    isotherm: xr.Dataset,
    *,
    p_range: tuple[float, float] = (1e-5, 0.03),
    adsorbed_density_g_cm3: float = 1.023,
    p0_pa: float | None = None,
) -> DRResult:
    """Dubinin–Radushkevich micropore volume (CO2 at 273 K for ultramicropores).

    Parameters
    ----------
    isotherm : xarray.Dataset
        Isotherm with ``relative_pressure`` (p0 per point when the file has it).
    p_range : (float, float)
        Fit window in p/p0 (default 1e-5–0.03: the whole sub-atmospheric CO2 isotherm at
        273 K, p0 = 3.485 MPa). Always stated in the result.
    adsorbed_density_g_cm3 : float
        g/cm^3 of the adsorbed phase (default 1.023 for CO2, common in carbon papers;
        0.927 is the saturated liquid at 273 K used by pyGAPS — 10 % lower W0).
    p0_pa : float, optional
        Pa; only used to state p0 (the relative pressures already include it). Default
        the isotherm's p0, else the adsorptive's saturation pressure at T.

    Returns
    -------
    DRResult

    Notes
    -----
    ``dr_micropore_volume`` is flagged ``outside_calibration`` when the DR plot is not
    linear over the window (r² < 0.99: the window reaches beyond the range where the DR
    equation holds) or when the adsorptive is not CO2 near 273 K (the conditions the
    method and its adsorbed density are stated for).

    log10 W = log10 W0 − D log10²(p0/p), W = n M/ρ_ads; E = RT √(ln 10/D) (= βE0).
    """
    p_range = check_window("p_range", p_range)
    adsorbed_density_g_cm3 = check_number("adsorbed_density_g_cm3", adsorbed_density_g_cm3,
                                          lo=0.0, inclusive=False)
    p0 = p0_pa
    prov = Provenance.from_data(isotherm)
    name = prov.source or "DR"
    gas = str(isotherm.attrs.get("adsorbate", ""))
    temp = float(isotherm.attrs.get("temperature_K", 273.15))
    ads_info = _adsorbate(gas)
    if ads_info is None:
        raise MissingMetadataError(f"{name}: no molar mass for {gas!r}")
    if p0 is None:
        if "p0" in isotherm:
            p0 = float(np.nanmedian(isotherm["p0"].values))
        elif "p0_Pa" in isotherm.attrs:
            p0 = float(isotherm.attrs["p0_Pa"])
        else:
            try:
                p0 = ads_info.saturation_pressure(temp)[0]
            except KeyError:
                p0 = float("nan")
    vocab = list(assumed_flags(isotherm))
    if canonical_name(gas) != "CO2" or not 250 < temp < 300:
        vocab.append(OUTSIDE_CALIBRATION)
        warnings.warn(f"{name}: DR micropore volume is defined here for CO2 near 273 K; got "
                      f"{gas} at {temp:g} K", PhysicsWarning, stacklevel=2)
    da = _branch(isotherm, "adsorption")
    p = da["relative_pressure"].values
    n = da.values
    lo, hi = min(p_range), max(p_range)
    pos = (p > 0) & (n > 0)
    x = np.full(p.shape, np.nan)
    y = np.full(p.shape, np.nan)
    x[pos] = np.log10(1.0 / p[pos]) ** 2
    w = n * ads_info.molar_mass / adsorbed_density_g_cm3 / 1000.0
    y[pos] = np.log10(w[pos])
    used = pos & (p >= lo) & (p <= hi)
    if used.sum() < 3:
        raise FitError(f"{name}: {int(used.sum())} point(s) in p/p0 {span(lo, hi)}; DR needs ≥ 3")
    slope, icpt, se_s, se_i, r = _linfit(x[used], y[used])
    d_const = -slope
    if d_const <= 0:
        raise FitError(f"{name}: DR slope {slope:.3g} ≥ 0; no micropore filling in the window")
    if r**2 < 0.99:
        vocab.append(OUTSIDE_CALIBRATION)
        warnings.warn(f"{name}: the DR plot is not linear over p/p0 {span(lo, hi)} "
                      f"(r² = {r**2:.4f}): narrow the window to the linear part",
                      PhysicsWarning, stacklevel=2)
    w0 = 10**icpt
    energy = R_GAS * temp * math.sqrt(math.log(10) / d_const) / 1000.0
    method = (f"Dubinin–Radushkevich, p/p0 {span(lo, hi)} ({int(used.sum())} points), "
              f"p0 = {p0 / 1e6:.4g} MPa, ρ_ads = {adsorbed_density_g_cm3:g} g/cm³, T = {temp:g} K")
    params = {"p_range": [lo, hi], "p0_pa": p0,
              "adsorbed_density_g_per_cm3": adsorbed_density_g_cm3,
              "n_points": int(used.sum()), "temperature_K": temp}
    m = Measurement(w0, w0 * math.log(10) * se_i if math.isfinite(se_i) else None, "cm^3/g",
                    "sorption", method, prov.with_parameters(**params),
                    {"characteristic_energy_kJ_per_mol": energy, "r": r}, flags=tuple(vocab))
    data = xr.Dataset({"log2_p0_p": ("point", x), "log_w": ("point", y), "used": ("point", used)},
                      coords={"relative_pressure": ("point", p, {"units": "1"})})
    e_m = Measurement(energy, energy * se_s / (2 * d_const) if math.isfinite(se_s) else None,
                      "kJ/mol", "sorption", f"characteristic energy βE0 from the slope of the "
                      f"{method}", prov.with_parameters(**params), flags=tuple(vocab))
    return DRResult(m, e_m, float(p0), adsorbed_density_g_cm3, (lo, hi), int(used.sum()), r,
                    slope, icpt, data)
