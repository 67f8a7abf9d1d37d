"""Preparing Raman spectra of carbons: crop, remove cosmic spikes, subtract a baseline.

Every function takes a DataArray with a ``raman_shift`` dimension (and any leading
dimensions: ``time``, ``y``, ``x``, ``spectrum``), never modifies its input and records what
it did in ``attrs`` (``crop_window``, ``spikes_removed``, ``baseline_method``,
``baseline_parameters``).

Baselines come from pybaselines (Erb, pybaselines, doi:10.5281/zenodo.5608581) under their
own names and keyword arguments (FIELD-NOTES §2.6); charz adds one method of its own,
``"anchored"``: a low-order polynomial through the spectrum's edges outside the first-order
bands (800–1000 and 1800–2000 cm⁻¹ by default), which cannot eat D or G intensity.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import xarray as xr
from scipy import ndimage

from charz.errors import CharzError, DataCleaningWarning, PhysicsWarning

__all__ = [
    "WINDOW_METHODS",
    "baseline_raw",
    "crop",
    "default_lam",
    "remove_spikes",
    "subtract_baseline",
    "temporal_median_raw",
    "whitaker_hayes_raw",
]

DIM = "raman_shift"

#: pybaselines methods whose (half-)window must exceed the band widths (FIELD-NOTES §2.6),
#: with the name of their window argument.
WINDOW_METHODS: dict[str, str] = {
    "snip": "max_half_window",
    "rolling_ball": "half_window",
    "mor": "half_window",
    "imor": "half_window",
    "mormol": "half_window",
    "amormol": "half_window",
    "tophat": "half_window",
    "mpls": "half_window",
    "mpspline": "half_window",
    "jbcd": "half_window",
    "swima": "min_half_window",
    "noise_median": "half_window",
}

#: widest first-order band of disordered carbon (D, up to ~250 cm⁻¹ FWHM, FIELD-NOTES §2.6).
MAX_BAND_FWHM = 250.0


def _nanmedian(a: np.ndarray, **kwargs: Any) -> np.ndarray:
    """``np.nanmedian`` without the warning for all-NaN spectra (never collected)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(a, **kwargs)


def _check(spectrum: xr.DataArray, where: str) -> None:
    if not isinstance(spectrum, xr.DataArray) or DIM not in spectrum.dims:
        raise CharzError(
            f"{where}: expected an xarray.DataArray with a {DIM!r} dimension (from "
            f"charz.read), got {type(spectrum).__name__} with dims "
            f"{getattr(spectrum, 'dims', None)}"
        )


def _last(spectrum: xr.DataArray) -> xr.DataArray:
    others = [d for d in spectrum.dims if d != DIM]
    return spectrum.transpose(*others, DIM)


def crop(
    spectrum: xr.DataArray, window: tuple[float, float] | None = (800.0, 2000.0)
) -> xr.DataArray:
    """Keep one Raman-shift window (default the first-order region 800–2000 cm⁻¹).

    Parameters
    ----------
    spectrum : xarray.DataArray
        Spectra with a ``raman_shift`` dimension (1/cm, ascending as the readers give it).
    window : (float, float) or None
        Lower and upper Raman shift in 1/cm; None returns the input unchanged.

    Returns
    -------
    xarray.DataArray
        The points inside the window; ``attrs["crop_window"]`` records it.

    Raises
    ------
    CharzError
        Fewer than 10 points fall inside the window.
    """
    _check(spectrum, "crop")
    if window is None:
        return spectrum
    lo, hi = sorted(float(v) for v in window)
    x = spectrum[DIM].values
    keep = (x >= lo) & (x <= hi)
    if keep.sum() < 10:
        raise CharzError(
            f"crop: only {int(keep.sum())} points of {spectrum.attrs.get('source', 'the data')} "
            f"lie in {lo:g}–{hi:g} cm⁻¹ (data span {np.nanmin(x):g}–{np.nanmax(x):g})"
        )
    idx = np.flatnonzero(keep)
    if idx[-1] - idx[0] + 1 == idx.size:  # one run of points: a view, not a copy
        idx = slice(int(idx[0]), int(idx[-1]) + 1)
    out = spectrum.isel({DIM: idx})
    out.attrs = {**spectrum.attrs, "crop_window": [lo, hi]}
    return out


