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

from charz._lazy import lazy_exports
from charz.plugins import Technique
from xrd import _cli, _demo, io  # noqa: F401  (io registers the readers)
from xrd.io import make_pattern

#: The plugin declaration (entry point ``charz.techniques``: ``xrd = "xrd:technique"``).
technique = Technique.from_modules(
    "xrd", "powder XRD: d002, Lc, La, N from the (002) and (10) bands", cli=_cli, demo=_demo)

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
_EXPORTS = {
    "xrd.corrections": ("crop", "correct_intensity", "strip_ka2", "subtract_background"),
    "xrd.peaks": ("fit_002", "fit_pattern"),
    "xrd.standards": ("fit_caglioti",),
    "xrd.series": ("fit_pattern_series",),
    "xrd.insitu": ("fit_002_series", "read_series"),
    "xrd.turbostratic": ("fit_turbostratic",),
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
