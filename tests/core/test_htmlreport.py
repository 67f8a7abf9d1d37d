"""report.html: a self-contained page, checked in a real browser (headless Chromium)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from charz.htmlreport import write_html_report
from charz.record import Measurement, Provenance, StructuralRecord

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)), None)


def _m(value, stderr, unit, technique, method, **kw):
    prov = Provenance("HC.xye", "ab" * 32, "xrd.read_xy", {"convention": "default"}, "0.1")
    return Measurement(value, stderr, unit, technique, method, prov, **kw)


def _records():
    a = StructuralRecord("HC-1100", {
        "d002": _m(0.3812, 0.0017, "nm", "xrd", "Bragg on the fitted (002) position"),
        "lc": _m(1.05, 0.04, "nm", "xrd", "Scherrer on (002), K 0.89"),
        "id_ig": _m(1.12, 0.02, "1", "raman", "D/G peak heights"),
    })
    b = StructuralRecord("HC-1500", {
        "d002": _m(0.3721, 0.001, "nm", "xrd", "Bragg on the fitted (002) position"),
        "bet_area": _m(4.2, 0.3, "m^2/g", "sorption", "BET, Rouquerol range"),
    })
    return [a, b]


def _figure(path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    x = np.linspace(10, 80, 200)
    ax.plot(x, np.exp(-((x - 23) / 4) ** 2), color="C3", lw=3)
    ax.set_xlabel("2θ (deg)")
    fig.savefig(path)
    plt.close(fig)
    return path


def test_page_holds_values_figures_methods_provenance(tmp_path):
    png = _figure(tmp_path / "xrd_fit.png")
    out = write_html_report(tmp_path / "report.html", _records(),
                            figures=[(png, "HC-1100", "xrd"), (png, None, None)],
                            warnings=["HC-1500: la not computed"], title="Test campaign")
    text = out.read_text(encoding="utf-8")
    assert "<title>Test campaign</title>" in text
    # the value of each measurement with its uncertainty, journal-rounded
    assert "0.3812 ± 0.0017" in text
    assert "4.2 ± 0.3" in text
    # campaign table for two samples, one row each
    assert text.count('<tr><th><a href="#s-HC-') == 2
    # figures embedded, no external URL of any kind
    assert text.count("data:image/png;base64,") == 2
    assert not re.search(r"""(src|href)=["']https?://""", text)
    assert "Scherrer on (002), K 0.89" in text
    assert "ab" * 32 in text
    assert "la not computed" in text


def test_flags_are_marked_and_explained(tmp_path):
    flagged = _m(0.45, None, "nm", "xrd", "Bragg on the fitted (002) position")
    if not hasattr(flagged, "flags"):
        pytest.skip("Measurement.flags not in this core yet")
    flagged = flagged.with_flags("at_bound:center_002")
    rec = StructuralRecord("BT86", {"d002": flagged})
    text = write_html_report(tmp_path / "r.html", [rec]).read_text(encoding="utf-8")
    assert "at_bound:center_002" in text
    assert "1 flagged" in text
    assert "†" in text


def test_values_are_escaped(tmp_path):
    rec = StructuralRecord("<script>alert(1)</script>", {
        "d002": _m(0.38, 0.001, "nm", "xrd", "method <b>bold</b>")})
    text = write_html_report(tmp_path / "r.html", [rec]).read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text


@pytest.mark.skipif(BROWSER is None, reason="no chromium installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(tmp_path):
    png = _figure(tmp_path / "xrd_fit.png")
    page = write_html_report(tmp_path / "report.html", _records(),
                             figures=[(png, "HC-1100", "xrd"), (png, None, None)])
    common = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--virtual-time-budget=5000",
              f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert 'data-images="2"' in dom
    assert 'data-images-broken="0"' in dom
    assert dom.count("<table") >= 3          # campaign + one values table per section
    shot = tmp_path / "shot.png"
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=1280,1600",
                    page.as_uri()], capture_output=True, timeout=120, check=True)
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)[..., :3]
    assert img.shape[0] > 1000
    ink = (img.mean(axis=-1) < 0.6).mean()
    assert ink > 0.01                         # text and figures drawn, not a blank page
    red = ((img[..., 0] > 0.6) & (img[..., 1] < 0.5) & (img[..., 2] < 0.5)).mean()
    assert red > 1e-4                         # the embedded figure's red curve is visible


def test_technique_command_out_writes_report_and_lists_figures(tmp_path, capsys):
    from charz.cli import main
    from charz.examples import path

    out = tmp_path / "out"
    code = main(["xrd", str(path("xrd/HC-demo.xye")), "--plot", str(tmp_path / "p.png"),
                 "--out", str(out), "--quiet"])
    assert code == 0
    stdout = capsys.readouterr().out
    page = out / "report.html"
    assert page.exists()
    assert str(tmp_path / "p.png") in stdout            # --plot figures are listed
    assert str(page) in stdout
    figs = sorted(p.name for p in out.glob("*.png"))
    assert figs == ["HC-demo_xrd_fit.png"]  # <sample>_<technique>_<figure_name>
    assert (out / "HC-demo_xrd_fit.pdf").exists()
    text = page.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 1
    assert "0.3780" in text                             # d002 of the example (truth 0.378 nm)


def test_png_figures_are_embedded_at_screen_resolution(tmp_path):
    """300-dpi files stay on disk; the page embeds them at EMBED_DPI with a palette."""
    import base64
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    from charz.htmlreport import EMBED_DPI

    fig, ax = plt.subplots(figsize=(4, 3))
    x = np.linspace(0, 10, 500)
    ax.plot(x, np.sin(x), label="sin")
    ax.legend()
    png = tmp_path / "fig.png"
    fig.savefig(png, dpi=300)
    plt.close(fig)
    page = write_html_report(tmp_path / "r.html", _records(), figures=[(png, None, None)])
    uri = re.search(r'data:image/png;base64,([^"]+)"', page.read_text(encoding="utf-8"))
    data = base64.b64decode(uri.group(1))
    with Image.open(io.BytesIO(data)) as img, Image.open(png) as orig:
        assert orig.size == (1200, 900)  # the file keeps its print resolution
        assert img.size == (round(1200 * EMBED_DPI / 300), round(900 * EMBED_DPI / 300))
        assert img.info["dpi"][0] == pytest.approx(EMBED_DPI, abs=0.5)
    assert len(data) < png.stat().st_size / 3