# ---------------------------------------------------------------------------------------
# spikes
# ---------------------------------------------------------------------------------------


def _drop_real_peaks(y: np.ndarray, mask: np.ndarray, noise: np.ndarray, *,
                     max_width: int, flanks: bool = True) -> np.ndarray:
    """Unflag runs of candidates that are narrow real bands, not cosmic spikes.

    A cosmic spike is at most ``max_width`` pixels wide and sits on a flat or monotonic
    neighbourhood; a real band (the 10–20 cm⁻¹ G band of graphene or graphite, the Si
    line) is wider, or has flanks that rise towards it on both sides (by > 3 σ over the 3
    pixels outside the run).
    """
    m = y.shape[-1]
    y2 = y.reshape(-1, m)
    k2 = mask.reshape(-1, m)
    sig = np.broadcast_to(np.nan_to_num(noise, nan=np.inf), (*y.shape[:-1], 1)).reshape(-1)
    padded = np.pad(k2, ((0, 0), (1, 1)))
    edges = np.diff(padded.astype(np.int8), axis=1)
    rs, cs = np.nonzero(edges == 1)  # run starts (row, first column)
    re_, ce = np.nonzero(edges == -1)  # run ends (row, one past the last column)
    order_s = np.lexsort((cs, rs))
    order_e = np.lexsort((ce, re_))
    rows, start, stop = rs[order_s], cs[order_s], ce[order_e]
    width = stop - start
    left_out = np.clip(start - 1, 0, m - 1)
    left_far = np.clip(start - 4, 0, m - 1)
    right_out = np.clip(stop, 0, m - 1)
    right_far = np.clip(stop + 3, 0, m - 1)
    rise_l = y2[rows, left_out] - y2[rows, left_far]
    rise_r = y2[rows, right_out] - y2[rows, right_far]
    rising = (rise_l > 3 * sig[rows]) & (rise_r > 3 * sig[rows])
    real = (width > max_width) | (rising if flanks else False)
    if not real.any():
        return mask
    out = k2.copy()
    for r, a, b in zip(rows[real], start[real], stop[real], strict=True):  # few runs
        out[r, a:b] = False
    return out.reshape(mask.shape)


