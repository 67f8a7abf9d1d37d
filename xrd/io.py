"""Readers of 1-D powder XRD files, registered with :func:`charz.read`.

Every reader returns an :class:`xarray.DataArray` named ``intensity`` over the dimension
``two_theta`` (coordinate in ``deg``); files with several scans (PANalytical repeated scans
and area maps, Rigaku multi-scan ``.ras``/``.rasx``, multi-range Bruker files) get a
leading ``scan`` dimension with per-scan coordinates ``start_time`` (ISO-8601 string, as in
the file) and ``timestamp`` (``datetime64``, UTC when the file states an offset; mid-point
of the acquisition when start and end are known, FIELD-NOTES §1.8).

Attributes that change results, where the file has them (all wavelengths in **nm**):

``wavelength``
    Kα1 (or the single wavelength) in nm.
``wavelength_ka2``, ``ka2_ratio``
    Kα2 wavelength (nm) and I(Kα2)/I(Kα1). A ratio of 0 means "no Kα2" (monochromated or
    stripped) and is kept as 0, never replaced by 0.5.
``wavelength_source``
    ``"file"``, ``"user"`` or ``"anode"`` (the file names the anode but gives no λ: the
    anode's tabulated Kα1 is used).
``anode``, ``start_time``, ``end_time``, ``counting_time_s``, ``sample``.

A file without a wavelength and without an anode needs ``wavelength=`` (nm) from the user
(``charz.read(path, wavelength=0.15406)``), else :class:`MissingMetadataError` is raised;
a user value always wins over the file's (the file's is kept in ``wavelength_file``).

Formats (FIELD-NOTES §5.1): ``.xy``/``.xye``/``.dat``/``.csv``/``.txt`` text (pyFAI/Dioptas
``# Wavelength:`` in metres, PANalytical CSV, charz ``# wavelength_ka1_nm:`` headers),
Fit2D ``.chi``, PANalytical ``.xrdml``, Bruker ``.raw`` (v3 ``RAW1.01``, v4 ``RAW4.00``),
``.brml`` and ``.uxd``, Rigaku ``.ras`` and ``.rasx``, GSAS ``.gsa``/``.gss``/``.xra``/
``.fxye`` (λ from a companion ``.prm``/``.instprm``). ``.bz2``/``.gz`` compressed copies are
read transparently. Only the standard library and numpy are used: no vendor code was
copied; the binary Bruker layout follows the published DIFFRAC file-format description
(DIFFRAC^plus XCH manual, Appendix A, as summarised by xylib and GSAS-II).
"""

from __future__ import annotations

import bz2
import datetime as _dt
import gzip
import json
import re
import struct
import warnings
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, DataCleaningWarning, MissingMetadataError
from charz.io import decode_text, read_text_table, register_reader, resolve_metadata

__all__ = [
    "ANODE_LINES",
    "make_pattern",
    "read_brml",
    "read_chi",
    "read_gsas",
    "read_ras",
    "read_rasx",
    "read_raw",
    "read_text_pattern",
    "read_uxd",
    "read_xrdml",
]

#: Tabulated Kα1, Kα2 (nm) of common anodes (Hölzer et al., Phys. Rev. A 56 (1997) 4554;
#: International Tables Vol. C, Table 4.2.2.1) and I(Kα2)/I(Kα1) = 0.5.
ANODE_LINES: dict[str, tuple[float, float]] = {
    "Cu": (0.1540593, 0.1544414),
    "Co": (0.1788965, 0.1792850),
    "Fe": (0.1936042, 0.1939980),
    "Cr": (0.2289760, 0.2293663),
    "Mo": (0.07093171, 0.07135971),
    "Ag": (0.05594075, 0.05638131),
}

_COMPRESSED = (".bz2", ".gz")


def _with_compressed(*suffixes: str) -> tuple[str, ...]:
    return tuple(suffixes) + tuple(s + c for s in suffixes for c in _COMPRESSED)


def _read_bytes(path: Path) -> bytes:
    name = path.name.lower()
    if name.endswith(".bz2"):
        with bz2.open(path, "rb") as fh:
            return fh.read()
    if name.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            return fh.read()
    return path.read_bytes()


def _base_suffix(path: Path) -> str:
    name = path.name.lower()
    for c in _COMPRESSED:
        if name.endswith(c):
            name = name[: -len(c)]
    return Path(name).suffix


# ---------------------------------------------------------------------------------------
# building the DataArray
# ---------------------------------------------------------------------------------------


