"""Scattering invariant, porosity and Porod specific surface (two-phase systems).

Units: q in 1/nm and I in 1/cm, so the invariant Q* = ∫₀^∞ q² I(q) dq (SasView convention,
no 4π) is in cm⁻¹ nm⁻³; SasView's cm⁻¹ Å⁻³ is Q*·10⁻³ (reported too). Contrast Δρ is in
10⁻⁶ Å⁻² (sasmodels' SLD unit).

- Two-phase porosity: Q* = 2π² Δρ² φ(1−φ) → x = φ(1−φ), φ = [1 − √(1−4x)]/2 (the minor
  phase; no solution if x > 1/4).
- Porod constant C_p = lim q⁴ I(q) = 2π Δρ² S_v → S_v = C_p / (2π Δρ²); contrast-free
  S_v = π φ(1−φ) C_p / Q*.
- Contrast of carbon walls against empty pores, X-rays: Δρ = k·ρ_wall with
  k = 8.505×10⁻⁶ Å⁻² per g/cm³ at Cu Kα (r_e N_A (Z/M)(1 + f′/Z) for carbon; 19.22 at
  2.26 g/cm³; FIELD-NOTES §3.6). Hydrogen, oxygen or nitrogen change it: give
  ``contrast`` directly when the composition is known.
- Contrast-free combination with the He true density (derived, FIELD-NOTES §3.5): with I
  per particle volume (walls + closed pores, density ρ_He), ρ_wall = ρ_He/(1−φ) and
  Q* = 2π² k² ρ_He² φ/(1−φ), so φ/(1−φ) = Q*/(2π² k² ρ_He²) needs no wall density.
  Pore volume per gram V = φ/ρ_He.

Extrapolations: low q Guinier (fit of the first ``n_low`` points), high q power law
K q^-P (P = 4, Porod; last ``n_high`` points). For hard carbons the q² weight makes the high-q
end dominate and the data run into the (002) region: prefer the invariant of the fitted
pore term, :func:`pore_invariant` (SasView docs; FIELD-NOTES §3.5). Slit-smeared data
(NIST USANS, ``attrs["slit_length"]``): Q* = Δl ∫ q Ĩ(q) dq (infinite slit).

References
----------
Porod, G. (1951). Kolloid-Z. 124, 83. Glatter, O. & Kratky, O. (1982). Small Angle X-ray
Scattering, ch. 2. SasView invariant documentation (sasview.org, "Invariant Calculation").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import xarray as xr

from charz._lazy import callable_module
from charz.display import DescriptorsHTMLMixin
from charz.errors import CharzError, FitError, OptionError, PhysicsWarning
from charz.record import Measurement, Provenance
from saxs._common import as_curve

__all__ = [
    "CARBON_SLD_PER_DENSITY",
    "InvariantResult",
    "PorosityResult",
    "carbon_contrast",
    "invariant",
    "pore_invariant",
    "porosity_from_fit",
    "porosity_from_invariant",
    "weighted_line_fit",
]

#: X-ray SLD of carbon per g/cm³ at Cu Kα, 10⁻⁶ Å⁻² (FIELD-NOTES §3.6; Mo Kα: 8.48)
CARBON_SLD_PER_DENSITY = {"CuKa": 8.505, "MoKa": 8.480}

# Q* [Å^-4] = Q* [cm^-1 nm^-3] * 1e-3 (nm^-3 -> Å^-3) * 1e-8 (cm^-1 -> Å^-1)
_QSTAR_NM_TO_A4 = 1e-11


def carbon_contrast(wall_density: float, *, radiation: Literal["CuKa", "MoKa"] = "CuKa") -> float:
    """X-ray contrast Δρ (10⁻⁶ Å⁻²) of pure-carbon walls of density ρ (g/cm³) against vacuum."""
    if wall_density <= 0:
        raise OptionError(f"wall density must be > 0 g/cm^3, got {wall_density}")
    return CARBON_SLD_PER_DENSITY[radiation] * wall_density


def porosity_from_invariant(
    qstar: float,
    *,
    contrast: float | None = None,
    true_density: float | None = None,
    radiation: Literal["CuKa", "MoKa"] = "CuKa",
) -> float:
    """Pore volume fraction φ from an absolute invariant Q* (cm⁻¹ nm⁻³).

    Parameters
    ----------
    contrast : float, optional
        Δρ in 10⁻⁶ Å⁻²: two-phase relation Q* = 2π²Δρ²φ(1−φ), minor-phase root.
    true_density : float, optional
        He density (g/cm³) for the contrast-free relation φ/(1−φ) = Q*/(2π²k²ρ_He²)
        (used when ``contrast`` is None).

    Raises
    ------
    CharzError
        Neither given, or φ(1−φ) > 1/4 (the contrast is too small for this invariant).
    """
    q4 = qstar * _QSTAR_NM_TO_A4
    if contrast is not None:
        x = q4 / (2 * np.pi**2 * (contrast * 1e-6) ** 2)
        if x > 0.25:
            raise CharzError(
                f"invariant {qstar:.4g} cm^-1 nm^-3 gives φ(1−φ) = {x:.3g} > 1/4 at contrast "
                f"{contrast:g}e-6 Å^-2: the contrast or the intensity scale is wrong"
            )
        return float((1 - np.sqrt(1 - 4 * x)) / 2)
    if true_density is not None:
        k = CARBON_SLD_PER_DENSITY[radiation] * 1e-6
        r = q4 / (2 * np.pi**2 * k**2 * true_density**2)
        return float(r / (1 + r))
    raise OptionError("porosity needs the contrast (or wall_density) or the He true density")


@dataclass(frozen=True, slots=True, eq=False)
class InvariantResult(DescriptorsHTMLMixin):
    """Invariant and what follows from it.

    Attributes
    ----------
    qstar, qstar_stderr : float
        Q* in cm⁻¹ nm⁻³ (intensity unit × nm⁻³); stderr from σ(I) (data part only).
    qstar_data, qstar_low, qstar_high : float
        Contributions of the measured range and of the two extrapolations.
    qstar_sasview : float
        Q* in SasView's cm⁻¹ Å⁻³.
    porod_constant : float or None
        C_p in cm⁻¹ nm⁻⁴ (given, or K of the high-q q⁻⁴ extrapolation); ×10⁻⁴ → cm⁻¹ Å⁻⁴.
    guinier_rg : float or None
        Rg (nm) of the low-q extrapolation.
    saxs_porosity : Measurement or None
        ``saxs_porosity`` (when contrast or true density given).
    specific_surface_volume : float or None
        S_v in 1/nm (m²/cm³ = S_v · 1000).
    saxs_specific_surface : Measurement or None
        ``saxs_specific_surface`` (m²/g; needs a density).
    saxs_pore_volume : Measurement or None
        ``saxs_pore_volume`` = φ/ρ_He (cm³/g; needs the true density).
    curve : xarray.Dataset
        ``data`` and the integrand ``q2i`` over q, with the extrapolated models.
    """

    qstar: float
    qstar_stderr: float | None
    qstar_data: float
    qstar_low: float
    qstar_high: float
    qstar_sasview: float
    porod_constant: float | None
    guinier_rg: float | None
    saxs_porosity: Measurement | None
    specific_surface_volume: float | None
    saxs_specific_surface: Measurement | None
    saxs_pore_volume: Measurement | None
    method: str
    curve: xr.Dataset = field(repr=False)

    figure_name: ClassVar[str] = "invariant"

    def descriptors(self) -> dict[str, Measurement]:
        """``saxs_porosity``, ``saxs_specific_surface``, ``saxs_pore_volume`` when known."""
        out = {}
        for key, m in (("saxs_porosity", self.saxs_porosity),
                       ("saxs_specific_surface", self.saxs_specific_surface),
                       ("saxs_pore_volume", self.saxs_pore_volume)):
            if m is not None:
                out[key] = m
        return out

    def plot(self, ax: Any = None) -> Any:
        """Kratky-type plot q²I(q) with the low- and high-q extrapolations."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.0, 3.2), layout="constrained")
        c = self.curve
        ax.plot(c["q"], c["q2i"], ".", ms=2, color="0.2", label="data")
        for name, col in (("low_q", "C0"), ("high_q", "C1")):
            if f"q_{name}" in c:
                ax.plot(c[f"q_{name}"], c[f"q2i_{name}"], "-", color=col,
                        label=f"{name.replace('_', '-')} extrapolation")
        ax.set_xscale("log")
        ax.set_xlabel("q (1/nm)")
        ax.set_ylabel(f"q²I ({c['q2i'].attrs.get('units', '')})")
        src = str(c.attrs.get("source", ""))
        ax.set_title(f"{src}\ninvariant Q* = {self.qstar:.4g}".strip(), fontsize=9, loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                  fontsize=7, frameon=False)
        return ax


