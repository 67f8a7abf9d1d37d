"""Scaling table: cost linear in size, client memory flat (issue 11, item 5).

Two series, each run on a ``dask.distributed`` LocalCluster (``--workers`` single-threaded
worker processes) through the public API, with the results written chunk by chunk:

* **spectra** — Zarr maps of 10³, 10⁴ and 10⁵ two-band carbon spectra (1000 points,
  float32 on disk, band parameters varying per spectrum, written chunk by chunk)::

      spectra = xr.open_zarr(store)["intensity"]
      raman.fit_bands(spectra).to_zarr(out)          # workers read, fit and write

* **frames** — Eiger-like HDF5 stacks (bitshuffle-LZ4) of 10, 100 and 1000 frames of a
  **small synthetic detector** (pyFAI's Pilatus 100k, 195 × 487 pixels, a (002)-like
  ring, Poisson noise: 1000 Pilatus 1M frames would not fit the 5-minute budget of one
  command on 2 shared cores; ``benchmarks/pyfai_stack.py`` times real Pilatus 1M frames)
  — read by frame blocks and integrated with one cached pyFAI integrator per worker,
  the patterns written chunk by chunk (10, 100, 1000 frames); and the same followed by a
  per-frame (002) fit (:func:`xrd.series.fit_pattern_series`, lmfit, ~0.2 s a frame: 10
  and 100 frames, 1000 with ``--fit-1000``), all in one graph::

      series = charz.images.integrate_stack(master, poni, npt=500, unit="2th_deg")
      xrd.series.fit_pattern_series(series, fit_10=False).to_zarr(out)

For each size it prints the wall time per item, its ratio to the smallest size's (1.0 =
linear cost), the peak resident memory of the calling (client) process above its level
before the run (sampled every 20 ms), the client's CPU time, and the fitted fraction. A
baseline in the same process: the in-memory path (numpy data, fitted in-process on all
cores; 3000 spectra, 30 frames) is timed per item too, so the table also shows the
cluster's cost per item against it.

Run: ``python benchmarks/scaling.py [--workers 2] [--quick] [--only spectra|frames]``
(``--quick``: 10³/10⁴ and 10/100 only). Each part takes 1–3 min on 2 idle cores (run
them one by one on a loaded machine); the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's charz

from raman_cluster import M, PeakRSS, X
from raman_cluster import _block as _block64
from raman_cluster import _cpu_self as _cpu

# ---------------------------------------------------------------------------------------
# spectra
# ---------------------------------------------------------------------------------------


def _spectra(n: int, seed: int) -> np.ndarray:
    """n two-band spectra (the cluster benchmark's generator) as float32."""
    return _block64(n, seed).astype(np.float32)


def write_map(store: Path, n: int, chunk: int) -> None:
    """An (n, 1000) float32 map written to Zarr chunk by chunk (never whole in memory)."""
    import dask
    import dask.array as dsa
    import xarray as xr

    sizes = [min(chunk, n - i) for i in range(0, n, chunk)]
    arr = dsa.concatenate([dsa.from_delayed(dask.delayed(_spectra)(c, k), (c, M), np.float32)
                           for k, c in enumerate(sizes)], axis=0)
    da = xr.DataArray(arr, dims=("spectrum", "raman_shift"),
                      coords={"spectrum": np.arange(n),
                              "raman_shift": ("raman_shift", X, {"units": "1/cm"})},
                      name="intensity", attrs={"units": "count"})
    with dask.config.set(scheduler="threads"):
        da.to_dataset().to_zarr(store, mode="w", zarr_format=2)


def run_spectra(sizes, tmp: Path, chunk: int) -> list[dict]:
    import xarray as xr

    from raman.bands import fit_bands

    rows = []
    for n in sizes:
        store, out = tmp / f"map_{n}.zarr", tmp / f"fit_{n}.zarr"
        write_map(store, n, min(chunk, n))
        c0 = _cpu()
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            res = fit_bands(xr.open_zarr(store)["intensity"]).to_zarr(out)
            counts = res.counts()
            wall = time.perf_counter() - t0
        rows.append({"n": n, "wall": wall, "per_ms": wall / n * 1e3, "client_mb": mem.above_mb,
                     "client_cpu": _cpu() - c0, "fitted": counts.fitted / counts.n})
        _progress("spectra", rows[-1])
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    return rows


def in_memory_spectra(n: int) -> float:
    import xarray as xr

    from raman.bands import fit_bands

    y = xr.DataArray(_spectra(n, 7).astype(float), dims=("spectrum", "raman_shift"),
                     coords={"raman_shift": ("raman_shift", X, {"units": "1/cm"})})
    t0 = time.perf_counter()
    fit_bands(y)
    return (time.perf_counter() - t0) / n * 1e3


# ---------------------------------------------------------------------------------------
# frames
# ---------------------------------------------------------------------------------------


def geometry(tmp: Path):
    from pyFAI.integrator.azimuthal import AzimuthalIntegrator

    from charz.detector import frames_from_profiles

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ai = AzimuthalIntegrator(dist=0.1, poni1=0.0168, poni2=0.0, detector="Pilatus100k",
                                 wavelength=1.5406e-10)
    poni = tmp / "small.poni"
    ai.write(str(poni))
    tt = np.linspace(0.5, 45, 3000)
    prof = 300 + 4000 * np.exp(-0.5 * ((tt - 23.5) / 1.6) ** 2)
    return ai, poni, frames_from_profiles(ai, tt, [prof])[0]  # noise-free mean frame


def write_stack(master: Path, n: int, base: np.ndarray, per_file: int = 100) -> None:
    """An Eiger-like master file of n Poisson frames, data files of ``per_file`` frames."""
    import h5py
    import hdf5plugin

    rng = np.random.default_rng(n)
    with h5py.File(master, "w") as fh:
        fh["entry/instrument/detector/frame_time"] = 1.0
        for k in range(0, n, per_file):
            m = min(per_file, n - k)
            frames = rng.poisson(base, size=(m, *base.shape)).astype(np.int32)
            frames[:, 97, :] = -1  # dead module row
            name = f"{master.stem}_data_{k // per_file + 1:06d}.h5"
            with h5py.File(master.parent / name, "w") as dfh:
                dfh.create_dataset("entry/data/data", data=frames,
                                   chunks=(1, *base.shape),
                                   **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))
            fh[f"entry/data/data_{k // per_file + 1:06d}"] = h5py.ExternalLink(
                name, "entry/data/data")


