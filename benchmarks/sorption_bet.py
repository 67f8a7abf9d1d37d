"""Speed of the exhaustive Rouquerol search (prefix-sum OLS over every contiguous range)
against a plain per-range loop (``scipy.stats.linregress`` on each range), as BETSI-style
tools do. Run: ``python benchmarks/sorption_bet.py [SHARED_DATA_DIR]``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

import charz
import sorption
from sorption.bet import bet_area


def naive(p: np.ndarray, n: np.ndarray, min_points: int = 5, p_max: float = 0.5) -> int:
    y = p / (n * (1 - p))
    last = int(np.flatnonzero(p <= p_max)[-1])
    count = 0
    for i in range(last + 1):
        for j in range(i + min_points - 1, last + 1):
            res = stats.linregress(p[i:j + 1], y[i:j + 1])
            count += res.intercept > 0
    return count


def main(root: Path) -> None:
    for name in ("UiO-66.csv", "NU-1104.csv", "MIL-100.csv"):
        iso = charz.read(root / "sorption" / "betsi" / name)
        ads = sorption.branch(iso)
        p, n = ads["relative_pressure"].values, ads.values
        t0 = time.perf_counter()
        for _ in range(5):
            r = bet_area(iso)
        t_vec = (time.perf_counter() - t0) / 5
        t0 = time.perf_counter()
        naive(p, n)
        t_naive = time.perf_counter() - t0
        k = int((p <= 0.5).sum())
        print(f"{name}: {k} points below 0.5 → {k * (k + 1) // 2} ranges; charz "
              f"{t_vec * 1e3:.1f} ms (area {r.bet_area.value:.0f} m²/g, {r.n_valid_ranges} valid), "
              f"per-range linregress loop {t_naive * 1e3:.0f} ms ({t_naive / t_vec:.0f}×)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
         / "shared" / "data")
