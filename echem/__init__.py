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

import importlib
from typing import Any

from charz.plugins import Technique
from echem import (
    _cli,
    _demo,
    io,  # noqa: F401  (registers the readers)
)
from echem.io import CyclerDataError, cycler_dataset, with_mass

#: The plugin declaration (entry point ``charz.techniques``: ``echem = "echem:technique"``).
#: ``charz report`` manifests may also call cycler rows ``cycler``.
technique = Technique(
    name="echem",
    summary="battery cycling: capacities, ICE, slope/plateau, plating onset, rate, GITT",
    add_parser=_cli.add_parser,
    analyse_file=_cli.analyse_file,
    manifest_kinds={"cycler": _cli.analyse_file},
    demo=_demo.run,
)

_LAZY = {
    "cycle_capacities": "echem.capacity",
    "slope_plateau": "echem.capacity",
    "rate_response": "echem.capacity",
    "rate_response_from_cycler": "echem.capacity",
    "with_state_of_charge": "echem.capacity",
    "plating_onset": "echem.plating",
    "dqdv": "echem.dqdv",
    "stripping_peak": "echem.dqdv",
    "gitt": "echem.gitt",
    "analyse": "echem.summary",
}

__all__ = ["CyclerDataError", "cycler_dataset", "technique", "with_mass", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'echem' has no attribute {name!r}")
