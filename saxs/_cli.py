"""``charz saxs FILE...`` and ``charz saxs IMAGE --poni P``: thin shell over the saxs API."""

from __future__ import annotations

import argparse

from charz.cli_common import add_common_options, add_insitu_options, add_scheduler_option

MODELS = ("porod_dab", "spheres", "unified", "guinier_porod")


def _add_fix_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fix", action="append", default=[], metavar="NAME=VALUE",
                   help="fix a model parameter (names as in the fit's parameters, e.g. "
                        "porod_exponent=4, background=0.01); repeatable")
    p.add_argument("--no-power-law", dest="power_law", action="store_false",
                   help="omit the low-q power law (same as --fix porod_scale=0)")


def _fix_option(args: argparse.Namespace) -> dict[str, float]:
    """``--fix NAME=VALUE`` and ``--no-power-law`` as the ``fix=`` mapping of the fits."""
    from charz.errors import OptionError

    fix: dict[str, float] = {}
    for item in args.fix:
        name, sep, value = item.partition("=")
        try:
            fix[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise OptionError(f"--fix {item!r}: give NAME=VALUE with a number, e.g. "
                              "--fix porod_exponent=4")
    if not getattr(args, "power_law", True):
        fix["porod_scale"] = 0.0
    return fix


def analyse_curve(curve, *, model: str = "porod_dab", guinier: bool = True,
                  fit_options: dict | None = None, model_free: dict | None = None) -> list:
    """The standard SAXS analysis of one curve: the pore model, Guinier Rg, and — when the
    model fit fails — the model-free values (Guinier Rg on its automatic range, invariant).

    Parameters
    ----------
    curve : xarray.DataArray
        One SAXS curve (q in 1/nm).
    model : {'porod_dab', 'spheres', 'unified', 'guinier_porod'}
        Pore model.
    guinier : bool
        Also fit Guinier for ``saxs_rg`` (on the model's pore term when the model gives
        no Rg; on the raw curve when the model fails).
    fit_options : dict, optional
        Keyword arguments of the model's fit function.
    model_free : dict, optional
        Keyword arguments of :func:`saxs.invariant.invariant` (``true_density``,
        ``wall_density``) for the model-free porosity of an absolute-scale curve.

    Returns
    -------
    list
        Result objects (each with ``descriptors()`` and ``plot()``); a failed model fit
        is a :class:`saxs.models.FailedFit` (no descriptors, its figure shows why).

    Raises
    ------
    FitError
        The model fit failed and no model-free value could be determined either; its
        ``result`` is the :class:`saxs.models.FailedFit` (the command line draws it).
    """
    import warnings

    from charz.errors import CharzWarning, FitError
    from saxs import models
    from saxs.guinier import fit_guinier
    from saxs.invariant import invariant

    fitters = {"porod_dab": models.fit_porod_dab, "spheres": models.fit_power_law_spheres,
               "unified": models.fit_unified, "guinier_porod": models.fit_guinier_porod}
    if model not in fitters:
        from charz.errors import OptionError

        raise OptionError(f"SAXS model {model!r} is not one of {', '.join(fitters)}")
    name = curve.attrs.get("source", "curve")
    try:
        fit = fitters[model](curve, **(fit_options or {}))
    except FitError as exc:
        failed = models.FailedFit(model, str(exc), getattr(exc, "curve", None),
                                  tuple(getattr(exc, "flags", ())))
        results: list = [failed]
        if guinier:
            try:
                results.append(fit_guinier(curve, report_diameter=False))
            except FitError:
                pass
        absolute = curve.attrs.get("units") == "1/cm" and bool(
            curve.attrs.get("absolute_scale", 1))
        mf = {k: v for k, v in (model_free or {}).items() if v is not None}
        if absolute and mf:
            try:
                results.append(invariant(curve, **mf))
            except FitError:
                pass
        if not any(r.descriptors() for r in results[1:]):
            exc.result = failed  # type: ignore[attr-defined]  # run_files still draws it
            raise
        warnings.warn(f"{name}: the {model} fit failed ({str(exc).split(': ', 1)[-1]}); "
                      "model-free values reported", CharzWarning, stacklevel=2)
        return results
    results = [fit]
    if guinier and fit.saxs_rg is None:
        try:
            results.append(fit_guinier(fit.pore_term(), report_diameter=False))
        except FitError as exc:
            warnings.warn(f"{name}: no Guinier range in the pore term "
                          f"({str(exc).split(': ', 1)[-1]})", CharzWarning, stacklevel=2)
    return results


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """``charz saxs``: pore size, Rg, Porod exponent, porosity; true density → closed pores."""
    p = subparsers.add_parser(
        "saxs", help="SAXS + He density: pore size, Rg, Porod exponent, closed-pore volume")
    add_common_options(p)
    p.add_argument("--q-unit", choices=["1/A", "1/nm"], default=None,
                   help="q unit of the file when its header does not say (never guessed)")
    p.add_argument("--intensity-unit", default=None,
                   help="intensity unit of a text file whose header does not say (e.g. 1/cm)")
    p.add_argument("--model", choices=MODELS, default="porod_dab",
                   help="pore model: porod_dab (A q^-P + DAB + bkg, Kalliat/Dahn; default), "
                        "spheres (power law + polydisperse spheres), unified (Beaucage), "
                        "guinier_porod (Hammouda)")
    p.add_argument("--window", "--q-range", dest="window", type=float, nargs=2,
                   metavar=("LO", "HI"), default=None,
                   help="fitted q window (LO, HI) in 1/nm (stop below the (002) region)")
    p.add_argument("--porod-exponent", type=float, default=None, metavar="P",
                   help="fix the low-q power-law exponent (default: fitted)")
    _add_fix_options(p)
    p.add_argument("--diameter-convention", choices=["sphere_equivalent", "chord"],
                   default="sphere_equivalent",
                   help="DAB length → pore diameter: sphere_equivalent D = 2√10 a; chord "
                        "D = 1.5 a/(1−φ) with φ from the invariant (needs absolute scale)")
    p.add_argument("--resolution", choices=["auto", "none", "pinhole", "slit"], default="auto",
                   help="model smearing: auto = the file's dq (pinhole) or slit length")
    p.add_argument("--slit-length", type=float, default=None, metavar="INV_NM",
                   help="slit length Δl in 1/nm of a line-collimation camera (slit smearing)")
    p.add_argument("--no-guinier", dest="guinier", action="store_false",
                   help="skip the Guinier fit of the pore term (saxs_rg)")
    p.add_argument("--true-density", type=float, default=None, metavar="G_CM3",
                   help="He true density in g/cm3 (closed-pore volume, porosity)")
    p.add_argument("--pycnometer", metavar="FILE", default=None,
                   help="He pycnometer report (CSV/text summary) instead of --true-density")
    p.add_argument("--skeleton-density", type=float, default=2.26, metavar="G_CM3",
                   help="skeleton (wall) density for 1/ρHe − 1/ρs (default 2.26, graphite)")
    p.add_argument("--wall-density", type=float, default=None, metavar="G_CM3",
                   help="carbon wall density for the SAXS contrast (default: contrast-free "
                        "porosity from the He density)")
    cal = p.add_argument_group("background and absolute scale")
    cal.add_argument("--background", metavar="FILE", default=None,
                     help="empty cell / empty beam curve, subtracted after transmission scaling")
    cal.add_argument("--transmission", type=float, default=1.0,
                     help="sample transmission (default 1)")
    cal.add_argument("--background-transmission", type=float, default=1.0,
                     help="transmission of the --background measurement (default 1)")
    cal.add_argument("--thickness", type=float, default=None, metavar="CM",
                     help="sample thickness in cm (intensity per cm)")
    cal.add_argument("--calibration-factor", type=float, default=None, metavar="C",
                     help="absolute calibration factor (→ 1/cm)")
    cal.add_argument("--standard", metavar="GC_FILE", default=None,
                     help="NIST SRM 3600 glassy-carbon measurement: calibration factor from it")
    cal.add_argument("--standard-transmission", type=float, default=1.0,
                     help="transmission of the glassy-carbon measurement")
    cal.add_argument("--standard-thickness", type=float, default=0.1055, metavar="CM",
                     help="glassy-carbon thickness (default 0.1055 cm, certificate)")
    img = p.add_argument_group("2-D images (pyFAI)")
    img.add_argument("--poni", metavar="P", default=None,
                     help="pyFAI PONI file: FILE are detector images, integrated to I(q)")
    img.add_argument("--mask", metavar="M", default=None,
                     help="mask image (non-zero = masked, pyFAI/Dioptas convention)")
    img.add_argument("--dioptas", action="store_true",
                     help="the PONI was made in Dioptas (image flipped vertically first)")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path
    from typing import Any

    import saxs
    from charz.cli_common import run_files
    from charz.errors import OptionError
    from saxs import models
    from saxs.calibration import apply_calibration, glassy_carbon_factor, subtract_background
    from saxs.density import closed_pore_volume, read_pycnometer
    from saxs.invariant import porosity_from_fit

    fix = _fix_option(args)

    if args.true_density is not None and args.pycnometer:
        raise OptionError("give --true-density or --pycnometer, not both")
    if args.mask and not args.poni:
        raise OptionError("--mask needs --poni (2-D images)")
    density = None
    if args.pycnometer:
        density = read_pycnometer(args.pycnometer)
    elif args.true_density is not None:
        density = args.true_density
    rho_he = density.density if hasattr(density, "density") else density

    def load(path: Path | str) -> Any:
        if args.poni:
            return saxs.integrate_image(path, poni=args.poni, mask=args.mask,
                                        poni_convention="dioptas" if args.dioptas else "pyfai")
        opts = {}
        if args.q_unit:
            opts["q_unit"] = args.q_unit
        if args.intensity_unit:
            opts["intensity_unit"] = args.intensity_unit
        return saxs.read(path, **opts)

    background = load(args.background) if args.background else None
    factor = args.calibration_factor
    if args.standard:
        if factor is not None:
            raise OptionError("give --standard or --calibration-factor, not both")
        factor = glassy_carbon_factor(load(args.standard), thickness_cm=args.standard_thickness,
                                      transmission=args.standard_transmission,
                                      background=background)
    reduce = (background is not None or args.thickness is not None or factor is not None
              or args.transmission != 1.0)

    def analyse(path: Path) -> list:
        curve = load(path)
        if reduce:
            curve = subtract_background(curve, background,
                                        sample_transmission=args.transmission,
                                        background_transmission=args.background_transmission,
                                        thickness_cm=args.thickness)
            if factor is not None:
                if args.thickness is None:
                    raise OptionError("absolute calibration needs --thickness of the sample")
                curve = apply_calibration(curve, factor)
        if args.slit_length is not None:
            curve.attrs["slit_length"] = args.slit_length
        kw: dict = {"window": tuple(args.window) if args.window else None,
                    "porod_exponent": args.porod_exponent, "resolution": args.resolution,
                    "fix": fix or None}
        absolute = curve.attrs.get("units") == "1/cm" and bool(
            curve.attrs.get("absolute_scale", 1))
        if args.model == "porod_dab" and args.diameter_convention == "chord":
            if not absolute or (rho_he is None and args.wall_density is None):
                raise OptionError("--diameter-convention chord needs φ: an absolute-scale "
                                  "curve (1/cm) and --true-density/--pycnometer or "
                                  "--wall-density")
            first = models.fit_porod_dab(curve, **kw)
            phi = porosity_from_fit(first, wall_density=args.wall_density,
                                    true_density=rho_he).saxs_porosity.value
            kw.update(diameter_convention="chord", porosity=phi)

        results = analyse_curve(curve, model=args.model, guinier=args.guinier,
                                fit_options=kw,
                                model_free={"true_density": rho_he,
                                            "wall_density": args.wall_density})
        fit = results[0]
        if density is not None:
            results.append(closed_pore_volume(density, skeleton_density=args.skeleton_density))
        if absolute and (rho_he is not None or args.wall_density is not None) \
                and isinstance(fit, models.ModelFitResult):
            results.append(porosity_from_fit(fit, wall_density=args.wall_density,
                                             true_density=rho_he))
        return results

    return run_files(args, analyse, technique="saxs")


def add_insitu_parser(subparsers: argparse._SubParsersAction) -> None:
    """``charz insitu saxs FILES_OR_DIR [--echem CYCLER] --out DIR``."""
    p = subparsers.add_parser("saxs", help="operando SAXS: pore-term fit per frame, heatmap")
    add_insitu_options(p, files_help="a folder of numbered 1-D curves, or several files; "
                                     "with --poni: images or an HDF5 stack")
    p.add_argument("--q-unit", choices=["1/A", "1/nm"], default=None,
                   help="q unit of files whose header does not say")
    p.add_argument("--model", choices=MODELS, default="porod_dab", help="pore model")
    p.add_argument("--window", "--q-range", dest="window", type=float, nargs=2,
                   metavar=("LO", "HI"), default=None,
                   help="fitted q window (LO, HI) in 1/nm")
    p.add_argument("--porod-exponent", type=float, default=None, metavar="P",
                   help="fix the low-q power-law exponent")
    img = p.add_argument_group("2-D images (pyFAI)")
    img.add_argument("--poni", metavar="P", default=None,
                     help="pyFAI PONI file: the inputs are detector images or an HDF5/NeXus "
                          "stack, integrated to I(q)")
    img.add_argument("--mask", metavar="M", default=None,
                     help="mask image (non-zero = masked, pyFAI/Dioptas convention)")
    img.add_argument("--dioptas", action="store_true",
                     help="the PONI was made in Dioptas (images flipped vertically first)")
    img.add_argument("--npt", type=int, default=None, help="q bins of the integration")
    _add_fix_options(p)
    add_scheduler_option(p)
    p.set_defaults(run=_run_insitu)


def _run_insitu(args: argparse.Namespace) -> int:

    import numpy as np

    import charz
    from charz.cli_common import finish_insitu, start_insitu
    from charz.output import source_files, unit_columns, write_csv
    from charz.plotting import save_figure, use_style
    from charz.series import attach_echem, plot_heatmap, read_frames, scheduler, stack_frames
    from saxs.series import fit_series

    out, src = start_insitu(args)
    if args.poni:
        from charz.images import integrate_stack

        series = integrate_stack(src, args.poni, unit="q_nm^-1", mask=args.mask, npt=args.npt,
                                 poni_convention="dioptas" if args.dioptas else "pyfai"
                                 ).compute()
        good = (series["q"] > 0) & (np.isfinite(series) & (series != 0)).all(series.dims[0])
        series = series.isel(q=np.flatnonzero(good.values))  # q > 0 with counts in every frame
        series.attrs["technique"] = "saxs"
    else:
        opts = {"q_unit": args.q_unit} if args.q_unit else {}
        series = stack_frames(read_frames(src, technique="saxs", **opts), tz=args.tz)
    dim = series.dims[0]
    cycler = None
    if args.echem:
        cycler = charz.read(args.echem, technique="echem")
        series = attach_echem(series, cycler, offset_s=args.offset_s, align=args.align,
                              tz=args.tz)
    fix = _fix_option(args)
    with scheduler(getattr(args, "scheduler", None)):
        res = fit_series(series, model=args.model,
                         window=tuple(args.window) if args.window else None,
                         porod_exponent=args.porod_exponent, fix=fix or None)
        table = res.maps.compute()
    files = []
    csv = write_csv(out / "insitu_saxs_frames.csv", unit_columns(table), index=True,
                    metadata={"method": " | ".join(dict.fromkeys(res.methods.values())),
                              "summary": res.summary(), "sources": [
                                  {"file": f, "sha256": h or None}
                                  for f, h in source_files(series, res.source)]})
    files.append(csv)
    files.append(res.to_netcdf(out / "insitu_saxs.nc"))
    with use_style():
        if dim == "time":
            logs = np.log10(series.where(series > 0))
            logs.attrs = {"units": "", "long_name": "log10 I"}
            logs["q"].attrs = dict(series["q"].attrs)
            files += save_figure(plot_heatmap(logs, cycler=cycler, title="operando SAXS"),
                                 out / "insitu_saxs_heatmap")
        files += save_figure(_plot_amplitude(table, args.model, dim), out / "insitu_saxs_pore_term")
    return finish_insitu("charz insitu saxs", res.summary(), files, out,
                         failed=res.counts().failed)


def _plot_amplitude(table, model: str, dim: str):
    """Pore-term amplitude per frame (against voltage when attached); failed frames left out,
    flagged ones hollow."""
    import matplotlib.pyplot as plt

    from charz.plotting import trend

    fig, ax = plt.subplots(figsize=(5.0, 3.4), layout="constrained")
    amp = {"porod_dab": "dab_scale", "spheres": "sphere_scale"}.get(model, "g")
    x = (table["voltage"] if "voltage" in table.coords else table[dim]).values
    y = table[amp].values
    e = table[f"{amp}_stderr"].values
    trend(ax, x, y, yerr=e, success=table["success"].values, flags=table["flags"].values,
          legend=True, legend_kw={"loc": "upper left", "bbox_to_anchor": (1.01, 1.0),
                                  "borderaxespad": 0.0, "frameon": False})
    ax.set_xlabel("voltage (V)" if "voltage" in table.coords else dim)
    ax.set_ylabel(f"pore-term amplitude {amp} ({table[amp].attrs.get('units', '')})")
    ax.set_title(f"operando SAXS, {model}", loc="left")
    return fig


def analyse_file(path, *, q_unit: str | None = None, model: str = "porod_dab",
                 guinier: bool = True, **fit_options) -> list:
    """``charz report`` hook: read one SAXS curve and fit the pore model (defaults of the CLI).

    Parameters
    ----------
    path : path
        A 1-D SAXS file :func:`charz.read` understands.
    q_unit : str, optional
        ``1/A`` or ``1/nm`` for files that do not state it (reader option).
    model : {'porod_dab', 'spheres', 'unified', 'guinier_porod'}
        Pore model, as ``--model``.
    guinier : bool
        Also fit Guinier on the pore term for ``saxs_rg`` when the model gives none.
    **fit_options
        Keyword arguments of the model's fit function (``window``, ``porod_exponent`` ...).
    """
    import saxs

    curve = saxs.read(path, **({} if q_unit is None else {"q_unit": q_unit}))
    if "q_range" in fit_options:  # the name before 0.2
        fit_options["window"] = fit_options.pop("q_range")
    if fit_options.get("window") is not None:
        fit_options["window"] = tuple(float(v) for v in fit_options["window"])
    return analyse_curve(curve, model=model, guinier=guinier, fit_options=fit_options)


def analyse_pycnometer(path, *, skeleton_density: float = 2.26,
                       last_cycles: int | None = None) -> list:
    """``charz report`` hook for ``pycnometry`` rows: true density and closed-pore volume."""
    from saxs.density import closed_pore_volume, read_pycnometer

    report = read_pycnometer(path, last_cycles=last_cycles)
    return [closed_pore_volume(report, skeleton_density=float(skeleton_density))]
