"""SAXS readers: 1-D curves I(q) and 2-D detector images integrated with pyFAI.

Every 1-D reader returns the same object (the charz SAXS curve)::

    <xarray.DataArray 'intensity' (q: N)>
    coords:  q      (q)  float  attrs units="1/nm", long_name="q"
             sigma  (q)  float  one standard uncertainty of I, in I's unit (NaN if absent)
             dq     (q)  float  q resolution, 1/nm (only when the file has it)
    attrs:   units (I's unit: "1/cm" absolute scale, "count", or "1" for arbitrary units),
             long_name "intensity", technique "saxs", q_unit_original ("1/A" or "1/nm"),
             q_unit_from ("file header", "format", "user"), plus what the file states:
             wavelength_nm, thickness_cm, transmission, slit_length (1/nm), title, ...

q is stored in 1/nm (ARCHITECTURE.md); files in 1/Å are converted on load
(q[1/nm] = 10 q[1/Å]) and the original unit is recorded. The q unit comes from the file
(column headers such as ``q [1/A]``, ``Q (A-1)``, canSAS/NXcanSAS unit attributes) or from
the format's definition (NIST ABS: 1/Å; Anton Paar PDH: 1/nm), else from the user's
``q_unit=`` option. When neither says, :class:`~charz.errors.MissingMetadataError` is
raised: a silent 1/Å vs 1/nm guess changes every length by a factor of 10.

Formats: plain text q/I/σ (``.dat``, ``.csv``, ``.txt``; header sniffed), NIST 6-column
``.abs`` (SANS and slit-smeared USANS), Anton Paar / Glatter ``.pdh``, canSAS 1D XML
(v1.0, v1.1), NXcanSAS HDF5 (also Irena/Nika files; needs h5py, extra ``hdf5``). 2-D
images (EDF, TIFF, CBF, ... through fabio) are integrated by :func:`integrate_image`
(pyFAI, extra ``pyfai``) from a PONI file and an optional mask.
"""

from __future__ import annotations

import json
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CharzError, CorruptFileError, DataCleaningWarning, MissingMetadataError
from charz.io import decode_text, read_text_table, register_reader, require, resolve_metadata

__all__ = [
    "integrate_image",
    "make_curve",
    "normalise_q_unit",
    "q_unit_from_text",
    "read",
    "read_abs",
    "read_cansas_xml",
    "read_nxcansas",
    "read_pdh",
    "read_text",
]

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
    sigma: Any = None,
    *,
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


# ---------------------------------------------------------------------------------------
# plain text
# ---------------------------------------------------------------------------------------

_SAXS_WORDS = re.compile(
    r"(?<![A-Za-z])(?:I\s*\(\s*q\s*\)|sasview|saxs|sans|usaxs|<X>|dI\b|Idev|scattering\s+vector"
    r"|q\s*[\[(]|\bq\b\s*[,;\t ]+\s*I\b)",
    re.IGNORECASE,
)


def _numeric_rows(text: str, limit: int = 400) -> np.ndarray | None:
    rows = []
    for ln in text.splitlines():
        s = ln.strip()
        if not s or s[0] in "#;!%*<":
            continue
        fields = [f for f in re.split(r"[,\s;]+", s) if f]
        try:
            vals = [float(f) for f in fields]
        except ValueError:
            if rows:
                break
            continue
        rows.append(vals)
        if len(rows) >= limit:
            break
    if len(rows) < 5:
        return None
    lengths = [len(r) for r in rows]
    n = max(set(lengths), key=lengths.count)  # a truncated last line does not count
    if n < 2:
        return None
    return np.array([r for r in rows if len(r) == n])


