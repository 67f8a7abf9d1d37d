"""``charz raman FILE...`` and ``charz insitu raman FILES_OR_DIR``: shells over the raman API.

A file with several spectra (map, line scan, time series) gives **one record per file**:
each record key is the mean over the successfully fitted spectra (standard error of the
mean as its uncertainty; ``extra`` holds n and std), and a count such as ``110/168
fitted, 58 without signal`` goes to stderr. With ``--out DIR`` the per-spectrum values
are written beside the records as ``DIR/<stem>_raman_spectra.csv``.

A map stored as Zarr (a ``.zarr`` folder) or NetCDF (``.nc``), e.g. written with
``xarray.Dataset.to_zarr``, is opened lazily and fitted chunk by chunk on a dask scheduler
(``--scheduler local:N`` for N worker processes on this machine, ``tcp://HOST:PORT`` for a
running cluster); its per-spectrum maps go to ``DIR/<stem>_raman_maps.zarr``, written chunk
by chunk, and the client never holds the map.
"""

from __future__ import annotations

import argparse

from charz.cli_common import add_common_options, add_insitu_options, add_scheduler_option

_MODELS = ["two_band", "three_band", "four_band", "sadezky"]
_RELATIONS = ["cancado", "tuinstra_koenig", "ferrari"]


def _add_fit_options(p: argparse.ArgumentParser, *, window=(800.0, 2000.0)) -> None:
    p.add_argument("--laser", type=float, metavar="NM", default=None,
                   help="laser wavelength in nm (default: from the file; needed for La and for "
                        "axes in nm or absolute cm-1)")
    p.add_argument("--model", choices=_MODELS, default="two_band",
                   help="band model (default two_band: Lorentzian D + BWF G)")
    p.add_argument("--baseline", default="quadratic", metavar="METHOD|none",
                   help="quadratic (default), linear, constant or cubic: polynomial fitted with "
                        "the bands; a pybaselines method (arpls, asls, snip, ...) or 'anchored': "
                        "subtracted first; none: the data as given")
    p.add_argument("--la-relation", choices=_RELATIONS, default=None,
                   help="La relation (cancado uses the area ratio, the others the height "
                        "ratio); default cancado when the laser wavelength is known; an error "
                        "without one")
    p.add_argument("--window", type=float, nargs=2, metavar=("LO", "HI"), default=None,
                   help=f"fit window in cm-1 (default {window[0]:g} {window[1]:g})")
    p.add_argument("--no-despike", dest="despike", action="store_false",
                   help="keep cosmic spikes (default: remove them)")
    p.add_argument("--second-order", action="store_true",
                   help="also fit the 2D (~2680) and D+G (~2930) bands (window 800-3200 unless "
                        "--window is given)")
    p.add_argument("--engine", choices=["auto", "lmfit", "batch"], default="auto",
                   help="auto (default): lmfit for fewer than 10 spectra, else the batched "
                        "fitter")


def _window(args: argparse.Namespace, default: tuple[float, float]) -> tuple[float, float]:
    if args.window:
        return (float(args.window[0]), float(args.window[1]))
    return (800.0, 3200.0) if getattr(args, "second_order", False) else default


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """``charz raman``: D/G band fits → I_D/I_G, A_D/A_G, La, G position."""
    p = subparsers.add_parser(
        "raman", help="Raman: I_D/I_G, A_D/A_G, La, D/G positions and widths",
        description=(__doc__ or "").replace("``", ""))
    add_common_options(p)
    _add_fit_options(p)
    add_scheduler_option(p)
    p.set_defaults(run=_run)


def _baseline(value: str) -> str | None:
    return None if value.lower() == "none" else value


def analyse_file(path, *, laser: float | None = None, block: str | None = None,
                 baseline: str | None = "quadratic", **fit_options) -> list:
    """``charz report`` hook: read one file and fit it with :func:`raman.bands.fit_bands`.

    Parameters
    ----------
    path : path
        Any Raman file :func:`charz.read` understands.
    laser : float, optional
        Laser wavelength in nm (reader option; also used for La).
    block : str, optional
        OPUS data block (reader option).
    baseline : str or None
        As ``--baseline`` (``"none"`` = data as given).
    **fit_options
        Further keyword arguments of :func:`raman.bands.fit_bands` (``model``,
        ``la_relation``, ``window``, ``despike``, ``second_order`` ...).

    Returns
    -------
    list of BandFitResult
        One result per file (maps and series: one record = the mean over the spectra).
    """
    from raman.bands import fit_bands

    read_opts = {k: v for k, v in (("laser", laser), ("block", block)) if v is not None}
    da = open_spectra(path, **read_opts)
    if isinstance(baseline, str) and baseline.lower() == "none":
        baseline = None
    if "window" in fit_options and fit_options["window"] is not None:
        fit_options["window"] = tuple(float(v) for v in fit_options["window"])
    return [fit_bands(da, baseline=baseline, **fit_options)]


