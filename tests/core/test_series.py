import numpy as np
import pytest
import xarray as xr

from charz.errors import CharzError, CharzWarning, MissingMetadataError
from charz.examples import load_cycler, load_insitu_raman, load_insitu_xrd, truth
from charz.peaks import (
    BWFPeak,
    LorentzianPeak,
    PseudoVoigtPeak,
    bwf,
    fit_series,
    gaussian,
    lorentzian,
    peak_area,
    pseudo_voigt,
)
from charz.series import attach_echem, natural_sorted, plot_heatmap, stack_frames, to_utc


def _frame(x, y, start=None, exposure=None):
    attrs = {}
    if start:
        attrs["start_time"] = start
    if exposure:
        attrs["exposure_s"] = exposure
    return xr.DataArray(y, dims="two_theta", coords={"two_theta": x}, attrs=attrs)


def test_stack_frames_mid_acquisition_and_regrid():
    x = np.linspace(10, 20, 11)
    f1 = _frame(x, x * 0 + 1, "2026-01-01T10:00:00+01:00", 60)
    f2 = _frame(x + 0.05, x * 0 + 2, "2026-01-01T10:10:00+01:00", 60)  # shifted grid
    s = stack_frames([f1, f2])
    assert s.dims == ("time", "two_theta")
    np.testing.assert_allclose(s.time, [0.0, 600.0])
    assert s.timestamp.values[0] == np.datetime64("2026-01-01T09:00:30")  # UTC, mid-exposure
    np.testing.assert_allclose(s.values[1, 1:], 2.0)                       # interpolated
    assert np.isnan(s.values[1, 0])                                         # outside its range


def test_stack_frames_without_times_numbers_frames_and_needs_zone():
    x = np.linspace(0, 1, 5)
    s = stack_frames([_frame(x, x), _frame(x, x)])
    assert s.dims[0] == "frame"
    with pytest.raises(MissingMetadataError, match="has no time zone"):
        stack_frames([_frame(x, x, "2026-01-01T10:00:00")])
    s = stack_frames([_frame(x, x, "2026-01-01T10:00:00")], tz="+02:00")
    assert s.timestamp.values[0] == np.datetime64("2026-01-01T08:00:00")
    assert to_utc("2026-07-01T12:00:00", tz="Europe/Berlin") == np.datetime64("2026-07-01T10:00")


def test_natural_sort_with_gaps():
    names = ["m_11.xy", "m_2.xy", "m_1.xy", "m_13.xy", "m_3.xy"]
    assert [p.name for p in natural_sorted(names)] == ["m_1.xy", "m_2.xy", "m_3.xy", "m_11.xy",
                                                        "m_13.xy"]


def test_attach_echem_on_example_matches_generator_truth():
    t = truth()
    cycler = load_cycler()
    series = attach_echem(load_insitu_xrd(), cycler)
    assert series.attrs["echem_alignment"].startswith("absolute timestamps")
    # frame mid-times on the cycler clock equal the generator's
    mids = np.array([f["mid_time_s"] for f in t["insitu"]["xrd_frames"]])
    np.testing.assert_allclose(series["cycler_time"].values, mids, atol=1e-6)
    # voltage at each frame equals the cycler's voltage interpolated independently
    v = np.interp(mids, cycler.time.values, cycler.voltage.values)
    np.testing.assert_allclose(series.voltage.values, v)
    raman = attach_echem(load_insitu_raman(), cycler)
    mids_r = np.array([s["mid_time_s"] for s in t["insitu"]["raman_spectra"]])
    np.testing.assert_allclose(raman["cycler_time"].values, mids_r, atol=1e-6)


