"""Bad options of the sorption and echem analyses: OptionError (a ValueError) naming the option.

Each call below differs from a working call only by one option; the error must be an
``OptionError`` (``except ValueError`` catches it) whose message names that option.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import sorption
from charz.errors import MissingMetadataError, OptionError
from echem.capacity import rate_response_from_cycler
from echem.dqdv import dqdv
from echem.gitt import gitt
from echem.summary import analyse
from echem.synthetic import gitt_pulse_train, two_cycle_cell
from sorption.bet import bet_area, bet_area_raw
from sorption.bjh import bjh_psd, thickness
from sorption.micropore import dr_micropore_volume, t_plot, total_pore_volume
from sorption.summary import summarize


@pytest.fixture(scope="module")
def iso():
    # BET isotherm (C = 100, n_m = 5 mmol/g) with a desorption branch over the same points
    p = np.linspace(0.01, 0.99, 40)
    c = 100.0
    n = 5 * c * p / ((1 - p) * (1 - p + c * p))
    pd = p[::-1][1:]
    nd = 5 * c * pd / ((1 - pd) * (1 - pd + c * pd))
    return sorption.make_isotherm(np.r_[p, pd], np.r_[n, nd], amount_unit="mmol/g",
                                  adsorbate_name="N2", temperature_k=77.35,
                                  branch=["ads"] * p.size + ["des"] * pd.size)


SORPTION_CASES = [
    (lambda i: bet_area(i, rule="largest"), "rule"),
    (lambda i: bet_area(i, p_range=(0.3, 0.05)), "p_range"),
    (lambda i: bet_area(i, p_range="low"), "p_range"),
    (lambda i: bet_area(i, p_max=5.0), "p_max"),
    (lambda i: bet_area(i, min_points=2), "min_points"),
    (lambda i: bjh_psd(i, branch="up"), "branch"),
    (lambda i: bjh_psd(i, meniscus="conical"), "meniscus"),
    (lambda i: bjh_psd(i, mode_of="volume"), "mode_of"),
    (lambda i: bjh_psd(i, negative="drop"), "negative"),
    (lambda i: bjh_psd(i, diameter_range_nm=(300.0, 1.7)), "diameter_range_nm"),
    (lambda i: bjh_psd(i, thickness_curve="flat"), "thickness curve"),
    (lambda i: t_plot(i, t_range_nm=(0.5, 0.35)), "t_range_nm"),
    (lambda i: total_pore_volume(i, branch="top"), "branch"),
    (lambda i: total_pore_volume(i, p_target=1.5), "p_target"),
    (lambda i: dr_micropore_volume(i, p_range=(0.03, 1e-5)), "p_range"),
    (lambda i: summarize(i, bjh_branch="top"), "bjh_branch"),
    (lambda i: sorption.branch(i, "top"), "which"),
]


@pytest.mark.parametrize(("call", "option"), SORPTION_CASES)
def test_sorption_bad_option_is_an_option_error(iso, call, option):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PhysicsWarning of the good parts does not matter
        with pytest.raises(ValueError, match=option) as info:
            call(iso)
    assert isinstance(info.value, OptionError)


def test_sorption_good_options_still_work(iso):
    # the same calls with valid options give the known answer (n_m = 5 mmol/g, C = 100)
    r = bet_area(iso, p_range=(0.05, 0.3), rule="betsi")
    assert r.bet_c.value == pytest.approx(100.0, rel=1e-6)
    assert sorption.branch(iso, "des").size == 39
    assert bjh_psd(iso, branch="ads", meniscus="cylindrical").bjh_pore_diameter.value > 0


def test_missing_property_is_missing_metadata_not_a_fit_error():
    p = np.linspace(0.05, 0.3, 8)
    with pytest.raises(MissingMetadataError, match="cross_section_nm2"):
        bet_area_raw(p, p, adsorbate="SF6")
    with pytest.raises(OptionError, match="unknown thickness curve"):
        thickness(p, "flat")


def test_echem_bad_options_are_option_errors():
    ds, _ = two_cycle_cell(noise=0.001)
    cases = [
        (lambda: dqdv(ds, method="spline"), "method"),
        (lambda: dqdv(ds, half="charge"), "half"),
        (lambda: dqdv(ds, bin_width=0.0), "bin_width"),
        (lambda: rate_response_from_cycler(ds, one_c_ma_g=-1.0), "one_c_ma_g"),
        (lambda: analyse(ds, oversodiation="maybe"), "oversodiation"),
    ]
    pulses, truth = gitt_pulse_train(n_pulses=5)
    cases += [
        (lambda: gitt(pulses, length_cm=0.0), "length_cm"),
        (lambda: gitt(pulses, mass_mg=2.0, molar_mass_g_mol=12.0, molar_volume_cm3_mol=-5.0,
                      area_cm2=1.0), "molar_volume_cm3_mol"),
    ]
    for call, option in cases:
        with pytest.raises(ValueError, match=option) as info:
            call()
        assert isinstance(info.value, OptionError), option
    # the valid value of the same option works
    assert gitt(pulses, length_cm=truth["length_cm"]).diffusion.sizes["pulse"] == 5
