"""The reader toolkit of charz.io: compression, failure wrapping, numbers, dates, XML,
metadata resolution and the wrong-technique hint."""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import lzma
import shutil
from pathlib import Path

import numpy as np
import pytest

import charz
from charz import io as cio
from charz.demo import example_data_dir
from charz.errors import CorruptFileError, MissingMetadataError, UnknownFormatError

XRD_EXAMPLE = example_data_dir() / "xrd" / "HC-demo.xye"
RAMAN_EXAMPLE = example_data_dir() / "raman" / "HC-demo.txt"
XLS = Path(__file__).resolve().parents[1] / "data" / "sorption" / "adsorption-file-parser" \
    / "mic" / "Sample_D.xls"


# ------------------------------------------------------------------------- compression


@pytest.mark.parametrize("comp", [gzip, bz2, lzma])
def test_compressed_copies_read_like_the_original(tmp_path, comp):
    ext = {gzip: ".gz", bz2: ".bz2", lzma: ".xz"}[comp]
    raw = XRD_EXAMPLE.read_bytes()
    p = tmp_path / f"HC-demo.xye{ext}"
    p.write_bytes(comp.compress(raw))
    plain = charz.read(XRD_EXAMPLE)
    da = charz.read(p)
    np.testing.assert_array_equal(da.values, plain.values)
    np.testing.assert_array_equal(da["two_theta"].values, plain["two_theta"].values)
    assert da.attrs["source"] == p.name
    import hashlib

    assert da.attrs["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()  # as given
    assert da.attrs["reader"] == plain.attrs["reader"]


def test_damaged_and_truncated_gzip_are_corrupt_file_errors(tmp_path):
    g = bytearray(gzip.compress(RAMAN_EXAMPLE.read_bytes()))
    trunc = tmp_path / "trunc.txt.gz"
    trunc.write_bytes(bytes(g[: len(g) // 2]))
    with pytest.raises(CorruptFileError, match=r"trunc\.txt\.gz: the gz compression is damaged"):
        charz.read(trunc, technique="raman")
    g[len(g) // 2] ^= 0xFF
    flipped = tmp_path / "flipped.txt.gz"
    flipped.write_bytes(bytes(g))
    with pytest.raises(CorruptFileError, match=r"flipped\.txt\.gz"):
        charz.read(flipped, technique="raman")
    notgz = tmp_path / "plain.xye.gz"
    notgz.write_bytes(XRD_EXAMPLE.read_bytes())  # not compressed at all
    with pytest.raises(CorruptFileError, match=r"plain\.xye\.gz: the gz compression"):
        charz.read(notgz)
    with pytest.raises(CorruptFileError, match=r"trunc\.txt\.gz"):
        cio.read_bytes(trunc)


def test_truncated_xls_is_a_corrupt_file_error(tmp_path):
    pytest.importorskip("xlrd")
    raw = XLS.read_bytes()
    p = tmp_path / "cut.xls"
    p.write_bytes(raw[: len(raw) // 2])  # the OLE container says more sectors than it has
    with pytest.raises(CorruptFileError, match=r"cut\.xls: not a valid file for sorption"):
        charz.read(p, technique="sorption")


def test_reader_failure_wraps_library_errors_only():
    import struct
    import zipfile
    import zlib

    for exc in (struct.error("unpack requires a buffer"), zlib.error("bad"),
                zipfile.BadZipFile("x"), EOFError("x"), lzma.LZMAError("x"),
                OSError("Unable to open file (truncated file)")):
        err = cio.reader_failure(exc, Path("/x/f.raw"), "xrd.io.read_raw")
        assert isinstance(err, CorruptFileError)
        assert str(err).startswith("f.raw: not a valid file for xrd.io.read_raw")
    assert cio.reader_failure(RuntimeError("a bug"), "f.raw") is None
    assert cio.reader_failure(CorruptFileError("f.raw: known"), "f.raw") is None

    class XLRDError(Exception):
        pass

    XLRDError.__module__ = "xlrd.biffh"  # as xlrd defines it
    assert isinstance(cio.reader_failure(XLRDError("bad"), "a.xls"), CorruptFileError)


# ----------------------------------------------------------------- wrong-technique hint


def test_a_raman_file_given_to_xrd_names_the_raman_command(tmp_path):
    p = tmp_path / "HC.txt"
    shutil.copy(RAMAN_EXAMPLE, p)
    with pytest.raises(UnknownFormatError) as info:
        charz.read(p, technique="xrd")
    msg = str(info.value)
    assert msg.startswith("HC.txt looks like a Raman spectrum")
    assert "`charz raman HC.txt`" in msg
    assert msg.count(".") < 20  # no list of 60 suffixes
    with pytest.raises(UnknownFormatError, match=r"looks like an XRD pattern.*charz xrd"):
        charz.read(XRD_EXAMPLE, technique="raman")


def test_unrecognised_file_lists_a_short_suffix_set(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("nothing numeric here\n")
    with pytest.raises(UnknownFormatError, match=r"no xrd reader recognises") as info:
        charz.read(p, technique="xrd")
    assert len(str(info.value)) < 300


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "kwargs", "value"),
    [
        ("1.5", {}, 1.5),
        ("1,5", {"decimal": ","}, 1.5),
        ("1.234,5", {"decimal": ","}, 1234.5),
        ("1,234.5", {"lenient": True}, 1234.5),
        ("1.234,5 mAh/g", {"decimal": "auto", "lenient": True}, 1234.5),
        ("1 234,5", {"lenient": True}, 1234.5),
        ("1'234.5", {"lenient": True}, 1234.5),
        ("1,234,567", {"lenient": True}, 1234567.0),
        ("0,25", {"lenient": True}, 0.25),
        ("532nm", {"lenient": True}, 532.0),
        ("0.15406 nm", {"lenient": True}, 0.15406),
        ("−0.5 V", {"lenient": True}, -0.5),
        ('"2.5e-3"', {"lenient": True}, 2.5e-3),
        ("25 °C", {"lenient": True}, 25.0),
        ("12 34", {"lenient": True}, 12.0),
        ("-inf", {"lenient": True}, -np.inf),
    ],
)
def test_parse_number(text, kwargs, value):
    assert cio.parse_number(text, **kwargs) == value


@pytest.mark.parametrize("word", ["NaN", "n/a", "---", "#N/A", "null", ""])
def test_parse_number_nan_words(word):
    assert np.isnan(cio.parse_number(word, lenient=True))


def test_parse_number_strict_refuses_text_and_units():
    for bad in ("532nm", "n/a", "abc", "1,234.5"):
        with pytest.raises(ValueError, match="could not convert"):
            cio.parse_number(bad)
    with pytest.raises(ValueError, match="no number"):
        cio.parse_number("mass", lenient=True)
    assert cio.split_number_unit("12,5 mg") == (12.5, "mg")
    assert cio.split_number_unit("532nm") == (532.0, "nm")


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "kwargs", "expected", "zoned"),
    [
        ("2024-03-05T10:11:12+01:00", {}, dt.datetime(2024, 3, 5, 9, 11, 12), True),
        ("2024-03-05T10:11:12Z", {}, dt.datetime(2024, 3, 5, 10, 11, 12), True),
        ("2024-03-05T10:11:12.1234567+0100", {}, dt.datetime(2024, 3, 5, 9, 11, 12, 123456),
         True),
        ("2024-03-05 10:11:12", {}, dt.datetime(2024, 3, 5, 10, 11, 12), False),
        ("05.03.2024 10:11:12", {}, dt.datetime(2024, 3, 5, 10, 11, 12), False),
        ("03/05/24 10:11:12", {}, dt.datetime(2024, 3, 5, 10, 11, 12), False),
        ("03/05/2024 10:11:12", {"dayfirst": True}, dt.datetime(2024, 5, 3, 10, 11, 12),
         False),
        ("25/12/2024 10:11:12", {}, dt.datetime(2024, 12, 25, 10, 11, 12), False),
        ("05-Mar-2024 10:11:12", {}, dt.datetime(2024, 3, 5, 10, 11, 12), False),
        ("2024/03/05 10:11:12", {}, dt.datetime(2024, 3, 5, 10, 11, 12), False),
        ("03/05/2024 01:11:12 PM", {}, dt.datetime(2024, 3, 5, 13, 11, 12), False),
        ("2024-03-05 10:11:12", {"tz": "+02:00"}, dt.datetime(2024, 3, 5, 8, 11, 12), True),
        ("2024-07-05 10:11:12", {"tz": "Europe/Berlin"}, dt.datetime(2024, 7, 5, 8, 11, 12),
         True),
    ],
)
def test_parse_datetime(text, kwargs, expected, zoned):
    d = cio.parse_datetime(text, **kwargs)
    assert (d.tzinfo is not None) == zoned
    assert d.replace(tzinfo=None) == expected
    if zoned:
        assert d.utcoffset() == dt.timedelta(0)
    t64, flag = cio.datetime64_utc(text, **kwargs)
    assert flag == zoned
    assert t64 == np.datetime64(expected, "ns")


def test_dates_edge_cases():
    assert cio.iso_datetime("05.03.2024 10:11") == "2024-03-05T10:11:00"
    assert cio.iso_datetime("sometime in March") == "sometime in March"
    assert cio.iso_datetime("  ") is None
    t, flag = cio.datetime64_utc("garbage")
    assert np.isnat(t)
    assert not flag
    with pytest.raises(MissingMetadataError, match="no time zone"):
        cio.to_utc("2024-03-05 10:11:12")
    assert cio.to_utc("2024-03-05 10:11:12", tz="UTC") == np.datetime64("2024-03-05T10:11:12")
    with pytest.raises(MissingMetadataError, match="not understood"):
        cio.parse_datetime("2024-03-05 10:11", tz="Mars/Olympus")


# ------------------------------------------------------------------------------- XML


def test_xml_helpers_ignore_namespaces_and_refuse_entities():
    doc = (b'<?xml version="1.0"?><r xmlns="urn:a"><h><wl unit="A"> 1.5406 </wl></h>'
           b"<d><v>1 2 3</v></d></r>")
    root = cio.parse_xml(doc, name="x.xml")
    assert cio.local(root.tag) == "r"
    assert cio.findtext(root, "wl") == "1.5406"
    assert cio.find(root, "wl").get("unit") == "A"
    assert cio.child(root, "wl") is None
    assert cio.child(root, "h") is not None
    assert cio.findtext(root, "absent", "none") == "none"
    np.testing.assert_array_equal(cio.number_list(cio.findtext(root, "v")), [1, 2, 3])
    with pytest.raises(CorruptFileError, match=r"x\.xml: not well-formed XML"):
        cio.parse_xml(doc[:60], name="x.xml")
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><l>&a;&a;</l>'
    with pytest.raises(CorruptFileError, match="entities"):
        cio.parse_xml(bomb, name="b.xml")
    with pytest.raises(CorruptFileError, match="non-numeric"):
        cio.number_list("1 x 3", name="x.xml")


# -------------------------------------------------------------------------- metadata


def test_resolve_metadata_user_overrides_file_and_records_the_conflict():
    attrs: dict = {}
    assert cio.resolve_metadata(attrs, "wavelength", None, 0.15406) == 0.15406
    assert attrs == {"wavelength": 0.15406, "wavelength_source": "file"}
    assert cio.resolve_metadata(attrs, "wavelength", 0.17890, 0.15406, unit="nm") == 0.1789
    assert attrs["wavelength_source"] == "user"
    assert attrs["wavelength_file"] == 0.15406
    same: dict = {}
    cio.resolve_metadata(same, "laser_wavelength", 532.0, 532.0)
    assert same == {"laser_wavelength": 532.0, "laser_wavelength_source": "user"}
    none: dict = {"q_unit": "stale", "q_unit_source": "file"}
    assert cio.resolve_metadata(none, "q_unit", None, "") is None
    assert none == {}
    with pytest.raises(MissingMetadataError, match=r"f\.xy: wavelength=1\.54 .*0\.001 and 1 nm"):
        cio.resolve_metadata({}, "wavelength", 1.54, None, unit="nm", valid=(0.001, 1.0),
                             name="f.xy")
    assert cio.metadata_sources({"wavelength": 1, "wavelength_source": "user",
                                 "background_source": "x.xy"}) == {"wavelength": "user"}


def test_readers_record_sources_the_same_way(tmp_path):
    xrd = charz.read(XRD_EXAMPLE, wavelength=0.17890)
    assert xrd.attrs["wavelength_source"] == "user"
    assert xrd.attrs["wavelength_file"] == pytest.approx(0.1540593)
    raman = charz.read(RAMAN_EXAMPLE, technique="raman", laser=633.0)
    assert raman.attrs["laser_wavelength_source"] == "user"
    saxs = charz.read(example_data_dir() / "saxs" / "HC-demo.dat")
    assert saxs.attrs["q_unit_source"] == "file"


def test_an_assert_inside_a_library_is_a_reading_failure():
    import xml.dom.minidom as library_module  # any module of a listed library

    ns: dict = {"__name__": library_module.__name__}
    exec("def check(b):\n    assert b[:2] == b'OK'\n", ns)
    with pytest.raises(AssertionError) as info:
        ns["check"](b"no")
    err = cio.reader_failure(info.value, "a.xls", "sorption.io.read_workbook")
    assert isinstance(err, CorruptFileError)
    with pytest.raises(AssertionError) as mine:
        assert b"no"[:2] == b"OK"  # raised in charz's own (test) code: a bug, not wrapped
    assert cio.reader_failure(mine.value, "a.xls") is None


def test_an_option_the_reader_does_not_take_is_an_option_error():
    from charz.errors import OptionError

    with pytest.raises(OptionError, match=r"HC-demo\.xye: xrd\.io\.read_xy \(xrd\) does not "
                                          r"take 'laser'; it takes wavelength"):
        charz.read(XRD_EXAMPLE, laser=532.0)


def test_reader_names_are_the_package_paths_that_re_export_them():
    import xrd.io

    names = {r.name for r in cio.readers("xrd")}
    assert "xrd.io.read_raw" in names  # defined in xrd.io.bruker
    assert xrd.io.read_raw.__module__ == "xrd.io.bruker"
    for name in names:
        module, func = name.rsplit(".", 1)
        assert getattr(__import__(module, fromlist=[func]), func)  # importable as recorded


def test_to_float_and_zip_helpers(tmp_path):
    import zipfile

    assert cio.to_float(' "1.5406" ') == 1.5406
    assert cio.to_float("0.15406 nm") == 0.15406
    assert cio.to_float("n/a") is None
    assert cio.to_float(None, 0.0) == 0.0
    p = tmp_path / "c.rasx"
    with zipfile.ZipFile(p, "w") as zf:
        for n in ("Data10/Profile10.txt", "Data2/Profile2.txt", "Data2/Other.xml"):
            zf.writestr(n, "x")
    with cio.open_zip(p, "RASX") as zf:
        assert cio.zip_members(zf, r"Profile\d*\.txt$", p, "profiles") == [
            "Data2/Profile2.txt", "Data10/Profile10.txt"]
        with pytest.raises(CorruptFileError, match=r"c\.rasx: no RawData inside"):
            cio.zip_members(zf, r"RawData", p, "RawData")
    bad = tmp_path / "bad.brml"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(CorruptFileError, match=r"bad\.brml: not a zip container \(BRML is a zip\)"):
        cio.open_zip(bad, "BRML")
