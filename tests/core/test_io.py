import struct
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import charz
from charz import io as cio
from charz.errors import (
    AmbiguousFormatError,
    CorruptFileError,
    MissingDependencyError,
    ReadError,
    UnknownFormatError,
)


@pytest.fixture
def fake_readers():
    """Register test-only readers for made-up suffixes; remove them afterwards."""
    cio.load_plugins()  # else the restore below would drop the techniques' readers
    before = list(cio._REGISTRY)

    @cio.register_reader(".zzb", technique="xrd")
    def read_zzb(path: Path) -> xr.DataArray:
        raw = path.read_bytes()
        if raw[:4] != b"ZZB1":
            raise CorruptFileError(f"{path.name}: not a ZZB file (magic {raw[:4]!r})")
        (n,) = struct.unpack_from("<I", raw, 4)
        y = np.array(struct.unpack_from(f"<{n}f", raw, 8))  # struct.error when truncated
        return xr.DataArray(y, dims="two_theta",
                            coords={"two_theta": ("two_theta", np.arange(n), {"units": "deg"})})

    def sniff_a(path, head):
        return head.startswith(b"#A")

    @cio.register_reader(".zzt", technique="xrd", sniff=sniff_a)
    def read_a(path):
        return xr.DataArray([1.0], dims="two_theta")

    @cio.register_reader(".zzt", technique="raman", sniff=lambda p, h: h.startswith(b"#R"))
    def read_r(path):
        return xr.DataArray([2.0], dims="raman_shift")

    @cio.register_reader(".zzt", technique="saxs", sniff=lambda p, h: h.startswith(b"#"))
    def read_s(path):
        return xr.DataArray([3.0], dims="q")

    @cio.register_reader(".zzx", technique="xrd", requires="charz_no_such_module", extra="zz")
    def read_x(path):
        raise AssertionError("never called")

    yield
    cio._REGISTRY[:] = before


def _zzb(path, values):
    path.write_bytes(b"ZZB1" + struct.pack("<I", len(values)) + struct.pack(f"<{len(values)}f",
                                                                            *values))
    return path


def test_read_dispatches_and_sets_provenance(tmp_path, fake_readers):
    p = _zzb(tmp_path / "scan.ZZB", [1.0, 2.0, 3.0])   # suffix case is ignored
    da = charz.read(p)
    np.testing.assert_allclose(da.values, [1, 2, 3])
    assert da.attrs["source"] == "scan.ZZB"
    assert da.attrs["reader"].endswith("read_zzb")
    import hashlib

    assert da.attrs["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()


def test_truncated_file_is_a_corrupt_file_error_naming_the_file(tmp_path, fake_readers):
    p = _zzb(tmp_path / "scan.zzb", [1.0, 2.0, 3.0])
    p.write_bytes(p.read_bytes()[:-5])                    # cut inside the data block
    with pytest.raises(CorruptFileError, match=r"scan\.zzb: not a valid file .*struct\.error"):
        charz.read(p)
    with pytest.raises(ValueError, match="truncated"):     # also a ValueError for callers
        charz.read(p)


def test_unknown_empty_and_missing(tmp_path, fake_readers):
    p = tmp_path / "notes.qqq"
    p.write_text("hello")
    with pytest.raises(UnknownFormatError, match=r"notes\.qqq: no reader recognises"):
        charz.read(p)
    e = tmp_path / "empty.zzb"
    e.write_bytes(b"")
    with pytest.raises(CorruptFileError, match=r"empty\.zzb: the file is empty"):
        charz.read(e)
    with pytest.raises(ReadError, match="no such file"):
        charz.read(tmp_path / "absent.zzb")
    with pytest.raises(ReadError, match="is a folder"):
        charz.read(tmp_path)
    with pytest.raises(ReadError, match="technique 'nmr' is not one of"):
        charz.read(p, technique="nmr")


def test_sniffing_and_ambiguity(tmp_path, fake_readers):
    a = tmp_path / "a.zzt"
    a.write_text("#A data\n")
    # two sniffers say yes (xrd '#A' and saxs '#'): ambiguous unless technique is given
    with pytest.raises(AmbiguousFormatError, match="several readers fit"):
        charz.read(a)
    assert charz.read(a, technique="xrd").item() == 1.0
    r = tmp_path / "r.zzt"
    r.write_text("#R data\n")
    assert charz.read(r, technique="raman").item() == 2.0
    # content sniffing of an unknown suffix
    u = tmp_path / "r.unknownsuffix"
    u.write_text("#R data\n")
    assert charz.read(u, technique="raman").item() == 2.0


def test_missing_optional_dependency_names_the_extra(tmp_path, fake_readers):
    p = tmp_path / "x.zzx"
    p.write_text("x")
    with pytest.raises(MissingDependencyError, match=r"charz-carbon\[zz\]"):
        charz.read(p)


@pytest.mark.parametrize(
    ("text", "decimal", "delim", "first"),
    [
        ("# wavelength: 0.154\n# 2theta counts\n10.0 5\n10.02 6\n", ".", None, [10.0, 5.0]),
        ("\ufeffAngle;Intensity\n10,5;1.589,5\n10,6;7\n", ",", ";", [10.5, 1589.5]),
        ("#Laser (nm)=\t532.1\n1000.5\t20\n1001.5\t21\n", ".", None, [1000.5, 20.0]),
        ("q,I,sigma\n0.1,5e2,1\n0.2,4e2,1\nend of data\n", ".", ",", [0.1, 500.0, 1.0]),
    ],
)
def test_read_text_table_layouts(tmp_path, text, decimal, delim, first):
    p = tmp_path / "t.txt"
    p.write_bytes(text.encode("cp1252" if "\ufeff" not in text else "utf-8"))
    t = cio.read_text_table(p)
    assert t.decimal == decimal
    assert t.delimiter == delim
    np.testing.assert_allclose(t.data[0], first)
    assert t.data.shape[0] == 2


def test_read_text_table_header_and_errors(tmp_path):
    p = tmp_path / "h.xy"
    p.write_text("# wavelength: 0.15406\n#Laser (nm)=\t532\n1 2\n3 4\n")
    t = cio.read_text_table(p)
    assert t.header["wavelength"] == "0.15406"
    assert t.header["Laser (nm)"] == "532"
    bad = tmp_path / "bad.xy"
    bad.write_text("just words\nno numbers\n")
    with pytest.raises(CorruptFileError, match=r"bad\.xy: no numeric table"):
        cio.read_text_table(bad)


def test_decode_text_falls_back_to_cp1252():
    assert cio.decode_text("µm °C".encode("cp1252")) == "µm °C"
    assert cio.decode_text("\ufeffabc".encode()) == "abc"
