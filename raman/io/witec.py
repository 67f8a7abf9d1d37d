"""WITec Project "Exported ASCII-File" text (``[Header]`` + ``[Data]``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import decode_text, read_bytes, register_reader
from raman.io._common import (
    _blank,
    _norm_unit,
    _parse_rows,
    _resolve_laser,
    make_spectrum,
    to_raman_shift,
)

__all__ = ["read_witec_txt"]


def _sniff_witec(path: Path, head: bytes) -> bool:
    if b"\0" in head:  # binary
        return False
    return decode_text(head).lstrip().startswith("//Exported ASCII")


@register_reader(".txt", technique="raman", sniff=_sniff_witec)
def read_witec_txt(
    path: Path, *, laser: float | None = None, saturation: float | None = 65535.0
) -> xr.DataArray:
    """Read a WITec Project "Exported ASCII-File" (``[Header]`` + ``[Data]``).

    Parameters
    ----------
    path : Path
        The text export.
    laser : float, optional
        Laser wavelength in nm; required when ``XAxisUnit = nm`` (WITec headers do not
        state the laser).
    saturation : float or None
        Detector counts at or above which a pixel is saturated (16-bit CCD: 65535); such
        pixels become NaN (a :class:`DataCleaningWarning` says how many). None keeps them.

    Returns
    -------
    xarray.DataArray
        ``(raman_shift)`` or ``(spectrum, raman_shift)`` for several data columns.
    """
    text = decode_text(read_bytes(path), name=path.name)
    lines = text.splitlines()
    header: dict[str, str] = {}
    try:
        data_at = next(i for i, ln in enumerate(lines) if ln.strip() == "[Data]")
    except StopIteration:
        raise CorruptFileError(f"{path.name}: WITec export without a [Data] block") from None
    for ln in lines[:data_at]:
        if "=" in ln:
            k, v = ln.split("=", 1)
            header[k.strip()] = v.strip()
    body = [ln for ln in lines[data_at + 1:] if ln.strip()]
    numeric = [ln for ln in body if re.match(r"^\s*[-+.\d]", ln)]
    data = _parse_rows(numeric, ",", ".")
    attrs: dict[str, Any] = {"source": path.name,
                             "header_json": json.dumps(header, ensure_ascii=False)}
    for key, name in (("GraphName", "title"), ("FileName", "project_file")):
        if key in header:
            attrs[name] = header[key]
    unit = _norm_unit(header.get("XAxisUnit", "1/cm")) or "1/cm"
    if unit not in ("1/cm", "nm", "1/cm abs", "eV"):
        unit = "1/cm" if "rel" in unit.lower() or "cm" in unit.lower() else unit
    attrs["axis_unit_file"] = unit
    laser_nm = _resolve_laser(attrs, laser)
    shift = to_raman_shift(data[:, 0], unit, laser_nm, name=path.name)
    values = data[:, 1:].T
    if saturation is not None:
        sat = values >= saturation
        if sat.any():
            values = _blank(values, sat, attrs, "saturated_points", path.name,
                            f"saturated detector pixels (≥ {saturation:g} counts)")
    units = "count"
    if values.shape[0] == 1:
        return make_spectrum(shift, values[0], units=units, attrs=attrs)
    return make_spectrum(shift, values, units=units, attrs=attrs,
                         leading=[("spectrum", np.arange(values.shape[0]), {"units": "1"})])


