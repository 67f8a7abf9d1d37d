"""What every Raman reader shares: the spectrum builder, the axis conversion, the laser rule."""

from __future__ import annotations

import io as _io
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import (
    CorruptFileError,
    DataCleaningWarning,
    MissingMetadataError,
    UnknownFormatError,
)
from charz.io import resolve_metadata

__all__ = ["CM_PER_EV", "make_spectrum", "to_raman_shift"]

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



def make_spectrum(
    shift: np.ndarray,
    intensity: np.ndarray,
    *,
    leading: Sequence[tuple[str, np.ndarray, Mapping[str, Any]]] = (),
    extra_coords: Mapping[str, tuple[Any, np.ndarray, Mapping[str, Any]]] | None = None,
    units: str = "count",
    attrs: Mapping[str, Any] | None = None,
) -> xr.DataArray:
    """Build a Raman DataArray in charz's data model (axis sorted ascending).

    Parameters
    ----------
    shift : ndarray
        Raman shift in 1/cm, length ``npoints`` (any order; sorted on output).
    intensity : ndarray
        Intensities, shape ``(*leading, npoints)``.
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



def _parse_rows(lines: Sequence[str], delimiter: str | None, decimal: str = ".") -> np.ndarray:
    """Numeric rows (same length) → 2-D array; empty cells → NaN."""
    text = "\n".join(lines)
    if decimal == ",":
        text = text.replace(",", ".")
    arr = np.genfromtxt(_io.StringIO(text), delimiter=delimiter, dtype=float)
    return np.atleast_2d(arr)



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


def _blank(values: np.ndarray, mask: np.ndarray, attrs: dict[str, Any], key: str, name: str,
           what: str) -> np.ndarray:
    """NaN where ``mask`` (broadcast) is true; the count goes to ``attrs[key]`` and a
    :class:`DataCleaningWarning` says ``"<name>: <count> <what>; set to NaN"``."""
    count = int(mask.sum())
    attrs[key] = count
    warnings.warn(f"{name}: {count} {what}; set to NaN", DataCleaningWarning, stacklevel=4)
    return np.where(mask, np.nan, values)
