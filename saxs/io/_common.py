"""What every SAXS reader shares: the curve builder and the q-unit rule."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CharzError, CorruptFileError, DataCleaningWarning, MissingMetadataError
from charz.io import resolve_metadata

__all__ = ["make_curve", "normalise_q_unit", "q_unit_from_text"]

#: factor that converts q in the given unit to 1/nm
_Q_TO_NM = {"1/nm": 1.0, "1/A": 10.0}

_INV_A = (r"(?:1\s*/\s*(?:a|å|Å|ang|angstrom|angstroms|ångström)\b"
          r"|(?:a|å|Å|ang|angstrom)\s*\^?\s*(?:-1|−1|⁻¹)|inverse\s+angstrom)")
_INV_NM = r"(?:1\s*/\s*nm\b|nm\s*\^?\s*(?:-1|−1|⁻¹)|inverse\s+nanomet)"
_INV_A_RE = re.compile(_INV_A, re.IGNORECASE)
_INV_NM_RE = re.compile(_INV_NM, re.IGNORECASE)
# a q column label followed (within a few characters) by its unit: "q [1/A]", "Q (A-1)",
# "q(nm^-1)", "Q / 1/nm", "| Q (1/A) |"
_Q_LINE_RE = re.compile(r"(?<![A-Za-z])(?:q|units?|x[-_ ]?axis|scattering vector)(?![A-Za-z])",
                        re.IGNORECASE)
_Q_LABEL_RE = re.compile(
    r"(?<![A-Za-z])(?:q|Q|q_|Q_|s)\w{0,6}\s*[\[(/{]?\s*(?:in\s+)?"
    rf"(?P<unit>{_INV_A}|{_INV_NM})",
    re.IGNORECASE,
)


def normalise_q_unit(unit: str, *, where: str = "") -> str:
    """Map a q unit spelling to ``"1/A"`` or ``"1/nm"``.

    Parameters
    ----------
    unit : str
        ``1/A``, ``1/Å``, ``A^-1``, ``1/angstrom``, ``1/nm``, ``nm^-1``, ... (case ignored).

    Raises
    ------
    CharzError
        Any other spelling (``1/m`` and friends are not SAXS q units).
    """
    u = str(unit).strip()
    if _INV_NM_RE.fullmatch(u) or u.lower() in ("1/nm", "nm-1", "nm^-1"):
        return "1/nm"
    if _INV_A_RE.fullmatch(u) or u.lower() in ("1/a", "a-1", "a^-1", "1/å"):
        return "1/A"
    pre = f"{where}: " if where else ""
    raise CharzError(f"{pre}q unit {unit!r} is not understood; use '1/A' or '1/nm'")


def q_unit_from_text(text: str) -> str | None:
    """Find the unit of a q column in header text (``q [1/A]``, ``Q (A-1)``, ``1/nm`` ...).

    Returns ``"1/A"``, ``"1/nm"`` or None. A q label with its unit wins; else a bare unit
    token counts only when exactly one kind (1/Å or 1/nm) appears in the text.
    """
    units = {normalise_q_unit(m.group("unit")) for m in _Q_LABEL_RE.finditer(text)}
    if len(units) == 1:
        return units.pop()
    if units:
        return None
    # a bare unit counts only on a line that is about q or units ("# units: 1/nm")
    lines = [ln for ln in text.splitlines() if _Q_LINE_RE.search(ln)]
    has_a = any(_INV_A_RE.search(ln) for ln in lines)
    has_nm = any(_INV_NM_RE.search(ln) for ln in lines)
    if has_a != has_nm:
        return "1/A" if has_a else "1/nm"
    return None


def _resolve_q_unit(file_unit: str | None, user_unit: str | None, name: str,
                    *, from_format: bool = False) -> tuple[str, str]:
    """Return (unit, how) — the user's option overrides, else the file's, else raise.

    ``how`` (``attrs["q_unit_from"]``) is ``"user"``, ``"file header"`` or ``"format"``
    (the format's definition); ``attrs["q_unit_source"]`` is ``"user"`` or ``"file"`` as
    for every other metadata (:func:`charz.io.resolve_metadata`).
    """
    user = normalise_q_unit(user_unit, where=name) if user_unit is not None else None
    scratch: dict[str, Any] = {}
    unit = resolve_metadata(scratch, "q_unit", user, file_unit, name=name)
    if unit is None:
        raise MissingMetadataError(
            f"{name}: the q unit is not stated in the file; pass q_unit='1/A' or "
            "q_unit='1/nm' (--q-unit on the command line). charz does not guess: the two "
            "differ by a factor of 10 in every length"
        )
    if scratch["q_unit_source"] == "user":
        return unit, "user"
    return unit, "format" if from_format else "file header"


_I_UNITS = {
    "1/cm": "1/cm", "cm^-1": "1/cm", "cm-1": "1/cm", "1/cm^1": "1/cm", "cm^{-1}": "1/cm",
    "1/m": "1/m", "m^-1": "1/m", "counts": "count", "count": "count", "cts": "count",
    "a.u.": "1", "au": "1", "arb": "1", "arbitrary": "1", "none": "1", "": "1",
    "cm^2/g": "cm^2/g", "cm2/g": "cm^2/g",
}


def _i_unit(text: str | None) -> str:
    if text is None:
        return "1"
    key = str(text).strip().lower().replace(" ", "")
    return _I_UNITS.get(key, str(text).strip())


def make_curve(
    q: Any,
    intensity: Any,
    *,
    sigma: Any = None,
    q_unit: str,
    intensity_unit: str = "1",
    dq: Any = None,
    name: str = "",
    q_unit_from: str = "user",
    attrs: Mapping[str, Any] | None = None,
    drop_invalid: bool = False,
) -> xr.DataArray:
    """Build a charz SAXS curve (q in 1/nm) from arrays, validating them.

    Parameters
    ----------
    q : array_like
        Scattering vector in ``q_unit``; must be finite and > 0.
    intensity : array_like
        I(q), finite, in ``intensity_unit`` (``"1/cm"`` for absolute scale).
    sigma : array_like, optional
        One standard uncertainty of I (same unit); NaN where unknown.
    q_unit : {'1/A', '1/nm'}
        Unit of ``q`` and ``dq``; converted to 1/nm.
    dq : array_like, optional
        q resolution in ``q_unit`` (stored in 1/nm).
    name : str
        File name for messages.
    drop_invalid : bool
        Drop rows with q ≤ 0 or non-finite q/I (with a
        :class:`~charz.errors.DataCleaningWarning`) instead of raising.

    Raises
    ------
    CorruptFileError
        Arrays of different lengths, fewer than 2 points, q ≤ 0, NaN/inf in q or I.
    """
    unit = normalise_q_unit(q_unit, where=name)
    where = name or "SAXS curve"
    try:
        q = np.asarray(q, dtype=float).ravel()
        intensity = np.asarray(intensity, dtype=float).ravel()
        sigma = (np.full_like(intensity, np.nan) if sigma is None
                 else np.asarray(sigma, dtype=float).ravel())
        dq = None if dq is None else np.asarray(dq, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise CorruptFileError(f"{where}: q/I columns are not numeric ({exc})") from None
    lengths = {len(q), len(intensity), len(sigma)} | ({len(dq)} if dq is not None else set())
    if len(lengths) != 1:
        raise CorruptFileError(f"{where}: q, I and sigma have different lengths {sorted(lengths)}")
    bad = ~np.isfinite(q) | ~np.isfinite(intensity) | (q <= 0)
    if bad.any():
        rows = np.flatnonzero(bad)
        what = []
        if (~np.isfinite(q) | ~np.isfinite(intensity)).any():
            what.append("NaN/inf values")
        if (np.isfinite(q) & (q <= 0)).any():
            what.append("q <= 0")
        msg = (f"{where}: {' and '.join(what)} in {len(rows)} row(s) "
               f"(first data row index {rows[0]}); q must be > 0 and q, I finite")
        if not drop_invalid:
            raise CorruptFileError(msg + "; pass drop_invalid=True to drop those rows")
        warnings.warn(msg + "; those rows were dropped", DataCleaningWarning, stacklevel=3)
        keep = ~bad
        q, intensity, sigma = q[keep], intensity[keep], sigma[keep]
        dq = dq[keep] if dq is not None else None
    if len(q) < 2:
        raise CorruptFileError(f"{where}: fewer than 2 valid (q, I) points")
    sigma = np.where(np.isfinite(sigma) & (sigma > 0), sigma, np.nan)
    order = np.argsort(q, kind="stable")
    f = _Q_TO_NM[unit]
    coords: dict[str, Any] = {
        "q": ("q", q[order] * f, {"units": "1/nm", "long_name": "q"}),
        "sigma": ("q", sigma[order], {"units": intensity_unit,
                                      "long_name": "standard uncertainty of I"}),
    }
    if dq is not None:
        coords["dq"] = ("q", np.abs(dq[order]) * f, {"units": "1/nm",
                                                      "long_name": "q resolution"})
    out_attrs = {
        "units": intensity_unit,
        "long_name": "intensity",
        "technique": "saxs",
        "q_unit_original": unit,
        "q_unit_from": q_unit_from,
        "q_unit_source": "user" if q_unit_from == "user" else "file",
        "absolute_scale": int(intensity_unit in ("1/cm", "1/m", "cm^2/g")),
    }
    if attrs:
        out_attrs.update({k: v for k, v in attrs.items() if v is not None})
    return xr.DataArray(intensity[order], dims="q", coords=coords, name="intensity",
                        attrs=out_attrs)

