"""Generated Na||hard-carbon cycler data with known answers (for tests, demos, examples).

Each function returns a cycler Dataset (the :mod:`echem.io` contract) plus the exact
numbers the analyses should recover. Curves are closed-form voltage–capacity relations;
noise comes from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from echem.io import cycler_dataset

__all__ = [
    "desodiation_voltage",
    "gitt_pulse_train",
    "hc_sodiation_voltage",
    "oversodiation_voltage",
    "rate_test_cell",
    "two_cycle_cell",
    "write_cycler_csv",
]


def hc_sodiation_voltage(q: Any, *, slope_capacity: float = 120.0,
                         plateau_capacity: float = 150.0, v_top: float = 1.5,
                         split_voltage: float = 0.1, v_end: float = 0.01) -> np.ndarray:
    """Sodiation voltage (V) of a hard carbon at capacity ``q`` (mA*h/g).

    Slope region: V = split + (v_top − split)·(1 − q/Q_s)² for q < Q_s, so V > split
    exactly over the slope capacity Q_s; plateau region: linear from ``split_voltage`` to
    ``v_end`` over the plateau capacity; below ``v_end`` beyond it (continued linearly).
    """
    q = np.asarray(q, float)
    qs, qp = slope_capacity, plateau_capacity
    slope = split_voltage + (v_top - split_voltage) * np.clip(1 - q / qs, 0, None) ** 2
    plateau = split_voltage - (split_voltage - v_end) * (q - qs) / qp
    return np.where(q < qs, slope, plateau)


def oversodiation_voltage(q: Any, *, slope_capacity: float = 120.0,
                          plateau_capacity: float = 140.0, v_plating: float = -0.012,
                          dip: float = 0.025, dip_width: float = 6.0,
                          relax_width: float = 3.0) -> np.ndarray:
    """Over-sodiation voltage (V): slope, HC plateau, nucleation dip, Na-plating plateau.

    Up to Q_hc = slope + plateau capacity it is :func:`hc_sodiation_voltage` (ending at
    0.01 V); after it (u = q − Q_hc):
    V = v_plating + (0.01 − v_plating)·exp(−u/relax_width) − dip·(u/dip_width)·exp(1 − u/dip_width).
    The voltage minimum lies a few mA*h/g after Q_hc (found numerically by the caller).
    """
    q = np.asarray(q, float)
    q_hc = slope_capacity + plateau_capacity
    hc = hc_sodiation_voltage(q, slope_capacity=slope_capacity,
                              plateau_capacity=plateau_capacity)
    u = np.clip(q - q_hc, 0, None)
    tail = (v_plating + (0.01 - v_plating) * np.exp(-u / relax_width)
            - dip * (u / dip_width) * np.exp(1 - u / dip_width))
    return np.where(q < q_hc, hc, tail)


def desodiation_voltage(
    q: Any,
    *,
    plateau_capacity: float = 150.0,
    slope_capacity: float = 60.0,
    stripping_capacity: float = 0.0,
    plateau_peak: float = 0.10,
    plateau_sigma: float = 0.012,
    stripping_peak: float = 0.015,
    stripping_sigma: float = 0.002,
    v_top: float = 1.5,
) -> np.ndarray:
    """Desodiation voltage (V) at capacity ``q`` (mA*h/g) from a known dQ/dV.

    Q(V) = Q_strip·Φ((V − V_strip)/σ_strip) + Q_plat·Φ((V − V_plat)/σ_plat)
    + Q_slope·clip((V − 0.05)/(v_top − 0.05), 0, 1), Φ the normal CDF; so dQ/dV has
    Gaussian peaks exactly at ``stripping_peak`` (Na stripping, when
    ``stripping_capacity`` > 0) and ``plateau_peak`` (hard-carbon desodiation plateau) on a
    flat slope background. V(Q) is its inverse (interpolated on a 0.01 mV grid).
    """
    from scipy.special import ndtr

    grid = np.linspace(0.0, v_top, 150001)
    qv = (stripping_capacity * ndtr((grid - stripping_peak) / stripping_sigma)
          + plateau_capacity * ndtr((grid - plateau_peak) / plateau_sigma)
          + slope_capacity * np.clip((grid - 0.05) / (v_top - 0.05), 0, 1))
    qv = np.maximum.accumulate(qv + grid * 1e-9)  # strictly increasing for the inversion
    return np.interp(np.asarray(q, float), qv, grid)


def _true_minimum(f: Any, lo: float, hi: float) -> tuple[float, float]:
    grid = np.linspace(lo, hi, 400001)
    v = f(grid)
    k = int(np.argmin(v))
    return float(grid[k]), float(v[k])


def _half(q_total: float, vfun: Any, *, current_ma: float, mass_mg: float, dt: float,
          t0: float, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Times, voltages, capacities (mA*h) of one CC half cycle."""
    i = abs(current_ma)
    duration = q_total * (mass_mg / 1000.0) / i * 3600.0
    t = np.arange(dt, duration + 0.5 * dt, dt)
    t = t[t <= duration + 1e-9]
    q_spec = i * t / 3600.0 / (mass_mg / 1000.0)
    v = vfun(q_spec) + rng.normal(0.0, noise, t.size)
    return t0 + t, v, i * t / 3600.0


