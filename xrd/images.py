"""2-D detector images → 1-D 2θ patterns with fabio + pyFAI (optional extra ``pyfai``).

The same path as SAXS (FIELD-NOTES §3.8) but integrated to 2θ (deg): the PONI gives the
geometry and the wavelength (in metres), which becomes ``attrs["wavelength"]`` in nm.
Dioptas flips images vertically on load (fit2d convention), so a PONI calibrated in
Dioptas fits ``numpy.flipud(image)``: pass ``poni_convention="dioptas"`` (pyFAI issue #1994).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz.errors import CorruptFileError, MissingMetadataError
from charz.io import require
from xrd.io import make_pattern

__all__ = ["integrate_image", "integrate_images"]


def _load(path: Path) -> np.ndarray:
    fabio = require("fabio", "pyfai", purpose=f"read the image {path.name}")
    try:
        return np.asarray(fabio.open(str(path)).data, dtype=float)
    except Exception as exc:  # fabio raises many types on bad files
        raise CorruptFileError(f"{path.name}: fabio cannot read the image ({exc})") from None


def integrate_image(
    image: str | Path | np.ndarray,
    poni: str | Path,
    *,
    npt: int | None = None,
    mask: str | Path | np.ndarray | None = None,
    poni_convention: Literal["pyfai", "dioptas"] = "pyfai",
    polarization_factor: float | None = None,
    invalid_below: float = 0.0,
    radial_range: tuple[float, float] | None = None,
) -> xr.DataArray:
    """Azimuthally integrate one detector image to I(2θ).

    Parameters
    ----------
    image : path or ndarray
        TIFF/CBF/EDF/... file (read with fabio) or the array.
    poni : path
        pyFAI PONI file (distance and wavelength in m).
    npt : int, optional
        Number of 2θ bins (default: ~ the detector's radial size in pixels).
    mask : path or ndarray, optional
        Non-zero = masked pixel (pyFAI's convention).
    poni_convention : {'pyfai', 'dioptas'}
        ``dioptas``: the PONI fits the vertically flipped image (image and mask are
        flipped before integration).
    polarization_factor : float, optional
        pyFAI polarization factor (−1…1); None: no polarization correction.
    invalid_below : float
        Pixels with values below this (module gaps −1, bad pixels −2) are masked.
    radial_range : (float, float), optional
        2θ range of the bins (deg); fix it to get identical grids for a stack.

    Returns
    -------
    xarray.DataArray
        Over ``two_theta`` (deg), ``attrs["wavelength"]`` in nm from the PONI.
    """
    pyFAI = require("pyFAI", "pyfai", purpose="integrate detector images")
    name = Path(image).name if isinstance(image, (str, Path)) else "array"
    data = _load(Path(image)) if isinstance(image, (str, Path)) else np.asarray(image, float)
    m = None
    if mask is not None:
        m = _load(Path(mask)) if isinstance(mask, (str, Path)) else np.asarray(mask)
        m = m != 0
    if poni_convention == "dioptas":
        data = np.flipud(data)
        m = None if m is None else np.flipud(m)
    bad = data < invalid_below
    m = bad if m is None else (m | bad)
    ai = pyFAI.load(str(poni))
    if not ai.wavelength:
        raise MissingMetadataError(f"{Path(poni).name}: the PONI has no wavelength")
    npt = npt or int(np.hypot(*data.shape) / 1.4)
    res = ai.integrate1d(data, npt, unit="2th_deg", mask=m.astype(np.int8),
                         polarization_factor=polarization_factor, correctSolidAngle=True,
                         radial_range=radial_range)
    attrs = {
        "wavelength": float(ai.wavelength) * 1e9,
        "wavelength_source": "file",
        "source": name,
        "poni": Path(poni).name,
        "poni_convention": poni_convention,
        "integration": f"pyFAI integrate1d, {npt} bins, solid angle corrected, "
                       f"polarization {polarization_factor}",
    }
    return make_pattern(np.asarray(res.radial), np.asarray(res.intensity), units="a.u.",
                        attrs=attrs)


def integrate_images(
    images: Sequence[str | Path],
    poni: str | Path,
    *,
    times: Sequence[float] | None = None,
    lazy: bool = False,
    **kwargs: Any,
) -> xr.DataArray:
    """Integrate a stack of images into a ``(time|frame, two_theta)`` series.

    Parameters
    ----------
    images : sequence of paths
        Image files (natural order of their names).
    poni : path
        pyFAI PONI file.
    times : sequence of float, optional
        Frame times (s); else frames are numbered.
    lazy : bool
        Return a dask-backed series: the first image is integrated now (to fix the 2θ
        grid); the others are read and integrated chunk by chunk when the data are
        computed, so a stack larger than memory (or on a dask.distributed cluster) works.
    **kwargs
        Options of :func:`integrate_image`.
    """
    from charz.series import natural_sorted, stack_frames

    paths = natural_sorted(images)
    if not paths:
        raise CorruptFileError("integrate_images: no images given")
    probe = integrate_image(paths[0], poni, **kwargs)["two_theta"].values
    half = (probe[-1] - probe[0]) / (probe.size - 1) / 2
    kwargs.setdefault("npt", probe.size)
    kwargs.setdefault("radial_range", (float(probe[0] - half), float(probe[-1] + half)))
    first = integrate_image(paths[0], poni, **kwargs)  # every frame on this one grid
    x = first["two_theta"].values
    dim = "time" if times is not None else "frame"
    if not lazy:
        frames = [first] + [integrate_image(p, poni, **kwargs) for p in paths[1:]]
        return stack_frames(frames, times=times, dim=dim)
    dask = require("dask", "dask", purpose="build a lazy image series")
    import dask.array as dsa

    def one(p: Path) -> np.ndarray:
        return np.asarray(integrate_image(p, poni, **kwargs).values, float)

    rows = [dsa.from_array(first.values[None, :], chunks=(1, x.size))] + [
        dsa.from_delayed(dask.delayed(one)(p), shape=(x.size,), dtype=float)[None, :]
        for p in paths[1:]
    ]
    arr = dsa.concatenate(rows, axis=0)
    t = np.asarray(times, float) if times is not None else np.arange(len(paths))
    coords = {
        "two_theta": ("two_theta", x, dict(first["two_theta"].attrs)),
        dim: (dim, t, {"units": "s" if times is not None else "1", "long_name": dim}),
        "source": (dim, np.array([p.name for p in paths], dtype=object)),
    }
    attrs = {k: v for k, v in first.attrs.items() if k != "source"}
    return xr.DataArray(arr, dims=(dim, "two_theta"), coords=coords, name="intensity",
                        attrs=attrs)
