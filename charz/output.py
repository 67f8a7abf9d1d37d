"""Atomic file output, CSVs with JSON sidecars, NetCDF with units, progress, batches.

Outputs are written to a temporary file in the same folder and renamed into place
(``os.replace`` is atomic on POSIX and Windows), so a failure never leaves a half-written
table. CSVs go through :func:`write_csv`: plain header + rows that ``pandas.read_csv``
loads with its defaults, units in the column names, metadata in a ``.json`` sidecar.
NetCDF (and Zarr) files go through :func:`netcdf_ready` / :func:`write_netcdf`: ``units``
on every numeric variable and coordinate, CF flag attributes on ``success``, and global
provenance (:func:`provenance_attrs`). A batch goes on past a bad input, records why, and
still writes every good result.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from charz.errors import CharzError

__all__ = [
    "BatchResult",
    "atomic_path",
    "atomic_write_text",
    "netcdf_ready",
    "progress",
    "provenance_attrs",
    "result_attrs",
    "run_batch",
    "set_quiet",
    "sidecar_path",
    "source_files",
    "unit_columns",
    "write_csv",
    "write_netcdf",
]

T = TypeVar("T")
R = TypeVar("R")

_QUIET = False


def set_quiet(quiet: bool) -> None:
    """Silence (or re-enable) progress bars globally (``--quiet``)."""
    global _QUIET
    _QUIET = bool(quiet)


def progress(
    iterable: Iterable[T], *, total: int | None = None, desc: str = "", disable: bool | None = None
) -> Iterator[T]:
    """Wrap an iterable in a tqdm progress bar on stderr (silenced by :func:`set_quiet`)."""
    from tqdm.auto import tqdm

    if disable is None:
        disable = True if _QUIET else None  # None: tqdm stays silent when stderr is no TTY
    yield from tqdm(iterable, total=total, desc=desc, disable=disable, file=sys.stderr,
                    leave=False, dynamic_ncols=True)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success.

    For writers that want a file name (``fig.savefig``, ``df.to_excel``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600; give the file the mode an ordinary open() would (0666 & ~umask)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write text atomically; returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return path


def sidecar_path(path: str | Path) -> Path:
    """The JSON sidecar of a CSV written by :func:`write_csv`: ``table.csv`` -> ``table.json``."""
    return Path(path).with_suffix(".json")


def write_csv(
    path: str | Path,
    data: Any,
    *,
    metadata: Mapping[str, Any] | None = None,
    index: bool | None = None,
    float_format: str | None = None,
) -> Path:
    """Write a CSV that loads anywhere, with its metadata in a JSON sidecar (both atomic).

    The CSV has one header line and data rows only, so ``pandas.read_csv(path)`` (or a
    spreadsheet) loads numeric columns as numbers: put units in the column names
    (``"time (s)"``, ``"d002 (nm)"``) and never write ``#`` comment lines. Everything else
    — method, sources with SHA-256, wavelength, charz version — goes into the sidecar
    ``<stem>.json`` beside it (:func:`sidecar_path`).

    Parameters
    ----------
    path : str or Path
        The CSV file (parent folders are created).
    data : pandas.DataFrame or Mapping[str, array_like]
        The table, or its columns by name (equal lengths).
    metadata : Mapping, optional
        JSON-serialisable metadata for the sidecar. The sidecar always holds ``"file"``
        (the CSV's name), ``"columns"`` (their names, in order), ``"index"`` (the index
        column names, if written) and ``"charz_version"``.
    index : bool, optional
        Write the index as the first column(s). Default: when it is not a plain
        0..n-1 range or has a name.
    float_format : str, optional
        Passed to :meth:`pandas.DataFrame.to_csv` (e.g. ``"%.6g"``).

    Returns
    -------
    Path
        The CSV path.

    Raises
    ------
    OptionError
        A column name starts with ``#`` (readers would take the header for a comment),
        or the metadata are not JSON-serialisable.

    Examples
    --------
    >>> write_csv("out/frames.csv", {"time (s)": t, "d002 (nm)": d},  # doctest: +SKIP
    ...           metadata={"method": "Bragg on (002)", "wavelength (nm)": 0.15406})
    """
    import json

    import pandas as pd

    from charz import __version__
    from charz.errors import OptionError

    path = Path(path)
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(dict(data))
    names = [str(c) for c in frame.columns]
    bad = [c for c in names if c.lstrip().startswith("#")]
    if bad:
        raise OptionError(f"{path.name}: column names must not start with '#': {bad}")
    if index is None:
        index = frame.index.name is not None or not isinstance(frame.index, pd.RangeIndex)
    side: dict[str, Any] = {
        "file": path.name,
        "columns": names,
        **({"index": [str(n) for n in frame.index.names]} if index else {}),
        "charz_version": __version__,
        **dict(metadata or {}),
    }
    try:
        side_text = json.dumps(side, indent=2, ensure_ascii=False, allow_nan=False,
                               default=_json_scalar) + "\n"
    except (TypeError, ValueError) as exc:
        raise OptionError(f"{path.name}: metadata are not JSON-serialisable ({exc})") from None
    atomic_write_text(path, frame.to_csv(index=index, float_format=float_format))
    atomic_write_text(sidecar_path(path), side_text)
    return path


def unit_columns(ds: Any, names: Sequence[str] | None = None) -> Any:
    """Variables of an :class:`xarray.Dataset` as a DataFrame, units in the column names.

    Parameters
    ----------
    ds : xarray.Dataset
        Per-slice results (``maps``) with ``units`` attrs.
    names : sequence of str, optional
        Variables (and non-index coordinates) to keep, in order; default every data
        variable. Coordinates along the index (``voltage``, ``timestamp``) are kept too.

    Returns
    -------
    pandas.DataFrame
        Index: the dimensions (named ``"time (s)"`` etc. when they have units); columns
        ``"d002 (nm)"``, ``"id_ig"`` (unit ``"1"`` omitted); text columns as ``str``.
    """
    import numpy as np

    def label(name: Any) -> str:
        u = ds[name].attrs.get("units") if name in ds.variables else None
        return f"{name} ({u})" if u not in (None, "", "1") else str(name)

    keep = list(ds.data_vars) if names is None else [n for n in names if n in ds.variables]
    sub = ds[[n for n in keep if n in ds.data_vars]]
    if "sha256" in sub.coords and "sha256" not in keep:  # per-file hashes: in the sidecar
        sub = sub.drop_vars("sha256")
    frame = sub.to_dataframe()
    order = [c for c in frame.columns if c not in keep] + [c for c in keep if c in frame]
    frame = frame[order]
    for c in frame.columns:
        if frame[c].dtype == object:
            frame[c] = np.asarray(frame[c].values, str)
    frame.columns = [label(c) for c in frame.columns]
    frame.index = frame.index.set_names([label(n) for n in frame.index.names])
    return frame


def _json_scalar(value: Any) -> Any:
    """numpy scalars and arrays, paths: their plain JSON form; anything else is an error."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON-serialisable")


