"""LANHE/Landt ``.xlsx`` exports (new layout and the old one with continuation sheets)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from charz.io import register_reader, require
from echem.io._dataset import CyclerDataError, _finish
from echem.io._excel import _sheet_frame, _sniff_landt


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
