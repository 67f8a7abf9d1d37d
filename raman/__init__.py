"""raman: Raman spectra of disordered carbons (hard carbon first of all).

- :mod:`raman.io` — readers registered with :func:`charz.read` (two-column text/CSV, long
  map text, HORIBA LabSpec ``.txt``/``.xml``, Renishaw ``.wdf``, Thermo ``.spc``, WITec
  text, Bruker OPUS);
- :mod:`raman.baseline` — :func:`crop`, :func:`remove_spikes`, :func:`subtract_baseline`;
- :mod:`raman.bands` — :func:`fit_bands` (two_band, three_band, four_band, sadezky; optional
  second order) → ``id_ig``, ``ad_ag``, ``la_raman``, ``d_position``, ``g_position``,
  ``d_fwhm``, ``g_fwhm``;
- :mod:`raman.la` — :func:`la_from_ratio` (cancado, tuinstra_koenig, ferrari);
- :mod:`raman.batch` — the fast batched fitter behind maps and series;
- :mod:`raman.insitu` — operando series: :func:`read_series`, :func:`track_bands`.

Importing the package registers the readers only (no lmfit, numba or matplotlib import);
the analysis functions are loaded on first use.

Result design: ``fit_bands(...)`` returns a :class:`raman.bands.BandFitResult` (a
:class:`charz.series.SeriesResult`): ``result.maps`` is an xarray Dataset over the
spectra's other dimensions (``result.maps["g_position"]`` has dims ``(y, x)``; with
``success`` and ``flags``), ``result.descriptors()`` gives ``dict[str, Measurement]`` (for a
map or series the mean ± standard error of the good spectra), ``result.summary()`` the
counts, ``result.curves(index)`` one spectrum's curves on demand. Every fit runs through
:func:`charz.series.apply_series` (numpy in-process; dask chunk by chunk on any
scheduler). No new descriptor keys are registered.
"""

from __future__ import annotations

from charz._lazy import lazy_exports
from charz.plugins import Technique
from raman import _cli, _demo, io  # noqa: F401  (io registers the readers)
from raman.io import make_spectrum, to_raman_shift

#: The plugin declaration (entry point ``charz.techniques``: ``raman = "raman:technique"``).
technique = Technique.from_modules(
    "raman", "Raman D/G band fits: ID/IG, AD/AG, La, band positions and widths", cli=_cli,
    demo=_demo)

__all__ = [
    "crop",
    "fit_bands",
    "la_from_ratio",
    "make_spectrum",
    "read_series",
    "remove_spikes",
    "subtract_baseline",
    "technique",
    "to_raman_shift",
    "track_bands",
]

_EXPORTS = {
    "raman.baseline": ("crop", "remove_spikes", "subtract_baseline"),
    "raman.bands": ("fit_bands",),
    "raman.la": ("la_from_ratio",),
    "raman.insitu": ("read_series", "track_bands"),
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
