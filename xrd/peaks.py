"""Fit of carbon XRD patterns: (002) and (10) bands → d002, Lc, La, N with stated conventions.

The model (FIELD-NOTES §1.5), in 2θ (deg):

* background: a low-angle scattering tail A (q/q₀)^−n (power law in q = 4π sin θ/λ, from
  micro- and nanopores) **plus** a smooth polynomial in 2θ (degree 1 by default) — the tail
  is never left to a straight line, which would eat the low-angle side of the (002);
* one or two broad (002) components (``ordered`` and ``dilated``), an optional sharp
  graphitic (002) near 26.5°, the (10) band and optionally a (101) shoulder;
* peak shapes from :mod:`charz.peaks` (height/centre/FWHM): pseudo-Voigt by default;
* the Kα2 doublet inside the model (fixed ratio, exact Bragg splitting) when the pattern
  carries Kα2 (``ka2="auto"``), or Rachinger stripping, or nothing — stated in every method.

Derived values (Bragg, Scherrer, N = Lc/d002 + 1) carry standard errors propagated from
the fit covariance (correlations included, via ``uncertainties``).

Conventions (``convention=``; FIELD-NOTES §1.2; every ``Measurement.method`` names it):

``"default"``
    raw intensities; Lc = 0.89 λ/(β cos θ) on the (002) FWHM (Biscoe & Warren 1942);
    La = 1.84 λ/(β cos θ) on the (10) FWHM (Warren 1941).
``"jis"``
    JIS R 7651 (Gakushin) preset: intensities corrected by L·P·f_C² (and absorption when a
    layer thickness is given) before fitting; K = 1.0 for Lc. JIS defines La on (110) with
    K = 1.0; this module fits the (10) band, so La keeps K = 1.84 on (10) unless
    ``scherrer_k_10`` is given — the method string says which.

Descriptor keys added by this package (registered in :mod:`xrd`): ``fraction_002_ordered``
(area fraction of the ordered (002) component), ``d002_ordered``, ``d002_dilated`` (nm),
``dahn_r`` (Dahn's R, peak height over the tangent background).
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import lmfit
import numpy as np
import xarray as xr

from charz import flags as flags_mod
from charz.errors import CharzError, FitError, MissingMetadataError, OptionError, PhysicsWarning
from charz.flags import is_flat
from charz.peaks import gaussian, lorentzian, pseudo_voigt
from charz.record import Measurement, Provenance
from xrd.corrections import _wavelength, correct_intensity, crop, ka2_shift, strip_ka2

__all__ = [
    "CONVENTIONS",
    "CagliotiResult",
    "FailedXRDFit",
    "XRDFitResult",
    "bragg_d",
    "dahn_r",
    "fit_002",
    "fit_caglioti",
    "fit_pattern",
    "plot_xrd_fit",
    "scherrer_size",
    "standard_offset",
]

Shape = Literal["pseudo_voigt", "gaussian", "lorentzian"]
_SHAPES: dict[str, Callable[..., np.ndarray]] = {
    "pseudo_voigt": pseudo_voigt,
    "gaussian": gaussian,
    "lorentzian": lorentzian,
}

#: Named conventions: Scherrer constants, width definition and intensity treatment.
CONVENTIONS: dict[str, dict[str, Any]] = {
    "default": {"k_002": 0.89, "k_10": 1.84, "corrected": False,
                "label": "default (Biscoe–Warren K 0.89 on (002) FWHM, Warren K 1.84 on (10) "
                         "FWHM, raw intensities)"},
    "jis": {"k_002": 1.0, "k_10": 1.84, "corrected": True,
            "label": "jis (JIS R 7651 / Gakushin: L·P·f² corrected intensities, K 1.0 on (002) "
                     "FWHM)"},
}

#: Plausibility gates (FIELD-NOTES §1.7; Sun et al., Prog. Mater. Sci. 149 (2025) 101401).
PLAUSIBLE = {"d002": (0.335, 0.42), "n_layers": (1.5, 12.0), "lc": (0.5, 5.0),
             "la": (1.0, 10.0)}


def bragg_d(two_theta: Any, wavelength: float) -> Any:
    """Bragg spacing d = λ / (2 sin θ) (nm) from 2θ (deg); works on ``uncertainties``."""
    from uncertainties import umath

    th = two_theta * (math.pi / 360.0)
    if hasattr(th, "std_dev"):
        return wavelength / (2 * umath.sin(th))
    return wavelength / (2 * np.sin(th))


def scherrer_size(fwhm: Any, two_theta: Any, wavelength: float, k: float) -> Any:
    """Scherrer size L = K λ / (β cos θ) in nm; β = FWHM in deg of 2θ (converted to rad)."""
    from uncertainties import umath

    beta = fwhm * (math.pi / 180.0)
    th = two_theta * (math.pi / 360.0)
    cos = umath.cos(th) if hasattr(th, "std_dev") else np.cos(th)
    return k * wavelength / (beta * cos)


# ---------------------------------------------------------------------------------------
# instrument broadening: Caglioti fit to a line-profile standard
# ---------------------------------------------------------------------------------------

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
    tts, ws, es = [], [], []
    for c in lines:
        m = (x > c - half_window) & (x < c + half_window)
        if m.sum() < 12:
            continue
        xs, ys = x[m], y[m]
        base = float(np.percentile(ys, 10))
        if ys.max() - base < 10 * math.sqrt(max(base, 1.0)):
            continue  # too weak
        model = _line_model(lam, float(lam2) if use_ka2 else None, ratio if use_ka2 else 0.0)
        p = model.make_params(height=ys.max() - base, center=xs[np.argmax(ys)],
                              fwhm=max(3 * step, 0.02), fraction=0.5, c0=base, c1=0.0)
        p["fwhm"].set(min=step / 2, max=half_window)
        p["fraction"].set(min=0, max=1)
        p["height"].set(min=0)
        p["center"].set(min=c - half_window / 2, max=c + half_window / 2)
        wts = 1 / np.sqrt(np.clip(ys, 1, None))
        try:
            res = model.fit(ys, p, x=xs, weights=wts)
        except (ValueError, TypeError):
            continue
        if not res.success or res.params["fwhm"].stderr is None:
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
        m = (x > c - half_window) & (x < c + half_window)
        xs, ys = x[m], y[m]
        if xs.size < 10:
            continue
        base = float(np.percentile(ys, 10))
        if ys.max() - base < 10 * math.sqrt(max(base, 1.0)):
            continue
        p = model.make_params(height=ys.max() - base, center=xs[np.argmax(ys)],
                              fwhm=max(4 * step, 0.05), fraction=0.5, c0=base, c1=0.0)
        p["fwhm"].set(min=step / 2, max=half_window)
        p["fraction"].set(min=0, max=1)
        p["height"].set(min=0)
        p["center"].set(min=c - half_window / 2, max=c + half_window / 2)
        try:
            res = model.fit(ys, p, x=xs, weights=1 / np.sqrt(np.clip(ys, 1, None)))
        except (ValueError, TypeError):
            continue
        if res.success and res.params["center"].stderr:
            offs.append(res.params["center"].value - c)
            errs.append(res.params["center"].stderr)
            used.append(float(c))
    if not offs:
        raise FitError(f"{pattern.attrs.get('source', '')}: no {material} line could be fitted")
    w = 1 / np.asarray(errs) ** 2
    off = float(np.sum(w * np.asarray(offs)) / w.sum())
    return off, float(1 / math.sqrt(w.sum())), used


def _line_model(lam1: float, lam2: float | None, ratio: float) -> lmfit.Model:
    def line(x, height=1.0, center=0.0, fwhm=0.1, fraction=0.5, c0=0.0, c1=0.0):
        y = pseudo_voigt(x, height, center, fwhm, fraction)
        if lam2 is not None and ratio > 0:
            c2 = center + ka2_shift(np.array([center]), lam1, lam2)[0]
            y = y + ratio * pseudo_voigt(x, height, c2, fwhm, fraction)
        return y + c0 + c1 * (x - center)

    return lmfit.Model(line)


# ---------------------------------------------------------------------------------------
# the carbon model
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    peaks: tuple[tuple[str, str], ...]  # (prefix, role)
    shape: str
    bg_degree: int
    q_ref: float
    x_mid: float
    x_half: float
    lam1: float
    lam2: float | None
    ratio: float


def _peak_params(spec: _Spec, prefix: str) -> list[str]:
    names = [f"{prefix}height", f"{prefix}center", f"{prefix}fwhm"]
    if spec.shape == "pseudo_voigt":
        names.append(f"{prefix}fraction")
    return names


def _param_names(spec: _Spec) -> list[str]:
    names = ["bg_amp", "bg_exp"] + [f"bg_c{i}" for i in range(spec.bg_degree + 1)]
    for prefix, _ in spec.peaks:
        names += _peak_params(spec, prefix)
    return names


def _components(spec: _Spec, x: np.ndarray, p: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Each component of the model (Kα2 included) and the background parts."""
    f = _SHAPES[spec.shape]
    q = 4 * np.pi * np.sin(np.radians(x) / 2) / spec.lam1
    out = {"tail": p["bg_amp"] * (q / spec.q_ref) ** (-p["bg_exp"])}
    u = (x - spec.x_mid) / spec.x_half
    out["smooth"] = sum(p[f"bg_c{i}"] * u**i for i in range(spec.bg_degree + 1))
    x2 = None
    if spec.lam2 is not None and spec.ratio > 0:
        # the Kα2 twin of a line at 2θ₁ appears where Kα1 would diffract from the same d
        x2 = np.degrees(2 * np.arcsin(np.clip(np.sin(np.radians(x) / 2) * spec.lam1 / spec.lam2,
                                              -1, 1)))
    for prefix, _ in spec.peaks:
        args = [p[n] for n in _peak_params(spec, prefix)]
        y = f(x, *args)
        if x2 is not None:
            y = y + spec.ratio * f(x2, *args)
        out[prefix.rstrip("_")] = y
    return out


