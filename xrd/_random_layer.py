"""Scattering of a random-layer (turbostratic) carbon, computed from its physics.

Private kernel of :mod:`xrd.turbostratic`. The coherent intensity per atom of an ensemble of
stacks of N graphene disks of diameter D (each layer turned and shifted at random, spacing d)
is

    i(q) = 1 + Σ_shells W_k sin(q r_k)/(q r_k) + ∫₀¹ du F(q√(1−u²)) Z(q u)

* **intralayer term** (the Debye sum of one disk, exact for a disk cut from a randomly
  shifted honeycomb lattice): the lattice vectors of graphene from one atom, grouped in
  shells of radius r_k and multiplicity m_k, each weighted by the fraction of the disk that
  overlaps its copy shifted by r_k, a_R(r) = (2/π)[acos(x) − x√(1−x²)], x = r/2R:
  W_k = m_k Σ_D q_D a_{R_D}(r_k) (q_D: atom-weighted fractions of the diameters);
* **interlayer term**: pairs of atoms in two different layers of a random-layer stack see a
  continuum of areal density σ (38.2 nm⁻²), so in reciprocal space a layer pair at
  separation z contributes σ πR² Φ(q∥R)² cos(q_z z) per atom, Φ(x) = 2J₁(x)/x, and the
  powder average is the integral over u = q_z/q. F(t) = σ Σ_D q_D πR_D² Φ(tR_D)²;
  Z(s) = Σ_k C_k cos(k s d) exp(−k s²δ²/2), C_k = Σ_N q_N (2/N)(N−k)⁺ (q_N: atom-weighted
  fractions of the layer numbers; δ: standard deviation of one spacing, accumulating along
  the stack).

The arc integral is split at u = 1/√2: for u > 1/√2 in t = q√(1−u²) (dense where the disk
factor F lives), below in s = q u; both on fixed node sets, so that each evaluation is one
gather and one weighted sum.

References
----------
B. E. Warren, Phys. Rev. 59 (1941) 693 (random-layer lattices). B. E. Warren and P.
Bodenstein, Acta Cryst. 18 (1965) 282; 20 (1966) 602 (profiles with size distributions).
W. Ruland and B. Smarsly, J. Appl. Cryst. 35 (2002) 624 (whole-pattern model of
non-graphitic carbons). H. Shi, J. N. Reimers and J. R. Dahn, J. Appl. Cryst. 26 (1993) 827.
P. Debye, Ann. Phys. 46 (1915) 809 (scattering equation).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import special

A_GRAPHENE = 0.2461  # nm (C–C 0.1421 nm)
SIGMA_LAYER = 4.0 / (math.sqrt(3.0) * A_GRAPHENE**2)  # atoms per nm² of a layer (38.2)
LAMBDA_COMPTON = 0.00242631  # nm, h/(m_e c)

#: Incoherent scattering function of carbon, S(s) = Z − Σ aᵢ exp(−bᵢ s²), s in Å⁻¹
#: (H. H. M. Balyuzi, Acta Cryst. A31 (1975) 600).
BALYUZI_C = {"a": (0.7568, 2.5511, 0.7051, 1.4605, 0.5263),
             "b": (82.2385, 31.7282, 11.9471, 1.4637, 0.5150)}


def incoherent_carbon(s: np.ndarray) -> np.ndarray:
    """Balyuzi incoherent scattering function S(s) of carbon (electrons² per atom)."""
    s2 = np.asarray(s, float)[..., None] ** 2
    a = np.array(BALYUZI_C["a"])
    b = np.array(BALYUZI_C["b"])
    return 6.0 - (a * np.exp(-b * s2)).sum(-1)


@functools.lru_cache(maxsize=8)
def graphene_shells(r_max: float) -> tuple[np.ndarray, np.ndarray]:
    """Distances (nm) from one atom of graphene to all others up to ``r_max``, as shells.

    Returns (r_k, m_k): shell radii and multiplicities (both sublattices are equivalent).
    """
    a = A_GRAPHENE
    m = math.ceil(r_max / (a * math.sqrt(3) / 2)) + 2
    i, j = np.meshgrid(np.arange(-m, m + 1), np.arange(-m, m + 1), indexing="ij")
    x = a * (i + j / 2.0)
    y = a * (j * math.sqrt(3) / 2.0)
    pts = np.concatenate([np.stack([x.ravel(), y.ravel()], 1),
                          np.stack([x.ravel() + a / 2, y.ravel() + a / (2 * math.sqrt(3))], 1)])
    r = np.hypot(pts[:, 0], pts[:, 1])
    r = r[(r > 1e-6) & (r <= r_max)]
    key = np.round(r * 1e6).astype(np.int64)  # shells to 1e-6 nm
    _uniq, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
    rk = np.bincount(inv, weights=r) / cnt
    return rk, cnt.astype(float)


def overlap_fraction(r: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Overlap area of two disks of ``radius`` at centre distance ``r`` over πR²."""
    x = np.clip(np.asarray(r, float) / (2 * np.asarray(radius, float)), 0.0, 1.0)
    return (2 / np.pi) * (np.arccos(x) - x * np.sqrt(1 - x * x))


