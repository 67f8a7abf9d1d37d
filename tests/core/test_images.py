"""charz.images: one pyFAI integration for XRD and SAXS, detector stacks at pyFAI's speed.

Truths: frames generated with pyFAI from a known 1-D profile (a ring whose 2θ moves by a
known step per frame), and pyFAI's own loop with one integrator and one static mask run on
the same frames (the peer implementation: the patterns must be equal, number for number).
"""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyFAI")
fabio = pytest.importorskip("fabio")

from charz import detector, images  # noqa: E402
from charz.errors import CharzError, CharzWarning, CorruptFileError, MissingMetadataError  # noqa: E402

LAMBDA_M = 1.5406e-10
CENTRES = [23.3, 23.5, 23.7, 23.9, 24.1, 24.3]  # truth: ring 2θ (deg) of each frame
NPT = 300


def _ai():
    from pyFAI.integrator.azimuthal import AzimuthalIntegrator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AzimuthalIntegrator(dist=0.1, poni1=0.0168, poni2=0.0, detector="Pilatus100k",
                                   wavelength=LAMBDA_M)


def _frames(ai, centres=CENTRES, seed=0) -> np.ndarray:
    """int32 frames (frame, 195, 487): a (002)-like ring on a flat background, Poisson
    noise, a dead module row (−1) and two bad pixels (−2), as a Pilatus writes them."""
    tt = np.linspace(0.5, 45, 3000)
    out = detector.frames_from_profiles(
        ai, tt, [200 + 3000 * np.exp(-0.5 * ((tt - c) / 1.5) ** 2) for c in centres],
        seed=seed)
    out[:, 97, :] = -1
    out[:, 10, 20] = out[:, 150, 300] = -2
    return out


@pytest.fixture(scope="module")
def geometry(tmp_path_factory):
    d = tmp_path_factory.mktemp("images")
    ai = _ai()
    poni = d / "geom.poni"
    ai.write(str(poni))
    frames = _frames(ai)
    files = []
    for i, img in enumerate(frames):
        p = d / f"frame_{i}.edf"
        fabio.edfimage.EdfImage(data=img).write(str(p))
        files.append(p)
    return d, poni, frames, files


def write_eiger_master(folder: Path, frames: np.ndarray, *, per_file: int = 4,
                       pixel_mask: np.ndarray | None = None, frame_time: float = 10.0,
                       stem: str = "series") -> Path:
    """An Eiger-like master file: ``/entry/data/data_NNNNNN`` external links to data files
    holding bitshuffle-LZ4 frames (hdf5plugin), with NXdetector ``frame_time``,
    ``count_time`` and ``detectorSpecific/pixel_mask``."""
    h5py = pytest.importorskip("h5py")
    hdf5plugin = pytest.importorskip("hdf5plugin")
    master = folder / f"{stem}_master.h5"
    with h5py.File(master, "w") as fh:
        det = fh.create_group("entry/instrument/detector")
        det["frame_time"] = frame_time
        det["count_time"] = frame_time * 0.9
        if pixel_mask is not None:
            det["detectorSpecific/pixel_mask"] = pixel_mask.astype(np.uint32)
        for k in range(0, len(frames), per_file):
            name = f"{stem}_data_{k // per_file + 1:06d}.h5"
            with h5py.File(folder / name, "w") as dfh:
                dfh.create_dataset("entry/data/data", data=frames[k:k + per_file],
                                   chunks=(1, *frames.shape[1:]),
                                   **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))
            fh[f"entry/data/data_{k // per_file + 1:06d}"] = h5py.ExternalLink(
                name, "entry/data/data")
    return master


def pyfai_loop(poni, frames, mask, *, unit="2th_deg", npt=NPT):
    """The peer: one integrator, one static mask, pyFAI's integrate1d per frame."""
    import pyFAI

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ai = pyFAI.load(str(poni))
    res = [ai.integrate1d(f, npt, unit=unit, mask=mask, error_model="poisson")
           for f in frames]
    return (np.array([r.radial for r in res]), np.array([r.intensity for r in res]),
            np.array([r.sigma for r in res]))


def _centroids(x, y, lo=17.0, hi=30.0):
    w = (x > lo) & (x < hi)
    yy = y[:, w] - np.nanmin(y[:, w], axis=1, keepdims=True)
    return (yy * x[w]).sum(axis=1) / yy.sum(axis=1)


# ---------------------------------------------------------------------------------------
# the same pattern as pyFAI's own loop, for every kind of input
# ---------------------------------------------------------------------------------------


