"""``charz demo`` part of echem: HC-demo cycling, over-sodiation, structure–performance."""

from __future__ import annotations

from typing import Any


def run(ctx: Any) -> None:
    """Analyse the embedded cycler examples; add their descriptors and figures.

    * ``echem/HC-demo_cycler.csv``: capacities, ICE, slope/plateau split at 0.1 V,
      voltage–capacity curves and dQ/dV (added to sample HC-demo).
    * ``echem/HC-demo_oversodiation.csv``: plating-onset capacity with the inflection
      point marked, and the sodium-stripping dQ/dV peak on the following desodiation.
    * the three-sample structure–performance comparison comes from the campaign's raw
      files (``campaign/manifest.csv``, :func:`charz.compare.demo_campaign`).
    * ``echem/HC-demo_rate.csv``: rate response (slope, Pearson r) added to HC-demo.
    * ``echem/HC-demo_gitt.csv``: D(V) by GITT (``echem_gitt.csv`` and figure).
    """
    import matplotlib.pyplot as plt

    import charz
    from echem.capacity import cycle_capacities, rate_response_from_cycler, slope_plateau
    from echem.dqdv import dqdv, stripping_peak
    from echem.gitt import gitt
    from echem.plating import plating_onset

    truth = ctx.truth.get("echem", {})
    lines = ["quantity,charz,truth"]

    # 1. HC-demo cycling
    ds = charz.read(ctx.example("echem/HC-demo_cycler.csv"), technique="echem")
    caps = cycle_capacities(ds)
    split = slope_plateau(ds, split_voltage=float(truth.get("split_voltage", 0.1)))
    ctx.add(caps, split)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
    caps.plot(axes[0])
    split.plot(axes[1])
    dqdv(ds).plot(axes[2])
    ctx.save_figure(fig, "echem_cycling")
    for key, m in {**caps.descriptors(), **split.descriptors()}.items():
        lines.append(f"{key},{m.value:.6g},{truth.get(key, '')}")

    # 2. over-sodiation: plating onset and the stripping warning peak
    ov_truth = truth.get("oversodiation", {})
    ov = charz.read(ctx.example("echem/HC-demo_oversodiation.csv"), technique="echem")
    onset = plating_onset(ov)
    ctx.add(onset)
    strip = stripping_peak(ov)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    onset.plot(axes[0])
    strip.plot(axes[1])
    axes[1].set_xlim(-0.02, 0.4)
    ctx.save_figure(fig, "echem_oversodiation")
    m = onset.plating_onset_capacity
    lines.append(f"plating_onset_capacity,{m.value:.6g},"
                 f"{ov_truth.get('plating_onset_capacity', '')}")
    lines.append(f"stripping_peak_voltage,{strip.peak_voltage:.6g},"
                 f"{ov_truth.get('stripping_peak_voltage', '')}")
    lines.append(f"stripping_capacity,{strip.stripping_capacity:.6g},"
                 f"{ov_truth.get('stripping_capacity', '')}")

    # 4. rate response and GITT of HC-demo
    r_truth = truth.get("rate", {})
    if "file" in r_truth:
        rate = rate_response_from_cycler(
            charz.read(ctx.example(r_truth["file"]), technique="echem"),
            one_c_ma_g=float(r_truth.get("one_c_mA_g", 300.0)))
        ctx.add(rate)
        lines.append(f"rate_response,{rate.rate_response.value:.6g},"
                     f"{r_truth.get('rate_response', '')}")
        lines.append(f"rate pearson_r,{rate.rate_response.extra['pearson_r']:.6g},"
                     f"{r_truth.get('pearson_r', '')}")
        ax = rate.plot()
        ctx.save_figure(ax.figure, "echem_rate")
    g_truth = truth.get("gitt", {})
    if "file" in g_truth:
        res = gitt(charz.read(ctx.example(g_truth["file"]), technique="echem"),
                   length_cm=float(g_truth["length_cm"]))
        from charz.output import unit_columns

        table_g = unit_columns(res.diffusion)
        if len(g_truth.get("diffusion_cm2_s", [])) == len(table_g):
            table_g["D_truth (cm^2/s)"] = g_truth["diffusion_cm2_s"]
        ctx.write_csv("echem_gitt.csv", table_g, index=True,
                      metadata={"method": "GITT (Weppner & Huggins), D per pulse",
                                "length_cm": float(g_truth["length_cm"])})
        ax = res.plot()
        if "voltage_V" in g_truth:
            ax.semilogy(g_truth["voltage_V"], g_truth["diffusion_cm2_s"], "-", color="0.5",
                        lw=1, label="generator D(V)")
            ax.legend(fontsize="small")
        ctx.save_figure(ax.figure, "echem_gitt")
    ctx.write_text("echem_vs_truth.csv", "\n".join(lines) + "\n")
