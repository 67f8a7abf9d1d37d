"""Raman example data beyond HC-demo.txt: a small Raman map of HC-demo as long-form text.

``raman/HC-demo_map.txt``: WiRE-style "Save As .txt" map (``#X #Y #Wave #Intensity``, one
row per pixel × Raman shift, descending shift as WiRE writes it), 6 × 5 pixels (2 µm
steps), two-band spectra (Lorentzian D + BWF G) whose I_D/I_G rises linearly along x
(0.9 → 1.3) and whose G apex moves along y (1592 → 1600 cm⁻¹), on a sloping baseline with
Gaussian noise σ = 0.6 √I. Deterministic (``np.random.default_rng(7)``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NX, NY = 6, 5
STEP_UM = 2.0
D = {"center": 1345.0, "fwhm": 180.0, "height": 1000.0}
G = {"fwhm": 85.0, "q": -12.0, "apex_height": 900.0}


def _lorentzian(x, h, c, w):
    return h / (1.0 + 4.0 * ((x - c) / w) ** 2)


def _bwf(x, i0, c, w, q):
    u = 2.0 * (x - c) / w
    return i0 * (1.0 + u / q) ** 2 / (1.0 + u**2)


def generate(data_dir: Path) -> dict:
    rng = np.random.default_rng(7)
    shift = np.linspace(2000.0, 800.0, 301)  # descending, 4 cm⁻¹ steps
    xs = np.arange(NX) * STEP_UM
    ys = np.arange(NY) * STEP_UM
    id_ig = np.linspace(0.9, 1.3, NX)
    g_apex = np.linspace(1592.0, 1600.0, NY)
    q, w = G["q"], G["fwhm"]
    i0 = G["apex_height"] / (1.0 + 1.0 / q**2)
    lines = ["#X\t#Y\t#Wave\t#Intensity"]
    for iy, yv in enumerate(ys):
        w0 = g_apex[iy] - w / (2.0 * q)  # ω0 from the apex ω0 + Γ/(2Q)
        for ix, xv in enumerate(xs):
            y = (_lorentzian(shift, id_ig[ix] * G["apex_height"], D["center"], D["fwhm"])
                 + _bwf(shift, i0, w0, w, q) + 300.0 + 0.1 * (shift - 800.0))
            y = y + 0.6 * np.sqrt(y) * rng.normal(size=y.size)
            lines += [f"{xv:.1f}\t{yv:.1f}\t{s:.3f}\t{v:.2f}" for s, v in zip(shift, y,
                                                                             strict=True)]
    out = data_dir / "raman" / "HC-demo_map.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "map": {
            "file": "raman/HC-demo_map.txt",
            "x_um": xs.tolist(),
            "y_um": ys.tolist(),
            "id_ig_along_x": id_ig.tolist(),
            "g_position_along_y": g_apex.tolist(),
            "d_position": D["center"],
            "d_fwhm": D["fwhm"],
            "g_fwhm": G["fwhm"],
            "g_q": q,
            "baseline": "300 + 0.1 (x − 800) counts",
            "noise": "Gaussian, sigma = 0.6 sqrt(I)",
            "laser_nm": None,
        }
    }
