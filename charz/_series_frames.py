"""In-situ frames: reading, stacking on a time axis, aligning with cycler data, heatmaps.

Recipe (FIELD-NOTES §1.8, §5.6): timestamp each frame at mid-acquisition → common grid →
join cycler data by time (absolute timestamps when both sides have them, else relative time
with a stated offset; check that the two ranges overlap) → ``pcolormesh`` (uneven time
steps; not ``imshow``) with the voltage–time curve on a shared time axis.

Time coordinates: ``time`` is seconds since the first frame's mid-acquisition (float,
``units="s"``); ``timestamp`` (datetime64, UTC) is kept when the files give absolute times.

The public names are imported from :mod:`charz.series`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from charz.errors import CharzError, CharzWarning, MissingMetadataError, OptionError, ReadError
from charz.io.dates import parse_datetime, to_utc

__all__ = ["attach_echem", "natural_sorted", "plot_heatmap", "read_frames", "stack_frames"]


def natural_sorted(paths: Sequence[str | Path]) -> list[Path]:
    """Sort file names by their numbers (``map_2`` before ``map_11``); gaps are fine."""

    def key(p: Path) -> list[Any]:
        return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]

    return sorted((Path(p) for p in paths), key=key)


def read_frames(
    source: str | Path | Sequence[str | Path],
    *,
    technique: str | None = None,
    pattern: str = "*",
    **options: Any,
) -> list[xr.DataArray]:
    """Read a folder (or list) of single-frame files with :func:`charz.read`, in natural order."""
    from charz.io import read

    if isinstance(source, str | Path) and Path(source).is_dir():
        files = [p for p in Path(source).glob(pattern)
                 if p.is_file() and not p.name.startswith(".")]
    elif isinstance(source, str | Path):
        files = [Path(source)]
    else:
        files = [Path(p) for p in source]
    if not files:
        raise ReadError(f"{source}: no files match {pattern!r}")
    return [read(p, technique=technique, **options) for p in natural_sorted(files)]


def _frame_time(frame: xr.DataArray, tz: str | None) -> np.datetime64 | None:
    start = frame.attrs.get("start_time")
    if not start:
        return None
    t0 = to_utc(start, tz=tz)
    exposure = frame.attrs.get("exposure_s") or frame.attrs.get("duration_s")
    if exposure:
        t0 = t0 + np.timedelta64(round(float(exposure) * 5e8), "ns")  # mid-acquisition
    return t0


def stack_frames(
    frames: Sequence[xr.DataArray],
    *,
    dim: str = "time",
    times: Sequence[Any] | np.ndarray | None = None,
    tz: str | None = None,
    grid: np.ndarray | None = None,
) -> xr.DataArray:
    """Stack 1-D frames into a series with a leading time (or frame) dimension.

    Parameters
    ----------
    frames : sequence of xarray.DataArray
        1-D frames with the same spectral dimension (``two_theta``, ``raman_shift``, ``q``).
    dim : {'time', 'frame'}
        Name of the new dimension.
    times : sequence, optional
        Frame times: seconds (floats) or absolute timestamps. Default: each frame's
        ``attrs["start_time"]`` plus half its ``attrs["exposure_s"]`` (mid-acquisition);
        frames without times are numbered (``dim`` becomes ``frame``).
    tz : str, optional
        Zone of zone-less timestamps (see :func:`to_utc`).
    grid : ndarray, optional
        Common spectral grid; default the first frame's (others are interpolated onto it
        where their axes differ).

    Returns
    -------
    xarray.DataArray
        ``(dim, spectral)``, coords ``time`` (s since the first frame) and, when known,
        ``timestamp`` (datetime64, UTC); attrs of the first frame.
    """
    if not frames:
        raise CharzError("stack_frames: no frames given")
    spec_dims = {f.dims for f in frames}
    if len(spec_dims) != 1 or len(next(iter(spec_dims))) != 1:
        raise CharzError(
            f"stack_frames: frames must be 1-D with one common dimension, got {spec_dims}")
    (sdim,) = next(iter(spec_dims))
    x = np.asarray(frames[0][sdim].values, float) if grid is None else np.asarray(grid, float)
    rows = []
    for f in frames:
        fx = np.asarray(f[sdim].values, float)
        fy = np.asarray(f.values, float)
        if fx.shape == x.shape and np.allclose(fx, x, rtol=0, atol=1e-9 * max(1.0, np.ptp(x))):
            rows.append(fy)
        else:
            order = np.argsort(fx)
            rows.append(np.interp(x, fx[order], fy[order], left=np.nan, right=np.nan))
    data = np.vstack(rows)

    coords: dict[str, Any] = {sdim: (sdim, x, dict(frames[0][sdim].attrs))}
    attrs = dict(frames[0].attrs)
    stamps: np.ndarray | None = None
    if times is None:
        ts = [_frame_time(f, tz) for f in frames]
        if all(t is not None for t in ts):
            stamps = np.array(ts, dtype="datetime64[ns]")
    else:
        arr = np.asarray(times)
        if arr.dtype.kind in "if":
            seconds = arr.astype(float)
        else:
            stamps = np.array([to_utc(t, tz=tz) for t in times], dtype="datetime64[ns]")
    if stamps is not None:
        seconds = (stamps - stamps[0]) / np.timedelta64(1, "s")
        coords["timestamp"] = (dim, stamps, {"long_name": "timestamp (UTC, mid-acquisition)"})
        attrs["start_time"] = pd.Timestamp(stamps[0]).tz_localize("UTC").isoformat()
    elif times is None:
        dim = "frame"
        seconds = None
    if seconds is not None:
        if np.any(np.diff(seconds) <= 0):
            raise CharzError("stack_frames: frame times must increase strictly")
        coords[dim] = (dim, np.asarray(seconds, float), {"units": "s", "long_name": "time"})
    else:
        coords[dim] = (dim, np.arange(len(frames)), {"units": "1", "long_name": "frame"})
    sources = [str(f.attrs.get("source", "")) for f in frames]
    if any(sources):
        coords["source"] = (dim, np.array(sources, dtype=object))
    hashes = [str(f.attrs.get("sha256") or "") for f in frames]
    if any(hashes):  # per-frame provenance for the writers (charz.output.source_files)
        coords["sha256"] = (dim, np.array(hashes, dtype=object))
    for k in ("source", "sha256", "start_time", "exposure_s"):
        if k != "start_time" or stamps is None:
            attrs.pop(k, None)
    return xr.DataArray(data, dims=(dim, sdim), coords=coords, name=frames[0].name, attrs=attrs)


def _clock(obj: Any, what: str) -> str:
    """One phrase saying what absolute time a series or cycler record carries."""
    src = obj.attrs.get("source") or what
    if "timestamp" in obj.coords or "timestamp" in getattr(obj, "data_vars", {}):
        return f"{what} ({src}): absolute timestamps (UTC)"
    start = obj.attrs.get("start_time")
    if start:
        return f"{what} ({src}): local time {start!r} without a time zone"
    return f"{what} ({src}): relative times only (no start time in the file)"


def _cycler_timestamps(cycler: xr.Dataset, tz: str | None) -> np.ndarray | None:
    """UTC timestamps of the cycler records: its own, or start_time + time given ``tz``."""
    if "timestamp" in cycler:
        return np.asarray(cycler["timestamp"].values, "datetime64[ns]")
    start = cycler.attrs.get("start_time")
    if not start or tz is None:
        return None
    if parse_datetime(start).tzinfo is not None:  # zone known, no timestamp column: use it
        utc0 = to_utc(start)
    else:
        utc0 = to_utc(start, tz=tz)
    t = np.asarray(cycler["time"].values, float)
    return utc0 + np.round(t * 1e9).astype("timedelta64[ns]")


def attach_echem(
    series: xr.DataArray,
    cycler: xr.Dataset,
    *,
    dim: str = "time",
    tz: str | None = None,
    align: Literal["absolute", "relative"] = "absolute",
    offset_s: float = 0.0,
    variables: Sequence[str] = ("voltage", "capacity", "current"),
) -> xr.DataArray:
    """Interpolate the cycler's voltage (and capacity, current) onto the frames' times.

    Parameters
    ----------
    series : xarray.DataArray
        From :func:`stack_frames` or a technique's ``read_series``, with a ``time``
        coordinate (s) and, when the files give absolute times, ``timestamp`` (UTC).
    cycler : xarray.Dataset
        Cycler data (the ``echem`` readers' contract): ``time`` (s since start),
        ``voltage`` (V), optionally ``capacity`` (mA*h/g), ``current`` (mA) and
        ``timestamp`` (datetime64, UTC).
    tz : str, optional
        Zone of a cycler clock that wrote local time without a zone (``attrs
        ["start_time"]`` without offset), e.g. ``"Europe/Berlin"`` or ``"+01:00"``. (The
        frames' zone is given to their reader: ``read_series(..., tz=)``.)
    align : {'absolute', 'relative'}
        ``absolute`` (default): match by absolute time; both sides need it, otherwise
        :class:`~charz.errors.MissingMetadataError`. ``relative``: the explicit
        alternative when a clock is unknown: the first frame is put at the cycler's first
        record (both series start at zero), plus ``offset_s``.
    offset_s : float
        Seconds added to the frame times before matching (clocks that differ).

    Returns
    -------
    xarray.DataArray
        The series with ``voltage``/``capacity``/``current`` coordinates along ``dim``;
        ``attrs["echem_alignment"]`` says how times were matched.

    Raises
    ------
    MissingMetadataError
        ``align="absolute"`` and either side has no absolute time (zone-less local time
        and no ``tz``, or relative times only); the message names both clocks.
    OptionError
        ``align`` is not ``absolute`` or ``relative``.
    CharzError
        The frame times and the cycler times do not overlap.
    """
    if align not in ("absolute", "relative"):
        raise OptionError(f"align={align!r} is not 'absolute' or 'relative'")
    if dim not in series.dims:
        raise CharzError(f"attach_echem: series has no {dim!r} dimension ({series.dims})")
    if "time" not in cycler or "voltage" not in cycler:
        raise CharzError("attach_echem: the cycler data need 'time' (s) and 'voltage' (V)")
    t_cyc = np.asarray(cycler["time"].values, float)
    if align == "absolute":
        stamps = _cycler_timestamps(cycler, tz)
        if "timestamp" not in series.coords or stamps is None:
            raise MissingMetadataError(
                "cannot align the frames with the cycler by absolute time: "
                f"{_clock(series, 'frames')}; {_clock(cycler, 'cycler')}. Give the zone of "
                "the local clock(s) (tz=, --tz, e.g. Europe/Berlin or +01:00) or align the "
                "two series by their starts explicitly (align='relative', --align relative)"
            )
        c0 = stamps[0] - np.timedelta64(round(t_cyc[0] * 1e9), "ns")
        t_frame = (np.asarray(series["timestamp"].values, "datetime64[ns]") - c0) / np.timedelta64(
            1, "s"
        ) + offset_s
        how = f"absolute timestamps (UTC), offset {offset_s:g} s"
    else:
        t_rel = np.asarray(series[dim].values, float)
        t_frame = t_rel - t_rel[0] + t_cyc[0] + offset_s
        how = (f"relative time (align='relative'): first frame at the cycler's first record "
               f"+ {offset_s:g} s")
    inside = (t_frame >= t_cyc.min()) & (t_frame <= t_cyc.max())
    if not inside.any():
        raise CharzError(
            f"attach_echem: frame times ({t_frame.min():.0f}–{t_frame.max():.0f} s on the cycler "
            f"clock) do not overlap the cycler data ({t_cyc.min():.0f}–{t_cyc.max():.0f} s); "
            "check time zones or give offset_s"
        )
    if not inside.all():
        warnings.warn(
            f"attach_echem: {int((~inside).sum())} of {inside.size} frames lie outside the "
            "cycler record; their voltage is NaN",
            CharzWarning,
            stacklevel=2,
        )
    order = np.argsort(t_cyc, kind="stable")
    out = series.copy()
    for name in variables:
        if name not in cycler:
            continue
        v = np.asarray(cycler[name].values, float)[order]
        val = np.interp(t_frame, t_cyc[order], v)
        val[~inside] = np.nan
        out = out.assign_coords({name: (dim, val, dict(cycler[name].attrs))})
    out = out.assign_coords(cycler_time=(dim, t_frame, {"units": "s", "long_name": "cycler time"}))
    out.attrs["echem_alignment"] = how
    out.attrs["echem_source"] = str(cycler.attrs.get("source", ""))
    return out


def _edges(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


_TIME_SCALE = {"s": 1.0, "min": 60.0, "h": 3600.0}


def plot_heatmap(
    series: xr.DataArray,
    *,
    cycler: xr.Dataset | None = None,
    dim: str = "time",
    time_unit: str = "h",
    offset_s: float = 0.0,
    cmap: str = "viridis",
    robust: bool = True,
    xlim: tuple[float, float] | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (5.0, 3.6),
) -> Any:
    """The paper figure: spectral axis × time heatmap with the voltage–time curve beside it.

    Parameters
    ----------
    series : xarray.DataArray
        ``(time, spectral)`` series (e.g. from :func:`stack_frames`).
    cycler : xarray.Dataset, optional
        Cycler data; the full voltage curve is drawn on the shared time axis. Without it,
        the series' own ``voltage`` coordinate (from :func:`attach_echem`) is drawn.
    time_unit : {'s', 'min', 'h'}
        Unit of the shared time axis.
    robust : bool
        Colour limits from the 2nd and 98th percentiles (as xarray's ``robust=True``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from charz.plotting import axis_label

    if dim not in series.dims or series.ndim != 2:
        raise CharzError(f"plot_heatmap: need a 2-D series with a {dim!r} dimension")
    if time_unit not in _TIME_SCALE:
        raise CharzError(f"plot_heatmap: time_unit {time_unit!r} not in {list(_TIME_SCALE)}")
    (sdim,) = [d for d in series.dims if d != dim]
    s = series.transpose(dim, sdim)
    scale = _TIME_SCALE[time_unit]
    t = np.asarray(s[dim].values, float) / scale
    x = np.asarray(s[sdim].values, float)
    z = np.asarray(s.values, float)
    vmin, vmax = (np.nanpercentile(z, [2, 98]) if robust else (np.nanmin(z), np.nanmax(z)))

    has_v = cycler is not None or "voltage" in s.coords
    fig = plt.figure(figsize=figsize, layout="constrained")
    gs = fig.add_gridspec(2, 2 if has_v else 1, height_ratios=[0.06, 1],
                          width_ratios=[3, 1] if has_v else [1])
    ax = fig.add_subplot(gs[1, 0])
    cax = fig.add_subplot(gs[0, 0])
    mesh = ax.pcolormesh(_edges(x), _edges(t), z, cmap=cmap, vmin=vmin, vmax=vmax,
                         shading="flat", rasterized=True)
    cb = fig.colorbar(mesh, cax=cax, orientation="horizontal")
    cb.set_label(axis_label(s, "intensity"))
    cax.xaxis.set_ticks_position("top")
    cax.xaxis.set_label_position("top")
    cax.minorticks_off()
    ax.set_xlabel(axis_label(s[sdim], sdim))
    ax.set_ylabel(f"time ({time_unit})")
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_ylim(t[0] - (t[1] - t[0]) / 2 if t.size > 1 else t[0] - 0.5,
                t[-1] + (t[-1] - t[-2]) / 2 if t.size > 1 else t[0] + 0.5)
    if has_v:
        axv = fig.add_subplot(gs[1, 1], sharey=ax)
        if cycler is not None:
            tc = np.asarray(cycler["time"].values, float)
            if "timestamp" in s.coords and "timestamp" in cycler:
                t0 = np.asarray(s["timestamp"].values, "datetime64[ns]")[0]
                c0 = np.asarray(cycler["timestamp"].values, "datetime64[ns]")[0]
                shift = (c0 - t0) / np.timedelta64(1, "s") - tc[0]
            else:
                shift = -offset_s
            axv.plot(np.asarray(cycler["voltage"].values, float), (tc + shift) / scale,
                     color="k", lw=1.0)
        if "voltage" in s.coords:
            axv.plot(np.asarray(s["voltage"].values, float), t, "o", ms=2.5, color="C3",
                     label="frames")
        axv.set_xlabel("voltage (V)")
        axv.tick_params(labelleft=False)
        fig.add_subplot(gs[0, 1]).axis("off")
    if title:
        fig.suptitle(title)
    return fig
