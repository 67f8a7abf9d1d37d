"""XRD readers: every real file loads with the right axis, units and wavelength.

Expected numbers come from each file's own header (read by eye from the XML/text or a hex
dump) and from the upstream expected-output JSON that ships with fairmat-readers-xrd 0.0.10
(array shapes); the cross-format pairs (Bruker RAW v3 vs its UXD conversion, PANalytical
XRDML vs CSV vs XY of the same scan) must agree point by point.
"""

from __future__ import annotations

import bz2
import shutil
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import charz
from charz.errors import CorruptFileError, DataCleaningWarning, MissingMetadataError

XRD = "xrd"

# name -> (points, 2θ first, 2θ last, λ nm, Kα2 ratio (None = not stated), start_time)
PERMISSIVE = {
    # RAW4.00 source record: Kα1 = Kα(avg) = 1.5406 Å, Kα2 0, ratio 0 (hex dump)
    "TwoTheta_scan_scrambled.raw": (7134, 10.0, 85.0405, 0.15406, 0.0, "2025-04-07T20:48:56"),
    "XRD-918-16_10.xrdml": (5027, 4.0066, 69.9987, 0.15405980, 0.5,
                            "2021-03-16T13:10:14+03:00"),
    "m54313_om2th_10.xrdml": (1800, 26.025, 79.995, 0.15405980, 0.5,
                              "2022-09-26T17:05:54+02:00"),
    "TwoTheta_scan_powder.rasx": (2726, 10.0, 119.0, 0.1540593, None, "2021-05-05T10:35:31Z"),
    # BANK 1 6001 601 CONST 1000 2.5: 10.00° + 6000 × 0.025° = 160.00°; λ from the PRM ICONS
    "PBSO4.XRA": (6001, 10.0, 160.0, 0.15405, 0.5, None),
    "Sample_Repeated Measurement.rasx": (121, 127.4, 128.0, 0.1540593, None,
                                         "2025-01-05T07:22:57Z"),
}


def _check_axis(da):
    assert da.name == "intensity"
    assert da["two_theta"].attrs["units"] == "deg"
    assert "units" in da.attrs
    assert isinstance(da.attrs["wavelength"], float)


@pytest.mark.parametrize("name", sorted(PERMISSIVE))
def test_permissive_files(test_data: Path, name: str) -> None:
    n, x0, x1, wl, ratio, start = PERMISSIVE[name]
    da = charz.read(test_data / "xrd" / name, technique=XRD)
    _check_axis(da)
    assert da.dims == ("two_theta",)
    assert da.sizes["two_theta"] == n
    assert_allclose(da["two_theta"].values[[0, -1]], [x0, x1], atol=2e-3)
    assert_allclose(da.attrs["wavelength"], wl, rtol=1e-6)
    assert da.attrs.get("ka2_ratio") == ratio
    assert da.attrs.get("start_time") == start
    assert np.all(np.isfinite(da.values))


def test_rasx_with_bom_first_point(test_data: Path) -> None:
    # Data0/Profile0.txt starts with EF BB BF then "127.4000\t704\t1"
    da = charz.read(test_data / "xrd" / "Sample_Repeated Measurement.rasx")
    assert da.values[0] == 704.0


def test_xrdml_counts_times_attenuation(test_data: Path) -> None:
    import re

    text = (test_data / "xrd" / "m54313_om2th_10.xrdml").read_text()
    counts = np.array(re.search(r"<counts[^>]*>([^<]*)<", text).group(1).split(), float)
    att = np.array(
        re.search(r"<beamAttenuationFactors>([^<]*)<", text).group(1).split(), float)
    da = charz.read(test_data / "xrd" / "m54313_om2th_10.xrdml")
    assert_allclose(da.values, counts * att)
    assert da.attrs["counting_time_s"] == 0.5


def test_gsas_needs_prm_or_user(test_data: Path, tmp_path: Path) -> None:
    shutil.copy(test_data / "xrd" / "PBSO4.XRA", tmp_path / "PBSO4.XRA")
    with pytest.raises(MissingMetadataError, match="no X-ray wavelength"):
        charz.read(tmp_path / "PBSO4.XRA")
    da = charz.read(tmp_path / "PBSO4.XRA", wavelength=0.1541)
    assert da.attrs["wavelength"] == 0.1541
    assert da.attrs["wavelength_source"] == "user"
    # first STD record: 179 147 165 ...
    assert_allclose(da.values[:3], [179, 147, 165])


