"""Corrections: checked against the numbers of FIELD-NOTES §1.3–1.4 (computed there from the
formulas and the International Tables / Elam coefficients) and against generated truth."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from xrd.corrections import (
    absorption_factor,
    carbon_form_factor,
    correct_intensity,
    crop,
    jis_correction_factor,
    ka2_shift,
    polarization_factor,
    strip_ka2,
    subtract_background,
)
from xrd.io import make_pattern
from xrd.synthetic import simulate_pattern

CU1, CU2 = 0.1540593, 0.1544414


def test_carbon_form_factor_table() -> None:
    # FIELD-NOTES §1.4: f_C = 5.68 (10°), 4.60 (23.5°), 4.33 (26.5°), 3.08 (43°), 1.89 (80°)
    f = carbon_form_factor(np.array([10, 23.5, 26.5, 43, 80]), CU1)
    assert_allclose(f, [5.68, 4.60, 4.33, 3.08, 1.89], atol=0.006)  # 2-decimal table


def test_absorption_finite_layer() -> None:
    # FIELD-NOTES §1.4: A = 0.51 at 23.5° and 0.33 at 43° for 0.2 mm at 0.8 g/cm³, μ/ρ 4.50
    a = absorption_factor(np.array([23.5, 43.0]), thickness_mm=0.2, density_g_cm3=0.8)
    assert_allclose(a, [0.51, 0.33], atol=0.006)
    assert_allclose(absorption_factor(np.array([23.5])), [1.0])


def test_polarization_limits() -> None:
    assert_allclose(polarization_factor(np.array([0.0, 90.0]), monochromator_two_theta=None),
                    [1.0, 0.5])
    c = np.cos(np.radians(26.6)) ** 2
    assert_allclose(polarization_factor(np.array([90.0])), [1 / (1 + c)])


@pytest.mark.parametrize(
    ("center", "fwhm", "shift"),
    # FIELD-NOTES §1.4 (Gaussian true profile × L·P·f²): −0.85, −1.55, −0.20, −0.005°
    [(23.5, 6.0, -0.85), (23.0, 8.0, -1.55), (24.5, 3.0, -0.20), (26.4, 0.5, -0.005)],
)
def test_lpf2_apex_shift(center: float, fwhm: float, shift: float) -> None:
    x = np.linspace(10, 40, 30001)
    g = np.exp(-4 * np.log(2) * ((x - center) / fwhm) ** 2)
    obs = g * jis_correction_factor(x, CU1)
    assert x[np.argmax(obs)] - center == pytest.approx(shift, abs=0.015)  # table rounding


def test_correct_intensity_undoes_factor() -> None:
    true = simulate_pattern(noise=False, ka2_ratio=0.0)
    obs = simulate_pattern(noise=False, ka2_ratio=0.0, lp_f2=True)
    corr = correct_intensity(obs)
    ratio = corr.values / true.values
    assert_allclose(ratio, ratio[0], rtol=1e-9)  # equal up to one constant
    assert "JIS R 7651" in corr.attrs["corrections"]


def test_ka2_splitting_values() -> None:
    # FIELD-NOTES §1.3: 0.059° at 23.5°, 0.067° at 26.5°, 0.112° at 43°, 0.239° at 80°
    assert_allclose(ka2_shift(np.array([23.5, 26.5, 43, 80]), CU1, CU2),
                    [0.059, 0.067, 0.112, 0.239], atol=0.0006)


def test_rachinger_recovers_ka1() -> None:
    x = np.arange(20, 60, 0.005)
    kw = {"two_theta": x, "lc": 30.0, "la": 40.0, "d002": 0.3354, "noise": False,
          "tail_amplitude": 0, "background": (0.0, 0.0), "fraction": 0.0}
    doublet = simulate_pattern(ka2_ratio=0.5, **kw)
    single = simulate_pattern(ka2_ratio=0.0, **kw)
    stripped = strip_ka2(doublet)
    peak = float(single.max())
    assert np.max(np.abs(stripped.values - single.values)) < 0.01 * peak
    assert stripped.attrs["ka2_ratio"] == 0.0
    # series: the same on every frame of a stack
    stack = xr.concat([doublet, 2 * doublet], dim="time")
    s2 = strip_ka2(stack)
    assert_allclose(s2.isel(time=1).values, 2 * stripped.values, atol=1e-9 * peak)


def test_background_subtraction_scale() -> None:
    x = np.arange(5, 60, 0.05)
    cell = 500 * np.exp(-((x - 20) / 6) ** 2) + 200 + 100 * np.exp(-((x - 45.8) / 0.2) ** 2)
    sample = np.where(x < 30, 0.0, 300 * np.exp(-((x - 43) / 3) ** 2))
    sample = sample + 800 * np.exp(-((x - 23.5) / 3.6) ** 2) * (x > 12)
    obs = make_pattern(x, sample + 0.8 * cell)
    bg = make_pattern(x, cell, attrs={"source": "empty.xy"})
    out = subtract_background(obs, bg, scale="window", window=(5, 8))
    assert out.attrs["background_scale"] == pytest.approx(0.8, rel=1e-6)
    assert_allclose(out.values, sample, atol=1e-6)
    out2 = subtract_background(obs, bg)  # largest non-negative scale
    assert out2.attrs["background_scale"] == pytest.approx(0.8, rel=0.01)


def test_crop() -> None:
    p = simulate_pattern(noise=False)
    c = crop(p, (15, 35))
    assert float(c.two_theta.min()) >= 15
    assert float(c.two_theta.max()) <= 35
    assert p.sizes["two_theta"] > c.sizes["two_theta"]
    assert crop(p, (None, 35)).sizes["two_theta"] > c.sizes["two_theta"]
    with pytest.raises(ValueError, match="lo < hi"):  # OptionError is a ValueError
        crop(p, (35, 15))
    with pytest.raises(RuntimeError, match="holds 0 points"):  # FitError: nothing to fit
        crop(p, (100, 120))
