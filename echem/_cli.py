"""``charz echem FILE...``: capacities, slope/plateau split, plating onset, dQ/dV, GITT."""

from __future__ import annotations

import argparse

from charz.cli_common import add_common_options


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """``charz echem``: cycler files → echem descriptors and plots."""
    p = subparsers.add_parser(
        "echem",
        help="cycler files: reversible capacity, ICE, slope/plateau, plating onset, dQ/dV, GITT",
    )
    add_common_options(p)
    p.add_argument("--mass", type=float, metavar="MG", default=None,
                   help="active mass in mg (default: from the file)")
    p.add_argument("--split-voltage", type=float, metavar="V", default=0.1,
                   help="slope/plateau split voltage in V vs Na+/Na (default 0.1)")
    p.add_argument("--cycle", type=int, metavar="N", default=None,
                   help="cycle for reversible capacity, slope/plateau and dQ/dV "
                        "(default: the first cycle with both halves)")
    p.add_argument("--oversodiation", choices=["auto", "yes", "no"], default="auto",
                   help="plating onset from the over-sodiation curve: auto = when the "
                        "sodiation goes below 0 V (default), yes = required, no = skip")
    p.add_argument("--window", type=float, metavar="MAH_G", default=10.0,
                   help="smoothing window of the over-sodiation curve in mA*h/g (default 10)")
    p.add_argument("--dqdv", action="store_true", help="also plot dQ/dV of the cycle")
    p.add_argument("--one-c", type=float, metavar="MA_G", default=None,
                   help="rate test: current density of 1 C in mA/g; adds rate_response "
                        "(slope of capacity vs C-rate, Pearson r)")
    p.add_argument("--gitt-length", type=float, metavar="CM", default=None,
                   help="GITT: diffusion length L in cm; analyses the pulses (plot D(V))")
    p.add_argument("--tz", default=None,
                   help="time zone of local time stamps in the file (e.g. Europe/Berlin)")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    import numpy as np

    import charz
    from charz.cli_common import run_files
    from charz.errors import CharzError, FitError
    from echem.capacity import cycle_capacities, rate_response_from_cycler, slope_plateau
    from echem.dqdv import dqdv, stripping_peak
    from echem.gitt import gitt
    from echem.plating import plating_onset

    def analyse(path: Path) -> list:
        opts = {}
        if args.mass is not None:
            opts["mass_mg"] = args.mass
        if args.tz is not None:
            opts["tz"] = args.tz
        ds = charz.read(path, technique="echem", **opts)
        results: list = []
        if args.gitt_length is not None:
            results.append(gitt(ds, length_cm=args.gitt_length))
            return results
        results.append(cycle_capacities(ds, cycle=args.cycle))
        results.append(slope_plateau(ds, split_voltage=args.split_voltage, cycle=args.cycle))
        below_zero = bool(np.any((ds["voltage"].values < 0) & (ds["current"].values < 0)))
        if args.oversodiation == "yes" or (args.oversodiation == "auto" and below_zero):
            try:
                onset = plating_onset(ds, window=args.window)
                results.append(onset)
                try:  # the desodiation that follows: Na-stripping peak (plating warning)
                    strip = stripping_peak(ds, cycle=onset.cycle)
                    results.append(strip)
                    if strip.detected:
                        print(f"charz echem: note: {path.name}: sodium-stripping peak at "
                              f"{strip.peak_voltage * 1e3:.1f} mV "
                              f"({strip.stripping_capacity:.1f} mA*h/g stripped)",
                              file=sys.stderr)
                except CharzError:
                    pass
            except FitError as exc:
                if args.oversodiation == "yes":
                    raise
                print(f"charz echem: note: {path.name}: no plating onset ({exc})",
                      file=sys.stderr)
        if args.dqdv:
            results.append(dqdv(ds, cycle=args.cycle))
        if args.one_c is not None:
            results.append(rate_response_from_cycler(ds, one_c_ma_g=args.one_c))
        return results

    return run_files(args, analyse, technique="echem")
