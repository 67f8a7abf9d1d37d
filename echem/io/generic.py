"""Cycler tables in CSV: generic, Arbin (MITS Pro export) and Neware BTSDA flat exports."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from charz.io import register_reader
from echem.io._dataset import _mass_from_text
from echem.io._tables import (
    _frame_to_dataset,
    _header_kv,
    _norm,
    _read_csv_text,
    _sniff_cycler_csv,
)


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
