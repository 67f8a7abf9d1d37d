"""The embedded three-sample campaign: raw files → charz report → truth, figures, correlations.

The campaign (``charz/examples/data/campaign``, made by ``tools/examples_campaign.py``)
holds hard carbons pyrolysed at 1100, 1300 and 1500 °C, every technique in a different
vendor format, generated from one set of physical parameters per sample; ``truth.json``
beside the files gives those parameters and the values the analyses must return.
"""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from charz.cli import main
from charz.errors import FlagWarning
from charz.examples import data_dir
from charz.record import records_from_json

CAMPAIGN = data_dir() / "campaign"

# key -> (technique block in truth.json, tolerance, kind). The tolerances are the ones the
# techniques' own tests and the demo test use (tests/core/test_cli_demo.py, the issues'
# acceptance limits), looser only where the reason is written next to them.
TOLERANCES = {
    "d002": ("xrd", 0.002, "abs"),               # issue 3: 0.002 nm
    "lc": ("xrd", 0.05, "rel"),                  # issue 3: 5 %
    "la": ("xrd", 0.10, "rel"),                  # issue 3: 10 %
    "n_layers": ("xrd", 0.05, "rel"),            # follows Lc
    "two_theta_002": ("xrd", 0.15, "abs"),
    "fwhm_002": ("xrd", 0.05, "rel"),            # follows Lc
    "two_theta_100": ("xrd", 0.15, "abs"),
    "fwhm_100": ("xrd", 0.10, "rel"),            # follows La
    "id_ig": ("raman", 0.03, "rel"),             # issue 7: 3 %
    "g_position": ("raman", 1.0, "abs"),         # issue 7: 1 1/cm
    "d_position": ("raman", 3.0, "abs"),         # the D band is 150-215 1/cm wide
    "d_fwhm": ("raman", 0.05, "rel"),
    "g_fwhm": ("raman", 0.05, "rel"),
    "true_density": ("pycnometry", 0.005, "rel"),
    "closed_pore_volume": ("pycnometry", 0.02, "rel"),
    "porod_exponent": ("saxs", 0.05, "rel"),
    "saxs_pore_diameter": ("saxs", 0.05, "rel"),
    # Guinier on a DAB term: exp(-q²Rg²/3) and 1/(1+a²q²)² differ at order q⁴, so the
    # Guinier Rg over q·Rg <= 1.3 comes out ~6 % below the expansion's √6·a
    "saxs_rg": ("saxs", 0.10, "rel"),
    "bet_area": ("sorption", 0.03, "rel"),
    "bet_c": ("sorption", 0.10, "rel"),          # C is ill-conditioned at low area
    "total_pore_volume": ("sorption", 0.05, "rel"),
    "mean_pore_diameter": ("sorption", 0.05, "rel"),
    # BJH mode: the distribution is binned by the measured desorption points (about
    # 10 % wide in D at 5-10 nm), so the mode is known to a bin
    "bjh_pore_diameter": ("sorption", 0.10, "rel"),
    "dr_micropore_volume": ("sorption", 0.10, "rel"),
    "slope_capacity": ("echem", 0.03, "rel"),
    "plateau_capacity": ("echem", 0.03, "rel"),
    "reversible_capacity": ("echem", 0.02, "rel"),
    "initial_coulombic_efficiency": ("echem", 0.02, "rel"),
    "plating_onset_capacity": ("echem", 0.01, "rel"),   # tests/echem: 1 %
}

FIGURES = ("compare_xrd", "compare_raman", "compare_saxs", "compare_sorption",
           "compare_echem", "structure_performance")


@pytest.fixture(scope="module")
def campaign_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("campaign")
    with warnings.catch_warnings():
        # expected and tested elsewhere: Cançado's La outside its calibration for every
        # hard carbon, negative t-plot intercepts of micropore-free isotherms
        warnings.simplefilter("ignore")
        code = main(["report", str(CAMPAIGN / "manifest.csv"), "--out", str(out), "--quiet"])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def truth():
    import json

    return json.loads((CAMPAIGN / "truth.json").read_text(encoding="utf-8"))


def test_manifest_lists_every_technique_and_varied_formats(truth):
    m = pd.read_csv(CAMPAIGN / "manifest.csv", keep_default_na=False)
    assert set(m["sample"]) == {"HC-1100", "HC-1300", "HC-1500"}
    for _sample, rows in m.groupby("sample"):
        assert {"xrd", "raman", "saxs", "pycnometry", "sorption", "echem"} <= set(
            rows["technique"])
    suffixes = {f.rsplit(".", 1)[-1].lower() for f in m["file"]}
    assert {"xrdml", "xy", "pdh", "dat", "txt", "csv", "aif", "mpt"} <= suffixes
    for f in m["file"]:
        assert (CAMPAIGN / f).exists(), f
    total = sum(p.stat().st_size for p in CAMPAIGN.rglob("*") if p.is_file())
    assert total < 2_000_000  # package data stays small


def test_trends_follow_the_literature(truth):
    s = truth["samples"]
    names = sorted(s, key=lambda n: s[n]["pyrolysis_temperature_C"])
    col = {k: [s[n][tech][k] for n in names]
           for tech, keys in (("xrd", ("d002", "lc", "la")),
                              ("pycnometry", ("closed_pore_volume",)),
                              ("echem", ("plateau_capacity", "plating_onset_capacity")))
           for k in keys}
    assert np.all(np.diff(col["d002"]) < 0)
    for k in ("lc", "la", "closed_pore_volume", "plateau_capacity"):
        assert np.all(np.diff(col[k]) > 0), k
    assert all(240 <= q <= 280 for q in col["plating_onset_capacity"])


