"""Background subtraction and NIST SRM 3600 absolute calibration."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import saxs
from charz.errors import CharzError
from saxs.calibration import (
    SRM3600_THICKNESS_CM,
    apply_calibration,
    glassy_carbon_factor,
    mass_thickness,
    srm3600_certified,
    subtract_background,
)


def test_shipped_certificate_equals_the_shared_transcription(shared_data):
    shared = np.loadtxt(shared_data / "saxs/nist_srm3600/SRM3600_glassy_carbon_certified_"
                        "dSigma_dOmega.csv", delimiter=",", comments="#", skiprows=5)
    cert = srm3600_certified()
    assert_allclose(cert["q"].values, 10 * shared[:, 0])  # 1/A -> 1/nm
    assert_allclose(cert.values, shared[:, 1])
    assert cert.attrs["units"] == "1/cm"
    # certificate: 0.008–0.25 1/A, ~35 1/cm at the lowest q (NIST SRM 3600)
    assert 0.8 < cert["q"].values[0] / 0.1 < 1.1
    assert 30 < cert.values[0] < 40


def _simulated_standard(factor, transmission, monitor, background_level, rng=None):
    # counts of a GC standard: certified dΣ/dΩ · T · t · M / C + empty-beam counts · T
    cert = srm3600_certified()
    q = np.geomspace(0.05, 3.0, 120)
    ci = np.exp(np.interp(np.log(q), np.log(cert["q"].values), np.log(cert.values)))
    bkg = background_level * (1 + 0.2 / q)
    counts = ci * transmission * SRM3600_THICKNESS_CM * monitor / factor + bkg * transmission
    if rng is not None:
        counts = counts + rng.normal(size=q.size) * np.sqrt(counts)
    meas = saxs.make_curve(q, counts, sigma=np.sqrt(np.abs(counts)), q_unit="1/nm",
                           intensity_unit="count")
    empty = saxs.make_curve(q, bkg * monitor, sigma=np.sqrt(bkg * monitor), q_unit="1/nm",
                            intensity_unit="count")
    return meas, empty


def test_glassy_carbon_factor_recovers_known_factor():
    rng = np.random.default_rng(0)
    meas, empty = _simulated_standard(2.5e-3, 0.35, 1.0, 200.0, rng)
    cal = glassy_carbon_factor(meas, transmission=0.35, background=empty, background_monitor=1)
    assert_allclose(cal.factor, 2.5e-3, rtol=0.01)  # counting noise ~0.5 % per point
    assert cal.flatness < 0.1  # counting noise at high q where the background dominates
    assert cal.stderr > 0


def test_forgotten_background_shows_as_non_flat_ratio():
    meas, _ = _simulated_standard(2.5e-3, 0.35, 1.0, 2000.0)
    cal = glassy_carbon_factor(meas, transmission=0.35)
    assert cal.flatness > 0.15  # vs < 0.01 without noise and with the background


def test_calibrated_sample_on_absolute_scale():
    # a sample measured on the same set-up: after subtraction, thickness and C the
    # known cross-section comes back
    factor, t_s, T_s = 2.5e-3, 0.08, 0.6
    q = np.geomspace(0.1, 5, 80)
    truth = 5.0 / (1 + (0.45 * q) ** 2) ** 2 + 0.05  # 1/cm
    empty = saxs.make_curve(q, np.full_like(q, 100.0), sigma=np.full_like(q, 10.0), q_unit="1/nm",
                            intensity_unit="count")
    raw = saxs.make_curve(q, truth * T_s * t_s / factor + 100.0 * T_s, sigma=np.ones_like(q),
                          q_unit="1/nm", intensity_unit="count")
    net = subtract_background(raw, empty, sample_transmission=T_s, thickness_cm=t_s)
    assert net.attrs["absolute_scale"] == 0
    absolute = apply_calibration(net, factor)
    assert absolute.attrs["units"] == "1/cm"
    assert absolute.attrs["absolute_scale"] == 1
    assert_allclose(absolute.values, truth, rtol=1e-10)


def test_errors():
    meas, _ = _simulated_standard(1.0, 0.5, 1.0, 1.0)
    with pytest.raises(CharzError, match="transmission must be in"):
        subtract_background(meas, sample_transmission=1.5)
    short = saxs.make_curve([5.0, 6.0, 7.0], [1.0, 0.9, 0.8], q_unit="1/nm")
    with pytest.raises(CharzError, match="certified q range"):
        glassy_carbon_factor(short)
    assert_allclose(mass_thickness(np.exp(-4.49 * 0.02)), 0.02)
