"""Preparation of XRD patterns: crop, Kα2 stripping, scaled background subtraction, and the
intensity corrections of the JIS R 7651 (Gakushin) method.

Each step is its own function that takes a pattern (:class:`xarray.DataArray` over
``two_theta`` in deg, any leading dimensions) and returns a new one; inputs are never
modified, and what was done is appended to ``attrs["corrections"]`` (a ``"; "``-joined
string) so that a fit result can state it.

Why the JIS corrections matter for carbons (FIELD-NOTES §1.4): for a broad (002) band the
Lorentz–polarization factor and the falling carbon form factor move the apex to lower
angle: a Gaussian true profile at 23.5° with FWHM 6° shows its raw apex near 22.65°
(−0.85°, d002 0.3783 → 0.392 nm); at 23.0°/8° the shift is −1.55°. Results therefore
always state whether the corrections were applied.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr

from charz.errors import CharzError, FitError, MissingMetadataError, OptionError

__all__ = [
    "CARBON_CROMER_MANN",
    "absorption_factor",
    "carbon_form_factor",
    "correct_intensity",
    "crop",
    "jis_correction_factor",
    "ka2_shift",
    "lorentz_factor",
    "polarization_factor",
    "strip_ka2",
    "subtract_background",
]

#: Cromer–Mann coefficients of neutral carbon (International Tables for Crystallography
#: Vol. C, Table 6.1.1.4): f(s) = Σ aᵢ exp(−bᵢ s²) + c, s = sin θ / λ in Å⁻¹.
CARBON_CROMER_MANN = {
    "a": (2.31, 1.02, 1.5886, 0.865),
    "b": (20.8439, 10.2075, 0.5687, 51.6512),
    "c": 0.2156,
}

#: Mass attenuation coefficient μ/ρ of carbon for Cu Kα, cm²/g (xraydb, Elam tables).
MU_RHO_CARBON_CU = 4.50


def _note(da: xr.DataArray, text: str) -> xr.DataArray:
    prev = da.attrs.get("corrections", "")
    da.attrs["corrections"] = f"{prev}; {text}" if prev else text
    return da


def _wavelength(pattern: xr.DataArray, wavelength: float | None) -> float:
    if wavelength is not None:
        return float(wavelength)
    wl = pattern.attrs.get("wavelength")
    if wl is None:
        raise MissingMetadataError(
            f"{pattern.attrs.get('source', 'pattern')}: no wavelength; pass wavelength= in nm "
            "(e.g. 0.15406 for Cu Kα1)"
        )
    return float(wl)


def crop(
    pattern: xr.DataArray,
    window: tuple[float | None, float | None],
) -> xr.DataArray:
    """Keep the points with ``window[0] <= 2θ <= window[1]`` (deg; None = open end).

    Parameters
    ----------
    pattern : xarray.DataArray
        Pattern (or series) over ``two_theta`` (deg).
    window : (float or None, float or None)
        2θ window in deg, as ``window=`` of the fits.

    Returns
    -------
    xarray.DataArray
        The cropped copy, with the crop noted in ``attrs["corrections"]``.

    Raises
    ------
    OptionError
        ``window`` is not (lo, hi) with lo < hi.
    FitError
        Fewer than 5 points remain (the message names the file and the pattern's span).
    """
    try:
        lo_in, hi_in = window
    except (TypeError, ValueError):
        raise OptionError(f"crop: window must be (lo, hi) in deg, got {window!r}") from None
    lo = -np.inf if lo_in is None else float(lo_in)
    hi = np.inf if hi_in is None else float(hi_in)
    if not lo < hi:
        raise OptionError(f"crop: window {window!r} must have lo < hi (deg)")
    x = pattern["two_theta"]
    out = pattern.isel(two_theta=np.flatnonzero((x.values >= lo) & (x.values <= hi)))
    if out.sizes["two_theta"] < 5:
        src = pattern.attrs.get("source", "pattern")
        raise FitError(
            f"{src}: the window {lo:g}–{hi:g}° holds {out.sizes['two_theta']} points; "
            f"the pattern spans {float(x.min()):g}–{float(x.max()):g}°"
        )
    out = out.copy()
    return _note(out, f"cropped to {float(out.two_theta[0]):g}–{float(out.two_theta[-1]):g}°")


def ka2_shift(two_theta: np.ndarray, wavelength: float, wavelength_ka2: float) -> np.ndarray:
    """2θ(Kα2) − 2θ(Kα1) in deg for lines at ``two_theta`` (Kα1), exact Bragg relation.

    For small splittings this equals Rachinger's 2 tan θ (λ2 − λ1)/λ1 (rad).
    """
    th = np.radians(np.asarray(two_theta, float)) / 2
    s2 = np.clip(np.sin(th) * wavelength_ka2 / wavelength, -1, 1)
    return np.degrees(2 * np.arcsin(s2)) - np.degrees(2 * th)


def strip_ka2(
    pattern: xr.DataArray,
    *,
    ratio: float | None = None,
    wavelength: float | None = None,
    wavelength_ka2: float | None = None,
) -> xr.DataArray:
    """Remove the Kα2 component by Rachinger's method.

    I_α1(2θ) = I(2θ) − R · I_α1(2θ − Δ(2θ)), applied from low to high angle, with Δ the
    exact Kα1–Kα2 splitting (:func:`ka2_shift`) and I_α1 interpolated linearly between
    points.

    Parameters
    ----------
    pattern : xarray.DataArray
        Pattern(s) over ``two_theta`` (deg), ascending.
    ratio : float, optional
        I(Kα2)/I(Kα1); default ``attrs["ka2_ratio"]``. A ratio of 0 returns a copy.
    wavelength, wavelength_ka2 : float, optional
        Kα1 and Kα2 in nm; default from attrs.

    Returns
    -------
    xarray.DataArray
        The Kα1-only pattern (``attrs["ka2_ratio"]`` set to 0).

    Notes
    -----
    Rachinger stripping amplifies noise; modelling the doublet inside the fit (the
    ``ka2="model"`` option of :func:`xrd.peaks.fit_pattern`) is preferred (FIELD-NOTES
    §1.3). The recursion is evaluated in blocks shorter than the splitting, so each block
    is one vectorised interpolation over all points and all leading dimensions.

    References
    ----------
    W. A. Rachinger, J. Sci. Instrum. 25 (1948) 254.
    """
    r = pattern.attrs.get("ka2_ratio") if ratio is None else ratio
    if r is None:
        raise MissingMetadataError("strip_ka2: no Kα2 ratio in attrs; pass ratio=")
    r = float(r)
    out = pattern.copy()
    if r == 0:
        return _note(out, "Kα2 absent (ratio 0): not stripped")
    lam1 = _wavelength(pattern, wavelength)
    lam2 = wavelength_ka2 if wavelength_ka2 is not None else pattern.attrs.get("wavelength_ka2")
    if lam2 is None:
        raise MissingMetadataError("strip_ka2: no Kα2 wavelength in attrs; pass wavelength_ka2=")
    arr = out.transpose(..., "two_theta")
    x = arr["two_theta"].values.astype(float)
    y = np.array(arr.values, float)
    src = x - ka2_shift(x, lam1, float(lam2))  # where the Kα1 twin of each point sits
    n = x.size
    k_all = np.clip(np.searchsorted(x, src, side="right") - 1, 0, n - 2)
    t_all = np.clip((src - x[k_all]) / (x[k_all + 1] - x[k_all]), 0, 1)
    valid_all = src >= x[0]
    k_next = k_all + 1
    i = 0
    while i < n:
        # block [i, j): each point's twin lies between two points before i (already final)
        # k_all is non-decreasing: the block ends where a twin reaches point i
        j = max(i + 1, int(np.searchsorted(k_next, i, side="left")))
        j = min(j, n)
        blk = slice(i, j)
        k, t, valid = k_all[blk], t_all[blk], valid_all[blk]
        if j == i + 1 and k[0] + 1 >= i:  # splitting below one step: implicit in y[i]
            w_self = np.where(k[0] + 1 == i, t[0], 0.0) * valid[0]
            prev = y[..., k[0]] * (1 - t[0]) * valid[0]
            y[..., i] = (y[..., i] - r * prev) / (1 + r * w_self)
        else:
            twin = y[..., k] * (1 - t) + y[..., k + 1] * t
            y[..., blk] = y[..., blk] - r * np.where(valid, twin, 0.0)
        i = j
    arr = arr.copy(data=y).transpose(*pattern.dims)
    arr.attrs = dict(pattern.attrs)
    arr.attrs["ka2_ratio"] = 0.0
    arr.attrs["ka2_stripped_ratio"] = r
    return _note(arr, f"Kα2 stripped (Rachinger, R={r:g})")


def subtract_background(
    pattern: xr.DataArray,
    background: xr.DataArray,
    *,
    scale: float | Literal["window", "nonnegative"] = "nonnegative",
    window: tuple[float, float] | None = None,
    quantile: float = 0.01,
) -> xr.DataArray:
    """Subtract a scaled empty-cell / holder / capillary pattern.

    Parameters
    ----------
    pattern : xarray.DataArray
        Sample pattern(s) over ``two_theta`` (deg); leading dims (``time``) broadcast.
    background : xarray.DataArray
        Empty-cell pattern over ``two_theta``, interpolated onto the sample grid.
    scale : float or {'window', 'nonnegative'}
        A fixed factor; ``'window'``: least-squares factor Σ y b / Σ b² over ``window``,
        where only the cell scatters (e.g. a window/current-collector line); or
        ``'nonnegative'`` (default): the largest factor that keeps the result non-negative,
        taken as the ``quantile`` of y/b over the points (robust against noise).
    window : (float, float), optional
        2θ range (deg) for ``scale='window'``.
    quantile : float
        Quantile of y/b used by ``'nonnegative'``.

    Returns
    -------
    xarray.DataArray
        y − s·b, with ``attrs["background_scale"]`` (per frame for a series:
        ``background_scale`` coordinate over the leading dims).

    Notes
    -----
    The transmission of the sample makes the empty-cell signal in a filled cell smaller
    than in the empty one (factor < 1): a fitted scale is required (FIELD-NOTES §1.8).
    """
    b = background.interp(two_theta=pattern["two_theta"].values).values.astype(float)
    b = np.nan_to_num(b, nan=0.0)
    y = pattern.transpose(..., "two_theta").values.astype(float)
    if isinstance(scale, (int, float)):
        s = np.full(y.shape[:-1], float(scale))
        how = f"fixed scale {float(scale):g}"
    elif scale == "window":
        if window is None:
            raise OptionError("subtract_background(scale='window') needs window=(lo, hi) in 2θ")
        x = pattern["two_theta"].values
        m = (x >= window[0]) & (x <= window[1])
        if m.sum() < 3:
            raise CharzError(f"background window {window} holds {m.sum()} points")
        s = (y[..., m] * b[m]).sum(-1) / (b[m] ** 2).sum()
        how = f"least-squares scale over {window[0]:g}–{window[1]:g}°"
    elif scale == "nonnegative":
        m = b > 0.05 * np.nanmax(b)
        s = np.nanquantile(y[..., m] / b[m], quantile, axis=-1)
        how = f"largest non-negative scale ({quantile:g} quantile of I/I_bg)"
    else:
        raise OptionError(f"scale={scale!r} is not a number, 'window' or 'nonnegative'")
    out_vals = y - np.asarray(s)[..., None] * b
    out = pattern.transpose(..., "two_theta").copy(data=out_vals).transpose(*pattern.dims)
    out.attrs = dict(pattern.attrs)
    if np.ndim(s) == 0:
        out.attrs["background_scale"] = float(s)
    else:
        lead = [d for d in pattern.transpose(..., "two_theta").dims if d != "two_theta"]
        out = out.assign_coords(background_scale=(lead, np.asarray(s)))
    out.attrs["background_source"] = str(background.attrs.get("source", ""))
    return _note(out, f"background {background.attrs.get('source', '')} subtracted ({how})")


# ---------------------------------------------------------------------------------------
# JIS R 7651 / Gakushin intensity corrections
# ---------------------------------------------------------------------------------------


def lorentz_factor(two_theta: np.ndarray) -> np.ndarray:
    """Lorentz factor of a powder in symmetric reflection, L = 1/(sin²θ cos θ)."""
    th = np.radians(np.asarray(two_theta, float)) / 2
    return 1.0 / (np.sin(th) ** 2 * np.cos(th))


def polarization_factor(
    two_theta: np.ndarray, *, monochromator_two_theta: float | None = 26.6
) -> np.ndarray:
    """Polarization factor P(2θ).

    Parameters
    ----------
    two_theta : ndarray
        2θ in deg.
    monochromator_two_theta : float or None
        2θ_M of a diffracted-beam monochromator (graphite (002) for Cu Kα: 26.6°):
        P = (1 + cos²2θ_M cos²2θ)/(1 + cos²2θ_M). None: no monochromator,
        P = (1 + cos²2θ)/2.
    """
    c2 = np.cos(np.radians(np.asarray(two_theta, float))) ** 2
    if monochromator_two_theta is None:
        return (1 + c2) / 2
    cm = np.cos(np.radians(monochromator_two_theta)) ** 2
    return (1 + cm * c2) / (1 + cm)


def absorption_factor(
    two_theta: np.ndarray,
    *,
    thickness_mm: float | None = None,
    density_g_cm3: float = 0.8,
    mass_attenuation_cm2_g: float = MU_RHO_CARBON_CU,
) -> np.ndarray:
    """Absorption factor of a flat layer of finite thickness in symmetric reflection.

    A = 1 − exp(−2 μ t / sin θ), μ = (μ/ρ) ρ. ``thickness_mm=None`` is an infinitely thick
    specimen (A = 1 at every angle).

    Parameters
    ----------
    thickness_mm : float or None
        Layer (holder depth) thickness t in mm.
    density_g_cm3 : float
        Packing density of the powder layer (g/cm³).
    mass_attenuation_cm2_g : float
        μ/ρ of the sample; 4.50 cm²/g is carbon for Cu Kα (change it for other radiation).
    """
    two_theta = np.asarray(two_theta, float)
    if thickness_mm is None:
        return np.ones_like(two_theta)
    mu = mass_attenuation_cm2_g * density_g_cm3  # 1/cm
    th = np.radians(two_theta) / 2
    return 1 - np.exp(-2 * mu * (thickness_mm / 10.0) / np.sin(th))


def carbon_form_factor(two_theta: np.ndarray, wavelength: float) -> np.ndarray:
    """Atomic scattering factor of carbon f_C at 2θ (deg) for λ (nm), Cromer–Mann form.

    f_C = 4.60 at 23.5° and 3.08 at 43° for Cu Kα1 (FIELD-NOTES §1.4).
    """
    s = np.sin(np.radians(np.asarray(two_theta, float)) / 2) / (wavelength * 10.0)  # 1/Å
    a = np.asarray(CARBON_CROMER_MANN["a"])
    b = np.asarray(CARBON_CROMER_MANN["b"])
    s2 = (s**2)[..., None]
    return (a * np.exp(-b * s2)).sum(-1) + CARBON_CROMER_MANN["c"]


def jis_correction_factor(
    two_theta: np.ndarray,
    wavelength: float,
    *,
    monochromator_two_theta: float | None = 26.6,
    thickness_mm: float | None = None,
    density_g_cm3: float = 0.8,
    mass_attenuation_cm2_g: float = MU_RHO_CARBON_CU,
) -> np.ndarray:
    """L·P·A·f_C² of the JIS R 7651 method (the observed intensity is I_true × this)."""
    return (
        lorentz_factor(two_theta)
        * polarization_factor(two_theta, monochromator_two_theta=monochromator_two_theta)
        * absorption_factor(two_theta, thickness_mm=thickness_mm, density_g_cm3=density_g_cm3,
                            mass_attenuation_cm2_g=mass_attenuation_cm2_g)
        * carbon_form_factor(two_theta, wavelength) ** 2
    )


def correct_intensity(
    pattern: xr.DataArray,
    *,
    wavelength: float | None = None,
    monochromator_two_theta: float | None = 26.6,
    thickness_mm: float | None = None,
    density_g_cm3: float = 0.8,
    mass_attenuation_cm2_g: float = MU_RHO_CARBON_CU,
    normalize_at: float | None = None,
) -> xr.DataArray:
    """Divide the intensity by L·P·A·f_C² (JIS R 7651 / Gakushin correction).

    Parameters
    ----------
    pattern : xarray.DataArray
        Pattern(s) over ``two_theta`` (deg).
    wavelength : float, optional
        λ in nm (default ``attrs["wavelength"]``).
    monochromator_two_theta : float or None
        Diffracted-beam monochromator angle (deg); None without monochromator.
    thickness_mm, density_g_cm3, mass_attenuation_cm2_g
        Absorption of a finite layer (see :func:`absorption_factor`); ``thickness_mm=None``
        treats the specimen as infinitely thick.
    normalize_at : float, optional
        Scale the factor to 1 at this 2θ (deg) so that corrected counts keep their size;
        default: the factor's value at the middle of the pattern.

    Returns
    -------
    xarray.DataArray
        Corrected intensities; a ``sigma`` coordinate is scaled alike.

    References
    ----------
    JIS R 7651:2007; M. Inagaki / Japan Society for the Promotion of Science 117th
    Committee (Gakushin method); N. Iwashita, C. R. Park, H. Fujimoto, M. Shiraishi,
    M. Inagaki, Carbon 42 (2004) 701–714.
    """
    lam = _wavelength(pattern, wavelength)
    x = pattern["two_theta"].values
    f = jis_correction_factor(x, lam, monochromator_two_theta=monochromator_two_theta,
                              thickness_mm=thickness_mm, density_g_cm3=density_g_cm3,
                              mass_attenuation_cm2_g=mass_attenuation_cm2_g)
    ref = normalize_at if normalize_at is not None else float(np.median(x))
    f0 = jis_correction_factor(np.array([ref]), lam,
                               monochromator_two_theta=monochromator_two_theta,
                               thickness_mm=thickness_mm, density_g_cm3=density_g_cm3,
                               mass_attenuation_cm2_g=mass_attenuation_cm2_g)[0]
    fac = xr.DataArray(f / f0, dims="two_theta", coords={"two_theta": pattern["two_theta"]})
    out = pattern / fac
    out.attrs = dict(pattern.attrs)
    out.name = pattern.name
    if "sigma" in pattern.coords:
        out = out.assign_coords(sigma=pattern["sigma"] / fac)
    mono = ("no monochromator" if monochromator_two_theta is None
            else f"monochromator 2θM={monochromator_two_theta:g}°")
    absn = ("infinitely thick" if thickness_mm is None
            else f"layer {thickness_mm:g} mm at {density_g_cm3:g} g/cm³, "
                 f"μ/ρ={mass_attenuation_cm2_g:g} cm²/g")
    out.attrs["intensity_corrected"] = "JIS R 7651"
    return _note(out, f"JIS R 7651 intensity correction: Lorentz, polarization ({mono}), "
                      f"absorption ({absn}), carbon form factor f_C²")

