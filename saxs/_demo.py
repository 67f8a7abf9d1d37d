"""SAXS + He density part of ``charz demo``: the HC-demo curve and pycnometer report.

Fits Porod + DAB to ``saxs/HC-demo.dat`` (pore diameter, correlation length, Porod
exponent), a Guinier fit of the pore term (Rg), reads the pycnometer report (true density,
closed-pore volume with ρ_s = 2.26 g/cm³) and the contrast-free SAXS porosity from the
DAB invariant and the He density; saves the fit figure and a short comparison with the
generator's truth.
"""

from __future__ import annotations

from typing import Any


def run(ctx: Any) -> None:
    """Add the SAXS results to the demo record and save ``saxs_fit`` (PNG + PDF)."""
    import json

    import saxs
    from saxs.density import closed_pore_volume, read_pycnometer
    from saxs.guinier import fit_guinier
    from saxs.invariant import porosity_from_fit
    from saxs.models import fit_porod_dab

    truth = ctx.truth.get("saxs", {})
    curve = saxs.read(ctx.example(truth.get("file", "saxs/HC-demo.dat")))
    fit = fit_porod_dab(curve)
    guinier = fit_guinier(fit.pore_term(), report_diameter=False)
    report = read_pycnometer(ctx.example(truth.get("pycnometer_file",
                                                   "saxs/HC-demo_pycnometer.csv")))
    density = closed_pore_volume(report, skeleton_density=truth.get("skeleton_density", 2.26))
    porosity = porosity_from_fit(fit, true_density=report.density)
    ctx.add(fit, guinier, density, porosity)

    fig = fit.plot().figure
    ctx.save_figure(fig, "saxs_fit")
    if truth:
        rows = {
            "dab_length_nm": (fit.parameters["dab_length"], truth.get("dab_length_nm")),
            "porod_exponent": (fit.parameters["porod_exponent"], truth.get("porod_exponent")),
            "dab_scale": (fit.parameters["dab_scale"], truth.get("dab_scale")),
            "background": (fit.parameters["background"], truth.get("background")),
            "closed_pore_volume": ((density.closed_pore_volume.value,
                                    density.closed_pore_volume.stderr),
                                   truth.get("closed_pore_volume")),
        }
        out = {k: {"fitted": fitted, "stderr": err, "truth": t}
               for k, ((fitted, err), t) in rows.items()}
        ctx.write_text("saxs_vs_truth.json", json.dumps(out, indent=2))