def whitaker_hayes_raw(
    y: np.ndarray, *, threshold: float = 8.0, kernel_size: int = 3, max_width: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Whitaker–Hayes despiking along the last axis.

    Parameters
    ----------
    y : ndarray
        Intensities, shape ``(..., npoints)``.
    threshold : float
        Modified z-score above which a first difference is a spike (8 in the paper and
        RamanSPy).
    kernel_size : int
        Half-width m of the replacement window (points): a spike is replaced by the mean
        of the non-spike points within ±m.
    max_width : int
        Widest run of pixels taken as one spike; wider runs, and runs whose neighbours
        rise towards them on both sides, are real bands and are kept.

    Returns
    -------
    (ndarray, ndarray)
        Despiked copy and the boolean spike mask.

    Notes
    -----
    z = 0.6745 (Δy − median Δy) / MAD(Δy) on the first differences Δy of each spectrum
    (Iglewicz–Hoaglin modified z-score); points on either side of a flagged difference are
    spike candidates. Vectorised: the replacement is a masked moving mean.

    References
    ----------
    D. A. Whitaker, K. Hayes, Chemom. Intell. Lab. Syst. 179 (2018) 82–84.
    """
    y = np.asarray(y, float)
    if y.ndim > 2:  # one row per spectrum
        out, mask = whitaker_hayes_raw(y.reshape(-1, y.shape[-1]), threshold=threshold,
                                       kernel_size=kernel_size, max_width=max_width)
        return out.reshape(y.shape), mask.reshape(y.shape)
    return _whitaker_hayes(y, threshold=threshold, kernel_size=kernel_size,
                           max_width=max_width, copy=True)


def _whitaker_hayes(y: np.ndarray, *, threshold: float = 8.0, kernel_size: int = 3,
                    max_width: int = 3, copy: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """:func:`whitaker_hayes_raw` of a 1-D or 2-D float array; ``copy=False`` returns ``y``
    itself when it has no spike (the block kernel's usual case)."""
    if y.ndim == 2:  # compiled candidate search, one pass per spectrum
        from raman._fast import wh_candidates

        mask, mad = wh_candidates(y, threshold)
    else:
        d = np.diff(y, axis=-1)
        median = np.median if np.isfinite(d).all() else _nanmedian  # nanmedian is 3x slower
        med = median(d, axis=-1, keepdims=True)
        mad = median(np.abs(d - med), axis=-1, keepdims=True)
        mad = np.where(mad > 0, mad, np.nan)
        z = 0.6745 * (d - med) / mad
        flag = np.abs(np.nan_to_num(z)) > threshold
        mask = np.zeros(y.shape, bool)
        mask[..., 1:] |= flag
        mask[..., :-1] |= flag
    if not mask.any():  # the usual case: nothing to check further
        return (y.copy() if copy else y), mask
    if y.ndim == 2:  # the rest is row by row: only the rows with candidates
        rows = mask.any(axis=1)
        if not rows.all():
            sub, sub_mask = _wh_candidates(y[rows], mask[rows], mad[rows], threshold,
                                           kernel_size, max_width)
            out = y.copy()
            out[rows] = sub
            full = np.zeros(y.shape, bool)
            full[rows] = sub_mask
            return out, full
    return _wh_candidates(y, mask, mad, threshold, kernel_size, max_width)


def _wh_candidates(y, mask, mad, threshold, kernel_size, max_width):
    """Whitaker–Hayes, second part: keep candidates that stand above their neighbourhood."""
    # only keep candidates that stand above their neighbourhood (a spike, not a steep edge):
    # the local median is computed at the (few) candidates and their neighbours only
    cand = ndimage.binary_dilation(mask, structure=np.ones([1] * (y.ndim - 1) + [3]))
    half = kernel_size + 1
    pad = [(0, 0)] * (y.ndim - 1) + [(half, half)]
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(y, pad, mode="edge"), 2 * half + 1, axis=-1)
    idx = np.nonzero(cand)
    local = y.copy()
    if idx[0].size:
        local[idx] = np.median(windows[idx], axis=-1)
    resid = y - local
    noise = 1.4826 * mad / np.sqrt(2.0)
    mask &= resid > 0.5 * threshold * np.nan_to_num(noise, nan=np.inf)
    mask = ndimage.binary_dilation(mask, structure=np.ones([1] * (y.ndim - 1) + [3])) & (
        resid > 2 * np.nan_to_num(noise, nan=np.inf)
    ) | mask
    if mask.any():
        mask = _drop_real_peaks(y, mask, noise, max_width=max_width)
    if not mask.any():
        return y.copy(), mask
    good = (~mask).astype(float)
    size = [1] * (y.ndim - 1) + [2 * kernel_size + 1]
    num = ndimage.uniform_filter(np.where(mask, 0.0, y), size=size, mode="nearest")
    den = ndimage.uniform_filter(good, size=size, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        repl = np.where(den > 1e-9, num / den, local)
    return np.where(mask, repl, y), mask


def temporal_median_raw(
    y: np.ndarray, *, axis: int = 0, window: int = 3, threshold: float = 8.0,
    max_width: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Despike a series by comparing each spectrum with the median of its neighbours.

    Parameters
    ----------
    y : ndarray
        Intensities, shape ``(..., npoints)`` with the series along ``axis``.
    axis : int
        Series axis (time).
    window : int
        Frames in the median (odd).
    threshold : float
        Robust standard deviations above the median that mark a spike.
    max_width : int
        Widest run of pixels taken as one spike.

    Returns
    -------
    (ndarray, ndarray)
        Despiked copy and the boolean spike mask.

    Notes
    -----
    Frames are compared after scaling each to its median level (intensity drifts are not
    spikes); the noise of each spectrum is σ = 1.4826 MAD(Δ²y)/√6 from its second
    differences along the shift axis. Spikes do not repeat in the next frame, which makes
    this more reliable than single-spectrum despiking for series and maps (FIELD-NOTES
    §2.7).
    """
    y = np.asarray(y, float)
    size = [1] * y.ndim
    size[axis] = window
    level = _nanmedian(np.abs(y), axis=-1, keepdims=True)
    level = np.where(np.isfinite(level) & (level > 0), level, 1.0)
    med = ndimage.median_filter(y / level, size=size, mode="nearest") * level
    resid = y - med
    d2 = np.diff(y, n=2, axis=-1)
    mad = _nanmedian(np.abs(d2 - _nanmedian(d2, axis=-1, keepdims=True)),
                     axis=-1, keepdims=True)
    sigma = 1.4826 * np.where(mad > 0, mad, np.nan) / np.sqrt(6.0)
    mask = resid > threshold * np.nan_to_num(sigma, nan=np.inf)
    mask = ndimage.binary_dilation(
        mask, structure=np.ones([1] * (y.ndim - 1) + [3])
    ) & (resid > 2 * np.nan_to_num(sigma, nan=np.inf)) | mask
    if mask.any():  # a cosmic spike is at most a few pixels wide
        mask = _drop_real_peaks(y, mask, sigma, max_width=max_width, flanks=False)
    return np.where(mask, med, y), mask


def remove_spikes(
    spectrum: xr.DataArray,
    *,
    method: Literal["auto", "whitaker_hayes", "temporal_median"] = "auto",
    threshold: float = 8.0,
    kernel_size: int = 3,
    dim: str | None = None,
    window: int = 3,
    max_width: int = 3,
) -> xr.DataArray:
    """Remove cosmic-ray spikes.

    Parameters
    ----------
    spectrum : xarray.DataArray
        One spectrum or a series/map with a ``raman_shift`` dimension.
    method : {'auto', 'whitaker_hayes', 'temporal_median'}
        ``whitaker_hayes`` works on each spectrum alone (:func:`whitaker_hayes_raw`);
        ``temporal_median`` compares each spectrum with the median of its ``window``
        neighbours along ``dim`` (spikes do not repeat in the next frame); ``auto`` uses the
        temporal median for a series with at least 3 frames along ``time`` (or ``dim``),
        else Whitaker–Hayes.
    threshold : float
        Whitaker–Hayes modified z-score, or for the temporal median the number of robust
        standard deviations (MAD of the residuals) above the median that marks a spike.
    kernel_size : int
        Whitaker–Hayes replacement half-width (points).
    dim : str, optional
        Series dimension for the temporal median (default ``time``, else the first leading
        dimension).
    window : int
        Frames in the temporal median (odd).
    max_width : int
        Widest run of pixels taken as one spike (wider runs are real changes or bands).

    Returns
    -------
    xarray.DataArray
        Despiked copy; ``attrs["spikes_removed"]`` = number of replaced points, and a
        boolean ``spike_mask`` coordinate is not kept (it would double the size).

    Warns
    -----
    DataCleaningWarning
        When points were replaced (how many, and the method).
    """
    _check(spectrum, "remove_spikes")
    arr = _last(spectrum)
    lead = [d for d in arr.dims if d != DIM]
    if method == "auto":
        series_dim = dim or ("time" if "time" in lead else None)
        long_series = bool(series_dim) and arr.sizes[series_dim] >= 3
        method = "temporal_median" if long_series else "whitaker_hayes"
    y = np.asarray(arr.values, float)
    if method == "whitaker_hayes":
        out, mask = whitaker_hayes_raw(y, threshold=threshold, kernel_size=kernel_size,
                                       max_width=max_width)
    elif method == "temporal_median":
        sdim = dim or ("time" if "time" in lead else (lead[0] if lead else None))
        if sdim is None or arr.sizes[sdim] < 3:
            raise CharzError("remove_spikes: the temporal median needs a series of ≥ 3 spectra")
        out, mask = temporal_median_raw(y, axis=arr.dims.index(sdim), window=window,
                                        threshold=threshold, max_width=max_width)
    else:
        raise CharzError(
            f"remove_spikes: method {method!r} is not one of auto, whitaker_hayes, "
            "temporal_median"
        )
    n = int(mask.sum())
    result = arr.copy(data=out).transpose(*spectrum.dims)
    result.attrs = {**spectrum.attrs, "spikes_removed": n, "despike_method": method}
    if n:
        warnings.warn(
            f"{spectrum.attrs.get('source', 'spectrum')}: {n} spike point(s) replaced "
            f"({method}, threshold {threshold:g})",
            DataCleaningWarning,
            stacklevel=2,
        )
    return result


# ---------------------------------------------------------------------------------------
# baselines
# ---------------------------------------------------------------------------------------


def default_lam(x: np.ndarray) -> float:
    """Carbon-safe Whittaker smoothness for asls/arpls-type methods.

    ``1e7 × (2.5 cm⁻¹ / step)⁴``, clipped to 1e5–1e11: λ ≥ 1e7 at ~2.5 cm⁻¹ steps
    (FIELD-NOTES §2.6), scaled with the fourth power of the point density (the
    second-difference penalty's scaling), so the baseline keeps one stiffness in cm⁻¹.
    """
    x = np.asarray(x, float)
    step = float(np.nanmedian(np.abs(np.diff(x)))) if x.size > 1 else 2.5
    return float(np.clip(1e7 * (2.5 / max(step, 1e-6)) ** 4, 1e5, 1e11))


def _anchored(
    x: np.ndarray,
    y: np.ndarray,
    anchors: Sequence[tuple[float, float]] = ((800.0, 1000.0), (1800.0, 2000.0)),
    poly_order: int = 1,
) -> np.ndarray:
    """Polynomial through the points inside the anchor windows (least squares)."""
    sel = np.zeros(x.size, bool)
    for lo, hi in anchors:
        sel |= (x >= lo) & (x <= hi)
    if sel.sum() < poly_order + 2:
        raise CharzError(
            f"baseline 'anchored': fewer than {poly_order + 2} points in the anchor windows "
            f"{list(anchors)} (data span {x.min():g}–{x.max():g} cm⁻¹)"
        )
    mid = 0.5 * (x.max() + x.min())
    half = max(0.5 * (x.max() - x.min()), 1e-9)
    u = (x - mid) / half
    V = np.vander(u[sel], poly_order + 1)
    yy = np.atleast_2d(y)
    ok = np.isfinite(yy[:, sel]).all(axis=0)
    coef, *_ = np.linalg.lstsq(V[ok], yy[:, sel][:, ok].T, rcond=None)
    return (np.vander(u, poly_order + 1) @ coef).T.reshape(y.shape)


def baseline_raw(
    x: np.ndarray, y: np.ndarray, *, method: str = "arpls", **method_kwargs: Any
) -> tuple[np.ndarray, dict[str, Any]]:
    """Baseline of one spectrum or a stack (last axis = Raman shift) on bare arrays.

    Parameters
    ----------
    x : ndarray
        Raman shift in 1/cm, ascending.
    y : ndarray
        Intensities, shape ``(..., x.size)``.
    method : str
        A pybaselines ``Baseline`` method (``arpls``, ``asls``, ``airpls``, ``modpoly``,
        ``snip``, ...) or ``"anchored"`` (charz: polynomial through anchor windows; kwargs
        ``anchors`` = list of (lo, hi) in 1/cm, ``poly_order``).
    **method_kwargs
        Passed unchanged to the method. For Whittaker methods (``asls``, ``arpls``,
        ``airpls``, ``iarpls``, ``aspls``, ``drpls``, ``iasls``, ``psalsa``, ``derpsalsa``)
        a missing ``lam`` is set by :func:`default_lam`.

    Returns
    -------
    (ndarray, dict)
        Baseline (same shape as ``y``) and the parameters actually used.

    Warns
    -----
    PhysicsWarning
        A window method's half-window is below 2 × 250 cm⁻¹ (the widest D band): it will
        remove band intensity (FIELD-NOTES §2.6: snip with a ~370 cm⁻¹ half-window wiped
        out G).
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    params = dict(method_kwargs)
    if method == "anchored":
        anchors = params.get("anchors", ((800.0, 1000.0), (1800.0, 2000.0)))
        order = int(params.get("poly_order", 1))
        params = {"anchors": [list(map(float, a)) for a in anchors], "poly_order": order}
        return _anchored(x, y, anchors, order), params
    from pybaselines import Baseline

    fitter = Baseline(x_data=x)
    func = getattr(fitter, method, None)
    if func is None or method.startswith("_"):
        raise CharzError(
            f"baseline method {method!r} is not a pybaselines Baseline method nor 'anchored'"
        )
    whittaker = {"asls", "arpls", "airpls", "iarpls", "aspls", "drpls", "iasls", "psalsa",
                 "derpsalsa", "brpls", "lsrpls"}
    if method in whittaker and "lam" not in params:
        params["lam"] = default_lam(x)
    step = float(np.nanmedian(np.abs(np.diff(x))))
    if method in WINDOW_METHODS:
        key = WINDOW_METHODS[method]
        hw = params.get(key)
        if hw is None:
            # pybaselines' own default is estimated from the data; make it explicit and safe
            hw = int(np.ceil(2 * MAX_BAND_FWHM / step))
            params[key] = hw
        if float(hw) * step < 2 * MAX_BAND_FWHM:
            warnings.warn(
                f"baseline {method}: {key}={hw} points = {float(hw) * step:.0f} cm⁻¹ is below "
                f"2 × {MAX_BAND_FWHM:g} cm⁻¹ (the widest D band); the baseline will remove "
                "D/G intensity (give a larger window or use arpls/asls/anchored)",
                PhysicsWarning,
                stacklevel=3,
            )
    flat = y.reshape(-1, x.size)
    out = np.empty_like(flat)
    for i, row in enumerate(flat):  # one call per spectrum (pybaselines is 1-D)
        ok = np.isfinite(row)
        if ok.all():
            out[i] = func(row, **params)[0]
        elif ok.sum() > 10:
            filled = np.interp(x, x[ok], row[ok])
            out[i] = func(filled, **params)[0]
        else:
            out[i] = np.nan
    return out.reshape(y.shape), params


def subtract_baseline(
    spectrum: xr.DataArray, *, method: str = "arpls", **method_kwargs: Any
) -> xr.DataArray:
    """Subtract a baseline (pybaselines method names and keyword arguments, unchanged).

    Parameters
    ----------
    spectrum : xarray.DataArray
        One spectrum or a series/map with a ``raman_shift`` dimension, usually cropped
        first (:func:`crop`).
    method : str
        pybaselines method (default ``arpls``, Baek et al., Analyst 140 (2015) 250) or
        ``"anchored"``; see :func:`baseline_raw`.
    **method_kwargs
        The method's own keyword arguments (``lam``, ``p``, ``poly_order``,
        ``max_half_window`` ...), passed through.

    Returns
    -------
    xarray.DataArray
        Corrected intensities with a ``baseline`` coordinate (same dims) and
        ``attrs["baseline_method"]``, ``attrs["baseline_parameters"]`` (JSON).

    Notes
    -----
    The default ``arpls`` with ``lam`` from :func:`default_lam` is carbon-safe on the
    800–2000 cm⁻¹ window: stiff enough to pass under the 60–250 cm⁻¹ wide D and G bands.
    Low-order polynomials fitted over the D–G window (``modpoly`` 2) and narrow window
    methods over-subtract (FIELD-NOTES §2.6).
    """
    _check(spectrum, "subtract_baseline")
    arr = _last(spectrum)
    base, params = baseline_raw(arr[DIM].values, arr.values, method=method, **method_kwargs)
    out = arr.copy(data=arr.values - base)
    out = out.assign_coords(baseline=(arr.dims, base, {"units": arr.attrs.get("units", ""),
                                                      "long_name": "baseline"}))
    out = out.transpose(*spectrum.dims)
    out.attrs = {**spectrum.attrs, "baseline_method": method,
                 "baseline_parameters": json.dumps(params, default=float)}
    return out
