"""XRD over series and maps through the one engine, :func:`charz.series.apply_series`.

:func:`fit_pattern_series` runs :func:`xrd.peaks.fit_pattern` on every pattern of a series
(in-situ frames, maps, scans): numpy-backed data in-process, dask-backed data block by
block on the active dask scheduler (threads, processes, a ``dask.distributed`` cluster).
The kernel is a module-level function (picklable); each pattern is fitted on its own, so a
result does not depend on how the series is chunked.

A pattern without signal (flat, all zero or NaN, or a (002) height within 2 standard
errors of zero — :func:`xrd.peaks.fit_pattern`) gets ``success=False`` and the flag
``no_signal`` in ``maps`` and is left out of the means of
:meth:`~charz.series.SeriesResult.descriptors`; a fit that fails otherwise gets
``success=False`` (with ``not_converged`` when that is why).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import OptionError

__all__ = ["fit_pattern_series", "pattern_keys"]

_BASE = ("d002", "lc", "n_layers", "two_theta_002", "fwhm_002", "dahn_r")
_TEN = ("la", "two_theta_100", "fwhm_100")
_TWO = ("fraction_002_ordered", "d002_ordered", "d002_dilated")


def pattern_keys(options: Mapping[str, Any]) -> tuple[str, ...]:
    """Record keys :func:`xrd.peaks.fit_pattern` can return with these options."""
    keys = list(_BASE)
    if options.get("fit_10", True):
        keys += _TEN
    if options.get("n_002", 1) == 2:
        keys += _TWO
    return tuple(keys)


def _depends(keys: Sequence[str], options: Mapping[str, Any]) -> dict[str, list[str]]:
    """Key -> lmfit parameters it inherits ``at_bound`` flags from (as fit_pattern does)."""
    shape_pars = ("height", "center", "fwhm", "fraction")
    bg = ["bg_amp", "bg_exp"] + [f"bg_c{i}" for i in range(options.get("background_degree",
                                                                      1) + 1)]
    p002 = [f"{p}{s}" for p in ("p002_", "p002o_", "p002d_") for s in shape_pars]
    p10 = [f"{p}{s}" for p in ("p10_", "p101_") for s in shape_pars]
    out = {}
    for k in keys:
        if k in _TEN:
            out[k] = p10 + bg
        elif k == "d002_ordered":
            out[k] = [f"p002o_{s}" for s in shape_pars] + bg
        elif k == "d002_dilated":
            out[k] = [f"p002d_{s}" for s in shape_pars] + bg
        else:
            out[k] = p002 + bg
    return out


def _kernel(block: np.ndarray, *, two_theta: np.ndarray, attrs: Mapping[str, Any],
            options: Mapping[str, Any], keys: Sequence[str]) -> dict[str, np.ndarray]:
    """The batched XRD kernel: :func:`fit_pattern` on each row of ``block`` (n, two_theta).

    A pattern :func:`fit_pattern` refuses (no signal, not converged) is a failed row with
    that flag.
    """
    from charz._kernels import fit_each
    from xrd.peaks import fit_pattern

    coord = xr.Variable("two_theta", two_theta, {"units": "deg", "long_name": "2θ"})

    def fit_one(i: int) -> Any:
        da = xr.DataArray(block[i], dims="two_theta", coords={"two_theta": coord},
                          attrs=dict(attrs), name="intensity")
        return fit_pattern(da, warn=False, **options)

    return fit_each(block.shape[0], fit_one, keys)


def fit_pattern_series(series: xr.DataArray, **options: Any) -> Any:
    """:func:`xrd.peaks.fit_pattern` on every pattern of a series or map (the engine).

    Parameters
    ----------
    series : xarray.DataArray
        Patterns over ``two_theta`` (deg) with one or more other dimensions (``time``,
        ``frame``, ``y``/``x``, ``scan``); numpy- or dask-backed (dask: fitted chunk by
        chunk on the active scheduler, the result stays lazy).
    **options
        Keyword arguments of :func:`xrd.peaks.fit_pattern` (``wavelength``,
        ``convention``, ``window``, ``n_002``, ...); ``warn`` is off per pattern.

    Returns
    -------
    charz.series.SeriesResult
        ``maps`` over the other dimensions: one variable per record key (its unit),
        ``<key>_stderr``, ``redchi``, ``success`` and ``flags``; ``descriptors()`` the mean
        ± standard error of the good patterns; ``curves({"time": i})`` refits pattern i.

    Raises
    ------
    OptionError
        ``series`` has no dimension besides ``two_theta``, or an option is not one of
        :func:`fit_pattern`'s.
    """
    from charz._kernels import check_options, flat_attrs, key_outputs
    from charz.record import Provenance
    from charz.series import SeriesResult, apply_series
    from xrd.corrections import _wavelength
    from xrd.peaks import fit_pattern

    if "two_theta" not in series.dims or series.ndim < 2:
        raise OptionError(f"fit_pattern_series needs dims besides two_theta; got {series.dims}"
                          " (use xrd.fit_pattern for one pattern)")
    check_options("fit_pattern_series", fit_pattern, options, exclude=("warn", "strict"))
    options = dict(options)
    options["wavelength"] = _wavelength(series, options.get("wavelength"))
    keys = pattern_keys(options)
    outputs, attrs = key_outputs(keys)
    maps = apply_series(series, _kernel, core_dims=["two_theta"], outputs=outputs,
                        kwargs={"two_theta": np.asarray(series["two_theta"].values, float),
                                "attrs": flat_attrs(series.attrs), "options": options,
                                "keys": keys},
                        attrs=attrs, block_size=64)
    opts_txt = ", ".join(f"{k}={v!r}" for k, v in sorted(options.items()))
    method = f"xrd.fit_pattern per pattern ({opts_txt})"
    maps.attrs["method"] = method
    prov = Provenance.from_data(series, parameters={k: v for k, v in options.items()
                                                    if isinstance(v, str | int | float
                                                                  | bool | type(None))})

    def curves(index: Mapping[str, int]) -> xr.Dataset:
        one = series.isel(index).load()
        one.attrs = dict(series.attrs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_pattern(one, warn=False, **options).curve

    return SeriesResult(maps=maps, technique="xrd", keys=keys,
                        methods=dict.fromkeys(keys, method), source=prov,
                        depends=_depends(keys, options), curves_fn=curves)
