"""Fit machinery of :func:`xrd.peaks.fit_pattern` (private): running lmfit with errors
turned into :class:`~charz.errors.FitError`, dropping vanished optional terms, signal and
fit-quality checks, parameter flags and correlated uncertainties."""

from __future__ import annotations

import math
from typing import Any

import lmfit
import numpy as np
import xarray as xr

from charz import flags as flags_mod
from charz.errors import FitError
from xrd._model import _make_model, _Spec
from xrd.results import FailedXRDFit


def _ufloat(res: lmfit.model.ModelResult, names: list[str]) -> dict[str, Any]:
    """Parameters as correlated ``uncertainties`` values (plain ufloats without covar)."""

    import warnings as _w

    with _w.catch_warnings():  # std_dev 0 where lmfit gives no stderr: documented as None
        _w.simplefilter("ignore", UserWarning)
        return _ufloat_inner(res, names)


def _ufloat_inner(res: lmfit.model.ModelResult, names: list[str]) -> dict[str, Any]:
    from uncertainties import correlated_values, ufloat

    vals = [res.params[n].value for n in names]
    idx = [res.var_names.index(n) if n in res.var_names else None for n in names]
    if res.covar is not None and all(i is not None for i in idx):
        cov = res.covar[np.ix_(idx, idx)]
        try:
            return dict(zip(names, correlated_values(vals, cov), strict=True))
        except (np.linalg.LinAlgError, ValueError):
            pass
    return {n: ufloat(v, res.params[n].stderr or 0.0) for n, v in zip(names, vals, strict=True)}


def _nominal(v: Any) -> float:
    return float(getattr(v, "nominal_value", v))


def _stderr(v: Any) -> float | None:
    s = getattr(v, "std_dev", None)
    return float(s) if s is not None and s > 0 and math.isfinite(s) else None


def _corrected_width(b_obs: Any, b_inst: float, rule: str) -> Any:
    if b_inst <= 0:
        return b_obs
    from uncertainties import umath

    if rule == "lorentzian":
        out = b_obs - b_inst
    else:
        sq = b_obs**2 - b_inst**2
        if _nominal(sq) <= 0:
            raise FitError(f"observed FWHM {_nominal(b_obs):.4g}° is not larger than the "
                           f"instrument FWHM {b_inst:.4g}°")
        out = umath.sqrt(sq) if hasattr(sq, "std_dev") else math.sqrt(sq)
    if _nominal(out) <= 0:
        raise FitError(f"observed FWHM {_nominal(b_obs):.4g}° is not larger than the "
                       f"instrument FWHM {b_inst:.4g}°")
    return out


#: Signal and fit-quality thresholds (stated in :func:`fit_pattern`'s Notes).
NO_SIGNAL_SIGMAS = 2.0  # a (002) height below 2 standard errors (or 2x the noise) is no signal
POOR_FIT_NOISE_RATIO = 2.5  # residual RMS above 2.5x the point-to-point noise: poor fit
POOR_FIT_REDCHI = 10.0  # Poisson-weighted reduced chi-square above 10: poor fit

#: Optional terms that may vanish: (prefix or parameter, note when dropped).
_OPTIONAL = {
    "pg_": "graphitic (002) dropped (its height converged to zero)",
    "p101_": "(101) shoulder dropped (its height converged to zero)",
    "p10_": "(10) band dropped (its height converged to zero): no La",
    "bg_amp": "low-angle power-law tail dropped (its amplitude converged to zero)",
}


def _no_signal(src: str, why: str, data: xr.DataArray | None = None,
               curve: xr.Dataset | None = None) -> FitError:
    """A :class:`FitError` saying "no signal above noise", marked ``flags = ('no_signal',)``."""
    exc = FitError(f"{src}: no signal above noise: {why}")
    exc.flags = (flags_mod.NO_SIGNAL,)  # type: ignore[attr-defined]
    _attach(exc, curve if curve is not None else _data_curve(data))
    return exc


def _attach(err: FitError, curve: xr.Dataset | None) -> None:
    """Give a FitError its partial result (the command line still draws it)."""
    err.curve = curve  # type: ignore[attr-defined]
    err.result = FailedXRDFit(curve, str(err),  # type: ignore[attr-defined]
                              tuple(getattr(err, "flags", ())))


