"""Public names loaded on first use (PEP 562): one way for ``charz`` and every technique.

A package lists which module defines each public name; importing the package stays light
(no lmfit, scipy.optimize or matplotlib when the core only looks for readers), and the
first access imports the defining module::

    # xrd/__init__.py
    from charz._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "xrd.corrections": ("crop", "strip_ka2"),
        "xrd.peaks": ("fit_002", "fit_pattern"),
    })

This is the only place in ``charz`` that imports a module by a name it is given (the
plugin loader finds technique packages through entry points).
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["callable_module", "lazy_exports"]


class _CallableModule(types.ModuleType):
    """A module that calls its namesake function (``echem.dqdv(ds)`` = ``echem.dqdv.dqdv(ds)``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, self.__name__.rpartition(".")[2])(*args, **kwargs)


def callable_module(name: str) -> None:
    """Make module ``name`` callable as the function of the same name that it defines.

    A package that exports a function named like the submodule defining it (``echem.dqdv``,
    ``echem.gitt``, ``saxs.invariant``) would otherwise see the package attribute turn from
    the function into the module as soon as anything runs ``import echem.dqdv``: the import
    system sets the submodule on its parent. Called at the end of such a submodule, this
    keeps ``echem.dqdv(ds)`` working either way, while ``from echem.dqdv import X`` and
    ``echem.dqdv.X`` still reach the module's other names.

    Parameters
    ----------
    name : str
        The submodule's ``__name__``; it must define a callable named like its last part.
    """
    module = sys.modules[name]
    if not callable(getattr(module, name.rpartition(".")[2], None)):
        raise TypeError(f"{name} defines no callable {name.rpartition('.')[2]!r}")
    module.__class__ = _CallableModule


def lazy_exports(
    package: str,
    exports: Mapping[str, Iterable[str]],
    *,
    submodules: Iterable[str] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` that load a package's public names lazily.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping of str to iterable of str
        Defining module (full import name) -> the public names taken from it.
    submodules : iterable of str
        Submodules reachable as attributes (``charz.tables``), imported on first access.

    Returns
    -------
    getattr_ : callable
        ``__getattr__(name)``: imports the defining module and returns the name from it
        (:class:`AttributeError` for other names). Nothing is stored on the package, so a
        public name that is also a submodule's name keeps the import system's meaning.
    dir_ : callable
        ``__dir__()``: the package's attributes and every lazy name, sorted.
    """
    where = {name: module for module, names in exports.items() for name in names}
    subs = frozenset(submodules)

    def __getattr__(name: str) -> Any:
        if name in where:
            return getattr(importlib.import_module(where[name]), name)
        if name in subs:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where, *subs})

    return __getattr__, __dir__
