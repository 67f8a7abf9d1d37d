"""The carbon XRD model of :func:`xrd.peaks.fit_pattern` (private).

A low-angle power-law tail in q plus a smooth polynomial in 2θ, the (002) component(s),
optional graphitic (002), the (10) band and a (101) shoulder, each with its Kα2 twin when
the doublet is modelled; :func:`_initial_params` seeds and bounds every parameter from the
pattern. :mod:`xrd.insitu` builds its per-frame model from the same pieces.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import lmfit
import numpy as np

from charz.errors import FitError
from charz.peaks import gaussian, lorentzian, pseudo_voigt

Shape = Literal["pseudo_voigt", "gaussian", "lorentzian"]
_SHAPES: dict[str, Callable[..., np.ndarray]] = {
    "pseudo_voigt": pseudo_voigt,
    "gaussian": gaussian,
    "lorentzian": lorentzian,
}


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


def astuple_rest(spec: _Spec) -> tuple:
    """Every field of a :class:`_Spec` after ``peaks``."""
    return (spec.shape, spec.bg_degree, spec.q_ref, spec.x_mid, spec.x_half, spec.lam1,
            spec.lam2, spec.ratio)


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
