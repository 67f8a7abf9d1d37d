"""In-situ / operando XRD: read a series, subtract the cell, fit (002) per frame, track it.

Recipe (FIELD-NOTES §1.8): frames are stamped at mid-acquisition and stacked on a common
2θ grid with a ``time`` dimension (:func:`charz.series.stack_frames`); the cycler's voltage
and capacity are attached by absolute timestamps (:func:`charz.series.attach_echem`); a
scaled empty-cell pattern is subtracted (:func:`xrd.corrections.subtract_background`) or
the cell's amorphous window hump is modelled; then the (002) band is fitted in every frame,
each fit seeded from the previous good one (:func:`charz.peaks.fit_series`), and position,
d002, FWHM, Lc and integrated intensity are tracked versus time and voltage.

Per-frame results are an :class:`xarray.Dataset` over ``time`` with one variable per record
key (``two_theta_002``, ``d002``, ``fwhm_002``, ``lc``) plus ``area_002``, ``height_002``,
``success``, ``redchi`` and ``<key>_stderr``; they export to CSV, and the whole series with
its fits to NetCDF.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz.errors import CharzError, FitError
from xrd.corrections import correct_intensity, subtract_background
from xrd.peaks import CONVENTIONS, _make_model, _Spec, _tt, _wavelength

__all__ = ["InsituXRDResult", "fit_002_series", "read_series"]


def read_series(
    source: str | Path | Sequence[str | Path],
    *,
    wavelength: float | None = None,
    tz: str | None = None,
    pattern: str = "*",
) -> xr.DataArray:
    """Read an XRD series: a multi-scan file (``.xrdml`` repeated scans, ``.ras``, ...), a
    folder of numbered patterns (natural order; gaps allowed) or a list of files.

    Returns
    -------
    xarray.DataArray
        ``(time, two_theta)`` with ``time`` (s since the first frame, mid-acquisition) and
        ``timestamp`` (UTC) when the files state acquisition times, else ``(frame,
        two_theta)``.
    """
    from charz.io import read
    from charz.series import read_frames, stack_frames

    opts = {} if wavelength is None else {"wavelength": wavelength}
    if isinstance(source, (str, Path)) and Path(source).is_file():
        da = read(source, technique="xrd", **opts)
        if "scan" not in da.dims:
            raise CharzError(f"{Path(source).name}: holds one pattern; a series needs several")
        if "two_theta" not in da.dims:
            raise CharzError(f"{Path(source).name}: the scans have different 2θ grids")
        if "time" in da.coords and np.all(np.diff(da["time"].values) > 0):
            da = da.swap_dims(scan="time")
        else:
            da = da.rename(scan="frame")
        return da
    frames = read_frames(source, technique="xrd", pattern=pattern, **opts)
    return stack_frames(frames, tz=tz)


@dataclass(frozen=True, slots=True, eq=False)
class InsituXRDResult:
    """Per-frame (002) fits of an in-situ series.

    Attributes
    ----------
    table : xarray.Dataset
        Over the series dimension: ``two_theta_002`` (deg), ``d002`` (nm), ``fwhm_002``
        (deg), ``lc`` (nm), ``area_002`` and ``height_002`` (intensity units), their
        ``*_stderr``, ``success``, ``redchi``; coords ``time``/``timestamp`` and
        ``voltage``/``capacity`` when attached.
    fits : xarray.Dataset
        :func:`charz.peaks.fit_series` output (every parameter, ``best_fit``).
    series : xarray.DataArray
        The prepared series that was fitted (background subtracted, cropped).
    method : str
        What was done (window, background, model, seeding, convention).
    """

    table: xr.Dataset
    fits: xr.Dataset = field(repr=False)
    series: xr.DataArray = field(repr=False)
    method: str = ""

    def descriptors(self) -> dict[str, Any]:
        """Series results are not one sample's record: an empty mapping (see ``table``)."""
        return {}

    def to_csv(self, path: str | Path) -> Path:
        """Write the per-frame table as CSV (atomically)."""
        from charz.output import atomic_write_text

        df = self.table.to_dataframe()
        header = f"# charz in-situ XRD (002) per frame; {self.method}\n"
        return atomic_write_text(path, header + df.to_csv())

    def to_netcdf(self, path: str | Path) -> Path:
        """Write the series, the fits and the table as one NetCDF file (atomically)."""
        from charz.output import atomic_path

        ds = self.fits.copy()
        ds["data"] = self.series
        for k in self.table.data_vars:
            ds[f"frame_{k}"] = self.table[k]
        ds.attrs = {"method": self.method}
        for v in list(ds.variables):
            ds[v].attrs = {k: a for k, a in ds[v].attrs.items()
                           if isinstance(a, (str, int, float))}
            if ds[v].dtype == object:
                ds[v] = ds[v].astype(str)
        path = Path(path)
        with atomic_path(path) as tmp:
            ds.to_netcdf(tmp)
        return path

    def plot(self, ax: Any = None, *, key: str = "d002", time_unit: str = "h") -> Any:
        """``key`` versus time, with the voltage on a twin axis when attached."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        dim = self.table[key].dims[0]
        t = self.table[dim].values.astype(float)
        scale = {"s": 1.0, "min": 60.0, "h": 3600.0}[time_unit] if dim == "time" else 1.0
        ok = self.table["success"].values
        y = self.table[key].values
        e = self.table.get(f"{key}_stderr")
        ax.errorbar(t[ok] / scale, y[ok], yerr=None if e is None else e.values[ok], fmt="o",
                    ms=2.5, color="C0", label=key)
        ax.set_xlabel(f"time ({time_unit})" if dim == "time" else dim)
        ax.set_ylabel(f"{key} ({self.table[key].attrs.get('units', '')})")
        if "voltage" in self.table.coords:
            ax2 = ax.twinx()
            ax2.plot(t / scale, self.table["voltage"].values, "-", color="C3", lw=0.8)
            ax2.set_ylabel("voltage (V)", color="C3")
        return ax

    def plot_vs_voltage(self, ax: Any = None, *, key: str = "d002") -> Any:
        """``key`` versus the attached voltage (points coloured by time)."""
        import matplotlib.pyplot as plt

        if "voltage" not in self.table.coords:
            raise CharzError("plot_vs_voltage: no voltage attached (pass cycler= to the fit)")
        if ax is None:
            _, ax = plt.subplots()
        ok = self.table["success"].values
        sc = ax.scatter(self.table["voltage"].values[ok], self.table[key].values[ok],
                        c=np.arange(ok.size)[ok], s=8, cmap="viridis")
        ax.set_xlabel("voltage (V)")
        ax.set_ylabel(f"{key} ({self.table[key].attrs.get('units', '')})")
        ax.figure.colorbar(sc, ax=ax, label="frame")
        return ax

    def waterfall(self, ax: Any = None, *, offset: float | None = None, every: int = 1) -> Any:
        """Stacked frames (data and fit), offset vertically."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(3.5, 4.5))
        dim = self.series.dims[0]
        x = self.series["two_theta"].values
        y = self.series.values
        off = offset if offset is not None else 0.3 * float(np.nanmax(y) - np.nanmin(y))
        cmap = plt.get_cmap("viridis")
        for i in range(0, y.shape[0], every):  # one line per frame drawn
            ax.plot(x, y[i] + i * off, ".", ms=1, color="0.6")
            ax.plot(x, self.fits["best_fit"].values[i] + i * off, "-", lw=0.8,
                    color=cmap(i / max(y.shape[0] - 1, 1)))
        ax.set_xlabel("2θ (deg)")
        ax.set_ylabel(f"intensity + offset ({dim})")
        return ax

    def heatmap(self, *, cycler: xr.Dataset | None = None, **kwargs: Any) -> Any:
        """2θ × time heatmap with the voltage curve (:func:`charz.series.plot_heatmap`)."""
        from charz.series import plot_heatmap

        fig = plot_heatmap(self.series, cycler=cycler, **kwargs)
        dim = self.table["two_theta_002"].dims[0]
        if dim == "time":  # the fitted (002) centre on top of the map
            scale = {"s": 1.0, "min": 60.0, "h": 3600.0}[kwargs.get("time_unit", "h")]
            ok = self.table["success"].values
            for ax in fig.axes:
                if "2θ" in ax.get_xlabel():
                    ax.plot(self.table["two_theta_002"].values[ok],
                            self.table["time"].values[ok] / scale, "w.-", ms=2, lw=0.6,
                            label="fitted (002)")
                    break
        return fig


