"""BioLogic EC-Lab/BT-Lab: text ``.mpt`` and binary ``.mpr`` (charz's own clean-room reader)."""

from __future__ import annotations

import re
import struct
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import decode_text, parse_datetime, register_reader
from echem.io._dataset import (
    CyclerDataError,
    _finish,
    _mass_from_text,
    _ole_to_datetime,
    _start_info,
    _timestamps,
)

# ---------------------------------------------------------------------------------------
# BioLogic EC-Lab .mpt (text)
# ---------------------------------------------------------------------------------------

_EC_MODE = {1: "cc", 2: "cv", 3: "rest"}


def _sniff_mpt(path: Path, head: bytes) -> bool:
    return head.lstrip().startswith((b"EC-Lab ASCII FILE", b"BT-Lab ASCII FILE"))


#: EC-Lab's layouts with fractional seconds, tried before the toolkit's built-in ones.
_EC_FORMATS = ("%m/%d/%Y %H:%M:%S.%f", "%d.%m.%Y %H:%M:%S.%f")


def _parse_ec_datetime(text: str) -> datetime | None:
    """``Acquisition started on`` (local wall time, no zone) via :func:`charz.io.parse_datetime`."""
    try:
        return parse_datetime(text.strip(), formats=_EC_FORMATS)
    except ValueError:
        return None


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
            f"{', '.join(map(str, unknown))} that charz cannot decode yet; "
            + ("ID 32 is the frequency (freq/Hz) of an impedance (PEIS/GEIS) technique, not "
               "cycling data; charz.echem reads cycling techniques (GCPL, MB, CV, OCV)"
               if 32 in unknown else
               "export the file as .mpt from EC-Lab (Export as text) and read that")
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
