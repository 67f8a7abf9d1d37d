"""Text patterns: two/three-column ``.xy``/``.xye``/``.dat``/``.csv``/``.txt`` (charz,
pyFAI/Dioptas and PANalytical CSV headers) and Fit2D ``.chi``."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, DataCleaningWarning
from charz.io import (
    decode_text,
    iso_datetime,
    read_bytes,
    read_text_table,
    register_reader,
    to_float,
)
from xrd.io._common import _angstrom, _resolve_wavelength, make_pattern

__all__ = ["read_chi", "read_text_pattern", "read_xrd_table", "read_xy"]

_XRD_HINT = re.compile(
    r"2[-_ ]?th|two[_ ]?theta|2θ|angle|wavelength|anode|kalpha|k-alpha|\[scan points\]",
    re.IGNORECASE,
)


def _sniff_text(path: Path, head: bytes) -> bool:
    text = decode_text(head)
    lines = [ln for ln in text.splitlines() if ln.strip()][:60]
    header = "\n".join(ln for ln in lines if not ln.strip()[:1].isdigit())
    if not _XRD_HINT.search(header) or re.search(r"raman|wavenumber|cm-1|p/p0|\bq\s*[\[(]",
                                                 header, re.IGNORECASE):
        return False
    # and a numeric table whose first column looks like 2θ in degrees
    first = []
    for ln in text.splitlines()[:400]:
        f = re.split(r"[\s,;]+", ln.strip())
        if len(f) >= 2:
            try:
                first.append(float(f[0]))
                float(f[1])
            except ValueError:
                continue
    return len(first) >= 5 and -5.0 <= min(first) and max(first) <= 180.0


def _header_metadata(header: Mapping[str, str], lines: Sequence[str]) -> dict[str, Any]:
    """Wavelength/anode/time from a text header (several dialects)."""
    attrs: dict[str, Any] = {}
    merged = dict(header)
    for ln in lines:
        m = re.match(r"^[#;!%*\s]*([^=:,\t]+?)\s*[=:,\t]\s*(.*?)\s*$", ln)
        if m and m.group(2):
            merged.setdefault(m.group(1).strip(), m.group(2).strip().strip('"'))
    norm = {re.sub(r"[\s_\-]+", "", k.lower()): v for k, v in merged.items()}

    def get(*keys: str) -> str | None:
        for k in keys:
            if k in norm and norm[k].strip():
                return norm[k]
        return None

    # charz example header (nm)
    v = get("wavelengthka1nm", "wavelengthnm", "lambdanm")
    if v is not None:
        attrs["wavelength"] = to_float(v)
    v = get("wavelengthka2nm")
    if v is not None:
        attrs["wavelength_ka2"] = to_float(v)
    v = get("ka2ka1ratio", "ratiokalpha2/kalpha1", "ratioka2/ka1", "ka2ratio")
    if v is not None:
        attrs["ka2_ratio"] = to_float(v)
    # PANalytical CSV export (Å)
    v = get("kalpha1wavelength")
    if v is not None and "wavelength" not in attrs:
        attrs["wavelength"] = _angstrom(v)
    v = get("kalpha2wavelength")
    if v is not None and "wavelength_ka2" not in attrs:
        attrs["wavelength_ka2"] = _angstrom(v)
    v = get("wavelengthangstrom", "wavelengtha", "wavelength(a)", "wavelength(å)", "lambdaa")
    if v is not None and "wavelength" not in attrs:
        attrs["wavelength"] = _angstrom(v)
    # pyFAI / Dioptas: metres; a bare "wavelength": metres if < 1e-6, else Å
    v = get("wavelength")
    if v is not None and "wavelength" not in attrs:
        f = to_float(v.split()[0]) if v.split() else None
        if f is not None and f > 0:
            attrs["wavelength"] = f * 1e9 if f < 1e-6 else f / 10.0
    v = get("anode", "anodematerial", "target")
    if v is not None:
        attrs["anode"] = v.strip().strip('"').capitalize()
    v = get("starttime", "filedateandtime", "datetime", "date")
    if v is not None:
        attrs["start_time"] = iso_datetime(v)
    v = get("exposures", "exposuretime", "countingtime")
    if v is not None:
        attrs["counting_time_s"] = to_float(v)
        attrs["exposure_s"] = to_float(v)  # charz.series stamps frames at start + exposure/2
    return attrs


def _table_to_scan(path: Path, table: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    data = table.data
    if data.shape[1] < 2:
        raise CorruptFileError(f"{path.name}: needs at least 2 columns (2θ, intensity)")
    x = data[:, 0]
    y = data[:, 1]
    s = data[:, 2] if data.shape[1] >= 3 else None
    if np.nanmax(x) > 180 or np.nanmin(x) < -180:
        raise CorruptFileError(
            f"{path.name}: the first column ({np.nanmin(x):g}–{np.nanmax(x):g}) is not 2θ in deg"
        )
    return x, y, s


def read_text_pattern(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a 2- or 3-column text pattern (2θ in deg, intensity[, σ]).

    Parameters
    ----------
    path : Path
        ``.xy``, ``.xye``, ``.dat``, ``.csv``, ``.txt`` (optionally ``.bz2``/``.gz``).
    wavelength : float, optional
        X-ray wavelength in nm; required when the header has none and names no anode.

    Returns
    -------
    xarray.DataArray
        Dimension ``two_theta`` (deg); ``sigma`` coordinate when a third column exists.

    Notes
    -----
    Header dialects understood: ``# wavelength_ka1_nm: 0.1540593`` (nm; with
    ``wavelength_ka2_nm``, ``ka2_ka1_ratio``, ``anode``, ``start_time``, ``exposure_s``),
    pyFAI/Dioptas ``# Wavelength: 3.2e-11`` (**metres**), PANalytical CSV
    ``K-Alpha1 wavelength,1.5405980`` (Å) with ``[Scan points]``.
    """
    table = read_text_table(path, min_columns=2)
    attrs = _header_metadata(table.header, table.header_lines)
    x, y, s = _table_to_scan(path, table)
    attrs["header_json"] = json.dumps(table.header, ensure_ascii=False)[:20000]
    attrs["source"] = path.name
    attrs = _resolve_wavelength(path, attrs, wavelength)
    return make_pattern(x, y, sigma=s, attrs=attrs)


