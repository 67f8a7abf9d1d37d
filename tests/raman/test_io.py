"""Raman readers: every real file in ../shared/data/raman loads (sorted axis, units, laser)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

import charz
from charz.errors import (
    CorruptFileError,
    DataCleaningWarning,
    MissingMetadataError,
    UnknownFormatError,
)

pytest.importorskip("wdf")

# file -> (expected sizes, laser nm (None = file has none), reader, extra read options)
# Sizes and lasers come from the folders' SOURCES.md (checked there with renishawWiRE,
# rosettasciio, spc_spectra, WrightTools) and the headers of the files.
SHARED = {
    "py-wdf-reader/sp.wdf": ({"raman_shift": 1015}, 532.25, "read_wdf", {}),
    "py-wdf-reader/line.wdf": ({"spectrum": 235, "raman_shift": 1015}, 532.25, "read_wdf", {}),
    "renishaw-wdf/Si-map.wdf": ({"y": 11, "x": 8, "raman_shift": 575}, 532.0, "read_wdf", {}),
    "rosettasciio-fixtures/renishaw_test_timeseries.wdf": (
        {"time": 3, "raman_shift": 1007}, 532.23, "read_wdf", {}),
    "rosettasciio-formats/interrupted_acquisition.wdf": (
        {"y": 3, "x": 4, "raman_shift": 1010}, 532.16, "read_wdf", {}),
    "rosettasciio-formats/renishaw_test_linescan.wdf": (
        {"spectrum": 5, "raman_shift": 40}, 325.0, "read_wdf", {}),
    "rosettasciio-formats/renishaw_test_map.wdf": (
        {"y": 3, "x": 3, "raman_shift": 47}, 325.0, "read_wdf", {}),
    "rosettasciio-formats/renishaw_test_spectrum.wdf": ({"raman_shift": 36}, 325.0, "read_wdf", {}),
    "rosettasciio-fixtures/jobinyvon_test_spec.xml": (
        {"raman_shift": 34}, 632.817, "read_labspec_xml", {}),
    "rosettasciio-fixtures/jobinyvon_test_linescan.xml": (
        {"y": 3, "raman_shift": 34}, 632.817, "read_labspec_xml", {}),
    "rosettasciio-formats/jobinyvon_test_map_x3-y2.xml": (
        {"y": 2, "x": 3, "raman_shift": 34}, 632.817, "read_labspec_xml", {}),
    "rosettasciio-formats/jobinyvon_test_map_x2-y2_rotated.xml": (
        {"y": 2, "x": 3, "raman_shift": 34}, 632.817, "read_labspec_xml", {}),
    "rosettasciio-formats/jobinyvon_test_spec_3s_cm-1.xml": (
        {"raman_shift": 34}, 632.817, "read_labspec_xml", {}),
    "rosettasciio-formats/jobinyvon_test_spec_3s_abs-cm-1.xml": (
        {"raman_shift": 34}, 632.817, "read_labspec_xml", {}),
    "rosettasciio-formats/jobinyvon_test_spec_3s_eV.xml": (
        {"raman_shift": 34}, 632.817, "read_labspec_xml", {}),
    "rosettasciio-formats/jobinyvon_test_spec_3s_counts.xml": (
        {"raman_shift": 34}, 632.817, "read_labspec_xml", {}),
    "rosettasciio-formats/jobinyvon_test_spec_range.xml": (
        {"raman_shift": 105}, 632.817, "read_labspec_xml", {}),
    "spectrochempy-data/532nm-191216-Si_200mu.txt": (
        {"raman_shift": 1024}, 532.0, "read_labspec_txt", {}),
    "spectrochempy-data/SMC1-Initial_RT.txt": (
        {"raman_shift": 1024}, 532.0, "read_labspec_txt", {}),
    "spectrochempy-data/LiNbWO6-0-H.txt": ({"raman_shift": 1024}, 532.0, "read_labspec_txt", {}),
    "spectrochempy-data/lasertest1.txt": (
        {"spectrum": 3, "raman_shift": 1024}, 532.0, "read_labspec_txt", {}),
    "spectrochempy-data/serie190214-1.txt": (
        {"time": 168, "raman_shift": 1024}, 532.0, "read_labspec_txt", {}),
    "spectrochempy-data/BENZENE.SPC": ({"raman_shift": 1842}, None, "read_spc", {}),
    "spectrochempy-data/TOLUENE.SPC": ({"raman_shift": 801}, None, "read_spc", {}),
    # old-format (0x4D) multi-file SPC of a UV-vis demo, x in nm: needs a laser to convert
    "spectrochempy-data/DEMO_3D.SPC": (
        {"spectrum": 32, "raman_shift": 171}, 532.0, "read_spc", {"laser": 532.0}),
    "wrighttools-labram/spectrum_wn.txt.gz": ({"raman_shift": 1020}, 532.0, "read_labspec_txt", {}),
    "wrighttools-labram/raman_linescan.txt.gz": (
        {"y": 100, "raman_shift": 1020}, 532.0, "read_labspec_txt", {}),
    "wrighttools-labram/map_nm.txt.gz": (
        {"y": 20, "x": 20, "raman_shift": 1020}, 405.0, "read_labspec_txt", {}),
    "raman-fitting/testDW38C_pos1.txt": ({"raman_shift": 1600}, None, "read_two_column", {}),
    "raman-fitting/Si_spectrum01.txt": ({"raman_shift": 1600}, None, "read_two_column", {}),
    "pynxtools-raman/Si-wafer-Raman-Spectrum-1.txt": (
        {"raman_shift": 1600}, 532.0, "read_witec_txt", {"laser": 532.0}),
}


def _check_common(da, sizes, laser):
    assert dict(da.sizes) == sizes
    assert da.dims[-1] == "raman_shift"
    x = da["raman_shift"].values
    assert np.all(np.diff(x) > 0)  # sorted ascending
    assert da["raman_shift"].attrs["units"] == "1/cm"
    assert "units" in da.attrs
    assert da.attrs["technique"] == "raman"
    for name in da.dims:
        assert "units" in da[name].attrs, name
    if laser is None:
        assert "laser_wavelength" not in da.attrs
    else:
        assert da.attrs["laser_wavelength"] == pytest.approx(laser, abs=0.01)


@pytest.mark.parametrize("name", sorted(SHARED))
def test_every_shared_raman_file_loads(shared_data, name):
    sizes, laser, reader, opts = SHARED[name]
    path = shared_data / "raman" / name
    if name.endswith("zscan.wdf"):
        pytest.fail("not in the table")
    if reader == "read_witec_txt":
        with pytest.warns(DataCleaningWarning, match="saturated"):
            da = charz.read(path, technique="raman", **opts)
    else:
        da = charz.read(path, technique="raman", **opts)
    assert da.attrs["reader"].endswith(reader)
    _check_common(da, sizes, laser)


def test_wdf_zscan_zero_spectra_become_nan(shared_data):
    # SOURCES.md: only 20 of the 40 depth spectra are non-zero
    path = shared_data / "raman/rosettasciio-formats/renishaw_test_zscan.wdf"
    with pytest.warns(DataCleaningWarning, match="20 of 40 spectra are all zero"):
        da = charz.read(path)
    _check_common(da, {"z": 40, "raman_shift": 1015}, 532.25)
    assert int(np.isnan(da.values).all(axis=1).sum()) == 20
    assert da["z"].values[:3] == pytest.approx([-10.0, -9.5, -9.0])


def test_wdf_interrupted_map_keeps_planned_and_collected(shared_data):
    da = charz.read(shared_data / "raman/rosettasciio-formats/interrupted_acquisition.wdf")
    assert da.attrs["planned_spectra"] == 16
    assert da.attrs["collected_spectra"] == 12
    assert np.isfinite(da.values).all()


def test_wdf_timeseries_time_coordinate(shared_data):
    da = charz.read(shared_data / "raman/rosettasciio-fixtures/renishaw_test_timeseries.wdf")
    # ORGN Time (renishaw-wdf): 13:47:28.014, :31.102, :34.147 UTC
    assert da["time"].values == pytest.approx([0.0, 3.08846, 6.13301], abs=1e-4)
    assert da["time"].attrs["units"] == "s"
    assert da.attrs["start_time"].startswith("2023-02-10T13:47:28.014")
    assert "timestamp" in da.coords


def test_wdf_map_positions(shared_data):
    da = charz.read(shared_data / "raman/renishaw-wdf/Si-map.wdf")
    # WMAP block (renishaw-wdf MapArea): start (-7.09, -8.93) µm, step 2 µm
    assert da["x"].values[:2] == pytest.approx([-7.09, -5.09], abs=1e-4)
    assert da["y"].values[:2] == pytest.approx([-8.93, -6.93], abs=1e-4)
    # spectrum 9 of the file (ORGN X −5.09, Y −6.93) sits at grid (y 1, x 1)
    import wdf

    w = wdf.Wdf(str(shared_data / "raman/renishaw-wdf/Si-map.wdf"))
    try:
        raw9 = np.asarray(w.spectrum(9), float)[::-1]  # file axis is descending
    finally:
        w.close()
    np.testing.assert_allclose(da.values[1, 1], raw9)
    # Si line at 520.7 cm⁻¹ on every pixel (silicon's first-order phonon)
    peak = da["raman_shift"].values[da.argmax("raman_shift").values]
    assert np.all(np.abs(peak - 520.7) < 4.0)


def test_wdf_nm_axis_is_converted(shared_data):
    da = charz.read(shared_data / "raman/rosettasciio-formats/renishaw_test_spectrum.wdf")
    # x 326.016–328.981 nm at 325.0 nm laser: 1e7/325 − 1e7/λ
    lo, hi = 1e7 / 325.00032 - 1e7 / 326.0163, 1e7 / 325.00032 - 1e7 / 328.9808
    assert da["raman_shift"].values[[0, -1]] == pytest.approx([lo, hi], abs=0.5)
    assert da.attrs["axis_unit_file"] == "Nanometre"


def test_wdf_undefined_unit_raises(shared_data):
    with pytest.raises(UnknownFormatError, match="Arbitrary"):
        charz.read(shared_data / "raman/rosettasciio-formats/renishaw_test_undefined.wdf")


def test_labspec_xml_units_agree(shared_data):
    # the same spectrum exported as Raman shift, absolute cm⁻¹ and nm: same shift axis
    base = shared_data / "raman/rosettasciio-formats"
    rel = charz.read(base / "jobinyvon_test_spec_3s_cm-1.xml")
    ab = charz.read(base / "jobinyvon_test_spec_3s_abs-cm-1.xml")
    np.testing.assert_allclose(ab["raman_shift"].values, rel["raman_shift"].values, atol=1.0)
    np.testing.assert_allclose(ab.values, rel.values)


def test_labspec_time_series(shared_data):
    da = charz.read(shared_data / "raman/spectrochempy-data/serie190214-1.txt")
    # SOURCES.md: 168 spectra, 0 → 10 000 s; #Acquired= 14.02.2019 10:41:56
    assert da["time"].values[[0, -1]] == pytest.approx([0.0, 10000.0])
    assert da.attrs["start_time"] == "2019-02-14T10:41:56"
    assert da.attrs["acquisition_time_s"] == 60


def test_labspec_map_nm_needs_grid(shared_data):
    da = charz.read(shared_data / "raman/wrighttools-labram/map_nm.txt.gz")
    # 553.967 nm at 405 nm laser → 1e7/405 − 1e7/553.967 cm⁻¹ (largest shift)
    assert da["raman_shift"].values[-1] == pytest.approx(1e7 / 405 - 1e7 / 553.967, abs=0.05)
    assert da["x"].values[0] == -30.0
    assert da["y"].values[0] == 10.0


# ---- permissive copies in tests/data/raman ----------------------------------------------


def test_two_column_copy(test_data):
    da = charz.read(test_data / "raman/testDW38C_pos1.txt")
    raw = np.loadtxt(test_data / "raman/testDW38C_pos1.txt")
    order = np.argsort(raw[:, 0])
    np.testing.assert_array_equal(da.values, raw[order, 1])
    np.testing.assert_array_equal(da["raman_shift"].values, raw[order, 0])


def test_witec_nm_needs_laser(test_data):
    path = test_data / "raman/Si-wafer-Raman-Spectrum-1.txt"
    with pytest.raises(MissingMetadataError, match="laser"):
        charz.read(path)
    with pytest.warns(DataCleaningWarning, match="saturated"):
        da = charz.read(path, laser=532.0)
    # the Si line is the strongest band away from the laser line; its raw wavelength in the
    # file is 547.4303527 nm, so at 532.0 nm its shift must be 1e7/532 − 1e7/547.4303527
    sel = da.sel(raman_shift=slice(300, 800))
    peak = float(sel["raman_shift"][int(np.nanargmax(sel.values))])
    assert peak == pytest.approx(1e7 / 532.0 - 1e7 / 547.4303527, abs=1e-6)
    # ... which is Si's 520.7 cm⁻¹ only to ~10 cm⁻¹: the real laser line (centre of the
    # saturated pixels) is at 532.41 nm, not the nominal 532
    assert peak == pytest.approx(520.7, abs=12.0)
    assert da.attrs["laser_wavelength_source"] == "user"


def test_labspec_gz_and_wdf_copies(test_data):
    da = charz.read(test_data / "raman/spectrum_wn.txt.gz")
    _check_common(da, {"raman_shift": 1020}, 532.0)
    sp = charz.read(test_data / "raman/sp.wdf")
    _check_common(sp, {"raman_shift": 1015}, 532.25)
    # SOURCES.md: monolayer-graphene-like, strongest band 2D ≈ 2675 cm⁻¹
    assert float(sp["raman_shift"][int(np.argmax(sp.values))]) == pytest.approx(2675, abs=15)


# ---- generated files --------------------------------------------------------------------


def _bands(x):
    return 1000 / (1 + ((x - 1350) / 90) ** 2) + 800 / (1 + ((x - 1590) / 40) ** 2)


def test_two_column_csv_header_reversed_order(tmp_path):
    x = np.linspace(2000, 800, 601)  # descending
    y = _bands(x)
    p = tmp_path / "s.csv"
    p.write_text("Intensity (counts);Raman shift (cm-1)\n"
                 + "\n".join(f"{b:.6f};{a:.4f}".replace(".", ",")
                             for a, b in zip(x, y, strict=True)))
    da = charz.read(p, technique="raman")
    np.testing.assert_allclose(da["raman_shift"].values, x[::-1], atol=1e-4)
    np.testing.assert_allclose(da.values, y[::-1], rtol=1e-6)


def test_two_column_nm_header_converts(tmp_path):
    shift = np.linspace(800, 2000, 301)
    lam = 1e7 / (1e7 / 532.0 - shift)
    p = tmp_path / "s.txt"
    p.write_text("# Laser: 532 nm\n# Wavelength (nm)\tIntensity\n"
                 + "\n".join(f"{a:.6f}\t{b:.3f}" for a, b in zip(lam, _bands(shift), strict=True)))
    da = charz.read(p, technique="raman")
    np.testing.assert_allclose(da["raman_shift"].values, shift, atol=1e-3)


def test_long_map_pivots(tmp_path):
    shift = np.linspace(2000, 800, 50)
    lines = ["#X\t#Y\t#Wave\t#Intensity"]
    truth = {}
    for yv in (0.0, 1.5):
        for xv in (-2.0, 0.0, 2.0):
            y = _bands(shift) * (1 + xv / 10 + yv)
            truth[(yv, xv)] = y
            lines += [f"{xv}\t{yv}\t{s:.4f}\t{v:.5f}" for s, v in zip(shift, y, strict=True)]
    p = tmp_path / "map.txt"
    p.write_text("\n".join(lines))
    da = charz.read(p, technique="raman")
    assert dict(da.sizes) == {"y": 2, "x": 3, "raman_shift": 50}
    np.testing.assert_allclose(da.sel(y=1.5, x=2.0).values, truth[(1.5, 2.0)][::-1], rtol=1e-6)


def test_labspec_gz_decimal_and_cp1252(tmp_path):
    header = "#Acq. time (s)=\t10\n#Laser=\t633nm\n#Detector temperature (°C)=\t-60\n"
    x = np.linspace(2000, 800, 200)
    body = "\n".join(f"{a:.3f}\t{b:.2f}" for a, b in zip(x, _bands(x), strict=True))
    p = tmp_path / "hc.txt.gz"
    p.write_bytes(gzip.compress((header + body).encode("cp1252")))
    da = charz.read(p, technique="raman")
    assert da.attrs["laser_wavelength"] == 633.0
    assert da["raman_shift"].values[0] == pytest.approx(800.0)


def test_truncated_wdf_is_corrupt(tmp_path, test_data):
    raw = (test_data / "raman/sp.wdf").read_bytes()
    p = tmp_path / "cut.wdf"
    p.write_bytes(raw[:2000])
    with pytest.raises(CorruptFileError, match=r"cut\.wdf"):
        charz.read(p)


def test_spc_roundtrip_new_lsb(tmp_path):
    """A float32 SPC written from the published layout reads back exactly."""
    import struct

    x = np.linspace(800, 2000, 121)
    y = _bands(x).astype("<f4")
    head = bytearray(512)
    head[0] = 0x00
    head[1] = 0x4B
    struct.pack_into("<b", head, 3, -128)
    struct.pack_into("<Iddi", head, 4, x.size, x[0], x[-1], 1)
    head[28] = 13  # Raman shift
    sub = bytearray(32)
    struct.pack_into("<b", sub, 1, -128)
    p = tmp_path / "s.spc"
    p.write_bytes(bytes(head) + bytes(sub) + y.tobytes())
    da = charz.read(p)
    np.testing.assert_allclose(da.values, y, rtol=1e-7)
    np.testing.assert_allclose(da["raman_shift"].values, x)


def test_opus_container(shared_data):
    # SOURCES.md: test.0000 is an FTIR OPUS file (blocks rf, igrf, a, sm, phsm, igsm), the
    # container Bruker FT-Raman also writes; it has no Raman block
    pytest.importorskip("brukeropus")
    path = shared_data / "raman/spectrochempy-data/test.0000"
    with pytest.raises(UnknownFormatError, match="rf, igrf, a, sm, phsm, igsm"):
        charz.read(path)
    da = charz.read(path, block="sm")
    assert da.attrs["reader"].endswith("read_opus")
    assert da.sizes["raman_shift"] == 2567
    assert np.all(np.diff(da["raman_shift"].values) > 0)


def test_binary_files_are_not_text(shared_data):
    from charz.io import HEAD_BYTES
    from raman.io.text import _sniff_two_column

    path = shared_data / "raman/spectrochempy-data/test.0000"
    assert not _sniff_two_column(path, path.read_bytes()[:HEAD_BYTES])


def test_wire_two_column_and_line_text(tmp_path):
    # WiRE "Save As .txt": single spectrum "#Wave #Intensity"; line map "#X #Wave #Intensity"
    x = np.linspace(2000, 800, 120)
    p = tmp_path / "single.txt"
    p.write_text("#Wave\t\t#Intensity\n" + "\n".join(
        f"{a:.4f}\t{b:.3f}" for a, b in zip(x, _bands(x), strict=True)))
    da = charz.read(p)
    assert da.attrs["reader"].endswith("read_two_column")
    np.testing.assert_allclose(da.values, _bands(x)[::-1], rtol=1e-4)  # 3 decimals written
    lines = ["#X\t#Wave\t#Intensity"]
    for xv in (0.0, 5.0, 10.0):
        lines += [f"{xv}\t{a:.4f}\t{b * (1 + xv / 10):.4f}"
                  for a, b in zip(x, _bands(x), strict=True)]
    p = tmp_path / "line.txt"
    p.write_text("\n".join(lines))
    da = charz.read(p)
    assert dict(da.sizes) == {"x": 3, "raman_shift": 120}
    np.testing.assert_allclose(da.sel(x=10.0).values, 2 * _bands(x)[::-1], rtol=1e-5)
