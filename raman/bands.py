"""D/G band models of disordered carbons and the descriptors derived from them.

Models (FIELD-NOTES §2.3; positions for 514–532 nm excitation; every band's starting value
and bounds are in :data:`MODELS`, defined in :mod:`raman._models`):

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

**Signal before fitting.** A spectrum has *no signal* when it is flat (all NaN, all zero,
or constant within floating-point noise: :func:`charz.flags.is_flat`) or when, after the
fit, neither the D nor the G band height exceeds :data:`NO_SIGNAL_SNR` (5) times its own
standard error. One spectrum without signal raises :class:`~charz.errors.FitError`; in a
series or map that spectrum gets ``success=False`` and the flag ``no_signal``, is left out
of means and tracks, and the counts say so (``"110/168 fitted, 58 without signal"``).

**Optional bands.** A D3 or D4 band whose height converges to zero — below
:data:`VANISH_SNR` (3) standard errors, or below 5 with its position or width on a bound —
is dropped and the spectrum fitted again without it; ``maps["d3_dropped"]`` /
``["d4_dropped"]`` mark those spectra and the method string says so.

**Flags** (:mod:`charz.flags`): ``at_bound:<parameter>`` for a band parameter that ended
on its bound (``g_center`` ...), ``not_converged``, ``no_signal``. A descriptor inherits the
flags of the parameters it is computed from (positions and widths from their band; the
ratios and La from every band).

The result is a :class:`BandFitResult` (a :class:`charz.series.SeriesResult`): ``maps``
over the spectra's other dimensions, ``descriptors()`` for the record (a series or map: the
mean ± standard error of the good spectra), ``curves(index)`` on demand. Every fit, one
spectrum or a map of 10⁶, runs through :func:`charz.series.apply_series`: in-process for
numpy data, chunk by chunk on the active dask scheduler for dask-backed data.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz.errors import CharzError, DataCleaningWarning, FitError, PhysicsWarning
from charz.record import Provenance
from charz.series import SeriesResult, apply_series, join_flags
from raman._models import (
    MODEL_TEXT,
    MODELS,
    OPTIONAL_BANDS,
    SECOND_ORDER,
    BandSpec,
    band_shapes,
    bands_of,
    descriptor_values,
    nonlinear_names,
    nonlinear_start,
    submodel,
)

__all__ = [
    "MODELS",
    "NO_SIGNAL_SNR",
    "SECOND_ORDER",
    "VANISH_SNR",
    "BandFitResult",
    "BandSpec",
    "band_shapes",
    "fit_bands",
    "la_from_ratio",
    "la_prefactor",
    "nonlinear_names",
    "nonlinear_start",
]

DIM = "raman_shift"
LaRelation = Literal["cancado", "tuinstra_koenig", "ferrari"]
ModelName = Literal["two_band", "three_band", "four_band", "sadezky"]

#: A spectrum has signal when its D or G height exceeds this many of its standard errors.
NO_SIGNAL_SNR = 5.0
#: A D3/D4 band has vanished when its height is below this many standard errors (or below
#: :data:`NO_SIGNAL_SNR` with its position or width on a bound). A band fitted to noise
#: with a free position and width reaches 1–3 standard errors (look-elsewhere effect).
VANISH_SNR = 3.0

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
# the result
# ---------------------------------------------------------------------------------------

RECORD_KEYS = ("id_ig", "ad_ag", "la_raman", "d_position", "g_position", "d_fwhm", "g_fwhm")


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class BandFitResult(SeriesResult):
    """Result of :func:`fit_bands` (a :class:`charz.series.SeriesResult`).

    Attributes
    ----------
    maps : xarray.Dataset
        Over the spectra's other dimensions (none for one spectrum): the record keys
        (``id_ig``, ``ad_ag``, ``la_raman``, ``d_position``, ``g_position``, ``d_fwhm``,
        ``g_fwhm``) and their ``<key>_stderr``, every band parameter (``<band>_height``,
        ``_center``, ``_fwhm``, ``_area``, ``_q``, ``_position``, ``_apex_height``),
        ``background_c<k>`` (coefficients of the fitted polynomial), ``redchi``,
        ``spikes`` (points replaced), ``d3_dropped``/``d4_dropped``, ``success`` and
        ``flags``; the series' coordinates (``time``, ``voltage``, ``x``, ``y`` ...).
        Dask-backed (lazy) when the spectra were.
    model : str
        Band model name.
    laser : float or None
        Laser wavelength in nm (None: la_raman not computed).
    la_relation : str or None
        La relation (None: la_raman not computed).
    fit : lmfit.model.ModelResult or None
        The lmfit result of a single spectrum fitted with the lmfit engine.

    Notes
    -----
    ``curves(index)`` recomputes the data as fitted (cropped, despiked, any pre-subtracted
    baseline), the best fit, the background and one ``band_<name>`` per band for one
    spectrum; nothing per spectrum is stored beyond ``maps``.
    """

    model: str
    laser: float | None
    la_relation: str | None

    def plot_map(self, key: str = "id_ig", *, ax: Any = None, **kwargs: Any) -> Any:
        """Map of one descriptor over (y, x) (or a trace over one other dimension).

        Spectra without a successful fit (no signal, failed) are drawn as missing.

        Parameters
        ----------
        key : str
            A variable of :attr:`maps` (``id_ig``, ``g_position``, ``la_raman`` ...).
        ax : matplotlib.axes.Axes, optional
            Axes to draw on.
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
            Axes to draw on.
        index : mapping, optional
            Which spectrum of a series/map (``{"time": 5}``); default the first.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        cur = self.curves(index)
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        x = cur[DIM].values
        bg = cur["background"].values
        ax.plot(x, cur["data"].values, ".", ms=2, color="0.5", label="data")
        ax.plot(x, cur["best_fit"].values, "-", color="k", lw=1.2, label="fit")
        ax.plot(x, bg, "--", color="0.4", lw=0.8, label="background")
        for name in [v for v in cur.data_vars if str(v).startswith("band_")]:
            ax.plot(x, cur[name].values + bg, lw=1, label=str(name)[5:].upper())
        m = self.maps.isel({d: int(cur.attrs["index"][d]) for d in self.series_dims})
        ax.set_xlabel("Raman shift (cm$^{-1}$)")
        ax.set_ylabel(f"intensity ({cur['data'].attrs.get('units', 'a.u.')})")
        title = f"{self.source.source or 'spectrum'}: {self.model}"
        if bool(m["success"]):
            title += (f", I$_D$/I$_G$ = {float(m['id_ig']):.3f}, "
                      f"G = {float(m['g_position']):.1f} cm$^{{-1}}$")
        else:
            title += f" — not fitted ({m['flags'].values.item() or 'failed'})"
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, frameon=False)
        return ax


