"""Text and byte helpers of the readers.

Every real-world text export has the same traps (FIELD-NOTES §5.7): BOMs, cp1252, decimal
commas, comment characters, footers; read bytes, try UTF-8 (BOM stripped), fall back to
cp1252; sniff decimal commas; never rely on line endings.
"""

from __future__ import annotations

import io as _io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from charz.errors import CorruptFileError
from charz.io.numbers import parse_number
from charz.io.registry import _DECOMPRESS_ERRORS, COMPRESSIONS, _compression

__all__ = [
    "TextTable",
    "bytes_io",
    "decode_text",
    "open_zip",
    "read_bytes",
    "read_text",
    "read_text_table",
    "text_head",
    "zip_member",
    "zip_members",
    "zip_names",
]


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a file, decompressed when its name ends in ``.gz``/``.bz2``/``.xz``.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    bytes

    Raises
    ------
    CorruptFileError
        The compressed stream is damaged or truncated.
    """
    path = Path(path)
    comp = _compression(path)
    if comp is None:
        return path.read_bytes()
    try:
        with COMPRESSIONS[comp](path, "rb") as fh:
            return fh.read()
    except _DECOMPRESS_ERRORS as exc:
        raise CorruptFileError(
            f"{path.name}: the {comp[1:]} compression is damaged or truncated "
            f"({type(exc).__name__}: {exc})"
        ) from exc


def decode_text(raw: bytes, *, name: str = "") -> str:
    """Decode file bytes: UTF-8 (a BOM stripped), else cp1252, else Latin-1.

    Parameters
    ----------
    raw : bytes
    name : str
        File name (unused; kept for callers that pass it).

    Returns
    -------
    str
    """
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_text(path: str | Path) -> str:
    """Decoded text of a (possibly compressed) file: :func:`read_bytes`, then
    :func:`decode_text`."""
    return decode_text(read_bytes(path))


def text_head(head: bytes) -> str:
    """Decode the first bytes of a file (``head``) for sniffing."""
    return decode_text(head)


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

    Parameters
    ----------
    path : str or Path
        The file (``.gz``/``.bz2``/``.xz`` decompressed); named in errors.
    min_columns : int
        Fewest numeric columns a table row has.
    delimiter : str or None or 'auto'
        Field separator (None = whitespace).
    decimal : {'auto', '.', ','}
        Decimal mark.
    text : str, optional
        Parse this text instead of reading ``path``.

    Returns
    -------
    TextTable

    Raises
    ------
    CorruptFileError
        No numeric table with at least ``min_columns`` columns.
    """
    path = Path(path)
    if text is None:
        text = decode_text(read_bytes(path), name=path.name)
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


def zip_names(path: Path) -> list[str]:
    """Names inside the zip container ``path`` (an empty list if it is not a zip)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return []


def open_zip(path: str | Path, what: str = "") -> zipfile.ZipFile:
    """Open the zip container ``path``; not a zip (or damaged) is a :class:`CorruptFileError`.

    Parameters
    ----------
    path : str or Path
    what : str
        The format (``"BRML"``), for the message.

    Returns
    -------
    zipfile.ZipFile
    """
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        fmt = f" ({what} is a zip)" if what else ""
        raise CorruptFileError(
            f"{Path(path).name}: not a zip container{fmt}: {exc}") from None


def zip_members(zf: zipfile.ZipFile, pattern: str, path: str | Path, expected: str) -> list[str]:
    """Members of ``zf`` whose name matches the regular expression ``pattern``, in natural
    order (``Data2`` before ``Data10``).

    Parameters
    ----------
    zf : zipfile.ZipFile
    pattern : str
        ``re.search`` pattern.
    path : str or Path
        The container (named in the error).
    expected : str
        What was looked for (``"Experiment*/RawData*.xml"``), for the message.

    Returns
    -------
    list of str

    Raises
    ------
    CorruptFileError
        No member matches.
    """
    names = sorted((n for n in zf.namelist() if re.search(pattern, n)),
                   key=lambda n: [int(d) for d in re.findall(r"\d+", n)])
    if not names:
        raise CorruptFileError(f"{Path(path).name}: no {expected} inside")
    return names


def zip_member(zf: zipfile.ZipFile, member: str, path: str | Path) -> bytes:
    """One member of a zip container; a damaged member is a :class:`CorruptFileError`.

    Parameters
    ----------
    zf : zipfile.ZipFile
    member : str
        Name inside the container.
    path : str or Path
        The container file (named in the error).

    Returns
    -------
    bytes
    """
    import zlib

    try:
        return zf.read(member)
    except (zlib.error, zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError) as exc:
        raise CorruptFileError(
            f"{Path(path).name}: damaged zip member {member} ({exc})") from None


def bytes_io(raw: bytes) -> _io.BytesIO:
    """A :class:`io.BytesIO` over ``raw`` (for readers that parse bytes in memory)."""
    return _io.BytesIO(raw)
