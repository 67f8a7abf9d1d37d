"""One registered reader for sorption workbooks; dispatches to the vendor module."""

from __future__ import annotations

import re
from pathlib import Path

import xarray as xr

from charz.errors import CorruptFileError
from charz.io import register_reader
from sorption.io._isotherm import _named
from sorption.io._workbook import _grids, _sniff_workbook
from sorption.io.bel import _read_bel_xls
from sorption.io.micromeritics import _read_micromeritics
from sorption.io.pygaps import _read_pygaps_excel
from sorption.io.threep import _read_3p


@register_reader(".xls", ".xlsx", technique="sorption", sniff=_sniff_workbook,
                 requires=None, extra="xlsx")
@_named
def read_workbook(path: Path) -> xr.Dataset:
    """Read a sorption workbook: Micromeritics report export, 3P report, BEL .xls, pyGAPS Excel.

    Micromeritics exports hold the isotherm table and the vendor's own BET, t-plot and BJH
    reports; these are parsed into ``attrs["vendor_report_json"]`` (see
    :func:`vendor_report`). Bath temperatures in °C and decimal commas ("1.589,6174") are
    handled.
    """
    grids = _grids(path)
    cells_text = " ".join(
        str(v) for _, g in grids[:3] for row in g[:60] for v in row if isinstance(v, str)
    )
    names = [n for n, _ in grids]
    if "Micromeritics" in cells_text or "Isotherm Tabular Report" in cells_text or any(
        "isotherm tabular" in n.lower() for n in names
    ) or re.search(r"Analysis adsorptive", cells_text, re.I):
        return _read_micromeritics(path, grids)
    if any(n.strip().lower() == "isotherm" for n in names) and any(
        n.strip().lower() in ("summary", "info") for n in names
    ):
        return _read_3p(path, grids)
    if "pressure_mode" in cells_text or "Pressure mode" in cells_text:
        return _read_pygaps_excel(path, grids)
    if "Adsorption data" in cells_text or "Adsorptive" in cells_text:
        return _read_bel_xls(path, grids)
    raise CorruptFileError(f"{path.name}: a workbook, but not a known sorption export "
                           f"(sheets: {', '.join(names)})")
