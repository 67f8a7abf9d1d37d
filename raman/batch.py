"""Fast batched fitting of one band model to many spectra on one Raman-shift grid.

Algorithm: variable projection (Golub & Pereyra, SIAM J. Numer. Anal. 10 (1973) 413) with
Kaufman's Jacobian approximation (BIT 15 (1975) 49). The band heights and the background
polynomial's coefficients enter linearly: for given nonlinear parameters θ (centres,
FWHMs, BWF Q) they are solved exactly by linear least squares, and Levenberg–Marquardt
runs on θ alone with the analytic derivatives of the unit-height shapes:

    r(θ) = y − Φ(θ) α(θ),    α = (ΦᵀΦ)⁻¹ Φᵀ y,
    J ≈ −P⊥ D,   D[:, k] = α_band(k) ∂φ_band(k)/∂θ_k,   P⊥ = I − Φ (ΦᵀΦ)⁻¹ Φᵀ,
    (DᵀP⊥D + λ diag) δ = Dᵀ r.

Bounds on θ are enforced by projection (clipping) of each step. At the optimum the full
covariance of (heights, θ, background) is s² (JᵀJ)⁻¹ with J = [Φ | D], s² = ‖r‖²/(m − p),
the same estimate lmfit reports.

The kernel is compiled with numba when it is installed (``pip install numba``; optional,
``charz-carbon[fast]``) and runs over the spectra on all cores (``prange``); without
numba the same algorithm runs as numpy code vectorised over the batch, in a process pool.
Each spectrum starts from the fit of the batch's mean spectrum (or the given start).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from raman._models import bands_of, nonlinear_start

__all__ = ["HAVE_NUMBA", "fit_batch"]

try:  # optional compiled kernels
    import numba as _numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised where numba is absent
    _numba = None
    HAVE_NUMBA = False

_LN2 = math.log(2.0)
KIND = {"lorentzian": 0, "gaussian": 1, "bwf": 2}


def _layout(model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """kinds (nbands), first θ index per band (nbands), band of each θ (nθ)."""
    kinds, first, owner = [], [], []
    k = 0
    for j, b in enumerate(bands_of(model)):
        kinds.append(KIND[b.shape])
        first.append(k)
        n = 3 if b.shape == "bwf" else 2
        owner += [j] * n
        k += n
    return (np.array(kinds, np.int64), np.array(first, np.int64), np.array(owner, np.int64))


# ---------------------------------------------------------------------------------------
# scalar kernel, compiled by numba. Arrays are column-major in the sense that every basis
# function is one contiguous row (Phi[j, :], dPhi[k, :]), so all inner loops are
# contiguous dot products that the compiler vectorises. NaN points are dropped first.
# ---------------------------------------------------------------------------------------


def _shapes_1(x, kinds, first, theta, Phi, dPhi):
    """Fill Phi[:nb] (unit-height bands) and dPhi (∂φ/∂θ_k) for one θ."""
    m = x.shape[0]
    nb = kinds.shape[0]
    g = 4.0 * 0.6931471805599453
    for j in range(nb):
        k0 = first[j]
        c = theta[k0]
        w = theta[k0 + 1]
        iw = 1.0 / w
        kind = kinds[j]
        if kind == 0:
            for i in range(m):
                t = (x[i] - c) * iw
                s = 1.0 / (1.0 + 4.0 * t * t)
                Phi[j, i] = s
                dPhi[k0, i] = 8.0 * t * iw * s * s
                dPhi[k0 + 1, i] = 8.0 * t * t * iw * s * s
        elif kind == 1:
            for i in range(m):
                t = (x[i] - c) * iw
                e = math.exp(-g * t * t)
                Phi[j, i] = e
                dPhi[k0, i] = 2.0 * g * t * iw * e
                dPhi[k0 + 1, i] = 2.0 * g * t * t * iw * e
        else:
            q = theta[k0 + 2]
            iq = 1.0 / q
            for i in range(m):
                u = 2.0 * (x[i] - c) * iw
                a = 1.0 + u * iq
                den = 1.0 / (1.0 + u * u)
                s = a * a * den
                dsdu = (2.0 * a * iq - s * 2.0 * u) * den
                Phi[j, i] = s
                dPhi[k0, i] = -2.0 * iw * dsdu
                dPhi[k0 + 1, i] = -u * iw * dsdu
                dPhi[k0 + 2, i] = -2.0 * a * u * iq * iq * den


def _dot(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


def _chol_factor(A, L):
    """Cholesky factor L (lower) of a small SPD matrix A; False if A is not SPD."""
    n = A.shape[0]
    for i in range(n):
        for j in range(i + 1):
            s = A[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            if i == j:
                if s <= 0.0:
                    return False
                L[i, i] = math.sqrt(s)
            else:
                L[i, j] = s / L[j, j]
    return True


def _chol_subst(L, b, out):
    """Solve L Lᵀ out = b given the Cholesky factor L."""
    n = L.shape[0]
    z = np.empty(n)
    for i in range(n):
        s = b[i]
        for k in range(i):
            s -= L[i, k] * z[k]
        z[i] = s / L[i, i]
    for i in range(n - 1, -1, -1):
        s = z[i]
        for k in range(i + 1, n):
            s -= L[k, i] * out[k]
        out[i] = s / L[i, i]


def _chol_solve(A, b, out):
    """Solve A out = b for a small SPD matrix by Cholesky; False if A is not SPD."""
    L = np.zeros(A.shape)
    if not _chol_factor(A, L):
        return False
    _chol_subst(L, b, out)
    return True


def _linear(Phi, y, alpha, A, r, nb):
    """α = argmin ‖y − Φᵀα‖ with band heights α[:nb] ≥ 0; fills A = ΦΦᵀ and r; ½‖r‖².

    Normal equations with a tiny ridge; a negative height is clamped to 0 (its row and
    column removed) and the rest re-solved, until all heights are ≥ 0 (an active-set
    step; exact NNLS for the usual case of one weak band).
    """
    n = Phi.shape[0]
    m = y.shape[0]
    b = np.empty(n)
    for j in range(n):
        b[j] = _dot(Phi[j], y)
        for k in range(j + 1):
            A[j, k] = _dot(Phi[j], Phi[k])
            A[k, j] = A[j, k]
    for j in range(n):
        A[j, j] *= 1.0 + 1e-12
    if not _chol_solve(A, b, alpha):
        return np.inf
    clamped = np.zeros(nb, np.bool_)
    for _pass in range(nb):
        new = False
        for j in range(nb):
            if not clamped[j] and alpha[j] < 0.0:
                clamped[j] = True
                new = True
        if not new:
            break
        Ac = A.copy()
        bc = b.copy()
        for j in range(nb):
            if clamped[j]:
                for k in range(n):
                    Ac[j, k] = 0.0
                    Ac[k, j] = 0.0
                Ac[j, j] = 1.0
                bc[j] = 0.0
        if not _chol_solve(Ac, bc, alpha):
            return np.inf
    for j in range(nb):
        if alpha[j] < 0.0:
            alpha[j] = 0.0
    for i in range(m):
        r[i] = y[i]
    for j in range(n):
        aj = alpha[j]
        row = Phi[j]
        for i in range(m):
            r[i] -= aj * row[i]
    return 0.5 * _dot(r, r)


def _workspace(m, nl, nt):
    """Per-thread buffers of :func:`_fit_one`: (x, y, r, r_t), (Φ, Φ_t), (dΦ, dΦ_t, D).

    Allocated once per batch (per thread) and reused for every spectrum: allocating them
    per spectrum made the kernel 15–40 % slower where glibc returns freed memory to the
    system eagerly (``MALLOC_TRIM_THRESHOLD_``, which dask.distributed sets in its
    workers: every spectrum then page-faulted its buffers in again).
    """
    return np.empty((4, m)), np.empty((2, nl, m)), np.empty((3, nt, m))


def _fit_one(x_all, y_all, kinds, first, owner, theta0, lo, hi, npoly, P_all, max_iter, ftol,
             xtol, theta_out, lin_out, cov_out, info_out, W1, WPhi, WdPhi):
    nb = kinds.shape[0]
    nl = nb + npoly
    nt = theta0.shape[0]
    m = 0
    for i in range(y_all.shape[0]):
        if not math.isnan(y_all[i]):
            m += 1
    if m <= nl + nt + 1:
        info_out[0] = 0.0
        return
    full = m == y_all.shape[0]  # no NaN: the preallocated buffers fit (the usual case)
    x = W1[0] if full else np.empty(m)
    y = W1[1] if full else np.empty(m)
    r = W1[2] if full else np.empty(m)
    r_t = W1[3] if full else np.empty(m)
    Phi = WPhi[0] if full else np.empty((nl, m))
    Phi_t = WPhi[1] if full else np.empty((nl, m))
    dPhi = WdPhi[0] if full else np.empty((nt, m))
    dPhi_t = WdPhi[1] if full else np.empty((nt, m))
    D = WdPhi[2] if full else np.empty((nt, m))
    k = 0
    for i in range(y_all.shape[0]):
        if not math.isnan(y_all[i]):
            x[k] = x_all[i]
            y[k] = y_all[i]
            for j in range(npoly):
                Phi[nb + j, k] = P_all[j, i]
                Phi_t[nb + j, k] = P_all[j, i]
            k += 1
    A = np.empty((nl, nl))
    A_t = np.empty((nl, nl))
    theta = theta0.copy()
    alpha = np.zeros(nl)
    alpha_t = np.zeros(nl)
    theta_t = np.empty(nt)
    _shapes_1(x, kinds, first, theta, Phi, dPhi)
    cost = _linear(Phi, y, alpha, A, r, nb)
    if not cost < np.inf:
        info_out[0] = 0.0
        return
    lam = 1e-3
    JtJ = np.empty((nt, nt))
    g = np.empty(nt)
    DtPhi = np.empty((nt, nl))
    delta = np.empty(nt)
    M = np.empty((nt, nt))
    col = np.empty(nl)
    sol = np.empty(nl)
    LA = np.zeros((nl, nl))
    converged = False
    it = 0
    for it in range(max_iter):  # noqa: B007
        # D[a] = α_owner(a) ∂φ/∂θ_a: the scale factors are applied to the dot products
        for a in range(nt):
            sa = alpha[owner[a]]
            g[a] = sa * _dot(dPhi[a], r)
            for b in range(a + 1):
                JtJ[a, b] = sa * alpha[owner[b]] * _dot(dPhi[a], dPhi[b])
                JtJ[b, a] = JtJ[a, b]
            for b in range(nl):
                DtPhi[a, b] = sa * _dot(dPhi[a], Phi[b])
        # Kaufman: JᵀJ = DᵀD − DᵀΦ (ΦᵀΦ)⁻¹ ΦᵀD
        if not _chol_factor(A, LA):
            break
        for b in range(nt):
            for j in range(nl):
                col[j] = DtPhi[b, j]
            _chol_subst(LA, col, sol)
            for a in range(nt):
                s = 0.0
                for j in range(nl):
                    s += DtPhi[a, j] * sol[j]
                JtJ[a, b] -= s
        tr = 0.0
        for a in range(nt):
            tr += JtJ[a, a] / nt
        accepted = False
        while lam < 1e12:
            for a in range(nt):
                for b in range(nt):
                    M[a, b] = JtJ[a, b]
                M[a, a] += lam * JtJ[a, a] + 1e-12 * (1.0 + tr)
            if not _chol_solve(M, g, delta):
                lam *= 10.0
                continue
            for a in range(nt):
                v = theta[a] + delta[a]
                if v < lo[a]:
                    v = lo[a]
                elif v > hi[a]:
                    v = hi[a]
                theta_t[a] = v
            _shapes_1(x, kinds, first, theta_t, Phi_t, dPhi_t)
            cost_t = _linear(Phi_t, y, alpha_t, A_t, r_t, nb)
            if cost_t < cost:
                rel = (cost - cost_t) / max(cost, 1e-300)
                step = 0.0
                for a in range(nt):
                    d = abs(theta_t[a] - theta[a]) / (abs(theta[a]) + 1e-12)
                    if d > step:
                        step = d
                for a in range(nt):
                    theta[a] = theta_t[a]
                for j in range(nl):
                    alpha[j] = alpha_t[j]
                Phi, Phi_t = Phi_t, Phi
                dPhi, dPhi_t = dPhi_t, dPhi
                A, A_t = A_t, A
                r, r_t = r_t, r
                cost = cost_t
                lam = max(lam * 0.2, 1e-12)
                accepted = True
                if rel < ftol or step < xtol:
                    converged = True
                break
            lam *= 8.0
        if not accepted:
            converged = True  # no downhill step left: at the (local) optimum
        if converged:
            break
    # covariance of (heights, θ, background) from J = [Φ_bands | D | Φ_poly]
    p = nl + nt
    for a in range(nt):
        s = alpha[owner[a]]
        for i in range(m):
            D[a, i] = s * dPhi[a, i]
    F = np.empty((p, p))
    for a in range(p):
        ra = Phi[a] if a < nb else (D[a - nb] if a < nb + nt else Phi[a - nt])
        for b in range(a + 1):
            rb = Phi[b] if b < nb else (D[b - nb] if b < nb + nt else Phi[b - nt])
            F[a, b] = _dot(ra, rb)
            F[b, a] = F[a, b]
    s2 = 2.0 * cost / max(m - p, 1)
    e = np.zeros(p)
    colv = np.empty(p)
    LF = np.zeros((p, p))
    if _chol_factor(F, LF):
        for b in range(p):
            for a in range(p):
                e[a] = 1.0 if a == b else 0.0
            _chol_subst(LF, e, colv)
            for a in range(p):
                cov_out[a, b] = colv[a] * s2
    else:
        for b in range(p):
            for a in range(p):
                cov_out[a, b] = np.nan
    for a in range(nt):
        theta_out[a] = theta[a]
    for j in range(nl):
        lin_out[j] = alpha[j]
    info_out[0] = 1.0 if converged else 0.5
    info_out[1] = s2
    info_out[2] = it + 1


def _fit_many(x, Y, kinds, first, owner, theta0, lo, hi, npoly, P, max_iter, ftol, xtol,
              theta_out, lin_out, cov_out, info_out, nparts):
    n = Y.shape[0]
    nl = kinds.shape[0] + npoly
    nt = theta0.shape[1]
    for t in _prange(nparts):  # one workspace per part; parts are split over the threads
        W1, WPhi, WdPhi = _workspace(Y.shape[1], nl, nt)
        for s in range(t * n // nparts, (t + 1) * n // nparts):
            _fit_one(x, Y[s], kinds, first, owner, theta0[s], lo, hi, npoly, P, max_iter,
                     ftol, xtol, theta_out[s], lin_out[s], cov_out[s], info_out[s], W1, WPhi,
                     WdPhi)


def _fit_many_serial(x, Y, kinds, first, owner, theta0, lo, hi, npoly, P, max_iter, ftol,
                     xtol, theta_out, lin_out, cov_out, info_out):
    W1, WPhi, WdPhi = _workspace(Y.shape[1], kinds.shape[0] + npoly, theta0.shape[1])
    for s in range(Y.shape[0]):
        _fit_one(x, Y[s], kinds, first, owner, theta0[s], lo, hi, npoly, P, max_iter, ftol,
                 xtol, theta_out[s], lin_out[s], cov_out[s], info_out[s], W1, WPhi, WdPhi)


if HAVE_NUMBA:
    _prange = _numba.prange
    # fast-math without 'nnan'/'ninf': NaN masks must keep working
    _FM = {"reassoc", "contract", "arcp", "nsz", "afn"}
    _jit = _numba.njit(cache=True, fastmath=_FM, nogil=True)
    _shapes_1 = _jit(_shapes_1)
    _dot = _jit(_dot)
    _chol_factor = _jit(_chol_factor)
    _chol_subst = _jit(_chol_subst)
    _chol_solve = _jit(_chol_solve)
    _linear = _jit(_linear)
    _workspace = _jit(_workspace)
    _fit_one = _jit(_fit_one)
    _fit_many = _numba.njit(cache=True, parallel=True, nogil=True)(_fit_many)
    # one thread per call: dask task threads and cluster workers run their own chunks
    _fit_many_serial = _jit(_fit_many_serial)
else:  # pragma: no cover
    _prange = range

# ---------------------------------------------------------------------------------------
# numpy fallback: the same variable-projection LM, vectorised over the batch
# ---------------------------------------------------------------------------------------


def _np_shapes(x, kinds, first, theta):
    """Φ_bands (n, nb, m) and dΦ (n, nθ, m) for a batch of θ (n, nθ)."""
    n = theta.shape[0]
    nb = kinds.size
    m = x.size
    Phi = np.empty((n, nb, m))
    dPhi = np.empty((n, theta.shape[1], m))
    for j in range(nb):  # loop over bands (≤ 5), vectorised over spectra and points
        k0 = first[j]
        c = theta[:, k0, None]
        w = theta[:, k0 + 1, None]
        if kinds[j] == 0:
            t = (x - c) / w
            s = 1.0 / (1.0 + 4.0 * t * t)
            Phi[:, j] = s
            dPhi[:, k0] = 8.0 * t / w * s * s
            dPhi[:, k0 + 1] = 8.0 * t * t / w * s * s
        elif kinds[j] == 1:
            t = (x - c) / w
            e = np.exp(-4.0 * _LN2 * t * t)
            Phi[:, j] = e
            dPhi[:, k0] = 8.0 * _LN2 * t / w * e
            dPhi[:, k0 + 1] = 8.0 * _LN2 * t * t / w * e
        else:
            q = theta[:, k0 + 2, None]
            u = 2.0 * (x - c) / w
            a = 1.0 + u / q
            den = 1.0 / (1.0 + u * u)
            s = a * a * den
            dsdu = (2.0 * a / q - s * 2.0 * u) * den
            Phi[:, j] = s
            dPhi[:, k0] = dsdu * (-2.0 / w)
            dPhi[:, k0 + 1] = dsdu * (-u / w)
            dPhi[:, k0 + 2] = -2.0 * a * u / (q * q) * den
    return Phi, dPhi


def _np_solve(A, b):
    try:
        return np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.lstsq(a, bb, rcond=None)[0] for a, bb in zip(A, b, strict=True)])


def _np_linear(Phi_full, Y, W, nb):
    A = np.einsum("njm,nkm->njk", Phi_full * W[:, None, :], Phi_full)
    A += 1e-12 * np.eye(A.shape[1]) * (np.trace(A, axis1=1, axis2=2)[:, None, None] + 1e-300)
    b = np.einsum("njm,nm->nj", Phi_full * W[:, None, :], Y)
    alpha = _np_solve(A, b)
    clamped = np.zeros(alpha.shape, bool)
    for _ in range(nb):  # clamp negative heights to 0 and re-solve (as the numba kernel)
        new = (alpha[:, :nb] < 0) & ~clamped[:, :nb]
        if not new.any():
            break
        clamped[:, :nb] |= new
        off = clamped[:, :, None] | clamped[:, None, :]
        A2 = np.where(off, 0.0, A)
        A2[:, np.arange(A.shape[1]), np.arange(A.shape[1])] = np.where(
            clamped, 1.0, np.diagonal(A, axis1=1, axis2=2))
        alpha = _np_solve(A2, np.where(clamped, 0.0, b))
    alpha[:, :nb] = np.maximum(alpha[:, :nb], 0.0)
    r = (Y - np.einsum("njm,nj->nm", Phi_full, alpha)) * W
    return alpha, 0.5 * np.einsum("nm,nm->n", r, r), A


def _np_fit(x, Y, kinds, first, owner, theta0, lo, hi, npoly, P, max_iter, ftol, xtol):
    n, m = Y.shape
    nb = kinds.size
    nt = theta0.shape[1]
    W = np.isfinite(Y).astype(float)
    Y = np.where(W > 0, Y, 0.0)
    def full(theta):
        Phi, dPhi = _np_shapes(x, kinds, first, theta)
        Pb = np.broadcast_to(P.T[None], (theta.shape[0], npoly, m))
        return np.concatenate([Phi, Pb], axis=1), dPhi

    theta = theta0.copy()
    Phi, dPhi = full(theta)
    alpha, cost, A = _np_linear(Phi, Y, W, nb)
    lam = np.full(n, 1e-3)
    active = np.ones(n, bool)
    iters = np.zeros(n)
    for _ in range(max_iter):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        D = alpha[idx][:, owner, None] * dPhi[idx] * W[idx][:, None, :]
        PhiW = Phi[idx] * W[idx][:, None, :]
        r = (Y[idx] - np.einsum("njm,nj->nm", Phi[idx], alpha[idx])) * W[idx]
        JtJ = np.einsum("nam,nbm->nab", D, D)
        DtPhi = np.einsum("nam,njm->naj", D, PhiW)
        JtJ -= DtPhi @ np.linalg.solve(A[idx], np.swapaxes(DtPhi, 1, 2))
        g = np.einsum("nam,nm->na", D, r)
        diag = np.einsum("naa->na", JtJ)
        improved = np.zeros(idx.size, bool)
        for _try in range(12):
            todo = ~improved & (lam[idx] < 1e12)
            if not todo.any():
                break
            t = np.flatnonzero(todo)
            damp = lam[idx][t, None] * diag[t] + 1e-12 * (1 + diag[t].mean(axis=1, keepdims=True))
            M = JtJ[t] + damp[..., None] * np.eye(nt)
            try:
                delta = np.linalg.solve(M, g[t][..., None])[..., 0]
            except np.linalg.LinAlgError:
                lam[idx[t]] *= 10
                continue
            th = np.clip(theta[idx[t]] + delta, lo, hi)
            Ph, dP = full(th)
            al, co, Aa = _np_linear(Ph, Y[idx[t]], W[idx[t]], nb)
            better = co < cost[idx[t]]
            bt = idx[t][better]
            rel = (cost[bt] - co[better]) / np.maximum(cost[bt], 1e-300)
            step = np.max(np.abs(th[better] - theta[bt]) / (np.abs(theta[bt]) + 1e-12), axis=1)
            theta[bt], Phi[bt], dPhi[bt], alpha[bt], cost[bt], A[bt] = (
                th[better], Ph[better], dP[better], al[better], co[better], Aa[better])
            lam[bt] = np.maximum(lam[bt] * 0.2, 1e-12)
            iters[bt] += 1
            done = (rel < ftol) | (step < xtol)
            active[bt[done]] = False
            improved[t[better]] = True
            lam[idx[t][~better]] *= 8.0
        active[idx[~improved]] = False
    # covariance
    p = nb + nt + npoly
    J = np.concatenate([Phi[:, :nb], alpha[:, owner, None] * dPhi, Phi[:, nb:]], axis=1)
    J = J * W[:, None, :]
    F = np.einsum("nam,nbm->nab", J, J)
    nvalid = W.sum(axis=1)
    s2 = 2 * cost / np.maximum(nvalid - p, 1)
    try:
        cov = np.linalg.inv(F) * s2[:, None, None]
    except np.linalg.LinAlgError:
        cov = np.full((n, p, p), np.nan)
    info = np.stack([np.ones(n), s2, iters], axis=1)
    info[nvalid <= p + 1, 0] = 0.0
    return theta, alpha, cov, info


def _np_chunk(args):
    return _np_fit(*args)


# ---------------------------------------------------------------------------------------
# public entry
# ---------------------------------------------------------------------------------------


def fit_batch(
    x: np.ndarray,
    ys: np.ndarray,
    *,
    model: str = "two_band",
    poly_order: int | None = 2,
    start: np.ndarray | None = None,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    seed: str = "mean",
    max_iter: int = 100,
    ftol: float = 1e-7,
    xtol: float = 1e-6,
    workers: int | None = None,
    use_numba: bool | None = None,
    parallel: bool = True,
) -> dict[str, Any]:
    """Fit one band model to every spectrum of a batch (variable projection, analytic J).

    Parameters
    ----------
    x : ndarray
        Raman shift (1/cm), shape (m,), shared by all spectra.
    ys : ndarray
        Intensities, shape (n, m); NaN points are ignored.
    model : str
        A :data:`raman.bands.MODELS` name.
    poly_order : int or None
        Order of the background polynomial fitted with the bands (None: no background).
    start, lower, upper : ndarray, optional
        Nonlinear parameters' start and bounds (default the model table), in the order of
        :func:`raman.bands.nonlinear_names`.
    seed : {'mean', 'start'}
        ``mean``: first fit the batch's mean spectrum from ``start`` and start every
        spectrum from that optimum; ``start``: start every spectrum from ``start``.
    max_iter : int
        Levenberg–Marquardt iterations per spectrum.
    ftol, xtol : float
        Relative cost decrease / relative parameter step at which a fit has converged.
    workers : int, optional
        numpy fallback: processes (default ``os.cpu_count()`` for large batches). The numba
        kernel uses numba's thread pool (``NUMBA_NUM_THREADS``).
    use_numba : bool, optional
        Force (True) or avoid (False) the compiled kernel; default: use it when installed.
    parallel : bool
        Compiled kernel: spread the spectra over numba's threads (True), or fit them on
        the calling thread (False: for calls from dask task threads and cluster workers,
        which run several chunks at once; nested thread pools would oversubscribe).

    Returns
    -------
    dict
        ``heights`` (n, nbands), ``nonlin`` (n, nθ), ``coefs`` (n, npoly), ``success``
        (n,), ``redchi`` (n,), ``cov`` (n, p, p) in the order heights, θ, background,
        ``iterations`` (n,), ``converged`` (n,: the fit met ``ftol``/``xtol`` before
        ``max_iter``) and ``dof`` (n,, degrees of freedom).
    """
    x = np.ascontiguousarray(x, float)
    ys = np.ascontiguousarray(np.atleast_2d(ys), float)
    n, m = ys.shape
    s0, l0, h0 = nonlinear_start(model)
    start = s0 if start is None else np.asarray(start, float)
    lower = l0 if lower is None else np.asarray(lower, float)
    upper = h0 if upper is None else np.asarray(upper, float)
    kinds, first, owner = _layout(model)
    nt = start.size
    nb = kinds.size
    npoly = 0 if poly_order is None else int(poly_order) + 1
    mid = 0.5 * (x.max() + x.min())
    half = max(0.5 * (x.max() - x.min()), 1e-12)
    u = (x - mid) / half
    P = np.ascontiguousarray(np.stack([u**k for k in range(npoly)], axis=1)
                             if npoly else np.zeros((m, 0)))
    PT = np.ascontiguousarray(P.T)
    numba_ok = HAVE_NUMBA if use_numba is None else (use_numba and HAVE_NUMBA)
    if use_numba and not HAVE_NUMBA:
        from charz.io import require

        require("numba", "fast", purpose="run the compiled batch fitter")

    def run(Y, theta0):
        k = Y.shape[0]
        if numba_ok:
            th = np.empty((k, nt))
            lin = np.zeros((k, nb + npoly))
            cov = np.full((k, nb + nt + npoly, nb + nt + npoly), np.nan)
            info = np.zeros((k, 3))
            args = (x, Y, kinds, first, owner, np.ascontiguousarray(theta0), lower, upper,
                    npoly, PT, max_iter, ftol, xtol, th, lin, cov, info)
            if parallel and k > 1:
                # a few parts per thread: balanced when some spectra need more iterations
                _fit_many(*args, max(1, min(k, 8 * _numba.get_num_threads())))
            else:
                _fit_many_serial(*args)
            return th, lin, cov, info
        nproc = workers if workers is not None else (os.cpu_count() or 1) \
            if k >= 200 and parallel else 1
        chunks = np.array_split(np.arange(k), max(1, min(nproc * 4, k // 50 or 1)))
        args = [(x, Y[c], kinds, first, owner, theta0[c], lower, upper, npoly, P, max_iter,
                 ftol, xtol) for c in chunks if c.size]
        if nproc > 1 and len(args) > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(nproc) as pool:
                parts = list(pool.map(_np_chunk, args))
        else:
            parts = [_np_chunk(a) for a in args]
        th = np.concatenate([p[0] for p in parts])
        lin = np.concatenate([p[1] for p in parts])
        cov = np.concatenate([p[2] for p in parts])
        info = np.concatenate([p[3] for p in parts])
        # reorder covariance: numpy path is already (heights, θ, background)
        return th, lin, cov, info

    theta0 = np.broadcast_to(start, (n, nt)).copy()
    if seed == "mean" and n > 1:
        from raman._fast import _nanmean0, nanmean_rows

        mean = (nanmean_rows(ys) if numba_ok else _nanmean0(ys))[None]
        if np.isfinite(mean).sum() > nb + nt + npoly + 1:
            th, _, _, info = run(mean, start[None])
            if info[0, 0] > 0:
                theta0[:] = th[0]
    th, lin, cov, info = run(ys, theta0)
    dof = np.maximum(np.isfinite(ys).sum(axis=1) - (nb + nt + npoly), 1)
    success = info[:, 0] > 0
    th[~success] = np.nan
    lin[~success] = np.nan
    return {
        "heights": lin[:, :nb],
        "nonlin": th,
        "coefs": lin[:, nb:],
        "success": success,
        "redchi": np.where(success, info[:, 1], np.nan) * 1.0,
        "cov": cov,
        "iterations": info[:, 2],
        "converged": info[:, 0] == 1.0,
        "dof": dof,
    }
