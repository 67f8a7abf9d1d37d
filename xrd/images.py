"""2-D detector images and stacks → 2θ patterns: :mod:`charz.images` with ``unit="2th_deg"``.

The integration itself (pyFAI, one cached integrator per geometry and process, HDF5/NeXus
stacks read lazily by frame blocks, masks, the Dioptas flip) lives in :mod:`charz.images`;
these two functions fix the radial unit to 2θ (deg) and mark the result as XRD. The PONI
gives the wavelength (m), which becomes ``attrs["wavelength"]`` in nm. A PONI calibrated in
Dioptas fits the vertically flipped image: pass ``poni_convention="dioptas"`` (pyFAI #1994).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["integrate_image", "integrate_images"]


def integrate_image(
    image: str | Path | np.ndarray,
    poni: str | Path,
    **options: Any,
) -> xr.DataArray:
    """Azimuthally integrate one detector image to I(2θ).

    Parameters
    ----------
    image : path or ndarray
        TIFF/CBF/EDF/... file (read with fabio), one frame of an HDF5 stack (``frame=``),
        or the array.
    poni : path
        pyFAI PONI file (distance and wavelength in m).
    **options
        Keyword options of :func:`charz.images.integrate` (``npt``, ``mask``,
        ``invalid_below``, ``radial_range`` in deg, ``poni_convention``,
        ``polarization_factor``, ``method``, ``error_model``, ``frame``); ``unit`` is
        ``"2th_deg"``.

    Returns
    -------
    xarray.DataArray
        A pattern over ``two_theta`` (deg) with ``sigma``; ``attrs["wavelength"]`` in nm
        from the PONI.
    """
    from charz.images import integrate

    da = integrate(image, poni, unit="2th_deg", **options)
    da.attrs["technique"] = "xrd"
    return da


def integrate_images(
    images: str | Path | Sequence[str | Path] | np.ndarray | xr.DataArray,
    poni: str | Path,
    *,
    times: Sequence[float] | None = None,
    lazy: bool | None = None,
    **options: Any,
) -> xr.DataArray:
    """Integrate a stack of images into a ``(time|frame, two_theta)`` series.

    Parameters
    ----------
    images : path, sequence of paths, ndarray or DataArray
        Image files (natural order of their names), a folder of them, an HDF5/NeXus stack
        (Eiger/Pilatus master file, NeXus ``NXdetector`` data), or a 3-D array.
    poni : path
        pyFAI PONI file.
    times : sequence of float, optional
        Frame times (s); else the stack's own (HDF5 ``frame_time``) or numbered frames.
    lazy : bool, optional
        Return a dask-backed series integrated block by block on the active dask scheduler
        when computed (default: lazy for HDF5 stacks, eager for files).
    **options
        Options of :func:`charz.images.integrate_stack` (``npt``, ``mask``,
        ``invalid_below``, ``radial_range``, ``poni_convention``, ``chunk_frames`` ...).

    Returns
    -------
    xarray.DataArray
        ``intensity`` over ``(time|frame, two_theta)`` with ``sigma``, one 2θ grid for
        every frame.
    """
    from charz.images import integrate_stack

    da = integrate_stack(images, poni, unit="2th_deg", times=times, lazy=lazy, **options)
    da.attrs["technique"] = "xrd"
    return da