def fit_002_series(
    series: xr.DataArray,
    *,
    wavelength: float | None = None,
    window: tuple[float, float] | None = None,
    background: xr.DataArray | None = None,
    background_scale: float | Literal["window", "nonnegative"] = "nonnegative",
    background_window: tuple[float, float] | None = None,
    cell_peaks: Sequence[tuple[float, float]] | Literal["fit"] | None = None,
    mask: Sequence[tuple[float, float]] = (),
    convention: Literal["default", "jis"] = "default",
    shape: Literal["pseudo_voigt", "gaussian", "lorentzian"] = "pseudo_voigt",
    ka2: Literal["auto", "model", "ignore"] = "auto",
    seed: Literal["previous", "fixed"] = "previous",
    cycler: xr.Dataset | None = None,
    offset_s: float = 0.0,
    align: str = "absolute",
    tz: str | None = None,
    group: int = 1,
) -> InsituXRDResult:
    """Fit the (002) band in every frame of an XRD series.

    Parameters
    ----------
    series : xarray.DataArray
        ``(time|frame, two_theta)`` (from :func:`read_series` or
        :func:`charz.series.stack_frames`).
    wavelength : float, optional
        λ in nm (default ``attrs["wavelength"]``).
    window : (float, float), optional
        2θ range fitted (deg); default q = 8.5–24.5 nm⁻¹ (12–35° for Cu Kα).
    background : xarray.DataArray, optional
        Empty-cell pattern subtracted from every frame with a per-frame scale
        (``background_scale``, ``background_window``: see
        :func:`xrd.corrections.subtract_background`).
    cell_peaks : list of (centre, FWHM) in deg, or 'fit', optional
        Amorphous window/binder humps (Kapton ~15–26°) modelled as Gaussians of fixed centre
        and width with free heights; ``'fit'`` finds one hump's centre and width on the
        first frame and then fixes them.
    mask : list of (lo, hi)
        2θ ranges left out of the fit (sharp cell lines: Be, Al, Cu, Na).
    convention : {'default', 'jis'}
        Scherrer K on (002) and whether intensities are L·P·f² corrected.
    shape : {'pseudo_voigt', 'gaussian', 'lorentzian'}
        (002) profile.
    ka2 : {'auto', 'model', 'ignore'}
        Kα2 doublet inside the model (``auto``: when ``attrs["ka2_ratio"]`` > 0).
    seed : {'previous', 'fixed'}
        Start each frame from the previous good fit, or always from the first frame's.
    cycler : xarray.Dataset, optional
        Cycler data: ``voltage``/``capacity`` are interpolated onto the frame times
        (:func:`charz.series.attach_echem`).
    offset_s : float
        Clock offset passed to :func:`charz.series.attach_echem`.
    align : {'absolute', 'relative'}
        Time alignment with the cycler (:func:`charz.series.attach_echem`).
    tz : str, optional
        Zone of a zone-less cycler clock (:func:`charz.series.attach_echem`).
    group : int
        Average groups of this many consecutive frames before fitting (weak frames);
        times, voltage and capacity are averaged alike.

    Returns
    -------
    InsituXRDResult

    Notes
    -----
    Stderrs of derived values are first-order propagations of the per-frame fit stderrs of
    centre and FWHM (correlations neglected). Expected changes are small (tenths of a
    degree): compare frames of one cell, not absolute values across cells.
    """
    from charz.peaks import fit_series

    dims = [d for d in series.dims if d != "two_theta"]
    if len(dims) != 1 or "two_theta" not in series.dims:
        raise CharzError(f"fit_002_series needs (time|frame, two_theta); got {series.dims}")
    dim = dims[0]
    lam = _wavelength(series, wavelength)
    conv = CONVENTIONS[convention]
    data = series.transpose(dim, "two_theta")
    notes: list[str] = []
    if cycler is not None:
        from charz.series import attach_echem

        data = attach_echem(data, cycler, dim=dim, offset_s=offset_s, align=align, tz=tz)
        notes.append(str(data.attrs.get("echem_alignment", "cycler attached")))
    if group > 1:
        attrs = dict(data.attrs)
        keep_coords = [c for c in data.coords if c != "two_theta" and data[c].dtype.kind in "fiu"
                       and data[c].dims == (dim,)]
        data = data.drop_vars([c for c in data.coords if c not in keep_coords
                               and c != "two_theta" and c != dim])
        data = data.coarsen({dim: group}, boundary="trim", coord_func="mean").mean()
        data.attrs = attrs
        notes.append(f"frames averaged in groups of {group}")
    if background is not None:
        data = subtract_background(data, background, scale=background_scale,
                                   window=background_window)
        notes.append(f"empty cell subtracted ({background_scale})")
    if conv["corrected"]:
        data = correct_intensity(data, wavelength=lam)
    if window is None:
        window = tuple(float(np.degrees(2 * np.arcsin(q * lam / (4 * np.pi))))
                       for q in (8.5, 24.5))
    x_all = data["two_theta"].values
    keep = (x_all >= window[0]) & (x_all <= window[1])
    for lo, hi in mask:
        keep &= ~((x_all >= lo) & (x_all <= hi))
    data = data.isel(two_theta=np.flatnonzero(keep))
    if data.sizes["two_theta"] < 20:
        raise FitError(f"fit_002_series: {data.sizes['two_theta']} points left in {window}")
    x = data["two_theta"].values.astype(float)

    ratio = float(series.attrs.get("ka2_ratio") or 0.0)
    lam2 = series.attrs.get("wavelength_ka2")
    use_ka2 = ka2 == "model" or (ka2 == "auto" and ratio > 0 and lam2 is not None)
    cells: list[tuple[float, float]] = [] if cell_peaks in (None, "fit") else \
        [(float(c), float(w)) for c, w in cell_peaks]  # type: ignore[union-attr]
    n_cell = 1 if cell_peaks == "fit" else len(cells)
    peaks = [("p002_", "002")] + [(f"cell{i}_", "cell") for i in range(n_cell)]
    q_ref = 4 * np.pi * np.sin(np.radians(x[0]) / 2) / lam
    spec = _Spec(tuple(peaks), shape, 1, q_ref, (x[0] + x[-1]) / 2, (x[-1] - x[0]) / 2, lam,
                 float(lam2) if use_ka2 else None, ratio if use_ka2 else 0.0)
    model = _make_model(spec)
    y0 = np.asarray(data.isel({dim: 0}).values, float)
    params = _start(model, spec, x, y0, lam, cells, fit_cell=cell_peaks == "fit")
    if cell_peaks == "fit":
        res0 = model.fit(y0, params, x=x, method="least_squares")
        params = res0.params.copy()
        for k in ("center", "fwhm"):
            params[f"cell0_{k}"].set(vary=False)
        cells = [(params["cell0_center"].value, params["cell0_fwhm"].value)]
        notes.append(f"cell hump fitted on frame 0: {cells[0][0]:.2f}°, FWHM {cells[0][1]:.2f}°"
                     " (then fixed)")
    weights = None
    if str(series.attrs.get("units", "")).startswith("count") and background is None \
            and not conv["corrected"] and float(data.min()) >= 0:
        weights = 1.0 / np.sqrt(np.clip(data, 1.0, None))  # Poisson counts
    fits = fit_series(model, data, dim="two_theta", params=params, seed=seed, weights=weights)
    table = _table(fits, data, dim, lam, conv["k_002"], shape)
    method = (f"(002) per frame, {shape} + power-law(q) tail + linear background"
              f"{' + Kα2 doublet' if use_ka2 else ''}"
              f"{f' + {len(cells)} fixed cell hump(s)' if cells else ''}, window "
              f"{window[0]:.1f}–{window[1]:.1f}°, seed={seed}; {conv['label']}; λ={lam:.6g} nm"
              + (f"; {'; '.join(notes)}" if notes else ""))
    table.attrs["method"] = method
    return InsituXRDResult(table, fits, data, method)


