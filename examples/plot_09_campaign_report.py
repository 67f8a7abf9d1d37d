"""
A three-sample campaign: one table, comparison figures, correlations
====================================================================

Three hard carbons pyrolysed at 1100, 1300 and 1500 °C, each measured by XRD, Raman, SAXS
with He pycnometry, N2/CO2 sorption and a Na half cell, as raw files in the formats a real
lab produces (``.xrdml`` and ``.xy``, LabSpec and WiRE text, ``.pdh`` and q/I/σ text,
BELSORP, Quantachrome and AIF isotherms, BioLogic ``.mpt``, Maccor and CSV cycler files).
A manifest lists them; ``charz report`` (here :func:`charz.report.run_manifest`) analyses
every file, writes one table, the comparison figures, the structure–performance
correlations and ``report.html``.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import pandas as pd

from charz.examples import path
from charz.report import run_manifest

manifest = path("campaign/manifest.csv")
print(manifest.read_text())

out = Path(tempfile.mkdtemp()) / "campaign"
code = run_manifest(manifest, out)
print("exit code", code)
print(sorted(p.name for p in out.iterdir()))

# %%
# The campaign table, one row per sample (values in the record's units).
table = pd.read_csv(out / "table.csv")
table.iloc[:, :8]

# %%
# Structure–performance correlations: Pearson r, p and n for every pair with data for at
# least three samples.
corr = pd.read_csv(out / "correlations.csv")
corr.sort_values("p_value" if "p_value" in corr else corr.columns[-1]).head(10)

# %%
# The comparison figures written by the report, shown as saved.
for name in ("compare_xrd", "structure_performance"):
    fig, ax = plt.subplots(figsize=(7, 7), layout="constrained")
    ax.imshow(mpimg.imread(out / f"{name}.png"))
    ax.set_axis_off()
    ax.set_title(name)
plt.show()
