"""CLI, in-situ G tracking and the demo part (against the example data's truth)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from charz.cli import main
from charz.demo import example_data_dir
from charz.errors import DataCleaningWarning, FlagWarning, PhysicsWarning
from raman.insitu import read_series, track_bands

DATA = example_data_dir()
TRUTH = json.loads((DATA / "truth.json").read_text())


def test_cli_raman_json(capsys, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataCleaningWarning)  # the demo spectrum's spike
        code = main(["raman", str(DATA / "raman/HC-demo.txt"), "--json", "--quiet",
                     "--la-relation", "tuinstra_koenig", "--plot", str(tmp_path / "fit.png")])
    assert code == 0
    rec = json.loads(capsys.readouterr().out)[0]
    d = rec["descriptors"]
    assert d["id_ig"]["value"] == pytest.approx(TRUTH["raman"]["id_ig"], rel=0.03)
    assert d["g_position"]["value"] == pytest.approx(TRUTH["raman"]["g_position"], abs=1.0)
    assert d["la_raman"]["unit"] == "nm"
    assert "tuinstra_koenig" in d["la_raman"]["method"]
    assert (tmp_path / "fit.png").exists()


def test_cli_bad_file_reports_and_fails(capsys, tmp_path):
    bad = tmp_path / "bad.wdf"
    bad.write_bytes(b"WDF1" + b"\0" * 100)
    assert main(["raman", str(bad), "--quiet"]) == 1
    assert "bad.wdf" in capsys.readouterr().err


def test_insitu_track_g_against_truth():
    truth = TRUTH["insitu"]
    series = read_series(DATA / truth["raman_file"], tz=truth["raman_time_zone"])
    assert "timestamp" in series.coords
    with pytest.warns(PhysicsWarning):
        res = track_bands(series)
    expected = np.array([s["g_position"] for s in truth["raman_spectra"]])
    got = res.table["g_position"].values
    assert got.shape == expected.shape
    # noisy operando spectra: each G apex within 2.5 cm⁻¹, the red shift (11 cm⁻¹) resolved
    assert np.max(np.abs(got - expected)) < 2.5
    assert np.mean(np.abs(got - expected)) < 1.0
    idig = np.array([s["id_ig"] for s in truth["raman_spectra"]])
    np.testing.assert_allclose(res.table["id_ig"].values, idig, rtol=0.06)


def test_insitu_times_align_with_cycler():
    # LabSpec local start (+01:00) + row time + half of 30 s × 2 accumulations = the truth's
    # mid-acquisition times on the cycler's clock
    truth = TRUTH["insitu"]
    pytest.importorskip("echem")
    import charz

    series = read_series(DATA / truth["raman_file"], tz=truth["raman_time_zone"])
    cyc = charz.read(DATA / truth["cycler_file"], technique="echem")
    t = (series["timestamp"].values - cyc["timestamp"].values[0]) / np.timedelta64(1, "s")
    t = t + float(cyc["time"].values[0])
    np.testing.assert_allclose(t, [s["mid_time_s"] for s in truth["raman_spectra"]], atol=1e-3)


def test_cli_insitu_with_cycler(tmp_path, capsys):
    truth = TRUTH["insitu"]
    pytest.importorskip("echem")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)
        code = main(["insitu", "raman", str(DATA / truth["raman_file"]), "--echem",
                     str(DATA / truth["cycler_file"]), "--tz", truth["raman_time_zone"],
                     "--out", str(tmp_path), "--quiet"])
    assert code == 0
    import pandas as pd

    table = pd.read_csv(tmp_path / "insitu_raman_bands.csv")  # defaults; units in names
    assert list(table.columns[:4]) == ["time (s)", "timestamp", "voltage (V)",
                                       "capacity (mA*h/g)"]
    assert table["g_position (1/cm)"].dtype.kind == "f"
    assert (tmp_path / "insitu_raman_heatmap.png").exists()


def test_demo_part(tmp_path):
    from charz.demo import DemoContext
    from raman import _demo

    ctx = DemoContext(DATA, tmp_path, TRUTH)
    # Cançado's La of the demo hard carbon (8.6 nm) is below the relation's calibrated
    # 20–500 nm: flagged outside_calibration, and the flagged record warns once
    with pytest.warns(FlagWarning, match=r"la_raman \(outside the calibrated range"):
        _demo.run(ctx)
    rec = ctx.records[0]
    assert rec.descriptors["la_raman"].flags == ("outside_calibration",)
    assert not rec.descriptors["id_ig"].flags
    assert rec.descriptors["id_ig"].value == pytest.approx(TRUTH["raman"]["id_ig"], rel=0.03)
    assert (tmp_path / "raman_fit.png").exists()
    assert (tmp_path / "insitu_raman_bands.csv").exists()


def test_demo_map_against_truth():
    # tools/examples_raman.py: I_D/I_G linear along x, G apex linear along y
    truth = TRUTH["raman"]["map"]
    import charz
    from raman.bands import fit_bands

    da = charz.read(DATA / truth["file"], technique="raman")
    assert dict(da.sizes) == {"y": 5, "x": 6, "raman_shift": 301}
    res = fit_bands(da, despike=False)  # no laser in the file: no La, no warning
    idig = res.maps["id_ig"].mean("y").values
    np.testing.assert_allclose(idig, truth["id_ig_along_x"], rtol=0.03)
    gpos = res.maps["g_position"].mean("x").values
    np.testing.assert_allclose(gpos, truth["g_position_along_y"], atol=1.0)


def test_read_series_from_folder_of_labspec_spectra(tmp_path):
    x = np.linspace(1800, 1000, 201)
    for k, clock in enumerate(["10:00:00", "10:01:00", "10:02:30"]):
        head = (f"#Acq. time (s)=\t20\n#Accumulations=\t2\n#Laser (nm)=\t532\n"
                f"#Acquired=\t02.03.2026 {clock}\n")
        body = "\n".join(f"{a:.2f}\t{100 + k + a / 100:.3f}" for a in x)
        (tmp_path / f"spec_{k + 1}.txt").write_bytes((head + body).encode("cp1252"))
    series = read_series(tmp_path, tz="+01:00")
    assert series.dims == ("time", "raman_shift")
    np.testing.assert_allclose(series["time"].values, [0.0, 60.0, 150.0])
    # mid-acquisition: start + (20 s × 2) / 2, in UTC (local +01:00)
    assert str(series["timestamp"].values[0]).startswith("2026-03-02T09:00:20")


def test_report_hook_analyse_file():
    from raman._cli import analyse_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataCleaningWarning)
        (res,) = analyse_file(DATA / "raman/HC-demo.txt", la_relation="tuinstra_koenig",
                              baseline="linear", window=[900, 1900])
    assert res.parameters["baseline"].startswith("linear")
    assert res.parameters["window"] == [900.0, 1900.0]
