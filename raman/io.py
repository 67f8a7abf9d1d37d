"""Readers of Raman files, registered with :func:`charz.read`.

Every reader returns an :class:`xarray.DataArray` named ``intensity`` whose last dimension
is ``raman_shift`` (coordinate in ``1/cm``, **sorted ascending**), with leading dimensions
for series and maps:

``time``
    time series (s since the first spectrum; ``attrs["start_time"]`` ISO-8601 as the file
    gives it — LabSpec local time has no zone — and a ``timestamp`` datetime64 coordinate,
    UTC, when the file states absolute UTC times, as Renishaw ``.wdf`` does);
``y``, ``x``
    maps on a regular grid (µm);
``spectrum``
    everything else with several spectra (line scans, numbered points, irregular maps),
    with ``x``/``y``/``z``/``distance`` as non-dimension coordinates when known;
``z``
    depth series (µm).

Attributes (flat, netCDF-safe): ``laser_wavelength`` (nm) when the file says;
``axis_unit_file`` (the spectral unit as stored: ``1/cm``, ``nm``, ``1/cm abs``, ``eV``);
``start_time``; ``acquisition_time_s``; ``accumulations``; ``instrument``; ``title``;
``header_json`` (the whole header). Axes in nm, absolute cm⁻¹ or eV are converted to Raman
shift with the laser wavelength (from the file, else ``laser=`` in nm from the user; a user
value wins and the file's is kept as ``laser_wavelength_file``); without one the reader
raises :class:`~charz.errors.MissingMetadataError`.

Formats (FIELD-NOTES §5.3)
--------------------------
- two-column text/CSV (``.txt``, ``.csv``, ``.dat``, ``.asc``; either axis order, any
  separator, optional header naming the columns);
- long-form map text (``#X #Y #Wave #Intensity``, WiRE "Save as txt") → pivoted to
  ``(y, x, raman_shift)``;
- HORIBA LabSpec ``.txt`` (Latin-1/cp1252, ``#Key=<TAB>value`` header; 2 columns, matrix,
  time-series and map layouts; ``#AxisType[n]``/``#AxisUnit[n]`` respected) and ``.xml``
  (``<LSX_Data>`` tree);
- Renishaw ``.wdf`` through Renishaw's own ``renishaw-wdf`` package (import name ``wdf``;
  extra ``wdf``): single spectra, maps, line scans, time and depth series, interrupted runs
  (``ncollected < nspectra``);
- Thermo/Galactic ``.spc`` (new LSB format ``0x4B`` and the old format ``0x4D``; single and
  multi-file; written from the published header layout, no vendor code);
- WITec "Exported ASCII-File" text;
- Bruker OPUS (FT-Raman) through ``brukeropus`` (extra ``opus``; the Raman block ``r``).

``.gz`` copies of the text formats are read transparently.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import io as _io
import json
import re
import struct
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import (
    CorruptFileError,
    DataCleaningWarning,
    MissingMetadataError,
    UnknownFormatError,
)
from charz.io import decode_text, parse_number, register_reader, require, resolve_metadata

__all__ = [
    "make_spectrum",
    "read_labspec_txt",
    "read_labspec_xml",
    "read_long_map",
    "read_opus",
    "read_spc",
    "read_two_column",
    "read_wdf",
    "read_witec_txt",
    "to_raman_shift",
]

#: cm⁻¹ per eV (CODATA 2018: 1 eV / (h c) = 8065.543937 cm⁻¹).
CM_PER_EV = 8065.543937

_AXIS_UNITS = {
    "1/cm": "1/cm",
    "cm-1": "1/cm",
    "cm^-1": "1/cm",
    "rel. 1/cm": "1/cm",
    "raman shift": "1/cm",
    "ramanshift": "1/cm",
    "nm": "nm",
    "nanometre": "nm",
    "nanometer": "nm",
    "1/cm abs": "1/cm abs",
    "abs. 1/cm": "1/cm abs",
    "wavenumber": "1/cm abs",
    "ev": "eV",
}


# ---------------------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------------------


def to_raman_shift(
    axis: np.ndarray,
    unit: str,
    laser_wavelength: float | None,
    *,
    name: str = "",
) -> np.ndarray:
    """Convert a spectral axis to Raman shift (Stokes positive).

    Parameters
    ----------
    axis : ndarray
        Spectral axis values in ``unit``.
    unit : {'1/cm', 'nm', '1/cm abs', 'eV'}
        Unit of ``axis``: Raman shift, scattered wavelength, absolute wavenumber of the
        scattered light, or photon energy of the scattered light.
    laser_wavelength : float or None
        Excitation wavelength in nm (needed unless ``unit`` is ``1/cm``).
    name : str
        File name for error messages.

    Returns
    -------
    ndarray
        Raman shift in 1/cm: ``1e7/λ_laser − ν̃_scattered``.

    Raises
    ------
    MissingMetadataError
        The axis needs the laser wavelength and none was given.
    UnknownFormatError
        The unit is not one of the above.
    """
    axis = np.asarray(axis, float)
    if unit == "1/cm":
        return axis
    if unit not in ("nm", "1/cm abs", "eV"):
        raise UnknownFormatError(
            f"{name}: spectral axis unit {unit!r} cannot be converted to Raman shift "
            "(known: 1/cm, nm, 1/cm abs, eV)"
        )
    if laser_wavelength is None or not np.isfinite(laser_wavelength) or laser_wavelength <= 0:
        raise MissingMetadataError(
            f"{name}: the spectral axis is in {unit}; converting it to Raman shift needs the "
            "laser wavelength, which the file does not give: pass laser=<nm> "
            "(charz.read(path, laser=532.0) or --laser 532)"
        )
    nu0 = 1e7 / float(laser_wavelength)
    if unit == "nm":
        with np.errstate(divide="ignore"):
            return nu0 - 1e7 / axis
    if unit == "eV":
        return nu0 - axis * CM_PER_EV
    return nu0 - axis


def _norm_unit(text: str | None) -> str | None:
    if text is None:
        return None
    t = text.strip().lower().replace("¹", "1").replace("−", "-")
    t = t.replace("cm-1", "1/cm") if t not in _AXIS_UNITS else t
    return _AXIS_UNITS.get(t, _AXIS_UNITS.get(t.replace(" ", ""), text.strip()))


def _laser_from_text(text: str | None) -> float | None:
    """``532nm_Edge`` / ``532.00`` / ``633 `` → nm (None if no number)."""
    if not text:
        return None
    m = re.search(r"(\d+(?:[.,]\d+)?)", text)
    if not m:
        return None
    value = float(m.group(1).replace(",", "."))
    return value if 150.0 < value < 2000.0 else None


def _resolve_laser(attrs: dict[str, Any], laser: float | None) -> float | None:
    """User value wins over the file's (which is kept as ``laser_wavelength_file``)."""
    return resolve_metadata(attrs, "laser_wavelength", laser, attrs.get("laser_wavelength"),
                            unit="nm", valid=(150.0, 2000.0), name=str(attrs.get("source", "")),
                            example="laser=532")


