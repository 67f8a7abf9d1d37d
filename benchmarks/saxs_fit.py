"""Speed of the SAXS fits (not a test): charz's vectorized numpy models + lmfit against a
sasmodels DirectModel (the peer) driven by scipy.optimize.least_squares, same data.

Run: ``python benchmarks/saxs_fit.py``. Prints seconds per fit and the ratio.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import least_squares

import saxs
from saxs.models import dab, fit_porod_dab, fit_power_law_spheres, power_law, sphere_intensity


def _curve(intensity, q, rng):
    s = 0.02 * intensity + 1e-3
    return saxs.make_curve(q, intensity + rng.normal(size=q.size) * s, sigma=s, q_unit="1/nm",
                           intensity_unit="1/cm")


def _time(fn, n):
    fn()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def main() -> None:
    from sasmodels.core import load_model
    from sasmodels.data import empty_data1D
    from sasmodels.direct_model import DirectModel

    rng = np.random.default_rng(0)
    q = np.geomspace(0.08, 10, 500)
    tail = power_law(q, 2e-3, 4.0) + 0.05
    c1 = _curve(tail + dab(q, 8.0, 0.45), q, rng)
    c2 = _curve(tail + sphere_intensity(q, 5.0, 0.8, 0.2, "gaussian"), q, rng)
    qa = q / 10

    m1 = DirectModel(empty_data1D(qa), load_model("porod+dab"))
    y1, s1 = c1.values, c1["sigma"].values

    def peer1():
        def r(p):
            return (m1(A_scale=p[0], B_scale=p[1], B_cor_length=p[2], background=p[3]) - y1) / s1
        return least_squares(r, [1e-7, 0.05, 3.0, 0.01], x_scale="jac").x

    m2 = DirectModel(empty_data1D(qa), load_model("power_law+sphere"))
    y2, s2 = c2.values, c2["sigma"].values

    def peer2():
        def r(p):
            return (m2(A_scale=p[0], A_power=4.0, B_scale=p[1], B_sld=1.0, B_sld_solvent=0.0,
                       B_radius=p[2], B_radius_pd=0.2, B_radius_pd_type="gaussian",
                       background=p[3]) - y2) / s2
        return least_squares(r, [1e-7, 0.01, 6.0, 0.01], x_scale="jac").x

    rows = [
        ("porod+dab", _time(lambda: fit_porod_dab(c1, porod_exponent=4.0), 20),
         _time(peer1, 5)),
        ("power_law+sphere (pd 0.2)", _time(lambda: fit_power_law_spheres(
            c2, porod_exponent=4.0, pd=0.2, pd_type="gaussian"), 5), _time(peer2, 3)),
    ]
    print(f"{'model':28s} {'charz (s)':>10s} {'sasmodels+scipy (s)':>20s} {'ratio':>7s}")
    for name, a, b in rows:
        print(f"{name:28s} {a:10.4f} {b:20.4f} {b / a:7.1f}")


if __name__ == "__main__":
    main()
