"""Notebook display of every analysis result: ``_repr_html_`` (a table of the descriptors
with their units) and a short ``__repr__`` (issue 13, notebook use)."""

from __future__ import annotations

import functools
import html
import importlib
import inspect
import pkgutil
import warnings

import pytest

import charz
from charz.display import DescriptorsHTMLMixin
from charz.examples import path as ex

PACKAGES = ("xrd", "raman", "saxs", "sorption", "echem", "charz")
#: Classes with a ``descriptors()`` method that are not analysis results shown as a table.
NOT_RESULTS = {
    "Correlation",        # charz.correlate: a pair of keys, descriptors() is empty by design
    "HasDescriptors",     # charz.record: the protocol
    "StructuralRecord",   # charz.record: its own _repr_html_ (tested in test_record)
}


def _result_classes() -> list[type]:
    found = {}
    for pkg_name in PACKAGES:
        pkg = importlib.import_module(pkg_name)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{pkg_name}."):
            if info.name.rsplit(".", 1)[-1].startswith("__"):
                continue
            try:
                mod = importlib.import_module(info.name)
            except ImportError:  # an optional extra that is not installed
                continue
            for name, cls in inspect.getmembers(mod, inspect.isclass):
                if (cls.__module__ == mod.__name__ and not name.startswith("_")
                        and callable(getattr(cls, "descriptors", None))):
                    found[f"{cls.__module__}.{name}"] = cls
    return [found[k] for k in sorted(found)]


def test_every_result_class_has_an_html_table():
    classes = _result_classes()
    assert len(classes) >= 20
    missing = [f"{c.__module__}.{c.__name__}" for c in classes
               if c.__name__ not in NOT_RESULTS
               and not issubclass(c, DescriptorsHTMLMixin)]
    assert missing == []


@functools.cache
def _n2():
    from sorption.summary import summarize

    iso = charz.read(ex("sorption/HC-demo_N2_77K.csv"), technique="sorption")
    return summarize(iso, thickness_curve="carbon_black")


@functools.cache
def _co2():
    from sorption.summary import summarize

    return summarize(charz.read(ex("sorption/HC-demo_CO2_273K.csv"), technique="sorption"))


@functools.cache
def _cycler():
    return charz.read(ex("echem/HC-demo_cycler.csv"), technique="echem")


@functools.cache
def _oversodiation():
    return charz.read(ex("echem/HC-demo_oversodiation.csv"), technique="echem")


@functools.cache
def _saxs():
    import saxs
    from saxs.models import fit_porod_dab

    return fit_porod_dab(saxs.read(ex("saxs/HC-demo.dat")))


@functools.cache
def _density():
    from saxs.density import closed_pore_volume, read_pycnometer

    report = read_pycnometer(ex("saxs/HC-demo_pycnometer.csv"))
    return report, closed_pore_volume(report, skeleton_density=2.26)


def xrd_fit():
    from xrd.peaks import fit_pattern

    return fit_pattern(charz.read(ex("xrd/HC-demo.xye"), technique="xrd"))


def raman_fit():
    from raman.bands import fit_bands

    return fit_bands(charz.read(ex("raman/HC-demo.txt"), technique="raman"),
                     la_relation="tuinstra_koenig")


def raman_map():
    from raman.bands import fit_bands

    spectra = charz.read(ex("raman/HC-demo_map.txt"), technique="raman", laser=532.0)
    return fit_bands(spectra, la_relation="tuinstra_koenig")


def saxs_fit():
    return _saxs()


def saxs_guinier():
    from saxs.guinier import fit_guinier

    return fit_guinier(_saxs().pore_term(), report_diameter=False)


def saxs_density():
    return _density()[1]


def saxs_porosity():
    from saxs.invariant import porosity_from_fit

    return porosity_from_fit(_saxs(), true_density=_density()[0].density)


def sorption_summary():
    return _n2()


def sorption_bet():
    return _n2().bet


def sorption_bjh():
    return _n2().bjh


def sorption_tplot():
    return _n2().tplot


def sorption_pore_volume():
    return _n2().pore_volume


def sorption_dr():
    return _co2().dr


def echem_capacities():
    from echem.capacity import cycle_capacities

    return cycle_capacities(_cycler())


def echem_slope_plateau():
    from echem.capacity import slope_plateau

    return slope_plateau(_cycler(), split_voltage=0.1)


def echem_dqdv():
    from echem.dqdv import dqdv

    return dqdv(_cycler())


def echem_plating():
    from echem.plating import plating_onset

    return plating_onset(_oversodiation())


def echem_stripping():
    from echem.dqdv import stripping_peak

    return stripping_peak(_oversodiation())


def echem_rate():
    from echem.capacity import rate_response_from_cycler

    cycler = charz.read(ex("echem/HC-demo_rate.csv"), technique="echem")
    return rate_response_from_cycler(cycler, one_c_ma_g=300.0)


def echem_gitt():
    from echem.gitt import gitt

    t = charz.examples.truth()["echem"]["gitt"]
    return gitt(charz.read(ex(t["file"]), technique="echem"), length_cm=float(t["length_cm"]))


FACTORIES = {name: obj for name, obj in dict(globals()).items()
             if callable(obj) and name.split("_")[0] in
             ("xrd", "raman", "saxs", "sorption", "echem")}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_result_html_and_repr(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PhysicsWarnings of the example data, tested elsewhere
        result = FACTORIES[name]()
    text = result._repr_html_()
    assert isinstance(text, str)
    assert "<table" in text
    assert type(result).__name__ in text
    measurements = result.descriptors()  # may be empty (dQ/dV: a figure, no key)
    for key, m in measurements.items():
        assert f"<code>{key}</code>" in text
        if m.unit != "1":  # dimensionless: no unit printed
            assert f">{html.escape(m.unit)}<" in text, (key, m.unit)
    assert "<script" not in text
    assert len(repr(result)) < 800, repr(result)
    assert "\n" not in repr(result)


def test_failed_fit_html_says_why():
    import numpy as np
    import xarray as xr

    from xrd.peaks import fit_pattern

    tt = np.linspace(10, 80, 700)
    flat = xr.DataArray(np.full(tt.size, 100.0), dims="two_theta", name="intensity",
                        coords={"two_theta": ("two_theta", tt, {"units": "deg"})},
                        attrs={"units": "count", "wavelength": 0.15406, "source": "flat.xy"})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit_pattern(flat)
    except charz.CharzError as exc:
        failed = getattr(exc, "result", None)
        if failed is None:
            pytest.skip("this failure carries no result object")
        text = failed._repr_html_()
        assert type(failed).__name__ in text
        assert len(repr(failed)) < 800
    else:
        pytest.fail("a flat pattern was fitted")


def test_lazy_series_html_does_not_compute():
    import dask.array
    import numpy as np
    import xarray as xr

    from charz.record import Provenance
    from charz.series import SeriesResult

    calls = []

    def boom(x):
        calls.append(1)
        return x

    lazy = dask.array.from_array(np.ones(4), chunks=2).map_blocks(boom)
    maps = xr.Dataset({"d002": ("time", lazy), "success": ("time", lazy > 0),
                       "flags": ("time", np.array([""] * 4, object))})
    res = SeriesResult(maps=maps, technique="xrd", keys=("d002",), methods={},
                       source=Provenance("x.nc"))
    calls.clear()  # dask calls boom once on empty arrays to infer the output type
    text = res._repr_html_()
    assert "lazy" in text
    assert "time: 4" in text
    assert calls == []
    assert len(repr(res)) < 200
