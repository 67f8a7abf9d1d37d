"""Plain CSV isotherms: the charz layout and BETSI/BEaTmap two-column files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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
from sorption.io.bel import _read_bel_csv
from sorption.io.pygaps import _read_pygaps_csv

# ---------------------------------------------------------------------------------------
# plain CSV (charz), BETSI/BEaTmap 2-column CSV, pyGAPS CSV
# ---------------------------------------------------------------------------------------


def _sniff_csv(path: Path, head: bytes) -> bool:
    text = _head_text(head)
    low = text.lower()
    if "# adsorbate" in low or "relative pressure (p/po)" in low:
        return True
    if "pressure_mode" in low and "loading" in low:  # pyGAPS CSV
        return True
    if "adsorptive" in low and ("ads" in low) and ("p/p0" in low or "pe/kpa" in low
                                                   or "pe/ kpa" in low):
        return True  # BELMaster CSV
    if "relative_pressure" in low and "amount" in low:
        return True
    if "no,pi/kpa" in low.replace(" ", "") or "quantity adsorbed" in low:
        return True
    return False


@register_reader(".csv", technique="sorption", sniff=_sniff_csv)
@_named
def read_csv(
    path: Path,
    *,
    adsorbate: str | None = None,
    temperature_k: float | None = None,
    sample_mass_g: float | None = None,
    amount_unit: str | None = None,
) -> xr.Dataset:
    """Read a sorption CSV: charz plain CSV, BETSI/BEaTmap two-column CSV, pyGAPS CSV, BELMaster.

    Parameters
    ----------
    path : Path
        The file.
    adsorbate, temperature_k, sample_mass_g, amount_unit : optional
        Override or supply metadata the file lacks (BETSI files carry none: N2 at 77 K and
        cm^3(STP)/g are assumed for them and recorded in ``attrs["assumed"]``).

    Returns
    -------
    xarray.Dataset
        The isotherm (see the module docstring).
    """
    text = _read_text(path)
    low = text[:4000].lower()
    if "pressure_mode" in low and "loading" in low:
        return _read_pygaps_csv(path, text, adsorbate, temperature_k)
    if ("adsorptive" in low and "\nads" in low.replace("\r", "")) or "no,pi/kpa" in low.replace(
        " ", ""
    ):
        return _read_bel_csv(path, text)
    return _read_plain_csv(path, text, adsorbate, temperature_k, sample_mass_g, amount_unit)


def _read_plain_csv(path, text, adsorbate_name, temperature_k, sample_mass_g, amount_unit):
    header: dict[str, str] = {}
    rows: list[list[str]] = []
    colnames: list[str] | None = None
    for ln in text.splitlines():
        s = ln.strip()
        if not s:
            continue
        if s.startswith("#"):
            m = re.match(r"#\s*([^:=]+?)\s*[:=]\s*(.*)$", s)
            if m:
                header[m.group(1).strip().lower()] = m.group(2).strip()
            continue
        fields = [f.strip().strip('"') for f in s.split(",")]
        if colnames is None and any(_num(f) is None for f in fields if f):
            if not all(f.lower() in ("ads", "des", "adsorption", "desorption") or _num(f)
                       is not None for f in fields):
                colnames = [f.lower() for f in fields]
                continue
        rows.append(fields)
    if not rows:
        raise CorruptFileError(f"{path.name}: no data rows")
    assumed = []
    if colnames is None:
        colnames = (["relative_pressure", "amount"] if len(rows[0]) == 2
                    else [f"c{i}" for i in range(len(rows[0]))])
    col = {name: i for i, name in enumerate(colnames)}

    def find(*keys: str) -> int | None:
        for k in keys:
            for name, i in col.items():
                if name == k or name.startswith(k):
                    return i
        for k in keys:
            for name, i in col.items():
                if k in name:
                    return i
        return None

    i_p = find("relative_pressure", "relative pressure", "p/p0", "p/po", "prel")
    i_pa = find("pressure_pa", "absolute pressure", "pressure", "p_pa")
    i_p0 = find("p0_pa", "p0", "saturation")
    i_n = find("amount", "quantity adsorbed", "loading", "quantity")
    i_b = find("branch")
    if i_n is None:
        if len(colnames) == 2:
            i_p, i_n = 0, 1
        else:
            raise CorruptFileError(f"{path.name}: no amount column in {colnames}")
    unit = amount_unit or header.get("amount_unit")
    if unit is None:
        m = re.search(r"\(([^)]*(?:cm3|cm³|mmol|mol|ml|cc)[^)]*)\)", colnames[i_n])
        if m:
            unit = m.group(1)
            if "stp" in colnames[i_n] and "stp" not in unit.lower():
                unit += " STP"
    if unit is None:
        unit = "cm3(STP)/g"
        assumed.append("amount in cm3(STP)/g")
    ads_name = adsorbate_name or header.get("adsorbate") or header.get("adsorptive")
    if ads_name is None:
        if i_p is None:
            raise MissingMetadataError(
                f"{path.name}: absolute pressures, but no adsorbate named in the file; pass "
                "adsorbate=... and temperature_k=..."
            )
        ads_name = "N2"  # BETSI/BEaTmap-style 2-column N2 files carry no metadata
        assumed.append("adsorbate N2")
    t = temperature_k
    if t is None:
        for key in ("temperature_k", "temperature", "temperature (k)"):
            if key in header:
                t = _temperature_k(header[key])
                break
    if t is None:
        if canonical_name(ads_name) == "N2":
            t = 77.35
            assumed.append("temperature 77.35 K")
        else:
            raise MissingMetadataError(
                f"{path.name}: no temperature in the file; pass temperature_k=..."
            )
    mass = sample_mass_g
    if mass is None and "sample_mass_g" in header:
        mass = _num(header["sample_mass_g"])
    data = rows
    n = np.array([_num(r[i_n]) if len(r) > i_n else np.nan for r in data], dtype=float)
    prel = pabs = p0 = None
    if i_p is not None:
        prel = np.array([_num(r[i_p]) for r in data], dtype=float)
    elif i_pa is not None:
        punit = header.get("pressure_unit")
        if punit is None:
            m = re.search(r"\((pa|kpa|mpa|bar|mbar|mmhg|torr|atm)\)", colnames[i_pa])
            punit = m.group(1) if m else None
        if punit is None:
            raise MissingMetadataError(
                f"{path.name}: absolute-pressure column {colnames[i_pa]!r} without a unit; "
                "add '# pressure_unit: kPa' (or mmHg, bar ...) to the header"
            )
        f = pressure_factor(punit)
        pabs = np.array([_num(r[i_pa]) for r in data], dtype=float) * f
        if i_p0 is not None:
            p0 = np.array([_num(r[i_p0]) for r in data], dtype=float) * f
    else:
        raise CorruptFileError(f"{path.name}: no pressure column in {colnames}")
    br = [r[i_b] for r in data] if i_b is not None else None
    attrs: dict[str, Any] = {"sample": header.get("sample", path.stem), "format": "CSV"}
    for key, factor in (("p0_mpa", 1e6), ("p0_kpa", 1e3), ("p0_pa", 1.0)):
        if key in header and p0 is None and _num(header[key]) is not None:
            attrs["p0_Pa"] = float(_num(header[key])) * factor  # type: ignore[arg-type]
    if assumed:
        attrs["assumed"] = assumed
    return _build_isotherm(
        amount=n, amount_unit=unit, adsorbate_name=ads_name, temperature_k=t,
        relative_pressure=prel, pressure=pabs, p0=p0, branch=br, sample_mass_g=mass,
        attrs=attrs, source=path.name,
    )
