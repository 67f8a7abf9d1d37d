"""Cycler readers on real files (../shared/data/echem, read in place) and generated CSVs.

Reference numbers come from the files themselves (their own summary sheets or columns),
from the other export of the same run (.mpr vs .mpt written by EC-Lab), or from the
folder's SOURCES.md (row counts, voltage ranges, cycle counts checked there with the
upstream readers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from numpy.testing import assert_allclose

import charz
from charz.errors import CharzError, CorruptFileError, MissingMetadataError, PhysicsWarning
from echem.io import CyclerDataError, cycler_dataset, with_mass
from echem.synthetic import two_cycle_cell, write_cycler_csv

ECHEM = "echem"


def _contract(ds: xr.Dataset) -> None:
    assert set(ds.dims) == {"record"}
    for name in ("time", "voltage", "current", "capacity_abs", "cycle", "step", "step_type"):
        assert name in ds, name
        assert "long_name" in ds[name].attrs
    units = {"time": "s", "voltage": "V", "current": "mA", "capacity_abs": "mA*h"}
    for name, unit in units.items():
        assert ds[name].attrs["units"] == unit
    if "capacity" in ds:
        assert ds["capacity"].attrs["units"] == "mA*h/g"
        assert ds.attrs["active_mass_mg"] > 0
    assert set(np.unique(ds["step_type"].values)) <= {"rest", "cc_charge", "cc_discharge", "cv"}
    assert np.all(np.diff(ds["step"].values) >= 0)
    assert np.all(np.diff(ds["time"].values) >= 0)  # test time, never a step time
    assert ds["cycle"].dtype.kind == "i"


def test_landt_xlsx_reproduces_its_cycle_sheet(shared_data):
    import openpyxl

    path = shared_data / ECHEM / "navani" / "NJK_CC_156_C30_C_x30.xlsx"
    ds = charz.read(path)
    _contract(ds)
    assert ds.sizes["record"] == 62305  # SOURCES.md: 62 305 records
    # mass = capacity / specific capacity of the Cycle sheet (0.0256 mAh / 255.9 mAh/g)
    assert_allclose(ds.attrs["active_mass_mg"], 0.100, rtol=0.01)
    from echem.capacity import cycle_capacities

    table = cycle_capacities(ds).table
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(wb["Cycle"].iter_rows(values_only=True))[2:]  # header, cycle 0
    wb.close()
    ref = np.array([[r[3], r[4], r[5]] for r in rows], float)  # charge, discharge, CE %
    assert table.sizes["cycle"] == 30 == len(ref)
    # the Record sheet logs capacity to 1e-4 mAh = 1 mA*h/g at 0.1 mg: compare to 1 mA*h/g
    assert_allclose(table["desodiation"].values, ref[:, 0], atol=1.0)
    assert_allclose(table["sodiation"].values, ref[:, 1], atol=1.0)
    assert_allclose(100 * table["coulombic_efficiency"].values, ref[:, 2], atol=1.0)
    assert "start_time" not in ds.attrs  # the export has none


@pytest.mark.parametrize("stem", ["gcpl.issue_149", "mb.issue_95"])
def test_mpr_matches_ec_lab_text_export(shared_data, stem):
    folder = shared_data / ECHEM / "yadg-eclab"
    a = charz.read(folder / f"{stem}.mpr")
    with pytest.warns(PhysicsWarning, match="mass") if stem.startswith("mb") else _nullctx():
        b = charz.read(folder / f"{stem}.mpt")
    _contract(a)
    for name in ("time", "voltage", "current", "capacity_abs"):
        assert_allclose(a[name].values, b[name].values, rtol=1e-6, atol=1e-7, err_msg=name)
    for name in ("cycle", "step", "step_type"):
        np.testing.assert_array_equal(a[name].values, b[name].values)
    assert a.attrs["start_time"] == b.attrs["start_time"]


class _nullctx:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_mpt_decimal_comma_locale(shared_data):
    folder = shared_data / ECHEM / "yadg-eclab"
    with pytest.warns(PhysicsWarning, match="0.001 mg"):
        de = charz.read(folder / "mb.issue_95.de.mpt")
    with pytest.warns(PhysicsWarning, match="0.001 mg"):
        en = charz.read(folder / "mb.issue_95.mpt")
    xr.testing.assert_allclose(de.drop_attrs(), en.drop_attrs())
    assert de.attrs["start_time"] == "2022-12-08T14:36:53.355000"  # 'Acquisition started on'
    assert "capacity" not in de  # the 0.001 mg placeholder mass is refused


def test_mpt_timestamps_need_a_zone(shared_data):
    path = shared_data / ECHEM / "yadg-eclab" / "gcpl.issue_149.mpt"
    ds = charz.read(path)
    assert "timestamp" not in ds
    assert ds.attrs["start_time_zone"].startswith("unknown")
    ds = charz.read(path, tz="+01:00")
    assert ds.attrs["start_time"] == "2024-01-10T10:02:29.886000+00:00"
    assert ds["timestamp"].values[0] == np.datetime64("2024-01-10T10:02:29.886") + np.timedelta64(
        round(ds["time"].values[0] * 1e9), "ns")


def test_mpr_gcpl_5_cycles(shared_data):
    name = "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"
    ds = charz.read(shared_data / ECHEM / "navani" / name)
    _contract(ds)
    assert ds.sizes["record"] == 46102  # SOURCES.md
    assert_allclose([ds.voltage.min(), ds.voltage.max()], [2.0, 3.8], atol=0.005)
    assert ds.attrs["start_time"].startswith("2020-10-26")
    # EC-Lab cycle number = half cycle // 2: 5 full cycles between a first and last partial
    assert ds.attrs["current_source"].startswith("derived")
    counts = np.bincount(ds.cycle.values)
    assert (counts[1:6] > 1000).all()


def test_mpr_unknown_column_ids_raise(shared_data):
    # PEIS columns (frequency, impedance) are not decoded: a clear error, not garbage
    with pytest.raises(CorruptFileError, match=r"column ID\(s\) 32, 37, 38") as err:
        charz.read(shared_data / ECHEM / "yadg-eclab" / "peis.mpr")
    # and says what the file is instead of advising a text export that fails the same way
    assert "impedance (PEIS/GEIS) technique, not cycling data" in str(err.value)
    assert "Export as text" not in str(err.value)


def test_mpr_cv_with_newer_column_ids(shared_data):
    # the file that breaks galvani 0.5.0 (IDs 11, 24, 168, 434, 438; yadg issue 149)
    ds = charz.read(shared_data / ECHEM / "yadg-eclab" / "cv.issue_149.mpr")
    _contract(ds)
    assert ds.sizes["record"] == 5930  # SOURCES.md
    assert_allclose([ds.voltage.min(), ds.voltage.max()], [-0.5, 0.5], atol=0.002)
    assert np.unique(ds.cycle.values).tolist() == [1, 2, 3]
    # two independently decoded columns agree: (Q-Qo)/C (ID 434) = 3.6 × ∫<I>dt (ID 11)
    t, i = ds.time.values, ds.current.values
    seg = ds.step.values == 1
    q_int = np.concatenate([[0.0], np.cumsum(0.5 * (i[1:] + i[:-1]) * np.diff(t))]) / 3600
    assert_allclose(ds.capacity_abs.values[seg][-1], abs(q_int[seg][-1] - q_int[seg][0]),
                    rtol=0.01)


def test_mpr_truncated(shared_data, tmp_path):
    raw = (shared_data / ECHEM / "yadg-eclab" / "gcpl.issue_149.mpr").read_bytes()
    bad = tmp_path / "cut.mpr"
    bad.write_bytes(raw[:9000])
    with pytest.raises(CorruptFileError, match="truncated"):
        charz.read(bad)


def test_impedance_mpt_is_refused(shared_data):
    with pytest.raises(CyclerDataError, match="impedance"):
        charz.read(shared_data / ECHEM / "yadg-eclab" / "peis.mpt")


def test_maccor_sodium_ion_cell(shared_data):
    ds = charz.read(shared_data / ECHEM / "cellpy" / "maccor_002.txt")
    _contract(ds)
    assert ds.sizes["record"] == 7446
    assert_allclose([ds.voltage.min(), ds.voltage.max()], [0.0345, 3.80], atol=1e-3)
    assert abs(ds.current).max() <= 0.162  # ≤ 0.16 mA (SOURCES.md)
    assert set(np.unique(ds.cycle.values)) == {0, 1}  # Cycle P column, 2 cycles
    # TestTime is in minutes here: the DPT Time clock ticks 60 s per unit
    assert_allclose(ds.time.values[1] - ds.time.values[0], 60.0)
    # discharge rows are negative
    assert (ds.current.values[ds.step_type.values == "cc_discharge"] < 0).all()


def test_maccor_day_clock_times(shared_data):
    ds = charz.read(shared_data / ECHEM / "beep" / "maccor_test_file_4267-66-6519.041")
    _contract(ds)
    assert_allclose(ds.time.values[:2], [0.0, 1.0])


def test_neware_flat_csv_matches_its_capacity_columns(shared_data):
    path = shared_data / ECHEM / "cellpy" / "neware_uio.csv"
    df = pd.read_csv(path)
    # mass from the file's own Capacity(Ah) / Spec. Cap.(mAh/g): 2.08 mg
    ds = charz.read(path, mass_mg=2.08)
    _contract(ds)
    assert ds.sizes["record"] == 9065
    assert_allclose(ds.capacity_abs.values, df["Capacity(Ah)"].to_numpy() * 1000, atol=1e-9)
    assert_allclose(ds.capacity.values, df["Spec. Cap.(mAh/g)"].to_numpy(), atol=0.01)
    assert np.unique(ds.cycle.values).tolist() == [1, 2, 3, 4]
    assert_allclose(ds.time.values[1], 60.0)  # hh:mm:ss strings
    # 'Cumulative Time' (not the step time 'Time'): 144:02:18 at the end
    assert np.all(np.diff(ds.time.values) >= 0)
    assert_allclose(ds.time.values[-1], 144 * 3600 + 2 * 60 + 18)


def test_arbin_csv_epoch_datetime(shared_data):
    ds = charz.read(shared_data / ECHEM / "beep" / "2017-05-09_test-TC-contact_CH33.csv")
    _contract(ds)
    assert ds.attrs["start_time"].startswith("2017-05-10T00:47:33.17")  # 1494377253.17 Unix
    assert_allclose(ds.current.values[0], 6600.44, rtol=1e-5)  # 6.6 A in mA
    assert "timestamp" in ds


@pytest.mark.parametrize(
    ("name", "rows", "cycles", "vrange"),
    [
        ("cellpy/20160805_test001_45_cc_01.res", 10261, 18, (0.050, 3.117)),
        ("navani/arbin_example.res", 2150, 5, (3.0, 4.3)),
    ],
)
def test_arbin_res(shared_data, name, rows, cycles, vrange):
    pytest.importorskip("access_parser")
    ds = charz.read(shared_data / ECHEM / name)
    _contract(ds)
    assert ds.sizes["record"] == rows
    assert np.unique(ds.cycle.values).size == cycles
    assert_allclose([ds.voltage.min(), ds.voltage.max()], vrange, atol=2e-3)


@pytest.mark.parametrize(
    ("name", "rows", "cycles"),
    [
        ("newarenda/TestFile.nda", 6670, 3),
        ("navani/test.nda", 439, 2),
        ("navani/test.ndax", 1464, 1),
        ("newarenda/TESTCELL0001-Test_Data_Collection_Ndc17.ndax", 80, 1),
    ],
)
def test_neware_nda(shared_data, name, rows, cycles):
    pytest.importorskip("NewareNDA")
    ds = charz.read(shared_data / ECHEM / name)
    _contract(ds)
    assert ds.sizes["record"] == rows
    assert np.unique(ds.cycle.values).size == cycles


def test_neware_step_time_is_chained(shared_data):
    # NewareNDA gives step time for this BTS 8.0 file; the test time must span the test:
    # TestInfo.xml StartTime 2024-02-01 20:24:23, EndTime 2024-02-02 08:34:23 (12 h 10 min)
    # and the last record at 43 800 s after the first by the Timestamp column
    pytest.importorskip("NewareNDA")
    ds = charz.read(shared_data / ECHEM / "navani" / "test.ndax")
    _contract(ds)
    assert_allclose(ds.time.values[-1], 43800.0)


def test_neware_nda_voltage_range_and_cv(shared_data):
    pytest.importorskip("NewareNDA")
    ds = charz.read(shared_data / ECHEM / "newarenda" / "TestFile.nda")
    assert_allclose([ds.voltage.min(), ds.voltage.max()], [1.72, 4.20], atol=0.01)
    assert "cv" in set(ds.step_type.values)
    assert "timestamp" in ds


def test_arbin_xlsx(shared_data):
    name = "bs542_004_gr_li_50ua_50mv_1v_191020_Channel_11.xlsx"
    ds = charz.read(shared_data / ECHEM / "navani" / name)
    _contract(ds)
    assert ds.sizes["record"] == 4526
    assert_allclose(abs(ds.current).max(), 0.05, rtol=0.06)  # 50 µA


# ---- generated files ------------------------------------------------------------------


def test_generic_csv_roundtrip(tmp_path):
    ds, _ = two_cycle_cell(noise=0.001)
    path = tmp_path / "cell.csv"
    write_cycler_csv(ds, path, header={"active_mass_mg": 2.0, "sample": "X"},
                     start="2026-01-02T03:04:05+01:00")
    back = charz.read(path)
    _contract(back)
    assert back.attrs["active_mass_mg"] == 2.0
    assert back.attrs["start_time"] == "2026-01-02T03:04:05+01:00"
    assert back["timestamp"].values[0] == np.datetime64("2026-01-02T02:04:05")
    assert_allclose(back.capacity.values, ds.capacity.values, atol=1e-3)
    for name in ("cycle", "step", "step_type"):
        np.testing.assert_array_equal(back[name].values, ds[name].values)


def test_csv_without_current_column(tmp_path):
    path = tmp_path / "nocurrent.csv"
    path.write_text("time_s,voltage_V,capacity_mAh\n0,1.0,0\n1,0.9,0.1\n", encoding="utf-8")
    with pytest.raises(CharzError, match="current"):
        charz.read(path, technique="echem")


def test_csv_current_without_unit_needs_it(tmp_path):
    path = tmp_path / "bare.csv"
    path.write_text("time,voltage,current\n0,1.0,-0.1\n10,0.9,-0.1\n", encoding="utf-8")
    with pytest.raises(CyclerDataError, match="current_unit"):
        charz.read(path, technique="echem")
    ds = charz.read(path, technique="echem", current_unit="A")
    assert_allclose(ds.current.values, [-100.0, -100.0])


@pytest.mark.parametrize("mass", [0, -1.0, float("nan"), "abc"])
def test_bad_mass(mass):
    ds, _ = two_cycle_cell()
    with pytest.raises(CyclerDataError, match="mass"):
        with_mass(ds, mass)


def test_mass_in_grams_by_mistake_is_refused():
    ds, _ = two_cycle_cell(mass_mg=2.0)
    with pytest.raises(CyclerDataError, match="the mass is wrong"):
        with_mass(ds, 0.002)  # 2 mg typed as grams: 270 000 mA*h/g


def test_no_mass_no_specific_capacity():
    from echem.capacity import cycle_capacities

    ds, _ = two_cycle_cell()
    with pytest.raises(MissingMetadataError, match="mass_mg"):
        cycle_capacities(ds.drop_vars("capacity"))


def test_builder_rejects_empty_and_nonnumeric_current():
    with pytest.raises(CyclerDataError, match="no data points"):
        cycler_dataset([], [], [])
    with pytest.raises(CyclerDataError, match="current"):
        cycler_dataset([0, 1], [1, 1], [np.nan, np.nan])


def test_derived_cycles_and_integrated_capacity():
    # rest, discharge 1 h at -1 mA, charge 0.5 h at +1 mA, discharge again: 2 cycles
    t = np.arange(0, 3 * 3600 + 1, 60.0)
    i = np.where(t < 600, 0.0, np.where(t < 4200, -1.0, np.where(t < 6000, 1.0, -1.0)))
    ds = cycler_dataset(t, np.ones_like(t), i)
    assert ds.attrs["cycle_source"].startswith("derived")
    assert np.unique(ds.cycle.values).tolist() == [1, 2]
    assert ds.cycle.values[t == 6060][0] == 2
    first_discharge = ds.capacity_abs.values[(ds.step.values == 2)]
    assert_allclose(first_discharge.max(), 1.0 - 1.0 / 60, rtol=1e-9)  # 59 intervals of 1 min


# ---- small permissive copies in tests/data/echem (run without ../shared) ---------------


def test_small_mpr_v11(test_data):
    ds = charz.read(test_data / "echem" / "00_test_02_MB_C01.mpr")
    _contract(ds)
    assert ds.sizes["record"] == 11  # SOURCES.md
    assert ds.attrs["start_time"] == "2023-12-08T09:49:52.346000"  # VMP LOG OLE date
    assert np.all(np.diff(ds.time.values) > 0)
    assert ds.attrs["instrument"].endswith("v11)")


def test_small_maccor(test_data):
    ds = charz.read(test_data / "echem" / "maccor_example.txt")
    _contract(ds)
    assert ds.sizes["record"] == 37
    assert_allclose(ds.time.values[1], 60.0)  # 'Test (Min)'
    st = ds.step_type.values
    assert (ds.current.values[st == "cc_charge"] > 0).all()
    assert (ds.current.values[st == "cc_discharge"] < 0).all()
    assert_allclose(ds.current.values[st == "cc_charge"][0], 0.61)  # 0.00061 A


def test_small_ndax(test_data):
    pytest.importorskip("NewareNDA")
    ds = charz.read(test_data / "echem" / "TESTCELL0001-Test_Data_Collection_Ndc17.ndax")
    _contract(ds)
    assert ds.sizes["record"] == 80
    assert_allclose([ds.voltage.min(), ds.voltage.max()], [3.57, 3.61], atol=0.005)


def test_small_arbin_csv(test_data):
    ds = charz.read(test_data / "echem" / "2017-05-09_test-TC-contact_CH33.csv")
    assert ds.attrs["instrument"] == "Arbin (CSV export)"
    assert ds["timestamp"].values[0] == np.datetime64("2017-05-10T00:47:33.170")


def test_neware_nested_csv_matches_its_cycle_rows(shared_data):
    from echem.capacity import cycle_capacities

    path = shared_data / ECHEM / "cellpy" / "nw_regular_export_ife_example.csv"
    ds = charz.read(path)
    _contract(ds)
    assert ds.attrs["instrument"] == "Neware BTSDA (nested CSV export)"
    lines = path.read_text(encoding="utf-8").splitlines()[3:]
    cyc_rows = np.array([[float(f) for f in ln.split(",")[1:3]]
                         for ln in lines if ln and not ln.startswith(",")])
    # the file's own per-cycle charge / discharge capacities (A*h); mass 1 g -> mA*h/g = mA*h
    table = cycle_capacities(ds, mass_mg=1000.0).table
    assert table.sizes["cycle"] == len(cyc_rows) == 20
    assert_allclose(table["desodiation"].values, cyc_rows[:, 0] * 1000, atol=6e-3)
    assert_allclose(table["sodiation"].values, cyc_rows[:, 1] * 1000, atol=6e-3)


def test_novonix_csv(shared_data):
    ds = charz.read(shared_data / ECHEM / "beep" / "test_Nova_Form-CH01-01_short.csv")
    _contract(ds)
    assert ds.attrs["instrument"] == "Novonix HPC (CSV)"
    assert ds.attrs["start_time"] == "2022-04-11T10:58:07"  # Started: 2022-04-11 10:58:07 AM
    assert_allclose(ds.current.max(), 53.9, rtol=1e-3)  # 0.0539 A
    assert_allclose(ds.time.values[-1] / 3600, 17.4346, rtol=1e-4)  # Run Time (h) column


def test_landt_old_layout_continuation_sheets(tmp_path):
    import openpyxl

    from echem.synthetic import two_cycle_cell

    ds, truth = two_cycle_cell(noise=0.0, dt=120.0)
    header = ["Index", "TestTime/h", "StepTime/h", "Voltage/V", "Current/mA", "Capacity/mAh",
              "State"]
    state = {"rest": "R", "cc_discharge": "D_CC", "cc_charge": "C_CC"}
    rows = [[k + 1, t / 3600, 0.0, v, i, q, state[s]] for k, (t, v, i, q, s) in enumerate(zip(
        ds.time.values, ds.voltage.values, ds.current.values, ds.capacity_abs.values,
        ds.step_type.values, strict=True))]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Record"
    ws.append(header)
    half = len(rows) // 2
    for r in rows[:half]:
        ws.append(r)
    ws2 = wb.create_sheet("Record1")  # headerless continuation
    for r in rows[half:]:
        ws2.append(r)
    wb.create_sheet("Mode").append(["Index", "Mode"])
    path = tmp_path / "landt_old.xlsx"
    wb.save(path)
    back = charz.read(path, mass_mg=2.0)
    assert back.sizes["record"] == len(rows)
    from echem.capacity import cycle_capacities

    res = cycle_capacities(back)
    assert_allclose(res.initial_coulombic_efficiency.value,
                    truth["initial_coulombic_efficiency"], rtol=1e-6)


def test_neware_xlsx_layout(tmp_path, shared_data):
    import openpyxl

    src = pd.read_csv(shared_data / ECHEM / "cellpy" / "neware_uio.csv").iloc[:400]
    wb = openpyxl.Workbook()
    wb.active.title = "test"
    ws = wb.create_sheet("record")
    ws.append(list(src.columns))
    for row in src.itertuples(index=False):
        ws.append(list(row))
    wb.create_sheet("step")
    wb.create_sheet("cycle")
    path = tmp_path / "neware.xlsx"
    wb.save(path)
    ds = charz.read(path, mass_mg=2.08)
    ref = charz.read(shared_data / ECHEM / "cellpy" / "neware_uio.csv", mass_mg=2.08).isel(
        record=slice(0, 400))
    assert ds.attrs["instrument"] == "Neware BTSDA (xlsx export)"
    for name in ("time", "voltage", "current", "capacity", "cycle", "step"):
        assert_allclose(ds[name].values, ref[name].values, err_msg=name)


def test_csv_capacity_without_unit_is_integrated(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("time_s,voltage_V,current_mA,capacity\n0,1,-1,0\n1800,0.5,-1,999\n"
                    "3600,0.1,-1,999\n", encoding="utf-8")
    ds = charz.read(path, technique="echem")
    assert ds.attrs["capacity_source"].startswith("integrated")
    assert_allclose(ds.capacity_abs.values, [0.0, 0.5, 1.0])
    bare = tmp_path / "bare.csv"
    bare.write_text("time,voltage,current\n0,1.0,-0.1\n10,0.9,-0.1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="current_unit= got"):
        charz.read(bare, technique="echem", current_unit="mAh")
