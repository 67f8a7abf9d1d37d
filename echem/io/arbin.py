"""Arbin: MITS Pro ``.xlsx`` exports and ``.res`` databases (via access-parser)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import register_reader, require
from echem.io._excel import _sheet_frame, _sniff_arbin_xlsx
from echem.io._tables import _frame_to_dataset


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
