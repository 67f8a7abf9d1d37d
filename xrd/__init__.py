"""xrd: powder XRD of disordered carbons — readers, corrections, (002)/(10) fits, in-situ series.

Importing the package registers the readers (:mod:`xrd.io`) with :func:`charz.read`; the
package is found by the core through its :class:`charz.plugins.Technique`, ``technique``.
Record keys this package fills beyond the contract's (rows of
:data:`charz.record.DESCRIPTORS`; see :mod:`xrd.peaks`):

``fraction_002_ordered`` (1)
    area fraction of the narrower/ordered (002) component when two are fitted.
``d002_ordered``, ``d002_dilated`` (nm)
    d of the ordered (smaller d) and dilated (larger d) (002) components when two are
    fitted; ``d002`` then comes from the component with the larger area (stated).
``dahn_r`` (1)
    Dahn's empirical R: (002) peak height over the background under it, with the tangent
    background line stated (Liu, Xue, Zheng & Dahn, Carbon 34 (1996) 193).
"""

from __future__ import annotations

import importlib
from typing import Any

from charz.plugins import Technique
from xrd import (
    _cli,
    _demo,
    io,  # noqa: F401  (registers the readers)
)
from xrd.io import make_pattern

#: The plugin declaration (entry point ``charz.techniques``: ``xrd = "xrd:technique"``).
technique = Technique(
    name="xrd",
    summary="powder XRD: d002, Lc, La, N from the (002) and (10) bands",
    add_parser=_cli.add_parser,
    add_insitu_parser=_cli.add_insitu_parser,
    analyse_file=_cli.analyse_file,
    demo=_demo.run,
)

__all__ = [
    "correct_intensity",
    "crop",
    "fit_002",
    "fit_002_series",
    "fit_caglioti",
    "fit_pattern",
    "fit_pattern_series",
    "fit_turbostratic",
    "make_pattern",
    "read_series",
    "strip_ka2",
    "subtract_background",
    "technique",
]

# the analyses load on first use: ``import xrd`` stays light (no lmfit at plugin load)
_LAZY = {
    "crop": "xrd.corrections",
    "correct_intensity": "xrd.corrections",
    "strip_ka2": "xrd.corrections",
    "subtract_background": "xrd.corrections",
    "fit_002": "xrd.peaks",
    "fit_pattern": "xrd.peaks",
    "fit_caglioti": "xrd.standards",
    "fit_pattern_series": "xrd.series",
    "fit_002_series": "xrd.insitu",
    "read_series": "xrd.insitu",
    "fit_turbostratic": "xrd.turbostratic",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'xrd' has no attribute {name!r}")
