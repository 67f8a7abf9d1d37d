"""What every XRD reader shares: the pattern builder, the wavelength rule, number helpers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, MissingMetadataError
from charz.io import datetime64_utc, resolve_metadata, to_float

__all__ = ["ANODE_LINES", "make_pattern"]

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
    t0 = np.array([datetime64_utc(s)[0] for s in starts])
    t1 = np.array([datetime64_utc(e)[0] for e in ends])
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
    """A wavelength in Å (text or number) -> nm; None when absent or not positive."""
    f = to_float(v)
    return f / 10.0 if f is not None and f > 0 else None


def _kalpha(attrs: dict[str, Any], ka1: float, ka2: float, ratio: float | None = None) -> None:
    """Store Kα1/Kα2 given in Å (kept when plausible, 0.1–10 Å) as nm, and a Kα2/Kα1 ratio
    in [0, 1] (binary headers hold zeros or garbage where a value is absent)."""
    if 0.1 < ka1 < 10:
        attrs["wavelength"] = ka1 / 10.0
    if 0.1 < ka2 < 10:
        attrs["wavelength_ka2"] = ka2 / 10.0
    if ratio is not None and 0 <= ratio <= 1:
        attrs["ka2_ratio"] = float(ratio)
