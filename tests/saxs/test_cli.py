"""``charz saxs`` in-process: records, JSON, plots, errors; and the demo part."""

from __future__ import annotations

import json

import pytest
from numpy.testing import assert_allclose

from charz.cli import main
from charz.demo import example_data_dir


@pytest.fixture
def demo_files():
    d = example_data_dir()
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))["saxs"]
    return d / truth["file"], d / truth["pycnometer_file"], truth


def test_cli_json_with_pycnometer(demo_files, capsys, tmp_path):
    dat, pyc, truth = demo_files
    code = main(["saxs", str(dat), "--pycnometer", str(pyc), "--json",
                 "--plot", str(tmp_path / "fit.png")])
    assert code == 0
    rec = json.loads(capsys.readouterr().out)[0]
    d = rec["descriptors"]
    assert {"saxs_pore_diameter", "saxs_rg", "porod_exponent", "true_density",
            "closed_pore_volume", "saxs_porosity", "saxs_pore_volume"} <= set(d)
    assert_allclose(d["closed_pore_volume"]["value"], truth["closed_pore_volume"], rtol=1e-3)
    assert_allclose(d["saxs_correlation_length"]["value"], truth["dab_length_nm"], rtol=0.02)
    assert d["true_density"]["technique"] == "pycnometry"
    assert (tmp_path / "fit.png").exists()


def test_cli_true_density_and_skeleton(demo_files, capsys):
    dat, _, _ = demo_files
    assert main(["saxs", str(dat), "--true-density", "1.6", "--skeleton-density", "2.0",
                 "--model", "unified", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)[0]["descriptors"]
    assert_allclose(d["closed_pore_volume"]["value"], 1 / 1.6 - 1 / 2.0)
    assert "D = 2·√(5/3)·Rg" in d["saxs_pore_diameter"]["method"]


def test_cli_missing_q_unit_fails_with_reason(tmp_path, capsys):
    p = tmp_path / "curve.dat"
    p.write_text("# sample X\n" + "\n".join(f"{q} {100 * q ** -3}" for q in
                                              (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)))
    assert main(["saxs", str(p)]) == 1
    assert "q unit is not stated" in capsys.readouterr().err


def test_cli_both_densities_is_an_error(demo_files, capsys):
    dat, pyc, _ = demo_files
    assert main(["saxs", str(dat), "--pycnometer", str(pyc), "--true-density", "1.5"]) == 1
    assert "not both" in capsys.readouterr().err


def test_cli_image_path(shared_data, capsys):
    pytest.importorskip("pyFAI")
    d = shared_data / "saxs" / "dioptas"
    # a CeO2 powder pattern is not a porous carbon: the model fit may fail, but the image
    # must be read and integrated (the failure is a fit error naming the file)
    code = main(["saxs", str(d / "CeO2_Pilatus1M.tif"), "--poni",
                 str(d / "CeO2_Pilatus1M.poni"), "--dioptas", "--q-range", "2", "10",
                 "--no-guinier"])
    err = capsys.readouterr().err
    assert code == 0 or "CeO2_Pilatus1M.tif" in err


def test_demo_part(tmp_path):
    # only the SAXS part (the whole demo runs every technique)
    from charz.demo import DemoContext
    from charz.record import merge_records
    from saxs import _demo

    d = example_data_dir()
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
    ctx = DemoContext(d, tmp_path, truth, quiet=True)
    _demo.run(ctx)
    assert (tmp_path / "saxs_fit.png").exists()
    assert (tmp_path / "saxs_fit.pdf").exists()
    (rec,) = merge_records(ctx.records)
    assert rec.sample == "HC-demo"
    assert not rec.conflicts
    for key in ("saxs_pore_diameter", "saxs_rg", "porod_exponent", "true_density",
                "closed_pore_volume", "saxs_porosity"):
        assert key in rec
    assert_allclose(rec["closed_pore_volume"].value, truth["saxs"]["closed_pore_volume"],
                    rtol=1e-3)


def test_cli_background_thickness_and_glassy_carbon(tmp_path, capsys):
    # raw counts of a sample and of the NIST SRM 3600 standard on one set-up (C known):
    # the CLI reduces both and the pore term comes out on the absolute scale
    import numpy as np

    from saxs.calibration import srm3600_certified

    factor, t_s, T_s, T_gc = 2.0e-3, 0.1, 0.5, 0.3
    q = np.geomspace(0.1, 2.4, 150)
    cert = srm3600_certified()
    gc = np.exp(np.interp(np.log(q), np.log(cert["q"].values), np.log(cert.values)))
    sample = 2e-3 * q**-4 + 8.0 / (1 + (0.45 * q) ** 2) ** 2 + 0.05
    empty = np.full_like(q, 50.0)

    def write(name, y):
        p = tmp_path / name
        p.write_text("# q [1/nm]  I  sigma\n" + "\n".join(
            f"{a:.8e} {b:.8e} {1e-3 * b:.8e}" for a, b in zip(q, y, strict=True)),
            encoding="utf-8")
        return str(p)

    s = write("sample.dat", sample * T_s * t_s / factor + empty * T_s)
    g = write("gc.dat", gc * T_gc * 0.1055 / factor + empty * T_gc)
    b = write("empty.dat", empty)
    assert main(["saxs", s, "--background", b, "--transmission", str(T_s), "--thickness",
                 str(t_s), "--standard", g, "--standard-transmission", str(T_gc),
                 "--true-density", "1.5", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)[0]["descriptors"]
    assert_allclose(d["saxs_correlation_length"]["value"], 0.45, rtol=0.01)
    # absolute scale reached: the porosity of the known DAB term (I(0) = 8 1/cm, a = 0.45 nm)
    from saxs.invariant import porosity_from_invariant

    expected = porosity_from_invariant(np.pi * 8.0 / (4 * 0.45**3), true_density=1.5)
    assert_allclose(d["saxs_porosity"]["value"], expected, rtol=0.02)


def test_insitu_saxs_frames_to_table_and_heatmap(tmp_path, capsys, operando_saxs_frames):
    frames, amplitudes = operando_saxs_frames
    out = tmp_path / "out"
    assert main(["insitu", "saxs", str(frames), "--out", str(out), "--quiet"]) == 0
    assert (out / "insitu_saxs_heatmap.png").exists()
    import pandas as pd

    table = pd.read_csv(out / "insitu_saxs_frames.csv")  # pandas defaults, units in names
    assert_allclose(table["dab_scale (1/cm)"], amplitudes, rtol=1e-3)
    assert_allclose(table["time (s)"], [0, 600, 1200])
    assert "3/3 fitted" in capsys.readouterr().out


def test_cli_chord_convention_uses_the_invariant_porosity(demo_files, capsys):
    dat, _, _ = demo_files
    assert main(["saxs", str(dat), "--true-density", "1.52", "--diameter-convention", "chord",
                 "--json"]) == 0
    d = json.loads(capsys.readouterr().out)[0]["descriptors"]
    phi = d["saxs_porosity"]["value"]
    a = d["saxs_correlation_length"]["value"]
    assert_allclose(d["saxs_pore_diameter"]["value"], 1.5 * a / (1 - phi), rtol=1e-6)
    assert "1.5·a/(1−φ)" in d["saxs_pore_diameter"]["method"]
