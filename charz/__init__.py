"""charz: structural descriptors of carbon materials from raw characterization files.

One :class:`StructuralRecord` per sample (d002, Lc, La, I_D/I_G, closed-pore volume, BET
area, ...), every number a :class:`Measurement` with uncertainty, unit, provenance and
flags. The technique packages ``xrd``, ``raman``, ``saxs``, ``sorption`` and ``echem``
(and any third-party package) are found through the entry-point group
``charz.techniques`` (:func:`techniques`); they register their readers with :func:`read`
and fill the record.

Everything listed in ``__all__`` is loaded on first access (module ``__getattr__``), so
``import charz`` stays light; submodules such as :mod:`charz.tables` are attributes too.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> module that defines it (loaded on first access).
_LAZY: dict[str, str] = {
    # the record
    "DESCRIPTORS": "charz.record",
    "KeySpec": "charz.record",
    "Measurement": "charz.record",
    "Provenance": "charz.record",
    "StructuralRecord": "charz.record",
    "merge_records": "charz.record",
    "read_records": "charz.record",
    "records_from_json": "charz.record",
    "records_to_json": "charz.record",
    # reading files
    "read": "charz.io",
    "register_reader": "charz.io",
    # plugins
    "Technique": "charz.plugins",
    "techniques": "charz.plugins",
    # errors and warnings
    "CharzError": "charz.errors",
    "CharzWarning": "charz.errors",
    "FitError": "charz.errors",
    "FlagWarning": "charz.errors",
    "FlaggedResultError": "charz.errors",
    "MissingMetadataError": "charz.errors",
    "OptionError": "charz.errors",
    "PhysicsWarning": "charz.errors",
    "ReadError": "charz.errors",
    "RecordError": "charz.errors",
}

#: Submodules reachable as attributes (``charz.tables.write_tables``).
_SUBMODULES = (
    "correlate",
    "demo",
    "display",
    "errors",
    "examples",
    "flags",
    "hashing",
    "io",
    "manifest",
    "output",
    "plotting",
    "plugins",
    "record",
    "series",
    "tables",
)

__all__ = sorted([*_LAZY, *_SUBMODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"charz.{name}")
    else:
        raise AttributeError(f"module 'charz' has no attribute {name!r}")
    globals()[name] = value  # later accesses skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