def test_file_stack_equals_pyfai_loop_and_truth(geometry):
    _d, poni, frames, files = geometry
    da = images.integrate_stack(files, poni, npt=NPT, unit="2th_deg")
    x, y, s = pyfai_loop(poni, frames, frames[0] < 0)
    assert da.dims == ("frame", "two_theta")
    np.testing.assert_array_equal(da["two_theta"].values, x[0])
    np.testing.assert_array_equal(da.values, y)  # same numbers, not just close
    np.testing.assert_array_equal(da["sigma"].values, s)
    np.testing.assert_allclose(_centroids(x[0], da.values), CENTRES, atol=0.03)
    assert da["two_theta"].attrs["units"] == "deg"
    assert da["frame"].attrs["units"] == "1"
    assert da["sigma"].attrs["units"] == "count"
    assert da.attrs["wavelength"] == pytest.approx(0.15406)
    assert list(da["source"].values) == [f.name for f in files]
    assert all(len(h) == 64 for h in da["sha256"].values)
    assert da.attrs["poni"] == "geom.poni"
    assert len(da.attrs["poni_sha256"]) == 64
    assert da.attrs["reader"] == "charz.images.integrate_stack"


def test_array_stacks_eager_and_lazy_equal_the_loop(geometry):
    pytest.importorskip("dask")
    _d, poni, frames, _files = geometry
    _x, y, _s = pyfai_loop(poni, frames, frames[0] < 0)
    eager = images.integrate_stack(frames, poni, npt=NPT, unit="2th_deg")
    lazy = images.integrate_stack(frames, poni, npt=NPT, unit="2th_deg", lazy=True,
                                  chunk_frames=4)
    assert type(lazy.data).__module__.startswith("dask")
    assert lazy.data.chunks[0] == (4, 2)
    np.testing.assert_array_equal(eager.values, y)
    np.testing.assert_array_equal(lazy.values, y)  # threaded scheduler, 2 blocks at once


def test_q_unit_peak_position(geometry):
    _d, poni, frames, files = geometry
    one = images.integrate(files[2], poni, npt=NPT)  # default unit: q in 1/nm
    assert one.dims == ("q",)
    assert one["q"].attrs["units"] == "1/nm"
    q = one["q"].values
    w = (q > 13) & (q < 21)
    yy = one.values[w] - one.values[w].min()
    q_truth = 4 * np.pi / (LAMBDA_M * 1e9) * np.sin(np.radians(CENTRES[2] / 2))
    assert (yy * q[w]).sum() / yy.sum() == pytest.approx(q_truth, abs=0.03)
    assert one.attrs["source"] == files[2].name
    assert len(one.attrs["sha256"]) == 64
    _x, yq, _s = pyfai_loop(poni, frames[2:3], frames[2] < 0, unit="q_nm^-1")
    np.testing.assert_array_equal(one.values, yq[0])


def test_xrd_and_saxs_share_the_integration(geometry):
    import saxs
    from xrd.images import integrate_image, integrate_images

    _d, poni, _frames, files = geometry
    core = images.integrate(files[0], poni, npt=NPT, unit="2th_deg")
    x = integrate_image(files[0], poni, npt=NPT)
    np.testing.assert_array_equal(x.values, core.values)
    assert x.attrs["technique"] == "xrd"
    series = integrate_images(files, poni, npt=NPT)
    np.testing.assert_array_equal(series.values[0], core.values)
    s = saxs.integrate_image(files[0], poni, npt=NPT)  # poni positional or keyword
    sq = images.integrate(files[0], poni=poni, npt=NPT)
    keep = sq["q"].values > 0
    np.testing.assert_array_equal(s.values, sq.values[keep & (sq.values != 0)])
    assert s.attrs["technique"] == "saxs"
    assert s.attrs["wavelength_nm"] == pytest.approx(0.15406)


# ---------------------------------------------------------------------------------------
# one integrator per geometry; a static mask; per-frame bad pixels without a rebuild
# ---------------------------------------------------------------------------------------