@dataclass
class BatchResult:
    """Results of a batch: successes in input order, and ``(item, error)`` failures."""

    ok: list[Any] = field(default_factory=list)
    failed: list[tuple[Any, CharzError]] = field(default_factory=list)

    def summary(self) -> str:
        """One line: ``2 of 3 inputs failed: a.xy: reason; b.xy: reason``."""
        if not self.failed:
            return f"{len(self.ok)} input(s) processed"
        n = len(self.ok) + len(self.failed)
        reasons = "; ".join(str(err) for _, err in self.failed)
        return f"{len(self.failed)} of {n} input(s) failed: {reasons}"


def run_batch(
    items: Sequence[T],
    func: Callable[[T], R],
    *,
    desc: str = "",
    stream: IO[str] | None = None,
) -> BatchResult:
    """Apply ``func`` to every item; a :class:`CharzError` is recorded and the batch goes on.

    Other exceptions are bugs and propagate.
    """
    out = BatchResult()
    for item in progress(items, total=len(items), desc=desc, disable=None if len(items) > 1
                         else True):
        try:
            out.ok.append(func(item))
        except CharzError as exc:
            out.failed.append((item, exc))
            print(f"charz: error: {exc}", file=stream or sys.stderr)
    return out


# -- NetCDF / Zarr: units and provenance -----------------------------------------------

