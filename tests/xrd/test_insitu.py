"""In-situ XRD: per-frame (002) tracking on the example operando frames (truth in
truth.json, written by the generator of the example data) and series readers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import charz
from charz.demo import DemoContext, example_data_dir
from xrd.insitu import fit_002_series, read_series

EX = example_data_dir()


@pytest.fixture(scope="module")
def operando():
    if not (EX / "insitu_xrd").is_dir():
        pytest.skip("example operando frames not generated")
    truth = json.loads((EX / "truth.json").read_text())["insitu"]["xrd_frames"]
    series = read_series(EX / "insitu_xrd")
    cycler = charz.read(EX / "echem/HC-demo_cycler.csv", technique="echem")
    return series, cycler, truth


def test_series_times_mid_acquisition(operando) -> None:
    series, _, truth = operando
    t = np.array([f["mid_time_s"] for f in truth])
    assert series.dims == ("time", "two_theta")
    np.testing.assert_allclose(series["time"].values, t - t[0])


def test_d002_tracked_against_truth(operando, tmp_path: Path) -> None:
    series, cycler, truth = operando
    res = fit_002_series(series, cell_peaks="fit", cycler=cycler)
    d_true = np.array([f["d002"] for f in truth])
    assert res.table["success"].all()
    # the generator's d002 rises 0.378 → 0.386 nm: tracked within 0.002 nm per frame
    assert np.max(np.abs(res.table["d002"].values - d_true)) < 0.002
    # and the change over the slope region is seen: Δd within 0.0015 nm
    dd = res.table["d002"].values[7] - res.table["d002"].values[0]
    assert dd == pytest.approx(d_true[7] - d_true[0], abs=0.0015)
    assert "voltage" in res.table.coords
    # the series record: mean ± SEM of the good frames (engine result)
    d = res.descriptors()["d002"]
    assert d.extra["n"] == len(truth)
    assert d.value == pytest.approx(d_true.mean(), abs=0.001)
    assert res.summary() == f"{len(truth)}/{len(truth)} fitted"
    p = res.to_csv(tmp_path / "frames.csv")
    df = pd.read_csv(p)  # pandas defaults: header + one row per frame, numeric columns
    assert len(df) == len(truth)
    assert df["d002 (nm)"].dtype.kind == "f"
    res.to_netcdf(tmp_path / "series.nc")
    assert res.plot().get_ylabel().startswith("d002")
    res.plot_vs_voltage()
    res.waterfall(every=5)


def test_multiscan_xrdml_series(shared_data: Path) -> None:
    s = read_series(shared_data / "xrd/xrayutilities-examples/rsm_1.xrdml.bz2")
    assert s.dims == ("time", "two_theta")
    assert s.sizes["time"] == 401


def test_numbered_folder_natural_order(shared_data: Path) -> None:
    files = sorted((shared_data / "xrd/dioptas-patterns").glob("Fe3O4C_*.xy"))
    s = read_series(files)
    assert s.sizes["frame"] == 9
    nums = [int(str(n).split("_map_")[1].split("_")[0]) for n in s["source"].values]
    assert nums == [1, 2, 3, 6, 7, 8, 11, 12, 13]


def test_demo_part(tmp_path: Path) -> None:
    from xrd import _demo

    truth = json.loads((EX / "truth.json").read_text())
    ctx = DemoContext(EX, tmp_path, truth, quiet=True)
    _demo.run(ctx)
    rec = ctx.records[0]
    t = truth["xrd"]
    assert rec["d002"].value == pytest.approx(t["d002"], abs=0.002)
    assert rec["lc"].value == pytest.approx(t["lc"], rel=0.05)
    assert rec["la"].value == pytest.approx(t["la"], rel=0.10)
    assert (tmp_path / "xrd_fit.png").exists()
    assert (tmp_path / "insitu_xrd_frames.csv").exists()


def test_grouped_frames(operando) -> None:
    series, cycler, truth = operando
    res = fit_002_series(series, cell_peaks=[(17.5, 6.0)], cycler=cycler, group=3)
    d_true = np.array([f["d002"] for f in truth])[: 3 * (len(truth) // 3)]
    assert res.table.sizes["time"] == len(truth) // 3
    # the fit of an averaged group tracks the group mean of the truth within 0.002 nm
    np.testing.assert_allclose(res.table["d002"].values, d_true.reshape(-1, 3).mean(1),
                               atol=0.002)


def _synthetic_series(n: int = 6, zero: int | None = 3) -> tuple[xr.DataArray, np.ndarray]:
    """Frames of known d002 (0.372 → 0.382 nm); frame ``zero`` all zeros (no signal)."""
    from xrd.synthetic import simulate_pattern

    d = np.linspace(0.372, 0.382, n)
    frames = [simulate_pattern(d002=v, lc=1.3, la=3.5, seed=i,
                               two_theta=np.arange(10, 40, 0.05)) for i, v in enumerate(d)]
    y = np.array([f.values for f in frames])
    if zero is not None:
        y[zero] = 0.0
    da = xr.DataArray(y, dims=("time", "two_theta"),
                      coords={"time": ("time", 600.0 * np.arange(n), {"units": "s"}),
                              "two_theta": frames[0]["two_theta"]},
                      attrs=dict(frames[0].attrs))
    return da, d


@pytest.mark.parametrize("backend", ["numpy", "dask"])
def test_engine_numpy_and_dask_no_signal_frame(backend) -> None:
    da, d = _synthetic_series()
    if backend == "dask":
        pytest.importorskip("dask")
        da = da.chunk({"time": 2})
    res = fit_002_series(da, window=(12.0, 35.0))
    maps = res.maps.compute()
    ok = maps["success"].values
    assert list(ok) == [True, True, True, False, True, True]
    assert maps["flags"].values[3] == "no_signal"
    np.testing.assert_allclose(maps["d002"].values[ok], d[ok], atol=0.0015)  # truth
    assert res.summary() == "5/6 fitted, 1 without signal"
    assert res.descriptors()["d002"].extra["n"] == 5  # the empty frame is left out


def test_engine_on_a_local_cluster() -> None:
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    from xrd.series import fit_pattern_series

    da, d = _synthetic_series(n=4, zero=None)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster):
        res = fit_pattern_series(da.chunk({"time": 2}), fit_10=False)
        maps = res.maps.compute()
    assert maps["success"].all()
    np.testing.assert_allclose(maps["d002"].values, d, atol=0.0015)  # generated truth
    assert maps["d002"].attrs["units"] == "nm"


def test_cli_ka2_strip_is_applied_not_ignored(tmp_path: Path) -> None:
    """``charz insitu xrd --ka2 strip`` strips Kα2 (Rachinger) on every frame: its d002
    agrees with modelling the doublet and differs from ignoring it (it used to fall back to
    ``ignore`` without a word)."""
    import warnings

    from charz.cli import main

    frames = sorted((EX / "insitu_xrd").glob("*.xye"))[:8]
    if not frames:
        pytest.skip("example operando frames not generated")
    d002 = {}
    for ka2 in ("strip", "model", "ignore"):
        out = tmp_path / ka2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert main(["insitu", "xrd", *map(str, frames), "--align", "relative",
                         "--ka2", ka2, "--out", str(out)]) == 0
        table = pd.read_csv(out / "insitu_xrd_frames.csv")
        d002[ka2] = table["d002 (nm)"].to_numpy()
    assert np.abs(d002["strip"] - d002["model"]).mean() < 1e-4
    assert np.abs(d002["strip"] - d002["ignore"]).mean() > 2e-4
