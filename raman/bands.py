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

import dataclasses
import functools
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz.errors import CharzError, DataCleaningWarning, FitError, OptionError
from charz.record import Provenance
from charz.series import SeriesResult, _flag_counts, _is_dask, apply_series
from raman._kernel import (
    _POLY,
    DIM,
    NO_SIGNAL_SNR,
    RECORD_KEYS,
    VANISH_SNR,
    _despike,
    _fit_block,
    _is_flat,
    _output_spec,
    _poly_basis,
)
from raman._models import (
    MODEL_TEXT,
    MODELS,
    OPTIONAL_BANDS,
    SECOND_ORDER,
    BandSpec,
    band_shapes,
    bands_of,
    nonlinear_names,
    nonlinear_start,
)
from raman.la import (
    LA_RELATIONS,
    LaRelation,
    _ratio_for,
    la_from_ratio,
    la_prefactor,
    outside_calibration,
)

__all__ = [
    "LA_RELATIONS",
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

ModelName = Literal["two_band", "three_band", "four_band", "sadezky"]

# ---------------------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------------------


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

    def descriptors(self) -> dict[str, Any]:
        """Record quantities (:meth:`charz.series.SeriesResult.descriptors`).

        ``la_raman`` outside its relation's calibrated range (:func:`raman.la.
        outside_calibration`; for a series or map, the mean) carries the flag
        ``outside_calibration``; for a series ``extra["n_outside_calibration"]`` counts
        the good spectra outside.

        Returns
        -------
        dict of str to Measurement
        """
        out = SeriesResult.descriptors(self)  # (slots dataclass: no zero-argument super)
        if not self.is_series:
            return self._finish_descriptors(out, {})
        return out

    def _stats_extra(self) -> dict[str, Any]:
        if self.la_relation is None or self.laser is None or "la_raman" not in self.maps:
            return {}
        return {"extra": functools.partial(_n_outside, relation=self.la_relation,
                                           laser=self.laser),
                "extra_vars": ("la_raman",)}

    def _finish_descriptors(self, out: dict[str, Any], st: Mapping[str, Any]) -> dict[str, Any]:
        m = out.get("la_raman")
        if m is None or self.la_relation is None or self.laser is None:
            return out
        if st.get("extra"):
            m = dataclasses.replace(m, extra=dict(m.extra, n_outside_calibration=st["extra"]))
        if outside_calibration(m.value, relation=self.la_relation, laser=self.laser):
            m = m.with_flags("outside_calibration")
        out["la_raman"] = m
        return out

    def plot_map(self, key: str = "id_ig", *, ax: Any = None, **kwargs: Any) -> Any:
        """Map of one descriptor over (y, x) (or a trace over one other dimension).

        Spectra without a successful fit (no signal, failed) are drawn as missing and
        counted in the legend; flagged spectra are crossed on a map and drawn hollow on a
        trace (:func:`charz.plotting.trend`).

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
        import numpy as np

        from charz.plotting import axis_label, slice_masks, trend

        if key not in self.maps:
            raise CharzError(f"plot_map: {key!r} is not in the fit's maps ({list(self.maps)})")
        da = self.maps[key].where(self.maps["success"])
        if da.ndim == 0:
            raise CharzError("plot_map: a single spectrum has no map")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4), layout="constrained")
        succ = self.maps["success"].transpose(*da.dims)
        flags = self.maps["flags"].transpose(*da.dims)
        if da.ndim == 2:
            kwargs.setdefault("cbar_kwargs", {"label": axis_label(self.maps[key], key)})
            da.plot(ax=ax, **kwargs)
            ax.set_aspect("equal")
            ycoord, xcoord = (da[d] for d in da.dims)
            ax.set_xlabel(axis_label(xcoord, str(da.dims[1])))
            ax.set_ylabel(axis_label(ycoord, str(da.dims[0])))
            _, flagged, failed = (m.reshape(da.shape) for m in slice_masks(succ.values,
                                                                             flags.values))
            iy, ix = np.nonzero(flagged)  # flagged pixels: crossed; failed ones: blank
            if iy.size:
                ax.plot(xcoord.values[ix], ycoord.values[iy], "x", color="w", mec="k", mew=0.6,
                        ms=5, label=f"flagged ({iy.size})")
            if failed.any():
                ax.plot([], [], " ", label=f"{int(failed.sum())} not fitted (blank)")
            if iy.size or failed.any():
                ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False,
                          fontsize="small", borderaxespad=0.2)  # above the map, title left
        else:
            dim = da.dims[0]
            trend(ax, da[dim].values, self.maps[key].values, success=succ.values,
                  flags=flags.values, label=key, line=True)
            ax.set_xlabel(axis_label(da[dim], str(dim)))
            ax.set_ylabel(axis_label(self.maps[key], key))
        ax.set_title(f"{self.source.source or 'map'}: {key}", fontsize=9, loc="left")
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
            _, ax = plt.subplots(layout="constrained", figsize=(6, 4))
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
        if self.series_dims:  # which spectrum of the series or map this is
            where = ", ".join(f"{d} {int(cur.attrs['index'][d])}" for d in self.series_dims)
            total = int(np.prod([self.maps.sizes[d] for d in self.series_dims]))
            title += f" ({where} of {total} spectra)"
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
        raise OptionError(
            f"la_relation {la_relation!r} is not one of {', '.join(LA_RELATIONS)}")
    if la_relation is not None and laser is None:
        raise OptionError(
            f"{source}: la_relation={la_relation!r} needs the laser wavelength, which the "
            "file does not give; pass laser=<nm> (--laser NM) or leave the La relation out")
    if laser is not None and la_relation is None:
        la_relation = "cancado"
    start, lo, hi = nonlinear_start(model)
    names = nonlinear_names(model)
    for k, v in (initial or {}).items():
        if k not in names:
            raise OptionError(
                f"initial: {k!r} is not a parameter of {model} ({', '.join(names)})")
        start[names.index(k)] = float(v)
    data = crop(spectra, window) if window is not None else spectra
    others = [d for d in data.dims if d != DIM]
    data = data.transpose(*others, DIM)
    n_total = int(np.prod([data.sizes[d] for d in others])) if others else 1
    if engine == "auto":
        engine = "lmfit" if n_total < 10 else "batch"
    if engine not in ("lmfit", "batch"):
        raise OptionError(f"engine {engine!r} is not one of auto, lmfit, batch")
    if despike is True:
        despike_method = ("temporal_median" if others == ["time"] and n_total >= 3
                          else "whitaker_hayes")
    elif despike:
        despike_method = str(despike)
        if despike_method not in ("whitaker_hayes", "temporal_median"):
            raise OptionError(f"despike={despike!r} is not True, False, 'whitaker_hayes' "
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


def _n_outside(good: np.ndarray, la: np.ndarray, *, relation: str, laser: float) -> int:
    """Good spectra of a chunk whose La lies outside the relation's calibrated range."""
    return int(np.count_nonzero(outside_calibration(np.where(good, la, np.nan),
                                                    relation=relation, laser=laser)))


def _counts_text(maps: xr.Dataset) -> str:
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
