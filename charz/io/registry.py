"""The reader registry: ``charz.read(path)`` dispatches to the readers techniques register.

Modelled on xarray's backend entry points: readers register by suffix (case ignored);
readers of shared suffixes (``.txt``, ``.csv``, ``.dat``) also give a ``sniff`` function
that looks at the first bytes; if several still fit, :func:`read` raises and lists them, as
xarray's ``guess_can_open`` does. Compressed copies (``.gz``, ``.bz2``, ``.xz``) are
decompressed here, for every reader, and matched on the inner name. Whatever library fails
inside a reader (zlib, xlrd, openpyxl, h5py, struct, XML ...), the failure becomes one
:class:`~charz.errors.CorruptFileError` naming the file and the reader, in
:func:`reader_failure`.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import importlib
import inspect
import lzma
import shutil
import struct
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charz.errors import (
    AmbiguousFormatError,
    CharzError,
    CorruptFileError,
    MissingDependencyError,
    OptionError,
    ReadError,
    UnknownFormatError,
)

__all__ = [
    "COMPRESSIONS",
    "HEAD_BYTES",
    "ReaderSpec",
    "inner_name",
    "load_plugins",
    "original_path",
    "read",
    "reader_failure",
    "reader_options",
    "readers",
    "register_reader",
    "require",
]

#: Compression suffixes stripped by the registry, with their openers.
COMPRESSIONS: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open,
                                               ".xz": lzma.open}

SniffFn = Callable[[Path, bytes], bool]
HEAD_BYTES = 8192

#: What a technique's data are called in messages ("HC.txt looks like a Raman spectrum").
_WHAT = {"xrd": "an XRD pattern", "raman": "a Raman spectrum", "saxs": "a SAXS curve",
         "sorption": "a sorption isotherm", "echem": "a cycler record"}


@dataclass(frozen=True, slots=True)
class ReaderSpec:
    """A registered reader.

    Attributes
    ----------
    name : str
        ``module.function`` of the reader (recorded as ``attrs["reader"]``); readers in the
        vendor modules of an ``io`` package are named after the package
        (``xrd.io.read_raw``, not ``xrd.io.bruker.read_raw``).
    func : callable
        ``func(path: Path, **options) -> xr.DataArray | xr.Dataset``.
    suffixes : tuple of str
        Lower-case suffixes with the dot (``.xrdml``); compression suffixes are never
        needed (the registry strips ``.gz``/``.bz2``/``.xz``).
    technique : str
        ``xrd``, ``raman``, ``saxs``, ``sorption``, ``echem``.
    sniff : callable or None
        ``sniff(path, head) -> bool`` on the first 8 KiB; None accepts every file with the
        suffix.
    requires : str or None
        Import name of an optional dependency (``"pyFAI"``), checked before the call.
    extra : str or None
        The pip extra that installs it (``"pyfai"``), named in the error.
    """

    name: str
    func: Callable[..., Any]
    suffixes: tuple[str, ...]
    technique: str
    sniff: SniffFn | None = None
    requires: str | None = None
    extra: str | None = None


_REGISTRY: list[ReaderSpec] = []
_LOCK = threading.RLock()


def register_reader(
    *suffixes: str,
    technique: str,
    sniff: SniffFn | None = None,
    requires: str | None = None,
    extra: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a reader function for file suffixes (decorator).

    Parameters
    ----------
    *suffixes : str
        File suffixes with the dot, any case (``".xy"``, ``".XRDML"``). Compressed copies
        (``.xy.gz``) are handled by the registry and need not be listed.
    technique : str
        Technique the reader belongs to.
    sniff : callable, optional
        ``sniff(path, head_bytes) -> bool``; needed when the suffix is shared
        (``.txt``, ``.csv``, ``.dat``), and used for content sniffing of unknown suffixes.
    requires, extra : str, optional
        Optional dependency the reader imports, and the pip extra that installs it.

    Returns
    -------
    callable
        The decorator (it returns the function unchanged).

    Examples
    --------
    >>> @register_reader(".xy", ".xye", technique="xrd")  # doctest: +SKIP
    ... def read_xy(path: Path) -> xr.DataArray: ...
    """
    if not suffixes:
        raise ValueError("register_reader needs at least one suffix")
    norm = tuple(s.lower() if s.startswith(".") else "." + s.lower() for s in suffixes)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        name = _public_name(func)
        spec = ReaderSpec(name, func, norm, technique, sniff, requires, extra)
        with _LOCK:
            _REGISTRY[:] = [r for r in _REGISTRY if r.name != name]
            _REGISTRY.append(spec)
        return func

    return decorate


