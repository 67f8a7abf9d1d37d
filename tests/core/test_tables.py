import pandas as pd
import pytest

from charz.record import Measurement, Provenance, StructuralRecord
from charz.tables import format_uncertainty, to_dataframe, to_latex, to_markdown, write_tables


@pytest.mark.parametrize(
    ("value", "stderr", "paren", "pm"),
    [
        (0.381, 0.002, "0.381(2)", "0.381 ± 0.002"),          # the example
        (0.38123, 0.00172, "0.3812(17)", "0.3812 ± 0.0017"),  # leading 1: two digits
        (1.3371, 0.0449, "1.34(4)", "1.34 ± 0.04"),
        (1234.5, 27.0, "1230(30)", "1230 ± 30"),              # uncertainty above 1
        (0.0961, 0.0096, "0.096(10)", "0.096 ± 0.010"),       # rounding carries a decade
        (-0.5, 0.03, "-0.50(3)", "-0.50 ± 0.03"),
        (2.0, 0.96, "2.0(10)", "2.0 ± 1.0"),
    ],
)
def test_journal_rounding(value, stderr, paren, pm):
    assert format_uncertainty(value, stderr) == paren
    assert format_uncertainty(value, stderr, style="pm") == pm


def test_no_uncertainty_prints_significant_digits():
    assert format_uncertainty(1.45, None) == "1.450"
    assert format_uncertainty(12345.6, None) == "12346"
    assert format_uncertainty(0.00012, 0.0) == "0.0001200"


def _records():
    def m(v, s, unit, tech, method):
        return Measurement(v, s, unit, tech, method, Provenance("f.dat", "ab" * 32, "r", {}))

    a = StructuralRecord("HC_1100").with_measurements({
        "d002": m(0.3812, 0.0017, "nm", "xrd", "Bragg"),
        "lc": m(1.337, 0.012, "nm", "xrd", "Scherrer K=0.89"),
        "id_ig": m(1.12, 0.03, "1", "raman", "height ratio, two_band"),
        "bet_area": m(25.0, 0.4, "m^2/g", "sorption", "BET, Rouquerol range"),
    })
    b = StructuralRecord("HC_1300").with_measurements({
        "d002": m(0.3751, 0.0021, "nm", "xrd", "Bragg"),
        "plateau_capacity": m(180.0, 2.0, "mA*h/g", "echem", "below 0.1 V"),
    })
    return [a, b]


def test_dataframe_columns_order_and_values():
    df = to_dataframe(_records())
    assert list(df.columns[:4]) == ["d002 (nm)", "u(d002 (nm))", "Lc (nm)", "u(Lc (nm))"]
    assert df.loc["HC_1100", "d002 (nm)"] == 0.3812
    assert pd.isna(df.loc["HC_1300", "Lc (nm)"])
    assert df.attrs["keys"]["SBET (m²/g)"] == "bet_area"


def test_latex_is_booktabs_with_units_and_escaped_names():
    tex = to_latex(_records())
    assert "\\toprule" in tex
    assert "\\midrule" in tex
    assert "\\bottomrule" in tex
    assert "d$_{002}$ (nm)" in tex
    assert "L$_c$ (nm)" in tex
    assert "HC\\_1100 & 0.3812(17) & 1.337(12) & 1.12(3)" in tex
    # groups: structure, porosity, electrochemistry
    assert tex.index("% Structure") < tex.index("% Porosity") < tex.index("% Electrochemistry")
    assert "Scherrer K=0.89" in tex  # methods as notes


def test_markdown_table():
    md = to_markdown(_records())
    assert "| Sample | d002 (nm) | Lc (nm) | ID/IG |" in md
    assert "| HC_1300 | 0.375(2) | – | – |" in md


def test_write_tables_all_formats(tmp_path):
    files = write_tables(_records(), tmp_path)
    assert sorted(p.name for p in files) == ["table.csv", "table.md", "table.tex", "table.xlsx"]
    back = pd.read_csv(tmp_path / "table.csv", index_col=0)
    assert back.loc["HC_1300", "d002 (nm)"] == 0.3751
    xl = pd.read_excel(tmp_path / "table.xlsx", sheet_name=None)
    assert set(xl) == {"values", "formatted", "methods"}
    assert (xl["methods"]["sha256"] == "ab" * 32).all()
    assert not list(tmp_path.glob(".table*"))  # no temporary files left behind