def test_gsas_gz_finds_its_companion_prm(test_data: Path, tmp_path: Path) -> None:
    # the registry reads a decompressed copy in a temporary folder; the .prm lies beside
    # the .gz original and must still give λ (same values as the uncompressed file)
    import gzip

    shutil.copy(test_data / "xrd" / "PBSO4.XRA", tmp_path / "PBSO4.XRA")
    shutil.copy(test_data / "xrd" / "INST_XRY.PRM", tmp_path / "INST_XRY.PRM")
    plain = charz.read(tmp_path / "PBSO4.XRA")
    gz_dir = tmp_path / "gz"
    gz_dir.mkdir()
    shutil.copy(test_data / "xrd" / "INST_XRY.PRM", gz_dir / "INST_XRY.PRM")
    (gz_dir / "PBSO4.XRA.gz").write_bytes(
        gzip.compress((test_data / "xrd" / "PBSO4.XRA").read_bytes()))
    packed = charz.read(gz_dir / "PBSO4.XRA.gz")
    assert packed.attrs["wavelength_source"] == "file"
    assert packed.attrs["instprm"] == "INST_XRY.PRM"
    assert packed.attrs["wavelength"] == plain.attrs["wavelength"]
    assert packed.attrs["source"] == "PBSO4.XRA.gz"
    assert_allclose(packed.values, plain.values)


# ----------------------------------------------------------------- shared (GPL/unlicensed)


def test_bruker_raw_v3_equals_uxd(shared_data: Path) -> None:
    raw = charz.read(shared_data / "xrd/xylib-samples/BT86.raw")
    uxd = charz.read(shared_data / "xrd/xylib-samples/BT86_.UXD")
    assert raw.sizes["two_theta"] == uxd.sizes["two_theta"] == 2374
    # UXD prints 2θ with 4 significant digits (3.016, 39.97)
    assert_allclose(raw["two_theta"], uxd["two_theta"], atol=6e-3)
    assert_allclose(raw.values, uxd.values)
    for da in (raw, uxd):
        assert_allclose(da.attrs["wavelength"], 0.15406)
        assert_allclose(da.attrs["wavelength_ka2"], 0.154439)
        assert da.attrs["ka2_ratio"] == 0.5
        assert da.attrs["anode"] == "Cu"
    assert raw.attrs["start_time"] == "2010-03-04T20:59:14"  # "03/04/10" "20:59:14"


def test_panalytical_three_formats_agree(shared_data: Path) -> None:
    d = shared_data / "xrd/yadg-panalytical"
    xrdml = charz.read(d / "210520step1_30min.xrdml")
    csv = charz.read(d / "210520step1_30min.csv", technique=XRD)
    with pytest.raises(MissingMetadataError, match="wavelength"):
        charz.read(d / "210520step1_30min.xy")
    xy = charz.read(d / "210520step1_30min.xy", wavelength=0.15405980)
    for da in (xrdml, csv, xy):
        assert da.sizes["two_theta"] == 4489
        assert_allclose(da["two_theta"], xrdml["two_theta"], atol=1e-6)
        assert_allclose(da.values, xrdml.values)
        assert_allclose(da.attrs["wavelength"], 0.15405980)
    # ratioKAlpha2KAlpha1 0.0000 in the XRDML and "Ratio K-Alpha2/K-Alpha1,0.000" in the CSV
    assert xrdml.attrs["ka2_ratio"] == 0.0
    assert csv.attrs["ka2_ratio"] == 0.0
    assert xrdml.attrs["start_time"] == "2021-05-20T15:55:51+02:00"


def test_xrdml_401_scans(shared_data: Path) -> None:
    da = charz.read(shared_data / "xrd/xrayutilities-examples/rsm_1.xrdml.bz2")
    assert da.dims == ("scan", "two_theta")
    assert da.sizes["scan"] == 401
    assert str(da["start_time"].values[0]) == "2012-06-15T20:41:25+02:00"
    # scan 2 starts 8 s after scan 1 (20:41:33), both ~3-4 s long: mid-times 8 s apart
    assert 6 < float(da["time"][1]) < 10
    assert np.all(np.diff(da["time"].values) > 0)
    assert "omega" in da.coords
    assert da["omega"].values[0] == pytest.approx(33.0546)
    assert_allclose(da.attrs["wavelength"], 0.1540598)