def _make_model(spec: _Spec) -> lmfit.Model:
    names = _param_names(spec)

    def carbon_xrd(x: np.ndarray, **p: float) -> np.ndarray:
        return sum(_components(spec, x, p).values())

    carbon_xrd.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=1.0) for n in names]
    )
    return lmfit.Model(carbon_xrd, independent_vars=["x"], name="carbon_xrd")


def _tt(d: float, lam: float) -> float:
    return float(np.degrees(2 * np.arcsin(min(lam / (2 * d), 1.0))))


# ---------------------------------------------------------------------------------------
# Dahn's R
# ---------------------------------------------------------------------------------------


def dahn_r(
    x: np.ndarray, y: np.ndarray, peak: float, left: tuple[float, float],
    right: tuple[float, float],
) -> tuple[float, float, float, tuple[float, float, float, float]]:
    """Dahn's R = B/A on a smooth pattern.

    B is the intensity at the (002) maximum ``peak`` (deg), A the value there of the
    straight line tangent from below to the pattern on both sides (``left`` and ``right``
    2θ ranges). Returns (R, A, B, (x_left, y_left, x_right, y_right)) — the tangent points.

    References
    ----------
    Y. Liu, J. S. Xue, T. Zheng, J. R. Dahn, Carbon 34 (1996) 193.
    """
    lm = (x >= left[0]) & (x <= left[1])
    rm = (x >= right[0]) & (x <= right[1])
    if lm.sum() < 2 or rm.sum() < 2:
        raise FitError("dahn_r: a side range holds fewer than 2 points")
    xl, yl, xr_, yr = x[lm], y[lm], x[rm], y[rm]
    i, j = int(np.argmin(yl)), int(np.argmin(yr))
    for _ in range(50):  # bitangent: move each touch point to the deepest point below
        slope = (yr[j] - yl[i]) / (xr_[j] - xl[i])
        ni = int(np.argmin(yl - (yl[i] + slope * (xl - xl[i]))))
        nj = int(np.argmin(yr - (yl[i] + slope * (xr_ - xl[i]))))
        if ni == i and nj == j:
            break
        i, j = ni, nj
    slope = (yr[j] - yl[i]) / (xr_[j] - xl[i])
    a = yl[i] + slope * (peak - xl[i])
    b = float(np.interp(peak, x, y))
    return b / a, float(a), b, (float(xl[i]), float(yl[i]), float(xr_[j]), float(yr[j]))


# ---------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class XRDFitResult:
    """Result of :func:`fit_pattern` / :func:`fit_002`.

    Attributes
    ----------
    d002, lc, n_layers, two_theta_002, fwhm_002 : Measurement
        (002) descriptors (nm, nm, 1, deg, deg); ``fwhm_002`` is instrument-corrected.
    la, two_theta_100, fwhm_100 : Measurement or None
        (10) descriptors, None when the (10) band was not fitted.
    extra : dict of str to Measurement
        Two-component keys (``fraction_002_ordered``, ``d002_ordered``, ``d002_dilated``)
        and ``dahn_r``.
    convention : str
        Name of the convention (``default``, ``jis``).
    wavelength : float
        λ used (nm).
    fit : lmfit.model.ModelResult
        The underlying fit (``fit_report()``, ``covar``, ``redchi``).
    curve : xarray.Dataset
        ``data``, ``best_fit``, ``residual``, ``background`` and each component over the
        fitted window.
    """

    d002: Measurement
    lc: Measurement
    n_layers: Measurement
    two_theta_002: Measurement
    fwhm_002: Measurement
    la: Measurement | None
    two_theta_100: Measurement | None
    fwhm_100: Measurement | None
    extra: Mapping[str, Measurement]
    convention: str
    wavelength: float
    fit: lmfit.model.ModelResult = field(repr=False)
    curve: xr.Dataset = field(repr=False)
    figure_name: ClassVar[str] = "fit"

    def descriptors(self) -> dict[str, Measurement]:
        """Record keys → Measurement."""
        out = {
            "d002": self.d002, "lc": self.lc, "n_layers": self.n_layers,
            "two_theta_002": self.two_theta_002, "fwhm_002": self.fwhm_002,
        }
        if self.la is not None:
            out.update(la=self.la, two_theta_100=self.two_theta_100, fwhm_100=self.fwhm_100)
        out.update(self.extra)
        return out

    def plot(self, ax: Any = None) -> Any:
        """Data, fit, components and background over 2θ, residuals below; returns the Axes.

        With ``ax=None`` a new figure (constrained layout) gets a residual panel under the
        fit, the file name as its title and the legend beside the data; with ``ax`` given
        only the fit is drawn on it.
        """
        flagged = sorted({f for m in self.descriptors().values() for f in m.flags})
        values = (f"d002 {self.d002.value:.4f} nm, Lc {self.lc.value:.2f} nm"
                  + (f", La {self.la.value:.2f} nm" if self.la is not None else ""))
        if flagged:
            values += "\nflagged: " + ", ".join(flagged)
        return plot_xrd_fit(self.curve, ax=ax, subtitle=values)


