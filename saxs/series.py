"""In-situ / operando SAXS: one model fit per frame of a series.

A series is a DataArray with a leading dimension (``time``, ``frame``, or map ``y``/``x``)
and ``q`` in 1/nm, e.g. from :func:`charz.series.stack_frames` on curves read with
:func:`saxs.read`, with ``voltage``/``capacity`` attached by
:func:`charz.series.attach_echem`. During sodiation of hard carbon the nanopore
scattering falls on the low-voltage plateau as pores fill with Na and the contrast drops
(Stevens & Dahn, J. Electrochem. Soc. 147 (2000) 1271): the fitted pore-term amplitude
(DAB I(0), and the invariant φ(1−φ)Δρ² ∝ it) against voltage is the quantity of interest.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import xarray as xr

from charz.errors import CharzError, FitError
from saxs import models

__all__ = ["fit_series"]

_FITTERS = {"porod_dab": models.fit_porod_dab, "spheres": models.fit_power_law_spheres,
            "unified": models.fit_unified, "guinier_porod": models.fit_guinier_porod}


def fit_series(
    series: xr.DataArray,
    *,
    model: Literal["porod_dab", "spheres", "unified", "guinier_porod"] = "porod_dab",
    quiet: bool = False,
    **options: Any,
) -> xr.Dataset:
    """Fit one SAXS model to every curve of a series.

    Parameters
    ----------
    series : xarray.DataArray
        Dims (..., ``q``) with one or more leading dims; ``sigma`` coord optional (same dims).
    model : {'porod_dab', 'spheres', 'unified', 'guinier_porod'}
        Model of :mod:`saxs.models`.
    quiet : bool
        No progress bar.
    **options
        Passed to the fit function (``q_range``, ``porod_exponent``, ...).

    Returns
    -------
    xarray.Dataset
        Over the leading dims: each fitted parameter and ``<name>_stderr``,
        ``pore_diameter`` (nm, the model's stated convention), ``redchi`` and ``success``
        (False where the fit raised :class:`~charz.errors.FitError`; values NaN there).
        Non-q coordinates of the series (``voltage``, ``capacity``, ``timestamp``) are
        carried over.
    """
    from charz.output import progress

    if "q" not in series.dims or series.ndim < 2:
        raise CharzError("fit_series needs a DataArray with 'q' and at least one other dim")
    try:
        fit = _FITTERS[model]
    except KeyError:
        raise CharzError(f"model must be one of {', '.join(_FITTERS)}, got {model!r}") from None
    lead = [d for d in series.dims if d != "q"]
    stacked = series.transpose(*lead, "q").stack(_frame=lead)
    n = stacked.sizes["_frame"]
    rows: list[dict[str, float]] = []
    ok = np.zeros(n, bool)
    for i in progress(range(n), total=n, desc=f"SAXS {model} fits", disable=quiet):
        frame = stacked.isel(_frame=i)
        curve = xr.DataArray(frame.values, dims="q", coords={"q": series["q"]},
                             attrs=dict(series.attrs), name="intensity")
        if "sigma" in frame.coords and frame["sigma"].dims == ("q",):
            curve = curve.assign_coords(sigma=("q", frame["sigma"].values))
        try:
            res = fit(curve, **options)
        except FitError:
            rows.append({})
            continue
        ok[i] = True
        row = {}
        for k, (v, e) in res.parameters.items():
            row[k] = v
            row[f"{k}_stderr"] = np.nan if e is None else e
        row["pore_diameter"] = res.pore_diameter.value
        row["redchi"] = float(res.fit.redchi)
        rows.append(row)
    keys = sorted({k for r in rows for k in r})
    if not keys:
        raise FitError(f"no frame of the series could be fitted with {model}")
    data = {k: ("_frame", np.array([r.get(k, np.nan) for r in rows], float)) for k in keys}
    data["success"] = ("_frame", ok)
    ds = xr.Dataset(data, coords={"_frame": stacked["_frame"]}).unstack("_frame")
    ds["pore_diameter"].attrs.update(units="nm", long_name=f"pore diameter ({model})")
    for name, c in series.coords.items():
        if name not in ds.coords and "q" not in c.dims and set(c.dims) <= set(ds.dims):
            ds = ds.assign_coords({name: c})
    ds.attrs.update(model=model, technique="saxs")
    return ds
