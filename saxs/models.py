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

References
----------
Debye, P., Anderson, H. R. & Brumberger, H. (1957). J. Appl. Phys. 28, 679.
Kalliat, M., Kwak, C. Y. & Schmidt, P. W. (1981). ACS Symp. Ser. 169, 3.
Gibaud, A., Xue, J. S. & Dahn, J. R. (1996). Carbon 34, 499.
Beaucage, G. (1995). J. Appl. Cryst. 28, 717.
Hammouda, B. (2010). J. Appl. Cryst. 43, 716.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import lmfit
import numpy as np
import xarray as xr
from scipy.optimize import nnls
from scipy.special import erf

from charz import flags as flags_mod
from charz.errors import FitError, OptionError
from charz.record import Measurement, Provenance
from saxs._common import SPHERE_R_PER_RG, as_curve, plot_fit, stderr, weights
from saxs.resolution import describe, resolution_of, smeared_model

__all__ = [
    "FailedFit",
    "ModelFitResult",
    "dab",
    "fit_guinier_porod",
    "fit_porod_dab",
    "fit_power_law_spheres",
    "fit_unified",
    "guinier_porod",
    "porod_dab",
    "power_law",
    "sphere_intensity",
    "sphere_intensity_sld",
    "unified_level",
]

PdType = Literal["schulz", "gaussian", "lognormal"]


# ---------------------------------------------------------------------------------------
# model functions (numpy, vectorized over q)
# ---------------------------------------------------------------------------------------


def power_law(q: np.ndarray, scale: float, exponent: float) -> np.ndarray:
    """Power law ``scale · q^-exponent`` (q in 1/nm)."""
    return scale * np.power(q, -exponent)


def dab(q: np.ndarray, scale: float, length: float) -> np.ndarray:
    """Debye–Anderson–Brumberger term ``scale / (1 + length² q²)²``.

    Parameters
    ----------
    q : ndarray
        1/nm.
    scale : float
        I(0) of the term (intensity unit). On absolute scale
        I(0) = 8π φ(1−φ) Δρ² a³ (Debye, Anderson & Brumberger 1957).
    length : float
        Correlation length a in nm.
    """
    return scale / (1.0 + (length * q) ** 2) ** 2


def porod_dab(q: np.ndarray, porod_scale: float, porod_exponent: float, dab_scale: float,
              dab_length: float, background: float) -> np.ndarray:
    """Porod + DAB + constant: ``A q^-P + B/(1 + a² q²)² + bkg`` (Kalliat 1981; Dahn 1996)."""
    return power_law(q, porod_scale, porod_exponent) + dab(q, dab_scale, dab_length) + background


def _sphere_amp(x: np.ndarray) -> np.ndarray:
    """Normalised sphere amplitude 3 j1(x)/x (→ 1 at x → 0), stable for small x."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    small = x < 1e-3
    xs = x[small]
    out[small] = 1.0 - xs**2 / 10.0 + xs**4 / 280.0
    xl = x[~small]
    out[~small] = 3.0 * (np.sin(xl) - xl * np.cos(xl)) / xl**3
    return out


def _radius_grid(radius: float, pd: float, pd_type: PdType, n: int = 121
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Radii and number weights (sum 1) of a size distribution; pd = 0: one radius."""
    if pd <= 0:
        return np.array([radius]), np.array([1.0])
    if pd_type == "lognormal":
        # median = radius, sigma of ln r = pd
        lo, hi = np.log(radius) - 6 * pd, np.log(radius) + 6 * pd
        lnr = np.linspace(lo, hi, n)
        r = np.exp(lnr)
        w = np.exp(-0.5 * ((lnr - np.log(radius)) / pd) ** 2)  # pdf in ln r; dr/r grid
    else:
        sig = pd * radius
        lo = max(radius - (4 if pd_type == "gaussian" else 6) * sig, radius * 1e-3)
        hi = radius + (4 if pd_type == "gaussian" else 9) * sig
        r = np.linspace(lo, hi, n)
        if pd_type == "gaussian":
            w = np.exp(-0.5 * ((r - radius) / sig) ** 2)
        elif pd_type == "schulz":
            z = 1.0 / pd**2 - 1.0
            lw = z * np.log(r / radius) - (z + 1.0) * (r / radius - 1.0)
            w = np.exp(lw - lw.max())
        else:
            raise OptionError("pd_type must be 'schulz', 'gaussian' or 'lognormal', "
                             f"got {pd_type!r}")
    w = w / w.sum()
    return r, w