@register_reader(".xy", ".xye", technique="xrd")
def read_xy(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read ``.xy``/``.xye`` (see :func:`read_text_pattern`)."""
    return read_text_pattern(path, wavelength=wavelength)


@register_reader(".dat", ".csv", ".txt", technique="xrd", sniff=_sniff_text)
def read_xrd_table(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read ``.dat``/``.csv``/``.txt`` whose header says XRD (see :func:`read_text_pattern`)."""
    return read_text_pattern(path, wavelength=wavelength)


@register_reader(".chi", technique="xrd")
def read_chi(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Fit2D ``.chi`` pattern: 4 header lines (title, x label, y label, N), 2 columns.

    The x label must say 2-theta (a ``Q`` axis raises); the file has no wavelength, so
    ``wavelength`` (nm) is required.
    """
    text = decode_text(read_bytes(path))
    lines = text.splitlines()
    if len(lines) < 5:
        raise CorruptFileError(f"{path.name}: a .chi file needs 4 header lines and data")
    xlabel = lines[1].strip()
    if not re.search(r"2-?theta|2th", xlabel, re.IGNORECASE):
        raise CorruptFileError(
            f"{path.name}: x axis {xlabel!r} is not 2θ (only 2θ .chi files are XRD patterns)"
        )
    try:
        npts = int(lines[3].split()[0])
    except (IndexError, ValueError):
        raise CorruptFileError(f"{path.name}: line 4 must hold the point count") from None
    rows = [ln.split()[:2] for ln in lines[4 : 4 + npts] if ln.strip()]
    if len(rows) < 2 or any(len(r) < 2 for r in rows):
        raise CorruptFileError(f"{path.name}: no 2-column data after the 4 header lines")
    arr = np.array(rows, dtype=float)
    if len(rows) != npts:
        warnings.warn(
            f"{path.name}: the header announces {npts} points but the file holds "
            f"{len(rows)}; the {len(rows)} points present are returned (file truncated?)",
            DataCleaningWarning,
            stacklevel=2,
        )
    x, y = arr[:, 0], arr[:, 1]
    attrs = {"title": lines[0].strip(), "source": path.name}
    attrs = _resolve_wavelength(path, attrs, wavelength)
    return make_pattern(x, y, attrs=attrs)

