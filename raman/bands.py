"""D/G band models of disordered carbons and the descriptors derived from them.

Models (FIELD-NOTES §2.3; positions for 514–532 nm excitation; every band's starting value
and bounds are in :data:`MODELS`):

``two_band``
    D Lorentzian + G Breit–Wigner–Fano (Ferrari & Robertson, Phys. Rev. B 61 (2000) 14095).
    The G position reported is the BWF apex ω0 + Γ/(2Q); I_G is the apex height
    I0 (1 + 1/Q²).
``three_band``
    D (Lorentzian) + G (Lorentzian) + D3/A (Gaussian, ~1500 cm⁻¹).
``four_band``
    ``three_band`` + D4 (Lorentzian, ~1200 cm⁻¹).
``sadezky``
    G, D1, D2 (~1620), D4 Lorentzian + D3 Gaussian (Sadezky et al., Carbon 43 (2005) 1731).
    D1 is reported as D.

In models without D2 the G band may go up to 1620 cm⁻¹ (hard carbon at 532 nm shows an
apparent G at 1590–1605 cm⁻¹; raman-fitting's 1595 cm⁻¹ bound is too tight, FIELD-NOTES
§2.3). Widths start at hard-carbon values (D 160, G 60–80 cm⁻¹) but may go down to 15 (D)
and 8 cm⁻¹ (G), so graphitic impurities and graphene fit without hitting a bound. Shapes
use height and FWHM (:mod:`charz.peaks`).

Background: by default a polynomial (``baseline="quadratic"``, or ``"linear"`` ..., in
``u = (x − x_mid)/half_span``) is fitted *together with* the bands, so that band tails are
not mistaken for baseline; a pybaselines method name (``"arpls"``, ``"asls"``, ...) or
``"anchored"`` is subtracted before the fit instead; ``baseline=None`` fits the data as
given.

Descriptors (record keys, ARCHITECTURE.md): ``id_ig`` (height ratio; for a BWF G the apex
height), ``ad_ag`` (area ratio: Lorentzian/Gaussian areas in closed form, π/2·h·Γ and
√(π/4ln2)·h·Γ; a BWF has no finite integral, so its area is the closed-form integral over
the fit window, stated in the method), ``la_raman`` (relation selectable, see
:func:`la_from_ratio`), ``d_position``, ``g_position``, ``d_fwhm``, ``g_fwhm``.

The result's :attr:`BandFitResult.descriptors` is both an :class:`xarray.Dataset` over the
spectra's other dimensions (``result.descriptors["g_position"]`` has dims ``(y, x)``) and
callable: ``result.descriptors()`` returns the record's ``dict[str, Measurement]`` (for a
series or map: the mean over the successfully fitted spectra, with the standard error of
the mean, and the number of spectra in ``extra``). ``result.maps`` is the same Dataset.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz.errors import CharzError, DataCleaningWarning, FitError, PhysicsWarning
from charz.peaks import GAUSS_AREA, LORENTZ_AREA
from charz.record import Measurement, Provenance

__all__ = [
    "MODELS",
    "BandFitResult",
    "BandSpec",
    "DescriptorTable",
    "fit_bands",
    "la_from_ratio",
    "la_prefactor",
]

DIM = "raman_shift"
LaRelation = Literal["cancado", "tuinstra_koenig", "ferrari"]
ModelName = Literal["two_band", "three_band", "four_band", "sadezky"]

# ---------------------------------------------------------------------------------------
# La relations
# ---------------------------------------------------------------------------------------

#: Cançado et al., Appl. Phys. Lett. 88 (2006) 163106: La = 2.4e-10 λ⁴ (A_D/A_G)⁻¹, λ in nm.
CANCADO_C = 2.4e-10
#: Ferrari & Robertson 2000, stage 2: I_D/I_G = C'(λ) La², C'(514 nm) = 0.0055 Å⁻².
FERRARI_C514 = 0.0055  # 1/Å²


def _matthews_c(laser: float) -> float:
    """Matthews et al., Phys. Rev. B 59 (1999) R6585: C(λ) ≈ −12.6 nm + 0.033 λ (nm)."""
    return -12.6 + 0.033 * laser


def la_prefactor(relation: LaRelation, laser: float) -> float:
    """The relation's prefactor at a laser wavelength.

    Parameters
    ----------
    relation : {'cancado', 'tuinstra_koenig', 'ferrari'}
    laser : float
        Laser wavelength in nm.

    Returns
    -------
    float
        ``cancado``: 2.4e-10 λ⁴ in nm (La = C / (A_D/A_G)); ``tuinstra_koenig``: Matthews'
        C(λ) in nm (La = C / (I_D/I_G)); ``ferrari``: C'(λ) in 1/nm² (I_D/I_G = C' La²),
        0.0055 Å⁻² at 514 nm scaled with Matthews' C(λ)/C(514).
    """
    if relation == "cancado":
        return CANCADO_C * laser**4
    if relation == "tuinstra_koenig":
        return _matthews_c(laser)
    if relation == "ferrari":
        return FERRARI_C514 * 100.0 * _matthews_c(laser) / _matthews_c(514.0)
    raise CharzError(
        f"la_relation {relation!r} is not one of cancado, tuinstra_koenig, ferrari"
    )


#: (ratio used, calibrated La range in nm, laser range in nm, reference) per relation.
LA_RELATIONS: dict[str, tuple[str, tuple[float, float], tuple[float, float], str]] = {
    "cancado": ("ad_ag", (20.0, 500.0), (457.0, 800.0),
                "Cançado et al., Appl. Phys. Lett. 88 (2006) 163106"),
    "tuinstra_koenig": ("id_ig", (2.0, 500.0), (400.0, 700.0),
                        "Tuinstra & Koenig, J. Chem. Phys. 53 (1970) 1126; Matthews et al., "
                        "Phys. Rev. B 59 (1999) R6585"),
    "ferrari": ("id_ig", (0.0, 2.0), (400.0, 700.0),
                "Ferrari & Robertson, Phys. Rev. B 61 (2000) 14095 (stage 2)"),
}


def la_from_ratio(
    ratio: np.ndarray | float,
    *,
    laser: float,
    relation: LaRelation = "cancado",
    warn: bool = True,
) -> np.ndarray | float:
    """In-plane crystallite size La (nm) from a D/G ratio.

    Parameters
    ----------
    ratio : float or ndarray
        ``cancado``: the area ratio A_D/A_G (integrated intensities, as Cançado used);
        ``tuinstra_koenig`` and ``ferrari``: the height ratio I_D/I_G.
    laser : float
        Laser wavelength in nm.
    relation : {'cancado', 'tuinstra_koenig', 'ferrari'}
        ``cancado``: La = 2.4×10⁻¹⁰ λ⁴ / (A_D/A_G) (19.2 nm at 532 nm, 16.8 nm at 514.5 nm
        for a ratio of 1); ``tuinstra_koenig``: La = C(λ) / (I_D/I_G), C = −12.6 + 0.033 λ
        (4.38 nm at 514.5 nm); ``ferrari``: La = √((I_D/I_G) / C'(λ)) (1.35 nm at 514 nm
        for a ratio of 1).
    warn : bool
        Warn when La falls outside the relation's calibrated range or the laser outside its
        wavelength range.

    Returns
    -------
    float or ndarray
        La in nm.

    Warns
    -----
    PhysicsWarning
        Outside the calibrated range: Cançado was calibrated on La ≈ 20–500 nm
        nanographites (almost every hard carbon falls below); Tuinstra–Koenig holds in
        stage 1 (La ≳ 2 nm); Ferrari's stage-2 law below ~2 nm.

    References
    ----------
    L. G. Cançado et al., Appl. Phys. Lett. 88 (2006) 163106; F. Tuinstra, J. L. Koenig,
    J. Chem. Phys. 53 (1970) 1126; M. J. Matthews et al., Phys. Rev. B 59 (1999) R6585;
    A. C. Ferrari, J. Robertson, Phys. Rev. B 61 (2000) 14095.
    """
    if relation not in LA_RELATIONS:
        raise CharzError(
            f"la_relation {relation!r} is not one of {', '.join(LA_RELATIONS)}"
        )
    r = np.asarray(ratio, float)
    c = la_prefactor(relation, laser)
    with np.errstate(divide="ignore", invalid="ignore"):
        la = np.sqrt(r / c) if relation == "ferrari" else c / r
    if warn:
        _, (lo, hi), (llo, lhi), ref = LA_RELATIONS[relation]
        finite = la[np.isfinite(la)]
        if finite.size and (finite.min() < lo or finite.max() > hi):
            warnings.warn(
                f"la_raman ({relation}): La = {np.nanmin(finite):.3g}–{np.nanmax(finite):.3g} nm "
                f"is outside the relation's calibrated range {lo:g}–{hi:g} nm ({ref}); the "
                "three La relations disagree by an order of magnitude for La of 1–4 nm",
                PhysicsWarning,
                stacklevel=2,
            )
        if not llo <= laser <= lhi:
            warnings.warn(
                f"la_raman ({relation}): laser {laser:g} nm is outside {llo:g}–{lhi:g} nm, "
                "where the wavelength law was established",
                PhysicsWarning,
                stacklevel=2,
            )
    return float(la) if np.ndim(la) == 0 else la


# ---------------------------------------------------------------------------------------
# model table
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BandSpec:
    """One band of a model: shape, starting values and bounds (1/cm; Q dimensionless).

    ``center`` of a BWF is ω0 (the apex is at ω0 + Γ/(2Q), below ω0).
    """

    name: str
    shape: Literal["lorentzian", "gaussian", "bwf"]
    center: tuple[float, float, float]  # start, min, max
    fwhm: tuple[float, float, float]
    q: tuple[float, float, float] | None = None

    @property
    def nonlinear(self) -> list[str]:
        return ["center", "fwhm"] + (["q"] if self.shape == "bwf" else [])


_D = BandSpec("d", "lorentzian", (1350.0, 1300.0, 1400.0), (160.0, 15.0, 400.0))
MODELS: dict[str, tuple[BandSpec, ...]] = {
    "two_band": (
        _D,
        BandSpec("g", "bwf", (1605.0, 1560.0, 1660.0), (80.0, 8.0, 200.0),
                 (-10.0, -100.0, -2.0)),
    ),
    "three_band": (
        _D,
        BandSpec("g", "lorentzian", (1590.0, 1560.0, 1620.0), (70.0, 8.0, 160.0)),
        BandSpec("d3", "gaussian", (1510.0, 1460.0, 1550.0), (150.0, 50.0, 300.0)),
    ),
    "four_band": (
        _D,
        BandSpec("g", "lorentzian", (1590.0, 1560.0, 1620.0), (70.0, 8.0, 160.0)),
        BandSpec("d3", "gaussian", (1510.0, 1460.0, 1550.0), (150.0, 50.0, 300.0)),
        BandSpec("d4", "lorentzian", (1200.0, 1120.0, 1280.0), (150.0, 50.0, 300.0)),
    ),
    "sadezky": (
        _D,
        BandSpec("g", "lorentzian", (1580.0, 1560.0, 1600.0), (60.0, 8.0, 140.0)),
        BandSpec("d2", "lorentzian", (1615.0, 1600.0, 1640.0), (40.0, 15.0, 80.0)),
        BandSpec("d3", "gaussian", (1510.0, 1460.0, 1550.0), (150.0, 50.0, 300.0)),
        BandSpec("d4", "lorentzian", (1200.0, 1120.0, 1280.0), (150.0, 50.0, 300.0)),
    ),
}

MODEL_TEXT = {
    "two_band": "Lorentzian D + BWF G (G position = BWF apex ω0 + Γ/(2Q), I_G = apex height)",
    "three_band": "Lorentzian D + Lorentzian G + Gaussian D3",
    "four_band": "Lorentzian D + Lorentzian G + Gaussian D3 + Lorentzian D4",
    "sadezky": "Sadezky: Lorentzian G, D1, D2, D4 + Gaussian D3 (D = D1)",
}

#: Second-order bands (Lorentzian): 2D ~2680 cm⁻¹ and D+G ~2930 cm⁻¹ (FIELD-NOTES §2.3),
#: appended to any model as ``<model>+second_order`` (``fit_bands(second_order=True)``).
SECOND_ORDER = (
    BandSpec("two_d", "lorentzian", (2680.0, 2600.0, 2760.0), (250.0, 40.0, 500.0)),
    BandSpec("d_plus_g", "lorentzian", (2930.0, 2860.0, 3000.0), (200.0, 40.0, 500.0)),
)
for _name in list(MODELS):
    MODELS[f"{_name}+second_order"] = MODELS[_name] + SECOND_ORDER
    MODEL_TEXT[f"{_name}+second_order"] = (
        MODEL_TEXT[_name] + "; second order: Lorentzian 2D (~2680) and D+G (~2930)")


def _bands(model: str) -> tuple[BandSpec, ...]:
    try:
        return MODELS[model]
    except KeyError:
        raise CharzError(
            f"band model {model!r} is not one of {', '.join(MODELS)}"
        ) from None


def band_shapes(x: np.ndarray, model: str, nonlin: np.ndarray) -> np.ndarray:
    """Unit-height band shapes, shape ``(..., nbands, npoints)``, for nonlinear parameters.

    ``nonlin`` has shape ``(..., n_nonlinear)`` in the order of :func:`nonlinear_names`.
    """
    from charz.peaks import bwf, gaussian, lorentzian

    out = []
    k = 0
    for b in _bands(model):
        c = nonlin[..., k, None]
        w = nonlin[..., k + 1, None]
        if b.shape == "bwf":
            q = nonlin[..., k + 2, None]
            out.append(bwf(x, 1.0, c, w, q))
            k += 3
        elif b.shape == "gaussian":
            out.append(gaussian(x, 1.0, c, w))
            k += 2
        else:
            out.append(lorentzian(x, 1.0, c, w))
            k += 2
    return np.stack(out, axis=-2)


def nonlinear_names(model: str) -> list[str]:
    """Names of the nonlinear parameters (``d_center``, ``d_fwhm``, ``g_q`` ...)."""
    return [f"{b.name}_{p}" for b in _bands(model) for p in b.nonlinear]


def nonlinear_start(model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, lower and upper bounds of the nonlinear parameters."""
    rows = []
    for b in _bands(model):
        rows += [b.center, b.fwhm] + ([b.q] if b.shape == "bwf" and b.q else [])
    arr = np.array(rows, float)
    return arr[:, 0], arr[:, 1], arr[:, 2]


