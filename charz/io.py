"""Reader registry: ``charz.read(path)`` dispatches to readers that technique packages register.

Modelled on xarray's backend entry points: readers register by suffix (case ignored), readers
of shared suffixes (``.txt``, ``.csv``, ``.dat``) also give a ``sniff`` function that looks
at the first bytes; if several still fit, :func:`read` raises and lists them, as xarray's
``guess_can_open`` does. The technique packages are imported on first use (never at
``import charz``). Shared helpers for text formats live here too: every real-world text
export has the same traps (BOMs, cp1252, decimal commas).
"""

from __future__ import annotations

import bz2
import gzip
import importlib
import io as _io
import re
import struct
import threading
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from charz.errors import (
    AmbiguousFormatError,
    CharzError,
    CorruptFileError,
    MissingDependencyError,
    ReadError,
    UnknownFormatError,
)

__all__ = [
    "TECHNIQUES",
    "ReaderSpec",
    "TextTable",
    "decode_text",
    "load_plugins",
    "parse_number",
    "read",
    "read_text_table",
    "readers",
    "register_reader",
    "require",
]

#: Technique packages, imported on first use of the registry.
TECHNIQUES: tuple[str, ...] = ("xrd", "raman", "saxs", "sorption", "echem")

SniffFn = Callable[[Path, bytes], bool]
HEAD_BYTES = 8192


@dataclass(frozen=True, slots=True)
class ReaderSpec:
    """A registered reader.

    Attributes
    ----------
    name : str
        ``module.function`` of the reader (recorded as ``attrs["reader"]``).
    func : callable
        ``func(path: Path, **options) -> xr.DataArray | xr.Dataset``.
    suffixes : tuple of str
        Lower-case suffixes with the dot (``.xrdml``); ``.xye.bz2`` style double suffixes
        are allowed.
    technique : str
        ``xrd``, ``raman``, ``saxs``, ``sorption``, ``echem``.
    sniff : callable or None
        ``sniff(path, head) -> bool`` on the first 8 KiB; None accepts every file with the
        suffix.
    requires : str or None
        Import name of an optional dependency (``"pyFAI"``), checked before the call.
    extra : str or None
        The pip extra that installs it (``"pyfai"``), named in the error.
    """

    name: str
    func: Callable[..., Any]
    suffixes: tuple[str, ...]
    technique: str
    sniff: SniffFn | None = None
    requires: str | None = None
    extra: str | None = None


_REGISTRY: list[ReaderSpec] = []
_PLUGINS_LOADED = False
_LOCK = threading.RLock()


