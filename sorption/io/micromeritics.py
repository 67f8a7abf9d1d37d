"""Micromeritics report exports (.xls/.xlsx) with the vendor's own BET/t-plot/BJH."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, MissingMetadataError
from sorption.io._isotherm import _build_isotherm, _num, _temperature_k, pressure_factor
from sorption.io._workbook import _Cells, _mic_num, _pm, _unit_in


def _read_micromeritics(path: Path, grids) -> xr.Dataset:
    cells = _Cells(grids)
    mass_txt = cells.value(r"^sample mass:?$") or cells.value(r"^sample weight:?$")
    dec = "."
    if isinstance(mass_txt, str) and re.match(r"^\s*\d+,\d+\s*g", mass_txt):
        dec = ","
    mass = _mic_num(mass_txt, dec)
    gas = cells.value(r"^analysis adsorptive:?$")
    t_txt = cells.value(r"^analysis bath temp\.?:?$")
    if gas is None:
        raise MissingMetadataError(f"{path.name}: no 'Analysis adsorptive' in the report")
    if t_txt is None:
        raise MissingMetadataError(f"{path.name}: no 'Analysis bath temp.' in the report")
    t = _temperature_k(t_txt, dec)
    # the isotherm table: the block titled 'Isotherm Tabular Report' (or its own sheet)
    blk = cells.block(r"^Isotherm Tabular Report$")
    hdr = None
    if blk is not None:
        rp = cells.find(r"^Relative Pressure|^Absolute Pressure", within=blk)
        if rp:
            hdr = rp[0]
    if hdr is None:
        raise CorruptFileError(f"{path.name}: no 'Isotherm Tabular Report' table found")
    si, r0, _, _ = hdr
    g = grids[si][1]
    _, _, bc0, bc1 = blk
    heads = {c: str(cells.cell(si, r0, c)) for c in range(bc0, bc1)
             if isinstance(cells.cell(si, r0, c), str) and cells.cell(si, r0, c).strip()}

    def colof(prefix: str) -> int | None:
        for c, h in heads.items():
            if h.lower().startswith(prefix.lower()):
                return c
        return None

    c_rel, c_abs = colof("Relative Pressure"), colof("Absolute Pressure")
    c_q, c_p0 = colof("Quantity Adsorbed"), colof("Saturation Pressure")
    if c_q is None:
        raise CorruptFileError(f"{path.name}: isotherm table without 'Quantity Adsorbed'")
    q_unit = _unit_in(heads[c_q])
    if "STP" in heads[c_q] and "STP" not in q_unit:
        q_unit += " STP"
    rows = []
    for r in range(r0 + 1, len(g)):
        q = cells.cell(si, r, c_q)
        if isinstance(q, str) and q.strip().lower().endswith("report"):
            break
        qv = _mic_num(q, dec) if not isinstance(q, str) or q.strip() else None
        pr = _mic_num(cells.cell(si, r, c_rel), dec) if c_rel is not None else None
        pa = _mic_num(cells.cell(si, r, c_abs), dec) if c_abs is not None else None
        p0 = _mic_num(cells.cell(si, r, c_p0), dec) if c_p0 is not None else None
        if qv is None or (pr is None and pa is None):
            first = cells.cell(si, r, bc0)
            if isinstance(first, str) and first.strip().lower().endswith("report"):
                break
            continue
        rows.append((pr, pa, p0, qv))
    if not rows:
        raise CorruptFileError(
            f"{path.name}: the isotherm table is empty (no point was collected)"
        )
    arr = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    kwargs: dict[str, Any] = {}
    if c_abs is not None:
        kwargs["pressure"] = arr[:, 1] * pressure_factor(_unit_in(heads[c_abs]))
    if c_p0 is not None:
        kwargs["p0"] = arr[:, 2] * pressure_factor(_unit_in(heads[c_p0]))
    if c_rel is not None:
        kwargs["relative_pressure"] = arr[:, 0]
    vendor = _mic_vendor(cells, dec)
    attrs = {
        "sample": cells.value(r"^sample:$"),
        "instrument": str(cells.find(r"^(TriStar|3Flex|ASAP|MicroActive|Flex|Gemini)")[0][3])
        if cells.find(r"^(TriStar|3Flex|ASAP|MicroActive|Flex|Gemini)") else "Micromeritics",
        "format": "Micromeritics report export",
        "vendor_report_json": json.dumps(vendor),
    }
    return _build_isotherm(
        amount=arr[:, 3], amount_unit=q_unit or "cm3(STP)/g", adsorbate_name=str(gas),
        temperature_k=t, sample_mass_g=mass, attrs=attrs, source=path.name, **kwargs,
    )


def _mic_table(cells: _Cells, blk, first_header: str, dec: str) -> dict[str, list[Any]]:
    """A table inside a report block: columns from the header row, rows until non-numeric."""
    hits = cells.find(first_header, within=blk)
    if not hits:
        return {}
    si, r0, c0, _ = hits[0]
    _, _, _, c1 = blk
    heads = {}
    for c in range(c0, c1):
        h = cells.cell(si, r0, c)
        if isinstance(h, str) and h.strip():
            heads[c] = h.strip()
    out: dict[str, list[Any]] = {h: [] for h in heads.values()}
    g = cells.grids[si][1]
    for r in range(r0 + 1, len(g)):
        v0 = cells.cell(si, r, c0)
        if v0 in ("", None) or (isinstance(v0, str) and _num(v0, dec) is None
                                and " - " not in v0):
            break
        for c, h in heads.items():
            v = cells.cell(si, r, c)
            out[h].append(v if isinstance(v, str) and not _num(v, dec) is not None else (
                _num(v, dec) if not isinstance(v, str) or (_num(v, dec) is not None and " - "
                not in v) else v))
    return out


def _mic_vendor(cells: _Cells, dec: str) -> dict[str, Any]:
    vendor: dict[str, Any] = {}
    # BET
    blk = cells.block(r"^BET (Surface Area )?Report$")
    if blk is not None:
        area, area_err = _pm(cells.value(r"^BET Surface Area:", within=blk), dec)
        slope, slope_err = _pm(cells.value(r"^Slope:", within=blk), dec)
        icpt, icpt_err = _pm(cells.value(r"^Y-Intercept:", within=blk), dec)
        tab = _mic_table(cells, blk, r"^Relative Pressure", dec)
        qcol = next((k for k in tab if k.startswith("Quantity Adsorbed")), None)
        pcol = next((k for k in tab if k.startswith("Relative Pressure")), None)
        vendor["bet"] = {
            "area": area, "area_stderr": area_err, "slope": slope, "slope_stderr": slope_err,
            "intercept": icpt, "intercept_stderr": icpt_err,
            "c": _num(cells.value(r"^C:$", within=blk), dec),
            "qm": _num(cells.value(r"^Qm:$", within=blk), dec),
            "r": _num(cells.value(r"^Correlation Coefficient:", within=blk), dec),
            "cross_section_nm2": _num(cells.value(r"^Molecular Cross-Sectional Area:",
                                                  within=blk), dec),
            "relative_pressure": tab.get(pcol, []) if pcol else [],
            "amount": tab.get(qcol, []) if qcol else [],
            "amount_unit": _unit_in(qcol) if qcol else "",
        }
    # t-plot
    blk = cells.block(r"^t-Plot Report$")
    if blk is not None:
        rng = cells.value(r"^Thickness Range:", within=blk)
        tr = [_num(x, dec) for x in re.findall(r"[-\d.,]+\d", str(rng or ""))]
        tab = _mic_table(cells, blk, r"^Relative Pressure", dec)
        fitted_col = tab.get("Fitted", [])
        thick = tab.get("Statistical Thickness (Å)", [])
        vendor["tplot"] = {
            "micropore_volume": _num(cells.value(r"^Micropore Volume:", within=blk), dec),
            "micropore_area": _num(cells.value(r"^Micropore Area:", within=blk), dec),
            "external_area": _num(cells.value(r"^External Surface Area:", within=blk), dec),
            "slope": _pm(cells.value(r"^Slope:", within=blk), dec)[0],
            "intercept": _pm(cells.value(r"^Y-Intercept:", within=blk), dec)[0],
            "dcf": _num(cells.value(r"^Density Conversion Factor:", within=blk), dec),
            "sacf": _num(cells.value(r"^Surface Area Correction Factor:", within=blk), dec),
            "thickness_range_A": tr[:2],
            "thickness_equation": cells.value(r"^Thickness Equation:", within=blk),
            "fitted_thickness_A": [t for t, f in zip(thick, fitted_col, strict=False)
                                   if f == "*"],
        }
        # a user-defined curve is printed as a (p/p0, t) table under 'Thickness Curve'
        tc = cells.find(r"^Thickness Curve$", within=blk)
        if tc:
            si, r, c, _ = tc[0]
            sub = (si, r, c - 1, blk[3])
            tab2 = _mic_table(cells, sub, r"^Relative Pressure", dec)
            if "Statistical Thickness (Å)" in tab2 and "Quantity Adsorbed (cm³/g STP)" not in tab2:
                vendor["thickness_curve"] = {
                    "relative_pressure": tab2.get("Relative Pressure (P/Po)",
                                                  next(iter(tab2.values()))),
                    "thickness_A": tab2["Statistical Thickness (Å)"],
                }
    # BJH
    for branch_name in ("Adsorption", "Desorption"):
        blk = cells.block(rf"^BJH {branch_name} Pore Distribution Report$")
        if blk is None:
            continue
        tab = _mic_table(cells, blk, r"^Pore (Diameter|Width) Range", dec)
        ref = cells.find(r"^Reference Curve:", within=blk)
        thick = ref[0][3].split(":", 1)[1].strip() if ref else None
        for name in ("Harkins and Jura", "Halsey", "Kruk-Jaroniec-Sayari", "Broekhoff-de Boer",
                     "Carbon Black STSA"):
            if cells.find(rf"^{name}$", within=blk):
                thick = name
        vendor[f"bjh_{branch_name.lower()}"] = {
            "thickness_curve": thick,
            "faas_correction": bool(cells.find(r"^Faas Correction$", within=blk)),
            "diameter_range": cells.value(r"^Diameter Range:", within=blk),
            "property_factor_A": _num(cells.value(r"^Adsorbate Property Factor:", within=blk),
                                      dec),
            "dcf": _num(cells.value(r"^Density Conversion Factor:", within=blk), dec),
            "table": dict(tab),
        }
    # summary: total pore volume and 4V/A
    for si, r, c, txt in cells.find(r"total pore volume of pores"):
        nxt = cells.cell(si, r + 1, c)
        val = cells.right(si, r + 1, c)
        m = re.search(r"p/p°?o? = ([\d.,]+)", str(nxt), re.I)
        kind = "adsorption" if "adsorption" in txt.lower() else "desorption"
        if m and val is not None:
            vendor.setdefault("total_pore_volume", {})[kind] = {
                "value": _num(val, dec), "relative_pressure": _num(m.group(1), dec),
                "text": f"{txt} {nxt}".strip(),
            }
    for si, r, c, txt in cells.find(r"average pore (diameter|width)"):
        val = cells.right(si, r, c)
        if val is not None:
            vendor.setdefault("average_pore_diameter_A", {})[txt.rstrip(":")] = _num(val, dec)
    return vendor
