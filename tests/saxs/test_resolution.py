"""Resolution smearing against NIST Igor reference data and sasmodels' resolution module."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import saxs
from saxs.models import fit_power_law_spheres, porod_dab, power_law, sphere_intensity
from saxs.resolution import pinhole_smear, slit_smear

resolution = pytest.importorskip("sasmodels.resolution")


def test_pinhole_sphere_matches_nist_igor():
    # sasmodels ships NIST Igor SANS output for a pinhole-smeared sphere (R = 60 Å,
    # Δρ = 5.3e-6 Å⁻², scale 1, background 0.01; columns q, σ_q, I in 1/Å and 1/cm)
    d = np.loadtxt(resolution.TEST_DATA_PINHOLE_SPHERE.splitlines())
    q, dq, answer = d.T

    def model(q_nm):
        return saxs.models.sphere_intensity_sld(q_nm, 1.0, 6.0, 5.3) + 0.01

    mine = pinhole_smear(model, q * 10, dq * 10)
    assert_allclose(mine, answer, rtol=1e-3)  # measured 2e-4


@pytest.mark.parametrize("kind", ["pinhole", "slit"])
def test_smearing_matches_sasmodels(kind):
    # Porod + DAB on a 1/Å grid; sasmodels 1.1.0 Pinhole1D (±2.5σ) / Slit1D (q_length
    # 0.05 1/Å) with its own q_calc. Differences come from the two quadratures: measured
    # max 0.5 % (pinhole) and 1.6 % (slit, lowest q); tolerance 2 %.
    qa = np.geomspace(0.001, 0.3, 120)

    def f_a(q_a):
        return porod_dab(q_a * 10, 2e-3, 4.0, 8.0, 0.45, 0.05)

    def f_nm(q_nm):
        return porod_dab(q_nm, 2e-3, 4.0, 8.0, 0.45, 0.05)

    if kind == "pinhole":
        res = resolution.Pinhole1D(qa, 0.1 * qa)
        mine = pinhole_smear(f_nm, qa * 10, 0.1 * qa * 10)
    else:
        res = resolution.Slit1D(qa, q_length=0.05, q_width=0)
        mine = slit_smear(f_nm, qa * 10, 0.5)
    ref = res.apply(f_a(res.q_calc))
    assert_allclose(mine, ref, rtol=0.02)


def test_fit_uses_the_data_resolution():
    # spheres (R = 3 nm, pd 0.05: sharp minima) smeared with 10 % σ_q: the fit with the
    # file's dq gets R back; without smearing it fits worse
    q = np.geomspace(0.1, 4.0, 200)
    dq = 0.1 * q

    def truth(qq):
        return power_law(qq, 1e-3, 4.0) + sphere_intensity(qq, 10.0, 3.0, 0.05, "gaussian") \
            + 0.01

    i = pinhole_smear(truth, q, dq)
    rng = np.random.default_rng(0)
    sigma = 0.01 * i
    c = saxs.make_curve(q, i + rng.normal(size=q.size) * sigma, sigma=sigma, q_unit="1/nm",
                        dq=dq, intensity_unit="1/cm")
    smeared = fit_power_law_spheres(c, pd=0.05, pd_type="gaussian", porod_exponent=4.0)
    assert_allclose(smeared.pore_length_nm, 3.0, rtol=0.01)
    assert "pinhole-smeared" in smeared.saxs_pore_diameter.method
    plain = fit_power_law_spheres(c, pd=0.05, pd_type="gaussian", porod_exponent=4.0,
                                  resolution="none")
    assert plain.fit.redchi > 3 * smeared.fit.redchi
