"""Instrumental resolution: pinhole (Gaussian q spread) and slit smearing of model curves.

- Pinhole: I_s(q) = ∫ G(q′; q, σ_q) I(q′) dq′ with σ_q the q resolution (canSAS ``Qdev``,
  NIST ABS column 4, the ``dq`` coordinate of a charz curve), Gaussian truncated at ±3σ
  and at q′ > 0, evaluated with 41-point Gauss–Legendre quadrature.
- Slit (line collimation, long slit of length Δl, e.g. Kratky cameras, Bonse–Hart USAXS,
  NIST USANS): I_s(q) = (1/Δl) ∫₀^Δl I(√(q² + u²)) du, evaluated on a log-spaced u grid.

Model fits use them through ``resolution="auto"``: the curve's ``dq`` coordinate means
pinhole smearing, ``attrs["slit_length"]`` slit smearing (as SasView does with the data's
dQ). Unsmeared fits of smeared data bias sizes (the invariant of pinhole data reads high;
SasView docs).

References
----------
Pedersen, J. S., Posselt, D. & Mortensen, K. (1990). J. Appl. Cryst. 23, 321.
Lake, J. A. (1967). Acta Cryst. 23, 191 (slit desmearing).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import xarray as xr
from numpy.polynomial.legendre import leggauss

from charz.errors import CharzError, OptionError

__all__ = ["pinhole_smear", "resolution_of", "slit_smear", "smeared_model"]

_GL_X, _GL_W = leggauss(41)
_NSIGMA = 3.0
_PIN_X = _GL_X * _NSIGMA
_PIN_W = np.exp(-0.5 * _PIN_X**2) * _GL_W


def pinhole_smear(func: Callable[[np.ndarray], np.ndarray], q: np.ndarray,
                  dq: np.ndarray) -> np.ndarray:
    """Gaussian pinhole smearing of ``func`` at ``q`` with standard deviations ``dq``.

    Parameters
    ----------
    func : callable
        ``func(q) -> I`` on any 1-D q array (1/nm).
    q, dq : ndarray
        Points and their σ_q (1/nm).
    """
    q = np.asarray(q, dtype=float)
    dq = np.asarray(dq, dtype=float)
    qq = q[:, None] + dq[:, None] * _PIN_X[None, :]
    ok = qq > 0
    vals = np.zeros_like(qq)
    vals[ok] = func(qq[ok])
    w = _PIN_W[None, :] * ok
    return (vals * w).sum(axis=1) / w.sum(axis=1)


def slit_smear(func: Callable[[np.ndarray], np.ndarray], q: np.ndarray,
               slit_length: float, n: int = 300) -> np.ndarray:
    """Infinite-height slit smearing: (1/Δl) ∫₀^Δl I(√(q² + u²)) du.

    Parameters
    ----------
    func : callable
        ``func(q) -> I`` (1/nm).
    q : ndarray
        Points (1/nm).
    slit_length : float
        Δl (1/nm).
    n : int
        u points (log-spaced from 10⁻³ q_min to Δl, plus u = 0).
    """
    q = np.asarray(q, dtype=float)
    if slit_length <= 0:
        raise OptionError(f"slit length must be > 0 1/nm, got {slit_length}")
    u = np.concatenate([[0.0], np.geomspace(max(q.min(), 1e-12) * 1e-3, slit_length, n)])
    qq = np.sqrt(q[:, None] ** 2 + u[None, :] ** 2)
    vals = func(qq.ravel()).reshape(qq.shape)
    return np.trapezoid(vals, u, axis=1) / slit_length


def resolution_of(curve: xr.DataArray,
                  resolution: Literal["auto", "none", "pinhole", "slit"] = "auto"
                  ) -> tuple[str, np.ndarray | float | None]:
    """Which smearing a curve asks for: ("none" | "pinhole" | "slit", width)."""
    dq = curve.coords.get("dq")
    slit = curve.attrs.get("slit_length")
    has_dq = dq is not None and bool(np.all(np.isfinite(dq.values)) and np.all(dq.values > 0))
    if resolution == "none":
        return "none", None
    if resolution == "auto":
        if slit is not None:
            return "slit", float(slit)
        if has_dq:
            return "pinhole", np.asarray(dq.values, dtype=float)
        return "none", None
    if resolution == "pinhole":
        if not has_dq:
            raise CharzError("pinhole smearing needs a 'dq' coordinate (σ_q > 0, 1/nm)")
        return "pinhole", np.asarray(dq.values, dtype=float)
    if resolution == "slit":
        if slit is None:
            raise CharzError("slit smearing needs attrs['slit_length'] (1/nm)")
        return "slit", float(slit)
    raise OptionError(f"resolution must be 'auto', 'none', 'pinhole' or 'slit', got "
                     f"{resolution!r}")


def smeared_model(func: Callable[..., np.ndarray], kind: str, width: Any) -> Callable[..., Any]:
    """Wrap a model ``func(q, **params)`` so that it returns the smeared curve.

    The wrapper keeps ``func``'s signature (lmfit reads the parameter names from it).
    """
    if kind == "none":
        return func

    @functools.wraps(func)
    def smeared(q: np.ndarray, **params: Any) -> np.ndarray:
        def f(qq: np.ndarray) -> np.ndarray:
            return func(qq, **params)

        if kind == "pinhole":
            return pinhole_smear(f, q, width)
        return slit_smear(f, q, width)

    return smeared


def describe(kind: str, width: Any) -> str:
    """Method-string fragment for the smearing used."""
    if kind == "pinhole":
        return f"pinhole-smeared with the data's σ_q (median {np.median(width):.3g} 1/nm)"
    if kind == "slit":
        return f"slit-smeared, Δl = {width:.4g} 1/nm"
    return "no resolution smearing"
