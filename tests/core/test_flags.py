"""Flags on measurements: vocabulary, inheritance, lmfit bounds, strict mode, table marks."""

import argparse
import json
import warnings

import lmfit
import numpy as np
import pytest

from charz import flags
from charz.errors import FitError, FlaggedResultError, FlagWarning, OptionError, RecordError
from charz.record import Measurement, Provenance, StructuralRecord
from charz.tables import to_dataframe, to_latex, to_markdown, write_tables


def _m(value=0.378, stderr=0.0003, unit="nm", tech="xrd", flags_=()):
    return Measurement(value, stderr, unit, tech, "Bragg on (002)",
                       Provenance("f.xy", "ab" * 32, "xrd.read_xy", {}), flags=flags_)


def test_errors_are_builtins_too():
    assert issubclass(OptionError, ValueError)
    assert issubclass(FlaggedResultError, FitError)
    assert issubclass(FlaggedResultError, RuntimeError)
    assert issubclass(FlagWarning, UserWarning)


def test_vocabulary_and_constructors():
    assert flags.at_bound("center") == "at_bound:center"
    assert flags.assumed("wavelength") == "assumed:wavelength"
    for word in ("not_converged", "poor_fit", "no_signal", "outside_calibration", "extrapolated"):
        assert word in flags.FLAGS
        assert flags.validate_flag(word) == word
    for bad in ("at_bound", "at_bound:", "not_converged:x", "stuck", 3):
        with pytest.raises(RecordError):
            flags.validate_flag(bad)
    with pytest.raises(RecordError):
        _m(flags_=("bogus",))
    with pytest.raises(RecordError):
        _m(flags_="no_signal")  # a bare string is not a tuple of flags


def test_json_round_trip_with_flags_and_omitted_when_empty():
    clean = _m()
    assert "flags" not in clean.to_dict()
    flagged = _m(0.45, None, flags_=("at_bound:center", "not_converged"))
    d = flagged.to_dict()
    assert d["flags"] == ["at_bound:center", "not_converged"]
    back = Measurement.from_dict(json.loads(json.dumps(d)))
    assert back == flagged
    assert back.flags == ("at_bound:center", "not_converged")
    rec = StructuralRecord("S").with_measurements({"d002": flagged, "lc": _m(1.2, 0.1)})
    again = StructuralRecord.from_json(rec.to_json())
    assert again == rec
    assert again["d002"].flags == flagged.flags
    assert again["lc"].flags == ()


def test_inheritance_with_flags_and_combine():
    d002 = _m(flags_=(flags.at_bound("center"),))
    lc = _m(1.2, 0.1)
    inherited = lc.with_flags(d002, flags.NOT_CONVERGED, [flags.at_bound("center")])
    assert inherited.flags == ("at_bound:center", "not_converged")
    assert lc.flags == ()  # frozen: a copy
    assert lc.with_flags() is lc
    assert flags.combine(d002, None, "poor_fit", ("poor_fit", "at_bound:center")) == (
        "at_bound:center", "poor_fit")


def test_short_reprs():
    assert repr(_m()) == "0.3780(3) nm [xrd]"
    assert repr(_m(0.45, None, flags_=("at_bound:center",))) == "0.4500 nm [xrd, at_bound:center]"
    assert repr(_m(1.12, 0.03, "1", "raman")) == "1.12(3) [raman]"
    rec = StructuralRecord("HC-1").with_measurements({"d002": _m(), "id_ig": _m(1.12, 0.03, "1",
                                                                                "raman")})
    text = repr(rec)
    assert text == "StructuralRecord('HC-1': d002=0.3780(3) nm [xrd], id_ig=1.12(3) [raman])"
    assert "ab" * 32 not in text


def _gauss_data(center=30.0, seed=0):
    rng = np.random.default_rng(seed)
    x = np.linspace(20, 40, 201)
    y = 100 * np.exp(-0.5 * ((x - center) / 1.5) ** 2) + 2 + rng.normal(0, 0.5, x.size)
    return x, y


def test_fit_flags_on_a_fit_stuck_at_a_bound():
    x, y = _gauss_data(center=30.0)
    model = lmfit.models.GaussianModel() + lmfit.models.ConstantModel()
    params = model.make_params(amplitude=300, center=27, sigma=1.5, c=0)
    params["center"].set(min=22, max=28)  # the true centre, 30, lies outside
    stuck = model.fit(y, params, x=x)
    assert stuck.params["center"].value == pytest.approx(28, abs=0.02)
    assert flags.fit_flags(stuck) == ("at_bound:center",)
    assert flags.fit_flags(stuck, ignore=["center"]) == ()
    assert flags.fit_flags(stuck, params=["sigma"]) == ()

    params["center"].set(value=29, min=22, max=38)
    good = model.fit(y, params, x=x)
    assert good.params["center"].value == pytest.approx(30, abs=0.05)
    assert flags.fit_flags(good) == ()

    # the same through lmfit.minimize (MinimizerResult), with one-sided bounds
    def residual(p):
        return p["a"] * np.exp(-0.5 * ((x - p["c"]) / 1.5) ** 2) + p["b"] - y

    mp = lmfit.Parameters()
    mp.add("a", value=50, min=0)
    mp.add("c", value=30, min=20, max=40)
    mp.add("b", value=0.5, max=1.0)  # true background 2: pinned at its maximum
    res = lmfit.minimize(residual, mp)
    assert flags.fit_flags(res) == ("at_bound:b",)
    mp["b"].set(value=0.5, max=10.0)
    res = lmfit.minimize(residual, mp)
    assert res.params["b"].value == pytest.approx(2.0, abs=0.2)
    assert flags.fit_flags(res) == ()


