"""Guinier analysis: radius of gyration with an automatic range (q·Rg ≤ 1.3).

``ln I(q) = ln I0 − Rg² q² / 3`` holds for q·Rg ≲ 1.3 (globular scatterers; Guinier &
Fournet 1955). For hard carbons apply it to the nanopore term, i.e. the curve minus the
low-q power law and the background (:meth:`saxs.models.ModelFitResult.pore_term`): on the
raw curve the Porod tail of the particles dominates the lowest q.

Pore size: a homogeneous sphere has R = √(5/3)·Rg, so ``saxs_pore_diameter`` =
2·√(5/3)·Rg (FIELD-NOTES §3.4). For polydisperse pores Rg is a z-average,
Rg² = (3/5)⟨R⁸⟩/⟨R⁶⟩, biased toward the largest pores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from charz.display import DescriptorsHTMLMixin
from charz.errors import FitError
from charz.flags import POOR_FIT
from charz.record import Measurement, Provenance
from saxs._common import SPHERE_R_PER_RG, as_curve

__all__ = ["GuinierResult", "fit_guinier", "fit_guinier_raw"]


@dataclass(frozen=True, slots=True, eq=False)
class GuinierResult(DescriptorsHTMLMixin):
    """Guinier fit.

    Attributes
    ----------
    saxs_rg : Measurement
        ``saxs_rg`` (nm).
    saxs_pore_diameter : Measurement
        ``saxs_pore_diameter`` = 2·√(5/3)·Rg (homogeneous sphere), nm.
    i0 : Measurement
        Extrapolated I(0) (intensity unit).
    q_min, q_max : float
        Range used, 1/nm; ``qrg_max`` = q_max·Rg.
    n_points : int
        Points in the range.
    curve : xarray.Dataset
        ``data``, ``best_fit`` over the whole input q, and ``in_range`` (bool).
    """

    saxs_rg: Measurement
    saxs_pore_diameter: Measurement
    i0: Measurement
    q_min: float
    q_max: float
    qrg_max: float
    n_points: int
    curve: xr.Dataset = field(repr=False)
    report_diameter: bool = True

    figure_name: ClassVar[str] = "guinier"

    def descriptors(self) -> dict[str, Measurement]:
        """``saxs_rg`` and (unless ``report_diameter`` is False) ``saxs_pore_diameter``."""
        if not self.report_diameter:
            return {"saxs_rg": self.saxs_rg}
        return {"saxs_rg": self.saxs_rg, "saxs_pore_diameter": self.saxs_pore_diameter}

    def plot(self, ax: Any = None) -> Any:
        """Guinier plot: ln I against q², the fitted line and the range used.

        With ``ax=None``: a new figure (constrained layout) with the residuals of the range
        below and the file name in the title.
        """
        import matplotlib.pyplot as plt

        resid_ax = None
        if ax is None:
            _, (ax, resid_ax) = plt.subplots(2, 1, sharex=True, figsize=(5.0, 3.8),
                                             layout="constrained",
                                             gridspec_kw={"height_ratios": [3, 1]})
        q = self.curve["q"].values
        y = self.curve["data"].values
        sel = self.curve["in_range"].values
        pos = y > 0
        shown = pos & (q <= self.q_max * 2)
        ax.plot(q[shown] ** 2, np.log(y[shown]), ".", ms=2, color="0.6", label="data")
        ax.plot(q[sel & pos] ** 2, np.log(y[sel & pos]), ".", ms=3, color="0.1",
                label="Guinier range")
        qq = np.linspace(0, self.q_max * 1.3, 50)
        ax.plot(qq**2, np.log(self.i0.value) - (self.saxs_rg.value * qq) ** 2 / 3, "-", color="C3",
                label="Guinier law")
        ax.set_xlim(0, (self.q_max * 2) ** 2)
        ax.set_ylabel("ln I")
        flags = f"\nflagged: {', '.join(self.saxs_rg.flags)}" if self.saxs_rg.flags else ""
        head = "\n".join(t for t in (str(self.curve.attrs.get("source", "")),
                                      f"Guinier: Rg = {self.saxs_rg.value:.3g} nm, q·Rg ≤ "
                                      f"{self.qrg_max:.2f}{flags}") if t)
        ax.set_title(head, fontsize=9, loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                  fontsize=7, frameon=False)
        if resid_ax is not None:
            fit = np.log(self.i0.value) - (self.saxs_rg.value * q) ** 2 / 3
            m = sel & pos
            resid_ax.axhline(0, color="0.5", lw=0.5)
            resid_ax.plot(q[m] ** 2, np.log(y[m]) - fit[m], ".", ms=2, color="0.35")
            resid_ax.set_ylabel("ln I − fit")
            resid_ax.set_xlabel("q² (1/nm²)")
        else:
            ax.set_xlabel("q² (1/nm²)")
        return ax


def fit_guinier_raw(
    q: np.ndarray,
    intensity: np.ndarray,
    sigma: np.ndarray | None = None,
    *,
    qrg_max: float = 1.3,
    min_points: int = 6,
    window: tuple[float, float] | None = None,
    max_start: int | None = None,
) -> tuple[float, float, float, float, int, int]:
    """Automatic Guinier range on bare arrays (q in 1/nm).

    Every window [i, j] (start i among the first ``max_start`` usable points) is fitted
    at once by weighted linear regression of ln I on q² (cumulative sums: vectorized);
    windows with Rg² > 0, q_j·Rg ≤ ``qrg_max`` and ≥ ``min_points`` points qualify; the
    one with the most points wins (ties: lowest start).

    Returns
    -------
    rg, rg_stderr, ln_i0, ln_i0_stderr, start, stop
        Rg in nm; start/stop are indices into the (range-cut) arrays, stop exclusive.

    Raises
    ------
    FitError
        No window qualifies.
    """
    q = np.asarray(q, dtype=float)
    y = np.asarray(intensity, dtype=float)
    keep = (y > 0) & np.isfinite(y)
    if window is not None:
        keep &= (q >= window[0]) & (q <= window[1])
    idx = np.flatnonzero(keep)
    if idx.size < min_points:
        raise FitError(f"Guinier: only {idx.size} positive points in range; need {min_points}")
    x = q[idx] ** 2
    ly = np.log(y[idx])
    if sigma is not None and np.all(np.isfinite(sigma[idx])) and np.all(sigma[idx] > 0):
        w = (y[idx] / sigma[idx]) ** 2  # σ(ln I) = σ/I
    else:
        w = np.ones_like(x)
    n = x.size
    c = [np.concatenate([[0.0], np.cumsum(v)]) for v in (w, w * x, w * ly, w * x * x, w * x * ly)]
    ns = min(n, max_start if max_start is not None else max(1, n // 3))
    i = np.arange(ns)[:, None]
    j = np.arange(1, n + 1)[None, :]  # stop (exclusive)
    S, Sx, Sy, Sxx, Sxy = (cc[j] - cc[i] for cc in c)
    det = S * Sxx - Sx**2
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (S * Sxy - Sx * Sy) / det
        (Sxx * Sy - Sx * Sxy) / det
        rg2 = -3.0 * slope
        rg = np.sqrt(np.where(rg2 > 0, rg2, np.nan))
        qmax = np.sqrt(x[np.minimum(j - 1, n - 1)])
        npts = j - i
        ok = (npts >= min_points) & np.isfinite(rg) & (qmax * rg <= qrg_max) & (det > 0)
    if not ok.any():
        raise FitError(
            f"Guinier: no range of ≥ {min_points} points satisfies q·Rg ≤ {qrg_max} with a "
            "decreasing ln I(q²); subtract the power-law tail first or give window"
        )
    score = np.where(ok, npts, -1)
    best = np.unravel_index(np.argmax(score), score.shape)
    bi, bj = int(best[0]), int(best[1]) + 1
    # uncertainties from the residual scatter (or σ) of the chosen window
    xs, ys, ws = x[bi:bj], ly[bi:bj], w[bi:bj]
    A = np.column_stack([np.ones_like(xs), xs]) * np.sqrt(ws)[:, None]
    coef, *_ = np.linalg.lstsq(A, ys * np.sqrt(ws), rcond=None)
    resid = ys - (coef[0] + coef[1] * xs)
    dof = max(len(xs) - 2, 1)
    chi2 = float(np.sum(ws * resid**2) / dof)
    cov = np.linalg.inv(A.T @ A) * (chi2 if sigma is None else max(chi2, 1.0))
    slope_v, slope_e = coef[1], np.sqrt(cov[1, 1])
    rg_v = float(np.sqrt(-3.0 * slope_v))
    rg_e = float(1.5 * slope_e / rg_v)
    return rg_v, rg_e, float(coef[0]), float(np.sqrt(cov[0, 0])), int(idx[bi]), int(idx[bj - 1]) + 1


#: Guinier range quality: reduced χ² (with σ) above this, or fewer residual sign changes
#: than this fraction of the points (structured residuals, a runs test) → ``poor_fit``.
#: Both need ln I off the line by more than GUINIER_MIN_RMS (3 % RMS): the Guinier law is
#: itself an approximation at that level near q·Rg = 1.3.
GUINIER_MAX_REDCHI = 4.0
GUINIER_MIN_RUNS = 0.25
GUINIER_MIN_RMS = 0.03


def _guinier_quality(q: np.ndarray, y: np.ndarray, sigma: np.ndarray | None, rg: float,
                     ln_i0: float) -> str:
    """Why the chosen Guinier range is not a straight line in ln I(q²), or ``""``."""
    n = q.size
    resid = np.log(y) - (ln_i0 - (rg * q) ** 2 / 3.0)
    rms = float(np.sqrt(np.mean(resid**2)))
    if rms <= GUINIER_MIN_RMS:  # within 3 % of a straight line: as good as the law itself
        return ""
    if sigma is not None:
        redchi = float(np.sum((resid * y / sigma) ** 2) / max(n - 2, 1))
        if redchi > GUINIER_MAX_REDCHI:
            return f"RMS {rms:.2g} in ln I, reduced χ² {redchi:.3g} > {GUINIER_MAX_REDCHI:g}"
    if n >= 10:
        changes = int(np.sum(np.sign(resid[1:]) != np.sign(resid[:-1])))
        if changes < GUINIER_MIN_RUNS * (n - 1):
            return f"RMS {rms:.2g} in ln I, {changes} residual sign changes in {n} points"
    return ""


def fit_guinier(
    curve: xr.DataArray,
    *,
    qrg_max: float = 1.3,
    min_points: int = 6,
    window: tuple[float, float] | None = None,
    report_diameter: bool = True,
) -> GuinierResult:
    """Radius of gyration from a Guinier fit with an automatic range.

    Parameters
    ----------
    curve : xarray.DataArray
        SAXS curve (q in 1/nm); for hard carbons the pore term
        (``fit_porod_dab(curve).pore_term()``).
    qrg_max : float
        Validity limit of the range, q_max·Rg ≤ qrg_max (1.3 for globular particles).
    min_points : int
        Fewest points in the range.
    window : (float, float), optional
        Restrict the search (1/nm).
    report_diameter : bool
        Put ``saxs_pore_diameter`` among the descriptors (False when a model fit of the
        same curve already reports it: Rg alone then joins the record).

    Returns
    -------
    GuinierResult
        ``saxs_rg`` and ``saxs_pore_diameter`` (2·√(5/3)·Rg).

    Raises
    ------
    FitError
        No range qualifies.

    References
    ----------
    Guinier, A. & Fournet, G. (1955). Small-Angle Scattering of X-rays. Wiley.
    """
    name = curve.attrs.get("source", "curve")
    q, y, sigma, da = as_curve(curve, name=name)
    try:
        rg, rg_e, li0, li0_e, a, b = fit_guinier_raw(q, y, sigma, qrg_max=qrg_max,
                                                     min_points=min_points, window=window)
    except FitError as exc:
        raise FitError(f"{name}: {exc}") from None
    prov = Provenance.from_data(da, parameters={"qrg_max": qrg_max, "min_points": min_points,
                                               "window": list(window) if window else None})
    desc = (f"Guinier fit ln I = ln I0 − Rg²q²/3, automatic range q {q[a]:.3g}–{q[b - 1]:.3g} "
            f"1/nm ({b - a} points, q·Rg ≤ {q[b - 1] * rg:.2f} ≤ {qrg_max})")
    if da.attrs.get("long_name", "").startswith("intensity −"):
        desc += " on the pore term (power law and background subtracted)"
    quality = _guinier_quality(q[a:b], y[a:b], None if sigma is None else sigma[a:b], rg, li0)
    if quality:
        desc += f"; poor fit ({quality}): ln I is not linear in q² over the range"
    flags = (POOR_FIT,) if quality else ()
    rg_m = Measurement(rg, rg_e, "nm", "saxs", desc, prov, flags=flags)
    f = 2.0 * SPHERE_R_PER_RG
    d_m = Measurement(f * rg, f * rg_e, "nm", "saxs",
                      f"{desc}; D = 2·√(5/3)·Rg (homogeneous sphere)", prov,
                      {"rg_nm": rg, "conversion": "D = 2 sqrt(5/3) Rg"}, flags=flags)
    i0 = float(np.exp(li0))
    in_range = np.zeros(q.shape, bool)
    in_range[a:b] = True
    unit = da.attrs.get("units", "1")
    ds = xr.Dataset(
        {"data": ("q", y, {"units": unit, "long_name": "intensity"}),
         "best_fit": ("q", i0 * np.exp(-(q * rg) ** 2 / 3.0),
                      {"units": unit, "long_name": "Guinier law"}),
         "in_range": ("q", in_range, {"units": "1", "long_name": "in the Guinier range"})},
        coords={"q": ("q", q, {"units": "1/nm", "long_name": "q"})},
        attrs={"source": str(da.attrs.get("source", ""))},
    )
    i0_m = Measurement(i0, i0 * li0_e, unit, "saxs", f"{desc}; I(0) extrapolated", prov)
    return GuinierResult(rg_m, d_m, i0_m, float(q[a]), float(q[b - 1]),
                         float(q[b - 1] * rg), b - a, ds, report_diameter)