def open_spectra(path, **read_options):
    """Read a Raman file with :func:`charz.read`; open a Zarr/NetCDF map lazily.

    Parameters
    ----------
    path : path
        An instrument file, a ``.zarr`` store (folder) or a ``.nc`` file holding one
        variable with a ``raman_shift`` dimension (or one named ``intensity``).
    **read_options
        Reader options (``laser``; for a store, ``laser`` goes into the attrs).

    Returns
    -------
    xarray.DataArray
        numpy-backed for instrument files; dask-backed for stores.
    """
    from pathlib import Path

    import xarray as xr

    import charz
    from charz.errors import ReadError

    p = Path(path)
    if p.suffix.lower() not in (".zarr", ".nc", ".nc4"):
        return charz.read(p, technique="raman", **read_options)
    if not p.exists():
        raise ReadError(f"{p}: no such file or store")
    try:
        ds = xr.open_zarr(p) if p.suffix.lower() == ".zarr" else xr.open_dataset(p, chunks={})
    except (OSError, ValueError, KeyError) as exc:
        raise ReadError(f"{p.name}: cannot open as {p.suffix} ({exc})") from None
    cands = [v for v in ds.data_vars if "raman_shift" in ds[v].dims]
    name = "intensity" if "intensity" in cands else (cands[0] if len(cands) == 1 else None)
    if name is None:
        raise ReadError(f"{p.name}: expected one variable over 'raman_shift' (or one named "
                        f"'intensity'), found {cands or list(ds.data_vars)}")
    da = ds[name]
    da.attrs = {**ds.attrs, **da.attrs, "source": p.name}
    if "laser" in read_options:
        da.attrs["laser_wavelength"] = float(read_options["laser"])
    return da


def _run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from charz.cli_common import run_files
    from charz.series import _is_dask, scheduler

    def analyse(path: Path) -> list:
        res = analyse_file(path, laser=args.laser, model=args.model,
                           baseline=_baseline(args.baseline),
                           window=_window(args, (800.0, 2000.0)), despike=args.despike,
                           la_relation=args.la_relation, second_order=args.second_order,
                           engine=args.engine)[0]
        stem = path.name.split(".")[0]
        if res.is_series and _is_dask(res.maps["success"]):
            # a store: the maps are computed and written chunk by chunk (on the workers)
            target = Path(args.out or path.parent) / f"{stem}_raman_maps.zarr"
            res = res.to_zarr(target)
            print(f"charz raman: {path.name}: wrote {target}", file=sys.stderr)
        elif args.out and res.is_series:
            from charz.output import unit_columns, write_csv

            keys = ["id_ig", "id_ig_stderr", "ad_ag", "la_raman", "d_position",
                    "g_position", "g_position_stderr", "d_fwhm", "g_fwhm", "success", "flags"]
            write_csv(Path(args.out) / f"{stem}_raman_spectra.csv",
                      unit_columns(res.maps, keys), index=True, float_format="%.6g",
                      metadata={"method": " | ".join(dict.fromkeys(res.methods.values())),
                                "source": res.source.to_dict()})
        if res.is_series:
            print(f"charz raman: {path.name}: {res.summary()}", file=sys.stderr)
        return [res]

    with scheduler(args.scheduler):
        return run_files(args, analyse, technique="raman")


def add_insitu_parser(subparsers: argparse._SubParsersAction) -> None:
    """``charz insitu raman FILES_OR_DIR [--echem CYCLER] --out DIR``."""
    p = subparsers.add_parser("raman", help="operando Raman: G band per spectrum, heatmap, CSV")
    add_insitu_options(p, files_help="a time-series file (LabSpec matrix, series .wdf) or a "
                                     "folder/list of spectra",
                       tz_help="time zone of the Raman clock (LabSpec writes local time), "
                               "e.g. +01:00")
    _add_fit_options(p, window=(1000.0, 1800.0))
    add_scheduler_option(p)
    p.set_defaults(run=_run_insitu)


def _run_insitu(args: argparse.Namespace) -> int:

    import charz
    from charz.cli_common import start_insitu
    from charz.plotting import save_figure, use_style
    from charz.series import scheduler
    from raman.insitu import read_series, track_bands

    out, src = start_insitu(args)
    series = read_series(src, tz=args.tz, laser=args.laser)
    cycler = charz.read(args.echem, technique="echem") if args.echem else None
    with scheduler(args.scheduler):
        res = track_bands(series, model=args.model, cycler=cycler, offset_s=args.offset_s,
                          align=args.align, tz=args.tz,
                          window=_window(args, (1000.0, 1800.0)),
                          baseline=_baseline(args.baseline), despike=args.despike,
                          la_relation=args.la_relation, second_order=args.second_order,
                          engine=args.engine)
    files = [res.to_csv(out / "insitu_raman_bands.csv"), res.to_netcdf(out / "insitu_raman.nc")]
    with use_style():
        files += save_figure(res.heatmap(title="operando Raman"), out / "insitu_raman_heatmap")
        files += save_figure(res.plot().figure, out / "insitu_raman_g_time")
        if "voltage" in res.table.coords:
            files += save_figure(res.plot_vs_voltage().figure, out / "insitu_raman_g_voltage")
    counts = res.fit.counts()
    print(f"charz insitu raman: {counts}; wrote {len(files)} files to {out}")
    return 0 if counts.fitted and not counts.failed else 1
