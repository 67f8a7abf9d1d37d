"""Series and in-situ trend figures: flagged slices hollow, failed ones left out, both in
the legend (issue 13, figures)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.colors import to_rgba

from charz.plotting import slice_masks, trend
from charz.record import Provenance
from charz.series import SeriesResult

N = 8
FLAGGED = 3     # fitted, with a flag: hollow
FAILED = 5      # no fit (no signal): left out


def _maps(keys=("d002",), unit="nm") -> xr.Dataset:
    t = np.arange(N) * 600.0
    success = np.ones(N, bool)
    success[FAILED] = False
    flags = np.array([""] * N, dtype=object)
    flags[FLAGGED] = "at_bound:p002_fwhm"
    flags[FAILED] = "no_signal"
    data = {}
    for k in keys:
        v = 0.37 + 0.001 * np.arange(N)
        v[FAILED] = np.nan
        data[k] = ("time", v, {"units": unit})
        data[f"{k}_stderr"] = ("time", np.full(N, 1e-4), {"units": unit})
    data["success"] = ("time", success)
    data["flags"] = ("time", flags)
    return xr.Dataset(data, coords={
        "time": ("time", t, {"units": "s"}),
        "voltage": ("time", np.linspace(2.5, 0.01, N), {"units": "V"})})


def _series_result(maps, keys) -> SeriesResult:
    return SeriesResult(maps=maps, technique="xrd", keys=keys, methods={},
                        source=Provenance("op.xye"))


def _hollow_points(ax) -> list[np.ndarray]:
    """x data of the hollow markers (lines with markers, no face) and of the filled ones."""
    hollow, filled = [], []
    for line in ax.lines:
        if line.get_marker() in (None, "None", "", " "):
            continue
        face = line.get_markerfacecolor()
        (hollow if face == "none" or to_rgba(face)[3] == 0 else filled).append(
            np.asarray(line.get_xdata(), float))
    return hollow, filled


def _legend_texts(ax) -> list[str]:
    leg = ax.get_legend()
    assert leg is not None, "no legend"
    return [t.get_text() for t in leg.get_texts()]


def _check(ax, x_of_slice):
    hollow, filled = _hollow_points(ax)
    assert len(hollow) == 1
    np.testing.assert_allclose(hollow[0], [x_of_slice[FLAGGED]])
    drawn = np.concatenate(filled)
    assert x_of_slice[FAILED] not in drawn      # the failed slice is left out
    assert x_of_slice[FLAGGED] not in drawn     # the flagged one is not drawn filled too
    texts = _legend_texts(ax)
    assert "flagged (1)" in texts
    assert "1 not fitted (left out)" in texts


def test_slice_masks():
    m = _maps()
    clean, flagged, failed = slice_masks(m["success"].values, m["flags"].values)
    assert np.flatnonzero(flagged).tolist() == [FLAGGED]
    assert np.flatnonzero(failed).tolist() == [FAILED]
    assert clean.sum() == N - 2


def test_trend_helper():
    m = _maps()
    fig, ax = plt.subplots()
    trend(ax, m["time"].values, m["d002"].values, yerr=m["d002_stderr"].values,
          success=m["success"].values, flags=m["flags"].values, label="d002")
    _check(ax, m["time"].values)
    plt.close(fig)


def test_insitu_xrd_plot():
    from xrd.insitu import InsituXRDResult

    m = _maps(("d002", "two_theta_002", "fwhm_002", "lc"))
    res = InsituXRDResult(_series_result(m, ("d002",)), xr.DataArray([0.0], attrs={}))
    ax = res.plot(time_unit="s")
    _check(ax, m["time"].values)
    ax = res.plot_vs_voltage()
    hollow = [c for c in ax.collections if len(c.get_offsets()) and
              np.all(c.get_facecolors()[:, 3] == 0)]
    assert len(hollow) == 1
    np.testing.assert_allclose(hollow[0].get_offsets()[:, 0], [m["voltage"].values[FLAGGED]])
    assert "flagged (1)" in _legend_texts(ax)
    assert "1 not fitted (left out)" in _legend_texts(ax)
    plt.close("all")


def test_insitu_raman_plots():
    from raman.insitu import InsituRamanResult

    m = _maps(("g_position",), unit="1/cm")
    res = InsituRamanResult(m, fit=None, series=xr.DataArray([0.0]))
    ax = res.plot()
    _check(ax, m["time"].values / 3600.0)
    ax = res.plot_vs_voltage()
    _check(ax, m["voltage"].values)
    plt.close("all")


def test_insitu_saxs_amplitude_plot():
    from saxs._cli import _plot_amplitude

    m = _maps(("dab_scale",), unit="1/cm")
    fig = _plot_amplitude(m, "porod_dab", "time")
    _check(fig.axes[0], m["voltage"].values)
    plt.close(fig)


def test_flagged_points_stay_in_the_colour_of_their_series():
    dim = "time"
    m = _maps()
    fig, ax = plt.subplots()
    trend(ax, m[dim].values, m["d002"].values, success=m["success"].values,
          flags=m["flags"].values, color="C2")
    for line in ax.lines:
        if line.get_marker() == "o":
            assert to_rgba(line.get_markeredgecolor()) == to_rgba("C2")
    plt.close(fig)


def test_raman_map_marks_flagged_pixels_and_counts_failed_ones():
    import charz
    from charz.examples import path as ex
    from raman.bands import fit_bands

    spectra = charz.read(ex("raman/HC-demo_map.txt"), technique="raman", laser=532.0)
    res = fit_bands(spectra, la_relation="tuinstra_koenig")
    maps = res.maps.copy()
    flags = np.asarray(maps["flags"].values, object).copy()
    success = maps["success"].values.copy()
    flags[0, 1] = "poor_fit"
    success[1, 2] = False
    flags[1, 2] = "no_signal"
    maps["flags"] = (maps["flags"].dims, flags)
    maps["success"] = (maps["success"].dims, success)
    import dataclasses

    ax = dataclasses.replace(res, maps=maps).plot_map("id_ig")
    crosses = [ln for ln in ax.lines if ln.get_marker() == "x"]
    assert len(crosses) == 1
    assert crosses[0].get_xdata()[0] == maps["x"].values[1]
    assert crosses[0].get_ydata()[0] == maps["y"].values[0]
    texts = _legend_texts(ax)
    assert texts == ["flagged (1)", "1 not fitted (blank)"]
    assert ax.get_xlabel() == "x (um)"
    plt.close("all")


def test_key_label_states_the_unit_once():
    """Axis labels of record keys carry their unit once (not 'ω_G (cm⁻¹) (1/cm)')."""
    from charz.plotting import key_label
    from charz.record import DESCRIPTORS

    assert key_label("g_position", "1/cm") == DESCRIPTORS["g_position"].label_tex
    assert key_label("g_position", "1/cm").count("(") == 1
    assert key_label("id_ig", "1") == "I$_D$/I$_G$"
    assert key_label("band_shift", "1/cm") == "band shift (1/cm)"
    assert key_label("band_shift", "1") == "band shift"