def test_fit_flags_not_converged():
    x, y = _gauss_data()
    model = lmfit.models.GaussianModel()
    result = model.fit(y, model.make_params(amplitude=10, center=25, sigma=5), x=x, max_nfev=5)
    assert result.success is False
    assert flags.NOT_CONVERGED in flags.fit_flags(result)


def test_is_flat():
    x = np.linspace(0, 1, 50)
    stack = np.stack([np.zeros(50), np.full(50, np.nan), np.full(50, 7.0),
                      np.sin(6 * x), 1e6 + 1e-12 * x])
    np.testing.assert_array_equal(flags.is_flat(stack), [True, True, True, False, True])
    assert flags.is_flat(np.sin(6 * x)) == np.False_
    assert bool(flags.is_flat([])) is True
    np.testing.assert_array_equal(flags.is_flat(stack.T, axis=0), flags.is_flat(stack))


def test_report_flags_warns_once_or_raises_with_strict():
    rec = StructuralRecord("S").with_measurements(
        {"d002": _m(0.45, None, flags_=("at_bound:center",)), "lc": _m(1.2, 0.1)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = flags.report_flags("f.xy", rec)
    assert found == {"d002": ("at_bound:center",)}
    assert len(caught) == 1
    assert issubclass(caught[0].category, FlagWarning)
    msg = str(caught[0].message)
    assert "f.xy" in msg
    assert "d002" in msg
    assert "center ended at its bound" in msg
    assert "\n" not in msg
    assert "lc" not in msg.split(":", 1)[1].split("(")[0]
    with pytest.raises(FlaggedResultError, match=r"f\.xy.*d002"):
        flags.report_flags("f.xy", rec, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert flags.report_flags("g.xy", {"lc": _m()}, strict=True) == {}


def _flagged_records():
    a = StructuralRecord("HC_1").with_measurements({
        "d002": _m(0.45, None, flags_=("at_bound:center",)), "lc": _m(1.337, 0.012)})
    b = StructuralRecord("HC_2").with_measurements({"d002": _m(0.3751, 0.0021)})
    return [a, b]


def test_tables_mark_flagged_values_with_a_note(tmp_path):
    recs = _flagged_records()
    md = to_markdown(recs)
    assert "| HC_1 | 0.4500† | 1.337(12) |" in md
    assert "| HC_2 | 0.375(2) | – |" in md
    assert "† flagged, quote with care: HC_1, d002 (nm): at_bound:center (fit parameter " \
           "center ended at its bound)" in md
    tex = to_latex(recs)
    assert "HC\\_1 & 0.4500$^\\dagger$ & 1.337(12)" in tex
    assert "$^\\dagger$ flagged" in tex
    assert "at\\_bound:center" in tex
    df = to_dataframe(recs)
    assert df.loc["HC_1", "flags"] == "d002: at_bound:center"
    assert df.loc["HC_2", "flags"] == ""
    assert df["d002 (nm)"].dtype == float
    assert "flags" not in to_dataframe([recs[1]]).columns
    pd = pytest.importorskip("pandas")
    pytest.importorskip("openpyxl")
    write_tables(recs, tmp_path)
    methods = pd.read_excel(tmp_path / "table.xlsx", sheet_name="methods")
    row = methods[(methods["sample"] == "HC_1") & (methods["key"] == "d002")].iloc[0]
    assert row["flags"] == "at_bound:center"


class _Result:
    def __init__(self, m):
        self.m = m

    def descriptors(self):
        return {"d002": self.m}


def _args(tmp_path, files, strict):
    return argparse.Namespace(files=[str(f) for f in files], json=False, plot=None,
                              out=str(tmp_path / "out"), sample=None, quiet=True, strict=strict)


def test_run_files_warns_counts_and_strict_fails(tmp_path, capsys):
    from charz.cli_common import run_files

    good, bad = tmp_path / "good.xy", tmp_path / "bad.xy"
    good.write_text("x"), bad.write_text("x")

    def analyse(path):
        fl = ("at_bound:center",) if path.name == "bad.xy" else ()
        return [_Result(_m(0.45 if fl else 0.378, None, flags_=fl))]

    with pytest.warns(FlagWarning, match="bad.xy"):
        assert run_files(_args(tmp_path, [good, bad], False), analyse, technique="xrd") == 0
    err = capsys.readouterr().err
    assert "charz xrd: 2 results, 1 flagged" in err
    assert (tmp_path / "out" / "table.md").read_text().count("†") >= 2

    assert run_files(_args(tmp_path, [good, bad], True), analyse, technique="xrd") == 1
    err = capsys.readouterr().err
    assert "bad.xy" in err
    assert "strict" in err
    assert "1 result, 0 flagged" in err


def test_every_technique_command_takes_strict():
    from charz.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("xrd", "raman", "saxs", "sorption", "echem", "demo", "report"):
        opts = {o for a in sub.choices[name]._actions for o in a.option_strings}
        assert "--strict" in opts, name


def test_run_files_shows_a_warning_of_the_analysis_once(tmp_path):
    # regression: showing the recorded warnings inside the recording context appended
    # them to the list being iterated (an endless loop)
    from charz.cli_common import run_files
    from charz.errors import PhysicsWarning

    f = tmp_path / "a.xy"
    f.write_text("x")

    def analyse(path):
        warnings.warn("d002 below graphite's 0.3354 nm", PhysicsWarning, stacklevel=1)
        return [_Result(_m())]

    with pytest.warns(PhysicsWarning, match="below graphite") as shown:
        assert run_files(_args(tmp_path, [f], False), analyse, technique="xrd") == 0
    assert len(shown) == 1
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "below graphite" in html
