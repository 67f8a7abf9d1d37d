"""
Operando XRD of a sodium half cell, against the voltage curve
==============================================================

``insitu_xrd/`` holds 29 patterns (``.xye``, 40 min each) recorded through a coin-cell window
while the cell of ``echem/HC-demo_cycler.csv`` was sodiated and desodiated. The cell adds a
Kapton hump at 17.5° and a Be (100) reflection at 45.8° to every frame.

:func:`xrd.read_series` stacks the frames over ``time`` (mid-acquisition, from each file's
start time and exposure); :func:`xrd.fit_002_series` fits the (002) band of every frame
with the cell peaks fitted too (``cell_peaks="fit"``), each frame seeded by the previous
one, and, given the cycler file, attaches the voltage and capacity at each frame's time.
"""

import matplotlib.pyplot as plt
import numpy as np

import charz
import xrd
from charz.examples import path, truth

series = xrd.read_series(path("insitu_xrd"))
cycler = charz.read(path("echem/HC-demo_cycler.csv"))
print(dict(series.sizes), "| λ =", series.attrs["wavelength"], "nm")

result = xrd.fit_002_series(series, cell_peaks="fit", cycler=cycler)
print(result.summary())

# %%
# The frames of the fit window as a heatmap over time beside the voltage curve (dashed: the
# fitted (002) position): the band moves to lower angle while sodium enters the interlayer
# spaces (the sloping region) and stays put on the low-voltage plateau (pore filling).
fig = result.heatmap(cycler=cycler)
plt.show()

# %%
# d002 of every frame against time and against the cell voltage, with the d002 the frames
# were generated with.
frames = truth()["insitu"]["xrd_frames"]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.9), layout="constrained")
result.plot(axes[0])
axes[0].plot(np.array([f["mid_time_s"] for f in frames]) / 3600, [f["d002"] for f in frames],
             "k--", lw=1, label="truth")
axes[0].legend(fontsize="small")
result.plot_vs_voltage(axes[1])
plt.show()

# %%
# A waterfall of every fourth frame, fitted curves over the data.
ax = result.waterfall(every=4)
plt.show()
