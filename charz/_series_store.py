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


def _write_block(block: tuple[np.ndarray, ...], *, path: str | None, index: Mapping[str, int],
                 stats: tuple[Any, ...] | None, zarr_format: int = 2,
                 block_info: Any = None) -> np.ndarray:
    """Write one chunk's outputs into the Zarr arrays (``path`` None: no write); the
    chunk's statistics in a one-element object array."""
    loc = block_info[0]["array-location"]
    if path is not None:
        region = tuple(slice(a, b) for a, b in loc)
        _store_region(path, {name: block[i] for name, i in index.items()}, region,
                      zarr_format)
    out = np.empty((1,) * len(loc), dtype=object)
    if stats is not None:
        block_stats, nkeys, extra, names = stats
        out.flat[0] = block_stats(nkeys, extra, *(block[index[k]] for k in names))
    return out


def _store_region(path: str, values: Mapping[str, np.ndarray], region: tuple[slice, ...],
                  zarr_format: int) -> None:
    """``values[name]`` into ``region`` of the Zarr array ``path/name``, all at once.

    zarr-python 3 spends about a millisecond of Python per call of its synchronous API;
    the arrays of one chunk are opened and written concurrently in one call of its
    asynchronous API instead (half the time for 40 arrays).
    """
    import asyncio

    if zarr_format == 2 and _store_v2_chunks(path, values, region):
        return
    try:
        from zarr.api.asynchronous import open_array
        from zarr.core.sync import sync
    except ImportError:  # pragma: no cover - another zarr layout: the synchronous API
        import zarr

        for name, v in values.items():
            arr = zarr.open_array(str(Path(path) / name), mode="r+", zarr_format=zarr_format)
            arr[region] = np.asarray(v).astype(arr.dtype, copy=False)
        return

    async def one(name: str, v: np.ndarray) -> None:
        arr = await open_array(store=str(Path(path) / name), mode="r+",
                               zarr_format=zarr_format)
        await arr.setitem(region, np.asarray(v).astype(arr.dtype, copy=False))

    async def every() -> None:
        await asyncio.gather(*(one(k, v) for k, v in values.items()))

    sync(every())


