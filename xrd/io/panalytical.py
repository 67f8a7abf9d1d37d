"""PANalytical ``.xrdml`` (XRDML schema 1.0–2.1)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import (
    child,
    children,
    find,
    local,
    number_list,
    parse_xml,
    read_bytes,
    register_reader,
)
from xrd.io._common import _finish

__all__ = ["read_xrdml"]


@register_reader(".xrdml", technique="xrd")
def read_xrdml(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a PANalytical ``.xrdml`` file (schema 1.0–2.1; one or many scans).

    Parameters
    ----------
    path : Path
        The file (``.xrdml`` or ``.xrdml.bz2``).
    wavelength : float, optional
        Override the file's Kα1 (nm).

    Returns
    -------
    xarray.DataArray
        One scan: dimension ``two_theta``. Several ``<scan>`` elements (repeated scans,
        area maps): ``(scan, two_theta)`` with ``start_time``/``timestamp``/``time`` per
        scan and ``omega`` when it is constant within each scan.

    Notes
    -----
    Intensity is ``<intensities>`` when present, else ``<counts>`` × ``<beamAttenuationFactors>``
    (PANalytical's attenuator correction); the tag depends on the software, not the schema
    version. Units: counts as stored (``counts/s`` when the file says so); the counting time
    per step is ``attrs["counting_time_s"]``. ``ratioKAlpha2KAlpha1`` of 0 is kept as 0
    (no Kα2).
    """
    root = parse_xml(read_bytes(path), name=path.name, what="XRDML XML")
    if local(root.tag) != "xrdMeasurements":
        raise CorruptFileError(f"{path.name}: root element is {local(root.tag)!r}, "
                               "expected 'xrdMeasurements'")
    meas = find(root, "xrdMeasurement")
    if meas is None:
        raise CorruptFileError(f"{path.name}: no <xrdMeasurement> element")
    attrs: dict[str, Any] = {"measurement_type": meas.get("measurementType", "")}
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    m = re.search(r"XRDMeasurement/([\d.]+)", ns)
    if m:
        attrs["xrdml_version"] = m.group(1)
    wl = child(meas, "usedWavelength")
    if wl is not None:
        for tag, key in (("kAlpha1", "wavelength"), ("kAlpha2", "wavelength_ka2"),
                         ("kBeta", "wavelength_kbeta")):
            e = child(wl, tag)
            if e is not None and e.text:
                unit = (e.get("unit") or "Angstrom").lower()
                val = float(e.text)
                attrs[key] = val / 10.0 if unit.startswith("ang") else val
        e = child(wl, "ratioKAlpha2KAlpha1")
        if e is not None and e.text:
            attrs["ka2_ratio"] = float(e.text)
    anode = find(meas, "anodeMaterial")
    if anode is not None and anode.text:
        attrs["anode"] = anode.text.strip()
    sample = find(root, "sample")
    if sample is not None:
        sid = child(sample, "id")
        name = child(sample, "name")
        text = (name.text if name is not None and name.text else None) or (
            sid.text if sid is not None else None)
        if text:
            attrs["sample"] = text.strip()
    scans = []
    for scan in children(meas, "scan"):
        header = child(scan, "header")
        meta: dict[str, Any] = {"scan_axis": scan.get("scanAxis", "")}
        if header is not None:
            for tag, key in (("startTimeStamp", "start_time"), ("endTimeStamp", "end_time")):
                e = child(header, tag)
                if e is not None and e.text:
                    meta[key] = e.text.strip()
        dp = child(scan, "dataPoints")
        if dp is None:
            raise CorruptFileError(f"{path.name}: a <scan> has no <dataPoints>")
        y = None
        inten = child(dp, "intensities")
        unit = "count"
        if inten is not None:
            y = number_list(inten.text, name=path.name)
            unit = (inten.get("unit") or "counts").replace("counts", "count")
        else:
            counts = child(dp, "counts")
            if counts is None:
                raise CorruptFileError(
                    f"{path.name}: a <scan> has neither <intensities> nor <counts>")
            y = number_list(counts.text, name=path.name)
            unit = (counts.get("unit") or "counts").replace("counts", "count")
            att = child(dp, "beamAttenuationFactors")
            if att is not None and att.text and att.text.strip():
                f = number_list(att.text, name=path.name)
                if f.size not in (1, y.size):
                    raise CorruptFileError(
                        f"{path.name}: {f.size} attenuation factors for {y.size} counts")
                y = y * f
                meta["attenuation_corrected"] = 1
        ct = child(dp, "commonCountingTime")
        if ct is not None and ct.text:
            meta["counting_time_s"] = float(ct.text)
        n = y.size
        x = None
        for pos in children(dp, "positions"):
            axis = pos.get("axis", "")
            lp = child(pos, "listPositions")
            sp = child(pos, "startPosition")
            ep = child(pos, "endPosition")
            cp = child(pos, "commonPosition")
            if lp is not None:
                vals = number_list(lp.text, name=path.name)
            elif sp is not None and ep is not None:
                vals = np.linspace(float(sp.text), float(ep.text), n) if n > 1 else \
                    np.array([float(sp.text)])
            elif cp is not None:
                vals = np.array([float(cp.text)])
            else:
                continue
            if axis == "2Theta":
                x = vals
            elif axis == "Omega" and vals.size == 1:
                meta["omega"] = float(vals[0])
        if x is None:
            raise CorruptFileError(f"{path.name}: a <scan> has no 2Theta positions")
        if x.size != n:
            raise CorruptFileError(
                f"{path.name}: {x.size} 2θ positions but {n} intensities (truncated scan?)")
        attrs["units_y"] = unit
        scans.append((x, y, meta))
    if not scans:
        raise CorruptFileError(f"{path.name}: no <scan> elements")
    unit = attrs.pop("units_y", "count")
    for key in ("counting_time_s",):
        if key in scans[0][2]:
            attrs[key] = scans[0][2][key]
    attrs["start_time"] = scans[0][2].get("start_time")
    attrs["end_time"] = scans[-1][2].get("end_time")
    return _finish(path, scans, attrs, wavelength=wavelength, units=unit)

