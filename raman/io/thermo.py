"""Thermo/Galactic ``.spc`` (new LSB format, old format; single and multi-file)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, UnknownFormatError
from charz.io import read_bytes, register_reader
from raman.io._common import _resolve_laser, make_spectrum, to_raman_shift

__all__ = ["read_spc"]

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
    raw = read_bytes(path)
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
        return make_spectrum(shift, spectra[0], attrs=attrs)
    if len({s.size for s in spectra}) != 1:
        raise CorruptFileError(f"{path.name}: subfiles of different lengths")
    return make_spectrum(shift, np.vstack(spectra),
                         leading=[("spectrum", np.arange(len(spectra)), {"units": "1"})],
                         extra_coords={"z": ("spectrum", np.asarray(zs), {"units": "1"})},
                         attrs=attrs)


