"""Honest XRD results: bound-stuck and poor fits are flagged, no-signal patterns refused,
vanishing optional terms dropped (truth: patterns generated from known parameters, and
crystalline non-carbon files on which a carbon model must not look clean)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from charz.cli import main
from charz.errors import FitError, FlaggedResultError, FlagWarning, PhysicsWarning
from xrd.io import make_pattern
from xrd.peaks import fit_pattern
from xrd.synthetic import simulate_pattern

LAM = 0.1540593


def _fit(da, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_pattern(da, **kw)


def _write_xy(path: Path, x, y) -> Path:
    path.write_text("\n".join(f"{a:.4f} {b:.3f}" for a, b in zip(x, y, strict=True)) + "\n")
    return path


def test_good_carbon_pattern_is_clean() -> None:
    r = _fit(simulate_pattern(d002=0.375, lc=1.3, la=3.5, seed=3))
    assert r.d002.value == pytest.approx(0.375, abs=0.001)  # generated truth
    assert all(not m.flags for m in r.descriptors().values())


@pytest.mark.parametrize("kind", ["zeros", "nan", "constant"])
def test_flat_pattern_is_no_signal(kind) -> None:
    x = np.linspace(10, 60, 2000)
    y = {"zeros": np.zeros_like(x), "nan": np.full_like(x, np.nan),
         "constant": np.full_like(x, 250.0)}[kind]
    da = make_pattern(x, y, attrs={"wavelength": LAM})
    with pytest.raises(FitError, match="no signal above noise") as info:
        fit_pattern(da)
    assert info.value.flags == ("no_signal",)


def test_pure_noise_is_no_signal() -> None:
    # Poisson counts around a flat 200-count level: no (002) above the noise
    rng = np.random.default_rng(0)
    x = np.linspace(10, 40, 600)
    da = make_pattern(x, rng.poisson(200, x.size).astype(float), attrs={"wavelength": LAM})
    with pytest.raises(FitError, match="no signal above noise"):
        fit_pattern(da, fit_10=False)


def test_crystalline_lines_are_flagged_or_refused() -> None:
    # a Si-like crystalline pattern: sharp Gaussian lines (FWHM 0.1°) on a flat background
    rng = np.random.default_rng(1)
    x = np.arange(10, 40, 0.04)
    y = 150.0 + sum(h * np.exp(-4 * np.log(2) * ((x - c) / 0.15) ** 2)
                    for c, h in ((21.36, 2500), (28.44, 5000), (30.39, 3000)))
    da = make_pattern(x, rng.poisson(y).astype(float), attrs={"wavelength": LAM})
    try:
        r = _fit(da, fit_10=False)
    except FitError:
        return  # refused: fine
    assert r.d002.flags, "a carbon model fitted to sharp crystalline lines must be flagged"
    assert set(r.d002.flags) <= set(r.lc.flags)
    assert set(r.d002.flags) <= set(r.n_layers.flags)


def test_vanishing_graphitic_term_is_dropped_and_noted() -> None:
    # no graphitic line in the truth: asking for one, its height goes to zero; the term is
    # dropped, the fit repeated, and d002 is still the truth
    r = _fit(simulate_pattern(d002=0.372, lc=1.4, seed=5), graphitic=True)
    assert "graphitic (002) dropped" in r.d002.method
    assert "peak_graphitic_002" not in r.curve
    assert r.d002.value == pytest.approx(0.372, abs=0.001)
    assert not r.d002.flags


def test_present_graphitic_term_is_kept() -> None:
    r = _fit(simulate_pattern(d002=0.375, graphitic=(0.3356, 0.4, 800.0), seed=2),
             graphitic=True)
    assert "dropped" not in r.d002.method
    assert "peak_graphitic_002" in r.curve
    assert r.d002.value == pytest.approx(0.375, abs=0.002)


def test_strict_raises_and_warning_names_keys(test_data) -> None:
    from charz.io import read

    da = read(test_data / "xrd" / "PBSO4.XRA", technique="xrd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PhysicsWarning)  # d002/Lc implausible: not the point
        with pytest.warns(FlagWarning, match="d002"):
            r = fit_pattern(da, fit_10=False)
    assert "at_bound:p002_fwhm" in r.d002.flags
    assert r.lc.flags == r.d002.flags  # inherited
    with pytest.raises(FlaggedResultError, match="d002"):
        fit_pattern(da, warn=False, strict=True, fit_10=False)


def test_bt86_is_flagged_not_clean(shared_data, capsys) -> None:
    # BT86.raw (xylib samples) is a crystalline non-carbon: before this change d002 came out
    # 0.4500 nm (the fit's bound) with no mark
    path = shared_data / "xrd" / "xylib-samples" / "BT86.raw"
    warnings.simplefilter("ignore")  # implausible-value and flag warnings: flags checked
    assert main(["xrd", str(path), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)[0]["descriptors"]
    for key in ("d002", "lc", "n_layers", "two_theta_002"):
        assert "at_bound:p002_center" in d[key]["flags"], key
        assert "poor_fit" in d[key]["flags"], key
    assert main(["xrd", str(path), "--strict"]) == 1
    assert "flagged" in capsys.readouterr().err


def test_failed_single_file_fit_still_writes_its_figure(tmp_path, capsys) -> None:
    x = np.linspace(10, 60, 1500)
    p = _write_xy(tmp_path / "flat.xy", x, np.zeros_like(x) + 3.0)
    out = tmp_path / "fig.png"
    assert main(["xrd", str(p), "--wavelength", str(LAM), "--plot", str(out)]) == 1
    cap = capsys.readouterr()
    assert "no signal above noise" in cap.err
    assert out.exists()
    assert out.stat().st_size > 5000
    assert str(out) in cap.out + cap.err  # the figure is listed