def _local_iso(text: str) -> str:
    """``DD.MM.YYYY HH:MM[:SS]`` (LabSpec) → ISO-8601 (no zone: LabSpec writes local time)."""
    t = text.strip()
    for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return _dt.datetime.strptime(t, fmt).isoformat()
        except ValueError:
            continue
    return t


def make_spectrum(
    intensity: np.ndarray,
    shift: np.ndarray,
    *,
    leading: Sequence[tuple[str, np.ndarray, Mapping[str, Any]]] = (),
    extra_coords: Mapping[str, tuple[Any, np.ndarray, Mapping[str, Any]]] | None = None,
    units: str = "count",
    attrs: Mapping[str, Any] | None = None,
) -> xr.DataArray:
    """Build a Raman DataArray in charz's data model (axis sorted ascending).

    Parameters
    ----------
    intensity : ndarray
        Intensities, shape ``(*leading, npoints)``.
    shift : ndarray
        Raman shift in 1/cm, length ``npoints`` (any order; sorted on output).
    leading : sequence of (name, values, attrs)
        Leading dimensions (``time`` in s, ``y``/``x`` in µm, ``spectrum``).
    extra_coords : mapping, optional
        Non-dimension coordinates ``name -> (dims, values, attrs)``.
    units : str
        Intensity unit (``count``, ``count/s``).
    attrs : mapping, optional
        Metadata (``laser_wavelength`` in nm, ...).

    Returns
    -------
    xarray.DataArray
        Named ``intensity`` with dims ``(*leading, "raman_shift")``.
    """
    y = np.asarray(intensity, float)
    x = np.asarray(shift, float)
    if y.shape[-1] != x.size:
        raise CorruptFileError(
            f"Raman axis ({x.size} points) and intensities ({y.shape}) differ in length"
        )
    order = np.argsort(x, kind="stable")
    dims = [name for name, _, _ in leading] + ["raman_shift"]
    if y.ndim != len(dims):
        raise CorruptFileError(f"intensity array of shape {y.shape} does not fit dims {dims}")
    coords: dict[str, Any] = {
        "raman_shift": ("raman_shift", x[order], {"units": "1/cm", "long_name": "Raman shift"})
    }
    for name, values, cattrs in leading:
        coords[name] = (name, np.asarray(values), dict(cattrs))
    for name, (cdims, values, cattrs) in (extra_coords or {}).items():
        coords[name] = (cdims, np.asarray(values), dict(cattrs))
    all_attrs = {"units": units, "long_name": "intensity", "technique": "raman"}
    all_attrs.update({k: v for k, v in (attrs or {}).items() if v is not None})
    return xr.DataArray(y[..., order], dims=dims, coords=coords, name="intensity",
                        attrs=all_attrs)


def _read_bytes(path: Path) -> bytes:
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            return fh.read()
    return path.read_bytes()


def _with_gz(*suffixes: str) -> tuple[str, ...]:
    return tuple(suffixes) + tuple(s + ".gz" for s in suffixes)


def _parse_rows(lines: Sequence[str], delimiter: str | None, decimal: str = ".") -> np.ndarray:
    """Numeric rows (same length) → 2-D array; empty cells → NaN."""
    text = "\n".join(lines)
    if decimal == ",":
        text = text.replace(",", ".")
    arr = np.genfromtxt(_io.StringIO(text), delimiter=delimiter, dtype=float)
    return np.atleast_2d(arr)


