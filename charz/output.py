"""Atomic file output, progress bars and batch running shared by the CLI and the demo.

Outputs are written to a temporary file in the same folder and renamed into place
(``os.replace`` is atomic on POSIX and Windows), so a failure never leaves a half-written
table. A batch goes on past a bad input, records why, and still writes every good result.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
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
