"""SAXS models of hard carbons, fitted with lmfit: nanopore term between a Porod tail and a
flat background.

Units: q in 1/nm, lengths in nm, intensities in the curve's unit (1/cm on absolute
scale). All model functions are plain vectorized numpy functions of ``q``.

Models
------
:func:`fit_porod_dab`
    A q^-P + B / (1 + a² q²)² + bkg — Porod (power-law) tail plus the
    Debye–Anderson–Brumberger random two-phase term (Kalliat et al. 1981; Gibaud, Xue &
    Dahn 1996 for hard carbons).
:func:`fit_power_law_spheres`
    A q^-P + B ⟨V² Φ²(qr)⟩/⟨V²⟩ + bkg — power law plus polydisperse spheres (Schulz,
    Gaussian or log-normal radii; number-weighted distribution as in sasmodels).
:func:`fit_unified`
    A q^-P + G exp(−q²Rg²/3) + B_p [erf(q Rg/√6)³/q]^P_p + bkg — Beaucage unified level
    for the pores plus the low-q power law (Beaucage 1995).
:func:`fit_guinier_porod`
    A q^-P + Guinier–Porod pore term (Hammouda 2010) + bkg.

Length → pore diameter (``saxs_pore_diameter``), FIELD-NOTES §3.4; the raw length is always
reported too (``extra`` of the measurement and the result's fields):

- Guinier / unified / Guinier–Porod: homogeneous sphere, D = 2R = 2·√(5/3)·Rg.
- DAB: ``"sphere_equivalent"`` (default): the small-q expansion of B/(1+a²q²)² gives
  Rg = √6·a, so D = 2·√(5/3)·√6·a = 2√10·a ≈ 6.32 a. ``"chord"``: Debye–Bueche mean pore
  chord l = a/(1−φ) (needs the porosity φ), spheres l = 4R/3 → D = 1.5 a/(1−φ). The two
  differ by ~4×: always quote which one.
- Spheres: D = 2 R̄ (R̄ = mean of the number-weighted radius distribution).

Layout: the model intensities live in :mod:`saxs.functions`, the result types in
:mod:`saxs.results` and the shared fit machinery in :mod:`saxs._fitting`; every public name
stays importable from here.

References
----------
Debye, P., Anderson, H. R. & Brumberger, H. (1957). J. Appl. Phys. 28, 679.
Kalliat, M., Kwak, C. Y. & Schmidt, P. W. (1981). ACS Symp. Ser. 169, 3.
Gibaud, A., Xue, J. S. & Dahn, J. R. (1996). Carbon 34, 499.
Beaucage, G. (1995). J. Appl. Cryst. 28, 717.
Hammouda, B. (2010). J. Appl. Cryst. 43, 716.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import lmfit
import numpy as np
import xarray as xr
from scipy.special import erf

from charz.errors import OptionError
from saxs._common import SPHERE_R_PER_RG, stderr
from saxs._fitting import (
    _apply_fix,
    _finish,
    _linear_scan,
    _m,
    _make_dataset,
    _porod_measure,
    _prepare,
    _provenance,
    _run,
    _start_power_law,
)
from saxs.functions import (
    PdType,
    dab,
    guinier_porod,
    porod_dab,
    power_law,
    sphere_intensity,
    sphere_intensity_sld,  # noqa: F401  (re-exported)
    unified_level,
)
from saxs.resolution import describe, resolution_of, smeared_model
from saxs.results import FailedFit, ModelFitResult

# the model intensities (saxs.functions) stay importable from here as well
__all__ = [
    "FailedFit",
    "ModelFitResult",
    "fit_guinier_porod",
    "fit_porod_dab",
    "fit_power_law_spheres",
    "fit_unified",
]


# ---------------------------------------------------------------------------------------
# Porod + DAB
# ---------------------------------------------------------------------------------------


def fit_porod_dab(
    curve: xr.DataArray,
    *,
    window: tuple[float, float] | None = None,
    porod_exponent: float | None = None,
    background: float | None = None,
    diameter_convention: Literal["sphere_equivalent", "chord"] = "sphere_equivalent",
    porosity: float | None = None,
    resolution: Literal["auto", "none", "pinhole", "slit"] = "auto",
    fix: Mapping[str, float] | None = None,
) -> ModelFitResult:
    """Fit Porod + DAB + constant, ``A q^-P + B/(1 + a²q²)² + bkg`` (Kalliat; Gibaud–Xue–Dahn).

    Parameters
    ----------
    curve : xarray.DataArray
        SAXS curve, q in 1/nm (from :func:`charz.read`).
    window : (float, float), optional
        Fit window in 1/nm. For hard carbons stop below the (002) region (q < ~10 1/nm).
    porod_exponent : float, optional
        Fix P (4 = smooth particle surfaces, Kalliat's model); None = fit it (1–6).
    background : float, optional
        Fix the flat background (intensity unit); None = fit it.
    diameter_convention : {'sphere_equivalent', 'chord'}
        How the DAB length a becomes ``saxs_pore_diameter``: ``sphere_equivalent``
        D = 2√10·a (Rg = √6·a from the small-q expansion, R = √(5/3) Rg); ``chord``
        D = 1.5·a/(1−φ) (Debye–Bueche pore chord a/(1−φ) equated to a sphere's 4R/3),
        which needs ``porosity`` φ.
    porosity : float, optional
        Pore volume fraction φ for the ``chord`` convention.
    resolution : {'auto', 'none', 'pinhole', 'slit'}
        Instrumental smearing of the model (:mod:`saxs.resolution`): ``auto`` uses the
        curve's ``dq`` (pinhole) or ``attrs["slit_length"]`` (slit) when present. The
        same option exists on every fit function of this module.
    fix : mapping of str to float, optional
        Fix model parameters at these values (names as in ``result.parameters``);
        ``{"porod_scale": 0}`` omits the low-q power law. Unknown names raise
        :class:`~charz.errors.OptionError`.

    Returns
    -------
    ModelFitResult
        ``saxs_pore_diameter``, ``saxs_correlation_length`` (a), ``porod_exponent`` (when
        fitted), the lmfit result and the curve with components ``power_law``, ``dab``,
        ``background``.

    Raises
    ------
    FitError
        No convergence, or a parameter on a bound (a outside what the q range can
        resolve, P outside 1–6).

    References
    ----------
    Debye, Anderson & Brumberger, J. Appl. Phys. 28 (1957) 679; Kalliat, Kwak & Schmidt,
    ACS Symp. Ser. 169 (1981) 3; Gibaud, Xue & Dahn, Carbon 34 (1996) 499.
    """
    if diameter_convention not in ("sphere_equivalent", "chord"):
        raise OptionError("diameter_convention must be 'sphere_equivalent' or 'chord', "
                         f"got {diameter_convention!r}")
    if diameter_convention == "chord" and (porosity is None or not 0 < porosity < 1):
        raise OptionError("diameter_convention='chord' needs porosity=φ with 0 < φ < 1")
    name, q, y, sigma, da, w, wnote, p0 = _prepare(curve, window, "Porod + DAB",
                                                   porod_exponent)
    a_max = 3.0 / q[0]
    a_min = 0.3 / q[-1]
    grid = np.geomspace(a_min * 1.5, a_max / 1.5, 60)

    def basis(qq: np.ndarray, a: float) -> np.ndarray:
        cols = [qq ** (-p0), 1.0 / (1 + (a * qq) ** 2) ** 2]
        if background is None:
            cols.append(np.ones_like(qq))
        return np.column_stack(cols)

    a0, coef = _linear_scan(q, y, w, grid, basis)
    rkind, rwidth = resolution_of(da, resolution)  # type: ignore[arg-type]
    model = lmfit.Model(smeared_model(porod_dab, rkind, rwidth), independent_vars=["q"])
    pars = model.make_params()
    _start_power_law(pars, coef[0], q, y, p0, fixed=porod_exponent is not None)
    pars["dab_scale"].set(value=max(coef[1], 1e-3 * y.max()), min=0)
    pars["dab_length"].set(value=a0, min=a_min, max=a_max)
    bkg0 = coef[2] if background is None else background
    pars["background"].set(value=bkg0, vary=background is None)
    fixed = _apply_fix(pars, fix, name)
    run = _run(model, pars, q, y, w, "Porod + DAB", name, da, "dab_scale")
    res = run.res

    a = res.params["dab_length"]
    a_err = stderr(a)
    prov = _provenance(da, model="porod+dab", window=[float(q[0]), float(q[-1])],
                       porod_exponent_fixed=porod_exponent, background_fixed=background,
                       diameter_convention=diameter_convention, porosity=porosity,
                       resolution=rkind)
    if diameter_convention == "sphere_equivalent":
        f = 2.0 * np.sqrt(10.0)
        how = ("D = 2√10·a (sphere-equivalent: Rg = √6·a from the DAB small-q expansion, "
               "R = √(5/3)·Rg)")
    else:
        f = 1.5 / (1.0 - porosity)
        how = (f"D = 1.5·a/(1−φ), φ = {porosity:g} (Debye–Bueche pore chord a/(1−φ) = 4R/3 "
               "of spheres)")
    method = (f"Porod + DAB + constant fit (Kalliat 1981; Gibaud, Xue & Dahn 1996), "
              f"q {q[0]:.3g}–{q[-1]:.3g} 1/nm, {wnote}, {describe(rkind, rwidth)}; "
              f"DAB length a = {a.value:.4g} nm; {how}")
    diameter = _m(f * a.value, None if a_err is None else f * a_err, "nm", method, prov,
                  dab_length_nm=float(a.value), dab_length_stderr_nm=a_err,
                  conversion=diameter_convention)
    corr = _m(a.value, a_err, "nm",
              f"DAB correlation length a of B/(1+a²q²)², Porod + DAB fit, "
              f"q {q[0]:.3g}–{q[-1]:.3g} 1/nm", prov)
    best = res.best_fit
    comps = {
        "power_law": (power_law(q, res.params["porod_scale"].value,
                                res.params["porod_exponent"].value), "power law A q⁻ᴾ"),
        "dab": (dab(q, res.params["dab_scale"].value, a.value), "DAB pore term"),
        "background": (np.full_like(q, res.params["background"].value), "background"),
    }
    return _finish(ModelFitResult(
        "porod+dab", {k: (p.value, stderr(p)) for k, p in res.params.items()}, float(a.value),
        "DAB correlation length a", diameter,
        _porod_measure(res, porod_exponent, prov, q[0]), None, corr, res,
        _make_dataset(da, q, y, sigma, best, comps),
    ), run, fixed)


# ---------------------------------------------------------------------------------------
# power law + polydisperse spheres
# ---------------------------------------------------------------------------------------


def fit_power_law_spheres(
    curve: xr.DataArray,
    *,
    window: tuple[float, float] | None = None,
    pd: float | None = 0.2,
    pd_type: PdType = "schulz",
    porod_exponent: float | None = None,
    background: float | None = None,
    resolution: Literal["auto", "none", "pinhole", "slit"] = "auto",
    fix: Mapping[str, float] | None = None,
) -> ModelFitResult:
    """Fit power law + polydisperse spheres + constant.

    ``I = A q^-P + B ⟨V²Φ²(qr)⟩/⟨V²⟩ + bkg`` with Φ = 3 j1(x)/x and a number distribution
    of radii (sasmodels' ``power_law+sphere`` with ``radius_pd``); B = I(0) of the pores.

    Parameters
    ----------
    pd : float or None
        Relative width of the radius distribution, fixed (default 0.2); None = fitted
        (0–0.7). Poorly determined together with R on featureless data: fix it unless
        the curve shows form-factor oscillations.
    pd_type : {'schulz', 'gaussian', 'lognormal'}
        Distribution.
    porod_exponent, background : float, optional
        Fix P or the background; None = fit.
    fix : mapping of str to float, optional
        Fix model parameters at these values (names as in ``result.parameters``);
        ``{"porod_scale": 0}`` omits the low-q power law. Unknown names raise
        :class:`~charz.errors.OptionError`.

    Returns
    -------
    ModelFitResult
        ``saxs_pore_diameter`` D = 2R̄ (R̄ = mean radius, median for log-normal),
        ``porod_exponent`` when fitted; components ``power_law``, ``spheres``,
        ``background``.
    """
    name, q, y, sigma, da, w, wnote, p0 = _prepare(curve, window, "the sphere model",
                                                   porod_exponent)
    pd0 = 0.2 if pd is None else pd
    r_max = 4.0 / q[0]
    r_min = 0.4 / q[-1]
    grid = np.geomspace(r_min * 1.5, r_max / 1.5, 60)

    def basis(qq: np.ndarray, r: float) -> np.ndarray:
        cols = [qq ** (-p0), sphere_intensity(qq, 1.0, r, pd0, pd_type)]
        if background is None:
            cols.append(np.ones_like(qq))
        return np.column_stack(cols)

    r0, coef = _linear_scan(q, y, w, grid, basis)

    def func(q: np.ndarray, porod_scale: float, porod_exponent: float, sphere_scale: float,
             radius: float, pd: float, background: float) -> np.ndarray:
        return (power_law(q, porod_scale, porod_exponent)
                + sphere_intensity(q, sphere_scale, radius, pd, pd_type) + background)

    rkind, rwidth = resolution_of(da, resolution)
    model = lmfit.Model(smeared_model(func, rkind, rwidth), independent_vars=["q"])
    pars = model.make_params()
    _start_power_law(pars, coef[0], q, y, p0, fixed=porod_exponent is not None)
    pars["sphere_scale"].set(value=max(coef[1], 1e-3 * y.max()), min=0)
    pars["radius"].set(value=r0, min=r_min, max=r_max)
    pars["pd"].set(value=pd0, min=0.0 if pd is None else -np.inf,
                   max=0.7 if pd is None else np.inf, vary=pd is None)
    if pd is None:
        pars["pd"].set(value=max(pd0, 0.05))
    pars["background"].set(value=coef[2] if background is None else background,
                           vary=background is None)
    fixed = _apply_fix(pars, fix, name)
    run = _run(model, pars, q, y, w, "power law + spheres", name, da, "sphere_scale",
               may_touch=("pd",))
    res = run.res
    r = res.params["radius"]
    r_err = stderr(r)
    pdv = res.params["pd"].value
    prov = _provenance(da, model="power_law+sphere", window=[float(q[0]), float(q[-1])],
                       pd=pd, pd_type=pd_type, porod_exponent_fixed=porod_exponent,
                       background_fixed=background, resolution=rkind)
    method = (f"power law + polydisperse spheres + constant fit, {pd_type} radii "
              f"(pd = {pdv:.3g}{' fitted' if pd is None else ' fixed'}), "
              f"q {q[0]:.3g}–{q[-1]:.3g} 1/nm, {wnote}, {describe(rkind, rwidth)}; "
              f"D = 2R̄, R̄ = {r.value:.4g} nm "
              f"({'median' if pd_type == 'lognormal' else 'mean'} radius)")
    diameter = _m(2 * r.value, None if r_err is None else 2 * r_err, "nm", method, prov,
                  radius_nm=float(r.value), radius_stderr_nm=r_err, pd=float(pdv),
                  pd_type=pd_type, conversion="D = 2R")
    comps = {
        "power_law": (power_law(q, res.params["porod_scale"].value,
                                res.params["porod_exponent"].value), "power law A q⁻ᴾ"),
        "spheres": (sphere_intensity(q, res.params["sphere_scale"].value, r.value, pdv,
                                     pd_type), "sphere pore term"),
        "background": (np.full_like(q, res.params["background"].value), "background"),
    }
    return _finish(ModelFitResult(
        "power_law+sphere", {k: (p.value, stderr(p)) for k, p in res.params.items()},
        float(r.value), "sphere radius R", diameter,
        _porod_measure(res, porod_exponent, prov, q[0]), None, None, res,
        _make_dataset(da, q, y, sigma, res.best_fit, comps),
    ), run, fixed)


# ---------------------------------------------------------------------------------------
# unified (Beaucage) and Guinier–Porod (Hammouda) pore terms
# ---------------------------------------------------------------------------------------


def _rg_fit(curve: xr.DataArray, kind: str, *, window: tuple[float, float] | None,
            porod_exponent: float | None, background: float | None,
            pore_exponent: float | None, resolution: str = "auto",
            fix: Mapping[str, float] | None = None) -> ModelFitResult:
    name, q, y, sigma, da, w, wnote, p0 = _prepare(curve, window, f"the {kind} model",
                                                   porod_exponent)
    m0 = 4.0 if pore_exponent is None else pore_exponent
    rg_max = 3.0 / q[0]
    rg_min = 0.3 / q[-1]
    grid = np.geomspace(rg_min * 1.5, rg_max / 1.5, 60)
    if kind == "unified":
        def basis(qq: np.ndarray, rg: float) -> np.ndarray:
            qs = qq / erf(qq * rg / np.sqrt(6.0)) ** 3
            cols = [qq ** (-p0), np.exp(-(qq * rg) ** 2 / 3.0), qs ** (-m0)]
            if background is None:
                cols.append(np.ones_like(qq))
            return np.column_stack(cols)
    else:
        def basis(qq: np.ndarray, rg: float) -> np.ndarray:
            cols = [qq ** (-p0), guinier_porod(qq, 1.0, rg, 0.0, m0)]
            if background is None:
                cols.append(np.ones_like(qq))
            return np.column_stack(cols)

    rg0, coef = _linear_scan(q, y, w, grid, basis)

    if kind == "unified":
        def func(q: np.ndarray, porod_scale: float, porod_exponent: float, g: float, rg: float,
                 b: float, p: float, background: float) -> np.ndarray:
            return (power_law(q, porod_scale, porod_exponent) + unified_level(q, g, rg, b, p)
                    + background)
    else:
        def func(q: np.ndarray, porod_scale: float, porod_exponent: float, g: float, rg: float,
                 s: float, m: float, background: float) -> np.ndarray:
            return (power_law(q, porod_scale, porod_exponent) + guinier_porod(q, g, rg, s, m)
                    + background)

    rkind, rwidth = resolution_of(da, resolution)  # type: ignore[arg-type]
    model = lmfit.Model(smeared_model(func, rkind, rwidth), independent_vars=["q"])
    pars = model.make_params()
    _start_power_law(pars, coef[0], q, y, p0, fixed=porod_exponent is not None)
    pars["g"].set(value=max(coef[1], 1e-3 * y.max()), min=0)
    pars["rg"].set(value=rg0, min=rg_min, max=rg_max)
    if kind == "unified":
        r_eq = SPHERE_R_PER_RG * rg0
        pars["b"].set(value=max(coef[2], 0.1 * 4.5 * max(coef[1], 1e-6) / r_eq**m0), min=0)
        pars["p"].set(value=m0, min=1.0, max=6.0, vary=pore_exponent is None)
        bkg0 = coef[3] if background is None else background
    else:
        pars["s"].set(value=0.0, vary=False)
        pars["m"].set(value=m0, min=1.0, max=6.0, vary=pore_exponent is None)
        bkg0 = coef[2] if background is None else background
    pars["background"].set(value=bkg0, vary=background is None)
    label = "unified (Beaucage)" if kind == "unified" else "Guinier–Porod (Hammouda)"
    fixed = _apply_fix(pars, fix, name)
    run = _run(model, pars, q, y, w, f"power law + {label}", name, da, "g",
               may_touch=("b",) if kind == "unified" else ())
    res = run.res
    rg = res.params["rg"]
    rg_err = stderr(rg)
    prov = _provenance(da, model=kind, window=[float(q[0]), float(q[-1])],
                       porod_exponent_fixed=porod_exponent, background_fixed=background,
                       pore_exponent_fixed=pore_exponent, resolution=rkind)
    base = (f"power law + {label} pore term + constant fit, q {q[0]:.3g}–{q[-1]:.3g} 1/nm, "
            f"{wnote}, {describe(rkind, rwidth)}")
    rg_m = _m(rg.value, rg_err, "nm", f"{base}; Rg of the pore level", prov)
    f = 2.0 * SPHERE_R_PER_RG
    diameter = _m(f * rg.value, None if rg_err is None else f * rg_err, "nm",
                  f"{base}; D = 2·√(5/3)·Rg (homogeneous sphere), Rg = {rg.value:.4g} nm",
                  prov, rg_nm=float(rg.value), rg_stderr_nm=rg_err,
                  conversion="D = 2 sqrt(5/3) Rg")
    pv = {k: p.value for k, p in res.params.items()}
    if kind == "unified":
        pore = unified_level(q, pv["g"], pv["rg"], pv["b"], pv["p"])
    else:
        pore = guinier_porod(q, pv["g"], pv["rg"], pv["s"], pv["m"])
    comps = {
        "power_law": (power_law(q, pv["porod_scale"], pv["porod_exponent"]), "power law A q⁻ᴾ"),
        "pores": (pore, f"{label} pore term"),
        "background": (np.full_like(q, pv["background"]), "background"),
    }
    return _finish(ModelFitResult(
        "unified" if kind == "unified" else "guinier_porod",
        {k: (p.value, stderr(p)) for k, p in res.params.items()}, float(rg.value),
        "radius of gyration Rg", diameter, _porod_measure(res, porod_exponent, prov, q[0]),
        rg_m, None, res, _make_dataset(da, q, y, sigma, res.best_fit, comps),
    ), run, fixed)


def fit_unified(
    curve: xr.DataArray,
    *,
    window: tuple[float, float] | None = None,
    porod_exponent: float | None = None,
    pore_exponent: float | None = 4.0,
    background: float | None = None,
    resolution: Literal["auto", "none", "pinhole", "slit"] = "auto",
    fix: Mapping[str, float] | None = None,
) -> ModelFitResult:
    """Fit power law + one Beaucage unified level (the pores) + constant.

    ``I = A q^-P + G exp(−q²Rg²/3) + B [erf(qRg/√6)³/q]^Pp + bkg`` (Beaucage 1995; the
    two-level hard-carbon use with level 2 = nanopores).

    Parameters
    ----------
    curve : xarray.DataArray
        SAXS curve, q in 1/nm.
    window : (float, float), optional
        Fit window (1/nm).
    porod_exponent : float, optional
        Fix the low-q exponent P; None = fitted.
    pore_exponent : float, optional
        Exponent Pp of the pore level's power law: 4 (Porod, sharp pore walls) by
        default; None = fitted.
    background : float, optional
        Fix the flat background; None = fitted.
    fix : mapping of str to float, optional
        Fix model parameters at these values (names as in ``result.parameters``);
        ``{"porod_scale": 0}`` omits the low-q power law. Unknown names raise
        :class:`~charz.errors.OptionError`.

    Returns
    -------
    ModelFitResult
        ``saxs_rg``, ``saxs_pore_diameter`` = 2√(5/3)·Rg, ``porod_exponent`` when fitted.
    """
    return _rg_fit(curve, "unified", window=window, porod_exponent=porod_exponent,
                   background=background, pore_exponent=pore_exponent, resolution=resolution,
                   fix=fix)


def fit_guinier_porod(
    curve: xr.DataArray,
    *,
    window: tuple[float, float] | None = None,
    porod_exponent: float | None = None,
    pore_exponent: float | None = 4.0,
    background: float | None = None,
    resolution: Literal["auto", "none", "pinhole", "slit"] = "auto",
    fix: Mapping[str, float] | None = None,
) -> ModelFitResult:
    """Fit power law + Guinier–Porod pore term (s = 0, Hammouda 2010) + constant.

    ``I = A q^-P + GP(q; G, Rg, s = 0, m) + bkg`` with the Guinier–Porod term of
    :func:`guinier_porod` (Guinier below Q1 = √(3m/2)/Rg, Porod q^-m above, continuous
    with its slope).

    Parameters
    ----------
    curve, window, porod_exponent, background, resolution, fix
        As for :func:`fit_unified`.
    pore_exponent : float, optional
        Porod exponent m of the pore term: 4 by default; None = fitted.

    Returns
    -------
    ModelFitResult
        As :func:`fit_unified`: ``saxs_rg``, ``saxs_pore_diameter`` = 2√(5/3)·Rg,
        ``porod_exponent`` when fitted.
    """
    return _rg_fit(curve, "guinier_porod", window=window, porod_exponent=porod_exponent,
                   background=background, pore_exponent=pore_exponent, resolution=resolution,
                   fix=fix)
