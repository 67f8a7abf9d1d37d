"""
A Raman map: G position and I_D/I_G
====================================

``raman/HC-demo_map.txt`` is a 6 × 5 point map in Renishaw WiRE's long-form text export
(x, y, Raman shift, intensity per line), generated with I_D/I_G rising along x and the G
apex moving along y. :func:`charz.read` returns an ``xarray.DataArray`` over
``(y, x, raman_shift)``; :func:`raman.fit_bands` fits every spectrum (the batched engine
for 10 spectra or more) and returns ``maps``: one variable per descriptor over ``(y, x)``,
with ``<key>_stderr``, ``success`` and ``flags``.
"""

import matplotlib.pyplot as plt
import numpy as np

import charz
import raman
from charz.examples import path, truth

# WiRE text has no laser wavelength: it is stated (and recorded as user-given)
raman_map = charz.read(path("raman/HC-demo_map.txt"), laser=532.0)
print(dict(raman_map.sizes), "| laser", raman_map.attrs["laser_wavelength"],
      raman_map.attrs["laser_wavelength_source"])

result = raman.fit_bands(raman_map, la_relation="tuinstra_koenig")
maps = result.maps
print(maps[["id_ig", "g_position", "success"]])

# %%
# The two maps. ``plot_map`` draws one variable of ``maps`` over the scan coordinates.
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6), layout="constrained")
result.plot_map("id_ig", ax=axes[0], cmap="viridis")
result.plot_map("g_position", ax=axes[1], cmap="magma")
plt.show()

# %%
# Recovered against the generator: I_D/I_G along x (averaged over y) and the G position
# along y (averaged over x), with the truth used to write the file.
true = truth()["raman"]["map"]
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.4), layout="constrained")
axes[0].errorbar(maps["x"], maps["id_ig"].mean("y"), yerr=maps["id_ig"].std("y"), fmt="o",
                 label="fitted (mean ± sd over y)")
axes[0].plot(true["x_um"], true["id_ig_along_x"], "k--", label="truth")
axes[0].set_xlabel("x (µm)")
axes[0].set_ylabel("I_D/I_G")
axes[0].legend()
axes[1].errorbar(maps["y"], maps["g_position"].mean("x"), yerr=maps["g_position"].std("x"),
                 fmt="o", label="fitted (mean ± sd over x)")
axes[1].plot(true["y_um"], true["g_position_along_y"], "k--", label="truth")
axes[1].set_xlabel("y (µm)")
axes[1].set_ylabel("G position (cm⁻¹)")
axes[1].legend()
plt.show()

# %%
# For the record, a map reduces to the mean ± standard error of its good spectra
# (``n`` in ``extra``), so a map and a single spectrum fill the same descriptor keys.
for key, m in result.descriptors().items():
    print(f"{key:12s} {m!r}  n={m.extra.get('n')}")
print("all spectra fitted:", bool(np.all(maps["success"])))
