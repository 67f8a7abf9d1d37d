"""Raman series and maps on the one engine: no-signal spectra, vanishing bands, flags,
numpy = dask = dask.distributed, Zarr in and out, time alignment (issues 10 and 11)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import xarray as xr

import charz
from charz.cli import main
from charz.demo import example_data_dir
from charz.errors import (
    DataCleaningWarning,
    FitError,
    MissingMetadataError,
    OptionError,
    PhysicsWarning,
)
from raman.bands import NO_SIGNAL_SNR, band_shapes, fit_bands

DATA = example_data_dir()
TRUTH = json.loads((DATA / "truth.json").read_text())
X = np.linspace(800.0, 2000.0, 600)
# three_band truth: D (L), G (L), D3 (G): (centre, FWHM) pairs and heights
TH3 = np.array([1350.0, 170.0, 1595.0, 70.0, 1510.0, 150.0])
H3 = np.array([1.0, 0.9, 0.25])


def _spectra(n, *, seed=0, noise=0.01, bandless=(), zero=()):
    """n spectra over X with a sloped background; some band-less (noise only), some zero."""
    rng = np.random.default_rng(seed)
    th = TH3 + rng.uniform(-1, 1, (n, TH3.size)) * [5, 8, 3, 4, 8, 10]
    y = np.einsum("b,nbm->nm", H3, band_shapes(X, "three_band", th))
    y[list(bandless)] = 0.0
    y += 0.1 + 0.05 * (X - 800) / 1200 + noise * rng.normal(size=y.shape)
    y[list(zero)] = 0.0
    da = xr.DataArray(y, dims=("spectrum", "raman_shift"),
                      coords={"spectrum": np.arange(n), "raman_shift": ("raman_shift", X,
                                                                         {"units": "1/cm"})},
                      attrs={"units": "count", "source": "generated"})
    return da, th


def test_bandless_and_zero_spectra_have_no_signal():
    da, th = _spectra(16, bandless=(3, 4, 5, 6), zero=(10, 11))
    res = fit_bands(da, despike=False, model="three_band")
    ok = res.maps["success"].values
    expect = np.ones(16, bool)
    expect[[3, 4, 5, 6, 10, 11]] = False
    np.testing.assert_array_equal(ok, expect)
    assert set(res.maps["flags"].values[~expect]) == {"no_signal"}
    assert np.isnan(res.maps["g_position"].values[~expect]).all()   # no value to misquote
    assert res.summary() == "10/16 fitted, 6 without signal"
    # the means use the 10 spectra with bands only: G centres of the generating values
    g = res.descriptors()["g_position"]
    assert g.extra["n"] == 10
    assert g.value == pytest.approx(th[expect, 2].mean(), abs=0.3)
    assert "no_signal" not in g.flags


@pytest.mark.parametrize("which", ["noise", "zero", "nan"])
def test_single_spectrum_without_signal_is_a_fit_error(which):
    da, _ = _spectra(1, bandless=(0,), zero=(0,) if which == "zero" else ())
    one = da.isel(spectrum=0)
    if which == "nan":
        one = one * np.nan
    with pytest.raises(FitError, match="no signal above noise"):
        fit_bands(one, despike=False)


def test_no_signal_criterion_is_the_height_over_its_standard_error():
    # a weak but real G band at ~8 standard errors is signal; at ~2 it is not
    rng = np.random.default_rng(3)
    for height, signal in ((0.08, True), (0.004, False)):
        y = height * band_shapes(X, "two_band", np.array([[1350, 170, 1600, 80, -10]]))[0]
        y = y.sum(axis=0) + 0.01 * rng.normal(size=X.size)
        da = xr.DataArray(y, dims="raman_shift", coords={"raman_shift": X})
        if signal:
            res = fit_bands(da, despike=False)
            m = res.maps
            assert float(m["g_height"] / m["g_height_stderr"]) > NO_SIGNAL_SNR
        else:
            with pytest.raises(FitError, match="no signal"):
                fit_bands(da, despike=False)


def test_serie190214_zero_spectra_left_out(shared_data):
    # spectrochempy serie190214-1.txt: 168 LabSpec spectra, 110-167 all zero (interrupted)
    da = charz.read(shared_data / "raman/spectrochempy-data/serie190214-1.txt",
                    technique="raman")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)
        warnings.simplefilter("ignore", DataCleaningWarning)
        res = fit_bands(da, window=(1000, 1726))
    flags = res.maps["flags"].values
    assert all(f == "no_signal" for f in flags[110:])
    assert not res.maps["success"].values[110:].any()
    counts = res.counts()
    assert counts.no_signal >= 58
    assert counts.fitted == int(res.maps["success"].sum()) >= 100
    assert res.summary().startswith(f"{counts.fitted}/168 fitted, {counts.no_signal} without")
    good = res.maps["success"].values
    np.testing.assert_allclose(res.descriptors()["g_position"].value,
                               np.mean(res.maps["g_position"].values[good]), rtol=1e-12)


def test_cli_insitu_counts_spectra_without_signal(shared_data, tmp_path, capsys):
    path = shared_data / "raman/spectrochempy-data/serie190214-1.txt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["insitu", "raman", str(path), "--out", str(tmp_path), "--quiet",
                     "--window", "1000", "1726"])
    out = capsys.readouterr().out
    assert code == 0
    assert "/168 fitted, " in out
    assert " without signal" in out
    csv = (tmp_path / "insitu_raman_bands.csv").read_text().splitlines()
    assert csv[0].endswith("success,flags")
    assert csv[-1].endswith("False,no_signal")


def test_vanishing_d4_is_dropped_and_fit_repeated():
    # three-band spectra fitted with the four-band model: D4 converges to zero height
    da, _ = _spectra(12, noise=0.005)
    four = fit_bands(da, model="four_band", despike=False)
    three = fit_bands(da, model="three_band", despike=False)
    assert four.maps["d4_dropped"].values.all()
    assert np.isnan(four.maps["d4_height"].values).all()
    # the repeated fit is the three-band optimum
    np.testing.assert_allclose(four.maps["g_position"].values, three.maps["g_position"].values,
                               atol=1e-3)
    np.testing.assert_allclose(four.maps["id_ig"].values, three.maps["id_ig"].values, rtol=1e-4)
    method = four.descriptors()["id_ig"].method
    assert "D4 dropped in 12 of 12 spectra" in method
    # one spectrum (lmfit engine): same rule, same optimum
    one = fit_bands(da.isel(spectrum=0), model="four_band", despike=False)
    assert bool(one.maps["d4_dropped"])
    assert "D4 dropped (height converged to zero" in one.descriptors()["g_position"].method
    assert float(one.maps["g_position"]) == pytest.approx(float(three.maps["g_position"][0]),
                                                          abs=0.02)


def test_bound_stuck_parameter_is_flagged_and_inherited():
    # G at 1630 cm-1, above the three_band bound of 1620: g_center ends on its bound
    th = np.array([[1350.0, 170.0, 1630.0, 40.0, 1510.0, 150.0]])
    y = np.einsum("b,nbm->nm", H3, band_shapes(X, "three_band", th))[0]
    da = xr.DataArray(y + 0.1, dims="raman_shift", coords={"raman_shift": X})
    res = fit_bands(da, model="three_band", despike=False)
    assert "at_bound:g_center" in res.maps["flags"].values.item()
    d = res.descriptors()
    assert "at_bound:g_center" in d["g_position"].flags
    assert "at_bound:g_center" in d["id_ig"].flags       # ratios use every band
    assert "at_bound:g_center" not in d["d_position"].flags


def test_la_relation_without_laser_is_an_option_error(tmp_path, capsys):
    da, _ = _spectra(1)
    with pytest.raises(OptionError, match="needs the laser wavelength"):
        fit_bands(da.isel(spectrum=0), la_relation="ferrari")
    f = tmp_path / "nolaser.txt"
    f.write_text("\n".join(f"{a:.2f}\t{b:.5f}" for a, b in zip(X, da.values[0], strict=True)))
    assert main(["raman", str(f), "--la-relation", "ferrari", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "nolaser.txt" in err
    assert "laser wavelength" in err
    assert main(["raman", str(f), "--quiet", "--json"]) == 0   # no relation asked: no La
    rec = json.loads(capsys.readouterr().out)[0]
    assert "la_raman" not in rec["descriptors"]


def _map(ny=4, nx=5):
    da, th = _spectra(ny * nx, seed=2, bandless=(7,), zero=(13,))
    m = da.data.reshape(ny, nx, X.size)
    out = xr.DataArray(m, dims=("y", "x", "raman_shift"),
                       coords={"y": np.arange(ny) * 2.0, "x": np.arange(nx) * 2.0,
                               "raman_shift": da.raman_shift}, attrs=da.attrs)
    return out, th.reshape(ny, nx, -1)


KEYS = ["g_position", "id_ig", "d_fwhm", "g_position_stderr", "id_ig_stderr"]


def test_map_numpy_dask_and_local_cluster_agree(tmp_path):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    da, th = _map()
    ref = fit_bands(da, model="three_band", despike=False)
    assert ref.summary() == "18/20 fitted, 2 without signal"
    good = ref.maps["success"].values
    np.testing.assert_allclose(ref.maps["g_position"].values[good], th[..., 2][good], atol=0.5)
    lazy = fit_bands(da.chunk({"y": 2}), model="three_band", despike=False)
    assert lazy.maps["g_position"].chunks is not None          # nothing computed yet
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster):
        dist = fit_bands(da.chunk({"y": 1}), model="three_band", despike=False)
        stored = dist.to_zarr(tmp_path / "maps.zarr")
        d_dist = stored.descriptors()
    for res in (lazy, stored):
        m = res.maps.compute()
        np.testing.assert_array_equal(m["success"].values, good)
        np.testing.assert_array_equal(m["flags"].values, ref.maps["flags"].values)
        for k in KEYS:  # each block seeds from its own mean spectrum: the same optimum
            # to the fits' tolerance (relative cost change 1e-7): within 5 % of a standard
            # error; the standard errors within 1 %
            if k.endswith("_stderr"):
                np.testing.assert_allclose(m[k].values, ref.maps[k].values, rtol=1e-2)
            else:
                diff = np.abs(m[k].values - ref.maps[k].values)[good]
                assert np.all(diff <= 0.05 * ref.maps[f"{k}_stderr"].values[good]), k
    d_ref = ref.descriptors()
    for k in ("g_position", "id_ig"):
        assert abs(d_dist[k].value - d_ref[k].value) < 0.01 * d_ref[k].stderr
        assert d_dist[k].stderr == pytest.approx(d_ref[k].stderr, rel=1e-2)
    assert stored.summary() == ref.summary()
    cur = stored.curves({"y": 1, "x": 3})
    np.testing.assert_allclose(cur["best_fit"].values, cur["data"].values, atol=0.05)


def test_zarr_map_through_the_cli(tmp_path, capsys):
    da, _ = _map()
    store = tmp_path / "map.zarr"
    da.to_dataset(name="intensity").chunk({"y": 2}).to_zarr(store, zarr_format=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)
        code = main(["raman", str(store), "--model", "three_band", "--no-despike",
                     "--scheduler", "synchronous", "--out", str(tmp_path / "out"), "--json",
                     "--quiet"])
    assert code == 0
    cap = capsys.readouterr()
    assert "18/20 fitted, 2 without signal" in cap.err
    rec = json.loads(cap.out)[0]
    assert rec["descriptors"]["g_position"]["extra"]["n"] == 18
    maps = xr.open_zarr(tmp_path / "out" / "map_raman_maps.zarr")
    assert maps["g_position"].dims == ("y", "x")
    assert maps["flags"].values[2, 3] == "no_signal"


def test_insitu_zone_less_raman_clock_needs_tz_or_relative(tmp_path, capsys):
    truth = TRUTH["insitu"]
    pytest.importorskip("echem")
    from raman.insitu import read_series, track_bands

    series = read_series(DATA / truth["raman_file"])          # LabSpec local time, no zone
    cyc = charz.read(DATA / truth["cycler_file"], technique="echem")
    with pytest.raises(MissingMetadataError, match=r"frames .*without a time zone.*cycler"):
        track_bands(series, cycler=cyc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)
        rel = track_bands(series, cycler=cyc, align="relative")
        ok = track_bands(read_series(DATA / truth["raman_file"], tz=truth["raman_time_zone"]),
                         cycler=cyc)
    assert rel.series.attrs["echem_alignment"].startswith("relative time")
    assert ok.series.attrs["echem_alignment"].startswith("absolute")
    # the cycler voltage at the true mid-acquisition times (truth) = the absolute alignment
    mids = np.array([s["mid_time_s"] for s in truth["raman_spectra"]])
    v = np.interp(mids, cyc["time"].values, cyc["voltage"].values)
    np.testing.assert_allclose(ok.table["voltage"].values, v, atol=1e-9)
    args = ["insitu", "raman", str(DATA / truth["raman_file"]), "--echem",
            str(DATA / truth["cycler_file"]), "--out", str(tmp_path), "--quiet"]
    assert main(args) == 1
    assert "--align relative" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)
        assert main([*args, "--align", "relative"]) == 0


def test_map_figure_says_which_spectrum_it_shows():
    import matplotlib.pyplot as plt

    da, _ = _map()
    res = fit_bands(da, model="three_band", despike=False)
    ax = res.plot(index={"y": 1, "x": 3})
    title = ax.get_title()
    assert "(y 1, x 3 of 20 spectra)" in title          # not to be read as the map's mean
    m = res.maps.isel(y=1, x=3)
    assert f"I$_D$/I$_G$ = {float(m['id_ig']):.3f}" in title
    plt.close(ax.figure)
    one = fit_bands(da.isel(y=1, x=3), model="three_band", despike=False)
    ax = one.plot()
    assert "spectra)" not in ax.get_title()
    plt.close(ax.figure)
