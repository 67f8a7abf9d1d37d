"""What each XRD method reports for d002, Lc and La against atomistic truth.

Run: ``python benchmarks/xrd_conventions.py`` (about a minute of CPU; prints Markdown).

Truth: brute-force Debye-equation patterns of turbostratic crystallites built atom by atom
(``tests/xrd/debye_truth.py``: N graphene disks of diameter D at spacing d, each layer
turned and shifted at random; a spread of N and D; Waasmaier–Kirfel form factor,
Debye–Waller B = 0.6 Å², Balyuzi Compton, polarization, Caglioti instrument broadening,
Cu Kα1, Poisson noise, a low-angle tail and a sloping background). The truth is the
atom-weighted ⟨N⟩ and ⟨D⟩: Lc = ⟨N⟩·d, La = ⟨D⟩.

Methods:

* ``default``: :func:`xrd.peaks.fit_pattern` (raw intensities, Scherrer K 0.89 on (002)
  and 1.84 on (10), FWHM), ``ka2="ignore"`` as ``charz xrd --ka2 ignore``;
* ``jis``: the same with ``convention="jis"`` (L·P·f² corrected intensities, K 1.0);
* ``turbostratic``: :func:`xrd.turbostratic.fit_turbostratic` (whole-pattern model).

The parameter sets here are not those of the unit tests (held out). Also printed: the
time of each method on this machine and the ratio to the peak fit run in the same process.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: held-out ensembles: spacing, number-mean N, sd N, median D (nm), ln-sd D, δ (nm)
ENSEMBLES = [
    (0.370, 3.5, 1.2, 2.5, 0.25, 0.0),
    (0.380, 4.5, 1.5, 3.5, 0.30, 0.0),
    (0.385, 5.5, 2.0, 4.5, 0.25, 0.008),
    (0.395, 6.5, 2.0, 5.5, 0.25, 0.0),
    (0.368, 3.2, 1.0, 4.8, 0.20, 0.005),
]


def _truth_module():
    spec = importlib.util.spec_from_file_location("debye_truth",
                                                  ROOT / "tests" / "xrd" / "debye_truth.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["debye_truth"] = mod
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from xrd.peaks import fit_pattern
    from xrd.turbostratic import fit_turbostratic

    dt = _truth_module()
    rows = []
    times = {"default": [], "jis": [], "turbostratic": []}
    for i, (d, nm, ns, dm, ds, delta) in enumerate(ENSEMBLES):
        ens = dt.ensemble(d, nm, ns, dm, ds, delta=delta)
        p = dt.pattern(ens, b_iso=0.6, tail=(0.25, 3.0), background=(0.05, 0.01, 0.0),
                       seed=100 + i)
        da = dt.to_dataarray(p)
        t = p["truth"]
        out = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, fn in (
                ("default", lambda da=da: fit_pattern(da, ka2="ignore")),
                ("jis", lambda da=da: fit_pattern(da, ka2="ignore", convention="jis",
                                                  monochromator_two_theta=None)),
                ("turbostratic", lambda da=da: fit_turbostratic(da)),
            ):
                t0 = time.process_time()
                r = fn()
                times[name].append(time.process_time() - t0)
                out[name] = r.descriptors()
        for name, desc in out.items():
            rows.append((i, t, name, desc["d002"].value - t["d002"],
                         100 * (desc["lc"].value / t["lc"] - 1),
                         100 * (desc["la"].value / t["la"] - 1)))
    print("| ensemble (truth: d002 nm, Lc nm, La nm, ⟨N⟩) | method | Δd002 (nm) | ΔLc | ΔLa |")
    print("|---|---|---|---|---|")
    for i, t, name, dd, dlc, dla in rows:
        label = (f"{i + 1}: {t['d002']:.3f}, {t['lc']:.2f}, {t['la']:.2f}, {t['n_layers']:.2f}"
                 if name == "default" else "")
        print(f"| {label} | {name} | {dd:+.4f} | {dlc:+.1f} % | {dla:+.1f} % |")
    print()
    print("| method | Δd002 range (nm) | ΔLc range | ΔLa range | CPU s per fit | ratio |")
    print("|---|---|---|---|---|---|")
    base = float(np.mean(times["default"]))
    for name in times:
        sel = [r for r in rows if r[2] == name]
        dd = [r[3] for r in sel]
        dlc = [r[4] for r in sel]
        dla = [r[5] for r in sel]
        tm = float(np.mean(times[name]))
        print(f"| {name} | {min(dd):+.4f} … {max(dd):+.4f} | {min(dlc):+.1f} … {max(dlc):+.1f} %"
              f" | {min(dla):+.1f} … {max(dla):+.1f} % | {tm:.2f} | {tm / base:.1f}× |")


def held_out() -> None:
    """Recovery of the whole-pattern model on ensembles and settings the tests do not use.

    Other distribution families (uniform and Poisson N, gamma and two-population D),
    Kα2 in the pattern, a graphite monochromator, an exponential background, a 10–80°
    range with 0.02° steps, few counts, a larger Debye–Waller factor.
    """
    from scipy.stats import gamma as gamma_dist

    from xrd.turbostratic import fit_turbostratic

    dt = _truth_module()

    def quantiles(dist, n=24):
        v = dist.ppf((np.arange(n) + 0.5) / n)
        return tuple(float(x) for x in np.round(v, 4)), tuple(np.full(n, 1 / n))

    cases = []
    # 1. uniform N 2..7, gamma-distributed D (shape 6, mean 3 nm); Kα2; monochromator
    cases.append((dt.Ensemble(0.372, (2, 3, 4, 5, 6, 7), (1 / 6,) * 6,
                              *quantiles(gamma_dist(6, scale=0.5))),
                  {"ka2_ratio": 0.5, "monochromator": 26.6, "b_iso": 1.2},
                  {"ka2": "auto", "monochromator_two_theta": 26.6}, "exp"))
    # 2. Poisson N (mean 4.5 + 1), two populations of D (2 and 5 nm); 10–80° at 0.02°
    from scipy.stats import poisson

    nv = np.arange(1, 16)
    pn = poisson(3.5).pmf(nv - 1)
    dv1, dw1 = quantiles(gamma_dist(16, scale=2.0 / 16), 12)
    dv2, dw2 = quantiles(gamma_dist(16, scale=5.0 / 16), 12)
    cases.append((dt.Ensemble(0.388, tuple(int(v) for v in nv), tuple(pn / pn.sum()),
                              dv1 + dv2, tuple(np.r_[dw1, dw2] / 2)),
                  {"two_theta": np.arange(10.0, 80.0001, 0.02), "b_iso": 0.4},
                  {}, "lin"))
    # 3. narrow N (3 or 4), broad lognormal D, few counts, spacing fluctuation
    cases.append((dt.Ensemble(0.398, (3, 4), (0.5, 0.5), *dt.lognormal_nodes(3.0, 0.45),
                              delta=0.012),
                  {"counts": 2000.0, "b_iso": 0.8}, {}, "exp"))
    # 4. wide gamma N (mean 6), small D (1.8 nm median), steep low-angle tail
    cases.append((dt.ensemble(0.366, 6.0, 3.0, 1.8, 0.25),
                  {"tail": (0.8, 4.0), "b_iso": 0.6}, {}, "lin"))
    print("| held-out case | truth d002, Lc, La, ⟨N⟩ | Δd002 (nm) | ΔLc | ΔLa | ΔN | "
          "flags | CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for i, (ens, popts, fopts, bg) in enumerate(cases):
        p = dt.pattern(ens, noise=False, seed=200 + i, **popts)
        x = p["two_theta"]
        counts = popts.get("counts", 20000.0)
        extra = (0.15 * counts * np.exp(-(x - 10) / 25) if bg == "exp"
                 else 0.04 * counts * (1 + (x - 10) / 80))
        obs = np.random.default_rng(300 + i).poisson(p["clean"] + extra).astype(float)
        da = dt.to_dataarray(dict(p, counts=obs), ka2_ratio=popts.get("ka2_ratio", 0.0))
        t0 = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fit_turbostratic(da, **fopts)
        cpu = time.process_time() - t0
        t = p["truth"]
        print(f"| {i + 1} | {t['d002']:.3f}, {t['lc']:.2f}, {t['la']:.2f}, {t['n_layers']:.2f}"
              f" | {r.d002.value - t['d002']:+.4f} | {100 * (r.lc.value / t['lc'] - 1):+.1f} %"
              f" | {100 * (r.la.value / t['la'] - 1):+.1f} % "
              f"| {100 * (r.n_layers.value / t['n_layers'] - 1):+.1f} % "
              f"| {', '.join(r.flags) or '–'} | {cpu:.2f} |")


if __name__ == "__main__":
    if "--held-out" in sys.argv:
        sys.path.insert(0, str(ROOT))
        held_out()
    else:
        main()
