"""Partial cycler records: an over-sodiation that was never charged (issue 10, item 4).

The central experiment of the target paper sodiates a Na||HC cell past 0 V to a capacity
cut-off; many such files end there. charz must give everything the data determine
(plating onset, slope/plateau capacities, dQ/dV) and leave out, with a note, what needs
both halves (ICE, reversible capacity), for the generic CSV and for every vendor reader.

Truth: the generated cell of :func:`echem.synthetic.two_cycle_cell` (closed-form curve,
known plating onset and slope/plateau split), cut after its first sodiation and written in
each vendor's text layout as the readers accept it. Binary formats: real files from
../shared/data/echem cut after their first sodiation (``.mpr``: the point count of the
data module rewritten; ``.nda``: whole records truncated), else (``.ndax``, ``.res``: a
database or zip that cannot be cut by bytes) the reader's Dataset cut the same way.
"""

from __future__ import annotations

import struct
import warnings
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import charz
from charz.errors import CharzWarning
from echem.io import CyclerDataError, cycler_dataset
from echem.summary import analyse
from echem.synthetic import two_cycle_cell, write_cycler_csv

MASS = 2.0
START = datetime(2025, 3, 4, 9, 30, 0)


@pytest.fixture(scope="module")
def cell():
    """Rest + first sodiation (40 mA*h/g into Na plating) of the generated cell."""
    ds, truth = two_cycle_cell(oversodiation=40.0, dt=30.0, seed=3)
    sod = np.flatnonzero((ds["current"].values < 0) & (ds["cycle"].values == 1))
    return ds.isel(record=slice(0, sod[-1] + 1)), truth


def _rows(ds):
    t = ds["time"].values
    v = ds["voltage"].values
    i = ds["current"].values
    q = ds["capacity_abs"].values  # mA*h within the step
    rest = ds["step_type"].values == "rest"
    step = ds["step"].values
    step_t = t - t[np.searchsorted(step, step, side="left")]
    return t, v, i, q, rest, step, step_t


def _hms(s):
    s = float(s)
    return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}"


def _write_generic(ds, path):
    write_cycler_csv(ds, path, header={"active_mass_mg": MASS})


def _write_mpt(ds, path, *, comma=False):
    t, v, i, q, rest, step, _ = _rows(ds)
    qq = -np.cumsum(np.diff(q, prepend=0.0).clip(0))  # (Q-Qo): cumulative, negative on discharge
    header = [
        "EC-Lab ASCII FILE", "Nb header lines : {n}", "",
        "Galvanostatic Cycling with Potential Limitation", "",
        f"Acquisition started on : {START:%m/%d/%Y %H:%M:%S}.000",
        f"Mass of active material : {MASS:.3f} mg", " at x = 0.000", "",
    ]
    cols = ["mode", "ox/red", "error", "time/s", "Ewe/V", "I/mA", "(Q-Qo)/mA.h",
            "cycle number", "Ns"]
    table = np.column_stack([np.where(rest, 3, 1), (i > 0).astype(int), np.zeros_like(t),
                             t, v, i, qq, np.zeros_like(t), step - 1])
    body = ["\t".join(f"{x:.7g}" if k > 2 else str(int(x)) for k, x in enumerate(r))
            for r in table]
    if comma:
        body = [b.replace(".", ",") for b in body]
    lines = [*header, "\t".join(cols), *body]
    lines[1] = lines[1].format(n=len(header) + 1)
    path.write_bytes("\r\n".join(lines).encode("cp1252"))


def _write_neware_flat(ds, path):
    t, v, i, q, rest, step, step_t = _rows(ds)
    df = pd.DataFrame({
        "DataPoint": np.arange(1, t.size + 1), "Cycle Index": 1, "Step Index": step,
        "Step Type": np.where(rest, "Rest", "CC DChg"),
        "Time": [_hms(s) for s in step_t], "Cumulative Time": [_hms(s) for s in t],
        "Current(A)": np.round(i / 1e3, 8), "Voltage(V)": np.round(v, 4),
        "Capacity(Ah)": np.round(q / 1e3, 9),
        "Date": [(START + timedelta(seconds=float(s))).strftime("%Y-%m-%d %H:%M:%S")
                 for s in t],
    })
    df.to_csv(path, index=False)


