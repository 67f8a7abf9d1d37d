"""Readers of Raman files, registered with :func:`charz.read`.

Every reader returns an :class:`xarray.DataArray` named ``intensity`` whose last dimension
is ``raman_shift`` (coordinate in ``1/cm``, **sorted ascending**), with leading dimensions
for series and maps:

``time``
    time series (s since the first spectrum; ``attrs["start_time"]`` ISO-8601 as the file
    gives it — LabSpec local time has no zone — and a ``timestamp`` datetime64 coordinate,
    UTC, when the file states absolute UTC times, as Renishaw ``.wdf`` does);
``y``, ``x``
    maps on a regular grid (µm);
``spectrum``
    everything else with several spectra (line scans, numbered points, irregular maps),
    with ``x``/``y``/``z``/``distance`` as non-dimension coordinates when known;
``z``
    depth series (µm).

Attributes (flat, netCDF-safe): ``laser_wavelength`` (nm) when the file says;
``axis_unit_file`` (the spectral unit as stored: ``1/cm``, ``nm``, ``1/cm abs``, ``eV``);
``start_time``; ``acquisition_time_s``; ``accumulations``; ``instrument``; ``title``;
``header_json`` (the whole header). Axes in nm, absolute cm⁻¹ or eV are converted to Raman
shift with the laser wavelength (from the file, else ``laser=`` in nm from the user; a user
value wins and the file's is kept as ``laser_wavelength_file``); without one the reader
raises :class:`~charz.errors.MissingMetadataError`.

Formats (FIELD-NOTES §5.3)
--------------------------
- two-column text/CSV (``.txt``, ``.csv``, ``.dat``, ``.asc``; either axis order, any
  separator, optional header naming the columns);
- long-form map text (``#X #Y #Wave #Intensity``, WiRE "Save as txt") → pivoted to
  ``(y, x, raman_shift)``;
- HORIBA LabSpec ``.txt`` (Latin-1/cp1252, ``#Key=<TAB>value`` header; 2 columns, matrix,
  time-series and map layouts; ``#AxisType[n]``/``#AxisUnit[n]`` respected) and ``.xml``
  (``<LSX_Data>`` tree);
- Renishaw ``.wdf`` through Renishaw's own ``renishaw-wdf`` package (import name ``wdf``;
  extra ``wdf``): single spectra, maps, line scans, time and depth series, interrupted runs
  (``ncollected < nspectra``);
- Thermo/Galactic ``.spc`` (new LSB format ``0x4B`` and the old format ``0x4D``; single and
  multi-file; written from the published header layout, no vendor code);
- WITec "Exported ASCII-File" text;
- Bruker OPUS (FT-Raman) through ``brukeropus`` (extra ``opus``; the Raman block ``r``).

``.gz``, ``.bz2`` and ``.xz`` copies are read transparently (by :func:`charz.read`). One
module per vendor family: :mod:`raman.io.text`, :mod:`raman.io.horiba`,
:mod:`raman.io.witec`, :mod:`raman.io.renishaw`, :mod:`raman.io.thermo`,
:mod:`raman.io.bruker`; shared pieces in ``raman.io._common``.
"""


from __future__ import annotations

from raman.io._common import CM_PER_EV, make_spectrum, to_raman_shift
from raman.io.bruker import read_opus
from raman.io.horiba import read_labspec_txt, read_labspec_xml
from raman.io.renishaw import read_wdf
from raman.io.text import read_long_map, read_two_column
from raman.io.thermo import read_spc
from raman.io.witec import read_witec_txt

__all__ = [
    "CM_PER_EV",
    "make_spectrum",
    "read_labspec_txt",
    "read_labspec_xml",
    "read_long_map",
    "read_opus",
    "read_spc",
    "read_two_column",
    "read_wdf",
    "read_witec_txt",
    "to_raman_shift",
]
