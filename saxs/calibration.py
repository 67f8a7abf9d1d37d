"""Background subtraction and absolute calibration with the NIST SRM 3600 glassy carbon.

Absolute differential scattering cross-section (FIELD-NOTES §3.7)::

    dΣ/dΩ(q) = C · [I_s/(M_s T_s) − I_b/(M_b T_b)] / t_s

with I after solid-angle correction, M the monitor (or exposure time × flux), T the
transmission, t_s the sample thickness in cm and I_b the empty cell / tape / air
measurement. The calibration factor C comes from a glassy-carbon standard measured with
the same set-up::

    C = (dΣ/dΩ)_certified / ([I_GC/(M T) − I_b/(M_b T_b)] / t_GC)

averaged over the q range where both exist (NIST SRM 3600: certified 0.008–0.25 1/Å,
thickness 1.055 mm; Allen, Zhang, Kline, Guthrie & Ilavsky, J. Appl. Cryst. 50 (2017)
462). The certified curve ships with charz (``saxs/data/srm3600_certified.csv``; NIST data,
a US-Government work).

Powders and electrodes: the thickness of a powder bed is ill-defined; use the mass
thickness m/A = −ln T/(μ/ρ) (g/cm²) and report per-mass cross-sections (cm²/g;
Spalla, Lyonnard & Testard, J. Appl. Cryst. 36 (2003) 338): :func:`mass_thickness`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from charz.errors import CharzError, OptionError
from saxs._common import as_curve
from saxs.io import make_curve

__all__ = [
    "SRM3600_THICKNESS_CM",
    "CalibrationResult",
    "apply_calibration",
    "glassy_carbon_factor",
    "mass_thickness",
    "srm3600_certified",
    "subtract_background",
]

#: certificate thickness of NIST SRM 3600, cm
SRM3600_THICKNESS_CM = 0.1055
_SRM_FILE = Path(__file__).parent / "data" / "srm3600_certified.csv"


def srm3600_certified() -> xr.DataArray:
    """The NIST SRM 3600 certified curve: dΣ/dΩ (1/cm) over q (1/nm), with ``sigma``."""
    d = np.loadtxt(_SRM_FILE, delimiter=",", comments="#", skiprows=7)
    return make_curve(d[:, 0], d[:, 1], sigma=d[:, 2], q_unit="1/A", q_unit_from="format",
                      intensity_unit="1/cm", name=_SRM_FILE.name,
                      attrs={"source": _SRM_FILE.name, "standard": "NIST SRM 3600",
                             "thickness_cm": SRM3600_THICKNESS_CM})


def _on_grid(curve: xr.DataArray, q: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    cq = curve["q"].values
    if q.min() < cq.min() * (1 - 1e-9) or q.max() > cq.max() * (1 + 1e-9):
        raise CharzError(f"{what} covers q {cq.min():.4g}–{cq.max():.4g} 1/nm but "
                         f"{q.min():.4g}–{q.max():.4g} 1/nm is needed")
    y = np.interp(np.log(q), np.log(cq), curve.values)
    s = (np.interp(np.log(q), np.log(cq), curve["sigma"].values) if "sigma" in curve.coords
         else np.full_like(q, np.nan))
    return y, s


def subtract_background(
    sample: xr.DataArray,
    background: xr.DataArray | None = None,
    *,
    sample_transmission: float = 1.0,
    background_transmission: float = 1.0,
    sample_monitor: float = 1.0,
    background_monitor: float = 1.0,
    thickness_cm: float | None = None,
    flat: float = 0.0,
) -> xr.DataArray:
    """Normalise, subtract the empty-cell background and divide by the thickness.

    ``I_net = [I_s/(M_s T_s) − I_b/(M_b T_b)] / t_s − flat``; the background is
    interpolated (log q) onto the sample's q grid. σ is propagated.

    Parameters
    ----------
    sample, background : xarray.DataArray
        Curves on the same instrument (q in 1/nm); background optional (flat only).
    sample_transmission, background_transmission : float
        Transmissions (0–1].
    sample_monitor, background_monitor : float
        Monitor counts or exposure × flux.
    thickness_cm : float, optional
        Sample thickness (cm); None leaves I per unit thickness undivided.
    flat : float
        Flat background subtracted last (e.g. fluorescence, incoherent).

    Returns
    -------
    xarray.DataArray
        The net curve; attrs record every parameter (``units`` becomes
        ``<unit>/cm`` after division by the thickness, before calibration).
    """
    q, y, s, da = as_curve(sample, name=sample.attrs.get("source", "sample"))
    for name, t in (("sample_transmission", sample_transmission),
                    ("background_transmission", background_transmission)):
        if not 0 < t <= 1:
            raise OptionError(f"{name} must be in (0, 1], got {t}")
    s = np.zeros_like(y) if s is None else s
    net = y / (sample_monitor * sample_transmission)
    var = (s / (sample_monitor * sample_transmission)) ** 2
    if background is not None:
        yb, sb = _on_grid(background, q, "the background")
        net = net - yb / (background_monitor * background_transmission)
        var = var + np.nan_to_num(sb / (background_monitor * background_transmission)) ** 2
    unit = da.attrs.get("units", "1")
    if thickness_cm is not None:
        if thickness_cm <= 0:
            raise OptionError(f"thickness must be > 0 cm, got {thickness_cm}")
        net, var = net / thickness_cm, var / thickness_cm**2
        # per cm of sample, still in instrument units until calibrated (absolute_scale 0)
        unit = "count/cm" if unit == "count" else "1/cm"
    net = net - flat
    attrs = {k: v for k, v in da.attrs.items() if k not in ("units", "absolute_scale")}
    attrs.update(sample_transmission=sample_transmission,
                 background_transmission=background_transmission,
                 sample_monitor=sample_monitor, background_monitor=background_monitor,
                 flat_background=flat, background_subtracted=int(background is not None))
    if thickness_cm is not None:
        attrs["thickness_cm"] = thickness_cm
    out = make_curve(q, net, sigma=np.sqrt(var), q_unit="1/nm",
                     q_unit_from=da.attrs.get("q_unit_from", "user"), intensity_unit=unit,
                     attrs=attrs)
    out.attrs["absolute_scale"] = 0 if thickness_cm is not None or unit != "1/cm" else int(
        da.attrs.get("absolute_scale", 0))
    out.attrs["q_unit_original"] = da.attrs.get("q_unit_original", "1/nm")
    return out


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    """Absolute calibration factor from a glassy-carbon measurement.

    Attributes
    ----------
    factor, stderr : float
        C (1/cm per net-intensity-per-cm unit) and its standard error: scatter of the
        point ratios over √n, combined with the certificate's relative uncertainty.
    q_min, q_max : float
        q range used (1/nm).
    n_points : int
    flatness : float
        Relative standard deviation of the point ratios (a good set-up gives < 0.05;
        a slope means wrong background, transmission or q calibration).
    """

    factor: float
    stderr: float
    q_min: float
    q_max: float
    n_points: int
    flatness: float


def glassy_carbon_factor(
    measured: xr.DataArray,
    *,
    thickness_cm: float = SRM3600_THICKNESS_CM,
    transmission: float = 1.0,
    monitor: float = 1.0,
    background: xr.DataArray | None = None,
    background_transmission: float = 1.0,
    background_monitor: float = 1.0,
    window: tuple[float, float] | None = None,
) -> CalibrationResult:
    """Calibration factor C from a NIST SRM 3600 glassy-carbon measurement.

    Parameters
    ----------
    measured : xarray.DataArray
        The standard's curve (solid-angle corrected, q in 1/nm), same set-up as the
        samples.
    thickness_cm : float
        Standard thickness (default the certificate's 0.1055 cm).
    transmission, monitor : float
        Of the standard's measurement.
    background, background_transmission, background_monitor
        Empty-beam measurement, as in :func:`subtract_background`.
    window : (float, float), optional
        q range (1/nm) for the average; default: the overlap of the data with the
        certified 0.0827–2.47 1/nm.

    Raises
    ------
    CharzError
        Fewer than 5 common points, or non-positive net intensities in the range.
    """
    net = subtract_background(measured, background, sample_transmission=transmission,
                              background_transmission=background_transmission,
                              sample_monitor=monitor, background_monitor=background_monitor,
                              thickness_cm=thickness_cm)
    cert = srm3600_certified()
    cq = cert["q"].values
    lo, hi = max(cq.min(), net["q"].values.min()), min(cq.max(), net["q"].values.max())
    if window is not None:
        lo, hi = max(lo, window[0]), min(hi, window[1])
    sel = (net["q"].values >= lo) & (net["q"].values <= hi)
    if sel.sum() < 5:
        raise CharzError(f"only {int(sel.sum())} points of the standard fall in the certified "
                         f"q range {cq.min():.3g}–{cq.max():.3g} 1/nm; need ≥ 5")
    q = net["q"].values[sel]
    m = net.values[sel]
    if np.any(m <= 0):
        raise CharzError("non-positive net intensity of the standard in the q range")
    c, cs = _on_grid(cert, q, "the certified curve")
    ratio = c / m
    factor = float(np.mean(ratio))
    spread = float(np.std(ratio, ddof=1) / factor) if ratio.size > 1 else 0.0
    cert_rel = float(np.median(cs / c))
    stderr = factor * float(np.hypot(spread / np.sqrt(ratio.size), cert_rel))
    return CalibrationResult(factor, stderr, float(q[0]), float(q[-1]), int(ratio.size), spread)


def apply_calibration(curve: xr.DataArray, calibration: CalibrationResult | float
                      ) -> xr.DataArray:
    """Multiply a net, thickness-normalised curve by C: absolute dΣ/dΩ in 1/cm."""
    c = calibration.factor if isinstance(calibration, CalibrationResult) else float(calibration)
    out = curve * c
    out = out.assign_coords(sigma=("q", curve["sigma"].values * c,
                                   {"units": "1/cm", "long_name": "standard uncertainty of I"}))
    out.attrs = {**curve.attrs, "units": "1/cm", "absolute_scale": 1,
                 "calibration_factor": c, "calibration": "NIST SRM 3600 glassy carbon"
                 if isinstance(calibration, CalibrationResult) else "factor given"}
    out.name = "intensity"
    return out


def mass_thickness(transmission: float, *, mass_attenuation_cm2_g: float = 4.49) -> float:
    """Mass thickness m/A = −ln T/(μ/ρ) in g/cm² (μ/ρ of carbon 4.49 cm²/g at Cu Kα, xraydb;
    Ga Kα 2.98, Mo Kα 0.574)."""
    if not 0 < transmission < 1:
        raise OptionError(f"transmission must be in (0, 1), got {transmission}")
    return float(-np.log(transmission) / mass_attenuation_cm2_g)
