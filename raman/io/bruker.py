"""Bruker OPUS (FT-Raman) through ``brukeropus`` (MIT; optional extra ``opus``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, UnknownFormatError
from charz.io import register_reader, require
from raman.io._common import _resolve_laser, make_spectrum

__all__ = ["read_opus"]

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
    return make_spectrum(np.asarray(data.x, float), np.asarray(data.y, float), attrs=attrs,
                         units="1")

