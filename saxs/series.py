"""In-situ / operando SAXS and SAXS maps: one model fit per curve, through the one engine.

A series is a DataArray with leading dimensions (``time``, ``frame``, or map ``y``/``x``)
and ``q`` in 1/nm, e.g. from :func:`charz.series.stack_frames` on curves read with
:func:`saxs.read`, with ``voltage``/``capacity`` attached by
:func:`charz.series.attach_echem`. :func:`fit_series` runs a model of :mod:`saxs.models` on
every curve with :func:`charz.series.apply_series`: numpy-backed data in-process,
dask-backed data chunk by chunk on the active dask scheduler. During sodiation of hard
carbon the nanopore scattering falls on the low-voltage plateau as pores fill with Na and
the contrast drops (Stevens & Dahn, J. Electrochem. Soc. 147 (2000) 1271): the fitted
pore-term amplitude (DAB I(0), and the invariant φ(1−φ)Δρ² ∝ it) against voltage is the
quantity of interest.

A curve without signal (flat, all zero or NaN, or a pore-term amplitude within 2 standard
errors of zero) gets ``success=False`` and the flag ``no_signal`` and is left out of means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz.errors import OptionError

__all__ = ["MODEL_PARAMETERS", "fit_series"]

#: Fit parameters of each model (also written to ``maps``), intensity or length units.
MODEL_PARAMETERS: dict[str, tuple[str, ...]] = {
    "porod_dab": ("porod_scale", "dab_scale", "dab_length", "background"),
    "spheres": ("porod_scale", "sphere_scale", "radius", "pd", "background"),
    "unified": ("porod_scale", "g", "rg", "b", "p", "background"),
    "guinier_porod": ("porod_scale", "g", "rg", "m", "background"),
}

_KEYS = {
    "porod_dab": ("saxs_pore_diameter", "saxs_correlation_length", "porod_exponent"),
    "spheres": ("saxs_pore_diameter", "porod_exponent"),
    "unified": ("saxs_pore_diameter", "saxs_rg", "porod_exponent"),
    "guinier_porod": ("saxs_pore_diameter", "saxs_rg", "porod_exponent"),
}


def _fitter(model: str):
    from saxs import models

    return {"porod_dab": models.fit_porod_dab, "spheres": models.fit_power_law_spheres,
            "unified": models.fit_unified, "guinier_porod": models.fit_guinier_porod}[model]


def _kernel(block: np.ndarray, *, q: np.ndarray, sigma: np.ndarray | None,
            attrs: Mapping[str, Any], model: str, options: Mapping[str, Any]
            ) -> dict[str, np.ndarray]:
    """The batched SAXS kernel: the model fit on each row of ``block`` (n, q)."""
    from charz._kernels import fit_each

    fit = _fitter(model)
    coords: dict[str, Any] = {"q": xr.Variable("q", q, {"units": "1/nm", "long_name": "q"})}
    paired = block.ndim == 3  # (n, 2, q): intensity and σ per curve

    def fit_one(i: int) -> Any:
        c = dict(coords)
        y = block[i, 0] if paired else block[i]
        if paired:
            c["sigma"] = ("q", block[i, 1])
        elif sigma is not None:
            c["sigma"] = ("q", sigma)
        return fit(xr.DataArray(y, dims="q", coords=c, attrs=dict(attrs), name="intensity"),
                   **options)

    return fit_each(block.shape[0], fit_one, _KEYS[model],
                    parameters=MODEL_PARAMETERS[model])


def fit_series(
    series: xr.DataArray,
    *,
    model: Literal["porod_dab", "spheres", "unified", "guinier_porod"] = "porod_dab",
    **options: Any,
) -> Any:
    """Fit one SAXS model to every curve of a series or map (the engine).

    Parameters
    ----------
    series : xarray.DataArray
        Dims (..., ``q``) with one or more leading dims, q in 1/nm; ``sigma`` coordinate
        optional (over ``q`` or the same dims). numpy- or dask-backed (dask: fitted chunk
        by chunk on the active scheduler, the result stays lazy).
    model : {'porod_dab', 'spheres', 'unified', 'guinier_porod'}
        Model of :mod:`saxs.models`.
    **options
        Keyword arguments of the fit function (``window``, ``porod_exponent``, ``fix``,
        ...).

    Returns
    -------
    charz.series.SeriesResult
        ``maps`` over the leading dims: the model's record keys (``saxs_pore_diameter`` in
        the model's stated convention, ``porod_exponent`` ...) and their ``_stderr``, every
        fit parameter of :data:`MODEL_PARAMETERS` (``dab_scale`` ...) with ``_stderr``,
        ``redchi``, ``success`` and ``flags``; non-q coordinates (``voltage``,
        ``capacity``, ``timestamp``) carried over. ``descriptors()``: mean ± standard error
        of the good curves.

    Raises
    ------
    OptionError
        No leading dimension, an unknown model or option.
    """
    from charz._kernels import check_options, flat_attrs, key_outputs
    from charz.record import Provenance
    from charz.series import SeriesResult, apply_series

    if "q" not in series.dims or series.ndim < 2:
        raise OptionError("fit_series needs a DataArray with 'q' and at least one other dim "
                          f"(got {series.dims}); fit one curve with saxs.fit_porod_dab etc.")
    if model not in MODEL_PARAMETERS:
        raise OptionError(f"model must be one of {', '.join(MODEL_PARAMETERS)}, got {model!r}")
    check_options(f"fit_series(model={model!r})", _fitter(model), options)
    unit_q = series["q"].attrs.get("units", "1/nm")
    if unit_q != "1/nm":
        raise OptionError(f"fit_series: q must be in 1/nm (got {unit_q!r})")
    lead = [d for d in series.dims if d != "q"]
    sigma = None
    core = ["q"]
    data = series
    if "sigma" in series.coords:
        s = series["sigma"]
        data = series.drop_vars("sigma")
        if s.dims == ("q",):
            sigma = np.asarray(s.values, float)
        else:  # σ per curve: intensity and σ travel together as a second core dimension
            data = xr.concat([data, s.drop_vars("sigma", errors="ignore")
                              .broadcast_like(data)], dim="_part").transpose(*lead, "_part",
                                                                               "q")
            core = ["_part", "q"]
    keys = _KEYS[model]
    outputs, attrs = key_outputs(keys)
    iunit = str(series.attrs.get("units", "1"))
    for p in MODEL_PARAMETERS[model]:
        u = {"dab_length": "nm", "radius": "nm", "rg": "nm", "pd": "1", "p": "1",
             "m": "1", "b": f"{iunit}*nm^-p"}.get(p, iunit)
        outputs[p] = outputs[f"{p}_stderr"] = float
        attrs[p] = {"units": u, "long_name": f"fit parameter {p}"}
        attrs[f"{p}_stderr"] = {"units": u}
    maps = apply_series(data, _kernel, core_dims=core, outputs=outputs,
                        kwargs={"q": np.asarray(series["q"].values, float), "sigma": sigma,
                                "attrs": flat_attrs(series.attrs), "model": model,
                                "options": options},
                        attrs=attrs, block_size=64)
    maps.attrs.update(model=model, technique="saxs")
    opts_txt = ", ".join(f"{k}={v!r}" for k, v in sorted(options.items()))
    method = f"saxs {model} fit per curve ({opts_txt})"
    prov = Provenance.from_data(series, parameters={"model": model, **{
        k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items()
        if isinstance(v, str | int | float | bool | tuple | type(None))}})
    pore = list(MODEL_PARAMETERS[model][1:])
    depends = {k: (["porod_scale", "porod_exponent", "background"] if k == "porod_exponent"
                   else pore) for k in keys}

    def curves(index: Mapping[str, int]) -> xr.Dataset:
        one = series.isel(index).load()
        one.attrs = dict(series.attrs)
        return _fitter(model)(one, **options).curve

    return SeriesResult(maps=maps, technique="saxs", keys=keys,
                        methods=dict.fromkeys(keys, method), source=prov, depends=depends,
                        curves_fn=curves)