def plot_xrd_fit(curve: xr.Dataset, *, ax: Any = None, subtitle: str = "",
                 title: str | None = None) -> Any:
    """Draw an XRD fit curve Dataset (``data``; ``best_fit``, ``background``, ``peak_*``
    when present) with a residual panel; also draws failed fits (data only).

    Parameters
    ----------
    curve : xarray.Dataset
        Over ``two_theta`` (deg), as :attr:`XRDFitResult.curve`.
    ax : matplotlib.axes.Axes, optional
        Draw the fit here (no residual panel); default a new figure.
    subtitle : str
        Second title line (values, flags, or why the fit failed).
    title : str, optional
        Figure title; default the file name in ``curve.attrs["source"]``.

    Returns
    -------
    matplotlib.axes.Axes
        The fit panel.
    """
    import matplotlib.pyplot as plt

    x = curve["two_theta"].values
    y = curve["data"].values
    resid_ax = None
    if ax is None:
        _, (ax, resid_ax) = plt.subplots(
            2, 1, sharex=True, figsize=(5.0, 3.8), layout="constrained",
            gridspec_kw={"height_ratios": [3, 1]})
    ax.plot(x, y, ".", ms=1.5, color="0.5", label="data")
    if "best_fit" in curve:
        ax.plot(x, curve["best_fit"], "-", color="k", lw=1.0, label="fit")
    if "background" in curve:
        bg = curve["background"].values
        ax.plot(x, bg, "--", color="0.4", lw=0.8, label="background")
        for i, name in enumerate(n for n in curve.data_vars if n.startswith("peak_")):
            ax.plot(x, bg + curve[name].values, lw=0.8, color=f"C{i}",
                    label=name[5:].replace("_", " "))
    ax.set_ylabel(f"intensity ({curve['data'].attrs.get('units', 'a.u.')})")
    name = title if title is not None else str(curve.attrs.get("source", ""))
    head = "\n".join(t for t in (name, subtitle) if t)
    if head:
        ax.set_title(head, fontsize=9, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
              fontsize=7, frameon=False)
    if resid_ax is not None:
        resid_ax.axhline(0, color="0.5", lw=0.5)
        if "best_fit" in curve:
            resid_ax.plot(x, y - curve["best_fit"].values, ".", ms=1.5, color="0.35")
        resid_ax.set_ylabel("data − fit")
        resid_ax.set_xlabel("2θ (deg)")
    else:
        ax.set_xlabel("2θ (deg)")
    return ax


# ---------------------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------------------


def _ufloat(res: lmfit.model.ModelResult, names: list[str]) -> dict[str, Any]:
    """Parameters as correlated ``uncertainties`` values (plain ufloats without covar)."""

    import warnings as _w

    with _w.catch_warnings():  # std_dev 0 where lmfit gives no stderr: documented as None
        _w.simplefilter("ignore", UserWarning)
        return _ufloat_inner(res, names)


def _ufloat_inner(res: lmfit.model.ModelResult, names: list[str]) -> dict[str, Any]:
    from uncertainties import correlated_values, ufloat

    vals = [res.params[n].value for n in names]
    idx = [res.var_names.index(n) if n in res.var_names else None for n in names]
    if res.covar is not None and all(i is not None for i in idx):
        cov = res.covar[np.ix_(idx, idx)]
        try:
            return dict(zip(names, correlated_values(vals, cov), strict=True))
        except (np.linalg.LinAlgError, ValueError):
            pass
    return {n: ufloat(v, res.params[n].stderr or 0.0) for n, v in zip(names, vals, strict=True)}


def _nominal(v: Any) -> float:
    return float(getattr(v, "nominal_value", v))


def _stderr(v: Any) -> float | None:
    s = getattr(v, "std_dev", None)
    return float(s) if s is not None and s > 0 and math.isfinite(s) else None


def _corrected_width(b_obs: Any, b_inst: float, rule: str) -> Any:
    if b_inst <= 0:
        return b_obs
    from uncertainties import umath

    if rule == "lorentzian":
        out = b_obs - b_inst
    else:
        sq = b_obs**2 - b_inst**2
        if _nominal(sq) <= 0:
            raise FitError(f"observed FWHM {_nominal(b_obs):.4g}° is not larger than the "
                           f"instrument FWHM {b_inst:.4g}°")
        out = umath.sqrt(sq) if hasattr(sq, "std_dev") else math.sqrt(sq)
    if _nominal(out) <= 0:
        raise FitError(f"observed FWHM {_nominal(b_obs):.4g}° is not larger than the "
                       f"instrument FWHM {b_inst:.4g}°")
    return out


