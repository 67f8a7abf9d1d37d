"""SAXS model intensities I(q) of hard carbons: plain vectorized numpy functions of q.

Units: q in 1/nm, lengths in nm, intensities in the unit of the scale factors. These are
the terms that :mod:`saxs.models` fits with lmfit (power law, Debye–Anderson–Brumberger,
polydisperse spheres, Beaucage unified level, Guinier–Porod); they are public so that
synthetic curves and tests use the same formulas.

References
----------
Debye, P., Anderson, H. R. & Brumberger, H. (1957). J. Appl. Phys. 28, 679.
Beaucage, G. (1995). J. Appl. Cryst. 28, 717.
Hammouda, B. (2010). J. Appl. Cryst. 43, 716.
"""

from __future__ import annotations

import functools
from typing import Literal

import numpy as np
from scipy.special import erf

from charz.errors import OptionError

__all__ = [
    "dab",
    "guinier_porod",
    "porod_dab",
    "power_law",
    "sphere_intensity",
    "sphere_intensity_sld",
    "unified_level",
]

PdType = Literal["schulz", "gaussian", "lognormal"]

def power_law(q: np.ndarray, scale: float, exponent: float) -> np.ndarray:
    """Power law ``scale · q^-exponent`` (q in 1/nm)."""
    return scale * np.power(q, -exponent)


def dab(q: np.ndarray, scale: float, length: float) -> np.ndarray:
    """Debye–Anderson–Brumberger term ``scale / (1 + length² q²)²``.

    Parameters
    ----------
    q : ndarray
        1/nm.
    scale : float
        I(0) of the term (intensity unit). On absolute scale
        I(0) = 8π φ(1−φ) Δρ² a³ (Debye, Anderson & Brumberger 1957).
    length : float
        Correlation length a in nm.
    """
    return scale / (1.0 + (length * q) ** 2) ** 2


def porod_dab(q: np.ndarray, porod_scale: float, porod_exponent: float, dab_scale: float,
              dab_length: float, background: float) -> np.ndarray:
    """Porod + DAB + constant: ``A q^-P + B/(1 + a² q²)² + bkg`` (Kalliat 1981; Dahn 1996)."""
    return power_law(q, porod_scale, porod_exponent) + dab(q, dab_scale, dab_length) + background


def _sphere_amp(x: np.ndarray) -> np.ndarray:
    """Normalised sphere amplitude 3 j1(x)/x (→ 1 at x → 0), stable for small x."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    small = x < 1e-3
    xs = x[small]
    out[small] = 1.0 - xs**2 / 10.0 + xs**4 / 280.0
    xl = x[~small]
    out[~small] = 3.0 * (np.sin(xl) - xl * np.cos(xl)) / xl**3
    return out


def _radius_grid(radius: float, pd: float, pd_type: PdType, n: int = 121
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Radii and number weights (sum 1) of a size distribution; pd = 0: one radius."""
    if pd <= 0:
        return np.array([radius]), np.array([1.0])
    if pd_type == "lognormal":
        # median = radius, sigma of ln r = pd
        lo, hi = np.log(radius) - 6 * pd, np.log(radius) + 6 * pd
        lnr = np.linspace(lo, hi, n)
        r = np.exp(lnr)
        w = np.exp(-0.5 * ((lnr - np.log(radius)) / pd) ** 2)  # pdf in ln r; dr/r grid
    else:
        sig = pd * radius
        lo = max(radius - (4 if pd_type == "gaussian" else 6) * sig, radius * 1e-3)
        hi = radius + (4 if pd_type == "gaussian" else 9) * sig
        r = np.linspace(lo, hi, n)
        if pd_type == "gaussian":
            w = np.exp(-0.5 * ((r - radius) / sig) ** 2)
        elif pd_type == "schulz":
            z = 1.0 / pd**2 - 1.0
            lw = z * np.log(r / radius) - (z + 1.0) * (r / radius - 1.0)
            w = np.exp(lw - lw.max())
        else:
            raise OptionError("pd_type must be 'schulz', 'gaussian' or 'lognormal', "
                             f"got {pd_type!r}")
    w = w / w.sum()
    return r, w


