"""GSAS powder files (``BANK`` records) with λ from a ``.prm``/``.instprm``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import decode_text, inner_name, original_path, read_bytes, register_reader
from xrd.io._common import _resolve_wavelength, make_pattern

__all__ = ["read_gsas"]


def _prm_wavelength(prm: Path) -> dict[str, Any]:
    """Kα1/Kα2 (nm) and ratio from a GSAS ``.prm`` (``ICONS``) or GSAS-II ``.instprm``."""
    text = decode_text(prm.read_bytes())
    out: dict[str, Any] = {}
    for line in text.splitlines():
        m = re.match(r"INS\s+\d+\s*ICONS\s+(.*)", line)
        if m:
            f = m.group(1).split()
            lam1, lam2 = float(f[0]), float(f[1])
            out["wavelength"] = lam1 / 10.0
            if lam2 > 0:
                out["wavelength_ka2"] = lam2 / 10.0
                if len(f) >= 7:
                    out["ka2_ratio"] = float(f[6])
            break
        m = re.match(r"\s*(Lam1|Lam2|Lam|I\(L2\)/I\(L1\))\s*[:=]\s*([-\d.eE+]+)", line)
        if m:
            key = {"Lam1": "wavelength", "Lam": "wavelength", "Lam2": "wavelength_ka2",
                   "I(L2)/I(L1)": "ka2_ratio"}[m.group(1)]
            v = float(m.group(2))
            out[key] = v if key == "ka2_ratio" else v / 10.0
    return out


def _companion_prm(path: Path) -> Path | None:
    """The ``.prm``/``.instprm`` beside the file (beside the original of a ``.gz`` copy)."""
    origin = original_path(path)
    folder = origin.parent
    stem = inner_name(origin).split(".")[0].lower()
    cands = [p for p in folder.iterdir()
             if p.suffix.lower() in (".prm", ".instprm", ".inst")]
    same = [p for p in cands if p.name.split(".")[0].lower() == stem]
    if same:
        return same[0]
    return cands[0] if len(cands) == 1 else None


@register_reader(".gsa", ".gss", ".xra", ".fxye", ".gsas", technique="xrd")
def read_gsas(
    path: Path, *, wavelength: float | None = None, instprm: str | Path | None = None
) -> xr.DataArray:
    """Read a GSAS powder file (``BANK`` records: CONST STD/ESD, ALT, FXYE).

    Parameters
    ----------
    path : Path
        The file.
    wavelength : float, optional
        λ in nm; else taken from ``instprm`` or a companion ``.prm``/``.instprm`` (same
        stem, or the only one in the folder); else :class:`MissingMetadataError`.
    instprm : path, optional
        Instrument-parameter file to take λ from.

    Notes
    -----
    Start and step of CONST binning and FXYE/ALT x values are in **centidegrees**.
    """
    text = decode_text(read_bytes(path))
    lines = text.splitlines()
    bank_i = next((i for i, ln in enumerate(lines) if ln.startswith("BANK")), None)
    if bank_i is None:
        raise CorruptFileError(f"{path.name}: no BANK record (not a GSAS powder file)")
    f = lines[bank_i].split()
    nchan = int(f[2])
    bintyp = f[4].upper() if len(f) > 4 else "CONST"
    fmt = f[-1].upper() if f[-1].upper() in ("STD", "ESD", "ALT", "FXYE") else "STD"
    body = []
    for ln in lines[bank_i + 1:]:
        if ln.startswith("BANK"):
            break
        body.append(ln)
    sigma = None
    if bintyp == "CONST" and fmt in ("STD", "ESD"):
        start, step = float(f[5]) / 100.0, float(f[6]) / 100.0
        width = 8
        fields = [ln[i : i + width] for ln in body for i in range(0, 80, width)
                  if ln[i : i + width].strip()]
        if fmt == "STD":
            vals = np.array([float(fl[2:]) if fl[2:].strip() else 0.0 for fl in fields])
            ncnt = np.array([float(fl[:2]) if fl[:2].strip() else 1.0 for fl in fields])
            y = vals[:nchan]
            sigma = np.sqrt(np.clip(y, 0, None) / ncnt[:nchan])
        else:
            vals = np.array([float(fl) for fl in fields])
            y, sigma = vals[0::2][:nchan], vals[1::2][:nchan]
        if y.size < nchan:
            raise CorruptFileError(
                f"{path.name}: BANK says {nchan} points, found {y.size} (truncated?)")
        x = start + step * np.arange(nchan)
    else:  # ALT or FXYE: x (centidegrees), y, σ
        nums = np.array([v for ln in body for v in ln.split()], dtype=float)
        if fmt == "ALT":
            fields = [ln[i : i + 20] for ln in body for i in range(0, 80, 20)
                      if ln[i : i + 20].strip()]
            nums = np.array([[float(fl[0:8]), float(fl[8:15]), float(fl[15:20])]
                             for fl in fields]).ravel()
        arr = nums[: 3 * (nums.size // 3)].reshape(-1, 3)
        if arr.shape[0] < nchan:
            raise CorruptFileError(
                f"{path.name}: BANK says {nchan} points, found {arr.shape[0]} (truncated?)")
        x, y, sigma = arr[:nchan, 0] / 100.0, arr[:nchan, 1], arr[:nchan, 2]
    attrs: dict[str, Any] = {"title": lines[0].strip()}
    prm = Path(instprm) if instprm is not None else (
        None if wavelength is not None else _companion_prm(path))
    if prm is not None:
        attrs.update(_prm_wavelength(prm))
        attrs["instprm"] = prm.name
    attrs = _resolve_wavelength(path, attrs, wavelength)
    attrs["source"] = path.name
    return make_pattern(x, y, sigma=sigma, attrs=attrs)

