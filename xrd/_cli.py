"""``charz xrd FILE...`` and ``charz insitu xrd FILES_OR_DIR``: thin shells over the xrd API."""

from __future__ import annotations

import argparse

from charz.cli_common import add_common_options, add_insitu_options, add_scheduler_option


def _add_fit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wavelength", type=float, metavar="NM", default=None,
                   help="X-ray wavelength in nm (needed when the file has none)")
    p.add_argument("--convention", choices=["default", "jis"], default="default",
                   help="default: K 0.89 (002) / 1.84 (10), raw intensities; jis: JIS R 7651 "
                        "corrected intensities, K 1.0 on (002)")
    p.add_argument("--window", type=float, nargs=2, metavar=("LO", "HI"), default=None,
                   help="2θ range fitted (deg)")
    p.add_argument("--ka2", choices=["auto", "model", "strip", "ignore"], default="auto",
                   help="Kα2: model the doublet, strip it (Rachinger) or ignore it")
    p.add_argument("--shape", choices=["pseudo_voigt", "gaussian", "lorentzian"],
                   default="pseudo_voigt", help="peak profile")
    p.add_argument("--model", choices=["peaks", "turbostratic"], default="peaks",
                   help="peaks: peak fits + Scherrer (--convention; in-situ: the (002) band "
                        "per frame); turbostratic: whole-pattern model of random-layer stacks "
                        "(xrd.fit_turbostratic; in-situ: per frame, each seeded from the "
                        "previous one), using --window, --ka2, --mask, --monochromator and "
                        "(charz xrd) --standard/--instrument-fwhm")
    p.add_argument("--monochromator", default=None, metavar="DEG|none",
                   help="diffracted-beam monochromator 2θ_M (deg) of the polarization factor, "
                        "or 'none'; default: the model's own, as in the Python API (jis "
                        "convention: 26.6°, the graphite monochromator JIS R 7651 assumes; "
                        "turbostratic model: none)")


def _monochromator(args: argparse.Namespace) -> dict:
    """``--monochromator`` as keyword arguments; not given: none (the API's default applies)."""
    from charz.errors import OptionError

    if args.monochromator is None:
        return {}
    if args.monochromator.strip().lower() == "none":
        return {"monochromator_two_theta": None}
    try:
        return {"monochromator_two_theta": float(args.monochromator)}
    except ValueError:
        raise OptionError(
            f"--monochromator {args.monochromator!r}: give 2θ_M in deg or 'none'"
        ) from None


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """``charz xrd``: (002)/(10) fits → d002, Lc, La, N."""
    p = subparsers.add_parser("xrd", help="XRD: d002, Lc, La, N from (002)/(10) fits")
    add_common_options(p)
    _add_fit_options(p)
    p.add_argument("--standard", metavar="FILE", default=None,
                   help="line-profile standard (LaB6, CeO2, Si) measured with the same optics: "
                        "Caglioti fit, widths corrected")
    p.add_argument("--standard-material", choices=["LaB6", "CeO2", "Si"], default=None,
                   help="material of --standard (default: from its file name)")
    p.add_argument("--instrument-fwhm", type=float, metavar="DEG", default=None,
                   help="constant instrument FWHM (deg) instead of --standard")
    p.add_argument("--internal-standard", choices=["Si", "LaB6", "CeO2"], default=None,
                   help="standard mixed into the sample (JIS: Si): 2θ offset removed, lines "
                        "masked")
    p.add_argument("--mask", type=float, nargs=2, action="append", metavar=("LO", "HI"),
                   default=[], help="2θ range left out of the fit; repeatable")
    p.add_argument("--thickness-mm", type=float, default=None,
                   help="jis: specimen layer thickness (mm) for the absorption correction "
                        "(default: infinitely thick)")
    p.add_argument("--density", type=float, default=0.8, metavar="G_CM3",
                   help="jis: packing density of the layer (g/cm³)")
    p.add_argument("--two-components", action="store_true",
                   help="fit two (002) components (ordered + dilated)")
    p.add_argument("--graphitic", action="store_true",
                   help="add a sharp graphitic (002) near 26.5° (Cu)")
    p.add_argument("--no-10", dest="fit_10", action="store_false",
                   help="fit only the (002) region (no La)")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    import warnings
    from pathlib import Path

    import charz
    from charz.cli_common import run_files
    from charz.errors import CharzError, FitError, FlagWarning
    from xrd.peaks import fit_caglioti, fit_pattern

    instrument = args.instrument_fwhm
    mono = _monochromator(args)
    if args.standard:
        opts = {} if args.wavelength is None else {"wavelength": args.wavelength}
        std = charz.read(args.standard, technique="xrd", **opts)
        if std.ndim != 1:
            raise CharzError(f"{args.standard}: the standard must be one pattern")
        instrument = fit_caglioti(std, material=args.standard_material)

    if args.model == "turbostratic":
        _check_turbostratic_options(args)

    def analyse(path: Path) -> list:
        opts = {} if args.wavelength is None else {"wavelength": args.wavelength}
        da = charz.read(path, technique="xrd", **opts)
        if da.ndim != 1:
            raise CharzError(f"{path.name}: holds {da.sizes} scans; use 'charz insitu xrd'")
        if args.model == "turbostratic":
            return [_turbostratic(da, window=tuple(args.window) if args.window else None,
                                  ka2=args.ka2, instrument=instrument,
                                  mask=[tuple(m) for m in args.mask], **mono)]
        try:
            with warnings.catch_warnings():  # run_files reports the flags (and --strict)
                warnings.simplefilter("ignore", FlagWarning)
                return [fit_pattern(da, convention=args.convention,
                                    window=tuple(args.window) if args.window else None,
                                    shape=args.shape, ka2=args.ka2, instrument=instrument,
                                    n_002=2 if args.two_components else 1,
                                    graphitic=args.graphitic, fit_10=args.fit_10,
                                    mask=[tuple(m) for m in args.mask],
                                    internal_standard=args.internal_standard,
                                    thickness_mm=args.thickness_mm,
                                    density_g_cm3=args.density, **mono)]
        except FitError:  # exc.result (FailedXRDFit): run_files still draws its figure
            raise

    return run_files(args, analyse, technique="xrd")


