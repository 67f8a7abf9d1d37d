"""Size distribution of spheres by maximum entropy (Irena / SasView "size distribution").

The curve, after subtraction of a flat and a power-law background, is modelled as a sum
over diameter bins D_j of dilute homogeneous spheres::

    I(q) = Σ_j f_j ΔD_j · Δρ² V_j P(q, D_j)        (1/cm; Δρ² V in Å⁻⁴·Å³ × 10⁸)

with f(D) the volume distribution (volume fraction per nm of diameter). Maximum entropy
(Skilling & Bryan 1984; Potton, Daniell & Rainford 1988) picks, among the non-negative f
that fit the data to χ² = N (N points, σ from the file times ``weight_factor``), the one of
largest entropy S = Σ [f − m − f ln(f/m)] relative to the flat prior m ("sky
background"). Solved here by damped Newton iterations in u = ln f for each Lagrange
multiplier α and a bisection on α for χ² = N.

``method="nnls"`` gives the plain non-negative least-squares solution (no
regularisation, χ² < N; total volume well determined, shape noisy).

Units: q in 1/nm, D in nm, contrast Δρ in 10⁻⁶ Å⁻² (Irena's "contrast 1" =
10²⁰ cm⁻⁴ = (10⁻⁶ Å⁻²)²). The total volume fraction Σ f ΔD is on absolute scale only for
absolute intensities and the right contrast.

References
----------
Skilling, J. & Bryan, R. K. (1984). Mon. Not. R. Astron. Soc. 211, 111.
Potton, J. A., Daniell, G. J. & Rainford, B. D. (1988). J. Appl. Cryst. 21, 663.
Ilavsky, J. & Jemian, P. R. (2009). J. Appl. Cryst. 42, 347 (Irena).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr
from scipy.optimize import nnls

from charz.display import DescriptorsHTMLMixin
from charz.errors import CharzError, FitError, OptionError
from charz.record import Measurement
from saxs._common import as_curve
from saxs.functions import _sphere_amp

__all__ = ["SizeDistributionResult", "size_distribution"]


@dataclass(frozen=True, slots=True, eq=False)
class SizeDistributionResult(DescriptorsHTMLMixin):
    """Sphere size distribution.

    Attributes
    ----------
    diameter : ndarray
        Bin diameters, nm (log-spaced, ends at ``d_min`` and ``d_max``).
    volume_distribution : ndarray
        f(D), volume fraction per nm.
    number_distribution : ndarray
        n(D) = f(D)/V(D), number per nm per nm³.
    total_volume : float
        Σ f ΔD (volume fraction; relative unless I is absolute).
    mean_diameter : float
        Volume-weighted mean diameter, nm.
    chi2 : float
        χ² of the fit (N points: ``n_points``).
    alpha : float or None
        Entropy multiplier at χ² = N (None for NNLS).
    curve : xarray.Dataset
        ``data`` (background-subtracted), ``best_fit`` over q.
    """

    diameter: np.ndarray = field(repr=False)
    volume_distribution: np.ndarray = field(repr=False)
    number_distribution: np.ndarray = field(repr=False)
    total_volume: float
    mean_diameter: float
    chi2: float
    n_points: int
    alpha: float | None
    method: str
    curve: xr.Dataset = field(repr=False)

    def descriptors(self) -> dict[str, Measurement]:
        """No record key: a distribution is not one number (see the attributes)."""
        return {}

    def plot(self, ax: Any = None) -> Any:
        """Volume distribution f(D) on a log diameter axis."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(layout="constrained")
        ax.plot(self.diameter, self.volume_distribution, "-", color="C0")
        ax.set_xscale("log")
        ax.set_xlabel("diameter (nm)")
        ax.set_ylabel("f(D) (1/nm)")
        ax.set_title(f"{self.method}: total {self.total_volume:.3g}, "
                     f"<D>_V = {self.mean_diameter:.3g} nm")
        return ax


def _newton(A: np.ndarray, b: np.ndarray, m: np.ndarray, alpha: float, u: np.ndarray,
            iters: int = 200) -> np.ndarray:
    """Minimise ½|A e^u − b|² − α S(e^u) over u by damped Newton steps."""
    AtA = A.T @ A
    Atb = A.T @ b
    lam = 1e-3

    def value(uu: np.ndarray) -> float:
        f = np.exp(uu)
        r = A @ f - b
        return 0.5 * r @ r - alpha * np.sum(f - m - f * (uu - np.log(m)))

    v = value(u)
    for _ in range(iters):
        f = np.exp(u)
        g_f = AtA @ f - Atb + alpha * (u - np.log(m))
        grad = f * g_f
        H = (f[:, None] * AtA * f[None, :]) + np.diag(f * g_f + alpha * f)
        # Levenberg-damped step (H may be indefinite through the f*g_f term)
        Hd = H + lam * np.diag(np.abs(np.diag(H)) + 1e-30)
        try:
            step = np.linalg.solve(Hd, -grad)
        except np.linalg.LinAlgError:
            lam *= 10
            continue
        step = np.clip(step, -5.0, 5.0)
        un = u + step
        vn = value(un)
        if vn < v:
            rel = (v - vn) / max(abs(v), 1e-300)
            u, v = un, vn
            lam = max(lam / 3, 1e-9)
            if rel < 1e-10 and np.max(np.abs(step)) < 1e-4:
                break
        else:
            lam *= 5
            if lam > 1e12:
                break
    return u


