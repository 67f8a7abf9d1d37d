"""Benchmark: Raman maps beyond memory on a dask.distributed LocalCluster (issue 11, item 4).

A synthetic two-band carbon map (Lorentzian D + BWF G, 1000 points on 800–2000 cm⁻¹,
σ = 0.02, band parameters varying per spectrum, ``np.random.default_rng`` seeded per
chunk) is written to a Zarr store chunk by chunk, then fitted with the public API:

    spectra = xr.open_zarr(store)["intensity"]            # lazy, nothing loaded
    with charz.series.scheduler("local:2"):              # LocalCluster, 2 worker processes
        raman.fit_bands(spectra).to_zarr(out)            # workers fit and write each chunk

For each size (10³, 10⁴, and with ``--big`` 10⁵ spectra) it prints the wall time per
spectrum, the peak resident memory of the calling (client) process above its baseline,
the workers' peak memory against their limit, and the CPU time the client spent
(work done in the client would show here). The in-memory path (numpy array,
``fit_bands`` in-process on both cores, then ``descriptors()``) is timed on the same
maps in the same run (up to ``--reference-max`` spectra, default 10⁵, loaded whole into
memory for it), and the G positions of both paths are compared. The cluster path
is timed from opening the store to the descriptors (``to_zarr`` then ``descriptors()``,
which reduces the written maps chunk by chunk on the workers).

Run: ``python benchmarks/raman_cluster.py [--big] [--workers 2] [--chunk N]``.
Each size is run once; other processes on a shared machine slow it (the load average is
printed).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parents[1]))  # this checkout

M = 1000
X = np.linspace(800.0, 2000.0, M)


def _block(n: int, seed: int) -> np.ndarray:
    """n two-band spectra (D Lorentzian + BWF G, linear background, noise 0.02)."""
    from charz.peaks import bwf, lorentzian

    rng = np.random.default_rng(seed)
    dc = 1350 + 5 * rng.uniform(-1, 1, (n, 1))
    dw = 170 + 10 * rng.uniform(-1, 1, (n, 1))
    gc = 1600 + 5 * rng.uniform(-1, 1, (n, 1))
    gw = 80 + 5 * rng.uniform(-1, 1, (n, 1))
    y = lorentzian(X, 1.0, dc, dw) + bwf(X, 0.9, gc, gw, -10.0)
    y += 0.1 + 0.05 * (X - 800) / 1200 + 0.02 * rng.normal(size=(n, M))
    return y


def write_map(store: Path, n: int, chunk: int) -> None:
    """Write an (n, 1000) map to Zarr chunk by chunk (never whole in memory)."""
    import dask.array as dsa
    import xarray as xr

    chunks = [min(chunk, n - i) for i in range(0, n, chunk)]
    blocks = [dsa.from_delayed(__import__("dask").delayed(_block)(c, k), (c, M), float)
              for k, c in enumerate(chunks)]
    arr = dsa.concatenate(blocks, axis=0)
    da = xr.DataArray(arr, dims=("spectrum", "raman_shift"),
                      coords={"spectrum": np.arange(n),
                              "raman_shift": ("raman_shift", X, {"units": "1/cm"})},
                      name="intensity", attrs={"units": "count"})
    da.to_dataset().to_zarr(store, mode="w", zarr_format=2)


class PeakRSS:
    """Sample this process's resident memory every 20 ms; ``peak`` in bytes."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakRSS:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()

    @property
    def above_mb(self) -> float:
        """Peak above the start, in MiB."""
        return (self.peak - self.base) / 2**20


