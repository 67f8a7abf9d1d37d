"""Anton Paar / Glatter ``.pdh`` files (SAXSess, SAXSpace; PCG software)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import decode_text, read_bytes, register_reader
from saxs.io._common import _resolve_q_unit, make_curve

__all__ = ["read_pdh"]


def _sniff_pdh(path: Path, head: bytes) -> bool:
    lines = decode_text(head).splitlines()
    if len(lines) < 6:
        return False
    try:
        n = int(lines[2].split()[0])
        [float(v) for v in lines[3].split()[:5]]
    except (ValueError, IndexError):
        return False
    return n > 0


@register_reader(".pdh", technique="saxs", sniff=_sniff_pdh)
def read_pdh(path: Path, *, q_unit: str | None = None,
             drop_invalid: bool = False) -> xr.DataArray:
    """Read a Glatter/Anton Paar PDH file (SAXSess, SAXSpace; PCG software).

    Layout: title line, keyword line, 8 integers (the first is the number of points),
    two lines of 5 reals (line 4, 5th value: wavelength in nm), then ``n`` rows of q, I,
    σ. Anton Paar writes q in 1/nm (the format's unit; ``q_unit`` overrides).
    """
    path = Path(path)
    text = decode_text(read_bytes(path), name=path.name)
    lines = text.splitlines()
    if len(lines) < 6:
        raise CorruptFileError(f"{path.name}: a PDH file needs 5 header lines and data")
    try:
        n = int(lines[2].split()[0])
        reals = [float(v) for v in lines[3].split()] + [float(v) for v in lines[4].split()]
    except (ValueError, IndexError):
        raise CorruptFileError(f"{path.name}: PDH header lines 3–5 are not numeric") from None
    body = [ln.split() for ln in lines[5:5 + n]]
    if len(body) < n:
        raise CorruptFileError(f"{path.name}: header promises {n} points, file has {len(body)}")
    try:
        d = np.array([[float(v) for v in row[:3]] for row in body])
    except ValueError as exc:
        raise CorruptFileError(f"{path.name}: non-numeric data row ({exc})") from None
    if d.ndim != 2 or d.shape[1] < 2:
        raise CorruptFileError(f"{path.name}: PDH rows need q and I columns")
    unit, how = _resolve_q_unit("1/nm", q_unit, path.name, from_format=True)
    attrs = {"title": lines[0].strip(), "keywords": lines[1].strip()}
    if len(reals) >= 5 and reals[4] > 0:
        attrs["wavelength_nm"] = reals[4]
    sigma = d[:, 2] if d.shape[1] >= 3 else None
    return make_curve(d[:, 0], d[:, 1], sigma=sigma, q_unit=unit, q_unit_from=how,
                      intensity_unit="1", name=path.name, attrs=attrs,
                      drop_invalid=drop_invalid)


