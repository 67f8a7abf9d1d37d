"""
Operando Raman: tracking the G band during sodiation
====================================================

``insitu_raman/HC-demo_operando.txt`` is a LabSpec time-series export: 43 spectra (60 s
each) taken through the window of the same half cell as the operando XRD example. Its
header gives the start time in local time without a zone, so the zone is stated
(``tz="+01:00"``) to align the spectra with the cycler's UTC timestamps.

:func:`raman.read_series` returns the spectra over ``time``; :func:`raman.track_bands`
fits the D/G model to every spectrum and attaches the cell voltage and capacity. The G apex
red-shifts while sodium enters the graphene layers (the sloping region) and stays on the
plateau; I_D/I_G falls as the D band weakens.
"""

import matplotlib.pyplot as plt
import numpy as np

import charz
import raman
from charz.examples import path, truth

insitu = truth()["insitu"]
series = raman.read_series(path("insitu_raman/HC-demo_operando.txt"), tz=insitu["raman_time_zone"])
cycler = charz.read(path("echem/HC-demo_cycler.csv"))
print(dict(series.sizes), "| laser", series.attrs["laser_wavelength"], "nm")

result = raman.track_bands(series, cycler=cycler, la_relation="tuinstra_koenig")
print(result.summary())
print(result.table[["g_position", "id_ig", "voltage"]].to_dataframe().head())

# %%
# The spectra as a heatmap beside the voltage curve.
fig = result.heatmap(title="HC-demo operando Raman")
plt.show()

# %%
# G position against time (with the truth the spectra were generated from) and against
# voltage; I_D/I_G against time.
true_t = np.array([s["mid_time_s"] for s in insitu["raman_spectra"]]) / 3600
fig, axes = plt.subplots(1, 3, figsize=(14, 3.9), layout="constrained")
result.plot(axes[0])
axes[0].plot(true_t, [s["g_position"] for s in insitu["raman_spectra"]], "k--", lw=1,
             label="truth")
axes[0].legend(fontsize="small")
result.plot_vs_voltage(axes[1])
result.plot(axes[2], key="id_ig")
axes[2].plot(true_t, [s["id_ig"] for s in insitu["raman_spectra"]], "k--", lw=1, label="truth")
axes[2].legend(fontsize="small")
axes[2].set_ylabel("I_D/I_G")
for ax in axes[0], axes[2]:  # the cycler file runs on after the Raman series ended
    ax.set_xlim(-0.5, true_t[-1] + 1)
plt.show()
