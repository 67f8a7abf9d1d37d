"""Instrument line-profile standards (LaB6, CeO2, Si): Caglioti resolution and 2θ offset.

:func:`fit_caglioti` fits the line widths of a standard measured with the same optics and
returns the instrument FWHM(2θ) used by :func:`xrd.peaks.fit_pattern` (``instrument=``);
:func:`standard_offset` measures the 2θ zero offset from the lines of an internal standard
(``internal_standard=``). Both fit each reflection as a pseudo-Voigt (a Kα1/Kα2 doublet
when the pattern carries Kα2) on a linear background.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import lmfit
import numpy as np
import xarray as xr

from charz.errors import FitError, MissingMetadataError, OptionError
from charz.peaks import pseudo_voigt
from xrd.corrections import _wavelength, ka2_shift

__all__ = ["STANDARDS", "CagliotiResult", "fit_caglioti", "standard_offset"]


#: Cubic line-profile standards: lattice parameter (nm) and reflection rule.
STANDARDS: dict[str, tuple[float, str]] = {
    "LaB6": (0.4156826, "P"),  # NIST SRM 660c
    "CeO2": (0.54113, "F"),  # NIST SRM 674b
    "Si": (0.5431021, "D"),  # NIST SRM 640
}


def _reflections(material: str, wavelength: float, lo: float, hi: float) -> np.ndarray:
    a, rule = STANDARDS[material]
    h, k, l_ = np.meshgrid(*(np.arange(0, 9),) * 3, indexing="ij")
    h, k, l_ = h.ravel(), k.ravel(), l_.ravel()
    ok = (h >= k) & (k >= l_) & (h + k + l_ > 0)
    if rule == "F":
        par = (h % 2 == k % 2) & (k % 2 == l_ % 2)
        ok &= par
    elif rule == "D":
        allodd = (h % 2 == 1) & (k % 2 == 1) & (l_ % 2 == 1)
        alleven4 = (h % 2 == 0) & (k % 2 == 0) & (l_ % 2 == 0) & ((h + k + l_) % 4 == 0)
        ok &= allodd | alleven4
    s2 = np.unique((h**2 + k**2 + l_**2)[ok])
    d = a / np.sqrt(s2)
    arg = wavelength / (2 * d)
    tt = np.degrees(2 * np.arcsin(arg[arg < 1]))
    return np.sort(tt[(tt > lo) & (tt < hi)])


@dataclass(frozen=True, slots=True, eq=False)
class CagliotiResult:
    """Instrument resolution FWHM² = U tan²θ + V tan θ + W (deg²), from a standard.

    Attributes
    ----------
    u, v, w : float
        Caglioti parameters, deg².
    material : str
        Standard used (``LaB6``, ``CeO2``, ``Si``).
    lines : xarray.Dataset
        Per reflection: ``two_theta`` and fitted ``fwhm`` (deg) with ``fwhm_stderr``.
    source : str
        File of the standard.

    References
    ----------
    G. Caglioti, A. Paoletti, F. P. Ricci, Nucl. Instrum. 3 (1958) 223.
    """

    u: float
    v: float
    w: float
    material: str
    lines: xr.Dataset = field(repr=False)
    source: str = ""

    def fwhm(self, two_theta: Any) -> Any:
        """Instrument FWHM (deg) at 2θ (deg)."""
        t = np.tan(np.radians(np.asarray(two_theta, float)) / 2)
        return np.sqrt(np.clip(self.u * t**2 + self.v * t + self.w, 0, None))

    def describe(self) -> str:
        """One line for method strings."""
        return (f"Caglioti U={self.u:.3g}, V={self.v:.3g}, W={self.w:.3g} deg² from "
                f"{self.material} {self.source}".strip())


def fit_caglioti(
    standard: xr.DataArray,
    *,
    material: Literal["LaB6", "CeO2", "Si"] | None = None,
    wavelength: float | None = None,
    half_window: float | None = None,
    min_two_theta: float | None = None,
    max_two_theta: float | None = None,
    ka2: Literal["auto", "model", "ignore"] = "auto",
) -> CagliotiResult:
    """Fit Caglioti U, V, W to the line widths of a LaB6 / CeO2 / Si pattern.

    Parameters
    ----------
    standard : xarray.DataArray
        Pattern of the standard over ``two_theta`` (deg), measured with the same optics.
    material : {'LaB6', 'CeO2', 'Si'}, optional
        Default: guessed from ``attrs["source"]`` (the file name).
    wavelength : float, optional
        λ in nm (default ``attrs["wavelength"]``).
    half_window : float, optional
        Half width (deg) of the window fitted around each line; default from the
        observed width of the strongest line (8 FWHM, at least 0.25°).
    min_two_theta, max_two_theta : float, optional
        Range of lines used (deg); default the pattern's range.
    ka2 : {'auto', 'model', 'ignore'}
        Model each line as a Kα1/Kα2 doublet (``auto``: when ``attrs["ka2_ratio"]`` > 0).

    Returns
    -------
    CagliotiResult

    Raises
    ------
    FitError
        Fewer than 3 lines could be fitted.
    """
    lam = _wavelength(standard, wavelength)
    src = str(standard.attrs.get("source", ""))
    if material is None:
        for name in STANDARDS:
            if name.lower() in src.lower():
                material = name  # type: ignore[assignment]
                break
        else:
            raise OptionError(
                f"fit_caglioti: say which standard {src!r} is (material='LaB6'|'CeO2'|'Si')"
            )
    if material not in STANDARDS:
        raise OptionError(f"material {material!r} is not one of {', '.join(STANDARDS)}")
    x = standard["two_theta"].values.astype(float)
    y = standard.values.astype(float)
    hi = max_two_theta if max_two_theta is not None else float(x.max())
    lo = float(x.min()) if min_two_theta is None else max(min_two_theta, float(x.min()))
    ratio = float(standard.attrs.get("ka2_ratio") or 0.0)
    lam2 = standard.attrs.get("wavelength_ka2")
    use_ka2 = ka2 == "model" or (ka2 == "auto" and ratio > 0 and lam2 is not None)
    if ka2 == "model" and (ratio <= 0 or lam2 is None):
        raise MissingMetadataError("fit_caglioti(ka2='model') needs ka2_ratio and "
                                   "wavelength_ka2 in attrs")
    step = float(np.median(np.diff(x)))
    if half_window is None:
        i = int(np.argmax(y))
        half = y[i] / 2
        left = np.flatnonzero(y[:i] < half + np.median(y) / 2)
        right = np.flatnonzero(y[i:] < half + np.median(y) / 2)
        w0 = ((i - left[-1]) if left.size else 5) + (right[0] if right.size else 5)
        half_window = max(0.25, 8 * w0 * step)
    lines = _reflections(material, lam, lo + half_window, hi - half_window)
    # lines closer than the fit window to a neighbour would bias the widths: left out
    gap = np.diff(lines)
    isolated = np.ones(lines.size, bool)
    isolated[1:] &= gap > half_window
    isolated[:-1] &= gap > half_window
    lines = lines[isolated]
    model = _line_model(lam, float(lam2) if use_ka2 else None, ratio if use_ka2 else 0.0)
    tts, ws, es = [], [], []
    for c in lines:
        res = _fit_line(model, x, y, c, half_window, min_points=12,
                        fwhm=max(3 * step, 0.02))
        if res is None or res.params["fwhm"].stderr is None:
            continue
        tts.append(res.params["center"].value)
        ws.append(res.params["fwhm"].value)
        es.append(res.params["fwhm"].stderr)
    if len(tts) < 3:
        raise FitError(f"fit_caglioti: only {len(tts)} {material} lines could be fitted in "
                       f"{src}; need at least 3")
    tt, fw, er = np.array(tts), np.array(ws), np.array(es)
    t = np.tan(np.radians(tt) / 2)
    a = np.stack([t**2, t, np.ones_like(t)], axis=1)
    sig = np.clip(2 * fw * er, 1e-12, None)  # σ of FWHM²
    coef, *_ = np.linalg.lstsq(a / sig[:, None], fw**2 / sig, rcond=None)
    ds = xr.Dataset(
        {"fwhm": ("line", fw, {"units": "deg"}), "fwhm_stderr": ("line", er, {"units": "deg"})},
        coords={"two_theta": ("line", tt, {"units": "deg"})},
    )
    return CagliotiResult(float(coef[0]), float(coef[1]), float(coef[2]), str(material), ds,
                          src)


def standard_offset(
    pattern: xr.DataArray,
    *,
    material: Literal["Si", "LaB6", "CeO2"] = "Si",
    wavelength: float | None = None,
    half_window: float = 0.4,
) -> tuple[float, float, list[float]]:
    """2θ offset of a pattern from the lines of an internal standard.

    Each line of ``material`` inside the pattern is fitted (pseudo-Voigt, Kα2 doublet when
    the pattern has one, linear background over ±``half_window``); the offset is the
    weighted mean of fitted − tabulated positions (Si SRM 640: a = 0.5431021 nm).

    Returns
    -------
    offset : float
        Mean 2θ(observed) − 2θ(tabulated), deg (subtract it from the axis).
    stderr : float
        Its standard error (deg).
    lines : list of float
        Tabulated positions of the lines used (deg).

    Raises
    ------
    FitError
        No line of the standard could be fitted.
    """
    lam = _wavelength(pattern, wavelength)
    x = pattern["two_theta"].values.astype(float)
    y = pattern.values.astype(float)
    ratio = float(pattern.attrs.get("ka2_ratio") or 0.0)
    lam2 = pattern.attrs.get("wavelength_ka2")
    model = _line_model(lam, float(lam2) if ratio > 0 and lam2 else None, ratio)
    offs, errs, used = [], [], []
    step = float(np.median(np.diff(x)))
    for c in _reflections(material, lam, float(x.min()) + half_window,
                          float(x.max()) - half_window):
        res = _fit_line(model, x, y, c, half_window, min_points=10,
                        fwhm=max(4 * step, 0.05))
        if res is not None and res.params["center"].stderr:
            offs.append(res.params["center"].value - c)
            errs.append(res.params["center"].stderr)
            used.append(float(c))
    if not offs:
        raise FitError(f"{pattern.attrs.get('source', '')}: no {material} line could be fitted")
    w = 1 / np.asarray(errs) ** 2
    off = float(np.sum(w * np.asarray(offs)) / w.sum())
    return off, float(1 / math.sqrt(w.sum())), used


def _fit_line(model: lmfit.Model, x: np.ndarray, y: np.ndarray, c: float, half_window: float,
              *, min_points: int, fwhm: float) -> lmfit.model.ModelResult | None:
    """Fit one line of a standard at tabulated 2θ ``c`` within ±``half_window`` (deg).

    Poisson weights; ``None`` when the window holds fewer than ``min_points`` points, the
    line is weaker than 10 √background counts, or the fit fails.
    """
    m = (x > c - half_window) & (x < c + half_window)
    if m.sum() < min_points:
        return None
    xs, ys = x[m], y[m]
    base = float(np.percentile(ys, 10))
    if ys.max() - base < 10 * math.sqrt(max(base, 1.0)):
        return None  # too weak
    step = float(np.median(np.diff(xs)))
    p = model.make_params(height=ys.max() - base, center=xs[np.argmax(ys)], fwhm=fwhm,
                          fraction=0.5, c0=base, c1=0.0)
    p["fwhm"].set(min=step / 2, max=half_window)
    p["fraction"].set(min=0, max=1)
    p["height"].set(min=0)
    p["center"].set(min=c - half_window / 2, max=c + half_window / 2)
    try:
        res = model.fit(ys, p, x=xs, weights=1 / np.sqrt(np.clip(ys, 1, None)))
    except (ValueError, TypeError):
        return None
    return res if res.success else None


def _line_model(lam1: float, lam2: float | None, ratio: float) -> lmfit.Model:
    def line(x, height=1.0, center=0.0, fwhm=0.1, fraction=0.5, c0=0.0, c1=0.0):
        y = pseudo_voigt(x, height, center, fwhm, fraction)
        if lam2 is not None and ratio > 0:
            c2 = center + ka2_shift(np.array([center]), lam1, lam2)[0]
            y = y + ratio * pseudo_voigt(x, height, c2, fwhm, fraction)
        return y + c0 + c1 * (x - center)

    return lmfit.Model(line)
