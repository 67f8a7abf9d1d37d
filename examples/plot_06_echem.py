"""
A sodium half cell: slope/plateau, plating onset, dQ/dV and GITT
================================================================

Four cycler files of the example hard carbon against sodium metal (CSV exports; the active
mass is in the file header, so capacities come out per gram):

* ``echem/HC-demo_cycler.csv``: two galvanostatic cycles at 30 mA/g —
  :func:`echem.cycle_capacities` (reversible capacity, initial coulombic efficiency) and
  :func:`echem.slope_plateau`: the sodiation capacity above and below 0.1 V, the two storage
  regimes of a hard carbon (the split voltage is an option and is stated in the ``method``);
* ``echem/HC-demo_oversodiation.csv``: a sodiation pushed below 0 V —
  :func:`echem.plating_onset` finds the capacity at the voltage minimum (the nucleation dip
  of sodium metal), and :func:`echem.dqdv.stripping_peak` the stripping peak in dQ/dV of the
  following desodiation;
* :func:`echem.dqdv.dqdv`: incremental capacity of the first cycle;
* ``echem/HC-demo_gitt.csv``: a GITT titration — :func:`echem.gitt.gitt` gives the apparent
  diffusion coefficient D(V) (Weppner & Huggins 1977) for a stated diffusion length.
"""

import matplotlib.pyplot as plt

import charz
import echem
from charz.examples import path, truth
from echem.dqdv import dqdv, stripping_peak
from echem.gitt import gitt

true = truth()["echem"]
cell = charz.read(path("echem/HC-demo_cycler.csv"))
print(f"{cell.sizes['record']} records, active mass {cell.attrs['active_mass_mg']} mg "
      f"({cell.attrs['active_mass_source']})")

caps = echem.cycle_capacities(cell)
split = echem.slope_plateau(cell, split_voltage=0.1)
for key, m in {**caps.descriptors(), **split.descriptors()}.items():
    print(f"{key:30s} {m!r:26s} truth {true[key]:.4g}")

# %%
# Voltage against capacity for each cycle, the slope/plateau split of the first
# sodiation, and dQ/dV of the first desodiation: the low-voltage plateau is the peak below
# 0.1 V (grey: the binned derivative before smoothing).
fig, axes = plt.subplots(1, 3, figsize=(13, 3.9), layout="constrained")
caps.plot(axes[0])
split.plot(axes[1])
dqdv(cell).plot(axes[2])
plt.show()

# %%
# Over-sodiation: when the cell is driven past the plateau, sodium metal nucleates at the
# voltage minimum; the capacity there is the plating onset. The stripping of that sodium
# shows as a dQ/dV peak a few mV above 0 V on the next desodiation.
over = charz.read(path("echem/HC-demo_oversodiation.csv"))
onset = echem.plating_onset(over)
strip = stripping_peak(over)
ov_true = true["oversodiation"]
print(f"plating onset {onset.plating_onset_capacity!r} "
      f"(truth {ov_true['plating_onset_capacity']:.1f})")
print(f"stripping peak at {strip.peak_voltage * 1000:.1f} mV "
      f"(truth {ov_true['stripping_peak_voltage'] * 1000:.0f}), "
      f"{strip.stripping_capacity:.1f} mA·h/g stripped "
      f"(truth {ov_true['stripping_capacity']:.1f})")
fig, axes = plt.subplots(1, 2, figsize=(10, 3.9), layout="constrained")
onset.plot(axes[0])
strip.plot(axes[1])
axes[1].set_xlim(-0.02, 0.4)
plt.show()

# %%
# GITT: each current pulse and the rest after it give one D; the diffusion length
# (here 10 µm) must be given — it scales D by its square. The grey line is the D(V) the
# file was generated from.
g_true = true["gitt"]
titration = charz.read(path("echem/HC-demo_gitt.csv"))
result = gitt(titration, length_cm=g_true["length_cm"])
print(result.diffusion.to_dataframe().head())
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
result.plot(ax)
ax.semilogy(g_true["voltage_V"], g_true["diffusion_cm2_s"], "-", color="0.5", lw=1,
            label="generator D(V)")
ax.legend(fontsize="small")
plt.show()