def two_cycle_cell(
    *,
    slope_capacity: float = 120.0,
    plateau_capacity: float = 150.0,
    irreversible: float = 60.0,
    mass_mg: float = 2.0,
    current_ma: float = 0.06,
    dt: float = 20.0,
    noise: float = 0.0005,
    oversodiation: float | None = None,
    seed: int = 0,
) -> tuple[xr.Dataset, dict[str, float]]:
    """A Na||HC half cell: rest, sodiation, rest, desodiation, then a second cycle.

    Parameters
    ----------
    slope_capacity, plateau_capacity : float
        mA*h/g of the first sodiation above / below 0.1 V (exact, noise-free curve).
    irreversible : float
        First-cycle capacity loss (mA*h/g), taken off the slope region on desodiation.
        Desodiation follows :func:`desodiation_voltage` (dQ/dV peak at 0.10 V); after
        over-sodiation it first strips the sodium plated past the onset (peak at 15 mV).
    mass_mg, current_ma : float
        Active mass (mg) and CC current (mA).
    dt : float
        Sampling interval (s).
    noise : float
        Gaussian voltage noise (V).
    oversodiation : float, optional
        Extra sodiation capacity (mA*h/g) past the HC plateau in cycle 1, into Na plating
        (curve from :func:`oversodiation_voltage`); then the true plating onset is the
        curve's voltage minimum.

    Returns
    -------
    (Dataset, truth) : tuple
        ``truth``: ``slope_capacity``, ``plateau_capacity``, ``sodiation_capacity``,
        ``desodiation_capacity``, ``initial_coulombic_efficiency`` (all of cycle 1), and
        with over-sodiation ``plating_onset_capacity``, ``minimum_voltage``.
    """
    rng = np.random.default_rng(seed)
    qs, qp = slope_capacity, plateau_capacity
    truth: dict[str, float] = {}
    if oversodiation:
        q1 = qs + qp + oversodiation

        def v1(q: Any) -> np.ndarray:
            return oversodiation_voltage(q, slope_capacity=qs, plateau_capacity=qp)

        q_on, v_min = _true_minimum(v1, qs + qp, q1)
        truth["plating_onset_capacity"] = q_on
        truth["minimum_voltage"] = v_min
    else:
        q1 = qs + qp

        def v1(q: Any) -> np.ndarray:
            return hc_sodiation_voltage(q, slope_capacity=qs, plateau_capacity=qp)

    # exact split of the noise-free first sodiation at 0.1 V, by integration on a fine grid
    grid = np.linspace(0, q1, 2_000_001)
    above = float(np.mean(v1(grid) > 0.1) * q1)
    truth["slope_capacity"] = above
    truth["plateau_capacity"] = q1 - above
    q_rev = qs + qp - irreversible
    q_strip = max(q1 - truth.get("plating_onset_capacity", q1), 0.0) if oversodiation else 0.0
    truth["stripping_capacity"] = q_strip

    def vdes(q: Any) -> np.ndarray:
        return desodiation_voltage(q, plateau_capacity=qp, slope_capacity=qs - irreversible)

    def vdes1(q: Any) -> np.ndarray:  # cycle 1: plated Na is stripped first
        return desodiation_voltage(q, plateau_capacity=qp, slope_capacity=qs - irreversible,
                                   stripping_capacity=q_strip)

    def vsod2(q: Any) -> np.ndarray:
        return hc_sodiation_voltage(q, slope_capacity=qs - irreversible, plateau_capacity=qp)

    parts_t, parts_v, parts_i, parts_q, parts_c = [], [], [], [], []
    t0 = 0.0

    def rest(t0: float, v: float, n: int, cyc: int) -> float:
        t = t0 + dt * np.arange(1, n + 1)
        parts_t.append(t)
        parts_v.append(np.full(n, v) + rng.normal(0, noise, n))
        parts_i.append(np.zeros(n))
        parts_q.append(np.zeros(n))
        parts_c.append(np.full(n, cyc))
        return float(t[-1])

    def cc(t0: float, qtot: float, f: Any, sign: float, cyc: int) -> float:
        t, v, q = _half(qtot, f, current_ma=current_ma, mass_mg=mass_mg, dt=dt, t0=t0,
                        noise=noise, rng=rng)
        parts_t.append(t)
        parts_v.append(v)
        parts_i.append(np.full(t.size, sign * abs(current_ma)))
        parts_q.append(q)
        parts_c.append(np.full(t.size, cyc))
        return float(t[-1])

    t0 = rest(-dt, 2.8, 10, 1)
    t0 = cc(t0, q1, v1, -1.0, 1)
    t0 = rest(t0, 0.05, 10, 1)
    t0 = cc(t0, q_rev + q_strip, vdes1, +1.0, 1)
    t0 = rest(t0, 1.2, 10, 1)
    t0 = cc(t0, q_rev, vsod2, -1.0, 2)
    t0 = rest(t0, 0.05, 10, 2)
    cc(t0, q_rev, vdes, +1.0, 2)
    t = np.concatenate(parts_t)
    ds = cycler_dataset(
        t - t[0], np.concatenate(parts_v), np.concatenate(parts_i),
        capacity_mah=np.concatenate(parts_q), cycle=np.concatenate(parts_c),
        mass_mg=mass_mg, name="generated",
        attrs={"source": "generated two-cycle Na||HC cell"},
    )
    truth["sodiation_capacity"] = q1
    truth["desodiation_capacity"] = q_rev + q_strip
    truth["initial_coulombic_efficiency"] = (q_rev + q_strip) / q1
    truth["desodiation_peak_voltage"] = 0.10
    if q_strip:
        truth["stripping_peak_voltage"] = 0.015
    truth["active_mass_mg"] = mass_mg
    return ds, truth


