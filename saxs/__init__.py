"""saxs: small-angle X-ray scattering and He true density of hard carbons.

Readers (registered with :func:`charz.read`): plain q/I/σ text, NIST ``.abs``, Anton Paar
``.pdh``, canSAS 1D XML, NXcanSAS HDF5; 2-D images via :func:`saxs.io.integrate_image`
(pyFAI). Analyses: :mod:`saxs.models` (Porod + DAB, power law + polydisperse spheres,
Guinier–Porod, unified Beaucage), :mod:`saxs.guinier`, :mod:`saxs.invariant`,
:mod:`saxs.density` (He true density, closed-pore volume), :mod:`saxs.calibration`
(background subtraction, NIST SRM 3600 absolute scale), :mod:`saxs.sizedist`
(maximum-entropy sphere size distributions) and :mod:`saxs.series` (one fit
per in-situ frame). Command line: ``charz saxs`` and ``charz insitu saxs``.

Descriptor keys this package fills beyond the contract's ``saxs_rg``,
``saxs_pore_diameter``, ``porod_exponent``, ``true_density`` and ``closed_pore_volume``
(rows of :data:`charz.record.DESCRIPTORS`):

``saxs_correlation_length`` (nm)
    Debye–Anderson–Brumberger correlation length a of the pore term.
``saxs_porosity`` (1)
    Pore volume fraction φ from the invariant (two-phase, contrast stated) or from the
    contrast-free combination with the He density.
``saxs_pore_volume`` (cm^3/g)
    φ / ρ_He, the SAXS (open + closed) nanopore volume per gram.
``saxs_specific_surface`` (m^2/g)
    Porod specific surface per gram.
"""

from __future__ import annotations

from charz._lazy import lazy_exports
from charz.plugins import Technique
from saxs import _cli, _demo, io  # noqa: F401  (io registers the readers)
from saxs.io import integrate_image, make_curve, read

#: The plugin declaration (entry point ``charz.techniques``: ``saxs = "saxs:technique"``).
#: Besides ``saxs`` rows, ``charz report`` manifests may list He-pycnometer reports as
#: ``pycnometry`` (or ``true_density``) rows.
technique = Technique.from_modules(
    "saxs", "SAXS pore descriptors and He true density / closed-pore volume", cli=_cli,
    demo=_demo, manifest_kinds={"pycnometry": _cli.analyse_pycnometer,
                                "true_density": _cli.analyse_pycnometer})

__all__ = [
    "apply_calibration",
    "closed_pore_volume",
    "fit_guinier",
    "fit_guinier_porod",
    "fit_porod_dab",
    "fit_power_law_spheres",
    "fit_series",
    "fit_unified",
    "glassy_carbon_factor",
    "integrate_image",
    "invariant",
    "make_curve",
    "porosity_from_fit",
    "read",
    "read_pycnometer",
    "size_distribution",
    "subtract_background",
    "technique",
]

# the analyses load on first use (no lmfit/scipy.optimize import when charz finds readers)
_EXPORTS = {
    "saxs.models": ("fit_porod_dab", "fit_power_law_spheres", "fit_unified", "fit_guinier_porod"),
    "saxs.guinier": ("fit_guinier",),
    "saxs.invariant": ("invariant", "porosity_from_fit"),
    "saxs.density": ("closed_pore_volume", "read_pycnometer"),
    "saxs.calibration": ("subtract_background", "apply_calibration", "glassy_carbon_factor"),
    "saxs.sizedist": ("size_distribution",),
    "saxs.series": ("fit_series",),
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
