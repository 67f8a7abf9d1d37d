"""xrd: powder XRD of disordered carbons — readers, corrections, (002)/(10) fits, in-situ series.

Importing the package registers the readers (:mod:`xrd.io`) with :func:`charz.read` and the
descriptor keys this package adds to the record (see :mod:`xrd.peaks`):

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

from charz.record import KeySpec, register_descriptor
from xrd import io  # noqa: F401  (registers the readers)
from xrd.io import make_pattern

register_descriptor(
    "fraction_002_ordered",
    KeySpec("1", "xrd", "area fraction of the ordered (narrower-d) (002) component",
            "f$_{002}^{\\mathrm{ord}}$", "f002 ordered"),
)
register_descriptor(
    "d002_ordered",
    KeySpec("nm", "xrd", "d of the ordered (smaller-d) (002) component",
            "d$_{002}^{\\mathrm{ord}}$ (nm)", "d002 ordered (nm)"),
)
register_descriptor(
    "d002_dilated",
    KeySpec("nm", "xrd", "d of the dilated (larger-d) (002) component",
            "d$_{002}^{\\mathrm{dil}}$ (nm)", "d002 dilated (nm)"),
)
register_descriptor(
    "dahn_r",
    KeySpec("1", "xrd", "Dahn's R: (002) height over the tangent background under it",
            "R", "R (Dahn)"),
)

__all__ = ["fit_002", "fit_pattern", "make_pattern"]


def __getattr__(name: str):  # lazy: keep ``import xrd`` light (no lmfit at plugin load)
    if name in ("fit_002", "fit_pattern"):
        from xrd import peaks

        return getattr(peaks, name)
    raise AttributeError(f"module 'xrd' has no attribute {name!r}")