def gitt_pulse_train(
    *,
    diffusion: float = 1e-10,
    length_cm: float = 1e-3,
    tau: float = 600.0,
    rest: float = 7200.0,
    n_pulses: int = 20,
    current_ma: float = 0.1,
    mass_mg: float = 3.0,
    resistance_ohm: float = 15.0,
    dt: float = 10.0,
    dt_rest: float | None = None,
    noise: float = 0.0002,
    diffusion_profile: Any = None,
    q_start: float = 10.0,
    seed: int = 1,
) -> tuple[xr.Dataset, dict[str, Any]]:
    """GITT sodiation pulse train obeying the Weppner–Huggins short-time solution.

    During pulse k (semi-infinite diffusion, t ≪ L²/D) the voltage is
    E(t) = E_eq(Q_k) − I·R + ΔE_τ·√(t/τ) with ΔE_τ = ΔE_s·2L/√(π D τ), where
    ΔE_s = E_eq(Q_k+1) − E_eq(Q_k) from :func:`hc_sodiation_voltage`; in the rest the
    overvoltage relaxes as exp(−t·π²D/L²). So D = (4L²/(πτ))·(ΔE_s/ΔE_τ)² exactly.

    Parameters
    ----------
    diffusion : float
        D in cm^2/s (used where ``diffusion_profile`` is None).
    length_cm : float
        Diffusion length L in cm.
    tau, rest : float
        Pulse and rest durations (s).
    dt, dt_rest : float
        Sampling interval (s) in the pulses and in the rests (default ``dt``).
    diffusion_profile : callable, optional
        ``D(voltage)`` in cm^2/s, evaluated at each pulse's relaxed end voltage.
    q_start : float
        Sodiation capacity (mA*h/g) before the first pulse.

    Returns
    -------
    (Dataset, truth) : tuple
        ``truth["diffusion"]``: D per pulse (cm^2/s), ``truth["voltage"]``: relaxed end
        voltage per pulse (V), plus ``length_cm``, ``tau``.
    """
    rng = np.random.default_rng(seed)
    dtr = dt if dt_rest is None else dt_rest
    n_p = round(tau / dt)
    n_r = round(rest / dtr)
    tau, rest = n_p * dt, n_r * dtr  # whole sampling intervals
    qs, qp = 120.0, 150.0
    dq = current_ma * tau / 3600.0 / (mass_mg / 1000.0)  # mA*h/g per pulse
    q_k = dq * np.arange(n_pulses + 1) + q_start
    e_eq = hc_sodiation_voltage(q_k, slope_capacity=qs, plateau_capacity=qp)
    d_true = (np.array([diffusion_profile(v) for v in e_eq[1:]], float)
              if diffusion_profile is not None else np.full(n_pulses, diffusion))
    des = e_eq[1:] - e_eq[:-1]
    det = des * 2 * length_cm / np.sqrt(np.pi * d_true * tau)
    tp = dt * np.arange(1, n_p + 1)
    tr = dtr * np.arange(1, n_r + 1)
    ir = current_ma * 1e-3 * resistance_ohm  # V
    # pulses: (n_pulses, n_p); rests: (n_pulses, n_r)
    e_pulse = e_eq[:-1, None] - ir + det[:, None] * np.sqrt(tp / tau)[None, :]
    eta_end = (e_eq[:-1] + det) - e_eq[1:]
    k_relax = np.pi ** 2 * d_true / length_cm ** 2
    e_rest = e_eq[1:, None] + eta_end[:, None] * np.exp(-tr[None, :] * k_relax[:, None])
    base = (rest - dtr) + np.arange(n_pulses) * (tau + rest)  # last rest point before each
    t = np.concatenate([dtr * np.arange(n_r),
                        (base[:, None] + np.concatenate([tp, tau + tr])[None, :]).ravel()])
    v = np.concatenate([np.full(n_r, e_eq[0]), np.hstack([e_pulse, e_rest]).ravel()])
    i = np.concatenate([np.zeros(n_r), np.tile(np.concatenate([np.full(n_p, -current_ma),
                                                               np.zeros(n_r)]), n_pulses)])
    v = v + rng.normal(0, noise, v.size)
    ds = cycler_dataset(t, v, i, cycle=np.ones(t.size), mass_mg=mass_mg, name="generated GITT",
                        attrs={"source": "generated GITT pulse train"})
    truth = {"diffusion": d_true, "voltage": e_eq[1:], "length_cm": length_cm, "tau": tau,
             "delta_es": des, "delta_et": det}
    return ds, truth


