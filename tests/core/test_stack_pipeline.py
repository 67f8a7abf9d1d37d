"""A detector stack to per-frame fits in one dask graph: integration and fit on the workers.

Truth: frames generated with pyFAI from a (002)-like ring whose 2θ is known per frame
(``CENTRES``); the stack is written as an Eiger-like HDF5 master file. The same frames
are fitted in memory (numpy), lazily on dask's threads, and on a ``LocalCluster`` of two
worker processes, where the whole chain — read the frame blocks, integrate with a cached
pyFAI integrator, fit each pattern — runs under :func:`charz.series.scheduler` and
``persist()``; the results must agree with the truth and with each other.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("pyFAI")
pytest.importorskip("h5py")
hdf5plugin = pytest.importorskip("hdf5plugin")
pytest.importorskip("dask")

from charz import images  # noqa: E402
from charz.detector import frames_from_profiles  # noqa: E402
from charz.series import _is_dask, scheduler  # noqa: E402

LAMBDA_M = 1.5406e-10
CENTRES = np.array([22.8, 23.2, 23.6, 24.0, 24.4, 24.8])  # truth: ring 2θ (deg) per frame
NPT = 400


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    import h5py
    from pyFAI.integrator.azimuthal import AzimuthalIntegrator

    d = tmp_path_factory.mktemp("stack")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ai = AzimuthalIntegrator(dist=0.1, poni1=0.0168, poni2=0.0, detector="Pilatus100k",
                                 wavelength=LAMBDA_M)
    poni = d / "geom.poni"
    ai.write(str(poni))
    tt = np.linspace(0.5, 45, 3000)
    frames = frames_from_profiles(
        ai, tt, [300 + 4000 * np.exp(-0.5 * ((tt - c) / 1.6) ** 2) for c in CENTRES], seed=0)
    frames[:, 97, :] = -1  # a dead module row, as a Pilatus writes it
    master = d / "run_master.h5"
    with h5py.File(master, "w") as fh:
        fh["entry/instrument/detector/frame_time"] = 10.0
        for k in range(0, len(frames), 3):
            name = f"run_data_{k // 3 + 1:06d}.h5"
            with h5py.File(d / name, "w") as dfh:
                dfh.create_dataset("entry/data/data", data=frames[k:k + 3],
                                   chunks=(1, *frames.shape[1:]),
                                   **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))
            fh[f"entry/data/data_{k // 3 + 1:06d}"] = h5py.ExternalLink(name,
                                                                       "entry/data/data")
    return master, poni, frames


def _fit(series):
    from xrd.series import fit_pattern_series

    return fit_pattern_series(series, fit_10=False, window=(15.0, 33.0))


@pytest.mark.slow
def test_stack_numpy_dask_and_cluster_give_the_generated_ring_positions(stack):
    distributed = pytest.importorskip("distributed")
    master, poni, frames = stack
    # numpy: the frames in memory, integrated now, fitted in-process
    eager = images.integrate_stack(frames, poni, npt=NPT, unit="2th_deg")
    assert not _is_dask(eager)
    ref = _fit(eager).maps
    assert bool(ref["success"].all())
    np.testing.assert_allclose(ref["two_theta_002"].values, CENTRES, atol=0.05)  # truth
    # dask (threads): the HDF5 stack read by frame blocks, integration and fit in one graph
    with scheduler("threads"):
        lazy = images.integrate_stack(master, poni, npt=NPT, unit="2th_deg", chunk_frames=2)
        assert _is_dask(lazy)
        res = _fit(lazy)
        assert _is_dask(res.maps["two_theta_002"])  # nothing computed yet
        got = res.maps.compute()
    np.testing.assert_allclose(got["two_theta_002"].values, ref["two_theta_002"].values,
                               rtol=0, atol=1e-9)
    # a LocalCluster of 2 worker processes: the same graph persisted on the workers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with scheduler("local:2") as client:
            assert isinstance(client, distributed.Client)
            lazy = images.integrate_stack(master, poni, npt=NPT, unit="2th_deg",
                                          chunk_frames=2)
            res = _fit(lazy)
            maps = res.maps.persist()  # integration and fits run and stay on the workers
            assert _is_dask(maps["two_theta_002"])
            values = maps["two_theta_002"].values  # waits for the workers
            on_workers = client.run(lambda: len(__import__("charz.images").images._CACHE))
            assert sum(on_workers.values()) >= 1  # the integrators were built there
            summary = res.summary()
    np.testing.assert_allclose(values, ref["two_theta_002"].values, rtol=0, atol=1e-9)
    assert summary == "6/6 fitted"