# ---------------------------------------------------------------------------------------
# derived quantities (vectorised over spectra)
# ---------------------------------------------------------------------------------------


def _bwf_window_area(h, c, w, q, lo, hi):
    """∫_lo^hi I0 (1+u/Q)²/(1+u²) dx, u = 2(x−ω0)/Γ (closed form)."""

    def prim(x):
        u = 2.0 * (x - c) / w
        return 0.5 * w * (u / q**2 + (1.0 - 1.0 / q**2) * np.arctan(u) + np.log1p(u**2) / q)

    return h * (prim(hi) - prim(lo))


def _descriptor_values(
    model: str, heights: np.ndarray, nonlin: np.ndarray, window: tuple[float, float]
) -> dict[str, np.ndarray]:
    """Record quantities from band heights (..., nbands) and nonlinear params."""
    bands = _bands(model)
    out: dict[str, np.ndarray] = {}
    k = 0
    for i, b in enumerate(bands):
        h = heights[..., i]
        c = nonlin[..., k]
        w = nonlin[..., k + 1]
        out[f"{b.name}_height"] = h
        out[f"{b.name}_center"] = c
        out[f"{b.name}_fwhm"] = w
        if b.shape == "bwf":
            q = nonlin[..., k + 2]
            out[f"{b.name}_q"] = q
            out[f"{b.name}_position"] = c + w / (2.0 * q)
            out[f"{b.name}_apex_height"] = h * (1.0 + 1.0 / q**2)
            out[f"{b.name}_area"] = _bwf_window_area(h, c, w, q, *window)
            k += 3
        else:
            out[f"{b.name}_position"] = c
            out[f"{b.name}_apex_height"] = h
            out[f"{b.name}_area"] = h * w * (GAUSS_AREA if b.shape == "gaussian" else LORENTZ_AREA)
            k += 2
    with np.errstate(divide="ignore", invalid="ignore"):
        out["id_ig"] = out["d_apex_height"] / out["g_apex_height"]
        out["ad_ag"] = out["d_area"] / out["g_area"]
    return out


