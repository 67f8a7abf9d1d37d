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

from charz._lazy import lazy_exports
from charz.plugins import Technique
from sorption import _cli, _demo, io  # noqa: F401  (io registers the readers)
from sorption.io import branch, make_isotherm, vendor_report

#: The plugin declaration (entry point ``charz.techniques``:
#: ``sorption = "sorption:technique"``).
technique = Technique.from_modules(
    "sorption", "gas sorption: BET, BJH, t-plot, total pore volume, 4V/A, DR (CO2)",
    cli=_cli, demo=_demo)

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

_EXPORTS = {
    "sorption.bet": ("BETResult", "bet_area", "bet_area_raw"),
    "sorption.bjh": ("BJHResult", "bjh_psd", "thickness"),
    "sorption.micropore": ("TPlotResult", "t_plot", "PoreVolumeResult", "total_pore_volume",
                           "DRResult", "dr_micropore_volume"),
    "sorption.summary": ("SorptionSummary", "summarize"),
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
