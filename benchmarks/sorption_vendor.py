"""How close charz's sorption numbers are to the instrument software's own printed results.

Run: ``python benchmarks/sorption_vendor.py [SHARED_DATA_DIR]``. For every Micromeritics and
3P export in ``../shared/data/sorption`` that prints a BET, t-plot, total-pore-volume or BJH
report, recompute it from the raw isotherm with the vendor's settings (point range, thickness
curve and window, density conversion factor, adsorbate property factor) and print the
relative difference. Not a timed test: a table for the issue's "say how close, per file".
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

import charz
import sorption
from sorption.bet import bet_area
from sorption.bjh import bjh_psd
from sorption.micropore import t_plot, total_pore_volume

CURVES = {"Harkins and Jura": "harkins_jura", "Halsey": "halsey",
          "Kruk-Jaroniec-Sayari": "kjs", "Broekhoff-de Boer": "broekhoff_de_boer",
          "Carbon Black STSA": "carbon_black"}
MOLAR_MASS = {"N2": 28.0134, "Ar": 39.948}


def rel(a: float, b: float) -> str:
    return f"{(a / b - 1) * 100:+.3f} %" if b else "n/a"


def main(root: Path) -> None:
    files = sorted((root / "sorption/adsorption-file-parser/mic").glob("*.xls"))
    files += sorted((root / "sorption/adsorption-file-parser/3p").glob("*.xlsx"))
    warnings.simplefilter("ignore")
    for f in files:
        try:
            iso = charz.read(f)
        except charz.errors.CharzError as exc:
            print(f"{f.name}: not read ({exc})")
            continue
        gas = iso.attrs["adsorbate"]
        if gas not in MOLAR_MASS:
            print(f"{f.name}: {gas}, no N2/Ar report to compare")
            continue
        v = sorption.vendor_report(iso)
        print(f"{f.name} ({gas}, {iso.attrs['temperature_K']:.2f} K)")
        b = v.get("bet") or {}
        if b.get("relative_pressure") and b.get("area"):
            p = b["relative_pressure"]
            half = 0.5 * 10.0 ** -b.get("relative_pressure_decimals", 12)
            r = bet_area(iso, p_range=(min(p) - half, max(p) + half),
                         cross_section_nm2=b.get("cross_section_nm2"))
            print(f"  BET (vendor range, {len(p)} pts): {r.bet_area.value:.4f} vs {b['area']} m²/g "
                  f"({rel(r.bet_area.value, b['area'])}); C {r.bet_c.value:.4g} vs {b.get('c')}")
            try:
                auto = bet_area(iso)
                print(f"  BET Rouquerol auto: {auto.bet_area.value:.4g} m²/g, p/p0 "
                      f"{auto.p_range[0]:.3g}–{auto.p_range[1]:.3g}, spread "
                      f"{auto.area_spread[0]:.4g}–{auto.area_spread[1]:.4g}")
            except charz.errors.CharzError as exc:
                print(f"  BET Rouquerol auto: {str(exc)[:110]}")
        tp = v.get("tplot") or {}
        dcf = tp.get("dcf")
        rho = MOLAR_MASS[gas] / (22414 * dcf) if dcf else None
        curve = CURVES.get(str(tp.get("thickness_equation")))
        if curve is None and "thickness_curve" in v:
            curve = (np.array(v["thickness_curve"]["relative_pressure"]),
                     np.array(v["thickness_curve"]["thickness_A"]) / 10)
        if tp.get("micropore_volume") is not None and curve is not None and rho:
            tf = tp.get("fitted_thickness_A") or []
            rng = ((min(tf) / 10 - 1e-9, max(tf) / 10 + 1e-9) if tf
                   else tuple(x / 10 for x in tp["thickness_range_A"]))
            r = t_plot(iso, thickness_curve=curve, t_range_nm=rng, liquid_density_g_cm3=rho)
            print(f"  t-plot ({tp.get('thickness_equation')}, {r.n_points} pts): V_micro "
                  f"{r.micropore_volume.value:.6f} vs {tp['micropore_volume']} cm³/g; A_ext "
                  f"{r.external_area.value:.4f} vs {tp['external_area']} m²/g "
                  f"({rel(r.external_area.value, tp['external_area'])})")
        for kind, t in (v.get("total_pore_volume") or {}).items():
            if not isinstance(t, dict) or kind != "adsorption":
                continue
            # no printed DCF: saturated liquid at the bath temperature (CoolProp)
            r = total_pore_volume(iso, p_target=t["relative_pressure"], interpolate=True,
                                  liquid_density_g_cm3=rho)
            print(f"  total pore volume at {t['relative_pressure']:.4g}: "
                  f"{r.total_pore_volume.value:.6f} vs {t['value']} cm³/g "
                  f"({rel(r.total_pore_volume.value, t['value'])})")
        for br in ("desorption", "adsorption"):
            bj = v.get(f"bjh_{br}")
            if not bj or not bj.get("table"):
                continue
            tab = bj["table"]
            kd = next((k for k in tab if k.startswith("Average")), None)
            kv = next((k for k in tab if k.startswith("Incremental Pore Volume")), None)
            kc = next((k for k in tab if k.startswith("Cumulative Pore Volume")), None)
            if not (kd and kv and kc):
                continue
            c = CURVES.get(str(bj.get("thickness_curve")), curve)
            if c is None:
                continue
            r = bjh_psd(iso, branch=br, thickness_curve=c, meniscus="hemispherical",
                        kelvin_factor_nm=bj["property_factor_A"] / 10,
                        liquid_density_g_cm3=MOLAR_MASS[gas] / (22414 * bj["dcf"]))
            dv = np.asarray(tab[kv], float)
            d_v = np.asarray(tab[kd], float)[np.argmax(dv)] / 10
            d_m = r.psd["diameter"].values[np.argmax(r.psd["dV"].values)]
            faas = " (vendor used the Faas correction; charz does not)" if bj.get(
                "faas_correction") else ""
            print(f"  BJH {br}{faas}: largest increment at {d_m:.3f} vs {d_v:.3f} nm "
                  f"({rel(d_m, d_v)}); cumulative volume {r.cumulative_volume:.5f} vs "
                  f"{tab[kc][-1]:.5f} cm³/g ({rel(r.cumulative_volume, tab[kc][-1])})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
         / "shared" / "data")
