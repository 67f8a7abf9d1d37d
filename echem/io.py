"""Battery-cycler readers: every format becomes one tidy cycler :class:`xarray.Dataset`.

The cycler Dataset (the contract of ``ARCHITECTURE.md``) has one dimension ``record`` and

========================  ==========  ================================================
variable                  units       meaning
========================  ==========  ================================================
``time``                  s           time since the start of the record
``voltage``               V           cell voltage (working electrode vs Na⁺/Na in a half cell)
``current``               mA          negative = reduction = sodiation (discharge of Na||HC)
``capacity``              mA*h/g      specific capacity passed since the start of the step
                                      (only when the active mass is known)
``capacity_abs``          mA*h        the same in mA*h (always present)
``cycle``                 1           cycle index as the file counts it (derived when the
                                      file has none: a cycle starts with each half cycle of
                                      the first half cycle's direction)
``step``                  1           running index of contiguous segments (1, 2, ...): a
                                      new step starts whenever the program step, the step
                                      type or the cycle changes
``step_type``             –           ``"rest"``, ``"cc_discharge"``, ``"cc_charge"``, ``"cv"``
``program_step``          1           the file's own step / sequence number (if it has one)
``timestamp``             –           datetime64[ns] UTC, when the absolute time is known
========================  ==========  ================================================

attrs: ``start_time`` (ISO-8601; with offset when the zone is known, else local time with
``start_time_zone = "unknown"``), ``active_mass_mg`` (and ``active_mass_source``),
``instrument``, ``capacity_source``, ``current_source``.

Formats: BioLogic EC-Lab ``.mpt`` (text, any locale) and ``.mpr`` (binary, charz's own
clean-room reader: column IDs decoded from the file layout and checked against the
``.mpt`` exports of the same runs or by physics; unknown IDs raise), Neware
``.nda``/``.ndax`` (via the BSD-3 ``NewareNDA`` package, extra ``neware``), Neware BTSDA
flat CSV, nested ("regular") CSV and ``.xlsx``, Arbin ``.res`` (via the Apache-2.0
``access-parser``, extra ``arbin``), Arbin CSV/XLSX exports, Maccor text exports (any
suffix), Novonix HPC CSV, LANHE/Landt ``.xlsx`` (new and old layout) and a generic cycler
CSV (``time_s, voltage_V, current_mA, capacity_mAh, cycle, step`` style headers, header
sniffed; ``# active_mass_mg:`` header line).

Not read: BioLogic ``.mpl`` logs (no data), Maccor EIS (FRA) exports, Landt binary
``.cex``/``.ccs``, impedance techniques in ``.mpr``/``.mpt``.
"""

from __future__ import annotations

import math
import re
import struct
import warnings
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from charz.errors import CharzError, CharzWarning, CorruptFileError, PhysicsWarning
from charz.io import decode_text, register_reader, require

__all__ = [
    "MAX_SPECIFIC_CAPACITY",
    "CyclerDataError",
    "cycler_dataset",
    "read_arbin_res",
    "read_arbin_xlsx",
    "read_biologic_mpr",
    "read_biologic_mpt",
    "read_cycler_csv",
    "read_landt_xlsx",
    "read_maccor_txt",
    "read_neware_nda",
    "read_neware_nested_csv",
    "read_neware_xlsx",
    "read_novonix_csv",
    "with_mass",
]

#: Above this specific capacity (mA*h/g) a mass is considered wrong (Li metal: 3860).
MAX_SPECIFIC_CAPACITY = 5000.0

_OLE_EPOCH = datetime(1899, 12, 30)


class CyclerDataError(CharzError, ValueError):
    """Cycler data or their parameters are unusable (no current, empty cycle, bad mass)."""


# ---------------------------------------------------------------------------------------
# The common builder
# ---------------------------------------------------------------------------------------

_VAR_ATTRS: dict[str, dict[str, str]] = {
    "time": {"units": "s", "long_name": "time"},
    "voltage": {"units": "V", "long_name": "voltage"},
    "current": {"units": "mA", "long_name": "current (negative = sodiation)"},
    "capacity": {"units": "mA*h/g", "long_name": "specific capacity within the step"},
    "capacity_abs": {"units": "mA*h", "long_name": "capacity within the step"},
    "cycle": {"units": "1", "long_name": "cycle"},
    "step": {"units": "1", "long_name": "step (contiguous segment)"},
    "step_type": {"units": "1", "long_name": "step type"},
    "program_step": {"units": "1", "long_name": "program step of the cycler file"},
}


def _segment_starts(*keys: np.ndarray) -> np.ndarray:
    """Boolean array: True where any key changes (and at index 0)."""
    n = len(keys[0])
    change = np.zeros(n, bool)
    if n:
        change[0] = True
    for k in keys:
        k = np.asarray(k)
        change[1:] |= k[1:] != k[:-1]
    return change


