import json
import math

import pytest

from charz.errors import ConflictWarning, RecordError
from charz.hashing import file_sha256
from charz.record import (
    DESCRIPTORS,
    KeySpec,
    Measurement,
    Provenance,
    StructuralRecord,
    merge_records,
    read_records,
    records_from_json,
    records_to_json,
)


def _m(value, stderr=0.001, unit="nm", method="Bragg on (002)", source="a.xy", **extra):
    prov = Provenance(source, "0" * 64, "xrd.read_xy", {"k": 0.89, "window": [15.0, 35.0]})
    return Measurement(value, stderr, unit, "xrd", method, prov, extra)


class _Result:
    def __init__(self, **ms):
        self._ms = ms

    def descriptors(self):
        return dict(self._ms)


def test_contract_keys_and_units():
    # ARCHITECTURE.md's table, key by key (a few spot checks of each technique)
    expected = {"d002": "nm", "lc": "nm", "la": "nm", "n_layers": "1", "fwhm_002": "deg",
                "id_ig": "1", "g_position": "1/cm", "true_density": "g/cm^3",
                "closed_pore_volume": "cm^3/g", "bet_area": "m^2/g",
                "reversible_capacity": "mA*h/g", "rate_response": "mA*h/g"}
    for key, unit in expected.items():
        assert DESCRIPTORS[key].unit == unit


def test_json_round_trip_is_exact():
    rec = StructuralRecord("HC-1300").with_measurements({
        "d002": _m(0.1 + 0.2, 1 / 3),           # floats that print with 17 digits
        "n_layers": _m(4.5, None, unit="1", method="Lc/d002+1", pearson_r=0.987654321),
        "lc": _m(1.337, 0.0123),
    })
    text = rec.to_json()
    back = StructuralRecord.from_json(text)
    assert back == rec
    assert back.to_json() == text
    assert back["d002"].value == 0.1 + 0.2
    assert back["n_layers"].stderr is None
    assert back["d002"].source.parameters == {"k": 0.89, "window": [15.0, 35.0]}


def test_json_form_matches_contract():
    rec = StructuralRecord("K-HC").with_measurements(
        {"d002": _m(0.381, 0.001, source="K-HC.xrdml")})
    obj = json.loads(rec.to_json())
    d = obj["descriptors"]["d002"]
    assert obj["sample"] == "K-HC"
    assert {k: d[k] for k in ("value", "stderr", "unit", "technique", "source")} == {
        "value": 0.381, "stderr": 0.001, "unit": "nm", "technique": "xrd", "source": "K-HC.xrdml"}
    assert d["provenance"]["sha256"] == "0" * 64
    assert d["provenance"]["version"]


def test_merge_keeps_conflicts_and_warns():
    a = StructuralRecord("S").with_measurements({"d002": _m(0.380)})
    b = StructuralRecord("S").with_measurements({"d002": _m(0.384, source="b.xy"),
                                                 "lc": _m(1.2)})
    with pytest.warns(ConflictWarning, match="second value for 'd002'"):
        merged = a.merge(b)
    assert merged["d002"].value == 0.380          # the first is never overwritten
    assert merged.conflicts == (("d002", b["d002"]),)
    assert merged["lc"].value == 1.2
    # the conflict survives JSON
    assert StructuralRecord.from_json(merged.to_json()) == merged
    # merging the same value twice is not a conflict
    assert a.merge(a) == a


def test_merge_different_samples_raises():
    with pytest.raises(RecordError, match="cannot merge record of sample 'T'"):
        StructuralRecord("S").merge(StructuralRecord("T"))


def test_merge_records_by_sample_and_list_json_round_trip():
    recs = [StructuralRecord("A").with_results(_Result(d002=_m(0.38))),
            StructuralRecord("B").with_results(_Result(d002=_m(0.37))),
            StructuralRecord("A").with_results(_Result(lc=_m(1.3)))]
    merged = merge_records(recs)
    assert [r.sample for r in merged] == ["A", "B"]
    assert set(merged[0].descriptors) == {"d002", "lc"}
    assert records_from_json(records_to_json(merged)) == merged


def test_unknown_key_wrong_unit_and_bad_values():
    with pytest.raises(RecordError, match="unknown descriptor key 'd003'"):
        StructuralRecord("S").with_measurements({"d002": _m(0.38), "d003": _m(0.38)})
    with pytest.raises(RecordError, match="must be in 'nm'"):
        StructuralRecord("S").with_measurements({"d002": _m(3.8, unit="angstrom")})
    with pytest.raises(RecordError, match="not finite"):
        _m(math.nan)
    with pytest.raises(RecordError, match="non-empty"):
        StructuralRecord("  ")
    with pytest.raises(RecordError, match="no descriptors"):
        StructuralRecord("S").with_results(object())
    # lmfit's "not estimated" stderr (nan, inf) becomes None
    assert _m(0.38, math.nan).stderr is None


def test_one_read_only_table_of_keys_with_the_added_keys():
    # keys techniques add are rows of the one table, not registered at import
    for key, unit in {"d002_ordered": "nm", "d002_dilated": "nm", "fraction_002_ordered": "1",
                      "dahn_r": "1", "saxs_correlation_length": "nm", "saxs_porosity": "1",
                      "saxs_pore_volume": "cm^3/g", "saxs_specific_surface": "m^2/g"}.items():
        assert DESCRIPTORS[key].unit == unit
    with pytest.raises(TypeError):
        DESCRIPTORS["test_only_key"] = KeySpec("1", "xrd", "x", "x", "x")
    with pytest.raises(RecordError, match="unknown descriptor key 'test_only_key'"):
        StructuralRecord("S").with_measurements({"test_only_key": _m(1.0, unit="1")})


def test_from_json_and_read_records_take_what_records_json_holds(tmp_path):
    one = StructuralRecord("A").with_measurements({"d002": _m(0.3781)})
    two = StructuralRecord("B").with_measurements({"lc": _m(1.3)})
    path = tmp_path / "records.json"
    path.write_text(records_to_json([one]), encoding="utf-8")
    assert StructuralRecord.from_json(path.read_text(encoding="utf-8")) == one
    assert StructuralRecord.from_json(one.to_json()) == one
    assert read_records(path) == [one]
    path.write_text(records_to_json([one, two], indent=2), encoding="utf-8")
    with pytest.raises(RecordError, match=r"2 records \('A', 'B'\).*read_records"):
        StructuralRecord.from_json(path.read_text(encoding="utf-8"))
    assert read_records(path) == [one, two]
    path.write_text(one.to_json(), encoding="utf-8")
    assert read_records(path) == [one]
    path.write_text("[1, 2", encoding="utf-8")
    with pytest.raises(RecordError, match=r"records\.json: not JSON"):
        read_records(path)
    with pytest.raises(RecordError, match=r"missing\.json: cannot read"):
        read_records(tmp_path / "missing.json")


def test_provenance_from_file_hashes_bytes(tmp_path):
    p = tmp_path / "x.xy"
    p.write_bytes(b"10 1\n20 2\n")
    prov = Provenance.from_file(p, reader="xrd.read_xy", parameters={"k": 1.0})
    # sha256 of b"10 1\n20 2\n", computed with hashlib independently of charz
    import hashlib

    assert prov.sha256 == hashlib.sha256(b"10 1\n20 2\n").hexdigest() == file_sha256(p)
    assert prov.source == "x.xy"
    with pytest.raises(RecordError, match="not JSON-serialisable"):
        Provenance("x", parameters={"bad": object()})
