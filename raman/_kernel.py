"""The kernel of :func:`raman.bands.fit_bands`: one block of spectra (n, m) → per-spectrum
outputs, for :func:`charz.series.apply_series`; and the lmfit reference engine.

Private: the public names are in :mod:`raman.bands`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from charz.series import join_flags
from raman._models import (
    OPTIONAL_BANDS,
    band_shapes,
    bands_of,
    descriptor_values,
    nonlinear_names,
    nonlinear_start,
    submodel,
)
from raman.la import LA_RELATIONS, la_from_ratio

DIM = "raman_shift"

#: A spectrum has signal when its D or G height exceeds this many of its standard errors.
NO_SIGNAL_SNR = 5.0
#: A D3/D4 band has vanished when its height is below this many standard errors (or below
#: :data:`NO_SIGNAL_SNR` with its position or width on a bound). A band fitted to noise
#: with a free position and width reaches 1–3 standard errors (look-elsewhere effect).
VANISH_SNR = 3.0

#: Record keys of a band fit, in table order.
RECORD_KEYS = ("id_ig", "ad_ag", "la_raman", "d_position", "g_position", "d_fwhm", "g_fwhm")

_POLY = {"constant": 0, "linear": 1, "quadratic": 2, "cubic": 3}


def _is_flat(ys: np.ndarray) -> np.ndarray:
    """All NaN, all zero, or constant within float noise (per row).

    The criterion of :func:`charz.flags.is_flat`, in one compiled pass per row (it runs
    on every block of every map).
    """
    from raman._fast import is_flat_rows

    return is_flat_rows(ys)


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
    """Vectorised despiking of a whole block; (despiked, spike points per row).

    The block itself is returned when nothing was replaced (no copy).
    """
    from raman.baseline import _whitaker_hayes, temporal_median_raw

    if not method:
        return ys, np.zeros(ys.shape[0], np.int32)
    if method == "temporal_median" and ys.shape[0] >= 3:
        out, mask = temporal_median_raw(ys, axis=0)
    else:
        out, mask = _whitaker_hayes(np.asarray(ys, float), copy=False)
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


def _direct_keys(model: str) -> dict[str, int]:
    """Descriptor keys that equal one parameter, -> its index in (heights, nonlinear)."""
    bands = bands_of(model)
    names = nonlinear_names(model)
    nb = len(bands)
    out = {}
    for i, b in enumerate(bands):
        out[f"{b.name}_height"] = i
        for p in b.nonlinear:
            out[f"{b.name}_{p}"] = nb + names.index(f"{b.name}_{p}")
        if b.shape != "bwf":
            out[f"{b.name}_position"] = nb + names.index(f"{b.name}_center")
            out[f"{b.name}_apex_height"] = i
    return out


def _derived_with_errors_inner(model, heights, nonlin, cov, window, laser, la_relation):
    vals = descriptor_values(model, heights, nonlin, window)
    for k, v in vals.items():
        vals[k] = np.where(np.isfinite(v), v, np.nan)
    nbands = heights.shape[-1]
    p0 = np.concatenate([heights, nonlin], axis=-1)
    P = p0.shape[-1]
    c = cov[..., :P, :P]
    # keys that are one fitted parameter: their stderr is the covariance diagonal
    direct = _direct_keys(model)
    errs = {}
    diag = np.einsum("...jj->...j", c)
    for k, j in direct.items():
        if k in vals:
            errs[k] = np.sqrt(np.where(diag[..., j] >= 0, diag[..., j], np.nan))
    # the others (areas, ratios, BWF apex): delta method with a numerical gradient
    keys = [k for k in vals if k not in direct]
    grads = {k: np.empty(p0.shape) for k in keys}
    for j in range(P):
        step = 1e-6 * np.maximum(np.abs(p0[..., j]), 1e-3)
        pp = p0.copy()
        pp[..., j] += step
        vj = descriptor_values(model, pp[..., :nbands], pp[..., nbands:], window)
        for k in keys:
            grads[k][..., j] = (vj[k] - vals[k]) / step
    for k in keys:
        g = grads[k]
        var = np.einsum("...i,...i->...", np.einsum("...i,...ij->...j", g, c), g)
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
