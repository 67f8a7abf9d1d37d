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

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz.display import DescriptorsHTMLMixin
from charz.errors import CharzError, FitError, OptionError
from charz.record import Provenance
from charz.series import SeriesResult, apply_series
from xrd._model import _components, _make_model, _Spec, _tt
from xrd.corrections import _wavelength, correct_intensity, subtract_background
from xrd.peaks import CONVENTIONS

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
class InsituXRDResult(DescriptorsHTMLMixin):
    """Per-frame (002) fits of an in-situ series (through :func:`charz.series.apply_series`).

    Attributes
    ----------
    result : charz.series.SeriesResult
        The engine's result: ``maps`` over the series dimension with ``two_theta_002``
        (deg), ``d002`` (nm), ``fwhm_002`` (deg), ``lc`` (nm), ``area_002`` and
        ``height_002`` (intensity units), their ``*_stderr``, every model parameter
        (``param_<name>``), ``redchi``, ``success`` and ``flags``; coords
        ``time``/``timestamp`` and ``voltage``/``capacity`` when attached.
    series : xarray.DataArray
        The prepared series that was fitted (background subtracted, cropped).
    method : str
        What was done (window, background, model, seeding, convention).
    spec : object
        The (002) model (to draw fitted curves on demand).
    """

    result: Any
    series: xr.DataArray = field(repr=False)
    method: str = ""
    spec: Any = field(default=None, repr=False)

    @property
    def maps(self) -> xr.Dataset:
        """Per-frame values over the series dimension (the engine's ``maps``)."""
        return self.result.maps

    @property
    def table(self) -> xr.Dataset:
        """Alias of :attr:`maps` (the name before 0.2)."""
        return self.result.maps

    def descriptors(self) -> dict[str, Any]:
        """Mean ± standard error of the good frames for ``d002``, ``lc``, 2θ and FWHM."""
        return self.result.descriptors()

    def summary(self) -> str:
        """``"9/9 fitted"`` (+ without signal, failed, flagged)."""
        return self.result.summary()

    def compute(self) -> InsituXRDResult:
        """The same result with ``maps`` computed (dask-backed input: on the active scheduler)."""
        import dataclasses

        from charz.series import compute_progress

        maps = self.maps
        if any(v.chunks for v in maps.variables.values()):
            maps = compute_progress(maps, desc="fitting frames")
        return dataclasses.replace(self, result=dataclasses.replace(self.result, maps=maps))

    def curves(self, index: int) -> xr.Dataset:
        """Data, fit and (002) component of frame ``index`` (computed from the parameters)."""
        dim = self.series.dims[0]
        x = self.series["two_theta"].values
        y = np.asarray(self.series.isel({dim: index}).values, float)
        row = self.maps.isel({dim: index})
        units = self.series.attrs.get("units", "count")
        ds = xr.Dataset({"data": ("two_theta", y, {"units": units})},
                        coords={"two_theta": ("two_theta", x, {"units": "deg"})},
                        attrs={"source": str(self.series.attrs.get("source", ""))})
        if bool(row["success"]):
            p = {k[6:]: float(row[k]) for k in row.data_vars if k.startswith("param_")}
            comp = _components(self.spec, x, p)
            ds["background"] = ("two_theta", comp.pop("tail") + comp.pop("smooth"))
            ds["best_fit"] = ("two_theta", ds["background"].values + sum(comp.values()))
        return ds

    def to_csv(self, path: str | Path) -> Path:
        """Per-frame table as CSV (atomically): units in the column names, loads with
        ``pandas.read_csv`` defaults; method and sources go to the JSON sidecar
        (:func:`charz.output.write_csv`)."""
        from charz.output import source_files, unit_columns, write_csv

        t = self.maps
        keep = [v for v in t.data_vars if not v.startswith("param_")]
        meta = {"method": self.method, "summary": self.summary(),
                "wavelength (nm)": float(self.spec.lam1),
                "sources": [{"file": f, "sha256": h or None}
                            for f, h in source_files(self.series, self.result.source)]}
        return write_csv(path, unit_columns(t, keep), metadata=meta, index=True)

    def to_netcdf(self, path: str | Path) -> Path:
        """Write the fitted series and the per-frame values as one NetCDF file (atomically).

        Every number has ``units``; global attributes give the method, λ (nm), the source
        files with their SHA-256 and the charz version (:func:`charz.output.write_netcdf`).
        """
        from charz.output import result_attrs, write_netcdf

        ds = self.maps.copy()
        ds["data"] = self.series
        iunit = str(self.series.attrs.get("units", "count"))
        units = {}
        for name in ds.data_vars:
            if str(name).startswith("param_"):
                p = str(name)[6:]
                units[str(name)] = ("deg" if p.endswith(("center", "fwhm")) else "1"
                                    if p.endswith(("fraction", "exp")) else iunit)
        attrs = result_attrs(self.result, {"method": self.method,
                                           "wavelength": float(self.spec.lam1)},
                             data=self.series)
        return write_netcdf(ds, path, units=units, attrs=attrs)

    def plot(self, ax: Any = None, *, key: str = "d002", time_unit: str = "h") -> Any:
        """``key`` versus time, with the voltage on a twin axis when attached.

        Frames without a fit are left out; flagged frames are drawn hollow; the legend
        counts both (:func:`charz.plotting.trend`).
        """
        import matplotlib.pyplot as plt

        from charz.plotting import above_twin, trend

        if ax is None:
            _, ax = plt.subplots(figsize=(5.0, 3.4), layout="constrained")
        t_ = self.maps
        dim = t_[key].dims[0]
        t = t_[dim].values.astype(float)
        scale = {"s": 1.0, "min": 60.0, "h": 3600.0}[time_unit] if dim == "time" else 1.0
        trend(ax, t / scale, t_[key].values, yerr=t_[f"{key}_stderr"].values,
              success=t_["success"].values, flags=t_["flags"].values, label=key, ms=2.5)
        ax.set_xlabel(f"time ({time_unit})" if dim == "time" else dim)
        ax.set_ylabel(f"{key} ({t_[key].attrs.get('units', '')})")
        ax.set_title(f"{self.series.attrs.get('source', '') or 'operando XRD'}: "
                     f"{self.summary()}", fontsize=9, loc="left")
        if "voltage" in t_.coords:
            ax2 = ax.twinx()
            ax2.plot(t / scale, t_["voltage"].values, "-", color="C3", lw=0.8)
            ax2.set_ylabel("voltage (V)", color="C3")
            above_twin(ax, ax2)
        return ax

    def plot_vs_voltage(self, ax: Any = None, *, key: str = "d002") -> Any:
        """``key`` versus the attached voltage (points coloured by frame; flagged frames
        hollow, frames without a fit left out, both counted in the legend)."""
        import matplotlib.pyplot as plt

        from charz.plotting import slice_masks

        t_ = self.maps
        if "voltage" not in t_.coords:
            raise OptionError("plot_vs_voltage: no voltage attached (pass cycler= to the fit)")
        if ax is None:
            _, ax = plt.subplots(figsize=(5.0, 3.4), layout="constrained")
        clean, flagged, failed = slice_masks(t_["success"].values, t_["flags"].values)
        frame = np.arange(clean.size)
        v, y = t_["voltage"].values, t_[key].values
        sc = ax.scatter(v[clean], y[clean], c=frame[clean], s=8, cmap="viridis",
                        vmin=0, vmax=max(clean.size - 1, 1), label="fitted")
        if flagged.any():
            ax.scatter(v[flagged], y[flagged], s=8, facecolors="none",
                       edgecolors=sc.cmap(sc.norm(frame[flagged])),
                       label=f"flagged ({int(flagged.sum())})")
        if failed.any():
            ax.plot([], [], " ", label=f"{int(failed.sum())} not fitted (left out)")
        if flagged.any() or failed.any():
            ax.legend(loc="best", fontsize="small", frameon=True, framealpha=0.8,
                      edgecolor="none")
        ax.set_xlabel("voltage (V)")
        ax.set_ylabel(f"{key} ({t_[key].attrs.get('units', '')})")
        ax.set_title(f"{key} against voltage ({self.summary()})", fontsize=9, loc="left")
        ax.figure.colorbar(sc, ax=ax, label="frame")
        return ax

    def waterfall(self, ax: Any = None, *, offset: float | None = None, every: int = 1) -> Any:
        """Stacked frames (data and fit), offset vertically; frames without a fit: data only."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(4.0, 5.0), layout="constrained")
        dim = self.series.dims[0]
        x = self.series["two_theta"].values
        y = np.asarray(self.series.values, float)
        off = offset if offset is not None else 0.3 * float(np.nanmax(y) - np.nanmin(y))
        cmap = plt.get_cmap("viridis")
        for i in range(0, y.shape[0], every):  # one line per frame drawn
            ax.plot(x, y[i] + i * off, ".", ms=1, color="0.6")
            c = self.curves(i)
            if "best_fit" in c:
                ax.plot(x, c["best_fit"].values + i * off, "-", lw=0.8,
                        color=cmap(i / max(y.shape[0] - 1, 1)))
        ax.set_xlabel("2θ (deg)")
        ax.set_ylabel(f"intensity + offset ({dim})")
        ax.set_title("frames (grey) and fits", fontsize=9, loc="left")
        return ax

    def heatmap(self, *, cycler: xr.Dataset | None = None, **kwargs: Any) -> Any:
        """2θ × time heatmap with the voltage curve (:func:`charz.series.plot_heatmap`)."""
        from charz.series import plot_heatmap

        fig = plot_heatmap(self.series, cycler=cycler, **kwargs)
        t_ = self.maps
        dim = t_["two_theta_002"].dims[0]
        if dim == "time":  # the fitted (002) centre on top of the map
            scale = {"s": 1.0, "min": 60.0, "h": 3600.0}[kwargs.get("time_unit", "h")]
            ok = t_["success"].values.astype(bool)
            for ax in fig.axes:
                if "2θ" in ax.get_xlabel():
                    ax.plot(t_["two_theta_002"].values[ok], t_["time"].values[ok] / scale,
                            "w.-", ms=2, lw=0.6, label="fitted (002)")
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
    # start values from the mean pattern (robust to empty or all-zero frames)
    y0 = np.asarray(data.mean(dim, skipna=True).values, float)
    y0 = np.where(np.isfinite(y0), y0, np.nanmin(y0) if np.isfinite(y0).any() else 0.0)
    params = _start(model, spec, x, y0, lam, cells, fit_cell=cell_peaks == "fit")
    if cell_peaks == "fit":
        res0 = model.fit(y0, params, x=x, method="least_squares")
        params = res0.params.copy()
        for k in ("center", "fwhm"):
            params[f"cell0_{k}"].set(vary=False)
        cells = [(params["cell0_center"].value, params["cell0_fwhm"].value)]
        notes.append(f"cell hump fitted on frame 0: {cells[0][0]:.2f}°, FWHM {cells[0][1]:.2f}°"
                     " (then fixed)")
    poisson = bool(str(series.attrs.get("units", "")).startswith("count") and background is None
                   and not conv["corrected"] and float(data.min()) >= 0)
    method = (f"(002) per frame, {shape} + power-law(q) tail + linear background"
              f"{' + Kα2 doublet' if use_ka2 else ''}"
              f"{f' + {len(cells)} fixed cell hump(s)' if cells else ''}, window "
              f"{window[0]:.1f}–{window[1]:.1f}°, seed={seed} (within each block of frames); "
              f"{conv['label']}; λ={lam:.6g} nm"
              + (f"; {'; '.join(notes)}" if notes else ""))
    start = {n: (p.value, p.min, p.max, p.vary) for n, p in params.items()}
    outputs: dict[str, Any] = {}
    attrs: dict[str, dict[str, str]] = {}
    units = str(data.attrs.get("units", "count"))
    for name, (unit, long_name) in _frame_vars(units, conv["k_002"]).items():
        outputs[name] = outputs[f"{name}_stderr"] = float
        attrs[name] = {"units": unit, "long_name": long_name}
        attrs[f"{name}_stderr"] = {"units": unit, "long_name": f"standard error of {name}"}
    for name in params:
        outputs[f"param_{name}"] = float
    outputs.update(redchi=float, success=bool, flags=object)
    flat = data.drop_vars([c for c in data.coords if c not in data.dims
                           and data[c].dtype == object])
    maps = apply_series(flat, _frame_kernel, core_dims=["two_theta"], outputs=outputs,
                        attrs=attrs, block_size=None,
                        kwargs={"x": x, "spec": spec, "start": start, "seed": seed,
                                "poisson": poisson, "k": conv["k_002"]})
    for name in ("voltage", "capacity", "current", "timestamp", "source"):
        if name in data.coords and name not in maps.coords:
            maps = maps.assign_coords({name: data[name]})
    maps.attrs = {"method": method}
    keys = ("two_theta_002", "d002", "fwhm_002", "lc")
    prov = Provenance.from_data(series, parameters={
        "convention": convention, "shape": shape, "window_deg": list(window), "seed": seed,
        "wavelength_nm": lam, "group": group, "mask": [list(m) for m in mask]})
    pars = [f"p002_{k}" for k in ("height", "center", "fwhm", "fraction")] + [
        "bg_amp", "bg_c0", "bg_c1"]
    res = SeriesResult(maps=maps, technique="xrd", keys=keys,
                       methods=dict.fromkeys(keys, method), source=prov,
                       depends=dict.fromkeys(keys, pars))
    return InsituXRDResult(res, data, method, spec)


def _frame_vars(units: str, k: float) -> dict[str, tuple[str, str]]:
    return {
        "two_theta_002": ("deg", "fitted (002) centre"),
        "d002": ("nm", "d002 (Bragg)"),
        "fwhm_002": ("deg", "(002) FWHM (not instrument-corrected)"),
        "lc": ("nm", f"Lc (Scherrer, K {k:g})"),
        "area_002": (f"{units}*deg", "integrated (002) intensity"),
        "height_002": (units, "(002) height"),
    }


@functools.lru_cache(maxsize=8)
def _cached_model(spec: _Spec) -> Any:
    return _make_model(spec)  # one lmfit model per worker process and spec


def _frame_kernel(block: np.ndarray, *, x: np.ndarray, spec: _Spec,
                  start: dict[str, tuple[float, float, float, bool]], seed: str,
                  poisson: bool, k: float) -> dict[str, np.ndarray]:
    """The in-situ kernel: the (002) model fitted to each frame of ``block`` (n, two_theta).

    Each frame starts from ``start`` (``seed='fixed'``) or from the previous good frame of
    the same block (``seed='previous'``). No signal (flat frame, or a (002) height within
    2 standard errors of zero) → ``success=False``, flag ``no_signal``.
    """
    from charz.flags import NO_SIGNAL, NOT_CONVERGED, fit_flags, is_flat
    from charz.peaks import GAUSS_AREA, LORENTZ_AREA

    model = _cached_model(spec)
    n = block.shape[0]
    names = list(start)
    out = {name: np.full(n, np.nan) for v in _frame_vars("", k)
           for name in (v, f"{v}_stderr")}
    out.update({f"param_{p}": np.full(n, np.nan) for p in names})
    out["redchi"] = np.full(n, np.nan)
    success = np.zeros(n, bool)
    flags = np.full(n, "", dtype=object)
    params = model.make_params()
    for p, (v, lo, hi, vary) in start.items():
        params[p].set(value=v, min=lo, max=hi, vary=vary)
    lam = spec.lam1
    for i in range(n):  # lmfit fits one frame at a time
        y = np.asarray(block[i], float)
        ok = np.isfinite(y)
        if ok.sum() < 20 or bool(is_flat(y)):
            flags[i] = NO_SIGNAL
            continue
        w = 1.0 / np.sqrt(np.clip(y[ok], 1.0, None)) if poisson else None
        p0 = params.copy() if seed == "previous" else model.make_params()
        if seed != "previous":
            for p, (v, lo, hi, vary) in start.items():
                p0[p].set(value=v, min=lo, max=hi, vary=vary)
        try:
            res = model.fit(y[ok], p0, x=x[ok], weights=w, method="least_squares",
                            max_nfev=4000)
        except (ValueError, TypeError, np.linalg.LinAlgError):
            continue
        if not res.success:
            flags[i] = NOT_CONVERGED
            continue
        h = res.params["p002_height"]
        if h.value <= 0 or (h.stderr is not None and h.value < 2 * h.stderr):
            flags[i] = NO_SIGNAL
            continue
        success[i] = True
        flags[i] = ",".join(fit_flags(res, ignore=[n_ for n_ in names
                                                     if n_.endswith("fraction")] + ["bg_exp"]))
        if seed == "previous":
            params = res.params
        c, wd = res.params["p002_center"], res.params["p002_fwhm"]
        sc, sw, sh = (np.nan if q.stderr is None else q.stderr for q in (c, wd, h))
        th = np.radians(c.value) / 2
        d = lam / (2 * np.sin(th))
        lc = k * lam / (np.radians(wd.value) * np.cos(th))
        fr = res.params["p002_fraction"].value if "p002_fraction" in res.params else (
            0.0 if spec.shape == "gaussian" else 1.0)
        area = h.value * wd.value * (fr * LORENTZ_AREA + (1 - fr) * GAUSS_AREA)
        vals = {
            "two_theta_002": (c.value, sc),
            "d002": (d, abs(lam * np.cos(th) / (2 * np.sin(th) ** 2)) * np.radians(sc) / 2),
            "fwhm_002": (wd.value, sw),
            "lc": (lc, lc * np.sqrt((sw / wd.value) ** 2 + (np.tan(th) * np.radians(sc) / 2)
                                    ** 2)),
            "area_002": (area, area * np.sqrt((sh / h.value) ** 2 + (sw / wd.value) ** 2)),
            "height_002": (h.value, sh),
        }
        for name, (v, e) in vals.items():
            out[name][i] = v
            out[f"{name}_stderr"][i] = e
        for p in names:
            out[f"param_{p}"][i] = res.params[p].value
        out["redchi"][i] = float(res.redchi)
    out["success"] = success
    out["flags"] = flags
    return out


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
