"""`charz echem` in-process, the echem demo part on the embedded examples, correlations.

Truths: truth.json of the embedded examples (tools/examples_hcdemo.py,
tools/examples_echem.py and, for the three-sample correlations, the campaign's
tools/examples_campaign.py), and scipy.stats.pearsonr / numpy.corrcoef as peers for r.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from charz.cli import main
from charz.correlate import correlate, correlation_table
from charz.demo import DemoContext, example_data_dir
from charz.errors import CharzError
from charz.record import Measurement, StructuralRecord

DATA = example_data_dir()
TRUTH = json.loads((DATA / "truth.json").read_text(encoding="utf-8"))["echem"]


def test_cli_json_on_demo_cycler(capsys):
    rc = main(["echem", str(DATA / "echem" / "HC-demo_cycler.csv"), "--json", "--quiet"])
    assert rc == 0
    rec = json.loads(capsys.readouterr().out)[0]
    d = rec["descriptors"]
    assert rec["sample"] == "HC-demo_cycler"
    assert_allclose(d["reversible_capacity"]["value"], TRUTH["reversible_capacity"], rtol=1e-3)
    assert_allclose(d["initial_coulombic_efficiency"]["value"],
                    TRUTH["initial_coulombic_efficiency"], rtol=1e-3)
    # the demo curve is flat where it crosses 0.1 V, with 0.8 mV noise: 1 percent
    assert_allclose(d["slope_capacity"]["value"], TRUTH["slope_capacity"], rtol=0.01)
    assert_allclose(d["plateau_capacity"]["value"], TRUTH["plateau_capacity"], rtol=0.01)
    assert d["reversible_capacity"]["unit"] == "mA*h/g"
    assert "plating_onset_capacity" not in d  # never below 0 V


def test_cli_oversodiation_and_plots(capsys, tmp_path):
    plot = tmp_path / "ov.png"
    rc = main(["echem", str(DATA / "echem" / "HC-demo_oversodiation.csv"), "--json", "--quiet",
               "--dqdv", "--plot", str(plot)])
    assert rc == 0
    out = capsys.readouterr()
    d = json.loads(out.out)[0]["descriptors"]
    assert "sodium-stripping peak at 15" in out.err
    ov = TRUTH["oversodiation"]
    assert_allclose(d["plating_onset_capacity"]["value"], ov["plating_onset_capacity"],
                    rtol=0.01)
    assert plot.exists()
    # capacities, split, onset, stripping dQ/dV, cycle dQ/dV
    assert len(list(tmp_path.glob("ov*.png"))) == 5


def test_cli_mass_and_split_voltage(capsys):
    path = DATA / "echem" / "HC-demo_cycler.csv"
    assert main(["echem", str(path), "--json", "--quiet", "--mass", "5.0",
                 "--split-voltage", "0.05"]) == 0
    d = json.loads(capsys.readouterr().out)[0]["descriptors"]
    # twice the mass halves the specific capacity
    assert_allclose(d["reversible_capacity"]["value"], TRUTH["reversible_capacity"] / 2,
                    rtol=1e-3)
    assert "0.05 V" in d["slope_capacity"]["method"]


def test_cli_bad_mass_and_bad_file(capsys, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("time_s,voltage_V\n0,1\n1,1\n", encoding="utf-8")
    rc = main(["echem", str(DATA / "echem" / "HC-demo_cycler.csv"), str(bad), "--quiet",
               "--mass", "0.0025"])  # 2.5 mg typed in grams
    assert rc == 1
    err = capsys.readouterr().err
    assert "mass" in err
    assert "x.csv" in err


def test_cli_rate(capsys):
    rc = main(["echem", str(DATA / "echem" / "HC-demo_rate.csv"), "--json", "--quiet",
               "--one-c", "300"])
    assert rc == 0
    m = json.loads(capsys.readouterr().out)[0]["descriptors"]["rate_response"]
    assert_allclose(m["value"], TRUTH["rate"]["rate_response"], rtol=1e-6)
    assert_allclose(m["extra"]["pearson_r"], TRUTH["rate"]["pearson_r"], rtol=1e-6)


def test_cli_gitt(capsys, tmp_path):
    from echem.synthetic import gitt_pulse_train, write_cycler_csv

    ds, _ = gitt_pulse_train(n_pulses=6, dt=20.0)
    path = tmp_path / "gitt.csv"
    write_cycler_csv(ds, path, header={"active_mass_mg": 3.0})
    plot = tmp_path / "d.png"
    assert main(["echem", str(path), "--gitt-length", "1e-3", "--plot", str(plot),
                 "--quiet"]) == 0
    assert plot.exists()


class _Ctx(DemoContext):
    pass


def test_demo_part(tmp_path):
    from echem._demo import run

    ctx = _Ctx(DATA, tmp_path, json.loads((DATA / "truth.json").read_text(encoding="utf-8")))
    run(ctx)
    samples = {r.sample for r in ctx.records}
    assert "HC-demo" in samples
    demo = [r for r in ctx.records if r.sample == "HC-demo"]
    keys = set().union(*(r.descriptors for r in demo))
    assert {"reversible_capacity", "slope_capacity", "plating_onset_capacity",
            "rate_response"} <= keys
    rate = next(r["rate_response"] for r in demo if "rate_response" in r)
    assert_allclose(rate.value, TRUTH["rate"]["rate_response"], rtol=1e-6)
    assert_allclose(rate.extra["pearson_r"], TRUTH["rate"]["pearson_r"], rtol=1e-6)
    import pandas as pd

    g = pd.read_csv(tmp_path / "echem_gitt.csv")
    # D within 5 % where the relaxed step is large; the plateau pulses (ΔE_s ~ 5 mV) scatter
    big = g["delta_es (V)"] > 0.01
    assert_allclose(g["D (cm^2/s)"][big], g["D_truth (cm^2/s)"][big], rtol=0.05)
    assert (tmp_path / "echem_oversodiation.pdf").exists()


def _campaign_truth() -> dict:
    return json.loads((DATA / "campaign" / "truth.json").read_text(encoding="utf-8"))["samples"]


def _three_records() -> list[StructuralRecord]:
    """The campaign's three samples with their generating (true) values."""
    out = []
    for name, t in _campaign_truth().items():
        m = {"closed_pore_volume": Measurement(t["pycnometry"]["closed_pore_volume"], None,
                                               "cm^3/g", "pycnometry", "truth"),
             "mean_pore_diameter": Measurement(t["sorption"]["mean_pore_diameter"], None, "nm",
                                               "sorption", "truth"),
             **{k: Measurement(t["echem"][k], None, "mA*h/g", "echem", "truth")
                for k in ("slope_capacity", "plateau_capacity")}}
        out.append(StructuralRecord(name).with_measurements(m))
    return out