def _check_turbostratic_options(args: argparse.Namespace) -> None:
    """Options of the peak fit that cannot take effect in the whole-pattern model."""
    from charz.errors import OptionError

    unused = {"--convention": args.convention != "default",
              "--shape": args.shape != "pseudo_voigt",
              "--two-components": args.two_components, "--graphitic": args.graphitic,
              "--no-10": not args.fit_10, "--internal-standard": args.internal_standard,
              "--thickness-mm": args.thickness_mm is not None}
    bad = [k for k, given in unused.items() if given]
    if bad:
        raise OptionError(f"{', '.join(bad)}: option(s) of the peak fit; they have no effect "
                          "with --model turbostratic (a whole-pattern model with its own "
                          "definitions of d002, Lc, La and N)")


def _strip_ka2(da, ka2: str):
    """The CLI's ``--ka2 strip`` (both models): Rachinger on every frame, then no Kα2 in it."""
    from xrd.corrections import strip_ka2

    if ka2 != "strip":
        return da, ka2
    if float(da.attrs.get("ka2_ratio") or 0.0) > 0:
        da = strip_ka2(da)
    return da, "ignore"


def _turbostratic(da, *, ka2: str = "auto", **options):
    """fit_turbostratic with the CLI's Kα2 choices (``strip``: Rachinger, then no Kα2)."""
    from xrd.turbostratic import fit_turbostratic

    da, ka2 = _strip_ka2(da, ka2)
    return fit_turbostratic(da, ka2=ka2, **options)


