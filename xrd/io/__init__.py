"""Readers of 1-D powder XRD files, registered with :func:`charz.read`.

Every reader returns an :class:`xarray.DataArray` named ``intensity`` over the dimension
``two_theta`` (coordinate in ``deg``); files with several scans (PANalytical repeated scans
and area maps, Rigaku multi-scan ``.ras``/``.rasx``, multi-range Bruker files) get a
leading ``scan`` dimension with per-scan coordinates ``start_time`` (ISO-8601 string, as in
the file) and ``timestamp`` (``datetime64``, UTC when the file states an offset; mid-point
of the acquisition when start and end are known, FIELD-NOTES §1.8).

Attributes that change results, where the file has them (all wavelengths in **nm**):

``wavelength``
    Kα1 (or the single wavelength) in nm.
``wavelength_ka2``, ``ka2_ratio``
    Kα2 wavelength (nm) and I(Kα2)/I(Kα1). A ratio of 0 means "no Kα2" (monochromated or
    stripped) and is kept as 0, never replaced by 0.5.
``wavelength_source``
    ``"file"``, ``"user"`` or ``"anode"`` (the file names the anode but gives no λ: the
    anode's tabulated Kα1 is used).

Also: ``anode``, ``start_time``, ``end_time``, ``counting_time_s``, ``sample``.

A file without a wavelength and without an anode needs ``wavelength=`` (nm) from the user
(``charz.read(path, wavelength=0.15406)``), else :class:`MissingMetadataError` is raised;
a user value always wins over the file's (the file's is kept in ``wavelength_file``).

Formats (FIELD-NOTES §5.1): ``.xy``/``.xye``/``.dat``/``.csv``/``.txt`` text (pyFAI/Dioptas
``# Wavelength:`` in metres, PANalytical CSV, charz ``# wavelength_ka1_nm:`` headers),
Fit2D ``.chi``, PANalytical ``.xrdml``, Bruker ``.raw`` (v3 ``RAW1.01``, v4 ``RAW4.00``),
``.brml`` and ``.uxd``, Rigaku ``.ras`` and ``.rasx``, GSAS ``.gsa``/``.gss``/``.xra``/
``.fxye`` (λ from a companion ``.prm``/``.instprm``). ``.bz2``/``.gz`` compressed copies are
read transparently (by :func:`charz.read`). One module per vendor family:
:mod:`xrd.io.text`, :mod:`xrd.io.panalytical`, :mod:`xrd.io.bruker`, :mod:`xrd.io.rigaku`,
:mod:`xrd.io.gsas`; shared pieces in ``xrd.io._common``. Only the standard library and numpy
are used: no vendor code was copied; the binary Bruker layout follows the published
DIFFRAC file-format description (DIFFRAC^plus XCH manual, Appendix A, as summarised by
xylib and GSAS-II).
"""

from __future__ import annotations

from xrd.io._common import ANODE_LINES, make_pattern
from xrd.io.bruker import read_brml, read_raw, read_uxd
from xrd.io.gsas import read_gsas
from xrd.io.panalytical import read_xrdml
from xrd.io.rigaku import read_ras, read_rasx
from xrd.io.text import read_chi, read_text_pattern, read_xrd_table, read_xy

__all__ = [
    "ANODE_LINES",
    "make_pattern",
    "read_brml",
    "read_chi",
    "read_gsas",
    "read_ras",
    "read_rasx",
    "read_raw",
    "read_text_pattern",
    "read_uxd",
    "read_xrd_table",
    "read_xrdml",
    "read_xy",
]