def fit_pattern(
    pattern: xr.DataArray,
    *,
    wavelength: float | None = None,
    convention: Literal["default", "jis"] = "default",
    window: tuple[float, float] | None = None,
    shape: Shape = "pseudo_voigt",
    n_002: Literal[1, 2] = 1,
    graphitic: bool = False,
    fit_10: bool = True,
    shoulder_101: bool = False,
    ka2: Literal["auto", "model", "strip", "ignore"] = "auto",
    instrument: float | CagliotiResult | None = None,
    broadening_rule: Literal["gaussian", "lorentzian"] = "gaussian",
    background_degree: int = 1,
    scherrer_k_002: float | None = None,
    scherrer_k_10: float | None = None,
    monochromator_two_theta: float | None = 26.6,
    thickness_mm: float | None = None,
    density_g_cm3: float = 0.8,
    warn: bool = True,
    mask: Sequence[tuple[float, float]] = (),
    internal_standard: Literal["Si", "LaB6", "CeO2"] | None = None,
    strict: bool = False,
) -> XRDFitResult:
    """Fit a carbon XRD pattern; return d002, Lc, La, N with their convention.

    Parameters
    ----------
    pattern : xarray.DataArray
        One pattern over ``two_theta`` (deg), e.g. from :func:`charz.read`.
    wavelength : float, optional
        Kα1 (or single) wavelength in nm. Default ``pattern.attrs["wavelength"]``; no
        silent Cu default (:class:`MissingMetadataError`).
    convention : {'default', 'jis'}
        See :data:`CONVENTIONS` and the module docstring.
    window : (float, float), optional
        2θ range fitted (deg). Default: q = 7.1–40.8 nm⁻¹ (10–60° for Cu Kα), or 10–35° for
        Cu when ``fit_10=False``.
    shape : {'pseudo_voigt', 'gaussian', 'lorentzian'}
        Profile of every band.
    n_002 : {1, 2}
        One (002) component, or two (``ordered``, smaller d; ``dilated``, larger d).
    graphitic : bool
        Add a sharp graphitic (002) line near d = 0.336 nm (26.5° for Cu).
    fit_10 : bool
        Fit the (10) band and report La.
    shoulder_101 : bool
        Add a (101) shoulder (d ≈ 0.203 nm) to the (10) band.
    ka2 : {'auto', 'model', 'strip', 'ignore'}
        Kα2 handling: model the doublet (fixed ratio, exact splitting), strip it
        (Rachinger) or ignore it; ``auto`` models it when ``attrs["ka2_ratio"]`` > 0.
    instrument : float or CagliotiResult, optional
        Instrument FWHM (deg) or a Caglioti fit (:func:`fit_caglioti`); None: widths are
        not corrected (stated in the method).
    broadening_rule : {'gaussian', 'lorentzian'}
        β² = B² − b² (Gaussian) or β = B − b (Lorentzian).
    background_degree : int
        Degree of the smooth polynomial added to the power-law tail.
    scherrer_k_002, scherrer_k_10 : float, optional
        Override the convention's Scherrer constants.
    monochromator_two_theta, thickness_mm, density_g_cm3
        Parameters of the JIS intensity correction (``convention='jis'``), see
        :func:`xrd.corrections.correct_intensity`.
    warn : bool
        Emit :class:`PhysicsWarning` for implausible values.
    mask : list of (lo, hi)
        2θ ranges (deg) left out of the fit (sharp lines of a holder, window or standard).
    internal_standard : {'Si', 'LaB6', 'CeO2'}, optional
        A standard mixed into the sample (JIS R 7651 uses 10–20 mass % Si): its lines are
        fitted, the mean 2θ offset from their tabulated positions is removed from the axis
        (stated in the method, ``attrs["two_theta_offset"]`` of the curve) and the lines are
        masked out of the carbon fit.

    strict : bool
        Raise :class:`~charz.errors.FlaggedResultError` when any descriptor is flagged
        (instead of the one-line :class:`~charz.errors.FlagWarning`).

    Returns
    -------
    XRDFitResult
        Every descriptor carries ``flags`` (see Notes): a number from a bound-stuck
        parameter or a poor fit is returned, flagged, never clean.

    Raises
    ------
    FitError
        The fit did not converge, the window has too few points, or there is no signal
        above noise (the message says so; ``exc.flags`` is ``('no_signal',)``).
    FlaggedResultError
        ``strict=True`` and a descriptor is flagged.
    MissingMetadataError
        No wavelength.

    Warns
    -----
    PhysicsWarning
        d002 outside 0.335–0.42 nm, N < 1.5, Lc/La outside the hard-carbon range.
    FlagWarning
        One line naming the flagged descriptors and why.

    Notes
    -----
    d002 = λ / (2 sin θ₀₀₂); Lc = K λ / (β cos θ) with β the instrument-corrected FWHM in
    rad of 2θ; N = Lc/d002 + 1; La = 1.84 λ / (β₁₀ cos θ₁₀). For a broad (002) the JIS
    intensity factors move the apex by −0.85° (FWHM 6°) to −1.55° (FWHM 8°), so the
    convention changes d002 by 0.014–0.028 nm; the (10) band of turbostratic carbon is a
    Warren (hk) band whose apex lies above the true position (Δ sin θ ≈ 0.16 λ/La), so a
    symmetric fit biases d10 and La (FIELD-NOTES §1.2).

    Honest results (flags, :mod:`charz.flags`):

    * ``at_bound:<parameter>`` — a varying lmfit parameter ended on its bound (pseudo-Voigt
      ``fraction`` and the tail exponent excepted: their limits are ends of the family —
      Gaussian/Lorentzian, flat/steep tail — not failures). A descriptor
      inherits the flags of the parameters of its peak ((002) → d002, Lc, N, 2θ, FWHM,
      Dahn's R; (10) → La, ...) and of the background.
    * ``poor_fit`` — with Poisson weights (counts) the reduced χ² exceeds 10; without
      weights the residual RMS exceeds 2.5× the point-to-point noise of the pattern
      (median absolute second difference / √6): the model does not describe the pattern
      (e.g. a crystalline non-carbon).
    * ``not_converged`` — refused with :class:`FitError`.
    * no signal — the pattern is flat (all NaN, zero or constant) or the fitted (002)
      height is below 2 standard errors or below 2× the noise: refused with a
      :class:`FitError` saying "no signal above noise".

    Optional terms (graphitic (002), (101) shoulder, (10) band, low-angle tail) whose scale
    converges to zero (or within 2 standard errors of it) are dropped and the fit is
    repeated without them; the method string says so.

    References
    ----------
    J. Biscoe, B. E. Warren, J. Appl. Phys. 13 (1942) 364; B. E. Warren, Phys. Rev. 59
    (1941) 693; N. Iwashita et al., Carbon 42 (2004) 701; Y. Liu et al., Carbon 34 (1996)
    193 (R).
    """
    if pattern.ndim != 1 or "two_theta" not in pattern.dims:
        raise CharzError(
            f"fit_pattern takes one pattern over two_theta; got dims {pattern.dims} "
            "(use xrd.fit_pattern_series or xrd.insitu.fit_002_series for a series)"
        )
    if convention not in CONVENTIONS:
        raise OptionError(f"convention {convention!r} is not one of {', '.join(CONVENTIONS)}")
    if shape not in _SHAPES:
        raise OptionError(f"shape {shape!r} is not one of {', '.join(_SHAPES)}")
    conv = CONVENTIONS[convention]
    lam = _wavelength(pattern, wavelength)
    k002 = conv["k_002"] if scherrer_k_002 is None else float(scherrer_k_002)
    k10 = conv["k_10"] if scherrer_k_10 is None else float(scherrer_k_10)
    src = pattern.attrs.get("source", "")

    data = pattern.copy()
    data.attrs = {**pattern.attrs, "wavelength": lam}
    if "sigma" not in data.coords and str(data.attrs.get("units", "")).startswith("count") \
            and float(data.min()) >= 0:
        data = data.assign_coords(sigma=("two_theta", np.sqrt(np.clip(data.values, 1, None))))

    # window (in q so that other wavelengths work)
    if window is None:
        qlo, qhi = 7.1, (40.8 if fit_10 else 24.5)
        win = tuple(float(np.degrees(2 * np.arcsin(min(q * lam / (4 * np.pi), 1.0))))
                    for q in (qlo, qhi))
    else:
        win = (float(window[0]), float(window[1]))
    xmin, xmax = float(data.two_theta.min()), float(data.two_theta.max())
    win = (max(win[0], xmin), min(win[1], xmax))
    if win[1] - win[0] <= 0:
        raise FitError(f"{src}: the pattern spans {xmin:g}–{xmax:g}° 2θ and holds nothing of "
                       f"the fit window; a carbon (002) at λ = {lam:g} nm lies near "
                       f"{_tt(0.37, lam):.1f}°")

    ratio = float(data.attrs.get("ka2_ratio") or 0.0)
    lam2 = data.attrs.get("wavelength_ka2")
    ka2_mode = ka2
    if ka2 == "auto":
        ka2_mode = "model" if ratio > 0 and lam2 is not None else "ignore"
    if ka2_mode in ("model", "strip") and (ratio <= 0 or lam2 is None):
        if ka2 != "auto":
            raise MissingMetadataError(f"{src}: ka2={ka2!r} needs ka2_ratio > 0 and "
                                       "wavelength_ka2 in attrs")
        ka2_mode = "ignore"
    if ka2_mode == "strip":
        data = strip_ka2(data)
    if conv["corrected"]:
        data = correct_intensity(data, wavelength=lam,
                                 monochromator_two_theta=monochromator_two_theta,
                                 thickness_mm=thickness_mm, density_g_cm3=density_g_cm3)
    mask = list(mask)
    if internal_standard is not None:
        off, off_err, used = standard_offset(data, material=internal_standard, wavelength=lam)
        data.attrs["two_theta_offset_stderr"] = off_err
        data = data.assign_coords(two_theta=data["two_theta"] - off)
        data["two_theta"].attrs = {"units": "deg", "long_name": "2θ"}
        data.attrs["two_theta_offset"] = off
        hw = 0.5
        mask += [(c - hw, c + hw + 0.3) for c in used]
    data = crop(data, win)
    x_all = data["two_theta"].values
    keep = np.ones(x_all.size, bool)
    for lo, hi in mask:
        keep &= ~((x_all >= lo) & (x_all <= hi))
    data = data.isel(two_theta=np.flatnonzero(keep))
    if mask:
        data.attrs["masked"] = "; ".join(f"{lo:g}–{hi:g}°" for lo, hi in mask)
    x = data["two_theta"].values.astype(float)
    y = data.values.astype(float)
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    sigma = data["sigma"].values[ok] if "sigma" in data.coords else None
    if x.size == 0 or bool(is_flat(y)):
        raise _no_signal(src, "the pattern is flat (all NaN, all zero or constant) in the fit "
                              f"window {win[0]:.1f}–{win[1]:.1f}°", data)
    if x.size < 30:
        raise FitError(f"{src}: only {x.size} points in the fit window {win}")

    # ---- model
    peaks: list[tuple[str, str]] = []
    if n_002 == 2:
        peaks += [("p002o_", "002 ordered"), ("p002d_", "002 dilated")]
    elif n_002 == 1:
        peaks += [("p002_", "002")]
    else:
        raise OptionError(f"n_002={n_002!r}: one or two (002) components")
    if graphitic:
        peaks.append(("pg_", "graphitic 002"))
    has10 = fit_10 and _tt(0.195, lam) < win[1]
    if has10:
        peaks.append(("p10_", "10"))
        if shoulder_101:
            peaks.append(("p101_", "101"))
    q_ref = 4 * np.pi * np.sin(np.radians(win[0]) / 2) / lam
    spec = _Spec(tuple(peaks), shape, int(background_degree), q_ref, (win[0] + win[1]) / 2,
                 (win[1] - win[0]) / 2, lam, float(lam2) if ka2_mode == "model" else None,
                 ratio if ka2_mode == "model" else 0.0)
    model = _make_model(spec)
    try:
        params = _initial_params(model, spec, x, y, lam)
    except FitError as exc:
        raise FitError(f"{src}: {exc} (window {win[0]:.1f}–{win[1]:.1f}°)") from None
    weights = None if sigma is None else 1.0 / np.clip(sigma, 1e-12, None)
    method = "least_squares"
    if n_002 == 2:
        # seed the two components from a one-component fit of the same data (fast, stable)
        one = _Spec(tuple((p, r) if not r.startswith("002 ") else ("p002_", "002")
                          for p, r in spec.peaks if r != "002 dilated"), *astuple_rest(spec))
        m1 = _make_model(one)
        p1 = _initial_params(m1, one, x, y, lam)
        r1 = _fit_or_raise(m1, y, p1, x, weights, "least_squares", src, one, data)
        for name, par in r1.params.items():
            if name in params and not name.startswith("p002_"):
                params[name].set(value=par.value)
        c, w, h = (r1.params[f"p002_{k}"].value for k in ("center", "fwhm", "height"))
        po, pd_ = params["p002o_center"], params["p002d_center"]
        po.set(value=float(np.clip(c + 0.15 * w, po.min + 1e-3, po.max - 1e-3)))
        pd_.set(value=float(np.clip(c - 0.15 * w, pd_.min + 1e-3, pd_.max - 1e-3)))
        for pf in ("p002o_", "p002d_"):
            params[f"{pf}height"].set(value=0.6 * h)
            params[f"{pf}fwhm"].set(value=0.8 * w)
        method = "leastsq"
    res = _fit_or_raise(model, y, params, x, weights, method, src, spec, data)
    # optional terms whose scale converged to zero are dropped and the fit repeated
    dropped: list[str] = []
    while True:
        gone = _vanished_term(res, spec, y)
        if gone is None:
            break
        spec, model, params, note = _drop_term(res, spec, gone)
        dropped.append(note)
        res = _fit_or_raise(model, y, params, x, weights, method, src, spec, data)
    res = _refine_covariance(res, model, y, x, weights)
    quality = _fit_quality(res, y, x, weights, spec, src, data)

    return _build_result(pattern, data, res, model, spec, x, y, lam=lam, k002=k002, k10=k10,
                         convention=convention, ka2_mode=ka2_mode, instrument=instrument,
                         broadening_rule=broadening_rule, win=win, warn=warn,
                         jis_args=(monochromator_two_theta, thickness_mm, density_g_cm3),
                         dropped=dropped, quality=quality, strict=strict)