def _method(key: str, model: str, params: Mapping[str, Any], la_relation: str | None,
            dropped: str) -> str:
    p = params
    base = f"{MODEL_TEXT[model]}; window {p['window'][0]:g}–{p['window'][1]:g} cm⁻¹; "
    base += f"baseline {p['baseline']}"
    if p.get("laser") is not None:
        base += f"; laser {p['laser']:g} nm"
    base += dropped
    if key == "id_ig":
        return "D/G peak-height ratio (G apex height for a BWF); " + base
    if key == "ad_ag":
        extra = (" (BWF G area integrated over the fit window)" if model.startswith("two_band")
                 else "")
        return "D/G integrated-area ratio" + extra + "; " + base
    if key == "la_raman":
        ratio, _, _, ref = LA_RELATIONS[la_relation or "cancado"]
        return f"La from {ratio} by {la_relation} ({ref}); " + base
    if key == "g_position" and model.startswith("two_band"):
        return "G position = BWF apex ω0 + Γ/(2Q); " + base
    return f"{key.replace('_', ' ')} of the fitted band; " + base


def _depends(model: str) -> dict[str, tuple[str, ...]]:
    """Nonlinear parameters each record key is computed from (for flag inheritance)."""
    names = tuple(nonlinear_names(model))
    return {
        "d_position": ("d_center",), "d_fwhm": ("d_fwhm",),
        "g_position": tuple(n for n in names if n in ("g_center", "g_fwhm", "g_q")),
        "g_fwhm": ("g_fwhm",),
        "id_ig": names, "ad_ag": names, "la_raman": names,
    }


# ---------------------------------------------------------------------------------------
# the kernel: one block of spectra (n, m) -> per-spectrum outputs
# ---------------------------------------------------------------------------------------

_POLY = {"constant": 0, "linear": 1, "quadratic": 2, "cubic": 3}