def _public_name(func: Callable[..., Any]) -> str:
    """``<package>.io.<function>``: a reader in a vendor module of an ``io`` package
    (``xrd.io.bruker.read_raw``) is named by the package that re-exports it
    (``xrd.io.read_raw``), so that ``attrs["reader"]`` survives reorganisations."""
    parts = func.__module__.split(".")
    if "io" in parts[1:-1]:
        parts = parts[: parts.index("io", 1) + 1]
    return f"{'.'.join(parts)}.{func.__qualname__}"


def load_plugins() -> None:
    """Load the installed techniques (:func:`charz.plugins.techniques`): registers readers."""
    from charz.plugins import techniques

    techniques()


def readers(technique: str | None = None) -> list[ReaderSpec]:
    """Registered readers (of one technique, or all).

    Parameters
    ----------
    technique : str, optional
        Only this technique's readers.

    Returns
    -------
    list of ReaderSpec
    """
    load_plugins()
    return [r for r in _REGISTRY if technique is None or r.technique == technique]


def require(module: str, extra: str | None = None, *, purpose: str = "") -> Any:
    """Import an optional dependency or raise :class:`MissingDependencyError` naming the extra.

    Parameters
    ----------
    module : str
        Import name (``"h5py"``).
    extra : str, optional
        The pip extra of charz that installs it.
    purpose : str
        What it is needed for (in the message).

    Returns
    -------
    module
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        what = f" to {purpose}" if purpose else ""
        hint = f"pip install 'charz-carbon[{extra}]'" if extra else f"pip install {module}"
        raise MissingDependencyError(
            f"{module} is needed{what} but is not installed ({exc}); install it with: {hint}"
        ) from None


# ---------------------------------------------------------------------------------------
# compression
# ---------------------------------------------------------------------------------------


def _compression(path: Path) -> str | None:
    lower = path.name.lower()
    return next((c for c in COMPRESSIONS if lower.endswith(c)), None)


def inner_name(path: str | Path) -> str:
    """The file name of ``path`` without a compression suffix (``scan.xy.gz`` -> ``scan.xy``)."""
    path = Path(path)
    comp = _compression(path)
    return path.name[: -len(comp)] if comp else path.name


#: Decompressed temporary copy -> the file it came from, while a reader runs on it.
_ORIGINALS: dict[Path, Path] = {}


def original_path(path: str | Path) -> Path:
    """The file a reader's ``path`` stands for: the compressed original of a temporary copy.

    :func:`read` hands a reader a decompressed copy of ``scan.gsa.gz`` in a temporary
    folder; a reader that looks for companion files (a GSAS ``.prm`` beside the data)
    looks beside ``original_path(path)`` instead.

    Parameters
    ----------
    path : str or Path
        The path a reader was given.

    Returns
    -------
    Path
        The original file (``path`` itself when it was not decompressed).
    """
    path = Path(path)
    return _ORIGINALS.get(path, path)


#: Exceptions of the decompressors for a damaged stream.
_DECOMPRESS_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


@contextlib.contextmanager
def _decompressed(path: Path) -> Iterator[Path]:
    """Yield ``path``, or a temporary decompressed copy named as the inner file."""
    comp = _compression(path)
    if comp is None:
        yield path
        return
    name = inner_name(path) or "data"
    with tempfile.TemporaryDirectory(prefix="charz-") as tmp:
        out = Path(tmp) / name
        try:
            with COMPRESSIONS[comp](path, "rb") as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except _DECOMPRESS_ERRORS as exc:
            raise CorruptFileError(
                f"{path.name}: the {comp[1:]} compression is damaged or truncated "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        _ORIGINALS[out] = path
        try:
            yield out
        finally:
            _ORIGINALS.pop(out, None)


# ---------------------------------------------------------------------------------------
# library failures -> CorruptFileError, in one place
# ---------------------------------------------------------------------------------------

#: Builtin and standard-library exceptions that mean "the content is not what the format
#: promises" when a reader raises them.
_BUILTIN_FAILURES: tuple[type[BaseException], ...] = (
    ValueError,  # also UnicodeError, json.JSONDecodeError, pandas' ParserError
    IndexError,
    KeyError,
    TypeError,
    AttributeError,
    ArithmeticError,  # OverflowError, ZeroDivisionError
    EOFError,
    OSError,  # h5py, gzip.BadGzipFile, truncated streams
    struct.error,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    SyntaxError,  # xml.etree.ElementTree.ParseError
    StopIteration,
    MemoryError,  # a corrupt length field asking for terabytes
)

#: Top-level packages whose own exception classes (xlrd's XLRDError and CompDocError,
#: openpyxl's InvalidFileException, olefile's, h5py's ...) are reading failures.
_LIBRARIES = frozenset({
    "xlrd", "openpyxl", "olefile", "h5py", "netCDF4", "fabio", "wdf", "brukeropus",
    "pandas", "numpy", "csv", "xml", "zipfile", "zlib", "gzip", "bz2", "lzma", "struct",
    "tifffile", "PIL", "defusedxml", "sqlite3", "galvani", "NewareNDA",
})


def _raised_in_library(exc: BaseException) -> bool:
    """True when the innermost frame of ``exc`` is in one of :data:`_LIBRARIES` (xlrd, for
    one, checks its input with ``assert``)."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = str(tb.tb_frame.f_globals.get("__name__", ""))
    return module.split(".", 1)[0] in _LIBRARIES


