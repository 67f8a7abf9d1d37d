"""Generic text: two-column spectra (either axis order, any separator) and long-form map
text (``#X #Y #Wave #Intensity``, Renishaw WiRE "Save As .txt")."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import decode_text, read_bytes, read_text_table, register_reader
from raman.io import _common as common
from raman.io.horiba import _sniff_labspec

__all__ = ["read_long_map", "read_two_column"]

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


@register_reader(".txt", ".csv", ".dat", ".asc", technique="raman",
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
    table = read_text_table(path, min_columns=2)
    attrs: dict[str, Any] = {"source": path.name}
    for k, v in table.header.items():
        if k.lower().startswith("laser"):
            lw = common._laser_from_text(v)
            if lw is not None:
                attrs["laser_wavelength"] = lw
    if table.header:
        attrs["header_json"] = json.dumps(table.header, ensure_ascii=False)[:20000]
    laser_nm = common._resolve_laser(attrs, laser)
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
    unit = common._norm_unit(axis_unit) or "1/cm"
    attrs["axis_unit_file"] = unit
    shift = common.to_raman_shift(table.data[:, xi], unit, laser_nm, name=path.name)
    return common.make_spectrum(shift, table.data[:, yi], attrs=attrs)


@register_reader(".txt", ".csv", ".dat", technique="raman", sniff=_sniff_long_map)
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
    text = decode_text(read_bytes(path), name=path.name)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header_line = lines[0].lower()
    body = [ln for ln in lines if re.match(r"^\s*[-+.\d]", ln)]
    delim = "\t" if "\t" in body[0] else ("," if "," in body[0] else None)
    data = common._parse_rows(body, delim)
    attrs: dict[str, Any] = {"source": path.name}
    laser_nm = common._resolve_laser(attrs, laser)
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
        return common.make_spectrum(shift, spectra, leading=[("x", px, {"units": "um"})],
                                    attrs=attrs)
    grid, leading, extra = common._grid_or_points(spectra, px, py)
    return common.make_spectrum(shift, grid, leading=leading, extra_coords=extra, attrs=attrs)