def _is_flat(ys: np.ndarray) -> np.ndarray:
    """All NaN, all zero, or constant within float noise (per row).

    The criterion of :func:`charz.flags.is_flat`, in two reductions per row (it runs on
    every block of every map).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        hi = np.nanmax(ys, axis=-1)
        lo = np.nanmin(ys, axis=-1)
    scale = np.maximum(np.abs(hi), np.abs(lo))
    return ~np.isfinite(hi) | (hi - lo <= 16 * np.finfo(float).eps * scale)


def _output_spec(model: str, order: int | None, laser: float | None,
                 intensity_unit: str) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Names, dtypes and attrs of the kernel's per-spectrum outputs, in order."""
    nb = len(bands_of(model))
    dummy = descriptor_values(model, np.ones(nb), nonlinear_start(model)[0], (0.0, 1.0))
    keys = [k for k in RECORD_KEYS if k in dummy or (k == "la_raman" and laser is not None)]
    keys += [k for k in dummy if k not in keys]
    out: dict[str, Any] = {}
    attrs: dict[str, dict[str, str]] = {}

    def unit_of(k: str) -> str:
        if k in ("id_ig", "ad_ag", "redchi") or k.endswith("_q"):
            return "1"
        if k == "la_raman":
            return "nm"
        if k.endswith(("_height", "_apex_height")):
            return intensity_unit
        if k.endswith("_area"):
            return f"{intensity_unit}*(1/cm)"
        return "1/cm"

    for k in keys:
        for name in (k, f"{k}_stderr"):
            out[name] = float
            attrs[name] = {"units": unit_of(k)}
    for k in range(0 if order is None else order + 1):
        out[f"background_c{k}"] = float
        attrs[f"background_c{k}"] = {"units": intensity_unit,
                                     "long_name": f"background coefficient of u^{k}"}
    out["redchi"] = float
    attrs["redchi"] = {"units": "1"}
    out["spikes"] = np.int32
    attrs["spikes"] = {"units": "1", "long_name": "spike points replaced"}
    for b in bands_of(model):
        if b.name in OPTIONAL_BANDS:
            out[f"{b.name}_dropped"] = bool
            attrs[f"{b.name}_dropped"] = {
                "long_name": f"{b.name.upper()} dropped (height converged to zero)"}
    out["success"] = bool
    out["flags"] = object
    return out, attrs


