"""The batched fitter: numba kernel = numpy fallback = lmfit; NaNs; non-negative heights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import charz
from charz.errors import DataCleaningWarning, PhysicsWarning
from raman._kernel import _fit_lmfit
from raman.bands import band_shapes, fit_bands, nonlinear_start
from raman.batch import HAVE_NUMBA, fit_batch

TRUTH = np.array([1350, 170, 1595, 70, 1510, 150, 1200, 160.0])  # four_band (c, w) pairs
HEIGHTS = np.array([1.0, 0.9, 0.25, 0.2])


def _batch(n=6, seed=0, noise=0.01):
    rng = np.random.default_rng(seed)
    x = np.linspace(800, 2000, 600)
    th = TRUTH + rng.uniform(-1, 1, (n, TRUTH.size)) * [5, 8, 3, 4, 8, 10, 8, 10]
    y = np.einsum("b,nbm->nm", HEIGHTS, band_shapes(x, "four_band", th))
    y += 0.1 + 0.05 * (x - 800) / 1200 + noise * rng.normal(size=y.shape)
    return x, y, th


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
def test_numpy_fallback_equals_numba_kernel():
    x, y, _ = _batch()
    a = fit_batch(x, y, model="four_band", poly_order=1, use_numba=True)
    b = fit_batch(x, y, model="four_band", poly_order=1, use_numba=False, workers=1)
    np.testing.assert_allclose(b["nonlin"], a["nonlin"], rtol=1e-5)
    np.testing.assert_allclose(b["heights"], a["heights"], rtol=1e-5)
    np.testing.assert_allclose(b["cov"], a["cov"], rtol=1e-3, atol=1e-12)


def test_batch_equals_lmfit_reference():
    # plain lmfit (composite of charz.peaks models, leastsq) is the reference optimum
    x, y, _ = _batch(n=3)
    s, lo, hi = nonlinear_start("four_band")
    ref = _fit_lmfit(x, y, "four_band", 1, s, lo, hi)
    got = fit_batch(x, y, model="four_band", poly_order=1)
    # both stop at relative cost changes of 1e-7–1e-8 (≲ 0.01 standard errors apart); the
    # issue asks for 0.5 % agreement, checked here 5x tighter
    np.testing.assert_allclose(got["nonlin"], ref["nonlin"], rtol=1e-3)
    np.testing.assert_allclose(got["heights"], ref["heights"], rtol=1e-3)


def test_nan_points_and_empty_spectra():
    x, y, th = _batch(n=4, noise=0.0)
    y[1, 100:140] = np.nan  # a masked stretch
    y[2] = np.nan  # a spectrum never collected (interrupted map)
    r = fit_batch(x, y, model="four_band", poly_order=1)
    assert list(r["success"]) == [True, True, False, True]
    assert np.all(np.isnan(r["nonlin"][2]))
    np.testing.assert_allclose(r["nonlin"][1], th[1], rtol=1e-6)  # exact data: exact fit


def test_heights_never_negative():
    # a spectrum with no D3/D4 at all: those heights must come out ≥ 0 (clamped), not < 0
    x = np.linspace(800, 2000, 600)
    y = band_shapes(x, "two_band", np.array([[1350, 170, 1600, 80, -10]]))[0].sum(axis=0)
    y = y - 0.3 * band_shapes(x, "four_band", TRUTH[None])[0][2]  # a dip where D3 sits
    r = fit_batch(x, y[None], model="four_band", poly_order=None)
    assert np.all(r["heights"] >= 0)


def test_real_line_map_all_spectra(shared_data):
    # py-wdf-reader line.wdf: 235 spectra of graphene-like and disordered carbon (532 nm)
    da = charz.read(shared_data / "raman/py-wdf-reader/line.wdf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)  # D widths at bounds on graphene
        warnings.simplefilter("ignore", DataCleaningWarning)
        res = fit_bands(da, la_relation="tuinstra_koenig")
    assert res.maps["g_position"].dims == ("spectrum",)
    ok = res.maps["success"].values
    # a few pixels have no carbon signal (D and G heights within 5 standard errors of 0):
    # they are flagged no_signal and left out, not quoted
    flags = res.maps["flags"].values
    assert all(f == "no_signal" for f in flags[~ok])
    assert ok.mean() > 0.8
    # the line crosses off the flake (spectra 20–62): the G band there is weak, not merely
    # noisier. G contrast = mean(1570–1610) − mean(1680–1720 cm⁻¹), model-free
    c = (da.sel(raman_shift=slice(1570, 1610)).mean("raman_shift")
         - da.sel(raman_shift=slice(1680, 1720)).mean("raman_shift")).values
    assert np.median(c[~ok]) < 0.1 * np.median(c[ok])
    assert c[~ok].max() < 0.5 * np.median(c[ok])
    g = res.maps["g_position"].values[ok]
    assert np.mean((g > 1540) & (g < 1620)) > 0.97   # graphitic G band of carbon
    assert res.summary().startswith(f"{ok.sum()}/235 fitted, {(~ok).sum()} without signal")


def test_raman_fitting_pos1_height_ratio(test_data):
    # SOURCES.md (raman-fitting fixtures): across five sane baselines the 2-band height
    # ratio of pos1 stays within 0.60–0.92
    da = charz.read(test_data / "raman/testDW38C_pos1.txt")
    res = fit_bands(da, laser=532.0, la_relation="tuinstra_koenig")
    assert 0.60 <= float(res.maps["id_ig"]) <= 0.92


def test_dask_series_equals_in_memory():
    # a dask-backed series fitted chunk by chunk gives the in-memory fit's descriptors
    pytest.importorskip("dask")
    from charz.demo import example_data_dir

    s = charz.read(example_data_dir() / "insitu_raman/HC-demo_operando.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)
        a = fit_bands(s, window=(1000, 1800))
        b = fit_bands(s.chunk({"time": 8}), window=(1000, 1800))
        assert b.maps["g_position"].chunks == ((8, 8, 8, 8, 8, 3),)   # lazy until asked
        bm = b.maps.compute()
    ok = a.maps["success"].values
    err = a.maps["g_position_stderr"].values[ok]
    # each chunk is despiked (temporal median) and seeded on its own: same optimum
    assert np.all(np.abs(bm["g_position"].values - a.maps["g_position"].values)[ok] < 0.1 * err)
    np.testing.assert_allclose(bm["id_ig"].values, a.maps["id_ig"].values, rtol=1e-3)
    assert b.curves({"time": 5})["best_fit"].dims == ("raman_shift",)


def test_fit_bands_public_api_same_optimum_and_stderrs_as_lmfit():
    # the public API (batch engine, the path of maps) against plain lmfit on the same
    # spectra: the same optimum (0.1 %, 5x tighter than the 0.5 %) and the same
    # standard errors (lmfit's leastsq covariance; 5 %: finite-difference vs analytic J)
    import xarray as xr

    x, y, _ = _batch(n=12, seed=4)
    s, lo, hi = nonlinear_start("four_band")
    ref = _fit_lmfit(x, y, "four_band", 1, s, lo, hi)
    da = xr.DataArray(y, dims=("spectrum", "raman_shift"), coords={"raman_shift": x})
    m = fit_bands(da, model="four_band", baseline="linear", despike=False,
                  engine="batch").maps
    names = ["d_center", "d_fwhm", "g_center", "g_fwhm", "d3_center", "d3_fwhm",
             "d4_center", "d4_fwhm"]
    for k, name in enumerate(names):
        np.testing.assert_allclose(m[name].values, ref["nonlin"][:, k], rtol=1e-3)
        se_ref = np.sqrt(ref["cov"][:, 4 + k, 4 + k])
        np.testing.assert_allclose(m[f"{name}_stderr"].values, se_ref, rtol=0.05)
    for j, b in enumerate(["d", "g", "d3", "d4"]):
        np.testing.assert_allclose(m[f"{b}_height"].values, ref["heights"][:, j], rtol=1e-3)
        np.testing.assert_allclose(m[f"{b}_height_stderr"].values,
                                   np.sqrt(ref["cov"][:, j, j]), rtol=0.05)
