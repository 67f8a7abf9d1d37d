"""Exceptions and warnings of charz.

Every error subclasses :class:`CharzError` *and* a builtin, as pint does
(``PintTypeError(TypeError, PintError)``), so ``except ValueError`` in user code keeps
working. Messages name the file (when there is one), the value got and what is allowed.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousFormatError",
    "CharzError",
    "CharzWarning",
    "ConflictWarning",
    "CorruptFileError",
    "DataCleaningWarning",
    "FitError",
    "FlagWarning",
    "FlaggedResultError",
    "MissingDependencyError",
    "MissingMetadataError",
    "OptionError",
    "PhysicsWarning",
    "ReadError",
    "RecordError",
    "UnknownFormatError",
]


class CharzError(Exception):
    """Base class of every error charz raises on purpose."""


class ReadError(CharzError, ValueError):
    """A file could not be read (unknown, corrupt, truncated or unreadable)."""


class UnknownFormatError(ReadError):
    """No registered reader accepts the file (by suffix or by content)."""


class AmbiguousFormatError(ReadError):
    """Several readers accept the file; the user must say which technique."""


class CorruptFileError(ReadError):
    """A reader accepted the file, but its content is not what the format promises."""


class MissingMetadataError(CharzError, ValueError):
    """Metadata that changes the result (wavelength, laser, mass, ...) is absent."""


class FitError(CharzError, RuntimeError):
    """A fit did not converge, hit a bound, or its input cannot be fitted."""


class FlaggedResultError(FitError):
    """A result carries flags (:mod:`charz.flags`) and ``strict=True``/``--strict`` was given."""


class OptionError(CharzError, ValueError):
    """An option is invalid, or cannot take effect (e.g. a relation that needs a missing laser)."""


class RecordError(CharzError, ValueError):
    """A descriptor record was given an unknown key, a wrong unit or a bad value."""


class MissingDependencyError(CharzError, ImportError):
    """An optional dependency is needed; the message names the extra to install."""


class CharzWarning(UserWarning):
    """Base class of charz warnings (filter them with ``warnings.filterwarnings``)."""


class PhysicsWarning(CharzWarning):
    """A result is outside the physically plausible or calibrated range."""


class FlagWarning(CharzWarning):
    """A result is returned with flags (:mod:`charz.flags`): quote it with care."""


class ConflictWarning(CharzWarning):
    """Two different values were given for one descriptor; both are kept."""


class DataCleaningWarning(CharzWarning):
    """Input data were cleaned (points dropped or changed); the change is recorded."""