def disk_factor(x: np.ndarray) -> np.ndarray:
    """Φ(x)² with Φ = 2 J₁(x)/x (Φ(0) = 1)."""
    x = np.asarray(x, float)
    out = np.ones_like(x)
    nz = x > 1e-8
    out[nz] = (2 * special.j1(x[nz]) / x[nz]) ** 2
    return out


# ---------------------------------------------------------------------------------------
# size distributions on grids (hat functions: the mean is kept exactly)
# ---------------------------------------------------------------------------------------


def gamma_layers(mean: float, sd: float, n_max: int) -> np.ndarray:
    """Atom-weighted fractions q_N, N = 1..n_max, of N − 1 ~ Gamma(mean − 1, sd).

    The continuous density is put on the integers with hat functions, so that Σ q_N N equals
    ``mean`` (up to the mass beyond ``n_max``, renormalised).
    """
    mu = max(mean - 1.0, 1e-6)
    k = (mu / sd) ** 2
    theta = sd**2 / mu
    x = np.arange(0, n_max, dtype=float)  # N - 1 at the nodes
    # partial moments of the gamma: P(X<b) and E[X; X<b]
    def cdf(b, kk):
        return special.gammainc(kk, np.clip(b, 0, None) / theta)

    lo, hi = x - 1, x + 1
    p_lo, p_mid, p_hi = cdf(lo, k), cdf(x, k), cdf(hi, k)
    e_lo, e_mid, e_hi = (k * theta * cdf(lo, k + 1), k * theta * cdf(x, k + 1),
                         k * theta * cdf(hi, k + 1))
    left = (e_mid - e_lo) - lo * (p_mid - p_lo)  # ∫ (X − (x−1)) over [x−1, x]
    right = hi * (p_hi - p_mid) - (e_hi - e_mid)  # ∫ ((x+1) − X) over [x, x+1]
    w = np.clip(left + right, 0, None)
    return w / w.sum()


def lognormal_sizes(mean: float, sigma_ln: float, grid: np.ndarray) -> np.ndarray:
    """Atom-weighted fractions over ``grid`` (nm) of D ~ lognormal(mean, ln-sd), hat masses."""
    mu = math.log(mean) - sigma_ln**2 / 2

    def parts(b):
        b = np.asarray(b, float)
        with np.errstate(divide="ignore"):
            z = (np.log(np.clip(b, 1e-300, None)) - mu) / sigma_ln
        p = special.ndtr(z)
        e = math.exp(mu + sigma_ln**2 / 2) * special.ndtr(z - sigma_ln)
        p = np.where(b <= 0, 0.0, p)
        e = np.where(b <= 0, 0.0, e)
        return p, e

    g = np.asarray(grid, float)
    lo = np.concatenate([[g[0] - (g[1] - g[0])], g[:-1]])
    hi = np.concatenate([g[1:], [g[-1] + (g[-1] - g[-2])]])
    (pl, el), (pm, em), (ph, eh) = parts(lo), parts(g), parts(hi)
    left = ((em - el) - lo * (pm - pl)) / (g - lo)
    right = (hi * (ph - pm) - (eh - em)) / (hi - g)
    w = np.clip(left + right, 0, None)
    return w / w.sum()


