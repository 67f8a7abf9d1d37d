"""Atomistic truth for turbostratic carbon XRD: brute-force Debye-equation patterns.

A test utility (not shipped). It builds graphene disks atom by atom, stacks them with each
layer turned and shifted at random, counts every pair of atoms and evaluates the Debye
scattering equation on the pair-distance histogram. It shares no code with
:mod:`xrd.turbostratic` (the fast model it checks): its own lattice, its own form factor
table (Waasmaier–Kirfel, where the model uses Cromer–Mann), its own pair counting.

Structure
---------
* A layer: the honeycomb lattice of graphene (a = 0.2461 nm, C–C 0.1421 nm) shifted by a
  random vector of its unit cell and turned by a random angle, cut by a circle of
  diameter D centred on the stack axis (so every layer of a stack has the same outline
  and a random lattice inside it: the random-layer lattice of Warren 1941).
* A stack of N layers: layer k sits at z_k = z_{k-1} + d + ε_k, ε_k ~ N(0, δ²) (the
  spacing fluctuation accumulates along the stack: a pair k layers apart is
  N(k d, k δ²) apart).
* An ensemble: a number distribution p(N) over integers and p(D) over a set of diameters,
  independent; each (N, D) crystallite enters with weight p(N) p(D).

Debye sum (Debye, Ann. Phys. 46 (1915) 809)::

    I(q) = Σ_i Σ_j f_i f_j sin(q r_ij)/(q r_ij)

with pair distances binned in 0.0005 nm bins, each bin evaluated at the mean distance of
its pairs (as DEBUSSY does; Cervellino et al., J. Appl. Cryst. 48 (2015) 2026).
Pairs are counted exactly: within a layer with ``scipy.spatial.distance.pdist``, between
two layers as in-plane distances ρ (``cdist``) put at r = √(ρ² + z²). A crystallite's
pair histogram is N × (one layer) + Σ_k 2(N−k) × (two layers k apart); the layers and
layer pairs are independent random realizations (``realizations`` of each per diameter),
which is statistically the same as N independently turned layers of one stack and keeps
the cost at O(n²) per diameter instead of O(N² n²).

Pattern (Bragg–Brentano, flat specimen of infinite thickness, so the irradiated volume
times absorption is constant and the Debye intensity needs no further Lorentz factor —
the powder Lorentz factor of Bragg peaks is already inside the Debye equation)::

    y(2θ) = C P(2θ) [f²(s) (1 + e^{-2Bs²} Σ_pairs/n) + S_inc(s) R_BD(2θ)] ⊗ instrument
            + A (q/q₁₀)^−n + background(2θ)         → Poisson counts

* f: Waasmaier & Kirfel, Acta Cryst. A51 (1995) 416, neutral C (5 Gaussians + c).
* Debye–Waller: pair terms × exp(−2 B s²), s = sin θ/λ in Å⁻¹ (self terms keep f²).
* S_inc: Balyuzi, Acta Cryst. A31 (1975) 600, S = Z − Σ aᵢ exp(−bᵢ s²) for carbon,
  times the Breit–Dirac recoil factor R_BD = [1 + (λ_C/λ)(1 − cos 2θ)]⁻².
* P: (1 + cos²2θ_M cos²2θ)/(1 + cos²2θ_M), 2θ_M = 0 without a monochromator.
* Instrument: Gaussian of FWHM² = U tan²θ + V tan θ + W (Caglioti 1958), as a banded
  matrix over the 2θ grid; optional Kα2 (λ 0.1544414 nm, ratio 0.5).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import cdist, pdist

A_GRAPHENE = 0.2461  # nm, graphene in-plane lattice parameter (C–C 0.1421 nm)
BIN = 0.0005  # nm, pair-distance bin
LAMBDA_CU_KA1 = 0.1540593  # nm
LAMBDA_CU_KA2 = 0.1544414  # nm
LAMBDA_COMPTON = 0.00242631  # nm, h/(m_e c)

# Waasmaier & Kirfel (1995), neutral C: f(s) = Σ a exp(−b s²) + c, s in Å⁻¹
WK_A = np.array([2.657506, 1.078079, 1.490909, -4.241070, 0.713791])
WK_B = np.array([14.780758, 0.776775, 42.086842, -0.000294, 0.239535])
WK_C = 4.297983
# Balyuzi (1975), C: S_inc(s) = Z − Σ a exp(−b s²)
BAL_A = np.array([0.7568, 2.5511, 0.7051, 1.4605, 0.5263])
BAL_B = np.array([82.2385, 31.7282, 11.9471, 1.4637, 0.5150])


def form_factor(s: np.ndarray) -> np.ndarray:
    """Waasmaier–Kirfel f_C(s), s = sin θ/λ in Å⁻¹."""
    s2 = np.asarray(s, float)[..., None] ** 2
    return (WK_A * np.exp(-WK_B * s2)).sum(-1) + WK_C


def incoherent(s: np.ndarray) -> np.ndarray:
    """Balyuzi incoherent scattering function of carbon, s in Å⁻¹."""
    s2 = np.asarray(s, float)[..., None] ** 2
    return 6.0 - (BAL_A * np.exp(-BAL_B * s2)).sum(-1)


# ---------------------------------------------------------------------------------------
# atoms and pairs
# ---------------------------------------------------------------------------------------


def graphene_disk(diameter: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) atom positions (nm): a randomly shifted and turned graphene disk."""
    a = A_GRAPHENE
    a1 = np.array([a, 0.0])
    a2 = np.array([a / 2, a * math.sqrt(3) / 2])
    r = diameter / 2
    m = math.ceil((r + 2 * a) / (a * math.sqrt(3) / 2)) + 1
    i, j = np.meshgrid(np.arange(-m, m + 1), np.arange(-m, m + 1), indexing="ij")
    cells = i.reshape(-1, 1) * a1 + j.reshape(-1, 1) * a2
    pts = np.concatenate([cells, cells + (a1 + a2) / 3])
    pts = pts + rng.random() * a1 + rng.random() * a2
    phi = rng.random() * 2 * math.pi
    rot = np.array([[math.cos(phi), -math.sin(phi)], [math.sin(phi), math.cos(phi)]])
    pts = pts @ rot.T
    return pts[np.einsum("ij,ij->i", pts, pts) <= r * r]