def _write_neware_nested(ds, path):
    t, v, i, q, rest, step, step_t = _rows(ds)
    lines = ["Cycle Index,Chg. Cap.(Ah),DChg. Cap.(Ah)",
             ",Step Index,Step Number,Step Type,Step Time,Capacity(Ah)",
             ",,DataPoint,Time,Total Time,Current(A),Voltage(V),Capacity(Ah),Date"]
    for k, s in enumerate(np.unique(step)):
        sel = step == s
        kind = "Rest" if rest[sel][0] else "CC DChg"
        fields = f"{s},{s},{kind},{_hms(step_t[sel][-1])},{q[sel][-1] / 1e3:.9f}"
        lines.append(f"1,0,{q.max() / 1e3:.9f}," + fields if k == 0 else "," + fields)
        for n in np.flatnonzero(sel):
            stamp = START + timedelta(seconds=float(t[n]))
            lines.append(f",,{n + 1},{_hms(step_t[n])},{_hms(t[n])},{i[n] / 1e3:.8f},"
                         f"{v[n]:.4f},{q[n] / 1e3:.9f},{stamp:%Y-%m-%d %H:%M:%S}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_novonix(ds, path):
    t, v, i, q, rest, step, step_t = _rows(ds)
    head = ["[Summary]", "Novonix HPC data file", "Novonix", "Channel: 01",
            "Mass (g): 1.000", f"Started: {START:%Y-%m-%d %I:%M:%S %p}", "[End Summary]",
            "[Protocol]", "[1: Constant_current_discharge: to -0.05 V]", "[End Protocol]",
            "[Data]"]
    cols = ("Date and Time,Cycle Number,Step Type,Run Time (h),Step Time (h),Current (A),"
            "Potential (V),Capacity (Ah),Step Number")
    rows = [f"{START + timedelta(seconds=float(t[n])):%Y-%m-%d %I:%M:%S %p},1,"
            f"{0 if rest[n] else 2},{t[n] / 3600:.7f},{step_t[n] / 3600:.7f},{i[n] / 1e3:.10f},"
            f"{v[n]:.8f},{q[n] / 1e3:.10f},{step[n]}" for n in range(t.size)]
    path.write_text("\n".join([*head, cols, *rows]) + "\n", encoding="utf-8")


def _write_maccor_a(ds, path):
    t, v, i, q, rest, step, step_t = _rows(ds)
    head = (f"Today's Date {START:%m/%d/%Y}  Date of Test:\t{START:%m/%d/%Y}\t Filename:\t"
            "C:\\Data\\HC-OS.001 Procedure: over-sodiation.000\tComment/Barcode: ")
    cols = ("Rec#\tCyc#\tStep\tTest (Min)\tStep (Min)\tAmp-hr\tWatt-hr\tAmps\tVolts\tState\t"
            "ES\tDPt Time")
    rows = [f"{n + 1}\t0\t{step[n]}\t{t[n] / 60:.4f}\t{step_t[n] / 60:.4f}\t{q[n] / 1e3:.10f}\t"
            f"0.0\t{abs(i[n]) / 1e3:.10f}\t{v[n]:.8f}\t{'R' if rest[n] else 'D'}\t0\t"
            f"{START + timedelta(seconds=float(t[n])):%H:%M:%S}" for n in range(t.size)]
    path.write_bytes("\r\n".join([head, cols, *rows]).encode("latin-1"))


def _write_maccor_b(ds, path):
    t, v, i, q, rest, step, step_t = _rows(ds)
    head = ["Name:\tHC-OS.053", "Channel:\t53", "Tester\tMaccor #4",
            f"Started\t{START:%m/%d/%Y %I:%M:%S %p}", ""]
    cols = ("Rec\tCycle P\tCycle C\tStep\tTestTime\tStepTime\tCap. [Ah]\tEner. [Wh]\t"
            "Current [A]\tVoltage [V]\tMd\tES\tDPT Time")

    def stamp(s):
        d = START + timedelta(seconds=float(s))
        return f"{d.month}/{d.day}/{d.year} {d:%I:%M:%S %p}".replace(" 0", " ")

    rows = [f"{n + 1}\t0\t1\t{step[n]}\t{t[n]:.6f}\t{step_t[n]:.6f}\t{q[n] / 1e3:.8f}\t0.0\t"
            f"{abs(i[n]) / 1e3:.8f}\t{v[n]:.4f}\t{'R' if rest[n] else 'D'}\t0\t{stamp(t[n])}\t"
            for n in range(t.size)]
    path.write_bytes("\r\n".join([*head, cols, "", *rows]).encode("latin-1"))


def _write_arbin_csv(ds, path):
    t, v, i, q, _rest, step, step_t = _rows(ds)
    epoch = START.timestamp()
    df = pd.DataFrame({
        "Data_Point": np.arange(t.size), "Test_Time": t, "DateTime": epoch + t,
        "Step_Time": step_t, "Step_Index": step, "Cycle_Index": 1, "Current": i / 1e3,
        "Voltage": v, "Charge_Capacity": 0.0,
        "Discharge_Capacity": np.cumsum(np.diff(q, prepend=0.0).clip(0)) / 1e3,
    })
    df.to_csv(path, index=False)


def _write_landt(ds, path):
    import openpyxl

    t, v, i, q, rest, _step, step_t = _rows(ds)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Record"
    ws.append(["Index", "TestTime/h", "StepTime/h", "Voltage/V", "Current/mA", "Capacity/mAh",
               "State"])
    for n in range(t.size):
        ws.append([n + 1, t[n] / 3600, step_t[n] / 3600, float(v[n]), float(i[n]),
                   float(q[n]), "R" if rest[n] else "D_CC"])
    wc = wb.create_sheet("Cycle")
    wc.append(["Cycle", "Charge-Cap/mAh", "Discharge-Cap/mAh", "Charge-SCap/mAh/g",
               "Discharge-SCap/mAh/g"])
    wc.append([1, 0.0, float(q.max()), 0.0, float(q.max() / (MASS / 1000))])
    wb.create_sheet("Mode").append(["Index", "Mode"])
    wb.save(path)


def _write_neware_xlsx(ds, path):
    import openpyxl

    tmp = path.with_suffix(".csv")
    _write_neware_flat(ds, tmp)
    src = pd.read_csv(tmp)
    wb = openpyxl.Workbook()
    wb.active.title = "test"
    ws = wb.create_sheet("record")
    ws.append(list(src.columns))
    for row in src.itertuples(index=False):
        ws.append(list(row))
    wb.create_sheet("step")
    wb.create_sheet("cycle")
    wb.save(path)


def _write_arbin_xlsx(ds, path):
    import openpyxl

    t, v, i, q, _rest, step, step_t = _rows(ds)
    wb = openpyxl.Workbook()
    wb.active.title = "Global_Info"
    wb.active.append(["Test Name", "HC-OS"])
    ws = wb.create_sheet("Channel_1_1")
    ws.append(["Data_Point", "Date_Time", "Test_Time(s)", "Step_Time(s)", "Cycle_Index",
               "Step_Index", "Current(A)", "Voltage(V)", "Charge_Capacity(Ah)",
               "Discharge_Capacity(Ah)"])
    dq = np.cumsum(np.diff(q, prepend=0.0).clip(0))
    for n in range(t.size):
        ws.append([n + 1, f"{START + timedelta(seconds=float(t[n])):%m/%d/%Y %H:%M:%S}",
                   float(t[n]), float(step_t[n]), 1, int(step[n]), float(i[n] / 1e3),
                   float(v[n]), 0.0, float(dq[n] / 1e3)])
    wb.save(path)


LAYOUTS = {
    "generic.csv": (_write_generic, "cycler CSV"),
    "biologic.mpt": (_write_mpt, "BioLogic"),
    "biologic_de.mpt": (lambda ds, p: _write_mpt(ds, p, comma=True), "BioLogic"),
    "neware_flat.csv": (_write_neware_flat, "Neware BTSDA (CSV"),
    "neware_nested.csv": (_write_neware_nested, "Neware BTSDA (nested"),
    "novonix.csv": (_write_novonix, "Novonix"),
    "maccor_a.txt": (_write_maccor_a, "Maccor"),
    "maccor_b.041": (_write_maccor_b, "Maccor"),
    "arbin.csv": (_write_arbin_csv, "Arbin (CSV"),
    "landt.xlsx": (_write_landt, "LANHE/Landt"),
    "neware.xlsx": (_write_neware_xlsx, "Neware BTSDA (xlsx"),
    "arbin.xlsx": (_write_arbin_xlsx, "Arbin (xlsx"),
}


def _analyse_quietly(ds_or_path, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = analyse(ds_or_path, **kw)
    notes = [str(w.message) for w in caught if issubclass(w.category, CharzWarning)]
    keys = {}
    for r in results:
        keys.update(r.descriptors())
    return results, keys, notes


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_sodiation_only_file_in_every_text_layout(cell, tmp_path, name):
    ds, truth = cell
    write, instrument = LAYOUTS[name]
    path = tmp_path / name
    write(ds, path)
    kw = {} if name in ("generic.csv", "biologic.mpt", "biologic_de.mpt", "landt.xlsx") else {
        "mass_mg": MASS}
    back = charz.read(path, technique="echem", **kw)
    assert back.attrs["instrument"].startswith(instrument)
    assert_allclose(back.attrs["active_mass_mg"], MASS, rtol=1e-3)
    assert not (back["current"].values > 0).any()  # sodiation only, never charged
    _results, keys, notes = _analyse_quietly(back)
    # what the data determine ...
    assert {"slope_capacity", "plateau_capacity", "plating_onset_capacity"} <= set(keys)
    onset = keys["plating_onset_capacity"]
    assert abs(onset.value - truth["plating_onset_capacity"]) < max(4 * onset.stderr, 1.0)
    for key in ("slope_capacity", "plateau_capacity"):
        assert_allclose(keys[key].value, truth[key], atol=3.0, err_msg=key)
    # ... and not what needs both halves, with one note saying so
    assert "initial_coulombic_efficiency" not in keys
    assert "reversible_capacity" not in keys
    assert any("initial_coulombic_efficiency" in n and "left out" in n for n in notes)
    # dQ/dV falls back to the sodiation half
    from echem.dqdv import dqdv

    d = dqdv(back)
    assert d.half == "sodiation"
    assert d.cycle == int(back["cycle"].values[back["current"].values < 0][0])
    assert np.nanmax(np.abs(d.curve["dqdv"].values)) > 0


def test_first_cycle_without_its_desodiation(cell, tmp_path):
    """Not over-sodiated: split and table, no plating onset, no ICE, no error."""
    ds0, truth0 = two_cycle_cell(seed=5)
    sod = np.flatnonzero((ds0["current"].values < 0) & (ds0["cycle"].values == 1))
    path = tmp_path / "first_half.csv"
    write_cycler_csv(ds0.isel(record=slice(0, sod[-1] + 1)), path,
                     header={"active_mass_mg": MASS})
    results, keys, _notes = _analyse_quietly(path)
    assert set(keys) == {"slope_capacity", "plateau_capacity"}
    assert_allclose(keys["slope_capacity"].value, truth0["slope_capacity"], atol=2.0)
    assert_allclose(keys["plateau_capacity"].value, truth0["plateau_capacity"], atol=2.0)
    table = results[0].table
    assert_allclose(table["sodiation"].sel(cycle=1), truth0["sodiation_capacity"], rtol=1e-3)
    assert np.isnan(table["desodiation"].sel(cycle=1))
    assert results[0].initial_coulombic_efficiency is None


def test_explicit_cycle_without_desodiation_still_raises(cell):
    from echem.capacity import cycle_capacities

    ds, _ = cell
    with pytest.raises(CyclerDataError, match="cycle 1 has no desodiation"):
        cycle_capacities(ds, cycle=1)


def test_error_only_when_no_analysis_applies():
    t = np.arange(0, 600.0, 10.0)
    rest = cycler_dataset(t, np.full(t.size, 2.8), np.zeros(t.size), mass_mg=MASS,
                          attrs={"source": "ocv.csv"})
    with pytest.raises(CyclerDataError, match="nothing to analyse"):
        analyse(rest)


def test_cli_on_sodiation_only_file(cell, tmp_path, capsys):
    from charz.cli import main

    ds, _truth = cell
    path = tmp_path / "HC-OS.csv"
    _write_generic(ds, path)
    assert main(["echem", str(path), "--json", "--dqdv"]) == 0
    out = capsys.readouterr()
    import json

    rec = json.loads(out.out)
    keys = rec[0]["descriptors"] if isinstance(rec, list) else rec["descriptors"]
    assert {"slope_capacity", "plateau_capacity", "plating_onset_capacity"} <= set(keys)
    assert "initial_coulombic_efficiency" not in keys
    assert "left out" in out.err
    assert out.err.count("HC-OS.csv") == out.err.count("\n")  # the file name once per note


# ---------------------------------------------------------------------------------------
# binary formats: real files cut after their first sodiation
# ---------------------------------------------------------------------------------------


def _first_sodiation_end(ds) -> int:
    i = ds["current"].values
    sod = i < 0
    k0 = int(np.flatnonzero(sod)[0])
    after = np.flatnonzero(i[k0:] > 0)
    return k0 + (int(after[0]) if after.size else i.size - k0)  # rows [0, end)


def _cut_mpr(raw: bytes, n_points: int) -> bytes:
    """Rewrite the point count of the 'VMP data' module (rows after it are ignored)."""
    pos = raw.find(b"MODULE")
    while pos >= 0:
        short = raw[pos + 6: pos + 16].rstrip(b" \x00")
        j = pos + 6 + 10 + 25
        new_layout = raw[j: j + 4] == b"\xff\xff\xff\xff"
        body = j + (24 if new_layout else 16)
        length = struct.unpack_from("<I", raw, j + (4 if new_layout else 0))[0]
        if short == b"VMP data":
            out = bytearray(raw)
            struct.pack_into("<I", out, body, n_points)
            return bytes(out)
        pos = raw.find(b"MODULE", body + length)
    raise AssertionError("no VMP data module")


def test_mpr_cut_after_first_sodiation(shared_data, tmp_path):
    src = shared_data / "echem" / "navani" / "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"
    full = charz.read(src)
    end = _first_sodiation_end(full)
    cut = tmp_path / "cut.mpr"
    cut.write_bytes(_cut_mpr(src.read_bytes(), end))
    ds = charz.read(cut, mass_mg=10.0)
    assert ds.sizes["record"] == end
    assert not (ds["current"].values > 0).any()
    _results, keys, notes = _analyse_quietly(ds)
    assert {"slope_capacity", "plateau_capacity"} == set(keys)
    # the split adds up to the file's own sodiation capacity (|Q-Qo| at the end of the half)
    sod = (full["current"].values[:end] < 0) & (full["step_type"].values[:end] != "rest")
    q_file = float(full["capacity_abs"].values[:end][sod][-1]) / 0.010  # mA*h/g at 10 mg
    assert_allclose(keys["slope_capacity"].value + keys["plateau_capacity"].value, q_file,
                    rtol=1e-6)
    assert any("left out" in n for n in notes)


def test_mpr_that_holds_only_a_sodiation(shared_data):
    ds = charz.read(shared_data / "echem" / "navani" / "00_test_02_MB_C01.mpr", mass_mg=1.0)
    assert not (ds["current"].values > 0).any()
    _results, keys, notes = _analyse_quietly(ds)
    assert {"slope_capacity", "plateau_capacity"} == set(keys)
    assert any("initial_coulombic_efficiency" in n for n in notes)


def test_nda_truncated_after_first_sodiation(shared_data, tmp_path):
    """Neware .nda v130 (TestFile.nda starts with a discharge): records after it cut off."""
    src = shared_data / "echem" / "newarenda" / "TestFile.nda"
    pytest.importorskip("NewareNDA")
    full = charz.read(src)
    end = _first_sodiation_end(full)
    raw = src.read_bytes()
    # BTS 9.1 layout: fixed-size records from byte 1024, each starting with 0x55, the
    # record length being the distance to the next record's first two bytes
    rec_size = raw.find(raw[1024:1026], 1026) - 1024
    cut = tmp_path / "cut.nda"
    cut.write_bytes(raw[:1024 + end * rec_size])
    ds = charz.read(cut, mass_mg=1000.0)
    assert ds.sizes["record"] == end
    assert_allclose(ds["voltage"].values, full["voltage"].values[:end])
    assert not (ds["current"].values > 0).any()
    _results, keys, notes = _analyse_quietly(ds)
    assert {"slope_capacity", "plateau_capacity"} == set(keys)
    assert any("left out" in n for n in notes)


@pytest.mark.parametrize("rel", ["navani/test.ndax", "cellpy/20160805_test001_45_cc_01.res",
                                 "navani/arbin_example.res"])
def test_reader_dataset_cut_after_first_sodiation(shared_data, rel):
    """.ndax (zip) and .res (Access database) cannot be cut by bytes: cut their Dataset."""
    ds = charz.read(shared_data / "echem" / rel, mass_mg=10.0)
    end = _first_sodiation_end(ds)
    k0 = int(np.flatnonzero(ds["current"].values < 0)[0])
    part = ds.isel(record=slice(k0, end))  # the first sodiation alone
    _results, keys, notes = _analyse_quietly(part)
    assert {"slope_capacity", "plateau_capacity"} == set(keys)
    q = part["capacity"].values[part["step_type"].values != "rest"]
    assert keys["slope_capacity"].value + keys["plateau_capacity"].value <= q.sum()
    assert any("left out" in n for n in notes)


# ---------------------------------------------------------------------------------------
# flags (issue 10, item 1)
# ---------------------------------------------------------------------------------------


def test_capacities_on_an_assumed_mass_are_flagged(cell):
    from echem.capacity import slope_plateau
    from echem.io import with_mass

    ds, _ = cell
    clean = slope_plateau(ds)
    assert clean.slope_capacity.flags == ()
    guessed = with_mass(ds, MASS, source="assumed")
    res = slope_plateau(guessed)
    assert res.slope_capacity.flags == ("assumed:mass",)
    assert res.plateau_capacity.flags == ("assumed:mass",)
    from echem.plating import plating_onset

    assert "assumed:mass" in plating_onset(guessed).plating_onset_capacity.flags


def test_rate_response_that_is_not_a_line_is_poor_fit():
    from echem.capacity import rate_response

    good = rate_response([0.1, 0.2, 0.5, 1, 2], [300, 296, 285, 265, 225])
    assert good.rate_response.flags == ()
    collapse = rate_response([0.1, 0.2, 0.5, 1, 2, 5], [300, 60, 299, 298, 30, 297])
    assert abs(collapse.rate_response.extra["pearson_r"]) < 0.9
    assert collapse.rate_response.flags == ("poor_fit",)


def test_record_starting_inside_a_step_is_said():
    """An export that begins mid-sodiation (BEEP's PredictionDiagnostics .052 starts at
    record 249791 with 1916 mA*h/g already passed in its step): the capacity carried at
    the first row is named, to the value the file holds there."""
    from charz.errors import DataCleaningWarning
    from echem.capacity import cycle_capacities

    ds, truth = two_cycle_cell(dt=30.0, seed=5)
    sod = (ds["current"].values < 0) & (ds["cycle"].values == ds["cycle"].values.min())
    rows = np.flatnonzero(sod & (ds["capacity"].values > 100.0))
    cut = ds.isel(record=slice(int(rows[0]), None))
    carried = float(cut["capacity"].values[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataCleaningWarning)
        full = cycle_capacities(ds)  # a whole record: nothing to say
    with pytest.warns(DataCleaningWarning, match="starts inside a step") as rec:
        part = cycle_capacities(cut)
    msg = next(str(w.message) for w in rec if "starts inside" in str(w.message))
    assert f"already passed {carried:.4g} mA*h/g" in msg
    assert 100.0 < carried < 101.0
    # the step's own counter still gives the half cycle's total
    first = int(ds["cycle"].values.min())
    assert_allclose(part.table["sodiation"].sel(cycle=first),
                    full.table["sodiation"].sel(cycle=first), rtol=1e-9)
    assert_allclose(full.table["sodiation"].sel(cycle=first), truth["sodiation_capacity"],
                    rtol=0.01)
