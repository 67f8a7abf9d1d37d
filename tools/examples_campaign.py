"""A three-sample campaign: hard carbons pyrolysed at 1100, 1300 and 1500 °C, from raw files.

``generate(data_dir) -> dict`` is run by ``tools/make_examples.py`` (its dict goes into
``truth.json`` under ``"campaign"`` and is also written to
``charz/examples/data/campaign/truth.json``). Deterministic (fixed seeds).

Each sample has ONE set of physical parameters (:data:`SAMPLES`); every raw file is made
from it by the forward models already used for the HC-demo example
(``tools/examples_hcdemo.py``: Raman two-band spectrum, Porod + DAB SAXS curve, BET +
Kelvin N2 isotherm pieces, Dubinin–Radushkevich CO2 isotherm), ``xrd.synthetic``
(pseudo-Voigt (002)/(10) pattern with Kα2, tail and background) and ``echem.synthetic``
(two-cycle Na||HC cell and an over-sodiation curve). The parameters follow the trends hard-
carbon papers report with rising pyrolysis temperature (FIELD-NOTES §1.7, §4.10, §6; Sun
et al., Prog. Mater. Sci. 149 (2025) 101401; Bommier et al., Carbon 76 (2014) 165;
Li et al. 2026): d002 falls, Lc and La grow, the Raman bands narrow, closed-pore volume
grows (He density falls), the open (N2/CO2) porosity closes, the plateau capacity and the
ICE rise, and the plating onset at 1 C lies in 240–280 mA*h/g.

Formats vary as in a real lab (FIELD-NOTES §5): PANalytical ``.xrdml`` and a bare ``.xy``
(no wavelength: the manifest gives it), HORIBA LabSpec text and Renishaw WiRE text (no
laser: the manifest gives it), Anton Paar ``.pdh`` and q/I/σ text, AccuPyc-like CSV and
text pycnometer reports, BELSORP ``.DAT``, Quantachrome "Raw Analysis Data" ``.txt``, AIF
and CSV isotherms, BioLogic ``.mpt``, Maccor text (no mass: the manifest gives it) and
charz's generic cycler CSV. ``manifest.csv`` lists every file for ``charz report``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, Path(__file__).resolve().parent):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import examples_hcdemo as hc  # noqa: E402  (forward models of the HC-demo example)

SUBDIR = "campaign"
SKELETON_DENSITY = 2.26  # g/cm^3 (graphite), the charz default
SPLIT_VOLTAGE = 0.1  # V vs Na+/Na
CU_KA1, CU_KA2 = 0.1540593, 0.1544414  # nm

#: One set of physical parameters per sample (units: nm, cm^3/g, m^2/g, mA*h/g, 1/cm).
SAMPLES: dict[str, dict] = {
    "HC-1100": {
        "pyrolysis_temperature_C": 1100,
        # XRD
        "d002": 0.386, "lc": 1.05, "la": 3.0, "d10": 0.2102,
        # Raman (532 nm): D Lorentzian, G BWF
        "id_ig": 0.95, "d_position": 1348.0, "d_fwhm": 215.0, "g_w0": 1603.0,
        "g_fwhm": 96.0, "g_q": -11.0,
        # closed porosity: He pycnometry and SAXS (Porod + DAB)
        "closed_pore_volume": 0.10, "dab_length_nm": 0.38, "dab_scale": 5.0,
        "porod_exponent": 3.9, "porod_scale": 2.5e-3,
        # open porosity: N2 77 K (N-layer BET + lognormal mesopores), CO2 273 K (DR)
        "bet_area": 28.0, "bet_c": 120.0, "meso_volume": 0.030, "meso_mode_nm": 5.5,
        "dr_w0": 0.090, "dr_e0": 26.0,
        # Na half cell: C/10 (30 mA/g) cycling, then 1 C (300 mA/g) over-sodiation
        "slope_capacity": 165.0, "plateau_capacity": 120.0, "irreversible": 70.0,
        "slope_1c": 150.0, "plateau_1c": 93.0,
    },
    "HC-1300": {
        "pyrolysis_temperature_C": 1300,
        "d002": 0.378, "lc": 1.25, "la": 3.6, "d10": 0.2098,
        "id_ig": 1.08, "d_position": 1345.0, "d_fwhm": 182.0, "g_w0": 1600.0,
        "g_fwhm": 83.0, "g_q": -12.0,
        "closed_pore_volume": 0.16, "dab_length_nm": 0.46, "dab_scale": 8.0,
        "porod_exponent": 3.8, "porod_scale": 2.0e-3,
        "bet_area": 12.0, "bet_c": 80.0, "meso_volume": 0.018, "meso_mode_nm": 7.5,
        "dr_w0": 0.050, "dr_e0": 25.0,
        "slope_capacity": 140.0, "plateau_capacity": 175.0, "irreversible": 52.0,
        "slope_1c": 128.0, "plateau_1c": 132.0,
    },
    "HC-1500": {
        "pyrolysis_temperature_C": 1500,
        "d002": 0.371, "lc": 1.50, "la": 4.3, "d10": 0.2094,
        "id_ig": 1.22, "d_position": 1342.0, "d_fwhm": 152.0, "g_w0": 1597.0,
        "g_fwhm": 70.0, "g_q": -13.0,
        "closed_pore_volume": 0.22, "dab_length_nm": 0.56, "dab_scale": 11.0,
        "porod_exponent": 3.7, "porod_scale": 1.6e-3,
        "bet_area": 5.0, "bet_c": 50.0, "meso_volume": 0.010, "meso_mode_nm": 10.0,
        "dr_w0": 0.025, "dr_e0": 24.0,
        "slope_capacity": 115.0, "plateau_capacity": 225.0, "irreversible": 42.0,
        "slope_1c": 105.0, "plateau_1c": 163.0,
    },
}

#: File format per sample and technique (what a lab with several instruments ends up with).
FORMATS: dict[str, dict[str, str]] = {
    "HC-1100": {"xrd": "xrdml", "raman": "labspec", "saxs": "pdh", "pycnometry": "csv",
                "n2": "bel", "co2": "csv", "echem": "mpt"},
    "HC-1300": {"xrd": "xy", "raman": "wire", "saxs": "qis", "pycnometry": "txt",
                "n2": "csv", "co2": "aif", "echem": "maccor"},
    "HC-1500": {"xrd": "xrdml", "raman": "labspec", "saxs": "pdh", "pycnometry": "csv",
                "n2": "quantachrome", "co2": "bel", "echem": "csv"},
}

#: Trends the generator follows (sign of d(quantity)/d(pyrolysis temperature)).
TRENDS = {
    "d002": -1, "lc": +1, "la": +1, "n_layers": +1, "id_ig": +1, "d_fwhm": -1, "g_fwhm": -1,
    "true_density": -1, "closed_pore_volume": +1, "saxs_pore_diameter": +1,
    "bet_area": -1, "total_pore_volume": -1, "mean_pore_diameter": +1,
    "dr_micropore_volume": -1, "slope_capacity": -1, "plateau_capacity": +1,
    "reversible_capacity": +1, "initial_coulombic_efficiency": +1,
    "plating_onset_capacity": +1,
}


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\r\n", "\n").encode(encoding))


# ------------------------------------------------------------------------------ XRD
def _xrd(name: str, s: dict, fmt: str, out: Path, seed: int) -> tuple[dict, str]:
    from xrd.synthetic import simulate_pattern

    tt = np.round(np.arange(10.0, 80.0 + 1e-9, 0.02), 3)
    ka2 = 0.5 if fmt == "xrdml" else 0.0  # the .xy comes from a Kα1-monochromated instrument
    da = simulate_pattern(d002=s["d002"], lc=s["lc"], la=s["la"], d10=s["d10"], two_theta=tt,
                          wavelength=CU_KA1, wavelength_ka2=CU_KA2, ka2_ratio=ka2,
                          height_002=1400.0, height_10=380.0, fraction=0.4,
                          tail_amplitude=1200.0, tail_exponent=2.8, background=(250.0, -1.5),
                          noise=True, seed=seed)
    counts = np.asarray(da.values, float)
    truth = {"d002": s["d002"], "lc": s["lc"], "la": s["la"],
             "n_layers": s["lc"] / s["d002"] + 1,
             "two_theta_002": float(da.attrs["truth_two_theta_002"]),
             "fwhm_002": float(da.attrs["truth_fwhm_002"]),
             "two_theta_100": float(da.attrs["truth_two_theta_10"]),
             "fwhm_100": float(da.attrs["truth_fwhm_10"]), "ka2_ratio": ka2,
             "model": "xrd.synthetic.simulate_pattern: pseudo-Voigt (eta 0.4) (002)/(10), "
                      "Scherrer K 0.89/1.84 on FWHM, power-law tail, linear background, "
                      "Poisson counts"}
    if fmt == "xrdml":
        fname = f"{name}.xrdml"
        start = f"2026-02-{9 + seed % 7:02d}T10:15:00+01:00"
        body = " ".join(f"{c:.0f}" for c in counts)
        text = f"""<?xml version="1.0" encoding="UTF-8"?>