#: CF attributes of the per-slice variables every series result has.
_SUCCESS_ATTRS = {"long_name": "slice fitted (enters means and tracks)",
                  "flag_values": [0, 1], "flag_meanings": "not_fitted fitted"}
_FLAGS_ATTRS = {"long_name": "quality flags of the slice, comma-separated (empty: none); "
                             "vocabulary in charz.flags"}
_KNOWN_UNITS = {"redchi": "1", "chisqr": "1", "r2": "1", "rsquared": "1", "frame": "1",
                "cycle": "1", "step": "1", "cycler_time": "s", "time": "s",
                "voltage": "V", "current": "mA", "capacity": "mA*h/g"}


def _units_for(name: str, units: Mapping[str, str]) -> str | None:
    from charz.record import DESCRIPTORS

    if name in units:
        return units[name]
    base = name[: -len("_stderr")] if name.endswith("_stderr") else name
    if base in units:
        return units[base]
    if base in DESCRIPTORS:
        return DESCRIPTORS[base].unit
    return _KNOWN_UNITS.get(base)


def netcdf_ready(ds: Any, *, units: Mapping[str, str] | None = None,
                 attrs: Mapping[str, Any] | None = None) -> Any:
    """A copy of ``ds`` that NetCDF3/NetCDF4/Zarr accept, with units on every number.

    Parameters
    ----------
    ds : xarray.Dataset
        Per-slice results (``maps``) or any Dataset; dask-backed variables stay lazy.
    units : Mapping[str, str], optional
        Units of variables that carry none in their attrs (fit parameters); a name
        covers its ``<name>_stderr`` too. Record keys and their ``_stderr`` get the unit
        of :data:`charz.record.DESCRIPTORS`; ``redchi`` and ``frame`` are ``"1"``.
    attrs : Mapping, optional
        Global attributes (usually :func:`provenance_attrs`) that replace ``ds.attrs``
        where they overlap.

    Returns
    -------
    xarray.Dataset
        Numeric variables and coordinates have ``units`` (pint-parsable, ``"1"`` for
        dimensionless); datetimes get theirs from xarray's CF encoding; ``success`` is a
        CF flag variable (``flag_values`` 0/1, ``flag_meanings``); text variables
        (``flags``, ``source``) have a ``long_name`` and no unit (CF gives strings none).
        Attributes are flattened to what NetCDF stores (str, numbers, lists of numbers;
        others as text); object arrays become fixed-width text.
    """
    import numpy as np

    units = dict(units or {})
    out = ds.copy()
    for name in list(out.variables):
        var = out.variables[name]
        if var.dtype == object and name not in out.indexes and var.chunks is None:
            text = var.astype(str)
            if name in out.coords:
                out = out.assign_coords({name: text})
            else:
                out[name] = text
            var = out.variables[name]
        a = {k: _flat_attr(v) for k, v in var.attrs.items()}
        a = {k: v for k, v in a.items() if v is not None}
        kind = var.dtype.kind
        if name == "success" and kind == "b":
            a = {**_SUCCESS_ATTRS, **{k: v for k, v in a.items() if k != "units"}}
            a["flag_values"] = np.array([0, 1], dtype="i1")
        elif name == "flags" and kind in "USO":
            a = {**_FLAGS_ATTRS, **a}
        elif kind in "USO":
            a.setdefault("long_name", {"source": "source file", "sha256": "SHA-256 of the "
                                       "source file"}.get(str(name), str(name)))
            a.pop("units", None)
        elif kind in "iufc" and "units" not in a:
            u = _units_for(str(name), units)
            if u is not None:
                a["units"] = u
        elif kind == "b":
            a.setdefault("flag_values", np.array([0, 1], dtype="i1"))
            a.setdefault("flag_meanings", "false true")
            a.pop("units", None)
        elif kind in "mM":
            a.pop("units", None)  # xarray's CF encoding writes "<unit> since <epoch>"
        out.variables[name].attrs = a
    inherited = {k: v for k, v in ds.attrs.items() if k not in ("units", "long_name")}
    glob = {k: _flat_attr(v) for k, v in {**inherited, **dict(attrs or {})}.items()}
    out.attrs = {k: v for k, v in glob.items() if v is not None}
    return out