def test_integrator_built_once_per_geometry(geometry, monkeypatch):
    import pyFAI

    _d, poni, _frames, files = geometry
    images.clear_cache()
    calls = []
    real = pyFAI.load
    monkeypatch.setattr(pyFAI, "load", lambda *a, **k: calls.append(a) or real(*a, **k))
    images.integrate_stack(files, poni, npt=NPT, unit="2th_deg")
    images.integrate_stack(files[::-1], poni, npt=NPT, unit="2th_deg")
    for f in files:
        images.integrate(f, poni, npt=NPT, unit="2th_deg")
    assert len(calls) == 1  # one geometry: one integrator for 6 + 6 + 6 frames
    images.integrate(files[0], poni, npt=NPT + 1, unit="2th_deg")  # other bins: a new one
    assert len(calls) == 2


def test_pixels_invalid_in_a_later_frame(geometry):
    _d, poni, frames, _files = geometry
    frames = frames.copy()
    frames[3, 40:45, 100:200] = -7  # a burst of bad pixels in frame 3 only (not the
    # Pilatus dummy values −1/−2, which pyFAI itself skips for a known Pilatus detector)
    da = images.integrate_stack(frames, poni, npt=NPT, unit="2th_deg")
    static = frames[0] < 0
    _x, y, _s = pyfai_loop(poni, frames[[0, 3]], static)
    _x, y3, _s = pyfai_loop(poni, frames[3:4], static | (frames[3] < 0))
    np.testing.assert_array_equal(da.values[0], y[0])
    np.testing.assert_allclose(da.values[3], y3[0], rtol=1e-6)  # masked, as pyFAI would
    assert not np.allclose(y[1], y3[0])  # (left in, the −7 pixels would change the pattern)
    kept = images.integrate_stack(frames, poni, npt=NPT, unit="2th_deg", invalid_below=None)
    _x, y_all, _s = pyfai_loop(poni, frames[3:4], None)
    np.testing.assert_array_equal(kept.values[3], y_all[0])


def test_mask_dioptas_flip_and_options(geometry, tmp_path):
    _d, poni, frames, files = geometry
    mask = np.zeros(frames.shape[1:], np.uint8)
    mask[:, :200] = 1
    da = images.integrate(frames[0], poni, npt=NPT, unit="2th_deg", mask=mask,
                          poni_convention="dioptas")
    flipped = np.flipud(frames[0])
    _x, y, _s = pyfai_loop(poni, [flipped], np.flipud(mask != 0) | (flipped < 0))
    np.testing.assert_array_equal(da.values, y[0])
    assert da.attrs["mask_source"].startswith("user mask")
    with pytest.raises(CharzError, match="mask shape"):
        images.integrate(files[0], poni, mask=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="unit="):  # an OptionError is a ValueError
        images.integrate(files[0], poni, unit="r_mm")
    with pytest.raises(ValueError, match="poni_convention"):
        images.integrate(files[0], poni, poni_convention="fit2d")
    with pytest.raises(CharzError, match="does not match the detector"):
        images.integrate(np.ones((50, 60)), poni)
    nowave = tmp_path / "nowave.poni"
    nowave.write_text("\n".join(line for line in poni.read_text().splitlines()
                                if not line.startswith("Wavelength")), encoding="utf-8")
    with pytest.raises(MissingMetadataError, match="no wavelength"):
        images.integrate(files[0], nowave)
    with pytest.raises(CharzError, match="PONI file not found"):
        images.integrate(files[0], tmp_path / "absent.poni")


def test_bad_frame_in_a_list_is_a_nan_row(geometry, tmp_path):
    _d, poni, _frames, files = geometry
    bad = tmp_path / "frame_2.edf"
    bad.write_bytes(b"not an image at all")
    stack = [*files[:2], bad, *files[3:]]
    with pytest.warns(CharzWarning, match=r"1 of 6 frames left out.*frame_2\.edf"):
        da = images.integrate_stack(stack, poni, npt=NPT, unit="2th_deg")
    assert np.isnan(da.values[2]).all()
    assert np.isfinite(da.values[[0, 1, 3]]).all()
    assert da.attrs["bad_frames"] == ["frame_2.edf"]
    with pytest.raises(CharzError, match="no image files"):
        images.integrate_stack([], poni)


# ---------------------------------------------------------------------------------------
# HDF5/NeXus stacks: lazy, by blocks of frames, on any dask scheduler
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eiger(geometry, tmp_path_factory):
    pytest.importorskip("dask")
    _d, poni, frames, _files = geometry
    folder = tmp_path_factory.mktemp("eiger")
    pm = np.zeros(frames.shape[1:], bool)
    pm[:, 480:] = True  # the detector's own mask: the last columns
    return write_eiger_master(folder, frames, pixel_mask=pm), poni, frames, pm


