"""MicrotracBEL BELSORP ``.DAT``, BELMaster ``.csv`` and BEL ``.xls`` exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, MissingMetadataError
from charz.io import decode_text, register_reader
from sorption.io._isotherm import _build_isotherm, _head_text, _named, _num

# ---------------------------------------------------------------------------------------
# BELSORP .DAT and BELMaster .csv
# ---------------------------------------------------------------------------------------


def _sniff_bel_dat(path: Path, head: bytes) -> bool:
    t = _head_text(head)
    return "====" in t and ("Adsorptive" in t or "Pe/kPa" in t or "Meas. Temp" in t)


@register_reader(".dat", technique="sorption", sniff=_sniff_bel_dat)
@_named
def read_bel(path: Path) -> xr.Dataset:
    """Read a MicrotracBEL BELSORP ``.DAT`` export (tab separated, ``====`` sections).

    Columns ``Pe/kPa`` (equilibrium pressure), ``P0/kPa`` (per point) and
    ``V/ml(STP) g-1``; the adsorption and desorption sections become the two branches.
    Negative and zero pressures at the start of micropore isotherms are dropped with a
    note (FIELD-NOTES §5.4).
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("shift_jis")  # BELSORP on a Japanese-locale PC
        except UnicodeDecodeError:
            text = decode_text(raw)
    for jp, en in _BEL_DAT_JIS.items():
        text = text.replace(jp, en)
    meta: dict[str, str] = {}
    sections: dict[str, list[list[float]]] = {}
    current = None
    for ln in text.splitlines():
        s = ln.strip()
        if not s or s.startswith("===="):
            continue
        low = s.lower()
        if low in ("adsorption data", "desorption data"):
            current = low.split()[0]
            sections[current] = []
            continue
        if current and s[0] in "-+0123456789.":
            vals = [_num(v) for v in s.split("\t")]
            if all(v is not None for v in vals) and len(vals) >= 5:
                if all(v == 0 for v in vals):  # BEL writes a 0-row as section terminator
                    continue
                sections[current].append(vals)  # type: ignore[arg-type]
            continue
        parts = [p.strip().strip('"') for p in s.split("\t")]
        if len(parts) >= 2 and parts[0].endswith(":"):
            meta[parts[0].rstrip(":").strip()] = parts[1]
        elif len(parts) >= 2 and not current:
            meta[parts[0]] = parts[1]
    ads = sections.get("adsorption", [])
    des = sections.get("desorption", [])
    if not ads:
        raise CorruptFileError(f"{path.name}: no 'Adsorption data' section")
    arr = np.array(ads + des, dtype=float)
    br = ["adsorption"] * len(ads) + ["desorption"] * len(des)
    t = _num(meta.get("Meas. Temp./K"))
    if t is None:
        raise MissingMetadataError(f"{path.name}: no 'Meas. Temp./K' in the header")
    mass = _num(meta.get("Sample weight/g"))
    return _build_isotherm(
        amount=arr[:, 4], amount_unit="cm3(STP)/g", adsorbate_name=meta.get("Adsorptive", ""),
        temperature_k=t, pressure=arr[:, 1] * 1e3, p0=arr[:, 2] * 1e3, branch=br,
        sample_mass_g=mass,
        attrs={"sample": meta.get("Comment1"),
               "instrument": f"BEL {meta.get('Instrument S/N', '')}".strip(),
               "format": "BELSORP DAT"},
        source=path.name,
    )


_BEL_DAT_JIS = {
    "吸着質名称：": "Adsorptive:", "吸着温度／Ｋ：": "Meas. Temp./K:",
    "試料重量／g：": "Sample weight/g:",
    "コメント１：": "Comment1:", "装置Ｓ／Ｎ：": "Instrument S/N:", "吸着データ": "Adsorption data",
    "脱着データ": "Desorption data",
}

_BEL_JIS_KEYS = {
    "サンプル質量": "Sample weight", "吸着質名称": "Adsorptive",
    "吸着温度": "Adsorption temperature", "飽和蒸気圧": "Saturated vapor pressure",
    "コメント１": "COMMENT1", "シリアルナンバー": "Serial number",
}


def _read_bel_csv(path: Path, text: str) -> xr.Dataset:
    raw = path.read_bytes()
    if not text.isascii():
        try:
            text = raw.decode("shift_jis")
        except UnicodeDecodeError:
            pass
    meta: dict[str, str] = {}
    cols: list[str] | None = None
    current = None
    rows: dict[str, list[list[float]]] = {"adsorption": [], "desorption": []}
    for ln in text.splitlines():
        s = ln.strip()
        if not s:
            continue
        parts = [p.strip() for p in s.split(",")]
        if parts[0].upper() == "ADS":
            current = "adsorption"
            continue
        if parts[0].upper() == "DES":
            current = "desorption"
            continue
        if parts[0] == "No":
            cols = [p.lower().replace(" ", "") for p in parts]
            continue
        if current and cols:
            vals = [_num(p) for p in parts]
            if len(vals) == len(cols) and all(v is not None for v in vals):
                rows[current].append(vals)  # type: ignore[arg-type]
            continue
        key = _BEL_JIS_KEYS.get(parts[0], parts[0])
        if len(parts) >= 2:
            meta.setdefault(key, parts[1])
    if cols is None or not rows["adsorption"]:
        raise CorruptFileError(f"{path.name}: no BEL data table (No,... header and ADS rows)")
    arr = np.array(rows["adsorption"] + rows["desorption"], dtype=float)
    br = ["adsorption"] * len(rows["adsorption"]) + ["desorption"] * len(rows["desorption"])

    def col(prefix: str) -> int:
        for i, c in enumerate(cols):
            if c.startswith(prefix):
                return i
        raise CorruptFileError(f"{path.name}: no {prefix!r} column in {cols}")

    i_pe, i_p0, i_n = col("pe/"), col("p0/"), col("va/")
    t = _num(meta.get("Adsorption temperature"))
    if t is None:
        raise MissingMetadataError(f"{path.name}: no adsorption temperature in the header")
    return _build_isotherm(
        amount=arr[:, i_n], amount_unit="cm3(STP)/g", adsorbate_name=meta.get("Adsorptive", ""),
        temperature_k=t, pressure=arr[:, i_pe] * 1e3, p0=arr[:, i_p0] * 1e3, branch=br,
        sample_mass_g=_num(meta.get("Sample weight")),
        attrs={"sample": meta.get("COMMENT1") or path.stem,
               "instrument": f"BEL {meta.get('Serial number', meta.get('S/N', ''))}".strip(),
               "format": "BELMaster CSV"},
        source=path.name,
    )


def _read_bel_xls(path: Path, grids) -> xr.Dataset:
    raise CorruptFileError(
        f"{path.name}: BEL .xls exports are not supported; export the BELSORP .DAT or CSV"
    )