def _start(model, spec, x, y, lam, cells, *, fit_cell: bool):
    p = model.make_params()
    level = float(np.percentile(y, 5))
    p["bg_c0"].set(value=level * 0.8)
    p["bg_c1"].set(value=0.0)
    p["bg_amp"].set(value=max(float(y[0]) - level, 1e-3), min=0.0)
    p["bg_exp"].set(value=3.0, min=0.2, max=8.0)
    c_lo, c_hi = _tt(0.45, lam), _tt(0.335, lam)
    band = (x > c_lo) & (x < c_hi)
    ks = max(3, x.size // 60)
    ys = np.convolve(y, np.ones(ks) / ks, mode="same")
    i0 = np.flatnonzero(band)[np.argmax(ys[band])]
    p["p002_center"].set(value=float(x[i0]), min=c_lo, max=c_hi)
    p["p002_height"].set(value=max(float(ys[i0]) - level, 1e-3), min=0)
    p["p002_fwhm"].set(value=5.0, min=0.3, max=20.0)
    if spec.shape == "pseudo_voigt":
        p["p002_fraction"].set(value=0.3, min=0.0, max=1.0)
    for i, (prefix, role) in enumerate(spec.peaks):
        if role != "cell":
            continue
        if fit_cell:
            c, w = _tt(0.52, lam), 6.0
            p[f"{prefix}center"].set(value=c, min=_tt(0.75, lam), max=_tt(0.45, lam))
            p[f"{prefix}fwhm"].set(value=w, min=2.0, max=12.0)
        else:
            c, w = cells[i - 1]
            p[f"{prefix}center"].set(value=c, vary=False)
            p[f"{prefix}fwhm"].set(value=w, vary=False)
        p[f"{prefix}height"].set(value=0.1 * max(float(ys[i0]) - level, 1e-3), min=0)
        if spec.shape == "pseudo_voigt":
            p[f"{prefix}fraction"].set(value=0.0, vary=False)
    return p


def _table(fits: xr.Dataset, data: xr.DataArray, dim: str, lam: float, k: float,
           shape: str) -> xr.Dataset:
    from charz.peaks import GAUSS_AREA, LORENTZ_AREA

    c = fits["p002_center"].values
    w = fits["p002_fwhm"].values
    h = fits["p002_height"].values
    sc = fits["p002_center_stderr"].values
    sw = fits["p002_fwhm_stderr"].values
    sh = fits["p002_height_stderr"].values
    th = np.radians(c) / 2
    d = lam / (2 * np.sin(th))
    sd = np.abs(lam * np.cos(th) / (2 * np.sin(th) ** 2)) * np.radians(sc) / 2
    beta = np.radians(w)
    lc = k * lam / (beta * np.cos(th))
    slc = lc * np.sqrt((sw / w) ** 2 + (np.tan(th) * np.radians(sc) / 2) ** 2)
    if shape == "pseudo_voigt":
        fr = fits["p002_fraction"].values
        fac = fr * LORENTZ_AREA + (1 - fr) * GAUSS_AREA
    else:
        fac = np.full_like(c, GAUSS_AREA if shape == "gaussian" else LORENTZ_AREA)
    area = h * w * fac
    sarea = area * np.sqrt((sh / np.where(h > 0, h, np.nan)) ** 2 + (sw / w) ** 2)
    units = data.attrs.get("units", "count")
    var = {
        "two_theta_002": (c, sc, "deg", "fitted (002) centre"),
        "d002": (d, sd, "nm", "d002 (Bragg)"),
        "fwhm_002": (w, sw, "deg", "(002) FWHM (not instrument-corrected)"),
        "lc": (lc, slc, "nm", f"Lc (Scherrer, K {k:g})"),
        "area_002": (area, sarea, f"{units}*deg", "integrated (002) intensity"),
        "height_002": (h, sh, units, "(002) height"),
    }
    ds = xr.Dataset(coords={n: co for n, co in fits.coords.items() if n != "two_theta"
                            and dim in co.dims})
    for name, (v, s, u, ln) in var.items():
        ds[name] = (dim, v, {"units": u, "long_name": ln})
        ds[f"{name}_stderr"] = (dim, s, {"units": u})
    ds["success"] = (dim, fits["success"].values.astype(bool))
    ds["redchi"] = (dim, fits["redchi"].values)
    for name in ("voltage", "capacity", "current", "timestamp"):
        if name in data.coords and name not in ds.coords:
            ds = ds.assign_coords({name: data[name]})
    if not math.isfinite(float(np.nanmean(d))):
        raise FitError("fit_002_series: no frame could be fitted")
    return ds
