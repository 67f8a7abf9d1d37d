"""Maccor text exports (``Today's Date``/``Rec#`` and ``Name:``/``Rec`` variants, any suffix)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import register_reader
from echem.io._dataset import CyclerDataError, _finish, _start_info, _timestamps
from echem.io._tables import _norm, _parse_duration

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
