"""Generate hard-carbon XRD patterns from known structure (for tests, demos and checks).

The pattern is built the way the fit model reads it back, so that a fit must return the
structure it was made from: Bragg positions from d002 and d10, widths from Lc and La by
Scherrer (K 0.89 on (002), 1.84 on (10), FWHM), pseudo-Voigt profiles, the Kα2 doublet
(exact Bragg splitting), a low-angle power-law tail in q, a sloping background, optional
JIS L·P·f² factors and Poisson noise.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from xrd.corrections import jis_correction_factor
from xrd.io import make_pattern

__all__ = ["bragg_two_theta", "scherrer_fwhm", "simulate_pattern"]


def bragg_two_theta(d: float | np.ndarray, wavelength: float) -> np.ndarray:
    """2θ (deg) of a spacing d (nm) at λ (nm): 2 arcsin(λ / 2d)."""
    return np.degrees(2 * np.arcsin(wavelength / (2 * np.asarray(d, float))))


def scherrer_fwhm(size: float, two_theta: float, wavelength: float, k: float) -> float:
    """FWHM (deg of 2θ) of a crystallite size (nm) by Scherrer: β = K λ / (L cos θ)."""
    th = np.radians(two_theta) / 2
    return float(np.degrees(k * wavelength / (size * np.cos(th))))


def _pv(x: np.ndarray, h: float, c: float, w: float, eta: float) -> np.ndarray:
    u = (x - c) / w
    return h * (eta / (1 + 4 * u**2) + (1 - eta) * np.exp(-4 * np.log(2) * u**2))


def simulate_pattern(
    *,
    d002: float = 0.375,
    lc: float = 1.3,
    la: float = 3.5,
    d10: float = 0.2085,
    two_theta: np.ndarray | None = None,
    wavelength: float = 0.1540593,
    wavelength_ka2: float = 0.1544414,
    ka2_ratio: float = 0.5,
    height_002: float = 2000.0,
    height_10: float = 600.0,
    fraction: float = 0.3,
    tail_amplitude: float = 1500.0,
    tail_exponent: float = 3.0,
    background: tuple[float, float] = (300.0, -2.0),
    graphitic: tuple[float, float, float] | None = None,
    lp_f2: bool = False,
    monochromator_two_theta: float | None = 26.6,
    noise: bool = True,
    seed: int = 0,
) -> xr.DataArray:
    """A hard-carbon powder pattern of known structure.

    Parameters
    ----------
    d002, lc, la, d10 : float
        Interlayer spacing, stacking height, lateral size and (10) spacing, nm.
    two_theta : ndarray, optional
        Grid in deg (default 8–70° in 0.02° steps).
    wavelength, wavelength_ka2 : float
        Kα1 and Kα2 in nm.
    ka2_ratio : float
        I(Kα2)/I(Kα1); 0 for no Kα2.
    height_002, height_10 : float
        Kα1 peak heights (counts) of the true profile.
    fraction : float
        Lorentzian share of the pseudo-Voigt profiles.
    tail_amplitude, tail_exponent : float
        Low-angle tail A (q/q₀)^−n, q₀ = q at 10° (counts).
    background : (float, float)
        Level (counts) at 10° and slope (counts/deg) of a straight background.
    graphitic : (d, fwhm_deg, height), optional
        A sharp graphitic (002) line.
    lp_f2 : bool
        Multiply the scattering (peaks, tail and background) by L·P·f_C² (JIS factors,
        normalised to 1 at the (002) position), as a real pattern carries them.
    monochromator_two_theta : float or None
        Polarization of ``lp_f2``.
    noise : bool
        Poisson counting noise (``np.random.default_rng(seed)``).

    Returns
    -------
    xarray.DataArray
        Pattern with ``attrs`` wavelength, wavelength_ka2, ka2_ratio, anode and a
        ``truth_*`` record of the inputs (true Kα1 positions and Scherrer FWHMs).
    """
    x = np.arange(8.0, 70.0, 0.02) if two_theta is None else np.asarray(two_theta, float)
    c002 = float(bragg_two_theta(d002, wavelength))
    c10 = float(bragg_two_theta(d10, wavelength))
    w002 = scherrer_fwhm(lc, c002, wavelength, 0.89)
    w10 = scherrer_fwhm(la, c10, wavelength, 1.84)
    lines = [(height_002, c002, w002), (height_10, c10, w10)]
    if graphitic is not None:
        dg, wg, hg = graphitic
        lines.append((hg, float(bragg_two_theta(dg, wavelength)), wg))

    def peaks(xx: np.ndarray) -> np.ndarray:
        return sum(_pv(xx, h, c, w, fraction) for h, c, w in lines)

    y = peaks(x)
    if ka2_ratio:
        x2 = np.degrees(2 * np.arcsin(np.clip(
            np.sin(np.radians(x) / 2) * wavelength / wavelength_ka2, -1, 1)))
        y = y + ka2_ratio * peaks(x2)
    q = 4 * np.pi * np.sin(np.radians(x) / 2) / wavelength
    q0 = 4 * np.pi * np.sin(np.radians(10.0) / 2) / wavelength
    y = y + tail_amplitude * (q / q0) ** (-tail_exponent)
    y = y + background[0] + background[1] * (x - 10.0)
    if lp_f2:
        f = jis_correction_factor(x, wavelength, monochromator_two_theta=monochromator_two_theta)
        f0 = jis_correction_factor(np.array([c002]), wavelength,
                                   monochromator_two_theta=monochromator_two_theta)[0]
        y = y * f / f0
    y = np.clip(y, 0, None)
    if noise:
        y = np.random.default_rng(seed).poisson(y).astype(float)
    attrs = {
        "wavelength": wavelength,
        "wavelength_ka2": wavelength_ka2,
        "ka2_ratio": ka2_ratio,
        "anode": "Cu",
        "wavelength_source": "file",
        "source": "simulated",
        "truth_d002": d002,
        "truth_lc": lc,
        "truth_la": la,
        "truth_two_theta_002": c002,
        "truth_fwhm_002": w002,
        "truth_two_theta_10": c10,
        "truth_fwhm_10": w10,
        "truth_lp_f2": int(lp_f2),
    }
    return make_pattern(x, y, attrs=attrs)
