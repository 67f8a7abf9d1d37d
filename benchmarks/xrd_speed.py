"""Speed of the xrd readers and fits (run: ``python benchmarks/xrd_speed.py``).

Not a test: prints wall times on this machine. Inputs: the shared real files (when present)
and generated patterns.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def _t(fn, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    import charz
    from xrd.insitu import fit_002_series
    from xrd.peaks import fit_pattern
    from xrd.synthetic import simulate_pattern

    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "xrd"
    files = [
        "xrayutilities-examples/rsm_1.xrdml.bz2",  # 401 scans
        "fairmat-readers-xrd/TwoTheta_scan_scrambled.raw",
        "fairmat-readers-xrd/23-012-AG_2thomegascan_long.brml",
        "gsas-ii/PBSO4.XRA",
    ]
    for f in files:
        p = shared / f
        if p.exists():
            print(f"read {p.name:45s} {1e3 * _t(lambda p=p: charz.read(p)):8.1f} ms")
    pat = simulate_pattern(seed=0)
    print(f"fit_pattern (3101 points, 1×(002)+(10), Kα2 model) "
          f"{1e3 * _t(lambda: fit_pattern(pat)):8.1f} ms")
    print(f"fit_pattern n_002=2                                "
          f"{1e3 * _t(lambda: fit_pattern(pat, n_002=2, warn=False), 1):8.1f} ms")
    import xarray as xr

    frames = [simulate_pattern(d002=0.375 + 0.0003 * i, seed=i) for i in range(50)]
    series = xr.concat(frames, dim="time").assign_coords(time=np.arange(50) * 60.0)
    series.attrs = dict(frames[0].attrs)
    t = _t(lambda: fit_002_series(series), 1)
    print(f"fit_002_series, 50 frames                          {1e3 * t:8.1f} ms "
          f"({1e3 * t / 50:.1f} ms/frame)")


if __name__ == "__main__":
    main()