def sphere_intensity(q: np.ndarray, scale: float, radius: float, pd: float = 0.0,
                     pd_type: PdType = "schulz") -> np.ndarray:
    """Polydisperse homogeneous spheres, normalised so that I(0) = ``scale``.

    ``I(q) = scale · Σ n(r) V(r)² Φ²(q r) / Σ n(r) V(r)²`` with Φ = 3 j1(x)/x and n(r) the
    number distribution of radii.

    Parameters
    ----------
    q : ndarray
        1/nm.
    scale : float
        I(0) of the term.
    radius : float
        Mean radius (Schulz, Gaussian) or median (log-normal), nm.
    pd : float
        Relative width σ_r/R (Schulz, Gaussian) or σ of ln r (log-normal); 0 = monodisperse.
    pd_type : {'schulz', 'gaussian', 'lognormal'}
        Distribution (sasmodels' names and width conventions).

    Notes
    -----
    For pd ≥ 0.05 the normalised curve F(qR) is tabulated once per (pd, pd_type) on 6001
    log-spaced points of x = qR (cached) and interpolated: fits with a fixed pd then cost
    one interpolation per evaluation. Below pd = 0.05 the sum over radii is evaluated
    directly (the oscillations are too sharp to tabulate).
    """
    q = np.asarray(q, dtype=float)
    if pd >= 0.05:
        return scale * _sphere_table_eval(q * radius, float(pd), pd_type)
    r, w = _radius_grid(radius, pd, pd_type)
    v2 = w * r**6
    amp = _sphere_amp(np.multiply.outer(q, r))
    return scale * (amp**2 @ v2) / v2.sum()


_X_TABLE = np.geomspace(1e-3, 1e3, 6001)


@functools.lru_cache(maxsize=64)
def _sphere_table(pd: float, pd_type: str) -> tuple[np.ndarray, float]:
    """Normalised polydisperse sphere curve F(x = qR) on a log grid (cached per pd)."""
    r, w = _radius_grid(1.0, pd, pd_type)  # type: ignore[arg-type]
    v2 = w * r**6
    f = (_sphere_amp(np.multiply.outer(_X_TABLE, r)) ** 2 @ v2) / v2.sum()
    return np.log(f), float(f[-1])


def _sphere_table_eval(x: np.ndarray, pd: float, pd_type: str) -> np.ndarray:
    """F(x) by interpolation in log–log (smooth for pd ≥ 0.05); x⁻⁴ Porod tail beyond."""
    logf, f_end = _sphere_table(round(pd, 12), pd_type)
    lx = np.log(np.clip(x, _X_TABLE[0], _X_TABLE[-1]))
    out = np.exp(np.interp(lx, np.log(_X_TABLE), logf))
    big = x > _X_TABLE[-1]
    if big.any():
        out[big] = f_end * (_X_TABLE[-1] / x[big]) ** 4
    return out


def sphere_intensity_sld(q: np.ndarray, volfraction: float, radius: float, contrast: float,
                         pd: float = 0.0, pd_type: PdType = "schulz") -> np.ndarray:
    """Dilute polydisperse spheres on absolute scale (sasmodels ``sphere`` convention).

    ``I(q) = φ Δρ² ⟨V² Φ²⟩/⟨V⟩`` in 1/cm, with q in 1/nm, radius in nm and the contrast
    Δρ in 10⁻⁶ Å⁻². Dilute form factor: φ, not φ(1−φ).
    """
    r, w = _radius_grid(radius, pd, pd_type)
    vol = 4.0 / 3.0 * np.pi * (r * 10.0) ** 3  # Å^3
    i0 = volfraction * (contrast * 1e-6) ** 2 * np.sum(w * vol**2) / np.sum(w * vol) * 1e8
    return sphere_intensity(q, i0, radius, pd, pd_type)


def unified_level(q: np.ndarray, g: float, rg: float, b: float, p: float) -> np.ndarray:
    """One Beaucage unified level: ``G exp(−q²Rg²/3) + B [erf(q Rg/√6)³ / q]^P``.

    q in 1/nm, Rg in nm (Beaucage 1995, Eq. 10 with no high-q cut-off).
    """
    qs = q / (erf(q * rg / np.sqrt(6.0)) ** 3)
    return g * np.exp(-(q * rg) ** 2 / 3.0) + b * np.power(qs, -p)


