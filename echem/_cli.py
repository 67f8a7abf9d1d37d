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
    p.add_argument("--smooth", type=float, metavar="MAH_G", default=10.0,
                   help="smoothing length of the over-sodiation curve in mA*h/g (default 10)")
    p.add_argument("--dqdv", action="store_true", help="also plot dQ/dV of the cycle")
    p.add_argument("--one-c", type=float, metavar="MA_G", default=None,
                   help="rate test: current density of 1 C in mA/g; adds rate_response "
                        "(slope of capacity vs C-rate, Pearson r)")
    p.add_argument("--gitt-length", type=float, metavar="CM", default=None,
                   help="GITT: diffusion length L in cm; analyses the pulses (plot D(V))")
    p.add_argument("--current-unit", choices=["mA", "A", "uA"], default=None,
                   help="unit of a CSV current column whose header does not name one")
    p.add_argument("--tz", default=None,
                   help="time zone of local time stamps in the file (e.g. Europe/Berlin)")
    p.set_defaults(run=_run)


#: Python keywords named in messages -> the flag a command-line user types.
FLAGS = {
    "mass_mg=": "--mass MG", "mass_mg": "--mass", "current_unit='mA' (or 'A', 'uA')":
    "--current-unit mA (or A, uA)", "current_unit": "--current-unit", "tz=": "--tz ZONE",
    "one_c_ma_g": "--one-c", "split_voltage": "--split-voltage", "smooth_mah_g": "--smooth",
    "oversodiation=": "--oversodiation ", "length_cm": "--gitt-length",
}


def _run(args: argparse.Namespace) -> int:
    import sys
    import warnings
    from pathlib import Path

    import charz
    from charz.cli_common import run_files
    from charz.cli_messages import cli_messages, translate
    from charz.errors import CharzWarning
    from echem.dqdv import StrippingResult, dqdv
    from echem.gitt import gitt
    from echem.summary import analyse as standard

    def analyse(path: Path) -> list:
        opts = {}
        if args.mass is not None:
            opts["mass_mg"] = args.mass
        if args.tz is not None:
            opts["tz"] = args.tz
        if args.current_unit is not None:
            opts["current_unit"] = args.current_unit
        with cli_messages(FLAGS):
            return _analyse(path, opts)

    def _analyse(path: Path, opts: dict) -> list:
        ds = charz.read(path, technique="echem", **opts)
        if args.gitt_length is not None:
            return [gitt(ds, length_cm=args.gitt_length)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CharzWarning)
            results = standard(ds, split_voltage=args.split_voltage, cycle=args.cycle,
                               oversodiation=args.oversodiation,
                               smooth_mah_g=args.smooth,
                               one_c_ma_g=args.one_c)
        # several analyses of one record may say the same thing: say it once
        for note in dict.fromkeys(translate(_once(str(w.message), path.name), FLAGS)
                                  for w in caught):
            print(f"charz echem: note: {path.name}: {note}", file=sys.stderr)
        for r in results:
            if isinstance(r, StrippingResult) and r.detected:
                print(f"charz echem: note: {path.name}: sodium-stripping peak at "
                      f"{r.peak_voltage * 1e3:.1f} mV ({r.stripping_capacity:.1f} mA*h/g "
                      "stripped)", file=sys.stderr)
        if args.dqdv:
            results.append(dqdv(ds, cycle=args.cycle))
        return results

    return run_files(args, analyse, technique="echem")


def _once(message: str, name: str) -> str:
    """The message without its own mentions of the file name (the note prefixes it once)."""
    for form in (f"{name}: ", f"{name}, "):
        message = message.replace(form, "")
    return message


def analyse_file(path, **options) -> list:
    """``charz report`` hook: the standard analyses of one cycler file.

    ``options`` are keyword arguments of :func:`echem.summary.analyse` (``mass_mg``,
    ``split_voltage``, ``cycle``, ``oversodiation``, ``one_c_ma_g``, ``tz``).
    """
    from echem.summary import analyse

    return analyse(path, **options)
