"""Renishaw WiRE ``.wdf`` through Renishaw's ``renishaw-wdf`` package (Apache-2.0)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, UnknownFormatError
from charz.io import register_reader, require
from raman.io._common import _blank, _resolve_laser, make_spectrum, to_raman_shift

__all__ = ["read_wdf"]


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
            return make_spectrum(shift, data[0], attrs=attrs)
        zero = ~np.any(data != 0, axis=1)
        if zero.any():
            data = _blank(data, zero[:, None], attrs, "empty_spectra", path.name,
                          f"of {n} spectra are all zero (not collected)")
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
                return make_spectrum(shift, grid,
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
    return make_spectrum(shift, data, leading=[(dim, values, cattrs)], extra_coords=extra,
                         attrs=attrs)
