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

from charz._lazy import lazy_exports

__version__ = "0.1.0"

#: Defining module -> public names (loaded on first access).
_EXPORTS = {
    "charz.record": ("DESCRIPTORS", "KeySpec", "Measurement", "Provenance", "StructuralRecord",
                     "merge_records", "read_records", "records_from_json", "records_to_json"),
    "charz.io": ("read", "register_reader"),
    "charz.plugins": ("Technique", "techniques"),
    "charz.errors": ("CharzError", "CharzWarning", "FitError", "FlagWarning",
                     "FlaggedResultError", "MissingMetadataError", "OptionError",
                     "PhysicsWarning", "ReadError", "RecordError"),
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

__all__ = sorted([*(n for names in _EXPORTS.values() for n in names), *_SUBMODULES,
                  "__version__"])

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, submodules=_SUBMODULES)
