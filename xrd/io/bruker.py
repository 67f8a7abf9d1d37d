"""Bruker/Siemens: binary ``.raw`` (v1–v4), DIFFRAC.SUITE ``.brml`` and text ``.uxd``."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import (
    decode_text,
    find,
    iso_datetime,
    local,
    open_zip,
    parse_xml,
    read_bytes,
    register_reader,
    to_float,
    zip_member,
    zip_members,
)
from xrd.io._common import _finish, _kalpha

__all__ = ["read_brml", "read_raw", "read_uxd"]


def _bruker_datetime(date: str, time: str = "") -> str | None:
    """``MM/DD/YY[YY] HH:MM:SS`` (local time, no zone) → ISO string."""
    return iso_datetime(f"{date} {time}".strip())


def _cstr(b: bytes) -> str:
    return b.split(b"\x00", 1)[0].decode("latin-1").strip()


def _raw_v3(path: Path, b: bytes) -> tuple[list, dict[str, Any]]:
    """DIFFRAC^plus RAW1.01: 712-byte file header, 304-byte range headers, float32 data."""
    if len(b) < 712:
        raise CorruptFileError(f"{path.name}: {len(b)} bytes, shorter than the 712-byte "
                               "RAW1.01 file header (truncated)")
    (nranges,) = struct.unpack_from("<I", b, 12)
    attrs: dict[str, Any] = {"format_version": "RAW1.01 (v3)"}
    attrs["start_time"] = _bruker_datetime(_cstr(b[16:26]), _cstr(b[26:36]))
    attrs["sample"] = _cstr(b[326:386]) or None
    attrs["anode"] = _cstr(b[608:612]) or None
    _avg, ka1, ka2, _kbeta, ratio = struct.unpack_from("<5d", b, 616)
    _kalpha(attrs, ka1, ka2, ratio)
    if nranges < 1 or nranges > 10000:
        raise CorruptFileError(f"{path.name}: implausible range count {nranges}")
    pos = 712
    scans = []
    for _ in range(nranges):
        if pos + 304 > len(b):
            raise CorruptFileError(f"{path.name}: range header past the end of the file "
                                   "(truncated)")
        hlen, steps = struct.unpack_from("<II", b, pos)
        if hlen != 304:
            raise CorruptFileError(f"{path.name}: range header length {hlen}, expected 304")
        (start_2theta,) = struct.unpack_from("<d", b, pos + 16)
        (step,) = struct.unpack_from("<d", b, pos + 176)
        (step_time,) = struct.unpack_from("<f", b, pos + 192)
        (supp,) = struct.unpack_from("<I", b, pos + 256)
        data_at = pos + hlen + supp
        end = data_at + 4 * steps
        if end > len(b):
            raise CorruptFileError(
                f"{path.name}: range of {steps} steps needs {end} bytes, file has {len(b)} "
                "(truncated)")
        y = np.frombuffer(b, dtype="<f4", count=steps, offset=data_at).astype(float)
        x = start_2theta + step * np.arange(steps)
        scans.append((x, y, {"counting_time_s": float(step_time)}))
        pos = end
    if scans:
        scans[0][2]["start_time"] = attrs["start_time"]
    return scans, attrs


def _raw_v1(path: Path, b: bytes) -> tuple[list, dict[str, Any]]:
    """DIFFRAC-AT v1 (``RAW ``): per range a 152-byte header then float32 counts.

    Header (after the 4-byte magic, which later ranges may repeat): u32 steps, f32 time per
    step, f32 step, u32 scan mode, 4 unused, f32 start 2θ, f32 θ, χ, φ starts, 32-byte
    sample name, f32 Kα1, f32 Kα2 (Å), 72 unused, u32 "another range follows".
    """
    attrs: dict[str, Any] = {"format_version": "RAW (v1)"}
    pos = 4
    scans = []
    follow = 1
    while follow:
        if pos + 4 <= len(b) and b[pos : pos + 4] == b"RAW " and scans:
            pos += 4
        if pos + 112 > len(b):
            raise CorruptFileError(f"{path.name}: range header past the end (truncated)")
        steps, step_time, step, _mode = struct.unpack_from("<IffI", b, pos)
        (start,) = struct.unpack_from("<f", b, pos + 20)
        ka1, ka2 = struct.unpack_from("<ff", b, pos + 68)
        (follow,) = struct.unpack_from("<I", b, pos + 148)
        if not scans:
            attrs["sample"] = _cstr(b[pos + 36 : pos + 68]) or None
            _kalpha(attrs, ka1, ka2)
        data_at = pos + 152
        end = data_at + 4 * steps
        if steps == 0 or end > len(b):
            raise CorruptFileError(f"{path.name}: range of {steps} steps needs {end} bytes, "
                                   f"file has {len(b)} (truncated)")
        y = np.frombuffer(b, dtype="<f4", count=steps, offset=data_at).astype(float)
        scans.append((start + step * np.arange(steps), y, {"counting_time_s": step_time}))
        pos = end
        if len(scans) > 10000:
            raise CorruptFileError(f"{path.name}: implausible number of ranges")
    return scans, attrs


def _raw_v2(path: Path, b: bytes) -> tuple[list, dict[str, Any]]:
    """DIFFRAC-AT v2 (``RAW2``): 256-byte file header, per range u16 header length, u16
    steps, f32 time per step, f32 step, f32 start 2θ (at +8, +12, +16), float32 counts
    after the header. File header: u16 range count at 4, date-time (20 bytes) at 168,
    anode (2) at 188, f32 Kα1, Kα2 (Å) and Kα2/Kα1 ratio at 190, 194, 198.
    """
    if len(b) < 256:
        raise CorruptFileError(f"{path.name}: shorter than the 256-byte RAW2 header")
    (nranges,) = struct.unpack_from("<H", b, 4)
    ka1, ka2, ratio = struct.unpack_from("<fff", b, 190)
    attrs: dict[str, Any] = {"format_version": "RAW2 (v2)", "anode": _cstr(b[188:190]) or None}
    _kalpha(attrs, ka1, ka2, ratio)
    pos = 256
    scans = []
    for _ in range(nranges):
        if pos + 48 > len(b):
            raise CorruptFileError(f"{path.name}: range header past the end (truncated)")
        hlen, steps = struct.unpack_from("<HH", b, pos)
        step_time, step, start = struct.unpack_from("<fff", b, pos + 8)
        if hlen < 48:
            raise CorruptFileError(f"{path.name}: range header length {hlen} < 48")
        data_at = pos + hlen
        end = data_at + 4 * steps
        if end > len(b):
            raise CorruptFileError(f"{path.name}: range of {steps} steps needs {end} bytes, "
                                   f"file has {len(b)} (truncated)")
        y = np.frombuffer(b, dtype="<f4", count=steps, offset=data_at).astype(float)
        scans.append((start + step * np.arange(steps), y, {"counting_time_s": step_time}))
        pos = end
    return scans, attrs


def _raw_v4(path: Path, b: bytes) -> tuple[list, dict[str, Any]]:
    """DIFFRAC.SUITE RAW4.00: 61-byte preamble, then (u32 type, u32 length) records.

    Records of type 10 hold key/value text (key at +12, 24 bytes; value from +36); type 30
    the source (float64 Kα average, Kα1, Kα2, Kβ, ratio at +72…+104, Å). A range starts with
    a record type 0 or 160: a 160-byte header (scan type text at +32, float64 start at +72,
    float64 step at +80, u32 points at +88, u32 bytes per data record at +136, u32 bytes
    of drive records after the header at +140), then ``points`` records whose first
    float32 is the intensity.
    """
    if len(b) < 61:
        raise CorruptFileError(f"{path.name}: shorter than the RAW4.00 preamble (truncated)")
    attrs: dict[str, Any] = {"format_version": "RAW4.00 (v4)"}
    attrs["start_time"] = _bruker_datetime(_cstr(b[12:24]), _cstr(b[24:36]))
    pos = 61
    scans = []
    while pos + 8 <= len(b):
        rtype, rlen = struct.unpack_from("<II", b, pos)
        if rtype in (0, 160):
            if pos + 160 > len(b):
                raise CorruptFileError(f"{path.name}: range header past the end (truncated)")
            start, step = struct.unpack_from("<dd", b, pos + 72)
            (npts,) = struct.unpack_from("<I", b, pos + 88)
            datum, extra = struct.unpack_from("<II", b, pos + 136)
            scan_type = _cstr(b[pos + 32 : pos + 56])
            if datum < 4 or npts == 0:
                raise CorruptFileError(f"{path.name}: range with {npts} points of {datum} "
                                       "bytes")
            data_at = pos + 160 + extra
            end = data_at + datum * npts
            if end > len(b):
                raise CorruptFileError(
                    f"{path.name}: range of {npts} points needs {end} bytes, file has "
                    f"{len(b)} (truncated)")
            raw = np.frombuffer(b, dtype=np.uint8, count=datum * npts, offset=data_at)
            y = raw.reshape(npts, datum)[:, :4].copy().view("<f4")[:, 0].astype(float)
            x = start + step * np.arange(npts)
            scans.append((x, y, {"scan_type": scan_type}))
            pos = end
            continue
        if rlen < 8 or pos + rlen > len(b):
            raise CorruptFileError(
                f"{path.name}: record of type {rtype} with length {rlen} at byte {pos} "
                "runs past the end (truncated or not RAW4.00)")
        if rtype == 10 and rlen >= 36:
            key = _cstr(b[pos + 12 : pos + 36])
            val = _cstr(b[pos + 36 : pos + rlen])
            if key == "SAMPLEID" and val:
                attrs["sample"] = val
        elif rtype == 30 and rlen >= 112:
            _avg, ka1, ka2, _kb, ratio = struct.unpack_from("<5d", b, pos + 72)
            _kalpha(attrs, ka1, ka2, ratio)
            if ka2 == 0 and ratio == 0:
                attrs["ka2_ratio"] = 0.0
        pos += rlen
    if scans:
        scans[0][2]["start_time"] = attrs["start_time"]
    return scans, attrs


@register_reader(".raw", technique="xrd")
def read_raw(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Bruker/Siemens binary ``.raw`` file: v1 (``RAW ``), v2 (``RAW2``), v3
    (``RAW1.01``) or v4 (``RAW4.00``).

    Parameters
    ----------
    path : Path
        The file.
    wavelength : float, optional
        Override the file's Kα1 (nm).

    Returns
    -------
    xarray.DataArray
        One range: dimension ``two_theta``; several ranges: ``(scan, two_theta)`` (or a
        ``point`` dimension with per-range 2θ when the ranges differ).

    Raises
    ------
    CorruptFileError
        Truncated file or inconsistent headers.

    Notes
    -----
    The layouts are those of the DIFFRAC-AT manual (Appendix B) for v1/v2, the
    DIFFRAC^plus XCH manual (Appendix A) for v3 and the record structure of DIFFRAC.SUITE
    files for v4; dates are local time without a zone. No real v1/v2 file was available:
    those two paths are checked only against files written from the published layout.
    """
    b = read_bytes(path)
    if b[:7] == b"RAW1.01":
        scans, attrs = _raw_v3(path, b)
    elif b[:7] == b"RAW4.00":
        scans, attrs = _raw_v4(path, b)
    elif b[:4] == b"RAW2":
        scans, attrs = _raw_v2(path, b)
    elif b[:4] == b"RAW ":
        scans, attrs = _raw_v1(path, b)
    else:
        raise CorruptFileError(f"{path.name}: not a Bruker RAW file (magic {b[:7]!r})")
    return _finish(path, scans, attrs, wavelength=wavelength)


