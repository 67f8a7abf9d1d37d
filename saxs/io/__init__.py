"""SAXS readers: 1-D curves I(q) and 2-D detector images integrated with pyFAI.

Every 1-D reader returns the same object (the charz SAXS curve)::

    <xarray.DataArray 'intensity' (q: N)>
    coords:  q      (q)  float  attrs units="1/nm", long_name="q"
             sigma  (q)  float  one standard uncertainty of I, in I's unit (NaN if absent)
             dq     (q)  float  q resolution, 1/nm (only when the file has it)
    attrs:   units (I's unit: "1/cm" absolute scale, "count", or "1" for arbitrary units),
             long_name "intensity", technique "saxs", q_unit_original ("1/A" or "1/nm"),
             q_unit_from ("file header", "format", "user"), plus what the file states:
             wavelength_nm, thickness_cm, transmission, slit_length (1/nm), title, ...

q is stored in 1/nm (ARCHITECTURE.md); files in 1/Å are converted on load
(q[1/nm] = 10 q[1/Å]) and the original unit is recorded. The q unit comes from the file
(column headers such as ``q [1/A]``, ``Q (A-1)``, canSAS/NXcanSAS unit attributes) or from
the format's definition (NIST ABS: 1/Å; Anton Paar PDH: 1/nm), else from the user's
``q_unit=`` option. When neither says, :class:`~charz.errors.MissingMetadataError` is
raised: a silent 1/Å vs 1/nm guess changes every length by a factor of 10.

Formats: plain text q/I/σ (``.dat``, ``.csv``, ``.txt``; header sniffed), NIST 6-column
``.abs`` (SANS and slit-smeared USANS), Anton Paar / Glatter ``.pdh``, canSAS 1D XML
(v1.0, v1.1), NXcanSAS HDF5 (also Irena/Nika files; needs h5py, extra ``hdf5``). 2-D
images (EDF, TIFF, CBF, ... through fabio) are integrated by :func:`integrate_image`
(pyFAI, extra ``pyfai``) from a PONI file and an optional mask.

One module per vendor family: :mod:`saxs.io.text`, :mod:`saxs.io.nist`,
:mod:`saxs.io.antonpaar`, :mod:`saxs.io.cansas`, :mod:`saxs.io.images`; shared pieces in
``saxs.io._common``.
"""

from __future__ import annotations

from saxs.io._common import make_curve, normalise_q_unit, q_unit_from_text
from saxs.io.antonpaar import read_pdh
from saxs.io.cansas import read_cansas_xml, read_nxcansas
from saxs.io.images import integrate_image
from saxs.io.nist import read_abs
from saxs.io.text import read, read_text

__all__ = [
    "integrate_image",
    "make_curve",
    "normalise_q_unit",
    "q_unit_from_text",
    "read",
    "read_abs",
    "read_cansas_xml",
    "read_nxcansas",
    "read_pdh",
    "read_text",
]
