"""Peak shapes every technique needs, and fitting one model over every spectrum of a series.

Shapes are parameterised the way spectroscopists quote peaks: ``height`` (at the centre),
``center`` and full width at half maximum ``fwhm`` (same unit as x). That makes height
ratios (I_D/I_G) and Scherrer widths direct, and lets the batched fitters use the same
functions. Each shape is a plain numpy function and an :class:`lmfit.Model` with derived
parameters (``area``; ``apex`` and ``apex_height`` for the Breit–Wigner–Fano) whose
uncertainties lmfit propagates from the covariance.

Conventions (compare lmfit's own models, FIELD-NOTES §2.2): lmfit's ``LorentzianModel``
uses ``amplitude`` = area and ``sigma`` = HWHM; ``GaussianModel`` uses the standard
deviation; ``BreitWignerModel`` uses ``amplitude`` = I0/Q² and ``sigma`` = Γ. Ours use
height and FWHM throughout.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import lmfit
import numpy as np
import xarray as xr

from charz.errors import FitError

__all__ = [
    "BWFPeak",
    "GaussianPeak",
    "LorentzianPeak",
    "PseudoVoigtPeak",
    "SeriesFitter",
    "bwf",
    "bwf_apex",
    "fit_series",
    "gaussian",
    "lmfit_fitter",
    "lorentzian",
    "peak_area",
    "peak_model",
    "pseudo_voigt",
]

_LN2 = math.log(2.0)
#: area / (height × FWHM) of a Gaussian, sqrt(π / (4 ln 2)).
GAUSS_AREA = math.sqrt(math.pi / (4.0 * _LN2))
#: area / (height × FWHM) of a Lorentzian, π/2.
LORENTZ_AREA = math.pi / 2.0


def gaussian(x: np.ndarray, height: float = 1.0, center: float = 0.0, fwhm: float = 1.0):
    """Gaussian, ``height · exp(−4 ln2 (x − center)² / fwhm²)``."""
    return height * np.exp(-4.0 * _LN2 * ((x - center) / fwhm) ** 2)


def lorentzian(x: np.ndarray, height: float = 1.0, center: float = 0.0, fwhm: float = 1.0):
    """Lorentzian, ``height / (1 + 4 (x − center)² / fwhm²)``."""
    return height / (1.0 + 4.0 * ((x - center) / fwhm) ** 2)


def pseudo_voigt(
    x: np.ndarray,
    height: float = 1.0,
    center: float = 0.0,
    fwhm: float = 1.0,
    fraction: float = 0.5,
):
    """Pseudo-Voigt: ``fraction`` · Lorentzian + (1 − ``fraction``) · Gaussian, one FWHM."""
    return fraction * lorentzian(x, height, center, fwhm) + (1.0 - fraction) * gaussian(
        x, height, center, fwhm
    )


def bwf(
    x: np.ndarray,
    height: float = 1.0,
    center: float = 1600.0,
    fwhm: float = 100.0,
    q: float = -10.0,
):
    """Breit–Wigner–Fano line, I0 [1 + 2(ω−ω0)/(QΓ)]² / [1 + (2(ω−ω0)/Γ)²].

    Parameters
    ----------
    x : ndarray
        ω (e.g. Raman shift in 1/cm).
    height : float
        I0, the intensity at ω0 (not the apex height, which is I0 (1 + 1/Q²)).
    center : float
        ω0.
    fwhm : float
        Γ.
    q : float
        Q; the coupling 1/Q < 0 gives the low-wavenumber tail of carbons' G band.

    Notes
    -----
    The apex is at ω0 + Γ/(2Q), below ω0 for Q < 0 (Ferrari & Robertson, Phys. Rev. B 61
    (2000) 14095, who report it as the G position). Far from the band I → I0/Q², so a BWF
    has no finite integral: areas need a stated window.
    """
    u = 2.0 * (x - center) / fwhm
    return height * (1.0 + u / q) ** 2 / (1.0 + u**2)


def bwf_apex(center: float, fwhm: float, q: float) -> tuple[float, float]:
    """Apex position ω0 + Γ/(2Q) and apex height factor (1 + 1/Q²) of a BWF line."""
    return center + fwhm / (2.0 * q), 1.0 + 1.0 / q**2


def peak_area(shape: str, height: float, fwhm: float, fraction: float = 0.5) -> float:
    """Integrated area of a Gaussian, Lorentzian or pseudo-Voigt from height and FWHM."""
    if shape == "gaussian":
        return height * fwhm * GAUSS_AREA
    if shape == "lorentzian":
        return height * fwhm * LORENTZ_AREA
    if shape == "pseudo_voigt":
        return height * fwhm * (fraction * LORENTZ_AREA + (1 - fraction) * GAUSS_AREA)
    raise ValueError(f"no closed-form area for shape {shape!r} (a BWF needs a window)")


def _guess_peak(y: np.ndarray, x: np.ndarray) -> tuple[float, float, float]:
    y = np.asarray(y, float)
    x = np.asarray(x, float)
    base = float(np.nanmin(y))
    i = int(np.nanargmax(y))
    height = float(y[i] - base)
    above = np.flatnonzero(y - base >= height / 2)
    fwhm = float(abs(x[above[-1]] - x[above[0]])) if above.size > 1 else float(np.ptp(x) / 10)
    return height, float(x[i]), max(fwhm, float(np.ptp(x)) / max(len(x), 1))


class _PeakModel(lmfit.Model):
    _func: Callable[..., Any]
    _area_factor: str | None = None

    def __init__(self, prefix: str = "", **kws: Any) -> None:
        super().__init__(type(self)._func, prefix=prefix, **kws)
        self.set_param_hint("fwhm", min=0.0)
        self.set_param_hint("height", min=0.0)
        if self._area_factor is not None:
            self.set_param_hint("area", expr=self._area_factor.format(p=prefix))

    def guess(self, data: np.ndarray, x: np.ndarray, **kws: Any) -> lmfit.Parameters:
        """Starting values from the data's maximum and half-maximum width."""
        height, center, fwhm = _guess_peak(data, x)
        params = self.make_params(height=height, center=center, fwhm=fwhm)
        return lmfit.models.update_param_vals(params, self.prefix, **kws)


