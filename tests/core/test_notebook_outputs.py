"""Notebook reprs and CSV outputs that load anywhere (pandas.read_csv defaults + sidecar)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from charz.display import DescriptorsHTMLMixin, descriptors_html
from charz.errors import OptionError
from charz.output import sidecar_path, write_csv
from charz.record import Measurement, Provenance, StructuralRecord
from charz.tables import write_tables


def _m(value, stderr, unit="nm", tech="xrd", flags=(), method="Bragg on (002)"):
    return Measurement(value, stderr, unit, tech, method,
                       Provenance("HC-1.xrdml", "ab" * 32, "xrd.read_xrdml", {}), flags=flags)


class _Cells(HTMLParser):
    """Text of every <td>, in order (checks the HTML is well formed enough to parse)."""

    def __init__(self):
        super().__init__()
        self.cells, self._in, self.tags = [], False, []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "td":
            self._in = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.cells[-1] += data


def _cells(text):
    p = _Cells()
    p.feed(text)
    return p


def test_record_html_shows_values_units_flags_and_folds_methods():
    rec = StructuralRecord("HC-1<b>").with_measurements({
        "d002": _m(0.45, None, flags=("at_bound:center",)),
        "lc": _m(1.337, 0.012, method="Scherrer, K=0.89"),
        "id_ig": _m(1.12, 0.03, "1", "raman", method="height ratio"),
    })
    text = rec._repr_html_()
    parsed = _cells(text)
    assert parsed.cells[:5] == ["d002", "0.4500†", "nm", "xrd", "† at_bound:center"]
    assert parsed.cells[5:10] == ["lc", "1.337(12)", "nm", "xrd", ""]
    assert parsed.cells[10:13] == ["id_ig", "1.12(3)", ""]  # unit 1 is not printed
    assert "details" in parsed.tags
    assert "Scherrer, K=0.89" in text
    assert "fit parameter center ended at its bound" in text  # the reason, on hover
    assert "HC-1&lt;b&gt;" in text  # escaped
    assert "<script" not in text
    assert len(text) < 6000


def test_measurement_html_and_mixin_on_a_frozen_slotted_result():
    m = _m(0.3781, 0.0004)
    assert _cells(m._repr_html_()).cells[:2] == ["xrd", "0.3781(4)"]

    @dataclass(frozen=True, slots=True, eq=False)
    class FakeResult(DescriptorsHTMLMixin):
        d002: Measurement

        def descriptors(self):
            return {"d002": self.d002}

    res = FakeResult(m)
    assert not hasattr(res, "__dict__")
    assert _cells(res._repr_html_()).cells[:2] == ["d002", "0.3781(4)"]
    assert "FakeResult" in res._repr_html_()
    assert "no descriptors" in descriptors_html({})


def test_write_csv_loads_with_pandas_defaults_and_writes_a_sidecar(tmp_path):
    t = np.arange(5) * 60.0
    d = 0.378 + 1e-4 * np.arange(5)
    path = write_csv(tmp_path / "frames.csv", {"time (s)": t, "d002 (nm)": d},
                     metadata={"method": "Bragg on (002)", "wavelength (nm)": np.float64(0.15406),
                               "frames": np.arange(2)})
    text = path.read_text()
    assert not text.startswith("#")
    assert text.splitlines()[0] == "time (s),d002 (nm)"
    df = pd.read_csv(path)
    assert list(df.dtypes) == [np.float64, np.float64]
    np.testing.assert_allclose(df["d002 (nm)"], d)
    side = json.loads(sidecar_path(path).read_text())
    assert side["file"] == "frames.csv"
    assert side["columns"] == ["time (s)", "d002 (nm)"]
    assert side["wavelength (nm)"] == 0.15406
    assert side["frames"] == [0, 1]
    assert "charz_version" in side
    assert "index" not in side
    with pytest.raises(OptionError, match="must not start with '#'"):
        write_csv(tmp_path / "bad.csv", {"# time": t})
    with pytest.raises(OptionError, match="not JSON-serialisable"):
        write_csv(tmp_path / "bad.csv", {"t": t}, metadata={"x": object()})
    assert not (tmp_path / "bad.csv").exists()


def test_table_csv_is_numeric_with_units_in_names_and_a_sidecar(tmp_path):
    recs = [
        StructuralRecord("HC-1").with_measurements({"d002": _m(0.45, None, flags=(
            "at_bound:center",)), "lc": _m(1.337, 0.012)}),
        StructuralRecord("HC-2").with_measurements({"d002": _m(0.3751, 0.0021)}),
    ]
    write_tables(recs, tmp_path, formats=("csv",))
    df = pd.read_csv(tmp_path / "table.csv")
    assert list(df.columns) == ["sample", "d002 (nm)", "u(d002 (nm))", "Lc (nm)", "u(Lc (nm))",
                                "flags"]
    for col in df.columns[1:5]:
        assert df[col].dtype == np.float64, col
    assert df.loc[0, "d002 (nm)"] == 0.45
    assert df.loc[1, "u(d002 (nm))"] == 0.0021
    side = json.loads((tmp_path / "table.json").read_text())
    assert side["keys"]["d002 (nm)"] == "d002"
    assert side["units"]["Lc (nm)"] == "nm"
    flagged = [v for v in side["values"] if v["flags"]]
    assert flagged == [{"sample": "HC-1", "key": "d002", "technique": "xrd",
                        "file": "HC-1.xrdml", "sha256": "ab" * 32,
                        "flags": ["at_bound:center"]}]
