"""Pieces the technique series glue shares (private): one fit per row of a block, the
output table of record keys, and the check of a per-curve fit's options.

``xrd.series`` and ``saxs.series`` broadcast a one-curve fit over a series through
:func:`charz.series.apply_series`; what differs is only how a row becomes a curve and which
fit runs on it.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from charz.errors import CharzError, OptionError

__all__ = ["check_options", "fit_each", "flat_attrs", "key_outputs"]


def fit_each(n: int, fit_one: Callable[[int], Any], keys: Sequence[str], *,
             parameters: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """Fit rows ``0 .. n-1`` one at a time and collect the per-row table.

    Parameters
    ----------
    n : int
        Rows in the block.
    fit_one : callable
        ``fit_one(i)`` returns a result with ``descriptors()`` and ``fit`` (an lmfit
        ``ModelResult``); a :class:`~charz.errors.CharzError` marks row ``i`` failed (its
        ``flags``, such as ``no_signal``, are kept). Warnings inside are silenced: the
        flags say it.
    keys : sequence of str
        Record keys collected (value and ``<key>_stderr``).
    parameters : sequence of str
        Fit parameters collected from ``result.parameters`` (``{name: (value, stderr)}``).

    Returns
    -------
    dict of str to ndarray
        ``<key>``, ``<key>_stderr`` (NaN where absent), ``redchi``, ``success`` (bool) and
        ``flags`` (comma-joined, object array).
    """
    out = {name: np.full(n, np.nan) for k in (*keys, *parameters)
           for name in (k, f"{k}_stderr")}
    out["redchi"] = np.full(n, np.nan)
    success = np.zeros(n, bool)
    flags = np.full(n, "", dtype=object)
    for i in range(n):  # lmfit fits one curve at a time
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # per-row warnings: the flags say it
                res = fit_one(i)
        except CharzError as exc:
            flags[i] = ",".join(getattr(exc, "flags", ()) or ())
            continue
        success[i] = True
        found: dict[str, None] = {}
        for k, m in res.descriptors().items():
            if k in keys:
                out[k][i] = m.value
                out[f"{k}_stderr"][i] = np.nan if m.stderr is None else m.stderr
            found.update(dict.fromkeys(m.flags))
        for p in parameters:
            v, e = res.parameters.get(p, (np.nan, None))
            out[p][i] = v
            out[f"{p}_stderr"][i] = np.nan if e is None else e
        out["redchi"][i] = float(res.fit.redchi)
        flags[i] = ",".join(found)
    out["success"] = success
    out["flags"] = flags
    return out


def key_outputs(keys: Iterable[str]) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """``outputs`` and ``attrs`` of :func:`charz.series.apply_series` for record keys.

    Parameters
    ----------
    keys : iterable of str
        Record keys (rows of :data:`charz.record.DESCRIPTORS`).

    Returns
    -------
    outputs : dict
        ``<key>`` and ``<key>_stderr`` as float, then ``redchi``, ``success``, ``flags``.
    attrs : dict
        Units and long names from the table of keys.
    """
    from charz.record import DESCRIPTORS

    outputs: dict[str, Any] = {}
    attrs: dict[str, dict[str, str]] = {}
    for k in keys:
        unit = DESCRIPTORS[k].unit
        outputs[k] = outputs[f"{k}_stderr"] = float
        attrs[k] = {"units": unit, "long_name": DESCRIPTORS[k].meaning}
        attrs[f"{k}_stderr"] = {"units": unit, "long_name": f"standard error of {k}"}
    outputs.update(redchi=float, success=bool, flags=object)
    attrs["redchi"] = {"units": "1", "long_name": "reduced chi-square"}
    return outputs, attrs


def check_options(caller: str, func: Callable[..., Any], options: Mapping[str, Any], *,
                  exclude: Iterable[str] = ()) -> None:
    """Refuse options the per-curve fit does not take (never silently ignored).

    Parameters
    ----------
    caller : str
        The series function, for the message.
    func : callable
        The one-curve fit.
    options : mapping
        The keyword arguments given.
    exclude : iterable of str
        Parameters of ``func`` the series function sets itself.

    Raises
    ------
    OptionError
        Naming the unknown options and those ``func`` takes.
    """
    allowed = set(list(inspect.signature(func).parameters)[1:]) - set(exclude)
    bad = sorted(set(options) - allowed)
    if bad:
        raise OptionError(f"{caller}: unknown option(s) {', '.join(bad)}; "
                          f"{func.__name__} takes {', '.join(sorted(allowed))}")


def flat_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The plain (str, number, bool) attrs of a series, for a picklable kernel."""
    return {k: v for k, v in attrs.items() if isinstance(v, str | int | float | bool)}
