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
    assert_allclose(rep.density_stderr, 0.002)


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