def _store_v2_chunks(path: str, values: Mapping[str, np.ndarray],
                     region: tuple[slice, ...]) -> bool:
    """Write ``region`` as whole Zarr-v2 chunk files of a local store; False if it cannot.

    A region that is exactly one chunk of each array (dask chunks = Zarr chunks, as
    xarray requires) is encoded with the array's own numcodecs compressor and written
    as the chunk's file (the Zarr v2 storage specification: C-order bytes, compressed,
    key ``i.j``; an edge chunk is padded to the full chunk shape), atomically. About 50 µs
    per array instead of a millisecond through zarr-python's array API. Anything else
    (filters, F order, another separator, a remote store, a region across chunks)
    returns False before writing anything, and the caller uses zarr's API.
    """
    import json
    import os

    import numcodecs

    root = Path(path)
    if not root.is_dir():
        return False
    plans = []
    for name, v in values.items():
        try:
            meta = json.loads((root / name / ".zarray").read_text())
        except (OSError, ValueError):
            return False
        if (meta.get("zarr_format") != 2 or meta.get("filters") or meta.get("order") != "C"
                or meta.get("dimension_separator", ".") != "."):
            return False
        chunks, shape = meta["chunks"], meta["shape"]
        dtype = np.dtype(meta["dtype"])
        if len(chunks) != len(region):
            return False
        idx = []
        for sl, c, n in zip(region, chunks, shape, strict=True):
            if sl.start % c or not (sl.stop - sl.start == c or (sl.stop == n and
                                                                sl.stop - sl.start <= c)):
                return False
            idx.append(sl.start // c)
        a = np.asarray(v).astype(dtype, copy=False)
        if a.shape != tuple(sl.stop - sl.start for sl in region):
            return False
        if a.shape != tuple(chunks):  # edge chunk: stored at the full chunk shape
            full = np.zeros(chunks, dtype=dtype)
            full[tuple(slice(0, k) for k in a.shape)] = a
            a = full
        codec = numcodecs.get_codec(meta["compressor"]) if meta.get("compressor") else None
        plans.append((root / name / ".".join(map(str, idx)), codec, a))
    for target, codec, a in plans:
        data = np.ascontiguousarray(a)
        raw = codec.encode(data) if codec is not None else data.tobytes()
        tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
        tmp.write_bytes(raw)
        os.replace(tmp, target)
    return True


def reduce_packed(ds: Any, names: Sequence[str], *, block_stats: Callable[..., dict[str, Any]],
                  merge: Callable[[list[dict[str, Any]]], dict[str, Any]], nkeys: int,
                  extra: Callable[..., int] | None) -> dict[str, Any] | None:
    """Statistics of ``names`` over lazy ``maps`` in one task per chunk (fit + reduce).

    None when the variables are not all picks of one kernel (then reduce them as arrays).
    Reducing each variable's chunks separately would let dask fuse each pick with the
    kernel and fit every chunk once per variable.
    """
    src = packed_source(ds)
    if src is None or any(k not in src[1] for k in names):
        return None
    packed, index = src
    task = functools.partial(_write_block, path=None, index=index,
                             stats=(block_stats, nkeys, extra, list(names)))
    return merge(_per_chunk(packed, task, "statistics"))


def _per_chunk(packed: Any, task: Callable[..., np.ndarray], desc: str) -> list[Any]:
    """``task`` run on every chunk of the packed array (one task each, fused with the
    kernel); the one object each returns, in chunk order."""
    import dask.array as dsa

    from charz._scheduler import compute_progress

    parts = compute_progress(dsa.map_blocks(task, packed, dtype=object,
                                            chunks=tuple((1,) * len(c) for c in packed.chunks),
                                            meta=np.empty((0,) * packed.ndim, dtype=object)),
                             desc=desc)
    return list(np.ravel(parts))


def _stored_as_given(ready: Any, path: Path, index: Mapping[str, int],
                     zarr_format: int) -> bool:
    """Whether every array of ``index`` has the variable's dtype and chunks, unencoded."""
    import json

    root = Path(path)
    for k in index:
        want = (ready[k].dtype, tuple(max(c) for c in ready[k].data.chunks))
        meta = root / str(k) / ".zarray"
        if zarr_format == 2 and meta.is_file():  # a local v2 store: read the JSON
            m = json.loads(meta.read_text())
            attrs_file = root / str(k) / ".zattrs"
            attrs = json.loads(attrs_file.read_text()) if attrs_file.is_file() else {}
            got = (np.dtype(m["dtype"]), tuple(m["chunks"]))
        else:
            import zarr

            arr = zarr.open_array(str(root / str(k)), mode="r", zarr_format=zarr_format)
            attrs, got = dict(arr.attrs), (arr.dtype, tuple(arr.chunks))
        if got != want or {"scale_factor", "add_offset", "dtype", "calendar"} & set(attrs):
            return False
    return True


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
    # variables are written below. Its delayed store is not computed: the variables are
    # handed to it as one-chunk placeholders with the chunking as encoding, so that it
    # does not build a store graph of one task per variable per chunk (seconds for a
    # 10^6-slice map)
    template = ready.copy()
    encoding = {}
    empty: dict[tuple[Any, ...], Any] = {}  # one placeholder per shape and dtype
    for k in index:
        v = ready[k].variable
        key = (v.shape, v.dtype.str)
        if key not in empty:
            empty[key] = dsa.empty(v.shape, dtype=v.dtype, chunks=-1)
        template[k] = v.copy(data=empty[key])
        encoding[k] = {"chunks": tuple(max(c) for c in v.chunks)}
    template.to_zarr(path, mode="w", compute=False, encoding=encoding, **kwargs)
    if not _stored_as_given(ready, path, index, kwargs.get("zarr_format", 2)):
        return False, None  # xarray encodes something: let xarray write the store
    stats = None if stats_names is None else (block_stats, nkeys, extra, list(stats_names))
    # an absolute path: the workers of a cluster need not share the client's directory
    write = functools.partial(_write_block, path=str(Path(path).resolve()), index=index,
                              stats=stats, zarr_format=kwargs.get("zarr_format", 2))
    parts = _per_chunk(packed, write, f"writing {path.name}")
    zarr.consolidate_metadata(str(path), zarr_format=kwargs.get("zarr_format", 2))
    return True, (None if stats is None else merge(parts))
