"""Band models of disordered carbons: the model table, unit-height shapes, derived values.

Shared by :mod:`raman.bands` (fitting, results) and :mod:`raman.batch` (the batched
kernel), which both import this module and never each other at import time.

Models (FIELD-NOTES §2.3; positions for 514–532 nm excitation; starting values and bounds
in :data:`MODELS`): ``two_band`` (Lorentzian D + BWF G, Ferrari & Robertson, Phys. Rev. B
61 (2000) 14095), ``three_band`` (+ Gaussian D3), ``four_band`` (+ Lorentzian D4),
``sadezky`` (Sadezky et al., Carbon 43 (2005) 1731), each optionally ``+second_order``.
A model without some optional bands is named ``"<model> without d3"`` or ``"<model>
without d3,d4"`` (:func:`submodel`); the fitter drops a D3/D4 band whose height
converges to zero and refits with such a submodel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from charz.errors import CharzError
from charz.peaks import GAUSS_AREA, LORENTZ_AREA

__all__ = [
    "MODELS",
    "MODEL_TEXT",
    "OPTIONAL_BANDS",
    "SECOND_ORDER",
    "BandSpec",
    "band_shapes",
    "bands_of",
    "descriptor_values",
    "nonlinear_names",
    "nonlinear_start",
    "submodel",
]

#: Bands that may vanish: dropped (and the fit repeated) when their height converges to 0.
OPTIONAL_BANDS = ("d3", "d4")


@dataclass(frozen=True, slots=True)
class BandSpec:
    """One band of a model: shape, starting values and bounds (1/cm; Q dimensionless).

    ``center`` of a BWF is ω0 (the apex is at ω0 + Γ/(2Q), below ω0).
    """

    name: str
    shape: Literal["lorentzian", "gaussian", "bwf"]
    center: tuple[float, float, float]  # start, min, max
    fwhm: tuple[float, float, float]
    q: tuple[float, float, float] | None = None

    @property
    def nonlinear(self) -> list[str]:
        return ["center", "fwhm"] + (["q"] if self.shape == "bwf" else [])


_D = BandSpec("d", "lorentzian", (1350.0, 1300.0, 1400.0), (160.0, 15.0, 400.0))
MODELS: dict[str, tuple[BandSpec, ...]] = {
    "two_band": (
        _D,
        BandSpec("g", "bwf", (1605.0, 1560.0, 1660.0), (80.0, 8.0, 200.0),
                 (-10.0, -100.0, -2.0)),
    ),
    "three_band": (
        _D,
        BandSpec("g", "lorentzian", (1590.0, 1560.0, 1620.0), (70.0, 8.0, 160.0)),
        BandSpec("d3", "gaussian", (1510.0, 1460.0, 1550.0), (150.0, 50.0, 300.0)),
    ),
    "four_band": (
        _D,
        BandSpec("g", "lorentzian", (1590.0, 1560.0, 1620.0), (70.0, 8.0, 160.0)),
        BandSpec("d3", "gaussian", (1510.0, 1460.0, 1550.0), (150.0, 50.0, 300.0)),
        BandSpec("d4", "lorentzian", (1200.0, 1120.0, 1280.0), (150.0, 50.0, 300.0)),
    ),
    "sadezky": (
        _D,
        BandSpec("g", "lorentzian", (1580.0, 1560.0, 1600.0), (60.0, 8.0, 140.0)),
        BandSpec("d2", "lorentzian", (1615.0, 1600.0, 1640.0), (40.0, 15.0, 80.0)),
        BandSpec("d3", "gaussian", (1510.0, 1460.0, 1550.0), (150.0, 50.0, 300.0)),
        BandSpec("d4", "lorentzian", (1200.0, 1120.0, 1280.0), (150.0, 50.0, 300.0)),
    ),
}

MODEL_TEXT = {
    "two_band": "Lorentzian D + BWF G (G position = BWF apex ω0 + Γ/(2Q), I_G = apex height)",
    "three_band": "Lorentzian D + Lorentzian G + Gaussian D3",
    "four_band": "Lorentzian D + Lorentzian G + Gaussian D3 + Lorentzian D4",
    "sadezky": "Sadezky: Lorentzian G, D1, D2, D4 + Gaussian D3 (D = D1)",
}

#: Second-order bands (Lorentzian): 2D ~2680 cm⁻¹ and D+G ~2930 cm⁻¹ (FIELD-NOTES §2.3),
#: appended to any model as ``<model>+second_order`` (``fit_bands(second_order=True)``).
SECOND_ORDER = (
    BandSpec("two_d", "lorentzian", (2680.0, 2600.0, 2760.0), (250.0, 40.0, 500.0)),
    BandSpec("d_plus_g", "lorentzian", (2930.0, 2860.0, 3000.0), (200.0, 40.0, 500.0)),
)
for _name in list(MODELS):
    MODELS[f"{_name}+second_order"] = MODELS[_name] + SECOND_ORDER
    MODEL_TEXT[f"{_name}+second_order"] = (
        MODEL_TEXT[_name] + "; second order: Lorentzian 2D (~2680) and D+G (~2930)")


def submodel(model: str, drop: tuple[str, ...] | list[str]) -> str:
    """Name of ``model`` without the bands ``drop`` (``"four_band without d4"``)."""
    base, _, already = model.partition(" without ")
    names = [b for b in OPTIONAL_BANDS if b in set(drop) | set(filter(None, already.split(",")))]
    return f"{base} without {','.join(names)}" if names else base


def bands_of(model: str) -> tuple[BandSpec, ...]:
    """The bands of a model name (also ``"<model> without d3,d4"``)."""
    base, _, drop = model.partition(" without ")
    try:
        bands = MODELS[base]
    except KeyError:
        raise CharzError(
            f"band model {base!r} is not one of {', '.join(MODELS)}"
        ) from None
    dropped = set(filter(None, drop.split(",")))
    return tuple(b for b in bands if b.name not in dropped)


_bands = bands_of


def band_shapes(x: np.ndarray, model: str, nonlin: np.ndarray) -> np.ndarray:
    """Unit-height band shapes, shape ``(..., nbands, npoints)``, for nonlinear parameters.

    ``nonlin`` has shape ``(..., n_nonlinear)`` in the order of :func:`nonlinear_names`.
    """
    from charz.peaks import bwf, gaussian, lorentzian

    out = []
    k = 0
    for b in _bands(model):
        c = nonlin[..., k, None]
        w = nonlin[..., k + 1, None]
        if b.shape == "bwf":
            q = nonlin[..., k + 2, None]
            out.append(bwf(x, 1.0, c, w, q))
            k += 3
        elif b.shape == "gaussian":
            out.append(gaussian(x, 1.0, c, w))
            k += 2
        else:
            out.append(lorentzian(x, 1.0, c, w))
            k += 2
    return np.stack(out, axis=-2)


def nonlinear_names(model: str) -> list[str]:
    """Names of the nonlinear parameters (``d_center``, ``d_fwhm``, ``g_q`` ...)."""
    return [f"{b.name}_{p}" for b in _bands(model) for p in b.nonlinear]


def nonlinear_start(model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, lower and upper bounds of the nonlinear parameters."""
    rows = []
    for b in _bands(model):
        rows += [b.center, b.fwhm] + ([b.q] if b.shape == "bwf" and b.q else [])
    arr = np.array(rows, float)
    return arr[:, 0], arr[:, 1], arr[:, 2]