def add_insitu_parser(subparsers: argparse._SubParsersAction) -> None:
    """``charz insitu xrd FILES_OR_DIR [--echem CYCLER] --out DIR``."""
    p = subparsers.add_parser("xrd", help="operando XRD: (002) per frame, heatmap, CSV")
    add_insitu_options(p, files_help="a folder of numbered patterns, several files, one "
                                     "multi-scan file; with --poni: images or an HDF5 stack")
    p.add_argument("--background", metavar="FILE", default=None,
                   help="empty-cell pattern, subtracted with a per-frame scale")
    p.add_argument("--cell-hump", action="store_true",
                   help="model the cell window's amorphous hump (fitted on frame 0, then fixed)")
    p.add_argument("--mask", type=float, nargs=2, action="append", metavar=("LO", "HI"),
                   default=[], help="2θ range left out (sharp cell lines); repeatable")
    p.add_argument("--poni", metavar="FILE", default=None,
                   help="PONI geometry: the inputs are 2-D detector images or an HDF5/NeXus "
                        "stack (integrated with pyFAI to 2θ)")
    p.add_argument("--dioptas", action="store_true",
                   help="the PONI was made in Dioptas (images flipped vertically first)")
    p.add_argument("--npt", type=int, default=None, help="2θ bins of the integration")
    p.add_argument("--group", type=int, default=1, metavar="N",
                   help="average N consecutive frames before fitting")
    _add_fit_options(p)
    add_scheduler_option(p)
    p.set_defaults(run=_run_insitu)


def _insitu_series(args: argparse.Namespace, src):
    """The frames of ``charz insitu xrd``: read, or integrated from images (``--poni``)."""
    from xrd.insitu import read_series

    if args.poni:
        from xrd.images import integrate_images

        return integrate_images(src, args.poni, npt=args.npt,
                                poni_convention="dioptas" if args.dioptas else "pyfai")
    return read_series(src, wavelength=args.wavelength, tz=args.tz)


