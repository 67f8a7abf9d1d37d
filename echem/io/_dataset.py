"""The cycler Dataset builder shared by every reader (the contract in :mod:`echem.io`)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from charz.errors import CharzError, CharzWarning, PhysicsWarning
from charz.io import split_number_unit

#: Above this specific capacity (mA*h/g) a mass is considered wrong (Li metal: 3860).
MAX_SPECIFIC_CAPACITY = 5000.0

_OLE_EPOCH = datetime(1899, 12, 30)


class CyclerDataError(CharzError, ValueError):
    """Cycler data or their parameters are unusable (no current, empty cycle, bad mass)."""


# public home (echem.io, re-exported by echem): the docs and tracebacks name it there
CyclerDataError.__module__ = "echem.io"


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


def _mass_from_text(value: str) -> float | None:
    """Active mass in mg from header text (``"2.000 mg"``, ``"0,001 g"``; bare numbers: mg)."""
    try:
        num, unit = split_number_unit(value)
    except ValueError:
        return None
    scale = {"": 1.0, "mg": 1.0, "g": 1000.0, "µg": 1e-3, "ug": 1e-3, "kg": 1e6}.get(unit.lower())
    if scale is None or not math.isfinite(num):
        return None
    return num * scale


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
