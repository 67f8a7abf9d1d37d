"""saxs: small-angle X-ray scattering and He true density of hard carbons.

Readers (registered with :func:`charz.read`): plain q/I/σ text, NIST ``.abs``, Anton Paar
``.pdh``, canSAS 1D XML, NXcanSAS HDF5; 2-D images via :func:`saxs.io.integrate_image`
(pyFAI). Analyses: :mod:`saxs.models` (Porod + DAB, power law + polydisperse spheres,
Guinier–Porod, unified Beaucage), :mod:`saxs.guinier`, :mod:`saxs.invariant`,
:mod:`saxs.density` (He true density, closed-pore volume), :mod:`saxs.calibration`
(background subtraction, NIST SRM 3600 absolute scale), :mod:`saxs.sizedist`
(maximum-entropy sphere size distributions) and :mod:`saxs.series` (one fit
per in-situ frame). Command line: ``charz saxs`` and ``charz insitu saxs``.

Descriptor keys added by this package (besides the contract's ``saxs_rg``,
``saxs_pore_diameter``, ``porod_exponent``, ``true_density``, ``closed_pore_volume``):

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

from charz.record import DESCRIPTORS, KeySpec, register_descriptor
from saxs import io  # noqa: F401  (registers the readers)
from saxs.io import integrate_image, make_curve, read

_NEW_KEYS = {
    "saxs_correlation_length": KeySpec(
        "nm", "saxs", "DAB correlation length a of the pore term (Porod + DAB fit)",
        "a$_{\\mathrm{DAB}}$ (nm)", "a DAB (nm)"),
    "saxs_porosity": KeySpec(
        "1", "saxs", "pore volume fraction from the SAXS invariant (contrast stated)",
        "$\\phi_{\\mathrm{SAXS}}$", "φ SAXS"),
    "saxs_pore_volume": KeySpec(
        "cm^3/g", "saxs", "SAXS nanopore volume per gram, φ/ρ_He",
        "V$_{\\mathrm{SAXS}}$ (cm$^3$ g$^{-1}$)", "V SAXS (cm³/g)"),
    "saxs_specific_surface": KeySpec(
        "m^2/g", "saxs", "Porod specific surface per gram",
        "S$_{\\mathrm{Porod}}$ (m$^2$ g$^{-1}$)", "S Porod (m²/g)"),
}
for _key, _spec in _NEW_KEYS.items():
    if _key not in DESCRIPTORS:
        register_descriptor(_key, _spec)

__all__ = ["integrate_image", "make_curve", "read"]
