"""Techniques are plugins: a third-party package installed in the test session shows up in
``charz --help``, :func:`charz.read` and ``charz report`` through its entry point alone."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

import charz
from charz import plugins
from charz.cli import main
from charz.errors import OptionError

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = '''
"""A third-party technique for the tests: 'dummydens' reads ``density = <g/cm^3>`` files."""
import argparse

import xarray as xr

from charz.io import register_reader
from charz.plugins import Technique
from charz.record import Measurement, Provenance


@register_reader(".dmy", technique="dummydens")
def read_dmy(path):
    key, _, value = path.read_text().partition("=")
    return xr.DataArray(float(value), name="density", attrs={"units": "g/cm^3"})


class DensityResult:
    def __init__(self, value, path):
        self.value, self.path = value, path

    def descriptors(self):
        return {"true_density": Measurement(self.value, None, "g/cm^3", "dummydens", "as given",
                                            Provenance.from_file(self.path))}


def analyse_file(path, *, scale=1.0):
    import charz

    return [DensityResult(float(charz.read(path).values) * scale, path)]


def add_parser(subparsers):
    from charz.cli_common import add_common_options, run_files

    p = subparsers.add_parser("dummydens", help="dummy densities (test plugin)")
    add_common_options(p)
    p.set_defaults(run=lambda args: run_files(args, analyse_file, technique="dummydens"))


technique = Technique(name="dummydens", summary="a test plugin", add_parser=add_parser,
                      analyse_file=analyse_file)
'''


@pytest.fixture
def dummy_plugin(tmp_path, monkeypatch):
    """Install package ``charz_dummydens`` (with dist-info and entry point) on sys.path."""
    site = tmp_path / "site"
    (site / "charz_dummydens").mkdir(parents=True)
    (site / "charz_dummydens" / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    dist = site / "charz_dummydens-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: charz-dummydens\n"
                                   "Version: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[charz.techniques]\ndummydens = charz_dummydens:technique\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    plugins.techniques.cache_clear()
    yield site
    plugins.techniques.cache_clear()
    sys.modules.pop("charz_dummydens", None)
    from charz import io as charz_io

    charz_io._REGISTRY[:] = [r for r in charz_io._REGISTRY
                             if not r.name.startswith("charz_dummydens.")]


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # --help
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_builtin_techniques_in_order_with_their_hooks():
    names = [t.name for t in plugins.techniques()]
    assert names == ["xrd", "raman", "saxs", "sorption", "echem"]
    hooks = {t.name: t for t in plugins.techniques()}
    assert set(hooks["saxs"].report_hooks()) == {"saxs", "pycnometry", "true_density"}
    assert set(hooks["echem"].report_hooks()) == {"echem", "cycler"}
    assert all(t.add_parser and t.analyse_file and t.demo for t in hooks.values())
    assert hooks["xrd"].add_insitu_parser is not None
    assert plugins.get_technique("raman") is hooks["raman"]
    with pytest.raises(OptionError, match="'nmr' is not one of xrd, raman"):
        plugins.get_technique("nmr")


def test_pyproject_declares_the_builtin_entry_points():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    eps = meta["project"]["entry-points"]["charz.techniques"]
    assert eps == {name: f"{name}:technique" for name in plugins.BUILTIN}


def test_a_third_party_plugin_appears_in_help_read_and_report(dummy_plugin, tmp_path):
    assert [t.name for t in plugins.techniques()][-1] == "dummydens"
    sample = tmp_path / "HC-9.dmy"
    sample.write_text("density = 1.52\n", encoding="utf-8")

    code, out, _ = _run(["--help"])
    assert code == 0
    assert "dummydens" in out

    data = charz.read(sample)
    assert float(data.values) == 1.52
    assert data.attrs["reader"] == "charz_dummydens.read_dmy"
    assert charz.read(sample, technique="dummydens").attrs["sha256"] == data.attrs["sha256"]

    code, out, _ = _run(["dummydens", str(sample), "--json"])
    assert code == 0
    assert json.loads(out)[0]["descriptors"]["true_density"]["value"] == 1.52

    manifest = tmp_path / "m.csv"
    manifest.write_text("sample,technique,file,options\nHC-9,dummydens,HC-9.dmy,scale=2\n",
                        encoding="utf-8")
    code, _, err = _run(["report", str(manifest), "--out", str(tmp_path / "rep")])
    assert code == 0, err
    recs = charz.read_records(tmp_path / "rep" / "records.json")
    assert recs[0].sample == "HC-9"
    assert recs[0]["true_density"].value == pytest.approx(3.04)
    assert recs[0]["true_density"].technique == "dummydens"


def test_a_broken_plugin_warns_and_the_rest_still_load(tmp_path, monkeypatch):
    site = tmp_path / "site"
    dist = site / "charz_broken-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: charz-broken\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[charz.techniques]\nbroken = charz_broken_missing:technique\n")
    monkeypatch.syspath_prepend(str(site))
    plugins.techniques.cache_clear()
    try:
        with pytest.warns(charz.CharzWarning, match="'broken'.*failed to load"):
            names = [t.name for t in plugins.techniques()]
        assert names == list(plugins.BUILTIN)
    finally:
        plugins.techniques.cache_clear()


def test_an_entry_point_that_gives_no_technique_is_left_out(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "charz_wrong").mkdir(parents=True)
    (site / "charz_wrong" / "__init__.py").write_text(textwrap.dedent("""
        technique = "not a Technique"
    """))
    dist = site / "charz_wrong-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: charz-wrong\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[charz.techniques]\nwrong = charz_wrong:technique\n")
    monkeypatch.syspath_prepend(str(site))
    plugins.techniques.cache_clear()
    try:
        with pytest.warns(charz.CharzWarning, match=r"'wrong'.*not a charz\.plugins\.Technique"):
            names = [t.name for t in plugins.techniques()]
        assert "wrong" not in names
    finally:
        plugins.techniques.cache_clear()
        sys.modules.pop("charz_wrong", None)


def test_charz_exposes_its_public_api_lazily():
    for name in charz.__all__:
        assert getattr(charz, name) is not None, name
    assert charz.tables.write_tables is not None
    assert charz.read_records is charz.record.read_records
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        charz.nope  # noqa: B018
