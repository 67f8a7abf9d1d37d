"""
A three-sample campaign: one table, comparison figures, correlations
====================================================================

Three hard carbons pyrolysed at 1100, 1300 and 1500 °C, each measured by XRD, Raman, SAXS
with He pycnometry, N2/CO2 sorption and a Na half cell, as raw files in the formats a real
lab produces (``.xrdml`` and ``.xy``, LabSpec and WiRE text, ``.pdh`` and q/I/σ text,
BELSORP, Quantachrome and AIF isotherms, BioLogic ``.mpt``, Maccor and CSV cycler files).
A manifest lists them, one file per row, with per-file options where a file lacks a
metadatum (a wavelength, a laser line, an active mass).

On the command line, ``charz report manifest.csv --out DIR`` does all of this and writes
``records.json``, the tables (CSV, XLSX, LaTeX, Markdown), every figure as PNG and PDF,
``correlations.csv`` and ``report.html``. Here the same steps are called one by one and the
figures are drawn in place.
"""

import matplotlib.pyplot as plt

from charz.compare import compare_sorption, compare_xrd, structure_performance
from charz.correlate import correlation_table
from charz.examples import path
from charz.manifest import analyse_manifest
from charz.tables import to_dataframe

manifest = path("campaign/manifest.csv")
print(manifest.read_text())

records, results, batch = analyse_manifest(manifest)
print(f"{len(records)} samples; {len(batch.ok)} files analysed, {len(batch.failed)} failed")

# %%
# The campaign table, one row per sample (values in the record's units; a flagged value
# would carry a mark and a note).
table = to_dataframe(records)
table.iloc[:, :10]

# %%
# Structure–performance correlations: Pearson r, p and n for every pair of descriptors
# that at least three samples have (with three samples, read them as trends, not proof).
corr = correlation_table(records, pairs="all")
corr.head(10)

# %%
# Comparison figures: the XRD patterns and the isotherms of the three samples.
fig = compare_xrd(results)
plt.show()
fig = compare_sorption(results)
plt.show()

# %%
# Structural descriptors (columns) against performance (rows).
fig = structure_performance(records)
plt.show()
