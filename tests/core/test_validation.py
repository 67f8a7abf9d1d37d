"""The option checks: values through, bad ones raise OptionError naming the flag."""

import math

import pytest

from charz._validation import check_choice, check_number, check_window, option_needs
from charz.errors import OptionError


def test_check_choice():
    assert check_choice("shape", "Gaussian", ("pseudo_voigt", "gaussian")) == "gaussian"
    assert check_choice("order", 2, (1, 2)) == 2
    with pytest.raises(OptionError, match=r"--shape got 'cauchy'; expected one of "
                                          r"'pseudo_voigt', 'gaussian'"):
        check_choice("shape", "cauchy", ("pseudo_voigt", "gaussian"), flag="--shape")
    with pytest.raises(ValueError, match="shape= got"):  # OptionError is a ValueError
        check_choice("shape", None, ("gaussian",))


def test_check_number():
    assert check_number("mass", "2.5", lo=0) == 2.5
    with pytest.raises(OptionError, match=r"--mass got 0; expected a finite number in \(0, inf\)"):
        check_number("mass", 0, lo=0, inclusive=False, flag="--mass")
    for bad in (math.nan, math.inf, "x", None):
        with pytest.raises(OptionError):
            check_number("k", bad)


def test_check_window():
    assert check_window("window", [15, 35]) == (15.0, 35.0)
    for bad in ((35, 15), (1,), "ab", (0, math.nan), None):
        with pytest.raises(OptionError, match="window="):
            check_window("window", bad)


def test_option_needs():
    option_needs("la_relation", None, "a laser wavelength", None)
    option_needs("la_relation", "ferrari", "a laser wavelength", 532.0)
    with pytest.raises(OptionError, match="--la-relation 'ferrari' cannot take effect without "
                                          "--laser"):
        option_needs("la_relation", "ferrari", "--laser (the file has no laser wavelength)",
                     None, flag="--la-relation")
