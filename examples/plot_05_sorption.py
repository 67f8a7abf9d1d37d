"""
Gas sorption: BET with its Rouquerol range, BJH, t-plot; CO2 with DR
====================================================================

``sorption/HC-demo_N2_77K.csv`` is an N2 isotherm at 77 K (adsorption and desorption
branches) generated from micropore filling, a multilayer on the external surface and
capillary condensation in mesopores; ``sorption/HC-demo_CO2_273K.csv`` is the CO2 isotherm
at 273 K that probes the narrow micropores N2 reaches too slowly. :func:`sorption.summarize`
runs the standard set on one isotherm, as ``charz sorption`` does:

* :func:`sorption.bet_area`: BET (ISO 9277) on the range chosen by the Rouquerol criteria
  (every candidate range tested; the one with the most points wins);
* :func:`sorption.total_pore_volume` at p/p0 ≈ 0.99 and the 4V/A mean pore diameter;
* :func:`sorption.bjh_psd`: BJH pore-size distribution (ISO 15901-2), desorption branch;
* :func:`sorption.t_plot`: micropore volume and external area (here with the carbon-black
  thickness curve, stated in the ``method``);
* for CO2 at 273 K, :func:`sorption.dr_micropore_volume` (Dubinin–Radushkevich).
"""

import matplotlib.pyplot as plt

import charz
import sorption
from charz.examples import path, truth

n2 = charz.read(path("sorption/HC-demo_N2_77K.csv"))
co2 = charz.read(path("sorption/HC-demo_CO2_273K.csv"))
print(n2.attrs["adsorbate"], n2.attrs["temperature_K"], "K;", n2.sizes["point"], "points;",
      n2.attrs["amount_conversion"])

summary = sorption.summarize(n2, thickness_curve="carbon_black")
dr = sorption.summarize(co2)
for key, m in {**summary.descriptors(), **dr.descriptors()}.items():
    print(f"{key:22s} {m!r:30s} {', '.join(m.flags)}")

true = truth()["sorption"]
print(f"\ntruth: BET {true['bet_area']:.2f} m²/g on p/p0 {true['bet_range'][0]:g}–"
      f"{true['bet_range'][1]:.3f}; t-plot micropore volume {true['micropore_volume']:.4f}"
      f" cm³/g; DR {true['dr_micropore_volume']} cm³/g")

# %%
# The BET range. ``bet.ranges`` holds every candidate range that met the criteria;
# ``plot_rouquerol`` shows the Rouquerol transform n(1 − p/p0), which must increase over
# the chosen range, and the BET plot itself.
bet = summary.bet
print(f"chosen p/p0 range {bet.p_range[0]:.2g}–{bet.p_range[1]:.3f}, {bet.n_points} points,"
      f" C = {bet.bet_c.value:.0f}, r = {bet.r:.5f}; {bet.n_valid_ranges} valid ranges, "
      f"area spread {bet.area_spread[0]:.1f}–{bet.area_spread[1]:.1f} m²/g")
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
bet.plot_rouquerol(axes[0])
bet.plot(axes[1])
axes[1].set_xlim(0, 0.15)  # zoom on the low-pressure end, where the range lies
axes[1].set_ylim(0, 0.25)
plt.show()

# %%
# BJH pore-size distribution (desorption branch) and the t-plot: the intercept of the
# linear part gives the micropore volume, its slope the external area.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
summary.bjh.plot(axes[0])
summary.tplot.plot(axes[1])
plt.show()

# %%
# CO2 at 273 K: the Dubinin–Radushkevich plot, log n against log²(p0/p), extrapolated to
# the micropore volume (adsorbed CO2 density 1.023 g/cm³, stated in the ``method``).
fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
dr.dr.plot(ax)
plt.show()

# %%
# The one-call summary figure that ``charz sorption --plot`` writes.
ax = summary.plot()
plt.show()