def _run_insitu(args: argparse.Namespace) -> int:
    import charz
    from charz.cli_common import finish_insitu, start_insitu
    from charz.errors import OptionError
    from charz.plotting import save_figure, use_style
    from xrd.insitu import fit_002_series

    if args.model == "turbostratic":
        return _run_insitu_turbostratic(args)
    if args.monochromator is not None:
        raise OptionError("--monochromator cannot take effect in the in-situ (002) fit (its "
                          "jis convention uses JIS R 7651's 26.6°); it is an option of "
                          "--model turbostratic")
    out, src = start_insitu(args)
    series = _insitu_series(args, src)
    cycler = charz.read(args.echem, technique="echem") if args.echem else None
    bg = charz.read(args.background, technique="xrd",
                    **({} if args.wavelength is None else {"wavelength": args.wavelength})) \
        if args.background else None
    from charz.series import scheduler

    # --ka2 strip: Rachinger on every frame, then the fit has no Kα2 left to model
    series, ka2 = _strip_ka2(series, args.ka2)
    with scheduler(getattr(args, "scheduler", None)):
        res = fit_002_series(series, background=bg,
                             cell_peaks="fit" if args.cell_hump else None,
                             mask=[tuple(m) for m in args.mask], convention=args.convention,
                             shape=args.shape, ka2=ka2,
                             window=tuple(args.window) if args.window else None, cycler=cycler,
                             offset_s=args.offset_s, align=args.align, tz=args.tz,
                             group=args.group)
        res = res.compute()
    files = [res.to_csv(out / "insitu_xrd_frames.csv"), res.to_netcdf(out / "insitu_xrd.nc")]
    with use_style():
        if "time" in series.dims:
            files += save_figure(res.heatmap(cycler=cycler, title="operando XRD"),
                                 out / "insitu_xrd_heatmap")
        files += save_figure(res.plot().figure, out / "insitu_xrd_d002_time")
        if "voltage" in res.maps.coords:
            files += save_figure(res.plot_vs_voltage().figure, out / "insitu_xrd_d002_voltage")
        files += save_figure(res.waterfall(every=max(1, series.shape[0] // 15)).figure,
                             out / "insitu_xrd_waterfall")
    return finish_insitu("charz insitu xrd", res.summary(), files, out,
                         failed=res.result.counts().failed)


def _run_insitu_turbostratic(args: argparse.Namespace) -> int:
    """``charz insitu xrd --model turbostratic``: the whole-pattern model on every frame."""
    import matplotlib.pyplot as plt

    import charz
    from charz.cli_common import finish_insitu, start_insitu
    from charz.errors import OptionError
    from charz.output import source_files, unit_columns, write_csv
    from charz.plotting import save_figure, trend, use_style
    from charz.series import attach_echem, plot_heatmap, scheduler
    from xrd.turbostratic import fit_turbostratic_series

    unused = {"--background": args.background is not None, "--cell-hump": args.cell_hump,
              "--convention": args.convention != "default",
              "--shape": args.shape != "pseudo_voigt", "--group": args.group != 1}
    bad = [k for k, given in unused.items() if given]
    if bad:
        raise OptionError(f"{', '.join(bad)}: option(s) of the in-situ (002) fit; they have "
                          "no effect with --model turbostratic")
    out, src = start_insitu(args)
    series = _insitu_series(args, src)
    cycler = charz.read(args.echem, technique="echem") if args.echem else None
    if cycler is not None:
        series = attach_echem(series, cycler, offset_s=args.offset_s, align=args.align,
                              tz=args.tz)
    series, ka2 = _strip_ka2(series, args.ka2)
    with scheduler(getattr(args, "scheduler", None)):
        res = fit_turbostratic_series(series, window=tuple(args.window) if args.window
                                      else None, ka2=ka2, mask=[tuple(m) for m in args.mask],
                                      **_monochromator(args))
        maps = res.maps.compute()
    files = [write_csv(out / "insitu_xrd_turbostratic.csv", unit_columns(maps), index=True,
                       metadata={"method": " | ".join(dict.fromkeys(res.methods.values())),
                                 "summary": res.summary(), "sources": [
                                     {"file": f, "sha256": h or None}
                                     for f, h in source_files(series, res.source)]}),
             res.to_netcdf(out / "insitu_xrd_turbostratic.nc")]
    dim = maps["d002"].dims[0]
    x = (maps["voltage"] if "voltage" in maps.coords else maps[dim]).values
    with use_style():
        if "time" in series.dims:
            files += save_figure(plot_heatmap(series, cycler=cycler, title="operando XRD"),
                                 out / "insitu_xrd_heatmap")
        for key in ("d002", "la"):  # the trends: layer spacing and lateral size per frame
            fig, ax = plt.subplots(figsize=(5.0, 3.4), layout="constrained")
            trend(ax, x, maps[key].values, yerr=maps[f"{key}_stderr"].values,
                  success=maps["success"].values, flags=maps["flags"].values, label=key)
            ax.set_xlabel("voltage (V)" if "voltage" in maps.coords else
                          f"{dim} ({maps[dim].attrs.get('units', '')})")
            ax.set_ylabel(f"{key} ({maps[key].attrs.get('units', '')})")
            ax.set_title("operando XRD, turbostratic model", loc="left")
            files += save_figure(fig, out / f"insitu_xrd_turbostratic_{key}")
    return finish_insitu("charz insitu xrd", res.summary(), files, out,
                         failed=res.counts().failed)


def analyse_file(path, *, wavelength: float | None = None, **fit_options) -> list:
    """``charz report`` hook: read one pattern and fit it with :func:`xrd.peaks.fit_pattern`.

    Parameters
    ----------
    path : path
        Any XRD file :func:`charz.read` understands (one scan).
    wavelength : float, optional
        X-ray wavelength in nm, for files that do not state it (reader option).
    **fit_options
        Keyword arguments of :func:`xrd.peaks.fit_pattern` (``convention``, ``shape``,
        ``window``, ``n_002`` ...), as written in the manifest's options column;
        ``model=turbostratic`` fits :func:`xrd.turbostratic.fit_turbostratic` instead
        (its keyword arguments: ``window``, ``ka2``, ``mask``, ``monochromator_two_theta``,
        ``background_degree`` ...).
    """
    import charz
    from charz.errors import CharzError
    from xrd.peaks import fit_pattern

    opts = {} if wavelength is None else {"wavelength": float(wavelength)}
    da = charz.read(path, technique="xrd", **opts)
    if da.ndim != 1:
        raise CharzError(f"{da.attrs.get('source', path)}: holds {dict(da.sizes)} scans; "
                         "a report takes one pattern per file (use 'charz insitu xrd')")
    if fit_options.get("window") is not None:
        fit_options["window"] = tuple(float(v) for v in fit_options["window"])
    model = fit_options.pop("model", "peaks")
    if model == "turbostratic":
        if "mask" in fit_options:
            fit_options["mask"] = [tuple(float(v) for v in m) for m in fit_options["mask"]]
        return [_turbostratic(da, **fit_options)]
    if model != "peaks":
        from charz.errors import OptionError

        raise OptionError(f"model={model!r}: use 'peaks' or 'turbostratic'")
    return [fit_pattern(da, **fit_options)]
