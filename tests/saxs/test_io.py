"""SAXS readers on every 1-D file in ../shared/data/saxs, bad input, and pyFAI integration.

Expected values come from the files themselves as documented upstream (SOURCES.md of
../shared/data/saxs; SasView's reference dumps in sasdata/test_sasdataloader/reference):
q unit of each format, point counts, first q, intensity unit, sample metadata.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose

import charz
import saxs
from charz.errors import CharzError, CorruptFileError, DataCleaningWarning, MissingMetadataError

SAS = "sasdata"
LOCAL = Path(__file__).resolve().parents[1] / "data" / "saxs"



# file, read options, points, first q as written in the file, its unit, I unit, extra attrs
FILES = [
    ("1d_data/100nmSpheresNodQ.txt", {"q_unit": "1/A"}, 150, 1.00e-03, "1/A", "1", {}),
    ("1d_data/100nmPinholeSphere.txt", {"q_unit": "1/A"}, 150, 1.00e-03, "1/A", "1", {}),
    ("1d_data/1umSlitSmearSphere.ABS", {}, 150, 1.00e-04, "1/A", "1/cm",
     {"slit_length": 1.17}),  # 0.117 1/A slit (NIST USANS), stored in 1/nm
    ("1d_data/APS_DND-CAT.TXT", {"q_unit": "1/A"}, 733, 2.6471920e-03, "1/A", "1", {}),
    ("1d_data/Alumina_usaxs.csv", {"q_unit": "1/A"}, 112, 0.000246465, "1/A", "1", {}),
    ("1d_data/Anton-Paar.pdh", {}, 673, 6.604e-02, "1/nm", "1", {"wavelength_nm": 0.1542}),
    ("1d_data/saxess_example.pdh", {}, 748, 7.2644e-02, "1/nm", "1",
     {"wavelength_nm": 0.1542}),
    ("1d_data/33837rear_1D_1.75_16.5_CanSAS1D.xml", {}, 66, 0.00416, "1/A", "1/cm",
     {"title": "MH4_5deg_16T_SLOW", "run": "33837"}),
    ("1d_data/33837rear_1D_1.75_16.5_NXcanSAS.h5", {}, 66, 0.00416, "1/A", "count", {}),
    ("1d_data/FK403_0006_Nika.hdf", {}, 118, None, "1/A", "1/cm", {}),
    ("1d_data/Lew_Sa3_DSM_QinA.h5", {}, 490, None, "1/A", "1/cm", {}),
    ("test_sasdataloader/data/cansas1d.xml", {}, 2, 0.02, "1/A", "1/cm",
     {"thickness_cm": 0.103, "transmission": 0.327, "wavelength_nm": 0.6}),
    ("test_sasdataloader/data/valid_cansas_xml.xml", {}, 102, 0.009, "1/A", "1/cm",
     {"title": "LOQ_Standard_TK49_SANS", "run": "80514"}),
    ("test_sasdataloader/data/simpleexamplefile.h5", {}, 100, None, "1/A", "1/cm", {}),
    ("test_sasdataloader/data/ascii_test_1.txt", {}, 10, 0.002618, "1/A", "1/cm", {}),
    ("test_sasdataloader/data/sam14_cor.ABS", {}, 95, 2.97581e-05, "1/A", "1/cm",
     {"thickness_cm": 0.1, "transmission": 0.92765, "slit_length": 1.17}),
]


@pytest.mark.parametrize(("rel", "opts", "n", "q0", "qunit", "iunit", "attrs"), FILES,
                         ids=[f[0].split("/")[-1] for f in FILES])
def test_every_1d_file_loads_with_units(find, rel, opts, n, q0, qunit, iunit, attrs):
    path = find(f"{SAS}/{rel}")
    da = saxs.read(path, **opts)
    assert da.dims == ("q",)
    assert da.name == "intensity"
    assert da.sizes["q"] == n
    assert da["q"].attrs["units"] == "1/nm"
    assert da.attrs["q_unit_original"] == qunit
    assert da.attrs["units"] == iunit
    assert "units" in da["sigma"].attrs
    assert np.all(np.diff(da["q"].values) > 0)
    if q0 is not None:
        factor = 10.0 if qunit == "1/A" else 1.0  # q[1/nm] = 10 q[1/A]
        assert_allclose(da["q"].values[0], q0 * factor, rtol=1e-6)
    for key, value in attrs.items():
        if isinstance(value, float):
            assert_allclose(da.attrs[key], value, rtol=1e-9)
        else:
            assert da.attrs[key] == value
    assert da.attrs["sha256"]
    assert da.attrs["source"] == path.name


def test_registered_readers_dispatch_through_charz_read(find):
    def d(name):
        return find(f"{SAS}/1d_data/{name}")

    assert charz.read(d("Anton-Paar.pdh")).attrs["reader"] == "saxs.io.read_pdh"
    assert charz.read(d("1umSlitSmearSphere.ABS")).attrs["reader"] == "saxs.io.read_abs"
    xml = charz.read(d("33837rear_1D_1.75_16.5_CanSAS1D.xml"))
    assert xml.attrs["reader"] == "saxs.io.read_cansas_xml"
    h5 = charz.read(d("33837rear_1D_1.75_16.5_NXcanSAS.h5"))
    assert h5.attrs["reader"] == "saxs.io.read_nxcansas"


def test_cansas_xml_and_nxcansas_hold_the_same_data(find):
    # SOURCES.md: one ISIS SANS2D dataset written in two formats
    xml = saxs.read(find(f"{SAS}/1d_data/33837rear_1D_1.75_16.5_CanSAS1D.xml"))
    h5 = saxs.read(find(f"{SAS}/1d_data/33837rear_1D_1.75_16.5_NXcanSAS.h5"))
    assert_allclose(xml["q"].values, h5["q"].values, rtol=1e-5)  # XML has 6 digits
    assert_allclose(xml.values, h5.values, rtol=1e-5)
    assert_allclose(xml["sigma"].values, h5["sigma"].values, rtol=1e-5)


@pytest.mark.parametrize("rel", ["1d_data/APS_DND-CAT.TXT", "1d_data/Alumina_usaxs.csv",
                                 "1d_data/100nmSpheresNodQ.txt"])
def test_missing_q_unit_is_an_error_not_a_guess(find, rel):
    with pytest.raises(MissingMetadataError, match="q unit is not stated"):
        saxs.read(find(f"{SAS}/{rel}"))


def test_user_q_unit_overrides_and_converts(find):
    path = find(f"{SAS}/1d_data/Anton-Paar.pdh")
    nm = saxs.read(path)
    a = saxs.read(path, q_unit="1/A")
    assert a.attrs["q_unit_from"] == "user"
    assert_allclose(a["q"].values, 10 * nm["q"].values)


@pytest.mark.parametrize(("header", "unit"), [
    ("# q [1/A]  I [1/cm]  sigma", "1/A"),
    ("# Q (A-1)\tI (cm-1)\terr", "1/A"),
    ("# q(nm^-1) I", "1/nm"),
    ("q / Å⁻¹, I", "1/A"),
    ("# units: 1/nm", "1/nm"),
])
def test_q_unit_from_header_text(tmp_path, header, unit):
    rng = np.random.default_rng(0)
    q = np.linspace(0.1, 2, 20)
    body = "\n".join(f"{a:.5g} {b:.5g} {0.1 * b:.5g}" for a, b in zip(q, 100 * q**-3, strict=False))
    p = tmp_path / "c.dat"
    p.write_text(f"{header}\n{body}\n", encoding="utf-8")
    da = saxs.read(p)
    assert da.attrs["q_unit_original"] == unit
    assert_allclose(da["q"].values, q * (10 if unit == "1/A" else 1), rtol=1e-4)
    del rng


def _write(tmp_path, rows, header="# q [1/nm]  I [1/cm]  sigma"):
    p = tmp_path / "bad.dat"
    p.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_zero_or_negative_q_is_a_clear_error(tmp_path):
    p = _write(tmp_path, ["0 10 1", "0.1 8 1", "0.2 5 1", "0.3 3 1"])
    with pytest.raises(CorruptFileError, match=r"q <= 0 in 1 row"):
        saxs.read(p)
    with pytest.warns(DataCleaningWarning, match="dropped"):
        da = saxs.read(p, drop_invalid=True)
    assert da.sizes["q"] == 3


def test_nan_is_a_clear_error(tmp_path):
    p = _write(tmp_path, ["0.1 10 1", "0.2 nan 1", "0.3 5 1", "0.4 3 1"])
    with pytest.raises(CorruptFileError, match="NaN/inf values"):
        saxs.read(p)


def test_wrong_columns_is_a_clear_error(tmp_path):
    p = _write(tmp_path, ["0.1", "0.2", "0.3", "0.4", "0.5"])
    with pytest.raises(CorruptFileError, match="no numeric table with at least 2 columns"):
        saxs.read(p)
    p2 = _write(tmp_path, ["0.1 10", "0.2 8", "0.3 5"])
    with pytest.raises(CorruptFileError, match="column 2 requested but the table has 2"):
        saxs.io.read_text(p2, columns=(0, 2))


def test_make_curve_checks_lengths():
    with pytest.raises(CorruptFileError, match="different lengths"):
        saxs.make_curve([1, 2, 3], [1, 2], q_unit="1/nm")


# ---------------------------------------------------------------------------------------
# 2-D: the Dioptas CeO2 Pilatus image against the pattern Dioptas integrated from it
# ---------------------------------------------------------------------------------------


@pytest.fixture
def dioptas(shared_data):
    pytest.importorskip("pyFAI")
    pytest.importorskip("fabio")
    d = shared_data / "saxs" / "dioptas"
    ref = np.loadtxt(d / "CeO2_Pilatus1M.xy")
    return d, ref


def _integrate(d, ref, convention):
    # Same bins as Dioptas (npt = its 1512 points, default radial range), 2θ unit to
    # compare directly. The reference was integrated without a mask (its header: "Mask
    # applied: None"), and its intensities follow an unpolarized-beam polarization
    # correction, (1 + cos²2θ)/2, although the header says "Polarization factor: None":
    # measured here, the ratio to an uncorrected integration follows that factor within
    # 0.1 % from 5 to 25°. Hence polarization_factor=0 (pyFAI's unpolarized setting).
    return saxs.integrate_image(d / "CeO2_Pilatus1M.tif", poni=d / "CeO2_Pilatus1M.poni",
                                npt=len(ref), unit="2th_deg", poni_convention=convention,
                                invalid_below=None, polarization_factor=0.0)


def test_pyfai_reproduces_dioptas_pattern(dioptas):
    d, ref = dioptas
    tth, i_ref = ref[:, 0], ref[:, 1]
    da = _integrate(d, ref, "dioptas")
    assert_allclose(da["two_theta"].values, tth, atol=1e-6)  # same bins
    strong = i_ref > 0.01 * i_ref.max()
    rel = np.abs(da.values[strong] / i_ref[strong] - 1)
    assert np.median(rel) < 1e-4  # measured 9e-6
    assert np.percentile(rel, 95) < 0.03  # a few bins near module gaps differ by ~1 %
    # without the vertical flip the geometry is wrong and the pattern does not match
    wrong = _integrate(d, ref, "pyfai")
    assert np.corrcoef(wrong.values, i_ref)[0, 1] < 0.5


def test_image_to_q_curve(dioptas):
    d, _ref = dioptas
    da = saxs.integrate_image(d / "CeO2_Pilatus1M.tif", poni=d / "CeO2_Pilatus1M.poni",
                              poni_convention="dioptas")
    assert da.dims == ("q",)
    assert da["q"].attrs["units"] == "1/nm"
    assert da.attrs["mask_convention"].startswith("non-zero = masked")
    # CeO2 (111), d = 0.3124 nm (a = 0.5411 nm): strongest line at q = 2π/d = 20.11 1/nm
    q = da["q"].values
    window = (q > 18) & (q < 22)
    q111 = q[window][np.argmax(da.values[window])]
    assert abs(q111 - 2 * np.pi / (0.5411 / np.sqrt(3))) < 0.1


def test_poni_that_does_not_match_the_image(dioptas, tmp_path):
    d, _ = dioptas
    small = np.ones((100, 120), dtype=np.int32)
    with pytest.raises(CharzError, match="PONI does not match this image"):
        saxs.integrate_image(small, poni=d / "CeO2_Pilatus1M.poni")
    v2 = tmp_path / "pilatus.poni"
    v2.write_text(
        "poni_version: 2\nDetector: Pilatus300k\nDetector_config: {}\nDistance: 0.2\n"
        "Poni1: 0.08\nPoni2: 0.08\nRot1: 0\nRot2: 0\nRot3: 0\nWavelength: 1e-10\n",
        encoding="utf-8")
    with pytest.raises(CharzError, match="does not match the detector"):
        saxs.integrate_image(d / "CeO2_Pilatus1M.tif", poni=v2)
    with pytest.raises(CharzError, match="mask shape"):
        saxs.integrate_image(d / "CeO2_Pilatus1M.tif", poni=d / "CeO2_Pilatus1M.poni",
                             mask=np.zeros((10, 10)))


def test_mask_excludes_pixels(dioptas):
    d, _ref = dioptas
    import fabio

    img = fabio.open(str(d / "CeO2_Pilatus1M.tif")).data
    mask = np.zeros(img.shape, dtype=np.uint8)
    mask[:, : img.shape[1] // 2] = 1  # non-zero = masked: drop the left half
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        half = saxs.integrate_image(img, poni=d / "CeO2_Pilatus1M.poni", mask=mask,
                                    poni_convention="dioptas", npt=300,
                                    radial_range=(5.0, 30.0))
        full = saxs.integrate_image(img, poni=d / "CeO2_Pilatus1M.poni",
                                    poni_convention="dioptas", npt=300,
                                    radial_range=(5.0, 30.0))
    assert isinstance(half, xr.DataArray)
    # a powder ring averages to about the same intensity from half the detector; the
    # masked integration is a different one (fewer pixels per bin)
    q, i_full = full["q"].values, full.values
    qh = half["q"].values
    window = (q > 18) & (q < 22)
    peak = q[window][np.argmax(i_full[window])]
    assert_allclose(qh, q)  # same bins (radial_range given)
    i_half = half.values[q == peak][0]
    assert_allclose(i_half, i_full[window].max(), rtol=0.15)
    assert not np.allclose(half.values, i_full, rtol=1e-3)


def test_charz_read_dispatches_the_demo_text_file():
    # a text file longer than the 8 KiB sniffing head (the head ends inside a line)
    from charz.demo import example_data_dir

    da = charz.read(example_data_dir() / "saxs" / "HC-demo.dat")
    assert da.attrs["reader"] == "saxs.io.read_text"
    assert da.attrs["q_unit_original"] == "1/nm"
    assert da.attrs["units"] == "1/cm"


def test_sniffer_leaves_other_techniques_files_alone(shared_data):
    from charz.io import _head
    from saxs.io.text import _sniff_text

    claimed = [p.name for p in shared_data.rglob("*")
               if p.is_file() and "saxs" not in p.parts
               and p.suffix.lower() in (".dat", ".txt", ".csv")
               and _sniff_text(p, _head(p))]
    assert claimed == []


def test_multiframe_image_needs_a_frame(dioptas, tmp_path):
    from fabio.edfimage import EdfImage

    d, _ = dioptas
    p = tmp_path / "two.edf"
    img = EdfImage(data=np.ones((1043, 981), np.float32))
    img.append_frame(data=np.full((1043, 981), 2.0, np.float32))
    img.write(str(p))
    with pytest.raises(CharzError, match="holds 2 frames"):
        saxs.integrate_image(p, poni=d / "CeO2_Pilatus1M.poni")
    one = saxs.integrate_image(p, poni=d / "CeO2_Pilatus1M.poni", frame=0, npt=100)
    two = saxs.integrate_image(p, poni=d / "CeO2_Pilatus1M.poni", frame=1, npt=100)
    assert_allclose(two.values, 2 * one.values, rtol=1e-6)  # integration is linear


def test_every_variable_has_units_and_long_name(find):
    from saxs.guinier import fit_guinier
    from saxs.invariant import invariant
    from saxs.models import fit_porod_dab

    c = saxs.read(find(f"{SAS}/1d_data/100nmSpheresNodQ.txt"), q_unit="1/A",
                  intensity_unit="1/cm")
    objs = [c]
    fit = fit_porod_dab(saxs.read(Path(charz.__file__).parent / "examples/data/saxs/HC-demo.dat"))
    objs += [fit.curve, fit.pore_term(), fit_guinier(fit.pore_term()).curve]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        objs.append(invariant(c).curve)
    for obj in objs:
        variables = list(obj.coords.values()) + (list(obj.data_vars.values())
                                                 if isinstance(obj, xr.Dataset) else [obj])
        for v in variables:
            assert "units" in v.attrs, v.name


def test_image_without_poni_says_how(dioptas):
    d, _ = dioptas
    with pytest.raises(CharzError, match="--poni"):
        saxs.read(d / "CeO2_Pilatus1M.tif")


def test_intensity_unit_in_a_column_name(tmp_path, shared_data):
    # 'q_invA,dSigma_dOmega_invcm,uncertainty_invcm' (NIST SRM 3600 certified curve): the
    # intensity is absolute (1/cm); it was read as arbitrary units ('I (arb. units)')
    srm = saxs.read(shared_data / "saxs/nist_srm3600/"
                    "SRM3600_glassy_carbon_certified_dSigma_dOmega.csv")
    assert srm.attrs["units"] == "1/cm"
    assert srm.attrs["absolute_scale"] == 1
    assert float(srm["q"][0]) == pytest.approx(0.0827568)  # 0.00827568 1/Å in the file
    assert float(srm[0]) == pytest.approx(34.933380)
    for names, unit in (("q_invA,I_invcm,sigma_invcm", "1/cm"),
                        ("q_invA I_cm-1 sigma", "1/cm"),
                        ("q_invA,I_counts,sigma_counts", "1")):
        f = tmp_path / "c.csv"
        f.write_text(f"{names}\n0.01,5.0,0.1\n0.02,4.0,0.1\n0.03,3.0,0.1\n", encoding="utf-8")
        assert saxs.read(f, q_unit="1/A").attrs["units"] == unit, names