def _fit_frames(series):
    from xrd.series import fit_pattern_series

    return fit_pattern_series(series, fit_10=False, window=(15.0, 33.0))


def run_frames(sizes, tmp: Path, poni: Path, base: np.ndarray, chunk: int, *,
               fit: bool = True) -> list[dict]:
    from charz.images import integrate_stack
    from charz.series import compute_progress

    rows = []
    for n in sizes:
        master = tmp / f"stack{n}_master.h5"
        write_stack(master, n, base)
        out = tmp / f"frames_{n}.zarr"
        c0 = _cpu()
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            series = integrate_stack(master, poni, npt=500, unit="2th_deg",
                                     chunk_frames=chunk)
            if fit:
                res = _fit_frames(series).to_zarr(out)
                counts = res.counts()
                done = counts.fitted / counts.n
            else:  # integration only, the patterns written chunk by chunk
                compute_progress(series.to_dataset(name="intensity").to_zarr(
                    out, mode="w", compute=False, zarr_format=2))
                done = 1.0
            wall = time.perf_counter() - t0
        rows.append({"n": n, "wall": wall, "per_ms": wall / n * 1e3, "client_mb": mem.above_mb,
                     "client_cpu": _cpu() - c0, "fitted": done})
        _progress("frames", rows[-1])
        shutil.rmtree(out, ignore_errors=True)
    return rows


def in_memory_frames(n: int, poni: Path, base: np.ndarray, *, fit: bool = True) -> float:
    """ms per frame of the in-memory path: integrate a numpy stack (and fit each frame)."""
    from charz.images import integrate_stack

    rng = np.random.default_rng(1)
    frames = rng.poisson(base, size=(n, *base.shape)).astype(np.int32)
    frames[:, 97, :] = -1
    t0 = time.perf_counter()
    series = integrate_stack(frames, poni, npt=500, unit="2th_deg")
    if fit:
        _fit_frames(series)
    return (time.perf_counter() - t0) / n * 1e3