def reader_failure(
    exc: BaseException, path: str | Path, reader: str = ""
) -> CorruptFileError | None:
    """Translate a library failure inside a reader into a :class:`CorruptFileError`.

    This is the one place where failures of the libraries that readers use (zlib, bz2,
    lzma, gzip, zipfile, xlrd, openpyxl, h5py, struct, XML parsers, numpy ...) are turned
    into charz errors naming the file.

    Parameters
    ----------
    exc : BaseException
        What the reader raised.
    path : str or Path
        The file given by the user.
    reader : str
        ``module.function`` of the reader.

    Returns
    -------
    CorruptFileError or None
        None when ``exc`` is already a charz error or not a reading failure (a bug in charz,
        which must surface as is). Builtin exceptions of the kinds a parser raises on bad
        input, exceptions defined by the reading libraries, and any exception raised inside
        one of those libraries (xlrd's internal ``assert``) count as reading failures.
    """
    if isinstance(exc, CharzError) or isinstance(exc, (KeyboardInterrupt, SystemExit)):
        return None
    root = type(exc).__module__.split(".", 1)[0]
    if not (isinstance(exc, _BUILTIN_FAILURES) or root in _LIBRARIES
            or _raised_in_library(exc)):
        return None
    kind = type(exc).__name__
    if type(exc).__module__ not in ("builtins", "__main__"):
        kind = f"{type(exc).__module__}.{kind}"
    name = Path(path).name
    by = f" for {reader}" if reader else ""
    return CorruptFileError(
        f"{name}: not a valid file{by} ({kind}: {exc}); the file may be truncated, "
        "damaged or of another format"
    )


# ---------------------------------------------------------------------------------------
# dispatch
# ---------------------------------------------------------------------------------------


def _head(path: Path) -> bytes:
    comp = _compression(path)
    opener: Callable[..., Any] = COMPRESSIONS[comp] if comp else open
    with opener(path, "rb") as fh:
        return fh.read(HEAD_BYTES)


def _suffix_matches(path: Path, spec: ReaderSpec) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in spec.suffixes)


def _safe_sniff(spec: ReaderSpec, path: Path, head: bytes) -> bool:
    try:
        assert spec.sniff is not None
        return bool(spec.sniff(path, head))
    except Exception:  # a sniffer must never break dispatch
        return False


def _candidates(path: Path, technique: str | None, head: bytes) -> list[ReaderSpec]:
    pool = readers(technique)
    by_suffix = [r for r in pool if _suffix_matches(path, r)]
    if by_suffix:
        sniffed = [r for r in by_suffix if r.sniff is not None and _safe_sniff(r, path, head)]
        plain = [r for r in by_suffix if r.sniff is None]
        if sniffed:
            # a positive sniff is stronger evidence than a bare suffix match
            return sniffed
        return plain
    # unknown suffix: content sniffing over every reader that can sniff
    return [r for r in pool if r.sniff is not None and _safe_sniff(r, path, head)]


