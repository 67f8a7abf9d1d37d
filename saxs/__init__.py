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

from charz.plugins import Technique
from saxs import (
    _cli,
    _demo,
    io,  # noqa: F401  (registers the readers)
)
from saxs.io import integrate_image, make_curve, read

#: The plugin declaration (entry point ``charz.techniques``: ``saxs = "saxs:technique"``).
#: Besides ``saxs`` rows, ``charz report`` manifests may list He-pycnometer reports as
#: ``pycnometry`` (or ``true_density``) rows.
technique = Technique(
    name="saxs",
    summary="SAXS pore descriptors and He true density / closed-pore volume",
    add_parser=_cli.add_parser,
    add_insitu_parser=_cli.add_insitu_parser,
    analyse_file=_cli.analyse_file,
    manifest_kinds={"pycnometry": _cli.analyse_pycnometer,
                    "true_density": _cli.analyse_pycnometer},
    demo=_demo.run,
)

__all__ = ["integrate_image", "make_curve", "read", "technique"]