def _progress(what: str, r: dict) -> None:
    print(f"  done: {r['n']} {what}, {r['wall']:.1f} s, {r['per_ms']:.3f} ms each, client "
          f"+{r['client_mb']:.0f} MB (load {os.getloadavg()[0]:.1f})", flush=True)


def table(title: str, unit: str, rows: list[dict], mem_ms: float) -> None:
    print(f"\n{title}")
    print(f"{unit:>8} {'wall s':>8} {'ms/item':>8} {'vs first':>9} {'vs in-mem':>10} "
          f"{'client +MB':>11} {'client CPU s':>13} {'fitted':>7}")
    first = rows[0]["per_ms"]
    for r in rows:
        print(f"{r['n']:>8} {r['wall']:>8.2f} {r['per_ms']:>8.3f} {r['per_ms'] / first:>9.2f} "
              f"{r['per_ms'] / mem_ms:>10.2f} {r['client_mb']:>11.0f} {r['client_cpu']:>13.2f} "
              f"{r['fitted']:>7.1%}")
    print(f"in-memory baseline (numpy, in-process, all cores): {mem_ms:.3f} ms/item")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="10^3/10^4 spectra, 10/100 frames")
    ap.add_argument("--chunk", type=int, default=2500, help="spectra per Zarr chunk")
    ap.add_argument("--chunk-frames", type=int, default=25, help="frames per task")
    ap.add_argument("--fit-1000", action="store_true",
                    help="also fit 1000 frames (lmfit per frame: ~0.2 s each on 2 cores)")
    ap.add_argument("--only", choices=["spectra", "frames"], default=None)
    ap.add_argument("--dir", default=None, help="scratch folder (default: a temp dir)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)
    from distributed import Client, LocalCluster

    tmp = Path(args.dir or tempfile.mkdtemp(prefix="charz-scaling-"))
    tmp.mkdir(parents=True, exist_ok=True)
    spectra_sizes = [1000, 10000] + ([] if args.quick else [100000])
    frame_sizes = [10, 100] + ([] if args.quick else [1000])
    fit_sizes = [10, 100] + ([1000] if args.fit_1000 else [])
    print(f"cores: {os.cpu_count()}, load average before: "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}; LocalCluster of "
          f"{args.workers} worker processes x 1 thread")
    _ai, poni, base = geometry(tmp)
    # baselines in this process (warm-up first: numba's disk cache, pyFAI's CSR matrix)
    mem_spec = mem_frames = mem_int = float("nan")
    if args.only in (None, "spectra"):
        in_memory_spectra(200)
        mem_spec = in_memory_spectra(3000)
    if args.only in (None, "frames"):
        in_memory_frames(4, poni, base)
        mem_frames = in_memory_frames(20, poni, base)
        mem_int = in_memory_frames(200, poni, base, fit=False)
    print(f"in-memory: {mem_spec:.3f} ms/spectrum, {mem_int:.3f} ms/frame integrated, "
          f"{mem_frames:.3f} ms/frame integrated and fitted", flush=True)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster):
        spec_rows = frame_rows = fit_rows = None
        if args.only in (None, "spectra"):
            run_spectra([500], tmp, 250)  # warm the workers
            spec_rows = run_spectra(spectra_sizes, tmp, args.chunk)
        if args.only in (None, "frames"):
            run_frames([4], tmp, poni, base, 2)
            frame_rows = run_frames(frame_sizes, tmp, poni, base, args.chunk_frames, fit=False)
            fit_rows = run_frames(fit_sizes, tmp, poni, base, args.chunk_frames)
    if spec_rows:
        table(f"Raman maps from Zarr ({args.chunk} spectra per chunk): raman.fit_bands(...)"
              ".to_zarr(...)", "spectra", spec_rows, mem_spec)
    if frame_rows:
        table(f"Detector stacks (Pilatus 100k synthetic, HDF5, {args.chunk_frames} frames "
              "per task): integrate_stack -> to_zarr", "frames", frame_rows, mem_int)
    if fit_rows:
        table(f"Detector stacks, {args.chunk_frames} frames per task: integrate_stack -> "
              "fit_pattern_series -> to_zarr", "frames", fit_rows, mem_frames)
    print(f"\nload average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("linear cost: 'vs first' stays near 1 (the smallest size carries the fixed cost "
          "of the graph); flat client memory: 'client +MB' does not grow with size")
    if args.dir is None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