def guinier_porod(q: np.ndarray, g: float, rg: float, s: float = 0.0, m: float = 4.0
                  ) -> np.ndarray:
    """Guinier–Porod term (Hammouda 2010).

    ``G/q^s exp(−q²Rg²/(3−s))`` for q ≤ Q1 and ``D/q^m`` above, with
    ``Q1 = (1/Rg) √((m−s)(3−s)/2)`` and D chosen for continuity. s = 0: spheres/globules.
    """
    q = np.asarray(q, dtype=float)
    q1 = np.sqrt((m - s) * (3.0 - s) / 2.0) / rg
    d = g * np.exp(-(q1 * rg) ** 2 / (3.0 - s)) * q1 ** (m - s)
    low = g * np.power(q, -s) * np.exp(-(q * rg) ** 2 / (3.0 - s))
    high = d * np.power(q, -m)
    return np.where(q <= q1, low, high)


# ---------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class ModelFitResult:
    """Fit of a SAXS model.

    Attributes
    ----------
    model : str
        ``"porod+dab"``, ``"power_law+sphere"``, ``"unified"``, ``"guinier_porod"``.
    parameters : dict
        Best-fit value and stderr of every parameter: ``{name: (value, stderr)}`` (nm,
        1/nm, intensity unit).
    pore_length_nm : float
        The raw fitted length (DAB a, sphere R, or Rg), nm.
    pore_length_name : str
        Which length it is.
    saxs_pore_diameter : Measurement
        ``saxs_pore_diameter`` with the conversion stated in ``method``.
    porod_exponent : Measurement or None
        Low-q power-law exponent when it was fitted (None when fixed or dropped).
    saxs_rg : Measurement or None
        ``saxs_rg`` when the model has a Guinier radius (unified, Guinier–Porod).
    saxs_correlation_length : Measurement or None
        DAB a (``saxs_correlation_length``).
    fit : lmfit.model.ModelResult
        The underlying fit.
    curve : xarray.Dataset
        ``data``, ``sigma``, ``best_fit``, ``residual`` and one variable per component
        over ``q`` (1/nm).
    """

    model: str
    parameters: dict[str, tuple[float, float | None]]
    pore_length_nm: float
    pore_length_name: str
    saxs_pore_diameter: Measurement
    porod_exponent: Measurement | None
    saxs_rg: Measurement | None
    saxs_correlation_length: Measurement | None
    fit: lmfit.model.ModelResult = field(repr=False)
    curve: xr.Dataset = field(repr=False)
    figure_name: ClassVar[str] = "model_fit"

    def descriptors(self) -> dict[str, Measurement]:
        """``saxs_pore_diameter`` (+ ``porod_exponent``, ``saxs_rg``, correlation length)."""
        out = {"saxs_pore_diameter": self.saxs_pore_diameter}
        if self.saxs_rg is not None:
            out["saxs_rg"] = self.saxs_rg
        if self.porod_exponent is not None:
            out["porod_exponent"] = self.porod_exponent
        if self.saxs_correlation_length is not None:
            out["saxs_correlation_length"] = self.saxs_correlation_length
        return out

    def component(self, name: str) -> np.ndarray:
        """One model component on the data's q grid."""
        return self.curve[name].values

    def pore_term(self) -> xr.DataArray:
        """The data minus the power-law tail and the background (the nanopore scattering).

        Use it for a Guinier fit of the pores (:func:`saxs.guinier.fit_guinier`) or the
        invariant of the pore term.
        """
        sub = self.curve["data"] - self.curve["power_law"] - self.parameters["background"][0]
        da = sub.rename("intensity")
        da.attrs = {**self.curve.attrs, **self.curve["data"].attrs}
        da.attrs["long_name"] = "intensity − power law − background"
        if "sigma" in self.curve:
            da = da.assign_coords(sigma=("q", self.curve["sigma"].values,
                                         {"units": da.attrs.get("units", "1")}))
        return da

    def plot(self, ax: Any = None) -> Any:
        """Log–log data, model, components; residuals below when ``ax`` is None."""
        comps = tuple(v for v in self.curve.data_vars
                      if v not in ("data", "sigma", "best_fit", "residual"))
        titles = {"porod+dab": "Porod + DAB", "power_law+sphere": "power law + spheres",
                  "unified": "power law + unified level", "guinier_porod": "power law + "
                  "Guinier–Porod"}
        flagged = sorted({f for m in self.descriptors().values() for f in m.flags})
        values = ", ".join(f"{k} {m.value:.3g}{'' if m.unit == '1' else ' ' + m.unit}"
                           for k, m in self.descriptors().items()
                           if k in ("saxs_pore_diameter", "saxs_rg", "porod_exponent"))
        sub = values + (("\nflagged: " + ", ".join(flagged)) if flagged else "")
        return plot_fit(self.curve, ax=ax, title=f"SAXS: {titles.get(self.model, self.model)}",
                        components=comps, subtitle=sub)