# ---------------------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------------------

RECORD_KEYS = ("id_ig", "ad_ag", "la_raman", "d_position", "g_position", "d_fwhm", "g_fwhm")


class DescriptorTable:
    """The descriptors of a fit: an :class:`xarray.Dataset` that is also callable.

    ``table["g_position"]`` (and every Dataset attribute) reads the Dataset over the
    spectra's other dimensions; ``table()`` returns ``dict[str, Measurement]`` for the
    record (one spectrum: its values; a series or map: the mean over good fits).
    """

    __slots__ = ("_dataset", "_measurements")

    def __init__(self, dataset: xr.Dataset, measurements: Callable[[], dict[str, Measurement]]):
        self._dataset = dataset
        self._measurements = measurements

    def __call__(self) -> dict[str, Measurement]:
        return self._measurements()

    def __getitem__(self, key: Any) -> Any:
        return self._dataset[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dataset, name)

    def __contains__(self, key: Any) -> bool:
        return key in self._dataset

    def __iter__(self):
        return iter(self._dataset)

    def __repr__(self) -> str:
        return f"DescriptorTable (callable: table() -> dict of Measurement)\n{self._dataset!r}"


@dataclass(frozen=True, slots=True, eq=False)
class BandFitResult:
    """Result of :func:`fit_bands`.

    Attributes
    ----------
    maps : xarray.Dataset
        Over the spectra's other dimensions (none for one spectrum): the record keys
        (``id_ig``, ``ad_ag``, ``la_raman``, ``d_position``, ``g_position``, ``d_fwhm``,
        ``g_fwhm``) and their ``<key>_stderr``, every band parameter (``<band>_height``,
        ``_center``, ``_fwhm``, ``_area``, ``_q``), ``success`` and ``redchi``.
    curves : xarray.Dataset or None
        None for block-wise fits (more spectra than ``block_size``). Else ``data`` (what
        was fitted, after cropping, despiking and any pre-subtracted
        baseline), ``best_fit``, ``background`` and one ``band_<name>`` per band, over the
        other dimensions and ``raman_shift``.
    model : str
        Band model name.
    laser : float or None
        Laser wavelength in nm (None: la_raman not computed).
    la_relation : str
    parameters : dict
        Every choice that changes the numbers (window, baseline, despiking, engine ...).
    source : Provenance
    fit : lmfit.model.ModelResult or None
        The lmfit result of a single spectrum fitted with the lmfit engine.
    """

    maps: xr.Dataset
    curves: xr.Dataset = field(repr=False)
    model: str
    laser: float | None
    la_relation: str
    parameters: Mapping[str, Any]
    source: Provenance = field(repr=False)
    fit: Any = field(default=None, repr=False)

    @property
    def descriptors(self) -> DescriptorTable:
        """Dataset of descriptors over the other dims; call it for the record's dict."""
        return DescriptorTable(self.maps, self.measurements)

    @property
    def is_series(self) -> bool:
        return bool(self.maps["id_ig"].dims)

    def _method(self, key: str) -> str:
        p = self.parameters
        base = f"{MODEL_TEXT[self.model]}; window {p['window'][0]:g}–{p['window'][1]:g} cm⁻¹; "
        base += f"baseline {p['baseline']}"
        if p.get("laser") is not None:
            base += f"; laser {p['laser']:g} nm"
        if key == "id_ig":
            return "D/G peak-height ratio (G apex height for a BWF); " + base
        if key == "ad_ag":
            extra = (" (BWF G area integrated over the fit window)" if self.model == "two_band"
                     else "")
            return "D/G integrated-area ratio" + extra + "; " + base
        if key == "la_raman":
            ratio, _, _, ref = LA_RELATIONS[self.la_relation]
            return f"La from {ratio} by {self.la_relation} ({ref}); " + base
        if key == "g_position" and self.model == "two_band":
            return "G position = BWF apex ω0 + Γ/(2Q); " + base
        return f"{key.replace('_', ' ')} of the fitted band; " + base

    def measurements(self) -> dict[str, Measurement]:
        """Record quantities as Measurements (a series: mean of good fits ± s.e. of mean)."""
        from charz.record import DESCRIPTORS

        ds = self.maps
        out: dict[str, Measurement] = {}
        good = ds["success"].values.astype(bool)
        n = int(good.sum())
        if n == 0:
            raise FitError(
                f"{self.source.source or 'spectrum'}: no spectrum was fitted successfully"
            )
        for key in RECORD_KEYS:
            if key not in ds:
                continue
            vals = np.asarray(ds[key].values, float)
            errs = np.asarray(ds[f"{key}_stderr"].values, float)
            if vals.ndim == 0:
                value, stderr, extra = float(vals), float(errs), {}
            else:
                v = vals[good & np.isfinite(vals)]
                if v.size == 0:
                    continue
                value = float(np.mean(v))
                stderr = float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else None
                extra = {"n_spectra": int(v.size), "std": float(np.std(v, ddof=1))
                         if v.size > 1 else 0.0, "median": float(np.median(v))}
            if not math.isfinite(value):
                continue
            method = self._method(key)
            if vals.ndim:
                method = f"mean of {extra['n_spectra']} spectra; " + method
            out[key] = Measurement(value, stderr, DESCRIPTORS[key].unit, "raman", method,
                                   self.source, extra)
        return out

    def plot_map(self, key: str = "id_ig", *, ax: Any = None, **kwargs: Any) -> Any:
        """Map of one descriptor over (y, x) (or a trace over one other dimension).

        Parameters
        ----------
        key : str
            A variable of :attr:`maps` (``id_ig``, ``g_position``, ``la_raman`` ...).
        ax : matplotlib.axes.Axes, optional
        **kwargs
            Passed to :meth:`xarray.DataArray.plot` (``cmap``, ``robust`` ...).

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if key not in self.maps:
            raise CharzError(f"plot_map: {key!r} is not in the fit's maps ({list(self.maps)})")
        da = self.maps[key].where(self.maps["success"])
        if da.ndim == 0:
            raise CharzError("plot_map: a single spectrum has no map")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4))
        if da.ndim == 2:
            da.plot(ax=ax, **kwargs)
            ax.set_aspect("equal")
        else:
            da.plot(ax=ax, marker="o", ms=3, **kwargs)
        ax.set_title(f"{self.source.source or 'map'}: {key}", fontsize=9)
        return ax

    def plot(self, ax: Any = None, *, index: Mapping[str, int] | None = None) -> Any:
        """Data, fit, background and bands of one spectrum (the first of a series).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
        index : mapping, optional
            Which spectrum of a series/map (``{"time": 5}``); default the first.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        cur = self.curves
        if cur is None:
            raise CharzError(
                "plot: this fit was done block by block (more spectra than block_size) and "
                "keeps no curves; fit a subset (e.g. spectra.isel(...)) to plot it"
            )
        lead = [d for d in cur["data"].dims if d != DIM]
        if lead:
            sel = dict.fromkeys(lead, 0)
            sel.update(index or {})
            cur = cur.isel(sel)
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        x = cur[DIM].values
        bg = cur["background"].values
        ax.plot(x, cur["data"].values, ".", ms=2, color="0.5", label="data")
        ax.plot(x, cur["best_fit"].values, "-", color="k", lw=1.2, label="fit")
        ax.plot(x, bg, "--", color="0.4", lw=0.8, label="background")
        for name in [v for v in cur.data_vars if str(v).startswith("band_")]:
            ax.plot(x, cur[name].values + bg, lw=1, label=str(name)[5:].upper())
        m = self.maps if not lead else self.maps.isel(dict.fromkeys(lead, 0) | dict(index or {}))
        ax.set_xlabel("Raman shift (cm$^{-1}$)")
        ax.set_ylabel(f"intensity ({self.curves['data'].attrs.get('units', 'a.u.')})")
        ax.set_title(
            f"{self.source.source or 'spectrum'}: {self.model}, "
            f"I$_D$/I$_G$ = {float(m['id_ig']):.3f}, G = {float(m['g_position']):.1f} cm$^{{-1}}$",
            fontsize=9,
        )
        ax.legend(fontsize=7, frameon=False)
        return ax


