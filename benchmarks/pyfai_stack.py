"""Detector stacks: charz.images vs pyFAI's own loop (``python benchmarks/pyfai_stack.py``).

Not a test: prints wall times on this machine and ratios against a baseline run in the same
process, interleaved with it (the machine is shared, so each figure is the best of
``--repeat`` alternating runs).

Input: noisy (Poisson) copies of the Pilatus 1M CeO2 frame of the shared data
(``saxs/dioptas/CeO2_Pilatus1M.tif`` with its Dioptas PONI), written as TIFF files and as an
Eiger-like HDF5 master file (bitshuffle-LZ4 through hdf5plugin) in a temporary folder.

Baseline ("pyFAI loop"): one ``AzimuthalIntegrator`` loaded from the PONI, one static mask
(the module gaps of the first frame), then for each file ``fabio.open`` → ``numpy.flipud``
(Dioptas PONI) → ``ai.integrate1d(frame, npt, unit="2th_deg", mask=mask,
error_model="poisson")``; for the HDF5 stack the frames are read with h5py instead. charz:
``charz.images.integrate_stack(files_or_h5, poni, npt=..., unit="2th_deg",
poni_convention="dioptas")``, the same pattern (checked for equality below).

Sections: (1) per-frame cost and ratio vs the loop, files and HDF5; (2) a scaling table for
10 and 100 frames (1000 with ``--big``): time per frame and peak resident memory above the
starting point (flat memory = the stack is never held); (3) the HDF5 stack on a
``dask.distributed`` LocalCluster with 2 single-threaded workers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's charz

SHARED = Path(os.environ.get("CHARZ_SHARED_DATA",
                             Path(__file__).resolve().parents[2] / "shared" / "data"))
FRAME = SHARED / "saxs" / "dioptas" / "CeO2_Pilatus1M.tif"
PONI = SHARED / "saxs" / "dioptas" / "CeO2_Pilatus1M.poni"
NPT = 1000


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """Peak resident set size (bytes above the start) sampled every 5 ms in a thread."""

    def __enter__(self) -> PeakRSS:
        self.start = _rss()
        self.peak = self.start
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, _rss())

    @property
    def above(self) -> float:
        return (self.peak - self.start) / 2**20


def make_frames(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` noisy copies of the Pilatus frame as TIFF (reused when already there)."""
    import fabio

    folder.mkdir(parents=True, exist_ok=True)
    base = fabio.open(str(FRAME)).data
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        p = folder / f"frame_{i:05d}.tif"
        if not p.exists():
            img = rng.poisson(np.clip(base, 0, None)).astype(np.int32)
            img[base < 0] = base[base < 0]  # module gaps stay −1/−2
            fabio.tifimage.TifImage(data=img).write(str(p))
        paths.append(p)
    return paths


def make_master(paths: list[Path], target: Path, per_file: int = 50) -> Path:
    """An Eiger-like master file: ``/entry/data/data_NNNNNN`` links to bitshuffle-LZ4 files."""
    import fabio
    import h5py
    import hdf5plugin

    if target.exists():
        return target
    shape = fabio.open(str(paths[0])).data.shape
    with h5py.File(target, "w") as master:
        det = master.create_group("entry/instrument/detector")
        det["frame_time"] = 1.0
        det["count_time"] = 0.9
        for k in range(0, len(paths), per_file):
            part = paths[k:k + per_file]
            name = f"{target.stem}_data_{k // per_file + 1:06d}.h5"
            with h5py.File(target.parent / name, "w") as fh:
                ds = fh.create_dataset("entry/data/data", shape=(len(part), *shape),
                                       dtype=np.int32, chunks=(1, *shape),
                                       **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))
                for i, p in enumerate(part):
                    ds[i] = fabio.open(str(p)).data
            master[f"entry/data/data_{k // per_file + 1:06d}"] = h5py.ExternalLink(
                name, "entry/data/data")
    return target


def pyfai_loop(paths: list[Path]) -> np.ndarray:
    """The baseline: one integrator, one static mask, fabio read per frame."""
    import fabio
    import pyFAI

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ai = pyFAI.load(str(PONI))
    first = np.flipud(fabio.open(str(paths[0])).data)
    mask = first < 0
    out = np.empty((len(paths), NPT))
    for i, p in enumerate(paths):
        frame = np.flipud(fabio.open(str(p)).data)
        out[i] = ai.integrate1d(frame, NPT, unit="2th_deg", mask=mask,
                                error_model="poisson").intensity
    return out