# ---------------------------------------------------------------------------------------
# the precomputed kernel for one q grid
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RandomLayerKernel:
    """Everything that does not change during a fit, for one q grid (1/nm)."""

    q: np.ndarray
    diameters: np.ndarray  # D grid (nm)
    n_max: int
    overlap: np.ndarray  # (nD, n_shells): m_k a_R(r_k)
    sinc: np.ndarray  # (n_shells, nq): sin(q r_k)/(q r_k)
    t_grid: np.ndarray  # F table abscissae
    disk: np.ndarray  # (nD, nt): σ πR² Φ(tR)²
    s_grid: np.ndarray  # Z table abscissae (uniform)
    # arc quadrature: per node, the q index, weight, F gather and Z gather
    node_q: np.ndarray
    node_w: np.ndarray
    f_idx: np.ndarray
    f_frac: np.ndarray
    z_idx: np.ndarray
    z_frac: np.ndarray

    @classmethod
    def build(cls, q: np.ndarray, *, d_min: float = 0.5, d_max: float = 15.0,
              n_d: int = 56, n_max: int = 48,
              diameters: np.ndarray | None = None) -> RandomLayerKernel:
        """Precompute shells, sinc matrix, disk factors and the arc quadrature nodes.

        ``diameters`` replaces the geometric grid ``d_min``–``d_max`` (``n_d`` nodes).
        """
        q = np.asarray(q, float)
        diam = (np.geomspace(d_min, d_max, n_d) if diameters is None
                else np.asarray(diameters, float))
        d_max = float(diam.max())
        rk, mk = graphene_shells(d_max)
        overlap = mk[None, :] * overlap_fraction(rk[None, :], diam[:, None] / 2)
        qr = np.outer(rk, q)
        sinc = np.sin(qr) / qr
        q_hi = float(q.max())
        t_grid = np.concatenate([np.arange(0.0, 2.0, 0.02), np.arange(2.0, q_hi + 0.3, 0.1)])
        disk = (SIGMA_LAYER * np.pi * (diam[:, None] / 2) ** 2
                * disk_factor(np.outer(diam / 2, t_grid)))
        ds = 0.005
        s_grid = np.arange(0.0, q_hi + 4 * ds, ds)
        nq, nw, fi, ff, zi, zf = [], [], [], [], [], []

        def nodes(iq: int, w: np.ndarray, t: np.ndarray, s: np.ndarray) -> None:
            """Quadrature nodes (t, s) of q index ``iq``: table cells and fractions."""
            idx = np.clip(np.searchsorted(t_grid, t, side="right") - 1, 0, t_grid.size - 2)
            zpos = s / ds
            zidx = np.clip(np.floor(zpos).astype(np.int64), 0, s_grid.size - 2)
            nq.append(np.full(t.size, iq))
            nw.append(w)
            fi.append(idx)
            ff.append((t - t_grid[idx]) / (t_grid[idx + 1] - t_grid[idx]))
            zi.append(zidx)
            zf.append(zpos - zidx)

        for iq, qq in enumerate(q):
            half = qq / math.sqrt(2)
            # region 1: t on the F table's own nodes, 0 <= t <= q/√2 (trapezoid)
            t = t_grid[t_grid <= half]
            t = np.append(t, half)
            w = _trapezoid_weights(t)
            s = np.sqrt(np.clip(qq * qq - t * t, 0, None))
            nodes(iq, w * t / (qq * np.maximum(s, 1e-12)), t, s)
            # region 2: s uniform (0.1 nm⁻¹), 0 <= s <= q/√2
            ns = max(math.ceil(half / 0.1), 8)
            s2 = np.linspace(0.0, half, ns + 1)
            nodes(iq, _trapezoid_weights(s2) / qq, np.sqrt(np.clip(qq * qq - s2 * s2, 0, None)),
                  s2)
        return cls(q, diam, n_max, overlap, sinc, t_grid, disk, s_grid,
                   np.concatenate(nq), np.concatenate(nw), np.concatenate(fi),
                   np.concatenate(ff), np.concatenate(zi), np.concatenate(zf))

    # -- evaluation ------------------------------------------------------------------
    def interference(self, spacing: float, q_n: np.ndarray, delta: float) -> np.ndarray:
        """Z(s) on ``s_grid`` for atom-weighted layer fractions q_N (N = 1..len(q_n))."""
        nn = np.arange(1, q_n.size + 1, dtype=float)
        k = np.arange(1, q_n.size)
        c = (2 * q_n[None, :] / nn[None, :]
             * np.clip(nn[None, :] - k[:, None], 0, None)).sum(1)
        s = self.s_grid
        x = s * spacing
        g = np.exp(-0.5 * (s * delta) ** 2) if delta > 0 else np.ones_like(s)
        # Re[(g e^{ix})^k] by the recurrence r_k = 2 g cos x r_{k−1} − g² r_{k−2}
        two_gc = 2 * g * np.cos(x)
        g2 = g * g
        r_prev = np.ones_like(s)  # k = 0
        r_cur = g * np.cos(x)  # k = 1
        z = c[0] * r_cur if c.size else np.zeros_like(s)
        for kk in range(2, c.size + 1):
            r_prev, r_cur = r_cur, two_gc * r_cur - g2 * r_prev
            if c[kk - 1] != 0:
                z += c[kk - 1] * r_cur
        return z

    def pair_terms(self, spacing: float, q_n: np.ndarray, q_d: np.ndarray,
                   delta: float = 0.0) -> np.ndarray:
        """Σ_{i≠j} sinc(q r_ij) per atom (intralayer + interlayer) on ``q``."""
        # einsum (not BLAS): these small products are slower through a threaded BLAS on a
        # busy machine than in one plain loop
        intra = np.einsum("k,kq->q", np.einsum("d,dk->k", q_d, self.overlap), self.sinc)
        f_tab = np.einsum("d,dt->t", q_d, self.disk)
        z_tab = self.interference(spacing, q_n, delta)
        gf, gz, gq = self._gathers
        inter = gq @ ((gf @ f_tab) * (gz @ z_tab))
        return intra + inter

    @functools.cached_property
    def _gathers(self):  # sparse interpolation and summation matrices of the arc nodes
        from scipy import sparse

        n = self.node_q.size
        rows = np.concatenate([np.arange(n), np.arange(n)])

        def interp(idx, frac, size):
            return sparse.csr_matrix(
                (np.concatenate([1 - frac, frac]), (rows, np.concatenate([idx, idx + 1]))),
                shape=(n, size))

        gq = sparse.csr_matrix((self.node_w, (self.node_q, np.arange(n))),
                               shape=(self.q.size, n))
        return (interp(self.f_idx, self.f_frac, self.t_grid.size),
                interp(self.z_idx, self.z_frac, self.s_grid.size), gq)


def _trapezoid_weights(x: np.ndarray) -> np.ndarray:
    w = np.zeros_like(x)
    dx = np.diff(x)
    w[:-1] += dx / 2
    w[1:] += dx / 2
    return w
