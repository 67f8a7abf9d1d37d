"""2-D detector images integrated to I(q) through charz.images (pyFAI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from saxs.io._common import make_curve

__all__ = ["integrate_image"]


def integrate_image(
    image: str | Path | np.ndarray,
    poni: str | Path,
    **options: Any,
) -> xr.DataArray:
    """Integrate a 2-D detector image to I(q) with :func:`charz.images.integrate`.

    Parameters
    ----------
    image : path or ndarray
        Any image fabio reads (EDF, TIFF, CBF, Pilatus, Eiger, ...), one frame of an
        HDF5/NeXus stack (``frame=``), or an array.
    poni : path
        pyFAI geometry file (PONI v1 or v2; distances in m, wavelength in m).
    **options
        Keyword options of :func:`charz.images.integrate`: ``mask`` (non-zero = masked, in
        the image's stored orientation), ``npt`` (default: half the detector diagonal in
        pixels), ``poni_convention`` (``'dioptas'``: the PONI was made in Dioptas, which
        flips images vertically; never detected automatically), ``invalid_below`` (pixels
        below it are masked, default 0: Pilatus/Eiger gaps −1/−2; None masks none),
        ``polarization_factor`` (None: no correction, negligible at SAXS angles),
        ``radial_range`` (in ``unit``), ``method``, ``error_model``, ``frame`` (of a
        multi-frame file), and ``unit`` (``'q_nm^-1'``, the default, or ``'2th_deg'`` to
        compare with XRD-style integrations).

    Returns
    -------
    xarray.DataArray
        The SAXS curve (dim ``q`` in 1/nm, bins with q ≤ 0 or no intensity dropped; or
        ``two_theta`` in deg), ``sigma`` from Poisson statistics, intensity in counts per
        pixel normalised to the solid angle at the PONI (``units = "count"``); attrs:
        ``wavelength_nm``, ``distance_m``, ``poni_file``, ``poni_sha256``,
        ``poni_convention``, ``mask_convention``, and the provenance of
        :func:`charz.images.integrate`.

    Raises
    ------
    CharzError
        The PONI's detector shape does not match the image, the PONI point lies outside
        the image, the mask shape differs, or the image is not 2-D.
    """
    from charz.images import integrate

    unit = options.setdefault("unit", "q_nm^-1")
    da = integrate(image, poni, **options)
    attrs = dict(da.attrs)
    attrs.update(wavelength_nm=attrs["wavelength"], poni_file=attrs["poni"],
                 integration_method="/".join(options.get("method", ("bbox", "csr", "cython"))))
    attrs["technique"] = "saxs"
    if unit != "q_nm^-1":
        da.attrs = attrs
        return da
    q = da["q"].values
    y = da.values
    s = da["sigma"].values if "sigma" in da.coords else None
    keep = (q > 0) & np.isfinite(y) & (y != 0)
    for k in ("units", "long_name"):
        attrs.pop(k, None)
    return make_curve(q[keep], y[keep], sigma=s[keep] if s is not None else None, q_unit="1/nm",
                      q_unit_from="geometry", intensity_unit="count",
                      name=str(attrs.get("source", "image array")), attrs=attrs)