<xrdMeasurements xmlns="http://www.xrdml.com/XRDMeasurement/1.5" status="Completed">
	<comment>
		<entry>charz example data: synthetic hard carbon {name} (tools/examples_campaign.py)</entry>
	</comment>
	<sample type="To be analyzed">
		<id>{name}</id>
		<name>{name}</name>
	</sample>
	<xrdMeasurement measurementType="Scan" status="Completed" sampleMode="Reflection">
		<usedWavelength intended="K-Alpha 1">
			<kAlpha1 unit="Angstrom">{CU_KA1 * 10:.7f}</kAlpha1>
			<kAlpha2 unit="Angstrom">{CU_KA2 * 10:.7f}</kAlpha2>
			<kBeta unit="Angstrom">1.3922500</kBeta>
			<ratioKAlpha2KAlpha1>{ka2:.4f}</ratioKAlpha2KAlpha1>
		</usedWavelength>
		<incidentBeamPath>
			<radius unit="mm">240.00</radius>
			<xRayTube name="Cu LFF">
				<tension unit="kV">45.0</tension>
				<current unit="mA">40.0</current>
				<anodeMaterial>Cu</anodeMaterial>
			</xRayTube>
		</incidentBeamPath>
		<scan appendNumber="0" mode="Continuous" scanAxis="Gonio" status="Completed">
			<header>
				<startTimeStamp>{start}</startTimeStamp>
				<endTimeStamp>{start.replace("T10:15", "T11:05")}</endTimeStamp>
				<author>charz</author>
				<source>
					<applicationSoftware version="synthetic">charz</applicationSoftware>
				</source>
			</header>
			<dataPoints>
				<positions axis="2Theta" unit="deg">
					<startPosition>{tt[0]:.4f}</startPosition>
					<endPosition>{tt[-1]:.4f}</endPosition>
				</positions>
				<positions axis="Omega" unit="deg">
					<startPosition>{tt[0] / 2:.4f}</startPosition>
					<endPosition>{tt[-1] / 2:.4f}</endPosition>
				</positions>
				<commonCountingTime unit="seconds">0.80</commonCountingTime>
				<intensities unit="counts">{body}</intensities>
			</dataPoints>
		</scan>
	</xrdMeasurement>
