"""charz report: a manifest of the example files → one table, truth recovered."""

import json

import numpy as np
import pytest

from charz.cli import main
from charz.errors import CharzWarning
from charz.examples import path, truth
from charz.record import records_from_json
from charz.report import read_manifest


def _manifest(tmp_path, rows):
    text = "sample,technique,file,options\n" + "\n".join(",".join(r) for r in rows) + "\n"
    m = tmp_path / "manifest.csv"
    m.write_text(text, encoding="utf-8")
    return m


def test_options_parsing_keeps_lists(tmp_path):
    m = _manifest(tmp_path, [("A", "xrd", "a.xy", "window=[15;35];convention=jis;n_002=2")])
    (row,) = read_manifest(m)
    assert row.options == {"window": [15, 35], "convention": "jis", "n_002": 2}
    assert row.file == (tmp_path / "a.xy").resolve()


def test_report_on_example_files_recovers_truth(tmp_path):
    t = truth()
    m = _manifest(tmp_path, [
        ("HC-demo", "xrd", str(path("xrd/HC-demo.xye")), ""),
        ("HC-demo", "raman", str(path("raman/HC-demo.txt")), ""),
        ("HC-demo", "saxs", str(path("saxs/HC-demo.dat")), ""),
        ("HC-demo", "pycnometry", str(path("saxs/HC-demo_pycnometer.csv")),
         "skeleton_density=2.2"),
        ("HC-demo", "sorption", str(path("sorption/HC-demo_N2_77K.csv")), ""),
        ("HC-demo", "sorption", str(path("sorption/HC-demo_CO2_273K.csv")), ""),
    ])
    out = tmp_path / "out"
    # the example carries a cosmic spike (despiked, DataCleaningWarning) and Cançado's La is
    # outside its calibrated range for any hard carbon (PhysicsWarning): both must be said
    with pytest.warns(CharzWarning) as seen:
        assert main(["report", str(m), "--out", str(out), "--quiet"]) == 0
    kinds = {type(w.message).__name__ for w in seen}
    assert {"DataCleaningWarning", "PhysicsWarning"} <= kinds
    (rec,) = records_from_json((out / "records.json").read_text(encoding="utf-8"))
    assert rec["d002"].value == pytest.approx(t["xrd"]["d002"], abs=0.002)
    assert rec["id_ig"].value == pytest.approx(t["raman"]["id_ig"], rel=0.03)
    assert rec["bet_area"].value == pytest.approx(t["sorption"]["bet_area"], rel=0.03)
    assert rec["dr_micropore_volume"].value == pytest.approx(t["sorption"]["dr_micropore_volume"],
                                                             rel=0.05)
    # the manifest option reached the analysis: V_cp = 1/1.52 - 1/2.2, not the 2.26 default
    assert rec["closed_pore_volume"].value == pytest.approx(1 / 1.52 - 1 / 2.2, rel=2e-3)
    assert "2.2" in json.dumps(rec["closed_pore_volume"].source.parameters) or \
        "2.2" in rec["closed_pore_volume"].method
    assert not rec.conflicts
    for name in ("table.csv", "table.xlsx", "table.tex", "table.md"):
        assert (out / name).exists()


def test_bad_option_is_a_clear_error(tmp_path, capsys):
    m = _manifest(tmp_path, [("A", "xrd", str(path("xrd/HC-demo.xye")), "no_such_option=1")])
    assert main(["report", str(m), "--out", str(tmp_path / "o"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "HC-demo.xye: bad manifest options" in err


def test_three_samples_with_saved_records_give_correlations(tmp_path):
    import pandas as pd

    # the campaign's structure files first; then its cycler files plus those saved records
    camp = path("campaign/manifest.csv").parent
    t = json.loads((camp / "truth.json").read_text(encoding="utf-8"))["samples"]
    rows = [(s, "pycnometry", str(camp / "pycnometry" / v["files"]["pycnometry"]), "")
            for s, v in t.items()]
    first = tmp_path / "structure"
    assert main(["report", str(_manifest(tmp_path, rows)), "--out", str(first),
                 "--quiet"]) == 0
    rows = [(s, "echem", str(camp / "echem" / v["files"]["echem"]),
             "mass_mg=2.0" if v["files"]["echem"].endswith(".txt") else "")
            for s, v in t.items()]
    rows.append(("*", "records", str(first / "records.json"), ""))
    m = _manifest(tmp_path, rows)
    out = tmp_path / "out"
    assert main(["report", str(m), "--out", str(out), "--quiet"]) == 0
    records = {r.sample: r for r in records_from_json((out / "records.json").read_text())}
    assert set(records) == set(t)
    for s, v in t.items():
        # echem from the cycler files, structure from the saved records: merged per sample
        assert records[s]["plateau_capacity"].value == pytest.approx(
            v["echem"]["plateau_capacity"], rel=0.03)
        assert records[s]["closed_pore_volume"].value == pytest.approx(
            v["pycnometry"]["closed_pore_volume"], rel=2e-3)
    corr = pd.read_csv(out / "correlations.csv")
    for col in ("n", "pearson_r", "p_value", "slope", "intercept"):
        assert pd.api.types.is_numeric_dtype(corr[col]), col
    side = json.loads((out / "correlations.json").read_text())
    assert set(side["samples"]) == set(t)
    assert side["columns"][:2] == ["x", "y"]
    row = corr[(corr.x == "closed_pore_volume") & (corr.y == "plateau_capacity")].iloc[0]
    assert row.n == 3
    # Pearson r of the generator's exact values; the fitted plateau capacities move it little
    exact = np.corrcoef([v["pycnometry"]["closed_pore_volume"] for v in t.values()],
                        [v["echem"]["plateau_capacity"] for v in t.values()])[0, 1]
    assert row.pearson_r == pytest.approx(exact, abs=0.01)
