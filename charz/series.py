"""Series and maps: one engine for every technique; in-situ frames, cycler data, heatmaps.

**The engine.** :func:`apply_series` runs a technique's batched kernel over every slice of
a series or map (leading dimensions ``time``/``frame``/``y``/``x``/``spectrum``, the
technique's core dimension(s) last). numpy-backed data are fitted in-process, in blocks
of ``block_size`` slices; dask-backed data run one kernel call per chunk
(:func:`dask.array.map_blocks`, every output of a chunk from one task, see
``charz._series_store``), on whatever dask scheduler is active (threads, processes or a
``dask.distributed`` client, see :func:`scheduler`), and the result stays lazy: nothing
of the series is loaded into the calling process. :meth:`SeriesResult.to_zarr` fits,
writes and reduces each chunk in one task.
:class:`SeriesResult` wraps the output: ``maps`` (one variable per descriptor key,
``<key>_stderr``, ``success``, ``flags``, with the series' coordinates), ``descriptors()``
(mean ± standard error of the good slices), counts (``"110/168 fitted, 58 without
signal"``), curves on demand and provenance.

**In-situ alignment** (:func:`read_frames`, :func:`stack_frames`, :func:`attach_echem`,
:func:`plot_heatmap`, implemented in ``charz._series_frames``): timestamp each frame at
mid-acquisition → common grid → join cycler data by time → ``pcolormesh`` heatmap with the
voltage–time curve (FIELD-NOTES §1.8, §5.6). :func:`to_utc` is :func:`charz.io.to_utc`.

**Schedulers** (:func:`scheduler`, :func:`compute_progress`, in ``charz._scheduler``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz._scheduler import compute_progress, scheduler
from charz._series_frames import (
    attach_echem,
    natural_sorted,
    plot_heatmap,
    read_frames,
    stack_frames,
)
from charz.display import DescriptorsHTMLMixin
from charz.errors import CharzError
from charz.io.dates import to_utc
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


#: :func:`apply_series` merges chunks of a dask-backed series smaller than this many
#: slices, into tasks of at most this many slices and :data:`TASK_BYTES` bytes.
MIN_TASK_SLICES = 4096
TASK_BYTES = 64 * 2**20


def _merge_small_chunks(data: xr.DataArray, series_dims: Sequence[str],
                        block_size: int | None) -> xr.DataArray:
    """Chunks of a dask-backed series merged along its first series dimension into tasks
    of up to :data:`MIN_TASK_SLICES` slices (at most ``block_size``) and
    :data:`TASK_BYTES`, keeping at least 16 tasks. Larger chunks are left as they are
    (merging copies the data)."""
    if not series_dims or not block_size or not data.chunks:
        return data
    chunks = dict(zip(data.dims, data.chunks, strict=True))
    if any(not np.isfinite(c) for d in series_dims for c in chunks[d]):
        return data  # unknown chunk sizes: leave them
    per = int(np.prod([max(chunks[d]) for d in series_dims]))
    total = int(np.prod([data.sizes[d] for d in series_dims]))
    slice_bytes = data.dtype.itemsize * int(np.prod([data.sizes[d] for d in data.dims
                                                     if d not in series_dims]))
    target = min(MIN_TASK_SLICES, int(block_size))
    k = min(target // max(per, 1), TASK_BYTES // max(per * slice_bytes, 1),
            total // (16 * max(per, 1)))
    d0 = series_dims[0]
    if k < 2 or len(chunks[d0]) < 2:
        return data
    return data.chunk({d0: max(chunks[d0]) * k})


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
        and a cluster); chunks of fewer than :data:`MIN_TASK_SLICES` slices are merged
        along the first series dimension (up to that many slices and
        :data:`TASK_BYTES` per task, keeping at least 16 tasks): each task has a fixed
        cost of a few milliseconds.
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
    needs whole spectra), small chunks are merged, and :func:`dask.array.map_blocks`
    builds one task per chunk that returns every output; each output variable is a light
    selection of it, so computing several outputs together runs each task once, and
    :meth:`SeriesResult.to_zarr` / :meth:`SeriesResult.stats` write and reduce a chunk
    in the task that fitted it.
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
        import functools

        from charz._series_store import packed_outputs

        data = data.chunk(dict.fromkeys(core_dims, -1))
        data = _merge_small_chunks(data, series_dims, block_size)
        opts["block_size"] = None  # one kernel call per chunk
        dtypes = [np.dtype(f"<U{int(flags_width)}") if k == "flags" else dt
                  for k, dt in zip(names, dtypes, strict=True)]
        opts["dtypes"] = dtypes
        if series_dims:  # one task per chunk returns every output (charz._series_store)
            arrays = packed_outputs(data.data, functools.partial(_run_block, **opts), names,
                                    dtypes, len(series_dims))
        else:  # one dask-backed slice
            bare = xr.DataArray(data.data, dims=data.dims)  # no coords: a light graph
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


def _block_stats(nkeys: int, extra: Callable[..., int] | None, good: np.ndarray,
                 flags: np.ndarray, *arrays: np.ndarray) -> dict[str, Any]:
    """Statistics of one chunk of ``maps`` (see :meth:`SeriesResult.stats`)."""
    good = np.asarray(good, bool).ravel()
    flags = np.asarray(flags).ravel()
    fl: dict[str, list[int]] = {}
    flagged = 0
    for f, g in zip(flags, good, strict=True):
        names = split_flags(f)
        if names and g:
            flagged += 1
        for name in names:
            c = fl.setdefault(name, [0, 0])
            c[1] += 1
            if g:
                c[0] += 1
    keys = []
    for a in arrays[:nkeys]:
        v = np.asarray(a, float).ravel()[good]
        v = v[~np.isnan(v)]
        if v.size:
            mean = float(v.mean())
            keys.append((int(v.size), mean, float(((v - mean) ** 2).sum())))
        else:
            keys.append((0, 0.0, 0.0))
    ext = int(extra(good, *(np.ravel(a) for a in arrays[nkeys:]))) if extra else 0
    return {"n": int(good.size), "ok": int(good.sum()), "flagged": flagged, "flags": fl,
            "keys": keys, "extra": ext}


def _merge_stats(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Chunks' statistics merged (counts summed; means and squared deviations by Chan et
    al.'s pairwise update, Am. Stat. 37 (1983) 242)."""
    out = {"n": 0, "ok": 0, "flagged": 0, "flags": {}, "keys": None, "extra": 0}
    for p in parts:
        for k in ("n", "ok", "flagged", "extra"):
            out[k] += p[k]
        for name, (a, b) in p["flags"].items():
            c = out["flags"].setdefault(name, [0, 0])
            c[0] += a
            c[1] += b
        if out["keys"] is None:
            out["keys"] = list(p["keys"])
            continue
        merged = []
        for (na, ma, sa), (nb, mb, sb) in zip(out["keys"], p["keys"], strict=True):
            n = na + nb
            if n == 0:
                merged.append((0, 0.0, 0.0))
                continue
            d = mb - ma
            merged.append((n, ma + d * nb / n, sa + sb + d * d * na * nb / n))
        out["keys"] = merged
    out["keys"] = out["keys"] or []
    return out


