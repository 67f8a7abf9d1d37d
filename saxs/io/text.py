"""Plain-text SAXS curves (q, I, σ columns; header sniffed) and :func:`read`, which also
reads headerless text that no sniffer claims."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, UnknownFormatError
from charz.io import decode_text, read_text_table, reader_failure, register_reader
from saxs.io._common import (
    _Q_LABEL_RE,
    _i_unit,
    _resolve_q_unit,
    make_curve,
    q_unit_from_text,
)

__all__ = ["read", "read_text"]

#: the name charz.read records for this reader
_READ_TEXT = "saxs.io.read_text"

_SAXS_WORDS = re.compile(
    r"(?<![A-Za-z])(?:I\s*\(\s*q\s*\)|sasview|saxs|sans|usaxs|<X>|dI\b|Idev|scattering\s+vector"
    r"|q\s*[\[(]|\bq\b\s*[,;\t ]+\s*I\b)",
    re.IGNORECASE,
)


def _numeric_rows(text: str, limit: int = 400) -> np.ndarray | None:
    rows = []
    for ln in text.splitlines():
        s = ln.strip()
        if not s or s[0] in "#;!%*<":
            continue
        fields = [f for f in re.split(r"[,\s;]+", s) if f]
        try:
            vals = [float(f) for f in fields]
        except ValueError:
            if rows:
                break
            continue
        rows.append(vals)
        if len(rows) >= limit:
            break
    if len(rows) < 5:
        return None
    lengths = [len(r) for r in rows]
    n = max(set(lengths), key=lengths.count)  # a truncated last line does not count
    if n < 2:
        return None
    return np.array([r for r in rows if len(r) == n])


def _sniff_text(path: Path, head: bytes) -> bool:
    text = decode_text(head)
    if len(head) >= 8192 and "\n" in text:
        text = text.rsplit("\n", 1)[0]  # the head may end inside a line
    lines = text.splitlines()
    header = "\n".join(ln for ln in lines[:60] if not re.match(r"^\s*[-+.\d]", ln))
    if _SAXS_WORDS.search(header) or _Q_LABEL_RE.search(header):
        return _numeric_rows(text) is not None
    if header.strip():
        return False
    # headerless: q positive and increasing, intensity falling over decades (SAXS shape)
    rows = _numeric_rows(text)
    if rows is None or rows.shape[1] > 6:
        return False
    q, i = rows[:, 0], rows[:, 1]
    if np.any(q <= 0) or np.any(np.diff(q) <= 0) or q[-1] > 60:
        return False
    pos = i[i > 0]
    return pos.size > 5 and pos[: pos.size // 4 + 1].mean() > 20 * pos[-(pos.size // 4 + 1):].mean()


#: header keys copied into attrs (numbers parsed): acquisition time for in-situ series,
#: wavelength, sample geometry
_HEADER_KEYS = {"start_time": str, "exposure_s": float, "wavelength_nm": float,
                "sample": str, "thickness_cm": float, "transmission": float}


#: an absolute-intensity unit written into a column name (``dSigma_dOmega_invcm``)
_COLUMN_UNIT_RE = re.compile(r"(?i)(?:inv_?cm|1/cm|cm\^?-1|cm⁻¹)(?![a-z0-9])")


def _column_name_unit(line: str, column: int) -> str | None:
    """``"1/cm"`` when the name of column ``column`` in the column-name line says 1/cm."""
    text = line.strip().lstrip("#").strip()
    names = [c for c in re.split(r"\s*[,;\t]\s*", text) if c]
    if len(names) < 2:
        names = text.split()
    if column < len(names) and _COLUMN_UNIT_RE.search(names[column]):
        return "1/cm"
    return None


def _header_metadata(header: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in header.items():
        k = key.strip().lower().replace(" ", "_")
        if k in _HEADER_KEYS:
            try:
                out[k] = _HEADER_KEYS[k](value.strip())
            except ValueError:
                continue
    return out


@register_reader(".dat", ".txt", ".csv", technique="saxs", sniff=_sniff_text)
def read_text(
    path: Path,
    *,
    q_unit: str | None = None,
    intensity_unit: str | None = None,
    columns: tuple[int, int] | tuple[int, int, int] | None = None,
    drop_invalid: bool = False,
) -> xr.DataArray:
    """Read a plain-text q/I(/σ) curve.

    Parameters
    ----------
    path : Path
        Text file: header lines (``#`` or plain text), then 2–4+ numeric columns q, I, σ,
        (dq) separated by whitespace, tab, comma or semicolon.
    q_unit : {'1/A', '1/nm'}, optional
        Unit of the q column; overrides the header. Needed when the header does not say.
    intensity_unit : str, optional
        Unit of I (``"1/cm"``); default from the header (``I [1/cm]``), else ``"1"``.
    columns : tuple of int, optional
        Column indices (q, I) or (q, I, σ); default 0, 1, 2.
    drop_invalid : bool
        Drop rows with q ≤ 0 or NaN instead of raising.

    Notes
    -----
    Header lines ``# start_time: <ISO-8601>``, ``# exposure_s:``, ``# wavelength_nm:``,
    ``# sample:``, ``# thickness_cm:``, ``# transmission:`` go into attrs (start time and
    exposure place in-situ frames in time, :func:`charz.series.stack_frames`).

    Raises
    ------
    MissingMetadataError
        Neither the header nor ``q_unit`` gives the q unit.
    CorruptFileError
        Fewer than 2 numeric columns, q ≤ 0, NaN (see :func:`make_curve`).
    """
    path = Path(path)
    table = read_text_table(path, min_columns=2)
    header = "\n".join(table.header_lines)
    data = table.data
    ncol = data.shape[1]
    cq, ci, cs = ((*columns, None))[:3] if columns else (0, 1, 2 if ncol >= 3 else None)
    for c in (cq, ci, cs):
        if c is not None and c >= ncol:
            raise CorruptFileError(f"{path.name}: column {c} requested but the table has "
                                   f"{ncol} column(s)")
    unit, how = _resolve_q_unit(q_unit_from_text(header), q_unit, path.name)
    if intensity_unit is None:
        m = re.search(r"(?<![A-Za-z])I\w{0,4}\s*[\[(]\s*([^\])]+?)\s*[\])]", header)
        intensity_unit = _i_unit(m.group(1)) if m else "1"
        if "|" in header and "I(Q) (1/cm)" in header:
            intensity_unit = "1/cm"
        if intensity_unit == "1" and table.header_lines:
            intensity_unit = _column_name_unit(table.header_lines[-1], ci) or "1"
    sigma = data[:, cs] if cs is not None else None
    dq = data[:, 3] if (columns is None and ncol == 4) else None
    attrs: dict[str, Any] = ({"header_json": json.dumps(table.header)[:20000]}
                             if table.header else {})
    attrs.update(_header_metadata(table.header))
    return make_curve(data[:, cq], data[:, ci], sigma=sigma, q_unit=unit, q_unit_from=how,
                      intensity_unit=intensity_unit, dq=dq, name=path.name, attrs=attrs,
                      drop_invalid=drop_invalid)




def read(path: str | Path, **options: Any) -> xr.DataArray:
    """Read a 1-D SAXS curve with ``charz.read(path, technique="saxs")``.

    A headerless text file that no sniffer recognises is read with :func:`read_text`
    (its q unit then has to come from ``q_unit=``). Provenance attrs (``source``,
    ``sha256``, ``reader``) are set either way.
    """
    import charz.io
    from charz.record import file_sha256

    path = Path(path)
    try:
        return charz.io.read(path, technique="saxs", **options)
    except UnknownFormatError:
        if path.suffix.lower() in (".tif", ".tiff", ".edf", ".cbf", ".img", ".mccd", ".mar3450",
                                   ".sfrm", ".gfrm", ".esperanto"):
            raise UnknownFormatError(
                f"{path.name}: a 2-D detector image; integrate it with "
                "saxs.integrate_image(path, poni=...) (command line: --poni P)") from None
        if path.suffix.lower() not in (".dat", ".txt", ".csv", ".asc", ".chi"):
            raise
    try:
        data = read_text(path, **options)
    except Exception as exc:
        err = reader_failure(exc, path, _READ_TEXT)
        if err is None:
            raise
        raise err from exc
    data.attrs.setdefault("source", path.name)
    data.attrs["sha256"] = file_sha256(path)
    data.attrs["reader"] = _READ_TEXT
    return data

