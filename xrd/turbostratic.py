"""Whole-pattern model of turbostratic carbon: d002, Lc, La and N without Scherrer.

Peak fitting with Scherrer's equation reads the structure of small turbostratic
crystallites wrongly in a predictable way (FIELD-NOTES §1.9): the (10) band of a
random-layer lattice is a Warren band with a long high-angle tail, so a symmetric fit
gives La 13–50 % low, and the 1/q² powder factor, f² and polarization move a broad (002)
apex. :func:`fit_turbostratic` fits the whole pattern with a model computed from the
physics of stacks of graphene layers instead (:mod:`xrd._random_layer`):

* stacks of N layers at mean spacing d, each layer turned and shifted at random; N follows
  a discretised gamma distribution (N − 1 ~ Γ, atom-weighted mean ⟨N⟩, standard deviation
  σ_N); an optional Gaussian fluctuation δ of each spacing, accumulating along the stack;
* layers are disks of diameter D with an atom-weighted lognormal distribution (mean ⟨D⟩,
  logarithmic width s; σ_D = ⟨D⟩√(exp(s²) − 1));
* per atom, the intralayer Debye sum of a disk (graphene shells weighted by the disk's
  overlap function) plus the interlayer continuum term (disk factor × 00l interference
  function, powder-averaged), which agree with brute-force Debye sums of atomistic
  crystallites to better than 1 % RMS (tests/xrd/test_turbostratic.py);
* coherent intensity f_C²(s)[1 + e^{−2Bs²} Σ pairs] (Cromer–Mann f_C; Debye–Waller B on the
  pair terms), plus the incoherent (Compton) scattering of carbon (Balyuzi 1975) with the
  Breit–Dirac factor [1 + (λ_C/λ)(1 − cos 2θ)]⁻², both times the polarization factor;
  no Lorentz factor: the Debye equation already holds the powder geometry, and a flat
  specimen of infinite thickness in Bragg–Brentano geometry has a constant irradiated
  volume;
* Kα2 as a second wavelength (ratio from the file), the instrument profile (Caglioti or a
  constant FWHM, Gaussian) as a convolution in 2θ;
* a low-angle power law A (q/q₀)^−n (pores) and a smooth polynomial background in 2θ.

The scale, the tail amplitude and the polynomial enter linearly and are solved at each
step (variable projection); d, ⟨N⟩, σ_N, ⟨D⟩, s, δ, B and n are fitted by lmfit
(``least_squares``) with Poisson weights.

Outputs (record keys as the peak fit, definitions in each method string): ``d002`` = d
(the mean interlayer spacing), ``n_layers`` = ⟨N⟩, ``lc`` = ⟨N⟩·d (Warren's convention),
``la`` = ⟨D⟩ (layer diameter), ⟨⟩ atom-weighted means over the size distributions.

When both this model and :func:`xrd.peaks.fit_pattern` run on one sample, the record keeps
the first value and the other in ``conflicts`` (``ConflictWarning``). For hard and other
non-graphitic carbons quote the whole-pattern values; the Scherrer values are for
comparison with the literature (state their convention).
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import lmfit
import numpy as np
import xarray as xr

from charz import flags as cflags
from charz._validation import check_choice
from charz.display import DescriptorsHTMLMixin
from charz.errors import CharzError, FitError, MissingMetadataError, OptionError, PhysicsWarning
from charz.record import Measurement, Provenance
from xrd._random_layer import (
    LAMBDA_COMPTON,
    RandomLayerKernel,
    gamma_layers,
    incoherent_carbon,
    lognormal_sizes,
)
from xrd.corrections import _wavelength, carbon_form_factor, polarization_factor

__all__ = [
    "TurbostraticResult",
    "fit_turbostratic",
    "fit_turbostratic_series",
    "turbostratic_pattern",
]

#: Nonlinear parameters: (initial value, lower bound, upper bound, unit, meaning).
PARAMETERS: dict[str, tuple[float, float, float, str, str]] = {
    "d002": (0.375, 0.335, 0.45, "nm", "mean interlayer spacing d"),
    "n_layers": (4.0, 1.3, 30.0, "1", "atom-weighted mean layers per stack ⟨N⟩"),
    "sigma_n": (1.5, 0.2, 15.0, "1", "standard deviation of the atom-weighted N distribution"),
    "la": (3.5, 0.8, 11.0, "nm", "atom-weighted mean layer diameter ⟨D⟩"),
    "sigma_ln_la": (0.3, 0.05, 0.8, "1", "logarithmic width s of the lognormal D distribution"),
    "delta": (0.005, 0.0, 0.05, "nm", "standard deviation of one interlayer spacing"),
    "b_iso": (0.5, 0.0, 6.0, "angstrom^2", "Debye–Waller B of the pair terms"),
    "tail_exponent": (3.0, 0.5, 6.0, "1", "exponent n of the low-angle power law"),
}

#: Parameters whose natural value is their lower bound (not flagged there).
_NATURAL_LOWER = ("delta", "b_iso")

_Q_REF = 4 * math.pi * math.sin(math.radians(5.0)) / 0.1540593  # q at 2θ = 10° (Cu Kα1)


# ---------------------------------------------------------------------------------------
# the model on one 2θ grid
# ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _kernel(q_lo: float, q_hi: float, n_q: int, la_max: float, n_max: int) -> RandomLayerKernel:
    return RandomLayerKernel.build(np.linspace(q_lo, q_hi, n_q), d_max=la_max, n_max=n_max)


def _instrument_matrix(x: np.ndarray, instrument: Any) -> Any:
    """Row-normalised Gaussian blur (sparse) with the instrument FWHM at each 2θ."""
    from scipy import sparse

    if instrument is None:
        return None
    fw = (np.asarray(instrument.fwhm(x), float) if hasattr(instrument, "fwhm")
          else np.full(x.shape, float(instrument)))
    if np.all(fw <= 0):
        return None
    sig = np.clip(fw, 1e-6, None) / (2 * math.sqrt(2 * math.log(2)))
    step = float(np.median(np.diff(x)))
    half = math.ceil(4 * sig.max() / step) + 1
    rows, cols, vals = [], [], []
    idx = np.arange(x.size)
    for o in range(-half, half + 1):
        j = idx + o
        ok = (j >= 0) & (j < x.size)
        rows.append(idx[ok])
        cols.append(j[ok])
        vals.append(np.exp(-0.5 * ((x[j[ok]] - x[idx[ok]]) / sig[ok]) ** 2))
    m = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(x.size, x.size))
    norm = np.asarray(m.sum(1)).ravel()
    return sparse.diags(1 / norm) @ m


class _Model:
    """The turbostratic pattern on one 2θ grid; everything fixed during a fit precomputed."""

    def __init__(self, x: np.ndarray, *, lam1: float, lam2: float | None, ratio: float,
                 monochromator: float | None, instrument: Any, background_degree: int,
                 la_max: float, n_max: int, n_q: int = 400) -> None:
        self.x = x
        self.lam1, self.lam2, self.ratio = lam1, lam2, ratio
        self.mono = monochromator
        self.deg = background_degree
        self.n_max = n_max
        th = np.radians(x) / 2
        self.q1 = 4 * np.pi * np.sin(th) / lam1
        qs = [self.q1]
        self.q2 = None
        if lam2 is not None and ratio > 0:
            self.q2 = 4 * np.pi * np.sin(th) / lam2
            qs.append(self.q2)
        q_lo = min(float(q.min()) for q in qs) - 0.05
        q_hi = max(float(q.max()) for q in qs) + 0.05
        self.kernel = _kernel(round(q_lo, 3), round(q_hi, 3), n_q, float(la_max), int(n_max))
        self.pol = polarization_factor(x, monochromator_two_theta=monochromator)
        self.parts = [self._fixed(lam1, self.q1, 1.0)]
        if self.q2 is not None:
            self.parts.append(self._fixed(lam2, self.q2, ratio))
        self.blur = _instrument_matrix(x, instrument)
        self.tail_q = self.q1 / _Q_REF
        mid, half = (x.max() + x.min()) / 2, max((x.max() - x.min()) / 2, 1e-9)
        u = (x - mid) / half
        self.poly = np.stack([np.polynomial.chebyshev.chebval(u, np.eye(self.deg + 1)[i])
                              for i in range(self.deg + 1)], 1)

    def _fixed(self, lam: float, q: np.ndarray, weight: float) -> dict[str, Any]:
        s = q / (4 * np.pi * 10.0)  # sin θ/λ in 1/Å
        f2 = carbon_form_factor(self.x, lam) ** 2
        c2t = np.cos(np.radians(self.x))
        bd = (1 + LAMBDA_COMPTON / lam * (1 - c2t)) ** -2
        return {"q": q, "s2": s * s, "f2": f2, "inc": incoherent_carbon(s) * bd, "w": weight}

    # -- pieces ------------------------------------------------------------------------
    def distributions(self, p: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        q_n = gamma_layers(p["n_layers"], p["sigma_n"], self.n_max)
        q_d = lognormal_sizes(p["la"], p["sigma_ln_la"], self.kernel.diameters)
        return q_n, q_d

    def scattering(self, p: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(coherent, incoherent) per atom × polarization on the 2θ grid (Kα2 and blur in)."""
        from scipy.interpolate import CubicSpline

        q_n, q_d = self.distributions(p)
        pairs = self.kernel.pair_terms(p["d002"], q_n, q_d, p.get("delta", 0.0))
        spline = CubicSpline(self.kernel.q, pairs)
        coh = np.zeros_like(self.x)
        inc = np.zeros_like(self.x)
        for part in self.parts:
            dw = np.exp(-2 * p["b_iso"] * part["s2"])
            coh += part["w"] * part["f2"] * (1 + dw * spline(part["q"]))
            inc += part["w"] * part["inc"]
        coh, inc = coh * self.pol, inc * self.pol
        if self.blur is not None:
            coh, inc = self.blur @ coh, self.blur @ inc
        return coh, inc

    def basis(self, p: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Columns: sample scattering, low-angle tail, polynomial; plus coh and inc."""
        coh, inc = self.scattering(p)
        tail = self.tail_q ** (-p["tail_exponent"])
        return np.column_stack([coh + inc, tail, self.poly]), coh, inc


def _solve_linear(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Weighted linear least squares with the sample scale and tail amplitude ≥ 0."""
    from scipy.optimize import lsq_linear

    coef, *_ = np.linalg.lstsq(a, b, rcond=None)
    if coef[0] >= 0 and coef[1] >= 0:
        return coef
    lo = np.full(a.shape[1], -np.inf)
    lo[:2] = 0.0
    return lsq_linear(a, b, bounds=(lo, np.full(a.shape[1], np.inf)), method="bvls").x


# ---------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class TurbostraticResult(DescriptorsHTMLMixin):
    """Result of :func:`fit_turbostratic`.

    Attributes
    ----------
    d002, lc, la, n_layers : Measurement
        Record keys (nm, nm, nm, 1); definitions in each ``method``.
    parameters : dict of str to Measurement
        Every fitted number (distribution widths ``sigma_n``, ``sigma_la`` (nm),
        ``sigma_ln_la``, disorder ``delta`` (nm), ``b_iso`` (Å²), ``tail_exponent``, and
        goodness of fit ``redchi``, ``r_wp`` (%)).
    wavelength : float
        Kα1 (or single) wavelength (nm).
    fit : lmfit.minimizer.MinimizerResult
        The nonlinear fit (the linear scale, tail amplitude and background coefficients are
        in ``linear``).
    linear : dict of str to float
        ``scale``, ``tail_amplitude`` and ``bg_c0``…: solved by linear least squares.
    flags : tuple of str
        Flags of the whole fit (``poor_fit``, ``not_converged``, ``at_bound:<p>``).
    seconds : float
        Wall time of the fit.
    """

    d002: Measurement
    lc: Measurement
    la: Measurement
    n_layers: Measurement
    parameters: Mapping[str, Measurement]
    wavelength: float
    fit: Any = field(repr=False)
    linear: Mapping[str, float] = field(repr=False)
    flags: tuple[str, ...]
    seconds: float
    _model: Any = field(repr=False)
    _data: Any = field(repr=False)

    def descriptors(self) -> dict[str, Measurement]:
        """Record keys → Measurement (``d002``, ``lc``, ``la``, ``n_layers``)."""
        return {"d002": self.d002, "lc": self.lc, "la": self.la, "n_layers": self.n_layers}

    @property
    def source(self) -> Provenance:
        """Provenance: input file, reader and every option that changes the numbers."""
        return self.d002.source

    def seed(self) -> dict[str, float]:
        """The fitted nonlinear parameters, to start the next fit of a series (``init=``)."""
        return {k: float(v.value) for k, v in self.fit.params.items()}

    @property
    def curve(self) -> xr.Dataset:
        """``data``, ``best_fit``, ``residual``, ``coherent``, ``incoherent`` and
        ``background`` (tail + polynomial) over the fitted 2θ points (computed on demand)."""
        m = self._model
        p = self.fit.params.valuesdict()
        cols, coh, inc = m.basis(p)
        lin = self.linear
        coef = np.array([lin["scale"], lin["tail_amplitude"]]
                        + [lin[f"bg_c{i}"] for i in range(m.deg + 1)])
        best = cols @ coef
        y, units = self._data
        bg = cols[:, 1:] @ coef[1:]

        def v(a):
            return ("two_theta", a, {"units": units})

        return xr.Dataset(
            {"data": v(y), "best_fit": v(best), "residual": v(y - best),
             "coherent": v(lin["scale"] * coh), "incoherent": v(lin["scale"] * inc),
             "background": v(bg)},
            coords={"two_theta": ("two_theta", m.x, {"units": "deg"})},
            attrs={"model": "turbostratic (xrd.fit_turbostratic)"},
        )

    def plot(self, ax: Any = None) -> Any:
        """Data, fit, coherent, incoherent and background over 2θ; returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(layout="constrained")
        c = self.curve
        x = c["two_theta"].values
        bg = c["background"].values
        ax.plot(x, c["data"], ".", ms=1.5, color="0.5", label="data")
        ax.plot(x, c["best_fit"], "-", color="k", lw=1.0, label="turbostratic model")
        ax.plot(x, bg, "--", color="0.4", lw=0.8, label="tail + background")
        ax.plot(x, bg + c["incoherent"].values, ":", color="0.3", lw=0.8, label="+ Compton")
        ax.set_xlabel("2θ (deg)")
        ax.set_ylabel(f"intensity ({c['data'].attrs.get('units', 'a.u.')})")
        ax.set_title(f"d002 {self.d002.value:.4f} nm, Lc {self.lc.value:.2f} nm, "
                     f"La {self.la.value:.2f} nm, N {self.n_layers.value:.2f}", fontsize=7)
        ax.legend(loc="upper right")
        return ax


# ---------------------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------------------


def _initial(x: np.ndarray, y: np.ndarray, lam: float) -> dict[str, float]:
    """Starting values from the (002) apex and half width of the smoothed pattern."""
    k = max(3, round(0.3 / max(float(np.median(np.diff(x))), 1e-3)))
    ys = np.convolve(y, np.ones(k) / k, mode="same")
    lo = 2 * np.degrees(np.arcsin(lam / (2 * 0.45)))
    hi = 2 * np.degrees(np.arcsin(lam / (2 * 0.335)))
    band = (x >= lo) & (x <= hi)
    p = {name: spec[0] for name, spec in PARAMETERS.items()}
    if band.sum() < 5:
        return p
    i0 = np.flatnonzero(band)[np.argmax(ys[band])]
    # straight line under the band between the minima on both sides
    left = (x >= lo - 6) & (x < x[i0] - 3)
    right = (x > x[i0] + 3) & (x <= min(hi + 10, x[i0] + 14))
    if left.any() and right.any():
        il = np.flatnonzero(left)[np.argmin(ys[left])]
        ir = np.flatnonzero(right)[np.argmin(ys[right])]
        base = np.interp(x, [x[il], x[ir]], [ys[il], ys[ir]])
    else:
        base = np.full_like(ys, np.min(ys))
    net = ys - base
    half = net[i0] / 2
    if half > 0:
        j = i0
        while j > 0 and net[j] > half:
            j -= 1
        m = i0
        while m < x.size - 1 and net[m] > half:
            m += 1
        fwhm = max(float(x[m] - x[j]), 0.3)
        th = math.radians(x[i0]) / 2
        d_apex = lam / (2 * math.sin(th))
        lc = 0.89 * lam / (math.radians(fwhm) * math.cos(th))
        p["d002"] = float(np.clip(d_apex - 0.004, 0.336, 0.449))
        p["n_layers"] = float(np.clip(lc / p["d002"] * 1.1 + 0.5, 1.6, 25.0))
        p["sigma_n"] = float(np.clip(0.4 * (p["n_layers"] - 1), 0.3, 10.0))
    return p


def _goodness_flags(x: np.ndarray, resid_w: np.ndarray, y: np.ndarray, best: np.ndarray,
                    coh_peak: float, redchi: float) -> tuple[bool, str]:
    """poor_fit test: a sharp or a broad systematic misfit, or a large reduced χ².

    * sharp: over 0.5° windows, the residual minus its 1.5° running mean deviates by > 5σ
      and > 2 % of the (002) maximum (a line the model lacks: graphitic carbon, a holder);
    * broad: over 3° windows, the residual deviates by > 5σ and > 5 % of the maximum;
    * reduced χ² (Poisson weights) > 5.
    """
    step = float(np.median(np.diff(x)))
    peak = max(coh_peak, 1e-12)
    sig = np.abs(y - best) / np.maximum(np.abs(resid_w), 1e-12)  # σ of each point
    diff = y - best

    def window_stats(r: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray, int]:
        n = max(3, round(width / step))
        if r.size < 2 * n:
            return np.zeros(0), np.zeros(0), n
        k = np.ones(n)
        mean = np.convolve(r, k, "valid") / n
        err = np.sqrt(np.convolve(sig**2, k, "valid")) / n
        return mean, mean / np.maximum(err, 1e-12), n

    n5 = max(3, round(1.5 / step))
    if diff.size > n5:  # running mean, normalised at the ends (no zero padding)
        smooth = (np.convolve(diff, np.ones(n5), "same")
                  / np.convolve(np.ones_like(diff), np.ones(n5), "same"))
    else:
        smooth = np.zeros_like(diff)
    for r, width, frac, what in ((diff - smooth, 0.5, 0.02, "sharp"),
                                 (diff, 3.0, 0.05, "broad")):
        mean, z, n = window_stats(r, width)
        bad = (np.abs(z) > 5.0) & (np.abs(mean) > frac * peak)
        if bad.any():
            i = int(np.argmax(np.where(bad, np.abs(mean), 0)))
            hint = ("another phase, e.g. graphitic carbon, or a sharp line of the holder?"
                    if what == "sharp" else "a non-turbostratic component, or a background "
                    "the tail and polynomial cannot follow?")
            return True, (f"{what} systematic misfit of {100 * mean[i] / peak:+.1f} % of the "
                          f"(002) maximum ({z[i]:+.1f} σ) over {width:g}° at "
                          f"{x[i + n // 2]:.1f}°: the model does not describe the pattern "
                          f"({hint})")
    if redchi > 5.0:
        return True, f"reduced χ² {redchi:.2f} > 5"
    return False, ""


def fit_turbostratic(
    pattern: xr.DataArray,
    *,
    wavelength: float | None = None,
    window: tuple[float, float] | None = None,
    ka2: Literal["auto", "model", "ignore"] = "auto",
    instrument: Any = None,
    monochromator_two_theta: float | None = None,
    background_degree: int = 2,
    vary: Sequence[str] | None = None,
    fixed: Mapping[str, float] | None = None,
    init: Mapping[str, float] | TurbostraticResult | None = None,
    mask: Sequence[tuple[float, float]] = (),
    la_max: float = 15.0,
    n_max: int = 48,
    warn: bool = True,
) -> TurbostraticResult:
    """Fit a whole-pattern turbostratic model: d002, Lc = ⟨N⟩d, La = ⟨D⟩, N = ⟨N⟩.

    Parameters
    ----------
    pattern : xarray.DataArray
        One powder pattern over ``two_theta`` (deg), counts (Poisson weights), e.g. from
        :func:`charz.read`.
    wavelength : float, optional
        Kα1 (or single) wavelength in nm; default ``pattern.attrs["wavelength"]``.
    window : (float, float), optional
        2θ range fitted (deg). Default: from q = 7.1 nm⁻¹ (10° for Cu Kα) to the end of
        the pattern (the (10) and (11) bands carry La).
    ka2 : {'auto', 'model', 'ignore'}
        Kα2 as a second wavelength in the model (ratio and λ from the attrs); ``auto``
        models it when ``attrs["ka2_ratio"]`` > 0.
    instrument : float or xrd.peaks.CagliotiResult, optional
        Instrument FWHM (deg, Gaussian) or a Caglioti fit (:func:`xrd.peaks.fit_caglioti`),
        convolved with the model. None: no instrument broadening (negligible next to the
        widths of hard carbons, FIELD-NOTES §1.3).
    monochromator_two_theta : float or None
        2θ_M (deg) of a diffracted-beam monochromator for the polarization factor; None:
        none, P = (1 + cos²2θ)/2.
    background_degree : int
        Degree of the Chebyshev polynomial background in 2θ (added to the low-angle tail).
    vary : sequence of str, optional
        Nonlinear parameters fitted (default all of :data:`PARAMETERS`); the others stay at
        their ``fixed``/default value.
    fixed : mapping, optional
        Values for parameters that are not varied (e.g. ``{"b_iso": 0.5}``).
    init : mapping or TurbostraticResult, optional
        Starting values (e.g. the previous frame of a series); default from the (002)
        apex and width.
    mask : list of (lo, hi)
        2θ ranges (deg) left out (sharp lines of a holder or a standard).
    la_max : float
        Largest layer diameter in the size grid (nm); ⟨D⟩ is bounded well below it.
    n_max : int
        Largest number of layers per stack in the N distribution.
    warn : bool
        Emit :class:`~charz.errors.PhysicsWarning` for implausible values.

    Returns
    -------
    TurbostraticResult

    Raises
    ------
    FitError
        Too few points, or no signal above noise.
    MissingMetadataError
        No wavelength.

    Notes
    -----
    Intensity model (per atom, then × scale)::

        I(2θ) = P(2θ) [f²(s)(1 + e^{−2Bs²} Σ_{i≠j} sinc(q r_ij)) + S_inc(s) R_BD(2θ)]
                ⊗ instrument (+ Kα2) + A (q/q₀)^−n + Σ c_k T_k(2θ)

    with the pair sum of :mod:`xrd._random_layer` (intralayer shells + interlayer
    continuum) averaged over the atom-weighted distributions of N (discretised gamma on
    N − 1) and D (lognormal). ⟨N⟩, ⟨D⟩ are atom-weighted means (the fraction of atoms in
    stacks of N layers / in layers of diameter D); Lc = ⟨N⟩ d follows Warren's
    convention (N layers, thickness N·d). Goodness of fit: reduced χ² (Poisson weights)
    and R_wp; ``poor_fit`` is set when the residual shows a sharp feature (0.5° window,
    > 5σ and > 2 % of the (002) maximum: a line the model lacks, e.g. graphitic carbon), a
    broad systematic misfit (3° window, > 5σ and > 5 %), or the reduced χ² exceeds 5.

    References
    ----------
    B. E. Warren, Phys. Rev. 59 (1941) 693; B. E. Warren and P. Bodenstein, Acta Cryst. 18
    (1965) 282; W. Ruland and B. Smarsly, J. Appl. Cryst. 35 (2002) 624; H. Shi,
    J. N. Reimers and J. R. Dahn, J. Appl. Cryst. 26 (1993) 827; H. H. M. Balyuzi, Acta
    Cryst. A31 (1975) 600; D. T. Cromer and J. B. Mann, Acta Cryst. A24 (1968) 321.
    """
    t0 = time.perf_counter()
    src = str(pattern.attrs.get("source", ""))
    if pattern.ndim != 1 or "two_theta" not in pattern.dims:
        raise CharzError(f"{src or 'pattern'}: fit_turbostratic takes one pattern over "
                         f"two_theta, got dims {pattern.dims}")
    lam = _wavelength(pattern, wavelength)
    ratio = float(pattern.attrs.get("ka2_ratio") or 0.0)
    lam2 = pattern.attrs.get("wavelength_ka2")
    if ka2 not in ("auto", "model", "ignore"):
        raise CharzError(f"ka2={ka2!r}: use 'auto', 'model' or 'ignore'")
    if ka2 == "model" and (ratio <= 0 or lam2 is None):
        raise MissingMetadataError(f"{src}: ka2='model' needs ka2_ratio > 0 and "
                                   "wavelength_ka2 in the attrs")
    use_ka2 = ka2 != "ignore" and ratio > 0 and lam2 is not None
    x_all = pattern["two_theta"].values.astype(float)
    y_all = pattern.values.astype(float)
    if window is None:
        lo = 2 * math.degrees(math.asin(min(7.1 * lam / (4 * math.pi), 1.0)))
        window = (lo, float(x_all.max()))
    keep = (x_all >= window[0]) & (x_all <= window[1]) & np.isfinite(y_all)
    for a, b in mask:
        keep &= ~((x_all >= a) & (x_all <= b))
    x, y = x_all[keep], y_all[keep]
    if x.size < 50:
        raise FitError(f"{src}: {x.size} points in the window {window[0]:.1f}–{window[1]:.1f}°;"
                       " the whole-pattern model needs the (002) to (10) range")
    if cflags.is_flat(y) or float(np.max(y)) <= 0:
        raise FitError(f"{src}: no signal above noise (flat or empty pattern)")
    sigma = np.sqrt(np.clip(y, 1.0, None))
    model = _Model(x, lam1=lam, lam2=float(lam2) if use_ka2 else None,
                   ratio=ratio if use_ka2 else 0.0, monochromator=monochromator_two_theta,
                   instrument=instrument, background_degree=background_degree,
                   la_max=la_max, n_max=n_max)

    start = _initial(x, y, lam)
    if init is not None:
        start.update(init.seed() if isinstance(init, TurbostraticResult) else dict(init))
    if fixed:
        start.update(fixed)
    names = list(PARAMETERS) if vary is None else list(vary)
    for n in names:
        if n not in PARAMETERS:
            raise CharzError(f"vary: {n!r} is not one of {', '.join(PARAMETERS)}")
    params = lmfit.Parameters()
    for n, (v0, lo_b, hi_b, _, _) in PARAMETERS.items():
        hi_b = min(hi_b, 0.75 * la_max) if n == "la" else hi_b
        hi_b = min(hi_b, 0.6 * n_max) if n == "n_layers" else hi_b
        params.add(n, value=float(np.clip(start.get(n, v0), lo_b, hi_b)), min=lo_b, max=hi_b,
                   vary=n in names)

    def residual(p: lmfit.Parameters) -> np.ndarray:
        a, _, _ = model.basis(p.valuesdict())
        aw = a / sigma[:, None]
        coef = _solve_linear(aw, y / sigma)
        return y / sigma - aw @ coef

    # coarse start for ⟨D⟩: the (10)/(11) bands constrain it weakly from a poor start
    if init is None and "la" in names:
        best = None
        for la0 in (2.0, 3.5, 6.0):
            params["la"].set(value=min(la0, params["la"].max))
            chi = float(np.sum(residual(params) ** 2))
            if best is None or chi < best[0]:
                best = (chi, la0)
        params["la"].set(value=min(best[1], params["la"].max))
    mini = lmfit.Minimizer(residual, params)
    res = mini.minimize(method="least_squares", x_scale="jac", max_nfev=600, ftol=1e-7,
                        xtol=1e-7)
    if not res.success and res.params["tail_exponent"].vary:
        # a vanished tail leaves its exponent without effect (a flat direction that can
        # stall the solver): fix it and go on from where the fit stopped
        a, _, _ = model.basis(res.params.valuesdict())
        if _solve_linear(a / sigma[:, None], y / sigma)[1] <= 0:
            again = res.params.copy()
            again["tail_exponent"].set(vary=False)
            nfev = res.nfev
            res = lmfit.Minimizer(residual, again).minimize(
                method="least_squares", x_scale="jac", max_nfev=600, ftol=1e-7, xtol=1e-7)
            res.nfev += nfev
    p = res.params.valuesdict()
    cols, coh, _inc = model.basis(p)
    coef = _solve_linear(cols / sigma[:, None], y / sigma)
    best = cols @ coef
    lin = {"scale": float(coef[0]), "tail_amplitude": float(coef[1])}
    lin.update({f"bg_c{i}": float(c) for i, c in enumerate(coef[2:])})
    rw = (y - best) / sigma
    nfree = max(x.size - res.nvarys - cols.shape[1], 1)
    redchi = float(np.sum(rw**2) / nfree)
    r_wp = float(100 * math.sqrt(np.sum(rw**2) / np.sum((y / sigma) ** 2)))
    poor, why = _goodness_flags(x, rw, y, best, float(coef[0] * coh.max()), redchi)
    if coef[0] <= 0:
        raise FitError(f"{src}: no carbon scattering found above the background")

    # flags: fit-level and per parameter
    ignore_lower = [n for n in _NATURAL_LOWER
                    if res.params[n].vary and res.params[n].value - res.params[n].min
                    <= 1e-3 * (res.params[n].max - res.params[n].min)]
    if lin["tail_amplitude"] <= 0:  # no tail: its exponent does not matter
        ignore_lower.append("tail_exponent")
    bound = set(cflags.fit_flags(res, ignore=ignore_lower))
    fit_level = [cflags.POOR_FIT] if poor else []
    if cflags.NOT_CONVERGED in bound:
        fit_level.append(cflags.NOT_CONVERGED)
    all_flags = cflags.combine(fit_level, sorted(f for f in bound if f != cflags.NOT_CONVERGED))

    def pflags(*deps: str) -> tuple[str, ...]:
        return cflags.combine(fit_level, [cflags.at_bound(d) for d in deps
                                          if cflags.at_bound(d) in bound])

    from uncertainties import correlated_values, ufloat

    var = [n for n in res.params if res.params[n].vary]
    if res.covar is not None and res.covar.shape == (len(var), len(var)):
        try:
            uv = dict(zip(var, correlated_values([res.params[n].value for n in var],
                                                  res.covar), strict=True))
        except (np.linalg.LinAlgError, ValueError):
            uv = {}
    else:
        uv = {}

    def u(n: str) -> Any:
        if n in uv:
            return uv[n]
        err = res.params[n].stderr
        return ufloat(res.params[n].value, err) if err else float(res.params[n].value)

    ka2_txt = f"Kα2 modelled (ratio {ratio:g})" if use_ka2 else "no Kα2 in the model"
    if model.blur is None:
        inst_txt = "no instrument broadening"
    elif hasattr(instrument, "describe"):
        inst_txt = f"instrument {instrument.describe()} (Gaussian)"
    else:
        inst_txt = f"instrument FWHM {float(instrument):g}° (Gaussian)"
    mono = ("no monochromator" if monochromator_two_theta is None
            else f"monochromator 2θ_M {monochromator_two_theta:g}°")
    fixed_txt = ", ".join(f"{n}={res.params[n].value:g}" for n in res.params
                          if not res.params[n].vary)
    base = (f"whole-pattern turbostratic model (xrd.fit_turbostratic: random-layer stacks, "
            f"N−1 ~ gamma, D ~ lognormal, atom-weighted; Cromer–Mann f, Debye–Waller on "
            f"pair terms, Balyuzi Compton, polarization ({mono}), {ka2_txt}, {inst_txt}, "
            f"power-law tail + degree-{background_degree} background); window "
            f"{x.min():.1f}–{x.max():.1f}°; λ = {lam:.6g} nm; reduced χ² {redchi:.2f}"
            + (f"; fixed {fixed_txt}" if fixed_txt else ""))
    prov_params = {"model": "turbostratic", "wavelength_nm": lam,
                   "window_deg": [float(x.min()), float(x.max())], "ka2": ka2,
                   "ka2_modelled": use_ka2, "monochromator_two_theta": monochromator_two_theta,
                   "background_degree": background_degree, "la_max": la_max, "n_max": n_max,
                   "vary": names, "mask": [list(m) for m in mask],
                   "instrument": (None if instrument is None else
                                  instrument.describe() if hasattr(instrument, "describe")
                                  else float(instrument))}
    prov = Provenance.from_data(pattern, parameters=prov_params)

    def meas(v: Any, unit: str, method: str, fl: tuple[str, ...], extra=None) -> Measurement:
        nom = float(getattr(v, "nominal_value", v))
        sd = getattr(v, "std_dev", None)
        sd = float(sd) if sd is not None and sd > 0 and math.isfinite(sd) else None
        return Measurement(nom, sd, unit, "xrd", method, prov, extra or {}, flags=fl)

    d, nbar, dbar = u("d002"), u("n_layers"), u("la")
    s_ln = u("sigma_ln_la")
    from uncertainties import umath

    sigma_la = dbar * umath.sqrt(umath.exp(s_ln**2) - 1)
    widths = {"sigma_n": float(res.params["sigma_n"].value), "sigma_la": float(
        getattr(sigma_la, "nominal_value", sigma_la)), "delta": float(res.params["delta"].value)}
    f_d, f_n, f_la = pflags("d002", "delta"), pflags("n_layers", "sigma_n"), pflags(
        "la", "sigma_ln_la")
    out_d = meas(d, "nm", f"d002 = d, mean interlayer spacing of the {base}", f_d,
                 {"delta_nm": widths["delta"]})
    out_n = meas(nbar, "1", f"N = ⟨N⟩, atom-weighted mean number of layers per stack "
                            f"(σ_N = {widths['sigma_n']:.3g}); {base}", f_n,
                 {"sigma_n": widths["sigma_n"]})
    out_lc = meas(nbar * d, "nm", f"Lc = ⟨N⟩·d (Warren's stack height, atom-weighted ⟨N⟩); "
                                  f"{base}", cflags.combine(f_d, f_n))
    out_la = meas(dbar, "nm", f"La = ⟨D⟩, atom-weighted mean layer diameter (lognormal, "
                              f"σ_D = {widths['sigma_la']:.3g} nm); {base}", f_la,
                  {"sigma_la_nm": widths["sigma_la"]})
    extra_m = {
        "sigma_n": meas(u("sigma_n"), "1", "standard deviation of the atom-weighted N "
                                           f"distribution; {base}", pflags("sigma_n")),
        "sigma_ln_la": meas(s_ln, "1", f"logarithmic width of the D distribution; {base}",
                            pflags("sigma_ln_la")),
        "sigma_la": meas(sigma_la, "nm", "standard deviation of the atom-weighted D "
                                         f"distribution, ⟨D⟩√(exp(s²)−1); {base}",
                         pflags("la", "sigma_ln_la")),
        "delta": meas(u("delta"), "nm", "standard deviation of one interlayer spacing "
                                        f"(accumulating along the stack); {base}",
                      pflags("delta")),
        "b_iso": meas(u("b_iso"), "angstrom^2", f"Debye–Waller B of the pair terms; {base}",
                      pflags("b_iso")),
        "tail_exponent": meas(u("tail_exponent"), "1",
                              f"exponent of the low-angle power law; {base}",
                              pflags("tail_exponent")),
        "redchi": meas(redchi, "1", "reduced χ² with Poisson weights", tuple(fit_level)),
        "r_wp": meas(r_wp, "percent", "weighted profile R factor", tuple(fit_level)),
    }
    result = TurbostraticResult(out_d, out_lc, out_la, out_n, extra_m, lam, res, lin,
                                all_flags, time.perf_counter() - t0, model,
                                (y, str(pattern.attrs.get("units", "count"))))
    if warn:
        if poor:
            warnings.warn(f"{src}: {why}", PhysicsWarning, stacklevel=2)
        if not res.success:
            warnings.warn(f"{src}: the turbostratic fit did not converge ({res.message})",
                          PhysicsWarning, stacklevel=2)
    return result


def turbostratic_pattern(
    two_theta: np.ndarray,
    *,
    d002: float,
    n_layers: float,
    sigma_n: float,
    la: float,
    sigma_ln_la: float,
    delta: float = 0.0,
    b_iso: float = 0.5,
    wavelength: float = 0.1540593,
    wavelength_ka2: float | None = None,
    ka2_ratio: float = 0.0,
    monochromator_two_theta: float | None = None,
    instrument: Any = None,
    la_max: float = 15.0,
    n_max: int = 48,
) -> xr.Dataset:
    """The model's scattering per atom (no background, unit scale) on a 2θ grid.

    Parameters are those of :data:`PARAMETERS` (nm, atom-weighted); returns a Dataset with
    ``coherent`` and ``incoherent`` (electron units per atom × polarization, Kα2 and
    instrument included) over ``two_theta``.
    """
    x = np.asarray(two_theta, float)
    m = _Model(x, lam1=wavelength, lam2=wavelength_ka2, ratio=ka2_ratio,
               monochromator=monochromator_two_theta, instrument=instrument,
               background_degree=0, la_max=la_max, n_max=n_max)
    coh, inc = m.scattering({"d002": d002, "n_layers": n_layers, "sigma_n": sigma_n,
                             "la": la, "sigma_ln_la": sigma_ln_la, "delta": delta,
                             "b_iso": b_iso})
    return xr.Dataset({"coherent": ("two_theta", coh, {"units": "1"}),
                       "incoherent": ("two_theta", inc, {"units": "1"})},
                      coords={"two_theta": ("two_theta", x, {"units": "deg"})})


# ---------------------------------------------------------------------------------------
# series (in-situ frames, maps): the charz.series engine, each frame seeded from the last
# ---------------------------------------------------------------------------------------

_SERIES_KEYS = ("d002", "lc", "la", "n_layers")
_SERIES_EXTRA = ("sigma_n", "sigma_la", "delta", "redchi")
_DEPENDS = {"d002": ("d002", "delta"), "n_layers": ("n_layers", "sigma_n", "delta"),
            "lc": ("d002", "delta", "n_layers", "sigma_n"), "la": ("la", "sigma_ln_la")}


def _series_kernel(block: np.ndarray, *, two_theta: np.ndarray, attrs: Mapping[str, Any],
                   options: Mapping[str, Any], seed: str) -> dict[str, np.ndarray]:
    """Batched kernel for :func:`charz.series.apply_series`: one fit per pattern.

    With ``seed="previous"`` each pattern of the block starts from the last successful fit
    (in-situ frames change little from one to the next); ``"fixed"`` starts every pattern
    from its own (002) estimate.
    """
    from charz.series import join_flags
    from xrd.io import make_pattern

    n = block.shape[0]
    out: dict[str, np.ndarray] = {k: np.full(n, np.nan) for k in _SERIES_KEYS}
    out.update({f"{k}_stderr": np.full(n, np.nan) for k in _SERIES_KEYS})
    out.update({k: np.full(n, np.nan) for k in _SERIES_EXTRA})
    out["success"] = np.zeros(n, bool)
    flags: list[tuple[str, ...]] = []
    prev: TurbostraticResult | None = None
    for i in range(n):
        y = block[i]
        if bool(cflags.is_flat(y)) or not np.any(np.isfinite(y)):
            flags.append((cflags.NO_SIGNAL,))
            continue
        da = make_pattern(two_theta, y, attrs=dict(attrs))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PhysicsWarning)
                res = fit_turbostratic(da, init=prev if seed == "previous" else None,
                                       **options)
        except FitError as exc:
            flags.append((cflags.NO_SIGNAL,) if "no signal" in str(exc)
                         else (cflags.NOT_CONVERGED,))
            continue
        out["success"][i] = True
        for k, m in res.descriptors().items():
            out[k][i] = m.value
            out[f"{k}_stderr"][i] = np.nan if m.stderr is None else m.stderr
        for k in _SERIES_EXTRA:
            out[k][i] = res.parameters[k].value
        flags.append(res.flags)
        if res.fit.success:
            prev = res
    out["flags"] = join_flags(flags)
    return out


def fit_turbostratic_series(
    series: xr.DataArray,
    *,
    seed: Literal["previous", "fixed"] = "previous",
    block_size: int | None = None,
    **options: Any,
) -> Any:
    """:func:`fit_turbostratic` on every pattern of a series (in-situ frames, maps).

    Parameters
    ----------
    series : xarray.DataArray
        Patterns over ``two_theta`` (deg) with leading series dimensions (``time``,
        ``frame``, ``y``/``x``), numpy- or dask-backed; wavelength etc. in ``attrs``.
    seed : {'previous', 'fixed'}
        ``previous``: each pattern starts from the fit of the one before it (within a dask
        chunk or a ``block_size`` block, in series order); ``fixed``: each from its own
        (002) estimate.
    block_size : int, optional
        Patterns per kernel call for numpy-backed data (default: all, one seeded chain).
    **options
        Keyword arguments of :func:`fit_turbostratic` (``window``, ``ka2``, ``mask`` ...).

    Returns
    -------
    charz.series.SeriesResult
        ``maps`` over the series dimensions: ``d002``, ``lc``, ``la``, ``n_layers`` and
        their ``_stderr``, ``sigma_n``, ``sigma_la``, ``delta``, ``redchi``, ``success``,
        ``flags``; ``descriptors()`` the mean ± standard error of the good patterns.
    """
    from charz.series import SeriesResult, apply_series

    if "two_theta" not in series.dims:
        raise OptionError(f"fit_turbostratic_series needs a two_theta dimension: {series.dims}")
    seed = check_choice("seed", seed, ("previous", "fixed"))
    x = series["two_theta"].values.astype(float)
    attrs = {k: v for k, v in series.attrs.items() if isinstance(v, (str, int, float))}
    outputs: dict[str, Any] = dict.fromkeys(_SERIES_KEYS, float)
    outputs.update({f"{k}_stderr": float for k in _SERIES_KEYS})
    outputs.update(dict.fromkeys(_SERIES_EXTRA, float))
    outputs.update(success=bool, flags=object)
    units = {"d002": "nm", "lc": "nm", "la": "nm", "n_layers": "1", "sigma_n": "1",
             "sigma_la": "nm", "delta": "nm", "redchi": "1"}
    maps = apply_series(
        series, _series_kernel, core_dims=["two_theta"], outputs=outputs,
        kwargs={"two_theta": x, "attrs": attrs, "options": dict(options), "seed": seed},
        attrs={**{k: {"units": u} for k, u in units.items()},
               **{f"{k}_stderr": {"units": units[k]} for k in _SERIES_KEYS}},
        block_size=block_size)
    method = ("whole-pattern turbostratic model per pattern (xrd.fit_turbostratic): d002 = d, "
              "N = ⟨N⟩, Lc = ⟨N⟩·d, La = ⟨D⟩, atom-weighted; "
              f"{'each pattern seeded from the previous fit' if seed == 'previous' else ''}")
    prov = Provenance.from_data(series, parameters={
        "model": "turbostratic", "seed": seed,
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items()
           if isinstance(v, (str, int, float, tuple, list, type(None)))}})
    return SeriesResult(maps=maps, technique="xrd", keys=_SERIES_KEYS,
                        methods=dict.fromkeys(_SERIES_KEYS, method), source=prov,
                        depends=_DEPENDS)
