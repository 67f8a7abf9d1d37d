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

__all__ = ["HAVE_NUMBA", "wh_candidates"]


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
    med = np.median(buf[:k])
    for j in range(k):
        dev[j] = abs(buf[j] - med)
    mad = np.median(dev[:k])
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


if HAVE_NUMBA:
    _prange = _numba.prange
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
        Boolean candidate mask ``(n, m)`` and the MAD of the differences ``(n, 1)``
        (NaN where it is zero or undefined: such a spectrum has no candidates).
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
