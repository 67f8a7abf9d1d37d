"""charz: structural descriptors of carbon materials from raw characterization files.

One :class:`StructuralRecord` per sample (d002, Lc, La, I_D/I_G, closed-pore volume, BET
area, ...), every number a :class:`Measurement` with uncertainty, unit and provenance.
The technique packages ``xrd``, ``raman``, ``saxs``, ``sorption`` and ``echem`` register
their readers with :func:`read` and fill the record.
"""

from __future__ import annotations

__version__ = "0.1.0"

from charz.errors import (
    CharzError,
    CharzWarning,
    FitError,
    PhysicsWarning,
    ReadError,
)
from charz.io import read, register_reader
from charz.record import (
    DESCRIPTORS,
    Measurement,
    Provenance,
    StructuralRecord,
)

__all__ = [
    "DESCRIPTORS",
    "CharzError",
    "CharzWarning",
    "FitError",
    "Measurement",
    "PhysicsWarning",
    "Provenance",
    "ReadError",
    "StructuralRecord",
    "__version__",
    "read",
    "register_reader",
]