class GaussianPeak(_PeakModel):
    """Gaussian peak (``height``, ``center``, ``fwhm``; derived ``area``)."""

    _func = staticmethod(gaussian)
    _area_factor = f"{{p}}height*{{p}}fwhm*{GAUSS_AREA!r}"


class LorentzianPeak(_PeakModel):
    """Lorentzian peak (``height``, ``center``, ``fwhm``; derived ``area``)."""

    _func = staticmethod(lorentzian)
    _area_factor = f"{{p}}height*{{p}}fwhm*{LORENTZ_AREA!r}"


class PseudoVoigtPeak(_PeakModel):
    """Pseudo-Voigt peak (``height``, ``center``, ``fwhm``, ``fraction``; derived ``area``)."""

    _func = staticmethod(pseudo_voigt)
    _area_factor = (
        f"{{p}}height*{{p}}fwhm*({{p}}fraction*{LORENTZ_AREA!r}"
        f"+(1-{{p}}fraction)*{GAUSS_AREA!r})"
    )

    def __init__(self, prefix: str = "", **kws: Any) -> None:
        super().__init__(prefix, **kws)
        self.set_param_hint("fraction", value=0.5, min=0.0, max=1.0)


class BWFPeak(_PeakModel):
    """Breit–Wigner–Fano peak (``height`` = I0, ``center`` = ω0, ``fwhm`` = Γ, ``q`` = Q).

    Derived: ``apex`` = ω0 + Γ/(2Q) (the G position of carbons) and ``apex_height`` =
    I0 (1 + 1/Q²).
    """

    _func = staticmethod(bwf)

    def __init__(self, prefix: str = "", **kws: Any) -> None:
        super().__init__(prefix, **kws)
        p = prefix
        self.set_param_hint("q", value=-10.0, max=-1.0)
        self.set_param_hint("apex", expr=f"{p}center+{p}fwhm/(2*{p}q)")
        self.set_param_hint("apex_height", expr=f"{p}height*(1+1/{p}q**2)")

    def guess(self, data: np.ndarray, x: np.ndarray, **kws: Any) -> lmfit.Parameters:
        """Starting values: apex from the maximum, Q = −10."""
        height, center, fwhm = _guess_peak(data, x)
        q = -10.0
        params = self.make_params(
            height=height / (1 + 1 / q**2), center=center - fwhm / (2 * q), fwhm=fwhm, q=q
        )
        return lmfit.models.update_param_vals(params, self.prefix, **kws)


