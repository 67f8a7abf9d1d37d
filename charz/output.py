"""Atomic file output, CSVs with JSON sidecars, progress bars and batch running.

Outputs are written to a temporary file in the same folder and renamed into place
(``os.replace`` is atomic on POSIX and Windows), so a failure never leaves a half-written
table. CSVs go through :func:`write_csv`: plain header + rows that ``pandas.read_csv``
loads with its defaults, units in the column names, metadata in a ``.json`` sidecar. A
batch goes on past a bad input, records why, and still writes every good result.
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
    "progress",
    "run_batch",
    "set_quiet",
    "sidecar_path",
    "write_csv",
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