# ---------------------------------------------------------------------------------------
# fitting
# ---------------------------------------------------------------------------------------

_POLY = {"constant": 0, "linear": 1, "quadratic": 2, "cubic": 3}


def _prepare(
    spectra: xr.DataArray,
    window: tuple[float, float] | None,
    despike: bool | str,
    baseline: str | None,
    baseline_kwargs: Mapping[str, Any] | None,
) -> tuple[xr.DataArray, int | None, dict[str, Any]]:
    from raman.baseline import crop, remove_spikes, subtract_baseline

    params: dict[str, Any] = {}
    data = crop(spectra, window) if window is not None else spectra
    if despike:
        method = "auto" if despike is True else str(despike)
        data = remove_spikes(data, method=method)  # warns (DataCleaningWarning) when it acts
        params["despike"] = data.attrs.get("despike_method", method)
        params["spikes_removed"] = int(data.attrs.get("spikes_removed", 0))
    order: int | None = None
    if baseline is None or baseline == "none":
        params["baseline"] = "none (data as given)"
    elif baseline in _POLY:
        order = _POLY[baseline]
        params["baseline"] = f"{baseline} polynomial fitted with the bands"
    else:
        data = subtract_baseline(data, method=baseline, **dict(baseline_kwargs or {}))
        params["baseline"] = f"{baseline} subtracted before the fit"
        params["baseline_parameters"] = json.loads(data.attrs["baseline_parameters"])
        data = data.drop_vars("baseline")
    return data, order, params