def reader_options(spec: ReaderSpec) -> tuple[str, ...] | None:
    """Keyword options a reader takes (None when it takes any ``**options``).

    Parameters
    ----------
    spec : ReaderSpec

    Returns
    -------
    tuple of str or None
    """
    try:
        params = list(inspect.signature(spec.func).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return tuple(p.name for p in params[1:]
                 if p.kind in (inspect.Parameter.KEYWORD_ONLY,
                               inspect.Parameter.POSITIONAL_OR_KEYWORD))


def _check_options(spec: ReaderSpec, options: dict[str, Any], name: str) -> None:
    allowed = reader_options(spec)
    if allowed is None:
        return
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        takes = ", ".join(allowed) if allowed else "no options"
        raise OptionError(
            f"{name}: {spec.name} ({spec.technique}) does not take "
            f"{', '.join(repr(u) for u in unknown)}; it takes {takes}")


def _no_reader_message(given: Path, inner: Path, technique: str | None, head: bytes) -> str:
    """Say which technique the file looks like, else what the technique reads."""
    if technique is None:
        return (f"{given.name}: no reader recognises this file (by suffix or content); "
                "see charz.io.readers() for the formats charz reads")
    others = {r.technique for r in _candidates(inner, None, head) if r.technique != technique}
    if len(others) == 1:
        other = others.pop()
        what = _WHAT.get(other, f"a {other} file")
        return (f"{given.name} looks like {what} (not {technique}): run "
                f"`charz {other} {given.name}` (Python: charz.read(path, technique={other!r}))")
    known = sorted({s for r in readers(technique) for s in r.suffixes})
    shown = " ".join(known[:12]) + (" ..." if len(known) > 12 else "")
    return (f"{given.name}: no {technique} reader recognises this file (by suffix or "
            f"content); {technique} reads {shown}")


def read(path: str | Path, *, technique: str | None = None, **options: Any) -> Any:
    """Read an instrument file into an xarray object.

    Parameters
    ----------
    path : str or Path
        The file; ``.gz``, ``.bz2`` and ``.xz`` copies are decompressed transparently and
        dispatched on the inner name.
    technique : str, optional
        ``'xrd'``, ``'raman'``, ``'saxs'``, ``'sorption'`` or ``'echem'``: restrict dispatch
        to one technique's readers (needed when a ``.txt`` or ``.csv`` could be several
        things).
    **options
        Passed to the reader (e.g. ``wavelength=0.15406`` for a file without one).

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        With ``attrs["source"]`` (file name as given), ``attrs["sha256"]`` (of the file as
        given, compressed or not) and ``attrs["reader"]`` set for provenance.

    Raises
    ------
    ReadError
        ``UnknownFormatError`` when no reader fits (naming the technique the file looks
        like when it belongs to another one), ``AmbiguousFormatError`` when several do,
        ``CorruptFileError`` when the decompression or the chosen reader fails on the
        content; each names the file.
    OptionError
        An option the chosen reader does not take (never silently ignored).
    MissingDependencyError
        The reader needs an optional extra that is not installed.
    """
    from charz.hashing import file_sha256
    from charz.plugins import techniques

    path = Path(path)
    names = [t.name for t in techniques()]
    if technique is not None and technique not in names:
        raise ReadError(f"{path.name}: technique {technique!r} is not one of {', '.join(names)}")
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(f"{path}: is a folder; give a file (series readers take folders)")
    if path.stat().st_size == 0:
        raise CorruptFileError(f"{path.name}: the file is empty")
    with _decompressed(path) as inner:
        try:
            head = _head(inner)
        except OSError as exc:
            raise ReadError(f"{path.name}: cannot open ({exc})") from None
        if not head:
            raise CorruptFileError(f"{path.name}: the file is empty")
        found = _candidates(inner, technique, head)
        if not found:
            raise UnknownFormatError(_no_reader_message(path, inner, technique, head))
        if len(found) > 1:
            names = ", ".join(f"{r.name} ({r.technique})" for r in found)
            raise AmbiguousFormatError(
                f"{path.name}: several readers fit ({names}); pass technique=... "
                "(or --technique on the command line)"
            )
        spec = found[0]
        _check_options(spec, options, path.name)
        if spec.requires:
            require(spec.requires, spec.extra, purpose=f"read {path.name}")
        try:
            data = spec.func(inner, **options)
        except Exception as exc:
            err = reader_failure(exc, path, spec.name)
            if err is None:
                raise
            raise err from exc
        if inner is not path and hasattr(data, "load"):
            data = data.load()  # the temporary copy goes away
    if data.attrs.get("source") in (None, inner.name):
        data.attrs["source"] = path.name
    data.attrs["sha256"] = file_sha256(path)
    data.attrs["reader"] = spec.name
    data.attrs.setdefault("technique", spec.technique)
    return data