def test_report_recovers_every_sample_truth(campaign_report, truth):
    records = {r.sample: r for r in records_from_json(
        (campaign_report / "records.json").read_text(encoding="utf-8"))}
    assert set(records) == set(truth["samples"])
    for sample, t in truth["samples"].items():
        rec = records[sample]
        assert not rec.conflicts, sample
        for key, (tech, tol, kind) in TOLERANCES.items():
            want = t[tech][key]
            got = rec[key].value
            err = abs(got - want) if kind == "abs" else abs(got - want) / abs(want)
            assert err <= tol, (sample, key, got, want)
        # the N2 model has no micropores: a t-plot volume, when reported, is ~0
        if "micropore_volume" in rec:
            assert abs(rec["micropore_volume"].value) < 0.002, sample
        # every descriptor traced to one of the sample's files, with its SHA-256
        files = {f.rsplit("/", 1)[-1] for f in t["files"].values()}
        for key, m in rec.descriptors.items():
            assert m.source.source in files, (sample, key, m.source.source)
            assert m.source.sha256, (sample, key)


def test_report_fills_the_contract(campaign_report):
    from charz.record import DESCRIPTORS

    contract = [k for k, s in DESCRIPTORS.items() if s.technique in
                ("xrd", "raman", "pycnometry", "saxs", "sorption", "echem")]
    for rec in records_from_json((campaign_report / "records.json").read_text()):
        have = [k for k in contract if k in rec.descriptors]
        assert len(have) >= 30, (rec.sample, sorted(set(contract) - set(have)))


def test_comparison_figures_are_written(campaign_report):
    for stem in FIGURES:
        png = (campaign_report / f"{stem}.png").read_bytes()
        pdf = (campaign_report / f"{stem}.pdf").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n", stem
        assert len(png) > 20_000, stem
        assert pdf[:5] == b"%PDF-", stem


def test_report_html_holds_the_comparison_figures(campaign_report):
    html = (campaign_report / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= len(FIGURES)
    for sample in ("HC-1100", "HC-1300", "HC-1500"):
        assert sample in html


def test_correlations_cover_every_pair_and_follow_the_trends(campaign_report, truth):
    corr = pd.read_csv(campaign_report / "correlations.csv")
    assert (corr["n"] == 3).all()
    keys = set(corr["x"]) | set(corr["y"])
    # every pair of the descriptors the three samples share: n(n-1)/2 rows (less the
    # slope/plateau share pair, which is -1 by construction)
    n = len(keys)
    assert len(corr) == n * (n - 1) // 2 - ({"slope_share", "plateau_share"} <= keys)
    trends = {**truth["trends"], "slope_share": -1, "plateau_share": +1}
    checked = 0
    for row in corr.itertuples():
        if row.x in trends and row.y in trends and math.isfinite(row.pearson_r):
            assert np.sign(row.pearson_r) == trends[row.x] * trends[row.y], (row.x, row.y)
            checked += 1
    assert checked > 100

    def r(x, y):
        sel = corr[((corr.x == x) & (corr.y == y)) | ((corr.x == y) & (corr.y == x))]
        return float(sel["pearson_r"].iloc[0])

    # the pairs hard-carbon papers discuss (FIELD-NOTES §6)
    assert r("closed_pore_volume", "plateau_capacity") > 0.95
    assert r("bet_area", "initial_coulombic_efficiency") < -0.95
    assert r("d002", "plateau_capacity") < -0.95
    assert r("closed_pore_volume", "plating_onset_capacity") > 0.9


def test_demo_part_adds_the_campaign(tmp_path):
    from charz.compare import demo_campaign
    from charz.demo import DemoContext, example_data_dir
    from charz.record import DESCRIPTORS

    ctx = DemoContext(example_data_dir(), tmp_path, {}, quiet=True)
    # Cançado's La of these hard carbons lies below its calibrated 20–500 nm: flagged
    with pytest.warns(FlagWarning, match=r"la_raman \(outside the calibrated range"):
        demo_campaign(ctx)
    assert len(ctx.records) >= 3
    contract = [k for k, s in DESCRIPTORS.items() if s.technique in
                ("xrd", "raman", "pycnometry", "saxs", "sorption", "echem")]
    for rec in ctx.records:
        assert sum(k in rec.descriptors for k in contract) >= 30, rec.sample
        la = rec.descriptors["la_raman"]
        assert ("outside_calibration" in la.flags) == (not 20.0 <= la.value <= 500.0)
        for m in rec.descriptors.values():  # every number traced to a file
            assert m.source.source
            assert m.source.sha256
    names = {p.name for p in ctx.files}
    for stem in FIGURES:
        assert {f"{stem}.png", f"{stem}.pdf"} <= names, stem
    for name in ("correlations.csv", "campaign_table.csv", "campaign_table.xlsx",
                 "campaign_table.tex", "campaign_table.md", "campaign_vs_truth.csv"):
        assert name in names, name
        assert (tmp_path / name).stat().st_size > 0
    tex = (tmp_path / "campaign_table.tex").read_text(encoding="utf-8")
    for group in ("Structure", "Porosity", "Electrochemistry"):
        assert group in tex
    vs = pd.read_csv(tmp_path / "campaign_vs_truth.csv").dropna()
    assert len(vs) >= 60


def test_report_page_has_every_sample_and_figure(campaign_report):
    text = (campaign_report / "report.html").read_text(encoding="utf-8")
    for sample in ("HC-1100", "HC-1300", "HC-1500"):
        assert f'id="s-{sample}"' in text
    # comparison figures plus each sample's own fit figures, all embedded
    assert text.count("data:image/png;base64,") == len(list(campaign_report.glob("*.png")))
    assert text.count("data:image/png;base64,") >= len(FIGURES) + 3 * 4
