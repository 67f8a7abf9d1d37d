"""Speed of the echem readers and analyses (not a test): ``python benchmarks/echem_speed.py``.

Reads the real cycler files of ../shared/data/echem (when present) and the embedded
examples, then times the analyses on a long generated record. Prints one line per item:
seconds (best of 3) and points per second.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data" / "echem"
FILES = [
    "navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr",
    "navani/NJK_CC_156_C30_C_x30.xlsx",
    "cellpy/20160805_test001_45_cc_01.res",
    "cellpy/maccor_002.txt",
    "cellpy/neware_uio.csv",
    "cellpy/nw_regular_export_ife_example.csv",
    "newarenda/TestFile.nda",
    "yadg-eclab/gcpl.issue_149.mpt",
]


def best(fn, n=3):
    times = []
    out = None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> int:
    import charz
    from echem.capacity import cycle_capacities, slope_plateau
    from echem.dqdv import dqdv
    from echem.gitt import gitt
    from echem.plating import plating_onset
    from echem.synthetic import gitt_pulse_train, two_cycle_cell

    for name in FILES:
        path = SHARED / name
        if not path.exists():
            continue
        try:
            sec, ds = best(lambda p=path: charz.read(p, technique="echem"))
        except charz.CharzError as exc:
            print(f"{name:60s} skipped ({exc})")
            continue
        n = ds.sizes["record"]
        print(f"read {name:55s} {sec:7.3f} s  {n:7d} points  {n / sec:10.0f} points/s")
    ds, _ = two_cycle_cell(oversodiation=60.0, dt=1.0, noise=0.002)
    n = ds.sizes["record"]
    for label, fn in [
        ("cycle_capacities", lambda: cycle_capacities(ds)),
        ("slope_plateau", lambda: slope_plateau(ds)),
        ("plating_onset", lambda: plating_onset(ds)),
        ("dqdv", lambda: dqdv(ds)),
    ]:
        sec, _ = best(fn)
        print(f"{label:60s} {sec:7.3f} s  {n:7d} points  {n / sec:10.0f} points/s")
    g, truth = gitt_pulse_train(n_pulses=100, dt=5.0)
    sec, _ = best(lambda: gitt(g, length_cm=truth["length_cm"]))
    print(f"{'gitt (100 pulses)':60s} {sec:7.3f} s  {g.sizes['record']:7d} points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
