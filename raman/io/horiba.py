"""HORIBA LabSpec text (``#Key=<TAB>value`` header; spectrum, matrix, time series, map) and
LabSpec 6 XML (``<LSX_Data>`` tree)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import (
    decode_text,
    iso_datetime,
    parse_number,
    parse_xml,
    read_bytes,
    register_reader,
)
from raman.io._common import (
    _grid_or_points,
    _laser_from_text,
    _norm_unit,
    _parse_rows,
    _resolve_laser,
    make_spectrum,
    to_raman_shift,
)

__all__ = ["read_labspec_txt", "read_labspec_xml"]

_LABSPEC_KV = re.compile(r"^#([^=]+?)=\t?(.*)$")


def _sniff_labspec(path: Path, head: bytes) -> bool:
    if b"\0" in head:  # binary
        return False
    text = decode_text(head)
    lines = text.splitlines()[:80]
    hits = sum(1 for ln in lines if re.match(r"^#[^=\n]+=\t", ln))
    keys = ("#Acq. time", "#Laser", "#Accumulations", "#AxisType", "#Acquired", "#Grating")
    return hits >= 2 and any(ln.startswith(keys) for ln in lines)


def _labspec_header(lines: Sequence[str]) -> tuple[dict[str, str], list[str], int]:
    header: dict[str, str] = {}
    axis_types: dict[int, tuple[str, str]] = {}
    i = 0
    for i, ln in enumerate(lines):  # noqa: B007 - index used after the loop
        if not ln.startswith("#"):
            break
        m = _LABSPEC_KV.match(ln.rstrip("\r\n"))
        if not m:
            continue
        key, value = m.group(1).strip(), m.group(2).strip()
        am = re.match(r"Axis(Type|Unit)\[(\d+)\]", key)
        if am:
            n = int(am.group(2))
            t, u = axis_types.get(n, ("", ""))
            axis_types[n] = (value, u) if am.group(1) == "Type" else (t, value)
            continue
        header.setdefault(key, value)
    else:
        i = len(lines)
    types = [axis_types[k][0] + "|" + axis_types[k][1] for k in sorted(axis_types)]
    return header, types, i


def _labspec_attrs(header: Mapping[str, str]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for key, value in header.items():
        k = key.lower()
        if k.startswith("laser") and "pol" not in k and "laser_wavelength" not in attrs:
            lw = _laser_from_text(value)
            if lw is not None:
                attrs["laser_wavelength"] = lw
    if "Acquired" in header or "Date" in header:
        attrs["start_time"] = iso_datetime(header.get("Acquired") or header["Date"], dayfirst=True)
    for key, name in (("Acq. time (s)", "acquisition_time_s"), ("Accumulations", "accumulations")):
        if key in header:
            try:
                attrs[name] = parse_number(header[key])
            except ValueError:
                pass
    for key, name in (("Instrument", "instrument"), ("Title", "title"), ("Sample", "sample"),
                      ("Objective", "objective"), ("Grating", "grating")):
        if header.get(key):
            attrs[name] = header[key]
    attrs["header_json"] = json.dumps(dict(header), ensure_ascii=False)[:20000]
    return attrs


def _table_lines(lines: Sequence[str]) -> list[str]:
    return [ln.rstrip("\r\n") for ln in lines if ln.strip() and not ln.startswith("#")]


def _detect_decimal(sample: str) -> str:
    return "," if re.search(r"\d,\d", sample) and not re.search(r"\d\.\d", sample) else "."


def _leading_kind(types: Sequence[str], n_lead: int, values: np.ndarray) -> list[str]:
    """Names of the leading coordinate columns of a LabSpec matrix."""
    extra = [t.split("|")[0].strip().lower() for t in types
             if t.split("|")[0].strip().lower() not in ("intens", "spectr")]
    names: list[str] = []
    for j in range(n_lead):
        kind = extra[j] if j < len(extra) else ""
        if kind in ("x", "xa"):
            names.append("x")
        elif kind in ("y", "ya"):
            names.append("y")
        elif kind in ("z", "za"):
            names.append("z")
        elif kind.startswith("time"):
            names.append("time")
        elif kind in ("points", "point", "index"):
            names.append("spectrum")
        elif n_lead == 2:
            names.append("xy"[j])
        else:
            col = values[:, j]
            ints = np.allclose(col, np.round(col)) and np.all(np.diff(col) == 1)
            names.append("spectrum" if ints else "time")
    return names



@register_reader(".txt", technique="raman", sniff=_sniff_labspec)
def read_labspec_txt(path: Path, *, laser: float | None = None) -> xr.DataArray:
    """Read a HORIBA LabSpec text export (single spectrum, matrix, time series, map).

    Parameters
    ----------
    path : Path
        LabSpec ``.txt`` (Latin-1/cp1252; ``.txt.gz`` too).
    laser : float, optional
        Laser wavelength in nm (overrides ``#Laser (nm)=`` / ``#Laser=``; needed when the
        axis is in nm and the header has none).

    Returns
    -------
    xarray.DataArray
        ``(raman_shift)``; a matrix gives ``(time, raman_shift)`` (first column = time in s,
        ``#AxisType`` ``Time`` or non-integer values), ``(spectrum, raman_shift)`` (point
        index), ``(y, x, raman_shift)`` (two position columns on a full grid; else
        ``spectrum`` with ``x``/``y`` coordinates) or ``(y|x, raman_shift)`` for line scans.

    Notes
    -----
    Layouts (FIELD-NOTES §5.3): after the ``#Key=<TAB>value`` header either two columns
    (shift, intensity), or a matrix whose first row is 1–2 empty cells + the spectral axis
    and whose later rows are the leading coordinate(s) + intensities. ``#AxisUnit[1]`` gives
    the spectral unit (``1/cm``, ``nm``, ``1/cm abs``, ``eV``); absent means Raman shift.
    """
    text = decode_text(read_bytes(path), name=path.name)
    lines = text.splitlines()
    header, types, start = _labspec_header(lines)
    attrs = _labspec_attrs(header)
    attrs["source"] = path.name
    laser_nm = _resolve_laser(attrs, laser)
    spectral_unit = "1/cm"
    for t in types:
        kind, unit = t.split("|")
        if kind.strip().lower() == "spectr":
            spectral_unit = _norm_unit(unit) or "1/cm"
        if kind.strip().lower() == "intens" and unit.strip():
            attrs["intensity_unit_file"] = unit.strip()
    rows = _table_lines(lines[start:])
    if not rows:
        raise CorruptFileError(f"{path.name}: LabSpec header but no data rows")
    decimal = _detect_decimal("\n".join(rows[:5]))
    first = rows[0].split("\t")
    attrs["axis_unit_file"] = spectral_unit
    units = "count/s" if "sec" in str(attrs.get("intensity_unit_file", "")).lower() else "count"
    if first[0].strip() == "" or len(first) > 2:
        # matrix: leading empty cells, then the spectral axis
        n_lead = 0
        while n_lead < len(first) and first[n_lead].strip() == "":
            n_lead += 1
        axis = np.array([parse_number(v, decimal=decimal) for v in first[n_lead:] if v.strip()])
        data = _parse_rows(rows[1:], "\t", decimal)
        if data.shape[1] < axis.size + n_lead:
            raise CorruptFileError(
                f"{path.name}: matrix rows have {data.shape[1]} cells, expected "
                f"{n_lead} coordinate(s) + {axis.size} intensities"
            )
        coords = data[:, :n_lead]
        values = data[:, n_lead:n_lead + axis.size]
        shift = to_raman_shift(axis, spectral_unit, laser_nm, name=path.name)
        if n_lead == 0:
            return make_spectrum(shift, values, leading=[("spectrum", np.arange(len(values)),
                                                          {"units": "1"})],
                                 units=units, attrs=attrs)
        names = _leading_kind(types, n_lead, coords)
        um = {"units": "um"}
        if n_lead == 1:
            name = names[0]
            c = coords[:, 0]
            if name == "time":
                return make_spectrum(shift, values,
                                     leading=[("time", c, {"units": "s", "long_name": "time"})],
                                     units=units, attrs=attrs)
            if name == "spectrum":
                return make_spectrum(shift, values,
                                     leading=[("spectrum", np.arange(len(c)), {"units": "1"})],
                                     extra_coords={"index": ("spectrum", c, {"units": "1"})},
                                     units=units, attrs=attrs)
            return make_spectrum(shift, values, leading=[(name, c, {**um, "long_name": name})],
                                 units=units, attrs=attrs)
        ix, iy = names.index("x") if "x" in names else 0, names.index("y") if "y" in names else 1
        grid, leading, extra = _grid_or_points(values, coords[:, ix], coords[:, iy])
        return make_spectrum(shift, grid, leading=leading, extra_coords=extra, units=units,
                             attrs=attrs)
    data = _parse_rows(rows, "\t" if "\t" in rows[0] else None, decimal)
    if data.shape[1] < 2:
        raise CorruptFileError(f"{path.name}: expected 2 columns (shift, intensity)")
    shift = to_raman_shift(data[:, 0], spectral_unit, laser_nm, name=path.name)
    return make_spectrum(shift, data[:, 1], units=units, attrs=attrs)



_LSX_TYPE = "0x6D707974"
_LSX_UNIT = "0x7C696E75"
_LSX_VALUES = "0x7D6CD4DB"
_LSX_AXES = "0x7B697861"
_LSX_NAME = "0x6D6D616E"
_LSX_PRECISE = "0x8736F70"


def _sniff_lsx(path: Path, head: bytes) -> bool:
    return b"<LSX_Data" in head[:4096] or b"<LSX_Tree" in head[:4096]


def _lsx_children(node: ET.Element) -> dict[str, ET.Element]:
    return {c.get("ID", ""): c for c in node}


@register_reader(".xml", technique="raman", sniff=_sniff_lsx)
def read_labspec_xml(path: Path, *, laser: float | None = None) -> xr.DataArray:
    """Read a HORIBA LabSpec 6 XML export (``<LSX_Data>`` tree).

    Parameters
    ----------
    path : Path
        The ``.xml`` file.
    laser : float, optional
        Laser wavelength in nm (overrides the file's ``Laser (nm)``).

    Returns
    -------
    xarray.DataArray
        ``(raman_shift)``, or ``(y, x, raman_shift)`` for maps; line scans keep their one
        position axis (``y`` or ``x``, µm).

    Notes
    -----
    The tree is id-coded: the axes node (``0x7B697861``) lists one child per axis with its
    type (``Intens``, ``Spectr``, ``X``/``XA``, ``Y``/``YA``), unit (``nm``, ``1/cm``,
    ``1/cm abs``, ``eV``; ``Cnt/sec`` or ``Cnt``) and values; ``<LSX_Matrix>`` holds one
    ``<LSX_Row>`` per spectrum, the first listed position axis varying fastest. Metadata
    entries pair a name (``0x6D6D616E``) with a value; ``Laser (nm)`` also carries the
    precise wavelength (``0x8736F70``), which is used.
    """
    root = parse_xml(read_bytes(path), name=path.name, what="LabSpec XML")
    axes_nodes = [n for n in root.iter("LSX") if n.get("ID") == _LSX_AXES]
    if not axes_nodes:
        raise CorruptFileError(f"{path.name}: LabSpec XML without an axes node")
    axes = []
    intens_unit = ""
    for ax in axes_nodes[0]:
        ch = _lsx_children(ax)
        kind = (ch[_LSX_TYPE].text or "").strip() if _LSX_TYPE in ch else ""
        unit = (ch[_LSX_UNIT].text or "").strip() if _LSX_UNIT in ch else ""
        if kind.lower() == "intens":
            intens_unit = unit
            continue
        vals = np.array((ch[_LSX_VALUES].text or "").split(), float) if _LSX_VALUES in ch else None
        axes.append((kind, unit, vals))
    meta: dict[str, str] = {}
    precise: dict[str, str] = {}
    for node in root.iter("LSX"):
        ch = _lsx_children(node)
        if _LSX_NAME in ch and "0x7D6C61DB" in ch:
            name = (ch[_LSX_NAME].text or "").strip()
            meta.setdefault(name, (ch["0x7D6C61DB"].text or "").strip())
            if _LSX_PRECISE in ch:
                precise.setdefault(name, (ch[_LSX_PRECISE].text or "").strip())
    attrs = _labspec_attrs(meta)
    if "Laser (nm)" in precise:
        lw = _laser_from_text(precise["Laser (nm)"])
        if lw is not None:
            attrs["laser_wavelength"] = lw
    attrs["source"] = path.name
    laser_nm = _resolve_laser(attrs, laser)
    spec = [a for a in axes if a[0].lower() == "spectr"]
    if not spec or spec[0][2] is None:
        raise CorruptFileError(f"{path.name}: LabSpec XML without a spectral axis")
    unit = _norm_unit(spec[0][1]) or "1/cm"
    attrs["axis_unit_file"] = unit
    shift = to_raman_shift(spec[0][2], unit, laser_nm, name=path.name)
    matrix = root.find("LSX_Matrix")
    if matrix is None:
        raise CorruptFileError(f"{path.name}: LabSpec XML without <LSX_Matrix>")
    rows = sorted(matrix, key=lambda r: int(r.get("Index", "0")))
    data = np.array([np.array((r.text or "").split(), float) for r in rows])
    if data.ndim != 2 or data.shape[1] != shift.size:
        raise CorruptFileError(
            f"{path.name}: {data.shape} intensities do not match {shift.size} axis points"
        )
    units = "count/s" if "sec" in intens_unit.lower() else "count"
    attrs["intensity_unit_file"] = intens_unit
    pos = [(a[0].lower().rstrip("a") or a[0].lower(), a[2]) for a in axes
           if a[0].lower() != "spectr" and a[2] is not None]
    if not pos:
        return make_spectrum(shift, data[0] if len(data) == 1 else data, units=units,
                             attrs=attrs, leading=() if len(data) == 1 else
                             [("spectrum", np.arange(len(data)), {"units": "1"})])
    sizes = [p[1].size for p in pos]
    if int(np.prod(sizes)) != len(data):
        raise CorruptFileError(
            f"{path.name}: {len(data)} spectra do not fill the position grid {sizes}"
        )
    # first listed axis varies fastest → C order is reversed
    arr = data.reshape(*sizes[::-1], shift.size)
    leading = [(name, vals, {"units": "um", "long_name": name}) for name, vals in pos[::-1]]
    # squeeze length-1 position axes into scalar coordinates (a line scan stays 1-D)
    keep = [i for i, (_, v, _) in enumerate(leading) if v.size > 1]
    scalars = {name: ((), v[0], a) for i, (name, v, a) in enumerate(leading) if i not in keep}
    arr = arr.reshape(*[leading[i][1].size for i in keep], shift.size)
    leading = [leading[i] for i in keep]
    names = [n for n, _, _ in leading]
    if set(names) == {"x", "y"} and names != ["y", "x"]:
        arr = np.swapaxes(arr, 0, 1)
        leading = leading[::-1]
    return make_spectrum(shift, arr, leading=leading, extra_coords=scalars, units=units,
                         attrs=attrs)