def test_ras_two_scans(shared_data: Path) -> None:
    da = charz.read(shared_data / "xrd/xrayutilities-examples/inas_layer_radial_002_004.ras.bz2")
    assert da.sizes["scan"] == 2
    n_valid = np.isfinite(da["two_theta"].values).sum(axis=1)
    assert list(n_valid) == [1501, 2501] or n_valid[0] == 1501
    assert_allclose(da["two_theta"].values[0, 0], 26.5)
    assert_allclose(da["two_theta"].values[1, 0], 56.0)
    assert_allclose(da.attrs["wavelength"], 0.1540593)
    assert da.attrs["start_time"] == "2015-12-05T22:01:01"


def test_brml(shared_data: Path) -> None:
    da = charz.read(shared_data / "xrd/fairmat-readers-xrd/23-012-AG_2thomegascan_long.brml")
    assert da.sizes["two_theta"] == 2001
    assert_allclose(da["two_theta"].values[[0, -1]], [44.0, 48.0])
    assert_allclose(da.attrs["wavelength"], 0.15406)
    assert da.attrs["ka2_ratio"] == 0.5
    # <Statistics Maximum="495559.8"> of the recorded view
    assert_allclose(float(da.max()), 495559.8)


def test_dioptas_xy_wavelength_in_metres(shared_data: Path) -> None:
    da = charz.read(shared_data / "xrd/dioptas-patterns/pattern_001.xy")
    assert_allclose(da.attrs["wavelength"], 0.0320179398976)  # 3.20179398976e-11 m
    series = sorted((shared_data / "xrd/dioptas-patterns").glob("Fe3O4C_*.xy"))
    assert len(series) == 9
    for p in series:
        assert_allclose(charz.read(p).attrs["wavelength"], 0.03344)


def test_chi_truncated_upstream_warns(shared_data: Path) -> None:
    with pytest.warns(DataCleaningWarning, match="announces 1455 points"):
        da = charz.read(shared_data / "xrd/dioptas-patterns/pattern_001.chi", wavelength=0.0320)
    assert_allclose(da["two_theta"].values[0], 1.0486433e-02)


def test_xye_bz2_with_sigma(shared_data: Path) -> None:
    p = shared_data / "xrd/xrayutilities-examples/LaB6_d500_si_psd.xye.bz2"
    with pytest.raises(MissingMetadataError):
        charz.read(p)
    da = charz.read(p, wavelength=0.15406)
    assert da.sizes["two_theta"] == 17381
    assert_allclose(da["sigma"].values[0], 548.589)


@pytest.mark.parametrize(
    "rel",
    [
        "xylib-samples/empyrean.xrdml",
        "fairmat-readers-xrd/10_m84325_C_XRR_fast_processed.xrdml",
        "fairmat-readers-xrd/ZnO-ALD-training_001_1_0-000_0-000.rasx",
        "fairmat-readers-xrd/Omega-2Theta_scan_high_temperature.rasx",
    ],
)
def test_other_shared_files(shared_data: Path, rel: str) -> None:
    expected = {  # points from the upstream JSON / header
        "empyrean.xrdml": 196,
        "10_m84325_C_XRR_fast_processed.xrdml": 399,
        "ZnO-ALD-training_001_1_0-000_0-000.rasx": 7001,
        "Omega-2Theta_scan_high_temperature.rasx": 1042,
    }
    da = charz.read(shared_data / "xrd" / rel)
    _check_axis(da)
    assert da.sizes["two_theta"] == expected[Path(rel).name]
    assert 0.1540 < da.attrs["wavelength"] < 0.1541


# ----------------------------------------------------------------- headers and errors