def test_open_stack_is_lazy_by_frame_blocks(eiger):
    master, _poni, frames, pm = eiger
    st = detector.open_stack(master, chunk_frames=4)
    assert st.dims == ("frame", "y", "x")
    assert st.data.chunks == ((4, 2), (195,), (487,))
    assert st.attrs["dataset"] == "/entry/data/data_000001, /entry/data/data_000002"
    np.testing.assert_array_equal(st["pixel_mask"].values != 0, pm)
    np.testing.assert_allclose(st["time"].values, np.arange(6) * 10.0 + 4.5)
    assert st["time"].attrs["units"] == "s"
    pickle.dumps(st.data.__dask_graph__())  # tasks travel to workers: no h5py handle inside
    np.testing.assert_array_equal(st[3:5].values, frames[3:5])  # across the two data files
    np.testing.assert_array_equal(st.values, frames)


def test_first_frame_of_a_stack_reads_one_frame(eiger, monkeypatch):
    master, _poni, frames, _pm = eiger
    st = detector.open_stack(master, chunk_frames=4)
    read = []
    orig = detector._H5Frames.__getitem__

    def counting(self, key):
        out = orig(self, key)
        read.append(out.shape[0] if out.ndim == 3 else 1)
        return out

    monkeypatch.setattr(detector._H5Frames, "__getitem__", counting)
    np.testing.assert_array_equal(detector.first_frame(st), frames[0])
    assert read == [1]                        # not the first block of 4 frames
    np.testing.assert_array_equal(detector.first_frame(st.isel(frame=slice(2, None))),
                                  frames[2])  # any other stack: its frame 0


def test_hdf5_stack_equals_pyfai_loop(eiger):
    master, poni, frames, pm = eiger
    da = images.integrate_stack(master, poni, npt=NPT, unit="2th_deg", chunk_frames=4)
    assert type(da.data).__module__.startswith("dask")  # nothing integrated yet
    assert da.dims == ("time", "two_theta")
    _x, y, s = pyfai_loop(poni, frames, pm | (frames[0] < 0))
    np.testing.assert_array_equal(da.values, y)
    np.testing.assert_array_equal(da["sigma"].values, s)
    assert da.attrs["mask_source"] == "detector pixel_mask, pixels < 0 in the first frame"
    assert da.attrs["source"] == master.name
    assert len(da.attrs["sha256"]) == 64
    np.testing.assert_allclose(_centroids(da["two_theta"].values, da.values), CENTRES,
                               atol=0.03)


def test_hdf5_errors(tmp_path, geometry):
    h5py = pytest.importorskip("h5py")
    _d, poni, _frames, _files = geometry
    fake = tmp_path / "fake.h5"
    fake.write_bytes(b"\x89HDF\r\n garbage")
    with pytest.raises(CorruptFileError, match=r"fake\.h5"):
        detector.open_stack(fake)
    flat = tmp_path / "flat.h5"
    with h5py.File(flat, "w") as fh:
        fh["entry/data/data"] = np.zeros((4, 5))
    with pytest.raises(CorruptFileError, match="not a 3-D frame stack"):
        detector.open_stack(flat)
    broken = tmp_path / "broken_master.h5"
    with h5py.File(broken, "w") as fh:
        fh["entry/data/data_000001"] = h5py.ExternalLink("absent.h5", "entry/data/data")
    with pytest.raises(CorruptFileError, match="no 3-D detector stack"):
        images.integrate_stack(broken, poni)


