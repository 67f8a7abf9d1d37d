"""Fit machinery shared by the models of :mod:`saxs.models` (private): start values by a
linear scan, the lmfit run with a vanishing power law dropped and no-signal refused, fixed
parameters, flags and notes, the curve Dataset of a result."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import lmfit
import numpy as np
import xarray as xr
from scipy.optimize import nnls

from charz import flags as flags_mod
from charz.errors import FitError, OptionError
from charz.record import Measurement, Provenance
from saxs._common import as_curve, stderr, weights
from saxs.results import ModelFitResult


def _linear_scan(q: np.ndarray, y: np.ndarray, w: np.ndarray, lengths: np.ndarray,
                 basis: Any) -> tuple[float, np.ndarray]:
    """For each trial length, non-negative linear least squares of the linear amplitudes.

    ``basis(q, length) -> (n, k)`` design matrix. Returns the best length and amplitudes.
    """
    best = (np.inf, float(lengths[0]), None)
    for L in lengths:
        X = basis(q, L) * w[:, None]
        norm = np.maximum(np.abs(X).max(axis=0), 1e-300)
        coef, rnorm = nnls(X / norm, y * w)
        if rnorm < best[0]:
            best = (rnorm, float(L), coef / norm)
    return best[1], best[2]


def _prepare(curve: xr.DataArray, window: tuple[float, float] | None, what: str,
             porod_exponent: float | None) -> tuple[Any, ...]:
    """Name, q, I, σ, the curve, weights (and their note) and the start exponent of a fit.

    Raises :class:`~charz.errors.FitError` when fewer than 8 points lie in the window.
    """
    name = curve.attrs.get("source", "curve")
    q, y, sigma, da = as_curve(curve, window=window, name=name)
    if len(q) < 8:
        raise FitError(f"{name}: {len(q)} points in the q range; {what} needs ≥ 8")
    w, wnote = weights(y, sigma)
    p0 = porod_exponent if porod_exponent is not None else _power_law_init(q, y)
    return name, q, y, sigma, da, w, wnote, p0


def _start_power_law(pars: lmfit.Parameters, scale: float, q: np.ndarray, y: np.ndarray,
                     p0: float, *, fixed: bool) -> None:
    """Start values and bounds of the low-q power law A q^-P (P in 1–6, fixed when given)."""
    pars["porod_scale"].set(value=max(scale, 1e-3 * y[0] * q[0] ** p0), min=0)
    pars["porod_exponent"].set(value=p0, min=1.0, max=6.0, vary=not fixed)


def _power_law_init(q: np.ndarray, y: np.ndarray, n: int | None = None) -> float:
    """Exponent of the lowest-q points (log–log slope), clipped to 1–4.5."""
    n = n or max(5, len(q) // 10)
    sel = y[:n] > 0
    if sel.sum() < 3:
        return 4.0
    slope = np.polyfit(np.log(q[:n][sel]), np.log(y[:n][sel]), 1)[0]
    return float(np.clip(-slope, 1.5, 4.4))


def _provenance(curve: xr.DataArray, **params: Any) -> Provenance:
    return Provenance.from_data(curve, parameters=params)


def _make_dataset(da: xr.DataArray, q: np.ndarray, y: np.ndarray, sigma: np.ndarray | None,
                  best: np.ndarray, components: dict[str, tuple[np.ndarray, str]]
                  ) -> xr.Dataset:
    unit = da.attrs.get("units", "1")
    coords = {"q": ("q", q, {"units": "1/nm", "long_name": "q"})}
    data_vars: dict[str, Any] = {
        "data": ("q", y, {"units": unit, "long_name": "intensity"}),
        "best_fit": ("q", best, {"units": unit, "long_name": "model"}),
        "residual": ("q", y - best, {"units": unit, "long_name": "data − model"}),
    }
    if sigma is not None:
        data_vars["sigma"] = ("q", sigma, {"units": unit, "long_name": "σ(I)"})
    for k, (v, label) in components.items():
        data_vars[k] = ("q", np.broadcast_to(v, q.shape).astype(float),
                        {"units": unit, "long_name": label})
    keep = ("source", "sha256", "reader", "technique", "q_unit_original", "absolute_scale")
    return xr.Dataset(data_vars, coords=coords,
                      attrs={k: da.attrs[k] for k in keep if k in da.attrs})


#: A pore-term amplitude below this many standard errors is no signal (stated in fits).
NO_SIGNAL_SIGMAS = 2.0

#: Parameters of the low-q power law (the optional term) per model.
_POWER_LAW = ("porod_scale", "porod_exponent")


@dataclass(frozen=True, slots=True)
class _Run:
    res: lmfit.model.ModelResult
    notes: tuple[str, ...]
    pore_flags: tuple[str, ...]
    power_flags: tuple[str, ...]


def _fit_once(model, params, q, y, w, what, name, da):
    try:
        res = model.fit(y, params, q=q, weights=w, nan_policy="raise", max_nfev=20000)
    except (ValueError, TypeError) as exc:
        err = FitError(f"{name}: {what} fit failed ({exc})")
        err.curve = _failed_curve(da, q, y, None)  # type: ignore[attr-defined]
        raise err from None
    ier = getattr(res, "ier", None)
    # MINPACK's "tolerance too small" endings (ier 6–8) are converged at machine precision
    if not res.success and ier not in (6, 7, 8):
        err = FitError(f"{name}: {what} fit did not converge ({res.message})")
        err.curve = _failed_curve(da, q, y, res.best_fit)  # type: ignore[attr-defined]
        err.flags = (flags_mod.NOT_CONVERGED,)  # type: ignore[attr-defined]
        raise err
    return res


def _failed_curve(da, q, y, best) -> xr.Dataset:
    unit = da.attrs.get("units", "1")
    ds = xr.Dataset({"data": ("q", y, {"units": unit, "long_name": "intensity"})},
                    coords={"q": ("q", q, {"units": "1/nm", "long_name": "q"})},
                    attrs={"source": str(da.attrs.get("source", ""))})
    if best is not None:
        ds["best_fit"] = ("q", np.asarray(best, float), {"units": unit, "long_name": "model"})
    if "sigma" in da.coords:
        ds["sigma"] = ("q", np.asarray(da["sigma"].values, float), {"units": unit})
    return ds


def _vanished(par: lmfit.Parameter, tiny: float, sigmas: float = 1.0) -> bool:
    if not par.vary:
        return False
    if par.value <= max(par.min, 0.0) + tiny:
        return True
    return par.stderr is not None and np.isfinite(par.stderr) and par.value < sigmas * par.stderr


#: Model-fit quality (``poor_fit``): reduced χ² above this when the weights are the file's
#: 1/σ (the σ of a file may be too small by a factor of ~2, hence not 1), or a fitted flat
#: background below zero by more than 2 standard errors (a background is ≥ 0 by definition:
#: a negative one means the model's other terms cannot describe the curve).
MODEL_MAX_REDCHI = 4.0


def _model_quality(res: lmfit.model.ModelResult, da: xr.DataArray) -> str:
    """Why a converged model fit should not be quoted as is, or ``""``."""
    why = []
    bkg = res.params.get("background")
    if bkg is not None and bkg.vary and bkg.value < 0:
        err = bkg.stderr if bkg.stderr is not None and np.isfinite(bkg.stderr) else 0.0
        if bkg.value + 2.0 * err < 0:
            unit = da.attrs.get("units", "")
            why.append(f"flat background {bkg.value:.3g} ± {err:.2g}"
                       + (f" {unit}" if unit and unit != "1" else "")
                       + " < 0 is unphysical (fix it, e.g. background=0, or narrow the window)")
    sigma = da.coords.get("sigma")
    has_sigma = sigma is not None and bool(np.isfinite(np.asarray(sigma.values)).all())
    redchi = float(getattr(res, "redchi", np.nan))
    if has_sigma and np.isfinite(redchi) and redchi > MODEL_MAX_REDCHI:
        why.append(f"reduced χ² {redchi:.3g} > {MODEL_MAX_REDCHI:g} with the file's σ")
    return "; ".join(why)


def _run(model: lmfit.Model, params: lmfit.Parameters, q: np.ndarray, y: np.ndarray,
         w: np.ndarray, what: str, name: str, da: xr.DataArray, amplitude: str,
         may_touch: tuple[str, ...] = ()) -> _Run:
    """Fit; drop a vanishing low-q power law and refit; flag parameters on bounds.

    Raises FitError (with ``curve`` for a figure) when the fit does not converge, or with
    ``flags = ('no_signal',)`` when the pore-term ``amplitude`` is within
    ``NO_SIGNAL_SIGMAS`` standard errors of zero.
    """
    res = _fit_once(model, params, q, y, w, what, name, da)
    notes: list[str] = []
    pl = res.params["porod_scale"]
    # vanished: its contribution at the lowest q is < 1e-9 of the data, or within 2σ of 0
    tiny = 1e-9 * float(np.nanmax(np.abs(y))) * q[0] ** res.params["porod_exponent"].value
    if _vanished(pl, tiny, NO_SIGNAL_SIGMAS):
        pars = res.params.copy()
        pars["porod_scale"].set(value=0.0, vary=False)
        pars["porod_exponent"].set(vary=False)
        res = _fit_once(model, pars, q, y, w, what, name, da)
        notes.append("low-q power law dropped (its scale converged to zero), fit repeated "
                     "without it")
    amp = res.params[amplitude]
    if _vanished(amp, 1e-12 * float(np.nanmax(np.abs(y))), NO_SIGNAL_SIGMAS):
        err = FitError(f"{name}: no signal above noise: the {what} pore-term amplitude "
                       f"{amplitude} = {amp.value:.3g} ± {amp.stderr or 0:.2g} is within "
                       f"{NO_SIGNAL_SIGMAS:g} standard errors of zero")
        err.flags = (flags_mod.NO_SIGNAL,)  # type: ignore[attr-defined]
        err.curve = _failed_curve(da, q, y, res.best_fit)  # type: ignore[attr-defined]
        raise err
    pore, power = [], []
    quality = _model_quality(res, da)
    if quality:
        notes.append(f"poor fit: {quality}")
        pore.append(flags_mod.POOR_FIT)
        power.append(flags_mod.POOR_FIT)
    for f in flags_mod.fit_flags(res, ignore=may_touch):
        if f.startswith("at_bound:") and f.split(":", 1)[1] in _POWER_LAW:
            power.append(f)
        elif f.startswith("at_bound:"):
            pore.append(f)
        else:
            pore.append(f)
            power.append(f)
    return _Run(res, tuple(notes), tuple(pore), tuple(power))


def _apply_fix(pars: lmfit.Parameters, fix: Mapping[str, float] | None, name: str) -> list[str]:
    """Fix parameters at given values; ``fix={"porod_scale": 0}`` omits the power law.

    Returns the notes for the method string. Unknown names raise :class:`OptionError`.
    """
    notes: list[str] = []
    for key, value in (fix or {}).items():
        if key not in pars:
            raise OptionError(f"{name}: cannot fix {key!r}: this model's parameters are "
                              f"{', '.join(pars)}")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise OptionError(f"{name}: fixed value {key}={value!r} is not a number") from None
        pars[key].set(value=v, vary=False)
        if key == "porod_scale" and v == 0.0:
            pars["porod_exponent"].set(vary=False)  # no power law: its exponent means nothing
            notes.append("low-q power law omitted (porod_scale fixed at 0)")
        else:
            notes.append(f"{key} fixed at {v:g}")
    return notes


def _finish(result: ModelFitResult, run: _Run, fixed_notes: list[str]) -> ModelFitResult:
    """Add the run's notes to every method string and its flags to every Measurement."""
    notes = [*fixed_notes, *run.notes]
    tail = ("; " + "; ".join(notes)) if notes else ""

    def upd(m: Measurement | None, fl: tuple[str, ...]) -> Measurement | None:
        if m is None:
            return None
        return dataclasses.replace(m, method=m.method + tail,
                                   flags=flags_mod.combine(m.flags, fl))

    return dataclasses.replace(
        result, saxs_pore_diameter=upd(result.saxs_pore_diameter, run.pore_flags),
        porod_exponent=upd(result.porod_exponent, run.power_flags),
        saxs_rg=upd(result.saxs_rg, run.pore_flags),
        saxs_correlation_length=upd(result.saxs_correlation_length, run.pore_flags))


def _m(value: float, err: float | None, unit: str, method: str, prov: Provenance,
       **extra: Any) -> Measurement:
    return Measurement(value, err, unit, "saxs", method, prov, extra)


def _porod_measure(res: lmfit.model.ModelResult, fixed: float | None, prov: Provenance,
                   qmin: float) -> Measurement | None:
    p = res.params["porod_exponent"]
    if fixed is not None or not p.vary:
        return None
    return _m(p.value, stderr(p), "1",
              f"low-q power-law exponent P of A q^-P, fitted from q = {qmin:.3g} 1/nm",
              prov)
