"""canSAS 1D XML (v1.0, v1.1) and NXcanSAS HDF5 (SasView, Mantid, Irena/Nika; needs h5py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, OptionError
from charz.io import child, local, parse_xml, read_bytes, register_reader, require
from saxs.io._common import _i_unit, _resolve_q_unit, make_curve, normalise_q_unit

__all__ = ["read_cansas_xml", "read_nxcansas"]


def _sniff_cansas(path: Path, head: bytes) -> bool:
    return b"SASroot" in head or b"cansas1d" in head.lower()


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
    root = parse_xml(read_bytes(path), name=path.name, what="canSAS XML")
    if local(root.tag) != "SASroot":
        raise CorruptFileError(f"{path.name}: root element is {local(root.tag)!r}, not SASroot")
    entries = [e for e in root if local(e.tag) == "SASentry"]
    if not entries:
        raise CorruptFileError(f"{path.name}: no SASentry element")
    if not 0 <= entry < len(entries):
        raise OptionError(f"{path.name}: entry {entry} requested, file has {len(entries)}")
    ent = entries[entry]
    sasdata = child(ent, "SASdata")
    if sasdata is None:
        raise CorruptFileError(f"{path.name}: SASentry has no SASdata")
    q, i, s, dq = [], [], [], []
    units = {"Q": None, "I": None}
    for idata in sasdata:
        if local(idata.tag) != "Idata":
            continue
        vals = {}
        for c in idata:
            t = local(c.tag)
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
        el = child(ent, tag)
        if el is not None and (el.text or "").strip():
            attrs[key] = el.text.strip()
    sample = child(ent, "SASsample")
    if sample is not None:
        t = _length_cm(child(sample, "thickness"))
        if t is not None:
            attrs["thickness_cm"] = t
        tr = child(sample, "transmission")
        if tr is not None and (tr.text or "").strip():
            attrs["transmission"] = float(tr.text)
    for el in ent.iter():
        if local(el.tag) == "wavelength" and (el.text or "").strip():
            f = {"a": 0.1, "å": 0.1, "nm": 1.0}.get(el.get("unit", "A").strip().lower())
            if f is not None:
                attrs["wavelength_nm"] = float(el.text) * f
            break
    dq_arr = np.array(dq) if np.isfinite(dq).any() else None
    return make_curve(q, i, sigma=s, q_unit=unit, q_unit_from=how,
                      intensity_unit=_i_unit(units["I"]), dq=dq_arr, name=path.name, attrs=attrs,
                      drop_invalid=drop_invalid)


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
            raise OptionError(f"{path.name}: entry {entry} requested, file has {len(groups)}")
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
        return make_curve(q_ds[()], i_ds[()], sigma=sigma, q_unit=unit, q_unit_from=how,
                          intensity_unit=_i_unit(_attr(i_ds, "units", "unit")), dq=dq,
                          name=path.name, attrs=attrs, drop_invalid=drop_invalid)


