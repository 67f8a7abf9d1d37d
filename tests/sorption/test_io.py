"""Readers: every shared isotherm of N2/Ar/CO2 loads with the right units or fails clearly.

Truths: the reference parse outputs that adsorption-file-parser (MIT, the parser pyGAPS uses)
ships next to each instrument file (``*.json`` with ``meta``/``data``), the same runs in other
formats (Micromeritics .xls vs AIF vs pyGAPS JSON; Quantachrome raw vs ASiQwin report), and
the header values printed in the files.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import charz
import sorption
from charz.errors import CharzError, CorruptFileError, DataCleaningWarning
from sorption._adsorbates import canonical_name

SORPTION = "sorption"
SKIP_SUFFIXES = {".md", ".jwgbt"}


def _load(path: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataCleaningWarning)
        return charz.read(path, technique=SORPTION, **kw)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in (root / SORPTION).rglob("*")
                  if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES
                  and not p.name.startswith("README"))


def test_every_shared_isotherm_loads_or_fails_clearly(shared_data):
    loaded, failed = {}, {}
    for path in _files(shared_data):
        try:
            ds = _load(path)
        except CharzError as exc:
            # collecting every file's outcome, not testing one raise
            assert path.name in str(exc), str(exc)  # noqa: PT017
            failed[path] = str(exc)
            continue
        # contract: named dim, units everywhere, mmol/g, K, plausible p/p0
        assert ds["amount"].attrs["units"] == "mmol/g"
        assert ds["relative_pressure"].attrs["units"] == "1"
        assert set(np.unique(ds["branch"].values)) <= {"adsorption", "desorption"}
        assert ds.sizes["point"] >= 2
        assert (ds["relative_pressure"].values > 0).all()
        assert 60 < ds.attrs["temperature_K"] < 400
        assert isinstance(ds.attrs["cleaning"], list)
        loaded[path] = ds
    gases = [canonical_name(ds.attrs["adsorbate"]) for ds in loaded.values()]
    n_target = sum(g in ("N2", "Ar", "CO2") for g in gases)
    # 189 data files; 122 N2/Ar/CO2 isotherms load, 13 files fail with a reason (non-
    # N2/Ar/CO2 or not isotherms: DFT kernel, cyclohexane, C2H2 'problems', BEL .xls)
    assert n_target >= 120, n_target
    assert len(failed) <= 13, failed
    # the N2/Ar/CO2 files that do not load say why (NIST per-volume kmol/m3 and mol/mol
    # loadings, a run stopped after 1 point, absolute pressures without unit or adsorbate)
    reasons = "\n".join(failed.values())
    assert "Sample_B.xls: only 1 usable isotherm point" in reasons
    assert "'kmol/m3'" in reasons


def _ref_factor(ref: dict) -> float:
    meta = ref["meta"]
    unit = meta.get("loading_unit")
    f = {"mmol": 1.0, "mL(STP)": 1 / 22.414, "cm3(STP)": 1 / 22.414, "cc(STP)": 1 / 22.414}[unit]
    if unit == "cc(STP)":  # Quantachrome raw: per sample; pyGAPS divides by the mass later
        f /= float(meta["material_mass"])
    return f


REFERENCE_PAIRS = [
    "adsorption-file-parser/mic/Sample_A.xls", "adsorption-file-parser/mic/Sample_D.xls",
    "adsorption-file-parser/mic/Sample_G.xls", "adsorption-file-parser/mic/Sample_H.xls",
    "adsorption-file-parser/mic/Sample_I.xls", "adsorption-file-parser/mic/Sample_L.xls",
    "adsorption-file-parser/mic/Sample_N.xls", "adsorption-file-parser/3p/CBV712_N2_77K.xlsx",
    "adsorption-file-parser/bel/DUT-67-N2_77K.DAT", "adsorption-file-parser/bel/1.DAT",
    "adsorption-file-parser/bel/200819-2_jis.DAT",
    "adsorption-file-parser/bel/DUT-32-N2_77K(BelMax).csv",
    "adsorption-file-parser/qnt/DUT-75_N2 (Raw Analysis Data).txt",
    "adsorption-file-parser/qnt/CU(BIPY)(BTB)_N2_77 (Raw Analysis Data).txt",
]


@pytest.mark.parametrize("rel", REFERENCE_PAIRS)
def test_amounts_match_adsorption_file_parser_reference(rel, sorption_path):
    path = sorption_path(rel)
    ref = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    ds = _load(path)
    ref_n = np.asarray(ref["data"]["loading"], dtype=float) * _ref_factor(ref)
    mine = ds["amount"].values
    # every point we kept is one of the file's points, converted to mmol/g (rtol 1e-6:
    # the same printed numbers, only the unit factor differs)
    dist = np.min(np.abs(mine[:, None] - ref_n[None, :]) / np.abs(mine[:, None]), axis=1)
    assert dist.max() < 1e-6
    assert ds.sizes["point"] >= 0.9 * ref_n.size - 5
    if "material_mass" in ref["meta"]:
        assert ds.attrs["sample_mass_g"] == pytest.approx(
            float(str(ref["meta"]["material_mass"]).split("(")[0].replace(",", ".")))


def test_micromeritics_celsius_and_mmol(sorption_path):
    d = _load(sorption_path("adsorption-file-parser/mic/Sample_D.xls"))  # -195.780 °C, mmol/g
    assert d.attrs["temperature_K"] == pytest.approx(77.37)
    assert d.attrs["amount_unit_original"] == "mmol/g"
    assert d.attrs["sample_mass_g"] == pytest.approx(0.0625)
    assert sorption.vendor_report(d)["bet"]["area"] == pytest.approx(935.5162)


def test_micromeritics_xlsx_export_reads_like_xls(tmp_path, sorption_path):
    """The same report saved as .xlsx (openpyxl path) gives the same isotherm and report."""
    openpyxl = pytest.importorskip("openpyxl")
    xlrd = pytest.importorskip("xlrd")
    src = sorption_path("adsorption-file-parser/mic/Sample_D.xls")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in xlrd.open_workbook(str(src)).sheets():
        ws = wb.create_sheet(sh.name)
        for r in range(sh.nrows):
            ws.append([v if v != "" else None for v in sh.row_values(r)])
    out = tmp_path / "Sample_D.xlsx"
    wb.save(out)
    a, b = _load(src), _load(out)
    # openpyxl writes floats with 16 significant digits
    np.testing.assert_allclose(a["amount"].values, b["amount"].values, rtol=1e-14)
    np.testing.assert_allclose(a["relative_pressure"].values, b["relative_pressure"].values,
                               rtol=1e-14)
    va, vb = sorption.vendor_report(a)["bet"], sorption.vendor_report(b)["bet"]
    assert va["area"] == vb["area"] == pytest.approx(935.5162)
    np.testing.assert_allclose(va["relative_pressure"], vb["relative_pressure"], rtol=1e-14)


def test_micromeritics_decimal_comma_and_header(shared_data):
    mic = shared_data / SORPTION / "adsorption-file-parser/mic"
    n = _load(mic / "Sample_N.xls")  # '86,886 K', '0,0908 g', Ar
    assert n.attrs["adsorbate"] == "Ar"
    assert n.attrs["temperature_K"] == pytest.approx(86.886)
    assert n.attrs["sample_mass_g"] == pytest.approx(0.0908)
    a = _load(mic / "Sample_A.xls")
    # p0 per point in Pa (mmHg × 133.322); first saturation pressure printed 734.116 mmHg
    assert a["p0"].values[0] == pytest.approx(734.1160888671875 * 133.322368)
    v = sorption.vendor_report(a)
    assert v["bet"]["area"] == pytest.approx(194.7493)
    assert v["tplot"]["thickness_equation"] == "SIO2OH.THK"


def test_same_run_in_three_formats(shared_data):
    root = shared_data / SORPTION
    xls = _load(root / "adsorption-file-parser/mic/Sample_A.xls")
    aif = _load(root / "aif/test/database/micromeritics/Sample_A.aif_tst")
    js = _load(root / "pygaps/parsing/json/SURF N2 77K.json")  # liquid cm3 → mmol via ρ(77.3 K)
    np.testing.assert_allclose(aif["amount"].values, xls["amount"].values, rtol=1e-5)
    np.testing.assert_allclose(aif["relative_pressure"].values,
                               xls["relative_pressure"].values, rtol=1e-6)
    # pyGAPS stored liquid volumes with its own N2 liquid density: 0.1 % agreement
    np.testing.assert_allclose(js["amount"].values, xls["amount"].values, rtol=2e-3)


@pytest.mark.parametrize(("odd", "plain"), [
    # pyGAPS stores its test isotherms in other bases; the material's density or molar mass
    # in the file puts them back per gram: same numbers as the plain versions
    ("pygaps/parsing/json/AC Ar 77K.json", "adsorption-file-parser/bel/1.DAT"),  # per cm³
    ("pygaps/parsing/json/UiO-66(Zr) N2 77K.json",
     "pygaps/characterisation/UiO-66(Zr) N2 77K.json"),  # mol/mol, per mole of material
    ("pygaps/parsing/json/HKUST-1(Cu) CO2 303K.json",
     "pygaps/parsing/csv/HKUST-1(Cu) CO2 303.0.csv"),  # mass percent, atm, °C
    ("pygaps/parsing/excel/MCM-41 N2 77.0.xls", "pygaps/parsing/csv/MCM-41 N2 77.0.csv"),
])
def test_pygaps_bases_convert_to_per_gram(shared_data, odd, plain):
    a = _load(shared_data / SORPTION / odd)
    b = _load(shared_data / SORPTION / plain)
    # 1e-5: pyGAPS's CO2 molar mass differs from ours (44.0095 g/mol) in the 6th digit
    np.testing.assert_allclose(a["amount"].values, b["amount"].values, rtol=1e-5)
    np.testing.assert_allclose(a["relative_pressure"].values, b["relative_pressure"].values,
                               rtol=2e-4)


def test_quantachrome_raw_per_sample_equals_report_per_gram(sorption_path):
    db = "aif/test/database/DUT-75/"
    raw = _load(sorption_path(db + "US_540_DUT75_N2 (Raw Analysis Data).txt"))
    rep = _load(sorption_path(db + "US_540_DUT75_N2 (Isotherm).txt"))
    assert raw.attrs["sample_mass_g"] == pytest.approx(0.0539)
    assert raw.attrs["amount_unit_original"] == "cm3(STP)"
    # ASiQwin reduces cc per sample to cc/g (and applies non-ideality): 1 % agreement
    np.testing.assert_allclose(raw["amount"].values, rep["amount"].values, rtol=0.01)


def test_negative_pressures_are_cleaned_with_a_note(sorption_path):
    path = sorption_path("adsorption-file-parser/bel/DUT-67-N2_77K.DAT")
    with pytest.warns(DataCleaningWarning, match=r"p/p0 <= 0"):
        ds = charz.read(path)
    assert any("p/p0 <= 0" in note for note in ds.attrs["cleaning"])
    assert (ds["relative_pressure"].values > 0).all()
    assert ds.attrs["adsorbate"] == "N2"
    assert ds.attrs["temperature_K"] == 77.0


def test_stopped_run_raises(shared_data):
    with pytest.raises(CorruptFileError, match="stopped during collection"):
        charz.read(shared_data / SORPTION / "adsorption-file-parser/mic/Sample_B.xls")


def test_make_isotherm_cleaning_and_units():
    p = np.array([-1e-3, 0.05, 0.1, 0.1, 0.08, 0.2, 0.9, 0.5, 0.52, 0.3])
    n = np.array([1.0, 22.414, 30.0, 30.0, 29.0, 40.0, 90.0, 60.0, 59.0, 45.0])
    with pytest.warns(DataCleaningWarning, match="cleaning step"):
        ds = sorption.make_isotherm(p, n, amount_unit="cm3(STP)/g",
                                    adsorbate_name="nitrogen", temperature_k=77.3)
    assert ds.attrs["adsorbate"] == "N2"
    notes = " ".join(ds.attrs["cleaning"])
    assert "p/p0 <= 0" in notes
    assert "duplicated" in notes
    assert "monotonic" in notes
    ads = sorption.branch(ds, "adsorption")
    np.testing.assert_allclose(ads["relative_pressure"].values, [0.05, 0.1, 0.2, 0.9])
    assert ads.values[0] == pytest.approx(1.0)  # 22.414 cm3(STP)/g = 1 mmol/g
    des = sorption.branch(ds, "des")
    np.testing.assert_allclose(des["relative_pressure"].values, [0.5, 0.3])


def test_plain_csv_roundtrip(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("# adsorbate: CO2\n# temperature_K: 273.15\n# sample_mass_g: 0.1\n"
                 "branch,relative_pressure,amount\nads,0.001,2.2414\nads,0.01,22.414\n"
                 "des,0.005,11.207\n", encoding="utf-8")
    ds = charz.read(f)
    assert ds.attrs["adsorbate"] == "CO2"
    assert ds.attrs["sample_mass_g"] == 0.1
    np.testing.assert_allclose(ds["amount"].values, [0.1, 1.0, 0.5])
    assert list(ds["branch"].values) == ["adsorption", "adsorption", "desorption"]


def test_make_isotherm_axis_first_relative_or_absolute():
    # make_isotherm(pressure, amount, *, ...) like make_pattern(two_theta, intensity, *, ...)
    p0 = 101325.0
    prel = np.array([0.05, 0.1, 0.2, 0.3])
    n = np.array([2.1, 2.5, 2.9, 3.2])
    rel = sorption.make_isotherm(prel, n, amount_unit="mmol/g", adsorbate_name="N2",
                                 temperature_k=77.35)
    assert "pressure" not in rel
    kpa = sorption.make_isotherm(prel * p0 / 1e3, n, pressure_unit="kPa", p0=p0,
                                 amount_unit="mmol/g", adsorbate_name="N2", temperature_k=77.35)
    np.testing.assert_allclose(kpa["relative_pressure"].values, prel, rtol=1e-12)
    np.testing.assert_allclose(kpa["pressure"].values, prel * p0, rtol=1e-12)
    assert kpa["pressure"].attrs["units"] == "Pa"
    both = sorption.make_isotherm(prel, n, absolute_pressure=prel * p0, amount_unit="mmol/g",
                                  adsorbate_name="N2", temperature_k=77.35)
    np.testing.assert_allclose(both["pressure"].values, prel * p0)
    with pytest.raises(ValueError, match="pressure_unit"):
        sorption.make_isotherm(prel, n, pressure_unit="furlong", amount_unit="mmol/g",
                               adsorbate_name="N2", temperature_k=77.35)
    with pytest.raises(ValueError, match="absolute_pressure"):
        sorption.make_isotherm(prel, n, pressure_unit="Pa", absolute_pressure=prel,
                               amount_unit="mmol/g", adsorbate_name="N2", temperature_k=77.35)


@pytest.mark.parametrize(("unit", "per_gram"), [("'ml(STP) g-1'", True),
                                                 ("'cm^3(STP) g^-1'", True),
                                                 ("cc", False)])
def test_aif_loading_unit_per_gram_is_not_assumed(tmp_path, unit, per_gram):
    # pyGAPS writes 'ml(STP) g-1' (AC Ar 77K.aif): already per gram, so nothing is assumed;
    # a bare 'cc' (raw2aif) is read per gram and says so. 22.414 cm³(STP)/mmol
    f = tmp_path / "x.aif"
    f.write_text("data_x\n_exptl_adsorptive Ar\n_exptl_temperature 87.00\n"
                 "_adsnt_sample_mass 0.14320\n_units_temperature K\n_units_pressure kPa\n"
                 f"_units_mass g\n_units_loading {unit}\n\nloop_\n_adsorp_pressure\n"
                 "_adsorp_p0\n_adsorp_amount\n10.13 101.3 100.0\n20.26 101.3 150.0\n"
                 "30.39 101.3 180.0\n", encoding="utf-8")
    ds = charz.read(f)
    np.testing.assert_allclose(ds["amount"].values, np.array([100.0, 150.0, 180.0]) / 22.414,
                               rtol=1e-6)
    assert ("assumed" not in ds.attrs) == per_gram


def test_quantachrome_label_glued_to_a_long_value(shared_data):
    # 'Sample ID:     nk_DUT-6_LP_N2_114pktFilename:     NK_DUT-6_LP_N2_114PKT.raw': the
    # fixed-width value runs into the next label; the sample name used to include it
    ds = charz.read(shared_data / "sorption/adsorption-file-parser/qnt/"
                    "DUT-6_LP_N2 (Raw Analysis Data).txt")
    assert ds.attrs["sample"] == "nk_DUT-6_LP_N2_114pkt"
    assert ds.attrs["sample_mass_g"] == pytest.approx(0.0339)
    assert ds.attrs["temperature_K"] == pytest.approx(77.3)
