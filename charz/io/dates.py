"""One date/time parser for every reader (and for series alignment).

Instruments write times as ISO-8601 (with or without an offset, up to 7 fractional digits),
``DD.MM.YYYY HH:MM:SS`` (LabSpec, German locales), ``MM/DD/YY HH:MM:SS`` (Bruker, Rigaku),
``DD-Mon-YYYY``, ``YYYY/MM/DD`` and 12-hour clocks. Most instrument clocks carry no time
zone: such values are kept **naive** (local wall time) and flagged as zone-less, never
silently taken as UTC; values with an offset (or with a ``tz`` from the user) are converted
to UTC.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from charz.errors import MissingMetadataError

__all__ = [
    "DATETIME_FORMATS",
    "datetime64_utc",
    "iso_datetime",
    "parse_datetime",
    "to_utc",
]

#: Vendor layouts tried after ISO-8601, month-first before day-first for ``/`` dates.
DATETIME_FORMATS: tuple[str, ...] = (
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%y %H:%M:%S", "%d.%m.%Y",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M",
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d %H:%M:%S",
    "%d/%b/%Y %H:%M:%S", "%d/%b/%Y %H:%M", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y %H:%M",
    "%d %b %Y %H:%M:%S", "%b %d %Y %H:%M:%S", "%a %b %d %H:%M:%S %Y", "%Y%m%d %H%M%S",
)
_DAYFIRST_SWAP = {"%m/%d/%Y": "%d/%m/%Y", "%m/%d/%y": "%d/%m/%y"}

_OFFSET_RE = re.compile(r"^[+-]\d\d:?\d\d$")


def _tzinfo(tz: str | _dt.tzinfo) -> _dt.tzinfo:
    """``"+01:00"``, ``"UTC"``, ``"Europe/Berlin"`` or a tzinfo -> tzinfo."""
    if isinstance(tz, _dt.tzinfo):
        return tz
    t = str(tz).strip()
    if t.upper() in ("UTC", "Z", "GMT"):
        return _dt.UTC
    if _OFFSET_RE.match(t):
        sign = -1 if t[0] == "-" else 1
        hh, mm = int(t[1:3]), int(t[-2:])
        return _dt.timezone(sign * _dt.timedelta(hours=hh, minutes=mm))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(t)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MissingMetadataError(
            f"time zone {tz!r} is not understood; give an IANA name such as "
            "'Europe/Berlin' or an offset such as '+01:00'") from exc


def _formats(dayfirst: bool | None, extra: Sequence[str]) -> list[str]:
    base = list(extra) + list(DATETIME_FORMATS)
    if dayfirst:
        out = []
        for f in base:
            head, _, tail = f.partition(" ")
            swapped = _DAYFIRST_SWAP.get(head)
            out.append(f"{swapped} {tail}".strip() if swapped else f)
        return out
    return base


def _parse_naive_or_aware(text: str, dayfirst: bool | None,
                          formats: Sequence[str]) -> _dt.datetime:
    t = text.strip().strip('"').strip("'").strip()
    iso = t.replace("Z", "+00:00") if t.endswith("Z") else t
    iso = re.sub(r"(\.\d{6})\d+", r"\1", iso)  # 7 fractional digits (Bruker, .NET)
    iso = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", iso)  # +0100 -> +01:00
    try:
        return _dt.datetime.fromisoformat(iso)
    except ValueError:
        pass
    for fmt in _formats(dayfirst, formats):
        try:
            d = _dt.datetime.strptime(t, fmt)
        except ValueError:
            continue
        return d
    if dayfirst is None:  # 25/12/2024: only day-first fits
        for fmt in _formats(True, formats):
            try:
                return _dt.datetime.strptime(t, fmt)
            except ValueError:
                continue
    raise ValueError(f"unrecognised date/time {text!r}")


def parse_datetime(value: Any, *, tz: str | _dt.tzinfo | None = None,
                   dayfirst: bool | None = None,
                   formats: Sequence[str] = ()) -> _dt.datetime:
    """Parse a timestamp written by an instrument.

    Parameters
    ----------
    value : str, datetime, numpy.datetime64
        The timestamp.
    tz : str or tzinfo, optional
        Zone of zone-less values (``"Europe/Berlin"``, ``"+01:00"``, ``"UTC"``).
    dayfirst : bool, optional
        Read ``01/02/2024`` as 1 February (True) or 2 January (False). None: month-first,
        unless only day-first fits (``25/12/2024``).
    formats : sequence of str
        ``strptime`` layouts to try before the built-in ones (:data:`DATETIME_FORMATS`).

    Returns
    -------
    datetime.datetime
        Aware and in UTC when the value states a zone or ``tz`` is given; otherwise naive
        (the instrument's wall-clock time; ``d.tzinfo is None`` is the zone-less flag).

    Raises
    ------
    ValueError
        The value is not a date/time in any known layout.
    """
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError("NaT is not a time")
        d = _dt.datetime.fromisoformat(str(np.datetime_as_string(value, unit="us")))
    elif isinstance(value, _dt.datetime):
        d = value
    elif isinstance(value, _dt.date):
        d = _dt.datetime(value.year, value.month, value.day)
    else:
        if value is None or not str(value).strip():
            raise ValueError("empty date/time")
        d = _parse_naive_or_aware(str(value), dayfirst, formats)
    if d.tzinfo is None and tz is not None:
        d = d.replace(tzinfo=_tzinfo(tz))
    if d.tzinfo is not None:
        d = d.astimezone(_dt.UTC)
    return d


def iso_datetime(value: Any, *, dayfirst: bool | None = None,
                 formats: Sequence[str] = ()) -> str | None:
    """Normalise a file's timestamp to an ISO-8601 string for ``attrs``.

    Parameters
    ----------
    value : str or None
    dayfirst : bool, optional
        See :func:`parse_datetime`.
    formats : sequence of str
        Extra ``strptime`` layouts.

    Returns
    -------
    str or None
        ISO-8601 (an offset kept as written, no zone added to zone-less values); the text
        unchanged when it is not a recognised layout; None for an empty value.
    """
    if value is None:
        return None
    text = str(value).strip().strip('"').strip()
    if not text:
        return None
    try:
        d = _parse_naive_or_aware(text, dayfirst, formats)
    except ValueError:
        return text
    return d.isoformat()


def datetime64_utc(value: Any, *, tz: str | _dt.tzinfo | None = None,
                   dayfirst: bool | None = None) -> tuple[np.datetime64, bool]:
    """A timestamp as ``datetime64[ns]`` with a flag saying whether its zone is known.

    Parameters
    ----------
    value : str, datetime, datetime64 or None
    tz : str or tzinfo, optional
        Zone of zone-less values.
    dayfirst : bool, optional
        See :func:`parse_datetime`.

    Returns
    -------
    (numpy.datetime64, bool)
        UTC and True when the zone is known (from the value or ``tz``); the naive wall
        time and False when it is not; NaT and False when the value is empty or not a time.
    """
    try:
        d = parse_datetime(value, tz=tz, dayfirst=dayfirst)
    except (ValueError, OverflowError):
        return np.datetime64("NaT", "ns"), False
    zoned = d.tzinfo is not None
    return np.datetime64(d.replace(tzinfo=None), "ns"), zoned


def to_utc(value: Any, *, tz: str | _dt.tzinfo | None = None) -> np.datetime64:
    """Parse a timestamp to naive-UTC ``datetime64[ns]``; zone-less values need ``tz``.

    Parameters
    ----------
    value : str, datetime, datetime64
    tz : str or tzinfo, optional
        Zone of zone-less values (``"Europe/Berlin"`` or ``"+01:00"``).

    Returns
    -------
    numpy.datetime64

    Raises
    ------
    MissingMetadataError
        The value has no zone and ``tz`` is not given: local-time strings of instruments
        carry no zone, and guessing shifts alignment by hours.
    ValueError
        Not a date/time.
    """
    d = parse_datetime(value, tz=tz)
    if d.tzinfo is None:
        raise MissingMetadataError(
            f"timestamp {value!r} has no time zone; give tz= (e.g. 'Europe/Berlin' or "
            "'+01:00') so that frames and cycler data can be aligned"
        )
    return np.datetime64(d.replace(tzinfo=None), "ns")
