"""Crop, despiking and baselines."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import xarray as xr

from charz.errors import CharzError, DataCleaningWarning, PhysicsWarning
from charz.peaks import lorentzian
from raman import make_spectrum
from raman.baseline import crop, default_lam, remove_spikes, subtract_baseline


def _carbon(seed=0, spike_at=None, noise=2.0):
    rng = np.random.default_rng(seed)
    x = np.linspace(600, 2200, 1334)
    y = lorentzian(x, 1000, 1345, 170) + lorentzian(x, 900, 1595, 70) + 200 + 0.1 * (x - 600)
    y = y + noise * rng.normal(size=x.size)
    if spike_at is not None:
        y[np.argmin(np.abs(x - spike_at))] += 2500.0
    return make_spectrum(x, y, attrs={"source": "gen.txt"})


def test_crop_default_first_order():
    da = crop(_carbon())
    x = da["raman_shift"].values
    assert x.min() >= 800
    assert x.max() <= 2000
    assert da.attrs["crop_window"] == [800.0, 2000.0]
    with pytest.raises(CharzError, match="only 0 points"):
        crop(_carbon(), (3000, 3100))


def test_whitaker_hayes_finds_planted_spike():
    clean = _carbon(spike_at=None)
    da = _carbon(spike_at=1452.0)
    with pytest.warns(DataCleaningWarning, match="spike point"):
        out = remove_spikes(da)
    i = int(np.argmin(np.abs(da["raman_shift"].values - 1452.0)))
    changed = np.flatnonzero(out.values != da.values)
    assert i in changed
    assert changed.size <= 3
    # replaced by the local mean: within a few noise sigmas of the spike-free value
    assert abs(float(out.values[i] - clean.values[i])) < 10.0
    assert out.attrs["despike_method"] == "whitaker_hayes"


def test_no_spike_no_change():
    da = _carbon()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = remove_spikes(da)
    np.testing.assert_array_equal(out.values, da.values)
    assert out.attrs["spikes_removed"] == 0


def test_temporal_median_series():
    frames = [_carbon(seed=s) for s in range(6)]
    frames[3] = _carbon(seed=3, spike_at=1500.0)
    da = xr.concat(frames, dim="time").assign_coords(time=("time", np.arange(6.0) * 60,
                                                           {"units": "s"}))
    with pytest.warns(DataCleaningWarning, match="temporal_median"):
        out = remove_spikes(da)
    j = int(np.argmin(np.abs(da["raman_shift"].values - 1500.0)))
    assert float(out.values[3, j]) < float(da.values[3, j]) - 2000
    changed = np.argwhere(out.values != da.values)
    assert set(changed[:, 0]) == {3}


def test_pybaselines_kwargs_pass_through():
    from pybaselines import Baseline

    da = crop(_carbon())
    x, y = da["raman_shift"].values, da.values
    out = subtract_baseline(da, method="asls", lam=1e7, p=0.02)
    ref = Baseline(x_data=x).asls(y, lam=1e7, p=0.02)[0]  # pybaselines 1.2.1 itself
    np.testing.assert_allclose(out["baseline"].values, ref)
    np.testing.assert_allclose(out.values, y - ref)
    assert json.loads(out.attrs["baseline_parameters"]) == {"lam": 1e7, "p": 0.02}


def test_default_lam_scaled_to_step():
    assert default_lam(np.arange(0, 1000, 2.5)) == pytest.approx(1e7)
    assert default_lam(np.arange(0, 1000, 1.25)) == pytest.approx(1.6e8)
    da = crop(_carbon())
    out = subtract_baseline(da)
    assert json.loads(out.attrs["baseline_parameters"])["lam"] == pytest.approx(
        default_lam(da["raman_shift"].values))


def test_window_method_too_small_warns():
    da = crop(_carbon())
    with pytest.warns(PhysicsWarning, match="max_half_window=50 points"):
        subtract_baseline(da, method="snip", max_half_window=50)


def test_anchored_recovers_line_outside_bands():
    x = np.linspace(800, 2000, 1000)
    line = 300 + 0.2 * (x - 800)
    # narrow bands: their tails at the anchors are < 0.5 counts
    y = lorentzian(x, 1000, 1350, 20) + lorentzian(x, 900, 1590, 20) + line
    out = subtract_baseline(make_spectrum(x, y), method="anchored")
    np.testing.assert_allclose(out["baseline"].values, line, atol=2.0)  # band tails ≲ 1.5


def test_unknown_method():
    with pytest.raises(CharzError, match="not a pybaselines Baseline method"):
        subtract_baseline(crop(_carbon()), method="nope")


def test_sharp_real_band_is_not_a_spike(test_data):
    import charz

    # graphene (sp.wdf): G at 1585 cm⁻¹ only ~6 pixels wide must stay untouched
    da = crop(charz.read(test_data / "raman/sp.wdf"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DataCleaningWarning: nothing replaced
        out = remove_spikes(da)
    np.testing.assert_array_equal(out.values, da.values)
    # a 2-pixel cosmic spike next to a sharp band is still removed
    x = np.linspace(800, 2000, 1001)
    y = 100 + lorentzian(x, 800, 1585, 8.0) + np.random.default_rng(2).normal(0, 2, x.size)
    y[700:702] += 1500
    with pytest.warns(DataCleaningWarning, match="2 spike point"):
        out = remove_spikes(make_spectrum(x, y))
    assert np.all(out.values[700:702] < 200)
    np.testing.assert_array_equal(out.values[:650], y[:650])


def test_temporal_median_ignores_intensity_drift():
    # focus/laser drift: frame 3 is 30 % brighter everywhere; no spike must be reported
    frames = [_carbon(seed=s) * (1.3 if s == 3 else 1.0) for s in range(6)]
    da = xr.concat(frames, dim="time").assign_coords(time=("time", np.arange(6.0) * 60,
                                                           {"units": "s"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = remove_spikes(da)
    np.testing.assert_array_equal(out.values, da.values)


def test_compiled_spike_candidates_equal_the_numpy_formulation(monkeypatch):
    # the block kernel's compiled Whitaker–Hayes z-scores (raman._fast) against the plain
    # numpy formulation (median/MAD of the first differences, NaN points left out)
    import raman._fast as fast
    from raman.baseline import whitaker_hayes_raw

    rng = np.random.default_rng(3)
    y = rng.normal(size=(80, 400)).cumsum(axis=1) * 0.05 + rng.normal(size=(80, 400))
    y[3, 200] += 60.0  # spikes
    y[5, 50] += 40.0
    y[7, :12] = np.nan  # NaN points, an all-NaN and a constant spectrum
    y[9] = np.nan
    y[11] = 2.0
    mask_c, mad_c = fast.wh_candidates(y, 8.0)
    out_c, spikes_c = whitaker_hayes_raw(y)
    monkeypatch.setattr(fast, "HAVE_NUMBA", False)
    mask_n, mad_n = fast.wh_candidates(y, 8.0)
    out_n, spikes_n = whitaker_hayes_raw(y)
    np.testing.assert_array_equal(mask_c, mask_n)
    rows = mask_c.any(axis=1)  # the MAD is needed (and computed) where there are candidates
    np.testing.assert_allclose(mad_c[rows], mad_n[rows], rtol=1e-12)
    assert np.isnan(mad_c[9])
    assert np.isnan(mad_c[11])
    np.testing.assert_array_equal(spikes_c, spikes_n)
    np.testing.assert_array_equal(out_c, out_n)
    assert spikes_c[3, 200]
    assert spikes_c[5, 50]
    assert spikes_c.sum() <= 4
    # one spectrum (1-D) gives the same as its row of the block
    one, one_mask = whitaker_hayes_raw(y[3])
    np.testing.assert_array_equal(one_mask, spikes_c[3])
    np.testing.assert_array_equal(one, out_c[3])