def astuple_rest(spec: _Spec) -> tuple:
    """Every field of a :class:`_Spec` after ``peaks``."""
    return (spec.shape, spec.bg_degree, spec.q_ref, spec.x_mid, spec.x_half, spec.lam1,
            spec.lam2, spec.ratio)


#: Signal and fit-quality thresholds (stated in :func:`fit_pattern`'s Notes).
NO_SIGNAL_SIGMAS = 2.0  # a (002) height below 2 standard errors (or 2x the noise) is no signal
POOR_FIT_NOISE_RATIO = 2.5  # residual RMS above 2.5x the point-to-point noise: poor fit
POOR_FIT_REDCHI = 10.0  # Poisson-weighted reduced chi-square above 10: poor fit

#: Optional terms that may vanish: (prefix or parameter, note when dropped).
_OPTIONAL = {
    "pg_": "graphitic (002) dropped (its height converged to zero)",
    "p101_": "(101) shoulder dropped (its height converged to zero)",
    "p10_": "(10) band dropped (its height converged to zero): no La",
    "bg_amp": "low-angle power-law tail dropped (its amplitude converged to zero)",
}


def _no_signal(src: str, why: str, data: xr.DataArray | None = None,
               curve: xr.Dataset | None = None) -> FitError:
    """A :class:`FitError` saying "no signal above noise", marked ``flags = ('no_signal',)``."""
    exc = FitError(f"{src}: no signal above noise: {why}")
    exc.flags = (flags_mod.NO_SIGNAL,)  # type: ignore[attr-defined]
    _attach(exc, curve if curve is not None else _data_curve(data))
    return exc


@dataclass(frozen=True, slots=True, eq=False)
class FailedXRDFit:
    """A fit that failed: nothing to quote, but its figure shows why (``exc.result``).

    Attributes
    ----------
    curve : xarray.Dataset or None
        ``data`` (and ``best_fit`` of the last attempt when there was one) over 2θ.
    message : str
        Why it failed.
    flags : tuple of str
        ``no_signal`` or ``not_converged`` when that is why.
    """

    curve: xr.Dataset | None = field(repr=False)
    message: str
    flags: tuple[str, ...] = ()
    figure_name: ClassVar[str] = "failed_fit"

    def descriptors(self) -> dict[str, Measurement]:
        """Nothing to quote: an empty mapping."""
        return {}

    def plot(self, ax: Any = None) -> Any:
        """The data (and the last model) with the reason in the title."""
        from charz.plotting import failure_axes, failure_text

        if self.curve is None:
            return failure_axes(self.message, ax)
        return plot_xrd_fit(self.curve, ax=ax, subtitle=failure_text(self.message))


def _attach(err: FitError, curve: xr.Dataset | None) -> None:
    """Give a FitError its partial result (the command line still draws it)."""
    err.curve = curve  # type: ignore[attr-defined]
    err.result = FailedXRDFit(curve, str(err),  # type: ignore[attr-defined]
                              tuple(getattr(err, "flags", ())))