def _per_segment_capacity(q_mah: np.ndarray, seg: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Capacity since the start of each segment from a file's capacity column.

    Works whether the column is cumulative (BioLogic ``(Q-Qo)``) or resets at every step
    (Neware, Landt): the base of a segment is the last value of the previous segment
    unless the first value is closer to zero than to it (a reset).
    """
    q = np.asarray(q_mah, float)
    idx = np.flatnonzero(starts)
    first = q[idx]
    prev = np.where(idx > 0, q[np.maximum(idx - 1, 0)], 0.0)
    base = np.where(np.abs(first - prev) <= np.abs(first), prev, 0.0)
    return np.abs(q - base[seg])


def _spread_quantized(cap: np.ndarray, t: np.ndarray, i_ma: np.ndarray, seg: np.ndarray,
                      starts: np.ndarray, stype: np.ndarray) -> tuple[np.ndarray, bool]:
    """Smooth a coarsely quantized capacity column (e.g. Landt: 1e-4 mA*h steps).

    When more than 30 % of the rows of active steps repeat the previous capacity, the
    capacity within each step is replaced by ∫|I|dt scaled to the step's final file value:
    totals stay the file's, the shape inside the step follows the current (dQ/dV would
    otherwise show quantization spikes). If the time column is quantized as well, rows
    are spaced evenly in time between the logged time changes for this integral only
    (the Dataset keeps the file's times).
    """
    active = stype != "rest"
    if active.sum() < 20:
        return cap, False
    same = np.zeros(cap.size, bool)
    same[1:] = (cap[1:] == cap[:-1]) & ~starts[1:]
    if same[active].mean() <= 0.3:
        return cap, False
    t_use = t
    t_same = np.zeros(t.size, bool)
    t_same[1:] = t[1:] == t[:-1]
    if t_same[active].mean() > 0.3:
        # time is quantized too (Landt exports TestTime/h to 0.01 h): place rows evenly
        # between the points where the logged time changes
        idx = np.arange(t.size)
        anchor = np.flatnonzero(~t_same)
        t_use = np.interp(idx, anchor, t[anchor])
    integ = _integrate_capacity(t_use, i_ma, seg, starts)
    ends = np.append(np.flatnonzero(starts)[1:] - 1, cap.size - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(integ[ends] > 0, cap[ends] / integ[ends], np.nan)
    out = np.where(np.isfinite(scale[seg]), integ * scale[seg], cap)
    return out, True


def _integrate_capacity(t: np.ndarray, i_ma: np.ndarray, seg: np.ndarray,
                        starts: np.ndarray) -> np.ndarray:
    """∫|I| dt (mA*h) since the start of each segment (trapezoid rule)."""
    a = np.abs(i_ma)
    inc = np.zeros_like(a)
    inc[1:] = 0.5 * (a[1:] + a[:-1]) * np.diff(t) / 3600.0
    inc[starts] = 0.0
    cum = np.cumsum(inc)
    return cum - cum[np.flatnonzero(starts)][seg]


def _classify(current: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    """Step type per point from the file's own label or, else, the sign of the current."""
    i = np.asarray(current, float)
    scale = np.nanmax(np.abs(i)) if i.size and np.isfinite(i).any() else 0.0
    tol = max(1e-4 * scale, 1e-9)
    out = np.where(i < -tol, "cc_discharge", np.where(i > tol, "cc_charge", "rest")).astype(object)
    if given is not None:
        g = np.asarray(given, object)
        known = np.isin(g, ["rest", "cc_discharge", "cc_charge", "cv"])
        out = np.where(known, g, out)
    return out.astype(str)


def _derive_cycles(step_type: np.ndarray, seg: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Cycle index (1, 2, ...) when the file has none.

    A cycle starts with every charge/discharge half cycle whose direction is that of the
    first half cycle of the record and that follows a half cycle of the other direction
    (rests and CV holds do not break a half cycle).
    """
    idx = np.flatnonzero(starts)
    kind = step_type[idx]
    direction = np.where(kind == "cc_discharge", -1, np.where(kind == "cc_charge", 1, 0))
    active = np.flatnonzero(direction != 0)
    new = np.zeros(idx.size, int)
    if active.size:
        d = direction[active]
        first = d[0]
        flips = np.zeros(active.size, bool)
        flips[1:] = (d[1:] == first) & (d[:-1] != first)
        new[active[flips]] = 1
    return (1 + np.cumsum(new))[seg]


def _check_mass(mass_mg: Any, *, name: str) -> float:
    try:
        m = float(mass_mg)
    except (TypeError, ValueError):
        raise CyclerDataError(f"{name}: active mass {mass_mg!r} is not a number (mg)") from None
    if not math.isfinite(m) or m <= 0:
        raise CyclerDataError(
            f"{name}: active mass must be a positive number of mg, got {mass_mg!r}"
        )
    return m


def cycler_dataset(
    time_s: Any,
    voltage_v: Any,
    current_ma: Any,
    *,
    capacity_mah: Any | None = None,
    cycle: Any | None = None,
    program_step: Any | None = None,
    step_type: Any | None = None,
    timestamp: Any | None = None,
    start_time: str | None = None,
    mass_mg: float | None = None,
    mass_source: str = "",
    name: str = "",
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Build the cycler Dataset of the contract from arrays (the common end of every reader).

    Parameters
    ----------
    time_s, voltage_v, current_ma : array_like
        Time (s), voltage (V) and current (mA, negative = reduction/sodiation).
    capacity_mah : array_like, optional
        The file's capacity column in mA*h, cumulative or reset at every step (either
        works). Default: integrate ``|current|`` over time within each step.
    cycle : array_like of int, optional
        The file's cycle index; derived from the half cycles when absent.
    program_step : array_like of int, optional
        The file's step or sequence number.
    step_type : array_like of str, optional
        ``"rest"``, ``"cc_discharge"``, ``"cc_charge"``, ``"cv"`` (other values: classified
        from the sign of the current).
    timestamp : array_like of datetime64, optional
        Absolute time of each point (UTC).
    start_time : str, optional
        ISO-8601 start of the record.
    mass_mg : float, optional
        Active mass in mg: adds ``capacity`` in mA*h/g.
    name : str
        File name, for messages.

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    CyclerDataError
        Arrays of different length, no points, or no finite current.
    """
    t = np.asarray(time_s, float)
    v = np.asarray(voltage_v, float)
    i = np.asarray(current_ma, float)
    if not (t.shape == v.shape == i.shape) or t.ndim != 1:
        raise CyclerDataError(
            f"{name}: time, voltage and current differ in shape ({t.shape}, {v.shape}, {i.shape})"
        )
    if t.size == 0:
        raise CyclerDataError(f"{name}: the file has no data points")
    if not np.isfinite(i).any():
        raise CyclerDataError(f"{name}: the current column has no numbers")
    keep = np.isfinite(t) & np.isfinite(v) & np.isfinite(i)
    if not keep.all():
        t, v, i = t[keep], v[keep], i[keep]
    if t.size == 0:
        raise CyclerDataError(f"{name}: no point has a finite time, voltage and current")
    back = np.diff(t) < 0
    if back.any():
        warnings.warn(
            f"{name}: time goes backwards at {int(back.sum())} point(s) (a step-time column, "
            "or concatenated tests?); capacities are integrated per step and stay valid, "
            "but time-based alignment will not",
            CharzWarning, stacklevel=3,
        )

    def sub(a: Any) -> np.ndarray | None:
        if a is None:
            return None
        a = np.asarray(a)
        return a if keep.all() else a[keep]

    stype = _classify(i, sub(step_type))
    pstep = sub(program_step)
    cyc_in = sub(cycle)
    keys = [stype] + [k for k in (pstep, cyc_in) if k is not None]
    starts = _segment_starts(*keys)
    seg = np.cumsum(starts) - 1
    if cyc_in is None:
        cyc = _derive_cycles(stype, seg, starts)
        cycle_source = "derived: a cycle starts with each half cycle of the first direction"
    else:
        cyc = np.asarray(np.nan_to_num(np.asarray(cyc_in, float)), int)
        cycle_source = "file"
    qsrc = sub(capacity_mah)
    if qsrc is not None and np.isfinite(np.asarray(qsrc, float)).all():
        cap_abs = _per_segment_capacity(np.asarray(qsrc, float), seg, starts)
        capacity_source = "file capacity column"
        cap_abs, spread = _spread_quantized(cap_abs, t, i, seg, starts, stype)
        if spread:
            capacity_source += (" (coarsely quantized: spread along each step in proportion "
                                "to the integral of |current| dt, step totals kept)")
    else:
        cap_abs = _integrate_capacity(t, i, seg, starts)
        capacity_source = "integrated |current| dt within each step"
    cap_abs = np.where(stype == "rest", 0.0, cap_abs)

    data: dict[str, Any] = {
        "time": ("record", t, _VAR_ATTRS["time"]),
        "voltage": ("record", v, _VAR_ATTRS["voltage"]),
        "current": ("record", i, _VAR_ATTRS["current"]),
        "capacity_abs": ("record", cap_abs, _VAR_ATTRS["capacity_abs"]),
        "cycle": ("record", cyc.astype(np.int64), _VAR_ATTRS["cycle"]),
        "step": ("record", (seg + 1).astype(np.int64), _VAR_ATTRS["step"]),
        "step_type": ("record", stype, _VAR_ATTRS["step_type"]),
    }
    if pstep is not None:
        data["program_step"] = (
            "record", np.asarray(np.nan_to_num(np.asarray(pstep, float)), np.int64),
            _VAR_ATTRS["program_step"],
        )
    ts = sub(timestamp)
    if ts is not None:
        data["timestamp"] = ("record", np.asarray(ts, "datetime64[ns]"),
                             {"long_name": "absolute time (UTC)"})
    ds = xr.Dataset(data)
    ds.attrs.update(
        {
            "technique": "echem",
            "cycle_source": cycle_source,
            "capacity_source": capacity_source,
            "sign_convention": "current < 0: reduction (sodiation / discharge of Na||HC)",
        }
    )
    if start_time:
        ds.attrs["start_time"] = start_time
    if attrs:
        ds.attrs.update({k: v for k, v in attrs.items() if v is not None})
    if mass_mg is not None:
        ds = with_mass(ds, mass_mg, source=mass_source or "given", name=name)
    return ds


def with_mass(ds: xr.Dataset, mass_mg: float, *, source: str = "given", name: str = "",
              strict: bool = True) -> xr.Dataset:
    """Add (or replace) ``capacity`` in mA*h/g for an active mass in mg.

    Parameters
    ----------
    ds : xarray.Dataset
        Cycler Dataset with ``capacity_abs`` (mA*h).
    mass_mg : float
        Active mass in mg.
    strict : bool
        True: an implausible specific capacity (> :data:`MAX_SPECIFIC_CAPACITY`) raises;
        False (a mass read from a file header, often a placeholder): warn and leave the
        Dataset without ``capacity``.

    Raises
    ------
    CyclerDataError
        Mass not a positive number, or a specific capacity above 5000 mA*h/g (strict).
    """
    name = name or str(ds.attrs.get("source", ""))
    m = _check_mass(mass_mg, name=name)
    spec = np.asarray(ds["capacity_abs"].values, float) / (m / 1000.0)
    top = float(np.nanmax(spec)) if spec.size else 0.0
    if top > MAX_SPECIFIC_CAPACITY:
        msg = (
            f"{name}: active mass {m:g} mg gives {top:.0f} mA*h/g in one step, above "
            f"{MAX_SPECIFIC_CAPACITY:g} mA*h/g; the mass is wrong (give it in mg)"
        )
        if strict:
            raise CyclerDataError(msg)
        warnings.warn(msg + f"; the {source} mass is ignored, capacity left in mA*h",
                      PhysicsWarning, stacklevel=3)
        out = ds.drop_vars("capacity", errors="ignore")
        out.attrs.pop("active_mass_mg", None)
        return out
    out = ds.assign(capacity=("record", spec, _VAR_ATTRS["capacity"]))
    out.attrs["active_mass_mg"] = m
    out.attrs["active_mass_source"] = source
    return out


def _apply_mass(file_mass: float | None, user_mass: float | None,
                name: str) -> tuple[float | None, str, bool]:
    """(mass, source, strict): the user's mass is checked strictly, a file's leniently."""
    if user_mass is not None:
        return _check_mass(user_mass, name=name), "given", True
    if file_mass is not None and math.isfinite(file_mass) and file_mass > 0:
        return file_mass, "file header", False
    return None, "", True


def _finish(name: str, *, mass_mg: float | None, file_mass: float | None = None,
            **kw: Any) -> xr.Dataset:
    """Build the Dataset and apply the user's mass (strict) or the file's mass (lenient)."""
    mass, source, strict = _apply_mass(file_mass, mass_mg, name)
    ds = cycler_dataset(name=name, **kw)
    if mass is not None:
        ds = with_mass(ds, mass, source=source, name=name, strict=strict)
    return ds


# ---------------------------------------------------------------------------------------
# Time helpers
# ---------------------------------------------------------------------------------------


def _start_info(local: datetime | None, tz: str | None) -> tuple[str | None, np.datetime64 | None,
                                                                  dict[str, str]]:
    """ISO start string, UTC start (if the zone is known), extra attrs."""
    if local is None:
        return None, None, {}
    if local.tzinfo is not None:
        utc = local.astimezone(UTC).replace(tzinfo=None)
        return local.isoformat(), np.datetime64(utc, "ns"), {}
    if tz is None:
        return local.isoformat(), None, {
            "start_time_zone": "unknown (instrument local time; give tz= for timestamps)"
        }
    from charz.series import to_utc

    utc = to_utc(local.isoformat(), tz=tz)
    stamp = pd.Timestamp(utc).tz_localize("UTC")
    return stamp.isoformat(), utc, {"start_time_zone": tz}


def _timestamps(t: np.ndarray, utc0: np.datetime64 | None) -> np.ndarray | None:
    if utc0 is None:
        return None
    return utc0 + np.round(np.asarray(t, float) * 1e9).astype("timedelta64[ns]")


def _ole_to_datetime(days: float) -> datetime:
    return _OLE_EPOCH + timedelta(days=float(days))


# ---------------------------------------------------------------------------------------
# BioLogic EC-Lab .mpt (text)
# ---------------------------------------------------------------------------------------

_EC_MODE = {1: "cc", 2: "cv", 3: "rest"}


def _sniff_mpt(path: Path, head: bytes) -> bool:
    return head.lstrip().startswith((b"EC-Lab ASCII FILE", b"BT-Lab ASCII FILE"))


def _parse_ec_datetime(text: str) -> datetime | None:
    text = text.strip()
    for fmt in ("%m/%d/%Y %H:%M:%S.%f", "%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S.%f",
                "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _mass_from_text(value: str) -> float | None:
    m = re.match(r"\s*([-+]?[\d.,]+(?:[eE][-+]?\d+)?)\s*(mg|g|µg|ug)?", value)
    if not m:
        return None
    num = float(m.group(1).replace(",", "."))
    unit = m.group(2) or "mg"
    return num * {"mg": 1.0, "g": 1000.0, "µg": 1e-3, "ug": 1e-3}[unit]


def _biologic_frame(df: pd.DataFrame, name: str, *, start: datetime | None, tz: str | None,
                    mass_mg: float | None, file_mass: float | None,
                    instrument: str) -> xr.Dataset:
    """Cycler Dataset from BioLogic columns (names as in EC-Lab's text export)."""
    cols = {c.strip(): c for c in df.columns}

    def col(*names: str) -> np.ndarray | None:
        for n in names:
            if n in cols:
                return np.asarray(df[cols[n]], float)
        return None

    if "freq/Hz" in cols:
        raise CyclerDataError(
            f"{name}: an impedance (PEIS/GEIS) file, not cycling data; charz.echem reads "
            "cycling techniques (GCPL, MB, CV, OCV)"
        )
    t = col("time/s")
    v = col("Ewe/V", "<Ewe>/V", "Ecell/V", "<Ecell>/V")
    if t is None or v is None:
        raise CyclerDataError(
            f"{name}: BioLogic file without 'time/s' and 'Ewe/V' columns "
            f"(has: {', '.join(cols)}); not a cycling technique?"
        )
    i = col("I/mA", "<I>/mA")
    current_source = "I/mA column"
    if i is None:
        dq = col("dq/mA.h", "dQ/mA.h")
        if dq is None:
            raise CyclerDataError(
                f"{name}: no current column (I/mA, <I>/mA) and no dq/mA.h to derive it from"
            )
        dt = np.diff(t, prepend=t[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            i = np.where(dt > 0, dq * 3600.0 / dt, 0.0)
        current_source = "derived: 3600·dq/Δt (dq/mA.h column)"
    mode = col("mode")
    stype = None
    if mode is not None:
        stype = np.where(mode == 3, "rest", np.where(mode == 2, "cv", "")).astype(object)
    q = col("(Q-Qo)/mA.h")
    if q is None and "(Q-Qo)/C" in cols:
        q = col("(Q-Qo)/C") / 3.6  # C -> mA*h
    cyc = col("cycle number")
    ns = col("Ns")
    half = col("half cycle")
    if cyc is None and half is not None:
        cyc = np.floor(half / 2.0)  # EC-Lab's own rule for 'cycle number' in its exports
    program = ns if ns is not None else half
    iso, utc0, extra = _start_info(start, tz)
    return _finish(
        name,
        mass_mg=mass_mg,
        file_mass=file_mass,
        time_s=t,
        voltage_v=v,
        current_ma=i,
        capacity_mah=q,
        cycle=cyc,
        program_step=program,
        step_type=stype,
        timestamp=_timestamps(t, utc0),
        start_time=iso,
        attrs={"instrument": instrument, "current_source": current_source, **extra},
    )


@register_reader(".mpt", technique="echem", sniff=_sniff_mpt)
def read_biologic_mpt(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                      ) -> xr.Dataset:
    """Read a BioLogic EC-Lab/BT-Lab text export (``.mpt``).

    Parameters
    ----------
    path : Path
        The file (cp1252; decimal point or comma as the exporting Windows locale had it).
    mass_mg : float, optional
        Active mass in mg (default: ``Mass of active material`` from the header, ignored
        with a warning when it gives > 5000 mA*h/g: EC-Lab's placeholder masses are
        common; ``Characteristic mass`` is not used, its 1 mg default is indistinguishable
        from a real value).
    tz : str, optional
        Zone of the instrument clock (``"Europe/Berlin"``, ``"+01:00"``): the header's
        ``Acquisition started on`` is local time without a zone; with ``tz`` the Dataset
        gets ``timestamp``.

    Returns
    -------
    xarray.Dataset
        The cycler Dataset (module docstring).
    """
    raw = path.read_bytes()
    text = decode_text(raw, name=path.name)
    lines = text.splitlines()
    m = re.search(r"Nb header lines\s*:\s*(\d+)", text[:2000])
    if not m:
        raise CorruptFileError(f"{path.name}: no 'Nb header lines' line; not an EC-Lab .mpt")
    nhead = int(m.group(1))
    if nhead < 1 or nhead > len(lines):
        raise CorruptFileError(f"{path.name}: header says {nhead} lines, file has {len(lines)}")
    header = lines[: nhead - 1]
    start = None
    file_mass = None
    for ln in header:
        key, _, value = ln.partition(" : ")
        key = key.strip()
        if key == "Acquisition started on":
            start = _parse_ec_datetime(value)
        elif key == "Mass of active material":
            file_mass = _mass_from_text(value)
    names = lines[nhead - 1].rstrip("\r\n").split("\t")
    body = lines[nhead:]
    if not body:
        raise CyclerDataError(f"{path.name}: the file has a header but no data points")
    sample = "\n".join(body[:20])
    decimal = "," if re.search(r"\d,\d", sample) and not re.search(r"\d\.\d", sample) else "."
    from io import StringIO

    df = pd.read_csv(StringIO("\n".join(body)), sep="\t", header=None, decimal=decimal,
                     engine="c", dtype=float, na_values=["", " "])
    df = df.iloc[:, : len(names)]
    df.columns = [n.strip() or f"unnamed_{k}" for k, n in enumerate(names[: df.shape[1]])]
    instrument = "BioLogic EC-Lab (.mpt)"
    return _biologic_frame(df, path.name, start=start, tz=tz, mass_mg=mass_mg,
                           file_mass=file_mass,
                           instrument=instrument)


# ---------------------------------------------------------------------------------------
# BioLogic EC-Lab .mpr (binary): charz's own reader
# ---------------------------------------------------------------------------------------
#
# Layout (decoded from the files themselves; every ID below was checked value by value
# against the .mpt export of the same run, see tests/echem/test_io.py):
#   file:   b"BIO-LOGIC MODULAR FILE\x1a" + padding to 52 bytes, then modules.
#   module: b"MODULE", short name (10 bytes), long name (25 bytes), then either
#           length u32, version u32, date 8 bytes                       (older EC-Lab) or
#           0xFFFFFFFF, length u32, u32, version u32, date 8 bytes      (EC-Lab ≥ 11.5),
#           then `length` bytes of body.
#   "VMP data" body: n_points u32, n_columns (u8 for version < 10, u16 from 10 on),
#           n_columns column IDs (u16), data rows from offset 0x196 (version 2/3) or
#           0x3EF (version ≥ 10): packed little-endian records, IDs 1–3, 21, 31, 65
#           share one flag byte.
#   "VMP LOG" body: start of acquisition as an OLE date (float64 days since 1899-12-30)
#           at offset 0x249.

_MPR_MAGIC = b"BIO-LOGIC MODULAR FILE"

#: Flag bits packed into one byte: ID -> (name, mask).
_MPR_FLAGS: dict[int, tuple[str, int]] = {
    1: ("mode", 0x03),
    2: ("ox/red", 0x04),
    3: ("error", 0x08),
    21: ("control changes", 0x10),
    31: ("Ns changes", 0x20),
    65: ("counter inc.", 0x80),
}

#: Column ID -> (EC-Lab name, numpy dtype). IDs without a comment were checked value by
#: value against the .mpt export of the same run; the commented ones (from a CV file
#: without an export) by their physics: sizes fit the record length, and the check named.
MPR_COLUMNS: dict[int, tuple[str, str]] = {
    4: ("time/s", "<f8"),
    5: ("control/V/mA", "<f4"),
    6: ("Ewe/V", "<f4"),
    7: ("dq/mA.h", "<f8"),
    8: ("I/mA", "<f4"),
    11: ("<I>/mA", "<f8"),  # cv.issue_149: ∫ dt equals ID 434 (C) / 3.6
    13: ("(Q-Qo)/mA.h", "<f8"),
    19: ("control/V", "<f4"),  # tracks Ewe within 0.3 mV in a CV
    20: ("control/mA", "<f4"),
    24: ("cycle number", "<f8"),  # whole numbers 1..3 in the CV's three scans
    39: ("I Range", "<u2"),
    70: ("P/W", "<f4"),
    74: ("|Energy|/W.h", "<f8"),
    123: ("Energy charge/W.h", "<f8"),
    124: ("Energy discharge/W.h", "<f8"),
    125: ("Capacitance charge/µF", "<f8"),
    126: ("Capacitance discharge/µF", "<f8"),
    131: ("Ns", "<u2"),
    168: ("Rcmp/Ohm", "<f4"),  # constant compensated resistance (532.9 Ω)
    434: ("(Q-Qo)/C", "<f4"),  # = 3.6 × ∫<I>dt in mA*h, checked point by point
    438: ("step time/s", "<f8"),  # restarts at 0 with each step
    467: ("Q charge/discharge/mA.h", "<f8"),
    468: ("half cycle", "<u4"),
}


def _mpr_modules(raw: bytes, name: str) -> dict[str, tuple[int, bytes]]:
    if not raw.startswith(_MPR_MAGIC):
        raise CorruptFileError(f"{name}: not a BioLogic .mpr (no 'BIO-LOGIC MODULAR FILE')")
    out: dict[str, tuple[int, bytes]] = {}
    pos = raw.find(b"MODULE")
    while pos >= 0:
        j = pos + 6 + 10 + 25
        if j + 16 > len(raw):
            raise CorruptFileError(f"{name}: truncated module header at byte {pos}")
        short = raw[pos + 6: pos + 16].rstrip(b" \x00").decode("latin-1")
        if raw[j: j + 4] == b"\xff\xff\xff\xff":
            _, length, _, version = struct.unpack_from("<4I", raw, j)
            body = j + 24
        else:
            length, version = struct.unpack_from("<2I", raw, j)
            body = j + 16
        if body + length > len(raw):
            raise CorruptFileError(
                f"{name}: module {short!r} claims {length} bytes but the file ends "
                f"{len(raw) - body} bytes after its start (truncated)"
            )
        out.setdefault(short, (version, raw[body: body + length]))
        pos = raw.find(b"MODULE", body + length)
    return out


def _mpr_table(version: int, body: bytes, name: str) -> pd.DataFrame:
    n_points = struct.unpack_from("<I", body, 0)[0]
    if version >= 10:
        n_cols = struct.unpack_from("<H", body, 4)[0]
        ids = struct.unpack_from(f"<{n_cols}H", body, 6)
        offset = 0x3EF
    else:
        n_cols = body[4]
        ids = struct.unpack_from(f"<{n_cols}H", body, 5)
        offset = 0x196 if version >= 3 else 0x195
    unknown = [c for c in ids if c not in MPR_COLUMNS and c not in _MPR_FLAGS]
    if unknown:
        raise CorruptFileError(
            f"{name}: .mpr data module (version {version}) has column ID(s) "
            f"{', '.join(map(str, unknown))} that charz cannot decode yet; export the file "
            "as .mpt from EC-Lab (Export as text) and read that"
        )
    fields: list[tuple[str, str]] = []
    flag_ids = [c for c in ids if c in _MPR_FLAGS]
    for c in ids:
        if c in _MPR_FLAGS:
            if c == flag_ids[0]:
                fields.append(("flags", "u1"))
            continue
        fields.append(MPR_COLUMNS[c])
    dtype = np.dtype(fields)
    need = offset + n_points * dtype.itemsize
    if need > len(body):
        raise CorruptFileError(
            f"{name}: .mpr data module holds {len(body)} bytes, {n_points} points of "
            f"{dtype.itemsize} bytes need {need} (truncated, or an unknown layout)"
        )
    rec = np.frombuffer(body, dtype=dtype, count=n_points, offset=offset)
    cols: dict[str, np.ndarray] = {}
    for c in flag_ids:
        label, mask = _MPR_FLAGS[c]
        shift = (mask & -mask).bit_length() - 1
        cols[label] = ((rec["flags"] & mask) >> shift).astype(np.int64)
    for fname in rec.dtype.names or ():
        if fname != "flags":
            cols[fname] = rec[fname].astype(float)
    return pd.DataFrame(cols)


@register_reader(".mpr", technique="echem")
def read_biologic_mpr(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                      ) -> xr.Dataset:
    """Read a BioLogic EC-Lab binary file (``.mpr``) with charz's own reader.

    Parameters
    ----------
    path : Path
        The file.
    mass_mg : float, optional
        Active mass in mg (the binary settings are not parsed for it).
    tz : str, optional
        Zone of the instrument clock; with it the Dataset gets ``timestamp``.

    Returns
    -------
    xarray.Dataset
        The cycler Dataset. When the file has no current column (GCPL stores ``dq``),
        the current is ``3600·dq/Δt`` (``attrs["current_source"]``).

    Raises
    ------
    CorruptFileError
        Not an .mpr, truncated, or a column ID outside :data:`MPR_COLUMNS` (newer EC-Lab
        versions keep adding IDs; export those files as ``.mpt``).

    Notes
    -----
    Written from the byte layout of the files (module headers, column-ID table, packed
    records) and checked value by value against EC-Lab's own text exports; no GPL reader's
    code was used.
    """
    raw = path.read_bytes()
    mods = _mpr_modules(raw, path.name)
    if "VMP data" not in mods:
        raise CorruptFileError(f"{path.name}: .mpr without a 'VMP data' module")
    version, body = mods["VMP data"]
    df = _mpr_table(version, body, path.name)
    start = None
    if "VMP LOG" in mods:
        log = mods["VMP LOG"][1]
        if len(log) >= 0x249 + 8:
            days = struct.unpack_from("<d", log, 0x249)[0]
            if 20000 < days < 80000:
                start = _ole_to_datetime(days)
    return _biologic_frame(df, path.name, start=start, tz=tz, mass_mg=mass_mg,
                           file_mass=None, instrument=f"BioLogic EC-Lab (.mpr, data v{version})")


# ---------------------------------------------------------------------------------------
# Generic / Arbin / Neware CSV
# ---------------------------------------------------------------------------------------


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9#]", "", name.lower().replace("µ", "u"))


_ALIASES: dict[str, tuple[str, ...]] = {
    # test/total time before a bare "time" (Neware's "Time" is the step time)
    "time": ("times", "testtime", "testtimes", "totaltime", "totaltimes", "cumulativetime",
             "elapsedtime", "elapsedtimes", "testtimeh", "testmin", "testsec", "runtimeh",
             "time", "timesec", "times1", "timeh", "timemin"),
    "voltage": ("voltagev", "voltage", "volts", "potentialv", "ewev", "ecellv", "v", "u",
                "voltagemv"),
    "current": ("currentma", "currentua", "currenta", "current", "ima", "amps", "ia"),
    "capacity": ("capacitymah", "capacityah", "capacity", "capmah", "capah", "amphr",
                 "capacityuah"),
    "cycle": ("cycle", "cycleindex", "cyclenumber", "cyc#", "cycleno", "cyclec"),
    "step": ("step", "stepindex", "stepnumber", "stepno", "ns"),
    "datetime": ("datetime", "date", "timestamp", "realtime", "dptime", "absolutetime",
                 "dateandtime"),
    "step_type": ("steptype", "status", "state", "mode", "md"),
}

_UNIT_SCALE = {  # normalized header -> factor to the charz unit
    "currentma": 1.0, "ima": 1.0, "currentua": 1e-3, "currenta": 1e3, "ia": 1e3, "amps": 1e3,
    "capacitymah": 1.0, "capmah": 1.0, "capacityah": 1e3, "capah": 1e3, "amphr": 1e3,
    "capacityuah": 1e-3,
    "timeh": 3600.0, "testtimeh": 3600.0, "runtimeh": 3600.0, "timemin": 60.0, "testmin": 60.0,
    "voltagemv": 1e-3,
}


def _find(cols: list[str], role: str) -> str | None:
    normed = {_norm(c): c for c in cols}
    for alias in _ALIASES[role]:
        if alias in normed:
            return normed[alias]
    return None


def _parse_duration(values: pd.Series) -> np.ndarray:
    """Seconds from numbers, ``hh:mm:ss(.f)`` or ``Nd hh:mm:ss`` strings."""
    if pd.api.types.is_numeric_dtype(values):
        return np.asarray(values, float)
    s = values.astype(str).str.strip()
    m = s.str.extract(r"^(?:(\d+)d\s*)?(\d+):(\d{1,2}):(\d{1,2}(?:\.\d*)?)$")
    if m.notna().iloc[:, 1:].all(axis=None):
        d = pd.to_numeric(m[0], errors="coerce").fillna(0).to_numpy(float)
        h, mi, se = (pd.to_numeric(m[k]).to_numpy(float) for k in (1, 2, 3))
        return ((d * 24 + h) * 60 + mi) * 60 + se
    return pd.to_numeric(s, errors="raise").to_numpy(float)


_TYPE_MAP = {
    "rest": "rest", "r": "rest", "ocv": "rest", "pause": "rest", "o": "rest",
    "ccdchg": "cc_discharge", "dchg": "cc_discharge", "ccdischarge": "cc_discharge",
    "dcc": "cc_discharge", "d": "cc_discharge", "discharge": "cc_discharge",
    "dischargecc": "cc_discharge",
    "ccchg": "cc_charge", "chg": "cc_charge", "cccharge": "cc_charge", "ccc": "cc_charge",
    "c": "cc_charge", "charge": "cc_charge", "chargecc": "cc_charge",
    "cvchg": "cv", "cvdchg": "cv", "cv": "cv", "cccvchg": "", "cccvdchg": "",
}


def _map_types(values: Any) -> np.ndarray:
    s = pd.Series(values).astype(str).map(lambda x: _TYPE_MAP.get(_norm(x), ""))
    return s.to_numpy(object)


def _sniff_csv_table(head: bytes) -> list[str] | None:
    text = decode_text(head)
    for ln in text.splitlines():
        s = ln.strip()
        if not s or s.startswith("#"):
            continue
        delim = max((",", ";", "\t"), key=s.count)
        return [f.strip().strip('"') for f in s.split(delim)]
    return None


def _sniff_cycler_csv(path: Path, head: bytes) -> bool:
    cols = _sniff_csv_table(head)
    if not cols:
        return False
    return all(_find(cols, r) is not None for r in ("time", "voltage", "current"))


def _header_kv(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for ln in lines:
        m = re.match(r"^\s*#\s*([^:=]+?)\s*[:=]\s*(.*?)\s*$", ln)
        if m:
            out[m.group(1).strip()] = m.group(2)
    return out


def _parse_datetimes(values: pd.Series, tz: str | None) -> tuple[np.ndarray | None, str | None,
                                                                  dict[str, str]]:
    """UTC datetime64 per row (when the zone is known), ISO start, extra attrs."""
    if pd.api.types.is_numeric_dtype(values):
        v = np.asarray(values, float)
        if np.nanmin(v) > 1e9:  # Unix epoch seconds (Arbin CSV, BEEP)
            utc = (np.round(v * 1e6).astype("int64") * 1000).astype("datetime64[ns]")  # to 1 µs
            iso = pd.Timestamp(utc[0]).tz_localize("UTC").isoformat()
            return utc, iso, {}
        if 20000 < np.nanmin(v) < 80000:  # OLE days (Arbin .res)
            utc = None
            local = _ole_to_datetime(v[0])
            iso, utc0, extra = _start_info(local, tz)
            if utc0 is not None:
                secs = (v - v[0]) * 86400.0
                utc = utc0 + np.round(secs * 1e9).astype("timedelta64[ns]")
            return utc, iso, extra
        return None, None, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        parsed = pd.to_datetime(values.astype(str).str.strip(), errors="coerce", utc=False,
                                format="mixed")
    if parsed.isna().any():
        return None, None, {}
    if getattr(parsed.dt, "tz", None) is not None:
        utc = parsed.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
        return utc, parsed.iloc[0].isoformat(), {}
    iso, utc0, extra = _start_info(parsed.iloc[0].to_pydatetime(), tz)
    if utc0 is None:
        return None, iso, extra
    rel = (parsed - parsed.iloc[0]).dt.total_seconds().to_numpy(float)
    return utc0 + np.round(rel * 1e9).astype("timedelta64[ns]"), iso, extra


def _frame_to_dataset(df: pd.DataFrame, name: str, *, mass_mg: float | None,
                      file_mass: float | None, tz: str | None, instrument: str,
                      current_unit: str | None = None, default_current_unit: str | None = None,
                      capacity_cols: tuple[str, str] | None = None,
                      capacity_unit_scale: float | None = None) -> xr.Dataset:
    """Map a table with recognisable column names onto the cycler Dataset."""
    cols = [str(c) for c in df.columns]
    df.columns = cols
    tcol, vcol, icol = (_find(cols, r) for r in ("time", "voltage", "current"))
    if icol is None:
        raise CyclerDataError(
            f"{name}: no current column (looked for {', '.join(_ALIASES['current'])} in "
            f"normalised headers; the file has: {', '.join(cols)})"
        )
    if tcol is None or vcol is None:
        raise CyclerDataError(
            f"{name}: needs time and voltage columns; the file has: {', '.join(cols)}"
        )
    t = _parse_duration(df[tcol]) * _UNIT_SCALE.get(_norm(tcol), 1.0)
    v = pd.to_numeric(df[vcol], errors="coerce").to_numpy(float) * _UNIT_SCALE.get(
        _norm(vcol), 1.0)
    i_raw = pd.to_numeric(df[icol], errors="coerce").to_numpy(float)
    key = _norm(icol)
    if key in _UNIT_SCALE:
        scale = _UNIT_SCALE[key]
    else:
        unit = current_unit or default_current_unit
        if unit is None:
            raise CyclerDataError(
                f"{name}: the current column {icol!r} does not say its unit; pass "
                "current_unit='mA' (or 'A', 'uA')"
            )
        scales = {"ma": 1.0, "a": 1e3, "ua": 1e-3}
        u = unit.lower().replace("µ", "u")
        if u not in scales:
            raise CyclerDataError(f"{name}: current_unit must be 'mA', 'A' or 'uA', got {unit!r}")
        scale = scales[u]
    i = i_raw * scale
    stcol = _find(cols, "step_type")
    stype = _map_types(df[stcol]) if stcol is not None else None
    if capacity_cols is not None:
        qc = pd.to_numeric(df[capacity_cols[0]], errors="coerce").to_numpy(float)
        qd = pd.to_numeric(df[capacity_cols[1]], errors="coerce").to_numpy(float)
        q = (qc - qd) * (capacity_unit_scale or 1.0)
    else:
        qcol = _find(cols, "capacity")
        q = None
        # a capacity column is used only when its header names the unit (mAh, Ah, uAh);
        # otherwise the capacity is integrated from the current
        if qcol is not None and (capacity_unit_scale or _norm(qcol) in _UNIT_SCALE):
            q = pd.to_numeric(df[qcol], errors="coerce").to_numpy(float) * (
                capacity_unit_scale or _UNIT_SCALE[_norm(qcol)])
    ccol, scol, dcol = (_find(cols, r) for r in ("cycle", "step", "datetime"))

    def ints(c: str | None) -> np.ndarray | None:
        if c is None:
            return None
        x = pd.to_numeric(df[c], errors="coerce")
        if x.isna().all():
            return None
        return x.ffill().bfill().to_numpy(float)

    utc, iso, extra = (None, None, {})
    if dcol is not None:
        utc, iso, extra = _parse_datetimes(df[dcol], tz)
    return _finish(
        name, mass_mg=mass_mg, file_mass=file_mass,
        time_s=t, voltage_v=v, current_ma=i, capacity_mah=q, cycle=ints(ccol),
        program_step=ints(scol), step_type=stype, timestamp=utc, start_time=iso,
        attrs={"instrument": instrument, "current_source": f"{icol} column", **extra},
    )


def _read_csv_text(path: Path) -> tuple[pd.DataFrame, list[str]]:
    from io import StringIO

    text = decode_text(path.read_bytes(), name=path.name)
    lines = text.splitlines()
    comments = [ln for ln in lines if ln.lstrip().startswith("#")]
    body = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if len(body) < 2:
        raise CyclerDataError(f"{path.name}: no data rows under the column header")
    hdr = body[0]
    delim = max((",", ";", "\t"), key=hdr.count)
    sample = "\n".join(body[1:20])
    decimal = "," if delim != "," and re.search(r"\d,\d", sample) else "."
    df = pd.read_csv(StringIO("\n".join(body)), sep=delim, decimal=decimal,
                     skipinitialspace=True)
    return df, comments


@register_reader(".csv", ".txt", technique="echem", sniff=_sniff_cycler_csv)
def read_cycler_csv(path: Path, *, mass_mg: float | None = None, tz: str | None = None,
                    current_unit: str | None = None) -> xr.Dataset:
    """Read a cycler table in CSV: generic, Arbin (MITS Pro export) or Neware BTSDA flat.

    Columns are found by name (case, spaces and punctuation ignored): time (``time_s``,
    ``Test_Time``, ``Time`` as seconds or ``hh:mm:ss``), voltage (``voltage_V``,
    ``Voltage(V)``), current (``current_mA``, ``Current(A)``; a bare ``Current`` is in A
    for Arbin files, else give ``current_unit``), capacity (``capacity_mAh``,
    ``Capacity(Ah)``, or Arbin's ``Charge_Capacity``/``Discharge_Capacity`` in A*h), cycle,
    step, step type and an absolute time (``datetime`` ISO-8601, Unix epoch or local
    strings).

    Parameters
    ----------
    mass_mg : float, optional
        Active mass in mg; default the ``# active_mass_mg:`` header line.
    tz : str, optional
        Zone of local date-time strings (ignored when they carry an offset).
    current_unit : {'mA', 'A', 'uA'}, optional
        Unit of a current column whose header does not name one.
    """
    df, comments = _read_csv_text(path)
    head = _header_kv(comments)
    file_mass = None
    for k, val in head.items():
        nk = _norm(k)
        if nk in ("activemassmg", "massmg", "activemass"):
            file_mass = _mass_from_text(val)
    cols = [str(c) for c in df.columns]
    arbin = all(c in cols for c in ("Test_Time", "Cycle_Index", "Current", "Voltage"))
    if arbin:
        return _frame_to_dataset(
            df, path.name, mass_mg=mass_mg, file_mass=file_mass, tz=tz,
            instrument="Arbin (CSV export)", default_current_unit="A",
            capacity_cols=("Charge_Capacity", "Discharge_Capacity"), capacity_unit_scale=1e3,
        )
    neware = "Step Type" in cols and any(c.startswith("Current(") for c in cols)
    return _frame_to_dataset(
        df, path.name, mass_mg=mass_mg, file_mass=file_mass, tz=tz,
        instrument="Neware BTSDA (CSV export)" if neware else "cycler CSV",
        current_unit=current_unit,
    )


def _sniff_neware_nested(path: Path, head: bytes) -> bool:
    lines = decode_text(head).splitlines()
    return (len(lines) >= 3 and lines[0].startswith("Cycle Index,")
            and lines[1].startswith(",Step") and lines[2].startswith(",,"))


@register_reader(".csv", technique="echem", sniff=_sniff_neware_nested)
def read_neware_nested_csv(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                           ) -> xr.Dataset:
    """Read a Neware BTSDA "regular" (nested) CSV export.

    Three interleaved levels, each with its own header in the first three lines: cycle
    rows (no leading empty cell), step rows (one leading empty cell; the first step of a
    cycle may continue the cycle row) and record rows (two leading empty cells). Record
    rows get the cycle index, step index and step type of the rows above them. Times are
    ``hh:mm:ss`` strings; current in A and capacity in A*h (reset at every step).
    """
    from io import StringIO

    text = decode_text(path.read_bytes(), name=path.name)
    lines = text.splitlines()
    if len(lines) < 4:
        raise CyclerDataError(f"{path.name}: nested Neware export without data rows")
    n_cycle_cols = len(lines[0].split(","))
    rec_header = [h.strip() for h in lines[2].split(",")[2:]]
    body = pd.Series(lines[3:], dtype=str)
    body = body[body.str.strip() != ""].reset_index(drop=True)
    is_rec = body.str.startswith(",,")
    is_step = body.str.startswith(",") & ~is_rec
    is_cycle = ~body.str.startswith(",")
    parts = body.str.split(",")
    cycle = pd.to_numeric(parts.str[0].where(is_cycle), errors="coerce")
    # step fields: after one empty cell (step rows) or after the cycle fields (cycle rows)
    step_idx = pd.to_numeric(parts.str[1].where(is_step), errors="coerce")
    step_type = parts.str[3].where(is_step)
    step_idx = step_idx.fillna(pd.to_numeric(parts.str[n_cycle_cols].where(is_cycle),
                                             errors="coerce"))
    step_type = step_type.fillna(parts.str[n_cycle_cols + 2].where(is_cycle))
    cycle, step_idx, step_type = cycle.ffill(), step_idx.ffill(), step_type.ffill()
    rec = pd.read_csv(StringIO("\n".join(body[is_rec].str[2:])), header=None,
                      names=rec_header, index_col=False)
    rec["Cycle Index"] = cycle[is_rec].to_numpy()
    rec["Step Index"] = step_idx[is_rec].to_numpy()
    rec["Step Type"] = step_type[is_rec].to_numpy()
    if "Total Time" in rec.columns:
        rec = rec.drop(columns=["Time"]).rename(columns={"Total Time": "Time"})
    return _frame_to_dataset(rec, path.name, mass_mg=mass_mg, file_mass=None, tz=tz,
                             instrument="Neware BTSDA (nested CSV export)")


def _sniff_novonix(path: Path, head: bytes) -> bool:
    text = decode_text(head)
    return text.lstrip().startswith("[Summary]") and "Novonix" in text[:500]


@register_reader(".csv", technique="echem", sniff=_sniff_novonix)
def read_novonix_csv(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                     ) -> xr.Dataset:
    """Read a Novonix HPC CSV (``[Summary]``, ``[Protocol]``, then ``[Data]``).

    ``Run Time (h)`` → s, ``Current (A)`` → mA, ``Capacity (Ah)`` → mA*h; ``Date and
    Time`` is local time (give ``tz`` for timestamps). The summary's ``Mass (g)`` is not
    used (it defaults to 1.000 g): give ``mass_mg``.
    """
    from io import StringIO

    text = decode_text(path.read_bytes(), name=path.name)
    lines = text.splitlines()
    try:
        k = next(n for n, ln in enumerate(lines) if ln.strip() == "[Data]")
    except StopIteration:
        raise CorruptFileError(f"{path.name}: Novonix file without a [Data] section") from None
    body = [ln.strip().strip('"') for ln in lines[k + 1:] if ln.strip()]
    if len(body) < 2:
        raise CyclerDataError(f"{path.name}: the [Data] section has no rows")
    df = pd.read_csv(StringIO("\n".join(body)))
    return _frame_to_dataset(df, path.name, mass_mg=mass_mg, file_mass=None, tz=tz,
                             instrument="Novonix HPC (CSV)")


# ---------------------------------------------------------------------------------------
# Maccor text exports
# ---------------------------------------------------------------------------------------


def _sniff_maccor(path: Path, head: bytes) -> bool:
    text = head.decode("latin-1")
    return bool(
        re.match(r"\s*Today's Date", text)
        or (text.lstrip().startswith("Name:") and "\nRec\t" in text.replace("\r", ""))
        or re.match(r"\s*Rec#\tCyc#\tStep", text)
    )


def _maccor_dates(values: pd.Series) -> pd.Series:
    """Parse Maccor date-time strings (known layouts first: 10x faster than 'mixed')."""
    for fmt in ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S.%f"):
        parsed = pd.to_datetime(values, errors="coerce", format=fmt)
        if parsed.notna().all():
            return parsed
    return pd.to_datetime(values, errors="coerce", format="mixed")


@register_reader(".txt", technique="echem", sniff=_sniff_maccor)
def read_maccor_txt(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                    ) -> xr.Dataset:
    """Read a Maccor text export (``Today's Date``/``Rec#`` or ``Name:``/``Rec`` variants).

    Any suffix (Maccor names exports by channel: ``.041``). Times in minutes
    (``Test (Min)``), seconds (``Test (Sec)``) or ``0d 00:00:00.0000`` strings; a bare
    ``TestTime`` number is scaled to match the ``DPt Time`` clock. The current sign is set
    from the state column (D = discharge = negative). Latin-1 (0xFF filler bytes).
    """
    from io import StringIO

    text = path.read_bytes().decode("latin-1")
    lines = text.splitlines()
    k = next((n for n, ln in enumerate(lines) if re.match(r"\s*Rec#?\t", ln)), None)
    if k is None:
        raise CorruptFileError(f"{path.name}: no 'Rec#' column header; not a Maccor export")
    meta = {}
    for ln in lines[:k]:
        parts = [p.strip() for p in ln.split("\t") if p.strip()]
        if len(parts) >= 2:
            meta[parts[0].rstrip(":")] = parts[1]
    body = [ln for ln in lines[k:] if ln.strip()]
    df = pd.read_csv(StringIO("\n".join(body)), sep="\t", dtype=str, index_col=False)
    df = df.loc[:, [c for c in df.columns if not str(c).startswith("Unnamed")]]
    df.columns = [str(c).strip() for c in df.columns]
    cols = list(df.columns)
    tcol = next((c for c in cols if c in ("Test (Min)", "Test (Sec)", "TestTime", "Test (Hr)")),
                None)
    if tcol is None:
        raise CyclerDataError(f"{path.name}: Maccor export without a test-time column ({cols})")
    t = _parse_duration(df[tcol].str.strip())
    if tcol == "Test (Min)":
        t = t * 60.0
    elif tcol == "Test (Hr)":
        t = t * 3600.0
    dcol = next((c for c in cols if _norm(c) == "dpttime"), None)
    utc, iso, extra = (None, None, {})
    if dcol is not None:
        raw_dates = df[dcol].astype(str).str.strip()
        dates = _maccor_dates(raw_dates)
        if raw_dates.str.contains(r"\d[/.-]\d", regex=True).all() and dates.notna().all():
            if tcol == "TestTime" and not df[tcol].str.contains(":").any():
                span_clock = (dates.iloc[-1] - dates.iloc[0]).total_seconds()
                span_t = t[-1] - t[0]
                if span_t > 0 and span_clock > 0:
                    factor = min((1.0, 60.0, 3600.0), key=lambda f: abs(
                        math.log(f * span_t / span_clock)))
                    t = t * factor
            iso, utc0, extra = _start_info(dates.iloc[0].to_pydatetime(), tz)
            utc = _timestamps(t - t[0], utc0)
    amps_col = next((c for c in cols if c in ("Amps", "Current [A]")), None)
    volts_col = next((c for c in cols if c in ("Volts", "Voltage [V]")), None)
    if amps_col is None or volts_col is None:
        raise CyclerDataError(f"{path.name}: Maccor export without Amps/Volts columns ({cols})")
    state_col = next((c for c in cols if c in ("State", "Md")), None)
    i = pd.to_numeric(df[amps_col], errors="coerce").to_numpy(float) * 1e3
    stype = None
    if state_col is not None:
        st = df[state_col].astype(str).str.strip().str.upper().to_numpy(object)
        stype = np.where(st == "R", "rest", np.where(st == "D", "cc_discharge",
                                                     np.where(st == "C", "cc_charge", "")))
        sgn = np.where(st == "D", -1.0, np.where(st == "C", 1.0, np.where(st == "R", 0.0, 1.0)))
        i = np.where(np.isin(st, ["D", "C", "R"]), np.abs(i) * sgn, i)
    qcol = next((c for c in cols if c in ("Amp-hr", "Cap. [Ah]")), None)
    q = pd.to_numeric(df[qcol], errors="coerce").to_numpy(float) * 1e3 if qcol else None
    ccol = next((c for c in cols if c in ("Cyc#", "Cycle C", "Cycle P")), None)
    scol = next((c for c in cols if c == "Step"), None)
    cyc = pd.to_numeric(df[ccol], errors="coerce").to_numpy(float) if ccol else None
    stp = pd.to_numeric(df[scol], errors="coerce").to_numpy(float) if scol else None
    return _finish(
        path.name, mass_mg=mass_mg, time_s=t - t[0],
        voltage_v=pd.to_numeric(df[volts_col], errors="coerce").to_numpy(float),
        current_ma=i, capacity_mah=q, cycle=cyc, program_step=stp, step_type=stype,
        timestamp=utc, start_time=iso,
        attrs={"instrument": "Maccor (text export)", "current_source": f"{amps_col} column",
               "procedure": meta.get("Procedure"), **extra},
    )


# ---------------------------------------------------------------------------------------
# Excel: LANHE/Landt and Arbin
# ---------------------------------------------------------------------------------------


def _xlsx_sheets(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return []
    return re.findall(r'<sheet[^>]*\bname="([^"]+)"', wb)


def _sniff_landt(path: Path, head: bytes) -> bool:
    names = _xlsx_sheets(path)
    return "Record" in names and ("Cycle" in names or "Mode" in names)


def _sniff_arbin_xlsx(path: Path, head: bytes) -> bool:
    names = _xlsx_sheets(path)
    return "Global_Info" in names and any(n.startswith("Channel") for n in names)


def _sheet_frame(wb: Any, sheet: str) -> pd.DataFrame:
    rows = wb[sheet].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return pd.DataFrame()
    data = [r for r in rows if any(x is not None for x in r)]
    return pd.DataFrame(data, columns=[str(h) if h is not None else "" for h in header])


@register_reader(".xlsx", technique="echem", sniff=_sniff_landt)
def read_landt_xlsx(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                    ) -> xr.Dataset:
    """Read a LANHE/Landt Excel export (sheets ``Record``, ``Mode``, ``Cycle``).

    ``TestTime/h`` becomes seconds; ``Current/mA`` and ``Capacity/mAh`` (reset at every
    step) are used as they are; in the old layout the table continues in headerless sheets
    ``Record1``, ``Record2``, ... (appended in order); ``State`` (R, D_CC, C_CC, ...)
    gives the step type. The export has no cycle column in ``Record``: cycles are derived
    (a cycle starts with each half cycle of the first direction), which reproduces the
    ``Cycle`` sheet. The active
    mass is the ratio of capacity to specific capacity in the ``Cycle`` sheet. The file has
    no absolute start time.
    """
    openpyxl = require("openpyxl", "xlsx", purpose="read Landt .xlsx files")
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rec = _sheet_frame(wb, "Record")
        # old layout: the record table continues in headerless sheets Record1, Record2, ...
        more = sorted((n for n in wb.sheetnames if re.fullmatch(r"Record\d+", n)),
                      key=lambda n: int(n[6:]))
        parts = [rec]
        for n in more:
            rows = [r for r in wb[n].iter_rows(values_only=True) if any(x is not None for x in r)]
            if rows and [str(x) for x in rows[0]] == list(rec.columns):
                rows = rows[1:]
            parts.append(pd.DataFrame([r[: len(rec.columns)] for r in rows],
                                      columns=rec.columns))
        rec = pd.concat(parts, ignore_index=True) if len(parts) > 1 else rec
        cyc = _sheet_frame(wb, "Cycle") if "Cycle" in wb.sheetnames else pd.DataFrame()
    finally:
        wb.close()
    needed = ("TestTime/h", "Voltage/V", "Current/mA")
    if any(c not in rec.columns for c in needed):
        missing = [c for c in needed if c not in rec.columns]
        raise CyclerDataError(f"{path.name}: Landt Record sheet lacks {', '.join(missing)}")
    file_mass = None
    if {"Discharge-Cap/mAh", "Discharge-SCap/mAh/g"} <= set(cyc.columns):
        cap = pd.to_numeric(cyc["Discharge-Cap/mAh"], errors="coerce").to_numpy(float)
        scap = pd.to_numeric(cyc["Discharge-SCap/mAh/g"], errors="coerce").to_numpy(float)
        ok = (cap > 0) & (scap > 0)
        if ok.any():
            file_mass = float(np.median(cap[ok] / scap[ok]) * 1000.0)
    state = rec["State"].astype(str).str.upper().str.strip() if "State" in rec else None
    stype = None
    if state is not None:
        stype = np.select(
            [state == "R", state.str.startswith("D_CC"), state.str.startswith("C_CC"),
             state.str.contains("CV")],
            ["rest", "cc_discharge", "cc_charge", "cv"], "").astype(object)
    t = pd.to_numeric(rec["TestTime/h"], errors="coerce").to_numpy(float) * 3600.0
    q = (pd.to_numeric(rec["Capacity/mAh"], errors="coerce").to_numpy(float)
         if "Capacity/mAh" in rec else None)
    return _finish(
        path.name, mass_mg=mass_mg, file_mass=file_mass,
        time_s=t, voltage_v=pd.to_numeric(rec["Voltage/V"], errors="coerce").to_numpy(float),
        current_ma=pd.to_numeric(rec["Current/mA"], errors="coerce").to_numpy(float),
        capacity_mah=q, step_type=stype,
        attrs={"instrument": "LANHE/Landt (xlsx export)", "current_source": "Current/mA column",
               "start_time_zone": "unknown: the export has no absolute start time"},
    )


def _sniff_neware_xlsx(path: Path, head: bytes) -> bool:
    names = _xlsx_sheets(path)
    return "record" in names and ("cycle" in names or "step" in names)


@register_reader(".xlsx", technique="echem", sniff=_sniff_neware_xlsx)
def read_neware_xlsx(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                     ) -> xr.Dataset:
    """Read a Neware BTSDA Excel export (sheets ``record``, ``step``, ``cycle``).

    The ``record`` sheet has the columns of the flat CSV export (``Cycle Index``, ``Step
    Index``, ``Step Type``, ``Time`` or ``Total Time`` as ``hh:mm:ss``, ``Current(A)`` or
    ``Current(mA)``, ``Voltage(V)``, ``Capacity(Ah)``/``Capacity(mAh)``, ``Date``); mapped
    as in :func:`read_cycler_csv`. Checked on generated workbooks with that layout only
    (no openly licensed Neware .xlsx was available).
    """
    openpyxl = require("openpyxl", "xlsx", purpose="read Neware .xlsx files")
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        df = _sheet_frame(wb, "record")
    finally:
        wb.close()
    if "Total Time" in df.columns and "Time" in df.columns:
        df = df.drop(columns=["Time"]).rename(columns={"Total Time": "Time"})
    for c in list(df.columns):
        if pd.api.types.is_object_dtype(df[c]) and len(df) and hasattr(df[c].iloc[0], "hour") \
                and not hasattr(df[c].iloc[0], "year"):
            # Excel time-of-day cells (datetime.time) -> "hh:mm:ss" strings
            df[c] = df[c].map(lambda x: x.strftime("%H:%M:%S.%f") if x is not None else x)
    return _frame_to_dataset(df, path.name, mass_mg=mass_mg, file_mass=None, tz=tz,
                             instrument="Neware BTSDA (xlsx export)")


@register_reader(".xlsx", technique="echem", sniff=_sniff_arbin_xlsx)
def read_arbin_xlsx(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                    ) -> xr.Dataset:
    """Read an Arbin MITS Pro Excel export (``Global_Info`` + ``Channel_<n>_<k>`` sheets).

    Current in A and capacities in A*h are converted; ``Date_Time`` strings are local time
    (give ``tz`` for timestamps).
    """
    openpyxl = require("openpyxl", "xlsx", purpose="read Arbin .xlsx files")
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = [s for s in wb.sheetnames if s.startswith("Channel")]
        df = pd.concat([_sheet_frame(wb, s) for s in sheets], ignore_index=True)
    finally:
        wb.close()
    cols = list(df.columns)
    qc = next((c for c in cols if c.startswith("Charge_Capacity")), None)
    qd = next((c for c in cols if c.startswith("Discharge_Capacity")), None)
    if "Date_Time" in cols:
        df = df.rename(columns={"Date_Time": "DateTime"})
    return _frame_to_dataset(
        df, path.name, mass_mg=mass_mg, file_mass=None, tz=tz,
        instrument="Arbin (xlsx export)", default_current_unit="A",
        capacity_cols=(qc, qd) if qc and qd else None, capacity_unit_scale=1e3,
    )


# ---------------------------------------------------------------------------------------
# Arbin .res (MS Access) and Neware .nda/.ndax: permissive third-party parsers
# ---------------------------------------------------------------------------------------


@register_reader(".res", technique="echem", requires="access_parser", extra="arbin")
def read_arbin_res(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                   ) -> xr.Dataset:
    """Read an Arbin MITS Pro ``.res`` file (an MS Access database).

    Uses the pure-Python ``access-parser`` (Apache-2.0; extra ``arbin``), no mdbtools.
    ``Channel_Normal_Table``: ``Test_Time`` (s), ``Voltage`` (V), ``Current`` (A),
    ``Charge_Capacity``/``Discharge_Capacity`` (A*h), ``Step_Index``, ``Cycle_Index``;
    ``DateTime`` is local time as OLE days (give ``tz`` for timestamps).
    """
    from access_parser import AccessParser

    try:
        db = AccessParser(str(path))
        table = db.parse_table("Channel_Normal_Table")
    except Exception as exc:  # the parser raises many types on foreign files
        raise CorruptFileError(f"{path.name}: not a readable Arbin .res database ({exc})") from exc
    if not table or "Test_Time" not in table:
        raise CorruptFileError(f"{path.name}: Arbin .res without a Channel_Normal_Table")
    df = pd.DataFrame({k: list(v) for k, v in table.items()})
    df = df.sort_values(["Test_ID", "Data_Point"] if "Test_ID" in df else "Data_Point",
                        kind="stable").reset_index(drop=True)
    return _frame_to_dataset(
        df, path.name, mass_mg=mass_mg, file_mass=None, tz=tz,
        instrument="Arbin (.res)", default_current_unit="A",
        capacity_cols=("Charge_Capacity", "Discharge_Capacity"), capacity_unit_scale=1e3,
    )


@register_reader(".nda", ".ndax", technique="echem", requires="NewareNDA", extra="neware")
def read_neware_nda(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                    ) -> xr.Dataset:
    """Read a Neware ``.nda`` or ``.ndax`` file with ``NewareNDA`` (BSD-3; extra ``neware``).

    Time from the ``Timestamp`` column (NewareNDA labels it UTC); current in mA;
    capacity = charge − discharge capacity (mA*h, reset at every step); ``Status``
    (CC_Chg, CC_DChg, CV_Chg, Rest, ...) gives the step type; ``Cycle`` and ``Step`` are
    the file's.
    """
    import NewareNDA

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = NewareNDA.read(str(path))
    except (ValueError, KeyError, IndexError, struct.error, zipfile.BadZipFile, EOFError,
            NotImplementedError) as exc:
        raise CorruptFileError(f"{path.name}: NewareNDA cannot read it ({exc})") from exc
    if len(df) == 0:
        raise CyclerDataError(f"{path.name}: the file has no data points")
    ts = pd.to_datetime(df["Timestamp"])
    t = np.asarray(df["Time"], float)
    if np.any(np.diff(t) < 0):
        # older files: "Time" is the step time; chain the steps (each starts where the
        # previous one ended)
        restart = np.zeros(t.size, bool)
        restart[1:] = np.diff(t) < 0
        seg = np.cumsum(restart)
        ends = np.append(np.flatnonzero(restart) - 1, t.size - 1)
        offset = np.concatenate([[0.0], np.cumsum(t[ends[:-1]])])
        t = t + offset[seg]
    utc = None
    iso = None
    extra: dict[str, str] = {}
    if ts.notna().all():
        if ts.dt.tz is None:
            iso, utc0, extra = _start_info(ts.iloc[0].to_pydatetime(), tz)
            if utc0 is not None:
                rel = (ts - ts.iloc[0]).dt.total_seconds().to_numpy(float)
                utc = utc0 + np.round(rel * 1e9).astype("timedelta64[ns]")
        else:
            utc_series = ts.dt.tz_convert("UTC").dt.tz_localize(None)
            rel = (utc_series - utc_series.iloc[0]).dt.total_seconds().to_numpy(float)
            if np.all(np.diff(rel) >= 0):
                t = rel
            utc = utc_series.to_numpy("datetime64[ns]")
            iso = ts.iloc[0].isoformat()
            extra = {"start_time_zone": "as labelled by NewareNDA (the instrument clock may be "
                                        "local time: check before aligning in-situ data)"}
    q = (np.asarray(df["Charge_Capacity(mAh)"], float)
         - np.asarray(df["Discharge_Capacity(mAh)"], float))
    return _finish(
        path.name, mass_mg=mass_mg,
        time_s=t, voltage_v=np.asarray(df["Voltage"], float),
        current_ma=np.asarray(df["Current(mA)"], float), capacity_mah=q,
        cycle=np.asarray(df["Cycle"], float), program_step=np.asarray(df["Step"], float),
        step_type=_map_types(df["Status"]), timestamp=utc, start_time=iso,
        attrs={"instrument": "Neware (.nda/.ndax via NewareNDA)",
               "current_source": "Current(mA) column", **extra},
    )