def rate_test_cell(
    *,
    rates: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0, 2.0, 0.1),
    capacity_0: float = 294.0,
    slope: float = -40.0,
    one_c_ma_g: float = 300.0,
    mass_mg: float = 2.5,
    cycles_per_rate: int = 2,
    points: int = 60,
    noise: float = 0.001,
    scatter: float = 0.0,
    seed: int = 5,
) -> tuple[xr.Dataset, dict[str, Any]]:
    """A rate test: blocks of cycles at increasing C-rates, capacity linear in the rate.

    Every cycle at rate C sodiates and desodiates Q(C) = ``capacity_0`` + ``slope``·C
    + δ(C) (mA*h/g; δ Gaussian with sd ``scatter``, one value per distinct rate) at a
    current of C·``one_c_ma_g``·mass; voltages follow the hard-carbon curves compressed to
    Q(C), with ±20 mV·C polarisation (sodiation held above a 5 mV cut-off).

    Returns
    -------
    (Dataset, truth) : tuple
        ``truth``: ``capacities`` per distinct rate, and the least-squares
        ``rate_response`` (slope), ``intercept`` and ``pearson_r`` of those (numpy
        ``polyfit``/``corrcoef``); ``rates``, ``one_c_mA_g``.
    """
    rng = np.random.default_rng(seed)
    distinct = sorted(set(rates))
    dev = dict(zip(distinct, rng.normal(0.0, scatter, len(distinct)) if scatter else
                   np.zeros(len(distinct)), strict=True))
    m_g = mass_mg / 1000.0
    t_parts, v_parts, i_parts, q_parts, c_parts = [], [], [], [], []
    t0, cyc = 0.0, 0
    frac = np.linspace(0.0, 1.0, points + 1)[1:]
    for c in rates:
        q_tot = capacity_0 + slope * c + dev[c]
        i_ma = c * one_c_ma_g * m_g
        dur = q_tot * m_g / i_ma * 3600.0
        for _ in range(cycles_per_rate):
            cyc += 1
            for sign in (-1.0, 1.0):
                q = frac * q_tot
                if sign < 0:
                    # polarised, but a rate test stops at its 5 mV cut-off: never below
                    v = np.maximum(hc_sodiation_voltage(q * 270.0 / q_tot) - 0.02 * c, 0.005)
                else:
                    v = desodiation_voltage(q * 210.0 / q_tot, slope_capacity=60.0) + 0.02 * c
                t_parts.append(t0 + frac * dur)
                v_parts.append(v + rng.normal(0, noise, points))
                i_parts.append(np.full(points, sign * i_ma))
                q_parts.append(q * m_g)
                c_parts.append(np.full(points, cyc))
                t0 += dur + 60.0
    ds = cycler_dataset(np.concatenate(t_parts), np.concatenate(v_parts),
                        np.concatenate(i_parts), capacity_mah=np.concatenate(q_parts),
                        cycle=np.concatenate(c_parts), mass_mg=mass_mg, name="generated rate test",
                        attrs={"source": "generated rate test"})
    x = np.array(distinct)
    y = np.array([capacity_0 + slope * c + dev[c] for c in distinct])
    fit_slope, fit_icpt = np.polyfit(x, y, 1)
    return ds, {"rate_response": float(fit_slope), "intercept": float(fit_icpt),
                "pearson_r": float(np.corrcoef(x, y)[0, 1]), "capacities": y.tolist(),
                "rates": list(rates), "one_c_mA_g": one_c_ma_g}