def _data_curve(data: xr.DataArray | None) -> xr.Dataset | None:
    """The data of a failed fit as a curve Dataset (for its figure)."""
    if data is None:
        return None
    x = np.asarray(data["two_theta"].values, float)
    y = np.asarray(data.values, float)
    units = data.attrs.get("units", "a.u.")
    return xr.Dataset({"data": ("two_theta", y, {"units": units})},
                      coords={"two_theta": ("two_theta", x, {"units": "deg"})},
                      attrs={"source": str(data.attrs.get("source", ""))})


def _fit_or_raise(model, y, params, x, weights, method, src, spec, data):
    """``model.fit`` with library errors and non-convergence turned into FitError.

    The error carries ``curve`` (data and the last model, when there is one) so that the
    command line can still draw the failed fit.
    """
    try:
        res = model.fit(y, params, x=x, weights=weights, method=method, max_nfev=4000)
    except (ValueError, TypeError, np.linalg.LinAlgError) as exc:
        err = FitError(f"{src}: the XRD fit failed ({exc})")
        _attach(err, _data_curve(data))
        raise err from None
    if not res.success:
        err = FitError(f"{src}: the XRD fit did not converge ({res.message})")
        curve = _data_curve(data)
        if curve is not None and curve.sizes["two_theta"] == x.size:
            curve["best_fit"] = ("two_theta", res.best_fit, curve["data"].attrs)
        err.flags = (flags_mod.NOT_CONVERGED,)  # type: ignore[attr-defined]
        _attach(err, curve)
        raise err
    return res


def _vanished_term(res, spec: _Spec, y: np.ndarray) -> str | None:
    """The first optional term whose scale converged to zero (or within 2 stderr of it)."""
    tiny = 1e-6 * max(float(np.nanmax(np.abs(y))), 1e-300)
    present = {p for p, _ in spec.peaks}
    for key in _OPTIONAL:
        name = key if key == "bg_amp" else f"{key}height"
        if key != "bg_amp" and key not in present:
            continue
        par = res.params.get(name)
        if par is None or not par.vary:
            continue
        if par.value <= max(par.min, 0.0) + tiny or (
                par.stderr is not None and np.isfinite(par.stderr)
                and par.value < NO_SIGNAL_SIGMAS * par.stderr):
            return key
    return None


def _drop_term(res, spec: _Spec, key: str):
    """Spec, model and start parameters without the vanished term ``key``."""
    import dataclasses

    new = spec if key == "bg_amp" else dataclasses.replace(
        spec, peaks=tuple((p, r) for p, r in spec.peaks if p != key))
    model = _make_model(new)
    params = model.make_params()
    for name, par in params.items():
        old = res.params[name]
        par.set(value=old.value, min=old.min, max=old.max, vary=old.vary)
    if key == "bg_amp":
        params["bg_amp"].set(value=0.0, vary=False)
        params["bg_exp"].set(vary=False)
    return new, model, params, _OPTIONAL[key]