@dataclass(frozen=True, slots=True, eq=False)
class FailedFit:
    """A model fit that failed: no descriptors, but a figure that shows why.

    Attributes
    ----------
    model : str
        The model asked for.
    message : str
        Why it failed (the :class:`~charz.errors.FitError` message).
    curve : xarray.Dataset or None
        ``data`` (and ``best_fit`` of the last attempt when there was one) over ``q``.
    flags : tuple of str
        ``no_signal`` or ``not_converged`` when that is why.
    """

    model: str
    message: str
    curve: xr.Dataset | None = field(repr=False)
    flags: tuple[str, ...] = ()
    figure_name: ClassVar[str] = "failed_fit"

    def descriptors(self) -> dict[str, Measurement]:
        """Nothing to quote: an empty mapping."""
        return {}

    def plot(self, ax: Any = None) -> Any:
        """The data (and the last model attempt) with the reason in the title."""
        from charz.plotting import failure_axes, failure_text

        if self.curve is None:
            return failure_axes(self.message, ax, width=60)
        return plot_fit(self.curve, ax=ax, title=f"SAXS: {self.model}",
                        subtitle=failure_text(self.message, width=60))


# ---------------------------------------------------------------------------------------
# fitting machinery
# ---------------------------------------------------------------------------------------


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
    name = curve.attrs.get("source", "curve")
    q, y, sigma, da = as_curve(curve, window=window, name=name)
    if len(q) < 8:
        raise FitError(f"{name}: {len(q)} points in the q range; Porod + DAB needs ≥ 8")
    if diameter_convention not in ("sphere_equivalent", "chord"):
        raise OptionError("diameter_convention must be 'sphere_equivalent' or 'chord', "
                         f"got {diameter_convention!r}")
    if diameter_convention == "chord" and (porosity is None or not 0 < porosity < 1):
        raise OptionError("diameter_convention='chord' needs porosity=φ with 0 < φ < 1")
    w, wnote = weights(y, sigma)
    p0 = porod_exponent if porod_exponent is not None else _power_law_init(q, y)
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
    pars["porod_scale"].set(value=max(coef[0], 1e-3 * y[0] * q[0] ** p0), min=0)
    pars["porod_exponent"].set(value=p0, min=1.0, max=6.0, vary=porod_exponent is None)
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
    name = curve.attrs.get("source", "curve")
    q, y, sigma, da = as_curve(curve, window=window, name=name)
    if len(q) < 8:
        raise FitError(f"{name}: {len(q)} points in the q range; the sphere model needs ≥ 8")
    w, wnote = weights(y, sigma)
    p0 = porod_exponent if porod_exponent is not None else _power_law_init(q, y)
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
    pars["porod_scale"].set(value=max(coef[0], 1e-3 * y[0] * q[0] ** p0), min=0)
    pars["porod_exponent"].set(value=p0, min=1.0, max=6.0, vary=porod_exponent is None)
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
    name = curve.attrs.get("source", "curve")
    q, y, sigma, da = as_curve(curve, window=window, name=name)
    if len(q) < 8:
        raise FitError(f"{name}: {len(q)} points in the q range; the {kind} model needs ≥ 8")
    w, wnote = weights(y, sigma)
    p0 = porod_exponent if porod_exponent is not None else _power_law_init(q, y)
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
    pars["porod_scale"].set(value=max(coef[0], 1e-3 * y[0] * q[0] ** p0), min=0)
    pars["porod_exponent"].set(value=p0, min=1.0, max=6.0, vary=porod_exponent is None)
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
    curve : xarray.DataArray
        SAXS curve, q in 1/nm.
    window : (float, float), optional
        Fit window (1/nm).
    porod_exponent : float, optional
        Fix the low-q exponent P; None = fitted.
    pore_exponent : float, optional
        Porod exponent m of the pore term: 4 by default; None = fitted.
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
    return _rg_fit(curve, "guinier_porod", window=window, porod_exponent=porod_exponent,
                   background=background, pore_exponent=pore_exponent, resolution=resolution,
                   fix=fix)