def _iso(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


def _to_utc64(text: str | None) -> np.datetime64:
    """ISO-8601 (offset → UTC; naive kept as is) → datetime64[ns]; NaT if unparsable."""
    if not text:
        return np.datetime64("NaT", "ns")
    t = text.strip().replace("Z", "+00:00")
    # Python < 3.11 rejects 7 fractional digits (Bruker); trim to microseconds
    t = re.sub(r"(\.\d{6})\d+", r"\1", t)
    try:
        d = _dt.datetime.fromisoformat(t)
    except ValueError:
        return np.datetime64("NaT", "ns")
    if d.tzinfo is not None:
        d = d.astimezone(_dt.UTC).replace(tzinfo=None)
    return np.datetime64(d, "ns")


def _resolve_wavelength(
    path: Path, attrs: dict[str, Any], user: float | None
) -> dict[str, Any]:
    """Fill ``wavelength``/``wavelength_source`` from the user, the file or the anode."""
    out = dict(attrs)
    file_wl = out.get("wavelength")
    if file_wl is not None and not (np.isfinite(file_wl) and file_wl > 0):
        file_wl = None
    wl = resolve_metadata(out, "wavelength", user, file_wl, unit="nm", valid=(0.001, 1.0),
                          name=path.name, example="0.15406 for Cu Kα1")
    if wl is not None:
        return out
    anode = str(out.get("anode", "")).strip().capitalize()
    if anode in ANODE_LINES:
        ka1, ka2 = ANODE_LINES[anode]
        out["wavelength"] = ka1
        out.setdefault("wavelength_ka2", ka2)
        out["wavelength_source"] = "anode"
        return out
    raise MissingMetadataError(
        f"{path.name}: the file states no X-ray wavelength and no anode; pass it in nm, "
        "e.g. charz.read(path, wavelength=0.15406) or --wavelength 0.15406 (Cu Kα1)"
    )


def _clean_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if v is None:
            continue
        if isinstance(v, (np.floating, np.integer)):
            v = v.item()
        if isinstance(v, float) and not np.isfinite(v):
            continue
        out[k] = v
    return out


def make_pattern(
    two_theta: np.ndarray,
    intensity: np.ndarray,
    *,
    sigma: np.ndarray | None = None,
    units: str = "count",
    attrs: Mapping[str, Any] | None = None,
) -> xr.DataArray:
    """Build a 1-D pattern in charz's data model.

    Parameters
    ----------
    two_theta : ndarray
        2θ in degrees (sorted ascending on output).
    intensity : ndarray
        Intensity (``units``).
    sigma : ndarray, optional
        One standard deviation of the intensity (a ``sigma`` coordinate).
    units : str
        Intensity unit (``count``, ``count/s``, ``a.u.``).
    attrs : mapping
        Metadata (wavelengths in nm).

    Returns
    -------
    xarray.DataArray
        Named ``intensity``, dimension ``two_theta`` (deg).
    """
    x = np.asarray(two_theta, float)
    y = np.asarray(intensity, float)
    if x.shape != y.shape or x.ndim != 1:
        raise CorruptFileError(
            f"2θ and intensity differ in length ({x.shape} vs {y.shape})"
        )
    order = np.argsort(x, kind="stable")
    coords: dict[str, Any] = {
        "two_theta": ("two_theta", x[order], {"units": "deg", "long_name": "2θ"})
    }
    if sigma is not None:
        coords["sigma"] = (
            "two_theta",
            np.asarray(sigma, float)[order],
            {"units": units, "long_name": "σ(intensity)"},
        )
    base = {"units": units, "long_name": "intensity", "technique": "xrd"}
    return xr.DataArray(
        y[order],
        dims="two_theta",
        name="intensity",
        coords=coords,
        attrs={**base, **_clean_attrs(attrs or {})},
    )


def _finish(
    path: Path,
    scans: Sequence[tuple[np.ndarray, np.ndarray, dict[str, Any]]],
    attrs: dict[str, Any],
    *,
    wavelength: float | None,
    units: str = "count",
    sigma: np.ndarray | None = None,
) -> xr.DataArray:
    """One scan → 1-D pattern; several → ``(scan, two_theta)`` with per-scan times."""
    if not scans:
        raise CorruptFileError(f"{path.name}: no scan with data was found")
    attrs = _resolve_wavelength(path, attrs, wavelength)
    attrs["source"] = path.name
    for x, y, _ in scans:
        if len(x) < 2 or len(x) != len(y):
            raise CorruptFileError(
                f"{path.name}: a scan has {len(x)} angles and {len(y)} intensities"
            )
        if not np.all(np.isfinite(x)):
            raise CorruptFileError(f"{path.name}: non-numeric 2θ values")
    if len(scans) == 1:
        x, y, meta = scans[0]
        return make_pattern(x, y, sigma=sigma, units=units, attrs={**attrs, **meta})
    lengths = {len(s[0]) for s in scans}
    x0 = np.sort(np.asarray(scans[0][0], float))
    same = len(lengths) == 1 and all(
        np.allclose(np.sort(s[0]), x0, rtol=0, atol=1e-6 * max(1.0, float(np.ptp(x0))))
        for s in scans
    )
    starts = [s[2].get("start_time") for s in scans]
    ends = [s[2].get("end_time") for s in scans]
    t0 = np.array([_to_utc64(s) for s in starts])
    t1 = np.array([_to_utc64(e) for e in ends])
    mid = np.where(np.isnat(t1), t0, t0 + (t1 - t0) / 2)
    scan_coords: dict[str, Any] = {
        "scan": ("scan", np.arange(len(scans)), {"long_name": "scan index", "units": "1"}),
    }
    if any(starts):
        scan_coords["start_time"] = ("scan", np.array([s or "" for s in starts], dtype=str))
        scan_coords["timestamp"] = (
            "scan", mid, {"long_name": "mid-acquisition time (UTC when the file gives an offset)"}
        )
        if not np.all(np.isnat(mid)):
            rel = (mid - mid[0]) / np.timedelta64(1, "s")
            scan_coords["time"] = ("scan", rel.astype(float), {"units": "s",
                                                                "long_name": "time"})
    for key in ("omega", "temperature"):
        vals = [s[2].get(key) for s in scans]
        if all(v is not None for v in vals):
            scan_coords[key] = ("scan", np.asarray(vals, float),
                                {"units": "deg" if key == "omega" else "degC"})
    base = {"units": units, "long_name": "intensity", "technique": "xrd"}
    attrs = {**attrs, "start_time": starts[0], "end_time": ends[-1], "n_scans": len(scans)}
    if same:
        orders = [np.argsort(np.asarray(s[0], float), kind="stable") for s in scans]
        y = np.stack([np.asarray(s[1], float)[o] for s, o in zip(scans, orders, strict=True)])
        coords = {"two_theta": ("two_theta", x0, {"units": "deg", "long_name": "2θ"}),
                  **scan_coords}
        return xr.DataArray(y, dims=("scan", "two_theta"), name="intensity", coords=coords,
                            attrs={**base, **_clean_attrs(attrs)})
    # grids differ: keep each scan's own angles as a 2-D coordinate over a point index
    n = max(lengths)
    xs = np.full((len(scans), n), np.nan)
    ys = np.full((len(scans), n), np.nan)
    for i, (x, y, _) in enumerate(scans):
        xs[i, : len(x)] = x
        ys[i, : len(y)] = y
    coords = {"two_theta": (("scan", "point"), xs, {"units": "deg", "long_name": "2θ"}),
              **scan_coords}
    return xr.DataArray(ys, dims=("scan", "point"), name="intensity", coords=coords,
                        attrs={**base, **_clean_attrs(attrs), "grids": "per-scan"})


def _angstrom(v: Any) -> float | None:
    try:
        f = float(str(v).strip().strip('"').strip("'"))
    except (TypeError, ValueError):
        return None
    return f / 10.0 if f > 0 else None


def _float(v: Any) -> float | None:
    try:
        return float(str(v).strip().strip('"').strip("'"))
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------
# text: .xy .xye .dat .csv .txt .chi
# ---------------------------------------------------------------------------------------

_XRD_HINT = re.compile(
    r"2[-_ ]?th|two[_ ]?theta|2θ|angle|wavelength|anode|kalpha|k-alpha|\[scan points\]",
    re.IGNORECASE,
)


def _sniff_text(path: Path, head: bytes) -> bool:
    text = decode_text(head)
    lines = [ln for ln in text.splitlines() if ln.strip()][:60]
    header = "\n".join(ln for ln in lines if not ln.strip()[:1].isdigit())
    if not _XRD_HINT.search(header) or re.search(r"raman|wavenumber|cm-1|p/p0|\bq\s*[\[(]",
                                                 header, re.IGNORECASE):
        return False
    # and a numeric table whose first column looks like 2θ in degrees
    first = []
    for ln in text.splitlines()[:400]:
        f = re.split(r"[\s,;]+", ln.strip())
        if len(f) >= 2:
            try:
                first.append(float(f[0]))
                float(f[1])
            except ValueError:
                continue
    return len(first) >= 5 and -5.0 <= min(first) and max(first) <= 180.0


def _iso_time(text: str) -> str:
    """Normalise a date-time string to ISO-8601 when its layout is recognised."""
    t = text.strip().strip('"')
    if _to_utc64(t) == _to_utc64(t):  # already ISO (NaT != NaT)
        return t
    for fmt in ("%d/%b/%Y %H:%M", "%d/%b/%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
                "%m/%d/%Y %H:%M:%S", "%m/%d/%y %H:%M:%S", "%d-%b-%Y %H:%M:%S"):
        try:
            return _dt.datetime.strptime(t, fmt).isoformat()
        except ValueError:
            continue
    return t


def _header_metadata(header: Mapping[str, str], lines: Sequence[str]) -> dict[str, Any]:
    """Wavelength/anode/time from a text header (several dialects)."""
    attrs: dict[str, Any] = {}
    merged = dict(header)
    for ln in lines:
        m = re.match(r"^[#;!%*\s]*([^=:,\t]+?)\s*[=:,\t]\s*(.*?)\s*$", ln)
        if m and m.group(2):
            merged.setdefault(m.group(1).strip(), m.group(2).strip().strip('"'))
    norm = {re.sub(r"[\s_\-]+", "", k.lower()): v for k, v in merged.items()}

    def get(*keys: str) -> str | None:
        for k in keys:
            if k in norm and norm[k].strip():
                return norm[k]
        return None

    # charz example header (nm)
    v = get("wavelengthka1nm", "wavelengthnm", "lambdanm")
    if v is not None:
        attrs["wavelength"] = _float(v)
    v = get("wavelengthka2nm")
    if v is not None:
        attrs["wavelength_ka2"] = _float(v)
    v = get("ka2ka1ratio", "ratiokalpha2/kalpha1", "ratioka2/ka1", "ka2ratio")
    if v is not None:
        attrs["ka2_ratio"] = _float(v)
    # PANalytical CSV export (Å)
    v = get("kalpha1wavelength")
    if v is not None and "wavelength" not in attrs:
        attrs["wavelength"] = _angstrom(v)
    v = get("kalpha2wavelength")
    if v is not None and "wavelength_ka2" not in attrs:
        attrs["wavelength_ka2"] = _angstrom(v)
    v = get("wavelengthangstrom", "wavelengtha", "wavelength(a)", "wavelength(å)", "lambdaa")
    if v is not None and "wavelength" not in attrs:
        attrs["wavelength"] = _angstrom(v)
    # pyFAI / Dioptas: metres; a bare "wavelength": metres if < 1e-6, else Å
    v = get("wavelength")
    if v is not None and "wavelength" not in attrs:
        f = _float(v.split()[0]) if v.split() else None
        if f is not None and f > 0:
            attrs["wavelength"] = f * 1e9 if f < 1e-6 else f / 10.0
    v = get("anode", "anodematerial", "target")
    if v is not None:
        attrs["anode"] = v.strip().strip('"').capitalize()
    v = get("starttime", "filedateandtime", "datetime", "date")
    if v is not None:
        attrs["start_time"] = _iso_time(v)
    v = get("exposures", "exposuretime", "countingtime")
    if v is not None:
        attrs["counting_time_s"] = _float(v)
        attrs["exposure_s"] = _float(v)  # charz.series stamps frames at start + exposure/2
    return attrs


def _table_to_scan(path: Path, table: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    data = table.data
    if data.shape[1] < 2:
        raise CorruptFileError(f"{path.name}: needs at least 2 columns (2θ, intensity)")
    x = data[:, 0]
    y = data[:, 1]
    s = data[:, 2] if data.shape[1] >= 3 else None
    if np.nanmax(x) > 180 or np.nanmin(x) < -180:
        raise CorruptFileError(
            f"{path.name}: the first column ({np.nanmin(x):g}–{np.nanmax(x):g}) is not 2θ in deg"
        )
    return x, y, s


def read_text_pattern(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a 2- or 3-column text pattern (2θ in deg, intensity[, σ]).

    Parameters
    ----------
    path : Path
        ``.xy``, ``.xye``, ``.dat``, ``.csv``, ``.txt`` (optionally ``.bz2``/``.gz``).
    wavelength : float, optional
        X-ray wavelength in nm; required when the header has none and names no anode.

    Returns
    -------
    xarray.DataArray
        Dimension ``two_theta`` (deg); ``sigma`` coordinate when a third column exists.

    Notes
    -----
    Header dialects understood: ``# wavelength_ka1_nm: 0.1540593`` (nm; with
    ``wavelength_ka2_nm``, ``ka2_ka1_ratio``, ``anode``, ``start_time``, ``exposure_s``),
    pyFAI/Dioptas ``# Wavelength: 3.2e-11`` (**metres**), PANalytical CSV
    ``K-Alpha1 wavelength,1.5405980`` (Å) with ``[Scan points]``.
    """
    table = read_text_table(path, min_columns=2)
    attrs = _header_metadata(table.header, table.header_lines)
    x, y, s = _table_to_scan(path, table)
    attrs["header_json"] = json.dumps(table.header, ensure_ascii=False)[:20000]
    attrs["source"] = path.name
    attrs = _resolve_wavelength(path, attrs, wavelength)
    return make_pattern(x, y, sigma=s, attrs=attrs)


@register_reader(*_with_compressed(".xy", ".xye"), technique="xrd")
def read_xy(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read ``.xy``/``.xye`` (see :func:`read_text_pattern`)."""
    return read_text_pattern(path, wavelength=wavelength)


@register_reader(*_with_compressed(".dat", ".csv", ".txt"), technique="xrd", sniff=_sniff_text)
def read_xrd_table(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read ``.dat``/``.csv``/``.txt`` whose header says XRD (see :func:`read_text_pattern`)."""
    return read_text_pattern(path, wavelength=wavelength)


@register_reader(*_with_compressed(".chi"), technique="xrd")
def read_chi(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Fit2D ``.chi`` pattern: 4 header lines (title, x label, y label, N), 2 columns.

    The x label must say 2-theta (a ``Q`` axis raises); the file has no wavelength, so
    ``wavelength`` (nm) is required.
    """
    text = decode_text(_read_bytes(path))
    lines = text.splitlines()
    if len(lines) < 5:
        raise CorruptFileError(f"{path.name}: a .chi file needs 4 header lines and data")
    xlabel = lines[1].strip()
    if not re.search(r"2-?theta|2th", xlabel, re.IGNORECASE):
        raise CorruptFileError(
            f"{path.name}: x axis {xlabel!r} is not 2θ (only 2θ .chi files are XRD patterns)"
        )
    try:
        npts = int(lines[3].split()[0])
    except (IndexError, ValueError):
        raise CorruptFileError(f"{path.name}: line 4 must hold the point count") from None
    rows = [ln.split()[:2] for ln in lines[4 : 4 + npts] if ln.strip()]
    if len(rows) < 2 or any(len(r) < 2 for r in rows):
        raise CorruptFileError(f"{path.name}: no 2-column data after the 4 header lines")
    arr = np.array(rows, dtype=float)
    if len(rows) != npts:
        warnings.warn(
            f"{path.name}: the header announces {npts} points but the file holds "
            f"{len(rows)}; the {len(rows)} points present are returned (file truncated?)",
            DataCleaningWarning,
            stacklevel=2,
        )
    x, y = arr[:, 0], arr[:, 1]
    attrs = {"title": lines[0].strip(), "source": path.name}
    attrs = _resolve_wavelength(path, attrs, wavelength)
    return make_pattern(x, y, attrs=attrs)


# ---------------------------------------------------------------------------------------
# PANalytical XRDML
# ---------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _find(el: ET.Element, name: str) -> ET.Element | None:
    for c in el.iter():
        if _local(c.tag) == name:
            return c
    return None


def _numbers(text: str | None, where: str = "") -> np.ndarray:
    if not text or not text.strip():
        return np.empty(0)
    try:
        return np.array(text.split(), dtype=float)
    except ValueError as exc:
        raise CorruptFileError(f"{where}: non-numeric value in a number list ({exc})") from None


@register_reader(*_with_compressed(".xrdml"), technique="xrd")
def read_xrdml(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a PANalytical ``.xrdml`` file (schema 1.0–2.1; one or many scans).

    Parameters
    ----------
    path : Path
        The file (``.xrdml`` or ``.xrdml.bz2``).
    wavelength : float, optional
        Override the file's Kα1 (nm).

    Returns
    -------
    xarray.DataArray
        One scan: dimension ``two_theta``. Several ``<scan>`` elements (repeated scans,
        area maps): ``(scan, two_theta)`` with ``start_time``/``timestamp``/``time`` per
        scan and ``omega`` when it is constant within each scan.

    Notes
    -----
    Intensity is ``<intensities>`` when present, else ``<counts>`` × ``<beamAttenuationFactors>``
    (PANalytical's attenuator correction); the tag depends on the software, not the schema
    version. Units: counts as stored (``counts/s`` when the file says so); the counting time
    per step is ``attrs["counting_time_s"]``. ``ratioKAlpha2KAlpha1`` of 0 is kept as 0
    (no Kα2).
    """
    raw = _read_bytes(path)
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise CorruptFileError(
            f"{path.name}: not well-formed XRDML XML ({exc}); the file may be truncated"
        ) from None
    if _local(root.tag) != "xrdMeasurements":
        raise CorruptFileError(f"{path.name}: root element is {_local(root.tag)!r}, "
                               "expected 'xrdMeasurements'")
    meas = _find(root, "xrdMeasurement")
    if meas is None:
        raise CorruptFileError(f"{path.name}: no <xrdMeasurement> element")
    attrs: dict[str, Any] = {"measurement_type": meas.get("measurementType", "")}
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    m = re.search(r"XRDMeasurement/([\d.]+)", ns)
    if m:
        attrs["xrdml_version"] = m.group(1)
    wl = _child(meas, "usedWavelength")
    if wl is not None:
        for tag, key in (("kAlpha1", "wavelength"), ("kAlpha2", "wavelength_ka2"),
                         ("kBeta", "wavelength_kbeta")):
            e = _child(wl, tag)
            if e is not None and e.text:
                unit = (e.get("unit") or "Angstrom").lower()
                val = float(e.text)
                attrs[key] = val / 10.0 if unit.startswith("ang") else val
        e = _child(wl, "ratioKAlpha2KAlpha1")
        if e is not None and e.text:
            attrs["ka2_ratio"] = float(e.text)
    anode = _find(meas, "anodeMaterial")
    if anode is not None and anode.text:
        attrs["anode"] = anode.text.strip()
    sample = _find(root, "sample")
    if sample is not None:
        sid = _child(sample, "id")
        name = _child(sample, "name")
        text = (name.text if name is not None and name.text else None) or (
            sid.text if sid is not None else None)
        if text:
            attrs["sample"] = text.strip()
    scans = []
    for scan in _children(meas, "scan"):
        header = _child(scan, "header")
        meta: dict[str, Any] = {"scan_axis": scan.get("scanAxis", "")}
        if header is not None:
            for tag, key in (("startTimeStamp", "start_time"), ("endTimeStamp", "end_time")):
                e = _child(header, tag)
                if e is not None and e.text:
                    meta[key] = e.text.strip()
        dp = _child(scan, "dataPoints")
        if dp is None:
            raise CorruptFileError(f"{path.name}: a <scan> has no <dataPoints>")
        y = None
        inten = _child(dp, "intensities")
        unit = "count"
        if inten is not None:
            y = _numbers(inten.text, path.name)
            unit = (inten.get("unit") or "counts").replace("counts", "count")
        else:
            counts = _child(dp, "counts")
            if counts is None:
                raise CorruptFileError(
                    f"{path.name}: a <scan> has neither <intensities> nor <counts>")
            y = _numbers(counts.text, path.name)
            unit = (counts.get("unit") or "counts").replace("counts", "count")
            att = _child(dp, "beamAttenuationFactors")
            if att is not None and att.text and att.text.strip():
                f = _numbers(att.text, path.name)
                if f.size not in (1, y.size):
                    raise CorruptFileError(
                        f"{path.name}: {f.size} attenuation factors for {y.size} counts")
                y = y * f
                meta["attenuation_corrected"] = 1
        ct = _child(dp, "commonCountingTime")
        if ct is not None and ct.text:
            meta["counting_time_s"] = float(ct.text)
        n = y.size
        x = None
        for pos in _children(dp, "positions"):
            axis = pos.get("axis", "")
            lp = _child(pos, "listPositions")
            sp = _child(pos, "startPosition")
            ep = _child(pos, "endPosition")
            cp = _child(pos, "commonPosition")
            if lp is not None:
                vals = _numbers(lp.text, path.name)
            elif sp is not None and ep is not None:
                vals = np.linspace(float(sp.text), float(ep.text), n) if n > 1 else \
                    np.array([float(sp.text)])
            elif cp is not None:
                vals = np.array([float(cp.text)])
            else:
                continue
            if axis == "2Theta":
                x = vals
            elif axis == "Omega" and vals.size == 1:
                meta["omega"] = float(vals[0])
        if x is None:
            raise CorruptFileError(f"{path.name}: a <scan> has no 2Theta positions")
        if x.size != n:
            raise CorruptFileError(
                f"{path.name}: {x.size} 2θ positions but {n} intensities (truncated scan?)")
        attrs["units_y"] = unit
        scans.append((x, y, meta))
    if not scans:
        raise CorruptFileError(f"{path.name}: no <scan> elements")
    unit = attrs.pop("units_y", "count")
    for key in ("counting_time_s",):
        if key in scans[0][2]:
            attrs[key] = scans[0][2][key]
    attrs["start_time"] = scans[0][2].get("start_time")
    attrs["end_time"] = scans[-1][2].get("end_time")
    return _finish(path, scans, attrs, wavelength=wavelength, units=unit)


# ---------------------------------------------------------------------------------------
# Bruker RAW (binary), BRML (zip + XML), UXD (text)
# ---------------------------------------------------------------------------------------


def _zip_read(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """One member of a zip container; a damaged member is a :class:`CorruptFileError`."""
    try:
        return zf.read(name)
    except (zlib.error, zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise CorruptFileError(f"{path.name}: damaged zip member {name} ({exc})") from None


def _cstr(b: bytes) -> str:
    return b.split(b"\x00", 1)[0].decode("latin-1").strip()


def _bruker_datetime(date: str, time: str) -> str | None:
    """``MM/DD/YY`` or ``MM/DD/YYYY`` + ``HH:MM:SS`` (local, no zone) → ISO string."""
    for fmt in ("%m/%d/%y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d-%b-%Y %H:%M:%S"):
        try:
            return _dt.datetime.strptime(f"{date} {time}".strip(), fmt).isoformat()
        except ValueError:
            continue
    return None


def _raw_v3(path: Path, b: bytes) -> tuple[list, dict[str, Any]]:
    """DIFFRAC^plus RAW1.01: 712-byte file header, 304-byte range headers, float32 data."""
    if len(b) < 712:
        raise CorruptFileError(f"{path.name}: {len(b)} bytes, shorter than the 712-byte "
                               "RAW1.01 file header (truncated)")
    (nranges,) = struct.unpack_from("<I", b, 12)
    attrs: dict[str, Any] = {"format_version": "RAW1.01 (v3)"}
    attrs["start_time"] = _bruker_datetime(_cstr(b[16:26]), _cstr(b[26:36]))
    attrs["sample"] = _cstr(b[326:386]) or None
    attrs["anode"] = _cstr(b[608:612]) or None
    _avg, ka1, ka2, _kbeta, ratio = struct.unpack_from("<5d", b, 616)
    if 0.1 < ka1 < 10:
        attrs["wavelength"] = ka1 / 10.0
    if 0.1 < ka2 < 10:
        attrs["wavelength_ka2"] = ka2 / 10.0
    if 0 <= ratio <= 1:
        attrs["ka2_ratio"] = ratio
    if nranges < 1 or nranges > 10000:
        raise CorruptFileError(f"{path.name}: implausible range count {nranges}")
    pos = 712
    scans = []
    for _ in range(nranges):
        if pos + 304 > len(b):
            raise CorruptFileError(f"{path.name}: range header past the end of the file "
                                   "(truncated)")
        hlen, steps = struct.unpack_from("<II", b, pos)
        if hlen != 304:
            raise CorruptFileError(f"{path.name}: range header length {hlen}, expected 304")
        (start_2theta,) = struct.unpack_from("<d", b, pos + 16)
        (step,) = struct.unpack_from("<d", b, pos + 176)
        (step_time,) = struct.unpack_from("<f", b, pos + 192)
        (supp,) = struct.unpack_from("<I", b, pos + 256)
        data_at = pos + hlen + supp
        end = data_at + 4 * steps
        if end > len(b):
            raise CorruptFileError(
                f"{path.name}: range of {steps} steps needs {end} bytes, file has {len(b)} "
                "(truncated)")
        y = np.frombuffer(b, dtype="<f4", count=steps, offset=data_at).astype(float)
        x = start_2theta + step * np.arange(steps)
        scans.append((x, y, {"counting_time_s": float(step_time)}))
        pos = end
    if scans:
        scans[0][2]["start_time"] = attrs["start_time"]
    return scans, attrs


def _raw_v1(path: Path, b: bytes) -> tuple[list, dict[str, Any]]:
    """DIFFRAC-AT v1 (``RAW ``): per range a 152-byte header then float32 counts.

    Header (after the 4-byte magic, which later ranges may repeat): u32 steps, f32 time per
    step, f32 step, u32 scan mode, 4 unused, f32 start 2θ, f32 θ, χ, φ starts, 32-byte
    sample name, f32 Kα1, f32 Kα2 (Å), 72 unused, u32 "another range follows".
    """
    attrs: dict[str, Any] = {"format_version": "RAW (v1)"}
    pos = 4
    scans = []
    follow = 1
    while follow:
        if pos + 4 <= len(b) and b[pos : pos + 4] == b"RAW " and scans:
            pos += 4
        if pos + 112 > len(b):
            raise CorruptFileError(f"{path.name}: range header past the end (truncated)")
        steps, step_time, step, _mode = struct.unpack_from("<IffI", b, pos)
        (start,) = struct.unpack_from("<f", b, pos + 20)
        ka1, ka2 = struct.unpack_from("<ff", b, pos + 68)
        (follow,) = struct.unpack_from("<I", b, pos + 148)
        if not scans:
            attrs["sample"] = _cstr(b[pos + 36 : pos + 68]) or None
            if 0.1 < ka1 < 10:
                attrs["wavelength"] = ka1 / 10.0
            if 0.1 < ka2 < 10:
                attrs["wavelength_ka2"] = ka2 / 10.0
        data_at = pos + 152
        end = data_at + 4 * steps
        if steps == 0 or end > len(b):
            raise CorruptFileError(f"{path.name}: range of {steps} steps needs {end} bytes, "
                                   f"file has {len(b)} (truncated)")
        y = np.frombuffer(b, dtype="<f4", count=steps, offset=data_at).astype(float)
        scans.append((start + step * np.arange(steps), y, {"counting_time_s": step_time}))
        pos = end
        if len(scans) > 10000:
            raise CorruptFileError(f"{path.name}: implausible number of ranges")
    return scans, attrs


def _raw_v2(path: Path, b: bytes) -> tuple[list, dict[str, Any]]:
    """DIFFRAC-AT v2 (``RAW2``): 256-byte file header, per range u16 header length, u16
    steps, f32 time per step, f32 step, f32 start 2θ (at +8, +12, +16), float32 counts
    after the header. File header: u16 range count at 4, date-time (20 bytes) at 168,
    anode (2) at 188, f32 Kα1, Kα2 (Å) and Kα2/Kα1 ratio at 190, 194, 198.
    """
    if len(b) < 256:
        raise CorruptFileError(f"{path.name}: shorter than the 256-byte RAW2 header")
    (nranges,) = struct.unpack_from("<H", b, 4)
    ka1, ka2, ratio = struct.unpack_from("<fff", b, 190)
    attrs: dict[str, Any] = {"format_version": "RAW2 (v2)", "anode": _cstr(b[188:190]) or None}
    if 0.1 < ka1 < 10:
        attrs["wavelength"] = ka1 / 10.0
    if 0.1 < ka2 < 10:
        attrs["wavelength_ka2"] = ka2 / 10.0
    if 0 <= ratio <= 1:
        attrs["ka2_ratio"] = float(ratio)
    pos = 256
    scans = []
    for _ in range(nranges):
        if pos + 48 > len(b):
            raise CorruptFileError(f"{path.name}: range header past the end (truncated)")
        hlen, steps = struct.unpack_from("<HH", b, pos)
        step_time, step, start = struct.unpack_from("<fff", b, pos + 8)
        if hlen < 48:
            raise CorruptFileError(f"{path.name}: range header length {hlen} < 48")
        data_at = pos + hlen
        end = data_at + 4 * steps
        if end > len(b):
            raise CorruptFileError(f"{path.name}: range of {steps} steps needs {end} bytes, "
                                   f"file has {len(b)} (truncated)")
        y = np.frombuffer(b, dtype="<f4", count=steps, offset=data_at).astype(float)
        scans.append((start + step * np.arange(steps), y, {"counting_time_s": step_time}))
        pos = end
    return scans, attrs


def _raw_v4(path: Path, b: bytes) -> tuple[list, dict[str, Any]]:
    """DIFFRAC.SUITE RAW4.00: 61-byte preamble, then (u32 type, u32 length) records.

    Records of type 10 hold key/value text (key at +12, 24 bytes; value from +36); type 30
    the source (float64 Kα average, Kα1, Kα2, Kβ, ratio at +72…+104, Å). A range starts with
    a record type 0 or 160: a 160-byte header (scan type text at +32, float64 start at +72,
    float64 step at +80, u32 points at +88, u32 bytes per data record at +136, u32 bytes
    of drive records after the header at +140), then ``points`` records whose first
    float32 is the intensity.
    """
    if len(b) < 61:
        raise CorruptFileError(f"{path.name}: shorter than the RAW4.00 preamble (truncated)")
    attrs: dict[str, Any] = {"format_version": "RAW4.00 (v4)"}
    attrs["start_time"] = _bruker_datetime(_cstr(b[12:24]), _cstr(b[24:36]))
    pos = 61
    scans = []
    while pos + 8 <= len(b):
        rtype, rlen = struct.unpack_from("<II", b, pos)
        if rtype in (0, 160):
            if pos + 160 > len(b):
                raise CorruptFileError(f"{path.name}: range header past the end (truncated)")
            start, step = struct.unpack_from("<dd", b, pos + 72)
            (npts,) = struct.unpack_from("<I", b, pos + 88)
            datum, extra = struct.unpack_from("<II", b, pos + 136)
            scan_type = _cstr(b[pos + 32 : pos + 56])
            if datum < 4 or npts == 0:
                raise CorruptFileError(f"{path.name}: range with {npts} points of {datum} "
                                       "bytes")
            data_at = pos + 160 + extra
            end = data_at + datum * npts
            if end > len(b):
                raise CorruptFileError(
                    f"{path.name}: range of {npts} points needs {end} bytes, file has "
                    f"{len(b)} (truncated)")
            raw = np.frombuffer(b, dtype=np.uint8, count=datum * npts, offset=data_at)
            y = raw.reshape(npts, datum)[:, :4].copy().view("<f4")[:, 0].astype(float)
            x = start + step * np.arange(npts)
            scans.append((x, y, {"scan_type": scan_type}))
            pos = end
            continue
        if rlen < 8 or pos + rlen > len(b):
            raise CorruptFileError(
                f"{path.name}: record of type {rtype} with length {rlen} at byte {pos} "
                "runs past the end (truncated or not RAW4.00)")
        if rtype == 10 and rlen >= 36:
            key = _cstr(b[pos + 12 : pos + 36])
            val = _cstr(b[pos + 36 : pos + rlen])
            if key == "SAMPLEID" and val:
                attrs["sample"] = val
        elif rtype == 30 and rlen >= 112:
            _avg, ka1, ka2, _kb, ratio = struct.unpack_from("<5d", b, pos + 72)
            if 0.1 < ka1 < 10:
                attrs["wavelength"] = ka1 / 10.0
            if 0.1 < ka2 < 10:
                attrs["wavelength_ka2"] = ka2 / 10.0
            if 0 <= ratio <= 1:
                attrs["ka2_ratio"] = ratio
            if ka2 == 0 and ratio == 0:
                attrs["ka2_ratio"] = 0.0
        pos += rlen
    if scans:
        scans[0][2]["start_time"] = attrs["start_time"]
    return scans, attrs


@register_reader(*_with_compressed(".raw"), technique="xrd")
def read_raw(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Bruker/Siemens binary ``.raw`` file: v1 (``RAW ``), v2 (``RAW2``), v3
    (``RAW1.01``) or v4 (``RAW4.00``).

    Parameters
    ----------
    path : Path
        The file.
    wavelength : float, optional
        Override the file's Kα1 (nm).

    Returns
    -------
    xarray.DataArray
        One range: dimension ``two_theta``; several ranges: ``(scan, two_theta)`` (or a
        ``point`` dimension with per-range 2θ when the ranges differ).

    Raises
    ------
    CorruptFileError
        Truncated file or inconsistent headers.

    Notes
    -----
    The layouts are those of the DIFFRAC-AT manual (Appendix B) for v1/v2, the
    DIFFRAC^plus XCH manual (Appendix A) for v3 and the record structure of DIFFRAC.SUITE
    files for v4; dates are local time without a zone. No real v1/v2 file was available:
    those two paths are checked only against files written from the published layout.
    """
    b = _read_bytes(path)
    if b[:7] == b"RAW1.01":
        scans, attrs = _raw_v3(path, b)
    elif b[:7] == b"RAW4.00":
        scans, attrs = _raw_v4(path, b)
    elif b[:4] == b"RAW2":
        scans, attrs = _raw_v2(path, b)
    elif b[:4] == b"RAW ":
        scans, attrs = _raw_v1(path, b)
    else:
        raise CorruptFileError(f"{path.name}: not a Bruker RAW file (magic {b[:7]!r})")
    return _finish(path, scans, attrs, wavelength=wavelength)


@register_reader(*_with_compressed(".brml"), technique="xrd")
def read_brml(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Bruker DIFFRAC.SUITE ``.brml`` (zip of XML; one ``RawData<N>.xml`` per range).

    The 2θ column and the counts column of each ``<Datum>`` are located through the
    ``DataViews`` (``FieldName="TwoTheta"`` and the ``RecordedRawDataView``); counts are
    stored already corrected for the absorber. λ from ``WaveLengthAlpha1`` (Å) etc.
    """
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise CorruptFileError(f"{path.name}: not a zip container (BRML is a zip)") from None
    with zf:
        names = sorted(
            (n for n in zf.namelist() if re.search(r"RawData\d+\.xml$", n)),
            key=lambda n: [int(d) for d in re.findall(r"\d+", n)],
        )
        if not names:
            raise CorruptFileError(f"{path.name}: no Experiment*/RawData*.xml inside")
        attrs: dict[str, Any] = {}
        scans = []
        for name in names:
            try:
                root = ET.fromstring(_zip_read(zf, name, path))
            except ET.ParseError as exc:
                raise CorruptFileError(f"{path.name}/{name}: bad XML ({exc})") from None
            meta: dict[str, Any] = {}
            for tag, key in (("TimeStampStarted", "start_time"),
                             ("TimeStampFinished", "end_time")):
                e = _find(root, tag)
                if e is not None and e.text:
                    meta[key] = e.text.strip()
            for tag, key in (("WaveLengthAlpha1", "wavelength"),
                             ("WaveLengthAlpha2", "wavelength_ka2"),
                             ("WaveLengthRatio", "ka2_ratio")):
                e = _find(root, tag)
                if e is not None and e.get("Value") and key not in attrs:
                    v = float(e.get("Value"))
                    unit = e.get("Unit", "Å")
                    attrs[key] = v if key == "ka2_ratio" else (v / 10.0 if unit in ("Å", "A")
                                                                else v)
            tube = _find(root, "TubeMaterial")
            if tube is not None and tube.text and "anode" not in attrs:
                attrs["anode"] = tube.text.strip()
            x_col = y_col = None
            for view in root.iter():
                if _local(view.tag) != "RawDataView":
                    continue
                start = int(view.get("Start", "0"))
                if view.get("LogicName") == "ScanCounter1" or _find(view, "Recording") \
                        is not None:
                    if y_col is None:
                        y_col = start
                for k, fd in enumerate(e for e in view.iter() if _local(e.tag) ==
                                       "FieldDefinitions"):
                    if fd.get("FieldName") in ("TwoTheta", "2Theta") and x_col is None:
                        x_col = start + k
            rows = [d.text.split(",") for d in root.iter()
                    if _local(d.tag) == "Datum" and d.text]
            if not rows:
                continue
            ncol = min(len(r) for r in rows)
            arr = np.array([r[:ncol] for r in rows], dtype=float)
            if y_col is None:
                y_col = ncol - 1
            if x_col is None:
                raise CorruptFileError(f"{path.name}/{name}: no TwoTheta field in DataViews")
            scans.append((arr[:, x_col], arr[:, y_col], meta))
    if scans:
        attrs["start_time"] = scans[0][2].get("start_time")
        attrs["end_time"] = scans[-1][2].get("end_time")
    return _finish(path, scans, attrs, wavelength=wavelength)


@register_reader(*_with_compressed(".uxd"), technique="xrd")
def read_uxd(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Bruker/Siemens ``.uxd`` text file (one or several ranges).

    ``_WL1``/``_WL2``/``_WLRATIO`` (Å unless ``_WL_UNIT`` says nm); per range either
    ``_2THETACOUNTS``/``_2THETACPS`` (pairs) or ``_COUNTS``/``_CPS`` (values, several per
    line) with ``_START`` and ``_STEPSIZE``.
    """
    text = decode_text(_read_bytes(path))
    glob: dict[str, str] = {}
    ranges: list[dict[str, Any]] = []
    keys: dict[str, str] = {}
    cur: dict[str, Any] | None = None
    data_keys = ("2THETACOUNTS", "2THETACPS", "COUNTS", "CPS")
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith(";"):
            continue
        if s.startswith("_"):
            key, eq, val = s[1:].partition("=")
            key = key.strip().upper()
            if not eq:
                if key in data_keys:
                    cur = {"keys": dict(keys), "mode": key, "values": []}
                    ranges.append(cur)
                continue
            if cur is not None:  # a key after data: the next range's header starts
                cur = None
                keys = {}
            val = val.strip().strip("'")
            if not ranges:
                glob[key] = val
            keys[key] = val
            continue
        if cur is not None:
            cur["values"].extend(float(v) for v in s.replace(",", " ").split())
    if not ranges:
        raise CorruptFileError(f"{path.name}: no _COUNTS/_2THETACOUNTS data block")
    attrs: dict[str, Any] = {}
    unit_nm = glob.get("WL_UNIT", "A").strip().lower() == "nm"
    for key, name in (("WL1", "wavelength"), ("WL2", "wavelength_ka2")):
        v = _float(glob.get(key))
        if v:
            attrs[name] = v if unit_nm else v / 10.0
    r = _float(glob.get("WLRATIO"))
    if r is not None:
        attrs["ka2_ratio"] = r
    if glob.get("ANODE"):
        attrs["anode"] = glob["ANODE"]
    if glob.get("SAMPLE"):
        attrs["sample"] = glob["SAMPLE"]
    dm = glob.get("DATEMEASURED")
    if dm:
        attrs["start_time"] = _bruker_datetime(*dm.split(" ", 1)) if " " in dm else dm
    scans = []
    units = "count"
    for rg in ranges:
        vals = np.asarray(rg["values"], float)
        keys = rg["keys"]
        if rg["mode"].startswith("2THETA"):
            if vals.size % 2:
                raise CorruptFileError(f"{path.name}: odd number of values in a 2θ/counts "
                                       "block (truncated?)")
            x, y = vals[0::2], vals[1::2]
        else:
            start = _float(keys.get("START", keys.get("2THETA")))
            step = _float(keys.get("STEPSIZE"))
            if start is None or step is None:
                raise CorruptFileError(f"{path.name}: _COUNTS block without _START/_STEPSIZE")
            y = vals
            x = start + step * np.arange(vals.size)
        if "CPS" in rg["mode"]:
            units = "count/s"
        scans.append((x, y, {"counting_time_s": _float(keys.get("STEPTIME"))}))
    if scans:
        scans[0][2]["start_time"] = attrs.get("start_time")
    return _finish(path, scans, attrs, wavelength=wavelength, units=units)


# ---------------------------------------------------------------------------------------
# Rigaku RAS (text) and RASX (zip)
# ---------------------------------------------------------------------------------------


def _rigaku_time(text: str | None) -> str | None:
    if not text:
        return None
    for fmt in ("%m/%d/%y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S"):
        try:
            return _dt.datetime.strptime(text.strip(), fmt).isoformat()
        except ValueError:
            continue
    return text.strip()


@register_reader(*_with_compressed(".ras"), technique="xrd")
def read_ras(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Rigaku ``.ras`` file (``*RAS_HEADER_START`` … ``*RAS_INT_END`` per scan).

    Columns: angle, intensity, attenuation factor (intensity × factor is returned). λ from
    ``*HW_XG_WAVE_LENGTH_ALPHA1`` (Å); start times ``*MEAS_SCAN_START_TIME`` are local
    time without a zone. Free text may be in a Japanese code page (decoded leniently).
    """
    raw = _read_bytes(path)
    text = raw.decode("latin-1")  # keys and numbers are ASCII; comments may be Shift-JIS
    if "*RAS_DATA_START" not in text[:200] and "*RAS_HEADER_START" not in text:
        raise CorruptFileError(f"{path.name}: no *RAS_DATA_START / *RAS_HEADER_START")
    scans = []
    attrs: dict[str, Any] = {}
    header: dict[str, str] = {}
    block: list[str] | None = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("*RAS_HEADER_START"):
            header = {}
        elif s.startswith("*RAS_INT_START"):
            block = []
        elif s.startswith("*RAS_INT_END"):
            if block is None:
                raise CorruptFileError(f"{path.name}: *RAS_INT_END without start")
            arr = np.array([r.split()[:3] for r in block if r.strip()], dtype=float)
            if arr.ndim != 2 or arr.shape[0] < 2:
                raise CorruptFileError(f"{path.name}: empty data block")
            y = arr[:, 1] * (arr[:, 2] if arr.shape[1] >= 3 else 1.0)
            axis = header.get("MEAS_SCAN_AXIS_X_INTERNAL", header.get("MEAS_SCAN_AXIS_X", ""))
            meta = {
                "start_time": _rigaku_time(header.get("MEAS_SCAN_START_TIME")),
                "end_time": _rigaku_time(header.get("MEAS_SCAN_END_TIME")),
                "scan_axis": axis,
            }
            if not attrs:
                wl = _angstrom(header.get("HW_XG_WAVE_LENGTH_ALPHA1"))
                attrs = {
                    "wavelength": wl,
                    "wavelength_ka2": _angstrom(header.get("HW_XG_WAVE_LENGTH_ALPHA2")),
                    "anode": header.get("HW_XG_TARGET_NAME") or None,
                    "sample": header.get("FILE_SAMPLE") or None,
                }
            scans.append((arr[:, 0], y, meta))
            block = None
        elif block is not None:
            block.append(s)
        elif s.startswith("*"):
            key, _, val = s[1:].partition(" ")
            header[key.strip()] = val.strip().strip('"')
    if block is not None:
        raise CorruptFileError(f"{path.name}: data block not closed by *RAS_INT_END "
                               "(truncated)")
    units = "count/s" if header.get("DISP_UNIT_Y", "").lower() == "cps" else "count"
    if scans:
        attrs["start_time"] = scans[0][2].get("start_time")
    return _finish(path, scans, attrs, wavelength=wavelength, units=units)


@register_reader(*_with_compressed(".rasx"), technique="xrd")
def read_rasx(path: Path, *, wavelength: float | None = None) -> xr.DataArray:
    """Read a Rigaku SmartLab Studio ``.rasx`` (zip: ``Data<N>/Profile<N>.txt`` + conditions).

    Profiles are tab-separated 2θ, counts, attenuation (may start with a UTF-8 BOM);
    ``MesurementConditions<N>.xml`` (Rigaku's spelling) gives ``WavelengthKalpha1`` (Å) and
    ``StartTime`` (ISO-8601, UTC). No Kα2 ratio is stored (``ka2_ratio`` absent).
    """
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise CorruptFileError(f"{path.name}: not a zip container (RASX is a zip)") from None
    scans = []
    attrs: dict[str, Any] = {}
    with zf:
        profiles = sorted(
            (n for n in zf.namelist() if re.search(r"Profile\d*\.txt$", n)),
            key=lambda n: [int(d) for d in re.findall(r"\d+", n)],
        )
        if not profiles:
            raise CorruptFileError(f"{path.name}: no Data*/Profile*.txt inside")
        for prof in profiles:
            folder = prof.rsplit("/", 1)[0] if "/" in prof else ""
            num = re.findall(r"(\d+)\.txt$", prof)
            cond_name = f"{folder}/MesurementConditions{num[0] if num else ''}.xml"
            meta: dict[str, Any] = {}
            if cond_name in zf.namelist():
                root = ET.fromstring(_zip_read(zf, cond_name, path))
                for tag, key in (("WavelengthKalpha1", "wavelength"),
                                 ("WavelengthKalpha2", "wavelength_ka2")):
                    e = _find(root, tag)
                    if e is not None and e.text and key not in attrs:
                        attrs[key] = _angstrom(e.text)
                e = _find(root, "TargetName")
                if e is not None and e.text:
                    attrs.setdefault("anode", e.text.strip())
                e = _find(root, "StartTime")
                if e is not None and e.text:
                    meta["start_time"] = e.text.strip()
                e = _find(root, "AxisName")
                if e is not None and e.text:
                    meta["scan_axis"] = e.text.strip()
            text = decode_text(_zip_read(zf, prof, path))
            table = read_text_table(path, min_columns=2, text=text)
            d = table.data
            y = d[:, 1] * (d[:, 2] if d.shape[1] >= 3 else 1.0)
            scans.append((d[:, 0], y, meta))
    if scans:
        attrs["start_time"] = scans[0][2].get("start_time")
    return _finish(path, scans, attrs, wavelength=wavelength)


# ---------------------------------------------------------------------------------------
# GSAS
# ---------------------------------------------------------------------------------------


def _prm_wavelength(prm: Path) -> dict[str, Any]:
    """Kα1/Kα2 (nm) and ratio from a GSAS ``.prm`` (``ICONS``) or GSAS-II ``.instprm``."""
    text = decode_text(prm.read_bytes())
    out: dict[str, Any] = {}
    for line in text.splitlines():
        m = re.match(r"INS\s+\d+\s*ICONS\s+(.*)", line)
        if m:
            f = m.group(1).split()
            lam1, lam2 = float(f[0]), float(f[1])
            out["wavelength"] = lam1 / 10.0
            if lam2 > 0:
                out["wavelength_ka2"] = lam2 / 10.0
                if len(f) >= 7:
                    out["ka2_ratio"] = float(f[6])
            break
        m = re.match(r"\s*(Lam1|Lam2|Lam|I\(L2\)/I\(L1\))\s*[:=]\s*([-\d.eE+]+)", line)
        if m:
            key = {"Lam1": "wavelength", "Lam": "wavelength", "Lam2": "wavelength_ka2",
                   "I(L2)/I(L1)": "ka2_ratio"}[m.group(1)]
            v = float(m.group(2))
            out[key] = v if key == "ka2_ratio" else v / 10.0
    return out


def _companion_prm(path: Path) -> Path | None:
    folder = path.parent
    stem = path.name.split(".")[0].lower()
    cands = [p for p in folder.iterdir()
             if p.suffix.lower() in (".prm", ".instprm", ".inst")]
    same = [p for p in cands if p.name.split(".")[0].lower() == stem]
    if same:
        return same[0]
    return cands[0] if len(cands) == 1 else None


@register_reader(*_with_compressed(".gsa", ".gss", ".xra", ".fxye", ".gsas"), technique="xrd")
def read_gsas(
    path: Path, *, wavelength: float | None = None, instprm: str | Path | None = None
) -> xr.DataArray:
    """Read a GSAS powder file (``BANK`` records: CONST STD/ESD, ALT, FXYE).

    Parameters
    ----------
    path : Path
        The file.
    wavelength : float, optional
        λ in nm; else taken from ``instprm`` or a companion ``.prm``/``.instprm`` (same
        stem, or the only one in the folder); else :class:`MissingMetadataError`.
    instprm : path, optional
        Instrument-parameter file to take λ from.

    Notes
    -----
    Start and step of CONST binning and FXYE/ALT x values are in **centidegrees**.
    """
    text = decode_text(_read_bytes(path))
    lines = text.splitlines()
    bank_i = next((i for i, ln in enumerate(lines) if ln.startswith("BANK")), None)
    if bank_i is None:
        raise CorruptFileError(f"{path.name}: no BANK record (not a GSAS powder file)")
    f = lines[bank_i].split()
    nchan = int(f[2])
    bintyp = f[4].upper() if len(f) > 4 else "CONST"
    fmt = f[-1].upper() if f[-1].upper() in ("STD", "ESD", "ALT", "FXYE") else "STD"
    body = []
    for ln in lines[bank_i + 1:]:
        if ln.startswith("BANK"):
            break
        body.append(ln)
    sigma = None
    if bintyp == "CONST" and fmt in ("STD", "ESD"):
        start, step = float(f[5]) / 100.0, float(f[6]) / 100.0
        width = 8
        fields = [ln[i : i + width] for ln in body for i in range(0, 80, width)
                  if ln[i : i + width].strip()]
        if fmt == "STD":
            vals = np.array([float(fl[2:]) if fl[2:].strip() else 0.0 for fl in fields])
            ncnt = np.array([float(fl[:2]) if fl[:2].strip() else 1.0 for fl in fields])
            y = vals[:nchan]
            sigma = np.sqrt(np.clip(y, 0, None) / ncnt[:nchan])
        else:
            vals = np.array([float(fl) for fl in fields])
            y, sigma = vals[0::2][:nchan], vals[1::2][:nchan]
        if y.size < nchan:
            raise CorruptFileError(
                f"{path.name}: BANK says {nchan} points, found {y.size} (truncated?)")
        x = start + step * np.arange(nchan)
    else:  # ALT or FXYE: x (centidegrees), y, σ
        nums = np.array([v for ln in body for v in ln.split()], dtype=float)
        if fmt == "ALT":
            fields = [ln[i : i + 20] for ln in body for i in range(0, 80, 20)
                      if ln[i : i + 20].strip()]
            nums = np.array([[float(fl[0:8]), float(fl[8:15]), float(fl[15:20])]
                             for fl in fields]).ravel()
        arr = nums[: 3 * (nums.size // 3)].reshape(-1, 3)
        if arr.shape[0] < nchan:
            raise CorruptFileError(
                f"{path.name}: BANK says {nchan} points, found {arr.shape[0]} (truncated?)")
        x, y, sigma = arr[:nchan, 0] / 100.0, arr[:nchan, 1], arr[:nchan, 2]
    attrs: dict[str, Any] = {"title": lines[0].strip()}
    prm = Path(instprm) if instprm is not None else (
        None if wavelength is not None else _companion_prm(path))
    if prm is not None:
        attrs.update(_prm_wavelength(prm))
        attrs["instprm"] = prm.name
    attrs = _resolve_wavelength(path, attrs, wavelength)
    attrs["source"] = path.name
    return make_pattern(x, y, sigma=sigma, attrs=attrs)
