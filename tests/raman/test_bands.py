"""Band models on spectra generated from known bands; La relations; batch vs lmfit."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import xarray as xr

import charz
from charz.demo import example_data_dir
from charz.errors import CharzError, DataCleaningWarning, OptionError, PhysicsWarning
from charz.peaks import GAUSS_AREA, LORENTZ_AREA, bwf, gaussian, lorentzian
from charz.record import DESCRIPTORS, StructuralRecord
from raman import make_spectrum
from raman.bands import fit_bands, la_from_ratio, la_prefactor

# Truth for each model: (band, shape, height, centre, FWHM[, Q]); a 532 nm hard-carbon
# spectrum in the spirit of FIELD-NOTES §2.3 (D ~1345, G ~1595, D3 ~1510, D4 ~1200, D2 ~1620).
TRUTH = {
    "two_band": [("d", "lorentzian", 1100.0, 1345.0, 180.0),
                 ("g", "bwf", 990.0, 1600.0, 85.0, -12.0)],
    "three_band": [("d", "lorentzian", 1000.0, 1348.0, 170.0),
                   ("g", "lorentzian", 950.0, 1594.0, 72.0),
                   ("d3", "gaussian", 260.0, 1505.0, 160.0)],
    "four_band": [("d", "lorentzian", 1000.0, 1350.0, 165.0),
                  ("g", "lorentzian", 900.0, 1596.0, 70.0),
                  ("d3", "gaussian", 250.0, 1510.0, 150.0),
                  ("d4", "lorentzian", 220.0, 1195.0, 160.0)],
    "sadezky": [("d", "lorentzian", 1000.0, 1350.0, 160.0),
                ("g", "lorentzian", 850.0, 1585.0, 60.0),
                ("d2", "lorentzian", 300.0, 1618.0, 38.0),
                ("d3", "gaussian", 230.0, 1505.0, 150.0),
                ("d4", "lorentzian", 200.0, 1200.0, 150.0)],
}
FUNCS = {"lorentzian": lorentzian, "gaussian": gaussian}


def _spectrum(model, *, seed=0, noise=0.001, spike=True, step=1.5):
    rng = np.random.default_rng(seed)
    x = np.arange(600.0, 2200.0, step)[::-1]  # descending on purpose: the reader sorts
    y = np.zeros_like(x)
    for band in TRUTH[model]:
        if band[1] == "bwf":
            y += bwf(x, band[2], band[3], band[4], band[5])
        else:
            y += FUNCS[band[1]](x, band[2], band[3], band[4])
    y += 250.0 + 0.15 * (x - 600.0)  # sloping baseline
    y += noise * y.max() * rng.normal(size=x.size)
    if spike:
        i = int(np.argmin(np.abs(x - 1452.0)))
        y[i] += 3000.0  # a cosmic-ray spike between D and G
    return make_spectrum(x, y, attrs={"laser_wavelength": 532.0, "source": f"{model}.txt"})


def _truth_values(model):
    out = {}
    for band in TRUTH[model]:
        name, shape, h, c, w = band[:5]
        if shape == "bwf":
            q = band[5]
            out[f"{name}_position"] = c + w / (2 * q)
            out[f"{name}_apex_height"] = h * (1 + 1 / q**2)
            out[f"{name}_q"] = q
        else:
            out[f"{name}_position"] = c
            out[f"{name}_apex_height"] = h
            out[f"{name}_area"] = h * w * (GAUSS_AREA if shape == "gaussian" else LORENTZ_AREA)
        out[f"{name}_height"] = h
        out[f"{name}_fwhm"] = w
    out["id_ig"] = out["d_apex_height"] / out["g_apex_height"]
    return out


@pytest.mark.parametrize("model", list(TRUTH))
@pytest.mark.parametrize("engine", ["lmfit", "batch"])
def test_fit_recovers_known_bands(model, engine):
    da = _spectrum(model)
    with pytest.warns(DataCleaningWarning, match="spike"):
        res = fit_bands(da, model=model, la_relation="tuinstra_koenig", engine=engine)
    m = res.maps
    truth = _truth_values(model)
    rel2 = 0.02  # 2 %: the tolerance for heights, positions and widths
    for band in TRUTH[model]:
        name = band[0]
        assert float(m[f"{name}_height"]) == pytest.approx(truth[f"{name}_height"], rel=rel2)
        assert float(m[f"{name}_center"]) == pytest.approx(band[3], rel=rel2)
        assert float(m[f"{name}_fwhm"]) == pytest.approx(truth[f"{name}_fwhm"], rel=rel2)
    assert float(m["id_ig"]) == pytest.approx(truth["id_ig"], rel=0.03)  # 3 %
    assert float(m["g_position"]) == pytest.approx(truth["g_position"], abs=1.0)  # 1 cm⁻¹
    assert bool(m["success"])


def test_two_band_reports_bwf_apex_and_la():
    da = _spectrum("two_band", spike=False)
    res = fit_bands(da, la_relation="tuinstra_koenig")
    meas = res.descriptors()
    truth = _truth_values("two_band")
    # G position is the BWF apex ω0 + Γ/(2Q) = 1600 − 85/24 = 1596.46 cm⁻¹
    assert meas["g_position"].value == pytest.approx(1600 - 85 / 24, abs=1.0)
    assert "apex" in meas["g_position"].method
    # TK–Matthews at 532 nm: La = (−12.6 + 0.033·532) / (I_D/I_G)
    la_truth = (-12.6 + 0.033 * 532) / truth["id_ig"]
    assert meas["la_raman"].value == pytest.approx(la_truth, rel=0.03)
    for key, m in meas.items():
        assert m.unit == DESCRIPTORS[key].unit
        assert m.stderr is not None
        assert m.stderr > 0
    rec = StructuralRecord("HC").with_results(res)
    assert set(rec.descriptors) == set(meas)


def test_area_ratio_lorentzian_bands():
    # three_band: A_D/A_G = (I_D/I_G)(Γ_D/Γ_G) for two Lorentzians (FIELD-NOTES §2.4)
    res = fit_bands(_spectrum("three_band", spike=False), model="three_band",
                     la_relation="tuinstra_koenig")
    t = _truth_values("three_band")
    assert float(res.maps["ad_ag"]) == pytest.approx(t["d_area"] / t["g_area"], rel=0.03)


def test_stderr_matches_lmfit_and_batch_equals_lmfit():
    # the batch engine (variable projection) must find lmfit's optimum and covariance
    da = xr.concat([_spectrum("four_band", seed=s, spike=False) for s in range(4)], dim="time")
    da = da.assign_coords(time=("time", [0.0, 60.0, 120.0, 180.0], {"units": "s"}))
    a = fit_bands(da, model="four_band", engine="lmfit", despike=False,
                  la_relation="tuinstra_koenig")
    b = fit_bands(da, model="four_band", engine="batch", despike=False,
                  la_relation="tuinstra_koenig")
    for k in ("id_ig", "ad_ag", "g_position", "d_fwhm", "d4_center", "d3_fwhm"):
        np.testing.assert_allclose(b.maps[k].values, a.maps[k].values, rtol=1e-4)
        np.testing.assert_allclose(b.maps[f"{k}_stderr"].values, a.maps[f"{k}_stderr"].values,
                                   rtol=0.02)


def test_series_descriptors_dataset_over_other_dims():
    rng = np.random.default_rng(1)
    spectra = []
    for _yy in range(2):
        row = []
        for xx in range(3):
            s = _spectrum("two_band", seed=int(rng.integers(1000)), spike=False)
            row.append(s * (1 + 0.1 * xx))
        spectra.append(xr.concat(row, dim="x"))
    da = xr.concat(spectra, dim="y").assign_coords(
        x=("x", [0.0, 1.0, 2.0], {"units": "um"}), y=("y", [0.0, 1.0], {"units": "um"}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)  # Cançado outside 20–500 nm
        res = fit_bands(da, despike=False)
    assert res.maps["g_position"].dims == ("y", "x")
    assert res.maps["id_ig"].shape == (2, 3)
    np.testing.assert_allclose(res.maps["g_position"].values, 1600 - 85 / 24, atol=1.0)
    meas = res.descriptors()
    assert meas["id_ig"].extra["n"] == 6
    assert meas["id_ig"].value == pytest.approx(_truth_values("two_band")["id_ig"], rel=0.03)
    cur = res.curves({"y": 1, "x": 2})  # one spectrum, computed on demand
    assert cur["best_fit"].dims == ("raman_shift",)
    np.testing.assert_allclose(cur["data"].values,
                               da.isel(y=1, x=2).sel(raman_shift=cur.raman_shift).values)


def test_demo_spectrum_against_truth():
    truth = json.loads((example_data_dir() / "truth.json").read_text())["raman"]
    da = charz.read(example_data_dir() / truth["file"])
    with pytest.warns(DataCleaningWarning, match="1 spike"), \
            pytest.warns(PhysicsWarning, match="cancado"):
        res = fit_bands(da)
    m = res.maps
    assert float(m["id_ig"]) == pytest.approx(truth["id_ig"], rel=0.03)
    assert float(m["g_position"]) == pytest.approx(truth["g_position"], abs=1.0)
    assert float(m["d_fwhm"]) == pytest.approx(truth["d_fwhm"], rel=0.02)
    assert float(m["g_fwhm"]) == pytest.approx(truth["g_fwhm"], rel=0.02)


def test_band_at_bound_is_flagged():
    # a "G" band at 1700 cm⁻¹ lies beyond the two_band G bound (ω0 ≤ 1660): flagged
    x = np.linspace(800, 2000, 801)
    y = lorentzian(x, 1000, 1345, 180) + bwf(x, 900, 1700, 80, -12)
    da = make_spectrum(x, y, attrs={"laser_wavelength": 532.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)  # La outside its calibration
        res = fit_bands(da, despike=False, la_relation="tuinstra_koenig")
    assert "at_bound:g_center" in res.descriptors()["g_position"].flags


def test_bad_model_and_relation():
    da = _spectrum("two_band", spike=False)
    with pytest.raises(CharzError, match="band model 'five' is not one of"):
        fit_bands(da, model="five")
    with pytest.raises(OptionError, match="la_relation 'x' is not one of"):
        fit_bands(da, la_relation="x")


# ---- La relations: published prefactors ------------------------------------------------


def test_la_prefactors_published():
    # Cançado et al. 2006: 2.4e-10 λ⁴ → 19.2 nm at 532 nm, 16.8 nm at 514.5 nm
    assert la_prefactor("cancado", 532.0) == pytest.approx(19.2, abs=0.05)
    assert la_prefactor("cancado", 514.5) == pytest.approx(16.8, abs=0.05)
    # Matthews et al. 1999 C(λ) = −12.6 + 0.033 λ: 4.38 nm at 514.5 nm
    assert la_prefactor("tuinstra_koenig", 514.5) == pytest.approx(4.38, abs=0.005)
    # Ferrari & Robertson 2000: I_D/I_G = 0.0055 Å⁻² La² → La = 1.35 nm at ratio 1, 514 nm
    assert la_from_ratio(1.0, laser=514.0, relation="ferrari") == pytest.approx(1.35, abs=0.005)
    # stage 2 holds below ~2 nm: a ratio of 4 gives 2.7 nm and a warning
    with pytest.warns(PhysicsWarning, match=r"ferrari.*outside"):
        la_from_ratio(4.0, laser=514.0, relation="ferrari")


def test_la_ratio_two_same_answers_as_field_notes():
    # FIELD-NOTES §2.5: I_D/I_G = 2 → 1.91 nm (Ferrari, 514), 2.2 nm (TK, 514), 9.6 (Cançado, 532)
    assert la_from_ratio(2.0, laser=514.0, relation="ferrari", warn=False) == pytest.approx(
        1.91, abs=0.01)
    assert la_from_ratio(2.0, laser=514.5, relation="tuinstra_koenig") == pytest.approx(
        2.19, abs=0.01)
    with pytest.warns(PhysicsWarning, match="calibrated range 20–500 nm"):
        assert la_from_ratio(2.0, laser=532.0, relation="cancado") == pytest.approx(9.6, abs=0.05)


def test_second_order_bands_on_demo():
    # truth.json: second-order Lorentzians 2690 (h 150, FWHM 300) and 2930 (h 120, FWHM 250)
    truth = json.loads((example_data_dir() / "truth.json").read_text())["raman"]
    da = charz.read(example_data_dir() / truth["file"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataCleaningWarning)
        res = fit_bands(da, second_order=True, la_relation="tuinstra_koenig")
    m = res.maps
    assert res.model == "two_band+second_order"
    assert float(m["id_ig"]) == pytest.approx(truth["id_ig"], rel=0.03)
    # weak, broad, overlapping bands on noisy data: 5 % (positions 0.5 %)
    assert float(m["two_d_center"]) == pytest.approx(2690, rel=0.005)
    assert float(m["two_d_height"]) == pytest.approx(150, rel=0.05)
    assert float(m["two_d_fwhm"]) == pytest.approx(300, rel=0.05)
    assert float(m["d_plus_g_center"]) == pytest.approx(2930, rel=0.005)
    assert float(m["d_plus_g_height"]) == pytest.approx(120, rel=0.05)
    assert float(m["d_plus_g_fwhm"]) == pytest.approx(250, rel=0.05)


def test_no_laser_no_la_and_map_plot():
    da = _spectrum("two_band", spike=False)
    da.attrs.pop("laser_wavelength")
    res = fit_bands(da)
    assert "la_raman" not in res.descriptors()
    assert "not computed" in res.parameters["la_raman"]
    two = xr.concat([da, da * 1.1], dim="x").assign_coords(x=("x", [0.0, 1.0], {"units": "um"}))
    two = xr.concat([two, two], dim="y").assign_coords(y=("y", [0.0, 1.0], {"units": "um"}))
    ax = fit_bands(two, despike=False).plot_map("g_position")
    assert ax.get_title(loc="left").endswith("g_position")


@pytest.mark.parametrize("engine", ["lmfit", "batch"])
@pytest.mark.parametrize("dim", ["spectrum", "time"])
def test_empty_and_masked_spectra_in_series(engine, dim):
    # an interrupted map pads never-collected spectra with NaN; a stretch may be masked
    da = xr.concat([_spectrum("two_band", seed=i, spike=False) for i in range(12)], dim=dim)
    v = da.values.copy()
    v[3] = np.nan
    v[5, 100:120] = np.nan
    da = da.copy(data=v)
    res = fit_bands(da, la_relation="tuinstra_koenig", engine=engine)
    ok = res.maps["success"].values
    assert not ok[3]
    assert ok.sum() == 11
    np.testing.assert_allclose(res.maps["g_position"].values[ok], 1600 - 85 / 24, atol=1.0)
    assert res.descriptors()["g_position"].extra["n"] == 11
    assert str(res.maps["flags"].values[3]) == "no_signal"   # never collected: all NaN


def test_la_warning_prints_one_value_as_one_number():
    from raman.la import la_from_ratio

    with pytest.warns(PhysicsWarning, match=r"La = 8\.\d+ nm is outside") as rec:
        la_from_ratio(2.3, laser=532.0, relation="cancado")
    assert "–" not in str(rec[0].message).split(" is outside")[0]
    with pytest.warns(PhysicsWarning, match=r"La = [\d.]+–[\d.]+ nm: every value is outside"):
        la_from_ratio(np.array([2.0, 2.5]), laser=532.0, relation="cancado")


def test_la_outside_calibration_is_flagged_and_warned_as_one_value():
    # ratio 2 at 532 nm: Cançado La = 2.4e-10·532⁴/2 = 9.61 nm < 20 nm (calibrated 20–500 nm)
    from raman.la import outside_calibration

    assert outside_calibration(9.6, relation="cancado", laser=532.0)
    assert not outside_calibration(40.0, relation="cancado", laser=532.0)
    assert outside_calibration(40.0, relation="cancado", laser=1064.0)  # law's λ range
    np.testing.assert_array_equal(
        outside_calibration(np.array([1.0, 3.0, np.nan]), relation="ferrari", laser=514.0),
        [False, True, False])
    with pytest.warns(PhysicsWarning) as seen:
        la_from_ratio(2.0, laser=532.0, relation="cancado")
    text = str(seen[0].message)
    assert "La = 9.61 nm is outside" in text
    assert "9.61–9.61" not in text
    with pytest.warns(PhysicsWarning, match=r"La = 4\.81–38\.4 nm: 1 of 2 values are outside"):
        la_from_ratio(np.array([4.0, 0.5]), laser=532.0, relation="cancado")


def test_la_raman_measurement_carries_outside_calibration():
    da = _spectrum("two_band", spike=False)
    with pytest.warns(PhysicsWarning, match="outside the relation's calibrated range"):
        res = fit_bands(da, model="two_band")
    d = res.descriptors()
    # Cançado on a hard carbon (A_D/A_G ~ 2.3): La ~ 8 nm, below the 20 nm calibration
    assert d["la_raman"].value < 20.0
    assert "outside_calibration" in d["la_raman"].flags
    assert "outside_calibration" not in d["id_ig"].flags
    # Tuinstra–Koenig holds above 2 nm: the same spectrum gives a clean La
    with warnings.catch_warnings():
        warnings.simplefilter("error", PhysicsWarning)
        tk = fit_bands(da, model="two_band", la_relation="tuinstra_koenig").descriptors()
    assert "outside_calibration" not in tk["la_raman"].flags
    # a series: the mean is flagged and the spectra outside are counted
    stack = xr.concat([da, da * 1.01, da * 0.99], dim="spectrum").transpose("spectrum", ...)
    with pytest.warns(PhysicsWarning, match="La = 8.* nm is outside"):  # one value, 3 digits
        res = fit_bands(stack, model="two_band", engine="lmfit")
    m = res.descriptors()["la_raman"]
    assert "outside_calibration" in m.flags
    assert m.extra["n_outside_calibration"] == 3