def sphere_intensity(q: np.ndarray, scale: float, radius: float, pd: float = 0.0,
                     pd_type: PdType = "schulz") -> np.ndarray:
    """Polydisperse homogeneous spheres, normalised so that I(0) = ``scale``.

    ``I(q) = scale · Σ n(r) V(r)² Φ²(q r) / Σ n(r) V(r)²`` with Φ = 3 j1(x)/x and n(r) the
    number distribution of radii.

    Parameters
    ----------
    q : ndarray
        1/nm.
    scale : float
        I(0) of the term.
    radius : float
        Mean radius (Schulz, Gaussian) or median (log-normal), nm.
    pd : float
        Relative width σ_r/R (Schulz, Gaussian) or σ of ln r (log-normal); 0 = monodisperse.
    pd_type : {'schulz', 'gaussian', 'lognormal'}
        Distribution (sasmodels' names and width conventions).

    Notes
    -----
    For pd ≥ 0.05 the normalised curve F(qR) is tabulated once per (pd, pd_type) on 6001
    log-spaced points of x = qR (cached) and interpolated: fits with a fixed pd then cost
    one interpolation per evaluation. Below pd = 0.05 the sum over radii is evaluated
    directly (the oscillations are too sharp to tabulate).
    """
    q = np.asarray(q, dtype=float)
    if pd >= 0.05:
        return scale * _sphere_table_eval(q * radius, float(pd), pd_type)
    r, w = _radius_grid(radius, pd, pd_type)
    v2 = w * r**6
    amp = _sphere_amp(np.multiply.outer(q, r))
    return scale * (amp**2 @ v2) / v2.sum()


_X_TABLE = np.geomspace(1e-3, 1e3, 6001)


@functools.lru_cache(maxsize=64)
def _sphere_table(pd: float, pd_type: str) -> tuple[np.ndarray, float]:
    """Normalised polydisperse sphere curve F(x = qR) on a log grid (cached per pd)."""
    r, w = _radius_grid(1.0, pd, pd_type)  # type: ignore[arg-type]
    v2 = w * r**6
    f = (_sphere_amp(np.multiply.outer(_X_TABLE, r)) ** 2 @ v2) / v2.sum()
    return np.log(f), float(f[-1])


def _sphere_table_eval(x: np.ndarray, pd: float, pd_type: str) -> np.ndarray:
    """F(x) by interpolation in log–log (smooth for pd ≥ 0.05); x⁻⁴ Porod tail beyond."""
    logf, f_end = _sphere_table(round(pd, 12), pd_type)
    lx = np.log(np.clip(x, _X_TABLE[0], _X_TABLE[-1]))
    out = np.exp(np.interp(lx, np.log(_X_TABLE), logf))
    big = x > _X_TABLE[-1]
    if big.any():
        out[big] = f_end * (_X_TABLE[-1] / x[big]) ** 4
    return out


def sphere_intensity_sld(q: np.ndarray, volfraction: float, radius: float, contrast: float,
                         pd: float = 0.0, pd_type: PdType = "schulz") -> np.ndarray:
    """Dilute polydisperse spheres on absolute scale (sasmodels ``sphere`` convention).

    ``I(q) = φ Δρ² ⟨V² Φ²⟩/⟨V⟩`` in 1/cm, with q in 1/nm, radius in nm and the contrast
    Δρ in 10⁻⁶ Å⁻². Dilute form factor: φ, not φ(1−φ).
    """
    r, w = _radius_grid(radius, pd, pd_type)
    vol = 4.0 / 3.0 * np.pi * (r * 10.0) ** 3  # Å^3
    i0 = volfraction * (contrast * 1e-6) ** 2 * np.sum(w * vol**2) / np.sum(w * vol) * 1e8
    return sphere_intensity(q, i0, radius, pd, pd_type)


def unified_level(q: np.ndarray, g: float, rg: float, b: float, p: float) -> np.ndarray:
    """One Beaucage unified level: ``G exp(−q²Rg²/3) + B [erf(q Rg/√6)³ / q]^P``.

    q in 1/nm, Rg in nm (Beaucage 1995, Eq. 10 with no high-q cut-off).
    """
    qs = q / (erf(q * rg / np.sqrt(6.0)) ** 3)
    return g * np.exp(-(q * rg) ** 2 / 3.0) + b * np.power(qs, -p)


def guinier_porod(q: np.ndarray, g: float, rg: float, s: float = 0.0, m: float = 4.0
                  ) -> np.ndarray:
    """Guinier–Porod term (Hammouda 2010).

    ``G/q^s exp(−q²Rg²/(3−s))`` for q ≤ Q1 and ``D/q^m`` above, with
    ``Q1 = (1/Rg) √((m−s)(3−s)/2)`` and D chosen for continuity. s = 0: spheres/globules.
    """
    q = np.asarray(q, dtype=float)
    q1 = np.sqrt((m - s) * (3.0 - s) / 2.0) / rg
    d = g * np.exp(-(q1 * rg) ** 2 / (3.0 - s)) * q1 ** (m - s)
    low = g * np.power(q, -s) * np.exp(-(q * rg) ** 2 / (3.0 - s))
    high = d * np.power(q, -m)
    return np.where(q <= q1, low, high)
