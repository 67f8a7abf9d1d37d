"""Whole-pattern turbostratic model against atomistic truth (brute-force Debye sums).

The truth comes from ``tests/xrd/debye_truth.py``: graphene disks built atom by atom, each
layer turned and shifted at random, every pair of atoms counted (FIELD-NOTES §1.9). The
patterns are cached for the session (``functools.lru_cache`` in that module).
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from charz.errors import (
    ConflictWarning,
    FitError,
    FlagWarning,
    MissingMetadataError,
    PhysicsWarning,
)
from charz.record import StructuralRecord
from xrd._random_layer import RandomLayerKernel, gamma_layers, lognormal_sizes
from xrd.turbostratic import fit_turbostratic, turbostratic_pattern


def _load_truth():
    name = "charz_tests_debye_truth"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("debye_truth.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


dt = _load_truth()

LAM = dt.LAMBDA_CU_KA1
#: recovery tolerances of issue 16
TOL_D002 = 0.002  # nm
TOL_REL = 0.10  # 10 percent on Lc, La


def _fit(da, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fit_turbostratic(da, **kw)


# ---------------------------------------------------------------------------------------
# 1. the fast model against brute-force Debye sums (≤ 1 % RMS of the profile)
# ---------------------------------------------------------------------------------------

FAST_VS_DEBYE = [
    # spacing, <N> (number mean), sd N, median D, ln-sd D, delta
    (0.375, 4.0, 1.5, 3.0, 0.3, 0.0),
    (0.395, 6.0, 2.0, 4.5, 0.25, 0.0),
    (0.365, 3.0, 1.0, 2.0, 0.2, 0.012),
]


@pytest.mark.parametrize("case", FAST_VS_DEBYE)
def test_fast_model_matches_debye_sum(case):
    ens = dt.ensemble(*case[:5], delta=case[5])
    x = np.arange(10.0, 90.0001, 0.05)
    th = np.radians(x) / 2
    q = 4 * np.pi * np.sin(th) / LAM
    s = q / (4 * np.pi * 10)
    b_iso = 0.6
    pol = (1 + np.cos(2 * th) ** 2) / 2
    truth_pairs = dt.pair_sum(ens, q)
    truth = pol * (dt.form_factor(s) ** 2 * (1 + np.exp(-2 * b_iso * s**2) * truth_pairs)
                   + dt.incoherent(s) * (1 + dt.LAMBDA_COMPTON / LAM * (1 - np.cos(2 * th))) ** -2)
    # the same ensemble as atom-weighted fractions on the model's kernel
    nv, nw = np.array(ens.n_values), np.array(ens.n_weights)
    dv, dw = np.array(ens.d_values), np.array(ens.d_weights)
    q_n = np.zeros(48)
    q_n[nv - 1] = nw * nv
    q_d = dw * dv**2
    kern = RandomLayerKernel.build(np.linspace(q.min() - 0.05, q.max() + 0.05, 400),
                                   diameters=dv)
    from scipy.interpolate import CubicSpline

    from xrd.corrections import carbon_form_factor
    from xrd.turbostratic import _Model

    pairs = CubicSpline(kern.q, kern.pair_terms(ens.spacing, q_n / q_n.sum(), q_d / q_d.sum(),
                                                ens.delta))(q)
    m = _Model(x, lam1=LAM, lam2=None, ratio=0.0, monochromator=None, instrument=None,
               background_degree=0, la_max=15.0, n_max=48)
    inc = m.parts[0]["inc"]
    fast = pol * (carbon_form_factor(x, LAM) ** 2 * (1 + np.exp(-2 * b_iso * s**2) * pairs) + inc)
    rms = math.sqrt(np.mean((fast - truth) ** 2) / np.mean(truth**2))
    assert rms <= 0.01  # issue 16: ≤ 1 % RMS of the profile
    # the pair terms alone (the structure, no form factor tables): same bound
    assert math.sqrt(np.mean((pairs - truth_pairs) ** 2)) <= 0.01 * math.sqrt(
        np.mean((1 + truth_pairs) ** 2))


def test_distributions_keep_their_mean():
    q_n = gamma_layers(4.6, 1.7, 48)
    n = np.arange(1, 49)
    assert float((q_n * n).sum()) == pytest.approx(4.6, rel=1e-9)
    assert math.sqrt(float((q_n * (n - 4.6) ** 2).sum())) == pytest.approx(1.7, rel=0.05)
    grid = np.geomspace(0.5, 15, 56)
    q_d = lognormal_sizes(3.7, 0.3, grid)
    assert float((q_d * grid).sum()) == pytest.approx(3.7, rel=1e-4)


# ---------------------------------------------------------------------------------------
# 2. recovery of d002, Lc, La, N from noisy atomistic patterns with tail and background
# ---------------------------------------------------------------------------------------

RECOVERY = [
    # spacing, N mean, N sd, D median, D ln-sd, delta, pattern options
    (0.365, 3.0, 1.0, 2.0, 0.2, 0.010, {"b_iso": 0.8}),
    (0.375, 4.0, 1.5, 3.0, 0.3, 0.0, {"b_iso": 0.8}),
    (0.390, 6.0, 2.5, 5.0, 0.3, 0.0, {"b_iso": 0.5, "counts": 8000.0}),
    (0.400, 7.0, 2.0, 4.0, 0.25, 0.015, {"b_iso": 1.0, "monochromator": 26.6}),
]


@pytest.fixture(scope="module")
def recovered():
    out = {}
    for i, (*struct, opts) in enumerate(RECOVERY):
        ens = dt.ensemble(*struct[:5], delta=struct[5])
        p = dt.pattern(ens, tail=(0.3, 3.0), background=(0.05, 0.01, 0.0), seed=10 + i,
                       **opts)
        out[i] = (p["truth"], _fit(dt.to_dataarray(p),
                                   monochromator_two_theta=opts.get("monochromator")))
    return out


@pytest.mark.parametrize("i", range(len(RECOVERY)))
def test_recovery_against_atomistic_truth(recovered, i):
    truth, res = recovered[i]
    assert abs(res.d002.value - truth["d002"]) <= TOL_D002
    assert res.lc.value == pytest.approx(truth["lc"], rel=TOL_REL)
    assert res.la.value == pytest.approx(truth["la"], rel=TOL_REL)
    assert res.n_layers.value == pytest.approx(truth["n_layers"], rel=TOL_REL)
    assert res.flags == ()
    assert res.parameters["redchi"].value < 1.5  # Poisson noise only
    # the widths of the distributions are recovered too (looser: second moments)
    assert res.parameters["sigma_n"].value == pytest.approx(truth["sigma_n"], rel=0.25)
    assert res.parameters["sigma_la"].value == pytest.approx(truth["sigma_d"], rel=0.35)


def test_result_object(recovered):
    _, res = recovered[1]
    d = res.descriptors()
    assert set(d) == {"d002", "lc", "la", "n_layers"}
    assert {k: m.unit for k, m in d.items()} == {"d002": "nm", "lc": "nm", "la": "nm",
                                                  "n_layers": "1"}
    assert d["lc"].value == pytest.approx(d["n_layers"].value * d["d002"].value, rel=1e-12)
    assert "⟨N⟩·d" in d["lc"].method
    assert "atom-weighted" in d["la"].method
    for m in d.values():
        assert m.stderr is not None
        assert 0 < m.stderr < 0.05 * m.value
    c = res.curve
    assert set(c.data_vars) >= {"data", "best_fit", "residual", "coherent", "background"}
    np.testing.assert_allclose(c["data"] - c["best_fit"], c["residual"])
    assert res.fit.success
    assert res.seed()["d002"] == pytest.approx(d["d002"].value)
    assert json.loads(json.dumps(d["la"].to_dict()))["unit"] == "nm"
    res.plot()


def test_record_keeps_peak_fit_and_turbostratic_as_conflicts(recovered):
    from xrd.peaks import fit_pattern

    truth, res = recovered[1]
    ens = dt.ensemble(0.375, 4.0, 1.5, 3.0, 0.3)
    da = dt.to_dataarray(dt.pattern(ens, tail=(0.3, 3.0), background=(0.05, 0.01, 0.0),
                                    seed=11, b_iso=0.8))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)
        warnings.simplefilter("ignore", FlagWarning)  # symmetric peaks on a Debye pattern: poor_fit
        peak = fit_pattern(da, ka2="ignore")
    rec = StructuralRecord("HC").with_results(res)
    with pytest.warns(ConflictWarning, match="second value for"):
        rec = rec.with_results(peak)
    assert rec["d002"] is res.d002  # first value stays
    keys = {k for k, _ in rec.conflicts}
    assert {"d002", "lc", "la", "n_layers"} <= keys
    # the whole-pattern values are the ones close to the truth (what the docs say to quote)
    assert abs(res.la.value - truth["la"]) < abs(peak.la.value - truth["la"])


# ---------------------------------------------------------------------------------------
# 3. flags and errors
# ---------------------------------------------------------------------------------------


def test_graphitic_phase_is_flagged_poor_fit():
    ens = dt.ensemble(0.375, 4.0, 1.5, 3.0, 0.3)
    p = dt.pattern(ens, tail=(0.3, 3.0), background=(0.05, 0.01, 0.0), noise=False, b_iso=0.8)
    x = p["two_theta"]
    graphite = 2 * np.degrees(np.arcsin(LAM / (2 * 0.3354)))
    clean = p["clean"] + 0.15 * 20000 * np.exp(-4 * math.log(2) * ((x - graphite) / 0.3) ** 2)
    p = dict(p, counts=np.random.default_rng(3).poisson(clean).astype(float))
    with pytest.warns(PhysicsWarning, match="graphitic"):
        res = fit_turbostratic(dt.to_dataarray(p))
    assert "poor_fit" in res.flags
    assert all("poor_fit" in m.flags for m in res.descriptors().values())


def test_bound_is_flagged():
    ens = dt.ensemble(0.375, 4.0, 1.5, 3.0, 0.3)
    p = dt.pattern(ens, tail=(0.3, 3.0), background=(0.05, 0.01, 0.0), b_iso=0.8, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)
        # a size grid too small for this sample: <D> ends on its upper bound
        res = fit_turbostratic(dt.to_dataarray(p), la_max=3.5)
    assert "at_bound:la" in res.la.flags
    assert "at_bound:la" not in res.d002.flags


def test_kalpha2_and_seeded_refit():
    ens = dt.ensemble(0.385, 5.0, 1.5, 3.5, 0.25)
    p = dt.pattern(ens, tail=(0.2, 3.5), background=(0.03, 0.0, 0.0), ka2_ratio=0.5, seed=7)
    da = dt.to_dataarray(p, ka2_ratio=0.5)
    res = _fit(da)
    t = p["truth"]
    assert abs(res.d002.value - t["d002"]) <= TOL_D002
    assert res.lc.value == pytest.approx(t["lc"], rel=TOL_REL)
    assert res.la.value == pytest.approx(t["la"], rel=TOL_REL)
    assert "Kα2 modelled" in res.d002.method
    again = _fit(da, init=res)  # the next frame of a series starts from this one
    assert again.fit.nfev < res.fit.nfev
    assert again.d002.value == pytest.approx(res.d002.value, abs=2e-4)


def test_errors():
    x = np.arange(10, 80, 0.05)
    from xrd.io import make_pattern

    flat = make_pattern(x, np.full(x.size, 100.0), attrs={"wavelength": LAM})
    with pytest.raises(FitError, match="no signal"):
        fit_turbostratic(flat)
    nowl = make_pattern(x, np.random.default_rng(0).poisson(100, x.size).astype(float))
    with pytest.raises(MissingMetadataError, match="wavelength"):
        fit_turbostratic(nowl)
    with pytest.raises(FitError, match="points in the window"):
        fit_turbostratic(flat, window=(20, 21))


def test_model_pattern_is_public():
    x = np.arange(10, 90, 0.1)
    ds = turbostratic_pattern(x, d002=0.38, n_layers=4, sigma_n=1.5, la=3.5, sigma_ln_la=0.3)
    coh = ds["coherent"].values
    # the (002) band near Bragg for d = 0.38 nm (23.4°), the apex pulled low by f² and 1/q²
    band = (x > 18) & (x < 30)
    apex = x[band][np.argmax(coh[band])]
    assert 21.5 < apex < 23.6
    assert np.all(ds["incoherent"].values > 0)


# ---------------------------------------------------------------------------------------
# 4. command line and report manifest
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xye_file(tmp_path_factory):
    ens = dt.ensemble(0.380, 4.5, 1.5, 3.5, 0.3)
    p = dt.pattern(ens, tail=(0.3, 3.0), background=(0.05, 0.01, 0.0), seed=21, b_iso=0.7)
    path = tmp_path_factory.mktemp("turbo") / "HC-T.xye"
    y = p["counts"]
    np.savetxt(path, np.c_[p["two_theta"], y, np.sqrt(np.clip(y, 1, None))], fmt="%.6g")
    return path, p["truth"]


def test_cli_model_turbostratic(xye_file, capsys):
    from charz.cli import main

    path, t = xye_file
    assert main(["xrd", str(path), "--wavelength", "0.1540593", "--model", "turbostratic",
                 "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)[0]["descriptors"]
    assert abs(rec["d002"]["value"] - t["d002"]) <= TOL_D002
    assert rec["lc"]["value"] == pytest.approx(t["lc"], rel=TOL_REL)
    assert rec["la"]["value"] == pytest.approx(t["la"], rel=TOL_REL)
    assert "whole-pattern turbostratic model" in rec["la"]["method"]
    assert rec["la"]["provenance"]["parameters"]["model"] == "turbostratic"
    # options of the peak fit cannot take effect: an error naming them, not silence
    assert main(["xrd", str(path), "--wavelength", "0.1540593", "--model", "turbostratic",
                 "--convention", "jis"]) == 1
    assert "--convention" in capsys.readouterr().err


def test_report_manifest_keeps_both_models(xye_file, tmp_path):
    from charz.record import records_from_json
    from charz.report import run_manifest

    path, t = xye_file
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "sample,technique,file,options\n"
        f"HC-T,xrd,{path},model=turbostratic;wavelength=0.1540593\n"
        f"HC-T,xrd,{path},wavelength=0.1540593;ka2=ignore\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConflictWarning/PhysicsWarning/FlagWarning lines
        assert run_manifest(manifest, tmp_path / "out") == 0
    (rec,) = records_from_json((tmp_path / "out" / "records.json").read_text(encoding="utf-8"))
    assert "whole-pattern" in rec["la"].method  # the first row's value is kept
    assert rec["la"].value == pytest.approx(t["la"], rel=TOL_REL)
    other = dict(rec.conflicts)
    assert "Scherrer" in other["la"].method


def test_series_seeded_from_previous_frame():
    import xarray as xr

    from xrd.turbostratic import fit_turbostratic_series

    frames, truth = [], []
    for i, d in enumerate((0.375, 0.378, 0.381)):  # sodiation swells the layers
        ens = dt.ensemble(d, 4.0, 1.5, 3.0, 0.3)
        p = dt.pattern(ens, tail=(0.3, 3.0), background=(0.05, 0.01, 0.0), seed=40 + i,
                       b_iso=0.8)
        frames.append(dt.to_dataarray(p))
        truth.append(p["truth"])
    frames.append(frames[0] * 0)  # an empty frame: no signal, left out of the means
    series = xr.concat(frames, dim="time").assign_coords(time=np.arange(4) * 600.0)
    series.attrs = dict(frames[0].attrs)
    res = fit_turbostratic_series(series)
    maps = res.maps
    assert maps["success"].values.tolist() == [True, True, True, False]
    assert "no_signal" in str(maps["flags"].values[3])
    np.testing.assert_allclose(maps["d002"].values[:3], [t["d002"] for t in truth],
                               atol=TOL_D002)
    np.testing.assert_allclose(maps["la"].values[:3], [t["la"] for t in truth], rtol=TOL_REL)
    assert np.all(np.diff(maps["d002"].values[:3]) > 0)  # the swelling is tracked
    d = res.descriptors()
    assert d["d002"].value == pytest.approx(np.mean([t["d002"] for t in truth]), abs=TOL_D002)


def test_instrument_profile_is_the_caglioti_width():
    import xarray as xr

    from xrd.peaks import CagliotiResult
    from xrd.turbostratic import _instrument_matrix

    x = np.arange(10, 90, 0.01)
    cag = CagliotiResult(0.004, -0.002, 0.003, "LaB6", xr.Dataset())
    m = _instrument_matrix(x, cag)
    np.testing.assert_allclose(np.asarray(m.sum(1)).ravel(), 1.0)
    for c in (20.0, 45.0, 80.0):
        spike = np.zeros_like(x)
        spike[np.argmin(abs(x - c))] = 1.0
        y = m @ spike
        half = y >= y.max() / 2
        width = x[half][-1] - x[half][0] + 0.01
        assert width == pytest.approx(float(cag.fwhm(c)), abs=0.011)  # one grid step
    assert _instrument_matrix(x, None) is None


def test_cli_insitu_turbostratic(tmp_path, capsys):
    # charz insitu xrd --model turbostratic on three generated frames whose layers swell:
    # per-frame CSV (units in the columns), NetCDF, heatmap and trend figures
    import pandas as pd
    import xarray as xr

    from charz.cli import main

    frames = tmp_path / "frames"
    frames.mkdir()
    truth = []
    for i, d in enumerate((0.375, 0.378, 0.381)):
        ens = dt.ensemble(d, 4.0, 1.5, 3.0, 0.3)
        p = dt.pattern(ens, tail=(0.3, 3.0), background=(0.05, 0.01, 0.0), seed=60 + i,
                       b_iso=0.8)
        y = p["counts"]
        np.savetxt(frames / f"frame_{i:02d}.xye",
                   np.c_[p["two_theta"], y, np.sqrt(np.clip(y, 1, None))], fmt="%.6g",
                   header=f"StartTime: 2026-03-01T10:{10 * i:02d}:00Z")
        truth.append(p["truth"])
    out = tmp_path / "out"
    assert main(["insitu", "xrd", str(frames), "--model", "turbostratic", "--wavelength",
                 "0.1540593", "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "insitu_xrd_turbostratic.csv")
    np.testing.assert_allclose(table["d002 (nm)"], [t["d002"] for t in truth], atol=TOL_D002)
    np.testing.assert_allclose(table["la (nm)"], [t["la"] for t in truth], rtol=TOL_REL)
    assert np.all(np.diff(table["d002 (nm)"]) > 0)  # the swelling is tracked
    with xr.open_dataset(out / "insitu_xrd_turbostratic.nc") as ds:
        np.testing.assert_allclose(ds["d002"].values, table["d002 (nm)"], rtol=1e-9)
    printed = capsys.readouterr().out
    for name in ("insitu_xrd_heatmap.png", "insitu_xrd_turbostratic_d002.png",
                 "insitu_xrd_turbostratic_la.pdf"):
        assert (out / name).exists()
        assert str(out / name) in printed
    # an option of the (002) fit cannot take effect: an error naming it, not silence
    assert main(["insitu", "xrd", str(frames), "--model", "turbostratic", "--wavelength",
                 "0.1540593", "--cell-hump", "--out", str(out), "--quiet"]) == 1
    assert "--cell-hump" in capsys.readouterr().err


def test_cli_monochromator_default_is_the_api_default(xye_file, capsys):
    # not given: the API's default (turbostratic: no monochromator); given: passed on
    from charz.cli import main

    path, _ = xye_file
    assert main(["xrd", str(path), "--wavelength", "0.1540593", "--model", "turbostratic",
                 "--json"]) == 0
    default = json.loads(capsys.readouterr().out)[0]["descriptors"]["d002"]
    api = fit_turbostratic(__import__("charz").read(path, wavelength=0.1540593), warn=False)
    assert default["value"] == pytest.approx(api.d002.value, rel=1e-9)
    assert main(["xrd", str(path), "--wavelength", "0.1540593", "--model", "turbostratic",
                 "--monochromator", "26.6", "--json"]) == 0
    mono = json.loads(capsys.readouterr().out)[0]["descriptors"]["d002"]
    assert mono["provenance"]["parameters"]["monochromator_two_theta"] == 26.6
    assert default["provenance"]["parameters"]["monochromator_two_theta"] is None
