"""Quantachrome / Anton Paar text exports (Raw Analysis Data and ASiQwin reports)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, MissingMetadataError
from charz.io import register_reader
from sorption._adsorbates import canonical_name
from sorption.io._isotherm import (
    _build_isotherm,
    _head_text,
    _named,
    _num,
    _read_text,
    _temperature_k,
    pressure_factor,
)

# ---------------------------------------------------------------------------------------
# Quantachrome / Anton Paar text exports
# ---------------------------------------------------------------------------------------


def _sniff_qnt(path: Path, head: bytes) -> bool:
    t = _head_text(head)
    return "Quantachrome" in t or ("Analysis gas" in t and "Volume @ STP" in t)


# fields are padded to fixed columns; a long value runs into the next label without a
# space ("Sample ID:     nk_DUT-6_LP_N2_114pktFilename:     NK_DUT-6...raw"), so the
# labels that follow a value on the same line also end it when glued to it
_QNT_FIELD = re.compile(
    r"([A-Z][A-Za-z. -]*?):\s*(.*?)(?=\s{2,}[A-Z][A-Za-z. -]*?:|\s*Non-ideality:"
    r"|(?:Filename|Comment|Operator|Date|Instrument|Sample Weight|Sample Volume):|$)"
)


@register_reader(".txt", technique="sorption", sniff=_sniff_qnt)
@_named
def read_quantachrome(path: Path) -> xr.Dataset:
    """Read a Quantachrome ASiQwin/NovaWin "Raw Analysis Data" or ASiQwin "(Isotherm)" .txt.

    Raw data: pressure (Torr/mmHg) or p/p0, p0 per point and volume in cc(STP) **per
    sample**, divided here by the header's sample weight. Isotherm reports: p/p0 and
    cc(STP)/g. Latin-1/cp1252 text. The bath temperature is the header's (a NovaWin file
    with 273 K for N2 is kept as written and flagged in ``attrs["metadata_warning"]``).
    """
    text = _read_text(path)
    lines = text.splitlines()
    meta: dict[str, str] = {}
    for ln in lines[:40]:
        for m in _QNT_FIELD.finditer(ln.strip()):
            meta.setdefault(m.group(1).strip().lower(), m.group(2).strip())
    gas = meta.get("analysis gas") or meta.get("adsorbate")
    if not gas:
        m = re.search(r"Adsorbate\s+(\w+)", text)
        gas = m.group(1) if m else None
    if not gas:
        raise MissingMetadataError(f"{path.name}: no 'Analysis gas' in the header")
    mass = _num(meta.get("sample weight"))
    t_txt = meta.get("bath temp.") or meta.get("bath temp")
    m = re.search(r"Temperature\s+([\d.]+)\s*K", text)
    if t_txt is None and m:
        t_txt = m.group(1)
    if t_txt is None:
        raise MissingMetadataError(f"{path.name}: no bath temperature in the header")
    t = _temperature_k(t_txt)
    # find the column header: the line naming 'Volume @ STP'
    i_hdr = next((i for i, ln in enumerate(lines) if "Volume @ STP" in ln), None)
    if i_hdr is None:
        raise CorruptFileError(f"{path.name}: no 'Volume @ STP' column header")
    hdr = lines[i_hdr]
    is_report = "(Isotherm)" in path.name or "Relative" in hdr or (
        i_hdr > 0 and "Relative" in lines[i_hdr])
    unit_line = ""
    for ln in lines[i_hdr + 1:i_hdr + 5]:
        if ln.strip() and not re.match(r"^\s*[-+\d.]", ln):
            unit_line = ln
            break
    rows = []
    for ln in lines[i_hdr + 1:]:
        f = ln.split()
        vals = [_num(v) for v in f]
        if f and all(v is not None for v in vals):
            rows.append(vals)
        elif rows and f:
            break
    if not rows:
        raise CorruptFileError(f"{path.name}: no data rows after the column header")
    ncol = min(len(r) for r in rows)
    arr = np.array([r[:ncol] for r in rows], dtype=float)
    attrs = {"sample": meta.get("sample id") or path.stem,
             "instrument": meta.get("instrument"), "format": "Quantachrome txt"}
    if canonical_name(gas) == "N2" and not 60 < t < 100:
        attrs["metadata_warning"] = f"bath temperature {t} K is not a liquid-N2 temperature"
    hdr_low = hdr.lower()
    per_gram = "cc/g" in unit_line.replace(" ", "") or (is_report and "cc/g" in text)
    unit = "cm3(STP)/g" if per_gram else "cm3(STP)"
    if "p/po" in hdr_low:
        # NovaWin raw: P/Po, Po, Volume
        return _build_isotherm(
            amount=arr[:, 2], amount_unit=unit, adsorbate_name=gas, temperature_k=t,
            relative_pressure=arr[:, 0], p0=arr[:, 1] * pressure_factor(
                unit_line.split()[0] if unit_line.split() else "Torr"),
            sample_mass_g=mass, attrs=attrs, source=path.name,
        )
    if is_report or ncol == 2:
        return _build_isotherm(
            amount=arr[:, 1], amount_unit="cm3(STP)/g", adsorbate_name=gas, temperature_k=t,
            relative_pressure=arr[:, 0], sample_mass_g=mass, attrs=attrs, source=path.name,
        )
    punit = unit_line.split()[0] if unit_line.split() else "Torr"
    f = pressure_factor(punit)
    return _build_isotherm(
        amount=arr[:, 2], amount_unit=unit, adsorbate_name=gas, temperature_k=t,
        pressure=arr[:, 0] * f, p0=arr[:, 1] * f, sample_mass_g=mass, attrs=attrs,
        source=path.name,
    )