def _flat_attr(value: Any) -> Any:
    """An attribute value NetCDF stores: str, number, or a list of numbers; else JSON text."""
    import json

    import numpy as np

    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, str | int | float | np.integer | np.floating):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return value
    if isinstance(value, list | tuple) and value and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return np.asarray(value)
    try:
        return json.dumps(value, ensure_ascii=False, default=_json_scalar)
    except TypeError:
        return str(value)


def source_files(obj: Any = None, provenance: Any = None) -> list[tuple[str, str]]:
    """``(file name, SHA-256)`` of the inputs of a result, in order, without repeats.

    From per-slice ``source``/``sha256`` coordinates of ``obj`` (stacked frames), else its
    ``attrs["source"]``/``attrs["sha256"]``, else a :class:`~charz.record.Provenance`
    (several files joined by ``"; "``; its hash is the first file's). An unknown hash is
    ``""``.
    """
    import numpy as np

    def listed(source: Any, sha: Any) -> list[tuple[str, str]]:
        names = [n for n in str(source or "").split("; ") if n]
        return [(n, str(sha or "") if i == 0 else "") for i, n in enumerate(names)]

    attrs = getattr(obj, "attrs", {}) or {}
    known = listed(attrs.get("source"), attrs.get("sha256"))
    if provenance is not None:
        known += listed(getattr(provenance, "source", ""), getattr(provenance, "sha256", None))
    coords = getattr(obj, "coords", {})
    pairs: list[tuple[str, str]] = []
    if obj is not None and "source" in coords and coords["source"].ndim == 1:
        names = [str(v) for v in np.asarray(coords["source"].values)]
        hashes = ([str(v) for v in np.asarray(coords["sha256"].values)]
                  if "sha256" in coords else [""] * len(names))
        pairs = list(zip(names, hashes, strict=True))
    pairs += known
    seen: dict[str, str] = {}
    for name, sha in pairs:
        if name and (name not in seen or not seen[name]):
            seen[name] = sha
    return list(seen.items())