def test_attach_echem_relative_time_and_no_overlap():
    x = np.linspace(0, 1, 3)
    s = stack_frames([_frame(x, x), _frame(x, x), _frame(x, x)], dim="time",
                     times=[0.0, 100.0, 200.0])
    cyc = xr.Dataset({"time": ("record", np.array([0.0, 150.0])),
                      "voltage": ("record", np.array([2.0, 0.5]))})
    with pytest.raises(MissingMetadataError, match=r"frames .*relative times only.*cycler"):
        attach_echem(s, cyc)  # no absolute time anywhere: never a silent fallback
    with pytest.warns(CharzWarning, match="1 of 3 frames lie outside"):
        out = attach_echem(s, cyc, align="relative", offset_s=0.0)
    np.testing.assert_allclose(out.voltage.values[:2], [2.0, 1.0])
    assert np.isnan(out.voltage.values[2])
    assert out.attrs["echem_alignment"].startswith("relative time")
    with pytest.raises(CharzError, match="do not overlap"):
        attach_echem(s, cyc, align="relative", offset_s=1e5)


def test_attach_echem_zone_less_clocks_need_tz_or_relative():
    x = np.linspace(0, 1, 3)
    # frames in zone-less local time: stack_frames itself refuses without tz
    s = stack_frames([_frame(x, x, "2026-01-01T10:00:00", 60),
                      _frame(x, x, "2026-01-01T10:10:00", 60)], tz="+01:00")
    # cycler starting at 09:55 local (08:55 UTC) without a zone, as an instrument writes it
    cyc = xr.Dataset({"time": ("record", np.array([0.0, 3600.0])),
                      "voltage": ("record", np.array([2.0, 0.2]))},
                     attrs={"start_time": "2026-01-01T09:55:00", "source": "cyc.csv"})
    with pytest.raises(MissingMetadataError,
                       match=r"frames .*absolute timestamps.*cycler \(cyc.csv\): local time "
                             r"'2026-01-01T09:55:00' without a time zone.*--align relative"):
        attach_echem(s, cyc)
    out = attach_echem(s, cyc, tz="+01:00")
    # frame mid-times 10:00:30 and 10:10:30 local = 330 s and 930 s after the cycler start
    np.testing.assert_allclose(out.cycler_time.values, [330.0, 930.0])
    np.testing.assert_allclose(out.voltage.values, 2.0 - 1.8 * np.array([330, 930]) / 3600)
    rel = attach_echem(s, cyc, align="relative")
    np.testing.assert_allclose(rel.cycler_time.values, [0.0, 600.0])
    with pytest.raises(ValueError, match="align='sideways'"):
        attach_echem(s, cyc, align="sideways")


def test_heatmap_has_shared_time_axis_and_colorbar_units():
    cycler = load_cycler()
    s = attach_echem(load_insitu_xrd(), cycler)
    fig = plot_heatmap(s, cycler=cycler, time_unit="h")
    ax_map, cbar, ax_v = fig.axes[0], fig.axes[1], fig.axes[2]
    assert ax_map.get_ylim() == ax_v.get_ylim()                # shared time axis
    assert ax_map.get_xlabel() == "2θ (deg)"
    assert ax_v.get_xlabel() == "voltage (V)"
    assert cbar.get_xlabel() == "intensity (count)"
    assert ax_map.get_ylim()[1] == pytest.approx(s.time.values[-1] / 3600 + 0.375, abs=0.01)


# ---- peaks -------------------------------------------------------------------------


def test_shapes_height_fwhm_area():
    x = np.linspace(-50, 50, 200001)
    for f, shape in ((gaussian, "gaussian"), (lorentzian, "lorentzian")):
        y = f(x, 2.0, 0.0, 1.5)
        assert y.max() == pytest.approx(2.0)
        half = x[y >= 1.0]
        assert half[-1] - half[0] == pytest.approx(1.5, abs=1e-3)
        lim = 1.0 if shape == "gaussian" else 2e-4  # Lorentzian tails beyond ±50
        assert np.trapezoid(y, x) == pytest.approx(peak_area(shape, 2.0, 1.5), rel=lim * 1e-2
                                                   if shape == "gaussian" else 2e-2)
    y = pseudo_voigt(x, 1.0, 0.0, 2.0, 0.3)
    assert y.max() == pytest.approx(1.0)


