"""One call for the record keys of a cycler file (what ``charz echem`` and ``charz report`` run).

:func:`analyse` reads a file (or takes a cycler Dataset) and returns the analysis results
whose ``descriptors()`` fill the echem record keys: ``reversible_capacity`` and
``initial_coulombic_efficiency`` (:func:`~echem.capacity.cycle_capacities`),
``slope_capacity``/``plateau_capacity`` (:func:`~echem.capacity.slope_plateau`),
``plating_onset_capacity`` when the sodiation goes below 0 V
(:func:`~echem.plating.plating_onset`, plus the stripping check), and ``rate_response``
when a 1 C basis is given.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz._validation import check_choice
from charz.errors import CharzError, CharzWarning, FitError
from echem.io import CyclerDataError

__all__ = ["analyse"]


def analyse(
    data: str | Path | xr.Dataset,
    *,
    mass_mg: float | None = None,
    split_voltage: float = 0.1,
    cycle: int | None = None,
    oversodiation: Literal["auto", "yes", "no"] = "auto",
    smooth_mah_g: float = 10.0,
    one_c_ma_g: float | None = None,
    tz: str | None = None,
) -> list[Any]:
    """Standard echem analyses of one cycler record.

    Parameters
    ----------
    data : path or xarray.Dataset
        A cycler file (read with ``charz.read(..., technique="echem")``) or its Dataset.
    mass_mg : float, optional
        Active mass in mg (overrides the file's).
    split_voltage : float
        Slope/plateau split in V vs Na⁺/Na (0.1 V).
    cycle : int, optional
        Cycle of ``reversible_capacity`` and of the split (default: first full cycle).
    oversodiation : {'auto', 'yes', 'no'}
        Plating onset: ``auto`` when the sodiation goes below 0 V (a missing inflection
        then only warns), ``yes`` required (FitError if none), ``no`` skipped.
    smooth_mah_g : float
        Smoothing length of the over-sodiation curve (mA*h/g; Savitzky–Golay).
    one_c_ma_g : float, optional
        1 C in mA/g: adds the rate response of a rate test.
    tz : str, optional
        Time zone of local time stamps in the file.

    Returns
    -------
    list
        Result objects with ``descriptors()`` and ``plot()``. A partial record (only a
        sodiation, e.g. an over-sodiation test that was never charged, or a first cycle
        without its desodiation) gives what its data determine: slope/plateau capacities,
        the plating onset and the per-cycle table; ``initial_coulombic_efficiency`` and
        ``reversible_capacity`` are left out with a note.

    Raises
    ------
    CyclerDataError
        No sodiation or desodiation data at all (nothing to analyse).

    Warns
    -----
    CharzWarning
        ``oversodiation="auto"``: the curve goes below 0 V but has no inflection; a value
        left out of a partial record (one note each).
    """
    from echem.capacity import cycle_capacities, rate_response_from_cycler, slope_plateau
    from echem.dqdv import stripping_peak
    from echem.plating import plating_onset

    if isinstance(data, xr.Dataset):
        ds = data
    else:
        import charz

        opts: dict[str, Any] = {}
        if mass_mg is not None:
            opts["mass_mg"] = mass_mg
        if tz is not None:
            opts["tz"] = tz
        ds = charz.read(data, technique="echem", **opts)
        mass_mg = None  # already applied by the reader
    oversodiation = check_choice("oversodiation", oversodiation, ("auto", "yes", "no"))
    caps = cycle_capacities(ds, cycle=cycle, mass_mg=mass_mg)
    ds = caps.data  # the mass is applied once
    mass_mg = None
    for note in caps.notes:
        warnings.warn(note, CharzWarning, stacklevel=2)
    results: list[Any] = [caps]
    try:
        results.append(slope_plateau(ds, split_voltage=split_voltage, cycle=cycle))
    except CyclerDataError as exc:
        if cycle is not None:
            raise
        warnings.warn(f"slope_capacity and plateau_capacity left out: {exc}", CharzWarning,
                      stacklevel=2)
    v = np.asarray(ds["voltage"].values, float)
    i = np.asarray(ds["current"].values, float)
    below_zero = bool(np.any((v < 0) & (i < 0)))
    if oversodiation == "yes" or (oversodiation == "auto" and below_zero):
        try:
            onset = plating_onset(ds, smooth_mah_g=smooth_mah_g, mass_mg=mass_mg)
        except FitError as exc:
            if oversodiation == "yes":
                raise
            warnings.warn(f"no plating onset: {exc}", CharzWarning, stacklevel=2)
        else:
            results.append(onset)
            try:
                results.append(stripping_peak(ds, cycle=onset.cycle, mass_mg=mass_mg))
            except CharzError:
                pass  # no desodiation after the over-sodiation
    if one_c_ma_g is not None:
        results.append(rate_response_from_cycler(ds, one_c_ma_g=one_c_ma_g, mass_mg=mass_mg))
    return results
