"""Readers of gas-sorption isotherm files, and the isotherm Dataset they all return.

The isotherm Dataset
--------------------
Every reader returns the same structure (build one yourself with :func:`make_isotherm`):

- one dimension ``point`` (measurement order, adsorption first, then desorption);
- data variables ``amount`` (mmol/g, amount adsorbed per gram of sample),
  ``relative_pressure`` (p/p0, unit ``1``), ``branch`` (``"adsorption"`` or
  ``"desorption"``), and where the file has them ``pressure`` (Pa) and ``p0`` (Pa,
  saturation pressure per point);
- attrs ``adsorbate`` (canonical: ``N2``, ``Ar``, ``Kr``, ``CO2`` or the file's name),
  ``temperature_K``, ``sample_mass_g`` (when known), ``amount_unit_original`` (the file's
  unit; gas volumes at STP are converted with 22.414 cm^3/mmol), ``instrument``,
  ``sample``, ``cleaning`` (a list of notes on every point that was dropped, empty when none),
  ``p0_source`` when p0 was not in the file, and for vendor reports
  ``vendor_report_json`` (the vendor's own BET, t-plot, BJH numbers; see
  :func:`vendor_report`).

:func:`branch` returns one branch as a DataArray over ``relative_pressure``, which is what
the analyses use.

Cleaning (never silent)
-----------------------
Points with a non-finite value, a relative pressure ≤ 0 (BELSORP writes negative
pressures at the start of micropore isotherms), exact duplicates, and points that break
the monotonic order of their branch (p/p0 rising on adsorption, falling on desorption) are
dropped; each drop is recorded in ``attrs["cleaning"]`` and announced with one
:class:`~charz.errors.DataCleaningWarning`. A file with fewer than 2 usable points raises
:class:`~charz.errors.CorruptFileError` saying so (e.g. a run stopped after one point).

Formats
-------
Micromeritics report exports (.xls/.xlsx), 3P Instruments .xlsx, BELSORP .DAT and
BELMaster .csv (also Shift-JIS headers), Quantachrome/Anton Paar "Raw Analysis Data"
.txt (ASiQwin and NovaWin; volumes per sample are divided by the sample mass) and ASiQwin
"(Isotherm)" report .txt, AIF (.aif, .aif_tst), pyGAPS JSON/CSV/Excel (loadings per volume
or mole of material converted with the material density or molar mass in the file),
adsorption-file-parser JSON (``meta`` + ``data``), BETSI two-column CSV (N2 at 77.35 K and
cm^3(STP)/g assumed and recorded in ``attrs["assumed"]``), NIST ISODB JSON, and the plain
charz CSV (``# adsorbate:``, ``# temperature_K:``,
``# sample_mass_g:``, ``# amount_unit:`` header lines and columns ``branch,
relative_pressure, amount`` or ``pressure, p0, amount``).
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, DataCleaningWarning, MissingMetadataError, ReadError
from charz.io import decode_text, parse_number, register_reader
from sorption._adsorbates import MOLAR_VOLUME_STP, adsorbate, canonical_name

__all__ = [
    "branch",
    "make_isotherm",
    "read_aif",
    "read_bel",
    "read_csv",
    "read_pygaps_json",
    "read_quantachrome",
    "read_workbook",
    "vendor_report",
]

def _named(func):
    """Make every CharzError a reader raises name the file (``Sample_B.xls: ...``)."""
    import functools

    @functools.wraps(func)
    def wrapper(path: Path, *args: Any, **kwargs: Any) -> Any:
        from charz.errors import CharzError

        try:
            return func(path, *args, **kwargs)
        except CharzError as exc:
            if Path(path).name in str(exc):
                raise
            raise type(exc)(f"{Path(path).name}: {exc}") from exc

    return wrapper


MMHG = 133.322368
_PRESSURE_UNITS = {
    "pa": 1.0, "kpa": 1e3, "mpa": 1e6, "bar": 1e5, "mbar": 100.0, "mmhg": MMHG, "torr": MMHG,
    "atm": 101325.0, "psi": 6894.757, "psia": 6894.757, "hpa": 100.0,
}


# ---------------------------------------------------------------------------------------
# units
# ---------------------------------------------------------------------------------------


def _norm_unit(unit: str) -> str:
    u = (unit or "").replace("Â", "").replace("³", "3").replace("^", "").replace("·", "")
    u = u.replace("(STP)", "").replace("STP", "").replace("stp", "").replace(" ", "")
    return u.lower().strip("()[]")


def pressure_factor(unit: str) -> float:
    """Factor converting a pressure in ``unit`` (Pa, kPa, bar, mbar, mmHg, Torr, atm) to Pa."""
    u = _norm_unit(unit)
    if u not in _PRESSURE_UNITS:
        raise ReadError(f"unknown pressure unit {unit!r}; known: {', '.join(_PRESSURE_UNITS)}")
    return _PRESSURE_UNITS[u]


def amount_factor(unit: str, *, adsorbate_name: str = "", sample_mass_g: float | None = None
                  ) -> float:
    """Factor converting an amount in ``unit`` to mmol per gram of sample.

    Parameters
    ----------
    unit : str
        ``cm3(STP)/g``, ``cm³/g STP``, ``mL(STP)/g``, ``cc/g``, ``mmol/g``, ``mol/g``,
        ``mol/kg``, ``Weight %``, ``mg/g``; per-sample amounts (``cc``, ``cm3``, ``mL``,
        ``mmol``) need ``sample_mass_g``.
    adsorbate_name : str
        Needed for mass-based units (molar mass).
    sample_mass_g : float, optional
        Sample mass in g, for per-sample amounts.

    Notes
    -----
    Gas volumes at STP: 22.414 cm^3(STP)/mmol (ISO 9277).
    """
    u = _norm_unit(unit)
    per_gram = u.endswith("/g") or u.endswith("g-1") or u.endswith("/kg")
    base = u.split("/")[0]
    base = re.sub(r"g-1$", "", base)
    factor: float
    if "weight%" in u or u in ("wt%", "%wt", "weight%"):
        ads = adsorbate(adsorbate_name)
        if ads is None:
            raise ReadError(f"amount in {unit!r} needs the molar mass of {adsorbate_name!r}")
        return 10.0 / ads.molar_mass
    if base in ("cm3", "ml", "cc", "cm3g"):
        factor = 1000.0 / MOLAR_VOLUME_STP
    elif base == "mmol":
        factor = 1.0
    elif base == "mol":
        factor = 1000.0
    elif base in ("mg", "g"):
        ads = adsorbate(adsorbate_name)
        if ads is None:
            raise ReadError(f"amount in {unit!r} needs the molar mass of {adsorbate_name!r}")
        factor = (1.0 if base == "mg" else 1000.0) / ads.molar_mass
    else:
        raise ReadError(f"unknown amount unit {unit!r} (expected cm3(STP)/g, mmol/g, ...)")
    if u.endswith("/kg"):
        factor /= 1000.0
    if not per_gram:
        if not sample_mass_g or sample_mass_g <= 0:
            raise MissingMetadataError(
                f"amount in {unit!r} is per sample, not per gram, and no sample mass is known"
            )
        factor /= sample_mass_g
    return factor


def _temperature_k(text: Any, decimal: str = ".") -> float:
    if isinstance(text, (int, float)):
        return float(text)
    s = str(text).strip()
    m = re.search(r"[-+]?[\d.,]+", s)
    if not m:
        raise ReadError(f"no temperature in {text!r}")
    value = parse_number(m.group(0), decimal=decimal)
    if "°C" in s or "° C" in s or re.search(r"\bC\b", s) or "℃" in s:
        value += 273.15
    elif value < 0:  # a bath at -196 is Celsius even when the unit is missing
        value += 273.15
    return value


# ---------------------------------------------------------------------------------------
# the Dataset
# ---------------------------------------------------------------------------------------


def make_isotherm(
    *,
    amount: Sequence[float] | np.ndarray,
    amount_unit: str,
    adsorbate_name: str,
    temperature_K: float,
    relative_pressure: Sequence[float] | np.ndarray | None = None,
    pressure: Sequence[float] | np.ndarray | None = None,
    p0: float | Sequence[float] | np.ndarray | None = None,
    branch: Sequence[str] | np.ndarray | None = None,
    sample_mass_g: float | None = None,
    attrs: dict[str, Any] | None = None,
    source: str = "",
    clean: bool = True,
) -> xr.Dataset:
    """Build the isotherm Dataset (see the module docstring) from arrays.

    Parameters
    ----------
    amount : array
        Amount adsorbed, in ``amount_unit``.
    amount_unit : str
        Unit of ``amount`` (see :func:`amount_factor`); converted to mmol/g.
    adsorbate_name : str
        Adsorptive (``"N2"``, ``"Nitrogen"``, ``"CO2"`` ...).
    temperature_K : float
        Bath temperature in K.
    relative_pressure : array, optional
        p/p0. If absent, computed as ``pressure / p0``.
    pressure : array, optional
        Absolute pressure in Pa.
    p0 : float or array, optional
        Saturation pressure in Pa (per point or one value). When absent and only
        ``pressure`` is given, p0 of the adsorptive at ``temperature_K`` is computed
        (CoolProp or the fit in :mod:`sorption._adsorbates`) and ``attrs["p0_source"]`` says so.
    branch : array of str, optional
        ``"adsorption"``/``"desorption"`` (also ``ads``/``des``) per point. If absent, the
        isotherm is split at its highest pressure (adsorption up to and including it).
    sample_mass_g : float, optional
        Sample mass in g (needed when ``amount`` is per sample).
    attrs : dict, optional
        More attrs (instrument, sample, vendor report ...).
    source : str
        File name, used in messages.
    clean : bool
        Drop non-physical points with a recorded note (default). ``False`` keeps every
        point (the notes are still not made: use only for already clean data).

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    CorruptFileError
        Fewer than 2 usable points.
    MissingMetadataError
        Neither p/p0 nor pressure and a computable p0.
    """
    name = source or "isotherm"
    ads_name = canonical_name(adsorbate_name)
    n = np.asarray(amount, dtype=float).ravel()
    factor = amount_factor(amount_unit, adsorbate_name=ads_name, sample_mass_g=sample_mass_g)
    n_mmol = n * factor
    extra_attrs: dict[str, Any] = {}
    p_abs = None if pressure is None else np.asarray(pressure, dtype=float).ravel()
    p0_arr = None
    if p0 is not None:
        p0_arr = np.broadcast_to(np.asarray(p0, dtype=float), n.shape).astype(float)
    if relative_pressure is not None:
        prel = np.asarray(relative_pressure, dtype=float).ravel()
    else:
        if p_abs is None:
            raise MissingMetadataError(f"{name}: neither relative pressure nor pressure given")
        if p0_arr is None:
            ads = adsorbate(ads_name)
            if ads is None:
                raise MissingMetadataError(
                    f"{name}: absolute pressures without p0, and charz has no saturation "
                    f"pressure for {ads_name!r}; give p0=... (Pa)"
                )
            try:
                p0_val, p0_src = ads.saturation_pressure(temperature_K)
            except KeyError as exc:
                raise MissingMetadataError(
                    f"{name}: absolute pressures without p0 and no p0 for {ads_name} at "
                    f"{temperature_K} K ({exc.args[0]}); give p0=... (Pa)"
                ) from None
            p0_arr = np.full(n.shape, p0_val)
            extra_attrs["p0_source"] = (
                f"{p0_src} of {ads_name} at {temperature_K:g} K: {p0_val:.6g} Pa"
            )
        prel = p_abs / p0_arr
    if prel.shape != n.shape:
        raise CorruptFileError(f"{name}: {prel.size} pressures but {n.size} amounts")

    if branch is None:
        br = _split_branches(prel)
    else:
        br = np.array([_branch_name(b) for b in np.asarray(branch).ravel()], dtype=object)
    notes: list[str] = []
    keep = np.ones(n.shape, dtype=bool)
    if clean:
        keep, notes = _clean(prel, n_mmol, br)
    if keep.sum() < 2:
        raise CorruptFileError(
            f"{name}: only {int(keep.sum())} usable isotherm point(s) "
            f"({n.size} in the file); the run may have stopped during collection"
        )
    if notes:
        warnings.warn(
            f"{name}: {len(notes)} cleaning step(s): " + "; ".join(notes),
            DataCleaningWarning, stacklevel=3,
        )
    data_vars: dict[str, Any] = {
        "amount": ("point", n_mmol[keep], {"units": "mmol/g", "long_name": "amount adsorbed"}),
        "relative_pressure": ("point", prel[keep], {"units": "1", "long_name": "p/p0"}),
        "branch": ("point", np.asarray(br[keep], dtype=str), {"long_name": "isotherm branch"}),
    }
    if p_abs is not None:
        data_vars["pressure"] = ("point", p_abs[keep], {"units": "Pa", "long_name": "pressure"})
    if p0_arr is not None:
        data_vars["p0"] = ("point", p0_arr[keep], {"units": "Pa",
                                                  "long_name": "saturation pressure"})
    all_attrs: dict[str, Any] = {
        "technique": "sorption",
        "adsorbate": ads_name,
        "temperature_K": float(temperature_K),
        "amount_unit_original": str(amount_unit),
        "amount_conversion": f"× {factor:.8g} → mmol/g (22.414 cm^3(STP)/mmol)",
        "cleaning": notes,
    }
    if sample_mass_g is not None:
        all_attrs["sample_mass_g"] = float(sample_mass_g)
    all_attrs.update(extra_attrs)
    for k, v in (attrs or {}).items():
        if v is not None:
            all_attrs[k] = v
    if source:
        all_attrs.setdefault("source", source)
    return xr.Dataset(data_vars, attrs=all_attrs)


def _branch_name(b: Any) -> str:
    s = str(b).strip().lower()
    if s.startswith("ads") or s in ("a", "0", "false"):
        return "adsorption"
    if s.startswith("des") or s in ("d", "1", "true"):
        return "desorption"
    raise ReadError(f"unknown branch label {b!r} (expected ads/des)")


def _split_branches(prel: np.ndarray) -> np.ndarray:
    finite = np.where(np.isfinite(prel), prel, -np.inf)
    imax = int(np.argmax(finite))
    br = np.array(["adsorption"] * prel.size, dtype=object)
    br[imax + 1:] = "desorption"
    return br


def _clean(prel: np.ndarray, n: np.ndarray, br: np.ndarray) -> tuple[np.ndarray, list[str]]:
    keep = np.isfinite(prel) & np.isfinite(n)
    notes = []
    if (~keep).any():
        notes.append(f"dropped {int((~keep).sum())} point(s) with a missing value")
    bad = keep & (prel <= 0)
    if bad.any():
        notes.append(
            f"dropped {int(bad.sum())} point(s) with p/p0 <= 0 (min {prel[bad].min():.3g})"
        )
        keep &= ~bad
    for name, sign in (("adsorption", 1.0), ("desorption", -1.0)):
        idx = np.flatnonzero(keep & (br == name))
        if idx.size == 0:
            continue
        # exact duplicates (same p/p0 and amount as the previous kept point)
        dup = np.zeros(idx.size, dtype=bool)
        dup[1:] = (prel[idx][1:] == prel[idx][:-1]) & (n[idx][1:] == n[idx][:-1])
        if dup.any():
            notes.append(f"dropped {int(dup.sum())} duplicated {name} point(s)")
            keep[idx[dup]] = False
            idx = idx[~dup]
        # monotonic order: keep a point only if it goes further than every earlier one
        s = sign * prel[idx]
        running = np.maximum.accumulate(s)
        ok = np.ones(idx.size, dtype=bool)
        ok[1:] = s[1:] > running[:-1]
        if (~ok).any():
            where = ", ".join(f"{prel[i]:.4g}" for i in idx[~ok][:6])
            notes.append(
                f"dropped {int((~ok).sum())} {name} point(s) out of monotonic p/p0 order "
                f"(at p/p0 {where}{' ...' if (~ok).sum() > 6 else ''})"
            )
            keep[idx[~ok]] = False
    return keep, notes


def branch(isotherm: xr.Dataset, which: str = "adsorption") -> xr.DataArray:
    """One branch of an isotherm as a DataArray of amount (mmol/g) over ``relative_pressure``.

    Parameters
    ----------
    isotherm : xarray.Dataset
        From :func:`charz.read` or :func:`make_isotherm`.
    which : {'adsorption', 'desorption'}
        Branch (``ads``/``des`` accepted).

    Returns
    -------
    xarray.DataArray
        Measurement order (rising p/p0 for adsorption, falling for desorption); attrs of the
        isotherm are kept; ``p0`` (Pa) is a coordinate when known.
    """
    which = _branch_name(which)
    sel = isotherm["branch"].values == which
    prel = isotherm["relative_pressure"].values[sel]
    coords: dict[str, Any] = {
        "relative_pressure": ("relative_pressure", prel, {"units": "1", "long_name": "p/p0"})
    }
    for extra in ("pressure", "p0"):
        if extra in isotherm:
            coords[extra] = ("relative_pressure", isotherm[extra].values[sel],
                             dict(isotherm[extra].attrs))
    return xr.DataArray(
        isotherm["amount"].values[sel], dims="relative_pressure", coords=coords,
        name=which, attrs={**isotherm.attrs, **isotherm["amount"].attrs, "branch": which},
    )


def vendor_report(isotherm: xr.Dataset) -> dict[str, Any]:
    """The instrument software's own results stored by the reader (empty dict if none).

    Keys (when the export has them): ``bet`` (area m^2/g, stderr, slope, intercept, C, qm,
    r, cross_section_nm2, points p/p0 and amount), ``tplot`` (micropore_volume cm^3/g,
    external_area m^2/g, thickness range in Å, thickness equation, fitted points, DCF),
    ``bjh_adsorption``/``bjh_desorption`` (table, property factor, thickness curve),
    ``total_pore_volume`` and the thickness-curve table of a user-defined curve.
    """
    text = isotherm.attrs.get("vendor_report_json")
    return json.loads(text) if text else {}


# ---------------------------------------------------------------------------------------
# text helpers
# ---------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    return decode_text(raw, name=path.name)


def _head_text(head: bytes) -> str:
    return decode_text(head)


def _num(s: Any, decimal: str = ".") -> float | None:
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        return float(s)
    if s is None:
        return None
    t = str(s).strip()
    m = re.match(r"^[-+]?(?:\d[\d.,]*|[.,]\d+)(?:[eE][-+]?\d+)?", t)
    if not m:
        return None
    txt = m.group(0)
    try:
        if decimal == ",":
            return float(txt.replace(".", "").replace(",", "."))
        return float(txt.replace(",", ""))
    except ValueError:
        return None


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
    temperature_K: float | None = None,
    sample_mass_g: float | None = None,
    amount_unit: str | None = None,
) -> xr.Dataset:
    """Read a sorption CSV: charz plain CSV, BETSI/BEaTmap two-column CSV, pyGAPS CSV, BELMaster.

    Parameters
    ----------
    path : Path
        The file.
    adsorbate, temperature_K, sample_mass_g, amount_unit : optional
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
        return _read_pygaps_csv(path, text, adsorbate, temperature_K)
    if ("adsorptive" in low and "\nads" in low.replace("\r", "")) or "no,pi/kpa" in low.replace(
        " ", ""
    ):
        return _read_bel_csv(path, text)
    return _read_plain_csv(path, text, adsorbate, temperature_K, sample_mass_g, amount_unit)