def _data_curve(data: xr.DataArray | None) -> xr.Dataset | None:
    """The data of a failed fit as a curve Dataset (for its figure)."""
    if data is None:
        return None
    x = np.asarray(data["two_theta"].values, float)
    y = np.asarray(data.values, float)
    units = data.attrs.get("units", "a.u.")
    return xr.Dataset({"data": ("two_theta", y, {"units": units})},
                      coords={"two_theta": ("two_theta", x, {"units": "deg"})},
                      attrs={"source": str(data.attrs.get("source", ""))})


def narrow_reflections(x: np.ndarray, y: np.ndarray, wavelength_nm: float | None = None,
                       *, max_fwhm_cu: float = 1.5, min_prominence: float = 0.05) -> list[float]:
    """2θ positions (deg) of reflections far narrower than a disordered carbon's bands.

    Peaks with a prominence above ``min_prominence`` of the pattern's range and a FWHM
    below ``max_fwhm_cu`` degrees at Cu Kα1 (a width in 2θ scales with the wavelength:
    the limit is ``max_fwhm_cu · λ / 0.15406 nm``; 1.5° is a coherence length of ~6 nm, a
    crystalline phase next to the carbon's (002) and (10) bands of 3–10°).
    """
    from scipy.signal import find_peaks, peak_widths

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 5:
        return []
    span = float(np.max(y) - np.min(y))
    if span <= 0:
        return []
    idx, _ = find_peaks(y, prominence=min_prominence * span)
    if not idx.size:
        return []
    step = float(np.median(np.diff(x)))
    fwhm = peak_widths(y, idx, rel_height=0.5)[0] * step
    limit = max_fwhm_cu * (float(wavelength_nm) / 0.15406 if wavelength_nm else 1.0)
    return [round(float(x[i]), 2) for i, w in zip(idx, fwhm, strict=True) if w < limit]


def _convergence_hint(data: xr.DataArray | None) -> str:
    """What to try after a fit that did not converge (names narrow reflections)."""
    if data is None:
        return ""
    try:
        pos = narrow_reflections(data["two_theta"].values, data.values,
                                 data.attrs.get("wavelength"))
    except (KeyError, ValueError, TypeError):
        pos = []
    if pos:
        shown = ", ".join(f"{p:g}°" for p in pos[:6]) + (" ..." if len(pos) > 6 else "")
        return (f"; narrow reflections at 2θ = {shown} look like a crystalline phase: leave "
                "them out with --mask LO HI (mask=[(lo, hi)]) or fit a narrower --window")
    return "; check the fitted 2θ range (--window) and the wavelength"


def _fit_or_raise(model, y, params, x, weights, method, src, spec, data):
    """``model.fit`` with library errors and non-convergence turned into FitError.

    The error carries ``curve`` (data and the last model, when there is one) so that the
    command line can still draw the failed fit.
    """
    try:
        res = model.fit(y, params, x=x, weights=weights, method=method, max_nfev=4000)
    except (ValueError, TypeError, np.linalg.LinAlgError) as exc:
        err = FitError(f"{src}: the XRD fit failed ({exc})")
        _attach(err, _data_curve(data))
        raise err from None
    if not res.success:
        hint = _convergence_hint(data)
        err = FitError(f"{src}: the XRD fit did not converge ({res.message}){hint}")
        curve = _data_curve(data)
        if curve is not None and curve.sizes["two_theta"] == x.size:
            curve["best_fit"] = ("two_theta", res.best_fit, curve["data"].attrs)
        err.flags = (flags_mod.NOT_CONVERGED,)  # type: ignore[attr-defined]
        _attach(err, curve)
        raise err
    return res


def _vanished_term(res, spec: _Spec, y: np.ndarray) -> str | None:
    """The first optional term whose scale converged to zero (or within 2 stderr of it)."""
    tiny = 1e-6 * max(float(np.nanmax(np.abs(y))), 1e-300)
    present = {p for p, _ in spec.peaks}
    for key in _OPTIONAL:
        name = key if key == "bg_amp" else f"{key}height"
        if key != "bg_amp" and key not in present:
            continue
        par = res.params.get(name)
        if par is None or not par.vary:
            continue
        if par.value <= max(par.min, 0.0) + tiny or (
                par.stderr is not None and np.isfinite(par.stderr)
                and par.value < NO_SIGNAL_SIGMAS * par.stderr):
            return key
    return None


