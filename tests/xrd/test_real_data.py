"""Real synchrotron data: pyFAI integration against Dioptas' own pattern (peer tool), the
scaled empty-capillary subtraction and the CeO2 Caglioti fit of FC-BENTEN."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import charz
from xrd.corrections import subtract_background
from xrd.io import make_pattern
from xrd.peaks import fit_002, fit_caglioti


def test_pilatus_image_matches_dioptas(shared_data: Path) -> None:
    pytest.importorskip("pyFAI")
    from scipy.signal import find_peaks

    from xrd.images import integrate_image

    d = shared_data / "saxs/dioptas"
    p = integrate_image(d / "CeO2_Pilatus1M.tif", d / "CeO2_Pilatus1M.poni",
                        poni_convention="dioptas", npt=1512)
    ref = charz.read(d / "CeO2_Pilatus1M.xy", technique="xrd")  # Dioptas' integration
    assert p.attrs["wavelength"] == pytest.approx(0.04066)  # 4.066e-11 m in the PONI
    yi = np.interp(ref.two_theta.values, p.two_theta.values, p.values)
    m = ref.values > 0
    assert np.corrcoef(yi[m], ref.values[m])[0, 1] > 0.99
    pr, _ = find_peaks(ref.values, prominence=0.2 * ref.values.max())
    assert len(pr) >= 3

    def centroid(x, y, c):
        w = (x > c - 0.1) & (x < c + 0.1)
        yy = y[w] - y[w].min()
        return float((x[w] * yy).sum() / yy.sum())

    # each Dioptas ring at the same centroid within 0.01° (bins are 0.02° wide)
    for c in ref.two_theta.values[pr]:
        assert centroid(p.two_theta.values, p.values, c) == pytest.approx(
            centroid(ref.two_theta.values, ref.values, c), abs=0.01)


@pytest.fixture(scope="module")
def fcbenten(shared_data):
    import pandas as pd

    x = pd.read_excel(shared_data / "xrd/fc-benten-applsci/xrd_data.xlsx", sheet_name="data1")
    lam = 12.39842 / 24.0 / 10  # 24.0 keV (code/xrd_data1.py) → 0.05166 nm
    tt = x["twotheta"].to_numpy(float)
    sample = make_pattern(tt, x["TEC10V50E"].to_numpy(float),
                          attrs={"wavelength": lam, "source": "TEC10V50E"})
    empty = make_pattern(tt, x["Background - Lindemann glass capillary"].to_numpy(float),
                         attrs={"wavelength": lam, "source": "capillary"})
    ceo2 = make_pattern(x["twotheta CeO2"].dropna().to_numpy(float),
                        x["CeO2"].dropna().to_numpy(float),
                        attrs={"wavelength": lam, "source": "CeO2"})
    return sample, empty, ceo2


def test_empty_capillary_scale_below_one(fcbenten) -> None:
    sample, empty, _ = fcbenten
    # SOURCES.md: the empty capillary is higher than the sample below 11° → scale < 1
    assert float(empty.sel(two_theta=slice(8, 8.5)).mean()) > float(
        sample.sel(two_theta=slice(8, 8.5)).mean())
    out = subtract_background(sample, empty)
    assert 0.5 < out.attrs["background_scale"] < 1.0
    # the carbon support's (002) at 2θ ≈ 8.0–8.5° (SOURCES.md), d ≈ 0.35 nm
    r = fit_002(out, window=(4.5, 11.5), warn=False)
    assert 8.0 < r.two_theta_002.value < 8.5
    assert 0.34 < r.d002.value < 0.37


def test_ceo2_caglioti_synchrotron(fcbenten) -> None:
    _, _, ceo2 = fcbenten
    c = fit_caglioti(ceo2, material="CeO2")
    assert c.lines.sizes["line"] >= 20
    resid = c.fwhm(c.lines.two_theta.values) - c.lines.fwhm.values
    assert np.sqrt(np.mean(resid**2)) < 0.003  # deg; lines are 0.015–0.03° wide
    assert 0.01 < float(c.fwhm(10.0)) < 0.03


def test_image_stack_lazy_equals_eager(tmp_path: Path) -> None:
    pytest.importorskip("pyFAI")
    pytest.importorskip("dask")
    import fabio
    from pyFAI.integrator.azimuthal import AzimuthalIntegrator

    from charz.detector import frames_from_profiles
    from xrd.images import integrate_images

    ai = AzimuthalIntegrator(dist=0.1, poni1=0.02, poni2=0.02, detector="Pilatus100k",
                             wavelength=1.5406e-10)
    poni = tmp_path / "g.poni"
    ai.write(str(poni))
    tt = np.linspace(1, 60, 2000)
    centres = [23.5, 23.6, 23.7]  # truth: the ring moves by 0.1° per frame
    imgs = frames_from_profiles(ai, tt, [100 + 1000 * np.exp(-0.5 * ((tt - c) / 2.0) ** 2)
                                         for c in centres])
    for i, img in enumerate(imgs):
        fabio.edfimage.EdfImage(data=img.astype(np.float32)).write(str(tmp_path / f"f_{i}.edf"))
    files = sorted(tmp_path.glob("f_*.edf"))
    eager = integrate_images(files, poni)
    lazy = integrate_images(files, poni, lazy=True)
    assert type(lazy.data).__module__.startswith("dask")
    np.testing.assert_allclose(lazy.values, eager.values, equal_nan=True)
    assert eager.attrs["wavelength"] == pytest.approx(0.15406)
    x = eager["two_theta"].values
    y = np.nan_to_num(eager.values)
    w = (x > 18) & (x < 29)
    cent = (y[:, w] - y[:, w].min(axis=1, keepdims=True)) @ x[w] / (
        y[:, w] - y[:, w].min(axis=1, keepdims=True)).sum(axis=1)
    np.testing.assert_allclose(cent, centres, atol=0.03)