def _hist(r: np.ndarray, nbins: int) -> tuple[np.ndarray, np.ndarray]:
    idx = (r * (1 / BIN)).astype(np.int64)
    return (np.bincount(idx, minlength=nbins)[:nbins].astype(float),
            np.bincount(idx, weights=r, minlength=nbins)[:nbins])


def _intra_numpy(xy: np.ndarray, nbins: int) -> tuple[np.ndarray, np.ndarray]:
    return _hist(pdist(xy), nbins)


def _cross_numpy(a: np.ndarray, b: np.ndarray, nbins: int) -> tuple[np.ndarray, np.ndarray]:
    cnt = np.zeros(nbins)
    rs = np.zeros(nbins)
    step = max(1, 4_000_000 // max(len(b), 1))
    for i in range(0, len(a), step):
        c, s = _hist(cdist(a[i:i + step], b).ravel(), nbins)
        cnt += c
        rs += s
    return cnt, rs


try:  # the same pair counting compiled (numba is in the test extras); numpy otherwise
    import numba

    @numba.njit(cache=False)
    def _pairs_jit(a, b, same, inv_bin, cnt, rs):  # pragma: no cover - compiled
        for i in range(a.shape[0]):
            j0 = i + 1 if same else 0
            for j in range(j0, b.shape[0]):
                dx = a[i, 0] - b[j, 0]
                dy = a[i, 1] - b[j, 1]
                r = math.sqrt(dx * dx + dy * dy)
                k = int(r * inv_bin)
                cnt[k] += 1.0
                rs[k] += r

    def _intra(xy: np.ndarray, nbins: int) -> tuple[np.ndarray, np.ndarray]:
        cnt, rs = np.zeros(nbins), np.zeros(nbins)
        _pairs_jit(xy, xy, True, 1 / BIN, cnt, rs)
        return cnt, rs

    def _cross(a: np.ndarray, b: np.ndarray, nbins: int) -> tuple[np.ndarray, np.ndarray]:
        cnt, rs = np.zeros(nbins), np.zeros(nbins)
        _pairs_jit(a, b, False, 1 / BIN, cnt, rs)
        return cnt, rs

except ImportError:  # pragma: no cover
    _intra, _cross = _intra_numpy, _cross_numpy


@dataclass(frozen=True)
class _LayerStats:
    n_atoms: float  # mean atoms per layer
    intra: tuple[np.ndarray, np.ndarray]  # ordered intralayer pairs per layer: counts, Σr
    inter: tuple[np.ndarray, np.ndarray]  # in-plane ρ between two layers (one order)


@functools.lru_cache(maxsize=64)
def layer_stats(diameter: float, realizations: int, seed: int) -> _LayerStats:
    """Mean pair histograms of one disk and of two independent disks (cached)."""
    rng = np.random.default_rng([seed, round(diameter * 1e4)])
    nb = int(diameter / BIN) + 4
    ci, si = np.zeros(nb), np.zeros(nb)
    cx, sx = np.zeros(nb), np.zeros(nb)
    n = 0.0
    # fewer realizations of big disks: their relative fluctuations are smaller (∝ 1/√n)
    n_est = 2 * math.pi * (diameter / 2) ** 2 / (A_GRAPHENE**2 * math.sqrt(3) / 2)
    p = int(min(realizations, max(2, round(realizations * 1500 / n_est))))
    for _ in range(p):
        a = graphene_disk(diameter, rng)
        b = graphene_disk(diameter, rng)
        n += (len(a) + len(b)) / 2
        for layer in (a, b):
            c, s = _intra(layer, nb)
            ci += c
            si += s
        c, s = _cross(a, b, nb)
        cx += c
        sx += s
    # intralayer: 2 layers per realization, pdist counts unordered pairs -> ×2 for ordered
    return _LayerStats(n / p, (ci / p, si / p), (cx / p, sx / p))


# ---------------------------------------------------------------------------------------
# ensemble
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ensemble:
    """A turbostratic ensemble: spacing, number distributions of N and D, fluctuation.

    ``n_values``/``n_weights``: layers per stack and their number fractions;
    ``d_values``/``d_weights``: layer diameters (nm) and their number fractions.
    """

    spacing: float
    n_values: tuple[int, ...]
    n_weights: tuple[float, ...]
    d_values: tuple[float, ...]
    d_weights: tuple[float, ...]
    delta: float = 0.0
    realizations: int = 6
    seed: int = 0

    def atoms(self) -> np.ndarray:
        """Mean atoms of each (N, D) crystallite × its number weight, shape (nN, nD)."""
        n_layer = np.array([layer_stats(d, self.realizations, self.seed).n_atoms
                            for d in self.d_values])
        return (np.outer(np.array(self.n_weights) * np.array(self.n_values),
                         np.array(self.d_weights) * n_layer))

    def truth(self) -> dict[str, float]:
        """Atom-weighted ⟨N⟩, ⟨D⟩, Lc = ⟨N⟩ d, d002, and the standard deviations."""
        w = self.atoms()
        w = w / w.sum()
        nv = np.array(self.n_values, float)[:, None]
        dv = np.array(self.d_values, float)[None, :]
        mn = float((w * nv).sum())
        md = float((w * dv).sum())
        return {"d002": self.spacing, "n_layers": mn, "lc": mn * self.spacing, "la": md,
                "sigma_n": float(np.sqrt((w * (nv - mn) ** 2).sum())),
                "sigma_d": float(np.sqrt((w * (dv - md) ** 2).sum())), "delta": self.delta}


def _z_nodes(k: int, d: float, delta: float) -> tuple[np.ndarray, np.ndarray]:
    if delta <= 0:
        return np.array([k * d]), np.array([1.0])
    x, w = np.polynomial.hermite_e.hermegauss(11)
    return k * d + math.sqrt(k) * delta * x, w / w.sum()


@functools.lru_cache(maxsize=32)
def pair_histogram(ens: Ensemble) -> tuple[np.ndarray, np.ndarray, float]:
    """Ensemble pair histogram (ordered pairs: counts and mean r per bin) and atom count."""
    nmax = max(ens.n_values)
    zmax = (nmax - 1) * ens.spacing + 6 * math.sqrt(max(nmax, 1)) * ens.delta
    rmax = math.hypot(max(ens.d_values), zmax) + 0.01
    nb = int(rmax / BIN) + 4
    cnt, rs = np.zeros(nb), np.zeros(nb)
    nw = np.array(ens.n_weights, float)
    nv = np.array(ens.n_values)
    total_atoms = 0.0
    for dv, dw in zip(ens.d_values, ens.d_weights, strict=True):
        st = layer_stats(dv, ens.realizations, ens.seed)
        # N layers of this D: N × intralayer
        mean_n = float((nw * nv).sum())
        ci, si = st.intra
        cnt[: len(ci)] += dw * mean_n * ci
        rs[: len(si)] += dw * mean_n * si
        total_atoms += dw * mean_n * st.n_atoms
        cx, sx = st.inter
        nz = cx > 0
        rho = sx[nz] / cx[nz]
        c = cx[nz]
        for k in range(1, nmax):
            mult = dw * float((nw * 2 * np.clip(nv - k, 0, None)).sum())  # ordered pairs
            if mult == 0:
                continue
            for z, wz in zip(*_z_nodes(k, ens.spacing, ens.delta), strict=True):
                r = np.sqrt(rho * rho + z * z)
                idx = (r * (1 / BIN)).astype(np.int64)
                cnt += np.bincount(idx, weights=mult * wz * c, minlength=nb)[:nb]
                rs += np.bincount(idx, weights=mult * wz * c * r, minlength=nb)[:nb]
    return cnt, rs, total_atoms


def pair_sum(ens: Ensemble, q: np.ndarray) -> np.ndarray:
    """Σ_{i≠j} sin(q r_ij)/(q r_ij) per atom of the ensemble (q in 1/nm).

    Evaluated exactly on a q grid of ≤ 900 points over the range of ``q`` (pairs binned in
    0.001 nm at their mean distance), then a cubic spline to ``q`` (the pattern's finest
    feature, the (002) of the largest stacks, spans > 0.5 nm⁻¹, ten grid steps).
    """
    from scipy.interpolate import CubicSpline

    cnt, rs, atoms = pair_histogram(ens)
    if cnt.size % 2:
        cnt, rs = np.append(cnt, 0.0), np.append(rs, 0.0)
    cnt = cnt.reshape(-1, 2).sum(1)
    rs = rs.reshape(-1, 2).sum(1)
    nz = cnt > 0
    c = cnt[nz]
    r = rs[nz] / c
    q = np.asarray(q, float)
    grid = np.linspace(q.min(), q.max(), min(900, max(q.size, 4)))
    res = np.empty(grid.size)
    for i in range(0, grid.size, 64):
        qr = np.outer(grid[i:i + 64], r)
        res[i:i + 64] = (np.sin(qr) / qr) @ c
    return CubicSpline(grid, res / atoms)(q)


# ---------------------------------------------------------------------------------------
# distributions and the pattern
# ---------------------------------------------------------------------------------------


def lognormal_nodes(median: float, sigma_ln: float, n: int = 24,
                    dmin: float = 0.6) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Number-weighted lognormal in D: ``n`` equal-weight quantiles (stratified sample).

    Many distinct diameters, as in a real powder: a few discrete sizes would leave the
    oscillations of their disk factors in the low-angle scattering.
    """
    from scipy.special import ndtri

    if sigma_ln <= 0:
        return (float(median),), (1.0,)
    x = ndtri((np.arange(n) + 0.5) / n)
    dv = np.maximum(median * np.exp(sigma_ln * x), dmin)
    return tuple(float(v) for v in np.round(dv, 4)), tuple(np.full(n, 1.0 / n))


def gamma_n_nodes(mean: float, sd: float, nmax: int = 40) -> tuple[tuple[int, ...],
                                                                   tuple[float, ...]]:
    """Number-weighted N − 1 ~ discretized gamma (mean − 1, sd), N = 1..nmax."""
    from scipy.stats import gamma

    k = ((mean - 1) / sd) ** 2
    theta = sd**2 / (mean - 1)
    edges = np.arange(0.5, nmax + 1.5) - 1.0
    p = np.diff(gamma.cdf(np.clip(edges, 0, None), k, scale=theta))
    keep = p > 1e-4 * p.max()
    nv = np.arange(1, nmax + 1)[keep]
    return tuple(int(v) for v in nv), tuple(p[keep] / p[keep].sum())


def ensemble(spacing: float, n_mean: float, n_sd: float, d_median: float, d_sigma: float,
             *, delta: float = 0.0, realizations: int = 6, seed: int = 0,
             d_nodes: int = 24) -> Ensemble:
    """Convenience: gamma-like N (number-weighted) and lognormal D (number-weighted)."""
    nv, nw = gamma_n_nodes(n_mean, n_sd)
    dv, dw = lognormal_nodes(d_median, d_sigma, d_nodes)
    return Ensemble(spacing, nv, nw, dv, dw, delta, realizations, seed)


def caglioti_matrix(two_theta: np.ndarray, u: float, v: float, w: float) -> np.ndarray:
    """Row-normalised Gaussian blur with Caglioti FWHM (deg) over the 2θ grid."""
    t = np.tan(np.radians(two_theta) / 2)
    fw = np.sqrt(np.clip(u * t**2 + v * t + w, 1e-10, None))
    sig = fw / (2 * math.sqrt(2 * math.log(2)))
    dx = two_theta[None, :] - two_theta[:, None]
    k = np.exp(-0.5 * (dx / sig[:, None]) ** 2)
    return k / k.sum(1, keepdims=True)


def pattern(ens: Ensemble, *, two_theta: np.ndarray | None = None,
            wavelength: float = LAMBDA_CU_KA1, b_iso: float = 0.5,
            monochromator: float | None = None, ka2_ratio: float = 0.0,
            caglioti: tuple[float, float, float] | None = (0.004, -0.002, 0.003),
            counts: float = 20000.0, tail: tuple[float, float] = (0.0, 3.0),
            background: tuple[float, float, float] = (0.0, 0.0, 0.0),
            noise: bool = True, seed: int = 1) -> dict:
    """The counted pattern of an ensemble: dict with two_theta, counts, clean, truth.

    ``counts`` sets the coherent+incoherent level (counts at the (002) maximum ≈ this);
    ``tail`` = (A as a fraction of ``counts`` at 2θ = 10°, exponent n);
    ``background`` = (level, slope per 10°, curvature per (10°)²) as fractions of ``counts``,
    around 2θ = 10° (air/holder scatter, not a polynomial of the fit's kind only when
    curvature is set).
    """
    x = np.arange(10.0, 90.0001, 0.04) if two_theta is None else np.asarray(two_theta, float)

    def scatter(lam: float) -> np.ndarray:
        th = np.radians(x) / 2
        q = 4 * np.pi * np.sin(th) / lam
        s = q / (4 * np.pi * 10)  # Å⁻¹
        i_pairs = pair_sum(ens, q)
        f = form_factor(s)
        coh = f**2 * (1 + np.exp(-2 * b_iso * s**2) * i_pairs)
        rbd = (1 + LAMBDA_COMPTON / lam * (1 - np.cos(2 * th))) ** -2
        if monochromator is None:
            pol = (1 + np.cos(2 * th) ** 2) / 2
        else:
            cm = np.cos(np.radians(monochromator)) ** 2
            pol = (1 + cm * np.cos(2 * th) ** 2) / (1 + cm)
        return pol * (coh + incoherent(s) * rbd)

    y = scatter(wavelength)
    if ka2_ratio:
        y = y + ka2_ratio * scatter(LAMBDA_CU_KA2)
    if caglioti is not None:
        y = caglioti_matrix(x, *caglioti) @ y
    y = y * (counts / y[(x > 18) & (x < 28)].max())
    q = 4 * np.pi * np.sin(np.radians(x) / 2) / wavelength
    q10 = 4 * np.pi * np.sin(np.radians(5.0)) / wavelength
    u = (x - 10.0) / 10.0
    clean = (y + counts * tail[0] * (q / q10) ** -tail[1]
             + counts * (background[0] + background[1] * u + background[2] * u**2))
    clean = np.clip(clean, 0, None)
    obs = np.random.default_rng(seed).poisson(clean).astype(float) if noise else clean
    return {"two_theta": x, "counts": obs, "clean": clean, "truth": ens.truth(),
            "wavelength": wavelength}


def to_dataarray(p: dict, *, ka2_ratio: float = 0.0):
    """The pattern as a charz xarray pattern (attrs as a reader sets them)."""
    from xrd.io import make_pattern

    attrs = {"wavelength": p["wavelength"], "wavelength_source": "file", "anode": "Cu",
             "source": "debye_truth", "ka2_ratio": ka2_ratio,
             "wavelength_ka2": LAMBDA_CU_KA2}
    attrs.update({f"truth_{k}": v for k, v in p["truth"].items()})
    return make_pattern(p["two_theta"], p["counts"], attrs=attrs)