def _drop_term(res, spec: _Spec, key: str):
    """Spec, model and start parameters without the vanished term ``key``."""
    import dataclasses

    new = spec if key == "bg_amp" else dataclasses.replace(
        spec, peaks=tuple((p, r) for p, r in spec.peaks if p != key))
    model = _make_model(new)
    params = model.make_params()
    for name, par in params.items():
        old = res.params[name]
        par.set(value=old.value, min=old.min, max=old.max, vary=old.vary)
    if key == "bg_amp":
        params["bg_amp"].set(value=0.0, vary=False)
        params["bg_exp"].set(vary=False)
    return new, model, params, _OPTIONAL[key]


def _noise(y: np.ndarray) -> float:
    """Point-to-point noise σ of a pattern: MAD of second differences / √6 (robust)."""
    if y.size < 5:
        return 0.0
    d2 = np.diff(y, 2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def _fit_quality(res, y, x, weights, spec: _Spec, src: str, data) -> dict[str, Any]:
    """Signal and fit-quality checks: raise no-signal FitError; return global flags.

    No signal: every (002) component's height is below ``NO_SIGNAL_SIGMAS`` standard errors
    or below ``NO_SIGNAL_SIGMAS`` × the point-to-point noise. Poor fit: residual RMS above
    ``POOR_FIT_NOISE_RATIO`` × the noise, or (Poisson weights) reduced χ² above
    ``POOR_FIT_REDCHI``.
    """
    noise = _noise(y)
    floor = 1e-9 * max(float(np.ptp(y)), 1e-300)
    heights = []
    for prefix, role in spec.peaks:
        if role.startswith("002"):
            par = res.params[f"{prefix}height"]
            err = par.stderr if par.stderr is not None and np.isfinite(par.stderr) else 0.0
            heights.append((par.value, err))
    limit = NO_SIGNAL_SIGMAS
    if all(h <= limit * e or h <= limit * noise or h <= floor for h, e in heights):
        h, e = max(heights)
        curve = _data_curve(data)
        if curve is not None and curve.sizes["two_theta"] == y.size:
            curve["best_fit"] = ("two_theta", res.best_fit, curve["data"].attrs)
        raise _no_signal(src, f"the fitted (002) height {h:.4g} ± {e:.2g} is within "
                              f"{limit:g} standard errors (or {limit:g}× the noise "
                              f"{noise:.3g}) of zero", curve=curve)
    rms = float(np.sqrt(np.mean((y - res.best_fit) ** 2)))
    ratio = rms / max(noise, floor)
    out: dict[str, Any] = {"noise": noise, "rms_over_noise": ratio,
                           "redchi": float(res.redchi), "flags": ()}
    poor = (float(res.redchi) > POOR_FIT_REDCHI) if weights is not None else \
        ratio > POOR_FIT_NOISE_RATIO
    if poor:
        out["flags"] = (flags_mod.POOR_FIT,)
    return out


def _param_flags(res, spec: _Spec) -> dict[str, tuple[str, ...]]:
    """``fit_flags`` of the fit, grouped: per peak prefix, ``bg`` and ``all`` (global)."""
    # ends of a family, not failures: pseudo-Voigt fraction 0/1 (Gaussian/Lorentzian), the
    # tail exponent's limits (a nearly flat or a very steep tail; its amplitude carries it)
    ignore = [n for n in res.params if n.endswith("fraction")] + ["bg_exp"]
    fl = flags_mod.fit_flags(res, ignore=ignore)
    groups: dict[str, list[str]] = {"all": [], "bg": []}
    prefixes = [p for p, _ in spec.peaks]
    for f in fl:
        if not f.startswith("at_bound:"):
            groups["all"].append(f)
            continue
        name = f.split(":", 1)[1]
        for p in prefixes:
            if name.startswith(p):
                groups.setdefault(p, []).append(f)
                break
        else:
            groups["bg"].append(f)
    return {k: tuple(v) for k, v in groups.items()}


def _refine_covariance(res, model, y, x, weights):
    """``least_squares`` is robust but its covariance can be missing; polish with leastsq."""
    if res.covar is not None:
        return res
    try:
        res2 = model.fit(y, res.params, x=x, weights=weights, method="leastsq")
    except (ValueError, TypeError, np.linalg.LinAlgError):
        return res
    return res2 if res2.success and res2.chisqr <= res.chisqr * 1.0001 else res
