"""Private helpers: pull half cycles out of a cycler Dataset (vectorised)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr

from charz._validation import check_choice
from charz.errors import MissingMetadataError
from echem.io import CyclerDataError, with_mass

Half = Literal["sodiation", "desodiation"]


@dataclass(frozen=True, slots=True, eq=False)
class HalfCycle:
    """One half cycle: capacity accumulated over its steps (mA*h/g), voltage, time, current."""

    cycle: int
    half: str
    capacity: np.ndarray  # mA*h/g, cumulative over the half cycle (starts at 0)
    voltage: np.ndarray  # V
    time: np.ndarray  # s
    current: np.ndarray  # mA


def source_name(ds: xr.Dataset) -> str:
    return str(ds.attrs.get("source", "")) or "cycler data"


def check_cycler(ds: xr.Dataset, *, mass_mg: float | None = None) -> xr.Dataset:
    """Validate the Dataset and make sure it has ``capacity`` in mA*h/g."""
    if not isinstance(ds, xr.Dataset):
        raise CyclerDataError(f"expected a cycler xarray.Dataset, got {type(ds).__name__}")
    name = source_name(ds)
    missing = [v for v in ("time", "voltage", "current") if v not in ds]
    if missing:
        raise CyclerDataError(
            f"{name}: cycler data lack {', '.join(missing)} (no {missing[0]} column?)"
        )
    if ds.sizes.get("record", 0) == 0:
        raise CyclerDataError(f"{name}: the cycler data have no points")
    if mass_mg is not None:
        ds = with_mass(ds, mass_mg, source="given", name=name)
    if "capacity" not in ds:
        raise MissingMetadataError(
            f"{name}: no specific capacity: the active mass is unknown; pass mass_mg= "
            "(or --mass MG on the command line)"
        )
    _warn_truncated_start(ds, name)
    return ds


#: a record whose first row already carries more than this fraction of its first step's
#: capacity (and more than 1 mA*h/g) starts inside that step (a truncated export)
TRUNCATED_START_FRACTION = 0.05


def _warn_truncated_start(ds: xr.Dataset, name: str) -> None:
    """Warn when the record starts inside a step that had already passed capacity."""
    if "step" not in ds:
        return
    cap = np.asarray(ds["capacity"].values, float)
    step = np.asarray(ds["step"].values)
    change = np.flatnonzero(step[1:] != step[:-1])
    n0 = int(change[0]) + 1 if change.size else cap.size
    carried = float(cap[0])
    top = float(np.nanmax(cap[:n0])) if n0 else 0.0
    if np.isfinite(carried) and carried > 1.0 and carried > TRUNCATED_START_FRACTION * top:
        import warnings

        from charz.errors import DataCleaningWarning

        warnings.warn(
            f"{name}: the record starts inside a step that had already passed "
            f"{carried:.4g} mA*h/g (the capacity at the first row, {carried / top:.0%} of "
            "that step): it is counted at the first row's voltage, so the first half "
            "cycle's profile, slope/plateau split and dQ/dV are not the whole half cycle",
            DataCleaningWarning, stacklevel=3)


def mass_flags(ds: xr.Dataset) -> tuple[str, ...]:
    """``("assumed:mass",)`` when the specific capacity rests on an assumed active mass.

    A mass the user gave (``active_mass_source`` ``"given"``) or the file states
    (``"file header"``) is not assumed; any other source (a reader's default, a placeholder
    it had to accept) is, and every capacity computed with it carries the flag.
    """
    from charz.flags import assumed

    src = str(ds.attrs.get("active_mass_source", "given"))
    return () if src in ("given", "user", "file header", "file") else (assumed("mass"),)


def row_increments(ds: xr.Dataset) -> np.ndarray:
    """Capacity passed at each row (mA*h/g), from the per-step capacity."""
    cap = np.asarray(ds["capacity"].values, float)
    step = np.asarray(ds["step"].values)
    prev = np.empty_like(cap)
    prev[0] = 0.0
    prev[1:] = cap[:-1]
    starts = np.ones(cap.size, bool)
    starts[1:] = step[1:] != step[:-1]
    prev[starts] = 0.0
    return np.clip(cap - prev, 0.0, None)


def direction_mask(ds: xr.Dataset, half: Half) -> np.ndarray:
    i = np.asarray(ds["current"].values, float)
    stype = np.asarray(ds["step_type"].values).astype(str)
    active = stype != "rest"
    if half == "sodiation":
        return active & (i < 0)
    if half == "desodiation":
        return active & (i > 0)
    check_choice("half", half, ("sodiation", "desodiation"))
    raise AssertionError(half)  # pragma: no cover - check_choice raised


def cycles_with(ds: xr.Dataset, half: Half) -> np.ndarray:
    """Cycle indices that have data of this half."""
    mask = direction_mask(ds, half)
    return np.unique(np.asarray(ds["cycle"].values)[mask])


def first_full_cycle(ds: xr.Dataset) -> int:
    """The first cycle that has both a sodiation and a desodiation half."""
    both = np.intersect1d(cycles_with(ds, "sodiation"), cycles_with(ds, "desodiation"))
    if both.size == 0:
        raise CyclerDataError(
            f"{source_name(ds)}: no cycle has both a sodiation (current < 0) and a "
            "desodiation (current > 0) half"
        )
    return int(both[0])


def full_cycles(ds: xr.Dataset) -> np.ndarray:
    """Cycles that have both a sodiation and a desodiation half."""
    return np.intersect1d(cycles_with(ds, "sodiation"), cycles_with(ds, "desodiation"))


def default_cycle(ds: xr.Dataset, half: Half) -> int:
    """The cycle an analysis of ``half`` uses by default.

    The first cycle with both halves; when the record has none (an over-sodiation test
    that was never charged, a first cycle cut before its desodiation), the first cycle
    that has ``half``.

    Raises
    ------
    CyclerDataError
        No cycle has data of ``half``.
    """
    both = full_cycles(ds)
    if both.size:
        return int(both[0])
    have = cycles_with(ds, half)
    if have.size:
        return int(have[0])
    sign = "<" if half == "sodiation" else ">"
    raise CyclerDataError(f"{source_name(ds)}: no {half} (current {sign} 0) data")


def half_cycle(ds: xr.Dataset, cycle: int, half: Half) -> HalfCycle:
    """Rows of one half cycle with the capacity accumulated over all its steps."""
    mask = direction_mask(ds, half) & (np.asarray(ds["cycle"].values) == cycle)
    if not mask.any():
        have = cycles_with(ds, half)
        raise CyclerDataError(
            f"{source_name(ds)}: cycle {cycle} has no {half} data "
            f"(cycles with {half}: {', '.join(map(str, have[:20])) or 'none'})"
        )
    inc = row_increments(ds)[mask]
    q = np.cumsum(inc)
    return HalfCycle(
        int(cycle), half, q,
        np.asarray(ds["voltage"].values, float)[mask],
        np.asarray(ds["time"].values, float)[mask],
        np.asarray(ds["current"].values, float)[mask],
    )
