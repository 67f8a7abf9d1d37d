"""He true density reader and closed-pore volume against the generated HC-demo truth."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from charz.demo import example_data_dir
from charz.errors import CharzError, CorruptFileError, PhysicsWarning
from charz.record import DESCRIPTORS, StructuralRecord
from saxs.density import closed_pore_volume, read_pycnometer, skeleton_density_from_d002


@pytest.fixture
def demo():
    d = example_data_dir()
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))["saxs"]
    return d / truth["pycnometer_file"], truth


def test_pycnometer_report_and_closed_pores_match_truth(demo):
    path, truth = demo
    rep = read_pycnometer(path)
    assert_allclose(rep.density, truth["true_density"], rtol=1e-4)  # file prints 4 decimals
    assert rep.gas == "Helium"
    assert rep.cycle_density.size == 10
    assert_allclose(rep.sample_mass_g, 0.5123)
    res = closed_pore_volume(rep, skeleton_density=truth["skeleton_density"])
    assert_allclose(res.closed_pore_volume.value, truth["closed_pore_volume"], rtol=1e-3)
    rec = StructuralRecord("HC-demo").with_results(res)
    for key in ("true_density", "closed_pore_volume"):
        m = rec[key]
        assert m.technique == "pycnometry"
        assert m.unit == DESCRIPTORS[key].unit
    assert "ρ_s = 2.26 g/cm3" in res.closed_pore_volume.method


def test_last_cycles(demo):
    path, _ = demo
    rep = read_pycnometer(path, last_cycles=5)
    assert_allclose(rep.density, rep.cycle_density[-5:].mean())
    assert "last 5" in rep.method


def test_closed_pore_volume_formula_and_skeleton_density():
    # V_cp = 1/ρ_He − 1/ρ_s (FIELD-NOTES §3.1): 1/1.5 − 1/2.26 = 0.224189 cm³/g
    r = closed_pore_volume(1.5, true_density_stderr=0.01)
    assert_allclose(r.closed_pore_volume.value, 1 / 1.5 - 1 / 2.26)
    assert_allclose(r.closed_pore_volume.stderr, 0.01 / 1.5**2)
    r2 = closed_pore_volume(1.5, skeleton_density=2.0)
    assert_allclose(r2.closed_pore_volume.value, 1 / 1.5 - 1 / 2.0)
    assert r2.closed_pore_volume.extra["skeleton_density"] == 2.0


def test_negative_closed_pore_volume_warns():
    with pytest.warns(PhysicsWarning, match="closed-pore volume"):
        r = closed_pore_volume(2.2, skeleton_density=2.0)
    assert r.closed_pore_volume.value < 0


def test_text_summary_in_kg_per_m3(tmp_path):
    p = tmp_path / "pyc.txt"
    p.write_text("Sample: X\nGas: Helium\nTemperature (C): 25\n"
                 "Mean density (kg/m3): 1850.0\nStandard deviation (kg/m3): 2.0\n",
                 encoding="utf-8")
    rep = read_pycnometer(p)
    assert_allclose(rep.density, 1.85)
    # an SD with no cycle count: kept as an SD, no standard error invented
    assert_allclose(rep.density_sd, 0.002)
    assert rep.density_stderr is None
    assert rep.n_cycles_used is None
    res = closed_pore_volume(rep)
    assert_allclose(res.true_density.stderr, 0.002)
    assert_allclose(res.closed_pore_volume.stderr, 0.002 / 1.85**2)
    assert "standard deviation, not a standard error" in res.true_density.method
    assert res.true_density.extra["uncertainty"].startswith("standard deviation")


def test_no_density_is_an_error(tmp_path):
    p = tmp_path / "pyc.csv"
    p.write_text("Sample,X\nGas,Helium\n", encoding="utf-8")
    with pytest.raises(CorruptFileError, match="no density found"):
        read_pycnometer(p)
    with pytest.raises(CharzError, match="must be > 0"):
        closed_pore_volume(-1.0)
    assert np.isfinite(closed_pore_volume(1.6).closed_porosity)


def test_skeleton_density_from_d002():
    # graphite d002 0.3354 nm gives 2.26; a hard carbon at 0.38 nm: 2.26·0.3354/0.38 = 1.995
    assert_allclose(skeleton_density_from_d002(0.3354), 2.26)
    assert_allclose(skeleton_density_from_d002(0.38), 1.99475, rtol=1e-4)
    with pytest.raises(CharzError, match="must be in nm"):
        skeleton_density_from_d002(3.8)


def test_density_uncertainty_is_the_standard_error_of_the_cycles(demo):
    # hand computation on the 10 cycles of HC-demo_pycnometer.csv: mean 1.5200, SD (ddof 1)
    # 7.0553e-4, standard error SD/√10 = 2.2311e-4 g/cm³ (the file prints SD 0.0007)
    path, _ = demo
    cycles = np.array([1.5186, 1.5193, 1.5206, 1.5198, 1.5194,
                       1.5206, 1.5204, 1.5201, 1.5207, 1.5205])
    rep = read_pycnometer(path)
    assert rep.n_cycles_used == 10
    assert_allclose(rep.density_sd, 7.0553368e-4, rtol=1e-6)
    assert_allclose(rep.density_stderr, cycles.std(ddof=1) / np.sqrt(10), rtol=1e-12)
    assert_allclose(rep.density_stderr, 2.2310934e-4, rtol=1e-6)
    res = closed_pore_volume(rep)
    assert_allclose(res.true_density.stderr, 2.2310934e-4, rtol=1e-6)
    # V_cp = 1/ρ − 1/ρ_s: σ(V_cp) = σ(ρ)/ρ² = 2.2311e-4 / 1.52² = 9.6567e-5 cm³/g
    assert_allclose(res.closed_pore_volume.stderr, 9.6567408e-5, rtol=1e-6)
    assert "standard error" in res.true_density.method
    assert res.true_density.extra["n_cycles_used"] == 10
    last = read_pycnometer(path, last_cycles=4)
    assert_allclose(last.density_stderr, cycles[-4:].std(ddof=1) / 2, rtol=1e-12)


def test_stated_cycle_count_and_unmatched_average(tmp_path):
    # an average over a subset of the printed cycles with a stated count: SE = SD/√n
    table = "Cycle,Volume (cm3),Density (g/cm3)\n" + "".join(
        f"{i},0.3,{d}\n" for i, d in enumerate([1.40, 1.45, 1.500, 1.502, 1.498], 1))
    p = tmp_path / "pyc.csv"
    p.write_text("Gas,Helium\nNumber of cycles averaged,3\n" + table
                 + "Average density (g/cm3),1.5000\nStandard deviation (g/cm3),0.0020\n",
                 encoding="utf-8")
    rep = read_pycnometer(p)
    assert rep.n_cycles_used == 3
    assert_allclose(rep.density_stderr, 0.0020 / np.sqrt(3))
    # the same without the count: the table mean (1.47) is not the file's average, so n is
    # unknown and the file's SD stays an SD
    q = tmp_path / "pyc2.csv"
    q.write_text("Gas,Helium\n" + table + "Average density (g/cm3),1.5000\n"
                 "Standard deviation (g/cm3),0.0020\n", encoding="utf-8")
    rep2 = read_pycnometer(q)
    assert rep2.n_cycles_used is None
    assert rep2.density_stderr is None
    assert_allclose(rep2.density_sd, 0.0020)
