"""pyGAPS formats (JSON, CSV, Excel), adsorption-file-parser JSON and NIST ISODB JSON."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, MissingMetadataError, ReadError
from charz.io import register_reader
from sorption._adsorbates import MOLAR_VOLUME_STP, adsorbate
from sorption.io._isotherm import (
    _build_isotherm,
    _head_text,
    _named,
    _num,
    _read_text,
    pressure_factor,
)
from sorption.io._workbook import _num_auto

# ---------------------------------------------------------------------------------------
# pyGAPS JSON, NIST ISODB JSON
# ---------------------------------------------------------------------------------------


def _sniff_json(path: Path, head: bytes) -> bool:
    low = _head_text(head).lower()
    if '"meta"' in low and '"adsorbate"' in low and ("loading" in low or '"data"' in low):
        return True  # adsorption-file-parser output
    return ("isotherm_data" in low or "isotherm_type" in low or "adsorbates" in low
            ) and ("pressure" in low)


@register_reader(".json", technique="sorption", sniff=_sniff_json)
@_named
def read_pygaps_json(path: Path, *, adsorbate: str | None = None,
                     temperature_k: float | None = None) -> xr.Dataset:
    """Read a pyGAPS JSON isotherm (file_version 3.0) or a NIST ISODB JSON isotherm.

    Absolute pressures without saturation pressure get p0 of the adsorptive at the bath
    temperature (stated in ``attrs["p0_source"]``; pyGAPS uses CoolProp the same way).
    Loadings per mole or per volume of material, as a fraction or percent of the material
    mass, cannot be put per gram without more data: they raise
    :class:`~charz.errors.MissingMetadataError` naming the basis.
    """
    data = json.loads(_read_text(path))
    if isinstance(data.get("meta"), dict) and isinstance(data.get("data"), dict):
        return _from_afp(path, data, adsorbate, temperature_k)
    if "adsorbates" in data:
        return _from_nist(path, data)
    if "isotherm_data" in data:
        return _from_pygaps_dict(path, data, adsorbate, temperature_k, fmt="pyGAPS JSON")
    raise CorruptFileError(f"{path.name}: neither a pyGAPS nor a NIST ISODB isotherm")


def _from_pygaps_dict(path, d, adsorbate_name, temperature_k, *, fmt):
    ads_name = adsorbate_name or d.get("adsorbate")
    if not ads_name:
        raise MissingMetadataError(f"{path.name}: no adsorbate")
    t = temperature_k if temperature_k is not None else d.get("temperature")
    if t is None:
        raise MissingMetadataError(f"{path.name}: no temperature")
    t = float(t)
    tu = str(d.get("temperature_unit", "K"))
    if "C" in tu:
        t += 273.15
    mat = d.get("material")
    mat_props = mat if isinstance(mat, dict) else {}
    mat_basis = d.get("material_basis", "mass")
    mat_unit = d.get("material_unit") or {"mass": "g", "volume": "cm3", "molar": "mol"}.get(
        mat_basis, "")
    # grams of material per material unit
    if mat_basis == "mass":
        g_per_unit = {"g": 1.0, "kg": 1e3, "mg": 1e-3}.get(mat_unit)
    elif mat_basis == "volume":
        rho_mat = mat_props.get("density")
        if not rho_mat:
            raise MissingMetadataError(
                f"{path.name}: loading is per {mat_unit} of material and the file gives no "
                "material density to put it per gram"
            )
        g_per_unit = float(rho_mat) * {"cm3": 1.0, "mL": 1.0, "L": 1e3, "m3": 1e6}.get(
            mat_unit, float("nan"))
    elif mat_basis == "molar":
        m_mat = mat_props.get("molar_mass")
        if not m_mat:
            raise MissingMetadataError(
                f"{path.name}: loading is per mole of material and the file gives no material "
                "molar mass to put it per gram"
            )
        g_per_unit = float(m_mat) * {"mol": 1.0, "mmol": 1e-3}.get(mat_unit, 1.0)
    else:
        g_per_unit = None
    if not g_per_unit or not math.isfinite(g_per_unit):
        raise ReadError(f"{path.name}: unknown material basis/unit {mat_basis!r}/{mat_unit!r}")
    ads = adsorbate(ads_name)
    lbasis = d.get("loading_basis", "molar")
    lunit = d.get("loading_unit") or ""

    def need_molar_mass() -> float:
        if ads is None:
            raise MissingMetadataError(
                f"{path.name}: loading basis {lbasis!r} needs the molar mass of {ads_name!r}, "
                "which charz does not know"
            )
        return ads.molar_mass

    # mmol of adsorbate per material unit, per unit of the stored loading
    if lbasis == "molar":
        per = {"mmol": 1.0, "mol": 1e3, "umol": 1e-3, "mL(STP)": 1e3 / MOLAR_VOLUME_STP,
               "cm3(STP)": 1e3 / MOLAR_VOLUME_STP}.get(lunit)
    elif lbasis == "mass":
        per = {"g": 1e3, "mg": 1.0, "kg": 1e6}.get(lunit)
        per = per / need_molar_mass() if per else None
    elif lbasis == "volume_liquid":
        rho, _ = ads.liquid_density(t) if ads else (None, "")
        if rho is None:
            need_molar_mass()
        lfac = {"cm3": 1.0, "mL": 1.0, "L": 1e3, "m3": 1e6}.get(lunit)
        per = lfac * rho * 1e3 / ads.molar_mass if lfac else None  # type: ignore[union-attr]
    elif lbasis in ("percent", "fraction"):
        frac = 0.01 if lbasis == "percent" else 1.0
        if mat_basis == "molar":  # mol of adsorbate per mol of material
            per = frac * 1e3
        elif mat_basis == "mass":  # g of adsorbate per g of material
            per = frac * 1e3 / need_molar_mass()
        else:
            raise MissingMetadataError(
                f"{path.name}: loading as a {lbasis} of a material volume is ambiguous")
    else:
        raise ReadError(f"{path.name}: unknown loading basis {lbasis!r}")
    if per is None:
        raise ReadError(f"{path.name}: unknown {lbasis} loading unit {lunit!r}")
    unit = "mmol/g"
    extra = per
    mat_factor = 1.0 / g_per_unit
    pts = d["isotherm_data"]
    if isinstance(pts, dict):  # column form
        keys = list(pts)
        pts = [{k: pts[k][str(i)] if isinstance(pts[k], dict) else pts[k][i] for k in keys}
               for i in range(len(pts[keys[0]]))]
    p = np.array([float(r["pressure"]) for r in pts])
    n = np.array([float(r["loading"]) for r in pts]) * extra * mat_factor
    br = [r.get("branch", None) for r in pts]
    branches = None if any(b is None for b in br) else br
    mode = d.get("pressure_mode", "absolute")
    kwargs: dict[str, Any] = {}
    if mode == "relative":
        kwargs["relative_pressure"] = p
    elif mode == "relative%":
        kwargs["relative_pressure"] = p / 100.0
    else:
        f = pressure_factor(d.get("pressure_unit") or "bar")
        kwargs["pressure"] = p * f
        if all("pressure_saturation" in r for r in pts):
            kwargs["p0"] = np.array([float(r["pressure_saturation"]) for r in pts]) * f
    sample = mat.get("name") if isinstance(mat, dict) else mat
    return _build_isotherm(
        amount=n, amount_unit=unit, adsorbate_name=ads_name, temperature_k=t, branch=branches,
        sample_mass_g=d.get("material_mass"),
        attrs={"sample": str(sample or path.stem), "instrument": d.get("instrument")
               or d.get("apparatus") or d.get("machine"), "format": fmt},
        source=path.name, **kwargs,
    )


def _from_afp(path, d, adsorbate_name, temperature_k):
    """adsorption-file-parser output: ``{"meta": {...units...}, "data": {column: [...]}}``."""
    meta, cols = dict(d["meta"]), d["data"]
    n_pts = len(cols.get("loading", []))
    if not n_pts:
        raise CorruptFileError(f"{path.name}: no 'loading' column")
    mass = _num_auto(meta.get("material_mass"))
    loading = np.asarray(cols["loading"], dtype=float)
    if meta.get("loading_unit") == "cc(STP)":
        # Quantachrome raw data: volume per sample (pyGAPS divides by the mass on import)
        if not mass:
            raise MissingMetadataError(f"{path.name}: cc(STP) per sample and no sample mass")
        loading = loading / mass
        meta["loading_unit"] = "cm3(STP)"
    rel = cols.get("pressure_relative")
    use_rel = rel is not None and all(v is not None for v in rel)
    branch_col = cols.get("branch")
    pts = []
    for i in range(n_pts):
        rec: dict[str, Any] = {"loading": loading[i],
                               "pressure": rel[i] if use_rel else cols["pressure"][i]}
        if not use_rel and "pressure_saturation" in cols:
            rec["pressure_saturation"] = cols["pressure_saturation"][i]
        if branch_col is not None:
            rec["branch"] = "des" if branch_col[i] else "ads"
        pts.append(rec)
    meta["isotherm_data"] = pts
    if use_rel:
        meta["pressure_mode"] = "relative"
    else:
        meta.setdefault("pressure_mode", "absolute")
        if "pressure_saturation" in cols and meta.get("pressure_saturation_unit") not in (
                None, meta.get("pressure_unit")):
            raise ReadError(f"{path.name}: p and p0 in different units")
    meta["material_mass"] = mass
    return _from_pygaps_dict(path, meta, adsorbate_name, temperature_k,
                             fmt="adsorption-file-parser JSON")


def _from_nist(path, d):
    ads = d.get("adsorbates") or []
    if len(ads) != 1:
        raise ReadError(f"{path.name}: NIST isotherm with {len(ads)} adsorbates (need one)")
    ads_name = ads[0].get("formula") or ads[0].get("name") or ""
    t = float(d["temperature"])
    punit = d.get("pressureUnits", "bar")
    aunit = d.get("adsorptionUnits", "mmol/g")
    pts = d["isotherm_data"]
    p = np.array([float(r["pressure"]) for r in pts]) * pressure_factor(punit)
    n = np.array([float(r.get("total_adsorption", r.get("species_data", [{}])[0].get(
        "adsorption", np.nan))) for r in pts])
    try:
        factor_unit = {"mmol/g": "mmol/g", "mol/kg": "mmol/g", "cm3(STP)/g": "cm3(STP)/g"}[aunit]
    except KeyError:
        raise MissingMetadataError(
            f"{path.name}: NIST adsorption unit {aunit!r} cannot be converted to mmol/g"
        ) from None
    return _build_isotherm(
        amount=n, amount_unit=factor_unit, adsorbate_name=ads_name, temperature_k=t, pressure=p,
        attrs={"sample": str(d.get("adsorbent", {}).get("name", path.stem)),
               "format": "NIST ISODB JSON", "doi": d.get("DOI")},
        source=path.name,
    )


def _read_pygaps_csv(path, text, adsorbate_name, temperature_k):
    meta: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not lines[i].startswith("data:"):
        parts = lines[i].split(",", 1)
        if len(parts) == 2:
            meta[parts[0].strip()] = parts[1].strip()
        i += 1
    if i >= len(lines) - 1:
        raise CorruptFileError(f"{path.name}: pyGAPS CSV without a data: section")
    cols = [c.strip() for c in lines[i + 1].split(",")]
    rows = [ln.split(",") for ln in lines[i + 2:] if ln.strip()]
    table = {c: [r[j].strip() for r in rows] for j, c in enumerate(cols)}
    isodata = [
        {("pressure" if c.startswith("pressure") else "loading" if c.startswith("loading")
          else c): (table[c][k] if c == "branch" else _num(table[c][k])) for c in cols}
        for k in range(len(rows))
    ]
    meta_json: dict[str, Any] = dict(meta)
    for c in cols:  # "loading(mmol)" / "pressure(bar)" carry the unit in older files
        m = re.match(r"(loading|pressure)\((.*)\)", c)
        if m:
            meta_json.setdefault(f"{m.group(1)}_unit", m.group(2))
    meta_json["isotherm_data"] = isodata
    return _from_pygaps_dict(path, meta_json, adsorbate_name, temperature_k, fmt="pyGAPS CSV")


_PYGAPS_XL_KEYS = {
    "material name": "material", "experiment temperature (k)": "temperature",
    "adsorbate used": "adsorbate", "pressure mode": "pressure_mode",
    "pressure unit": "pressure_unit", "loading basis": "loading_basis",
    "loading unit": "loading_unit", "material basis": "material_basis",
    "material unit": "material_unit",
}


def _read_pygaps_excel(path: Path, grids) -> xr.Dataset:
    """pyGAPS Excel isotherm: key/value rows, then a ``pressure, loading[, branch]`` table."""
    d: dict[str, Any] = {}
    pts: list[dict[str, Any]] = []
    for _, g in grids:
        cols: list[str] | None = None
        for row in g:
            vals = [v for v in row if v not in ("", None)]
            if not vals:
                continue
            if cols is not None:
                rec = dict(zip(cols, row, strict=False))
                if isinstance(rec.get("pressure"), (int, float)):
                    pts.append(rec)
                continue
            if [str(v).strip() for v in vals[:2]] == ["pressure", "loading"]:
                cols = [str(v).strip() for v in row]
                continue
            if len(vals) >= 2 and isinstance(vals[0], str):
                key = _PYGAPS_XL_KEYS.get(vals[0].strip().lower(), vals[0].strip())
                d.setdefault(key, vals[1])
    if not pts:
        raise CorruptFileError(f"{path.name}: pyGAPS Excel file without a pressure/loading table")
    d["isotherm_data"] = pts
    return _from_pygaps_dict(path, d, None, None, fmt="pyGAPS Excel")
