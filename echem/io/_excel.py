"""Shared helpers of the Excel readers (sheet names without opening the workbook, sheet frames)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

# ---------------------------------------------------------------------------------------
# Excel: LANHE/Landt and Arbin
# ---------------------------------------------------------------------------------------


def _xlsx_sheets(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return []
    return re.findall(r'<sheet[^>]*\bname="([^"]+)"', wb)


def _sniff_landt(path: Path, head: bytes) -> bool:
    names = _xlsx_sheets(path)
    return "Record" in names and ("Cycle" in names or "Mode" in names)


def _sniff_arbin_xlsx(path: Path, head: bytes) -> bool:
    names = _xlsx_sheets(path)
    return "Global_Info" in names and any(n.startswith("Channel") for n in names)


def _sheet_frame(wb: Any, sheet: str) -> pd.DataFrame:
    rows = wb[sheet].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return pd.DataFrame()
    data = [r for r in rows if any(x is not None for x in r)]
    return pd.DataFrame(data, columns=[str(h) if h is not None else "" for h in header])
