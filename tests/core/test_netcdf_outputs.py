"""Every NetCDF charz writes: units on each variable and coordinate, global provenance."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import xarray as xr

from charz.cli import main
from charz.demo import example_data_dir

EX = example_data_dir()
CYCLER = EX / "echem" / "HC-demo_cycler.csv"


def check_netcdf(path: Path, *, technique: str) -> xr.Dataset:
    """Open with xarray and check units/flag attributes and the global provenance."""
    with xr.open_dataset(path, decode_times=False) as ds:  # datetimes: raw numbers + units
        for name, var in ds.variables.items():
            kind = var.dtype.kind
            if name == "success":  # a CF flag variable, no unit
                assert var.attrs["flag_meanings"] == "not_fitted fitted", name
                assert list(var.attrs["flag_values"]) == [0, 1]
            elif kind in "iuf":
                assert var.attrs.get("units"), f"{path.name}: {name} has no units"
            else:  # text (flags, source file names): described, no unit
                assert var.attrs.get("long_name"), f"{path.name}: {name} has no long_name"
                assert "units" not in var.attrs
        a = ds.attrs
        assert "units" not in a  # a file has no unit; its variables do
        assert a["Conventions"] == "CF-1.10"
        assert a["technique"] == technique
        assert a["method"]
        assert a["charz_version"]
        assert a["date_created"].endswith("+00:00")
        ds.load()
        return ds


def _sources(ds: xr.Dataset) -> dict[str, str]:
    names = ds.attrs["sources"].split("; ")
    hashes = ds.attrs["sources_sha256"].split("; ")
    assert len(names) == len(hashes)
    return dict(zip(names, hashes, strict=True))


def test_insitu_raman_writes_netcdf_with_units_and_provenance(tmp_path):
    src = EX / "insitu_raman" / "HC-demo_operando.txt"
    assert main(["insitu", "raman", str(src), "--echem", str(CYCLER), "--tz", "+01:00",
                 "--la-relation", "tuinstra_koenig", "--out", str(tmp_path), "--quiet"]) == 0
    ds = check_netcdf(tmp_path / "insitu_raman.nc", technique="raman")
    assert ds.attrs["laser_wavelength"] == 532.0
    assert ds.attrs["laser_wavelength_units"] == "nm"
    assert _sources(ds) == {src.name: hashlib.sha256(src.read_bytes()).hexdigest()}
    assert ds["g_position"].attrs["units"] == "1/cm"
    assert ds["id_ig"].attrs["units"] == "1"
    assert ds["time"].attrs["units"] == "s"
    assert ds["voltage"].attrs["units"] == "V"
    assert ds["data"].dims == ("time", "raman_shift")
    assert int(ds["success"].sum()) == ds.sizes["time"] == 43


def test_insitu_xrd_netcdf(tmp_path):
    folder = EX / "insitu_xrd"
    assert main(["insitu", "xrd", str(folder), "--echem", str(CYCLER), "--out",
                 str(tmp_path), "--quiet"]) == 0
    ds = check_netcdf(tmp_path / "insitu_xrd.nc", technique="xrd")
    assert ds.attrs["wavelength"] == pytest.approx(0.1540593)
    assert ds.attrs["wavelength_units"] == "nm"
    files = sorted(folder.glob("*.xye"))
    assert _sources(ds) == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert ds["d002"].attrs["units"] == "nm"
    assert ds["param_p002_center"].attrs["units"] == "deg"
    assert ds["param_p002_fraction"].attrs["units"] == "1"
    assert ds["two_theta"].attrs["units"] == "deg"


def test_insitu_saxs_netcdf(tmp_path, operando_saxs_frames):
    frames, _amplitudes = operando_saxs_frames
    out = tmp_path / "out"
    assert main(["insitu", "saxs", str(frames), "--out", str(out), "--quiet"]) == 0
    ds = check_netcdf(out / "insitu_saxs.nc", technique="saxs")
    assert _sources(ds) == {f"op_{i:03d}.dat": hashlib.sha256(
        (frames / f"op_{i:03d}.dat").read_bytes()).hexdigest() for i in range(3)}
    assert ds["dab_scale"].attrs["units"] == "1/cm"
    assert ds["saxs_pore_diameter"].attrs["units"] == "nm"


def test_series_to_zarr_and_netcdf_carry_units(tmp_path):
    """The engine's writers (SeriesResult.to_netcdf/to_zarr) on a Raman map."""
    import charz
    from raman.bands import fit_bands

    spectra = charz.read(EX / "raman" / "HC-demo_map.txt", technique="raman", laser=532.0)
    res = fit_bands(spectra, la_relation="tuinstra_koenig")
    ds = check_netcdf(res.to_netcdf(tmp_path / "map.nc"), technique="raman")
    assert ds.attrs["laser_wavelength"] == 532.0
    assert _sources(ds) == {"HC-demo_map.txt": hashlib.sha256(
        (EX / "raman" / "HC-demo_map.txt").read_bytes()).hexdigest()}
    z = res.to_zarr(tmp_path / "map.zarr").maps
    assert z["id_ig"].attrs["units"] == "1"
    assert z.attrs["sources"] == "HC-demo_map.txt"
    for name, var in z.variables.items():
        if var.dtype.kind in "iuf" and name != "success":
            assert var.attrs.get("units"), name
