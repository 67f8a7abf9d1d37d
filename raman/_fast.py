"""Compiled helpers of the Raman block kernel (numba when installed, numpy otherwise).

:func:`wh_candidates` is the first, per-spectrum part of Whitaker–Hayes despiking
(:func:`raman.baseline.whitaker_hayes_raw`): the modified z-score of the first differences
(Iglewicz–Hoaglin: 0.6745 (Δy − median Δy) / MAD(Δy), NaN points left out). Compiled, it
runs one pass per spectrum over the block (median by selection, no (n, m) temporaries),
on numba's threads when called from the main thread.
"""

from __future__ import annotations

import math
import threading
import warnings

import numpy as np

try:  # optional compiled kernels (the ``fast`` extra)
    import numba as _numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised where numba is absent
    _numba = None
    HAVE_NUMBA = False

__all__ = ["HAVE_NUMBA", "is_flat_rows", "nanmean_rows", "wh_candidates"]


def _select(a, k, lo, hi):
    """In-place quickselect (Hoare, median-of-three pivot): the k-th smallest of a[lo:hi+1]."""
    while hi > lo:
        mid = (lo + hi) >> 1
        if a[mid] < a[lo]:
            a[mid], a[lo] = a[lo], a[mid]
        if a[hi] < a[lo]:
            a[hi], a[lo] = a[lo], a[hi]
        if a[hi] < a[mid]:
            a[hi], a[mid] = a[mid], a[hi]
        pivot = a[mid]
        i = lo
        j = hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return a[k]
    return a[k]


def _median(a, n):
    """Median of a[:n] (reorders a; the mean of the two middle values for even n)."""
    k = n // 2
    v = _select(a, k, 0, n - 1)
    if n % 2 == 1:
        return v
    lower = a[0]
    for i in range(1, k):  # after the selection a[:k] holds the k smallest
        if a[i] > lower:
            lower = a[i]
    return 0.5 * (lower + v)


def _row(y, threshold, mask, i, buf, dev):
    """One spectrum: spike-candidate points into ``mask[i]``; returns MAD (NaN: none)."""
    m = y.shape[1]
    k = 0
    for j in range(m - 1):
        d = y[i, j + 1] - y[i, j]
        if math.isfinite(d):
            buf[k] = d
            k += 1
    if k == 0:
        return np.nan
    med = _median(buf, k)
    top = 0.0
    for j in range(k):
        dev[j] = abs(buf[j] - med)
        if dev[j] > top:
            top = dev[j]
    # the largest deviation is flagged only if MAD < top·0.6745/threshold; when at most
    # (k−1)//2 deviations lie below that (with a relative margin), the MAD is above it and
    # nothing is flagged: the second selection is skipped (the usual spectrum)
    bar = top * 0.6745 / threshold * (1.0 + 1e-9)
    below = 0
    for j in range(k):
        if dev[j] < bar:
            below += 1
    if below <= (k - 1) // 2:
        return np.nan
    mad = _median(dev, k)
    if not mad > 0.0:
        return np.nan
    scale = 0.6745 / mad
    for j in range(m - 1):
        d = y[i, j + 1] - y[i, j]
        if math.isfinite(d) and abs((d - med) * scale) > threshold:
            mask[i, j] = True
            mask[i, j + 1] = True
    return mad


def _rows_parallel(y, threshold, mask, mad):
    n, m = y.shape
    for i in _prange(n):
        buf = np.empty(max(m - 1, 1))
        dev = np.empty(max(m - 1, 1))
        mad[i] = _row(y, threshold, mask, i, buf, dev)


def _rows_serial(y, threshold, mask, mad):
    n, m = y.shape
    buf = np.empty(max(m - 1, 1))
    dev = np.empty(max(m - 1, 1))
    for i in range(n):
        mad[i] = _row(y, threshold, mask, i, buf, dev)


def _ranges(y, lo, hi):
    n, m = y.shape
    for i in _prange(n):
        a = np.inf
        b = -np.inf
        for j in range(m):
            v = y[i, j]
            if v < a:
                a = v
            if v > b:
                b = v
        lo[i] = a
        hi[i] = b