# ---------------------------------------------------------------------------------------
# derived quantities (vectorised over spectra)
# ---------------------------------------------------------------------------------------


def bwf_window_area(h, c, w, q, lo, hi):
    """∫_lo^hi I0 (1+u/Q)²/(1+u²) dx, u = 2(x−ω0)/Γ (closed form)."""

    def prim(x):
        u = 2.0 * (x - c) / w
        return 0.5 * w * (u / q**2 + (1.0 - 1.0 / q**2) * np.arctan(u) + np.log1p(u**2) / q)

    return h * (prim(hi) - prim(lo))


def descriptor_values(
    model: str, heights: np.ndarray, nonlin: np.ndarray, window: tuple[float, float]
) -> dict[str, np.ndarray]:
    """Record quantities from band heights (..., nbands) and nonlinear params."""
    bands = _bands(model)
    out: dict[str, np.ndarray] = {}
    k = 0
    for i, b in enumerate(bands):
        h = heights[..., i]
        c = nonlin[..., k]
        w = nonlin[..., k + 1]
        out[f"{b.name}_height"] = h
        out[f"{b.name}_center"] = c
        out[f"{b.name}_fwhm"] = w
        if b.shape == "bwf":
            q = nonlin[..., k + 2]
            out[f"{b.name}_q"] = q
            out[f"{b.name}_position"] = c + w / (2.0 * q)
            out[f"{b.name}_apex_height"] = h * (1.0 + 1.0 / q**2)
            out[f"{b.name}_area"] = bwf_window_area(h, c, w, q, *window)
            k += 3
        else:
            out[f"{b.name}_position"] = c
            out[f"{b.name}_apex_height"] = h
            out[f"{b.name}_area"] = h * w * (GAUSS_AREA if b.shape == "gaussian" else LORENTZ_AREA)
            k += 2
    with np.errstate(divide="ignore", invalid="ignore"):
        out["id_ig"] = out["d_apex_height"] / out["g_apex_height"]
        out["ad_ag"] = out["d_area"] / out["g_area"]
    return out