Shape = Literal["gaussian", "lorentzian", "pseudo_voigt", "bwf"]
_MODELS: dict[str, type[_PeakModel]] = {
    "gaussian": GaussianPeak,
    "lorentzian": LorentzianPeak,
    "pseudo_voigt": PseudoVoigtPeak,
    "bwf": BWFPeak,
}


def peak_model(shape: Shape, prefix: str = "") -> lmfit.Model:
    """An lmfit model of one peak shape: ``gaussian``, ``lorentzian``, ``pseudo_voigt``, ``bwf``."""
    try:
        return _MODELS[shape](prefix=prefix)
    except KeyError:
        raise ValueError(
            f"peak shape {shape!r} is not one of {', '.join(_MODELS)}"
        ) from None


# ---------------------------------------------------------------------------------------
# one model over every spectrum of a series
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class SeriesFitArrays:
    """What a series fitter returns for ``n`` spectra (arrays of length ``n``)."""

    values: Mapping[str, np.ndarray]
    stderr: Mapping[str, np.ndarray]
    success: np.ndarray
    redchi: np.ndarray
    best_fit: np.ndarray  # (n, npoints)


class SeriesFitter(Protocol):
    """Fits one model to many spectra on one x grid (swap in a batched implementation)."""

    def __call__(
        self,
        model: lmfit.Model,
        x: np.ndarray,
        ys: np.ndarray,
        params: lmfit.Parameters,
        *,
        seed: str,
        weights: np.ndarray | None,
        desc: str,
    ) -> SeriesFitArrays: ...


def lmfit_fitter(
    model: lmfit.Model,
    x: np.ndarray,
    ys: np.ndarray,
    params: lmfit.Parameters,
    *,
    seed: str = "previous",
    weights: np.ndarray | None = None,
    desc: str = "fitting",
) -> SeriesFitArrays:
    """Reference series fitter: one ``model.fit`` per spectrum, seeded from the previous one.

    A spectrum that fails (non-finite data, no convergence) gets NaN values and
    ``success=False``; the next spectrum is then seeded from the last good fit.
    """
    from charz.output import progress

    n = ys.shape[0]
    names = list(params)
    values = {k: np.full(n, np.nan) for k in names}
    stderr = {k: np.full(n, np.nan) for k in names}
    success = np.zeros(n, bool)
    redchi = np.full(n, np.nan)
    best = np.full(ys.shape, np.nan)
    start = params.copy()
    for i in progress(range(n), total=n, desc=desc, disable=None if n > 20 else True):
        y = ys[i]
        ok = np.isfinite(y)
        if ok.sum() <= len([p for p in start.values() if p.vary and not p.expr]):
            continue
        w = None if weights is None else np.asarray(weights)[i][ok]
        try:
            res = model.fit(y[ok], start, x=x[ok], weights=w, nan_policy="raise")
        except (ValueError, TypeError, np.linalg.LinAlgError):
            continue
        for k in names:
            par = res.params[k]
            values[k][i] = par.value
            stderr[k][i] = np.nan if par.stderr is None else par.stderr
        success[i] = bool(res.success)
        redchi[i] = res.redchi
        best[i] = model.eval(res.params, x=x)
        if seed == "previous" and res.success:
            start = res.params.copy()
    return SeriesFitArrays(values, stderr, success, redchi, best)


