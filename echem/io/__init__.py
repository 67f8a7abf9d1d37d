"""Battery-cycler readers: every format becomes one tidy cycler :class:`xarray.Dataset`.

The cycler Dataset (the contract of ``ARCHITECTURE.md``) has one dimension ``record`` and

========================  ==========  ================================================
variable                  units       meaning
========================  ==========  ================================================
``time``                  s           time since the start of the record
``voltage``               V           cell voltage (working electrode vs Na⁺/Na in a half cell)
``current``               mA          negative = reduction = sodiation (discharge of Na||HC)
``capacity``              mA*h/g      specific capacity passed since the start of the step
                                      (only when the active mass is known)
``capacity_abs``          mA*h        the same in mA*h (always present)
``cycle``                 1           cycle index as the file counts it (derived when the
                                      file has none: a cycle starts with each half cycle of
                                      the first half cycle's direction)
``step``                  1           running index of contiguous segments (1, 2, ...): a
                                      new step starts whenever the program step, the step
                                      type or the cycle changes
``step_type``             –           ``"rest"``, ``"cc_discharge"``, ``"cc_charge"``, ``"cv"``
``program_step``          1           the file's own step / sequence number (if it has one)
``timestamp``             –           datetime64[ns] UTC, when the absolute time is known
========================  ==========  ================================================

attrs: ``start_time`` (ISO-8601; with offset when the zone is known, else local time with
``start_time_zone = "unknown"``), ``active_mass_mg`` (and ``active_mass_source``),
``instrument``, ``capacity_source``, ``current_source``.

Formats: BioLogic EC-Lab ``.mpt`` (text, any locale) and ``.mpr`` (binary, charz's own
clean-room reader: column IDs decoded from the file layout and checked against the
``.mpt`` exports of the same runs or by physics; unknown IDs raise), Neware
``.nda``/``.ndax`` (via the BSD-3 ``NewareNDA`` package, extra ``neware``), Neware BTSDA
flat CSV, nested ("regular") CSV and ``.xlsx``, Arbin ``.res`` (via the Apache-2.0
``access-parser``, extra ``arbin``), Arbin CSV/XLSX exports, Maccor text exports (any
suffix), Novonix HPC CSV, LANHE/Landt ``.xlsx`` (new and old layout) and a generic cycler
CSV (``time_s, voltage_V, current_mA, capacity_mAh, cycle, step`` style headers, header
sniffed; ``# active_mass_mg:`` header line).

One module per vendor family: :mod:`~echem.io.biologic`, :mod:`~echem.io.neware`,
:mod:`~echem.io.arbin`, :mod:`~echem.io.maccor`, :mod:`~echem.io.landt`,
:mod:`~echem.io.novonix`, :mod:`~echem.io.generic` (generic, Arbin and Neware flat CSV);
the Dataset builder is in ``echem.io._dataset`` and the column mapping of tables in
``echem.io._tables``. Every public reader is re-exported here.

Not read: BioLogic ``.mpl`` logs (no data), Maccor EIS (FRA) exports, Landt binary
``.cex``/``.ccs``, impedance techniques in ``.mpr``/``.mpt``.
"""


from echem.io._dataset import (
    MAX_SPECIFIC_CAPACITY,
    CyclerDataError,
    cycler_dataset,
    with_mass,
)
from echem.io.arbin import read_arbin_res, read_arbin_xlsx
from echem.io.biologic import MPR_COLUMNS, read_biologic_mpr, read_biologic_mpt
from echem.io.generic import read_cycler_csv
from echem.io.landt import read_landt_xlsx
from echem.io.maccor import read_maccor_txt
from echem.io.neware import read_neware_nda, read_neware_nested_csv, read_neware_xlsx
from echem.io.novonix import read_novonix_csv

__all__ = [
    "MAX_SPECIFIC_CAPACITY",
    "MPR_COLUMNS",
    "CyclerDataError",
    "cycler_dataset",
    "read_arbin_res",
    "read_arbin_xlsx",
    "read_biologic_mpr",
    "read_biologic_mpt",
    "read_cycler_csv",
    "read_landt_xlsx",
    "read_maccor_txt",
    "read_neware_nda",
    "read_neware_nested_csv",
    "read_neware_xlsx",
    "read_novonix_csv",
    "with_mass",
]