def weighted_line_fit(
    x: np.ndarray, y: np.ndarray, sigma: np.ndarray | None = None, *, slope: float | None = None
) -> tuple[float, float, float | None, float]:
    """Least-squares line y = a x + b, weighted by 1/σ² when σ is given.

    Parameters
    ----------
    slope : float, optional
        Fix a and fit only b (the weighted mean of y − a x).

    Returns
    -------
    a, b, a_stderr (None when fixed), b_stderr
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones_like(x) if sigma is None else 1.0 / np.asarray(sigma, dtype=float) ** 2
    if slope is not None:
        b = float(np.sum(w * (y - slope * x)) / np.sum(w))
        return float(slope), b, None, float(np.sqrt(1.0 / np.sum(w)))
    S, Sx, Sy = w.sum(), (w * x).sum(), (w * y).sum()
    Sxx, Sxy = (w * x * x).sum(), (w * x * y).sum()
    det = S * Sxx - Sx**2
    if det <= 0:
        raise FitError("line fit: all x values are equal")
    a = (S * Sxy - Sx * Sy) / det
    b = (Sxx * Sy - Sx * Sxy) / det
    return float(a), float(b), float(np.sqrt(S / det)), float(np.sqrt(Sxx / det))


def _trap_weights(x: np.ndarray) -> np.ndarray:
    w = np.zeros_like(x)
    dx = np.diff(x)
    w[:-1] += dx / 2
    w[1:] += dx / 2
    return w


def invariant(
    curve: xr.DataArray,
    *,
    background: float = 0.0,
    window: tuple[float, float] | None = None,
    low_q: Literal["guinier"] | None = "guinier",
    high_q: Literal["power_law"] | None = "power_law",
    n_low: int = 10,
    n_high: int = 10,
    high_q_exponent: float = 4.0,
    slit_length: float | Literal["auto"] | None = "auto",
    contrast: float | None = None,
    wall_density: float | None = None,
    true_density: float | None = None,
    porod_constant: float | None = None,
    radiation: Literal["CuKa", "MoKa"] = "CuKa",
) -> InvariantResult:
    """Invariant Q* = ∫ q² I dq with extrapolations; porosity and Porod surface.

    Parameters
    ----------
    curve : xarray.DataArray
        SAXS curve, q in 1/nm, I in 1/cm (absolute scale) for porosity and surface.
    background : float
        Flat background subtracted first (intensity unit).
    window : (float, float), optional
        Integration range of the data (1/nm).
    low_q : {'guinier', None}
        Low-q extrapolation to q = 0 (Guinier fit of the first ``n_low`` points).
    high_q : {'power_law', None}
        High-q extrapolation to ∞: K q^-P fitted to the last ``n_high`` points, P =
        ``high_q_exponent`` (4: Porod).
    slit_length : float, 'auto' or None
        Slit length Δl (1/nm) of slit-smeared data; 'auto' takes
        ``attrs["slit_length"]`` when present. Smeared: Q* = Δl ∫ q Ĩ dq and the high-q
        tail is K q^-(P−1).
    contrast : float, optional
        Δρ in 10⁻⁶ Å⁻² (two-phase porosity).
    wall_density : float, optional
        Carbon wall density (g/cm³) → Δρ = k ρ_wall (k = 8.505 at Cu Kα); stated.
    true_density : float, optional
        He density (g/cm³): contrast-free porosity when no contrast is given; pore
        volume φ/ρ_He and surface per gram.
    porod_constant : float, optional
        C_p in cm⁻¹ nm⁻⁴ (= 10⁴ × cm⁻¹ Å⁻⁴); default: K of the high-q q⁻⁴ fit.

    Returns
    -------
    InvariantResult

    Raises
    ------
    FitError
        An extrapolation fit fails (e.g. no decreasing ln I at low q).

    Warns
    -----
    PhysicsWarning
        The extrapolated part exceeds 20 % of Q*.
    """
    name = curve.attrs.get("source", "curve")
    q, y, sigma, da = as_curve(curve, window=window, name=name)
    if len(q) < max(n_low, n_high, 3):
        raise CharzError(f"{name}: {len(q)} points; the invariant needs at least "
                         f"{max(n_low, n_high, 3)}")
    y = y - background
    dl = da.attrs.get("slit_length") if slit_length == "auto" else slit_length
    smeared = dl is not None
    power = 1 if smeared else 2  # integrand q^power I
    wts = _trap_weights(q)
    qd = float(np.sum(wts * q**power * y))
    qd_err = None if sigma is None else float(np.sqrt(np.sum((wts * q**power * sigma) ** 2)))
    unit = da.attrs.get("units", "1")
    ds: dict[str, Any] = {
        "data": ("q", y, {"units": unit, "long_name": "intensity − background"}),
        "q2i": ("q", q**power * y, {"units": f"({unit})/nm^{power}",
                                    "long_name": f"q^{power} I (integrand)"})}
    extra_coords: dict[str, Any] = {}

    q_low = 0.0
    rg = None
    if low_q == "guinier":
        ql, yl = q[:n_low], y[:n_low]
        if np.any(yl <= 0):
            raise FitError(f"{name}: non-positive I in the first {n_low} points; no Guinier "
                           "extrapolation (set low_q=None)")
        sl = None if sigma is None else sigma[:n_low] / yl  # σ(ln I)
        slope, icpt, _, _ = weighted_line_fit(ql**2, np.log(yl), sl)
        if slope >= 0:
            raise FitError(f"{name}: ln I rises with q² at low q; no Guinier extrapolation")
        rg = float(np.sqrt(-3 * slope))
        i0 = float(np.exp(icpt))
        xx = np.linspace(0, q[0], 400)
        fx = xx**power * i0 * np.exp(-(xx * rg) ** 2 / 3)
        q_low = float(np.trapezoid(fx, xx))
        extra_coords["q_low_q"] = xx
        ds["q2i_low_q"] = ("q_low_q", fx, {"units": f"({unit})/nm^{power}",
                                            "long_name": "Guinier extrapolation"})
    elif low_q is not None:
        raise OptionError(f"low_q must be 'guinier' or None, got {low_q!r}")

    q_high = 0.0
    kfit = None
    if high_q == "power_law":
        qh, yh = q[-n_high:], y[-n_high:]
        p_eff = high_q_exponent - (1 if smeared else 0)
        basis = qh ** (-p_eff)
        wh = np.ones_like(qh) if sigma is None else 1.0 / sigma[-n_high:] ** 2
        kfit = float(np.sum(wh * basis * yh) / np.sum(wh * basis**2))
        # ∫_{qmax}^∞ q^power K q^-p dq = K qmax^(power-p+1)/(p-power-1)
        expo = p_eff - power - 1
        if expo <= 0:
            raise OptionError(f"high-q exponent {high_q_exponent} gives a divergent invariant")
        q_high = float(kfit * q[-1] ** (-expo) / expo)
        xx = np.geomspace(q[-1], q[-1] * 3, 100)
        extra_coords["q_high_q"] = xx
        ds["q2i_high_q"] = ("q_high_q", xx**power * kfit * xx ** (-p_eff),
                            {"units": f"({unit})/nm^{power}",
                             "long_name": "power-law extrapolation"})
    elif high_q is not None:
        raise OptionError(f"high_q must be 'power_law' or None, got {high_q!r}")

    factor = float(dl) if smeared else 1.0
    total = factor * (qd + q_low + q_high)
    total_err = None if qd_err is None else factor * qd_err
    if total <= 0:
        raise FitError(f"{name}: invariant {total:.4g} ≤ 0 (background too high?)")
    extrap = factor * (q_low + q_high) / total
    if extrap > 0.2:
        import warnings

        warnings.warn(f"{name}: extrapolations carry {100 * extrap:.0f} % of the invariant",
                      PhysicsWarning, stacklevel=2)

    if porod_constant is None and kfit is not None and high_q_exponent == 4.0 and not smeared:
        # (a slit-smeared tail K q^-3 holds a Δl-convolved constant, not C_p)
        cp = kfit
        cp_note = "C_p from the high-q q⁻⁴ extrapolation"
    elif porod_constant is None:
        cp = None
        cp_note = ""
    else:
        cp = porod_constant
        cp_note = "C_p given" if cp is not None else ""

    if contrast is None and wall_density is not None:
        contrast = carbon_contrast(wall_density, radiation=radiation)
        cnote = (f"Δρ = {CARBON_SLD_PER_DENSITY[radiation]}e-6 Å⁻² per g/cm³ × ρ_wall "
                 f"{wall_density:g} g/cm³ = {contrast:.4g}e-6 Å⁻² (carbon, {radiation})")
    elif contrast is not None:
        cnote = f"Δρ = {contrast:g}e-6 Å⁻² (given)"
    else:
        cnote = ""
    extrap_note = ", ".join(
        s for s in (f"Guinier low-q ({n_low} pts)" if low_q else "",
                    f"q^-{high_q_exponent:g} high-q ({n_high} pts)" if high_q else "") if s
    ) or "no extrapolation"
    method = (f"invariant Q* = {'Δl ∫ q I dq (slit-smeared)' if smeared else '∫ q² I dq'}, "
              f"trapezoid on q {q[0]:.3g}–{q[-1]:.3g} 1/nm, {extrap_note}, background "
              f"{background:g} subtracted")
    prov = Provenance.from_data(da, parameters={
        "background": background, "window": [float(q[0]), float(q[-1])], "low_q": low_q,
        "high_q": high_q, "n_low": n_low, "n_high": n_high, "high_q_exponent": high_q_exponent,
        "slit_length": None if dl is None else float(dl), "contrast": contrast,
        "wall_density": wall_density, "true_density": true_density,
        "porod_constant": porod_constant, "radiation": radiation})

    porosity = sv = ssurf = pvol = None
    phi = None
    if contrast is not None or true_density is not None:
        phi = porosity_from_invariant(total, contrast=contrast, true_density=true_density,
                                      radiation=radiation)
        rel = None if total_err is None else total_err / total
        phi_err = None if rel is None else phi * rel  # dφ/φ ≈ dQ*/Q* for small φ
        how = (f"two-phase φ(1−φ) = Q*/(2π²Δρ²), {cnote}" if contrast is not None else
               f"contrast-free with He density {true_density:g} g/cm³: φ/(1−φ) = "
               f"Q*/(2π²k²ρ_He²), k = {CARBON_SLD_PER_DENSITY[radiation]}e-6 Å⁻² per g/cm³")
        porosity = Measurement(phi, phi_err, "1", "saxs", f"{method}; {how}", prov,
                               {"qstar_cm-1_nm-3": total})
        if true_density is not None:
            pvol = Measurement(phi / true_density, None if phi_err is None else
                               phi_err / true_density, "cm^3/g", "saxs",
                               f"V = φ/ρ_He, ρ_He = {true_density:g} g/cm³; φ: {how}", prov)
    if cp is not None:
        if contrast is not None:
            sv_a = cp * 1e-4 * 1e-8 / (2 * np.pi * (contrast * 1e-6) ** 2)  # 1/Å
            snote = f"S_v = C_p/(2πΔρ²), {cnote}; {cp_note}"
        elif phi is not None:
            sv_a = np.pi * phi * (1 - phi) * (cp * 1e-4) / (total * 1e-3)  # 1/Å
            snote = f"contrast-free S_v = π φ(1−φ) C_p/Q*; {cp_note}"
        else:
            sv_a = None
        if sv_a is not None:
            sv = float(sv_a * 10.0)  # 1/nm
            if true_density is not None:
                # S_v [1/nm] = 1e7 cm²/cm³ ... per gram: cm²/g / 1e4 → m²/g
                ssurf = Measurement(sv * 1e7 / true_density / 1e4, None, "m^2/g", "saxs",
                                    f"Porod surface {snote}; per gram ÷ ρ_He "
                                    f"{true_density:g} g/cm³", prov,
                                    {"sv_per_nm": sv})
    coords = {"q": ("q", q, {"units": "1/nm", "long_name": "q"})}
    coords.update({k: (k, v, {"units": "1/nm", "long_name": "q"})
                   for k, v in extra_coords.items()})
    return InvariantResult(
        total, total_err, factor * qd, factor * q_low, factor * q_high, total * 1e-3, cp, rg,
        porosity, sv, ssurf, pvol, method,
        xr.Dataset(ds, coords=coords, attrs={"source": str(da.attrs.get("source", ""))}),
    )


def pore_invariant(result: Any) -> float:
    """Invariant (intensity unit × nm⁻³) of the fitted pore term of a model fit.

    Porod + DAB: analytic, Q*_DAB = π B / (4 a³) (B = I(0), a in nm). Other models: the
    pore component integrated numerically from 0 to ∞ (log grid, q⁻⁴ tail). This avoids
    the (002) region and the Porod tail of the particles (FIELD-NOTES §3.5).
    """
    from saxs import models

    pv = {k: v[0] for k, v in result.parameters.items()}
    if result.model == "porod+dab":
        return float(np.pi * pv["dab_scale"] / (4 * pv["dab_length"] ** 3))
    if result.model == "power_law+sphere":
        length = pv["radius"]

        def f(q: np.ndarray) -> np.ndarray:
            return models.sphere_intensity(q, pv["sphere_scale"], pv["radius"], pv["pd"],
                                           result.saxs_pore_diameter.extra.get("pd_type", "schulz"))
    elif result.model == "unified":
        length = pv["rg"]

        def f(q: np.ndarray) -> np.ndarray:
            return models.unified_level(q, pv["g"], pv["rg"], pv["b"], pv["p"])
    elif result.model == "guinier_porod":
        length = pv["rg"]

        def f(q: np.ndarray) -> np.ndarray:
            return models.guinier_porod(q, pv["g"], pv["rg"], pv["s"], pv["m"])
    else:
        raise CharzError(f"no pore invariant for model {result.model!r}")
    qq = np.geomspace(1e-4 / length, 200.0 / length, 20000)
    fq = f(qq)
    body = float(np.trapezoid(qq**2 * fq, qq))
    tail = float(fq[-1] * qq[-1] ** 3)  # ∫ q² K q⁻⁴ = K/q_max, K = I q⁴
    return body + tail


@dataclass(frozen=True, slots=True, eq=False)
class PorosityResult(DescriptorsHTMLMixin):
    """Porosity from the invariant of a fitted pore term.

    Attributes
    ----------
    qstar : float
        Invariant of the pore term, cm⁻¹ nm⁻³.
    saxs_porosity : Measurement
        ``saxs_porosity``.
    saxs_pore_volume : Measurement or None
        ``saxs_pore_volume`` = φ/ρ_He (with the He density).
    """

    qstar: float
    saxs_porosity: Measurement
    saxs_pore_volume: Measurement | None

    def descriptors(self) -> dict[str, Measurement]:
        """``saxs_porosity`` (+ ``saxs_pore_volume``)."""
        out = {"saxs_porosity": self.saxs_porosity}
        if self.saxs_pore_volume is not None:
            out["saxs_pore_volume"] = self.saxs_pore_volume
        return out


def porosity_from_fit(
    result: Any,
    *,
    contrast: float | None = None,
    wall_density: float | None = None,
    true_density: float | None = None,
    radiation: Literal["CuKa", "MoKa"] = "CuKa",
) -> PorosityResult:
    """Pore volume fraction from the invariant of a model's pore term (absolute scale).

    Parameters
    ----------
    result : saxs.models.ModelFitResult
        A fit of an absolute-scale curve (I in 1/cm).
    contrast, wall_density : float, optional
        Δρ (10⁻⁶ Å⁻²), or the carbon wall density (g/cm³) giving Δρ = k ρ_wall.
    true_density : float, optional
        He density (g/cm³): contrast-free φ when no contrast is given (see the module
        notes), and the pore volume φ/ρ_He.

    Raises
    ------
    CharzError
        The intensity is not on absolute scale (1/cm), or no contrast/density is given.
    """
    unit = result.curve["data"].attrs.get("units", "1")
    if unit != "1/cm" or not result.curve.attrs.get("absolute_scale", 1):
        raise CharzError(f"porosity needs absolute intensities in 1/cm; the curve is in {unit!r}"
                         " (calibrate it, e.g. with the NIST SRM 3600 glassy carbon)")
    if contrast is None and wall_density is not None:
        contrast = carbon_contrast(wall_density, radiation=radiation)
    qstar = pore_invariant(result)
    phi = porosity_from_invariant(qstar, contrast=contrast, true_density=true_density,
                                  radiation=radiation)
    k = CARBON_SLD_PER_DENSITY[radiation]
    if contrast is not None:
        how = (f"two-phase φ(1−φ) = Q*/(2π²Δρ²), Δρ = {contrast:.4g}e-6 Å⁻²"
               + (f" (carbon walls {wall_density:g} g/cm³, k = {k}e-6 Å⁻² per g/cm³)"
                  if wall_density is not None else " (given)"))
    else:
        how = (f"contrast-free with the He density {true_density:g} g/cm³: φ/(1−φ) = "
               f"Q*/(2π²k²ρ_He²), k = {k}e-6 Å⁻² per g/cm³ (carbon, {radiation})")
    qs = ("π I(0)/(4a³) of the DAB term" if result.model == "porod+dab"
          else f"numerical integral of the {result.model} pore term")
    method = f"invariant of the fitted pore term, Q* = {qs} = {qstar:.4g} cm⁻¹nm⁻³; {how}"
    prov = result.saxs_pore_diameter.source.with_parameters(
        contrast=contrast, wall_density=wall_density, true_density=true_density,
        radiation=radiation)
    # uncertainty: relative errors of the pore-term amplitude and length (DAB: Q* ∝ B/a³)
    err = None
    if result.model == "porod+dab":
        (b, be), (a, ae) = result.parameters["dab_scale"], result.parameters["dab_length"]
        if be is not None and ae is not None:
            err = phi * float(np.hypot(be / b, 3 * ae / a))
    poro = Measurement(phi, err, "1", "saxs", method, prov, {"qstar_cm-1_nm-3": qstar})
    pvol = None
    if true_density is not None:
        pvol = Measurement(phi / true_density, None if err is None else err / true_density,
                           "cm^3/g", "saxs", f"V = φ/ρ_He, ρ_He = {true_density:g} g/cm³; "
                           f"φ from {method}", prov)
    return PorosityResult(qstar, poro, pvol)


# ``import saxs.invariant`` must not turn the package's function of this name into the module
callable_module(__name__)