def _cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _warm_worker() -> None:
    """Load the compiled kernels in a worker (task threads use the serial variants)."""
    import xarray as xr

    from raman.bands import fit_bands

    y = xr.DataArray(_block(40, 5), dims=("spectrum", "raman_shift"), coords={"raman_shift": X})
    t = threading.Thread(target=fit_bands, args=(y,))
    t.start()
    t.join()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="also 10^5 spectra (~800 MB store)")
    ap.add_argument("--sizes", default=None,
                    help="comma-separated map sizes instead (e.g. 100000,1000000: 10^6 "
                         "spectra is an 8 GB store; give --dir on a disk with room)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=None,
                    help="spectra per Zarr chunk (default: size / (8 x workers), 250-5000: "
                         "several chunks per worker, so that the last round is balanced)")
    ap.add_argument("--memory-limit", default="2GiB", help="per worker")
    ap.add_argument("--dir", default=None, help="scratch folder (default: a temp dir)")
    ap.add_argument("--reference-max", type=int, default=100000,
                    help="largest map also fitted in memory as the reference (10^5 spectra "
                         "hold 0.8 GB); larger maps are compared with it")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    import xarray as xr
    from distributed import Client, LocalCluster

    from raman.bands import fit_bands

    sizes = ([int(v) for v in args.sizes.split(",")] if args.sizes
             else [1000, 10000] + ([100000] if args.big else []))
    tmp = Path(args.dir or tempfile.mkdtemp(prefix="charz-cluster-"))
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}, "
          f"{args.workers} workers x 1 thread, memory limit {args.memory_limit} each, "
          f"chunks of {args.chunk or 'size/(8 x workers)'} spectra")
    # warm up (numba compile / disk cache) in this process
    fit_bands(xr.DataArray(_block(50, 99), dims=("spectrum", "raman_shift"),
                           coords={"raman_shift": X}))
    rows = []
    mem_ref = (math.nan, math.nan)  # in-memory ms/spectrum (wall, CPU) of the largest <= 10^4
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      memory_limit=args.memory_limit, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        client.run(_warm_worker)
        small = tmp / "warm.zarr"
        write_map(small, 200, 100)
        fit_bands(xr.open_zarr(small)["intensity"]).to_zarr(tmp / "warm_out.zarr")
        for n in sizes:
            store = tmp / f"map_{n}.zarr"
            chunk = args.chunk or int(np.clip(n // (8 * args.workers), 250, 5000))
            write_map(store, n, chunk)
            out = tmp / f"maps_{n}.zarr"
            wcpu0 = sum(client.run(_cpu_self).values())
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            from distributed.diagnostics import MemorySampler

            sampler = MemorySampler()
            with PeakRSS() as mem, sampler.sample("fit", measure="process", interval=0.1):
                t0 = time.perf_counter()
                spectra = xr.open_zarr(store)["intensity"]
                res = fit_bands(spectra).to_zarr(out)
                d = res.descriptors()
                wall = time.perf_counter() - t0
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
            client_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            wcpu = sum(client.run(_cpu_self).values()) - wcpu0
            # the workers' process memory during the fit only (the scheduler's samples,
            # summed over the workers; the map is generated on them before)
            wpeak = float(sampler.to_pandas()["fit"].max())
            row = {"n": n, "chunk": chunk, "wall": wall, "per": wall / n * 1e3,
                   "client_mb": (mem.peak - mem.base) / 2**20, "client_cpu": client_cpu,
                   "cpu_per": (wcpu + client_cpu) / n * 1e3,
                   "worker_mb": wpeak / 2**20, "summary": res.summary(),
                   "g": d["g_position"].value}
            if n <= args.reference_max:  # in-memory reference, same map, same run
                y = xr.open_zarr(store)["intensity"].load()
                c0 = _cpu_self()
                t0 = time.perf_counter()
                ref = fit_bands(y)
                ref.descriptors()
                row["mem_per"] = (time.perf_counter() - t0) / n * 1e3
                row["mem_cpu"] = (_cpu_self() - c0) / n * 1e3
                mem_ref = (row["mem_per"], row["mem_cpu"])
                gm = np.asarray(res.maps["g_position"].values)
                gr = np.asarray(ref.maps["g_position"].values)
                row["dg"] = float(np.nanmax(np.abs(gm - gr)))
            row.setdefault("ref", mem_ref)
            rows.append(row)
            shutil.rmtree(store, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
    limit = args.memory_limit
    print(f"{'spectra':>8} {'chunk':>6} {'wall s':>7} {'ms/spec':>8} {'in-mem':>7} {'ratio':>6} "
          f"{'CPU ms/spec':>11} {'in-mem':>7} {'ratio':>6} {'client +MB':>10} "
          f"{'client CPU s':>12} {'workers MB':>10} {'max |ΔG|':>9}")
    for r in rows:
        mw, mc = r.get("mem_per", r["ref"][0]), r.get("mem_cpu", r["ref"][1])
        print(f"{r['n']:>8} {r['chunk']:>6} {r['wall']:>7.2f} {r['per']:>8.3f} {mw:>7.3f} "
              f"{r['per'] / mw:>6.2f} {r['cpu_per']:>11.3f} {mc:>7.3f} {r['cpu_per'] / mc:>6.2f} "
              f"{r['client_mb']:>10.0f} {r['client_cpu']:>12.2f} {r['worker_mb']:>10.0f} "
              f"{r.get('dg', math.nan):>9.1e}")
    print("ms/spec: wall time per spectrum; CPU ms/spec: CPU time of the workers and the "
          "client (which runs the scheduler) per spectrum, against the in-process CPU time "
          "(less sensitive to other load on a shared machine); maps above --reference-max are "
          "compared with the largest in-memory reference (cost per spectrum is linear); "
          "max |ΔG| in cm-1; workers MB: peak of the workers' summed process memory during "
          "the fit (distributed's MemorySampler)")
    print(f"worker memory limit: {limit} each; results: " + "; ".join(r["summary"] for r in rows))
    print("linear cost: ms/spectrum should stay flat with size; client memory flat (the "
          "client holds the graph and the descriptors, never the map)")
    if args.dir is None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
