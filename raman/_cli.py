"""``charz raman FILE...`` and ``charz insitu raman FILES_OR_DIR``: shells over the raman API.

A file with several spectra (map, line scan, time series) gives **one record per file**:
each record key is the mean over the successfully fitted spectra (standard error of the
mean as its uncertainty; ``extra`` holds n, std and median). With ``--out DIR`` the
per-spectrum values are written beside the records as ``DIR/<stem>_raman_spectra.csv``.
"""

from __future__ import annotations

import argparse

from charz.cli_common import add_common_options, add_insitu_options

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
    p.add_argument("--la-relation", choices=_RELATIONS, default="cancado",
                   help="La relation (cancado uses the area ratio, the others the height ratio)")
    p.add_argument("--window", type=float, nargs=2, metavar=("LO", "HI"), default=None,
                   help=f"fit window in cm-1 (default {window[0]:g} {window[1]:g})")
    p.add_argument("--no-despike", dest="despike", action="store_false",
                   help="keep cosmic spikes (default: remove them)")
    p.add_argument("--second-order", action="store_true",
                   help="also fit the 2D (~2680) and D+G (~2930) bands (window 800-3200 unless "
                        "--window is given)")


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
    import charz
    from raman.bands import fit_bands

    read_opts = {k: v for k, v in (("laser", laser), ("block", block)) if v is not None}
    da = charz.read(path, technique="raman", **read_opts)
    if isinstance(baseline, str) and baseline.lower() == "none":
        baseline = None
    if "window" in fit_options and fit_options["window"] is not None:
        fit_options["window"] = tuple(float(v) for v in fit_options["window"])
    return [fit_bands(da, baseline=baseline, **fit_options)]


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from charz.cli_common import run_files

    def analyse(path: Path) -> list:
        res = analyse_file(path, laser=args.laser, model=args.model,
                           baseline=_baseline(args.baseline),
                           window=_window(args, (800.0, 2000.0)), despike=args.despike,
                           la_relation=args.la_relation, second_order=args.second_order)[0]
        if args.out and res.is_series:
            from charz.output import atomic_write_text

            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            keys = [k for k in ("id_ig", "id_ig_stderr", "ad_ag", "la_raman", "d_position",
                                "g_position", "g_position_stderr", "d_fwhm", "g_fwhm",
                                "success") if k in res.maps]
            atomic_write_text(out / f"{path.name.split('.')[0]}_raman_spectra.csv",
                              res.maps[keys].to_dataframe().to_csv(float_format="%.6g"))
        return [res]

    return run_files(args, analyse, technique="raman")


def add_insitu_parser(subparsers: argparse._SubParsersAction) -> None:
    """``charz insitu raman FILES_OR_DIR [--echem CYCLER] --out DIR``."""
    p = subparsers.add_parser("raman", help="operando Raman: G band per spectrum, heatmap, CSV")
    add_insitu_options(p, files_help="a time-series file (LabSpec matrix, series .wdf) or a "
                                     "folder/list of spectra",
                       tz_help="time zone of the Raman clock (LabSpec writes local time), "
                               "e.g. +01:00")
    _add_fit_options(p, window=(1000.0, 1800.0))
    p.set_defaults(run=_run_insitu)


def _run_insitu(args: argparse.Namespace) -> int:
    from pathlib import Path

    import charz
    from charz.output import set_quiet
    from charz.plotting import save_figure, use_style
    from raman.insitu import read_series, track_bands

    set_quiet(args.quiet)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    src = args.files[0] if len(args.files) == 1 else args.files
    series = read_series(src, tz=args.tz, laser=args.laser)
    cycler = charz.read(args.echem, technique="echem") if args.echem else None
    res = track_bands(series, model=args.model, cycler=cycler, offset_s=args.offset_s,
                      align=args.align, tz=args.tz,
                      window=_window(args, (1000.0, 1800.0)), baseline=_baseline(args.baseline),
                      despike=args.despike, la_relation=args.la_relation,
                      second_order=args.second_order)
    files = [res.to_csv(out / "insitu_raman_bands.csv")]
    with use_style():
        files += save_figure(res.heatmap(title="operando Raman"), out / "insitu_raman_heatmap")
        files += save_figure(res.plot().figure, out / "insitu_raman_g_time")
        if "voltage" in res.table.coords:
            files += save_figure(res.plot_vs_voltage().figure, out / "insitu_raman_g_voltage")
    ok = int(res.table["success"].sum())
    n = int(res.table["success"].size)
    print(f"charz insitu raman: {ok}/{n} spectra fitted; wrote {len(files)} files to {out}")
    return 0 if ok == n else 1
