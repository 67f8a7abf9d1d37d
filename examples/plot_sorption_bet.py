"""
N2 and CO2 sorption: BET, BJH, t-plot and Dubinin–Radushkevich
==============================================================

The embedded hard carbon ``HC-demo`` has an N2 isotherm at 77 K and a CO2 isotherm at
273 K. BET uses the Rouquerol range (ISO 9277), BJH the desorption branch (ISO 15901-2),
the t-plot the Harkins–Jura thickness curve, and DR the CO2 isotherm.
"""

import matplotlib.pyplot as plt

import charz
import sorption
from charz.examples import path

n2 = charz.read(path("sorption/HC-demo_N2_77K.csv"), technique="sorption")
summary = sorption.summarize(n2)
for key, m in summary.descriptors().items():
    print(f"{key:22s} {m!r}")

# %%
# The isotherm with the BET range marked.
fig, ax = plt.subplots(layout="constrained")
ads = sorption.branch(n2, "ads")
ax.plot(ads["relative_pressure"], ads, "o-", ms=3, label="adsorption")
ax.set_xlabel("p/p0")
ax.set_ylabel("amount (mmol/g)")
ax.legend()
plt.show()
