"""3P Instruments report workbooks (.xlsx)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, MissingMetadataError
from sorption._adsorbates import canonical_name
from sorption.io._isotherm import _build_isotherm, pressure_factor
from sorption.io._workbook import _num_auto, _unit_in


def _read_3p(path: Path, grids) -> xr.Dataset:
    sheets = {n.strip().lower(): g for n, g in grids}
    info = sheets.get("summary") or sheets.get("info") or []
    meta: dict[str, Any] = {}
    for row in info:
        vals = [v for v in row if v not in ("", None)]
        if len(vals) >= 2 and isinstance(vals[0], str):
            meta.setdefault(vals[0].strip().rstrip(":"), vals[1:])
    iso = sheets["isotherm"]
    hdr_i = next(i for i, row in enumerate(iso) if any(
        isinstance(v, str) and v.strip().startswith("p/p0") for v in row))
    hdr = [str(v).strip() for v in iso[hdr_i]]
    ci = {h: i for i, h in enumerate(hdr)}
    c_rel = ci.get("p/p0")
    c_p = next((i for h, i in ci.items() if h.startswith("p (")), None)
    c_p0 = next((i for h, i in ci.items() if h.startswith("p0")), None)
    c_v = next((i for h, i in ci.items() if h.startswith("V (")), None)
    if c_rel is None or c_v is None:
        raise CorruptFileError(f"{path.name}: 3P isotherm sheet without p/p0 and V columns")
    rows, br, current = [], [], "adsorption"
    for row in iso[hdr_i + 1:]:
        if row and isinstance(row[0], str) and row[0].startswith("---"):
            current = "desorption"
            continue
        vals = [_num_auto(row[i]) if isinstance(row[i], str) else row[i]
                for i in (c_rel, c_p, c_p0, c_v) if i is not None and i < len(row)]
        if len(vals) < 2 or any(v in ("", None) for v in vals):
            continue
        rows.append([float(v) for v in vals])
        br.append(current)
    arr = np.array(rows)
    unit = _unit_in(hdr[c_v]) or "cm3(STP)/g"
    mass_txt = (meta.get("Sample Weight") or [None])[0]
    mass = _num_auto(mass_txt)
    # bath temperature is not in the .xlsx (only in the .jwgbt project): N2 at 77.3 K
    # and Ar at 87.3 K are the 3P defaults; the assumption is recorded
    gas = (meta.get("Adsorbate") or [""])[0]
    t = {"N2": 77.3, "Ar": 87.3, "Kr": 77.3, "CO2": 273.15}.get(canonical_name(gas))
    if t is None:
        raise MissingMetadataError(f"{path.name}: 3P export without bath temperature for {gas!r}")
    vendor = _3p_vendor(sheets)
    kwargs: dict[str, Any] = {"relative_pressure": arr[:, 0]}
    k = 1
    if c_p is not None:
        kwargs["pressure"] = arr[:, k] * pressure_factor(_unit_in(hdr[c_p]))
        k += 1
    if c_p0 is not None:
        kwargs["p0"] = arr[:, k] * pressure_factor(_unit_in(hdr[c_p0]))
    if "pressure" in kwargs and "p0" in kwargs:
        # 3P rounds p/p0 to 8 decimals (4e-08 twice at the start of micropore runs): below
        # 1e-3 the ratio of the printed p and p0 keeps the resolution
        ratio = kwargs["pressure"] / kwargs["p0"]
        kwargs["relative_pressure"] = np.where(arr[:, 0] < 1e-3, ratio, arr[:, 0])
    return _build_isotherm(
        amount=arr[:, -1], amount_unit=unit.replace("STP", "").strip() + " STP",
        adsorbate_name=gas, temperature_k=t, branch=br, sample_mass_g=mass,
        attrs={"sample": (meta.get("Sample") or [path.stem])[0], "instrument": "3P Instruments",
               "format": "3P xlsx", "assumed": [f"bath temperature {t} K (not in the .xlsx)"],
               "vendor_report_json": json.dumps(vendor)},
        source=path.name, **kwargs,
    )


def _3p_vendor(sheets: dict[str, list[list[Any]]]) -> dict[str, Any]:
    """3P results: Summary/Info key-value rows by section, BET points from the BET sheet."""
    out: dict[str, Any] = {}
    summ = sheets.get("summary") or sheets.get("info") or []
    section = "summary"
    flat: dict[str, Any] = {}
    for row in summ:
        vals = [v for v in row if v not in ("", None)]
        if len(vals) == 1 and isinstance(vals[0], str):
            section = vals[0].strip().lower()
            continue
        if len(vals) >= 2 and isinstance(vals[0], str):
            key = vals[0].strip().rstrip(":")
            v = _num_auto(vals[1]) if isinstance(vals[1], str) else vals[1]
            out.setdefault("report", {}).setdefault(section, {})[key] = v
            flat.setdefault(key, v)
            m = re.search(r"p/p0 ?= ?([\d,.]+\d)", key)
            if m and "total pore volume" in key.lower():
                out["total_pore_volume"] = {"value": v, "relative_pressure": _num_auto(m.group(1))}
    bet_sec = out.get("report", {}).get("bet", {})
    bet: dict[str, Any] = {
        "area": bet_sec.get("BET Surface Area", flat.get("BET Surface Area")),
        "c": bet_sec.get("C"), "qm": bet_sec.get("Vm"), "slope": bet_sec.get("Slope"),
        "intercept": bet_sec.get("Y-Intercept"), "r": bet_sec.get("Correlation Coefficient"),
        "cross_section_nm2": None,
    }
    sheet = next((g for name, g in sheets.items() if name.startswith("bet")), None)
    if sheet:
        hdr_i = next((i for i, row in enumerate(sheet)
                      if "p/p0" in [str(v).strip() for v in row]), None)
        if hdr_i is not None:
            pts = [row for row in sheet[hdr_i + 1:]
                   if len(row) > 2 and isinstance(row[1], (int, float))]
            # the sheet lists the points the 3P software used, p/p0 rounded to 5 decimals
            bet.update(ids=[int(r[0]) for r in pts], relative_pressure=[float(r[1]) for r in pts],
                       amount=[float(r[2]) for r in pts], amount_unit="cm3(STP)/g",
                       relative_pressure_decimals=5)
    out["bet"] = bet
    tp = out.get("report", {}).get("t-plot", {})
    if tp:
        out["tplot"] = {"micropore_volume": tp.get("Micropore Volume"),
                        "external_area": tp.get("External Surface Area"),
                        "micropore_area": tp.get("Micropore Area")}
    return out