def test_bwf_apex_and_height_match_ferrari_robertson():
    x = np.linspace(1400, 1800, 400001)
    y = bwf(x, 1.0, 1600.0, 80.0, -8.0)
    assert x[np.argmax(y)] == pytest.approx(1600 - 80 / 16, abs=1e-3)   # ω0 + Γ/(2Q)
    assert y.max() == pytest.approx(1 + 1 / 64)                         # I0 (1 + 1/Q²)


def test_composite_fit_recovers_truth_and_matches_plain_lmfit():
    import lmfit

    rng = np.random.default_rng(0)
    x = np.linspace(1000, 1800, 800)
    truth_ = {"d_height": 1.1, "d_center": 1345.0, "d_fwhm": 180.0, "g_height": 1.0,
              "g_center": 1600.0, "g_fwhm": 85.0, "g_q": -12.0}
    y = (lorentzian(x, 1.1, 1345.0, 180.0) + bwf(x, 1.0, 1600.0, 85.0, -12.0)
         + rng.normal(0, 0.01, x.size))
    model = LorentzianPeak("d_") + BWFPeak("g_")
    p = model.make_params(d_height=1.0, d_center=1350, d_fwhm=150, g_height=0.9, g_center=1595,
                          g_fwhm=70, g_q=-10)
    res = model.fit(y, p, x=x)
    for k, v in truth_.items():
        assert res.params[k].value == pytest.approx(v, rel=0.02), k
    assert res.params["g_apex"].value == pytest.approx(1600 - 85 / 24, abs=0.5)
    assert res.params["d_area"].stderr is not None
    # peer: lmfit's own LorentzianModel + BreitWignerModel on the same data
    peer = lmfit.models.LorentzianModel(prefix="d_") + lmfit.models.BreitWignerModel(prefix="g_")
    pp = peer.make_params(d_amplitude=300, d_center=1350, d_sigma=75, g_amplitude=0.01,
                          g_center=1595, g_sigma=70, g_q=-10)
    rp = peer.fit(y, pp, x=x)
    assert rp.params["d_center"].value == pytest.approx(res.params["d_center"].value, abs=1e-3)
    assert rp.params["d_sigma"].value * 2 == pytest.approx(res.params["d_fwhm"].value, rel=1e-4)
    assert rp.params["g_sigma"].value == pytest.approx(res.params["g_fwhm"].value, rel=1e-4)


def test_fit_series_over_map_dims_recovers_positions():
    rng = np.random.default_rng(1)
    x = np.linspace(20, 30, 300)
    centers = np.array([[22.0, 22.5, 23.0], [23.5, 24.0, 24.5]])
    data = np.stack([[pseudo_voigt(x, 10, c, 3.0, 0.4) + rng.normal(0, 0.05, x.size)
                      for c in row] for row in centers])
    data[1, 2, :] = np.nan   # a dead pixel: recorded as failed, not raised
    da = xr.DataArray(data, dims=("y", "x", "two_theta"),
                      coords={"y": [0.0, 1.0], "x": [0.0, 1.0, 2.0], "two_theta": x})
    ds = fit_series(PseudoVoigtPeak(), da, dim="two_theta")
    assert ds["center"].dims == ("y", "x")
    ok = ds["success"].values
    assert ok.sum() == 5
    assert not ok[1, 2]
    np.testing.assert_allclose(ds["center"].values[ok], centers[ok], atol=0.02)
    assert ds["best_fit"].dims == ("y", "x", "two_theta")


# ---- the series engine ---------------------------------------------------------------

from charz.record import Provenance  # noqa: E402
from charz.series import (  # noqa: E402
    SeriesResult,
    apply_series,
    join_flags,
    scheduler,
    split_flags,
)

OUT = {"two_theta_002": float, "two_theta_002_stderr": float, "fwhm_002": float,
       "success": bool, "flags": object}