def size_distribution(
    curve: xr.DataArray,
    *,
    d_min: float,
    d_max: float,
    n_bins: int = 100,
    contrast: float = 1.0,
    background: float = 0.0,
    power_law: tuple[float, float] | None = None,
    window: tuple[float, float] | None = None,
    weight_factor: float = 1.0,
    sky: float | None = None,
    method: Literal["maxent", "nnls"] = "maxent",
) -> SizeDistributionResult:
    """Volume distribution of sphere diameters by maximum entropy (or NNLS).

    Parameters
    ----------
    curve : xarray.DataArray
        SAXS curve with σ (q in 1/nm).
    d_min, d_max : float
        Diameter range, nm (bins log-spaced, first and last at these values, as Irena).
    n_bins : int
        Number of diameters.
    contrast : float
        Δρ in 10⁻⁶ Å⁻².
    background : float
        Flat background subtracted first (intensity unit).
    power_law : (float, float), optional
        (scale, exponent) of a power-law background ``scale·q^-exponent`` subtracted
        first, with q in 1/nm.
    window : (float, float), optional
        Fitted q range (1/nm).
    weight_factor : float
        Multiplies σ (Irena's "weight factor").
    sky : float, optional
        Prior level m of f (1/nm); default 1e-6 × max of the NNLS solution.
    method : {'maxent', 'nnls'}

    Returns
    -------
    SizeDistributionResult

    Raises
    ------
    FitError
        χ² = N cannot be reached (the data are fitted worse than their σ even without
        regularisation: wrong background or σ).
    """
    name = curve.attrs.get("source", "curve")
    q, y, sigma, _ = as_curve(curve, window=window, name=name)
    if sigma is None:
        raise CharzError(f"{name}: the size distribution needs σ(I) in the data")
    if not 0 < d_min < d_max:
        raise OptionError(f"need 0 < d_min < d_max, got {d_min}, {d_max}")
    y = y - background
    if power_law is not None:
        y = y - power_law[0] * q ** (-power_law[1])
    s = sigma * weight_factor
    diam = np.geomspace(d_min, d_max, n_bins)
    dd = np.gradient(diam)
    r_a = diam * 5.0  # radius in Å
    vol = 4.0 / 3.0 * np.pi * r_a**3
    x = np.multiply.outer(q / 10.0, r_a)  # q in 1/Å
    kernel = _sphere_amp(x) ** 2 * vol * (contrast * 1e-6) ** 2 * 1e8 * dd
    A = kernel / s[:, None]
    b = y / s
    n = len(b)
    scale = np.linalg.norm(A, axis=0)
    scale[scale == 0] = 1.0
    f_nnls = nnls(A / scale, b, maxiter=50 * n_bins)[0] / scale
    if method == "nnls":
        f, alpha, how = f_nnls, None, "non-negative least squares"
    elif method == "maxent":
        m = np.full(n_bins, sky if sky is not None else 1e-6 * max(f_nnls.max(), 1e-300))
        r0 = A @ f_nnls - b
        if r0 @ r0 > n:
            raise FitError(f"{name}: even the unregularised fit has χ² = {r0 @ r0:.4g} > N = "
                           f"{n}; check the background and σ")
        u = np.log(np.maximum(f_nnls, m))

        def chi2(log_alpha: float) -> tuple[float, np.ndarray]:
            nonlocal u
            u = _newton(A, b, m, float(np.exp(log_alpha)), u)
            r = A @ np.exp(u) - b
            return float(r @ r), u

        # bracket α: χ² grows with α; bisection in log α for χ² = N
        lo, hi = np.log(1e-8), np.log(1e8)
        c_lo, _ = chi2(lo)
        if c_lo > n:
            raise FitError(f"{name}: maximum entropy cannot reach χ² = N = {n}")
        u_lo = u.copy()
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            u = u_lo.copy()
            c, _ = chi2(mid)
            if c > n:
                hi = mid
            else:
                lo, u_lo = mid, u.copy()
            if hi - lo < 1e-3 or abs(c - n) < 5e-3 * n:
                break
        f, alpha, how = np.exp(u_lo), float(np.exp(lo)), "maximum entropy (χ² = N)"
    else:
        raise OptionError(f"method must be 'maxent' or 'nnls', got {method!r}")
    fit = kernel @ f
    total = float(np.sum(f * dd))
    mean_d = float(np.sum(f * dd * diam) / total) if total > 0 else float("nan")
    chi = float(np.sum(((fit - y) / s) ** 2))
    number = f / (vol * 1e-3)  # per nm³
    unit = curve.attrs.get("units", "1")
    ds = xr.Dataset({"data": ("q", y, {"units": unit, "long_name": "intensity − background"}),
                     "best_fit": ("q", fit, {"units": unit, "long_name": "size-distribution fit"}),
                     "sigma": ("q", s, {"units": unit, "long_name": "σ × weight factor"})},
                    coords={"q": ("q", q, {"units": "1/nm", "long_name": "q"})})
    return SizeDistributionResult(diam, f, number, total, mean_d, chi, n, alpha,
                                  f"{how}, spheres, {n_bins} log bins {d_min:g}–{d_max:g} nm, "
                                  f"contrast {contrast:g}e-6 Å⁻²", ds)
