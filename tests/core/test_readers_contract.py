"""Contract of every registered reader, on its real test files, and a seeded fuzz test.

Each registered reader is paired with the files it reads (by suffix and sniffing, as
``charz.read`` dispatches) in ``tests/data`` and, when present, the shared data folder
(the smallest few per reader, to keep the run near a minute). Then:

- the data model (ARCHITECTURE.md): named dimensions, a ``units`` attribute on every
  numeric coordinate and data variable (datetime and text labels carry none: netCDF
  encodes time units itself), and the provenance attributes ``source``, ``sha256``,
  ``reader``;
- fuzzing with a fixed seed: empty, truncated at several points, bytes flipped, a chunk
  cut out, and a damaged ``.gz`` copy. Every outcome is a return or a ``CharzError``;
  any other exception is a bug in the reader or in ``charz.io``'s error wrapping.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import charz
from charz.errors import CharzError, MissingMetadataError
from charz.io import registry

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "tests" / "data"
_env = os.environ.get("CHARZ_SHARED_DATA")
SHARED = Path(_env) if _env else ROOT.parent / "shared" / "data"
SHARED = SHARED if SHARED.is_dir() else None

#: candidate files per reader (local ones first, then the smallest shared ones); the
#: contract test reads them in turn until CONTRACT_FILES have been read
CANDIDATES = 4
CONTRACT_FILES = 2
FUZZ_FILES = 2
#: files larger than this are not fuzzed
FUZZ_MAX_BYTES = 1_500_000
SEED = 20261204

#: options for a reader whose test files need them (tried after the reader refuses a file)
READER_OPTIONS = {
    "raman.io.read_opus": {"block": "sm"},  # FTIR test files: no Raman block, read another
}

#: options a file needs because it does not state them (the test asserts the error first)
NEEDS = {
    "xrd": {"wavelength": 0.15406},
    "raman": {"laser": 532.0},
    "saxs": {"q_unit": "1/A"},
}


def _files(base: Path) -> list[Path]:
    skip = {"SOURCES.md", "README.md"}
    return sorted(p for p in base.rglob("*") if p.is_file() and p.name not in skip
                  and "LICENSES" not in p.parts and not p.name.startswith("."))


def _reader_of(path: Path) -> registry.ReaderSpec | None:
    """The reader ``charz.read`` would use (trying each technique when it is ambiguous)."""
    try:
        with registry._decompressed(path) as inner:
            head = registry._head(inner)
            found = registry._candidates(inner, None, head)
            if len(found) > 1:
                techs = {r.technique for r in found}
                found = [r for t in sorted(techs)
                         for r in registry._candidates(inner, t, head)][:1]
    except (OSError, CharzError):
        return None
    return found[0] if len(found) == 1 else None


def _candidates_by_reader() -> dict[str, list[Path]]:
    by_reader: dict[str, list[Path]] = {}
    for base in (LOCAL, SHARED):
        if base is None:
            continue
        for p in sorted(_files(base), key=lambda p: p.stat().st_size):
            spec = _reader_of(p) if p.stat().st_size > 0 else None
            if spec is None:
                continue
            got = by_reader.setdefault(spec.name, [])
            if len(got) < CANDIDATES:
                got.append(p)
    return by_reader


CANDIDATE_FILES = _candidates_by_reader()


def _shared(path: Path) -> bool:
    return SHARED is not None and SHARED in path.parents


def _reader_params(files_of) -> list:
    params = []
    for name in sorted(CANDIDATE_FILES):
        files = files_of(CANDIDATE_FILES[name])
        if not files:
            continue
        marks = [pytest.mark.shared_data] if all(_shared(p) for p in files) else []
        params.append(pytest.param(name, files, id=name.rsplit(".", 1)[-1], marks=marks))
    return params


def _spec(name: str) -> registry.ReaderSpec:
    return next(r for r in charz.io.readers() if r.name == name)


def _needs(spec: registry.ReaderSpec) -> dict:
    """The options of NEEDS that this reader takes."""
    takes = registry.reader_options(spec)
    return {k: v for k, v in NEEDS.get(spec.technique, {}).items()
            if takes is None or k in takes}


def _read(path: Path, spec: registry.ReaderSpec):
    """charz.read, adding the option the file lacks when (and only when) it says so."""
    try:
        return charz.read(path, technique=spec.technique)
    except MissingMetadataError:
        return charz.read(path, technique=spec.technique, **_needs(spec))
    except CharzError:
        if spec.name not in READER_OPTIONS:
            raise
        return charz.read(path, technique=spec.technique, **READER_OPTIONS[spec.name])


def _check_units(name: str, var: xr.DataArray, where: str) -> None:
    kind = var.dtype.kind
    if kind in "Mm" or kind in "OUSb":  # datetimes, text labels, booleans
        return
    assert "units" in var.attrs, f"{where}: {name!r} has no 'units' attribute"


def test_every_reader_has_a_test_file():
    readers = {r.name for r in charz.io.readers()}
    missing = sorted(readers - set(CANDIDATE_FILES))
    if SHARED is None:  # many formats have only GPL/unlicensed test files
        assert len(readers) - len(missing) >= len(readers) // 2, missing
    else:
        assert len(missing) <= 3, missing


def _check_contract(data, path: Path, reader: str) -> None:
    assert data.attrs["reader"] == reader
    assert data.attrs["source"] == path.name
    assert data.attrs["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    variables = data.data_vars.items() if isinstance(data, xr.Dataset) else [
        (data.name or "data", data)]
    for vname, var in variables:
        assert all(isinstance(d, str) and not d.startswith("dim_") for d in var.dims), var.dims
        _check_units(vname, var, path.name)
    for cname, coord in data.coords.items():
        _check_units(cname, coord, path.name)
    assert data.sizes
    assert all(n > 0 for n in data.sizes.values())


@pytest.mark.parametrize(("reader", "files"), _reader_params(lambda fs: fs))
def test_reader_contract(reader, files):
    spec = _spec(reader)
    read, refused = 0, []
    for path in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # data-cleaning notes of real files
            try:
                data = _read(path, spec)
            except CharzError as exc:  # a file of the format that the reader refuses
                refused.append(f"{path.name}: {exc}")
                continue
        _check_contract(data, path, reader)
        read += 1
        if read == CONTRACT_FILES:
            break
    assert read, f"{reader} read none of its test files:\n" + "\n".join(refused)


def _mutations(raw: bytes, rng: np.random.Generator) -> list[tuple[str, bytes]]:
    n = len(raw)
    out = [("empty", b"")]
    for frac in (0.02, 0.3, 0.7, 0.97):
        out.append((f"cut{frac}", raw[: max(1, int(n * frac))]))
    out.append(("cut-random", raw[: int(rng.integers(1, n))] if n > 1 else raw))
    for count in (1, 8, max(2, n // 100)):
        b = bytearray(raw)
        idx = rng.integers(0, n, size=count)
        b_arr = np.frombuffer(bytes(b), np.uint8).copy()
        b_arr[idx] = rng.integers(0, 256, size=count, dtype=np.uint8)
        out.append((f"flip{count}", b_arr.tobytes()))
    i = int(rng.integers(0, n))
    out.append(("hole", raw[:i] + raw[i + int(rng.integers(1, 512)):]))
    return out


@pytest.mark.parametrize(("reader", "files"), _reader_params(
    lambda fs: [p for p in fs if p.stat().st_size <= FUZZ_MAX_BYTES][:FUZZ_FILES]))
def test_fuzzed_files_end_in_a_return_or_a_charz_error(reader, files, tmp_path):
    spec = _spec(reader)
    failures = []
    for k, path in enumerate(files):
        failures += _fuzz(spec, path, tmp_path / str(k))
    assert not failures, f"{reader}:\n" + "\n".join(failures)


def _fuzz(spec: registry.ReaderSpec, path: Path, tmp_path: Path) -> list[str]:
    with registry._decompressed(path) as inner:
        raw = inner.read_bytes()
        name = inner.name
    seed = SEED + int(hashlib.sha256(path.name.encode()).hexdigest()[:8], 16)
    rng = np.random.default_rng(seed)
    cases = _mutations(raw, rng)
    gz = bytearray(gzip.compress(raw, mtime=0))
    gz[len(gz) // 2] ^= 0x5A
    cases.append(("gz-damaged", bytes(gz)))
    failures = []
    for label, data in cases:
        target = tmp_path / label / (name + (".gz" if label.startswith("gz") else ""))
        target.parent.mkdir(parents=True)
        target.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                charz.read(target, technique=spec.technique, **_needs(spec))
            except CharzError:
                pass
            except Exception as exc:
                failures.append(f"{path.name} {label} (seed {seed}): {type(exc).__module__}."
                                f"{type(exc).__name__}: {str(exc)[:120]}")
    return failures
