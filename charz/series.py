"""Series and maps: one engine for every technique; in-situ frames, cycler data, heatmaps.

**The engine.** :func:`apply_series` runs a technique's batched kernel over every slice of
a series or map (leading dimensions ``time``/``frame``/``y``/``x``/``spectrum``, the
technique's core dimension(s) last). numpy-backed data are fitted in-process, in blocks
of ``block_size`` slices; dask-backed data go through :func:`xarray.apply_ufunc` with
``dask="parallelized"``, one kernel call per chunk, on whatever dask scheduler is active
(threads, processes or a ``dask.distributed`` client, see :func:`scheduler`), and the
result stays lazy: nothing of the series is loaded into the calling process.
:class:`SeriesResult` wraps the output: ``maps`` (one variable per descriptor key,
``<key>_stderr``, ``success``, ``flags``, with the series' coordinates), ``descriptors()``
(mean ± standard error of the good slices), counts (``"110/168 fitted, 58 without
signal"``), curves on demand and provenance.

**In-situ alignment.**

Recipe (FIELD-NOTES §1.8, §5.6): timestamp each frame at mid-acquisition → common grid →
join cycler data by time (absolute timestamps when both sides have them, else relative time
with a stated offset; check that the two ranges overlap) → ``pcolormesh`` (uneven time
steps; not ``imshow``) with the voltage–time curve on a shared time axis.

Time coordinates: ``time`` is seconds since the first frame's mid-acquisition (float,
``units="s"``); ``timestamp`` (datetime64, UTC) is kept when the files give absolute times.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from charz.errors import CharzError, CharzWarning, MissingMetadataError, ReadError
from charz.record import Provenance

__all__ = [
    "FLAG_SEP",
    "SeriesCounts",
    "SeriesResult",
    "apply_series",
    "attach_echem",
    "compute_progress",
    "join_flags",
    "natural_sorted",
    "plot_heatmap",
    "read_frames",
    "scheduler",
    "split_flags",
    "stack_frames",
    "to_utc",
]


def to_utc(value: Any, *, tz: str | None = None) -> np.datetime64:
    """Parse a timestamp (ISO string, datetime, datetime64) to naive UTC datetime64[ns].

    A string without a zone needs ``tz`` (e.g. ``"Europe/Berlin"`` or ``"+01:00"``):
    local-time strings of instruments carry no zone, and guessing shifts alignment by hours.
    """
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        if tz is None:
            raise MissingMetadataError(
                f"timestamp {value!r} has no time zone; give tz= (e.g. 'Europe/Berlin' or "
                "'+01:00') so that frames and cycler data can be aligned"
            )
        if re.fullmatch(r"[+-]\d\d:?\d\d", tz):
            ts = pd.Timestamp(f"{ts.isoformat()}{tz}")
        else:
            ts = ts.tz_localize(tz)
    return np.datetime64(ts.tz_convert("UTC").tz_localize(None).to_datetime64(), "ns")


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
    ts = pd.Timestamp(start)
    if ts.tzinfo is not None:  # zone known but no timestamp column: use it
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
        raise _option_error(f"align={align!r} is not 'absolute' or 'relative'")
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


# =======================================================================================
# the series engine
# =======================================================================================

#: Separator of the flags of one slice in the ``flags`` variable of ``maps``.
FLAG_SEP = ","

#: Dimensions that are series (not spectral) dimensions when they appear in ``maps``.
SERIES_COORDS = ("time", "timestamp", "frame", "voltage", "capacity", "current", "cycler_time",
                 "x", "y", "spectrum", "source")


def _is_dask(obj: Any) -> bool:
    data = getattr(obj, "data", None)
    return data is not None and type(data).__module__.split(".")[0] == "dask"


def join_flags(flags: Sequence[Sequence[str]]) -> np.ndarray:
    """Per-slice flag tuples → the object array of strings stored in ``maps["flags"]``.

    Parameters
    ----------
    flags : sequence of sequences of str
        One tuple of flags (``charz.flags`` vocabulary) per slice.

    Returns
    -------
    numpy.ndarray
        Object array of ``","``-joined strings (``""`` = no flag), shape ``(len(flags),)``.
    """
    out = np.empty(len(flags), dtype=object)
    for i, f in enumerate(flags):
        out[i] = FLAG_SEP.join(dict.fromkeys(f)) if f else ""
    return out


def split_flags(value: Any) -> tuple[str, ...]:
    """One slice's ``flags`` string → tuple of flags (``""`` → ``()``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    text = str(value.item() if hasattr(value, "item") else value)
    return tuple(f for f in text.split(FLAG_SEP) if f)