def _sniff_text(path: Path, head: bytes) -> bool:
    text = decode_text(head)
    if len(head) >= 8192 and "\n" in text:
        text = text.rsplit("\n", 1)[0]  # the head may end inside a line
    lines = text.splitlines()
    header = "\n".join(ln for ln in lines[:60] if not re.match(r"^\s*[-+.\d]", ln))
    if _SAXS_WORDS.search(header) or _Q_LABEL_RE.search(header):
        return _numeric_rows(text) is not None
    if header.strip():
        return False
    # headerless: q positive and increasing, intensity falling over decades (SAXS shape)
    rows = _numeric_rows(text)
    if rows is None or rows.shape[1] > 6:
        return False
    q, i = rows[:, 0], rows[:, 1]
    if np.any(q <= 0) or np.any(np.diff(q) <= 0) or q[-1] > 60:
        return False
    pos = i[i > 0]
    return pos.size > 5 and pos[: pos.size // 4 + 1].mean() > 20 * pos[-(pos.size // 4 + 1):].mean()


#: header keys copied into attrs (numbers parsed): acquisition time for in-situ series,
#: wavelength, sample geometry
_HEADER_KEYS = {"start_time": str, "exposure_s": float, "wavelength_nm": float,
                "sample": str, "thickness_cm": float, "transmission": float}


def _header_metadata(header: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in header.items():
        k = key.strip().lower().replace(" ", "_")
        if k in _HEADER_KEYS:
            try:
                out[k] = _HEADER_KEYS[k](value.strip())
            except ValueError:
                continue
    return out


@register_reader(".dat", ".txt", ".csv", technique="saxs", sniff=_sniff_text)
def read_text(
    path: Path,
    *,
    q_unit: str | None = None,
    intensity_unit: str | None = None,
    columns: tuple[int, int] | tuple[int, int, int] | None = None,
    drop_invalid: bool = False,
) -> xr.DataArray:
    """Read a plain-text q/I(/σ) curve.

    Parameters
    ----------
    path : Path
        Text file: header lines (``#`` or plain text), then 2–4+ numeric columns q, I, σ,
        (dq) separated by whitespace, tab, comma or semicolon.
    q_unit : {'1/A', '1/nm'}, optional
        Unit of the q column; overrides the header. Needed when the header does not say.
    intensity_unit : str, optional
        Unit of I (``"1/cm"``); default from the header (``I [1/cm]``), else ``"1"``.
    columns : tuple of int, optional
        Column indices (q, I) or (q, I, σ); default 0, 1, 2.
    drop_invalid : bool
        Drop rows with q ≤ 0 or NaN instead of raising.

    Notes
    -----
    Header lines ``# start_time: <ISO-8601>``, ``# exposure_s:``, ``# wavelength_nm:``,
    ``# sample:``, ``# thickness_cm:``, ``# transmission:`` go into attrs (start time and
    exposure place in-situ frames in time, :func:`charz.series.stack_frames`).

    Raises
    ------
    MissingMetadataError
        Neither the header nor ``q_unit`` gives the q unit.
    CorruptFileError
        Fewer than 2 numeric columns, q ≤ 0, NaN (see :func:`make_curve`).
    """
    path = Path(path)
    table = read_text_table(path, min_columns=2)
    header = "\n".join(table.header_lines)
    data = table.data
    ncol = data.shape[1]
    cq, ci, cs = ((*columns, None))[:3] if columns else (0, 1, 2 if ncol >= 3 else None)
    for c in (cq, ci, cs):
        if c is not None and c >= ncol:
            raise CorruptFileError(f"{path.name}: column {c} requested but the table has "
                                   f"{ncol} column(s)")
    unit, how = _resolve_q_unit(q_unit_from_text(header), q_unit, path.name)
    if intensity_unit is None:
        m = re.search(r"(?<![A-Za-z])I\w{0,4}\s*[\[(]\s*([^\])]+?)\s*[\])]", header)
        intensity_unit = _i_unit(m.group(1)) if m else "1"
        if "|" in header and "I(Q) (1/cm)" in header:
            intensity_unit = "1/cm"
    sigma = data[:, cs] if cs is not None else None
    dq = data[:, 3] if (columns is None and ncol == 4) else None
    attrs: dict[str, Any] = ({"header_json": json.dumps(table.header)[:20000]}
                             if table.header else {})
    attrs.update(_header_metadata(table.header))
    return make_curve(data[:, cq], data[:, ci], sigma, q_unit=unit, q_unit_from=how,
                      intensity_unit=intensity_unit, dq=dq, name=path.name, attrs=attrs,
                      drop_invalid=drop_invalid)


# ---------------------------------------------------------------------------------------
# NIST ABS (6 columns: Q, I, dI, sigmaQ (or -slit length), meanQ, shadow factor)
# ---------------------------------------------------------------------------------------


def _sniff_abs(path: Path, head: bytes) -> bool:
    return _numeric_rows(decode_text(head)) is not None


@register_reader(".abs", technique="saxs", sniff=_sniff_abs)
def read_abs(path: Path, *, q_unit: str | None = None,
             drop_invalid: bool = False) -> xr.DataArray:
    """Read a NIST 6-column ``.ABS`` file (SANS or slit-smeared USANS).

    Columns: Q, I(Q), σ(I), σQ, mean Q, shadow factor. The NIST format defines Q in 1/Å and
    I in 1/cm (used when the header does not restate it; ``q_unit`` overrides). A negative
    4th column is the USANS convention for a slit-smeared curve: −(slit length) in 1/Å,
    stored as ``attrs["slit_length"]`` in 1/nm. ``Ds = 0.1 cm ; Twide = 0.93`` headers give
    thickness (cm) and transmission.
    """
    path = Path(path)
    table = read_text_table(path, min_columns=4)
    header = "\n".join(table.header_lines)
    d = table.data
    file_unit = q_unit_from_text(header)
    from_format = file_unit is None
    unit, how = _resolve_q_unit(file_unit or "1/A", q_unit, path.name, from_format=from_format)
    attrs: dict[str, Any] = {}
    slit = None
    if d.shape[1] >= 4 and np.all(d[:, 3] < 0):
        slit = float(-np.median(d[:, 3]))
        attrs["slit_length"] = slit * _Q_TO_NM[unit]
        attrs["smearing"] = "slit"
    m = re.search(r"\bDs\s*=\s*([-+.\deE]+)\s*cm", header)
    if m:
        attrs["thickness_cm"] = float(m.group(1))
    m = re.search(r"\bTwide\s*=\s*([-+.\deE]+)", header)
    if m:
        attrs["transmission"] = float(m.group(1))
    m = re.search(r"THICK[^\n]*\n\s*([^\n]+)", header)
    if m and "TRANS" in header:
        # SANS header: "MON CNT LAMBDA DET ANG DET DIST TRANS THICK AVE STEP" + value line
        vals = m.group(1).split()
        try:
            attrs["transmission"] = float(vals[4])
            attrs["thickness_cm"] = float(vals[5])
            attrs["wavelength_nm"] = float(vals[1]) / 10.0
        except (IndexError, ValueError):
            pass
    dq = d[:, 3] if slit is None else None
    return make_curve(d[:, 0], d[:, 1], d[:, 2], q_unit=unit, q_unit_from=how,
                      intensity_unit="1/cm", dq=dq, name=path.name, attrs=attrs,
                      drop_invalid=drop_invalid)


# ---------------------------------------------------------------------------------------
# Anton Paar / Glatter PDH
# ---------------------------------------------------------------------------------------


def _sniff_pdh(path: Path, head: bytes) -> bool:
    lines = decode_text(head).splitlines()
    if len(lines) < 6:
        return False
    try:
        n = int(lines[2].split()[0])
        [float(v) for v in lines[3].split()[:5]]
    except (ValueError, IndexError):
        return False
    return n > 0


@register_reader(".pdh", technique="saxs", sniff=_sniff_pdh)
def read_pdh(path: Path, *, q_unit: str | None = None,
             drop_invalid: bool = False) -> xr.DataArray:
    """Read a Glatter/Anton Paar PDH file (SAXSess, SAXSpace; PCG software).

    Layout: title line, keyword line, 8 integers (the first is the number of points),
    two lines of 5 reals (line 4, 5th value: wavelength in nm), then ``n`` rows of q, I,
    σ. Anton Paar writes q in 1/nm (the format's unit; ``q_unit`` overrides).
    """
    path = Path(path)
    text = decode_text(path.read_bytes(), name=path.name)
    lines = text.splitlines()
    if len(lines) < 6:
        raise CorruptFileError(f"{path.name}: a PDH file needs 5 header lines and data")
    try:
        n = int(lines[2].split()[0])
        reals = [float(v) for v in lines[3].split()] + [float(v) for v in lines[4].split()]
    except (ValueError, IndexError):
        raise CorruptFileError(f"{path.name}: PDH header lines 3–5 are not numeric") from None
    body = [ln.split() for ln in lines[5:5 + n]]
    if len(body) < n:
        raise CorruptFileError(f"{path.name}: header promises {n} points, file has {len(body)}")
    try:
        d = np.array([[float(v) for v in row[:3]] for row in body])
    except ValueError as exc:
        raise CorruptFileError(f"{path.name}: non-numeric data row ({exc})") from None
    if d.ndim != 2 or d.shape[1] < 2:
        raise CorruptFileError(f"{path.name}: PDH rows need q and I columns")
    unit, how = _resolve_q_unit("1/nm", q_unit, path.name, from_format=True)
    attrs = {"title": lines[0].strip(), "keywords": lines[1].strip()}
    if len(reals) >= 5 and reals[4] > 0:
        attrs["wavelength_nm"] = reals[4]
    sigma = d[:, 2] if d.shape[1] >= 3 else None
    return make_curve(d[:, 0], d[:, 1], sigma, q_unit=unit, q_unit_from=how,
                      intensity_unit="1", name=path.name, attrs=attrs,
                      drop_invalid=drop_invalid)


# ---------------------------------------------------------------------------------------
# canSAS 1D XML
# ---------------------------------------------------------------------------------------


def _sniff_cansas(path: Path, head: bytes) -> bool:
    return b"SASroot" in head or b"cansas1d" in head.lower()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _length_cm(el: ET.Element | None) -> float | None:
    if el is None or not (el.text or "").strip():
        return None
    factor = {"mm": 0.1, "cm": 1.0, "m": 100.0, "um": 1e-4, "µm": 1e-4, "nm": 1e-7,
              "a": 1e-8}.get(el.get("unit", "mm").strip().lower())
    return None if factor is None else float(el.text) * factor


@register_reader(".xml", technique="saxs", sniff=_sniff_cansas)
def read_cansas_xml(path: Path, *, q_unit: str | None = None, entry: int = 0,
                    drop_invalid: bool = False) -> xr.DataArray:
    """Read a canSAS 1D XML file (v1.0 and v1.1).

    Parameters
    ----------
    entry : int
        Which ``SASentry`` (then its first ``SASdata``) to read.

    Notes
    -----
    Units come from each element's ``unit`` attribute (``1/A``, ``1/nm``; ``1/cm``).
    Sample thickness (converted to cm), transmission, wavelength (nm), title and run go
    into attrs.
    """
    path = Path(path)
    root = ET.parse(path).getroot()
    if _local(root.tag) != "SASroot":
        raise CorruptFileError(f"{path.name}: root element is {_local(root.tag)!r}, not SASroot")
    entries = [e for e in root if _local(e.tag) == "SASentry"]
    if not entries:
        raise CorruptFileError(f"{path.name}: no SASentry element")
    if not 0 <= entry < len(entries):
        raise CharzError(f"{path.name}: entry {entry} requested, file has {len(entries)}")
    ent = entries[entry]
    sasdata = _child(ent, "SASdata")
    if sasdata is None:
        raise CorruptFileError(f"{path.name}: SASentry has no SASdata")
    q, i, s, dq = [], [], [], []
    units = {"Q": None, "I": None}
    for idata in sasdata:
        if _local(idata.tag) != "Idata":
            continue
        vals = {}
        for c in idata:
            t = _local(c.tag)
            if t in ("Q", "I", "Idev", "Qdev") and (c.text or "").strip():
                vals[t] = float(c.text)
                if t in units and units[t] is None:
                    units[t] = c.get("unit")
        if "Q" not in vals or "I" not in vals:
            raise CorruptFileError(f"{path.name}: an Idata element lacks Q or I")
        q.append(vals["Q"])
        i.append(vals["I"])
        s.append(vals.get("Idev", np.nan))
        dq.append(vals.get("Qdev", np.nan))
    file_unit = normalise_q_unit(units["Q"], where=path.name) if units["Q"] else None
    unit, how = _resolve_q_unit(file_unit, q_unit, path.name)
    attrs: dict[str, Any] = {}
    for key, tag in (("title", "Title"), ("run", "Run")):
        el = _child(ent, tag)
        if el is not None and (el.text or "").strip():
            attrs[key] = el.text.strip()
    sample = _child(ent, "SASsample")
    if sample is not None:
        t = _length_cm(_child(sample, "thickness"))
        if t is not None:
            attrs["thickness_cm"] = t
        tr = _child(sample, "transmission")
        if tr is not None and (tr.text or "").strip():
            attrs["transmission"] = float(tr.text)
    for el in ent.iter():
        if _local(el.tag) == "wavelength" and (el.text or "").strip():
            f = {"a": 0.1, "å": 0.1, "nm": 1.0}.get(el.get("unit", "A").strip().lower())
            if f is not None:
                attrs["wavelength_nm"] = float(el.text) * f
            break
    dq_arr = np.array(dq) if np.isfinite(dq).any() else None
    return make_curve(q, i, s, q_unit=unit, q_unit_from=how, intensity_unit=_i_unit(units["I"]),
                      dq=dq_arr, name=path.name, attrs=attrs, drop_invalid=drop_invalid)


# ---------------------------------------------------------------------------------------
# NXcanSAS HDF5
# ---------------------------------------------------------------------------------------


def _attr(obj: Any, *names: str) -> str | None:
    for n in names:
        if n in obj.attrs:
            v = obj.attrs[n]
            if isinstance(v, np.ndarray):
                v = v.ravel()[0] if v.size else ""
            if isinstance(v, bytes):
                v = v.decode("utf-8", "replace")
            return str(v)
    return None


def _sniff_nxcansas(path: Path, head: bytes) -> bool:
    if not head.startswith(b"\x89HDF"):
        return False
    try:
        import h5py
    except ImportError:
        return False
    with h5py.File(path, "r") as h5:
        return bool(_find_sasdata(h5))


def _find_sasdata(h5: Any) -> list[Any]:
    import h5py

    found = []

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Group):
            cls = (_attr(obj, "canSAS_class") or "") + " " + (_attr(obj, "NX_class") or "")
            if "SASdata" in cls:
                found.append(obj)

    h5.visititems(visit)
    return found


@register_reader(".h5", ".hdf5", ".hdf", ".nxs", technique="saxs", sniff=_sniff_nxcansas,
                 requires="h5py", extra="hdf5")
def read_nxcansas(path: Path, *, q_unit: str | None = None, entry: int = 0,
                  drop_invalid: bool = False) -> xr.DataArray:
    """Read 1-D I(Q) from an NXcanSAS HDF5 file (SasView, Mantid, Irena/Nika).

    The ``SASdata`` group (``canSAS_class`` or ``NX_class``) number ``entry`` is read: its
    ``signal`` (I), ``I_axes`` (Q) and ``I_uncertainties``/``uncertainty`` datasets; units
    from the ``units`` (or ``unit``) attributes (``1/angstrom`` → 1/Å).
    """
    h5py = require("h5py", "hdf5", purpose="read NXcanSAS files")
    path = Path(path)
    with h5py.File(path, "r") as h5:
        groups = _find_sasdata(h5)
        if not groups:
            raise CorruptFileError(f"{path.name}: no NXcanSAS SASdata group")
        if not 0 <= entry < len(groups):
            raise CharzError(f"{path.name}: entry {entry} requested, file has {len(groups)}")
        g = groups[entry]
        sig = _attr(g, "signal") or "I"
        ax = (_attr(g, "I_axes") or "Q").split(",")[0].strip()
        if sig not in g or ax not in g:
            raise CorruptFileError(f"{path.name}: SASdata {g.name} lacks {sig!r} or {ax!r}")
        i_ds, q_ds = g[sig], g[ax]
        if i_ds.ndim != 1:
            raise CorruptFileError(f"{path.name}: {i_ds.name} is {i_ds.ndim}-D; only 1-D I(Q)")
        unc = (_attr(g, "I_uncertainties", "I_uncertainty") or _attr(i_ds, "uncertainties",
                                                                        "uncertainty"))
        sigma = g[unc][()] if unc and unc in g else None
        res = _attr(q_ds, "resolutions", "resolution")
        dq = g[res][()] if res and res in g and g[res].shape == q_ds.shape else None
        qu = _attr(q_ds, "units", "unit")
        file_unit = normalise_q_unit(qu, where=path.name) if qu else None
        unit, how = _resolve_q_unit(file_unit, q_unit, path.name)
        attrs: dict[str, Any] = {"nexus_path": g.name}
        parent = g.parent
        for key in ("title", "run"):
            if key in parent and isinstance(parent[key], h5py.Dataset):
                v = parent[key][()]
                v = v.ravel()[0] if isinstance(v, np.ndarray) and v.size else v
                attrs[key] = v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
        return make_curve(q_ds[()], i_ds[()], sigma, q_unit=unit, q_unit_from=how,
                          intensity_unit=_i_unit(_attr(i_ds, "units", "unit")), dq=dq,
                          name=path.name, attrs=attrs, drop_invalid=drop_invalid)


# ---------------------------------------------------------------------------------------
# dispatch helper
# ---------------------------------------------------------------------------------------


def read(path: str | Path, **options: Any) -> xr.DataArray:
    """Read a 1-D SAXS curve with ``charz.read(path, technique="saxs")``.

    A headerless text file that no sniffer recognises is read with :func:`read_text`
    (its q unit then has to come from ``q_unit=``). Provenance attrs (``source``,
    ``sha256``, ``reader``) are set either way.
    """
    import charz.io
    from charz.errors import UnknownFormatError
    from charz.record import file_sha256

    path = Path(path)
    try:
        return charz.io.read(path, technique="saxs", **options)
    except UnknownFormatError:
        if path.suffix.lower() in (".tif", ".tiff", ".edf", ".cbf", ".img", ".mccd", ".mar3450",
                                   ".sfrm", ".gfrm", ".esperanto"):
            raise UnknownFormatError(
                f"{path.name}: a 2-D detector image; integrate it with "
                "saxs.integrate_image(path, poni=...) (command line: --poni P)") from None
        if path.suffix.lower() not in (".dat", ".txt", ".csv", ".asc", ".chi"):
            raise
    try:
        data = read_text(path, **options)
    except CharzError:
        raise
    except (ValueError, IndexError, KeyError, UnicodeError) as exc:
        raise CorruptFileError(f"{path.name}: not a q/I text table ({exc})") from exc
    data.attrs.setdefault("source", path.name)
    data.attrs["sha256"] = file_sha256(path)
    data.attrs["reader"] = f"{read_text.__module__}.{read_text.__qualname__}"
    return data


# ---------------------------------------------------------------------------------------
# 2-D images: charz.images (pyFAI) with unit q
# ---------------------------------------------------------------------------------------


def integrate_image(
    image: str | Path | np.ndarray,
    poni: str | Path,
    **options: Any,
) -> xr.DataArray:
    """Integrate a 2-D detector image to I(q) with :func:`charz.images.integrate`.

    Parameters
    ----------
    image : path or ndarray
        Any image fabio reads (EDF, TIFF, CBF, Pilatus, Eiger, ...), one frame of an
        HDF5/NeXus stack (``frame=``), or an array.
    poni : path
        pyFAI geometry file (PONI v1 or v2; distances in m, wavelength in m).
    **options
        Keyword options of :func:`charz.images.integrate`: ``mask`` (non-zero = masked, in
        the image's stored orientation), ``npt`` (default: half the detector diagonal in
        pixels), ``poni_convention`` (``'dioptas'``: the PONI was made in Dioptas, which
        flips images vertically; never detected automatically), ``invalid_below`` (pixels
        below it are masked, default 0: Pilatus/Eiger gaps −1/−2; None masks none),
        ``polarization_factor`` (None: no correction, negligible at SAXS angles),
        ``radial_range`` (in ``unit``), ``method``, ``error_model``, ``frame`` (of a
        multi-frame file), and ``unit`` (``'q_nm^-1'``, the default, or ``'2th_deg'`` to
        compare with XRD-style integrations).

    Returns
    -------
    xarray.DataArray
        The SAXS curve (dim ``q`` in 1/nm, bins with q ≤ 0 or no intensity dropped; or
        ``two_theta`` in deg), ``sigma`` from Poisson statistics, intensity in counts per
        pixel normalised to the solid angle at the PONI (``units = "count"``); attrs:
        ``wavelength_nm``, ``distance_m``, ``poni_file``, ``poni_sha256``,
        ``poni_convention``, ``mask_convention``, and the provenance of
        :func:`charz.images.integrate`.

    Raises
    ------
    CharzError
        The PONI's detector shape does not match the image, the PONI point lies outside
        the image, the mask shape differs, or the image is not 2-D.
    """
    from charz.images import integrate

    unit = options.setdefault("unit", "q_nm^-1")
    da = integrate(image, poni, **options)
    attrs = dict(da.attrs)
    attrs.update(wavelength_nm=attrs["wavelength"], poni_file=attrs["poni"],
                 integration_method="/".join(options.get("method", ("bbox", "csr", "cython"))))
    attrs["technique"] = "saxs"
    if unit != "q_nm^-1":
        da.attrs = attrs
        return da
    q = da["q"].values
    y = da.values
    s = da["sigma"].values if "sigma" in da.coords else None
    keep = (q > 0) & np.isfinite(y) & (y != 0)
    for k in ("units", "long_name"):
        attrs.pop(k, None)
    return make_curve(q[keep], y[keep], s[keep] if s is not None else None, q_unit="1/nm",
                      q_unit_from="geometry", intensity_unit="count",
                      name=str(attrs.get("source", "image array")), attrs=attrs)