</xrdMeasurements>
"""
        _write(out / "xrd" / fname, text)
        return truth, fname
    fname = f"{name}.xy"
    lines = [f"{a:.3f} {c:.0f}" for a, c in zip(tt, counts, strict=True)]
    _write(out / "xrd" / fname, "\n".join(lines) + "\n")
    return truth, fname


# ------------------------------------------------------------------------------ Raman
def _raman(name: str, s: dict, fmt: str, out: Path, seed: int) -> tuple[dict, str]:
    rng = np.random.default_rng(seed)
    x = np.linspace(800.0, 2000.0, 1001)
    g_apex_height = 1000.0
    sig = hc.raman_spectrum(x, d_height=s["id_ig"] * g_apex_height, d_pos=s["d_position"],
                            d_fwhm=s["d_fwhm"], g_apex_height=g_apex_height, g_w0=s["g_w0"],
                            g_fwhm=s["g_fwhm"], g_q=s["g_q"], second_order=False)
    baseline = 250.0 + 0.10 * (x - 800.0) + 5e-5 * (x - 1400.0) ** 2
    y = rng.normal(sig + baseline, np.sqrt(sig + baseline) * 0.5)
    apex = s["g_w0"] + s["g_fwhm"] / (2 * s["g_q"])
    truth = {"id_ig": s["id_ig"], "d_position": s["d_position"], "d_fwhm": s["d_fwhm"],
             "g_position": apex, "g_fwhm": s["g_fwhm"], "g_w0": s["g_w0"], "g_q": s["g_q"],
             "laser_nm": 532.0,
             "model": "two-band: Lorentzian D + BWF G (G position = BWF apex); quadratic "
                      "baseline; Gaussian noise 0.5 sqrt(I)"}
    if fmt == "labspec":
        fname = f"{name}.txt"
        header = hc._labspec_header([
            ("Acq. time (s)", "20"), ("Accumulations", "2"), ("Range (cm-¹)", "800 - 2000"),
            ("Grating", "600 (500nm)"), ("ND Filter", "10%"), ("Laser (nm)", "532.00"),
            ("Objective", "x50_LWD"), ("Acquired", f"1{seed % 9}.02.2026 14:05:11"),
            ("Sample", name), ("AxisType[0]", "Intens"), ("AxisUnit[0]", "Cnt"),
            ("AxisType[1]", "Spectr"), ("AxisUnit[1]", "1/cm"),
        ])
        body = "".join(f"{a:.4f}\t{b:.2f}\n" for a, b in zip(x[::-1], y[::-1], strict=True))
        _write(out / "raman" / fname, header + body, encoding="cp1252")
    else:  # Renishaw WiRE "Save as txt": no header but the column names, no laser
        fname = f"{name}_wire.txt"
        body = "".join(f"{a:.6f}\t{b:.6f}\n" for a, b in zip(x[::-1], y[::-1], strict=True))
        _write(out / "raman" / fname, "#Wave\t\t#Intensity\n" + body)
    return truth, fname


# ------------------------------------------------------------------------------ SAXS + He
def _saxs(name: str, s: dict, fmt: str, out: Path, seed: int) -> tuple[dict, str]:
    rng = np.random.default_rng(seed)
    q = np.geomspace(0.08, 8.0, 260)  # 1/nm
    par = {"porod_scale": s["porod_scale"], "porod_exponent": s["porod_exponent"],
           "dab_scale": s["dab_scale"], "dab_length_nm": s["dab_length_nm"],
           "background": 0.05}
    i = hc.saxs_curve(q, **par)
    sigma = 0.03 * i + 0.002
    meas = rng.normal(i, sigma)
    a = s["dab_length_nm"]
    truth = {**par, "saxs_pore_diameter": 2 * math.sqrt(10) * a,
             "saxs_correlation_length": a, "saxs_rg": math.sqrt(6) * a,
             "model": "Porod + DAB: A q^-P + B/(1+a^2 q^2)^2 + bkg (q 1/nm, I 1/cm); "
                      "D = 2 sqrt(10) a, Rg = sqrt(6) a (DAB small-q expansion)"}
    if fmt == "pdh":
        fname = f"{name}.pdh"
        head = [f"{name} SAXSess, line collimation desmeared (synthetic, charz)",
                "SAXS BOX",
                f"{q.size:>10d}" + "         0" * 7,
                "  0.000000E+00   1.000000E+00   0.000000E+00   1.000000E+00   1.541800E-01",
                "  2.500000E+01   1.000000E+00   0.000000E+00   0.000000E+00   0.000000E+00"]
        body = [f"{a_:>14.6E} {b:>14.6E} {c:>14.6E}" for a_, b, c in zip(q, meas, sigma,
                                                                        strict=True)]
        _write(out / "saxs" / fname, "\n".join(head + body) + "\n")
    else:
        fname = f"{name}_saxs.dat"
        head = (f"# {name}: synthetic SAXS curve (tools/examples_campaign.py)\n"
                "# absolute scale, thickness 0.1 cm, wavelength 0.15418 nm\n"
                "# q [1/nm]  I [1/cm]  sigma [1/cm]\n")
        body = "".join(f"{a_:.6e} {b:.6e} {c:.6e}\n" for a_, b, c in zip(q, meas, sigma,
                                                                        strict=True))
        _write(out / "saxs" / fname, head + body)
    return truth, fname


def _pycnometer(name: str, s: dict, fmt: str, out: Path, seed: int) -> tuple[dict, str]:
    rng = np.random.default_rng(seed)
    rho = 1.0 / (s["closed_pore_volume"] + 1.0 / SKELETON_DENSITY)
    rho = round(rho, 4)
    mass = round(0.40 + 0.07 * (seed // 100), 4)  # the pycnometer cup holds 0.4-0.7 g
    dens = rho + rng.normal(0, 0.0008, 10)
    dens += rho - dens.mean()
    vols = mass / dens
    truth = {"true_density": rho, "skeleton_density": SKELETON_DENSITY,
             "closed_pore_volume": 1 / rho - 1 / SKELETON_DENSITY, "mass_g": mass}
    if fmt == "csv":
        fname = f"{name}_pycnometer.csv"
        lines = [
            "Instrument,AccuPyc II 1340 (synthetic example)", f"Sample,{name}",
            "Analysis gas,Helium", f"Sample mass (g),{mass:.4f}", "Temperature (C),25.01",
            "Number of purges,10", "Cycle,Volume (cm3),Density (g/cm3)",
            *[f"{k + 1},{v:.5f},{d:.4f}" for k, (v, d) in enumerate(zip(vols, dens,
                                                                          strict=True))],
            f"Average volume (cm3),{vols.mean():.5f}",
            f"Average density (g/cm3),{dens.mean():.4f}",
            f"Standard deviation (g/cm3),{dens.std(ddof=1):.4f}",
        ]
    else:
        fname = f"{name}_pycnometer.txt"
        lines = [
            "AccuPyc II 1340 V3.00  -  summary report (synthetic example)",
            f"Sample: {name}", "Analysis gas: Helium", f"Sample mass: {mass:.4f}",
            "Temperature: 24.98", "",
            "Cycle\tVolume (cm3)\tDensity (g/cm3)",
            *[f"{k + 1}\t{v:.5f}\t{d:.4f}" for k, (v, d) in enumerate(zip(vols, dens,
                                                                            strict=True))],
            "",
            f"Average density (g/cm3): {dens.mean():.4f}",
            f"Standard deviation (g/cm3): {dens.std(ddof=1):.4f}",
        ]
    _write(out / "pycnometry" / fname, "\n".join(lines) + "\n")
    return truth, fname


# ------------------------------------------------------------------------------ sorption
def _n2_isotherm(s: dict):
    """Adsorption and desorption branches (p/p0, cm3(STP)/g) and the truth of one sample."""
    nm = s["bet_area"] / hc.N2_AREA_PER_CM3
    c, nlay, s_ln = s["bet_c"], 8, 0.25
    v_meso, d_mode = s["meso_volume"], s["meso_mode_nm"]

    def n_bet(x):
        num = c * x * (1 - (nlay + 1) * x**nlay + nlay * x ** (nlay + 1))
        den = (1 - x) * (1 + (c - 1) * x - c * x ** (nlay + 1))
        return nm * num / den

    def condensed(d_limit):
        from scipy.special import erf

        z = (np.log(d_limit) - math.log(d_mode)) / (s_ln * math.sqrt(2))
        return v_meso * 0.5 * (1 + erf(z)) / hc.DCF_N2

    x_ads = np.concatenate([[0.01, 0.02, 0.03, 0.04], np.linspace(0.05, 0.30, 11),
                            np.linspace(0.35, 0.95, 13), [0.97, 0.98, 0.99, 0.995]])
    x_des = np.concatenate([[0.99, 0.98, 0.97], np.linspace(0.95, 0.50, 10),
                            [0.47, 0.45, 0.42], np.linspace(0.40, 0.10, 7)])
    n_ads = n_bet(x_ads) + condensed(hc._kelvin_diameter(x_ads, meniscus="cylindrical"))
    d_des = hc._kelvin_diameter(x_des, meniscus="hemispherical")
    n_des = n_bet(x_des) + np.where(x_des > 0.45, condensed(d_des), 0.0)
    n_des = np.maximum(n_des, n_bet(x_des) + condensed(
        hc._kelvin_diameter(x_des, meniscus="cylindrical")))
    x99 = np.array([0.99])
    n099 = float(n_bet(x99)[0] + condensed(hc._kelvin_diameter(x99,
                                                               meniscus="cylindrical"))[0])
    area = nm * hc.N2_AREA_PER_CM3
    v_tot = n099 * hc.DCF_N2
    truth = {"bet_area": area, "bet_c": c, "bet_n_m_cm3stp_g": nm, "bet_layers": nlay,
             "meso_volume_cm3_g": v_meso, "meso_mode_diameter_nm": d_mode,
             "meso_lognormal_sigma": s_ln, "total_pore_volume": v_tot,
             "total_pore_volume_point": 0.99, "mean_pore_diameter": 4000 * v_tot / area,
             "bjh_pore_diameter": d_mode,
             "model": "N-layer BET (8 layers) + lognormal mesopores filled by Kelvin "
                      "condensation (tools/examples_hcdemo.py pieces); noise 0.2 %"}
    return x_ads, n_ads, x_des, n_des, truth


def _co2_isotherm(s: dict):
    w0, e0, beta, rho_ads = s["dr_w0"], s["dr_e0"], 0.35, 1.023
    x = np.geomspace(3e-5, 0.029, 24)
    a = 8.314462618e-3 * 273.15 * np.log(1 / x)
    w = w0 * np.exp(-((a / (beta * e0)) ** 2))
    n = w * rho_ads / 44.0095 * hc.STP  # cm3(STP)/g
    truth = {"dr_micropore_volume": w0, "dr_e0_kj_mol": e0, "dr_beta": beta,
             "dr_rho_ads_g_cm3": rho_ads, "co2_p0_kPa": 3485.1,
             "model": "Dubinin–Radushkevich W = W0 exp(-(A/(beta E0))^2); noise 0.3 %"}
    return x, n, truth


def _write_bel(path: Path, name: str, gas: str, temp_k: float, mass: float, p0_kpa: float,
               x_ads, n_ads, x_des=None, n_des=None) -> None:
    def block(title, x, n):
        rows = [f"{k + 1}\t{xi * p0_kpa:.5G}\t{p0_kpa:.5G}\t{24.9 + 0.1 * xi:.3f}\t{ni:.5G}"
                for k, (xi, ni) in enumerate(zip(x, n, strict=True))]
        return ["=" * 20, f" {title}", "=" * 20,
                '"No."\t"Pe/kPa"\t"P0/kPa"\t"Vd/ml"\t"V/ml(STP) g-1"', *rows, "0\t0\t0\t0\t0"]

    lines = ["=" * 20, " System property Ver1.2.6", "=" * 20, '"Instrument S/N:"\t00421',
             '"Vs/ml:"\t27.698', "=" * 23, " Measurement condition", "=" * 23,
             f'"Adsorptive:"\t{gas}', f'"Meas. Temp./K:"\t{temp_k:.2f}',
             '"Molecular cross-sectional area:"\t0', '"Molecular weight of adsorbate:"\t0.00',
             '"Equilibrium time/sec:"\t300', '"Measurement mode:"\t2', "=" * 20,
             " Sample information", "=" * 20, f'"Sample weight/g:"\t{mass:.5f}',
             f'"Comment1:"\t"{name}"', '"Comment2:"\t"charz synthetic example"',
             '"Comment3:"\t"outgassed 12 h 200 C"', "=" * 20, " Time and dead volume",
             "=" * 20, '"Date of measurement:"\t26/02/16', '"Time of measurement:"\t09:12:44',
             *block("Adsorption data", x_ads, n_ads)]
    if x_des is not None:
        lines += block("Desorption data", x_des, n_des)
    _write(path, "\r\n".join(lines) + "\r\n", encoding="cp1252")


def _write_sorption_csv(path: Path, name: str, gas: str, temp_k: float, mass: float,
                        x_ads, n_ads, x_des=None, n_des=None, p0_mpa: float | None = None):
    head = [f"# charz example data: synthetic {gas} isotherm of {name} "
            "(tools/examples_campaign.py)", f"# sample: {name}", f"# adsorbate: {gas}",
            f"# temperature_K: {temp_k}", f"# sample_mass_g: {mass}",
            "# amount_unit: cm3(STP)/g"]
    if p0_mpa is not None:
        head.append(f"# p0_MPa: {p0_mpa}")
    rows = ["branch,relative_pressure,amount"]
    rows += [f"adsorption,{a:.6g},{b:.6g}" for a, b in zip(x_ads, n_ads, strict=True)]
    if x_des is not None:
        rows += [f"desorption,{a:.6g},{b:.6g}" for a, b in zip(x_des, n_des, strict=True)]
    _write(path, "\n".join(head + rows) + "\n")


def _write_quantachrome(path: Path, name: str, mass: float, x_ads, n_ads, x_des, n_des):
    p0 = 758.31  # Torr
    rows = []
    for x, n in [*zip(x_ads, n_ads, strict=True), *zip(x_des, n_des, strict=True)]:
        rows.append(f"{x * p0:>15.6g}{p0:>12.2f}{n * mass:>18.6g}{0.0:>12.1f}"
                    f"{3:>16d}{2:>16d}")
    head = [
        "                        Quantachrome\xae ASiQwin\xae- Automated Gas Sorption Data",
        "                                     Acquisition and Reduction",
        "                               \xa9 1994-2012, Quantachrome Instruments",
        "                                            version 3.0", "",
        "Analysis                                          Report",
        "Operator:      charz          Date:2026/02/18 10:02Operator:charz               "
        "Date:2026/02/18",
        f"Sample ID:     {name:<20s}Filename:      {name}_N2.raw",
        f"Sample Desc:   {name:<20s}Comment:       synthetic example",
        "Outgas Time:   12.0 hrs            Outgas Temp:   200.0 \xb0C            "
        f"Sample Weight: {mass:.4f} g",
        "Analysis gas:  Nitrogen            Molec. Wt:     28.0134 g           "
        "Non-ideality:  6.58e-05 1/Torr",
        "Analysis Time: 9:41 hr:min         Instrument:    Autosorb iQ Station 2  "
        "Bath temp.:    77.35 K", "",
        "      Press            P0         Volume @ STP        Time             Tol"
        "             Equ", "",
        "      Torr            Torr             cc              min", "",
    ]
    _write(path, "\r\n".join(head + rows) + "\r\n", encoding="cp1252")


def _write_aif(path: Path, name: str, mass: float, x, n, p0_kpa: float) -> None:
    lines = ["data_charz_campaign", "_audit_aif_version 'd546195'",
             "_exptl_operator 'charz'", "_exptl_date 2026-02-20T00:00:00",
             "_exptl_instrument 'synthetic (tools/examples_campaign.py)'",
             "_exptl_adsorptive CO2", "_exptl_temperature 273.15",
             f"_adsnt_sample_mass {mass:.5f}", f"_adsnt_sample_id '{name}'",
             f"_adsnt_material_id '{name}'", "_units_temperature K", "_units_pressure kPa",
             "_units_mass g", "_units_loading 'ml(STP) g-1'", "", "loop_",
             "_adsorp_pressure", "_adsorp_p0", "_adsorp_amount"]
    lines += [f"{xi * p0_kpa:.6g} {p0_kpa:.6g} {ni:.6g}" for xi, ni in zip(x, n, strict=True)]
    _write(path, "\n".join(lines) + "\n")


def _sorption(name: str, s: dict, fmts: dict, out: Path, seed: int):
    rng = np.random.default_rng(seed)
    x_a, n_a, x_d, n_d, t_n2 = _n2_isotherm(s)
    n_a = n_a * (1 + rng.normal(0, 0.002, n_a.size))
    n_d = n_d * (1 + rng.normal(0, 0.002, n_d.size))
    x_c, n_c, t_co2 = _co2_isotherm(s)
    n_c = n_c * (1 + rng.normal(0, 0.003, n_c.size))
    # enough sample for >= 2.5 m^2 in the tube (low-area carbons need a big charge)
    mass = round(max(0.15, 2.5 / s["bet_area"]) + 0.013 * (seed // 100), 4)
    d = out / "sorption"
    f_n2 = {"bel": f"{name}_N2_77K.DAT", "csv": f"{name}_N2_77K.csv",
            "quantachrome": f"{name}_N2 (Raw Analysis Data).txt"}[fmts["n2"]]
    if fmts["n2"] == "bel":
        _write_bel(d / f_n2, name, "N2", 77.35, mass, 101.325, x_a, n_a, x_d, n_d)
    elif fmts["n2"] == "csv":
        _write_sorption_csv(d / f_n2, name, "N2", 77.35, mass, x_a, n_a, x_d, n_d)
    else:
        _write_quantachrome(d / f_n2, name, mass, x_a, n_a, x_d, n_d)
    f_co2 = {"csv": f"{name}_CO2_273K.csv", "aif": f"{name}_CO2_273K.aif",
             "bel": f"{name}_CO2_273K.DAT"}[fmts["co2"]]
    if fmts["co2"] == "csv":
        _write_sorption_csv(d / f_co2, name, "CO2", 273.15, mass, x_c, n_c, p0_mpa=3.4851)
    elif fmts["co2"] == "aif":
        _write_aif(d / f_co2, name, mass, x_c, n_c, 3485.1)
    else:
        _write_bel(d / f_co2, name, "CO2", 273.15, mass, 3485.1, x_c, n_c)
    return {**t_n2, "mass_g": mass}, {**t_co2}, f_n2, f_co2


# ------------------------------------------------------------------------------ cycler
MASS_MG = 2.0


def _cell(s: dict, seed: int):
    """C/10 formation (2 cycles) + a 1 C over-sodiation cycle: arrays and truth."""
    from echem.synthetic import two_cycle_cell

    ds1, t1 = two_cycle_cell(slope_capacity=s["slope_capacity"],
                             plateau_capacity=s["plateau_capacity"],
                             irreversible=s["irreversible"], mass_mg=MASS_MG,
                             current_ma=0.030 * MASS_MG, dt=120.0, noise=0.0005, seed=seed)
    ds2, t2 = two_cycle_cell(slope_capacity=s["slope_1c"], plateau_capacity=s["plateau_1c"],
                             irreversible=8.0, oversodiation=55.0, mass_mg=MASS_MG,
                             current_ma=0.300 * MASS_MG, dt=4.0, noise=0.0015,
                             seed=seed + 1)
    keep = np.asarray(ds2["cycle"].values) == 1  # rest, over-sodiation, rest, desodiation
    t_a = np.asarray(ds1["time"].values, float)
    t_b = np.asarray(ds2["time"].values, float)[keep]
    t = np.concatenate([t_a, t_a[-1] + 600.0 + t_b - t_b[0]])
    v = np.concatenate([ds1["voltage"].values, ds2["voltage"].values[keep]])
    i = np.concatenate([ds1["current"].values, ds2["current"].values[keep]])
    cyc = np.concatenate([ds1["cycle"].values, np.full(int(keep.sum()), 3)]).astype(int)
    # program steps: a new step whenever the current changes sign or switches on/off
    sgn = np.sign(i)
    step = np.concatenate([[1], 1 + np.cumsum(sgn[1:] != sgn[:-1])])
    truth = {"slope_capacity": t1["slope_capacity"],
             "plateau_capacity": t1["plateau_capacity"],
             "reversible_capacity": t1["desodiation_capacity"],
             "initial_coulombic_efficiency": t1["initial_coulombic_efficiency"],
             "plating_onset_capacity": t2["plating_onset_capacity"],
             "plating_minimum_voltage": t2["minimum_voltage"],
             "stripping_capacity": t2["stripping_capacity"],
             "active_mass_mg": MASS_MG, "cycling_current_mA_g": 30.0,
             "oversodiation_current_mA_g": 300.0, "oversodiation_cycle": 3,
             "split_voltage": SPLIT_VOLTAGE,
             "model": "echem.synthetic.two_cycle_cell: 2 cycles at C/10 (30 mA/g), then "
                      "cycle 3 at 1 C (300 mA/g) sodiated 55 mA*h/g past the HC plateau "
                      "into Na plating and desodiated (stripping first)"}
    return t, v, i, cyc, step, truth


def _write_mpt(path: Path, name: str, t, v, i, cyc, step, start: str) -> None:
    mode = np.where(i == 0, 3, 1)
    oxred = (i > 0).astype(int)
    cols = "mode\tox/red\terror\tcontrol changes\tNs changes\ttime/s\tEwe/V\tI/mA\t" \
           "cycle number\tNs"
    ns = step - 1
    nchg = np.concatenate([[0], (np.diff(ns) != 0).astype(int)])
    head_lines = [
        "EC-Lab ASCII FILE", "Nb header lines : NN", "",
        "Galvanostatic Cycling with Potential Limitation", "",
        "Run on channel : 3 (SN 0421)", "User : charz",
        f"Electrode material : {name} (synthetic example, tools/examples_campaign.py)",
        "Electrolyte : 1 M NaPF6 in EC:DEC", "Reference electrode : Na",
        f"Mass of active material : {MASS_MG:.3f} mg", " at x = 0.000",
        "Molecular weight of active material (at x = 0) : 0.001 g/mol",
        "Battery capacity : 0.000 A.h", "Electrode surface area : 1.130 cm²",
        "Characteristic mass : 2.000 mg", f"Acquisition started on : {start}",
        "Saved on :", "File : " + path.name, "Device : BCS-805 (s/n: 0421)", "",
    ]
    head_lines[1] = f"Nb header lines : {len(head_lines) + 1}"
    rows = [f"{m}\t{o}\t0\t0\t{c}\t{tt:.4f}\t{vv:.6f}\t{ii:.6e}\t{cy - 1:.0f}\t{n}"
            for m, o, c, tt, vv, ii, cy, n in zip(mode, oxred, nchg, t, v, i, cyc, ns,
                                                   strict=True)]
    # EC-Lab counts cycles from 0 (cycle number); charz reads them as written
    _write(path, "\r\n".join([*head_lines, cols, *rows]) + "\r\n", encoding="cp1252")


def _write_maccor(path: Path, name: str, t, v, i, cyc, step, start: str) -> None:
    import pandas as pd

    m_g = MASS_MG / 1000.0
    state = np.where(i < 0, "D", np.where(i > 0, "C", "R"))
    # Amp-hr resets at every step (Maccor); integrate |I| dt within each step
    dt = np.diff(t, prepend=t[0])
    q = np.zeros_like(t)
    for k in np.unique(step):
        sel = step == k
        q[sel] = np.cumsum(np.abs(i[sel]) * dt[sel]) / 3.6e6  # A*h
        q[np.flatnonzero(sel)[0]] = 0.0
    t0 = pd.Timestamp(start)
    clock = [(t0 + pd.Timedelta(seconds=float(s_))).strftime("%m/%d/%Y %H:%M:%S")
             for s_ in t]
    step_t = np.zeros_like(t)
    for k in np.unique(step):
        sel = np.flatnonzero(step == k)
        step_t[sel] = t[sel] - t[sel[0]]
    head = (f"Today's Date 02/23/2026  Date of Test:\t{t0.strftime('%m/%d/%Y')}\t Filename:\t"
            f"C:\\Data\\Campaign\\{name}.041 Procedure:\tNa_HC_C10x2_1C_oversod.000\t"
            "Comment/Barcode: synthetic example\n")
    cols = "Rec#\tCyc#\tStep\tTest (Min)\tStep (Min)\tAmp-hr\tWatt-hr\tAmps\tVolts\tState\tES" \
           "\tDPt Time\n"
    rows = [f"{k + 1}\t{c}\t{s_}\t{tt / 60:.4f}\t{st / 60:.4f}\t{qq:.10f}\t{qq * vv:.10f}\t"
            f"{abs(ii) / 1000:.10f}\t{vv:.8f}\t{ss}\t0\t{ck}\n"
            for k, (c, s_, tt, st, qq, vv, ii, ss, ck) in enumerate(
                zip(cyc, step, t, step_t, q, v, i, state, clock, strict=True))]
    del m_g
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((head + cols + "".join(rows)).encode("latin-1"))


def _echem(name: str, s: dict, fmt: str, out: Path, seed: int) -> tuple[dict, str]:
    t, v, i, cyc, step, truth = _cell(s, seed)
    start = f"2026-02-2{seed % 7}T09:00:00+01:00"
    d = out / "echem"
    if fmt == "mpt":
        fname = f"{name}_GCPL.mpt"
        local = start[:19]
        ymd, hms = local.split("T")
        y_, mo, dd = ymd.split("-")
        _write_mpt(d / fname, name, t, v, i, cyc, step, f"{mo}/{dd}/{y_} {hms}")
        truth["cycle_numbering"] = "EC-Lab 'cycle number' from 0 (over-sodiation: 2)"
    elif fmt == "maccor":
        fname = f"{name}_maccor.txt"
        _write_maccor(d / fname, name, t, v, i, cyc, step, start[:19])
        truth["mass_in_file"] = False
    else:
        from echem.io import cycler_dataset
        from echem.synthetic import write_cycler_csv

        fname = f"{name}_cycler.csv"
        ds = cycler_dataset(t, v, i, cycle=cyc, mass_mg=MASS_MG, name=name)
        d.mkdir(parents=True, exist_ok=True)
        write_cycler_csv(ds, d / fname, header={
            "charz example data": f"synthetic Na||{name} half cell (tools/examples_campaign.py)",
            "sample": name, "active_mass_mg": MASS_MG}, start=start)
    return truth, fname


# ------------------------------------------------------------------------------ campaign
MANIFEST_OPTIONS = {
    # what a user must add because the file does not say it
    ("HC-1300", "xrd"): "wavelength=0.1540593",
    ("HC-1300", "raman"): "laser=532",
    ("HC-1300", "echem"): f"mass_mg={MASS_MG}",
}


def generate(data_dir: Path) -> dict:
    """Write the campaign files and ``manifest.csv`` under ``data_dir/campaign``; return truth."""
    out = Path(data_dir) / SUBDIR
    for old in out.rglob("*"):
        if old.is_file():
            old.unlink()
    truth: dict = {"samples": {}, "trends": TRENDS, "formats": FORMATS,
                   "skeleton_density": SKELETON_DENSITY, "split_voltage": SPLIT_VOLTAGE}
    manifest: list[tuple[str, str, str, str]] = []
    for k, (name, s) in enumerate(SAMPLES.items()):
        f = FORMATS[name]
        seed = 100 * (k + 1)
        t_x, f_x = _xrd(name, s, f["xrd"], out, seed + 1)
        t_r, f_r = _raman(name, s, f["raman"], out, seed + 2)
        t_s, f_s = _saxs(name, s, f["saxs"], out, seed + 3)
        t_p, f_p = _pycnometer(name, s, f["pycnometry"], out, seed + 4)
        t_n2, t_co2, f_n2, f_co2 = _sorption(name, s, f, out, seed + 5)
        t_e, f_e = _echem(name, s, f["echem"], out, seed + 6)
        rows = [("xrd", f"xrd/{f_x}"), ("raman", f"raman/{f_r}"), ("saxs", f"saxs/{f_s}"),
                ("pycnometry", f"pycnometry/{f_p}"), ("sorption", f"sorption/{f_n2}"),
                ("sorption", f"sorption/{f_co2}"), ("echem", f"echem/{f_e}")]
        for tech, file in rows:
            manifest.append((name, tech, file, MANIFEST_OPTIONS.get((name, tech), "")))
        truth["samples"][name] = {
            "pyrolysis_temperature_C": s["pyrolysis_temperature_C"],
            "parameters": s,
            "files": {"xrd": f_x, "raman": f_r, "saxs": f_s, "pycnometry": f_p,
                      "n2": f_n2, "co2": f_co2, "echem": f_e},
            "xrd": t_x, "raman": t_r, "saxs": t_s, "pycnometry": t_p,
            "sorption": {**t_n2, **{k_: v_ for k_, v_ in t_co2.items() if k_ != "model"},
                         "co2_model": t_co2["model"]},
            "echem": t_e,
        }
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["sample", "technique", "file", "options"])
    w.writerows(manifest)
    _write(out / "manifest.csv", buf.getvalue())
    _write(out / "truth.json", json.dumps(truth, indent=1, default=float) + "\n")
    return {"manifest": f"{SUBDIR}/manifest.csv", "truth": f"{SUBDIR}/truth.json",
            "samples": list(SAMPLES)}


if __name__ == "__main__":  # pragma: no cover
    generate(ROOT / "charz" / "examples" / "data")
    print("wrote", ROOT / "charz" / "examples" / "data" / SUBDIR)