def provenance_attrs(
    *,
    technique: str,
    method: str,
    sources: Iterable[tuple[str, str | None]] = (),
    wavelength: float | None = None,
    laser_wavelength: float | None = None,
    parameters: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """Global attributes of a NetCDF/Zarr file charz writes (CF-1.10 names where CF has one).

    Parameters
    ----------
    technique : str
        ``xrd``, ``raman``, ``saxs`` ...
    method : str
        What was done (the method text of the result).
    sources : iterable of (file name, SHA-256)
        The input files (:func:`source_files`); an unknown hash as ``""`` or None.
    wavelength : float, optional
        X-ray wavelength in nm.
    laser_wavelength : float, optional
        Raman laser wavelength in nm.
    parameters : Mapping, optional
        Every parameter that changes the numbers (stored as JSON text).
    title : str, optional
        Default ``"charz <technique> results"``.

    Returns
    -------
    dict
        ``Conventions``, ``title``, ``history``, ``date_created`` (UTC, ISO 8601),
        ``charz_version``, ``technique``, ``method``, ``sources`` and ``sources_sha256``
        (``"; "``-joined, same order), ``wavelength`` + ``wavelength_units`` and/or
        ``laser_wavelength`` + ``laser_wavelength_units`` (``"nm"``) when given, and
        ``parameters_json``.
    """
    import datetime as dt
    import json

    from charz import __version__

    pairs = [(str(n), str(h or "")) for n, h in sources]
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    out: dict[str, Any] = {
        "Conventions": "CF-1.10",
        "title": title or f"charz {technique} results",
        "history": f"{created} written by charz {__version__}",
        "date_created": created,
        "charz_version": __version__,
        "technique": technique,
        "method": method,
        "sources": "; ".join(n for n, _ in pairs),
        "sources_sha256": "; ".join(h for _, h in pairs),
    }
    if wavelength is not None:
        out.update(wavelength=float(wavelength), wavelength_units="nm")
    if laser_wavelength is not None:
        out.update(laser_wavelength=float(laser_wavelength), laser_wavelength_units="nm")
    out["parameters_json"] = json.dumps(dict(parameters or {}), ensure_ascii=False,
                                        default=_json_scalar, sort_keys=True)
    return out


def write_netcdf(ds: Any, path: str | Path, *, units: Mapping[str, str] | None = None,
                 attrs: Mapping[str, Any] | None = None, **kwargs: Any) -> Path:
    """Write ``ds`` to NetCDF atomically after :func:`netcdf_ready`.

    Parameters
    ----------
    ds : xarray.Dataset
        What to write.
    path : str or Path
        The ``.nc`` file.
    units, attrs
        See :func:`netcdf_ready` (``attrs``: usually :func:`provenance_attrs`).
    **kwargs
        Passed to :meth:`xarray.Dataset.to_netcdf`.

    Returns
    -------
    Path
    """
    path = Path(path)
    ready = netcdf_ready(ds, units=units, attrs=attrs)
    with atomic_path(path) as tmp:
        ready.to_netcdf(tmp, **kwargs)  # lazy variables: computed on the active scheduler
    return path


def result_attrs(result: Any, extra: Mapping[str, Any] | None = None,
                 data: Any = None) -> dict[str, Any]:
    """:func:`provenance_attrs` of a :class:`charz.series.SeriesResult` (or similar).

    Parameters
    ----------
    result : SeriesResult
        Its ``technique``, ``methods``, ``source`` (provenance: files, parameters) and
        ``maps`` (per-slice ``source`` coordinate) are used.
    extra : Mapping, optional
        More or overriding global attributes (e.g. ``{"wavelength": 0.15406}``).
    data : xarray object, optional
        The input series: its ``source``/``sha256`` and ``wavelength`` /
        ``laser_wavelength`` attrs (nm) complete what the result holds.

    Returns
    -------
    dict
    """
    source = getattr(result, "source", None)
    params = dict(getattr(source, "parameters", {}) or {})
    methods = list(dict.fromkeys(str(m) for m in (getattr(result, "methods", {}) or {})
                                 .values() if m))
    dattrs = getattr(data, "attrs", {}) or {}

    def first(*names: str, where: Mapping[str, Any]) -> float | None:
        for n in names:
            v = where.get(n)
            if isinstance(v, int | float) and not isinstance(v, bool):
                return float(v)
        return None

    sources = source_files(data, None) if data is not None else []
    sources = sources or source_files(getattr(result, "maps", None), source)
    attrs = provenance_attrs(
        technique=str(getattr(result, "technique", "")),
        method=" | ".join(methods),
        sources=sources,
        wavelength=first("wavelength_nm", "wavelength", where=params)
        or first("wavelength", where=dattrs),
        laser_wavelength=first("laser_nm", "laser_wavelength", "laser", where=params)
        or first("laser_wavelength", where=dattrs),
        parameters=params,
    )
    attrs.update(dict(extra or {}))
    return attrs
