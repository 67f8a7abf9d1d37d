"""2-D detector images → 1-D 2θ patterns with fabio + pyFAI (optional extra ``pyfai``).

The same path as SAXS (FIELD-NOTES §3.8) but integrated to 2θ (deg): the PONI gives the
geometry and the wavelength (in metres), which becomes ``attrs["wavelength"]`` in nm.
Dioptas flips images vertically on load (fit2d convention), so a PONI calibrated in
Dioptas fits ``numpy.flipud(image)``: pass ``poni_convention="dioptas"`` (pyFAI issue #1994).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

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
                         polarization_factor=polarization_factor, correctSolidAngle=True)
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
    **kwargs: object,
) -> xr.DataArray:
    """Integrate a stack of images into a ``(time|frame, two_theta)`` series.

    ``times`` (s) are used when given, else frames are numbered; keyword arguments go to
    :func:`integrate_image`.
    """
    from charz.series import natural_sorted, stack_frames

    frames = [integrate_image(p, poni, **kwargs) for p in natural_sorted(images)]
    return stack_frames(frames, times=times, dim="time" if times is not None else "frame")