def pyfai_loop_h5(master: Path) -> np.ndarray:
    """The baseline on the HDF5 stack: frames read one by one with h5py."""
    import h5py
    import hdf5plugin  # noqa: F401
    import pyFAI

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ai = pyFAI.load(str(PONI))
    rows = []
    with h5py.File(master) as fh:
        parts = sorted(k for k in fh["entry/data"] if k.startswith("data_"))
        mask = None
        for k in parts:
            ds = fh[f"entry/data/{k}"]
            for i in range(ds.shape[0]):
                frame = np.flipud(ds[i])
                if mask is None:
                    mask = frame < 0
                rows.append(ai.integrate1d(frame, NPT, unit="2th_deg", mask=mask,
                                           error_model="poisson").intensity)
    return np.asarray(rows)


def charz_stack(source, **kw) -> np.ndarray:
    from charz.images import integrate_stack

    da = integrate_stack(source, PONI, npt=NPT, unit="2th_deg", poni_convention="dioptas",
                         **kw)
    return np.asarray(da.values)


def best_alternating(fns: dict, repeat: int) -> dict:
    """Best wall time of each function, running them in turn ``repeat`` times."""
    best = dict.fromkeys(fns, np.inf)
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=30, help="frames for the ratio (default 30)")
    ap.add_argument("--repeat", type=int, default=3, help="alternating repeats (best of)")
    ap.add_argument("--big", action="store_true", help="also 1000 frames in the scaling table")
    ap.add_argument("--no-cluster", action="store_true", help="skip the LocalCluster run")
    ap.add_argument("--workdir", default=None, help="folder for the generated frames")
    args = ap.parse_args()
    if not FRAME.exists():
        raise SystemExit(f"{FRAME} not found (set CHARZ_SHARED_DATA)")
    work = Path(args.workdir or Path(tempfile.gettempdir()) / "charz_pyfai_stack")
    nmax = max(args.frames, 1000 if args.big else 100)
    paths = make_frames(work / "tif", nmax)
    sub = paths[:args.frames]
    master = make_master(sub, work / f"stack{args.frames}_master.h5")

    # warm-up: imports, the integrator of each side, the page cache
    ref = pyfai_loop(sub[:2])
    got = charz_stack(sub[:2])
    print(f"pyFAI {__import__('pyFAI').version}, {os.cpu_count()} cores, Pilatus 1M frames, "
          f"npt={NPT}, 2θ, Poisson sigma\n")

    # (1) same pattern, then per-frame cost and ratio
    ref = pyfai_loop(sub)
    got = charz_stack(sub)
    same = np.array_equal(ref, got)
    ref_h5 = pyfai_loop_h5(master)
    got_h5 = charz_stack(master)
    print(f"same pattern as the pyFAI loop: files {same} (max |Δ| "
          f"{np.nanmax(np.abs(ref - got)):.3g}), HDF5 {np.array_equal(ref_h5, got_h5)}")
    t = best_alternating({
        "pyfai files": lambda: pyfai_loop(sub),
        "charz files": lambda: charz_stack(sub),
        "pyfai h5": lambda: pyfai_loop_h5(master),
        "charz h5": lambda: charz_stack(master),
    }, args.repeat)
    n = len(sub)
    print(f"\n(1) per frame, {n} frames (best of {args.repeat} alternating runs)")
    print(f"    {'input':10s} {'pyFAI loop':>12s} {'charz':>12s} {'charz/pyFAI':>12s}")
    for kind in ("files", "h5"):
        a, b = t[f"pyfai {kind}"] / n * 1e3, t[f"charz {kind}"] / n * 1e3
        print(f"    {kind:10s} {a:9.1f} ms {b:9.1f} ms {b / a:11.2f}x")

    # (2) scaling
    print("\n(2) scaling (TIFF files, eager; memory = peak RSS above the start)")
    print(f"    {'frames':>7s} {'total':>9s} {'per frame':>10s} {'peak RSS':>10s} "
          f"{'pyFAI loop/frame':>17s}")
    for nf in (10, 100) + ((1000,) if args.big else ()):
        part = paths[:nf]
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            charz_stack(part)
            dt = time.perf_counter() - t0
        t0 = time.perf_counter()
        pyfai_loop(part)
        base = time.perf_counter() - t0
        print(f"    {nf:7d} {dt:8.2f}s {dt / nf * 1e3:7.1f} ms {mem.above:7.1f} MB "
              f"{base / nf * 1e3:14.1f} ms")

    # (3) dask.distributed
    if not args.no_cluster:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            print("\n(3) dask.distributed not installed: skipped")
            return
        print("\n(3) HDF5 stack on a dask.distributed LocalCluster (2 workers x 1 thread)")
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                          processes=True) as cluster, Client(cluster):
            charz_stack(master, chunk_frames=8)  # each worker builds its integrator once
            t0 = time.perf_counter()
            dist = charz_stack(master, chunk_frames=8)
            dt = time.perf_counter() - t0
        print(f"    same pattern: {np.array_equal(dist, ref_h5)}; {dt / n * 1e3:.1f} ms per "
              f"frame wall ({t['pyfai h5'] / dt:.2f}x the single-process pyFAI loop's "
              "throughput)")


if __name__ == "__main__":
    main()