@pytest.mark.slow
def test_hdf5_stack_on_a_local_cluster(eiger):
    distributed = pytest.importorskip("distributed")
    master, poni, frames, pm = eiger
    _x, y, _s = pyfai_loop(poni, frames, pm | (frames[0] < 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=40) as cluster, \
                distributed.Client(cluster) as client:
            da = images.integrate_stack(master, poni, npt=NPT, unit="2th_deg",
                                        chunk_frames=1)
            got = da.values  # computed on the workers
            np.testing.assert_array_equal(got, y)
            # each worker process built its integrator once for its several frames
            built = client.run(lambda: len(__import__("charz.images").images._CACHE))
            assert sorted(built.values()) in ([1, 1], [0, 1])
            assert sum(built.values()) >= 1


# ---------------------------------------------------------------------------------------
# real files (read in place; skipped when the shared data folder is absent)
# ---------------------------------------------------------------------------------------


def test_lambda_nexus_stack(data_file):
    pytest.importorskip("h5py")
    pytest.importorskip("dask")
    nxs = data_file("images/dioptas/testasapo1_1009_00002_m1_part00000.nxs")
    d = nxs.parent
    st = detector.open_stack(nxs, chunk_frames=4)
    assert st.shape == (10, 516, 1554)
    assert st.attrs["dataset"] == "/entry/instrument/detector/data"
    assert "pixel_mask" in st.coords  # the Lambda detector's own mask
    da = images.integrate_stack(nxs, d / "L2.poni", npt=500, unit="2th_deg", chunk_frames=4)
    frames = st.values
    static = (st["pixel_mask"].values != 0) | (frames[0] < 0)
    _x, y, _s = pyfai_loop(d / "L2.poni", frames, static, npt=500)
    np.testing.assert_array_equal(da.values, y)
    assert np.isfinite(da.values).any()


def test_pilatus_tiff_stack_matches_dioptas_rings(data_file, tmp_path):
    # the CeO2 Pilatus frame three times: each row is the single-frame pattern, whose rings
    # the Dioptas pattern confirms (tests/xrd/test_real_data.py)
    d = data_file("saxs/dioptas/CeO2_Pilatus1M.tif").parent
    files = []
    for i in range(3):
        p = tmp_path / f"ceo2_{i}.tif"
        p.write_bytes((d / "CeO2_Pilatus1M.tif").read_bytes())
        files.append(p)
    da = images.integrate_stack(files, d / "CeO2_Pilatus1M.poni", npt=1512, unit="2th_deg",
                                poni_convention="dioptas", invalid_below=None,
                                polarization_factor=0.0)
    ref = np.loadtxt(d / "CeO2_Pilatus1M.xy")
    strong = ref[:, 1] > 0.01 * ref[:, 1].max()
    for row in da.values:
        assert np.median(np.abs(row[strong] / ref[strong, 1] - 1)) < 1e-4


# ---------------------------------------------------------------------------------------
# command line: charz insitu xrd|saxs STACK.h5 --poni P
# ---------------------------------------------------------------------------------------


def test_cli_insitu_xrd_from_hdf5_stack(eiger, tmp_path, capsys):
    import pandas as pd

    from charz.cli import main

    master, poni, _frames, _pm = eiger
    rc = main(["insitu", "xrd", str(master), "--poni", str(poni), "--out", str(tmp_path),
               "--quiet"])
    assert rc == 0
    assert "6/6 fitted" in capsys.readouterr().out  # the series engine's count
    assert (tmp_path / "insitu_xrd_heatmap.png").stat().st_size > 0  # frames have times
    df = pd.read_csv(tmp_path / "insitu_xrd_frames.csv")  # units in the column names
    bragg = 0.15406 / (2 * np.sin(np.radians(np.array(CENTRES) / 2)))  # truth, nm
    np.testing.assert_allclose(df["d002 (nm)"], bragg, atol=0.0015)
    assert np.all(np.diff(df["d002 (nm)"]) < 0)  # the ring moves out: d002 shrinks frame by frame


def test_cli_insitu_saxs_from_hdf5_stack(tmp_path, capsys):
    import pandas as pd
    from pyFAI.integrator.azimuthal import AzimuthalIntegrator

    from charz.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ai = AzimuthalIntegrator(dist=0.2, poni1=0.0168, poni2=0.005, detector="Pilatus100k",
                                 wavelength=LAMBDA_M)
    poni = tmp_path / "saxs.poni"
    ai.write(str(poni))
    q = np.geomspace(0.02, 20, 4000)
    lengths = [0.6, 0.7, 0.8]  # truth: DAB correlation length a (nm) of each frame
    frames = detector.frames_from_profiles(
        ai, q, [5 * q**-4 + 3000 / (1 + (a * q) ** 2) ** 2 + 50 for a in lengths],
        unit="q_nm^-1", seed=1)
    master = write_eiger_master(tmp_path, frames, per_file=2, stem="saxs")
    out = tmp_path / "out"
    rc = main(["insitu", "saxs", str(master), "--poni", str(poni), "--out", str(out),
               "--q-range", "0.5", "8", "--porod-exponent", "4", "--quiet"])
    assert rc == 0
    assert "3/3 fitted" in capsys.readouterr().out  # the series engine's count
    df = pd.read_csv(out / "insitu_saxs_frames.csv")
    np.testing.assert_allclose(df["dab_length (nm)"], lengths, rtol=0.03)
    assert (out / "insitu_saxs_heatmap.png").exists()