# ---------------------------------------------------------------------------------------
# HORIBA LabSpec text
# ---------------------------------------------------------------------------------------

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
        attrs["start_time"] = _local_iso(header.get("Acquired") or header["Date"])
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


def _grid_or_points(
    data: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> tuple[np.ndarray, list[tuple[str, np.ndarray, dict]], dict | None]:
    """Pivot (x, y) points onto a regular (y, x) grid when they fill one, else keep points."""
    ux = np.unique(xs)
    uy = np.unique(ys)
    um = {"units": "um", "long_name": "position"}
    if ux.size * uy.size == xs.size and ux.size > 1 and uy.size > 1:
        ix = np.searchsorted(ux, xs)
        iy = np.searchsorted(uy, ys)
        grid = np.full((uy.size, ux.size, data.shape[-1]), np.nan)
        grid[iy, ix] = data
        if not np.isnan(grid).any(axis=-1).all() and np.isfinite(grid[..., 0]).sum() == xs.size:
            lead = [("y", uy, {**um, "long_name": "y"}), ("x", ux, {**um, "long_name": "x"})]
            return grid, lead, None
    n = np.arange(xs.size)
    extra = {"x": ("spectrum", xs, {**um, "long_name": "x"}),
             "y": ("spectrum", ys, {**um, "long_name": "y"})}
    return data, [("spectrum", n, {"units": "1", "long_name": "spectrum"})], extra


@register_reader(*_with_gz(".txt"), technique="raman", sniff=_sniff_labspec)
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
    text = decode_text(_read_bytes(path), name=path.name)
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
            return make_spectrum(values, shift, leading=[("spectrum", np.arange(len(values)),
                                                          {"units": "1"})],
                                 units=units, attrs=attrs)
        names = _leading_kind(types, n_lead, coords)
        um = {"units": "um"}
        if n_lead == 1:
            name = names[0]
            c = coords[:, 0]
            if name == "time":
                return make_spectrum(values, shift,
                                     leading=[("time", c, {"units": "s", "long_name": "time"})],
                                     units=units, attrs=attrs)
            if name == "spectrum":
                return make_spectrum(values, shift,
                                     leading=[("spectrum", np.arange(len(c)), {"units": "1"})],
                                     extra_coords={"index": ("spectrum", c, {"units": "1"})},
                                     units=units, attrs=attrs)
            return make_spectrum(values, shift, leading=[(name, c, {**um, "long_name": name})],
                                 units=units, attrs=attrs)
        ix, iy = names.index("x") if "x" in names else 0, names.index("y") if "y" in names else 1
        grid, leading, extra = _grid_or_points(values, coords[:, ix], coords[:, iy])
        return make_spectrum(grid, shift, leading=leading, extra_coords=extra, units=units,
                             attrs=attrs)
    data = _parse_rows(rows, "\t" if "\t" in rows[0] else None, decimal)
    if data.shape[1] < 2:
        raise CorruptFileError(f"{path.name}: expected 2 columns (shift, intensity)")
    shift = to_raman_shift(data[:, 0], spectral_unit, laser_nm, name=path.name)
    return make_spectrum(data[:, 1], shift, units=units, attrs=attrs)


# ---------------------------------------------------------------------------------------
# HORIBA LabSpec XML
# ---------------------------------------------------------------------------------------

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
    root = ET.fromstring(_read_bytes(path))
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
        return make_spectrum(data[0] if len(data) == 1 else data, shift, units=units,
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
    return make_spectrum(arr, shift, leading=leading, extra_coords=scalars, units=units,
                         attrs=attrs)


# ---------------------------------------------------------------------------------------
# WITec ASCII export
# ---------------------------------------------------------------------------------------


def _sniff_witec(path: Path, head: bytes) -> bool:
    if b"\0" in head:  # binary
        return False
    return decode_text(head).lstrip().startswith("//Exported ASCII")


@register_reader(*_with_gz(".txt"), technique="raman", sniff=_sniff_witec)
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
    text = decode_text(_read_bytes(path), name=path.name)
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
            values = np.where(sat, np.nan, values)
            attrs["saturated_points"] = int(sat.sum())
            warnings.warn(
                f"{path.name}: {int(sat.sum())} saturated detector pixels (≥ {saturation:g} "
                "counts) set to NaN",
                DataCleaningWarning,
                stacklevel=3,
            )
    units = "count"
    if values.shape[0] == 1:
        return make_spectrum(values[0], shift, units=units, attrs=attrs)
    return make_spectrum(values, shift, units=units, attrs=attrs,
                         leading=[("spectrum", np.arange(values.shape[0]), {"units": "1"})])


# ---------------------------------------------------------------------------------------
# generic two-column text and long-form map text
# ---------------------------------------------------------------------------------------

_RAMAN_WORDS = re.compile(r"raman|laser|shift|wavenumber|#wave\b|cm-1|cm\^-1|1/cm|cm⁻¹",
                          re.IGNORECASE)
_OTHER_WORDS = re.compile(
    r"2theta|2-theta|two_theta|2θ|angle|p/p0|relative.pressure|voltage|\bq\b|wavelength_ka",
    re.IGNORECASE,
)


def _numeric_head(text: str, limit: int = 200) -> tuple[list[str], np.ndarray | None]:
    lines = text.splitlines()
    header = []
    rows = []
    for ln in lines:
        s = ln.strip()
        if not s:
            continue
        fields = [f for f in re.split(r"[\s,;]+", s) if f]
        try:
            rows.append([float(f) for f in fields])
        except ValueError:
            if rows:
                break
            header.append(ln)
            continue
        if len(rows) >= limit:
            break
    if len(rows) < 10:
        return header, None
    n = min(len(r) for r in rows)
    return header, np.array([r[:n] for r in rows])


def _sniff_long_map(path: Path, head: bytes) -> bool:
    if b"\0" in head:  # binary
        return False
    text = decode_text(head)
    first = "\n".join(text.splitlines()[:5]).lower()
    return bool(re.search(r"#?\s*x\b.*(#?\s*y\b.*)?#?\s*wave", first))


def _sniff_two_column(path: Path, head: bytes) -> bool:
    if b"\0" in head:  # binary
        return False
    text = decode_text(head)
    if text.lstrip().startswith(("#Acq", "//Exported")) or _sniff_labspec(path, head):
        return False
    if _sniff_long_map(path, head):
        return False
    lines = [ln for ln in text.splitlines() if ln.strip()]
    first_num = next((i for i, ln in enumerate(lines) if re.match(r"^\s*[-+.\d]", ln)), None)
    if first_num is None or len(lines) - first_num < 10:
        return False
    htext = "\n".join(lines[:first_num])
    if _OTHER_WORDS.search(htext):
        return False
    if _RAMAN_WORDS.search(htext):
        return True
    if htext.strip():
        return False
    _header, rows = _numeric_head(text)
    if rows is None or rows.shape[1] not in (2, 3):
        return False
    x = rows[:, 0]
    step = np.diff(x)
    if not (np.all(step > 0) or np.all(step < 0)):
        return False
    # headerless: a Raman axis spans hundreds of cm⁻¹ (2θ never spans > 150, p/p0 ≤ 1)
    span = abs(x[-1] - x[0]) * (len(text.splitlines()) / max(len(rows), 1))
    return span > 150 and np.all(np.abs(x) < 10000) and np.median(np.abs(step)) < 20


@register_reader(*_with_gz(".txt", ".csv", ".dat", ".asc"), technique="raman",
                 sniff=_sniff_two_column)
def read_two_column(path: Path, *, laser: float | None = None,
                    axis_unit: str = "1/cm") -> xr.DataArray:
    """Read a two-column text or CSV spectrum (shift, intensity), either axis order.

    Parameters
    ----------
    path : Path
        Text with any separator (whitespace, tab, comma, semicolon; decimal commas allowed)
        and an optional header.
    laser : float, optional
        Laser wavelength in nm (recorded; needed if ``axis_unit`` is not ``1/cm``).
    axis_unit : {'1/cm', 'nm', '1/cm abs', 'eV'}
        Unit of the first column when the header does not say (default Raman shift).

    Returns
    -------
    xarray.DataArray
        ``(raman_shift)``, sorted ascending.

    Notes
    -----
    Column names in the header (``Raman shift (cm-1)``, ``Wavelength (nm)``, ``Intensity``)
    set the axis unit and the column order (intensity first is accepted when the header
    names it so).
    """
    from charz.io import read_text_table

    table = read_text_table(path, min_columns=2)
    attrs: dict[str, Any] = {"source": path.name}
    for k, v in table.header.items():
        if k.lower().startswith("laser"):
            lw = _laser_from_text(v)
            if lw is not None:
                attrs["laser_wavelength"] = lw
    if table.header:
        attrs["header_json"] = json.dumps(table.header, ensure_ascii=False)[:20000]
    laser_nm = _resolve_laser(attrs, laser)
    cols = [c.lower() for c in table.columns]
    if table.header_lines and not any(cols):
        last = table.header_lines[-1].lstrip("#;!% ").strip()
        names = [t.strip() for t in re.split(r"\t|,|;|\s{2,}", last) if t.strip()]
        if len(names) == table.data.shape[1]:
            cols = [n.lower() for n in names]
    xi, yi = 0, 1
    if cols and any(cols):
        for i, c in enumerate(cols):
            if re.search(r"intens|count|cts|signal", c) and i == 0 and len(cols) > 1:
                xi, yi = 1, 0
        head_x = cols[xi]
        if re.search(r"\bnm\b|wavelength", head_x):
            axis_unit = "nm"
        elif re.search(r"abs", head_x):
            axis_unit = "1/cm abs"
        elif re.search(r"\bev\b", head_x):
            axis_unit = "eV"
    unit = _norm_unit(axis_unit) or "1/cm"
    attrs["axis_unit_file"] = unit
    shift = to_raman_shift(table.data[:, xi], unit, laser_nm, name=path.name)
    return make_spectrum(table.data[:, yi], shift, attrs=attrs)


@register_reader(*_with_gz(".txt", ".csv", ".dat"), technique="raman", sniff=_sniff_long_map)
def read_long_map(path: Path, *, laser: float | None = None) -> xr.DataArray:
    """Read long-form map text (``#X #Y #Wave #Intensity``, one row per pixel × shift).

    Parameters
    ----------
    path : Path
        Renishaw WiRE "Save As .txt" of a map (or any 4-column long table; 3 columns
        ``X Wave Intensity`` for a line).
    laser : float, optional
        Laser wavelength in nm (recorded).

    Returns
    -------
    xarray.DataArray
        ``(y, x, raman_shift)`` pivoted onto the grid of unique positions (µm); points that
        do not fill a grid give ``(spectrum, raman_shift)`` with ``x``/``y`` coordinates.
    """
    text = decode_text(_read_bytes(path), name=path.name)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header_line = lines[0].lower()
    body = [ln for ln in lines if re.match(r"^\s*[-+.\d]", ln)]
    delim = "\t" if "\t" in body[0] else ("," if "," in body[0] else None)
    data = _parse_rows(body, delim)
    attrs: dict[str, Any] = {"source": path.name}
    laser_nm = _resolve_laser(attrs, laser)
    del laser_nm
    names = [t.strip("# ").lower() for t in re.split(r"[\t,;]|\s{1,}", header_line)
             if t.strip("# ")]
    if data.shape[1] == 4:
        xs, ys, wave, inten = data.T
    elif data.shape[1] == 3:
        xs, wave, inten = data.T
        ys = np.zeros_like(xs)
    else:
        raise CorruptFileError(f"{path.name}: long map text needs 3–4 columns, got {names}")
    # a block of rows per pixel: pixel starts where (x, y) changes
    change = np.r_[True, (np.diff(xs) != 0) | (np.diff(ys) != 0)]
    starts = np.flatnonzero(change)
    npix = starts.size
    if len(wave) % npix:
        raise CorruptFileError(f"{path.name}: pixels have different numbers of points")
    npts = len(wave) // npix
    spectra = inten.reshape(npix, npts)
    shift = wave[:npts]
    px, py = xs[starts], ys[starts]
    if np.unique(py).size == 1:
        return make_spectrum(spectra, shift, leading=[("x", px, {"units": "um"})], attrs=attrs)
    grid, leading, extra = _grid_or_points(spectra, px, py)
    return make_spectrum(grid, shift, leading=leading, extra_coords=extra, attrs=attrs)


# ---------------------------------------------------------------------------------------
# Renishaw WDF (renishaw-wdf, Apache-2.0)
# ---------------------------------------------------------------------------------------


def _sniff_wdf(path: Path, head: bytes) -> bool:
    return head[:4] == b"WDF1"


@register_reader(".wdf", technique="raman", sniff=_sniff_wdf, requires="wdf", extra="wdf")
def read_wdf(path: Path, *, laser: float | None = None) -> xr.DataArray:
    """Read a Renishaw WiRE ``.wdf`` file with Renishaw's ``renishaw-wdf`` package.

    Parameters
    ----------
    path : Path
        The ``.wdf`` file.
    laser : float, optional
        Laser wavelength in nm (default: the header's laser wavenumber, 1e7/ν̃).

    Returns
    -------
    xarray.DataArray
        Single: ``(raman_shift)``. Map on a full grid: ``(y, x, raman_shift)`` (µm);
        interrupted maps (``ncollected < nspectra``) are padded with NaN rows to whole
        grid rows, and ``attrs["planned_spectra"]``/``["collected_spectra"]`` say so.
        Line maps: ``(spectrum, raman_shift)`` with ``x``, ``y`` and ``distance`` (µm).
        Series: ``(time, raman_shift)`` (s since the first spectrum, ``timestamp``
        coordinate in UTC) or, for depth series, ``(z, raman_shift)`` (µm); spectra that
        are all zero (never collected) become NaN with a :class:`DataCleaningWarning`.

    Raises
    ------
    UnknownFormatError
        The x axis is neither Raman shift nor nm (e.g. "Arbitrary").
    """
    wdfmod = require("wdf", "wdf", purpose=f"read {path.name}")
    fd = open(path, "rb")
    w = wdfmod.Wdf()
    try:
        w.open_fd(fd, owned=False)
        hdr = w.hdr
        n = int(hdr.ncollected)
        npts = int(hdr.npoints)
        if n <= 0 or npts <= 0:
            raise CorruptFileError(f"{path.name}: no collected spectra")
        _, pos = w.find_section(wdfmod.WdfBlockId.DATA)
        w.fd.seek(pos + wdfmod.WdfBlock._SIZE)
        raw = w.fd.read(n * npts * 4)
        if len(raw) < n * npts * 4:
            raise CorruptFileError(f"{path.name}: DATA block is truncated")
        data = np.frombuffer(raw, "<f4").astype(float).reshape(n, npts)
        xl = w.xlist()
        xunit = str(getattr(xl.units, "name", xl.units))
        attrs: dict[str, Any] = {
            "source": path.name,
            "title": hdr.title,
            "measurement_type": str(getattr(hdr.type, "name", hdr.type)),
            "scan_type": str(getattr(hdr.scantype, "name", hdr.scantype)),
            "planned_spectra": int(hdr.nspectra),
            "collected_spectra": n,
            "accumulations": int(hdr.naccum),
            "start_time": hdr.time_start.isoformat(),
            "end_time": hdr.time_end.isoformat(),
            "axis_unit_file": xunit,
        }
        if hdr.laser_wavenumber and hdr.laser_wavenumber > 0:
            attrs["laser_wavelength"] = round(1e7 / float(hdr.laser_wavenumber), 4)
        laser_nm = _resolve_laser(attrs, laser)
        unit = {"RamanShift": "1/cm", "Nanometre": "nm", "Wavenumber": "1/cm abs",
                "ElectronVolt": "eV"}.get(xunit)
        if unit is None:
            raise UnknownFormatError(
                f"{path.name}: x axis unit {xunit!r} is not a spectral unit charz can convert "
                "to Raman shift (RamanShift, Nanometre, Wavenumber, ElectronVolt)"
            )
        shift = to_raman_shift(np.asarray(xl, float), unit, laser_nm, name=path.name)
        try:
            origins = {str(getattr(k, "name", k)): o for k, o in w.origins.items()}
        except EOFError:
            origins = {}
        orig = {}
        for key, o in origins.items():
            if key in ("Flags", "Checksum"):
                continue
            vals = o[0:n]
            orig[key] = (vals, bool(o.is_primary))
        times = None
        if "Time" in orig:
            stamps = np.array([np.datetime64(t.replace(tzinfo=None), "ns")
                               for t in orig["Time"][0]])
            times = stamps
        kind = attrs["measurement_type"]
        if n == 1 and kind != "Map":
            return make_spectrum(data[0], shift, attrs=attrs)
        zero = ~np.any(data != 0, axis=1)
        if zero.any():
            data[zero] = np.nan
            attrs["empty_spectra"] = int(zero.sum())
            warnings.warn(
                f"{path.name}: {int(zero.sum())} of {n} spectra are all zero (not collected); "
                "set to NaN",
                DataCleaningWarning,
                stacklevel=3,
            )
        extra: dict[str, Any] = {}
        if times is not None:
            extra["timestamp"] = ("_lead", times, {"long_name": "timestamp (UTC)"})
        um = {"units": "um"}
        if kind == "Map":
            try:
                area = w.map_area
            except EOFError:
                area = None
            nx = int(area.count.x) if area is not None else 0
            ny = int(area.count.y) if area is not None else 0
            line = area is not None and "XYLine" in str(area.flags)
            if area is not None and not line and nx > 1 and ny > 1 and n <= nx * ny:
                grid = np.full((ny, nx, npts), np.nan)
                placed = False
                if "Spatial_X" in orig and "Spatial_Y" in orig and area.step.x and area.step.y:
                    # place every spectrum by its recorded position: row-major, column-major
                    # and snake (alternating) scans all land right
                    ix = np.rint((np.asarray(orig["Spatial_X"][0]) - area.start.x)
                                 / area.step.x).astype(int)
                    iy = np.rint((np.asarray(orig["Spatial_Y"][0]) - area.start.y)
                                 / area.step.y).astype(int)
                    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
                    if inside.all() and np.unique(iy * nx + ix).size == n:
                        grid[iy, ix] = data
                        placed = True
                if not placed:  # no usable positions: WiRE's default row-major order
                    grid.reshape(ny * nx, npts)[:n] = data
                # rows never reached by an interrupted run are dropped
                filled = np.flatnonzero(np.isfinite(grid).any(axis=(1, 2)))
                rows = int(filled.max()) + 1 if filled.size else ny
                grid = grid[:rows]
                xs = area.start.x + area.step.x * np.arange(nx)
                ys = area.start.y + area.step.y * np.arange(rows)
                return make_spectrum(
                    grid, shift,
                    leading=[("y", ys, {**um, "long_name": "y"}),
                             ("x", xs, {**um, "long_name": "x"})],
                    attrs=attrs,
                )
            for key in ("Spatial_X", "Spatial_Y", "Spatial_Z"):
                if key in orig:
                    extra[key[-1].lower()] = ("_lead", np.asarray(orig[key][0], float), um)
            if "x" in extra and "y" in extra:
                dx = np.diff(extra["x"][1], prepend=extra["x"][1][0])
                dy = np.diff(extra["y"][1], prepend=extra["y"][1][0])
                extra["distance"] = ("_lead", np.cumsum(np.hypot(dx, dy)), um)
            return _lead(data, shift, "spectrum", np.arange(n), {"units": "1"}, extra, attrs)
        # series: the primary origin is the series axis
        primary = [k for k, (_, p) in orig.items() if p]
        if "Spatial_Z" in primary:
            z = np.asarray(orig["Spatial_Z"][0], float)
            return _lead(data, shift, "z", z, {**um, "long_name": "z"}, extra, attrs)
        if times is not None:
            seconds = (times - times[0]) / np.timedelta64(1, "s")
            attrs["start_time"] = str(np.datetime_as_string(times[0], unit="us")) + "+00:00"
            return _lead(data, shift, "time", seconds, {"units": "s", "long_name": "time"},
                         extra, attrs)
        return _lead(data, shift, "spectrum", np.arange(n), {"units": "1"}, extra, attrs)
    finally:
        fd.close()


def _lead(data, shift, dim, values, cattrs, extra, attrs) -> xr.DataArray:
    extra = {k: (dim, v, a) for k, (_, v, a) in extra.items() if k != dim}
    return make_spectrum(data, shift, leading=[(dim, values, cattrs)], extra_coords=extra,
                         attrs=attrs)


# ---------------------------------------------------------------------------------------
# Thermo/Galactic SPC
# ---------------------------------------------------------------------------------------

_SPC_XTYPES = {0: "arbitrary", 1: "1/cm", 2: "um", 3: "nm", 4: "s", 5: "min", 13: "1/cm",
               14: "eV", 22: "points"}


def _sniff_spc(path: Path, head: bytes) -> bool:
    return len(head) >= 2 and head[1] in (0x4B, 0x4D)


def _spc_y(raw: bytes, n: int, exp: int, sprec: bool, old: bool) -> tuple[np.ndarray, int]:
    """Y values of one subfile; returns (values, bytes used)."""
    if exp == -128:
        return np.frombuffer(raw[: 4 * n], "<f4").astype(float), 4 * n
    if sprec:
        ints = np.frombuffer(raw[: 2 * n], "<i2").astype(float)
        return ints * 2.0 ** (exp - 16), 2 * n
    b = np.frombuffer(raw[: 4 * n], np.uint8).reshape(n, 4)
    if old:  # old format: high-order 16-bit word first
        b = b[:, [2, 3, 0, 1]]
    ints = np.ascontiguousarray(b).view("<i4").ravel().astype(float)
    return ints * 2.0 ** (exp - 32), 4 * n


@register_reader(".spc", technique="raman", sniff=_sniff_spc)
def read_spc(path: Path, *, laser: float | None = None) -> xr.DataArray:
    """Read a Thermo/Galactic ``.spc`` file (new LSB format, old format; multi-file).

    Parameters
    ----------
    path : Path
        The ``.spc`` file.
    laser : float, optional
        Laser wavelength in nm (needed when the x axis is in nm).

    Returns
    -------
    xarray.DataArray
        ``(raman_shift)`` or ``(spectrum, raman_shift)`` for multi-file SPC (with the
        subfiles' z values as a ``z`` coordinate).

    Notes
    -----
    Layout (Galactic "SPC file format" specification, 1996): new format (``fversn``
    0x4B) = 512-byte header: ``ftflgs`` (bits TSPREC 0x01, TMULTI 0x04, TXYXYS 0x40,
    TXVALS 0x80), ``fexp`` (0x80 = float32 Y), ``fnpts`` (uint32), ``ffirst``/``flast``
    (float64), ``fnsub``, ``fxtype``; then an optional float32 x array, then per subfile a
    32-byte subheader (``subexp``, ``subindx``, ``subtime``, ``subnext``, ``subnpts`` ...)
    and its Y values (float32, or int32 scaled by 2^(exp−32)). Old format (0x4D) =
    256-byte header with float32 ``onpts``/``ofirst``/``olast`` and int32 Y with the two
    16-bit words swapped. ``fxtype`` 1 (wavenumber) and 13 (Raman shift) are both read as
    1/cm; 3 is nm. The MSB variant (0x4C) is refused. (Written from the published layout;
    no code was copied from spc-io or spc-spectra.)
    """
    raw = _read_bytes(path)
    if len(raw) < 256:
        raise CorruptFileError(f"{path.name}: shorter than an SPC header")
    flags, version = raw[0], raw[1]
    sprec, multi = bool(flags & 0x01), bool(flags & 0x04)
    xyxys, xvals = bool(flags & 0x40), bool(flags & 0x80)
    attrs: dict[str, Any] = {"source": path.name}
    if version == 0x4B:
        exp = struct.unpack_from("<b", raw, 3)[0]
        npts, first, last, nsub = struct.unpack_from("<Iddi", raw, 4)
        xtype = raw[28]
        comment = raw[88:218].split(b"\0")[0].decode("latin-1").strip()
        offset = 512
        old = False
    elif version == 0x4D:
        exp = struct.unpack_from("<h", raw, 2)[0]
        fnpts, first, last = struct.unpack_from("<fff", raw, 4)
        npts = round(fnpts)
        xtype = raw[16]
        nsub = 1 if not multi else 0
        comment = raw[64:194].split(b"\0")[0].decode("latin-1").strip()
        offset = 224  # the first subheader sits inside the 256-byte header
        old = True
    elif version == 0x4C:
        raise UnknownFormatError(f"{path.name}: big-endian (MSB, 0x4C) SPC is not supported")
    else:
        raise UnknownFormatError(f"{path.name}: not an SPC file (version byte {version:#x})")
    if comment:
        attrs["title"] = comment
    if npts <= 0 or npts > 10_000_000:
        raise CorruptFileError(f"{path.name}: implausible point count {npts}")
    x = None
    if xvals and not xyxys:
        x = np.frombuffer(raw[offset: offset + 4 * npts], "<f4").astype(float)
        offset += 4 * npts
    spectra = []
    zs = []
    while offset + 32 <= len(raw) and (nsub <= 0 or len(spectra) < nsub):
        sub = raw[offset: offset + 32]
        subexp = struct.unpack_from("<b", sub, 1)[0]
        subtime = struct.unpack_from("<f", sub, 4)[0]
        subnpts = struct.unpack_from("<I", sub, 16)[0] if xyxys else npts
        offset += 32
        if xyxys:
            x = np.frombuffer(raw[offset: offset + 4 * subnpts], "<f4").astype(float)
            offset += 4 * subnpts
        e = subexp if (multi and not old) or (old and subexp not in (0,)) else exp
        if old:
            e = exp
        need = (2 if sprec else 4) * subnpts
        if offset + need > len(raw):
            if not spectra:
                raise CorruptFileError(f"{path.name}: Y data truncated")
            break
        y, used = _spc_y(raw[offset:], subnpts, e, sprec, old)
        offset += used
        spectra.append(y)
        zs.append(subtime)
        if not multi:
            break
    if not spectra:
        raise CorruptFileError(f"{path.name}: no subfiles")
    if x is None:
        x = np.linspace(first, last, npts)
    unit = _SPC_XTYPES.get(xtype, f"code {xtype}")
    attrs["spc_x_type"] = unit
    attrs["axis_unit_file"] = unit
    laser_nm = _resolve_laser(attrs, laser)
    if unit in ("arbitrary", "points"):
        unit = "1/cm"  # undeclared axes are taken as Raman shift (stated in attrs)
    shift = to_raman_shift(x, unit, laser_nm, name=path.name)
    if len(spectra) == 1:
        return make_spectrum(spectra[0], shift, attrs=attrs)
    if len({s.size for s in spectra}) != 1:
        raise CorruptFileError(f"{path.name}: subfiles of different lengths")
    return make_spectrum(np.vstack(spectra), shift,
                         leading=[("spectrum", np.arange(len(spectra)), {"units": "1"})],
                         extra_coords={"z": ("spectrum", np.asarray(zs), {"units": "1"})},
                         attrs=attrs)


# ---------------------------------------------------------------------------------------
# Bruker OPUS (brukeropus, MIT; optional extra "opus")
# ---------------------------------------------------------------------------------------

_OPUS_MAGIC = b"\x0a\x0a\xfe\xfe"


def _sniff_opus(path: Path, head: bytes) -> bool:
    return head[:4] == _OPUS_MAGIC


@register_reader(".opus", ".0", ".1", ".2", ".0000", technique="raman", sniff=_sniff_opus,
                 requires="brukeropus", extra="opus")
def read_opus(path: Path, *, block: str = "auto", laser: float | None = None) -> xr.DataArray:
    """Read a Bruker OPUS file (FT-Raman: MultiRAM, RAM II) with ``brukeropus``.

    Parameters
    ----------
    path : Path
        OPUS file (numbered suffixes such as ``.0``; recognised by its magic bytes).
    block : str
        Data block: ``"auto"`` takes the Raman block (``r``); any other key that the file
        holds (``sm``, ``a``, ``rf`` ...) can be asked for explicitly (its x axis in cm⁻¹
        is then taken as the Raman-shift axis, which is only right for Raman data).
    laser : float, optional
        Laser wavelength in nm (default: 1e7 / the file's laser wavenumber ``LWN`` for a
        Raman block).

    Returns
    -------
    xarray.DataArray
        ``(raman_shift)``.

    Raises
    ------
    UnknownFormatError
        ``block="auto"`` and the file has no Raman block (e.g. an FTIR measurement): the
        message lists the blocks it has.
    """
    opus = require("brukeropus", "opus", purpose=f"read {path.name}")
    f = opus.read_opus(str(path))
    keys = list(getattr(f, "data_keys", []))
    if not keys:
        raise CorruptFileError(f"{path.name}: OPUS file without data blocks")
    if block == "auto":
        if "r" not in keys:
            raise UnknownFormatError(
                f"{path.name}: OPUS file without a Raman block ('r'); it holds "
                f"{', '.join(keys)} (FTIR?). Pass block=<key> to read one of them anyway"
            )
        block = "r"
    if block not in keys:
        raise UnknownFormatError(f"{path.name}: no OPUS block {block!r} (blocks: {keys})")
    data = getattr(f, block)
    params = f.params
    attrs: dict[str, Any] = {"source": path.name, "opus_block": block,
                             "opus_label": str(getattr(data, "label", block))}
    lwn = getattr(params, "lwn", None)
    if block == "r" and lwn:
        attrs["laser_wavelength"] = round(1e7 / float(lwn), 4)
    for key, name in (("ins", "instrument"), ("snm", "title")):
        if hasattr(params, key):
            attrs[name] = str(getattr(params, key))
    _resolve_laser(attrs, laser)
    attrs["axis_unit_file"] = "1/cm"
    return make_spectrum(np.asarray(data.y, float), np.asarray(data.x, float), attrs=attrs,
                         units="1")
