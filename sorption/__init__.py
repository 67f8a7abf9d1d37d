"""Gas sorption: isotherm readers, BET (ISO 9277, Rouquerol), BJH (ISO 15901-2), t-plot,
total pore volume, 4V/A and Dubinin–Radushkevich for CO2.

Importing the package registers the readers with :func:`charz.read` (``sorption.io``);
the analysis modules are imported on first attribute access so ``import sorption`` stays
light (no matplotlib).

>>> import charz, sorption                                   # doctest: +SKIP
>>> iso = charz.read("HC-demo_N2_77K.csv")                  # doctest: +SKIP
>>> sorption.bet_area(iso).descriptors()["bet_area"]        # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

from charz.plugins import Technique
from sorption import (
    _cli,
    _demo,
    io,  # noqa: F401  (registers the readers)
)
from sorption.io import branch, make_isotherm, vendor_report

#: The plugin declaration (entry point ``charz.techniques``:
#: ``sorption = "sorption:technique"``).
technique = Technique(
    name="sorption",
    summary="gas sorption: BET, BJH, t-plot, total pore volume, 4V/A, DR (CO2)",
    add_parser=_cli.add_parser,
    analyse_file=_cli.analyse_file,
    demo=_demo.run,
)

__all__ = [
    "BETResult",
    "BJHResult",
    "DRResult",
    "PoreVolumeResult",
    "SorptionSummary",
    "TPlotResult",
    "bet_area",
    "bet_area_raw",
    "bjh_psd",
    "branch",
    "dr_micropore_volume",
    "make_isotherm",
    "summarize",
    "t_plot",
    "technique",
    "thickness",
    "total_pore_volume",
    "vendor_report",
]

_LAZY = {
    "BETResult": "sorption.bet", "bet_area": "sorption.bet", "bet_area_raw": "sorption.bet",
    "BJHResult": "sorption.bjh", "bjh_psd": "sorption.bjh", "thickness": "sorption.bjh",
    "TPlotResult": "sorption.micropore", "t_plot": "sorption.micropore",
    "PoreVolumeResult": "sorption.micropore", "total_pore_volume": "sorption.micropore",
    "DRResult": "sorption.micropore", "dr_micropore_volume": "sorption.micropore",
    "SorptionSummary": "sorption.summary", "summarize": "sorption.summary",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sorption' has no attribute {name!r}")
