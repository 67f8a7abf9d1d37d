"""In-situ / operando Raman: read a time series, track the G band, join the voltage curve.

On sodiation the G band of hard carbon softens (red-shifts) and weakens and the D band
drops (FIELD-NOTES §2.8); papers show the Raman-shift × time heatmap beside V(t) and traces
of the G position (BWF apex), I_D/I_G and Γ_G against time, voltage or capacity.

:func:`read_series` gives a ``(time, raman_shift)`` DataArray from one time-series file
(LabSpec matrix, Renishaw series ``.wdf``) or a folder of single spectra (stacked with
:func:`charz.series.stack_frames`). With ``tz`` (the instrument clock's zone; LabSpec writes
local time without one) it adds the absolute ``timestamp`` (UTC, mid-acquisition) that
:func:`charz.series.attach_echem` uses to align the cycler data. :func:`track_bands` fits
every spectrum (:func:`raman.bands.fit_bands`, batched) and returns a table over ``time``
with ``voltage``/``capacity`` attached when a cycler Dataset is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.display import DescriptorsHTMLMixin
from charz.errors import CharzError

__all__ = ["InsituRamanResult", "read_series", "track_bands"]


def read_series(
    source: str | Path | Sequence[str | Path],
    *,
    tz: str | None = None,
    laser: float | None = None,
    pattern: str = "*",
) -> xr.DataArray:
    """Read an operando Raman series as ``(time, raman_shift)``.

    Parameters
    ----------
    source : path or sequence of paths
        One file holding a time series (LabSpec matrix ``.txt``, series ``.wdf``), or a
        folder / list of single-spectrum files (natural order; their ``start_time`` attrs
        give the times).
    tz : str, optional
        Time zone of zone-less start times (``"Europe/Berlin"``, ``"+01:00"``): needed to
        align with cycler data by absolute time.
    laser : float, optional
        Laser wavelength in nm, passed to the reader.
    pattern : str
        Glob pattern for a folder.

    Returns
    -------
    xarray.DataArray
        ``time`` in s (since the first spectrum) and, when the start is known with its
        zone, a ``timestamp`` coordinate (UTC, mid-acquisition: start + time + half of
        acquisition time × accumulations).
    """
    import charz
    from charz.series import read_frames, stack_frames, to_utc

    opts = {} if laser is None else {"laser": laser}
    paths = [Path(source)] if isinstance(source, str | Path) else [Path(p) for p in source]
    if len(paths) == 1 and paths[0].is_file():
        series = charz.read(paths[0], technique="raman", **opts)
        if "time" not in series.dims:
            raise CharzError(
                f"{paths[0].name}: not a time series (dims {tuple(series.dims)}); give a "
                "folder of spectra or a time-series file"
            )
    else:
        frames = read_frames(paths[0] if len(paths) == 1 else paths, technique="raman",
                             pattern=pattern, **opts)
        for f in frames:
            if "acquisition_time_s" in f.attrs:
                f.attrs.setdefault("exposure_s", float(f.attrs["acquisition_time_s"])
                                   * float(f.attrs.get("accumulations", 1)))
        series = stack_frames(frames, tz=tz)
        return series
    if "timestamp" not in series.coords and series.attrs.get("start_time"):
        start = series.attrs["start_time"]
        try:
            t0 = to_utc(start, tz=tz)
        except CharzError:
            t0 = None  # no zone and no tz: relative times only
        if t0 is not None:
            acq = float(series.attrs.get("acquisition_time_s", 0.0)) * float(
                series.attrs.get("accumulations", 1.0))
            offs = (series["time"].values * 1e9).astype("timedelta64[ns]")
            stamps = t0 + offs + np.timedelta64(round(acq * 5e8), "ns")
            series = series.assign_coords(timestamp=("time", stamps, {
                "long_name": "timestamp (UTC, mid-acquisition)"}))
    return series


@dataclass(frozen=True, slots=True, eq=False)
class InsituRamanResult(DescriptorsHTMLMixin):
    """Band parameters of every spectrum of an operando series.

    Attributes
    ----------
    table : xarray.Dataset
        Over ``time``: ``g_position``, ``id_ig``, ``ad_ag``, ``g_fwhm``, ``d_position``,
        ``d_fwhm`` (+ ``_stderr``), ``success``, ``flags``; ``voltage``/``capacity``
        coordinates when a cycler was given; ``timestamp`` when known. Spectra without
        signal have ``success=False`` and NaN values (left out of means and plots).
    fit : raman.bands.BandFitResult
        The underlying fit (``fit.curves({"time": i})`` for one spectrum).
    series : xarray.DataArray
        The series as fitted (before cropping), with echem coordinates when attached.
    cycler : xarray.Dataset or None
    """

    table: xr.Dataset
    fit: Any = field(repr=False)
    series: xr.DataArray = field(repr=False)
    cycler: Any = field(default=None, repr=False)

    def descriptors(self) -> dict:
        """Record quantities: the mean over the good spectra (see ``BandFitResult``)."""
        return self.fit.descriptors()

    def summary(self) -> str:
        """``"110/168 fitted, 58 without signal"``."""
        return self.fit.summary()

    def to_csv(self, path: str | Path) -> Path:
        """Per-spectrum table as CSV (atomically): units in the column names, loads with
        ``pandas.read_csv`` defaults; method and sources go to the JSON sidecar
        (:func:`charz.output.write_csv`)."""
        from charz.output import source_files, unit_columns, write_csv

        keys = [k for k in ("g_position", "g_position_stderr", "id_ig", "id_ig_stderr",
                            "ad_ag", "g_fwhm", "d_position", "d_fwhm", "success", "flags")
                if k in self.table]
        df = unit_columns(self.table, keys)
        meta = {"method": " | ".join(dict.fromkeys(self.fit.methods.values())),
                "summary": self.summary(), "laser wavelength (nm)": self.fit.laser,
                "sources": [{"file": f, "sha256": h or None}
                            for f, h in source_files(self.series, self.fit.source)]}
        return write_csv(path, df, metadata=meta, index=True, float_format="%.6g")

    def to_netcdf(self, path: str | Path) -> Path:
        """Write the spectra and the per-spectrum band parameters as one NetCDF file.

        Every number has ``units``; global attributes give the method, the laser
        wavelength (nm), the source files with their SHA-256 and the charz version
        (:func:`charz.output.write_netcdf`). Written atomically.
        """
        from charz.output import result_attrs, write_netcdf

        ds = self.table.copy()
        ds["data"] = self.series.drop_vars([c for c in self.series.coords
                                            if c in ds.coords and c not in self.series.dims])
        iunit = str(self.series.attrs.get("units", "count"))
        units = {}
        for name in ds.data_vars:
            n = str(name)
            if n.startswith("background_c"):
                units[n] = iunit  # polynomial in the normalised shift: intensity units
            elif n.endswith(("_center", "_fwhm", "_position")):
                units[n] = "1/cm"
            elif n.endswith(("_height", "_apex_height")):
                units[n] = iunit
            elif n.endswith("_area"):
                units[n] = f"{iunit}/cm"
            elif n.endswith(("_q", "_dropped")) or n == "spikes":
                units[n] = "1"
        extra = {} if self.fit.laser is None else {"laser_wavelength": float(self.fit.laser)}
        return write_netcdf(ds, path, units=units,
                            attrs=result_attrs(self.fit, extra, data=self.series))

    def plot(self, ax: Any = None, *, key: str = "g_position") -> Any:
        """``key`` (default G position) against time (h), with the voltage on a twin axis.

        Spectra without a fit are left out, flagged ones drawn hollow; the legend counts
        both (:func:`charz.plotting.trend`).
        """
        import matplotlib.pyplot as plt

        from charz.plotting import above_twin, key_label, trend

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 3.5), layout="constrained")
        t = self.table["time"].values / 3600.0
        cyc = self.cycler
        if (cyc is not None and "timestamp" in self.table.coords and "timestamp" in cyc):
            # on the cycler's clock: spectra at their absolute (mid-acquisition) times
            t0 = np.asarray(cyc["timestamp"].values)[0]
            t = ((np.asarray(self.table["timestamp"].values) - t0) / np.timedelta64(1, "s")
                 + float(cyc["time"].values[0])) / 3600.0
        v = self.table[key]
        err = self.table.get(f"{key}_stderr")
        trend(ax, t, v.values, yerr=None if err is None else err.values,
              success=self.table["success"].values, flags=self.table["flags"].values,
              color="C3", label=key_label(key), elinewidth=0.8)
        ax.set_xlabel("time (h)")
        unit = v.attrs.get("units", "")
        ax.set_ylabel(key_label(key, unit))
        if self.cycler is not None:
            ax2 = ax.twinx()
            ax2.plot(self.cycler["time"].values / 3600.0, self.cycler["voltage"].values,
                     color="0.4", lw=0.8)
            ax2.set_ylabel("voltage (V vs Na$^+$/Na)")
            above_twin(ax, ax2)
        return ax

    def plot_vs_voltage(self, ax: Any = None, *, key: str = "g_position") -> Any:
        """``key`` against the attached voltage (flagged spectra hollow, failed left out)."""
        import matplotlib.pyplot as plt

        from charz.plotting import key_label, trend

        if "voltage" not in self.table.coords:
            raise CharzError("plot_vs_voltage: no voltage attached (give a cycler)")
        if ax is None:
            _, ax = plt.subplots(figsize=(4.5, 3.5), layout="constrained")
        trend(ax, self.table["voltage"].values, self.table[key].values,
              success=self.table["success"].values, flags=self.table["flags"].values,
              label=key_label(key), line=True)
        ax.set_xlabel("voltage (V vs Na$^+$/Na)")
        unit = self.table[key].attrs.get("units", "")
        ax.set_ylabel(key_label(key, unit))
        ax.invert_xaxis()
        return ax

    def heatmap(self, *, title: str | None = None, xlim: tuple[float, float] | None = None) -> Any:
        """Raman-shift × time heatmap with the voltage curve beside it (charz.series)."""
        from charz.series import plot_heatmap

        return plot_heatmap(self.series, cycler=self.cycler, xlim=xlim, title=title)


def track_bands(
    series: xr.DataArray,
    *,
    model: str = "two_band",
    cycler: xr.Dataset | None = None,
    offset_s: float = 0.0,
    align: str = "absolute",
    tz: str | None = None,
    window: tuple[float, float] | None = (1000.0, 1800.0),
    **fit_options: Any,
) -> InsituRamanResult:
    """Fit every spectrum of an operando series and tabulate G position, I_D/I_G, widths.

    Parameters
    ----------
    series : xarray.DataArray
        ``(time, raman_shift)`` (:func:`read_series`).
    model : str
        Band model (:data:`raman.bands.MODELS`); default two_band (G = BWF apex).
    cycler : xarray.Dataset, optional
        Cycler data (echem readers' contract); voltage and capacity are interpolated onto
        the spectra's times (:func:`charz.series.attach_echem`).
    offset_s : float
        Cycler clock offset in s (see :func:`charz.series.attach_echem`).
    align : {'absolute', 'relative'}
        ``absolute`` (default): spectra and cycler matched by absolute time; a clock
        without a zone raises :class:`~charz.errors.MissingMetadataError` unless ``tz``
        (cycler) / ``read_series(..., tz=)`` (spectra) gives it. ``relative``: the first
        spectrum at the cycler's start.
    tz : str, optional
        Zone of a zone-less cycler clock.
    window : (float, float) or None
        Fit window in 1/cm (operando cells often cut the range; default 1000–1800).
    **fit_options
        Passed to :func:`raman.bands.fit_bands` (``baseline``, ``despike``, ``laser``,
        ``la_relation``, ``engine`` ...).

    Returns
    -------
    InsituRamanResult
    """
    from charz.series import attach_echem
    from raman.bands import fit_bands

    if "time" not in series.dims:
        raise CharzError(f"track_bands: the series needs a 'time' dimension, got {series.dims}")
    if cycler is not None:
        series = attach_echem(series, cycler, offset_s=offset_s, align=align, tz=tz)
    res = fit_bands(series, model=model, window=window, **fit_options)
    table = res.maps
    for name in ("voltage", "capacity", "timestamp"):
        if name in series.coords and name not in table.coords:
            table = table.assign_coords({name: series[name]})
    return InsituRamanResult(table, res, series, cycler)