def write_cycler_csv(ds: xr.Dataset, path: Any, *, header: dict[str, Any] | None = None,
                     start: str | None = None) -> None:
    """Write a cycler Dataset as charz's generic cycler CSV.

    Columns ``time_s, datetime, voltage_V, current_mA, capacity_mAh, cycle, step``
    (``datetime`` only when ``start`` is given, ISO-8601 with offset) after ``# key: value``
    header lines (e.g. ``active_mass_mg``).
    """
    import pandas as pd

    from charz.output import atomic_write_text

    t = np.asarray(ds["time"].values, float)
    cols: dict[str, Any] = {"time_s": np.round(t, 3)}
    if start is not None:
        t0 = pd.Timestamp(start)
        stamps = t0 + pd.to_timedelta(t, unit="s")
        cols["datetime"] = [s.isoformat(timespec="seconds") for s in stamps]
    cols["voltage_V"] = np.round(ds["voltage"].values, 6)
    cols["current_mA"] = np.round(ds["current"].values, 6)
    cols["capacity_mAh"] = np.round(ds["capacity_abs"].values, 7)
    cols["cycle"] = ds["cycle"].values
    cols["step"] = ds["step"].values
    lines = [f"# {k}: {v}" for k, v in (header or {}).items()]
    text = "\n".join(lines) + ("\n" if lines else "") + pd.DataFrame(cols).to_csv(
        index=False, lineterminator="\n")
    atomic_write_text(path, text)
