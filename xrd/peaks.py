"""Fit of carbon XRD patterns: (002) and (10) bands → d002, Lc, La, N with stated conventions.

The model (FIELD-NOTES §1.5), in 2θ (deg):

* background: a low-angle scattering tail A (q/q₀)^−n (power law in q = 4π sin θ/λ, from
  micro- and nanopores) **plus** a smooth polynomial in 2θ (degree 1 by default) — the tail
  is never left to a straight line, which would eat the low-angle side of the (002);
* one or two broad (002) components (``ordered`` and ``dilated``), an optional sharp
  graphitic (002) near 26.5°, the (10) band and optionally a (101) shoulder;
* peak shapes from :mod:`charz.peaks` (height/centre/FWHM): pseudo-Voigt by default;
* the Kα2 doublet inside the model (fixed ratio, exact Bragg splitting) when the pattern
  carries Kα2 (``ka2="auto"``), or Rachinger stripping, or nothing — stated in every method.

Derived values (Bragg, Scherrer, N = Lc/d002 + 1) carry standard errors propagated from
the fit covariance (correlations included, via ``uncertainties``).

Conventions (``convention=``; FIELD-NOTES §1.2; every ``Measurement.method`` names it):

``"default"``
    raw intensities; Lc = 0.89 λ/(β cos θ) on the (002) FWHM (Biscoe & Warren 1942);
    La = 1.84 λ/(β cos θ) on the (10) FWHM (Warren 1941).
``"jis"``
    JIS R 7651 (Gakushin) preset: intensities corrected by L·P·f_C² (and absorption when a
    layer thickness is given) before fitting; K = 1.0 for Lc. JIS defines La on (110) with
    K = 1.0; this module fits the (10) band, so La keeps K = 1.84 on (10) unless
    ``scherrer_k_10`` is given — the method string says which.

Descriptor keys added by this package (registered in :mod:`xrd`): ``fraction_002_ordered``
(area fraction of the ordered (002) component), ``d002_ordered``, ``d002_dilated`` (nm),
``dahn_r`` (Dahn's R, peak height over the tangent background).

Layout: this module holds the fit and the derived values; the model is in
:mod:`xrd._model`, the fit machinery (flags, vanished terms, uncertainties) in
:mod:`xrd._fitting`, the result types and their figure in :mod:`xrd.results` and the
instrument standards (:func:`fit_caglioti`, :func:`standard_offset`) in
:mod:`xrd.standards`; the public names stay importable from here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz import flags as flags_mod
from charz.errors import CharzError, FitError, MissingMetadataError, OptionError, PhysicsWarning
from charz.flags import is_flat
from charz.record import Measurement, Provenance
from xrd._fitting import (
    _corrected_width,
    _drop_term,
    _fit_or_raise,
    _fit_quality,
    _no_signal,
    _nominal,
    _param_flags,
    _refine_covariance,
    _stderr,
    _ufloat,
    _vanished_term,
)
from xrd._model import (
    _SHAPES,
    Shape,
    _components,
    _initial_params,
    _make_model,
    _Spec,
    _tt,
    astuple_rest,
)
from xrd.corrections import _wavelength, correct_intensity, crop, strip_ka2
from xrd.results import FailedXRDFit, XRDFitResult, plot_xrd_fit
from xrd.standards import CagliotiResult, fit_caglioti, standard_offset

__all__ = [
    "CONVENTIONS",
    "CagliotiResult",
    "FailedXRDFit",
    "XRDFitResult",
    "bragg_d",
    "dahn_r",
    "fit_002",
    "fit_caglioti",
    "fit_pattern",
    "plot_xrd_fit",
    "scherrer_size",
    "standard_offset",
]

#: Named conventions: Scherrer constants, width definition and intensity treatment.
CONVENTIONS: dict[str, dict[str, Any]] = {
    "default": {"k_002": 0.89, "k_10": 1.84, "corrected": False,
                "label": "default (Biscoe–Warren K 0.89 on (002) FWHM, Warren K 1.84 on (10) "
                         "FWHM, raw intensities)"},
    "jis": {"k_002": 1.0, "k_10": 1.84, "corrected": True,
            "label": "jis (JIS R 7651 / Gakushin: L·P·f² corrected intensities, K 1.0 on (002) "
                     "FWHM)"},
}

#: Plausibility gates (FIELD-NOTES §1.7; Sun et al., Prog. Mater. Sci. 149 (2025) 101401).
PLAUSIBLE = {"d002": (0.335, 0.42), "n_layers": (1.5, 12.0), "lc": (0.5, 5.0),
             "la": (1.0, 10.0)}


def bragg_d(two_theta: Any, wavelength: float) -> Any:
    """Bragg spacing d = λ / (2 sin θ) (nm) from 2θ (deg); works on ``uncertainties``."""
    from uncertainties import umath

    th = two_theta * (math.pi / 360.0)
    if hasattr(th, "std_dev"):
        return wavelength / (2 * umath.sin(th))
    return wavelength / (2 * np.sin(th))


def scherrer_size(fwhm: Any, two_theta: Any, wavelength: float, k: float) -> Any:
    """Scherrer size L = K λ / (β cos θ) in nm; β = FWHM in deg of 2θ (converted to rad)."""
    from uncertainties import umath

    beta = fwhm * (math.pi / 180.0)
    th = two_theta * (math.pi / 360.0)
    cos = umath.cos(th) if hasattr(th, "std_dev") else np.cos(th)
    return k * wavelength / (beta * cos)


# ---------------------------------------------------------------------------------------
# Dahn's R
# ---------------------------------------------------------------------------------------


def dahn_r(
    x: np.ndarray, y: np.ndarray, peak: float, left: tuple[float, float],
    right: tuple[float, float],
) -> tuple[float, float, float, tuple[float, float, float, float]]:
    """Dahn's R = B/A on a smooth pattern.

    B is the intensity at the (002) maximum ``peak`` (deg), A the value there of the
    straight line tangent from below to the pattern on both sides (``left`` and ``right``
    2θ ranges). Returns (R, A, B, (x_left, y_left, x_right, y_right)) — the tangent points.

    References
    ----------
    Y. Liu, J. S. Xue, T. Zheng, J. R. Dahn, Carbon 34 (1996) 193.
    """
    lm = (x >= left[0]) & (x <= left[1])
    rm = (x >= right[0]) & (x <= right[1])
    if lm.sum() < 2 or rm.sum() < 2:
        raise FitError("dahn_r: a side range holds fewer than 2 points")
    xl, yl, xr_, yr = x[lm], y[lm], x[rm], y[rm]
    i, j = int(np.argmin(yl)), int(np.argmin(yr))
    for _ in range(50):  # bitangent: move each touch point to the deepest point below
        slope = (yr[j] - yl[i]) / (xr_[j] - xl[i])
        ni = int(np.argmin(yl - (yl[i] + slope * (xl - xl[i]))))
        nj = int(np.argmin(yr - (yl[i] + slope * (xr_ - xl[i]))))
        if ni == i and nj == j:
            break
        i, j = ni, nj
    slope = (yr[j] - yl[i]) / (xr_[j] - xl[i])
    a = yl[i] + slope * (peak - xl[i])
    b = float(np.interp(peak, x, y))
    return b / a, float(a), b, (float(xl[i]), float(yl[i]), float(xr_[j]), float(yr[j]))


def fit_pattern(
    pattern: xr.DataArray,
    *,
    wavelength: float | None = None,
    convention: Literal["default", "jis"] = "default",
    window: tuple[float, float] | None = None,
    shape: Shape = "pseudo_voigt",
    n_002: Literal[1, 2] = 1,
    graphitic: bool = False,
    fit_10: bool = True,
    shoulder_101: bool = False,
    ka2: Literal["auto", "model", "strip", "ignore"] = "auto",
    instrument: float | CagliotiResult | None = None,
    broadening_rule: Literal["gaussian", "lorentzian"] = "gaussian",
    background_degree: int = 1,
    scherrer_k_002: float | None = None,
    scherrer_k_10: float | None = None,
    monochromator_two_theta: float | None = 26.6,
    thickness_mm: float | None = None,
    density_g_cm3: float = 0.8,
    warn: bool = True,
    mask: Sequence[tuple[float, float]] = (),
    internal_standard: Literal["Si", "LaB6", "CeO2"] | None = None,
    strict: bool = False,
) -> XRDFitResult:
    """Fit a carbon XRD pattern; return d002, Lc, La, N with their convention.

    Parameters
    ----------
    pattern : xarray.DataArray
        One pattern over ``two_theta`` (deg), e.g. from :func:`charz.read`.
    wavelength : float, optional
        Kα1 (or single) wavelength in nm. Default ``pattern.attrs["wavelength"]``; no
        silent Cu default (:class:`MissingMetadataError`).
    convention : {'default', 'jis'}
        See :data:`CONVENTIONS` and the module docstring.
    window : (float, float), optional
        2θ range fitted (deg). Default: q = 7.1–40.8 nm⁻¹ (10–60° for Cu Kα), or 10–35° for
        Cu when ``fit_10=False``.
    shape : {'pseudo_voigt', 'gaussian', 'lorentzian'}
        Profile of every band.
    n_002 : {1, 2}
        One (002) component, or two (``ordered``, smaller d; ``dilated``, larger d).
    graphitic : bool
        Add a sharp graphitic (002) line near d = 0.336 nm (26.5° for Cu).
    fit_10 : bool
        Fit the (10) band and report La.
    shoulder_101 : bool
        Add a (101) shoulder (d ≈ 0.203 nm) to the (10) band.
    ka2 : {'auto', 'model', 'strip', 'ignore'}
        Kα2 handling: model the doublet (fixed ratio, exact splitting), strip it
        (Rachinger) or ignore it; ``auto`` models it when ``attrs["ka2_ratio"]`` > 0.
    instrument : float or CagliotiResult, optional
        Instrument FWHM (deg) or a Caglioti fit (:func:`fit_caglioti`); None: widths are
        not corrected (stated in the method).
    broadening_rule : {'gaussian', 'lorentzian'}
        β² = B² − b² (Gaussian) or β = B − b (Lorentzian).
    background_degree : int
        Degree of the smooth polynomial added to the power-law tail.
    scherrer_k_002, scherrer_k_10 : float, optional
        Override the convention's Scherrer constants.
    monochromator_two_theta, thickness_mm, density_g_cm3
        Parameters of the JIS intensity correction (``convention='jis'``), see
        :func:`xrd.corrections.correct_intensity`.
    warn : bool
        Emit :class:`PhysicsWarning` for implausible values.
    mask : list of (lo, hi)
        2θ ranges (deg) left out of the fit (sharp lines of a holder, window or standard).
    internal_standard : {'Si', 'LaB6', 'CeO2'}, optional
        A standard mixed into the sample (JIS R 7651 uses 10–20 mass % Si): its lines are
        fitted, the mean 2θ offset from their tabulated positions is removed from the axis
        (stated in the method, ``attrs["two_theta_offset"]`` of the curve) and the lines are
        masked out of the carbon fit.

    strict : bool
        Raise :class:`~charz.errors.FlaggedResultError` when any descriptor is flagged
        (instead of the one-line :class:`~charz.errors.FlagWarning`).

    Returns
    -------
    XRDFitResult
        Every descriptor carries ``flags`` (see Notes): a number from a bound-stuck
        parameter or a poor fit is returned, flagged, never clean.

    Raises
    ------
    FitError
        The fit did not converge, the window has too few points, or there is no signal
        above noise (the message says so; ``exc.flags`` is ``('no_signal',)``).
    FlaggedResultError
        ``strict=True`` and a descriptor is flagged.
    MissingMetadataError
        No wavelength.

    Warns
    -----
    PhysicsWarning
        d002 outside 0.335–0.42 nm, N < 1.5, Lc/La outside the hard-carbon range.
    FlagWarning
        One line naming the flagged descriptors and why.

    Notes
    -----
    d002 = λ / (2 sin θ₀₀₂); Lc = K λ / (β cos θ) with β the instrument-corrected FWHM in
    rad of 2θ; N = Lc/d002 + 1; La = 1.84 λ / (β₁₀ cos θ₁₀). For a broad (002) the JIS
    intensity factors move the apex by −0.85° (FWHM 6°) to −1.55° (FWHM 8°), so the
    convention changes d002 by 0.014–0.028 nm; the (10) band of turbostratic carbon is a
    Warren (hk) band whose apex lies above the true position (Δ sin θ ≈ 0.16 λ/La), so a
    symmetric fit biases d10 and La (FIELD-NOTES §1.2).

    Honest results (flags, :mod:`charz.flags`):

    * ``at_bound:<parameter>`` — a varying lmfit parameter ended on its bound (pseudo-Voigt
      ``fraction`` and the tail exponent excepted: their limits are ends of the family —
      Gaussian/Lorentzian, flat/steep tail — not failures). A descriptor
      inherits the flags of the parameters of its peak ((002) → d002, Lc, N, 2θ, FWHM,
      Dahn's R; (10) → La, ...) and of the background.
    * ``poor_fit`` — with Poisson weights (counts) the reduced χ² exceeds 10; without
      weights the residual RMS exceeds 2.5× the point-to-point noise of the pattern
      (median absolute second difference / √6): the model does not describe the pattern
      (e.g. a crystalline non-carbon).
    * ``not_converged`` — refused with :class:`FitError`.
    * no signal — the pattern is flat (all NaN, zero or constant) or the fitted (002)
      height is below 2 standard errors or below 2× the noise: refused with a
      :class:`FitError` saying "no signal above noise".

    Optional terms (graphitic (002), (101) shoulder, (10) band, low-angle tail) whose scale
    converges to zero (or within 2 standard errors of it) are dropped and the fit is
    repeated without them; the method string says so.

    References
    ----------
    J. Biscoe, B. E. Warren, J. Appl. Phys. 13 (1942) 364; B. E. Warren, Phys. Rev. 59
    (1941) 693; N. Iwashita et al., Carbon 42 (2004) 701; Y. Liu et al., Carbon 34 (1996)
    193 (R).
    """
    if pattern.ndim != 1 or "two_theta" not in pattern.dims:
        raise CharzError(
            f"fit_pattern takes one pattern over two_theta; got dims {pattern.dims} "
            "(use xrd.fit_pattern_series or xrd.insitu.fit_002_series for a series)"
        )
    if convention not in CONVENTIONS:
        raise OptionError(f"convention {convention!r} is not one of {', '.join(CONVENTIONS)}")
    if shape not in _SHAPES:
        raise OptionError(f"shape {shape!r} is not one of {', '.join(_SHAPES)}")
    conv = CONVENTIONS[convention]
    lam = _wavelength(pattern, wavelength)
    k002 = conv["k_002"] if scherrer_k_002 is None else float(scherrer_k_002)
    k10 = conv["k_10"] if scherrer_k_10 is None else float(scherrer_k_10)
    src = pattern.attrs.get("source", "")

    data = pattern.copy()
    data.attrs = {**pattern.attrs, "wavelength": lam}
    if "sigma" not in data.coords and str(data.attrs.get("units", "")).startswith("count") \
            and float(data.min()) >= 0:
        data = data.assign_coords(sigma=("two_theta", np.sqrt(np.clip(data.values, 1, None))))

    # window (in q so that other wavelengths work)
    if window is None:
        qlo, qhi = 7.1, (40.8 if fit_10 else 24.5)
        win = tuple(float(np.degrees(2 * np.arcsin(min(q * lam / (4 * np.pi), 1.0))))
                    for q in (qlo, qhi))
    else:
        win = (float(window[0]), float(window[1]))
    xmin, xmax = float(data.two_theta.min()), float(data.two_theta.max())
    win = (max(win[0], xmin), min(win[1], xmax))
    if win[1] - win[0] <= 0:
        raise FitError(f"{src}: the pattern spans {xmin:g}–{xmax:g}° 2θ and holds nothing of "
                       f"the fit window; a carbon (002) at λ = {lam:g} nm lies near "
                       f"{_tt(0.37, lam):.1f}°")

    ratio = float(data.attrs.get("ka2_ratio") or 0.0)
    lam2 = data.attrs.get("wavelength_ka2")
    ka2_mode = ka2
    if ka2 == "auto":
        ka2_mode = "model" if ratio > 0 and lam2 is not None else "ignore"
    if ka2_mode in ("model", "strip") and (ratio <= 0 or lam2 is None):
        if ka2 != "auto":
            raise MissingMetadataError(f"{src}: ka2={ka2!r} needs ka2_ratio > 0 and "
                                       "wavelength_ka2 in attrs")
        ka2_mode = "ignore"
    if ka2_mode == "strip":
        data = strip_ka2(data)
    if conv["corrected"]:
        data = correct_intensity(data, wavelength=lam,
                                 monochromator_two_theta=monochromator_two_theta,
                                 thickness_mm=thickness_mm, density_g_cm3=density_g_cm3)
    mask = list(mask)
    if internal_standard is not None:
        off, off_err, used = standard_offset(data, material=internal_standard, wavelength=lam)
        data.attrs["two_theta_offset_stderr"] = off_err
        data = data.assign_coords(two_theta=data["two_theta"] - off)
        data["two_theta"].attrs = {"units": "deg", "long_name": "2θ"}
        data.attrs["two_theta_offset"] = off
        hw = 0.5
        mask += [(c - hw, c + hw + 0.3) for c in used]
    data = crop(data, win)
    x_all = data["two_theta"].values
    keep = np.ones(x_all.size, bool)
    for lo, hi in mask:
        keep &= ~((x_all >= lo) & (x_all <= hi))
    data = data.isel(two_theta=np.flatnonzero(keep))
    if mask:
        data.attrs["masked"] = "; ".join(f"{lo:g}–{hi:g}°" for lo, hi in mask)
    x = data["two_theta"].values.astype(float)
    y = data.values.astype(float)
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    sigma = data["sigma"].values[ok] if "sigma" in data.coords else None
    if x.size == 0 or bool(is_flat(y)):
        raise _no_signal(src, "the pattern is flat (all NaN, all zero or constant) in the fit "
                              f"window {win[0]:.1f}–{win[1]:.1f}°", data)
    if x.size < 30:
        raise FitError(f"{src}: only {x.size} points in the fit window {win}")

    # ---- model
    peaks: list[tuple[str, str]] = []
    if n_002 == 2:
        peaks += [("p002o_", "002 ordered"), ("p002d_", "002 dilated")]
    elif n_002 == 1:
        peaks += [("p002_", "002")]
    else:
        raise OptionError(f"n_002={n_002!r}: one or two (002) components")
    if graphitic:
        peaks.append(("pg_", "graphitic 002"))
    has10 = fit_10 and _tt(0.195, lam) < win[1]
    if has10:
        peaks.append(("p10_", "10"))
        if shoulder_101:
            peaks.append(("p101_", "101"))
    q_ref = 4 * np.pi * np.sin(np.radians(win[0]) / 2) / lam
    spec = _Spec(tuple(peaks), shape, int(background_degree), q_ref, (win[0] + win[1]) / 2,
                 (win[1] - win[0]) / 2, lam, float(lam2) if ka2_mode == "model" else None,
                 ratio if ka2_mode == "model" else 0.0)
    model = _make_model(spec)
    try:
        params = _initial_params(model, spec, x, y, lam)
    except FitError as exc:
        raise FitError(f"{src}: {exc} (window {win[0]:.1f}–{win[1]:.1f}°)") from None
    weights = None if sigma is None else 1.0 / np.clip(sigma, 1e-12, None)
    method = "least_squares"
    if n_002 == 2:
        # seed the two components from a one-component fit of the same data (fast, stable)
        one = _Spec(tuple((p, r) if not r.startswith("002 ") else ("p002_", "002")
                          for p, r in spec.peaks if r != "002 dilated"), *astuple_rest(spec))
        m1 = _make_model(one)
        p1 = _initial_params(m1, one, x, y, lam)
        r1 = _fit_or_raise(m1, y, p1, x, weights, "least_squares", src, one, data)
        for name, par in r1.params.items():
            if name in params and not name.startswith("p002_"):
                params[name].set(value=par.value)
        c, w, h = (r1.params[f"p002_{k}"].value for k in ("center", "fwhm", "height"))
        po, pd_ = params["p002o_center"], params["p002d_center"]
        po.set(value=float(np.clip(c + 0.15 * w, po.min + 1e-3, po.max - 1e-3)))
        pd_.set(value=float(np.clip(c - 0.15 * w, pd_.min + 1e-3, pd_.max - 1e-3)))
        for pf in ("p002o_", "p002d_"):
            params[f"{pf}height"].set(value=0.6 * h)
            params[f"{pf}fwhm"].set(value=0.8 * w)
        method = "leastsq"
    res = _fit_or_raise(model, y, params, x, weights, method, src, spec, data)
    # optional terms whose scale converged to zero are dropped and the fit repeated
    dropped: list[str] = []
    while True:
        gone = _vanished_term(res, spec, y)
        if gone is None:
            break
        spec, model, params, note = _drop_term(res, spec, gone)
        dropped.append(note)
        res = _fit_or_raise(model, y, params, x, weights, method, src, spec, data)
    res = _refine_covariance(res, model, y, x, weights)
    quality = _fit_quality(res, y, x, weights, spec, src, data)

    return _build_result(pattern, data, res, model, spec, x, y, lam=lam, k002=k002, k10=k10,
                         convention=convention, ka2_mode=ka2_mode, instrument=instrument,
                         broadening_rule=broadening_rule, win=win, warn=warn,
                         jis_args=(monochromator_two_theta, thickness_mm, density_g_cm3),
                         dropped=dropped, quality=quality, strict=strict)


def _build_result(pattern, data, res, model, spec, x, y, *, lam, k002, k10, convention,
                  ka2_mode, instrument, broadening_rule, win, warn, jis_args,
                  dropped=(), quality=None, strict=False) -> XRDFitResult:
    from charz.peaks import peak_area

    src = pattern.attrs.get("source", "")
    quality = quality or {"flags": ()}
    pflags = _param_flags(res, spec)
    common = flags_mod.combine(pflags["all"], quality["flags"], pflags["bg"])

    def fl(*prefixes: str) -> tuple[str, ...]:
        return flags_mod.combine(common, *(pflags.get(p, ()) for p in prefixes))

    conv = CONVENTIONS[convention]
    names = [n for n in res.params if res.params[n].vary]
    u = _ufloat(res, names)

    def val(n):
        return u[n] if n in u else res.params[n].value

    comps = dict(spec.peaks)
    # main (002): the single one, or the larger-area of two
    if "p002_" in comps:
        main = "p002_"
    else:
        areas = {pf: peak_area(spec.shape, _nominal(val(f"{pf}height")),
                               _nominal(val(f"{pf}fwhm")),
                               _nominal(val(f"{pf}fraction")) if spec.shape == "pseudo_voigt"
                               else 0.5) for pf in ("p002o_", "p002d_")}
        main = max(areas, key=areas.get)

    def inst(tt: float) -> float:
        if instrument is None:
            return 0.0
        if isinstance(instrument, CagliotiResult):
            return float(instrument.fwhm(tt))
        return float(instrument)

    if instrument is None:
        inst_txt = "FWHM not corrected for instrument broadening"
    elif isinstance(instrument, CagliotiResult):
        inst_txt = f"instrument-corrected FWHM ({broadening_rule} rule; {instrument.describe()})"
    else:
        inst_txt = (f"instrument-corrected FWHM ({broadening_rule} rule, b = "
                    f"{float(instrument):g}°)")
    ka2_txt = {"model": "Kα2 doublet modelled (ratio "
                        f"{spec.ratio:g})", "strip": "Kα2 stripped (Rachinger)",
               "ignore": "no Kα2 in the model"}[ka2_mode]
    inten_txt = ("JIS R 7651 L·P·f² corrected intensities" if conv["corrected"]
                 else "raw intensities")
    pre = ""
    if "two_theta_offset" in data.attrs:
        pre = f"2θ offset {data.attrs['two_theta_offset']:+.4f}° removed (internal standard); "
    if data.attrs.get("masked"):
        pre += f"masked {data.attrs['masked']}; "
    tail_off = not res.params["bg_amp"].vary and res.params["bg_amp"].value == 0
    tail_txt = "" if tail_off else "power-law(q) tail + "
    base = (f"{pre}{convention} convention; {inten_txt}; {spec.shape} profiles, {tail_txt}"
            f"degree-{spec.bg_degree} background, window {win[0]:.1f}–{win[1]:.1f}°; "
            f"{ka2_txt}; λ = {lam:.6g} nm")
    if dropped:
        base += "; " + "; ".join(dropped) + ", fit repeated without it"
    if quality.get("flags"):
        base += (f"; poor fit (residual RMS {quality['rms_over_noise']:.1f}× the noise, "
                 f"reduced χ² {quality['redchi']:.3g})")
    params = {"convention": convention, "wavelength_nm": lam, "window_deg": list(win),
              "shape": spec.shape, "ka2": ka2_mode, "k_002": k002, "k_10": k10,
              "n_002": 2 if "p002o_" in comps else 1, "graphitic": "pg_" in comps,
              "background_degree": spec.bg_degree, "broadening_rule": broadening_rule,
              "two_theta_offset": data.attrs.get("two_theta_offset"),
              "masked": data.attrs.get("masked"),
              "instrument": (None if instrument is None else
                             instrument.describe() if isinstance(instrument, CagliotiResult)
                             else float(instrument))}
    if conv["corrected"]:
        params.update(monochromator_two_theta=jis_args[0], thickness_mm=jis_args[1],
                      density_g_cm3=jis_args[2])
    prov = Provenance.from_data(pattern, parameters=params)

    def meas(v, unit, method, extra=None, flags=()):
        return Measurement(_nominal(v), _stderr(v), unit, "xrd", method, prov, extra or {},
                           flags=tuple(flags))

    c = val(f"{main}center")
    b_obs = val(f"{main}fwhm")
    beta = _corrected_width(b_obs, inst(_nominal(c)), broadening_rule)
    d = bragg_d(c, lam)
    lc = scherrer_size(beta, c, lam, k002)
    n = lc / d + 1
    which = "" if main == "p002_" else (" (dominant component: "
                                        f"{'ordered' if main == 'p002o_' else 'dilated'})")
    f002 = fl(main)
    out: dict[str, Any] = {
        "two_theta_002": meas(c, "deg", f"fitted (002) centre{which}; {base}", flags=f002),
        "fwhm_002": meas(beta, "deg", f"(002) FWHM{which}, {inst_txt}; {base}", flags=f002),
        "d002": meas(d, "nm", f"Bragg on the fitted (002) centre{which}; {base}", flags=f002),
        "lc": meas(lc, "nm", f"Scherrer on (002): Lc = {k002:g} λ/(β cos θ), β = (002) FWHM, "
                             f"{inst_txt}{which}; {base}", flags=f002),
        "n_layers": meas(n, "1", f"N = Lc/d002 + 1 (K {k002:g}){which}; {base}", flags=f002),
        "la": None, "two_theta_100": None, "fwhm_100": None,
    }
    if "p10_" in comps:
        c10 = val("p10_center")
        b10 = _corrected_width(val("p10_fwhm"), inst(_nominal(c10)), broadening_rule)
        la = scherrer_size(b10, c10, lam, k10)
        k10_txt = (" (JIS's (110) band with K 1.0 is not fitted; the (10) band with K "
                   f"{k10:g} is used)" if convention == "jis" else "")
        f10 = fl("p10_", "p101_")
        out["two_theta_100"] = meas(c10, "deg", f"fitted (10) centre (symmetric profile); "
                                                f"{base}", flags=f10)
        out["fwhm_100"] = meas(b10, "deg", f"(10) FWHM, {inst_txt}; {base}", flags=f10)
        out["la"] = meas(la, "nm", f"Scherrer on (10): La = {k10:g} λ/(β cos θ), β = (10) "
                                   f"FWHM, {inst_txt}{k10_txt}; {base}", flags=f10)
    extra: dict[str, Measurement] = {}
    if "p002o_" in comps:
        def area(pf):
            fr = val(f"{pf}fraction") if spec.shape == "pseudo_voigt" else 0.5
            from charz.peaks import GAUSS_AREA, LORENTZ_AREA
            if spec.shape == "gaussian":
                fac = GAUSS_AREA
            elif spec.shape == "lorentzian":
                fac = LORENTZ_AREA
            else:
                fac = fr * LORENTZ_AREA + (1 - fr) * GAUSS_AREA
            return val(f"{pf}height") * val(f"{pf}fwhm") * fac

        ao, ad = area("p002o_"), area("p002d_")
        extra["fraction_002_ordered"] = meas(ao / (ao + ad), "1",
                                             f"area fraction of the ordered (002) component; "
                                             f"{base}", flags=fl("p002o_", "p002d_"))
        extra["d002_ordered"] = meas(bragg_d(val("p002o_center"), lam), "nm",
                                     f"Bragg on the ordered (002) component; {base}",
                                     flags=fl("p002o_"))
        extra["d002_dilated"] = meas(bragg_d(val("p002d_center"), lam), "nm",
                                     f"Bragg on the dilated (002) component; {base}",
                                     flags=fl("p002d_"))

    # curves
    xs = x
    comp = _components(spec, xs, res.params.valuesdict())
    bgc = comp.pop("tail") + comp.pop("smooth")
    best = res.best_fit
    units = data.attrs.get("units", "a.u.")
    cv = {"data": ("two_theta", y, {"units": units}),
          "best_fit": ("two_theta", best, {"units": units}),
          "residual": ("two_theta", y - best, {"units": units}),
          "background": ("two_theta", bgc, {"units": units})}
    for k, v in comp.items():
        cv[f"peak_{comps[k + '_']}".replace(" ", "_")] = ("two_theta", v, {"units": units})
    curve = xr.Dataset(cv, coords={"two_theta": ("two_theta", xs, {"units": "deg"})},
                       attrs={"corrections": data.attrs.get("corrections", ""),
                              "source": src})

    # Dahn's R on the smooth fitted curve (tangent background from both sides)
    try:
        pk = _nominal(val(f"{main}center"))
        wd = _nominal(b_obs)
        right_hi = _nominal(val("p10_center")) - _nominal(val("p10_fwhm")) if "p10_" in comps \
            else win[1]
        left = (win[0], pk - 0.75 * wd)
        right = (pk + 0.75 * wd, max(right_hi, pk + 0.75 * wd + 1.0))
        apex = float(xs[np.argmax(np.where((xs > pk - wd) & (xs < pk + wd), best, -np.inf))])
        r, a_, b_, line = dahn_r(xs, best, apex, left, right)
        if a_ > 0:
            extra["dahn_r"] = meas(r, "1", "Dahn's R = B/A on the fitted curve: B at the (002) "
                                           f"apex {apex:.2f}°, A from the straight line tangent "
                                           f"at {line[0]:.2f}° and {line[2]:.2f}°; {base}",
                                   {"A": a_, "B": b_, "tangent_two_theta": [line[0], line[2]]},
                                   flags=f002)
    except FitError:
        pass

    result = XRDFitResult(out["d002"], out["lc"], out["n_layers"], out["two_theta_002"],
                          out["fwhm_002"], out["la"], out["two_theta_100"], out["fwhm_100"],
                          extra, convention, lam, res, curve)
    if warn:
        _sanity(result, res, spec, src)
    if warn or strict:
        flags_mod.report_flags(src or "xrd fit", result.descriptors(), strict=strict)
    return result


def _sanity(result: XRDFitResult, res: Any, spec: _Spec, src: str) -> None:
    def w(msg: str) -> None:
        warnings.warn(f"{src}: {msg}", PhysicsWarning, stacklevel=4)

    d = result.d002.value
    lo, hi = PLAUSIBLE["d002"]
    if not lo <= d <= hi:
        w(f"d002 = {d:.4f} nm is outside {lo}–{hi} nm seen for hard carbons")
    n = result.n_layers.value
    if n < PLAUSIBLE["n_layers"][0]:
        w(f"N = {n:.2f} < {PLAUSIBLE['n_layers'][0]}: hardly any stacking; Lc is not meaningful")
    lc = result.lc.value
    if not PLAUSIBLE["lc"][0] <= lc <= PLAUSIBLE["lc"][1]:
        w(f"Lc = {lc:.2f} nm is outside {PLAUSIBLE['lc'][0]}–{PLAUSIBLE['lc'][1]} nm")
    if result.la is not None:
        la = result.la.value
        if not PLAUSIBLE["la"][0] <= la <= PLAUSIBLE["la"][1]:
            w(f"La = {la:.2f} nm is outside {PLAUSIBLE['la'][0]}–{PLAUSIBLE['la'][1]} nm")


def fit_002(
    pattern: xr.DataArray,
    *,
    wavelength: float | None = None,
    convention: Literal["default", "jis"] = "default",
    window: tuple[float, float] | None = None,
    **kwargs: Any,
) -> XRDFitResult:
    """Fit only the (002) region (no (10) band): d002, Lc, N.

    Same options as :func:`fit_pattern` (``fit_10`` is False); the default window is
    q = 7.1–24.5 nm⁻¹ (10–35° for Cu Kα).
    """
    return fit_pattern(pattern, wavelength=wavelength, convention=convention, window=window,
                       fit_10=False, **kwargs)