def test_charz_example_header(tmp_path: Path) -> None:
    p = tmp_path / "demo.xye"
    p.write_text(
        "# wavelength_ka1_nm: 0.1540593\n# wavelength_ka2_nm: 0.1544414\n"
        "# ka2_ka1_ratio: 0.5\n# anode: Cu\n# start_time: 2025-03-01T10:00:00+00:00\n"
        "10.0 100 10\n10.02 101 10\n10.04 99 10\n"
    )
    da = charz.read(p)
    assert da.attrs["wavelength"] == 0.1540593
    assert da.attrs["wavelength_ka2"] == 0.1544414
    assert da.attrs["ka2_ratio"] == 0.5
    assert da.attrs["start_time"] == "2025-03-01T10:00:00+00:00"


def test_anode_only_gives_ka1(tmp_path: Path) -> None:
    p = tmp_path / "a.xy"
    p.write_text("# anode: Cu\n10 1\n11 2\n12 3\n")
    da = charz.read(p)
    assert da.attrs["wavelength"] == 0.1540593
    assert da.attrs["wavelength_source"] == "anode"


def test_truncated_xrdml(test_data: Path, tmp_path: Path) -> None:
    raw = (test_data / "xrd" / "XRD-918-16_10.xrdml").read_bytes()
    p = tmp_path / "cut.xrdml"
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CorruptFileError, match=r"cut\.xrdml"):
        charz.read(p)
    # garbled: a non-number among the intensities
    text = raw.decode()
    i = text.index("<intensities")
    j = text.index("</intensities>")
    p.write_text(text[:i] + '<intensities unit="counts">1 2 x3 4' + text[j:])
    with pytest.raises(CorruptFileError, match="non-numeric"):
        charz.read(p)


@pytest.mark.parametrize("cut", [40, 700, 1000, 30000])
def test_truncated_raw_v4(test_data: Path, tmp_path: Path, cut: int) -> None:
    raw = (test_data / "xrd" / "TwoTheta_scan_scrambled.raw").read_bytes()
    p = tmp_path / "cut.raw"
    p.write_bytes(raw[:cut])
    with pytest.raises(CorruptFileError, match=r"cut\.raw"):
        charz.read(p)


def test_truncated_and_garbled_raw_v3(shared_data: Path, tmp_path: Path) -> None:
    raw = (shared_data / "xrd/xylib-samples/BT86.raw").read_bytes()
    p = tmp_path / "v3.raw"
    for data in (raw[:500], raw[:900], raw[: len(raw) - 100],
                 raw[:712] + b"\xff" * 304 + raw[1016:],
                 b"NOTRAW" + raw[6:]):
        p.write_bytes(data)
        with pytest.raises(CorruptFileError, match=r"v3\.raw"):
            charz.read(p)


def test_bz2_xrdml_roundtrip(test_data: Path, tmp_path: Path) -> None:
    src = test_data / "xrd" / "XRD-918-16_10.xrdml"
    p = tmp_path / "x.xrdml.bz2"
    p.write_bytes(bz2.compress(src.read_bytes()))
    a = charz.read(src)
    b = charz.read(p)
    assert_allclose(a.values, b.values)


# ----------------------------------------------------------------- layouts without real files
# No real RAW v1/v2, GSAS ESD/FXYE or UXD _COUNTS file was available: these files are written
# here from the published layouts (FIELD-NOTES §5.1) and must read back exactly.


def _v1(ranges) -> bytes:
    import struct

    out = b""
    for i, (start, step, y) in enumerate(ranges):
        hdr = struct.pack("<IffI4xffff", len(y), 1.5, step, 0, start, start / 2, 0.0, 0.0)
        hdr += b"SAMPLE1".ljust(32, b"\0") + struct.pack("<ff", 1.5406, 1.54439)
        hdr += b"\0" * 72 + struct.pack("<I", 1 if i < len(ranges) - 1 else 0)
        out += b"RAW " + hdr + np.asarray(y, "<f4").tobytes()
    return out


def _v2(ranges) -> bytes:
    import struct

    head = b"RAW2" + struct.pack("<H", len(ranges)) + b"\0" * 162
    head += b"01/02/03 04:05:06".ljust(20, b"\0") + b"Cu" + struct.pack("<fff", 1.5406,
                                                                          1.54439, 0.5)
    head = head.ljust(256, b"\0")
    for start, step, y in ranges:
        blk = struct.pack("<HH4xfff", 48, len(y), 2.0, step, start).ljust(48, b"\0")
        head += blk + np.asarray(y, "<f4").tobytes()
    return head