def _despike(ys: np.ndarray, method: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised despiking of a whole block; (despiked, spike points per row)."""
    from raman.baseline import temporal_median_raw, whitaker_hayes_raw

    if not method:
        return ys, np.zeros(ys.shape[0], np.int32)
    if method == "temporal_median" and ys.shape[0] >= 3:
        out, mask = temporal_median_raw(ys, axis=0)
    else:
        out, mask = whitaker_hayes_raw(ys)
    return out, mask.sum(axis=-1).astype(np.int32)


def _height_se(x, model, order, nonlin, redchi):
    """Standard errors of the heights with the shapes held fixed: s²[(ΦᵀΦ)⁻¹]_jj.

    A lower bound of the full standard error, used where the full covariance could not
    be estimated (lmfit gives none when a parameter ends on a bound).
    """
    ok = np.isfinite(nonlin).all(axis=1) & np.isfinite(redchi)
    out = np.full((nonlin.shape[0], len(bands_of(model))), np.nan)
    if not ok.any():
        return out
    phi = band_shapes(x, model, nonlin[ok])
    basis = _poly_basis(x, order)
    full = np.concatenate([phi, np.broadcast_to(basis, (phi.shape[0], *basis.shape))], axis=1)
    a = np.einsum("njm,nkm->njk", full, full)
    with np.errstate(all="ignore"):
        try:
            inv = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            return out
        d = np.einsum("njj->nj", inv)[:, : phi.shape[1]]
        out[ok] = np.sqrt(np.abs(d) * redchi[ok, None])
    return out


def _fit_rows(x, ys, model, order, start, lo, hi, engine, workers, sink):
    if engine == "lmfit":
        res = _fit_lmfit(x, ys, model, order, start, lo, hi)
        fit = res.pop("fit")
        if sink is not None and fit is not None:
            sink.append(fit)
        res["converged"] = res["success"].copy()
        return res
    from raman.batch import fit_batch

    parallel = threading.current_thread() is threading.main_thread()
    return fit_batch(x, ys, model=model, poly_order=order, start=start, lower=lo, upper=hi,
                     workers=workers, parallel=parallel)


def _scatter(full_model: str, sub_model: str, res: Mapping[str, np.ndarray], npoly: int,
             start_full: np.ndarray) -> dict[str, np.ndarray]:
    """A submodel's fit in the full model's layout (dropped bands: height 0, θ = start)."""
    fb = [b.name for b in bands_of(full_model)]
    sb = [b.name for b in bands_of(sub_model)]
    fn = nonlinear_names(full_model)
    sn = nonlinear_names(sub_model)
    n = res["heights"].shape[0]
    hb = [fb.index(b) for b in sb]
    tb = [fn.index(t) for t in sn]
    heights = np.zeros((n, len(fb)))
    heights[:, hb] = res["heights"]
    nonlin = np.broadcast_to(start_full, (n, len(fn))).copy()
    nonlin[:, tb] = res["nonlin"]
    p_full = len(fb) + len(fn) + npoly
    cov = np.zeros((n, p_full, p_full))
    idx = hb + [len(fb) + t for t in tb] + [len(fb) + len(fn) + k for k in range(npoly)]
    cov[:, np.array(idx)[:, None], np.array(idx)[None, :]] = res["cov"]
    out = dict(res)
    out.update(heights=heights, nonlin=nonlin, cov=cov)
    return out


def _fit_block(ys: np.ndarray, *, x: np.ndarray, model: str, order: int | None,
               start: np.ndarray, lo: np.ndarray, hi: np.ndarray, window: tuple[float, float],
               laser: float | None, la_relation: str | None, despike: str | None,
               baseline: str | None, baseline_kwargs: Mapping[str, Any] | None,
               engine: str, workers: int | None = None, intensity_unit: str = "count",
               sink: list | None = None) -> dict[str, np.ndarray]:
    """Kernel of :func:`fit_bands` for :func:`charz.series.apply_series`.

    Despikes the block (vectorised), subtracts a pybaselines baseline if asked, finds the
    spectra without signal, fits the rest (batched variable projection or lmfit), drops
    vanished D3/D4 bands and refits, derives the descriptors with standard errors and
    the flags. Returns one array of length n per output of :func:`_output_spec`.
    """
    n = ys.shape[0]
    spec, _ = _output_spec(model, order, laser, intensity_unit)
    flat = _is_flat(ys)
    ys, spikes = _despike(ys, despike)
    live = np.flatnonzero(~flat)
    if baseline is not None and live.size:
        from raman.baseline import baseline_raw

        bl, _ = baseline_raw(x, ys[live], method=baseline, **dict(baseline_kwargs or {}))
        ys = ys.copy()
        ys[live] = ys[live] - bl
    bands = [b.name for b in bands_of(model)]
    names = nonlinear_names(model)
    npoly = 0 if order is None else order + 1
    nb, nt = len(bands), len(names)
    p = nb + nt + npoly
    res = {"heights": np.full((n, nb), np.nan), "nonlin": np.full((n, nt), np.nan),
           "coefs": np.full((n, npoly), np.nan), "cov": np.full((n, p, p), np.nan),
           "success": np.zeros(n, bool), "converged": np.zeros(n, bool),
           "redchi": np.full(n, np.nan)}
    dropped = {b: np.zeros(n, bool) for b in bands if b in OPTIONAL_BANDS}
    if live.size:
        rows = slice(None) if live.size == n else live  # no copy when all have data
        r = _fit_rows(x, ys[rows], model, order, start, lo, hi, engine, workers, sink)
        for k in res:
            res[k][live] = r[k]
        # optional bands whose height converged to zero: drop them and fit again
        for _round in range(len(dropped)):
            ok = res["success"]
            vanish = {}
            span = hi - lo
            for b in dropped:
                j = bands.index(b)
                h = res["heights"][:, j]
                with np.errstate(all="ignore"):
                    z = h / np.sqrt(np.abs(res["cov"][:, j, j]))
                ks = [k for k, t in enumerate(names) if t.startswith(f"{b}_")]
                th = res["nonlin"][:, ks]
                stuck = ((np.abs(th - lo[ks]) <= 1e-4 * span[ks])
                         | (np.abs(th - hi[ks]) <= 1e-4 * span[ks])).any(axis=1)
                vanish[b] = ok & ~dropped[b] & ((h <= 0) | (z < VANISH_SNR)
                                                | (stuck & (z < NO_SIGNAL_SNR)))
            if not any(v.any() for v in vanish.values()):
                break
            for b, v in vanish.items():
                dropped[b] |= v
            todo = np.flatnonzero(np.any(list(vanish.values()), axis=0))
            groups: dict[tuple[str, ...], list[int]] = {}
            for i in todo:
                groups.setdefault(tuple(b for b in dropped if dropped[b][i]), []).append(i)
            for drop, rows in groups.items():
                sub = submodel(model, drop)
                keep = [names.index(t) for t in nonlinear_names(sub)]
                rr = _fit_rows(x, ys[rows], sub, order, start[keep], lo[keep], hi[keep],
                               engine, workers, sink)
                rr = _scatter(model, sub, rr, npoly, start)
                for k in res:
                    res[k][rows] = rr[k]
    # descriptors and their standard errors
    with np.errstate(all="ignore"):
        vals, errs = _derived_with_errors(model, res["heights"], res["nonlin"], res["cov"],
                                          window, laser, la_relation)
    out: dict[str, np.ndarray] = {}
    for k in spec:
        if k in vals:
            out[k] = vals[k]
        elif k.endswith("_stderr") and k[:-7] in errs:
            out[k] = errs[k[:-7]]
    for b, d in dropped.items():
        out[f"{b}_dropped"] = d
        for k in list(out):
            if k.startswith(f"{b}_") and not k.endswith("_dropped"):
                out[k] = np.where(d, np.nan, out[k])
    for k in range(npoly):
        out[f"background_c{k}"] = res["coefs"][:, k]
    out["redchi"] = res["redchi"]
    out["spikes"] = spikes
    # signal: D or G height above NO_SIGNAL_SNR standard errors
    snr = []
    se_lin = None
    for b in ("d", "g"):
        j = bands.index(b)
        se = np.sqrt(np.abs(res["cov"][:, j, j]))
        h = res["heights"][:, j]
        if not np.isfinite(se[h > 0]).all():  # covariance not estimated (a fit on a bound)
            if se_lin is None:
                se_lin = _height_se(x, model, order, res["nonlin"], res["redchi"])
            se = np.where(np.isfinite(se), se, se_lin[:, j])
        with np.errstate(all="ignore"):
            snr.append(np.where(np.isfinite(se) & (se > 0), h / se, 0.0))
    signal = ~flat & (np.nan_to_num(np.maximum(*snr), nan=0.0) >= NO_SIGNAL_SNR)
    success = res["success"] & signal
    span = hi - lo
    th = res["nonlin"]
    at = (np.abs(th - lo) <= 1e-4 * span) | (np.abs(th - hi) <= 1e-4 * span)
    for b, d in dropped.items():  # a dropped band's parameters are not reported
        at[:, [k for k, t in enumerate(names) if t.startswith(f"{b}_")]] &= ~d[:, None]
    no_sig = flat | (res["success"] & ~signal)
    failed = ~res["success"] & ~no_sig
    unconv = res["success"] & ~res["converged"] & ~no_sig
    flags: list[tuple[str, ...]] = [()] * n
    for i in np.flatnonzero(no_sig | failed | unconv | at.any(axis=1)):  # the few flagged
        if no_sig[i]:
            flags[i] = ("no_signal",)
        elif failed[i]:
            flags[i] = ("not_converged",)
        else:
            f = [f"at_bound:{names[k]}" for k in np.flatnonzero(at[i])]
            flags[i] = (*f, "not_converged") if unconv[i] else tuple(f)
    for k in spec:  # spectra without a fit (no signal, failed) have no values
        if spec[k] is float:
            out[k] = np.where(success, out[k], np.nan)
    out["success"] = success
    out["flags"] = join_flags(flags)
    return out


# ---------------------------------------------------------------------------------------
# fitting
# ---------------------------------------------------------------------------------------


def _baseline_choice(baseline: str | None) -> tuple[int | None, str | None, str]:
    """(polynomial order fitted with the bands, pybaselines method subtracted, text)."""
    if baseline is None or baseline == "none":
        return None, None, "none (data as given)"
    if baseline in _POLY:
        return _POLY[baseline], None, f"{baseline} polynomial fitted with the bands"
    return None, baseline, f"{baseline} subtracted before the fit"


def fit_bands(
    spectra: xr.DataArray,
    *,
    model: ModelName = "two_band",
    baseline: str | None = "quadratic",
    baseline_kwargs: Mapping[str, Any] | None = None,
    window: tuple[float, float] | None = (800.0, 2000.0),
    despike: bool | Literal["whitaker_hayes", "temporal_median"] = True,
    laser: float | None = None,
    la_relation: LaRelation | None = None,
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
        (``time``; ``y``, ``x``; ``spectrum``), e.g. from :func:`charz.read`; numpy- or
        dask-backed (a Zarr/NetCDF map opened with ``xr.open_zarr``: fitted chunk by
        chunk on the active dask scheduler, see :func:`charz.series.apply_series`).
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
        Remove cosmic spikes first, vectorised over each block of spectra (``True``:
        temporal median for a time series of ≥ 3 spectra, else Whitaker–Hayes). A
        :class:`~charz.errors.DataCleaningWarning` reports replaced points (in-memory
        data; ``maps["spikes"]`` always counts them).
    laser : float, optional
        Laser wavelength in nm; default ``spectra.attrs["laser_wavelength"]``. Without one,
        ``la_raman`` is not computed (the other descriptors are).
    la_relation : {'cancado', 'tuinstra_koenig', 'ferrari'}, optional
        La relation (:func:`la_from_ratio`); Cançado uses the area ratio, the others the
        height ratio. Default ``cancado`` when the laser is known. Given without a laser
        wavelength it raises :class:`~charz.errors.OptionError` (it could not take effect).
    engine : {'auto', 'lmfit', 'batch'}
        ``lmfit``: one lmfit composite model per spectrum (the reference; keeps the
        ModelResult for one spectrum); ``batch``: :mod:`raman.batch` (variable projection,
        analytic Jacobian, compiled when numba is installed; the first call compiles for
        ~10–20 s, cached on disk afterwards); ``auto``: lmfit for fewer than 10 spectra,
        batch otherwise.
    initial : mapping, optional
        Starting values overriding the model table (``{"g_center": 1600.0}``).
    workers : int, optional
        Processes for the batch engine's numpy fallback (default: all cores).
    block_size : int
        In-memory series and maps are fitted in blocks of this many spectra (bounds the
        working memory). Dask-backed data are fitted one chunk per task.
    second_order : bool
        Add the second-order bands 2D (~2680 cm⁻¹) and D+G (~2930 cm⁻¹), Lorentzian, to the
        model (their parameters appear in ``maps`` as ``two_d_*`` and ``d_plus_g_*``); the
        default window then becomes 800–3200 cm⁻¹.

    Returns
    -------
    BandFitResult
        ``result.maps`` (Dataset over the other dims), ``result.descriptors()`` (the
        record's Measurements), ``result.curves(index)``, ``result.summary()``.

    Raises
    ------
    FitError
        One spectrum without signal (flat, or no D/G band above noise) or whose fit
        failed; a series in which no spectrum could be fitted.
    OptionError
        ``la_relation`` without a laser wavelength; an unknown ``initial`` parameter.

    Warns
    -----
    PhysicsWarning
        La outside the chosen relation's calibrated range.
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
    from charz.series import _is_dask, _option_error
    from raman.baseline import crop

    if not isinstance(spectra, xr.DataArray) or DIM not in spectra.dims:
        raise CharzError(
            f"fit_bands: expected a DataArray with a {DIM!r} dimension, got "
            f"{type(spectra).__name__} {getattr(spectra, 'dims', '')}"
        )
    source = spectra.attrs.get("source") or "spectrum"
    if second_order:
        model = f"{model}+second_order"  # type: ignore[assignment]
        if window == (800.0, 2000.0):
            window = (800.0, 3200.0)
    bands_of(model)
    if laser is None:
        laser = spectra.attrs.get("laser_wavelength")
    laser = None if laser is None else float(laser)
    if la_relation is not None and la_relation not in LA_RELATIONS:
        raise _option_error(
            f"la_relation {la_relation!r} is not one of {', '.join(LA_RELATIONS)}")
    if la_relation is not None and laser is None:
        raise _option_error(
            f"{source}: la_relation={la_relation!r} needs the laser wavelength, which the "
            "file does not give; pass laser=<nm> (--laser NM) or leave the La relation out")
    if laser is not None and la_relation is None:
        la_relation = "cancado"
    start, lo, hi = nonlinear_start(model)
    names = nonlinear_names(model)
    for k, v in (initial or {}).items():
        if k not in names:
            raise _option_error(
                f"initial: {k!r} is not a parameter of {model} ({', '.join(names)})")
        start[names.index(k)] = float(v)
    data = crop(spectra, window) if window is not None else spectra
    others = [d for d in data.dims if d != DIM]
    data = data.transpose(*others, DIM)
    n_total = int(np.prod([data.sizes[d] for d in others])) if others else 1
    if engine == "auto":
        engine = "lmfit" if n_total < 10 else "batch"
    if engine not in ("lmfit", "batch"):
        raise _option_error(f"engine {engine!r} is not one of auto, lmfit, batch")
    if despike is True:
        despike_method = ("temporal_median" if others == ["time"] and n_total >= 3
                          else "whitaker_hayes")
    elif despike:
        despike_method = str(despike)
        if despike_method not in ("whitaker_hayes", "temporal_median"):
            raise _option_error(f"despike={despike!r} is not True, False, 'whitaker_hayes' "
                                "or 'temporal_median'")
    else:
        despike_method = None
    order, pre, baseline_text = _baseline_choice(baseline)
    x = np.asarray(data[DIM].values, float)
    win = (float(x.min()), float(x.max()))
    params: dict[str, Any] = {
        "model": model, "window": list(window) if window else list(win),
        "baseline": baseline_text, "laser": laser, "la_relation": la_relation,
        "engine": engine, "despike": despike_method or "none"}
    if pre is not None and baseline_kwargs:
        params["baseline_parameters"] = json.loads(json.dumps(dict(baseline_kwargs),
                                                              default=str))
    if laser is None:
        params["la_raman"] = "not computed: no laser wavelength (give laser=<nm>)"
    intensity_unit = str(spectra.attrs.get("units", "count"))
    outputs, attrs = _output_spec(model, order, laser, intensity_unit)
    sink: list = []
    kwargs = {"x": x, "model": model, "order": order, "start": start, "lo": lo, "hi": hi,
              "window": win, "laser": laser, "la_relation": la_relation,
              "despike": despike_method, "baseline": pre,
              "baseline_kwargs": dict(baseline_kwargs or {}), "engine": engine,
              "workers": workers, "intensity_unit": intensity_unit}
    lazy = _is_dask(data)
    if not lazy:
        kwargs["sink"] = sink
    maps = apply_series(data, _fit_block, core_dims=[DIM], outputs=outputs, kwargs=kwargs,
                        attrs=attrs, block_size=block_size)
    maps.attrs = {"model": model, "la_relation": la_relation or "none",
                  "laser_wavelength": laser if laser is not None else "none",
                  "source": str(spectra.attrs.get("source", ""))}
    dropped_text = ""
    if not lazy:
        n_spikes = int(np.asarray(maps["spikes"].values).sum())
        if n_spikes:
            warnings.warn(f"{source}: {n_spikes} spike point(s) replaced ({despike_method})",
                          DataCleaningWarning, stacklevel=2)
        ok = np.asarray(maps["success"].values, bool)
        if not others:
            if not ok:
                flag = str(maps["flags"].values.item())
                if "no_signal" in flag:
                    raise FitError(
                        f"{source}: no signal above noise: the spectrum is flat (all zero, "
                        "all NaN or constant) or neither the D nor the G band height exceeds "
                        f"{NO_SIGNAL_SNR:g} standard errors; nothing to fit")
                raise FitError(f"{source}: the {model} fit did not converge")
        elif not ok.any():
            counts = _counts_text(maps)
            raise FitError(f"{source}: no spectrum could be fitted ({counts})")
        parts = []
        for b in OPTIONAL_BANDS:
            if f"{b}_dropped" in maps:
                k = int(np.asarray(maps[f"{b}_dropped"].values).sum())
                if k:
                    parts.append(f"{b.upper()} dropped" + (f" in {k} of {n_total} spectra"
                                                           if others else ""))
        if parts:
            dropped_text = ("; " + ", ".join(parts) + " (height converged to zero; fitted "
                            "again without it)")
        if la_relation is not None and "la_raman" in maps:
            la = np.asarray(maps["la_raman"].values, float)[ok]
            la_from_ratio(_ratio_for(la, la_relation, laser), laser=laser,
                          relation=la_relation)  # the calibrated-range warnings, once
    else:
        drops = [b for b in OPTIONAL_BANDS if f"{b}_dropped" in maps]
        if drops:
            dropped_text = (f"; {'/'.join(b.upper() for b in drops)} dropped where the height "
                            "converged to zero (maps '<band>_dropped')")
    keys = tuple(k for k in RECORD_KEYS if k in maps)
    methods = {k: _method(k, model, params, la_relation, dropped_text) for k in keys}
    prov = Provenance.from_data(spectra, parameters=params)
    curves_fn = _CurvesOf(data, maps, model, order, despike_method, pre,
                          dict(baseline_kwargs or {}), intensity_unit)
    return BandFitResult(maps=maps, technique="raman", keys=keys, methods=methods,
                         source=prov, depends=_depends(model), curves_fn=curves_fn,
                         fit=sink[-1] if sink and n_total == 1 else None,
                         model=model, laser=laser, la_relation=la_relation)


def _ratio_for(la: np.ndarray, relation: str, laser: float) -> np.ndarray:
    """The D/G ratios that give ``la`` (to re-issue the calibrated-range warning once)."""
    c = la_prefactor(relation, laser)
    la = la[np.isfinite(la) & (la > 0)]
    return c * la**2 if relation == "ferrari" else c / la


def _counts_text(maps: xr.Dataset) -> str:
    from charz.series import _flag_counts

    ok = np.asarray(maps["success"].values, bool)
    fl = _flag_counts(maps["flags"], maps["success"])
    no_sig = fl.get("no_signal", [0, 0])[1]
    text = f"{int(ok.sum())}/{ok.size} fitted"
    if no_sig:
        text += f", {no_sig} without signal"
    failed = ok.size - int(ok.sum()) - no_sig
    if failed:
        text += f", {failed} failed"
    return text


class _CurvesOf:
    """Curves of one spectrum, recomputed from ``maps`` (``SeriesResult.curves_fn``)."""

    def __init__(self, data, maps, model, order, despike, pre, baseline_kwargs, unit):
        self.data, self.maps, self.model, self.order = data, maps, model, order
        self.despike, self.pre, self.baseline_kwargs, self.unit = (despike, pre,
                                                                   baseline_kwargs, unit)

    def __call__(self, index: Mapping[str, int]) -> xr.Dataset:
        data = self.data
        x = np.asarray(data[DIM].values, float)
        if self.despike == "temporal_median" and "time" in index:
            t = int(index["time"])
            n_t = data.sizes["time"]
            lo_, hi_ = max(0, min(t - 1, n_t - 3)), min(n_t, max(t - 1, 0) + 3)
            block = np.asarray(data.isel({**index, "time": slice(lo_, hi_)}).values, float)
            block = block.reshape(-1, x.size)
            y, _ = _despike(block, "temporal_median" if block.shape[0] >= 3 else
                            "whitaker_hayes")
            y = y[t - lo_][None]
        else:
            y = np.asarray(data.isel(index).values, float).reshape(1, x.size)
            y, _ = _despike(y, "whitaker_hayes" if self.despike else None)
        if self.pre is not None and not _is_flat(y)[0]:
            from raman.baseline import baseline_raw

            bl, _ = baseline_raw(x, y, method=self.pre, **self.baseline_kwargs)
            y = y - bl
        m = self.maps.isel(index).compute() if index else self.maps.compute()
        bands = bands_of(self.model)
        heights = np.array([float(m[f"{b.name}_height"]) for b in bands])
        nonlin = np.array([float(m[k]) for k in nonlinear_names(self.model)])
        start = nonlinear_start(self.model)[0]
        gone = ~np.isfinite(nonlin)
        nonlin[gone] = start[gone]
        heights = np.nan_to_num(heights)
        comps = heights[:, None] * band_shapes(x, self.model, nonlin)
        basis = _poly_basis(x, self.order)
        coefs = np.array([float(m[f"background_c{k}"]) for k in range(basis.shape[0])])
        bg = coefs @ basis if basis.shape[0] else np.zeros(x.size)
        u = {"units": self.unit}
        cv: dict[str, Any] = {"data": (DIM, y[0], u), "best_fit": (DIM, comps.sum(0) + bg, u),
                              "background": (DIM, bg, u)}
        for j, b in enumerate(bands):
            cv[f"band_{b.name}"] = (DIM, comps[j], u)
        coords = {DIM: data[DIM]}
        for name, c in m.coords.items():
            if c.ndim == 0:
                coords[name] = c
        return xr.Dataset(cv, coords=coords, attrs={"index": dict(index)})


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

    bands = bands_of(model)
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
    vals = descriptor_values(model, heights, nonlin, window)
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
        vj = descriptor_values(model, pp[..., :nbands], pp[..., nbands:], window)
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
            la[good] = la_from_ratio(r[good], laser=laser, relation=la_relation, warn=False)
        vals["la_raman"] = la
        power = 0.5 if la_relation == "ferrari" else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            errs["la_raman"] = la * power * errs[ratio_key] / r
    return vals, errs
