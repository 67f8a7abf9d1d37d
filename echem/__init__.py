"""echem: battery-cycler files and the sodium-storage analyses of hard carbons.

Readers (registered with :func:`charz.read`) return the cycler Dataset described in
:mod:`echem.io`. Analyses:

* :mod:`echem.capacity`: :func:`cycle_capacities` (per-cycle capacities, coulombic
  efficiency, ``reversible_capacity``, ``initial_coulombic_efficiency``),
  :func:`slope_plateau` (``slope_capacity``/``plateau_capacity`` at a stated split voltage),
  :func:`rate_response` (``rate_response`` with Pearson r), :func:`with_state_of_charge`;
* :mod:`echem.plating`: :func:`plating_onset` (``plating_onset_capacity`` from an
  over-sodiation curve);
* :mod:`echem.dqdv`: :func:`dqdv` (incremental capacity), :func:`stripping_peak`;
* :mod:`echem.gitt`: :func:`gitt` (D(V), Weppner & Huggins 1977);
* :mod:`echem.summary`: :func:`analyse` (the standard set for one file: what
  ``charz echem`` and ``charz report`` run);
* :mod:`echem.synthetic`: generated cells with known answers.

No record keys are added beyond the contract's echem keys. Only the readers are imported
here (no matplotlib, no scipy); the analysis functions load on first attribute access.
"""

from __future__ import annotations

from charz._lazy import lazy_exports
from charz.plugins import Technique
from echem import _cli, _demo, io  # noqa: F401  (io registers the readers)
from echem.io import CyclerDataError, cycler_dataset, with_mass

#: The plugin declaration (entry point ``charz.techniques``: ``echem = "echem:technique"``).
#: ``charz report`` manifests may also call cycler rows ``cycler``.
technique = Technique.from_modules(
    "echem", "battery cycling: capacities, ICE, slope/plateau, plating onset, rate, GITT",
    cli=_cli, demo=_demo, manifest_kinds={"cycler": _cli.analyse_file})

_EXPORTS = {
    "echem.capacity": ("cycle_capacities", "slope_plateau", "rate_response",
                       "rate_response_from_cycler", "with_state_of_charge"),
    "echem.plating": ("plating_onset",),
    "echem.dqdv": ("dqdv", "stripping_peak"),
    "echem.gitt": ("gitt",),
    "echem.summary": ("analyse",),
}

__all__ = [
    "CyclerDataError",
    "analyse",
    "cycle_capacities",
    "cycler_dataset",
    "dqdv",
    "gitt",
    "plating_onset",
    "rate_response",
    "rate_response_from_cycler",
    "slope_plateau",
    "stripping_peak",
    "technique",
    "with_mass",
    "with_state_of_charge",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
