"""Extra echem example data: an over-sodiation test and a three-sample structure–performance set.

``generate(data_dir) -> dict`` is run by ``tools/make_examples.py`` (its dict goes into
``truth.json`` under ``"echem"``). Deterministic (fixed seeds). Files, under
``charz/examples/data/echem/``:

* ``HC-demo_oversodiation.csv``: the HC-demo carbon sodiated past 0 V into sodium plating
  (slope, HC plateau, nucleation dip, plating plateau), then desodiated (the plated
  sodium is stripped first), then a normal second cycle. Generic cycler CSV.
* ``HC-A_cycler.csv``, ``HC-B_cycler.csv``, ``HC-C_cycler.csv``: three hard carbons whose
  plateau capacity grows with their closed-pore volume and whose slope capacity grows
  with their mean open-pore diameter.
* ``HC-ABC_structure.json``: their structural descriptors as charz records JSON
  (``closed_pore_volume``, ``true_density``, ``mean_pore_diameter``, ``bet_area``,
  ``d002``), as XRD/SAXS/sorption would give them.
* ``HC-demo_rate.csv``: a rate test of HC-demo (0.1–2 C, 1 C = 300 mA/g, back to 0.1 C).
* ``HC-demo_gitt.csv``: a GITT sodiation of HC-demo (Weppner–Huggins pulse train, D dips
  near 0.1 V and recovers; L = 10 µm).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLES = {
    # closed-pore volume (cm^3/g), mean open-pore diameter (nm), BET (m^2/g), d002 (nm),
    # slope and plateau capacity (mA*h/g), first-cycle irreversible loss (mA*h/g)
    "HC-A": {"closed_pore_volume": 0.12, "mean_pore_diameter": 2.1, "bet_area": 4.8,
             "d002": 0.372, "slope_capacity": 118.0, "plateau_capacity": 96.0,
             "irreversible": 48.0},
    "HC-B": {"closed_pore_volume": 0.19, "mean_pore_diameter": 2.9, "bet_area": 7.5,
             "d002": 0.378, "slope_capacity": 131.0, "plateau_capacity": 146.0,
             "irreversible": 55.0},
    "HC-C": {"closed_pore_volume": 0.26, "mean_pore_diameter": 3.6, "bet_area": 12.1,
             "d002": 0.383, "slope_capacity": 142.0, "plateau_capacity": 187.0,
             "irreversible": 66.0},
}
SKELETON_DENSITY = 2.26  # g/cm^3, graphite


def _records_json(path: Path) -> None:
    from charz.output import atomic_write_text
    from charz.record import Measurement, Provenance, StructuralRecord, records_to_json

    records = []
    for name, s in SAMPLES.items():
        rho = 1.0 / (s["closed_pore_volume"] + 1.0 / SKELETON_DENSITY)
        prov = Provenance(source=f"{name} (generated, tools/examples_echem.py)", version="")
        m = {
            "d002": Measurement(s["d002"], 0.001, "nm", "xrd", "Bragg on the fitted (002)",
                                prov),
            "true_density": Measurement(round(rho, 4), 0.002, "g/cm^3", "pycnometry",
                                        "He pycnometry, as given", prov),
            "closed_pore_volume": Measurement(
                s["closed_pore_volume"], 0.005, "cm^3/g", "pycnometry",
                f"1/rho_true - 1/rho_skeleton, skeleton {SKELETON_DENSITY} g/cm^3", prov),
            "bet_area": Measurement(s["bet_area"], 0.2, "m^2/g", "sorption",
                                    "BET, Rouquerol range", prov),
            "mean_pore_diameter": Measurement(s["mean_pore_diameter"], 0.1, "nm", "sorption",
                                              "4V/A", prov),
        }
        records.append(StructuralRecord(name).with_measurements(m))
    atomic_write_text(path, records_to_json(records, indent=1) + "\n")


def generate(data_dir: Path) -> dict:
    """Write the files; return the truth (known parameters)."""
    from echem.synthetic import two_cycle_cell, write_cycler_csv

    out = Path(data_dir) / "echem"
    out.mkdir(parents=True, exist_ok=True)
    truth: dict = {}

    # over-sodiation of the HC-demo carbon at ~1 C: storage ends before the 0.1 V-split
    # plateau seen at C/10 (slope 150 + plateau 180); onset in the reported 243–278 range
    ds, t_ov = two_cycle_cell(slope_capacity=130.0, plateau_capacity=128.0, irreversible=45.0,
                              oversodiation=55.0, mass_mg=2.5, current_ma=0.75, dt=3.0,
                              noise=0.0015, seed=61)
    name = "HC-demo_oversodiation.csv"
    write_cycler_csv(ds, out / name, header={
        "charz example data": "synthetic over-sodiation of HC-demo (tools/examples_echem.py)",
        "sample": "HC-demo", "active_mass_mg": 2.5, "specific_current_mA_g": 300.0,
    }, start="2026-03-05T10:00:00+01:00")
    truth["oversodiation"] = {
        "file": f"echem/{name}", "sample": "HC-demo", "active_mass_mg": 2.5,
        "specific_current_mA_g": 300.0,
        "plating_onset_capacity": t_ov["plating_onset_capacity"],
        "minimum_voltage": t_ov["minimum_voltage"],
        "stripping_capacity": t_ov["stripping_capacity"],
        "stripping_peak_voltage": t_ov["stripping_peak_voltage"],
        "desodiation_peak_voltage": t_ov["desodiation_peak_voltage"],
        "noise_V": 0.0015,
        "rule": "echem.synthetic.oversodiation_voltage: slope 130 + HC plateau 128 mA*h/g, "
                "dip 25 mV, plating plateau -12 mV; onset = minimum of the noise-free curve",
    }

    samples: dict = {}
    for k, (name, s) in enumerate(SAMPLES.items()):
        ds, t_s = two_cycle_cell(slope_capacity=s["slope_capacity"],
                                 plateau_capacity=s["plateau_capacity"],
                                 irreversible=s["irreversible"], mass_mg=2.0, current_ma=0.06,
                                 dt=60.0, noise=0.001, seed=70 + k)
        fname = f"{name}_cycler.csv"
        write_cycler_csv(ds, out / fname, header={
            "charz example data": f"synthetic Na||{name} half cell (tools/examples_echem.py)",
            "sample": name, "active_mass_mg": 2.0, "specific_current_mA_g": 30.0,
        }, start=f"2026-02-1{k}T09:00:00+01:00")
        samples[name] = {
            "file": f"echem/{fname}",
            "slope_capacity": t_s["slope_capacity"],
            "plateau_capacity": t_s["plateau_capacity"],
            "reversible_capacity": t_s["desodiation_capacity"],
            "initial_coulombic_efficiency": t_s["initial_coulombic_efficiency"],
            **{key: s[key] for key in ("closed_pore_volume", "mean_pore_diameter",
                                        "bet_area", "d002")},
        }
    _records_json(out / "HC-ABC_structure.json")

    from echem.synthetic import gitt_pulse_train, rate_test_cell

    ds, t_rate = rate_test_cell(mass_mg=2.5, capacity_0=294.0, slope=-40.0, scatter=2.0,
                                one_c_ma_g=300.0, points=50, noise=0.001, seed=81)
    write_cycler_csv(ds, out / "HC-demo_rate.csv", header={
        "charz example data": "synthetic rate test of HC-demo (tools/examples_echem.py)",
        "sample": "HC-demo", "active_mass_mg": 2.5, "one_C_mA_g": 300.0,
    }, start="2026-03-08T09:00:00+01:00")
    truth["rate"] = {"file": "echem/HC-demo_rate.csv", **t_rate}

    def d_profile(v: float) -> float:  # cm^2/s: dips by 10^-0.5 around 0.1 V
        return 1e-10 * 10 ** (-0.5 * np.exp(-(((v - 0.1) / 0.04) ** 2)))

    ds, t_gitt = gitt_pulse_train(diffusion_profile=d_profile, length_cm=1e-3, tau=300.0,
                                  dt=10.0, rest=8e-6 / (np.pi ** 2 * 3e-11), dt_rest=300.0,
                                  n_pulses=22, current_ma=0.3, mass_mg=3.0, q_start=5.0,
                                  noise=0.0001, seed=82)
    write_cycler_csv(ds, out / "HC-demo_gitt.csv", header={
        "charz example data": "synthetic GITT of HC-demo (tools/examples_echem.py)",
        "sample": "HC-demo", "active_mass_mg": 3.0, "diffusion_length_cm": 1e-3,
    }, start="2026-03-10T09:00:00+01:00")
    truth["gitt"] = {
        "file": "echem/HC-demo_gitt.csv", "length_cm": 1e-3, "tau_s": t_gitt["tau"],
        "diffusion_cm2_s": [float(x) for x in t_gitt["diffusion"]],
        "voltage_V": [float(x) for x in t_gitt["voltage"]],
        "rule": "D(V) = 1e-10 cm^2/s * 10^(-0.5 exp(-((V-0.1)/0.04)^2)); E(t) per "
                "Weppner–Huggins short-time solution, exponential relaxation",
    }
    vcp = np.array([samples[n]["closed_pore_volume"] for n in samples])
    qp = np.array([samples[n]["plateau_capacity"] for n in samples])
    dm = np.array([samples[n]["mean_pore_diameter"] for n in samples])
    share = np.array([samples[n]["slope_capacity"]
                      / (samples[n]["slope_capacity"] + samples[n]["plateau_capacity"])
                      for n in samples])
    truth["structure_performance"] = {
        "records": "echem/HC-ABC_structure.json",
        "samples": samples,
        "pearson_r_closed_pore_volume_plateau_capacity": float(np.corrcoef(vcp, qp)[0, 1]),
        "pearson_r_mean_pore_diameter_slope_share": float(np.corrcoef(dm, share)[0, 1]),
    }
    return truth


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(generate(ROOT / "charz" / "examples" / "data"), indent=1, default=float))