def _centroid_kernel(block, *, x):
    """Test kernel: centroid and RMS width of a positive peak; flat rows have no signal."""
    n = block.shape[0]
    y = np.where(np.isfinite(block), block, 0.0)
    flat = np.nanmax(np.abs(y), axis=1) == 0
    w = np.where(flat[:, None], 1.0, y)
    c = (w * x).sum(axis=1) / w.sum(axis=1)
    sd = np.sqrt((w * (x - c[:, None]) ** 2).sum(axis=1) / w.sum(axis=1))
    flags = join_flags([("no_signal",) if f else (("at_bound:p002_center",) if cc > 24.5 else ())
                        for f, cc in zip(flat, c, strict=True)])
    return {"two_theta_002": np.where(flat, np.nan, c),
            "two_theta_002_stderr": np.full(n, 0.01), "fwhm_002": np.where(flat, np.nan, sd),
            "success": ~flat, "flags": flags}


def _map(n_y=3, n_x=4):
    rng = np.random.default_rng(0)
    x = np.linspace(15.0, 35.0, 401)
    centres = rng.uniform(22.0, 25.0, size=(n_y, n_x))
    y = np.exp(-0.5 * ((x - centres[..., None]) / 1.0) ** 2)
    y[0, 1] = 0.0            # all zero: never collected
    y[2, 3] = np.nan         # all NaN
    da = xr.DataArray(y, dims=("y", "x", "two_theta"),
                      coords={"y": np.arange(n_y) * 5.0, "x": np.arange(n_x) * 5.0,
                              "two_theta": x}, attrs={"source": "map.zarr"})
    return da, centres


def _result(maps):
    return SeriesResult(maps=maps, technique="xrd", keys=("two_theta_002", "fwhm_002"),
                        methods={"two_theta_002": "centroid"},
                        source=Provenance("map.zarr"),
                        depends={"two_theta_002": ("p002_center",), "fwhm_002": ()})


def _check_maps(maps, centres):
    good = np.ones(centres.shape, bool)
    good[0, 1] = good[2, 3] = False
    np.testing.assert_array_equal(maps["success"].values, good)
    # centroid of a Gaussian far from the window edges = its centre (to ~1e-6 deg)
    np.testing.assert_allclose(maps["two_theta_002"].values[good], centres[good], atol=1e-5)
    assert maps["flags"].values[0, 1] == "no_signal"
    assert maps["y"].attrs == {}
    assert list(maps["x"].values) == [0.0, 5.0, 10.0, 15.0]
    return good


def test_apply_series_numpy_counts_and_mean_of_good_slices():
    da, centres = _map()
    maps = apply_series(da, _centroid_kernel, core_dims=["two_theta"], outputs=OUT,
                        kwargs={"x": da.two_theta.values}, block_size=5)
    good = _check_maps(maps, centres)
    res = _result(maps)
    n_flagged = int((centres[good] > 24.5).sum())
    assert res.summary() == f"10/12 fitted, 2 without signal, {n_flagged} flagged"
    d = res.descriptors()
    v = centres[good]
    assert d["two_theta_002"].value == pytest.approx(v.mean(), abs=1e-5)
    assert d["two_theta_002"].stderr == pytest.approx(v.std(ddof=1) / np.sqrt(v.size), rel=1e-4)
    assert d["two_theta_002"].extra["n"] == 10
    assert d["two_theta_002"].extra["n_total"] == 12
    assert d["two_theta_002"].unit == "deg"
    assert d["two_theta_002"].method.startswith("mean of 10 of 12 slices")
    # at_bound:p002_center goes to the key computed from it, not to the width
    if hasattr(d["two_theta_002"], "flags"):
        assert d["two_theta_002"].flags == ("at_bound:p002_center",)
        assert d["fwhm_002"].flags == ()


