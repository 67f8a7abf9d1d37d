"""La (in-plane crystallite size) from a Raman D/G ratio: the three relations in use.

FIELD-NOTES §2.5: the same ratio gives answers an order of magnitude apart (ID/IG = 1 →
1.35 nm Ferrari, 4.4 nm Tuinstra–Koenig at 514 nm, 19.2 nm Cançado at 532 nm), so the
relation is a parameter and every value outside a relation's calibrated range is warned
about and flagged ``outside_calibration`` (:func:`outside_calibration`).
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from charz.errors import CharzError, PhysicsWarning

__all__ = [
    "CANCADO_C",
    "FERRARI_C514",
    "LA_RELATIONS",
    "la_from_ratio",
    "la_prefactor",
    "outside_calibration",
]

LaRelation = Literal["cancado", "tuinstra_koenig", "ferrari"]

#: Cançado et al., Appl. Phys. Lett. 88 (2006) 163106: La = 2.4e-10 λ⁴ (A_D/A_G)⁻¹, λ in nm.
CANCADO_C = 2.4e-10
#: Ferrari & Robertson 2000, stage 2: I_D/I_G = C'(λ) La², C'(514 nm) = 0.0055 Å⁻².
FERRARI_C514 = 0.0055  # 1/Å²


def _matthews_c(laser: float) -> float:
    """Matthews et al., Phys. Rev. B 59 (1999) R6585: C(λ) ≈ −12.6 nm + 0.033 λ (nm)."""
    return -12.6 + 0.033 * laser


def la_prefactor(relation: LaRelation, laser: float) -> float:
    """The relation's prefactor at a laser wavelength.

    Parameters
    ----------
    relation : {'cancado', 'tuinstra_koenig', 'ferrari'}
    laser : float
        Laser wavelength in nm.

    Returns
    -------
    float
        ``cancado``: 2.4e-10 λ⁴ in nm (La = C / (A_D/A_G)); ``tuinstra_koenig``: Matthews'
        C(λ) in nm (La = C / (I_D/I_G)); ``ferrari``: C'(λ) in 1/nm² (I_D/I_G = C' La²),
        0.0055 Å⁻² at 514 nm scaled with Matthews' C(λ)/C(514).
    """
    if relation == "cancado":
        return CANCADO_C * laser**4
    if relation == "tuinstra_koenig":
        return _matthews_c(laser)
    if relation == "ferrari":
        return FERRARI_C514 * 100.0 * _matthews_c(laser) / _matthews_c(514.0)
    raise CharzError(
        f"la_relation {relation!r} is not one of cancado, tuinstra_koenig, ferrari"
    )


#: (ratio used, calibrated La range in nm, laser range in nm, reference) per relation.
LA_RELATIONS: dict[str, tuple[str, tuple[float, float], tuple[float, float], str]] = {
    "cancado": ("ad_ag", (20.0, 500.0), (457.0, 800.0),
                "Cançado et al., Appl. Phys. Lett. 88 (2006) 163106"),
    "tuinstra_koenig": ("id_ig", (2.0, 500.0), (400.0, 700.0),
                        "Tuinstra & Koenig, J. Chem. Phys. 53 (1970) 1126; Matthews et al., "
                        "Phys. Rev. B 59 (1999) R6585"),
    "ferrari": ("id_ig", (0.0, 2.0), (400.0, 700.0),
                "Ferrari & Robertson, Phys. Rev. B 61 (2000) 14095 (stage 2)"),
}


def la_from_ratio(
    ratio: np.ndarray | float,
    *,
    laser: float,
    relation: LaRelation = "cancado",
    warn: bool = True,
) -> np.ndarray | float:
    """In-plane crystallite size La (nm) from a D/G ratio.

    Parameters
    ----------
    ratio : float or ndarray
        ``cancado``: the area ratio A_D/A_G (integrated intensities, as Cançado used);
        ``tuinstra_koenig`` and ``ferrari``: the height ratio I_D/I_G.
    laser : float
        Laser wavelength in nm.
    relation : {'cancado', 'tuinstra_koenig', 'ferrari'}
        ``cancado``: La = 2.4×10⁻¹⁰ λ⁴ / (A_D/A_G) (19.2 nm at 532 nm, 16.8 nm at 514.5 nm
        for a ratio of 1); ``tuinstra_koenig``: La = C(λ) / (I_D/I_G), C = −12.6 + 0.033 λ
        (4.38 nm at 514.5 nm); ``ferrari``: La = √((I_D/I_G) / C'(λ)) (1.35 nm at 514 nm
        for a ratio of 1).
    warn : bool
        Warn when La falls outside the relation's calibrated range or the laser outside its
        wavelength range.

    Returns
    -------
    float or ndarray
        La in nm.

    Warns
    -----
    PhysicsWarning
        Outside the calibrated range: Cançado was calibrated on La ≈ 20–500 nm
        nanographites (almost every hard carbon falls below); Tuinstra–Koenig holds in
        stage 1 (La ≳ 2 nm); Ferrari's stage-2 law below ~2 nm.

    References
    ----------
    L. G. Cançado et al., Appl. Phys. Lett. 88 (2006) 163106; F. Tuinstra, J. L. Koenig,
    J. Chem. Phys. 53 (1970) 1126; M. J. Matthews et al., Phys. Rev. B 59 (1999) R6585;
    A. C. Ferrari, J. Robertson, Phys. Rev. B 61 (2000) 14095.
    """
    if relation not in LA_RELATIONS:
        raise CharzError(
            f"la_relation {relation!r} is not one of {', '.join(LA_RELATIONS)}"
        )
    r = np.asarray(ratio, float)
    c = la_prefactor(relation, laser)
    with np.errstate(divide="ignore", invalid="ignore"):
        la = np.sqrt(r / c) if relation == "ferrari" else c / r
    if warn:
        _, (lo, hi), (llo, lhi), ref = LA_RELATIONS[relation]
        finite = la[np.isfinite(la)]
        out = (finite < lo) | (finite > hi)
        if out.any():
            a, b = f"{finite.min():.3g}", f"{finite.max():.3g}"
            value = f"La = {a} nm is" if a == b else f"La = {a}–{b} nm:"
            which = ("" if a == b else " every value is" if out.all()
                     else f" {int(out.sum())} of {finite.size} values are")
            warnings.warn(
                f"la_raman ({relation}): {value}{which} outside the relation's calibrated "
                f"range {lo:g}–{hi:g} nm ({ref}); the three La relations disagree by an "
                "order of magnitude for La of 1–4 nm",
                PhysicsWarning,
                stacklevel=2,
            )
        if not llo <= laser <= lhi:
            warnings.warn(
                f"la_raman ({relation}): laser {laser:g} nm is outside {llo:g}–{lhi:g} nm, "
                "where the wavelength law was established",
                PhysicsWarning,
                stacklevel=2,
            )
    return float(la) if np.ndim(la) == 0 else la


def outside_calibration(la: np.ndarray | float, *, relation: LaRelation,
                        laser: float) -> np.ndarray | bool:
    """Whether an La lies outside the range its relation was calibrated for.

    Parameters
    ----------
    la : float or ndarray
        La in nm.
    relation : {'cancado', 'tuinstra_koenig', 'ferrari'}
    laser : float
        Laser wavelength in nm; a wavelength outside the relation's wavelength law puts
        every value outside.

    Returns
    -------
    bool or ndarray of bool
        True where La is finite and outside :data:`LA_RELATIONS` ``[relation]``'s La range
        (Cançado 20–500 nm, Tuinstra–Koenig 2–500 nm, Ferrari below 2 nm), or the laser
        outside the relation's wavelength range; these values carry the flag
        ``outside_calibration``.
    """
    if relation not in LA_RELATIONS:
        raise CharzError(f"la_relation {relation!r} is not one of {', '.join(LA_RELATIONS)}")
    _, (lo, hi), (llo, lhi), _ = LA_RELATIONS[relation]
    v = np.asarray(la, float)
    out = np.isfinite(v) & ((v < lo) | (v > hi) | (not llo <= laser <= lhi))
    return bool(out) if out.ndim == 0 else out


def _ratio_for(la: np.ndarray, relation: str, laser: float) -> np.ndarray:
    """The D/G ratios that give ``la`` (to re-issue the calibrated-range warning once)."""
    c = la_prefactor(relation, laser)
    la = la[np.isfinite(la) & (la > 0)]
    return c * la**2 if relation == "ferrari" else c / la