def test_correlation_against_numpy():
    recs = _three_records()
    t = _campaign_truth().values()
    vcp = [s["pycnometry"]["closed_pore_volume"] for s in t]
    qp = [s["echem"]["plateau_capacity"] for s in t]
    dm = [s["sorption"]["mean_pore_diameter"] for s in t]
    share = [s["echem"]["slope_capacity"] / (s["echem"]["slope_capacity"]
                                             + s["echem"]["plateau_capacity"]) for s in t]
    c = correlate(recs, "closed_pore_volume", "plateau_capacity")
    assert c.n == 3
    assert_allclose(c.pearson_r, np.corrcoef(vcp, qp)[0, 1], rtol=1e-12)
    s = correlate(recs, "mean_pore_diameter", "slope_share")
    assert_allclose(s.pearson_r, np.corrcoef(dm, share)[0, 1], rtol=1e-12)
    c.plot()


def test_correlation_table_pvalue_matches_scipy():
    from scipy import stats

    recs = _three_records()
    table = correlation_table(recs)
    row = table[(table.x == "closed_pore_volume") & (table.y == "plateau_capacity")].iloc[0]
    x = [r["closed_pore_volume"].value for r in recs]
    y = [r["plateau_capacity"].value for r in recs]
    ref = stats.pearsonr(x, y)
    assert_allclose([row.pearson_r, row.p_value], [ref.statistic, ref.pvalue])
    assert row.n == 3
    assert (row.x_unit, row.y_unit) == ("cm^3/g", "mA*h/g")
    assert np.all(np.diff(np.abs(table.pearson_r.to_numpy())) <= 1e-15)  # sorted by |r|


def test_correlate_needs_three_samples():
    recs = _three_records()[:2]
    with pytest.raises(CharzError, match="at least 3 samples"):
        correlate(recs, "closed_pore_volume", "plateau_capacity")
    with pytest.raises(CharzError, match="no sample has descriptor"):
        correlate(recs, "la", "plateau_capacity")
    assert correlation_table(recs).empty


def test_analyse_standard_set():
    import warnings

    from charz.errors import CharzWarning
    from echem import analyse

    res = analyse(DATA / "echem" / "HC-demo_oversodiation.csv")
    keys = set().union(*(r.descriptors() for r in res))
    assert {"reversible_capacity", "initial_coulombic_efficiency", "slope_capacity",
            "plateau_capacity", "plating_onset_capacity"} <= keys
    # over 0 V only: no plating step, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", CharzWarning)
        res = analyse(DATA / "echem" / "HC-demo_cycler.csv")
    assert "plating_onset_capacity" not in set().union(*(r.descriptors() for r in res))
    res = analyse(DATA / "echem" / "HC-demo_rate.csv", one_c_ma_g=300.0)
    assert "rate_response" in set().union(*(r.descriptors() for r in res))
    from charz.errors import FitError

    with pytest.raises(FitError, match="2 or more C-rates"):  # one rate only
        analyse(DATA / "echem" / "HC-demo_cycler.csv", one_c_ma_g=300.0)
    with pytest.raises(ValueError, match="oversodiation= got"):
        analyse(DATA / "echem" / "HC-demo_cycler.csv", oversodiation="maybe")
