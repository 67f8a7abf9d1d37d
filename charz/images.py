"""2-D detector images and stacks → 1-D patterns with pyFAI: one integration for every technique.

:func:`integrate` turns one image into I(2θ) or I(q); :func:`integrate_stack` turns a
stack — a list or folder of image files, an HDF5/NeXus detector stack
(:func:`~charz.detector.open_stack`), or a 3-D array — into a ``(frame|time, two_theta|q)``
series. XRD and SAXS call these
(:func:`xrd.images.integrate_images`, :func:`saxs.integrate_image`); only the radial
``unit`` differs.

Speed (FIELD-NOTES §3.8, §7). pyFAI spends most of its first call building a sparse (CSR)
matrix that maps pixels to bins; later calls with the same shape, ``npt``, ``unit``, range
and mask reuse it, so a loop that builds one integrator and keeps one static mask costs
~30 ms per Pilatus 1M frame on two cores, and one that builds a new integrator per frame
~400 ms. Here:

- integrators are cached per **process**, keyed by the whole geometry (PONI content,
  orientation convention, image shape, mask, ``npt``, ``unit``, range, method, corrections).
  The cache is a module-level dictionary, so on a ``dask.distributed`` cluster each worker
  process builds the integrator once, on its first task, and reuses it for every later
  task (never one per task; no worker plugin is needed). Threads of one process share it.
- the mask is static for a stack: the user's mask, the detector's own pixel mask (NeXus
  ``pixel_mask``) and the pixels below ``invalid_below`` in the **first** frame (module gaps,
  dead pixels). Pixels that turn invalid in a later frame are set to NaN in a copy of that
  frame only (pyFAI skips NaN pixels exactly as masked ones), so the CSR matrix is never
  rebuilt.
- a reader thread reads (and checksums) the next frames while the current one is being
  integrated; at most ``prefetch`` frames are held, so memory stays flat with stack length.
- HDF5/NeXus stacks are read lazily by blocks of frames:
  :func:`~charz.detector.open_stack` gives a dask array whose tasks open the file with
  h5py themselves (h5py handles do not pickle), so the stack is read and integrated on
  whatever dask scheduler is active (threads, processes, or a ``dask.distributed``
  cluster), block by block, without passing through the caller.

Conventions. Mask: non-zero = masked (pyFAI, Dioptas, NeXus ``pixel_mask``). Intensities
are counts per pixel, solid-angle corrected to the PONI (pyFAI's
``correctSolidAngle=True``); ``sigma`` is the Poisson uncertainty propagated by pyFAI
(``error_model="poisson"``). A PONI made in Dioptas fits the vertically flipped image
(``poni_convention="dioptas"``, pyFAI #1994).
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz.detector import (
    _as_2d,
    _is_hdf5,
    _load_mask,
    _prefetched,
    _read_image,
    first_frame,
    open_stack,
)
from charz.errors import (
    CharzError,
    CharzWarning,
    CorruptFileError,
    MissingMetadataError,
    OptionError,
)
from charz.io import require

__all__ = ["UNITS", "clear_cache", "integrate", "integrate_stack"]

#: Radial units: pyFAI name → (charz dimension, units attr, long_name).
UNITS: Mapping[str, tuple[str, str, str]] = {
    "q_nm^-1": ("q", "1/nm", "q"),
    "2th_deg": ("two_theta", "deg", "2θ"),
}
_METHOD = ("bbox", "csr", "cython")
_READER = "charz.images"


# ---------------------------------------------------------------------------------------
# geometry, setup and the per-process integrator cache
# ---------------------------------------------------------------------------------------


def _poni_config(poni: Any) -> tuple[dict[str, Any], str, str | None]:
    """(pyFAI config dict, display name, sha256 of the file or None) of a PONI."""
    pyfai_io = require("pyFAI.io.ponifile", "pyfai", purpose="read PONI geometry files")
    if isinstance(poni, Mapping):
        return dict(poni), "PONI mapping", None
    if hasattr(poni, "get_config"):  # a pyFAI Geometry / AzimuthalIntegrator
        return dict(poni.get_config()), type(poni).__name__, None
    from charz.record import file_sha256

    path = Path(poni)
    if not path.is_file():
        raise CharzError(f"{path}: PONI file not found")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = pyfai_io.PoniFile(str(path)).as_dict()
    except Exception as exc:  # pyFAI raises many types on a bad PONI
        raise CorruptFileError(f"{path.name}: not a readable PONI file ({exc})") from None
    return config, path.name, file_sha256(path)


def _jsonable(config: Mapping[str, Any]) -> str:
    def default(v: Any) -> Any:
        return int(v) if hasattr(v, "__index__") else str(v)

    return json.dumps(config, sort_keys=True, default=default)


@dataclass(frozen=True)
class _Setup:
    """Everything that fixes the CSR matrix of an integrator: the cache key (picklable)."""

    poni: str  # JSON of the pyFAI config
    shape: tuple[int, int]
    npt: int
    unit: str
    radial_range: tuple[float, float] | None
    method: tuple[str, str, str]
    polarization_factor: float | None
    error_model: str | None
    flip: bool
    mask_digest: str


_CACHE: OrderedDict[_Setup, tuple[Any, np.ndarray, threading.Lock]] = OrderedDict()
_CACHE_SIZE = 4
_CACHE_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget the cached integrators of this process (they are rebuilt on next use)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _integrator(setup: _Setup, mask: np.ndarray) -> tuple[Any, np.ndarray, threading.Lock]:
    """The cached ``(AzimuthalIntegrator, radial bin centres, lock)`` of ``setup``.

    One integrator must not integrate in two threads at once (measured: pyFAI's CSR
    engine then mixes up frames), so each comes with a lock; threads of a dask worker
    still overlap reading with integrating, and pyFAI's own OpenMP loop uses the cores.
    """
    hit = _CACHE.get(setup)
    if hit is not None:
        return hit
    with _CACHE_LOCK:  # one thread builds; the others wait for it instead of building too
        hit = _CACHE.get(setup)
        if hit is not None:
            return hit
        pyFAI = require("pyFAI", "pyfai", purpose="integrate detector images")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ai = pyFAI.load(json.loads(setup.poni))
            # the first call builds the CSR matrix; integrating zeros also gives the bins
            res = ai.integrate1d(np.zeros(setup.shape, np.float32), setup.npt,
                                 unit=setup.unit, mask=mask, correctSolidAngle=True,
                                 polarization_factor=setup.polarization_factor,
                                 error_model=setup.error_model,
                                 radial_range=setup.radial_range, method=setup.method)
        hit = (ai, np.asarray(res.radial, float), threading.Lock())
        _CACHE[setup] = hit
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return hit


def _digest(mask: np.ndarray) -> str:
    return hashlib.blake2b(np.packbits(mask).tobytes(), digest_size=16).hexdigest()



# ---------------------------------------------------------------------------------------
# integration kernels (run in the caller or in dask tasks)
# ---------------------------------------------------------------------------------------


def _frame_kernel(setup: _Setup, mask: np.ndarray, invalid_below: float | None
                  ) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A function frame → (intensity, sigma) that reuses one cached integrator."""
    ai, _, lock = _integrator(setup, mask)
    keep = ~mask
    buf = np.empty(setup.shape, bool)
    kw = {"unit": setup.unit, "mask": mask, "correctSolidAngle": True,
          "polarization_factor": setup.polarization_factor, "error_model": setup.error_model,
          "radial_range": setup.radial_range, "method": setup.method}

    def one(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        frame = _as_2d(np.asarray(frame), "frame")
        if frame.shape != setup.shape:
            raise CharzError(f"frame shape {frame.shape} differs from the stack's {setup.shape}")
        if setup.flip:
            frame = frame[::-1]
        bad = _invalid(frame, invalid_below, buf)
        if bad is not None:
            np.logical_and(bad, keep, out=bad)
            if bad.any():  # newly invalid pixels: NaN in a copy (pyFAI skips NaN pixels)
                frame = frame.astype(np.float32)
                frame[bad] = np.nan
        with lock:
            res = ai.integrate1d(frame, setup.npt, **kw)
        sigma = res.sigma if res.sigma is not None else np.full(setup.npt, np.nan)
        return np.asarray(res.intensity, float), np.asarray(sigma, float)

    return one


def _invalid(frame: np.ndarray, invalid_below: float | None,
             out: np.ndarray | None = None) -> np.ndarray | None:
    """Pixels below ``invalid_below``, and Dectris' overflow value of unsigned frames."""
    bad = None
    if invalid_below is not None and frame.dtype.kind != "u":
        bad = np.less(frame, invalid_below, out=out)
    if frame.dtype.kind == "u":  # Eiger/Pilatus4 write 2**n - 1 for bad or saturated pixels
        bad = np.equal(frame, np.iinfo(frame.dtype).max, out=out)
    return bad


def _integrate_block(block: np.ndarray, setup: _Setup, mask: np.ndarray,
                     invalid_below: float | None) -> np.ndarray:
    """Dask task: a block of frames ``(n, y, x)`` → ``(n, 2, npt)`` (intensity, sigma)."""
    one = _frame_kernel(setup, mask, invalid_below)
    out = np.empty((block.shape[0], 2, setup.npt))
    for i, frame in enumerate(block):
        out[i, 0], out[i, 1] = one(frame)
    return out


def _integrate_files_block(paths: Sequence[Path], setup: _Setup, mask: np.ndarray,
                           invalid_below: float | None) -> np.ndarray:
    """Dask task: a block of image files → ``(n, 2, npt)``; unreadable frames are NaN."""
    one = _frame_kernel(setup, mask, invalid_below)
    out = np.full((len(paths), 2, setup.npt), np.nan)
    for i, (_p, frame) in enumerate(_prefetched(_read_image, paths, 2)):
        if not isinstance(frame, Exception):
            try:
                out[i, 0], out[i, 1] = one(frame)
            except CharzError:
                pass
    return out


# ---------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    setup: _Setup
    mask: np.ndarray
    radial: np.ndarray
    attrs: dict[str, Any]


def _prepare(first: np.ndarray, name: str, poni: Any, *, npt: int | None, unit: str,
             mask: Any, pixel_mask: np.ndarray | None, invalid_below: float | None,
             radial_range: tuple[float, float] | None, method: Sequence[str],
             poni_convention: str, polarization_factor: float | None,
             error_model: str | None) -> _Prepared:
    """Validate options against the first frame; build (or find) the integrator."""
    if unit not in UNITS:
        raise OptionError(f"unit={unit!r} is not one of {', '.join(map(repr, UNITS))}")
    if poni_convention not in ("pyfai", "dioptas"):
        raise OptionError(f"poni_convention must be 'pyfai' or 'dioptas', got "
                          f"{poni_convention!r}")
    if error_model not in (None, "poisson", "azimuthal"):
        raise OptionError(f"error_model must be None, 'poisson' or 'azimuthal', got "
                          f"{error_model!r}")
    if radial_range is not None:
        radial_range = (float(radial_range[0]), float(radial_range[1]))
        if not radial_range[0] < radial_range[1]:
            raise OptionError(f"radial_range {radial_range} must be (low, high)")
    first = _as_2d(np.asarray(first), name)
    shape = (int(first.shape[0]), int(first.shape[1]))
    config, poni_name, poni_sha = _poni_config(poni)
    if not config.get("wavelength"):
        raise MissingMetadataError(f"{poni_name}: the PONI has no wavelength")
    det_shape = (config.get("detector_config") or {}).get("max_shape")
    if det_shape is None:  # a named detector (Pilatus1M, Eiger4M ...) knows its shape
        try:
            import pyFAI.detectors

            det = pyFAI.detectors.detector_factory(config.get("detector", "Detector"),
                                                   config.get("detector_config"))
            det_shape = det.max_shape
            pixel1, pixel2 = det.pixel1, det.pixel2
        except Exception:  # unknown detector name: pyFAI.load reports it below
            pixel1 = pixel2 = None
    else:
        pixel1 = config["detector_config"].get("pixel1")
        pixel2 = config["detector_config"].get("pixel2")
    if det_shape is not None and tuple(det_shape) != shape:
        raise CharzError(f"{name}: image shape {shape} does not match the detector of "
                         f"{poni_name} ({config.get('detector')}, shape {tuple(det_shape)})")
    if pixel1 and pixel2:
        p1, p2 = config["poni1"] / pixel1, config["poni2"] / pixel2
        n1, n2 = shape
        # off the detector by more than its size: the geometry belongs to another detector
        if not (-n1 <= p1 <= 2 * n1 and -n2 <= p2 <= 2 * n2):
            raise CharzError(f"{name}: the PONI of {poni_name} is at pixel ({p1:.0f}, "
                             f"{p2:.0f}), far outside the {shape} image: the PONI does not "
                             "match this image")
    flip = poni_convention == "dioptas"
    static = np.zeros(shape, bool)
    sources = []
    user = _load_mask(mask, shape, name)
    if user is not None:
        static |= user
        sources.append("user mask")
    if pixel_mask is not None:
        static |= np.asarray(pixel_mask) != 0
        sources.append("detector pixel_mask")
    if flip:  # masks are given in the stored orientation, like the image
        static = np.ascontiguousarray(static[::-1])
        first = first[::-1]
    low = _invalid(first, invalid_below)
    if low is not None:
        static |= low
        sources.append(f"pixels < {invalid_below:g} in the first frame"
                       if first.dtype.kind != "u" else "overflow value 2**n-1")
    npt = int(npt) if npt is not None else int(np.hypot(*shape) / 2)
    if npt < 2:
        raise OptionError(f"npt must be >= 2, got {npt}")
    meth = tuple(method) if not isinstance(method, str) else (method,)
    if len(meth) != 3:
        raise OptionError(f"method must be a (split, algorithm, implementation) triple such "
                          f"as {_METHOD}, got {method!r}")
    setup = _Setup(poni=_jsonable(config), shape=shape, npt=npt, unit=unit,
                   radial_range=radial_range, method=meth,  # type: ignore[arg-type]
                   polarization_factor=(None if polarization_factor is None
                                        else float(polarization_factor)),
                   error_model=error_model, flip=flip, mask_digest=_digest(static))
    _ai, radial, _ = _integrator(setup, static)
    attrs: dict[str, Any] = {
        "wavelength": float(config["wavelength"]) * 1e9,
        "wavelength_source": "file",
        "distance_m": float(config.get("dist", np.nan)),
        "poni": poni_name,
        "poni_convention": poni_convention,
        "mask_convention": "non-zero = masked",
        "mask_source": ", ".join(sources) or "none",
        "solid_angle_corrected": 1,
        "polarization_factor": "none" if polarization_factor is None else polarization_factor,
        "error_model": error_model or "none",
        "integration": (f"pyFAI integrate1d {'/'.join(meth)}, {npt} bins in {unit}, solid "
                        f"angle corrected, polarization {polarization_factor}"),
    }
    if poni_sha:
        attrs["poni_sha256"] = poni_sha
    return _Prepared(setup, static, radial, attrs)


def _radial_coord(unit: str, radial: np.ndarray) -> tuple[str, tuple[Any, ...]]:
    dim, units, long_name = UNITS[unit]
    return dim, (dim, radial, {"units": units, "long_name": long_name})


def integrate(
    image: str | Path | np.ndarray,
    poni: str | Path | Mapping[str, Any],
    *,
    npt: int | None = None,
    unit: Literal["q_nm^-1", "2th_deg"] = "q_nm^-1",
    mask: str | Path | np.ndarray | None = None,
    invalid_below: float | None = 0.0,
    radial_range: tuple[float, float] | None = None,
    method: Sequence[str] = _METHOD,
    poni_convention: Literal["pyfai", "dioptas"] = "pyfai",
    polarization_factor: float | None = None,
    error_model: Literal["poisson", "azimuthal"] | None = "poisson",
    frame: int | None = None,
) -> xr.DataArray:
    """Azimuthally integrate one detector image with pyFAI (integrator cached per process).

    Parameters
    ----------
    image : path or ndarray
        Any image fabio reads (TIFF, CBF, EDF, Pilatus, Eiger, ...), a ``.npy`` file, an
        HDF5/NeXus stack (with ``frame=``), or a 2-D array.
    poni : path or mapping
        pyFAI geometry: a PONI file (v1 or v2; distances and wavelength in m), a pyFAI
        config mapping, or a pyFAI ``Geometry``/``AzimuthalIntegrator``.
    npt : int, optional
        Number of radial bins (default: half the detector diagonal in pixels).
    unit : {'q_nm^-1', '2th_deg'}
        Radial unit: q in 1/nm (dimension ``q``) or 2θ in degrees (``two_theta``).
    mask : path or ndarray, optional
        Mask image of the image's shape, in the orientation stored in the file; **non-zero
        = masked** (pyFAI, Dioptas).
    invalid_below : float or None
        Pixels below this value are masked (Pilatus/Eiger module gaps −1, bad pixels −2);
        None masks none. The overflow value ``2**n − 1`` of unsigned frames (Eiger) is
        always masked.
    radial_range : (float, float), optional
        Range of the bins, in ``unit`` (default: the pixels' range).
    method : (str, str, str)
        pyFAI method (split, algorithm, implementation).
    poni_convention : {'pyfai', 'dioptas'}
        ``'dioptas'``: the PONI was made in Dioptas, which flips images vertically on load,
        so the image and mask are ``numpy.flipud``-ed first (pyFAI #1994, Dioptas PR #193).
        Never detected automatically.
    polarization_factor : float, optional
        pyFAI polarization factor (−1…1; 0 = unpolarized lab source, ~0.95–0.99 at a
        synchrotron); None: no polarization correction.
    error_model : {'poisson', 'azimuthal'} or None
        pyFAI error model for ``sigma``; None: no ``sigma``.
    frame : int, optional
        Frame of a multi-frame file (EDF, HDF5/NeXus stack); required when it has several.

    Returns
    -------
    xarray.DataArray
        ``intensity`` over ``q`` (1/nm) or ``two_theta`` (deg), units ``count`` (per pixel,
        solid angle at the PONI); coord ``sigma``; attrs ``source``, ``sha256``,
        ``reader``, ``poni``, ``poni_sha256``, ``wavelength`` (nm, from the PONI),
        ``distance_m``, the mask and correction conventions.

    Raises
    ------
    CharzError
        The image is not 2-D; its shape differs from the PONI's detector or the mask; the
        PONI point lies far outside the image. :class:`~charz.errors.MissingMetadataError`
        when the PONI has no wavelength; :class:`~charz.errors.OptionError` for bad options.

    See Also
    --------
    integrate_stack : many frames with one integrator.
    """
    from charz.record import file_sha256

    prov: dict[str, Any] = {}
    if isinstance(image, np.ndarray):
        name, data = "image array", image
    else:
        path = Path(image)
        name = path.name
        if _is_hdf5(path):
            stack = open_stack(path)
            if frame is None and stack.sizes["frame"] > 1:
                raise CharzError(f"{name}: holds {stack.sizes['frame']} frames; pass "
                                 "frame=<index> or use integrate_stack")
            data = np.asarray(stack[frame or 0].values)
            pm = stack.coords.get("pixel_mask")
            if pm is not None:
                mask = (pm.values != 0) | (_load_mask(mask, data.shape, name)
                                           if mask is not None else False)
        else:
            data = _read_image(path, "image", frame)
        prov = {"source": name, "sha256": file_sha256(path)}
    prep = _prepare(data, name, poni, npt=npt, unit=unit, mask=mask, pixel_mask=None,
                    invalid_below=invalid_below, radial_range=radial_range, method=method,
                    poni_convention=poni_convention, polarization_factor=polarization_factor,
                    error_model=error_model)
    y, s = _frame_kernel(prep.setup, prep.mask, invalid_below)(data)
    dim, coord = _radial_coord(unit, prep.radial)
    coords: dict[str, Any] = {dim: coord}
    if error_model is not None:
        coords["sigma"] = (dim, s, {"units": "count", "long_name": "σ(intensity)"})
    attrs = {"units": "count", "long_name": "intensity", **prov,
             "reader": f"{_READER}.integrate", **prep.attrs}
    if frame is not None:
        attrs["frame"] = int(frame)
    return xr.DataArray(y, dims=dim, coords=coords, name="intensity", attrs=attrs)


def integrate_stack(
    stack: str | Path | Sequence[str | Path] | np.ndarray | xr.DataArray,
    poni: str | Path | Mapping[str, Any],
    *,
    npt: int | None = None,
    unit: Literal["q_nm^-1", "2th_deg"] = "q_nm^-1",
    mask: str | Path | np.ndarray | None = None,
    invalid_below: float | None = 0.0,
    radial_range: tuple[float, float] | None = None,
    method: Sequence[str] = _METHOD,
    poni_convention: Literal["pyfai", "dioptas"] = "pyfai",
    polarization_factor: float | None = None,
    error_model: Literal["poisson", "azimuthal"] | None = "poisson",
    times: Sequence[float] | np.ndarray | None = None,
    lazy: bool | None = None,
    chunk_frames: int = 16,
    prefetch: int = 4,
    dataset: str | None = None,
) -> xr.DataArray:
    """Integrate a stack of detector frames into a series with one cached integrator.

    Parameters
    ----------
    stack : path, sequence of paths, ndarray or xarray.DataArray
        An HDF5/NeXus stack file (see :func:`~charz.detector.open_stack`), a folder or a
        sequence of image files (one frame each, natural order of names), a 3-D array
        ``(frame, y, x)``, or a DataArray with ``frame``/``time`` first (numpy- or
        dask-backed, e.g. from :func:`~charz.detector.open_stack`).
    poni : path or mapping
        pyFAI geometry (see :func:`integrate`).
    npt, unit, mask, invalid_below, radial_range, method : see :func:`integrate`
        The same integrator, mask and bins serve every frame.
    poni_convention, polarization_factor, error_model : see :func:`integrate`
        As in :func:`integrate`; the same integrator, mask and bins serve every frame (the
        mask is completed with the detector's ``pixel_mask`` and the first frame's
        invalid pixels; see the module notes).
    times : sequence of float, optional
        Frame times in s (a ``time`` dimension); default the stack's ``time`` coordinate
        when it has one, else numbered frames.
    lazy : bool, optional
        Return a dask-backed series, integrated block by block on the active dask scheduler
        when computed. Default: True for HDF5 stacks and dask-backed input, False for
        files and arrays (integrated now, reading ahead in a thread).
    chunk_frames : int
        Frames per dask task (lazy only).
    prefetch : int
        Frames read ahead of the integration (eager file lists).
    dataset : str, optional
        Dataset path inside an HDF5 stack (see :func:`~charz.detector.open_stack`).

    Returns
    -------
    xarray.DataArray
        ``intensity`` over ``(frame|time, q|two_theta)`` with coord ``sigma``; per-frame
        coords ``source`` and ``sha256`` for file lists; attrs as :func:`integrate`
        (``source``/``sha256`` of the stack file for HDF5). Image files that cannot be read
        are NaN rows; an eager run also lists them in ``attrs["bad_frames"]`` with a
        :class:`~charz.errors.CharzWarning` (a lazy one cannot know them in advance).

    Raises
    ------
    CharzError
        No frames, frames of different shapes, or as :func:`integrate` for the geometry.

    Examples
    --------
    >>> series = integrate_stack("operando_master.h5", "LaB6.poni", unit="2th_deg",
    ...                          npt=2000)                                  # doctest: +SKIP
    >>> series.sel(two_theta=slice(20, 30)).compute()                       # doctest: +SKIP
    """
    from charz.series import natural_sorted

    kw = {"npt": npt, "unit": unit, "mask": mask, "invalid_below": invalid_below,
          "radial_range": radial_range, "method": method, "poni_convention": poni_convention,
          "polarization_factor": polarization_factor, "error_model": error_model}
    files: list[Path] | None = None
    if isinstance(stack, str | Path):
        p = Path(stack)
        if p.is_dir():
            files = natural_sorted([f for f in p.iterdir()
                                    if f.is_file() and not f.name.startswith(".")])
        elif _is_hdf5(p):
            stack = open_stack(p, dataset=dataset, chunk_frames=chunk_frames)
        else:
            files = [p]
    elif not isinstance(stack, np.ndarray | xr.DataArray) and not hasattr(stack, "dask"):
        files = [Path(f) for f in stack]  # type: ignore[union-attr]
        if len(files) == 1 and _is_hdf5(files[0]):
            return integrate_stack(files[0], poni, **kw, times=times, lazy=lazy,
                                   chunk_frames=chunk_frames, dataset=dataset)
        files = natural_sorted(files)
    if files is not None:
        if not files:
            raise CharzError("integrate_stack: no image files given")
        return _integrate_files(files, poni, kw, times=times, lazy=bool(lazy),
                                chunk_frames=chunk_frames, prefetch=prefetch)
    # an array or DataArray of frames
    da = stack if isinstance(stack, xr.DataArray) else xr.DataArray(
        stack, dims=("frame", "y", "x"))
    if da.ndim != 3:
        raise CharzError(f"integrate_stack: a (frame, y, x) stack is needed, got dims {da.dims}")
    fdim = da.dims[0]
    n = da.sizes[fdim]
    if n == 0:
        raise CharzError("integrate_stack: the stack has no frames")
    name = str(da.attrs.get("source", "stack"))
    first = first_frame(da)  # one frame, not the first block of a lazy stack
    pm = da.coords["pixel_mask"].values if "pixel_mask" in da.coords else None
    prep = _prepare(first, name, poni, pixel_mask=pm, **kw)
    is_dask = hasattr(da.data, "dask")
    if lazy is None:
        lazy = is_dask
    if lazy:
        dsa = require("dask.array", "dask", purpose="integrate stacks lazily")
        import dask

        arr = da.data if is_dask else dsa.from_array(np.asarray(da.data),
                                                     chunks=(chunk_frames, -1, -1))
        arr = arr.rechunk({0: arr.chunks[0], 1: -1, 2: -1})
        mask_d = dask.delayed(prep.mask, pure=True)
        out = dsa.map_blocks(_integrate_block, arr, prep.setup, mask_d, invalid_below,
                             chunks=(arr.chunks[0], (2,), (prep.setup.npt,)),
                             dtype=float, meta=np.empty((0, 0, 0)))
    else:
        one = _frame_kernel(prep.setup, prep.mask, invalid_below)
        out = np.empty((n, 2, prep.setup.npt))
        values = da.values if not is_dask else da.data
        for i in range(n):
            out[i, 0], out[i, 1] = one(np.asarray(values[i]))
    extra = {k: v for k, v in da.attrs.items()
             if k in ("source", "sha256", "dataset", "count_time", "frame_time")}
    reader = da.attrs.get("reader")
    t = np.asarray(times, float) if times is not None else (
        np.asarray(da.coords["time"].values, float) if "time" in da.coords else None)
    return _series(out, prep, unit, n, t, frame_coords={}, attrs={
        **extra, "reader": f"{_READER}.integrate_stack"
        + (f" ({reader})" if reader else "")})


def _integrate_files(files: list[Path], poni: Any, kw: dict[str, Any], *,
                     times: Any, lazy: bool, chunk_frames: int, prefetch: int) -> xr.DataArray:
    from charz.record import file_sha256

    invalid_below = kw["invalid_below"]
    n = len(files)
    first_frame = _read_image(files[0], "image")
    prep = _prepare(first_frame, files[0].name, poni, pixel_mask=None, **kw)
    names = np.array([f.name for f in files], dtype=object)
    frame_coords: dict[str, Any] = {"source": names}
    bad: list[str] = []
    if lazy:
        import dask
        import dask.array as dsa

        mask_d = dask.delayed(prep.mask, pure=True)
        blocks = []
        for i in range(0, n, chunk_frames):
            part = files[i:i + chunk_frames]
            task = dask.delayed(_integrate_files_block, pure=True)(
                part, prep.setup, mask_d, invalid_below)
            blocks.append(dsa.from_delayed(task, shape=(len(part), 2, prep.setup.npt),
                                           dtype=float, meta=np.empty((0, 0, 0))))
        out = dsa.concatenate(blocks, axis=0)
    else:
        one = _frame_kernel(prep.setup, prep.mask, invalid_below)
        out = np.full((n, 2, prep.setup.npt), np.nan)
        sha = np.empty(n, dtype=object)

        def read(path: Path) -> tuple[np.ndarray, str]:
            return _read_image(path, "image"), file_sha256(path)

        for i, (path, got) in enumerate(_prefetched(read, files, max(1, prefetch))):
            if isinstance(got, Exception):
                bad.append(f"{path.name} ({got})")
                sha[i] = ""
                continue
            frame, sha[i] = got
            try:
                out[i, 0], out[i, 1] = one(frame)
            except CharzError as exc:
                bad.append(f"{path.name} ({exc})")
        frame_coords["sha256"] = sha
        if len(bad) == n:
            raise CharzError(f"integrate_stack: no frame could be read: {'; '.join(bad)}")
        if bad:
            warnings.warn(f"integrate_stack: {len(bad)} of {n} frames left out (NaN): "
                          f"{'; '.join(bad)}", CharzWarning, stacklevel=3)
    attrs = {"reader": f"{_READER}.integrate_stack"}
    if bad:
        attrs["bad_frames"] = [b.split(" (")[0] for b in bad]
    return _series(out, prep, kw["unit"], n, None if times is None else np.asarray(times, float),
                   frame_coords=frame_coords, attrs=attrs)


def _series(out: Any, prep: _Prepared, unit: str, n: int, times: np.ndarray | None, *,
            frame_coords: Mapping[str, np.ndarray], attrs: Mapping[str, Any]) -> xr.DataArray:
    rdim, rcoord = _radial_coord(unit, prep.radial)
    if times is not None:
        if times.shape != (n,):
            raise OptionError(f"times has {times.size} values for {n} frames")
        dim = "time"
        tcoord = (dim, times, {"units": "s", "long_name": "time"})
    else:
        dim = "frame"
        tcoord = (dim, np.arange(n), {"units": "1", "long_name": "frame"})
    coords: dict[str, Any] = {dim: tcoord, rdim: rcoord}
    if prep.setup.error_model is not None:
        coords["sigma"] = ((dim, rdim), out[:, 1, :],
                           {"units": "count", "long_name": "σ(intensity)"})
    for k, v in frame_coords.items():
        coords[k] = (dim, v)
    return xr.DataArray(out[:, 0, :], dims=(dim, rdim), coords=coords, name="intensity",
                        attrs={"units": "count", "long_name": "intensity", **prep.attrs,
                               **attrs})
