"""Neware: BTSDA nested ("regular") CSV and ``.xlsx`` exports; ``.nda``/``.ndax`` via NewareNDA."""

from __future__ import annotations

import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import decode_text, register_reader, require
from echem.io._dataset import CyclerDataError, _finish, _start_info
from echem.io._excel import _sheet_frame, _xlsx_sheets
from echem.io._tables import _frame_to_dataset, _map_types


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
