"""``charz sorption FILE...``: thin shell over :func:`sorption.summary.summarize`."""

from __future__ import annotations

import argparse

from charz.cli_common import add_common_options

THICKNESS = ("harkins_jura", "halsey", "kjs", "broekhoff_de_boer", "carbon_black")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """``charz sorption``: BET, total pore volume, 4V/A, BJH, t-plot (N2/Ar), DR (CO2)."""
    p = subparsers.add_parser(
        "sorption", help="gas sorption: BET (Rouquerol), pore volume, 4V/A, BJH, t-plot, DR")
    add_common_options(p)
    p.add_argument("--bet-range", type=float, nargs=2, metavar=("A", "B"), default=None,
                   help="BET range in p/p0 (default: automatic Rouquerol range, exhaustive)")
    p.add_argument("--bet-rule", choices=["most_points", "betsi"], default="most_points",
                   help="choice among valid Rouquerol ranges: most points (default) or BETSI's "
                        "(highest end point, then smallest criterion-(d) error)")
    p.add_argument("--bet-min-r2", type=float, default=0.995, metavar="R2",
                   help="least r² of a valid BET range (default 0.995; 0 disables, e.g. for "
                        "scattered low-area hard carbons)")
    p.add_argument("--bet-tolerance", type=float, default=0.20, metavar="FRAC",
                   help="Rouquerol criterion (d): largest relative difference between p/p0 at "
                        "n_m and 1/(√C + 1) (default 0.20)")
    p.add_argument("--bet-min-points", type=int, default=5, metavar="N",
                   help="fewest points of an automatic BET range (default 5; ISO 9277: ≥ 3)")
    p.add_argument("--adsorbate", default=None, metavar="GAS",
                   help="adsorptive of a plain CSV that does not state it (e.g. N2, CO2)")
    p.add_argument("--temperature-k", type=float, default=None, metavar="K",
                   help="bath temperature of a plain CSV that does not state it (K)")
    p.add_argument("--thickness", choices=THICKNESS, default="harkins_jura",
                   help="thickness curve for BJH and the t-plot (carbon_black = STSA, the one "
                        "for carbons; default harkins_jura)")
    p.add_argument("--branch", choices=["des", "ads"], default="des",
                   help="BJH branch (default des: desorption, hemispherical meniscus)")
    p.add_argument("--t-range", type=float, nargs=2, metavar=("T1", "T2"),
                   default=(0.35, 0.50), help="t-plot window in nm (default 0.35 0.50)")
    p.add_argument("--p-total", type=float, default=0.99, metavar="P",
                   help="p/p0 of the total pore volume (nearest point; default 0.99)")
    p.add_argument("--dr-range", type=float, nargs=2, metavar=("A", "B"), default=(1e-5, 0.03),
                   help="DR fit window in p/p0 for CO2 (default 1e-5 0.03)")
    p.add_argument("--cross-section", type=float, default=None, metavar="NM2",
                   help="BET cross-sectional area of the adsorbate in nm^2 (default: the "
                        "ISO 9277 value for N2, Ar, Kr, CO2; required for other gases)")
    p.add_argument("--adsorbed-density", type=float, default=1.023, metavar="G_CM3",
                   help="CO2 adsorbed-phase density for DR (default 1.023 g/cm3)")
    p.set_defaults(run=_run)


#: Python keywords named in messages -> the flag a command-line user types.
FLAGS = {
    "p_range=...": "--bet-range A B", "p_range": "--bet-range",
    "bet_range": "--bet-range",
    "tolerance/min_r2/min_points": "--bet-tolerance/--bet-min-r2/--bet-min-points",
    "min_r2=": "--bet-min-r2 ", "temperature_k=...": "--temperature-k K",
    "adsorbate=...": "--adsorbate GAS", "t_range_nm": "--t-range", "dr_range": "--dr-range",
    "branch='adsorption'": "--branch ads", "bjh_branch='adsorption'": "--branch ads",
    "cross_section_nm2=... (nm^2)": "--cross-section NM2", "cross_section_nm2": "--cross-section",
}


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import charz
    from charz.cli_common import run_files
    from charz.cli_messages import cli_messages
    from sorption.summary import summarize

    def analyse(path: Path) -> list:
        read_opts = {k: v for k, v in (("adsorbate", args.adsorbate),
                                       ("temperature_k", args.temperature_k)) if v is not None}
        with cli_messages(FLAGS):
            iso = charz.read(path, technique="sorption", **read_opts)
            return [summarize(
                iso, bet_range=tuple(args.bet_range) if args.bet_range else None,
                thickness_curve=args.thickness,
                bjh_branch="desorption" if args.branch == "des" else "adsorption",
                t_range_nm=tuple(args.t_range), p_total=args.p_total,
                dr_range=tuple(args.dr_range),
                adsorbed_density_co2_g_cm3=args.adsorbed_density,
                bet_options={"rule": args.bet_rule, "tolerance": args.bet_tolerance,
                             "min_points": args.bet_min_points,
                             "min_r2": args.bet_min_r2 if args.bet_min_r2 > 0 else None,
                             **({} if args.cross_section is None
                                else {"cross_section_nm2": args.cross_section})},
            )]

    return run_files(args, analyse, technique="sorption")


def analyse_file(path, **options) -> list:
    """``charz report`` hook: read one isotherm and run :func:`sorption.summary.summarize`.

    ``options`` are keyword arguments of :func:`~sorption.summary.summarize`
    (``bet_range``, ``thickness_curve``, ``bjh_branch``, ``p_total`` ...).
    """
    import charz
    from sorption.summary import summarize

    for key in ("bet_range", "t_range_nm", "dr_range"):
        if options.get(key) is not None:
            options[key] = tuple(float(v) for v in options[key])
    return [summarize(charz.read(path, technique="sorption"), **options)]