def test_apply_series_single_slice_and_flag_strings():
    da, centres = _map()
    one = da.isel(y=1, x=2)
    maps = apply_series(one, _centroid_kernel, core_dims=["two_theta"], outputs=OUT,
                        kwargs={"x": da.two_theta.values})
    assert maps["success"].dims == ()
    res = _result(maps)
    assert not res.is_series
    assert res.descriptors()["two_theta_002"].value == pytest.approx(centres[1, 2], abs=1e-5)
    assert split_flags("at_bound:a,no_signal") == ("at_bound:a", "no_signal")
    assert split_flags("") == ()
    with pytest.raises(CharzError, match="outputs must include 'flags'"):
        apply_series(one, _centroid_kernel, core_dims=["two_theta"], outputs={"success": bool})


def test_apply_series_dask_stays_lazy_and_matches_numpy():
    pytest.importorskip("dask")
    da, centres = _map()
    lazy = da.chunk({"y": 2, "x": 2, "two_theta": 100})
    maps = apply_series(lazy, _centroid_kernel, core_dims=["two_theta"], outputs=OUT,
                        kwargs={"x": da.two_theta.values})
    assert maps["two_theta_002"].chunks is not None        # lazy, nothing computed yet
    assert maps["flags"].chunks == ((2, 1), (2, 2))
    _check_maps(maps.compute(), centres)
    res = _result(maps)
    ref = _result(apply_series(da, _centroid_kernel, core_dims=["two_theta"], outputs=OUT,
                               kwargs={"x": da.two_theta.values}))
    assert res.summary() == ref.summary()
    a, b = res.descriptors()["two_theta_002"], ref.descriptors()["two_theta_002"]
    assert a.value == pytest.approx(b.value, rel=1e-12)
    assert a.stderr == pytest.approx(b.stderr, rel=1e-9)


def test_apply_series_on_a_local_cluster_writes_zarr(tmp_path):
    pytest.importorskip("distributed")
    pytest.importorskip("zarr")
    da, centres = _map()
    lazy = da.chunk({"y": 1})
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster):
        res = _result(apply_series(lazy, _centroid_kernel, core_dims=["two_theta"],
                                   outputs=OUT, kwargs={"x": da.two_theta.values}))
        stored = res.to_zarr(tmp_path / "maps.zarr")
        assert stored.maps["two_theta_002"].chunks is not None   # read back lazily
        _check_maps(stored.maps.compute(), centres)
        assert stored.summary().startswith("10/12 fitted, 2 without signal")
    nc = res.to_netcdf(tmp_path / "maps.nc")  # after the cluster: threads scheduler
    back = xr.open_dataset(nc)
    np.testing.assert_allclose(back["two_theta_002"].values, stored.maps["two_theta_002"].values)
    back.close()


def test_scheduler_specs():
    import dask

    with scheduler("synchronous"):
        assert dask.config.get("scheduler") == "synchronous"
    with scheduler(None) as client:
        assert client is None
    with pytest.raises(ValueError, match="not one of: threads"), scheduler("cloud"):
        pass
    with pytest.raises(ValueError, match="worker count"), scheduler("local:0"):
        pass


def _n_above(good, values, *, limit):
    return int(np.count_nonzero(good & (values > limit)))


def test_stats_one_pass_numpy_equals_dask_chunks_and_truth():
    pytest.importorskip("dask")
    import functools

    da, _centres = _map()
    kw = {"core_dims": ["two_theta"], "outputs": OUT, "kwargs": {"x": da.two_theta.values}}
    ref = _result(apply_series(da, _centroid_kernel, **kw))
    lazy = _result(apply_series(da.chunk({"y": 2, "x": 3, "two_theta": -1}),
                                _centroid_kernel, **kw))
    extra = functools.partial(_n_above, limit=24.0)
    a = ref.stats(["two_theta_002", "fwhm_002"], extra=extra, extra_vars=["two_theta_002"])
    b = lazy.stats(["two_theta_002", "fwhm_002"], extra=extra, extra_vars=["two_theta_002"])
    good = np.asarray(ref.maps["success"].values, bool)
    v = np.asarray(ref.maps["two_theta_002"].values)[good]
    for st in (a, b):  # truth: numpy on the good slices
        assert (st["n"], st["ok"]) == (12, 10)
        n, mean, std = st["keys"]["two_theta_002"]
        assert n == 10
        assert mean == pytest.approx(v.mean(), rel=1e-12)
        assert std == pytest.approx(v.std(ddof=1), rel=1e-9)
        assert st["extra"] == int((v > 24.0).sum())
        assert st["flags"]["no_signal"] == [0, 2]
    assert a["flags"] == b["flags"]
    assert a["flagged"] == b["flagged"]


