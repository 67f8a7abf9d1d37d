"""Shared helpers of the workbook readers: sniffing, sheets as grids, cell search."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sorption.io._isotherm import _num

# ---------------------------------------------------------------------------------------
# Excel workbooks: Micromeritics report exports, 3P, BEL .xls, pyGAPS Excel
# ---------------------------------------------------------------------------------------

_WB_KEYS = [b"Quantity Adsorbed", b"Relative Pressure", b"Adsorptive", b"adsorptive",
            b"p/p0", b"Isotherm", b"pressure_mode", b"Pressure mode"]


def _sniff_workbook(path: Path, head: bytes) -> bool:
    raw = path.read_bytes() if path.stat().st_size < 50_000_000 else head
    if raw[:2] == b"PK":
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                blob = b""
                # strings live in sharedStrings.xml, or inline in the sheets (openpyxl)
                sheets = [n for n in names if n.startswith("xl/worksheets/sheet")][:3]
                for nm in ["xl/sharedStrings.xml", "xl/workbook.xml", *sheets]:
                    if nm in names:
                        with zf.open(nm) as fh:
                            blob += fh.read(2_000_000)
        except (zipfile.BadZipFile, OSError):
            return False
        return any(k in blob for k in (b"Quantity Adsorbed", b"Isotherm", b"Adsorptive",
                                       b"pressure_mode", b"Adsorbate"))
    for k in _WB_KEYS[:8]:
        if k in raw or k.decode().encode("utf-16-le") in raw:
            return True
    return False


def _grids(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """All sheets as lists of rows of cell values ('' for empty)."""
    if path.suffix.lower() == ".xls":
        from charz.io import require

        xlrd = require("xlrd", "xlsx", purpose=f"read {path.name}")
        wb = xlrd.open_workbook(str(path), on_demand=True)
        out = []
        for sh in wb.sheets():
            out.append((sh.name, [sh.row_values(r) for r in range(sh.nrows)]))
        return out
    from charz.io import require

    openpyxl = require("openpyxl", "xlsx", purpose=f"read {path.name}")
    wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    out = []
    for ws in wb.worksheets:
        rows = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
        out.append((ws.title, rows))
    wb.close()
    return out


class _Cells:
    """Search helper over every cell of a workbook."""

    def __init__(self, grids: list[tuple[str, list[list[Any]]]]):
        self.grids = grids

    def iter(self):
        for si, (_, g) in enumerate(self.grids):
            for r, row in enumerate(g):
                for c, v in enumerate(row):
                    if v != "" and v is not None:
                        yield si, r, c, v

    def cell(self, si: int, r: int, c: int) -> Any:
        g = self.grids[si][1]
        if r < len(g) and c < len(g[r]):
            return g[r][c]
        return ""

    def right(self, si: int, r: int, c: int, maxgap: int = 4) -> Any:
        for cc in range(c + 1, c + 1 + maxgap):
            v = self.cell(si, r, cc)
            if v not in ("", None) and not (isinstance(v, str) and v.strip() in ("", "|")):
                return v
        return None

    def find(self, pattern: str, *, within: tuple[int, int, int, int] | None = None
             ) -> list[tuple[int, int, int, str]]:
        rx = re.compile(pattern, re.I)
        out = []
        for si, r, c, v in self.iter():
            if not isinstance(v, str):
                continue
            if within is not None:
                s0, r0, c0, c1 = within
                if si != s0 or r <= r0 or not c0 <= c < c1:
                    continue
            if rx.search(v.strip()):
                out.append((si, r, c, v.strip()))
        return out

    def value(self, pattern: str, *, within=None) -> Any:
        for si, r, c, _ in self.find(pattern, within=within):
            v = self.right(si, r, c)
            if v is not None:
                return v
        return None

    def block(self, title: str) -> tuple[int, int, int, int] | None:
        hits = self.find(title)
        if not hits:
            return None
        si, r, c, _ = hits[0]
        g = self.grids[si][1]
        c1 = c + 1
        width = max((len(row) for row in g), default=0)
        while c1 < width and not any(
            c1 < len(row) and row[c1] == "|" for row in g[r:r + 40]
        ):
            c1 += 1
        return si, r, c, c1


def _num_auto(v: Any) -> float | None:
    """A number with either decimal mark: '0,0304(g)' and '0.1747(g)' both work."""
    if v is None or isinstance(v, (int, float)):
        return None if v is None else float(v)
    t = str(v).strip()
    if "," in t and "." in t:
        return _num(t, "," if t.rfind(",") > t.rfind(".") else ".")
    return _num(t, "," if "," in t else ".")


def _mic_num(v: Any, dec: str) -> float | None:
    return _num(v, dec)


def _pm(v: Any, dec: str) -> tuple[float | None, float | None]:
    if v is None:
        return None, None
    if isinstance(v, (int, float)):
        return float(v), None
    parts = str(v).split("±")
    val = _num(parts[0], dec)
    err = _num(parts[1], dec) if len(parts) > 1 else None
    return val, err


def _unit_in(header: str) -> str:
    m = re.search(r"\(([^()]*(?:\([^()]*\))?[^()]*)\)\s*$", header.strip())
    return m.group(1) if m else ""
