"""Forward models of one synthetic hard carbon, "HC-demo", for charz's embedded example data.

Every file is generated from the known parameters returned in the truth dict (written to
``charz/examples/data/truth.json`` by ``tools/make_examples.py``), with realistic noise
(Poisson counts, a sloping baseline, a cosmic spike, Kα2, a cell background), so tests
can check that the analyses recover them. Deterministic: fixed seeds.

Sources of the forward models: Bragg/Scherrer with Warren's K (FIELD-NOTES §1.2);
Ferrari–Robertson two-band Raman (Lorentzian D + BWF G, §2.2); Kalliat/Dahn
Porod + DAB SAXS (§3.3); Langmuir micropore filling + N-layer BET + Kelvin capillary
condensation (§4.1, §4.4, §4.6);
Dubinin–Radushkevich for CO2 at 273 K (§4.8); a slope/plateau Na||HC voltage profile
(§6).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

SAMPLE = "HC-demo"
CU_KA1 = 0.1540593  # nm
CU_KA2 = 0.1544414  # nm
KA2_RATIO = 0.5
T0 = np.datetime64("2026-03-02T08:00:00")  # UTC; files state +01:00 local time
TZ = "+01:00"


# ------------------------------------------------------------------------------ shapes
def _lor(x, h, c, w):
    return h / (1 + 4 * ((x - c) / w) ** 2)


def _gau(x, h, c, w):
    return h * np.exp(-4 * math.log(2) * ((x - c) / w) ** 2)


def _pv(x, h, c, w, eta):
    return eta * _lor(x, h, c, w) + (1 - eta) * _gau(x, h, c, w)


def _bwf(x, i0, w0, gam, q):
    u = 2 * (x - w0) / gam
    return i0 * (1 + u / q) ** 2 / (1 + u**2)


def _iso_local(t: np.datetime64) -> str:
    """UTC datetime64 → ISO string in local time with the +01:00 offset."""
    local = t + np.timedelta64(1, "h")
    return str(local.astype("datetime64[s]")) + TZ


# ------------------------------------------------------------------------------ XRD
def two_theta(d_nm: float, lam: float = CU_KA1) -> float:
    """Bragg angle 2θ (deg) of spacing d (nm)."""
    return math.degrees(2 * math.asin(lam / (2 * d_nm)))


def scherrer_fwhm(size_nm: float, tt_deg: float, k: float, lam: float = CU_KA1) -> float:
    """FWHM (deg of 2θ) giving ``size_nm`` by Scherrer with constant ``k``."""
    theta = math.radians(tt_deg / 2)
    return math.degrees(k * lam / (size_nm * math.cos(theta)))


def xrd_pattern(tt, *, d002, lc, la, d10=0.2100, h002=1000.0, h10=260.0, eta=0.5,
                tail=(900.0, 2.6), bg=(60.0, 0.55), with_ka2=True):
    """Raw (uncorrected) intensity of a hard carbon: (002) + (10) + (11) + tail + background."""
    tt002 = two_theta(d002)
    tt10 = two_theta(d10)
    w002 = scherrer_fwhm(lc, tt002, 0.89)
    w10 = scherrer_fwhm(la, tt10, 1.84)
    tt11 = two_theta(0.1213)
    w11 = scherrer_fwhm(la, tt11, 1.84)
    y = np.zeros_like(tt)
    lines = [(h002, d002, w002), (h10, d10, w10), (60.0, 0.1213, w11)]
    for lam, scale in ((CU_KA1, 1.0), (CU_KA2, KA2_RATIO if with_ka2 else 0.0)):
        if scale == 0:
            continue
        for h, d, w in lines:
            y += scale * _pv(tt, h, two_theta(d, lam), w, eta)
    q = 4 * np.pi * np.sin(np.radians(tt / 2)) / CU_KA1  # 1/nm
    a, n = tail
    q10 = 4 * np.pi * math.sin(math.radians(5)) / CU_KA1
    y += a * (q / q10) ** (-n)
    y += bg[0] + bg[1] * tt
    truth = {"two_theta_002": tt002, "fwhm_002": w002, "two_theta_100": tt10, "fwhm_100": w10}
    return y, truth


def _write_xye(path: Path, header: list[str], tt, counts, sigma) -> None:
    lines = [f"# {h}" for h in header] + ["# 2theta_deg  counts  sigma"]
    body = "\n".join(f"{a:.3f} {b:.0f} {c:.2f}" for a, b, c in zip(tt, counts, sigma, strict=True))
    path.write_text("\n".join(lines) + "\n" + body + "\n", encoding="utf-8")


def gen_xrd(out: Path, rng) -> dict:
    tt = np.round(np.arange(10.0, 80.0 + 1e-9, 0.02), 3)
    par = {"d002": 0.378, "lc": 1.30, "la": 3.60, "d10": 0.2100}
    y, fit = xrd_pattern(tt, d002=par["d002"], lc=par["lc"], la=par["la"], d10=par["d10"])
    counts = rng.poisson(y).astype(float)
    (out / "xrd").mkdir(parents=True, exist_ok=True)
    _write_xye(
        out / "xrd" / f"{SAMPLE}.xye",
        [
            "charz example data: synthetic hard-carbon XRD pattern (tools/examples_hcdemo.py)",
            f"sample: {SAMPLE}",
            "anode: Cu",
            f"wavelength_ka1_nm: {CU_KA1}",
            f"wavelength_ka2_nm: {CU_KA2}",
            f"ka2_ka1_ratio: {KA2_RATIO}",
            "geometry: Bragg-Brentano, no monochromator, raw intensities",
        ],
        tt, counts, np.sqrt(np.maximum(counts, 1.0)),
    )
    n = par["lc"] / par["d002"] + 1
    return {
        "file": f"xrd/{SAMPLE}.xye",
        "wavelength_nm": CU_KA1,
        "d002": par["d002"], "lc": par["lc"], "la": par["la"], "n_layers": n,
        "d10": par["d10"],
        **fit,
        "convention": "raw intensities; Lc Scherrer K=0.89 on (002) FWHM; La K=1.84 on (10) FWHM;"
                      " pseudo-Voigt eta=0.5; Ka2 doublet at ratio 0.5; no instrument broadening",
        "background": "A (q/q(10 deg))^-2.6 tail, A=900 counts; 60 + 0.55*2theta counts",
    }


# ------------------------------------------------------------------------------ Raman
RAMAN_TRUTH = {
    "laser_nm": 532.0,
    "d_position": 1345.0, "d_fwhm": 180.0, "d_height": 1100.0,
    "g_center_w0": 1600.0, "g_fwhm": 85.0, "g_q": -12.0,
}


def raman_spectrum(x, *, d_height=1100.0, d_pos=1345.0, d_fwhm=180.0, g_apex_height=1000.0,
                   g_w0=1600.0, g_fwhm=85.0, g_q=-12.0, second_order=True):
    i0 = g_apex_height / (1 + 1 / g_q**2)
    y = _lor(x, d_height, d_pos, d_fwhm) + _bwf(x, i0, g_w0, g_fwhm, g_q)
    if second_order:
        y = y + _lor(x, 150.0, 2690.0, 300.0) + _lor(x, 120.0, 2930.0, 250.0)
    return y


def _labspec_header(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"#{k}=\t{v}\n" for k, v in pairs)


def gen_raman(out: Path, rng) -> dict:
    x = np.linspace(600.0, 3200.0, 2168)
    t = RAMAN_TRUTH
    sig = raman_spectrum(x, d_height=t["d_height"], d_pos=t["d_position"], d_fwhm=t["d_fwhm"],
                         g_w0=t["g_center_w0"], g_fwhm=t["g_fwhm"], g_q=t["g_q"])
    baseline = 300.0 + 0.12 * (x - 600.0) + 4e-5 * (x - 1800.0) ** 2
    y = rng.normal(sig + baseline, np.sqrt(sig + baseline) * 0.6)
    spike_i = int(np.argmin(np.abs(x - 1452.0)))
    y[spike_i] += 2500.0  # one cosmic-ray spike, one pixel wide
    (out / "raman").mkdir(parents=True, exist_ok=True)
    header = _labspec_header([
        ("Acq. time (s)", "10"), ("Accumulations", "2"), ("Range (cm-¹)", "600 - 3200"),
        ("Windows", "5"), ("Grating", "600 (500nm)"), ("ND Filter", "10%"),
        ("Laser (nm)", f"{t['laser_nm']:.2f}"), ("Objective", "x50_LWD"), ("Hole", "100"),
        ("Spike filter", "Multiple accum."), ("Acquired", "02.03.2026 08:15:40"),
        ("Sample", SAMPLE), ("AxisType[0]", "Intens"), ("AxisUnit[0]", "Cnt"),
        ("AxisType[1]", "Spectr"), ("AxisUnit[1]", "1/cm"),
    ])
    body = "".join(f"{a:.4f}\t{b:.2f}\n" for a, b in zip(x[::-1], y[::-1], strict=True))
    (out / "raman" / f"{SAMPLE}.txt").write_bytes((header + body).encode("cp1252"))
    apex = t["g_center_w0"] + t["g_fwhm"] / (2 * t["g_q"])
    i0 = 1000.0 / (1 + 1 / t["g_q"] ** 2)
    d_area = math.pi / 2 * t["d_height"] * t["d_fwhm"]
    return {
        "file": f"raman/{SAMPLE}.txt",
        **t,
        "g_i0": i0,
        "g_position": apex, "g_apex_height": 1000.0,
        "id_ig": t["d_height"] / 1000.0,
        "d_area": d_area,
        "model": "two_band: Lorentzian D + BWF G (G position = BWF apex w0 + G/(2Q)); second-order"
                 " Lorentzians 2690 (h 150, FWHM 300) and 2930 (h 120, FWHM 250)",
        "baseline": "300 + 0.12 (x-600) + 4e-5 (x-1800)^2 counts",
        "spike_at": float(x[spike_i]),
        "noise": "Gaussian, sigma = 0.6 sqrt(I)",
    }


# ------------------------------------------------------------------------------ SAXS
SAXS_TRUTH = {"porod_scale": 2.0e-3, "porod_exponent": 3.8, "dab_scale": 8.0,
              "dab_length_nm": 0.45, "background": 0.05}


def saxs_curve(q, *, porod_scale, porod_exponent, dab_scale, dab_length_nm, background):
    """Kalliat/Dahn: A q^-P + B/(1 + a²q²)² + bkg (I in 1/cm, q in 1/nm)."""
    return (porod_scale * q ** (-porod_exponent)
            + dab_scale / (1 + (dab_length_nm * q) ** 2) ** 2 + background)


def gen_saxs(out: Path, rng) -> dict:
    q = np.geomspace(0.08, 8.0, 300)
    i = saxs_curve(q, **SAXS_TRUTH)
    sigma = 0.03 * i + 0.002
    meas = rng.normal(i, sigma)
    (out / "saxs").mkdir(parents=True, exist_ok=True)
    header = (
        "# charz example data: synthetic hard-carbon SAXS curve (tools/examples_hcdemo.py)\n"
        f"# sample: {SAMPLE}\n# wavelength_nm: 0.15418\n# absolute scale, thickness 0.1 cm\n"
        "# q [1/nm]  I [1/cm]  sigma [1/cm]\n"
    )
    body = "".join(f"{a:.6e} {b:.6e} {c:.6e}\n" for a, b, c in zip(q, meas, sigma, strict=True))
    (out / "saxs" / f"{SAMPLE}.dat").write_text(header + body, encoding="utf-8")
    # He pycnometer summary (AccuPyc-like): 10 cycles; mean of all cycles = true density
    rho = 1.520
    mass = 0.5123
    dens = rho + rng.normal(0, 0.0008, 10)
    dens += rho - dens.mean()
    vols = mass / dens
    lines = [
        "Instrument,AccuPyc II 1340 (synthetic example)",
        f"Sample,{SAMPLE}",
        "Analysis gas,Helium",
        f"Sample mass (g),{mass:.4f}",
        "Temperature (C),25.02",
        "Number of purges,10",
        "Cycle,Volume (cm3),Density (g/cm3)",
        *[f"{k + 1},{v:.5f},{d:.4f}" for k, (v, d) in enumerate(zip(vols, dens, strict=True))],
        f"Average volume (cm3),{vols.mean():.5f}",
        f"Average density (g/cm3),{dens.mean():.4f}",
        f"Standard deviation (g/cm3),{dens.std(ddof=1):.4f}",
    ]
    (out / "saxs" / f"{SAMPLE}_pycnometer.csv").write_text("\n".join(lines) + "\n",
                                                             encoding="utf-8")
    return {
        "file": f"saxs/{SAMPLE}.dat", "pycnometer_file": f"saxs/{SAMPLE}_pycnometer.csv",
        **SAXS_TRUTH,
        "model": "porod+dab: A q^-P + B/(1+a^2 q^2)^2 + bkg, q in 1/nm, I in 1/cm",
        "noise": "Gaussian, sigma = 0.03 I + 0.002 1/cm",
        "true_density": rho, "skeleton_density": 2.26,
        "closed_pore_volume": 1 / rho - 1 / 2.26,
    }


# ------------------------------------------------------------------------------ sorption
STP = 22414.0  # cm3(STP)/mol
N2_AREA_PER_CM3 = 6.02214076e23 * 0.162e-18 / STP  # m2 per cm3(STP)
DCF_N2 = 0.0015468  # cm3 liquid per cm3(STP), rho_liq 0.808 g/cm3


def _kelvin_diameter(x, *, meniscus: str):
    """Pore diameter (nm) emptying/filling at p/p0 = x: 2(r_K + t), Harkins–Jura t."""
    factor = 0.953 if meniscus == "hemispherical" else 0.4765  # 2γVm/RT = 0.953 nm (N2, 77 K)
    rk = factor / np.log(1 / x)
    t = 0.1 * np.sqrt(13.99 / (0.034 - np.log10(x)))
    return 2 * (rk + t)


def _t_harkins_jura(x):
    """Harkins–Jura thickness (nm) at p/p0 = x (FIELD-NOTES §4.5)."""
    return 0.1 * np.sqrt(13.99 / (0.034 - np.log10(x)))


def _t_carbon_black(x):
    """Carbon-black STSA thickness (nm) at p/p0 = x (FIELD-NOTES §4.5)."""
    return 0.1 * (2.98 + 6.45 * x + 0.88 * x**2)


def _t_plot_truth(n_of_x, t_of_x, t_range=(0.35, 0.50)) -> tuple[float, float]:
    """t-plot of the noise-free model: (intercept in cm3 liquid/g, slope in cm3(STP)/g/nm).

    Ordinary least squares of n(x) against t(x) on 2001 points evenly spaced in t over
    ``t_range`` (x found by bisection on the monotonic thickness curve), intercept × DCF.
    """
    from scipy.optimize import brentq

    ts = np.linspace(*t_range, 2001)
    xs = np.array([brentq(lambda x, t=t: t_of_x(x) - t, 1e-8, 0.999) for t in ts])
    slope, icpt = np.polyfit(ts, n_of_x(xs), 1)
    return float(icpt * DCF_N2), float(slope)


def _bet_truth(x, n, *, min_points=5, tolerance=0.2, p_max=0.35) -> dict:
    """BET of the noise-free isotherm at the measured pressures on the Rouquerol range.

    Every contiguous range of ``min_points`` or more adsorption points below ``p_max`` is
    fitted (OLS of the linear BET transform x/[n(1 − x)] = 1/(n_m C) + (C − 1)x/(n_m C));
    a range is valid when C > 0, n(1 − x) rises at every step, the pressure of n_m
    (linear interpolation of the isotherm) lies inside the range and differs from
    1/(√C + 1) by at most ``tolerance`` (relative). Among the valid ranges, the one with
    most points, then the smallest criterion-(d) error (ISO 9277:2022 with the Rouquerol
    criteria). Returns n_m, C, the range and the spread of n_m over all valid ranges.
    """
    x = np.asarray(x, float)
    n = np.asarray(n, float)
    keep = x <= p_max
    x, n = x[keep], n[keep]
    y = x / (n * (1 - x))
    best, all_nm = None, []
    for i in range(x.size):
        for j in range(i + min_points, x.size + 1):
            xs, ys = x[i:j], y[i:j]
            slope, icpt = np.polyfit(xs, ys, 1)
            if icpt <= 0 or slope <= 0:
                continue
            c = 1 + slope / icpt
            n_m = 1 / (slope + icpt)
            if np.any(np.diff(n[i:j] * (1 - xs)) <= 0):
                continue
            if not (n[i] <= n_m <= n[j - 1]):
                continue
            p_nm = float(np.interp(n_m, n[i:j], xs))
            err = abs(p_nm - 1 / (math.sqrt(c) + 1)) / p_nm
            if err > tolerance:
                continue
            all_nm.append(n_m)
            key = (j - i, -err)
            if best is None or key > best[0]:
                best = (key, n_m, c, (float(xs[0]), float(xs[-1])))
    if best is None:
        raise RuntimeError("no valid Rouquerol range on the noise-free N2 isotherm")
    _, n_m, c, rng_ = best
    return {"n_m": float(n_m), "c": float(c), "range": rng_,
            "n_m_spread": (float(min(all_nm)), float(max(all_nm))), "n_valid": len(all_nm)}


def gen_sorption(out: Path, rng) -> dict:
    """N2 (77 K) and CO2 (273 K) isotherms of HC-demo.

    N2: three terms, each a closed form —
    micropore filling (Langmuir, V_mic = 0.012 cm3 liquid/g, K = 5000: 98 % full at
    p/p0 = 0.01, so the micropores are full over the t-plot window), an N-layer BET film
    on the external surface (n_m 5.744 cm3(STP)/g, C 100, 8 layers) and Kelvin capillary
    condensation in lognormal mesopores. The t-plot and BET truths of the sum are not
    analytic: they are computed from the noise-free model (:func:`_t_plot_truth`,
    :func:`_bet_truth`). CO2: Dubinin–Radushkevich, W0 = 0.080 cm3/g — the ultramicropores
    only CO2 reaches (0.068) plus the N2-accessible micropores (0.012).
    """
    nm, c, nlay = 5.744, 100.0, 8  # cm3(STP)/g, BET C, layers of the external N-layer BET film
    v_mic, k_mic = 0.012, 5000.0  # cm3 liquid/g, Langmuir constant per unit p/p0
    v_meso, d_mode, s_ln = 0.020, 8.0, 0.25  # cm3 liquid/g, nm, lognormal sigma

    def n_bet(x):
        num = c * x * (1 - (nlay + 1) * x**nlay + nlay * x ** (nlay + 1))
        den = (1 - x) * (1 + (c - 1) * x - c * x ** (nlay + 1))
        return nm * num / den

    def n_mic(x):
        return v_mic / DCF_N2 * k_mic * x / (1 + k_mic * x)  # cm3(STP)/g

    def condensed(d_limit):
        from math import erf

        z = (np.log(d_limit) - math.log(d_mode)) / (s_ln * math.sqrt(2))
        cdf = 0.5 * (1 + np.vectorize(erf)(z))
        return v_meso * cdf / DCF_N2  # cm3(STP)/g

    def n_model(x):  # adsorption branch, noise-free
        x = np.asarray(x, float)
        return n_mic(x) + n_bet(x) + condensed(_kelvin_diameter(x, meniscus="cylindrical"))

    x_ads = np.concatenate([[1e-4, 3e-4, 1e-3, 2e-3, 4e-3, 7e-3],
                            [0.01, 0.015, 0.02, 0.03, 0.04], np.linspace(0.05, 0.30, 11),
                            np.linspace(0.35, 0.95, 13), [0.97, 0.98, 0.99, 0.995]])
    x_des = np.concatenate([[0.99, 0.98, 0.97], np.linspace(0.95, 0.50, 10),
                            [0.47, 0.45, 0.42], np.linspace(0.40, 0.10, 7)])
    n_ads = n_model(x_ads)
    d_des = _kelvin_diameter(x_des, meniscus="hemispherical")
    n_des = n_mic(x_des) + n_bet(x_des) + np.where(x_des > 0.45, condensed(d_des), 0.0)
    n_des = np.maximum(n_des, n_model(x_des))
    n_ads_m = n_ads * (1 + rng.normal(0, 0.002, n_ads.size))
    n_des_m = n_des * (1 + rng.normal(0, 0.002, n_des.size))
    mass = 0.1523
    (out / "sorption").mkdir(parents=True, exist_ok=True)
    head = (f"# charz example data: synthetic N2 isotherm of {SAMPLE} (tools/examples_hcdemo.py)\n"
            f"# sample: {SAMPLE}\n# adsorbate: N2\n# temperature_K: 77.35\n"
            f"# sample_mass_g: {mass}\n# amount_unit: cm3(STP)/g\n"
            "branch,relative_pressure,amount\n")
    rows = [f"adsorption,{a:.5f},{b:.5f}" for a, b in zip(x_ads, n_ads_m, strict=True)]
    rows += [f"desorption,{a:.5f},{b:.5f}" for a, b in zip(x_des, n_des_m, strict=True)]
    (out / "sorption" / f"{SAMPLE}_N2_77K.csv").write_text(head + "\n".join(rows) + "\n",
                                                            encoding="utf-8")
    # CO2 at 273.15 K, Dubinin–Radushkevich
    w0, e0, beta, rho_ads, p0 = 0.080, 25.0, 0.35, 1.023, 3.4851  # cm3/g, kJ/mol, -, g/cm3, MPa
    x_co2 = np.geomspace(3e-5, 0.029, 24)
    a = 8.314462618e-3 * 273.15 * np.log(1 / x_co2)  # kJ/mol
    w = w0 * np.exp(-((a / (beta * e0)) ** 2))
    n_co2 = w * rho_ads / 44.0095 * STP  # cm3(STP)/g
    n_co2 *= 1 + rng.normal(0, 0.003, n_co2.size)
    head = (f"# charz example data: synthetic CO2 isotherm of {SAMPLE} (tools/examples_hcdemo.py)\n"
            f"# sample: {SAMPLE}\n# adsorbate: CO2\n# temperature_K: 273.15\n"
            f"# sample_mass_g: {mass}\n# amount_unit: cm3(STP)/g\n# p0_MPa: {p0}\n"
            "branch,relative_pressure,amount\n")
    rows = [f"adsorption,{a_:.6e},{b:.5f}" for a_, b in zip(x_co2, n_co2, strict=True)]
    (out / "sorption" / f"{SAMPLE}_CO2_273K.csv").write_text(head + "\n".join(rows) + "\n",
                                                              encoding="utf-8")
    n099 = float(n_model(np.array([0.99]))[0])
    bet = _bet_truth(x_ads, n_ads)
    area = bet["n_m"] * N2_AREA_PER_CM3
    mic_cb, slope_cb = _t_plot_truth(n_model, _t_carbon_black)
    mic_hj, slope_hj = _t_plot_truth(n_model, _t_harkins_jura)
    return {
        "file": f"sorption/{SAMPLE}_N2_77K.csv",
        "co2_file": f"sorption/{SAMPLE}_CO2_273K.csv",
        "model": "n = Langmuir micropore filling + N-layer BET (external surface) + Kelvin "
                 "condensation in lognormal mesopores",
        "micropore_volume_model": v_mic, "micropore_langmuir_k": k_mic,
        "external_n_m_cm3stp_g": nm, "external_bet_c": c, "external_bet_layers": nlay,
        "external_area": nm * N2_AREA_PER_CM3,
        "bet_area": area, "bet_c": bet["c"], "bet_n_m_cm3stp_g": bet["n_m"],
        "bet_range": list(bet["range"]),
        "bet_area_spread": [v * N2_AREA_PER_CM3 for v in bet["n_m_spread"]],
        "bet_truth": "BET of the noise-free model at the measured pressures on the Rouquerol "
                     "range (most points; criteria a-d, tolerance 20 %, p/p0 <= 0.35)",
        "bet_constants": "sigma(N2) 0.162 nm2, 22414 cm3(STP)/mol, N_A 6.02214076e23",
        "micropore_volume": mic_cb, "micropore_volume_thickness": "carbon_black",
        "micropore_volume_harkins_jura": mic_hj, "t_plot_range_nm": [0.35, 0.50],
        "micropore_truth": "t-plot of the noise-free model: OLS of n against t over "
                           "0.35-0.50 nm (2001 points), intercept x DCF",
        "t_plot_slope_carbon_black": slope_cb, "t_plot_slope_harkins_jura": slope_hj,
        "meso_volume_cm3_g": v_meso, "meso_mode_diameter_nm": d_mode, "meso_lognormal_sigma": s_ln,
        "total_pore_volume": n099 * DCF_N2, "total_pore_volume_point": 0.99,
        "dcf": DCF_N2,
        "mean_pore_diameter": 4000 * n099 * DCF_N2 / area,
        "kelvin": "2 gamma Vm/RT = 0.953 nm; Harkins-Jura t; cylindrical meniscus (ads), "
                  "hemispherical (des), cavitation closes desorption at p/p0 = 0.45",
        "dr_w0_cm3_g": w0, "dr_e0_kj_mol": e0, "dr_beta": beta, "dr_rho_ads_g_cm3": rho_ads,
        "dr_micropore_volume": w0, "co2_p0_mpa": p0,
        "dr_composition": "ultramicropores reached only by CO2 (0.068 cm3/g) + the N2 "
                          "micropores (0.012 cm3/g)",
        "noise": "relative Gaussian 0.2 % (N2), 0.3 % (CO2)",
    }


# ------------------------------------------------------------------------------ cycler
ECHEM = {"active_mass_mg": 2.50, "specific_current_mA_g": 30.0, "slope_capacity": 150.0,
         "plateau_capacity": 180.0, "reversible_capacity": 290.0, "split_voltage": 0.1,
         "cycle2_sodiation": 296.0, "cycle2_desodiation": 289.0}


def v_sodiation(qs, q_slope, q_plat):
    """Na||HC sodiation voltage (V) vs specific capacity (mAh/g): slope above 0.1 V, plateau."""
    qs = np.asarray(qs, float)
    u_s = np.clip((q_slope - qs) / q_slope, 0, 1)
    v_slope = 0.1 + 2.3 * u_s**2.2
    u_p = np.clip((qs - q_slope) / q_plat, 0, 1)
    v_plat = 0.1 - 0.07 * u_p - 0.02 * u_p**8
    return np.where(qs <= q_slope, v_slope, v_plat)


def v_desodiation(qs, q_plat_rev, q_total):
    qs = np.asarray(qs, float)
    u_p = np.clip(qs / q_plat_rev, 0, 1)
    v_plat = 0.04 + 0.09 * u_p + 0.01 * u_p**6
    u_s = np.clip((qs - q_plat_rev) / (q_total - q_plat_rev), 0, 1)
    v_slope = 0.14 + 1.86 * u_s**1.6
    return np.where(qs <= q_plat_rev, v_plat, v_slope)


def gen_cycler(out: Path, rng) -> tuple[dict, dict]:
    """Two galvanostatic cycles; returns the truth and the time→state functions for in situ."""
    e = ECHEM
    m_g = e["active_mass_mg"] / 1000
    i_ma = e["specific_current_mA_g"] * m_g  # 0.075 mA
    dt = 60.0
    rows = []
    t = 0.0
    segments = []  # (t_start, t_end, kind, cycle, q_max)
    # rest 30 min at OCV
    step = 1
    for k in range(30):
        rows.append((t, 2.85 - 0.002 * k, 0.0, 0.0, 1, step))
        t += dt
    plan = [(1, "dis", e["slope_capacity"] + e["plateau_capacity"]),
            (1, "chg", e["reversible_capacity"]),
            (2, "dis", e["cycle2_sodiation"]), (2, "chg", e["cycle2_desodiation"])]
    for cycle, kind, qmax in plan:
        step += 1
        dur = qmax / e["specific_current_mA_g"] * 3600
        ts = np.arange(0.0, dur, dt)
        ts = np.append(ts, dur)
        q = ts / 3600 * e["specific_current_mA_g"]
        if kind == "dis":
            if cycle == 1:
                v = v_sodiation(q, e["slope_capacity"], e["plateau_capacity"])
            else:
                v = v_sodiation(q, 140.0, qmax - 140.0)
            cur = -i_ma
        else:
            v = v_desodiation(q, 160.0 if cycle == 1 else 158.0, qmax)
            cur = i_ma
        v = v + rng.normal(0, 0.0008, v.size)
        segments.append((t, t + dur, kind, cycle, qmax))
        for tt_, qq, vv in zip(ts, q, v, strict=True):
            rows.append((t + tt_, vv, cur, qq * m_g, cycle, step))
        t += dur + dt
        step += 1
        v_end = rows[-1][1]
        for k in range(10):  # 10 min rest: relaxation of the overpotential
            rows.append((t, v_end + (0.02 if kind == "dis" else -0.02) * (1 - np.exp(-k / 2)),
                         0.0, 0.0, cycle, step))
            t += dt
    (out / "echem").mkdir(parents=True, exist_ok=True)
    lines = [
        f"# charz example data: synthetic Na||{SAMPLE} half cell (tools/examples_hcdemo.py)",
        f"# sample: {SAMPLE}",
        f"# active_mass_mg: {e['active_mass_mg']:.2f}",
        f"# specific_current_mA_g: {e['specific_current_mA_g']}",
        "# current < 0: sodiation (discharge); capacity_mAh resets at every step",
        "time_s,datetime,voltage_V,current_mA,capacity_mAh,cycle,step",
    ]
    for tt_, v, cur, cap, cyc, st in rows:
        stamp = _iso_local(T0 + np.timedelta64(round(tt_ * 1000), "ms"))
        lines.append(f"{tt_:.1f},{stamp},{v:.5f},{cur:.5f},{cap:.6f},{cyc},{st}")
    (out / "echem" / f"{SAMPLE}_cycler.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    truth = {
        "file": f"echem/{SAMPLE}_cycler.csv", **e,
        "initial_coulombic_efficiency": e["reversible_capacity"]
        / (e["slope_capacity"] + e["plateau_capacity"]),
        "start_time": _iso_local(T0),
        "segments_s": [[a, b, k, c, qm] for a, b, k, c, qm in segments],
    }
    return truth, {"segments": segments}


def _state_at(t, segments):
    """(kind, specific capacity in the current half-cycle) at cycler time t (s).

    During a rest the cell keeps the state reached at the end of the previous half-cycle.
    """
    state = (None, 0.0)
    for a, b, kind, cycle, qmax in segments:
        if cycle != 1 or t < a:
            continue
        if t <= b:
            return kind, (t - a) / 3600 * ECHEM["specific_current_mA_g"]
        state = (kind, qmax)
    return state


def _d002_operando(kind, q):
    """Truth of the in-situ example: d002 expands linearly over the slope capacity, then stays."""
    qs = ECHEM["slope_capacity"]
    if kind == "dis":
        return 0.378 + 0.008 * min(q, qs) / qs
    if kind == "chg":
        q_plat_rev = 160.0
        back = max(q - q_plat_rev, 0) / (ECHEM["reversible_capacity"] - q_plat_rev)
        return 0.386 - 0.008 * min(back, 1.0)
    return 0.378


def _g_operando(kind, q):
    qs = ECHEM["slope_capacity"]
    apex0 = RAMAN_TRUTH["g_center_w0"] + RAMAN_TRUTH["g_fwhm"] / (2 * RAMAN_TRUTH["g_q"])
    if kind == "dis":
        return apex0 - 11.0 * min(q, qs) / qs
    if kind == "chg":
        back = max(q - 160.0, 0) / (ECHEM["reversible_capacity"] - 160.0)
        return apex0 - 11.0 + 11.0 * min(back, 1.0)
    return apex0


def gen_insitu(out: Path, rng, segments) -> dict:
    # ---- XRD frames: 40 min exposures every 45 min over cycle 1
    t_first, t_last = segments[0][0], segments[1][1]
    starts = np.arange(t_first - 1800.0, t_last, 2700.0)
    exposure = 2400.0
    tt = np.round(np.arange(12.0, 50.0 + 1e-9, 0.04), 3)
    d_folder = out / "insitu_xrd"
    d_folder.mkdir(parents=True, exist_ok=True)
    for old in d_folder.glob("*.xye"):
        old.unlink()
    frames = []
    for i, s in enumerate(starts):
        mid = s + exposure / 2
        kind, q = _state_at(mid, segments)
        d = _d002_operando(kind, q)
        y, fit = xrd_pattern(tt, d002=d, lc=1.30, la=3.60, h002=420.0, h10=110.0,
                             tail=(380.0, 2.6), bg=(40.0, 0.4))
        cell = _gau(tt, 160.0, 17.5, 6.0) + _pv(tt, 900.0, 45.80, 0.12, 0.5)  # Kapton + Be(100)
        counts = rng.poisson(y + cell).astype(float)
        _write_xye(
            d_folder / f"{SAMPLE}_operando_{i:03d}.xye",
            [f"charz example data: synthetic operando XRD frame {i} of {SAMPLE}",
             f"sample: {SAMPLE}", "anode: Cu", f"wavelength_ka1_nm: {CU_KA1}",
             f"wavelength_ka2_nm: {CU_KA2}", f"ka2_ka1_ratio: {KA2_RATIO}",
             f"start_time: {_iso_local(T0 + np.timedelta64(int(s), 's'))}",
             f"exposure_s: {exposure:.0f}",
             "cell: Kapton window hump at 17.5 deg (FWHM 6) + Be (100) at 45.80 deg"],
            tt, counts, np.sqrt(np.maximum(counts, 1.0)),
        )
        frames.append({"frame": i, "mid_time_s": mid, "state": kind, "capacity": q,
                       "d002": d, "two_theta_002": fit["two_theta_002"]})
    # ---- Raman time series: 60 s spectra every 30 min, LabSpec matrix export
    x = np.linspace(1000.0, 1800.0, 701)
    r_starts = np.arange(t_first - 1200.0, t_last, 1800.0)
    rows = []
    r_truth = []
    for s in r_starts:
        mid = s + 30.0
        kind, q = _state_at(mid, segments)
        apex = _g_operando(kind, q)
        frac = 0.0 if kind is None else min(q, ECHEM["slope_capacity"]) / ECHEM["slope_capacity"]
        if kind == "chg":
            frac = 1 - min(max(q - 160.0, 0) / 130.0, 1.0)
        d_h = 1100.0 * (1 - 0.3 * frac)
        w0 = apex - RAMAN_TRUTH["g_fwhm"] / (2 * RAMAN_TRUTH["g_q"])
        sig = raman_spectrum(x, d_height=d_h, g_w0=w0, second_order=False) * 0.5
        base = 400.0 + 0.05 * (x - 1000.0)
        rows.append(rng.normal(sig + base, np.sqrt(sig + base)))
        r_truth.append({"mid_time_s": mid, "g_position": apex, "id_ig": d_h / 1000.0})
    r_folder = out / "insitu_raman"
    r_folder.mkdir(parents=True, exist_ok=True)
    t_rel = r_starts - r_starts[0]
    acquired = T0 + np.timedelta64(int(r_starts[0]), "s") + np.timedelta64(1, "h")  # local
    acq_str = str(acquired.astype("datetime64[s]"))  # YYYY-MM-DDTHH:MM:SS
    date, clock = acq_str.split("T")
    yyyy, mm, dd = date.split("-")
    header = _labspec_header([
        ("Acq. time (s)", "30"), ("Accumulations", "2"), ("Laser (nm)", "532.00"),
        ("Acquired", f"{dd}.{mm}.{yyyy} {clock}"), ("Sample", f"{SAMPLE} operando cell"),
        ("Title", "time series"),
    ])
    first = "\t" + "\t".join(f"{v:.4f}" for v in x[::-1]) + "\n"
    body = "".join(f"{tr:.1f}\t" + "\t".join(f"{v:.1f}" for v in row[::-1]) + "\n"
                   for tr, row in zip(t_rel, rows, strict=True))
    (r_folder / f"{SAMPLE}_operando.txt").write_bytes((header + first + body).encode("cp1252"))
    return {
        "xrd_folder": "insitu_xrd", "xrd_frames": frames, "xrd_exposure_s": exposure,
        "xrd_cell": "Kapton hump 17.5 deg FWHM 6 (160 counts) + Be (100) 45.80 deg",
        "xrd_rule": "d002 expands linearly 0.378 -> 0.386 nm over the slope capacity, constant on"
                    " the plateau, contracts over the slope on charge",
        "raman_file": f"insitu_raman/{SAMPLE}_operando.txt", "raman_spectra": r_truth,
        "raman_acquisition_s": 60.0, "raman_time_zone": TZ,
        "raman_rule": "G apex red-shifts 11 1/cm over the slope capacity; D height -30 %",
        "cycler_file": f"echem/{SAMPLE}_cycler.csv",
    }


def generate(data_dir: Path) -> dict:
    """Write every HC-demo file under ``data_dir``; return the truth."""
    out = Path(data_dir)
    truth = {"sample": SAMPLE}
    truth["xrd"] = gen_xrd(out, np.random.default_rng(2002))
    truth["raman"] = gen_raman(out, np.random.default_rng(1350))
    truth["saxs"] = gen_saxs(out, np.random.default_rng(404))
    truth["sorption"] = gen_sorption(out, np.random.default_rng(77))
    echem, state = gen_cycler(out, np.random.default_rng(23))
    truth["echem"] = echem
    truth["insitu"] = gen_insitu(out, np.random.default_rng(5), state["segments"])
    return truth