def _finish_stats(part: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    out = dict(part)
    stats = {}
    for k, (n, mean, m2) in zip(keys, part["keys"], strict=True):
        std = math.sqrt(m2 / (n - 1)) if n > 1 else math.nan
        stats[k] = (n, mean if n else math.nan, std)
    out["keys"] = stats
    return out


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
class SeriesResult(DescriptorsHTMLMixin):
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

    maps: xr.Dataset = field(repr=False)  # repr stays one line; summary() counts slices
    technique: str
    keys: tuple[str, ...]
    methods: Mapping[str, str] = field(repr=False)
    source: Provenance = field(repr=False)
    depends: Mapping[str, Sequence[str]] | None = field(default=None, repr=False)
    curves_fn: Callable[[Mapping[str, int]], xr.Dataset] | None = field(default=None,
                                                                          repr=False)
    fit: Any = field(default=None, repr=False)
    #: statistics of ``maps`` gathered while :meth:`to_zarr` wrote it (saves a pass)
    stats_cache: Mapping[str, Any] | None = field(default=None, repr=False)

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
        st = self.stats()
        n, fitted = st["n"], st["ok"]
        no_signal = int(st["flags"].get("no_signal", [0, 0])[1])
        return SeriesCounts(n, fitted, no_signal, n - fitted - no_signal, st["flagged"])

    def stats(self, keys: Sequence[str] = (), *,
              extra: Callable[..., int] | None = None,
              extra_vars: Sequence[str] = ()) -> dict[str, Any]:
        """Counts and per-key statistics of the good slices, in one pass over ``maps``.

        Dask-backed maps are reduced chunk by chunk on the active scheduler (one task per
        chunk and one to merge: the client receives numbers, never the maps).

        Parameters
        ----------
        keys : sequence of str
            Variables whose count, mean and standard deviation over the good slices
            (``success`` and not NaN) are wanted.
        extra : callable, optional
            ``extra(good, *arrays) -> int`` per chunk (``arrays`` of ``extra_vars``),
            summed over the chunks.
        extra_vars : sequence of str
            Variables passed to ``extra``.

        Returns
        -------
        dict
            ``n`` (slices), ``ok`` (good slices), ``flagged`` (good slices with a flag),
            ``flags`` (``{flag: [n among good, n among all]}``), ``keys`` (``{key: (count,
            mean, std)}``, std with ddof=1) and ``extra`` (the summed ``extra``).
        """
        ds = self.maps
        names = ["success", "flags", *keys, *extra_vars]
        cache = self.stats_cache
        if cache is not None and set(keys) <= set(cache["keys"]) and (
                extra is None or (cache["has_extra"]
                                  and tuple(extra_vars) == cache["extra_vars"])):
            part = dict(cache["part"])
            part["keys"] = [cache["part"]["keys"][cache["keys"].index(k)] for k in keys]
            part["extra"] = part["extra"] if extra is not None else 0
            return _finish_stats(part, keys)
        if not any(_is_dask(ds[k]) for k in names):
            part = _block_stats(len(keys), extra, *(np.asarray(ds[k].values) for k in names))
            return _finish_stats(part, keys)
        import dask
        import dask.array as dsa

        from charz._series_store import reduce_packed

        merged = reduce_packed(ds, names, block_stats=_block_stats, merge=_merge_stats,
                               nkeys=len(keys), extra=extra)
        if merged is not None:  # one task per chunk: fit and reduce
            return _finish_stats(merged, keys)
        ref = ds["success"].data if _is_dask(ds["success"]) else None
        arrays = []
        for k in names:
            a = ds[k].data
            if not _is_dask(ds[k]):
                a = dsa.from_array(np.asarray(a), chunks=ref.chunks if ref is not None
                                   else "auto")
            if ref is not None and a.chunks != ref.chunks:
                a = a.rechunk(ref.chunks)
            ref = a if ref is None else ref
            # unoptimised: optimising each array alone would fuse shared upstream tasks
            # into each of them and compute them once per variable
            arrays.append(np.ravel(a.to_delayed(optimize_graph=False)))
        parts = [dask.delayed(_block_stats)(len(keys), extra, *blocks)
                 for blocks in zip(*arrays, strict=True)]
        (merged,) = _compute(dask.delayed(_merge_stats)(parts))
        return _finish_stats(merged, keys)

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
        st = self.stats(keys, **self._stats_extra())
        counts, n_ok = st["flags"], st["ok"]
        if n_ok == 0:
            raise FitError(f"{self.source.source or self.technique}: no slice of the series "
                           f"was fitted successfully ({self.summary()})")
        n_total = int(np.prod([ds.sizes[d] for d in self.series_dims]))
        out = {}
        for k in keys:
            n, mean, std = st["keys"][k]
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
        return self._finish_descriptors(out, st)

    def _stats_extra(self) -> dict[str, Any]:
        """``extra``/``extra_vars`` of :meth:`stats` that a technique adds (none here)."""
        return {}

    def _finish_descriptors(self, out: dict[str, Any], st: Mapping[str, Any]) -> dict[str, Any]:
        """A technique's last word on a series' descriptors (``st``: :meth:`stats`)."""
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

    def to_zarr(self, path: str | Path, *, units: Mapping[str, str] | None = None,
                attrs: Mapping[str, Any] | None = None, **kwargs: Any) -> SeriesResult:
        """Write ``maps`` to a Zarr store chunk by chunk; return the result reading it back.

        With dask-backed maps each chunk is computed (on the active scheduler: a
        ``dask.distributed`` client writes from its workers) and written, so the calling
        process never holds the map. Progress is shown (:func:`compute_progress`).

        Parameters
        ----------
        path : path
            Zarr store (a folder); replaced if it exists.
        units, attrs : Mapping, optional
            Units of variables without them and extra global attributes
            (:func:`charz.output.netcdf_ready`; provenance from
            :func:`charz.output.result_attrs`).
        **kwargs
            Passed to :meth:`xarray.Dataset.to_zarr` (default ``zarr_format=2``: Zarr 3 has
        no stable specification for fixed-width text yet).

        Returns
        -------
        SeriesResult
            The same result with ``maps`` opened lazily from the store.
        """
        from charz._series_store import write_zarr
        from charz.output import netcdf_ready, result_attrs

        path = Path(path)
        kwargs.setdefault("zarr_format", 2)  # fixed-width text has no Zarr-3 spec yet
        ready = netcdf_ready(self.maps, units=units, attrs=result_attrs(self, attrs))
        # one task per chunk fits and writes it, and returns its statistics
        keys = [k for k in self.keys if k in self.maps]
        ex = self._stats_extra() if self.is_series else {}
        extra_vars = tuple(ex.get("extra_vars", ()))
        done, st = write_zarr(ready, path, stats_names=["success", "flags", *keys,
                                                        *extra_vars],
                              block_stats=_block_stats, merge=_merge_stats,
                              nkeys=len(keys), extra=ex.get("extra"), **kwargs)
        if not done:
            delayed = ready.to_zarr(path, mode="w", compute=False, **kwargs)
            compute_progress(delayed, desc=f"writing {path.name}")
        cache = None if st is None else {"keys": keys, "extra_vars": extra_vars,
                                         "has_extra": ex.get("extra") is not None,
                                         "part": st}
        return _replace(self, maps=xr.open_zarr(path, zarr_format=kwargs["zarr_format"]),
                        stats_cache=cache)

    def to_netcdf(self, path: str | Path, *, units: Mapping[str, str] | None = None,
                  attrs: Mapping[str, Any] | None = None, **kwargs: Any) -> Path:
        """Write ``maps`` to NetCDF (chunk by chunk when lazy; atomically); the path.

        Units on every variable and global provenance as :func:`charz.output.write_netcdf`
        (``units``, ``attrs``: as in :meth:`to_zarr`).
        """
        from charz.output import atomic_path, netcdf_ready, result_attrs

        path = Path(path)
        ready = netcdf_ready(self.maps, units=units, attrs=result_attrs(self, attrs))
        with atomic_path(path) as tmp:
            delayed = ready.to_netcdf(tmp, compute=False, **kwargs)
            compute_progress(delayed, desc=f"writing {path.name}")
        return path


def _replace(res: SeriesResult, **changes: Any) -> SeriesResult:
    import dataclasses

    return dataclasses.replace(res, **changes)
