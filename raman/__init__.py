"""raman: Raman spectra of disordered carbons.

Readers (:mod:`raman.io`, registered with :func:`charz.read`), preparation
(:mod:`raman.baseline`: crop, spikes, baselines), D/G band models and descriptors
(:mod:`raman.bands`), a fast batched fitter for maps and series (:mod:`raman.batch`).
Importing the package registers the readers; it does not import matplotlib.
"""

from __future__ import annotations

from raman import io  # noqa: F401  (registers the readers)
from raman.io import make_spectrum, to_raman_shift

__all__ = ["make_spectrum", "to_raman_shift"]