def test_to_zarr_fits_and_writes_each_chunk_in_one_task(tmp_path):
    """A lazy series is written with one task per chunk (kernel + all outputs + stats);
    the store equals what xarray's own ``to_zarr`` writes, and the statistics gathered on
    the way equal a fresh pass over the store."""
    pytest.importorskip("zarr")
    import dataclasses

    import dask
    from dask.callbacks import Callback

    da, centres = _map()
    kw = {"core_dims": ["two_theta"], "outputs": OUT, "kwargs": {"x": da.two_theta.values}}
    res = _result(apply_series(da.chunk({"y": 1, "x": 2, "two_theta": -1}),
                               _centroid_kernel, **kw))   # 6 chunks
    ran = []

    class Count(Callback):
        def _pretask(self, key, dsk, state):
            ran.append(key[0] if isinstance(key, tuple) else key)

    with dask.config.set(scheduler="sync"), Count():
        stored = res.to_zarr(tmp_path / "fused.zarr")
    names = {n.split("-")[0] for n in ran}
    assert "store" not in names
    assert not any("pick" in n for n in ran)
    fused = [n for n in ran if "run_block" in n]     # kernel and write: one task
    assert len(fused) == 6
    assert all("_write_block" in n for n in fused)
    assert stored.stats_cache is not None
    # the same store as xarray writes variable by variable
    from charz.output import netcdf_ready, result_attrs

    ref_path = tmp_path / "xarray.zarr"
    netcdf_ready(res.maps, attrs=result_attrs(res, None)).to_zarr(ref_path, zarr_format=2)
    a, b = xr.open_zarr(tmp_path / "fused.zarr"), xr.open_zarr(ref_path)
    assert set(a.variables) == set(b.variables)
    for k in b.variables:
        assert a[k].dtype == b[k].dtype, k
        assert a[k].attrs == b[k].attrs, k
        np.testing.assert_array_equal(a[k].values, b[k].values)
    _check_maps(a.compute(), centres)
    assert {k: v for k, v in a.attrs.items() if k not in ("date_created", "history")} == \
        {k: v for k, v in b.attrs.items() if k not in ("date_created", "history")}
    # the statistics gathered while writing = a fresh pass over the store
    fresh = dataclasses.replace(stored, stats_cache=None)
    keys = ["two_theta_002", "fwhm_002"]
    assert stored.stats(keys) == fresh.stats(keys)
    assert stored.summary() == fresh.summary()
    assert stored.summary().startswith("10/12 fitted, 2 without signal")
    d1, d2 = stored.descriptors(), fresh.descriptors()
    for k in keys:
        assert d1[k].value == d2[k].value
        assert d1[k].stderr == d2[k].stderr
        assert d1[k].flags == d2[k].flags
    # an extra the write did not gather is computed, not taken from the cache
    import functools

    st = stored.stats(keys, extra=functools.partial(_n_above, limit=24.0),
                      extra_vars=["two_theta_002"])
    good = a["success"].values
    assert st["extra"] == int((a["two_theta_002"].values[good] > 24.0).sum())
    # options the one-task path does not cover go through xarray
    enc = {"fwhm_002": {"dtype": "float32"}}
    other = res.to_zarr(tmp_path / "enc.zarr", encoding=enc)
    assert other.stats_cache is None
    assert xr.open_zarr(tmp_path / "enc.zarr")["fwhm_002"].encoding["dtype"] == np.float32
    np.testing.assert_allclose(other.maps["fwhm_002"].values, a["fwhm_002"].values, rtol=1e-6)