def _read_plain_csv(path, text, adsorbate_name, temperature_K, sample_mass_g, amount_unit):
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
                "adsorbate=... and temperature_K=..."
            )
        ads_name = "N2"  # BETSI/BEaTmap-style 2-column N2 files carry no metadata
        assumed.append("adsorbate N2")
    t = temperature_K
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
                f"{path.name}: no temperature in the file; pass temperature_K=..."
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
    return make_isotherm(
        amount=n, amount_unit=unit, adsorbate_name=ads_name, temperature_K=t,
        relative_pressure=prel, pressure=pabs, p0=p0, branch=br, sample_mass_g=mass,
        attrs=attrs, source=path.name,
    )


def _read_pygaps_csv(path, text, adsorbate_name, temperature_K):
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
    return _from_pygaps_dict(path, meta_json, adsorbate_name, temperature_K, fmt="pyGAPS CSV")


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
                     temperature_K: float | None = None) -> xr.Dataset:
    """Read a pyGAPS JSON isotherm (file_version 3.0) or a NIST ISODB JSON isotherm.

    Absolute pressures without saturation pressure get p0 of the adsorptive at the bath
    temperature (stated in ``attrs["p0_source"]``; pyGAPS uses CoolProp the same way).
    Loadings per mole or per volume of material, as a fraction or percent of the material
    mass, cannot be put per gram without more data: they raise
    :class:`~charz.errors.MissingMetadataError` naming the basis.
    """
    data = json.loads(_read_text(path))
    if isinstance(data.get("meta"), dict) and isinstance(data.get("data"), dict):
        return _from_afp(path, data, adsorbate, temperature_K)
    if "adsorbates" in data:
        return _from_nist(path, data)
    if "isotherm_data" in data:
        return _from_pygaps_dict(path, data, adsorbate, temperature_K, fmt="pyGAPS JSON")
    raise CorruptFileError(f"{path.name}: neither a pyGAPS nor a NIST ISODB isotherm")