@pytest.mark.parametrize("writer", [_v1, _v2])
def test_raw_v1_v2_from_layout(tmp_path: Path, writer) -> None:
    y1, y2 = np.arange(50.0), np.arange(60.0) * 2
    p = tmp_path / "x.raw"
    p.write_bytes(writer([(10.0, 0.02, y1), (30.0, 0.05, y2)]))
    da = charz.read(p)
    assert da.sizes["scan"] == 2
    assert_allclose(da["two_theta"].values[0, :50], 10.0 + 0.02 * np.arange(50), atol=1e-5)
    assert_allclose(da.values[1, :60], y2)
    assert_allclose(da.attrs["wavelength"], 0.15406, rtol=1e-6)
    p.write_bytes(writer([(10.0, 0.02, y1)])[:-20])
    with pytest.raises(CorruptFileError, match="truncated"):
        charz.read(p)


def test_gsas_esd_and_fxye(tmp_path: Path) -> None:
    y = np.array([100.0, 120.0, 90.0, 80.0, 110.0, 105.0, 99.0])
    s = np.sqrt(y)
    esd = "".join(f"{a:8.1f}{b:8.2f}" for a, b in zip(y, s, strict=True))
    lines = [esd[i : i + 80] for i in range(0, len(esd), 80)]
    p = tmp_path / "a.gsa"
    p.write_text("title\nBANK 1 7 2 CONST 1000.0 2.0 0 0 ESD\n" + "\n".join(lines) + "\n")
    da = charz.read(p, wavelength=0.15406)
    assert_allclose(da.values, y)
    assert_allclose(da["sigma"].values, s, atol=0.005)
    assert_allclose(da["two_theta"].values, 10.0 + 0.02 * np.arange(7))
    p2 = tmp_path / "b.fxye"
    body = "\n".join(f"{1000 + 2 * i:.2f} {v:.1f} {e:.3f}" for i, (v, e) in
                     enumerate(zip(y, s, strict=True)))
    p2.write_text(f"title\nBANK 1 7 7 CONS 1000.0 2.0 0 0 FXYE\n{body}\n")
    db = charz.read(p2, wavelength=0.15406)
    assert_allclose(db.values, y)
    assert_allclose(db["two_theta"].values, 10.0 + 0.02 * np.arange(7))


def test_uxd_counts_blocks(tmp_path: Path) -> None:
    p = tmp_path / "c.uxd"
    p.write_text(
        "_WL1=1.540600\n_WLRATIO=0.000000\n; range 1\n_START=10.0\n_STEPSIZE=0.5\n"
        "_COUNTS\n 1 2 3 4\n 5 6\n; range 2\n_START=20.0\n_STEPSIZE=0.5\n_COUNTS\n7 8 9\n"
    )
    da = charz.read(p)
    assert da.sizes["scan"] == 2
    assert_allclose(da.values[0, :6], [1, 2, 3, 4, 5, 6])
    assert_allclose(da["two_theta"].values[1, :3], [20.0, 20.5, 21.0])
    assert da.attrs["ka2_ratio"] == 0.0


@pytest.mark.parametrize(
    "name",
    ["XRD-918-16_10.xrdml", "m54313_om2th_10.xrdml", "10_m84325_C_XRR_fast_processed.xrdml",
     "TwoTheta_scan_scrambled.raw", "23-012-AG_2thomegascan_long.brml",
     "TwoTheta_scan_powder.rasx", "ZnO-ALD-training_001_1_0-000_0-000.rasx"],
)
def test_against_fairmat_reader(shared_data: Path, name: str) -> None:
    # peer tool: fairmat-readers-xrd 0.0.10 (Apache-2.0), read_file(); identical x and y
    fairmat = pytest.importorskip("fairmat_readers_xrd")
    import warnings

    p = shared_data / "xrd/fairmat-readers-xrd" / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its own parser warnings
        ref = fairmat.read_file(str(p))
    y = np.asarray(getattr(ref["intensity"], "magnitude", ref["intensity"]), float).ravel()
    x = np.asarray(getattr(ref["2Theta"], "magnitude", ref["2Theta"]), float).ravel()
    da = charz.read(p)
    assert_allclose(da["two_theta"].values, np.sort(x), atol=1e-9)
    assert_allclose(da.values, y[np.argsort(x, kind="stable")])
