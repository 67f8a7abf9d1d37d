"""echem: battery-cycler files and the sodium-storage analyses of hard carbons.

Readers (registered with :func:`charz.read`) return the cycler Dataset described in
:mod:`echem.io`. Analyses: :mod:`echem.capacity` (per-cycle capacities, coulombic
efficiency, slope/plateau split, over-sodiation plating onset, rate response),
:mod:`echem.dqdv` (incremental capacity, sodium-stripping peak), :mod:`echem.gitt`
(GITT diffusion coefficients, Weppner & Huggins 1977) and :mod:`echem.correlate`
(structure–performance correlations). Only the readers are imported here (no matplotlib).
"""

from __future__ import annotations

from echem import io  # noqa: F401  (registers the readers)
from echem.io import CyclerDataError, cycler_dataset, with_mass

__all__ = ["CyclerDataError", "cycler_dataset", "with_mass"]