def fit_bands(
    spectra: xr.DataArray,
    *,
    model: ModelName = "two_band",
    baseline: str | None = "quadratic",
    baseline_kwargs: Mapping[str, Any] | None = None,
    window: tuple[float, float] | None = (800.0, 2000.0),
    despike: bool | Literal["whitaker_hayes", "temporal_median"] = True,
    laser: float | None = None,
    la_relation: LaRelation = "cancado",
    engine: Literal["auto", "lmfit", "batch"] = "auto",
    initial: Mapping[str, float] | None = None,
    workers: int | None = None,
    block_size: int = 4096,
    second_order: bool = False,
) -> BandFitResult:
    """Fit a D/G band model to one spectrum or to every spectrum of a series or map.

    Parameters
    ----------
    spectra : xarray.DataArray
        Intensities with a ``raman_shift`` dimension (1/cm) and any other dimensions
        (``time``; ``y``, ``x``; ``spectrum``), e.g. from :func:`charz.read`.
    model : {'two_band', 'three_band', 'four_band', 'sadezky'}
        Band model (module docstring; starting values and bounds in :data:`MODELS`).
    baseline : str or None
        ``"quadratic"`` (default), ``"linear"``, ``"constant"``, ``"cubic"``: a polynomial
        fitted together with the bands (carbon-safe: band tails stay bands); a pybaselines
        method (``"arpls"``, ``"asls"``, ``"snip"`` ...) or ``"anchored"``: subtracted
        before the fit, with ``baseline_kwargs`` passed through; None: no background.
    baseline_kwargs : mapping, optional
        Keyword arguments of the pybaselines method.
    window : (float, float) or None
        Fit window in 1/cm (default first order, 800–2000).
    despike : bool or {'whitaker_hayes', 'temporal_median'}
        Remove cosmic spikes first (``True``: temporal median for time series, else
        Whitaker–Hayes). A :class:`~charz.errors.DataCleaningWarning` reports replaced
        points.
    laser : float, optional
        Laser wavelength in nm; default ``spectra.attrs["laser_wavelength"]``. Without one,
        ``la_raman`` is not computed (the other descriptors are).
    la_relation : {'cancado', 'tuinstra_koenig', 'ferrari'}
        La relation (:func:`la_from_ratio`); Cançado uses the area ratio, the others the
        height ratio.
    engine : {'auto', 'lmfit', 'batch'}
        ``lmfit``: one lmfit composite model per spectrum (the reference; keeps the
        ModelResult for one spectrum); ``batch``: :mod:`raman.batch` (variable projection,
        analytic Jacobian, compiled when numba is installed, both cores; the first call
        compiles for ~10–20 s, cached on disk afterwards); ``auto``: lmfit for fewer than
        10 spectra, batch otherwise.
    initial : mapping, optional
        Starting values overriding the model table (``{"g_center": 1600.0}``).
    workers : int, optional
        Processes for the batch engine's numpy fallback (default: all cores).
    second_order : bool
        Add the second-order bands 2D (~2680 cm⁻¹) and D+G (~2930 cm⁻¹), Lorentzian, to the
        model (their parameters appear in ``maps`` as ``two_d_*`` and ``d_plus_g_*``); the
        default window then becomes 800–3200 cm⁻¹.
    block_size : int
        Series and maps with more spectra are prepared and fitted block by block (each
        block loaded, despiked, baseline-corrected and fitted, then dropped), so a
        dask-backed map larger than memory is processed chunk by chunk; ``result.curves``
        is then None (the descriptors are complete). Time series are despiked with the
        temporal median inside each block.

    Returns
    -------
    BandFitResult
        ``result.descriptors`` (Dataset over the other dims, and callable for the record),
        ``result.maps`` (same Dataset), ``result.curves``, ``result.fit``.

    Raises
    ------
    FitError
        Nothing could be fitted (all spectra empty, or one spectrum failed).

    Warns
    -----
    PhysicsWarning
        La outside the chosen relation's calibrated range; a band at a bound.
    DataCleaningWarning
        Spikes replaced.

    Notes
    -----
    Heights (I) and areas (A) differ: for Lorentzians A_D/A_G = (I_D/I_G)(Γ_D/Γ_G), and in
    hard carbon Γ_D ≈ 1.5–2.5 Γ_G (FIELD-NOTES §2.4); both are reported. I_D/I_G depends on
    the laser wavelength: compare only at one wavelength.

    References
    ----------
    A. C. Ferrari, J. Robertson, Phys. Rev. B 61 (2000) 14095; A. Sadezky et al., Carbon
    43 (2005) 1731.
    """
    if not isinstance(spectra, xr.DataArray) or DIM not in spectra.dims:
        raise CharzError(
            f"fit_bands: expected a DataArray with a {DIM!r} dimension, got "
            f"{type(spectra).__name__} {getattr(spectra, 'dims', '')}"
        )
    if second_order:
        model = f"{model}+second_order"  # type: ignore[assignment]
        if window == (800.0, 2000.0):
            window = (800.0, 3200.0)
    bands = _bands(model)
    if la_relation not in LA_RELATIONS:
        raise CharzError(f"la_relation {la_relation!r} is not one of {', '.join(LA_RELATIONS)}")
    if laser is None:
        laser = spectra.attrs.get("laser_wavelength")
    laser = None if laser is None else float(laser)
    others0 = [d for d in spectra.dims if d != DIM]
    n_total = int(np.prod([spectra.sizes[d] for d in others0])) if others0 else 1
    if n_total > block_size and engine in ("auto", "batch"):
        return _fit_blocks(spectra, others0, model=model, baseline=baseline,
                           baseline_kwargs=baseline_kwargs, window=window, despike=despike,
                           laser=laser, la_relation=la_relation, initial=initial,
                           workers=workers, block_size=block_size)
    data, order, params = _prepare(spectra, window, despike, baseline, baseline_kwargs)
    others = [d for d in data.dims if d != DIM]
    data = data.transpose(*others, DIM)
    x = np.asarray(data[DIM].values, float)
    ys = np.asarray(data.values, float).reshape(-1, x.size)
    win = (float(x.min()), float(x.max()))
    params.update(model=model, window=list(window) if window else list(win), laser=laser,
                  la_relation=la_relation)
    if laser is None:
        params["la_raman"] = "not computed: no laser wavelength (give laser=<nm>)"
    start, lo, hi = nonlinear_start(model)
    names = nonlinear_names(model)
    for k, v in (initial or {}).items():
        if k not in names:
            raise CharzError(f"initial: {k!r} is not a parameter of {model} ({', '.join(names)})")
        start[names.index(k)] = float(v)
    if engine == "auto":
        engine = "lmfit" if ys.shape[0] < 10 else "batch"
    params["engine"] = engine
    fit_obj = None
    if engine == "lmfit":
        res = _fit_lmfit(x, ys, model, order, start, lo, hi)
        fit_obj = res.pop("fit")
    elif engine == "batch":
        from raman.batch import fit_batch

        res = fit_batch(x, ys, model=model, poly_order=order, start=start, lower=lo, upper=hi,
                        workers=workers)
    else:
        raise CharzError(f"engine {engine!r} is not one of auto, lmfit, batch")
    maps, curves = _assemble(data, x, model, order, res, win, laser, la_relation, bands)
    n_ok = int(np.asarray(maps["success"].values).sum())
    if n_ok == 0:
        raise FitError(
            f"{spectra.attrs.get('source', 'spectrum')}: the {model} fit failed on every "
            f"spectrum ({ys.shape[0]})"
        )
    _check_bounds(maps, bands, lo, hi, names, spectra.attrs.get("source", "spectrum"))
    prov = Provenance.from_data(spectra, parameters=params)
    return BandFitResult(maps, curves, model, laser, la_relation, params, prov, fit_obj)