def _from_pygaps_dict(path, d, adsorbate_name, temperature_K, *, fmt):
    ads_name = adsorbate_name or d.get("adsorbate")
    if not ads_name:
        raise MissingMetadataError(f"{path.name}: no adsorbate")
    t = temperature_K if temperature_K is not None else d.get("temperature")
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
    return make_isotherm(
        amount=n, amount_unit=unit, adsorbate_name=ads_name, temperature_K=t, branch=branches,
        sample_mass_g=d.get("material_mass"),
        attrs={"sample": str(sample or path.stem), "instrument": d.get("instrument")
               or d.get("apparatus") or d.get("machine"), "format": fmt},
        source=path.name, **kwargs,
    )


def _from_afp(path, d, adsorbate_name, temperature_K):
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
    return _from_pygaps_dict(path, meta, adsorbate_name, temperature_K,
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
    return make_isotherm(
        amount=n, amount_unit=factor_unit, adsorbate_name=ads_name, temperature_K=t, pressure=p,
        attrs={"sample": str(d.get("adsorbent", {}).get("name", path.stem)),
               "format": "NIST ISODB JSON", "doi": d.get("DOI")},
        source=path.name,
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
    if "/" not in lunit:
        # AIF loadings are per mass of adsorbent; raw2aif writes bare 'cc'/'mmol' for them
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
    return make_isotherm(
        amount=n, amount_unit=lunit, adsorbate_name=meta.get("_exptl_adsorptive", ""),
        temperature_K=t, branch=br, sample_mass_g=mass,
        attrs={"sample": meta.get("_sample_material_id") or meta.get("_adsnt_material_id")
               or meta.get("_sample_id"),
               "instrument": meta.get("_exptl_instrument"), "format": "AIF",
               "assumed": assumed or None},
        source=path.name, **kwargs,
    )


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
    return make_isotherm(
        amount=arr[:, 4], amount_unit="cm3(STP)/g", adsorbate_name=meta.get("Adsorptive", ""),
        temperature_K=t, pressure=arr[:, 1] * 1e3, p0=arr[:, 2] * 1e3, branch=br,
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
    return make_isotherm(
        amount=arr[:, i_n], amount_unit="cm3(STP)/g", adsorbate_name=meta.get("Adsorptive", ""),
        temperature_K=t, pressure=arr[:, i_pe] * 1e3, p0=arr[:, i_p0] * 1e3, branch=br,
        sample_mass_g=_num(meta.get("Sample weight")),
        attrs={"sample": meta.get("COMMENT1") or path.stem,
               "instrument": f"BEL {meta.get('Serial number', meta.get('S/N', ''))}".strip(),
               "format": "BELMaster CSV"},
        source=path.name,
    )


# ---------------------------------------------------------------------------------------
# Quantachrome / Anton Paar text exports
# ---------------------------------------------------------------------------------------


def _sniff_qnt(path: Path, head: bytes) -> bool:
    t = _head_text(head)
    return "Quantachrome" in t or ("Analysis gas" in t and "Volume @ STP" in t)


_QNT_FIELD = re.compile(
    r"([A-Z][A-Za-z. -]*?):\s*(.*?)(?=\s{2,}[A-Z][A-Za-z. -]*?:|\s*Non-ideality:|$)"
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
        return make_isotherm(
            amount=arr[:, 2], amount_unit=unit, adsorbate_name=gas, temperature_K=t,
            relative_pressure=arr[:, 0], p0=arr[:, 1] * pressure_factor(
                unit_line.split()[0] if unit_line.split() else "Torr"),
            sample_mass_g=mass, attrs=attrs, source=path.name,
        )
    if is_report or ncol == 2:
        return make_isotherm(
            amount=arr[:, 1], amount_unit="cm3(STP)/g", adsorbate_name=gas, temperature_K=t,
            relative_pressure=arr[:, 0], sample_mass_g=mass, attrs=attrs, source=path.name,
        )
    punit = unit_line.split()[0] if unit_line.split() else "Torr"
    f = pressure_factor(punit)
    return make_isotherm(
        amount=arr[:, 2], amount_unit=unit, adsorbate_name=gas, temperature_K=t,
        pressure=arr[:, 0] * f, p0=arr[:, 1] * f, sample_mass_g=mass, attrs=attrs,
        source=path.name,
    )


# ---------------------------------------------------------------------------------------
# Excel workbooks: Micromeritics report exports, 3P, BEL .xls, pyGAPS Excel
# ---------------------------------------------------------------------------------------

_WB_KEYS = [b"Quantity Adsorbed", b"Relative Pressure", b"Adsorptive", b"adsorptive",
            b"p/p0", b"Isotherm", b"pressure_mode", b"Pressure mode"]


def _sniff_workbook(path: Path, head: bytes) -> bool:
    raw = path.read_bytes() if path.stat().st_size < 50_000_000 else head
    if raw[:2] == b"PK":
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                blob = b""
                # strings live in sharedStrings.xml, or inline in the sheets (openpyxl)
                sheets = [n for n in names if n.startswith("xl/worksheets/sheet")][:3]
                for nm in ["xl/sharedStrings.xml", "xl/workbook.xml", *sheets]:
                    if nm in names:
                        with zf.open(nm) as fh:
                            blob += fh.read(2_000_000)
        except (zipfile.BadZipFile, OSError):
            return False
        return any(k in blob for k in (b"Quantity Adsorbed", b"Isotherm", b"Adsorptive",
                                       b"pressure_mode", b"Adsorbate"))
    for k in _WB_KEYS[:8]:
        if k in raw or k.decode().encode("utf-16-le") in raw:
            return True
    return False


def _grids(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """All sheets as lists of rows of cell values ('' for empty)."""
    if path.suffix.lower() == ".xls":
        from charz.io import require

        xlrd = require("xlrd", "xlsx", purpose=f"read {path.name}")
        wb = xlrd.open_workbook(str(path), on_demand=True)
        out = []
        for sh in wb.sheets():
            out.append((sh.name, [sh.row_values(r) for r in range(sh.nrows)]))
        return out
    from charz.io import require

    openpyxl = require("openpyxl", "xlsx", purpose=f"read {path.name}")
    wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    out = []
    for ws in wb.worksheets:
        rows = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
        out.append((ws.title, rows))
    wb.close()
    return out


@register_reader(".xls", ".xlsx", technique="sorption", sniff=_sniff_workbook,
                 requires=None, extra="xlsx")
@_named
def read_workbook(path: Path) -> xr.Dataset:
    """Read a sorption workbook: Micromeritics report export, 3P report, BEL .xls, pyGAPS Excel.

    Micromeritics exports hold the isotherm table and the vendor's own BET, t-plot and BJH
    reports; these are parsed into ``attrs["vendor_report_json"]`` (see
    :func:`vendor_report`). Bath temperatures in °C and decimal commas ("1.589,6174") are
    handled.
    """
    grids = _grids(path)
    cells_text = " ".join(
        str(v) for _, g in grids[:3] for row in g[:60] for v in row if isinstance(v, str)
    )
    names = [n for n, _ in grids]
    if "Micromeritics" in cells_text or "Isotherm Tabular Report" in cells_text or any(
        "isotherm tabular" in n.lower() for n in names
    ) or re.search(r"Analysis adsorptive", cells_text, re.I):
        return _read_micromeritics(path, grids)
    if any(n.strip().lower() == "isotherm" for n in names) and any(
        n.strip().lower() in ("summary", "info") for n in names
    ):
        return _read_3p(path, grids)
    if "pressure_mode" in cells_text or "Pressure mode" in cells_text:
        return _read_pygaps_excel(path, grids)
    if "Adsorption data" in cells_text or "Adsorptive" in cells_text:
        return _read_bel_xls(path, grids)
    raise CorruptFileError(f"{path.name}: a workbook, but not a known sorption export "
                           f"(sheets: {', '.join(names)})")


class _Cells:
    """Search helper over every cell of a workbook."""

    def __init__(self, grids: list[tuple[str, list[list[Any]]]]):
        self.grids = grids

    def iter(self):
        for si, (_, g) in enumerate(self.grids):
            for r, row in enumerate(g):
                for c, v in enumerate(row):
                    if v != "" and v is not None:
                        yield si, r, c, v

    def cell(self, si: int, r: int, c: int) -> Any:
        g = self.grids[si][1]
        if r < len(g) and c < len(g[r]):
            return g[r][c]
        return ""

    def right(self, si: int, r: int, c: int, maxgap: int = 4) -> Any:
        for cc in range(c + 1, c + 1 + maxgap):
            v = self.cell(si, r, cc)
            if v not in ("", None) and not (isinstance(v, str) and v.strip() in ("", "|")):
                return v
        return None

    def find(self, pattern: str, *, within: tuple[int, int, int, int] | None = None
             ) -> list[tuple[int, int, int, str]]:
        rx = re.compile(pattern, re.I)
        out = []
        for si, r, c, v in self.iter():
            if not isinstance(v, str):
                continue
            if within is not None:
                s0, r0, c0, c1 = within
                if si != s0 or r <= r0 or not c0 <= c < c1:
                    continue
            if rx.search(v.strip()):
                out.append((si, r, c, v.strip()))
        return out

    def value(self, pattern: str, *, within=None) -> Any:
        for si, r, c, _ in self.find(pattern, within=within):
            v = self.right(si, r, c)
            if v is not None:
                return v
        return None

    def block(self, title: str) -> tuple[int, int, int, int] | None:
        hits = self.find(title)
        if not hits:
            return None
        si, r, c, _ = hits[0]
        g = self.grids[si][1]
        c1 = c + 1
        width = max((len(row) for row in g), default=0)
        while c1 < width and not any(
            c1 < len(row) and row[c1] == "|" for row in g[r:r + 40]
        ):
            c1 += 1
        return si, r, c, c1


def _num_auto(v: Any) -> float | None:
    """A number with either decimal mark: '0,0304(g)' and '0.1747(g)' both work."""
    if v is None or isinstance(v, (int, float)):
        return None if v is None else float(v)
    t = str(v).strip()
    if "," in t and "." in t:
        return _num(t, "," if t.rfind(",") > t.rfind(".") else ".")
    return _num(t, "," if "," in t else ".")


def _mic_num(v: Any, dec: str) -> float | None:
    return _num(v, dec)


def _pm(v: Any, dec: str) -> tuple[float | None, float | None]:
    if v is None:
        return None, None
    if isinstance(v, (int, float)):
        return float(v), None
    parts = str(v).split("±")
    val = _num(parts[0], dec)
    err = _num(parts[1], dec) if len(parts) > 1 else None
    return val, err


def _unit_in(header: str) -> str:
    m = re.search(r"\(([^()]*(?:\([^()]*\))?[^()]*)\)\s*$", header.strip())
    return m.group(1) if m else ""


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
    return make_isotherm(
        amount=arr[:, 3], amount_unit=q_unit or "cm3(STP)/g", adsorbate_name=str(gas),
        temperature_K=t, sample_mass_g=mass, attrs=attrs, source=path.name, **kwargs,
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
    return make_isotherm(
        amount=arr[:, -1], amount_unit=unit.replace("STP", "").strip() + " STP",
        adsorbate_name=gas, temperature_K=t, branch=br, sample_mass_g=mass,
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


def _read_bel_xls(path: Path, grids) -> xr.Dataset:
    raise CorruptFileError(
        f"{path.name}: BEL .xls exports are not supported; export the BELSORP .DAT or CSV"
    )
