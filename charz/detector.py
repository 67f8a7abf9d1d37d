"""Reading detector frames: image files (fabio) and HDF5/NeXus stacks (h5py), lazily.

:func:`open_stack` opens an Eiger/Pilatus master file or a NeXus detector stack as a dask
array of frame blocks whose tasks open the file themselves (h5py handles do not pickle and
must not be shared between processes; FIELD-NOTES §7), so a stack is read on whatever dask
scheduler is active. :mod:`charz.images` integrates what these functions read.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from charz.errors import CharzError, CorruptFileError, OptionError
from charz.io import require

__all__ = ["HDF5_SUFFIXES", "STACK_DATASETS", "first_frame", "frames_from_profiles", "open_stack"]

#: File suffixes read as HDF5/NeXus detector stacks.
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".nxs", ".nx5", ".nexus")
#: Dataset paths tried, in order, for the frames of an HDF5/NeXus stack.
STACK_DATASETS = ("entry/data/data", "entry/instrument/detector/data", "entry/data/image")
_MASK_DATASETS = ("entry/instrument/detector/pixel_mask",
                  "entry/instrument/detector/detectorSpecific/pixel_mask")


# ---------------------------------------------------------------------------------------
# reading frames
# ---------------------------------------------------------------------------------------


def _read_image(path: Path, what: str = "image", frame: int | None = None) -> np.ndarray:
    """One 2-D frame of an image file (fabio; ``.npy`` with numpy)."""
    if not path.is_file():
        raise CharzError(f"{path}: {what} file not found")
    if path.suffix.lower() == ".npy":
        try:
            return np.load(path)
        except (ValueError, OSError) as exc:
            raise CorruptFileError(f"{path.name}: not a numpy .npy {what} ({exc})") from None
    fabio = require("fabio", None, purpose=f"read the {what} {path.name}")
    try:
        import hdf5plugin  # noqa: F401  (Eiger bitshuffle-LZ4; fabio does not import it)
    except ImportError:
        pass
    try:
        img = fabio.open(str(path))
        nframes = int(getattr(img, "nframes", 1) or 1)
        if nframes > 1:
            if frame is None:
                raise CharzError(f"{path.name}: holds {nframes} frames; pass frame=<index> "
                                 "or integrate it as a stack (integrate_stack)")
            if not 0 <= frame < nframes:
                raise CharzError(f"{path.name}: frame {frame} requested, file has {nframes}")
            return np.asarray(img.getframe(frame).data)
        return np.asarray(img.data)
    except CharzError:
        raise
    except Exception as exc:  # fabio raises many types on bad files
        raise CorruptFileError(f"{path.name}: fabio cannot read this {what} ({exc})") from None


def _as_2d(data: np.ndarray, name: str) -> np.ndarray:
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2:
        raise CharzError(f"{name}: a 2-D detector image is needed, got shape {data.shape}")
    return data


def _load_mask(mask: Any, shape: tuple[int, int], name: str) -> np.ndarray | None:
    if mask is None:
        return None
    m = (_read_image(Path(mask), "mask") if isinstance(mask, str | Path)
         else np.asarray(mask))
    m = _as_2d(m, "mask")
    if m.shape != shape:
        raise CharzError(f"{name}: mask shape {m.shape} differs from the image {shape}")
    return m != 0


class _H5Frames:
    """Lazy, picklable view of a 3-D HDF5 dataset: every read opens the file itself.

    h5py handles do not pickle and must not be shared between processes (FIELD-NOTES §7),
    so each dask task opens the file, reads its block of frames and closes it. Eiger master
    files whose frames are split over ``data_000001``, ``data_000002``, ... (external links)
    are read as one stack.
    """

    def __init__(self, path: Path, datasets: Sequence[str], counts: Sequence[int],
                 frame_shape: tuple[int, int], dtype: np.dtype) -> None:
        self.path = Path(path)
        self.datasets = tuple(datasets)
        self.counts = tuple(int(c) for c in counts)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)]).astype(int)
        self.shape = (int(self.starts[-1]), *frame_shape)
        self.dtype = np.dtype(dtype)
        self.ndim = 3

    def __getitem__(self, key: Any) -> np.ndarray:
        h5py = require("h5py", "hdf5", purpose=f"read the HDF5 stack {self.path.name}")
        try:
            import hdf5plugin  # noqa: F401  (registers bitshuffle/LZ4 and friends)
        except ImportError:
            pass
        if not isinstance(key, tuple):
            key = (key,)
        key = key + (slice(None),) * (3 - len(key))
        first, rest = key[0], key[1:]
        idx = np.arange(self.shape[0])[first]
        scalar = np.ndim(idx) == 0
        idx = np.atleast_1d(idx)
        out = np.empty((idx.size, *self.shape[1:]), self.dtype)
        try:
            with h5py.File(self.path, "r") as fh:
                seg = np.searchsorted(self.starts, idx, side="right") - 1
                for s in np.unique(seg):
                    sel = seg == s
                    local = idx[sel] - self.starts[s]
                    ds = fh[self.datasets[s]]
                    lo, hi = int(local.min()), int(local.max()) + 1
                    if hi - lo == local.size and np.all(np.diff(local) == 1):
                        out[sel] = ds[lo:hi]
                    else:
                        out[sel] = ds[np.sort(local)][np.argsort(np.argsort(local))]
        except OSError as exc:  # truncated file, missing filter plugin, broken external link
            raise CorruptFileError(
                f"{self.path.name}: cannot read frames {idx.min()}–{idx.max()} ({exc})"
            ) from None
        out = out[(slice(None), *rest)]
        return out[0] if scalar else out


def _find_stack(fh: Any, name: str, dataset: str | None) -> tuple[list[str], list[int]]:
    """Dataset path(s) and frame counts of the stack in an open HDF5 file."""
    import h5py

    def frames(path: str) -> int:
        ds = fh[path]
        if not isinstance(ds, h5py.Dataset) or ds.ndim != 3:
            raise CorruptFileError(f"{name}: {path} is not a 3-D frame stack "
                                   f"(shape {getattr(ds, 'shape', None)})")
        return int(ds.shape[0])

    if dataset is not None:
        if dataset.strip("/") not in fh:
            raise CorruptFileError(f"{name}: no dataset {dataset!r}")
        return [dataset.strip("/")], [frames(dataset.strip("/"))]
    for path in STACK_DATASETS:
        if path in fh and isinstance(fh.get(path, getlink=False), h5py.Dataset):
            try:
                return [path], [frames(path)]
            except (KeyError, OSError):
                pass
    if "entry/data" in fh:  # Eiger master: data_000001, data_000002 ... (external links)
        parts = sorted(k for k in fh["entry/data"] if k.startswith("data_"))
        paths, counts = [], []
        for k in parts:
            try:
                counts.append(frames(f"entry/data/{k}"))
                paths.append(f"entry/data/{k}")
            except (KeyError, OSError):  # a data file of the series is missing
                break
        if paths:
            return paths, counts
    found: list[str] = []

    def visit(path: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset) and obj.ndim == 3 and obj.shape[1] > 1 < obj.shape[2]:
            found.append(path)

    fh.visititems(visit)
    if len(found) == 1:
        return found, [frames(found[0])]
    hint = f"; pass dataset= one of {found}" if found else ""
    raise CorruptFileError(f"{name}: no 3-D detector stack at {', '.join(STACK_DATASETS)} "
                           f"or entry/data/data_NNNNNN{hint}")


def _scalar(fh: Any, path: str) -> float | None:
    if path not in fh:
        return None
    try:
        v = np.asarray(fh[path][()], float).ravel()
    except (TypeError, ValueError):
        return None
    return float(v[0]) if v.size else None


def open_stack(
    path: str | Path,
    *,
    dataset: str | None = None,
    chunk_frames: int = 16,
) -> xr.DataArray:
    """Open an HDF5/NeXus detector stack lazily, as a dask array of frame blocks.

    Parameters
    ----------
    path : path
        Eiger/Pilatus master file (frames in ``/entry/data/data`` or split over the external
        links ``/entry/data/data_000001`` ...), a NeXus file with an ``NXdetector`` ``data``
        stack (``/entry/instrument/detector/data``, e.g. X-Spectrum Lambda), or any HDF5
        file with one 3-D dataset. Compressed frames (bitshuffle-LZ4, LZ4, Zstd, ...) are
        read through ``hdf5plugin``.
    dataset : str, optional
        Path of the 3-D dataset inside the file (default: the first of
        :data:`STACK_DATASETS`, the Eiger ``data_NNNNNN`` links, or the only 3-D dataset).
    chunk_frames : int
        Frames per dask block (one task reads, and later integrates, one block).

    Returns
    -------
    xarray.DataArray
        ``(frame, y, x)``, dask-backed; coords ``frame`` and, when the file states the
        frame period (``frame_time``), ``time`` in s at mid-exposure; ``pixel_mask``
        (``y, x``, non-zero = masked) when the detector wrote one; attrs ``source``,
        ``sha256`` (of the file given), ``reader``, ``dataset``, ``count_time``.

    Raises
    ------
    CorruptFileError
        Not an HDF5 file, or no 3-D frame stack in it.
    """
    h5py = require("h5py", "hdf5", purpose="read HDF5/NeXus detector stacks")
    dask_array = require("dask.array", "dask", purpose="read detector stacks lazily")
    try:
        import hdf5plugin  # noqa: F401
    except ImportError:
        pass
    from charz.record import file_sha256

    path = Path(path)
    if not path.is_file():
        raise CharzError(f"{path}: stack file not found")
    if int(chunk_frames) < 1:
        raise OptionError(f"chunk_frames must be >= 1, got {chunk_frames}")
    try:
        with h5py.File(path, "r") as fh:
            paths, counts = _find_stack(fh, path.name, dataset)
            first = fh[paths[0]]
            frame_shape = (int(first.shape[1]), int(first.shape[2]))
            dtype = first.dtype
            pixel_mask = None
            for mp in _MASK_DATASETS:
                if mp in fh:
                    pm = np.asarray(fh[mp][()])
                    pm = pm[0] if pm.ndim == 3 else pm
                    if pm.shape == frame_shape:
                        pixel_mask = pm
                        break
            det = "entry/instrument/detector"
            frame_time = _scalar(fh, f"{det}/frame_time")
            count_time = _scalar(fh, f"{det}/count_time")
    except OSError as exc:
        raise CorruptFileError(f"{path.name}: not a readable HDF5 file ({exc})") from None
    lazy = _H5Frames(path, paths, counts, frame_shape, dtype)
    arr = dask_array.from_array(lazy, chunks=(int(chunk_frames), *frame_shape), lock=False,
                                asarray=True, fancy=False,
                                meta=np.empty((0, 0, 0), dtype=dtype))
    _OPENED[arr.name] = lazy
    while len(_OPENED) > 16:
        _OPENED.pop(next(iter(_OPENED)))
    n = lazy.shape[0]
    coords: dict[str, Any] = {
        "frame": ("frame", np.arange(n), {"units": "1", "long_name": "frame"}),
        "y": ("y", np.arange(frame_shape[0]), {"units": "pixel", "long_name": "slow axis"}),
        "x": ("x", np.arange(frame_shape[1]), {"units": "pixel", "long_name": "fast axis"}),
    }
    if frame_time:
        t = np.arange(n) * frame_time + (count_time or 0.0) / 2
        coords["time"] = ("frame", t, {"units": "s", "long_name": "time (mid-exposure)"})
    if pixel_mask is not None:
        coords["pixel_mask"] = (("y", "x"), pixel_mask,
                                {"units": "1", "long_name": "detector pixel mask (non-zero "
                                                            "= masked)"})
    attrs: dict[str, Any] = {"units": "count", "long_name": "counts", "source": path.name,
                             "sha256": file_sha256(path), "reader": "charz.detector.open_stack",
                             "dataset": ", ".join("/" + p for p in paths)}
    if count_time is not None:
        attrs["count_time"] = count_time
    if frame_time is not None:
        attrs["frame_time"] = frame_time
    return xr.DataArray(arr, dims=("frame", "y", "x"), coords=coords, name="counts",
                        attrs=attrs)


def first_frame(stack: xr.DataArray) -> np.ndarray:
    """Frame 0 of a stack; of an :func:`open_stack` stack, read alone from the file.

    ``stack[0].values`` would read (and decompress) the whole first block of
    ``chunk_frames`` frames to return one.
    """
    lazy = _OPENED.get(getattr(getattr(stack, "data", None), "name", None))
    if lazy is not None:
        return np.asarray(lazy[0])
    return np.asarray(stack[0].values)


#: dask array name -> the file view of the stacks opened by :func:`open_stack` (the last
#: few), for :func:`first_frame`
_OPENED: dict[str, _H5Frames] = {}


def frames_from_profiles(integrator: Any, x: np.ndarray, profiles: Sequence[np.ndarray], *,
                         unit: str = "2th_deg", seed: int | None = None) -> np.ndarray:
    """Detector frames whose azimuthal average is each of ``profiles`` (synthetic data).

    Each profile ``I(x)`` is projected onto the detector of ``integrator`` (pyFAI's
    ``calcfrom1d``, solid angle included); with a ``seed`` every frame gets Poisson noise
    (one generator, frame after frame) and is returned as int32 counts, as a photon
    counter writes them; without, as float intensities.

    Parameters
    ----------
    integrator : pyFAI.integrator.azimuthal.AzimuthalIntegrator
        The geometry.
    x : ndarray
        Radial axis of the profiles, in ``unit``.
    profiles : sequence of ndarray
        One intensity profile per frame, on ``x``.
    unit : str
        pyFAI radial unit of ``x`` (``"2th_deg"``, ``"q_nm^-1"``).
    seed : int, optional
        Seed of the Poisson noise; None: no noise.

    Returns
    -------
    ndarray
        ``(frame, y, x)`` frames.
    """
    import warnings

    rng = None if seed is None else np.random.default_rng(seed)
    out = []
    for prof in profiles:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyFAI's notes on the projection
            img = integrator.calcfrom1d(x, prof, dim1_unit=unit, correctSolidAngle=True)
        img = np.clip(img, 0, None)
        out.append(img if rng is None else rng.poisson(img).astype(np.int32))
    return np.stack(out)


def _is_hdf5(path: Path) -> bool:
    return path.suffix.lower() in HDF5_SUFFIXES


def _prefetched(read: Callable[[Any], Any], items: Iterable[Any], depth: int) -> Iterator[Any]:
    """``read(item)`` for each item, run ``depth`` items ahead in one reader thread.

    Yields ``(item, result_or_exception)``; at most ``depth`` results wait in memory.
    """

    def safe(item: Any) -> Any:
        try:
            return read(item)
        except CharzError as exc:
            return exc

    it = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="charz-reader") as pool:
        queue: deque[tuple[Any, Any]] = deque()
        for item in it:
            queue.append((item, pool.submit(safe, item)))
            if len(queue) >= depth:
                break
        while queue:
            item, fut = queue.popleft()
            nxt = next(it, _END)
            if nxt is not _END:
                queue.append((nxt, pool.submit(safe, nxt)))
            yield item, fut.result()


_END = object()

