"""Honest SAXS results: a vanishing power law is dropped, model-free values survive a failed
model fit, parameters can be fixed, failed fits still get their figure (truth: sasmodels
spheres without a power law; the real SasView test curves)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from charz.cli import main
from charz.errors import FitError, OptionError
from saxs.guinier import fit_guinier
from saxs.io import make_curve
from saxs.models import fit_porod_dab, fit_power_law_spheres

Q_A = np.geomspace(0.004, 0.4, 180)  # 1/Å for sasmodels
R_A = 40.0  # sphere radius, Å (4 nm)


@pytest.fixture(scope="module")
def spheres_curve():
    """sasmodels 1.1.0 'sphere' (no power law), Schulz pd 0.1, + 1 % noise, q in 1/nm."""
    pytest.importorskip("sasmodels")
    from sasmodels.core import load_model
    from sasmodels.data import empty_data1D
    from sasmodels.direct_model import DirectModel

    calc = DirectModel(empty_data1D(Q_A), load_model("sphere"))
    i = calc(scale=0.01, radius=R_A, radius_pd=0.1, radius_pd_type="schulz",
             radius_pd_n=80, sld=4.0, sld_solvent=1.0, background=0.001)
    rng = np.random.default_rng(0)
    sigma = 0.01 * i
    return make_curve(Q_A * 10, i + rng.normal(0, sigma), sigma=sigma, q_unit="1/nm",
                      intensity_unit="1/cm", name="spheres.dat")


def test_spheres_without_power_law_drop_it_and_recover_radius(spheres_curve) -> None:
    r = fit_power_law_spheres(spheres_curve, pd=0.1)
    assert "low-q power law dropped" in r.saxs_pore_diameter.method
    assert r.porod_exponent is None  # no power law: no exponent to quote
    assert r.parameters["radius"][0] == pytest.approx(R_A / 10, rel=0.02)  # truth 4 nm
    assert not r.saxs_pore_diameter.flags


def test_porod_dab_on_spheres_no_longer_fails(spheres_curve) -> None:
    r = fit_porod_dab(spheres_curve)
    assert "low-q power law dropped" in r.saxs_pore_diameter.method
    assert r.saxs_pore_diameter.value > 0


def test_guinier_needs_no_model(spheres_curve) -> None:
    # homogeneous spheres: Rg² = (3/5) <R⁸>/<R⁶> (z-average). Schulz, z = 1/pd² − 1:
    # <R⁸>/<R⁶> = R² (z+7)(z+8)/(z+1)² (moments of the Schulz distribution)
    z = 1 / 0.1**2 - 1
    truth = np.sqrt(0.6 * (z + 7) * (z + 8) / (z + 1) ** 2) * R_A / 10
    g = fit_guinier(spheres_curve)
    assert g.saxs_rg.value == pytest.approx(truth, rel=0.02)  # 2 %: 1 % noise, finite range


def test_fix_omits_power_law_and_rejects_unknown(spheres_curve) -> None:
    r = fit_power_law_spheres(spheres_curve, pd=0.1, fix={"porod_scale": 0})
    assert "low-q power law omitted" in r.saxs_pore_diameter.method
    assert r.parameters["porod_scale"] == (0.0, None)
    with pytest.raises(OptionError, match="porod_scale"):
        fit_porod_dab(spheres_curve, fix={"radius": 3.0})


@pytest.mark.parametrize("kind", ["zeros", "nan"])
def test_flat_curve_is_no_signal(kind) -> None:
    q = np.geomspace(0.1, 5, 100)
    curve = make_curve(q, np.zeros_like(q), q_unit="1/nm", name="flat.dat")
    if kind == "nan":
        curve = curve.copy(data=np.full_like(q, np.nan))
    with pytest.raises(FitError, match="no signal above noise") as info:
        fit_porod_dab(curve)
    assert info.value.flags == ("no_signal",)


@pytest.mark.parametrize("rel", ["1d_data/Anton-Paar.pdh",
                                 "1d_data/33837rear_1D_1.75_16.5_CanSAS1D.xml",
                                 "1d_data/33837rear_1D_1.75_16.5_NXcanSAS.h5"])
def test_real_curves_give_results_and_figures(find, rel, tmp_path, capsys) -> None:
    # these failed before with "hit the bound porod_scale = 0": no value, no figure, no Rg
    out = tmp_path / "s.png"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["saxs", str(find(rel)), "--json", "--plot", str(out)]) == 0
    d = json.loads(capsys.readouterr().out)[0]["descriptors"]
    assert "saxs_rg" in d
    assert "low-q power law dropped" in d["saxs_pore_diameter"]["method"]
    assert out.exists()


def test_failed_model_keeps_model_free_rg_and_figure(find, tmp_path, capsys) -> None:
    # the unified level on the ISIS curve has no pore amplitude above noise: the model is
    # refused, but the model-free Guinier Rg is reported and the failed fit is drawn
    path = find("1d_data/33837rear_1D_1.75_16.5_CanSAS1D.xml")
    out = tmp_path / "u.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(["saxs", str(path), "--model", "unified", "--json", "--plot", str(out)])
    assert code == 0
    assert any("unified fit failed" in str(w.message) for w in caught)
    d = json.loads(capsys.readouterr().out)[0]["descriptors"]
    assert set(d) == {"saxs_rg"}
    assert "automatic range" in d["saxs_rg"]["method"]
    # the curve has a correlation peak at low q: ln I is not a line in q² there, and the
    # Guinier Rg says so (poor_fit) instead of looking clean
    assert d["saxs_rg"]["flags"] == ["poor_fit"]
    assert sorted(p.name for p in tmp_path.glob("u*.png")) == ["u.png", "u_guinier.png"]


def test_cli_fix_and_no_power_law(tmp_path, capsys, spheres_curve) -> None:
    q, y = spheres_curve["q"].values, spheres_curve.values
    p = tmp_path / "sph.dat"
    p.write_text("# q(1/nm) I(1/cm)\n" + "\n".join(f"{a:.6g} {b:.6g}" for a, b in zip(q, y,
                                                                              strict=True)))
    assert main(["saxs", str(p), "--q-unit", "1/nm", "--model", "spheres", "--no-power-law",
                 "--fix", "background=0.001", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)[0]["descriptors"]
    assert "low-q power law omitted" in d["saxs_pore_diameter"]["method"]
    assert "background fixed at 0.001" in d["saxs_pore_diameter"]["method"]
    assert main(["saxs", str(p), "--q-unit", "1/nm", "--fix", "oops"]) == 1
    assert "NAME=VALUE" in capsys.readouterr().err
