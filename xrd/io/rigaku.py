"""Rigaku ``.ras`` (text) and SmartLab Studio ``.rasx`` (zip)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import (
    decode_text,
    find,
    iso_datetime,
    open_zip,
    parse_xml,
    read_bytes,
    read_text_table,
    register_reader,
    zip_member,
    zip_members,
)
from xrd.io._common import _angstrom, _finish

__all__ = ["read_ras", "read_rasx"]


@register_reader(".ras", technique="xrd")
def read_ras(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Rigaku ``.ras`` file (``*RAS_HEADER_START`` … ``*RAS_INT_END`` per scan).

    Columns: angle, intensity, attenuation factor (intensity × factor is returned). λ from
    ``*HW_XG_WAVE_LENGTH_ALPHA1`` (Å); start times ``*MEAS_SCAN_START_TIME`` are local
    time without a zone. Free text may be in a Japanese code page (decoded leniently).
    """
    raw = read_bytes(path)
    text = raw.decode("latin-1")  # keys and numbers are ASCII; comments may be Shift-JIS
    if "*RAS_DATA_START" not in text[:200] and "*RAS_HEADER_START" not in text:
        raise CorruptFileError(f"{path.name}: no *RAS_DATA_START / *RAS_HEADER_START")
    scans = []
    attrs: dict[str, Any] = {}
    header: dict[str, str] = {}
    block: list[str] | None = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("*RAS_HEADER_START"):
            header = {}
        elif s.startswith("*RAS_INT_START"):
            block = []
        elif s.startswith("*RAS_INT_END"):
            if block is None:
                raise CorruptFileError(f"{path.name}: *RAS_INT_END without start")
            arr = np.array([r.split()[:3] for r in block if r.strip()], dtype=float)
            if arr.ndim != 2 or arr.shape[0] < 2:
                raise CorruptFileError(f"{path.name}: empty data block")
            y = arr[:, 1] * (arr[:, 2] if arr.shape[1] >= 3 else 1.0)
            axis = header.get("MEAS_SCAN_AXIS_X_INTERNAL", header.get("MEAS_SCAN_AXIS_X", ""))
            meta = {
                "start_time": iso_datetime(header.get("MEAS_SCAN_START_TIME")),
                "end_time": iso_datetime(header.get("MEAS_SCAN_END_TIME")),
                "scan_axis": axis,
            }
            if not attrs:
                wl = _angstrom(header.get("HW_XG_WAVE_LENGTH_ALPHA1"))
                attrs = {
                    "wavelength": wl,
                    "wavelength_ka2": _angstrom(header.get("HW_XG_WAVE_LENGTH_ALPHA2")),
                    "anode": header.get("HW_XG_TARGET_NAME") or None,
                    "sample": header.get("FILE_SAMPLE") or None,
                }
            scans.append((arr[:, 0], y, meta))
            block = None
        elif block is not None:
            block.append(s)
        elif s.startswith("*"):
            key, _, val = s[1:].partition(" ")
            header[key.strip()] = val.strip().strip('"')
    if block is not None:
        raise CorruptFileError(f"{path.name}: data block not closed by *RAS_INT_END "
                               "(truncated)")
    units = "count/s" if header.get("DISP_UNIT_Y", "").lower() == "cps" else "count"
    if scans:
        attrs["start_time"] = scans[0][2].get("start_time")
    return _finish(path, scans, attrs, wavelength=wavelength, units=units)


@register_reader(".rasx", technique="xrd")
def read_rasx(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Rigaku SmartLab Studio ``.rasx`` (zip: ``Data<N>/Profile<N>.txt`` + conditions).

    Profiles are tab-separated 2θ, counts, attenuation (may start with a UTF-8 BOM);
    ``MesurementConditions<N>.xml`` (Rigaku's spelling) gives ``WavelengthKalpha1`` (Å) and
    ``StartTime`` (ISO-8601, UTC). No Kα2 ratio is stored (``ka2_ratio`` absent).
    """
    scans = []
    attrs: dict[str, Any] = {}
    with open_zip(path, "RASX") as zf:
        profiles = zip_members(zf, r"Profile\d*\.txt$", path, "Data*/Profile*.txt")
        for prof in profiles:
            folder = prof.rsplit("/", 1)[0] if "/" in prof else ""
            num = re.findall(r"(\d+)\.txt$", prof)
            cond_name = f"{folder}/MesurementConditions{num[0] if num else ''}.xml"
            meta: dict[str, Any] = {}
            if cond_name in zf.namelist():
                root = parse_xml(zip_member(zf, cond_name, path), name=f"{path.name}/{cond_name}")
                for tag, key in (("WavelengthKalpha1", "wavelength"),
                                 ("WavelengthKalpha2", "wavelength_ka2")):
                    e = find(root, tag)
                    if e is not None and e.text and key not in attrs:
                        attrs[key] = _angstrom(e.text)
                e = find(root, "TargetName")
                if e is not None and e.text:
                    attrs.setdefault("anode", e.text.strip())
                e = find(root, "StartTime")
                if e is not None and e.text:
                    meta["start_time"] = e.text.strip()
                e = find(root, "AxisName")
                if e is not None and e.text:
                    meta["scan_axis"] = e.text.strip()
            text = decode_text(zip_member(zf, prof, path))
            table = read_text_table(path, min_columns=2, text=text)
            d = table.data
            y = d[:, 1] * (d[:, 2] if d.shape[1] >= 3 else 1.0)
            scans.append((d[:, 0], y, meta))
    if scans:
        attrs["start_time"] = scans[0][2].get("start_time")
    return _finish(path, scans, attrs, wavelength=wavelength)

