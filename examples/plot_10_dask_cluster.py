"""
A Raman map on a dask cluster
=============================

A large map does not fit in memory, or takes too long on one core. Written to Zarr (or
NetCDF/HDF5) and opened lazily, it is fitted chunk by chunk on whatever dask scheduler is
active: :func:`charz.series.scheduler` starts a ``dask.distributed.LocalCluster`` here
(``"local:2"``: two single-threaded worker processes, closed when the block ends); the
same code runs on a cluster started elsewhere by passing its ``tcp://`` address, and the
command line takes the same string (``--scheduler local:2``). See :doc:`/cluster`.

To keep the example fast, the 6 × 5 example map is tiled into a 30 × 36 map (1080 spectra)
of the same spectra.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

import charz
import raman
from charz.examples import path
from charz.series import scheduler

small = charz.read(path("raman/HC-demo_map.txt"), laser=532.0)
big = xr.concat([xr.concat([small] * 6, dim="x")] * 6, dim="y")
big = big.assign_coords(y=np.arange(big.sizes["y"]) * 2.0, x=np.arange(big.sizes["x"]) * 2.0)
for name in ("x", "y"):
    big[name].attrs = {"units": "um", "long_name": name}
store = Path(tempfile.mkdtemp()) / "big_map.zarr"
chunked = big.to_dataset(name="intensity").chunk({"y": 6, "x": 36, "raman_shift": -1})
chunked.to_zarr(store, consolidated=False)

# %%
# Open lazily: nothing is loaded into this process until the fit asks for a chunk.
lazy = xr.open_zarr(store, consolidated=False)["intensity"]
print(lazy.data)

# %%
# Fit on a LocalCluster of two worker processes; leaving the ``with`` block closes it. (In
# a script run with ``python``, put the cluster part under ``if __name__ == "__main__":``,
# since worker processes import the script again; a notebook needs no guard.)
with scheduler("local:2") as client:
    print(client)
    result = raman.fit_bands(lazy, la_relation="tuinstra_koenig")
    maps = result.maps.compute()  # the maps are dask-backed until computed

print("fitted:", int(maps["success"].sum()), "of", maps["success"].size, "spectra")
for key, m in result.descriptors().items():
    print(f"{key:12s} {m!r}  n={m.extra.get('n')}")

# %%
# The I_D/I_G map: the pattern of the small map, repeated 6 × 6.
fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
maps["id_ig"].plot(ax=ax, cmap="viridis")
ax.set_title("I_D/I_G, fitted on a LocalCluster")
ax.set_aspect("equal")
plt.show()
