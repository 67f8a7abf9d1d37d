"""Column mapping of cycler tables (generic, Arbin, Neware, Novonix): names, units, times."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from charz.errors import OptionError
from charz.io import decode_text
from echem.io._dataset import CyclerDataError, _finish, _ole_to_datetime, _start_info

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
            raise OptionError(f"{name}: current_unit= got {unit!r}; expected one of 'mA', "
                              "'A', 'uA'")
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