def _run_block(block: np.ndarray, *, func: Callable[..., Mapping[str, Any]],
               names: Sequence[str], dtypes: Sequence[np.dtype], ncore: int,
               kwargs: Mapping[str, Any], block_size: int | None) -> tuple[np.ndarray, ...]:
    """Call the batched kernel on one block of shape ``(*lead, *core)``; outputs ``lead``."""
    core = block.shape[block.ndim - ncore:]
    lead = block.shape[: block.ndim - ncore]
    flat = np.asarray(block).reshape((-1, *core))
    n = flat.shape[0]
    outs = [np.empty(n, dtype=dt) for dt in dtypes]
    step = n if not block_size else int(block_size)
    for i0 in range(0, n, max(step, 1)):
        part = np.ascontiguousarray(flat[i0:i0 + step], dtype=float)
        res = func(part, **kwargs)
        missing = [k for k in names if k not in res]
        if missing:
            raise CharzError(f"apply_series: the kernel returned no {', '.join(missing)}")
        for k, out in zip(names, outs, strict=True):
            val = np.asarray(res[k]).reshape(part.shape[0])
            if out.dtype.kind == "U":
                val = np.array([_fit_width(str(v), out.dtype.itemsize // 4) for v in val])
            out[i0:i0 + part.shape[0]] = val
    return tuple(o.reshape(lead) for o in outs)


def _fit_width(text: str, width: int) -> str:
    """Flags joined into at most ``width`` characters (whole flags, then ``+more``)."""
    if len(text) <= width:
        return text
    kept = ""
    for f in text.split(FLAG_SEP):
        cand = f"{kept}{FLAG_SEP}{f}" if kept else f
        if len(cand) + len(FLAG_SEP) + 5 > width:
            break
        kept = cand
    return f"{kept}{FLAG_SEP}+more" if kept else "+more"


def apply_series(
    data: xr.DataArray,
    func: Callable[..., Mapping[str, Any]],
    *,
    core_dims: Sequence[str],
    outputs: Mapping[str, Any],
    kwargs: Mapping[str, Any] | None = None,
    attrs: Mapping[str, Mapping[str, Any]] | None = None,
    block_size: int | None = 4096,
    flags_width: int = 160,
) -> xr.Dataset:
    """Run a batched kernel over every slice of a series or map (the engine).

    Parameters
    ----------
    data : xarray.DataArray
        The series: any leading (series) dimensions, then ``core_dims``. numpy- or
        dask-backed. No leading dimension = one slice (a single spectrum or pattern).
    func : callable
        The technique's batched kernel ``func(block, **kwargs) -> {name: array}``:
        ``block`` is a float array ``(n, *core)`` of ``n`` slices, every returned array
        has shape ``(n,)``. It must return every name of ``outputs``, among them
        ``success`` (bool) and ``flags`` (object strings, :func:`join_flags`). It must be
        picklable (a module-level function) to run on a process pool or a cluster, and
        must not depend on which slices share its block.
    core_dims : sequence of str
        The dimensions every kernel call sees whole (``["raman_shift"]``,
        ``["two_theta"]``, ``["q"]``, ``["y_pixel", "x_pixel"]``).
    outputs : mapping
        ``name -> dtype`` of the kernel's per-slice outputs (``float``, ``bool``,
        ``object`` for ``flags``).
    kwargs : mapping, optional
        Keyword arguments of ``func`` (the spectral axis, model, bounds ...: small
        objects, sent with every task).
    attrs : mapping, optional
        ``name -> attrs`` (``{"units": "1/cm"}``) of the output variables.
    block_size : int or None
        numpy-backed data: slices per kernel call (bounds the kernel's working memory);
        None: all at once. Dask-backed data: one kernel call per chunk (chunk the series
        dimensions as you want the tasks; 10³–10⁴ spectra per chunk suits both threads
        and a cluster).
    flags_width : int
        Dask-backed data: ``flags`` is stored as fixed-width text of this many characters
        (Zarr and NetCDF need a fixed dtype to write chunk by chunk); longer flag lists
        keep their first flags and end in ``+more``. numpy-backed data keep Python
        strings.

    Returns
    -------
    xarray.Dataset
        One variable per output over the series dimensions, with the series' coordinates
        (``time``, ``timestamp``, ``voltage``, ``capacity``, ``x``, ``y`` ...) and the
        data's attrs; dask-backed (lazy) when ``data`` was.

    Raises
    ------
    CharzError
        A core dimension is missing, or ``outputs`` lacks ``success`` or ``flags``.

    Notes
    -----
    For dask-backed data the core dimensions are rechunked to one chunk each (a kernel
    needs whole spectra) and :func:`xarray.apply_ufunc` with ``dask="parallelized"``
    builds one task per chunk; computing several outputs together runs each task once.
    Per-worker state (compiled kernels, integrators) belongs in module-level caches of
    the kernel's module, built once per worker process.
    """
    core_dims = list(core_dims)
    for d in core_dims:
        if d not in data.dims:
            raise CharzError(f"apply_series: {d!r} is not a dimension of the data {data.dims}")
    for k in ("success", "flags"):
        if k not in outputs:
            raise CharzError(f"apply_series: outputs must include {k!r}")
    names = list(outputs)
    dtypes = [np.dtype(outputs[k]) for k in names]
    series_dims = [d for d in data.dims if d not in core_dims]
    data = data.transpose(*series_dims, *core_dims)
    opts = {"func": func, "names": names, "dtypes": dtypes, "ncore": len(core_dims),
                "kwargs": dict(kwargs or {}), "block_size": block_size}
    coords = {name: c.variable for name, c in data.coords.items()
              if set(c.dims) <= set(series_dims)}
    if _is_dask(data):
        data = data.chunk(dict.fromkeys(core_dims, -1))
        bare = xr.DataArray(data.data, dims=data.dims)  # no coords: a light graph
        opts["block_size"] = None  # one kernel call per chunk
        dtypes = [np.dtype(f"<U{int(flags_width)}") if k == "flags" else dt
                  for k, dt in zip(names, dtypes, strict=True)]
        opts["dtypes"] = dtypes
        results = xr.apply_ufunc(
            _run_block, bare, input_core_dims=[core_dims],
            output_core_dims=[[] for _ in names], dask="parallelized",
            output_dtypes=dtypes, kwargs=opts,
            dask_gufunc_kwargs={"allow_rechunk": False},
        )
        if len(names) == 1:
            results = (results,)
        arrays = [r.data for r in results]
    else:
        arrays = list(_run_block(np.asarray(data.values), **opts))
    variables = {}
    for k, arr in zip(names, arrays, strict=True):
        variables[k] = xr.Variable(series_dims, arr, dict((attrs or {}).get(k, {})))
    return xr.Dataset(variables, coords=coords, attrs=dict(data.attrs))


def _compute(*objs: Any) -> tuple[Any, ...]:
    """``dask.compute`` when anything is lazy (one pass through the graph), else as is."""
    if any(hasattr(o, "dask") or _is_dask(o) for o in objs):
        import dask

        # one Delayed around all of them: dask.compute(*mixed) may return mixed
        # collection types (xarray, Delayed) out of order
        return tuple(compute_progress(dask.delayed(_as_tuple)(*objs), desc="computing"))
    return objs


def _as_tuple(*objs: Any) -> tuple[Any, ...]:
    return objs


def _flag_counts_block(flags: np.ndarray, good: np.ndarray) -> dict[str, list[int]]:
    """{flag: [n among good slices, n among all slices]} of one block."""
    out: dict[str, list[int]] = {}
    for f, g in zip(np.ravel(flags), np.ravel(good), strict=True):
        for name in split_flags(f):
            c = out.setdefault(name, [0, 0])
            c[1] += 1
            if g:
                c[0] += 1
    return out


def _flag_counts(flags: xr.DataArray, good: xr.DataArray) -> Any:
    """Flag counts over a (possibly lazy) ``flags`` map: a dict, or a dask Delayed."""
    if not _is_dask(flags) and not _is_dask(good):
        return _flag_counts_block(np.asarray(flags.values), np.asarray(good.values))
    import dask
    import dask.array as dsa

    f = flags.data if _is_dask(flags) else dsa.from_array(np.asarray(flags.values))
    g = good.data if _is_dask(good) else dsa.from_array(np.asarray(good.values))
    g = g.rechunk(f.chunks)
    parts = [dask.delayed(_flag_counts_block)(a, b)
             for a, b in zip(np.ravel(f.to_delayed()), np.ravel(g.to_delayed()), strict=True)]

    def merge(ps: list[dict[str, list[int]]]) -> dict[str, list[int]]:
        tot: dict[str, list[int]] = {}
        for p in ps:
            for k, (a, b) in p.items():
                c = tot.setdefault(k, [0, 0])
                c[0] += a
                c[1] += b
        return tot

    return dask.delayed(merge)(parts)


def _measurement(value: float, stderr: float | None, unit: str, technique: str, method: str,
                 source: Provenance, extra: Mapping[str, Any], flags: Sequence[str]) -> Any:
    from charz.record import Measurement

    m = Measurement(value, stderr, unit, technique, method, source, dict(extra))
    if flags and hasattr(m, "with_flags"):
        m = m.with_flags(*flags)
    return m


@dataclass(frozen=True, slots=True)
class SeriesCounts:
    """How many slices of a series were fitted, had no signal, failed or carry flags."""

    n: int
    fitted: int
    no_signal: int
    failed: int
    flagged: int

    def __str__(self) -> str:
        text = f"{self.fitted}/{self.n} fitted"
        if self.no_signal:
            text += f", {self.no_signal} without signal"
        if self.failed:
            text += f", {self.failed} failed"
        if self.flagged:
            text += f", {self.flagged} flagged"
        return text


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class SeriesResult:
    """Result of an analysis over a series or map (also a single slice: no series dims).

    Attributes
    ----------
    maps : xarray.Dataset
        Over the series dimensions (none for one slice): one variable per descriptor key
        and its ``<key>_stderr``, further per-slice parameters, ``success`` (bool: the
        slice was fitted and enters means and tracks) and ``flags`` (``","``-joined
        flags of the slice, ``""`` when clean; ``no_signal`` slices have
        ``success=False``); coordinates ``time``/``timestamp``/``voltage``/``capacity``/
        ``x``/``y`` carried over from the input; dask-backed when the input was.
    technique : str
        ``raman``, ``xrd``, ``saxs`` ...
    keys : tuple of str
        The record keys (:data:`charz.record.DESCRIPTORS`) that :meth:`descriptors`
        summarises; each is a variable of ``maps``.
    methods : mapping
        ``key -> method`` text (the convention, stated).
    source : Provenance
        Input file, reader and every parameter that changes the numbers.
    depends : mapping, optional
        ``key -> parameter names`` it is computed from: a slice flag ``at_bound:<p>``
        goes to the keys that depend on ``p`` only; flags without a parameter
        (``not_converged``, ``poor_fit`` ...) go to every key. None: every flag to every
        key.
    curves_fn : callable, optional
        ``curves_fn(index) -> xarray.Dataset`` of the fitted curves of the slice at
        ``index`` (``{"time": 5}``); called by :meth:`curves`.
    fit : object, optional
        The underlying fit object (an lmfit ``ModelResult`` of a single slice), if any.
    """

    maps: xr.Dataset
    technique: str
    keys: tuple[str, ...]
    methods: Mapping[str, str]
    source: Provenance
    depends: Mapping[str, Sequence[str]] | None = None
    curves_fn: Callable[[Mapping[str, int]], xr.Dataset] | None = field(default=None,
                                                                          repr=False)
    fit: Any = field(default=None, repr=False)

    @property
    def series_dims(self) -> tuple[str, ...]:
        """The dimensions of ``maps`` (empty for one slice)."""
        return tuple(self.maps["success"].dims)

    @property
    def is_series(self) -> bool:
        """True when the result covers more than one slice dimension-wise."""
        return bool(self.series_dims)

    @property
    def parameters(self) -> Mapping[str, Any]:
        """Every parameter that changes the numbers (``source.parameters``)."""
        return self.source.parameters

    def counts(self) -> SeriesCounts:
        """Numbers of slices fitted, without signal, failed and flagged."""
        ok, fl = _compute(self.maps["success"], _flag_counts(self.maps["flags"],
                                                             self.maps["success"]))
        ok = np.asarray(getattr(ok, "values", ok), bool)
        n = int(ok.size)
        fitted = int(ok.sum())
        no_signal = int(fl.get("no_signal", [0, 0])[1])
        flagged_ok = self.maps["flags"].where(self.maps["success"], "")
        nflag = (flagged_ok != "").sum()
        (nflag,) = _compute(nflag)
        return SeriesCounts(n, fitted, no_signal, n - fitted - no_signal, int(nflag))

    def summary(self) -> str:
        """One line: ``"110/168 fitted, 58 without signal"`` (+ failed, flagged)."""
        return str(self.counts())

    def _key_flags(self, key: str, counts: Mapping[str, Sequence[int]]) -> tuple[str, ...]:
        out = []
        for flag, (n_good, _) in counts.items():
            if not n_good or flag == "no_signal":
                continue
            param = flag.split(":", 1)[1] if flag.startswith("at_bound:") else None
            if param and self.depends is not None and param not in self.depends.get(key, ()):
                continue
            out.append(flag)
        return tuple(out)

    def descriptors(self) -> dict[str, Any]:
        """Record quantities as :class:`~charz.record.Measurement`.

        One slice: its values, stderrs and flags. A series or map: for each key the mean
        over the good slices (``success`` and a finite value) with the standard error of
        the mean (std/√n) as its uncertainty; ``extra`` holds ``n`` (slices averaged),
        ``n_total``, ``std``, and ``flagged`` (good slices that carry a flag); the mean
        carries every flag that one of its slices carries (``no_signal`` slices are
        left out, not flagged).

        Returns
        -------
        dict of str to Measurement

        Raises
        ------
        FitError
            No slice was fitted successfully.
        """
        from charz.errors import FitError
        from charz.record import DESCRIPTORS

        ds = self.maps
        good = ds["success"]
        keys = [k for k in self.keys if k in ds]
        if not self.is_series:
            if not bool(good.values):
                raise FitError(f"{self.source.source or self.technique}: the fit did not "
                               "succeed")
            flags = split_flags(ds["flags"].values)
            out = {}
            for k in keys:
                v = float(ds[k].values)
                if not math.isfinite(v):
                    continue
                e = float(ds[f"{k}_stderr"].values) if f"{k}_stderr" in ds else None
                kf = self._key_flags(k, dict.fromkeys(flags, (1, 1)))
                out[k] = _measurement(v, e, DESCRIPTORS[k].unit, self.technique,
                                      self.methods.get(k, ""), self.source, {}, kf)
            return out
        flat = []
        for k in keys:
            v = ds[k].where(good)
            flat += [v.count(), v.mean(), v.std(ddof=1)]
        *flat, counts, n_ok = _compute(*flat, _flag_counts(ds["flags"], good), good.sum())
        stats = {k: flat[3 * i: 3 * i + 3] for i, k in enumerate(keys)}
        n_ok = int(n_ok)
        if n_ok == 0:
            raise FitError(f"{self.source.source or self.technique}: no slice of the series "
                           f"was fitted successfully ({self.summary()})")
        n_total = int(np.prod([ds.sizes[d] for d in self.series_dims]))
        out = {}
        for k in keys:
            cnt, mean, std = (float(np.asarray(getattr(a, "values", a))) for a in stats[k])
            n = int(cnt)
            if n == 0 or not math.isfinite(mean):
                continue
            sem = std / math.sqrt(n) if n > 1 and math.isfinite(std) else None
            kf = self._key_flags(k, counts)
            extra = {"n": n, "n_total": n_total, "std": std if n > 1 else 0.0}
            if kf:
                extra["flagged"] = {f: int(counts[f][0]) for f in kf}
            method = f"mean of {n} of {n_total} slices (± standard error of the mean); " + \
                self.methods.get(k, "")
            out[k] = _measurement(mean, sem, DESCRIPTORS[k].unit, self.technique, method,
                                  self.source, extra, kf)
        return out

    def curves(self, index: Mapping[str, int] | None = None) -> xr.Dataset:
        """Fitted curves of one slice (computed on demand).

        Parameters
        ----------
        index : mapping, optional
            Position of the slice along the series dimensions (``{"y": 3, "x": 7}``);
            default the first slice.

        Returns
        -------
        xarray.Dataset
            The technique's curves (data, best fit, components) over its core dimension.
        """
        if self.curves_fn is None:
            raise CharzError(f"{self.technique}: this result keeps no curves")
        idx = dict.fromkeys(self.series_dims, 0)
        for k, v in (index or {}).items():
            if k not in idx:
                raise CharzError(f"curves: {k!r} is not a series dimension {self.series_dims}")
            idx[k] = int(v)
        return self.curves_fn(idx)

    def to_zarr(self, path: str | Path, **kwargs: Any) -> SeriesResult:
        """Write ``maps`` to a Zarr store chunk by chunk; return the result reading it back.

        With dask-backed maps each chunk is computed (on the active scheduler: a
        ``dask.distributed`` client writes from its workers) and written, so the calling
        process never holds the map. Progress is shown (:func:`compute_progress`).

        Parameters
        ----------
        path : path
            Zarr store (a folder); replaced if it exists.
        **kwargs
            Passed to :meth:`xarray.Dataset.to_zarr` (default ``zarr_format=2``: Zarr 3 has
        no stable specification for fixed-width text yet).

        Returns
        -------
        SeriesResult
            The same result with ``maps`` opened lazily from the store.
        """
        path = Path(path)
        kwargs.setdefault("zarr_format", 2)  # fixed-width text has no Zarr-3 spec yet
        delayed = self.maps.to_zarr(path, mode="w", compute=False, **kwargs)
        compute_progress(delayed, desc=f"writing {path.name}")
        return _replace(self, maps=xr.open_zarr(path, zarr_format=kwargs["zarr_format"]))

    def to_netcdf(self, path: str | Path, **kwargs: Any) -> Path:
        """Write ``maps`` to NetCDF (chunk by chunk when lazy; atomically); the path."""
        from charz.output import atomic_path

        path = Path(path)
        with atomic_path(path) as tmp:
            delayed = self.maps.to_netcdf(tmp, compute=False, **kwargs)
            compute_progress(delayed, desc=f"writing {path.name}")
        return path


def _replace(res: SeriesResult, **changes: Any) -> SeriesResult:
    import dataclasses

    return dataclasses.replace(res, **changes)


def compute_progress(obj: Any, *, desc: str = "computing") -> Any:
    """Compute a dask collection on the active scheduler with a progress bar.

    A ``dask.distributed`` client (the default scheduler once a ``Client`` exists) runs
    it on its workers with ``distributed.progress``; the local schedulers (threads,
    processes) use ``dask.diagnostics.ProgressBar``. Silent with ``--quiet``
    (:func:`charz.output.set_quiet`) and off a terminal.

    Returns
    -------
    object
        The computed value.
    """
    import sys

    import dask

    from charz import output

    show = not output._QUIET and sys.stderr.isatty()
    client = _active_client()
    if client is not None:
        fut = client.compute(obj)
        if show:
            from distributed import progress

            progress(fut)
        return fut.result()
    if show:
        from dask.diagnostics import ProgressBar

        with ProgressBar(out=sys.stderr):
            return dask.compute(obj)[0]
    return dask.compute(obj)[0]


def _active_client() -> Any:
    try:
        from distributed import get_client
    except ImportError:  # pragma: no cover - distributed is in the dask extra
        return None
    try:
        return get_client()
    except ValueError:
        return None


@contextlib.contextmanager
def scheduler(spec: str | None = None, *, memory_limit: str = "auto") -> Iterator[Any]:
    """Run the code inside on a dask scheduler named by a CLI-style string.

    Parameters
    ----------
    spec : str or None
        ``None``: keep the active scheduler. ``"threads"``, ``"processes"``,
        ``"synchronous"``: dask's local schedulers. ``"local"`` or ``"local:N"``: a
        ``dask.distributed.LocalCluster`` of N single-threaded worker processes (default:
        one per core), closed on exit. ``"tcp://host:port"`` (or ``tls://``): connect to
        a running scheduler (a dask-jobqueue or Kubernetes cluster, started by the user).
    memory_limit : str
        Memory limit per LocalCluster worker (``"auto"``: the machine's memory / N).

    Yields
    ------
    distributed.Client or None
        The client, for ``local``/``tcp://``.

    Raises
    ------
    OptionError
        ``spec`` is none of the forms above.
    """
    if spec is None or spec == "":
        yield None
        return
    import dask

    if spec in ("threads", "processes", "synchronous"):
        with dask.config.set(scheduler=spec):
            yield None
        return
    from charz.io import require

    require("distributed", "dask", purpose="run on a dask.distributed cluster")
    from distributed import Client, LocalCluster

    if spec == "local" or spec.startswith("local:"):
        n_txt = spec.partition(":")[2]
        try:
            n = int(n_txt) if n_txt else (os.cpu_count() or 1)
        except ValueError:
            n = 0
        if n < 1:
            raise _option_error(f"--scheduler {spec!r}: local:N needs a worker count N >= 1")
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          memory_limit=memory_limit, dashboard_address=":0") as cluster, \
                Client(cluster) as client:
            yield client
        return
    if "://" in spec:
        with Client(spec) as client:
            yield client
        return
    raise _option_error(
        f"--scheduler {spec!r} is not one of: threads, processes, synchronous, local, "
        "local:N, tcp://host:port"
    )


class _OptionError(CharzError, ValueError):
    """Stand-in until ``charz.errors.OptionError`` exists."""


def _option_error(msg: str) -> CharzError:
    from charz import errors

    return getattr(errors, "OptionError", _OptionError)(msg)
