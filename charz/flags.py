"""Flags: short strings on a :class:`~charz.record.Measurement` that say why a number should
not be quoted as is.

A flag is one word of the vocabulary below, or ``word:detail`` for the two parametrised
flags. Flags travel with the number everywhere it goes (JSON ``"flags"``, the tables as a
mark and a note, the XLSX methods sheet, series ``maps``); a flagged result is still
returned and written with one warning line (:func:`report_flags`), and ``--strict``
(``strict=True``) turns any flag into a :class:`~charz.errors.FlaggedResultError`.

The vocabulary (one table, :data:`FLAGS`):

=========================  ===============================================================
flag                       meaning
=========================  ===============================================================
``at_bound:<param>``       the fitted parameter ``<param>`` ended on (or within a relative
                           tolerance of) one of its bounds: the bound, not the data, set it
``not_converged``          the fit did not converge (lmfit ``success`` is False)
``poor_fit``               the fit converged but describes the data badly (criterion
                           stated in the method of the technique that sets it)
``no_signal``              no band or peak above the noise: flat, all zero, all NaN, or
                           fitted amplitudes within their uncertainty of zero
``outside_calibration``    the value lies outside the range its relation or calibration
                           was established for
``extrapolated``           the value was extrapolated beyond the measured range
``assumed:<what>``         an input that changes the value was not given and ``<what>``
                           was assumed (e.g. ``assumed:wavelength``)
=========================  ===============================================================

A descriptor computed from a flagged parameter inherits its flags:
``lc.with_flags(*d002.flags)`` or ``combine(d002, fit_flags(result))``.

Examples
--------
>>> combine([at_bound("center")], NOT_CONVERGED, [at_bound("center")])
('at_bound:center', 'not_converged')
>>> explain("at_bound:center")
'fit parameter center ended at its bound'
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from charz.errors import FlaggedResultError, FlagWarning, RecordError

__all__ = [
    "EXTRAPOLATED",
    "FLAGS",
    "NOT_CONVERGED",
    "NO_SIGNAL",
    "OUTSIDE_CALIBRATION",
    "POOR_FIT",
    "assumed",
    "at_bound",
    "combine",
    "explain",
    "fit_flags",
    "flagged",
    "is_flat",
    "report_flags",
    "validate_flag",
]

#: The vocabulary: flag word -> what it means. ``at_bound`` and ``assumed`` take a detail
#: after a colon (``at_bound:center``, ``assumed:wavelength``).
FLAGS: Mapping[str, str] = {
    "at_bound": "a fitted parameter (named after the colon) ended on or within a relative "
                "tolerance of one of its bounds: the bound, not the data, set it",
    "not_converged": "the fit did not converge",
    "poor_fit": "the fit converged but describes the data poorly (criterion stated by the "
                "technique)",
    "no_signal": "no band or peak above the noise: flat, all zero, all NaN, or fitted "
                 "amplitudes within their uncertainty of zero",
    "outside_calibration": "the value lies outside the range its relation or calibration "
                           "was established for",
    "extrapolated": "the value was extrapolated beyond the measured range",
    "assumed": "an input that changes the value (named after the colon) was not given and "
               "a default was assumed",
}

#: Short phrases for warnings and table notes (``{detail}``: the part after the colon).
_PHRASES: Mapping[str, str] = {
    "at_bound": "fit parameter {detail} ended at its bound",
    "not_converged": "the fit did not converge",
    "poor_fit": "the fit describes the data poorly",
    "no_signal": "no signal above noise",
    "outside_calibration": "outside the calibrated range of its relation",
    "extrapolated": "extrapolated beyond the measured range",
    "assumed": "{detail} was not given and was assumed",
}

#: Flag words that take a ``:detail``.
_PARAMETRISED = frozenset({"at_bound", "assumed"})

NOT_CONVERGED = "not_converged"
POOR_FIT = "poor_fit"
NO_SIGNAL = "no_signal"
OUTSIDE_CALIBRATION = "outside_calibration"
EXTRAPOLATED = "extrapolated"


def validate_flag(flag: str) -> str:
    """Return ``flag`` if it belongs to the vocabulary, else raise.

    Raises
    ------
    RecordError
        The flag is not a string of the :data:`FLAGS` vocabulary (a parametrised flag
        needs its detail, a plain one must have none).
    """
    if not isinstance(flag, str):
        raise RecordError(f"flag {flag!r} is not a string")
    word, sep, detail = flag.partition(":")
    ok = word in FLAGS and (bool(detail.strip()) if word in _PARAMETRISED else not sep)
    if not ok:
        allowed = ", ".join(f"{w}:<detail>" if w in _PARAMETRISED else w for w in FLAGS)
        raise RecordError(f"flag {flag!r} is not in the vocabulary ({allowed})")
    return flag


def at_bound(param: str) -> str:
    """Flag for a fit parameter that ended at its bound: ``"at_bound:<param>"``."""
    return validate_flag(f"at_bound:{param}")


def assumed(what: str) -> str:
    """Flag for an input that was assumed, not given: ``"assumed:<what>"``."""
    return validate_flag(f"assumed:{what}")


def explain(flag: str) -> str:
    """One phrase saying what a flag means (used in warnings and table notes)."""
    word, _, detail = validate_flag(flag).partition(":")
    return _PHRASES[word].format(detail=detail)


def _items(group: Any) -> Iterable[str]:
    if group is None:
        return ()
    if isinstance(group, str):
        return (group,)
    if hasattr(group, "flags") and not isinstance(group, Mapping):
        return tuple(group.flags)
    return tuple(group)


def combine(*groups: Any) -> tuple[str, ...]:
    """Union of flags, validated and de-duplicated, first-seen order kept.

    Parameters
    ----------
    *groups : str, iterable of str, or object with ``flags``
        A single flag, a collection of flags, or a :class:`~charz.record.Measurement`
        (its ``flags``), so that ``combine(d002, lc)`` gives what a value computed from
        both inherits. None is ignored.

    Returns
    -------
    tuple of str
    """
    out: dict[str, None] = {}
    for group in groups:
        for flag in _items(group):
            out[validate_flag(flag)] = None
    return tuple(out)


def fit_flags(
    result: Any,
    *,
    ignore: Iterable[str] = (),
    params: Iterable[str] | None = None,
    rtol: float = 1e-3,
) -> tuple[str, ...]:
    """Flags of an lmfit fit: ``at_bound:<p>`` per parameter at a bound, ``not_converged``.

    Parameters
    ----------
    result : lmfit.minimizer.MinimizerResult or lmfit.model.ModelResult
        Anything with ``params`` (:class:`lmfit.Parameters`) and ``success``.
    ignore : iterable of str
        Parameter names not to check (e.g. a term allowed to vanish at its bound 0).
    params : iterable of str, optional
        Check only these parameters (those a descriptor depends on); default all.
    rtol : float
        Relative tolerance: a varying parameter within ``rtol`` of its bound counts as at
        the bound. The scale is the bound interval when both bounds are finite, else the
        magnitude of the bound (or of the initial value when the bound is 0, or 1).

    Returns
    -------
    tuple of str
        In parameter order; ``not_converged`` last when ``result.success`` is False.
    """
    skip = set(ignore)
    only = None if params is None else set(params)
    flags = []
    for name, par in result.params.items():
        if not par.vary or name in skip or (only is not None and name not in only):
            continue
        value = par.value
        lo, hi = par.min, par.max
        if value is None or not math.isfinite(value):
            continue
        if math.isfinite(lo) and math.isfinite(hi):
            scale = hi - lo
        else:
            bound = lo if math.isfinite(lo) else hi
            init = getattr(par, "init_value", None)
            scale = abs(bound) if bound else (abs(init) if init else 1.0)
        tol = rtol * scale
        if (math.isfinite(lo) and value - lo <= tol) or (math.isfinite(hi) and hi - value <= tol):
            flags.append(at_bound(name))
    if getattr(result, "success", True) is False:
        flags.append(NOT_CONVERGED)
    return combine(flags)


def is_flat(y: Any, axis: int = -1) -> Any:
    """True where a signal is all NaN, all zero, or constant within float noise.

    Parameters
    ----------
    y : array_like
        Intensities; a series is reduced along ``axis``.
    axis : int
        Axis of the spectrum/pattern.

    Returns
    -------
    bool or numpy.ndarray of bool
        One value per signal (a scalar for 1-D input). Empty signals are flat.

    Notes
    -----
    "Constant within float noise" is ``max - min <= 16 ε max(|max|, |min|)`` over the
    finite values, with ε the float64 machine epsilon.
    """
    arr = np.asarray(y, dtype=float)
    if arr.ndim == 0:
        arr = arr[None]
    if arr.shape[axis] == 0:
        return np.ones(np.delete(arr.shape, axis % arr.ndim), bool)[()]
    finite = np.isfinite(arr)
    any_finite = finite.any(axis=axis)
    hi = np.where(finite, arr, -np.inf).max(axis=axis)
    lo = np.where(finite, arr, np.inf).min(axis=axis)
    with np.errstate(invalid="ignore"):
        span = hi - lo
        scale = np.maximum(np.abs(hi), np.abs(lo))
        flat = ~any_finite | (span <= 16 * np.finfo(float).eps * scale)
    return flat[()] if np.ndim(flat) == 0 else flat


def _measurements(measurements: Any) -> Mapping[str, Any]:
    desc = getattr(measurements, "descriptors", None)
    if desc is not None:
        return desc() if callable(desc) else desc
    return measurements


def flagged(measurements: Any) -> dict[str, tuple[str, ...]]:
    """``{key: flags}`` of the flagged measurements (a mapping, record or result)."""
    return {k: m.flags for k, m in _measurements(measurements).items() if m.flags}


def report_flags(where: str, measurements: Any, *, strict: bool = False) -> dict[str, tuple]:
    """Warn once (or raise with ``strict``) when any measurement is flagged.

    Parameters
    ----------
    where : str
        What the measurements belong to (file or sample name), first in the message.
    measurements : Mapping[str, Measurement], StructuralRecord or result
        Anything with ``descriptors`` (a mapping or a method).
    strict : bool
        Raise instead of warning.

    Returns
    -------
    dict
        ``{key: flags}`` of the flagged measurements (empty: no warning).

    Raises
    ------
    FlaggedResultError
        With ``strict=True`` when anything is flagged.

    Warns
    -----
    FlagWarning
        One line listing each flagged key and why.
    """
    found = flagged(measurements)
    if not found:
        return found
    why = "; ".join(f"{k} ({', '.join(explain(f) for f in fl)})" for k, fl in found.items())
    msg = f"{where}: {len(found)} flagged result(s): {why}"
    if strict:
        raise FlaggedResultError(f"{msg} (strict: flagged results are errors)")
    warnings.warn(f"{msg}; quote them with care", FlagWarning, stacklevel=2)
    return found