def _noise(y: np.ndarray) -> float:
    """Point-to-point noise σ of a pattern: MAD of second differences / √6 (robust)."""
    if y.size < 5:
        return 0.0
    d2 = np.diff(y, 2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def _fit_quality(res, y, x, weights, spec: _Spec, src: str, data) -> dict[str, Any]:
    """Signal and fit-quality checks: raise no-signal FitError; return global flags.

    No signal: every (002) component's height is below ``NO_SIGNAL_SIGMAS`` standard errors
    or below ``NO_SIGNAL_SIGMAS`` × the point-to-point noise. Poor fit: residual RMS above
    ``POOR_FIT_NOISE_RATIO`` × the noise, or (Poisson weights) reduced χ² above
    ``POOR_FIT_REDCHI``.
    """
    noise = _noise(y)
    floor = 1e-9 * max(float(np.ptp(y)), 1e-300)
    heights = []
    for prefix, role in spec.peaks:
        if role.startswith("002"):
            par = res.params[f"{prefix}height"]
            err = par.stderr if par.stderr is not None and np.isfinite(par.stderr) else 0.0
            heights.append((par.value, err))
    limit = NO_SIGNAL_SIGMAS
    if all(h <= limit * e or h <= limit * noise or h <= floor for h, e in heights):
        h, e = max(heights)
        curve = _data_curve(data)
        if curve is not None and curve.sizes["two_theta"] == y.size:
            curve["best_fit"] = ("two_theta", res.best_fit, curve["data"].attrs)
        raise _no_signal(src, f"the fitted (002) height {h:.4g} ± {e:.2g} is within "
                              f"{limit:g} standard errors (or {limit:g}× the noise "
                              f"{noise:.3g}) of zero", curve=curve)
    rms = float(np.sqrt(np.mean((y - res.best_fit) ** 2)))
    ratio = rms / max(noise, floor)
    out: dict[str, Any] = {"noise": noise, "rms_over_noise": ratio,
                           "redchi": float(res.redchi), "flags": ()}
    poor = (float(res.redchi) > POOR_FIT_REDCHI) if weights is not None else \
        ratio > POOR_FIT_NOISE_RATIO
    if poor:
        out["flags"] = (flags_mod.POOR_FIT,)
    return out


def _param_flags(res, spec: _Spec) -> dict[str, tuple[str, ...]]:
    """``fit_flags`` of the fit, grouped: per peak prefix, ``bg`` and ``all`` (global)."""
    # ends of a family, not failures: pseudo-Voigt fraction 0/1 (Gaussian/Lorentzian), the
    # tail exponent's limits (a nearly flat or a very steep tail; its amplitude carries it)
    ignore = [n for n in res.params if n.endswith("fraction")] + ["bg_exp"]
    fl = flags_mod.fit_flags(res, ignore=ignore)
    groups: dict[str, list[str]] = {"all": [], "bg": []}
    prefixes = [p for p, _ in spec.peaks]
    for f in fl:
        if not f.startswith("at_bound:"):
            groups["all"].append(f)
            continue
        name = f.split(":", 1)[1]
        for p in prefixes:
            if name.startswith(p):
                groups.setdefault(p, []).append(f)
                break
        else:
            groups["bg"].append(f)
    return {k: tuple(v) for k, v in groups.items()}


def _refine_covariance(res, model, y, x, weights):
    """``least_squares`` is robust but its covariance can be missing; polish with leastsq."""
    if res.covar is not None:
        return res
    try:
        res2 = model.fit(y, res.params, x=x, weights=weights, method="leastsq")
    except (ValueError, TypeError, np.linalg.LinAlgError):
        return res
    return res2 if res2.success and res2.chisqr <= res.chisqr * 1.0001 else res


def _initial_params(model: lmfit.Model, spec: _Spec, x: np.ndarray, y: np.ndarray,
                    lam: float) -> lmfit.Parameters:
    p = model.make_params()
    ks = max(3, x.size // 150)
    ys = np.convolve(y, np.ones(ks) / ks, mode="same")
    ys[: ks // 2 + 1] = y[: ks // 2 + 1]
    ys[-(ks // 2 + 1):] = y[-(ks // 2 + 1):]
    # background: level from the valley between (002) and (10) and the high-angle end
    valley = (x > _tt(0.30, lam)) & (x < _tt(0.24, lam))
    level = float(np.min(ys[valley])) if valley.any() else float(np.percentile(ys, 5))
    level = max(level, 0.0) * 0.8
    for i in range(spec.bg_degree + 1):
        p[f"bg_c{i}"].set(value=level if i == 0 else 0.0)
    tail = max(float(ys[0]) - level, 1e-3 * max(float(ys.max()), 1.0))
    p["bg_amp"].set(value=tail, min=0.0)
    p["bg_exp"].set(value=3.0, min=0.2, max=8.0)
    c_lo, c_hi = _tt(0.45, lam), _tt(0.335, lam)
    band = (x > c_lo) & (x < c_hi)
    if not band.any():
        raise FitError("the fit window does not contain the (002) range d = 0.335–0.45 nm")
    sub = ys - level - tail * (4 * np.pi * np.sin(np.radians(x) / 2) / lam / spec.q_ref) ** -3
    i0 = np.flatnonzero(band)[np.argmax(sub[band])]
    c0 = float(x[i0])
    h0 = max(float(sub[i0]), 1e-3 * max(float(ys.max()), 1.0))
    for prefix, role in spec.peaks:
        if role == "002":
            p[f"{prefix}center"].set(value=c0, min=c_lo, max=c_hi)
            p[f"{prefix}height"].set(value=h0, min=0)
            p[f"{prefix}fwhm"].set(value=5.0, min=0.3, max=20.0)
        elif role == "002 ordered":
            p[f"{prefix}center"].set(value=min(c0 + 1.0, c_hi - 0.1), min=_tt(0.38, lam),
                                     max=c_hi)
            p[f"{prefix}height"].set(value=h0 / 2, min=0)
            p[f"{prefix}fwhm"].set(value=4.0, min=0.3, max=20.0)
        elif role == "002 dilated":
            p[f"{prefix}center"].set(value=max(c0 - 1.0, c_lo + 0.1), min=c_lo,
                                     max=_tt(0.36, lam))
            p[f"{prefix}height"].set(value=h0 / 2, min=0)
            p[f"{prefix}fwhm"].set(value=6.0, min=0.3, max=20.0)
        elif role == "graphitic 002":
            cg = _tt(0.3360, lam)
            m = (x > cg - 0.6) & (x < cg + 0.6)
            hg = float(np.max(y[m]) - np.interp(cg, x, ys)) if m.any() else 0.0
            p[f"{prefix}center"].set(value=cg, min=_tt(0.3400, lam), max=_tt(0.3340, lam))
            p[f"{prefix}height"].set(value=max(hg, 0.0) + 1e-6, min=0)
            p[f"{prefix}fwhm"].set(value=0.3, min=0.02, max=1.2)
        elif role == "10":
            c10 = _tt(0.2085, lam)
            p[f"{prefix}center"].set(value=c10, min=_tt(0.2200, lam), max=_tt(0.1990, lam))
            h10 = float(np.interp(c10, x, ys)) - level
            p[f"{prefix}height"].set(value=max(h10, 1e-3 * h0), min=0)
            p[f"{prefix}fwhm"].set(value=5.0, min=0.5, max=20.0)
        elif role == "101":
            c101 = _tt(0.2030, lam)
            p[f"{prefix}center"].set(value=c101, min=_tt(0.2060, lam), max=_tt(0.2000, lam))
            p[f"{prefix}height"].set(value=0.1 * h0, min=0)
            p[f"{prefix}fwhm"].set(value=3.0, min=0.3, max=15.0)
        if spec.shape == "pseudo_voigt":
            p[f"{prefix}fraction"].set(value=0.3, min=0.0, max=1.0)
    return p


def _build_result(pattern, data, res, model, spec, x, y, *, lam, k002, k10, convention,
                  ka2_mode, instrument, broadening_rule, win, warn, jis_args,
                  dropped=(), quality=None, strict=False) -> XRDFitResult:
    from charz.peaks import peak_area

    src = pattern.attrs.get("source", "")
    quality = quality or {"flags": ()}
    pflags = _param_flags(res, spec)
    common = flags_mod.combine(pflags["all"], quality["flags"], pflags["bg"])

    def fl(*prefixes: str) -> tuple[str, ...]:
        return flags_mod.combine(common, *(pflags.get(p, ()) for p in prefixes))

    conv = CONVENTIONS[convention]
    names = [n for n in res.params if res.params[n].vary]
    u = _ufloat(res, names)

    def val(n):
        return u[n] if n in u else res.params[n].value

    comps = dict(spec.peaks)
    # main (002): the single one, or the larger-area of two
    if "p002_" in comps:
        main = "p002_"
    else:
        areas = {pf: peak_area(spec.shape, _nominal(val(f"{pf}height")),
                               _nominal(val(f"{pf}fwhm")),
                               _nominal(val(f"{pf}fraction")) if spec.shape == "pseudo_voigt"
                               else 0.5) for pf in ("p002o_", "p002d_")}
        main = max(areas, key=areas.get)

    def inst(tt: float) -> float:
        if instrument is None:
            return 0.0
        if isinstance(instrument, CagliotiResult):
            return float(instrument.fwhm(tt))
        return float(instrument)

    if instrument is None:
        inst_txt = "FWHM not corrected for instrument broadening"
    elif isinstance(instrument, CagliotiResult):
        inst_txt = f"instrument-corrected FWHM ({broadening_rule} rule; {instrument.describe()})"
    else:
        inst_txt = (f"instrument-corrected FWHM ({broadening_rule} rule, b = "
                    f"{float(instrument):g}°)")
    ka2_txt = {"model": "Kα2 doublet modelled (ratio "
                        f"{spec.ratio:g})", "strip": "Kα2 stripped (Rachinger)",
               "ignore": "no Kα2 in the model"}[ka2_mode]
    inten_txt = ("JIS R 7651 L·P·f² corrected intensities" if conv["corrected"]
                 else "raw intensities")
    pre = ""
    if "two_theta_offset" in data.attrs:
        pre = f"2θ offset {data.attrs['two_theta_offset']:+.4f}° removed (internal standard); "
    if data.attrs.get("masked"):
        pre += f"masked {data.attrs['masked']}; "
    tail_off = not res.params["bg_amp"].vary and res.params["bg_amp"].value == 0
    tail_txt = "" if tail_off else "power-law(q) tail + "
    base = (f"{pre}{convention} convention; {inten_txt}; {spec.shape} profiles, {tail_txt}"
            f"degree-{spec.bg_degree} background, window {win[0]:.1f}–{win[1]:.1f}°; "
            f"{ka2_txt}; λ = {lam:.6g} nm")
    if dropped:
        base += "; " + "; ".join(dropped) + ", fit repeated without it"
    if quality.get("flags"):
        base += (f"; poor fit (residual RMS {quality['rms_over_noise']:.1f}× the noise, "
                 f"reduced χ² {quality['redchi']:.3g})")
    params = {"convention": convention, "wavelength_nm": lam, "window_deg": list(win),
              "shape": spec.shape, "ka2": ka2_mode, "k_002": k002, "k_10": k10,
              "n_002": 2 if "p002o_" in comps else 1, "graphitic": "pg_" in comps,
              "background_degree": spec.bg_degree, "broadening_rule": broadening_rule,
              "two_theta_offset": data.attrs.get("two_theta_offset"),
              "masked": data.attrs.get("masked"),
              "instrument": (None if instrument is None else
                             instrument.describe() if isinstance(instrument, CagliotiResult)
                             else float(instrument))}
    if conv["corrected"]:
        params.update(monochromator_two_theta=jis_args[0], thickness_mm=jis_args[1],
                      density_g_cm3=jis_args[2])
    prov = Provenance.from_data(pattern, parameters=params)

    def meas(v, unit, method, extra=None, flags=()):
        return Measurement(_nominal(v), _stderr(v), unit, "xrd", method, prov, extra or {},
                           flags=tuple(flags))

    c = val(f"{main}center")
    b_obs = val(f"{main}fwhm")
    beta = _corrected_width(b_obs, inst(_nominal(c)), broadening_rule)
    d = bragg_d(c, lam)
    lc = scherrer_size(beta, c, lam, k002)
    n = lc / d + 1
    which = "" if main == "p002_" else (" (dominant component: "
                                        f"{'ordered' if main == 'p002o_' else 'dilated'})")
    f002 = fl(main)
    out: dict[str, Any] = {
        "two_theta_002": meas(c, "deg", f"fitted (002) centre{which}; {base}", flags=f002),
        "fwhm_002": meas(beta, "deg", f"(002) FWHM{which}, {inst_txt}; {base}", flags=f002),
        "d002": meas(d, "nm", f"Bragg on the fitted (002) centre{which}; {base}", flags=f002),
        "lc": meas(lc, "nm", f"Scherrer on (002): Lc = {k002:g} λ/(β cos θ), β = (002) FWHM, "
                             f"{inst_txt}{which}; {base}", flags=f002),
        "n_layers": meas(n, "1", f"N = Lc/d002 + 1 (K {k002:g}){which}; {base}", flags=f002),
        "la": None, "two_theta_100": None, "fwhm_100": None,
    }
    if "p10_" in comps:
        c10 = val("p10_center")
        b10 = _corrected_width(val("p10_fwhm"), inst(_nominal(c10)), broadening_rule)
        la = scherrer_size(b10, c10, lam, k10)
        k10_txt = (" (JIS's (110) band with K 1.0 is not fitted; the (10) band with K "
                   f"{k10:g} is used)" if convention == "jis" else "")
        f10 = fl("p10_", "p101_")
        out["two_theta_100"] = meas(c10, "deg", f"fitted (10) centre (symmetric profile); "
                                                f"{base}", flags=f10)
        out["fwhm_100"] = meas(b10, "deg", f"(10) FWHM, {inst_txt}; {base}", flags=f10)
        out["la"] = meas(la, "nm", f"Scherrer on (10): La = {k10:g} λ/(β cos θ), β = (10) "
                                   f"FWHM, {inst_txt}{k10_txt}; {base}", flags=f10)
    extra: dict[str, Measurement] = {}
    if "p002o_" in comps:
        def area(pf):
            fr = val(f"{pf}fraction") if spec.shape == "pseudo_voigt" else 0.5
            from charz.peaks import GAUSS_AREA, LORENTZ_AREA
            if spec.shape == "gaussian":
                fac = GAUSS_AREA
            elif spec.shape == "lorentzian":
                fac = LORENTZ_AREA
            else:
                fac = fr * LORENTZ_AREA + (1 - fr) * GAUSS_AREA
            return val(f"{pf}height") * val(f"{pf}fwhm") * fac

        ao, ad = area("p002o_"), area("p002d_")
        extra["fraction_002_ordered"] = meas(ao / (ao + ad), "1",
                                             f"area fraction of the ordered (002) component; "
                                             f"{base}", flags=fl("p002o_", "p002d_"))
        extra["d002_ordered"] = meas(bragg_d(val("p002o_center"), lam), "nm",
                                     f"Bragg on the ordered (002) component; {base}",
                                     flags=fl("p002o_"))
        extra["d002_dilated"] = meas(bragg_d(val("p002d_center"), lam), "nm",
                                     f"Bragg on the dilated (002) component; {base}",
                                     flags=fl("p002d_"))

    # curves
    xs = x
    comp = _components(spec, xs, res.params.valuesdict())
    bgc = comp.pop("tail") + comp.pop("smooth")
    best = res.best_fit
    units = data.attrs.get("units", "a.u.")
    cv = {"data": ("two_theta", y, {"units": units}),
          "best_fit": ("two_theta", best, {"units": units}),
          "residual": ("two_theta", y - best, {"units": units}),
          "background": ("two_theta", bgc, {"units": units})}
    for k, v in comp.items():
        cv[f"peak_{comps[k + '_']}".replace(" ", "_")] = ("two_theta", v, {"units": units})
    curve = xr.Dataset(cv, coords={"two_theta": ("two_theta", xs, {"units": "deg"})},
                       attrs={"corrections": data.attrs.get("corrections", ""),
                              "source": src})

    # Dahn's R on the smooth fitted curve (tangent background from both sides)
    try:
        pk = _nominal(val(f"{main}center"))
        wd = _nominal(b_obs)
        right_hi = _nominal(val("p10_center")) - _nominal(val("p10_fwhm")) if "p10_" in comps \
            else win[1]
        left = (win[0], pk - 0.75 * wd)
        right = (pk + 0.75 * wd, max(right_hi, pk + 0.75 * wd + 1.0))
        apex = float(xs[np.argmax(np.where((xs > pk - wd) & (xs < pk + wd), best, -np.inf))])
        r, a_, b_, line = dahn_r(xs, best, apex, left, right)
        if a_ > 0:
            extra["dahn_r"] = meas(r, "1", "Dahn's R = B/A on the fitted curve: B at the (002) "
                                           f"apex {apex:.2f}°, A from the straight line tangent "
                                           f"at {line[0]:.2f}° and {line[2]:.2f}°; {base}",
                                   {"A": a_, "B": b_, "tangent_two_theta": [line[0], line[2]]},
                                   flags=f002)
    except FitError:
        pass

    result = XRDFitResult(out["d002"], out["lc"], out["n_layers"], out["two_theta_002"],
                          out["fwhm_002"], out["la"], out["two_theta_100"], out["fwhm_100"],
                          extra, convention, lam, res, curve)
    if warn:
        _sanity(result, res, spec, src)
    if warn or strict:
        flags_mod.report_flags(src or "xrd fit", result.descriptors(), strict=strict)
    return result


def _sanity(result: XRDFitResult, res: Any, spec: _Spec, src: str) -> None:
    def w(msg: str) -> None:
        warnings.warn(f"{src}: {msg}", PhysicsWarning, stacklevel=4)

    d = result.d002.value
    lo, hi = PLAUSIBLE["d002"]
    if not lo <= d <= hi:
        w(f"d002 = {d:.4f} nm is outside {lo}–{hi} nm seen for hard carbons")
    n = result.n_layers.value
    if n < PLAUSIBLE["n_layers"][0]:
        w(f"N = {n:.2f} < {PLAUSIBLE['n_layers'][0]}: hardly any stacking; Lc is not meaningful")
    lc = result.lc.value
    if not PLAUSIBLE["lc"][0] <= lc <= PLAUSIBLE["lc"][1]:
        w(f"Lc = {lc:.2f} nm is outside {PLAUSIBLE['lc'][0]}–{PLAUSIBLE['lc'][1]} nm")
    if result.la is not None:
        la = result.la.value
        if not PLAUSIBLE["la"][0] <= la <= PLAUSIBLE["la"][1]:
            w(f"La = {la:.2f} nm is outside {PLAUSIBLE['la'][0]}–{PLAUSIBLE['la'][1]} nm")


def fit_002(
    pattern: xr.DataArray,
    *,
    wavelength: float | None = None,
    convention: Literal["default", "jis"] = "default",
    window: tuple[float, float] | None = None,
    **kwargs: Any,
) -> XRDFitResult:
    """Fit only the (002) region (no (10) band): d002, Lc, N.

    Same options as :func:`fit_pattern` (``fit_10`` is False); the default window is
    q = 7.1–24.5 nm⁻¹ (10–35° for Cu Kα).
    """
    return fit_pattern(pattern, wavelength=wavelength, convention=convention, window=window,
                       fit_10=False, **kwargs)
