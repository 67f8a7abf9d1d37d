"""Sorption part of ``charz demo``: N2 at 77 K and CO2 at 273 K isotherms of HC-demo."""

from __future__ import annotations

from typing import Any


def run(ctx: Any) -> None:
    """Read the example isotherms, add BET/pore volume/4V/A/BJH/t-plot and DR to HC-demo."""
    import charz
    from sorption.summary import summarize

    n2 = charz.read(ctx.example("sorption/HC-demo_N2_77K.csv"), technique="sorption")
    res = summarize(n2, thickness_curve="carbon_black")
    ctx.add(res)
    ctx.save_figure(res.plot().figure, "sorption_N2")
    co2 = charz.read(ctx.example("sorption/HC-demo_CO2_273K.csv"), technique="sorption")
    dr = summarize(co2)
    ctx.add(dr)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
    dr.dr.plot(ax)
    ctx.save_figure(fig, "sorption_CO2_DR")
    truth = ctx.truth.get("sorption", {})
    if truth and res.bet is not None:
        ctx.notes.append(
            f"sorption: BET {res.bet.bet_area.value:.2f} m²/g "
            f"(truth {truth.get('bet_area', 0):.2f}),"
            + (f" t-plot {res.tplot.micropore_volume.value:.4f} cm³/g (truth "
               f"{truth.get('micropore_volume', 0):.4f})," if res.tplot is not None else "")
            + f" DR {dr.dr.dr_micropore_volume.value:.4f} cm³/g "
            f"(truth {truth.get('dr_micropore_volume', 0)})"
        )
