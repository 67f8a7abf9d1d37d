"""Adsorption Information File (AIF, CIF-style ``data_`` blocks)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import register_reader
from sorption.io._isotherm import (
    _build_isotherm,
    _head_text,
    _named,
    _norm_unit,
    _num,
    _read_text,
    _temperature_k,
    pressure_factor,
)

# ---------------------------------------------------------------------------------------
# AIF
# ---------------------------------------------------------------------------------------


def _sniff_aif(path: Path, head: bytes) -> bool:
    low = _head_text(head)
    return "data_" in low and "_adsorp_pressure" in low


def _cif_tokens(line: str) -> list[str]:
    return [a or b or c for a, b, c in re.findall(r"'([^']*)'|\"([^\"]*)\"|(\S+)", line)]


@register_reader(".aif", ".aif_tst", technique="sorption", sniff=_sniff_aif)
@_named
def read_aif(path: Path) -> xr.Dataset:
    """Read an Adsorption Information File (AIF; Evans et al., Adsorption 2022).

    ``_units_pressure``, ``_units_loading``, ``_units_mass`` and ``_units_temperature`` are
    honoured; ``_adsorp_*``/``_desorp_*`` loops give the branches with p0 per point.
    """
    text = _read_text(path)
    meta: dict[str, str] = {}
    loops: dict[str, dict[str, list[str]]] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        s = lines[i].strip()
        if s == "loop_":
            names = []
            i += 1
            while i < len(lines) and lines[i].strip().startswith("_"):
                names.append(lines[i].strip())
                i += 1
            rows = []
            while i < len(lines):
                t = lines[i].strip()
                if not t or t.startswith("_") or t == "loop_" or t.startswith("data_"):
                    break
                if not t.startswith("#"):
                    rows.append(_cif_tokens(t))
                i += 1
            key = names[0].split("_")[1] if names else ""
            loops[key] = {nm: [r[j] for r in rows if len(r) == len(names)]
                          for j, nm in enumerate(names)}
            continue
        if s.startswith("_"):
            toks = _cif_tokens(s)
            if len(toks) >= 2:
                meta[toks[0]] = " ".join(toks[1:])
            elif i + 1 < len(lines) and lines[i + 1].startswith(";"):
                j = i + 2
                buf = []
                while j < len(lines) and not lines[j].startswith(";"):
                    buf.append(lines[j])
                    j += 1
                meta[toks[0]] = "\n".join(buf)
                i = j
        i += 1
    if "adsorp" not in loops:
        raise CorruptFileError(f"{path.name}: no _adsorp_ loop")
    punit = meta.get("_units_pressure", "Pa")
    lunit = meta.get("_units_loading", "mmol/g")
    tunit = meta.get("_units_temperature", "K")
    relative = punit.strip().lower() == "relative"
    f = 1.0 if relative else pressure_factor(punit)
    p_list, p0_list, n_list, br = [], [], [], []
    for key, name in (("adsorp", "adsorption"), ("desorp", "desorption")):
        lp = loops.get(key)
        if not lp:
            continue
        p = np.array([float(v) for v in lp.get(f"_{key}_pressure", [])])
        n = np.array([float(v) for v in lp.get(f"_{key}_amount", [])])
        p0 = lp.get(f"_{key}_p0")
        p_list.append(p)
        n_list.append(n)
        p0_list.append(np.array([float(v) for v in p0]) if p0 else np.full(p.size, np.nan))
        br += [name] * p.size
    p = np.concatenate(p_list) * f
    p0 = np.concatenate(p0_list) * f
    n = np.concatenate(n_list)
    assumed = []
    if "/" not in lunit and not _norm_unit(lunit).endswith("g-1"):
        # AIF loadings are per mass of adsorbent; raw2aif writes bare 'cc'/'mmol' for them
        # (a unit already per gram, 'ml(STP) g-1' or 'cm^3(STP) g^-1', is read as it is)
        lunit_used = lunit + "/g"
        assumed.append(f"loading unit {lunit!r} read as {lunit_used!r} (AIF: per gram)")
        lunit = lunit_used
    t = _temperature_k(meta.get("_exptl_temperature", "nan") + (" C" if tunit.upper()
                                                                  .startswith("C") else ""))
    kwargs: dict[str, Any] = {"relative_pressure": p} if relative else {"pressure": p}
    if np.isfinite(p0).all() and not relative:
        kwargs["p0"] = p0
    mass = _num(meta.get("_exptl_sample_mass") or meta.get("_adsnt_sample_mass"))
    if mass is not None and meta.get("_units_mass", "g").lower() == "mg":
        mass /= 1000.0
    return _build_isotherm(
        amount=n, amount_unit=lunit, adsorbate_name=meta.get("_exptl_adsorptive", ""),
        temperature_k=t, branch=br, sample_mass_g=mass,
        attrs={"sample": meta.get("_sample_material_id") or meta.get("_adsnt_material_id")
               or meta.get("_sample_id"),
               "instrument": meta.get("_exptl_instrument"), "format": "AIF",
               "assumed": assumed or None},
        source=path.name, **kwargs,
    )