def test_whole_chunk_writes_equal_zarr_and_refuse_what_they_cannot_write(tmp_path):
    """The fast chunk writer of lazy maps writes the same store as zarr's own API (an
    edge chunk included) and declines regions it cannot write as whole chunks."""
    zarr = pytest.importorskip("zarr")
    from charz._series_store import _store_v2_chunks

    ds = xr.Dataset({"v": ("n", np.full(10, np.nan)), "ok": ("n", np.zeros(10, bool)),
                     "flags": ("n", np.full(10, "", dtype="<U12"))})
    enc = {k: {"chunks": (4,)} for k in ds.data_vars}
    ds.to_zarr(tmp_path / "a.zarr", zarr_format=2, encoding=enc)
    ds.to_zarr(tmp_path / "b.zarr", zarr_format=2, encoding=enc)
    rng = np.random.default_rng(1)
    vals = {"v": rng.normal(size=10), "ok": rng.random(10) > 0.5,
            "flags": np.array(["at_bound:x", "", "no_signal"] * 3 + [""], dtype="<U12")}
    for sl in (slice(0, 4), slice(4, 8), slice(8, 10)):           # the last: an edge chunk
        assert _store_v2_chunks(str(tmp_path / "a.zarr"), {k: v[sl] for k, v in vals.items()},
                                (sl,))
        g = zarr.open_group(str(tmp_path / "b.zarr"), mode="r+", zarr_format=2)
        for k, v in vals.items():
            g[k][sl] = v[sl]
    a, b = xr.open_zarr(tmp_path / "a.zarr").load(), xr.open_zarr(tmp_path / "b.zarr").load()
    for k, v in vals.items():
        np.testing.assert_array_equal(a[k].values, v)
        np.testing.assert_array_equal(a[k].values, b[k].values)
    # not a whole chunk, or not a local store: declined, nothing written
    assert not _store_v2_chunks(str(tmp_path / "a.zarr"), {"v": np.zeros(3)}, (slice(1, 4),))
    assert not _store_v2_chunks(str(tmp_path / "a.zarr"), {"v": np.zeros(2)}, (slice(4, 6),))
    assert not _store_v2_chunks(str(tmp_path / "nowhere.zarr"), {"v": np.zeros(4)},
                                (slice(0, 4),))
    np.testing.assert_array_equal(xr.open_zarr(tmp_path / "a.zarr")["v"].values, vals["v"])


def test_small_chunks_are_merged_into_fewer_tasks_with_the_same_results():
    """Chunks of a few slices are merged (up to MIN_TASK_SLICES, keeping >= 16 tasks);
    large chunks are left alone; the values do not depend on the chunking."""
    pytest.importorskip("dask")
    from charz.series import MIN_TASK_SLICES

    rng = np.random.default_rng(3)
    x = np.linspace(15.0, 35.0, 201)
    centres = rng.uniform(22.0, 25.0, 960)
    da = xr.DataArray(np.exp(-0.5 * ((x - centres[:, None]) / 1.0) ** 2),
                      dims=("frame", "two_theta"), coords={"two_theta": x})
    kw = {"core_dims": ["two_theta"], "outputs": OUT, "kwargs": {"x": x}}
    small = apply_series(da.chunk({"frame": 10}), _centroid_kernel, **kw)
    assert small["two_theta_002"].chunks == ((60,) * 16,)        # 96 chunks -> 16 tasks
    big = apply_series(da.chunk({"frame": 480}), _centroid_kernel, **kw)
    assert big["two_theta_002"].chunks == ((480, 480),)          # above 960/16: unchanged
    assert MIN_TASK_SLICES >= 1024
    ref = apply_series(da, _centroid_kernel, **kw)
    for res in (small, big):
        np.testing.assert_array_equal(res["two_theta_002"].values, ref["two_theta_002"].values)
    np.testing.assert_allclose(ref["two_theta_002"].values, centres, atol=1e-4)