@register_reader(".brml", technique="xrd")
def read_brml(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Bruker DIFFRAC.SUITE ``.brml`` (zip of XML; one ``RawData<N>.xml`` per range).

    The 2θ column and the counts column of each ``<Datum>`` are located through the
    ``DataViews`` (``FieldName="TwoTheta"`` and the ``RecordedRawDataView``); counts are
    stored already corrected for the absorber. λ from ``WaveLengthAlpha1`` (Å) etc.
    """
    with open_zip(path, "BRML") as zf:
        names = zip_members(zf, r"RawData\d+\.xml$", path, "Experiment*/RawData*.xml")
        attrs: dict[str, Any] = {}
        scans = []
        for name in names:
            root = parse_xml(zip_member(zf, name, path), name=f"{path.name}/{name}")
            meta: dict[str, Any] = {}
            for tag, key in (("TimeStampStarted", "start_time"),
                             ("TimeStampFinished", "end_time")):
                e = find(root, tag)
                if e is not None and e.text:
                    meta[key] = e.text.strip()
            for tag, key in (("WaveLengthAlpha1", "wavelength"),
                             ("WaveLengthAlpha2", "wavelength_ka2"),
                             ("WaveLengthRatio", "ka2_ratio")):
                e = find(root, tag)
                if e is not None and e.get("Value") and key not in attrs:
                    v = float(e.get("Value"))
                    unit = e.get("Unit", "Å")
                    attrs[key] = v if key == "ka2_ratio" else (v / 10.0 if unit in ("Å", "A")
                                                                else v)
            tube = find(root, "TubeMaterial")
            if tube is not None and tube.text and "anode" not in attrs:
                attrs["anode"] = tube.text.strip()
            x_col = y_col = None
            for view in root.iter():
                if local(view.tag) != "RawDataView":
                    continue
                start = int(view.get("Start", "0"))
                if view.get("LogicName") == "ScanCounter1" or find(view, "Recording") \
                        is not None:
                    if y_col is None:
                        y_col = start
                for k, fd in enumerate(e for e in view.iter() if local(e.tag) ==
                                       "FieldDefinitions"):
                    if fd.get("FieldName") in ("TwoTheta", "2Theta") and x_col is None:
                        x_col = start + k
            rows = [d.text.split(",") for d in root.iter()
                    if local(d.tag) == "Datum" and d.text]
            if not rows:
                continue
            ncol = min(len(r) for r in rows)
            arr = np.array([r[:ncol] for r in rows], dtype=float)
            if y_col is None:
                y_col = ncol - 1
            if x_col is None:
                raise CorruptFileError(f"{path.name}/{name}: no TwoTheta field in DataViews")
            scans.append((arr[:, x_col], arr[:, y_col], meta))
    if scans:
        attrs["start_time"] = scans[0][2].get("start_time")
        attrs["end_time"] = scans[-1][2].get("end_time")
    return _finish(path, scans, attrs, wavelength=wavelength)


@register_reader(".uxd", technique="xrd")
def read_uxd(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Bruker/Siemens ``.uxd`` text file (one or several ranges).

    ``_WL1``/``_WL2``/``_WLRATIO`` (Å unless ``_WL_UNIT`` says nm); per range either
    ``_2THETACOUNTS``/``_2THETACPS`` (pairs) or ``_COUNTS``/``_CPS`` (values, several per
    line) with ``_START`` and ``_STEPSIZE``.
    """
    text = decode_text(read_bytes(path))
    glob: dict[str, str] = {}
    ranges: list[dict[str, Any]] = []
    keys: dict[str, str] = {}
    cur: dict[str, Any] | None = None
    data_keys = ("2THETACOUNTS", "2THETACPS", "COUNTS", "CPS")
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith(";"):
            continue
        if s.startswith("_"):
            key, eq, val = s[1:].partition("=")
            key = key.strip().upper()
            if not eq:
                if key in data_keys:
                    cur = {"keys": dict(keys), "mode": key, "values": []}
                    ranges.append(cur)
                continue
            if cur is not None:  # a key after data: the next range's header starts
                cur = None
                keys = {}
            val = val.strip().strip("'")
            if not ranges:
                glob[key] = val
            keys[key] = val
            continue
        if cur is not None:
            cur["values"].extend(float(v) for v in s.replace(",", " ").split())
    if not ranges:
        raise CorruptFileError(f"{path.name}: no _COUNTS/_2THETACOUNTS data block")
    attrs: dict[str, Any] = {}
    unit_nm = glob.get("WL_UNIT", "A").strip().lower() == "nm"
    for key, name in (("WL1", "wavelength"), ("WL2", "wavelength_ka2")):
        v = to_float(glob.get(key))
        if v:
            attrs[name] = v if unit_nm else v / 10.0
    r = to_float(glob.get("WLRATIO"))
    if r is not None:
        attrs["ka2_ratio"] = r
    if glob.get("ANODE"):
        attrs["anode"] = glob["ANODE"]
    if glob.get("SAMPLE"):
        attrs["sample"] = glob["SAMPLE"]
    dm = glob.get("DATEMEASURED")
    if dm:
        attrs["start_time"] = _bruker_datetime(*dm.split(" ", 1)) if " " in dm else dm
    scans = []
    units = "count"
    for rg in ranges:
        vals = np.asarray(rg["values"], float)
        keys = rg["keys"]
        if rg["mode"].startswith("2THETA"):
            if vals.size % 2:
                raise CorruptFileError(f"{path.name}: odd number of values in a 2θ/counts "
                                       "block (truncated?)")
            x, y = vals[0::2], vals[1::2]
        else:
            start = to_float(keys.get("START", keys.get("2THETA")))
            step = to_float(keys.get("STEPSIZE"))
            if start is None or step is None:
                raise CorruptFileError(f"{path.name}: _COUNTS block without _START/_STEPSIZE")
            y = vals
            x = start + step * np.arange(vals.size)
        if "CPS" in rg["mode"]:
            units = "count/s"
        scans.append((x, y, {"counting_time_s": to_float(keys.get("STEPTIME"))}))
    if scans:
        scans[0][2]["start_time"] = attrs.get("start_time")
    return _finish(path, scans, attrs, wavelength=wavelength, units=units)

