"""The isotherm Dataset shared by every reader: units, :func:`make_isotherm`, branches."""

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
from charz.io import decode_text, parse_number
from sorption._adsorbates import MOLAR_VOLUME_STP, adsorbate, canonical_name


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
    pressure: Sequence[float] | np.ndarray,
    amount: Sequence[float] | np.ndarray,
    *,
    amount_unit: str,
    adsorbate_name: str,
    temperature_k: float,
    pressure_unit: str = "1",
    p0: float | Sequence[float] | np.ndarray | None = None,
    absolute_pressure: Sequence[float] | np.ndarray | None = None,
    branch: Sequence[str] | np.ndarray | None = None,
    sample_mass_g: float | None = None,
    attrs: dict[str, Any] | None = None,
    source: str = "",
    clean: bool = True,
) -> xr.Dataset:
    """Build the isotherm Dataset (see the module docstring) from arrays.

    Parameters
    ----------
    pressure : array
        The pressure axis: p/p0 (``pressure_unit="1"``, the default) or absolute
        pressures in ``pressure_unit``.
    amount : array
        Amount adsorbed, in ``amount_unit``.
    amount_unit : str
        Unit of ``amount`` (see :func:`amount_factor`); converted to mmol/g.
    adsorbate_name : str
        Adsorptive (``"N2"``, ``"Nitrogen"``, ``"CO2"`` ...).
    temperature_k : float
        Bath temperature in K.
    pressure_unit : str
        ``"1"`` (or ``"relative"``): ``pressure`` is p/p0; else the unit of absolute
        pressures (Pa, kPa, bar, mbar, mmHg, Torr, atm, psi; see :func:`pressure_factor`),
        converted to Pa and divided by ``p0``.
    p0 : float or array, optional
        Saturation pressure in Pa (per point or one value). When absent and ``pressure`` is
        absolute, p0 of the adsorptive at ``temperature_k`` is computed (CoolProp or the
        fit in :mod:`sorption._adsorbates`) and ``attrs["p0_source"]`` says so.
    absolute_pressure : array, optional
        Absolute pressures in Pa kept beside a relative ``pressure`` (files that give both).
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
    OptionError
        An unknown ``pressure_unit``, or ``absolute_pressure`` with absolute ``pressure``.
    CorruptFileError
        Fewer than 2 usable points.
    MissingMetadataError
        Absolute pressures without ``p0`` and no saturation pressure known for the gas.

    Examples
    --------
    >>> import sorption
    >>> iso = sorption.make_isotherm([0.05, 0.1, 0.2, 0.3], [2.1, 2.5, 2.9, 3.2],
    ...                              amount_unit="mmol/g", adsorbate_name="N2",
    ...                              temperature_k=77.35)
    >>> iso["relative_pressure"].values.tolist()
    [0.05, 0.1, 0.2, 0.3]
    """
    from charz.errors import OptionError

    if str(pressure_unit).strip().lower() in ("1", "relative", "p/p0"):
        relative_pressure, pressure = pressure, absolute_pressure
    else:
        if absolute_pressure is not None:
            raise OptionError("absolute_pressure= is for a relative pressure axis; with "
                              f"pressure_unit={pressure_unit!r} the axis is already absolute")
        try:
            factor = pressure_factor(pressure_unit)
        except ReadError as exc:
            raise OptionError(f"pressure_unit= {exc}") from None
        relative_pressure, pressure = None, np.asarray(pressure, dtype=float) * factor
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
                p0_val, p0_src = ads.saturation_pressure(temperature_k)
            except KeyError as exc:
                raise MissingMetadataError(
                    f"{name}: absolute pressures without p0 and no p0 for {ads_name} at "
                    f"{temperature_k} K ({exc.args[0]}); give p0=... (Pa)"
                ) from None
            p0_arr = np.full(n.shape, p0_val)
            extra_attrs["p0_source"] = (
                f"{p0_src} of {ads_name} at {temperature_k:g} K: {p0_val:.6g} Pa"
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
        "temperature_K": float(temperature_k),
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


def _build_isotherm(
    amount: Sequence[float] | np.ndarray,
    *,
    relative_pressure: Sequence[float] | np.ndarray | None = None,
    pressure: Sequence[float] | np.ndarray | None = None,
    **options: Any,
) -> xr.Dataset:
    """:func:`make_isotherm` for readers: p/p0 (preferred) and/or absolute pressure in Pa."""
    if relative_pressure is not None:
        return make_isotherm(relative_pressure, amount, absolute_pressure=pressure, **options)
    if pressure is None:
        raise MissingMetadataError(f"{options.get('source') or 'isotherm'}: neither relative "
                                   "pressure nor pressure given")
    return make_isotherm(pressure, amount, pressure_unit="Pa", **options)



def _branch_name(b: Any) -> str:
    s = str(b).strip().lower()
    if s.startswith("ads") or s in ("a", "0", "false"):
        return "adsorption"
    if s.startswith("des") or s in ("d", "1", "true"):
        return "desorption"
    raise ReadError(f"unknown branch label {b!r} (expected ads/des)")


def branch_option(name: str, value: Any, *, flag: str | None = None) -> str:
    """A branch named by the user (``adsorption``/``desorption``, ``ads``/``des``).

    Raises
    ------
    OptionError
        Any other value (the message names the option).
    """
    from charz._validation import check_choice

    short = {"ads": "adsorption", "des": "desorption"}
    return check_choice(name, short.get(str(value).strip().lower(), value),
                        ("adsorption", "desorption"), flag=flag)


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
    which = branch_option("which", which)
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
    """A number from a cell (None when it holds none): :func:`charz.io.parse_number`, lenient.

    ``decimal=","`` reads ``1.589,6174`` as 1589.6174 (dots group thousands).
    """
    if s is None or isinstance(s, bool):
        return None
    try:
        value = parse_number(s, decimal=decimal, lenient=True)
    except ValueError:
        return None
    return None if math.isnan(value) else value
