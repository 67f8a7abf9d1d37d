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

__all__ = ["fit_002", "fit_pattern", "fit_turbostratic", "make_pattern", "technique"]


def __getattr__(name: str):  # lazy: keep ``import xrd`` light (no lmfit at plugin load)
    if name in ("fit_002", "fit_pattern"):
        from xrd import peaks

        return getattr(peaks, name)
    if name == "fit_turbostratic":
        from xrd.turbostratic import fit_turbostratic

        return fit_turbostratic
    raise AttributeError(f"module 'xrd' has no attribute {name!r}")