def _col_mean(y, out):
    n, m = y.shape
    s = np.zeros(m)
    c = np.zeros(m)
    for i in range(n):
        for j in range(m):
            v = y[i, j]
            if not math.isnan(v):
                s[j] += v
                c[j] += 1.0
    for j in range(m):
        out[j] = s[j] / c[j] if c[j] > 0 else np.nan


if HAVE_NUMBA:
    _prange = _numba.prange
    _ranges = _numba.njit(cache=True, nogil=True)(_ranges)
    _col_mean = _numba.njit(cache=True, nogil=True)(_col_mean)
    _select = _numba.njit(cache=True, nogil=True)(_select)
    _median = _numba.njit(cache=True, nogil=True)(_median)
    _row = _numba.njit(cache=True, nogil=True)(_row)
    _rows_parallel = _numba.njit(cache=True, nogil=True, parallel=True)(_rows_parallel)
    _rows_serial = _numba.njit(cache=True, nogil=True)(_rows_serial)
else:  # pragma: no cover
    _prange = range


def _nanmedian(a: np.ndarray, **kwargs: object) -> np.ndarray:
    with warnings.catch_warnings():  # all-NaN spectra: NaN, no candidates
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(a, **kwargs)


def wh_candidates(y: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Whitaker–Hayes spike candidates of a block of spectra.

    Parameters
    ----------
    y : ndarray
        ``(n, m)`` float64 intensities (NaN points are left out of the statistics).
    threshold : float
        Modified z-score above which a first difference marks its two points.

    Returns
    -------
    (ndarray, ndarray)
        Boolean candidate mask ``(n, m)`` and the MAD of the differences ``(n, 1)`` for
        the spectra with candidates (the compiled path skips it, as NaN, where a count
        shows that no difference can exceed the threshold; NaN also where it is zero or
        undefined: such a spectrum has no candidates).
    """
    y = np.ascontiguousarray(y, float)
    n, m = y.shape
    mask = np.zeros((n, m), bool)
    mad = np.empty(n)
    if not HAVE_NUMBA:  # pragma: no cover - the numpy formulation
        d = np.diff(y, axis=-1)
        median = np.median if np.isfinite(d).all() else _nanmedian
        med = median(d, axis=-1, keepdims=True)
        mad2 = median(np.abs(d - med), axis=-1, keepdims=True)
        mad2 = np.where(mad2 > 0, mad2, np.nan)
        with np.errstate(invalid="ignore"):
            flag = np.abs(np.nan_to_num(0.6745 * (d - med) / mad2)) > threshold
        mask[:, 1:] |= flag
        mask[:, :-1] |= flag
        return mask, mad2
    if m < 2:
        return mask, np.full((n, 1), np.nan)
    run = (_rows_parallel if threading.current_thread() is threading.main_thread()
           and n >= 64 else _rows_serial)
    run(y, float(threshold), mask, mad)
    return mask, mad[:, None]


def is_flat_rows(y: np.ndarray) -> np.ndarray:
    """Per row: all NaN, or constant within float noise (:func:`charz.flags.is_flat`).

    One pass over the block when compiled (NaN compares false, so it is skipped).
    """
    y = np.asarray(y, float)
    if not HAVE_NUMBA or y.ndim != 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            hi = np.nanmax(y, axis=-1)
            lo = np.nanmin(y, axis=-1)
    else:
        lo = np.empty(y.shape[0])
        hi = np.empty(y.shape[0])
        _ranges(np.ascontiguousarray(y), lo, hi)
    scale = np.maximum(np.abs(hi), np.abs(lo))
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(hi) | ~np.isfinite(lo) | (hi - lo <= 16 * np.finfo(float).eps
                                                      * scale)


def nanmean_rows(y: np.ndarray) -> np.ndarray:
    """Mean spectrum of a block ``(n, m)`` over the rows, NaN points left out."""
    y = np.asarray(y, float)
    if not HAVE_NUMBA:
        return _nanmean0(y)
    out = np.empty(y.shape[1])
    _col_mean(np.ascontiguousarray(y), out)
    return out


def _nanmean0(y: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():  # points that are NaN in every spectrum stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(y, axis=0)