def _fit_blocks(spectra, others, *, model, baseline, baseline_kwargs, window, despike, laser,
                la_relation, initial, workers, block_size) -> BandFitResult:
    """Block-wise preparation and batch fitting of a large (possibly dask-backed) series."""
    from charz.output import progress
    from raman.batch import fit_batch

    bands = _bands(model)
    stacked = spectra.transpose(*others, DIM).stack(_spec=others).transpose("_spec", DIM)
    n = stacked.sizes["_spec"]
    start, lo, hi = nonlinear_start(model)
    names = nonlinear_names(model)
    for k, v in (initial or {}).items():
        if k not in names:
            raise CharzError(f"initial: {k!r} is not a parameter of {model} ({', '.join(names)})")
        start[names.index(k)] = float(v)
    if despike is True:
        despike_method = "temporal_median" if others == ["time"] else "whitaker_hayes"
    else:
        despike_method = despike
    parts: list[dict[str, Any]] = []
    spikes = 0
    params: dict[str, Any] = {}
    order = None
    x = None
    seed = start
    blocks = range(0, n, block_size)
    for i0 in progress(blocks, total=len(blocks), desc="fitting blocks"):
        blk = stacked.isel(_spec=slice(i0, i0 + block_size))
        blk = blk.drop_vars([c for c in blk.coords if c != DIM and "_spec" in blk[c].dims])
        blk = blk.rename(_spec="time" if despike_method == "temporal_median" else "spectrum")
        blk = blk.load()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataCleaningWarning)
            if despike_method:
                blk = remove_spikes_block(blk, despike_method)
            data, order, params = _prepare(blk, window, False, baseline, baseline_kwargs)
        for w in caught:
            if not issubclass(w.category, DataCleaningWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        spikes += int(blk.attrs.get("spikes_removed", 0))
        x = np.asarray(data[DIM].values, float)
        ys = np.asarray(data.values, float).reshape(-1, x.size)
        res = fit_batch(x, ys, model=model, poly_order=order, start=seed, lower=lo, upper=hi,
                        workers=workers)
        good = res["success"]
        if good.any():
            seed = np.nanmedian(res["nonlin"][good], axis=0)
        parts.append(res)
    if despike_method:
        params["despike"] = despike_method
        params["spikes_removed"] = spikes
        if spikes:
            warnings.warn(
                f"{spectra.attrs.get('source', 'spectra')}: {spikes} spike point(s) replaced "
                f"({despike_method}, block-wise)",
                DataCleaningWarning,
                stacklevel=3,
            )
    res = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    win = (float(x.min()), float(x.max()))
    params.update(model=model, window=list(window) if window else list(win), laser=laser,
                  la_relation=la_relation, engine="batch", block_size=block_size)
    shape = tuple(spectra.sizes[d] for d in others)
    coords = {d: spectra[d] for d in others}
    for name, coord in spectra.coords.items():
        if name not in coords and name != DIM and set(coord.dims) <= set(others):
            coords[name] = coord
    maps = _maps(res, model, win, laser, la_relation, others, shape, coords,
                 spectra.attrs.get("units", "count"))
    if int(np.asarray(maps["success"].values).sum()) == 0:
        raise FitError(
            f"{spectra.attrs.get('source', 'spectra')}: the {model} fit failed on every "
            f"spectrum ({n})"
        )
    _check_bounds(maps, bands, lo, hi, names, spectra.attrs.get("source", "spectra"))
    prov = Provenance.from_data(spectra, parameters=params)
    return BandFitResult(maps, None, model, laser, la_relation, params, prov, None)


def remove_spikes_block(blk: xr.DataArray, method: str) -> xr.DataArray:
    """Despike one block (temporal median along its ``time`` rows, or Whitaker–Hayes)."""
    from raman.baseline import remove_spikes

    if method == "temporal_median" and blk.sizes.get("time", 0) < 3:
        method = "whitaker_hayes"
    return remove_spikes(blk, method=method)


def _check_bounds(maps, bands, lo, hi, names, source) -> None:
    good = np.asarray(maps["success"].values, bool)
    hits = []
    for k, name in enumerate(names):
        if name not in maps:
            continue
        v = np.asarray(maps[name].values, float)[good] if np.ndim(maps[name].values) else \
            np.asarray([float(maps[name].values)])
        span = hi[k] - lo[k]
        at = np.isfinite(v) & ((v <= lo[k] + 1e-4 * span) | (v >= hi[k] - 1e-4 * span))
        if at.any():
            hits.append(f"{name} ({int(at.sum())}/{v.size} at {lo[k]:g}/{hi[k]:g})")
    if hits:
        warnings.warn(
            f"{source}: band parameters at their bounds: {', '.join(hits)}; the model may not "
            "suit these spectra (try another model, window or baseline)",
            PhysicsWarning,
            stacklevel=3,
        )


def _poly_basis(x: np.ndarray, order: int | None) -> np.ndarray:
    if order is None:
        return np.zeros((0, x.size))
    mid = 0.5 * (x.max() + x.min())
    half = max(0.5 * (x.max() - x.min()), 1e-12)
    u = (x - mid) / half
    return np.vstack([u**k for k in range(order + 1)])


def _fit_lmfit(x, ys, model, order, start, lo, hi) -> dict[str, Any]:
    """Reference engine: an lmfit composite of charz.peaks models, one fit per spectrum."""
    import lmfit

    from charz.peaks import peak_model

    bands = _bands(model)
    comp = None
    for b in bands:
        m = peak_model(b.shape, prefix=f"{b.name}_")
        comp = m if comp is None else comp + m
    basis = _poly_basis(x, order)
    nb = basis.shape[0]
    if nb:
        bg = lmfit.Model(_make_poly(nb, basis), prefix="bg_")
        comp = comp + bg
    names = nonlinear_names(model)
    n = ys.shape[0]
    nbands = len(bands)
    heights = np.full((n, nbands), np.nan)
    height_err = np.full((n, nbands), np.nan)
    nonlin = np.full((n, len(names)), np.nan)
    nonlin_err = np.full((n, len(names)), np.nan)
    coefs = np.full((n, nb), np.nan)
    success = np.zeros(n, bool)
    redchi = np.full(n, np.nan)
    cov_out = []
    fit = None
    for i in range(n):
        y = ys[i]
        ok = np.isfinite(y)
        if ok.sum() < len(names) + nbands + nb + 2:
            cov_out.append(None)
            continue
        p = comp.make_params()
        for k, name in enumerate(names):
            p[name].set(value=start[k], min=lo[k], max=hi[k])
        amp = np.nanmax(y) - np.nanmin(y)
        for b in bands:
            p[f"{b.name}_height"].set(value=0.5 * amp, min=0.0)
        for k in range(nb):
            p[f"bg_c{k}"].set(value=float(np.nanmin(y)) if k == 0 else 0.0)
        try:
            r = comp.fit(y[ok], p, x=x[ok], method="leastsq")
        except (ValueError, np.linalg.LinAlgError):
            cov_out.append(None)
            continue
        for j, b in enumerate(bands):
            par = r.params[f"{b.name}_height"]
            heights[i, j] = par.value
            height_err[i, j] = np.nan if par.stderr is None else par.stderr
        for k, name in enumerate(names):
            nonlin[i, k] = r.params[name].value
            nonlin_err[i, k] = np.nan if r.params[name].stderr is None else r.params[name].stderr
        for k in range(nb):
            coefs[i, k] = r.params[f"bg_c{k}"].value
        success[i] = bool(r.success)
        redchi[i] = r.redchi
        # covariance in our parameter order: heights, nonlinear, background
        order_names = [f"{b.name}_height" for b in bands] + names + [f"bg_c{k}" for k in range(nb)]
        if r.covar is not None:
            idx = [r.var_names.index(nm) for nm in order_names]
            cov_out.append(np.asarray(r.covar)[np.ix_(idx, idx)])
        else:
            cov_out.append(None)
        fit = r
    ptot = nbands + len(names) + nb
    cov = np.full((n, ptot, ptot), np.nan)
    for i, c in enumerate(cov_out):
        if c is not None:
            cov[i] = c
    return {"heights": heights, "nonlin": nonlin, "coefs": coefs, "success": success,
            "redchi": redchi, "cov": cov, "fit": fit if n == 1 else None}


def _make_poly(nb: int, basis: np.ndarray):
    """An lmfit-compatible polynomial ``f(x, c0, ..., c{nb-1})`` on a fixed basis."""
    args = ", ".join(f"c{k}=0.0" for k in range(nb))
    body = " + ".join(f"c{k} * _basis[{k}]" for k in range(nb))
    ns: dict[str, Any] = {"_basis": basis}
    exec(f"def background(x, {args}):\n    return {body}\n", ns)
    return ns["background"]


def _derived_with_errors(model, heights, nonlin, cov, window, laser, la_relation):
    """Descriptor values and stderrs (delta method with a numerical gradient)."""
    with np.errstate(all="ignore"):  # a band of zero height gives inf ratios → NaN
        return _derived_with_errors_inner(model, heights, nonlin, cov, window, laser,
                                          la_relation)


def _derived_with_errors_inner(model, heights, nonlin, cov, window, laser, la_relation):
    vals = _descriptor_values(model, heights, nonlin, window)
    for k, v in vals.items():
        vals[k] = np.where(np.isfinite(v), v, np.nan)
    nbands = heights.shape[-1]
    p0 = np.concatenate([heights, nonlin], axis=-1)
    keys = ["id_ig", "ad_ag", "d_position", "g_position", "d_fwhm", "g_fwhm"]
    keys += [k for k in vals if k not in keys]
    P = p0.shape[-1]
    grads = {k: np.zeros(p0.shape) for k in keys}
    for j in range(P):
        step = 1e-6 * np.maximum(np.abs(p0[..., j]), 1e-3)
        pp = p0.copy()
        pp[..., j] += step
        vj = _descriptor_values(model, pp[..., :nbands], pp[..., nbands:], window)
        for k in keys:
            grads[k][..., j] = (vj[k] - vals[k]) / step
    c = cov[..., :P, :P]
    errs = {}
    for k in keys:
        g = grads[k]
        var = np.einsum("...i,...ij,...j->...", g, c, g)
        errs[k] = np.sqrt(np.where(var >= 0, var, np.nan))
    if laser is not None:
        ratio_key = LA_RELATIONS[la_relation][0]
        r = vals[ratio_key]
        good = np.isfinite(r) & (r > 0)
        la = np.full(r.shape, np.nan)
        if good.any():
            la[good] = la_from_ratio(r[good], laser=laser, relation=la_relation)
        vals["la_raman"] = la
        power = 0.5 if la_relation == "ferrari" else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            errs["la_raman"] = la * power * errs[ratio_key] / r
    return vals, errs


def _assemble(data, x, model, order, res, window, laser, la_relation, bands):
    others = [d for d in data.dims if d != DIM]
    shape = tuple(data.sizes[d] for d in others)
    coords = {d: data[d] for d in others}
    for name, coord in data.coords.items():
        if name not in coords and name != DIM and set(coord.dims) <= set(others):
            coords[name] = coord
    intensity_unit = data.attrs.get("units", "count")
    maps = _maps(res, model, window, laser, la_relation, others, shape, coords, intensity_unit)
    heights, nonlin = res["heights"], res["nonlin"]
    # curves
    shapes = band_shapes(x, model, np.where(np.isfinite(nonlin), nonlin,
                                            nonlinear_start(model)[0]))
    comps = heights[..., None] * shapes
    basis = _poly_basis(x, order)
    bg = (res["coefs"] @ basis) if basis.shape[0] else np.zeros((heights.shape[0], x.size))
    best = comps.sum(axis=1) + bg
    cdims = [*others, DIM]
    cv: dict[str, Any] = {
        "data": (cdims, data.values, {"units": intensity_unit}),
        "best_fit": (cdims, best.reshape(*shape, x.size), {"units": intensity_unit}),
        "background": (cdims, bg.reshape(*shape, x.size), {"units": intensity_unit}),
    }
    for j, b in enumerate(bands):
        cv[f"band_{b.name}"] = (cdims, comps[:, j].reshape(*shape, x.size),
                                {"units": intensity_unit})
    curves = xr.Dataset(cv, coords={**coords, DIM: data[DIM]})
    return maps, curves


def _maps(res, model, window, laser, la_relation, others, shape, coords, intensity_unit):
    heights, nonlin = res["heights"], res["nonlin"]
    vals, errs = _derived_with_errors(model, heights, nonlin, res["cov"], window, laser,
                                      la_relation)
    units = {"id_ig": "1", "ad_ag": "1", "la_raman": "nm", "redchi": "1"}
    variables: dict[str, Any] = {}

    def unit_of(k: str) -> str:
        if k in units:
            return units[k]
        if k.endswith(("_height", "_apex_height")):
            return intensity_unit
        if k.endswith("_area"):
            return f"{intensity_unit}*(1/cm)"
        if k.endswith("_q"):
            return "1"
        return "1/cm"

    first = list(RECORD_KEYS)
    for k in first + [k for k in vals if k not in first]:
        if k not in vals:
            continue
        variables[k] = (others, np.asarray(vals[k]).reshape(shape), {"units": unit_of(k)})
        if k in errs:
            variables[f"{k}_stderr"] = (others, np.asarray(errs[k]).reshape(shape),
                                        {"units": unit_of(k)})
    variables["success"] = (others, res["success"].reshape(shape))
    variables["redchi"] = (others, res["redchi"].reshape(shape), {"units": "1"})
    maps = xr.Dataset(variables, coords=coords, attrs={
        "model": model, "la_relation": la_relation,
        "laser_wavelength": laser if laser is not None else "none"})
    return maps
