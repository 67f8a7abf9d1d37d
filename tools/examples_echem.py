"""Extra echem example data: an over-sodiation test, a rate test and a GITT of HC-demo.

``generate(data_dir) -> dict`` is run by ``tools/make_examples.py`` (its dict goes into
``truth.json`` under ``"echem"``). Deterministic (fixed seeds). Files, under
``charz/examples/data/echem/``:

* ``HC-demo_oversodiation.csv``: the HC-demo carbon sodiated past 0 V into sodium plating
  (slope, HC plateau, nucleation dip, plating plateau), then desodiated (the plated
  sodium is stripped first), then a normal second cycle. Generic cycler CSV.
* The three-sample structure–performance set is the campaign's
  (``tools/examples_campaign.py``: raw files of every technique, not typed-in numbers).
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
    return truth


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(generate(ROOT / "charz" / "examples" / "data"), indent=1, default=float))
