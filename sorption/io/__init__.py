"""Readers of gas-sorption isotherm files, and the isotherm Dataset they all return.

The isotherm Dataset
--------------------
Every reader returns the same structure (build one yourself with :func:`make_isotherm`):

- one dimension ``point`` (measurement order, adsorption first, then desorption);
- data variables ``amount`` (mmol/g, amount adsorbed per gram of sample),
  ``relative_pressure`` (p/p0, unit ``1``), ``branch`` (``"adsorption"`` or
  ``"desorption"``), and where the file has them ``pressure`` (Pa) and ``p0`` (Pa,
  saturation pressure per point);
- attrs ``adsorbate`` (canonical: ``N2``, ``Ar``, ``Kr``, ``CO2`` or the file's name),
  ``temperature_K``, ``sample_mass_g`` (when known), ``amount_unit_original`` (the file's
  unit; gas volumes at STP are converted with 22.414 cm^3/mmol), ``instrument``,
  ``sample``, ``cleaning`` (a list of notes on every point that was dropped, empty when none),
  ``p0_source`` when p0 was not in the file, and for vendor reports
  ``vendor_report_json`` (the vendor's own BET, t-plot, BJH numbers; see
  :func:`vendor_report`).

:func:`branch` returns one branch as a DataArray over ``relative_pressure``, which is what
the analyses use.

Cleaning (never silent)
-----------------------
Points with a non-finite value, a relative pressure ≤ 0 (BELSORP writes negative
pressures at the start of micropore isotherms), exact duplicates, and points that break
the monotonic order of their branch (p/p0 rising on adsorption, falling on desorption) are
dropped; each drop is recorded in ``attrs["cleaning"]`` and announced with one
:class:`~charz.errors.DataCleaningWarning`. A file with fewer than 2 usable points raises
:class:`~charz.errors.CorruptFileError` saying so (e.g. a run stopped after one point).

Formats
-------
Micromeritics report exports (.xls/.xlsx), 3P Instruments .xlsx, BELSORP .DAT and
BELMaster .csv (also Shift-JIS headers), Quantachrome/Anton Paar "Raw Analysis Data"
.txt (ASiQwin and NovaWin; volumes per sample are divided by the sample mass) and ASiQwin
"(Isotherm)" report .txt, AIF (.aif, .aif_tst), pyGAPS JSON/CSV/Excel (loadings per volume
or mole of material converted with the material density or molar mass in the file),
adsorption-file-parser JSON (``meta`` + ``data``), BETSI two-column CSV (N2 at 77.35 K and
cm^3(STP)/g assumed and recorded in ``attrs["assumed"]``), NIST ISODB JSON, and the plain
charz CSV (``# adsorbate:``, ``# temperature_K:``,
``# sample_mass_g:``, ``# amount_unit:`` header lines and columns ``branch,
relative_pressure, amount`` or ``pressure, p0, amount``).

Modules
-------
One module per vendor family — :mod:`~sorption.io.micromeritics`,
:mod:`~sorption.io.threep`, :mod:`~sorption.io.bel`, :mod:`~sorption.io.quantachrome`,
:mod:`~sorption.io.aif`, :mod:`~sorption.io.pygaps` (pyGAPS, adsorption-file-parser and
NIST ISODB formats), :mod:`~sorption.io.plain_csv` (charz and BETSI CSV) — with
:mod:`~sorption.io.workbook` the one registered reader of ``.xls``/``.xlsx`` that hands a
workbook to its vendor's module. The Dataset builder lives in ``sorption.io._isotherm``.
Every public reader is re-exported here.
"""


from __future__ import annotations

from sorption.io._isotherm import (
    amount_factor,
    branch,
    make_isotherm,
    pressure_factor,
    vendor_report,
)
from sorption.io.aif import read_aif
from sorption.io.bel import read_bel
from sorption.io.plain_csv import read_csv
from sorption.io.pygaps import read_pygaps_json
from sorption.io.quantachrome import read_quantachrome
from sorption.io.workbook import read_workbook

__all__ = [
    "amount_factor",
    "branch",
    "make_isotherm",
    "pressure_factor",
    "read_aif",
    "read_bel",
    "read_csv",
    "read_pygaps_json",
    "read_quantachrome",
    "read_workbook",
    "vendor_report",
]
