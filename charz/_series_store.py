"""Dask-backed series: one task per chunk from the kernel to the Zarr store.

:func:`charz.series.apply_series` runs a technique's kernel once per chunk; the kernel
returns every output of its slices at once (a tuple). :func:`packed_outputs` keeps that
tuple as one dask array (the *packed* array) and makes each output variable a light
"pick" of it, so that ``maps`` is an ordinary lazy Dataset.

Writing ``maps`` through :meth:`xarray.Dataset.to_zarr` stores each variable of each
chunk in its own task: 40 outputs × 20 chunks is 800 tasks, and on a ``dask.distributed``
cluster the scheduler's and the workers' cost per task (about a millisecond) and the
gaps between tasks weigh as much as the fitting. :func:`write_zarr` instead writes all
the outputs of a chunk from the task that fitted it (dask fuses the kernel and the write
into one task per chunk) and returns each chunk's statistics
(:func:`charz.series._block_stats`), so that the descriptors need no second pass over
the store. The store is the one :meth:`xarray.Dataset.to_zarr` would write (xarray
writes its metadata and the coordinates; the chunk tasks write the values with the same
dtypes); anything this path does not cover (an ``encoding``, a variable that is not a
pick of one kernel, a dtype that needs CF encoding) goes through xarray as before.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

PICK = "charz-pick"


def _pick(block: Any, i: int) -> np.ndarray:
    return block[i]


def packed_outputs(arr: Any, run: Callable[[np.ndarray], tuple[np.ndarray, ...]],
                   names: Sequence[str], dtypes: Sequence[np.dtype],
                   nlead: int) -> list[Any]:
    """One lazy array per output of ``run`` (applied to every chunk of ``arr``).

    ``arr``: dask array ``(*lead, *core)`` with one chunk along each core axis; ``run``
    maps a block to a tuple of arrays of the block's ``lead`` shape.
    """
    import dask.array as dsa
    from dask.base import tokenize

    token = tokenize(arr, run, list(names), [str(d) for d in dtypes])
    name = f"{getattr(run, '__name__', None) or run.func.__name__}-{token}"
    packed = dsa.map_blocks(run, arr, drop_axis=list(range(nlead, arr.ndim)), dtype=object,
                            meta=np.empty((0,) * nlead, dtype=object), name=name)
    return [dsa.map_blocks(_pick, packed, i, dtype=dt, meta=np.empty((0,) * nlead, dtype=dt),
                           name=f"{PICK}-{i}-{name}")
            for i, dt in enumerate(dtypes)]


def packed_source(ds: Any) -> tuple[Any, dict[str, int]] | None:
    """The packed array behind every dask-backed data variable of ``ds``, or None."""
    import dask.array as dsa

    found: dict[str, int] = {}
    packed_name = None
    graph = None
    chunks = None
    for k, v in ds.data_vars.items():
        a = v.data
        if not isinstance(a, dsa.Array):
            continue
        parts = a.name.split("-", 3) if a.name.startswith(f"{PICK}-") else []
        if len(parts) != 4 or (packed_name is not None and parts[3] != packed_name):
            return None
        packed_name, graph, chunks = parts[3], a.dask, a.chunks
        found[str(k)] = int(parts[2])
    if packed_name is None:
        return None
    nlead = len(chunks)
    packed = dsa.Array(graph, packed_name, chunks, meta=np.empty((0,) * nlead, dtype=object))
    return packed, found


def _write_block(block: tuple[np.ndarray, ...], *, path: str, index: Mapping[str, int],
                 stats: tuple[Any, ...] | None, block_info: Any = None) -> np.ndarray:
    """Write one chunk's outputs into the Zarr arrays; its statistics (object array)."""
    import zarr

    loc = block_info[0]["array-location"]
    region = tuple(slice(a, b) for a, b in loc)
    for name, i in index.items():
        arr = zarr.open_array(str(Path(path) / name), mode="r+", zarr_format=2)
        arr[region] = np.asarray(block[i]).astype(arr.dtype, copy=False)
    out = np.empty((1,) * len(loc), dtype=object)
    if stats is not None:
        block_stats, nkeys, extra, names = stats
        out.flat[0] = block_stats(nkeys, extra, *(block[index[k]] for k in names))
    return out


def write_zarr(ready: Any, path: Path, *, stats_names: Sequence[str] | None,
               block_stats: Callable[..., dict[str, Any]],
               merge: Callable[[list[dict[str, Any]]], dict[str, Any]], nkeys: int = 0,
               extra: Callable[..., int] | None = None,
               **kwargs: Any) -> tuple[bool, dict[str, Any] | None]:
    """Write ``ready`` (lazy ``maps``) to a Zarr store with one task per chunk.

    ``block_stats(nkeys, extra, success, flags, *arrays)`` gives one chunk's statistics
    of the variables ``stats_names`` (``success``, ``flags``, keys, extra variables) and
    ``merge`` merges them (:func:`charz.series._block_stats`, ``_merge_stats``).

    Returns ``(done, stats)``: ``done`` False when this path does not apply (nothing was
    written; use :meth:`xarray.Dataset.to_zarr`); ``stats`` the merged statistics, or
    None when ``stats_names`` is None or not all of them are outputs of the kernel.
    """
    import dask.array as dsa
    import zarr

    from charz._scheduler import compute_progress

    if kwargs.get("encoding") or kwargs.get("region") or kwargs.get("append_dim"):
        return False, None
    src = packed_source(ready)
    if src is None:
        return False, None
    packed, index = src
    if stats_names is not None and any(k not in index for k in stats_names):
        stats_names = None
    lazy_coords = {k: c for k, c in ready.coords.items() if isinstance(c.data, dsa.Array)}
    if lazy_coords:  # per-slice coordinates (a few numbers per slice): written eagerly
        ready = ready.assign_coords({k: c.compute() for k, c in lazy_coords.items()})
    # xarray writes the metadata and every non-dask variable; the values of the dask
    # variables are written below (its delayed store is not computed)
    ready.to_zarr(path, mode="w", compute=False, **kwargs)
    group = zarr.open_group(str(path), mode="r", zarr_format=kwargs.get("zarr_format", 2))
    for k in index:
        arr = group[k]
        enc = {"scale_factor", "add_offset", "dtype", "calendar"} & set(arr.attrs)
        if arr.dtype != ready[k].dtype or enc or arr.chunks != tuple(
                max(c) for c in ready[k].data.chunks):
            return False, None  # xarray encodes it: let xarray write the store
    stats = None if stats_names is None else (block_stats, nkeys, extra, list(stats_names))
    nlead = packed.ndim
    write = functools.partial(_write_block, path=str(path), index=index, stats=stats)
    tasks = dsa.map_blocks(write, packed, dtype=object,
                           chunks=tuple((1,) * len(c) for c in packed.chunks),
                           meta=np.empty((0,) * nlead, dtype=object))
    parts = compute_progress(tasks, desc=f"writing {path.name}")
    zarr.consolidate_metadata(str(path), zarr_format=kwargs.get("zarr_format", 2))
    if stats is None:
        return True, None
    return True, merge(list(np.ravel(parts)))