def register_reader(
    *suffixes: str,
    technique: str,
    sniff: SniffFn | None = None,
    requires: str | None = None,
    extra: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a reader function for file suffixes (decorator).

    Parameters
    ----------
    *suffixes : str
        File suffixes with the dot, any case (``".xy"``, ``".XRDML"``).
    technique : str
        Technique the reader belongs to.
    sniff : callable, optional
        ``sniff(path, head_bytes) -> bool``; needed when the suffix is shared
        (``.txt``, ``.csv``, ``.dat``), and used for content sniffing of unknown suffixes.
    requires, extra : str, optional
        Optional dependency the reader imports, and the pip extra that installs it.

    Examples
    --------
    >>> @register_reader(".xy", ".xye", technique="xrd")  # doctest: +SKIP
    ... def read_xy(path: Path) -> xr.DataArray: ...
    """
    if not suffixes:
        raise ValueError("register_reader needs at least one suffix")
    norm = tuple(s.lower() if s.startswith(".") else "." + s.lower() for s in suffixes)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        name = f"{func.__module__}.{func.__qualname__}"
        spec = ReaderSpec(name, func, norm, technique, sniff, requires, extra)
        with _LOCK:
            _REGISTRY[:] = [r for r in _REGISTRY if r.name != name]
            _REGISTRY.append(spec)
        return func

    return decorate


def load_plugins() -> None:
    """Import the technique packages so that their readers and descriptor keys register."""
    global _PLUGINS_LOADED
    with _LOCK:
        if _PLUGINS_LOADED:
            return
        _PLUGINS_LOADED = True
        for name in TECHNIQUES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:  # the package exists but one of its imports is missing
                    raise


def readers(technique: str | None = None) -> list[ReaderSpec]:
    """Registered readers (of one technique, or all)."""
    load_plugins()
    return [r for r in _REGISTRY if technique is None or r.technique == technique]


def _suffix_matches(path: Path, spec: ReaderSpec) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in spec.suffixes)


def require(module: str, extra: str | None = None, *, purpose: str = "") -> Any:
    """Import an optional dependency or raise :class:`MissingDependencyError` naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        what = f" to {purpose}" if purpose else ""
        hint = f"pip install 'charz-carbon[{extra}]'" if extra else f"pip install {module}"
        raise MissingDependencyError(
            f"{module} is needed{what} but is not installed ({exc}); install it with: {hint}"
        ) from None


def _head(path: Path) -> bytes:
    opener: Callable[..., Any] = open
    lower = path.name.lower()
    if lower.endswith(".bz2"):
        opener = bz2.open
    elif lower.endswith(".gz"):
        opener = gzip.open
    with opener(path, "rb") as fh:
        return fh.read(HEAD_BYTES)


def _candidates(path: Path, technique: str | None, head: bytes) -> list[ReaderSpec]:
    pool = readers(technique)
    by_suffix = [r for r in pool if _suffix_matches(path, r)]
    if by_suffix:
        sniffed = [r for r in by_suffix if r.sniff is not None and _safe_sniff(r, path, head)]
        plain = [r for r in by_suffix if r.sniff is None]
        if sniffed:
            # a positive sniff is stronger evidence than a bare suffix match
            return sniffed
        return plain
    # unknown suffix: content sniffing over every reader that can sniff
    return [r for r in pool if r.sniff is not None and _safe_sniff(r, path, head)]


def _safe_sniff(spec: ReaderSpec, path: Path, head: bytes) -> bool:
    try:
        assert spec.sniff is not None
        return bool(spec.sniff(path, head))
    except Exception:  # a sniffer must never break dispatch
        return False


_WRAPPED = (
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    UnicodeError,
    EOFError,
    OSError,
    zipfile.BadZipFile,
    ET.ParseError,
    AttributeError,
    OverflowError,
)


def read(path: str | Path, *, technique: str | None = None, **options: Any) -> Any:
    """Read an instrument file into an xarray object.

    Parameters
    ----------
    path : str or Path
        The file.
    technique : {'xrd', 'raman', 'saxs', 'sorption', 'echem'}, optional
        Restrict dispatch to one technique's readers (needed when a ``.txt`` or ``.csv``
        could be several things).
    **options
        Passed to the reader (e.g. ``wavelength=0.15406`` for a file without one).

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        With ``attrs["source"]`` (file name), ``attrs["sha256"]`` and ``attrs["reader"]``
        set for provenance.

    Raises
    ------
    ReadError
        ``UnknownFormatError`` when no reader fits, ``AmbiguousFormatError`` when several
        do, ``CorruptFileError`` when the chosen reader fails on the content; each names
        the file.
    MissingDependencyError
        The reader needs an optional extra that is not installed.
    """
    from charz.record import file_sha256

    path = Path(path)
    if technique is not None and technique not in TECHNIQUES:
        raise ReadError(
            f"{path.name}: technique {technique!r} is not one of {', '.join(TECHNIQUES)}"
        )
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(f"{path}: is a folder; give a file (series readers take folders)")
    try:
        head = _head(path)
    except OSError as exc:
        raise ReadError(f"{path.name}: cannot open ({exc})") from None
    if not head:
        raise CorruptFileError(f"{path.name}: the file is empty")
    found = _candidates(path, technique, head)
    if not found:
        known = sorted({s for r in readers(technique) for s in r.suffixes})
        scope = f" for {technique}" if technique else ""
        raise UnknownFormatError(
            f"{path.name}: no reader{scope} recognises this file (by suffix or content); "
            f"known suffixes: {' '.join(known)}"
        )
    if len(found) > 1:
        names = ", ".join(f"{r.name} ({r.technique})" for r in found)
        raise AmbiguousFormatError(
            f"{path.name}: several readers fit ({names}); pass technique=... "
            "(or --technique on the command line)"
        )
    spec = found[0]
    if spec.requires:
        require(spec.requires, spec.extra, purpose=f"read {path.name}")
    try:
        data = spec.func(path, **options)
    except CharzError:
        raise
    except _WRAPPED as exc:
        kind = type(exc).__name__
        if type(exc).__module__ not in ("builtins", "__main__"):
            kind = f"{type(exc).__module__}.{kind}"
        raise CorruptFileError(
            f"{path.name}: not a valid file for {spec.name} "
            f"({kind}: {exc}); the file may be truncated or of another format"
        ) from exc
    data.attrs.setdefault("source", path.name)
    data.attrs["sha256"] = file_sha256(path)
    data.attrs["reader"] = spec.name
    data.attrs.setdefault("technique", spec.technique)
    return data


# ---------------------------------------------------------------------------------------
# Shared text helpers (FIELD-NOTES §5.7: read bytes, try UTF-8 (BOM stripped), fall back to
# cp1252; sniff decimal commas; never rely on line endings)
# ---------------------------------------------------------------------------------------


def decode_text(raw: bytes, *, name: str = "") -> str:
    """Decode file bytes: UTF-8 (a BOM stripped), else cp1252, else Latin-1."""
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


_NUM = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?"
_NUM_RE = re.compile(rf"^\s*{_NUM}\s*$")


def parse_number(text: str, *, decimal: str = ".") -> float:
    """Parse a number written with ``.`` or ``,`` as the decimal mark (ValueError if not)."""
    t = text.strip()
    if decimal == ",":
        t = t.replace(".", "").replace(",", ".") if t.count(",") == 1 else t.replace(",", ".")
    return float(t)


@dataclass(frozen=True, slots=True)
class TextTable:
    """A numeric table parsed from a text export.

    Attributes
    ----------
    data : ndarray
        2-D float array (rows × columns).
    columns : list of str
        Column names from the last header line that has as many fields as the table (else
        empty strings).
    header : dict
        ``key -> value`` pairs found in the header (``#Key=value``, ``# key: value``,
        ``key,value`` ...), keys stripped of ``#`` and spaces.
    header_lines : list of str
        Every non-numeric line before the table.
    decimal : str
        Decimal mark detected (``.`` or ``,``).
    delimiter : str or None
        Field separator detected (None = whitespace).
    """

    data: np.ndarray
    columns: list[str]
    header: dict[str, str]
    header_lines: list[str]
    decimal: str
    delimiter: str | None


_KV_RE = re.compile(r"^[#;!%*\s]*([^=:\t]+?)\s*(?:=|:\s|:\t|\t|:$)\s*(.*?)\s*$")


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return [f.strip() for f in line.split(delimiter)]


def _guess_layout(lines: Sequence[str]) -> tuple[str | None, str]:
    """Guess (delimiter, decimal) from lines that look numeric."""
    sample = [ln for ln in lines if ln.strip() and ln.strip()[0] in "+-.0123456789"][:50]
    best: tuple[int, str | None, str] = (-1, None, ".")
    for delim, dec in ((None, "."), ("\t", "."), (",", "."), (";", "."), (";", ","),
                       ("\t", ","), (None, ",")):
        counts = []
        for ln in sample:
            fields = [f for f in _split(ln, delim) if f != ""]
            try:
                [parse_number(f, decimal=dec) for f in fields]
            except ValueError:
                counts.append(0)
                continue
            counts.append(len(fields))
        if not counts:
            continue
        n = min(counts)
        if n >= 1 and len(set(counts)) == 1 and n > best[0]:
            best = (n, delim, dec)
    return best[1], best[2]


def read_text_table(
    path: str | Path,
    *,
    min_columns: int = 2,
    delimiter: str | None = "auto",
    decimal: str = "auto",
    text: str | None = None,
) -> TextTable:
    """Parse a text export: header lines, then a numeric table.

    Handles BOMs, cp1252, comment characters (``#``, ``;``, ``!``, ``%``), whitespace, tab,
    comma or semicolon separators and decimal commas; trailing non-numeric lines end the
    table. Header ``key=value`` / ``key: value`` / ``key<TAB>value`` lines are collected.

    Raises
    ------
    CorruptFileError
        No numeric table with at least ``min_columns`` columns.
    """
    path = Path(path)
    if text is None:
        opener: Callable[..., Any] = open
        if path.name.lower().endswith(".bz2"):
            opener = bz2.open
        elif path.name.lower().endswith(".gz"):
            opener = gzip.open
        with opener(path, "rb") as fh:
            text = decode_text(fh.read(), name=path.name)
    lines = text.splitlines()
    if delimiter == "auto" or decimal == "auto":
        g_delim, g_dec = _guess_layout(lines)
        delimiter = g_delim if delimiter == "auto" else delimiter
        decimal = g_dec if decimal == "auto" else decimal

    header_lines: list[str] = []
    rows: list[list[float]] = []
    ncol = None
    started = False
    for ln in lines:
        s = ln.strip()
        if not s:
            if started:
                continue
            continue
        fields = [f for f in _split(s, delimiter) if f != ""]
        try:
            vals = [parse_number(f, decimal=decimal) for f in fields]
        except ValueError:
            vals = None
        if vals is not None and len(vals) >= min_columns and s[0] not in "#;!%*":
            if ncol is None:
                ncol = len(vals)
            if len(vals) != ncol:
                if started and len(vals) < ncol:
                    break
                vals = vals[:ncol]
            rows.append(vals)
            started = True
        elif started:
            break  # a footer ends the table
        else:
            header_lines.append(ln)
    if not rows or ncol is None:
        raise CorruptFileError(
            f"{path.name}: no numeric table with at least {min_columns} columns was found"
        )
    data = np.asarray(rows, dtype=float)
    header: dict[str, str] = {}
    columns: list[str] = [""] * ncol
    for ln in header_lines:
        m = _KV_RE.match(ln)
        if m and m.group(2):
            header.setdefault(m.group(1).strip(), m.group(2).strip())
        names = [f.strip().strip('"') for f in _split(ln.lstrip("#;!% "), delimiter) if f.strip()]
        if len(names) == ncol:
            columns = names
    return TextTable(data, columns, header, header_lines, decimal, delimiter)


def text_head(head: bytes) -> str:
    """Decode the first bytes of a file for sniffing."""
    return decode_text(head)


def zip_names(path: Path) -> list[str]:
    """Names inside a zip container (empty list if not a zip)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return []


def bytes_io(raw: bytes) -> _io.BytesIO:
    """A BytesIO (for readers that parse bytes already in memory)."""
    return _io.BytesIO(raw)