def fit_series(
    model: lmfit.Model,
    data: xr.DataArray,
    *,
    dim: str,
    params: lmfit.Parameters | None = None,
    seed: Literal["previous", "fixed"] = "previous",
    weights: xr.DataArray | None = None,
    fitter: SeriesFitter | None = None,
) -> xr.Dataset:
    """Fit one model to every 1-D slice of ``data`` along ``dim``.

    Parameters
    ----------
    model : lmfit.Model
        The model; its independent variable must be called ``x``.
    data : xarray.DataArray
        Spectra with dimension ``dim`` (e.g. ``two_theta``) and any other dimensions
        (``time``; ``y``, ``x``).
    dim : str
        The spectral dimension.
    params : lmfit.Parameters, optional
        Starting values and bounds; default ``model.guess`` on the mean spectrum.
    seed : {'previous', 'fixed'}
        Start each fit from the previous good fit (series that change slowly), or always
        from ``params``.
    weights : xarray.DataArray, optional
        Weights (1/σ) with the same dims as ``data``.
    fitter : SeriesFitter, optional
        The fitting engine; default :func:`lmfit_fitter`. A batched fitter with the same
        call signature can be swapped in.

    Returns
    -------
    xarray.Dataset
        Over the other dimensions: one variable per parameter (derived ones included) and
        ``<name>_stderr``, ``success`` and ``redchi``; ``best_fit`` with all dimensions.
    """
    if dim not in data.dims:
        raise FitError(f"fit_series: {dim!r} is not a dimension of the data {data.dims}")
    others = [d for d in data.dims if d != dim]
    arr = data.transpose(*others, dim) if others else data.expand_dims("_one")
    stacked = arr.stack(_slice=others or ["_one"]).transpose("_slice", dim)
    x = np.asarray(data[dim].values, float)
    ys = np.asarray(stacked.values, float)
    w = None
    if weights is not None:
        wa = weights.transpose(*others, dim) if others else weights.expand_dims("_one")
        w = np.asarray(wa.stack(_slice=others or ["_one"]).transpose("_slice", dim).values)
    if params is None:
        mean = np.nanmean(ys, axis=0)
        try:
            params = model.guess(mean, x=x)
        except NotImplementedError:
            raise FitError(
                f"fit_series: {type(model).__name__} cannot guess starting values; pass params"
            ) from None
    engine = fitter or lmfit_fitter
    out = engine(model, x, ys, params, seed=seed, weights=w, desc=f"fitting {dim}")

    variables: dict[str, Any] = {}
    for k, v in out.values.items():
        variables[k] = ("_slice", v)
        variables[f"{k}_stderr"] = ("_slice", out.stderr[k])
    variables["success"] = ("_slice", out.success)
    variables["redchi"] = ("_slice", out.redchi)
    variables["best_fit"] = (("_slice", dim), out.best_fit)
    if others:
        ds = xr.Dataset(variables, coords={"_slice": stacked["_slice"], dim: data[dim]})
        ds = ds.unstack("_slice").transpose(*others, dim)
    else:
        single = {}
        for k, (dims, v) in variables.items():
            dims = (dims,) if isinstance(dims, str) else dims
            single[k] = (tuple(d for d in dims if d != "_slice"), np.asarray(v)[0])
        ds = xr.Dataset(single, coords={dim: data[dim]})
    for name, coord in data.coords.items():
        if name not in ds.coords and set(coord.dims) <= set(others):
            ds = ds.assign_coords({name: coord})
    if "units" in data.attrs:
        ds["best_fit"].attrs["units"] = data.attrs["units"]
    ds.attrs["model"] = model.name
    ds.attrs["seed"] = seed
    return ds
