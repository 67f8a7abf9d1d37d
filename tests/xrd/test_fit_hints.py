"""A fit that does not converge says what to try; narrow reflections are found and named."""

import numpy as np
import pytest

from charz.cli import main
from xrd._fitting import narrow_reflections


def _pattern(wavelength_nm):
    """Carbon (002)/(10) bands (FWHM 6° and 5° at Cu) and two sharp reflections (0.2°,
    0.3°) at their Cu positions, mapped to ``wavelength_nm`` through Bragg's law."""
    def at(two_theta_cu):
        d = 0.15406 / (2 * np.sin(np.radians(two_theta_cu / 2)))
        return np.degrees(2 * np.arcsin(wavelength_nm / (2 * d)))

    scale = wavelength_nm / 0.15406            # widths in 2θ scale with λ (small angles)
    x = np.linspace(at(10.0), at(60.0), 3000)

    def g(c, w, h):
        return h * np.exp(-4 * np.log(2) * ((x - at(c)) / (w * scale)) ** 2)

    y = 100 + g(23.0, 6.0, 1000) + g(43.0, 5.0, 300) + g(35.5, 0.2, 400) + g(57.0, 0.3, 250)
    return x, y, [at(35.5), at(57.0)]


@pytest.mark.parametrize("wavelength", [0.15406, 0.0334])
def test_narrow_reflections_found_at_any_wavelength(wavelength):
    x, y, truth = _pattern(wavelength)
    found = narrow_reflections(x, y, wavelength)
    assert len(found) == 2                        # the carbon bands are not listed
    np.testing.assert_allclose(found, truth, atol=0.02)


def test_failed_fit_names_the_narrow_reflections(shared_data, capsys):
    f = shared_data / "xrd" / "dioptas-patterns" / "Fe3O4C_M1_map_8_P1_E1_001.xy"
    if not f.exists():
        pytest.skip(f"{f.name} is not in the shared data")
    assert main(["xrd", str(f), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "did not converge" in err
    assert "narrow reflections at 2θ = 8.21°, 11.03°, 11.49°" in err
    assert "--mask LO HI" in err
