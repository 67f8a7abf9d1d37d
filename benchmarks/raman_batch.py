"""Benchmark: fitting many 4-band carbon spectra through the public API (issues 7, 11).

Same synthetic data for all: 3 Lorentzians (D ~1350, G ~1595, D4 ~1200) + 1 Gaussian
(D3 ~1510), 12 parameters, 1000 points on 800–2000 cm⁻¹, noise σ = 0.02 (heights ~1),
random band parameters per spectrum (``np.random.default_rng(0)``).

(a) a loop of lmfit composite models (``LorentzianModel + LorentzianModel + GaussianModel +
    LorentzianModel``, ``Model.fit``, leastsq), one spectrum after another;
(b) a loop of ``scipy.optimize.curve_fit`` (MINPACK LM) with an analytic 12-parameter model
    function (finite-difference Jacobian, as users write it);
(c) charz through the public API, what users call:
    ``raman.fit_bands(da, model="four_band", baseline=None)`` on an xarray DataArray
    (despiking, no-signal checks, descriptors with standard errors, flags, maps);
(k) its batch kernel alone, :func:`raman.batch.fit_batch` (variable projection + analytic
    Jacobian, compiled with numba when installed, all cores), on the same spectra.

Prints seconds per 1000 spectra for each, the ratios (a)/(c) and (b)/(c) (targets ≥ 300×
and ≥ 20×), the end-to-end overhead (c)/(k) (target ≤ 1.3×), and the agreement of (c) and
(b) with (a): the share of spectra whose 12 parameters are all within 0.5 % of lmfit's.
(a) and (b) run on subsets (``--n-lmfit``, ``--n-curvefit``) and are scaled per spectrum
to 1000 (each spectrum is fitted independently, so the cost is linear).

Run: ``python benchmarks/raman_batch.py [--n 3000] [--n-lmfit 40] [--n-curvefit 200]``.
The machine's load average is printed: other processes on a shared machine slow every
method, and not equally.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parents[1]))  # this checkout

LN2 = math.log(2.0)


def make_data(n: int, m: int = 1000, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = np.linspace(800.0, 2000.0, m)
    # order: D (L), G (L), D3 (G), D4 (L); each (height, centre, FWHM)
    base = np.array([[1.0, 1350, 170], [0.9, 1595, 70], [0.25, 1510, 150], [0.2, 1200, 160]])
    spread = np.array([[0.1, 5, 10], [0.1, 3, 5], [0.05, 8, 10], [0.05, 8, 10]])
    p = base + spread * rng.uniform(-1, 1, size=(n, 4, 3))
    y = np.zeros((n, m))
    for j in range(4):
        h, c, w = (p[:, j, k, None] for k in range(3))
        t = (x - c) / w
        y += h * (np.exp(-4 * LN2 * t * t) if j == 2 else 1.0 / (1.0 + 4.0 * t * t))
    y += 0.02 * rng.normal(size=y.shape)
    return x, y, p


START = np.array([[0.5, 1350, 160], [0.5, 1590, 70], [0.2, 1510, 150], [0.2, 1200, 150]])


def model4(x, h1, c1, w1, h2, c2, w2, h3, c3, w3, h4, c4, w4):
    """Analytic 4-band model for curve_fit (L, L, G, L; height/centre/FWHM)."""
    return (h1 / (1 + 4 * ((x - c1) / w1) ** 2) + h2 / (1 + 4 * ((x - c2) / w2) ** 2)
            + h3 * np.exp(-4 * LN2 * ((x - c3) / w3) ** 2) + h4 / (1 + 4 * ((x - c4) / w4) ** 2))


def run_lmfit(x, y):
    import lmfit
    from lmfit.models import GaussianModel, LorentzianModel

    comp = (LorentzianModel(prefix="d_") + LorentzianModel(prefix="g_")
            + GaussianModel(prefix="d3_") + LorentzianModel(prefix="d4_"))
    out = np.empty((len(y), 4, 3))
    s2 = math.sqrt(2 * math.pi)
    for i, yi in enumerate(y):
        params = comp.make_params()
        for (h, c, w), pre, kind in zip(START, ("d_", "g_", "d3_", "d4_"), "LLGL", strict=True):
            if kind == "L":  # lmfit: amplitude = area, sigma = HWHM
                params[f"{pre}sigma"].set(value=w / 2, min=0)
                params[f"{pre}amplitude"].set(value=h * math.pi * w / 2)
            else:  # sigma = standard deviation
                sig = w / (2 * math.sqrt(2 * LN2))
                params[f"{pre}sigma"].set(value=sig, min=0)
                params[f"{pre}amplitude"].set(value=h * sig * s2)
            params[f"{pre}center"].set(value=c)
        r = comp.fit(yi, params, x=x)
        for j, (pre, kind) in enumerate(zip(("d_", "g_", "d3_", "d4_"), "LLGL", strict=True)):
            a = r.params[f"{pre}amplitude"].value
            sg = r.params[f"{pre}sigma"].value
            c = r.params[f"{pre}center"].value
            if kind == "L":
                out[i, j] = (a / (math.pi * sg), c, 2 * sg)
            else:
                out[i, j] = (a / (sg * s2), c, 2 * math.sqrt(2 * LN2) * sg)
    del lmfit
    return out


def run_curve_fit(x, y):
    from scipy.optimize import curve_fit

    out = np.empty((len(y), 4, 3))
    p0 = START.ravel()
    for i, yi in enumerate(y):
        popt, _ = curve_fit(model4, x, yi, p0=p0, maxfev=20000)
        out[i] = popt.reshape(4, 3)
    return out


def run_kernel(x, y):
    from raman.batch import fit_batch

    # four_band order: D (L), G (L), D3 (G), D4 (L) — same as make_data
    r = fit_batch(x, y, model="four_band", poly_order=None)
    out = np.empty((len(y), 4, 3))
    out[:, :, 0] = r["heights"]
    out[:, :, 1] = r["nonlin"][:, 0::2]
    out[:, :, 2] = r["nonlin"][:, 1::2]
    return out, r


def run_api(x, y):
    import xarray as xr

    import raman

    da = xr.DataArray(y, dims=("spectrum", "raman_shift"),
                      coords={"raman_shift": ("raman_shift", x, {"units": "1/cm"})},
                      attrs={"units": "count"})
    res = raman.fit_bands(da, model="four_band", baseline=None)
    m = res.maps
    out = np.empty((len(y), 4, 3))
    for j, b in enumerate(("d", "g", "d3", "d4")):
        out[:, j, 0] = m[f"{b}_height"].values
        out[:, j, 1] = m[f"{b}_center"].values
        out[:, j, 2] = m[f"{b}_fwhm"].values
    return out, res


def agreement(a, b, tol=0.005):
    rel = np.abs(b / a - 1.0).reshape(len(a), -1)
    return float(np.mean(np.all(rel <= tol, axis=1))), float(np.nanmax(rel))


def _median_time(fn, repeat):
    runs, out = [], None
    for _ in range(repeat):  # median of repeats: the machine may be shared
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
    return float(np.median(runs)), min(runs), out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="spectra for charz")
    ap.add_argument("--n-lmfit", type=int, default=40)
    ap.add_argument("--n-curvefit", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3, help="charz runs (median reported)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    x, y, truth = make_data(max(args.n, args.n_lmfit, args.n_curvefit))
    from raman import batch

    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    print(f"numba: {'yes ' + batch._numba.__version__ if batch.HAVE_NUMBA else 'no'}"
          + (f", threads {batch._numba.get_num_threads()}" if batch.HAVE_NUMBA else ""))
    run_kernel(x, y[:20])  # compile / warm up once (numba caches to disk)
    run_api(x, y[:20])
    ys = y[: args.n]
    tk, tk_min, (k_par, info) = _median_time(lambda: run_kernel(x, ys), args.repeat)
    tc, tc_min, (c_par, res) = _median_time(lambda: run_api(x, ys), args.repeat)
    tk, tk_min, tc, tc_min = (v / args.n * 1000 for v in (tk, tk_min, tc, tc_min))
    t0 = time.perf_counter()
    b_par = run_curve_fit(x, y[: args.n_curvefit])
    tb = (time.perf_counter() - t0) / args.n_curvefit * 1000
    t0 = time.perf_counter()
    a_par = run_lmfit(x, y[: args.n_lmfit])
    ta = (time.perf_counter() - t0) / args.n_lmfit * 1000

    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"(a) lmfit composite loop : {ta:9.2f} s per 1000 spectra  ({args.n_lmfit} fitted, "
          "scaled per spectrum)")
    print(f"(b) curve_fit loop       : {tb:9.2f} s per 1000 spectra  ({args.n_curvefit} "
          "fitted, scaled per spectrum)")
    print(f"(c) charz raman.fit_bands: {tc:9.3f} s per 1000 spectra  ({args.n} fitted end to "
          f"end: {res.summary()}; median of {args.repeat}, min {tc_min:.3f})")
    print(f"(k) its kernel fit_batch : {tk:9.3f} s per 1000 spectra  (median "
          f"{np.median(info['iterations']):.0f} iterations; min {tk_min:.3f})")
    if batch.HAVE_NUMBA:  # the pure-numpy fallback (no numba), process pool on all cores
        from raman.batch import fit_batch

        k = min(args.n, 400)
        t0 = time.perf_counter()
        fit_batch(x, y[:k], model="four_band", poly_order=None, use_numba=False)
        tn = (time.perf_counter() - t0) / k * 1000
        print(f"(k') kernel without numba: {tn:8.2f} s per 1000 spectra  ({k} fitted; "
              "numpy fallback, process pool)")
    print(f"ratio (a)/(c): {ta / tc:7.0f}x   (target >= 300x)")
    print(f"ratio (b)/(c): {tb / tc:7.1f}x   (target >= 20x)")
    print(f"ratio (c)/(k): {tc / tk:7.2f}x   (end to end over the kernel; target <= 1.3x)")
    na = args.n_lmfit
    share, worst = agreement(a_par, c_par[:na])
    print(f"charz vs lmfit   : {share:.1%} of spectra with all 12 parameters within 0.5 % "
          f"(worst relative difference {worst:.2e})")
    share_b, worst_b = agreement(a_par, b_par[:na])
    print(f"curve_fit vs lmfit: {share_b:.1%} within 0.5 % (worst {worst_b:.2e})")
    share_k, worst_k = agreement(k_par, c_par)
    print(f"fit_bands vs kernel: {share_k:.1%} identical within 0.5 % (worst {worst_k:.2e})")
    share_t, _ = agreement(truth[: args.n], c_par, tol=0.05)
    print(f"charz vs truth   : {share_t:.1%} of spectra with all parameters within 5 % of the "
          "generating values (noise-limited)")


if __name__ == "__main__":
    main()
