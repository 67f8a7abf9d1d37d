"""NIST 6-column ``.ABS`` files (SANS and slit-smeared USANS)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.io import decode_text, read_text_table, register_reader
from saxs.io._common import _Q_TO_NM, _resolve_q_unit, make_curve, q_unit_from_text
from saxs.io.text import _numeric_rows

__all__ = ["read_abs"]


def _sniff_abs(path: Path, head: bytes) -> bool:
    return _numeric_rows(decode_text(head)) is not None


@register_reader(".abs", technique="saxs", sniff=_sniff_abs)
def read_abs(path: Path, *, q_unit: str | None = None,
             drop_invalid: bool = False) -> xr.DataArray:
    """Read a NIST 6-column ``.ABS`` file (SANS or slit-smeared USANS).

    Columns: Q, I(Q), σ(I), σQ, mean Q, shadow factor. The NIST format defines Q in 1/Å and
    I in 1/cm (used when the header does not restate it; ``q_unit`` overrides). A negative
    4th column is the USANS convention for a slit-smeared curve: −(slit length) in 1/Å,
    stored as ``attrs["slit_length"]`` in 1/nm. ``Ds = 0.1 cm ; Twide = 0.93`` headers give
    thickness (cm) and transmission.
    """
    path = Path(path)
    table = read_text_table(path, min_columns=4)
    header = "\n".join(table.header_lines)
    d = table.data
    file_unit = q_unit_from_text(header)
    from_format = file_unit is None
    unit, how = _resolve_q_unit(file_unit or "1/A", q_unit, path.name, from_format=from_format)
    attrs: dict[str, Any] = {}
    slit = None
    if d.shape[1] >= 4 and np.all(d[:, 3] < 0):
        slit = float(-np.median(d[:, 3]))
        attrs["slit_length"] = slit * _Q_TO_NM[unit]
        attrs["smearing"] = "slit"
    m = re.search(r"\bDs\s*=\s*([-+.\deE]+)\s*cm", header)
    if m:
        attrs["thickness_cm"] = float(m.group(1))
    m = re.search(r"\bTwide\s*=\s*([-+.\deE]+)", header)
    if m:
        attrs["transmission"] = float(m.group(1))
    m = re.search(r"THICK[^\n]*\n\s*([^\n]+)", header)
    if m and "TRANS" in header:
        # SANS header: "MON CNT LAMBDA DET ANG DET DIST TRANS THICK AVE STEP" + value line
        vals = m.group(1).split()
        try:
            attrs["transmission"] = float(vals[4])
            attrs["thickness_cm"] = float(vals[5])
            attrs["wavelength_nm"] = float(vals[1]) / 10.0
        except (IndexError, ValueError):
            pass
    dq = d[:, 3] if slit is None else None
    return make_curve(d[:, 0], d[:, 1], sigma=d[:, 2], q_unit=unit, q_unit_from=how,
                      intensity_unit="1/cm", dq=dq, name=path.name, attrs=attrs,
                      drop_invalid=drop_invalid)


