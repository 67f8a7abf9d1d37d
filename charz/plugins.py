"""Techniques as plugins: how the core finds ``xrd``, ``raman``, ... and third-party packages.

Each technique package declares one :class:`Technique` object, conventionally named
``technique`` in its ``__init__``, and registers it under the entry-point group
``charz.techniques`` of its distribution (the way xarray finds its backends through the
``xarray.backends`` group)::

    # pyproject.toml of a third-party package
    [project.entry-points."charz.techniques"]
    tga = "tga:technique"

    # tga/__init__.py
    from charz.plugins import Technique
    from tga import io  # registers the readers with charz.read

    technique = Technique(
        name="tga",
        summary="thermogravimetry: ash content",
        add_parser=_cli.add_parser,        # adds `charz tga ...`
        analyse_file=_cli.analyse_file,    # `charz report` rows with technique "tga"
    )

The core (``charz`` CLI, ``charz demo``, ``charz report``, :func:`charz.read`) iterates
:func:`techniques` and calls these hooks; it never imports a technique module by a name it
builds. Loading a technique imports its package, which registers its readers with
:func:`charz.io.register_reader`. Record keys are not added by plugins: every key lives in
:data:`charz.record.DESCRIPTORS`.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from charz.errors import CharzError, CharzWarning

__all__ = ["BUILTIN", "ENTRY_POINT_GROUP", "Technique", "get_technique", "techniques"]

#: Entry-point group under which technique packages register their :class:`Technique`.
ENTRY_POINT_GROUP = "charz.techniques"

#: The techniques shipped with charz, in the order the core lists them.
BUILTIN: tuple[str, ...] = ("xrd", "raman", "saxs", "sorption", "echem")


@dataclass(frozen=True)
class Technique:
    """What a technique package gives the core.

    Parameters
    ----------
    name : str
        Technique name: the CLI subcommand (``charz <name>``), the manifest technique of
        ``charz report`` and the ``technique=`` of :func:`charz.read`.
    summary : str
        One line for listings.
    add_parser : callable, optional
        ``add_parser(subparsers)`` adds ``charz <name> ...`` to the ``argparse``
        subparsers and sets ``run=handler`` (``handler(args) -> int``) with
        ``set_defaults``. Import heavy modules inside the handler, not here.
    add_insitu_parser : callable, optional
        ``add_insitu_parser(subparsers)`` adds ``charz insitu <name> ...``.
    analyse_file : callable, optional
        ``analyse_file(path, **options) -> list`` of results (objects with
        ``descriptors()``): the report hook, run on each manifest row of this technique
        with the row's options (the technique's defaults otherwise, as ``charz <name>``).
    manifest_kinds : Mapping[str, callable]
        Further manifest technique names this package analyses, each with its
        ``analyse_file``-like hook (e.g. ``{"pycnometry": analyse_pycnometer}``).
    demo : callable, optional
        ``demo(ctx: charz.demo.DemoContext) -> None``, the technique's part of
        ``charz demo``.
    """

    name: str
    summary: str = ""
    add_parser: Callable[[Any], None] | None = None
    add_insitu_parser: Callable[[Any], None] | None = None
    analyse_file: Callable[..., list[Any]] | None = None
    manifest_kinds: Mapping[str, Callable[..., list[Any]]] = field(default_factory=dict)
    demo: Callable[[Any], None] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise CharzError(f"technique name {self.name!r} must be a Python identifier")
        object.__setattr__(self, "manifest_kinds", dict(self.manifest_kinds))

    @classmethod
    def from_modules(cls, name: str, summary: str = "", *, cli: Any = None, demo: Any = None,
                     manifest_kinds: Mapping[str, Callable[..., list[Any]]] | None = None
                     ) -> Technique:
        """A technique whose hooks are the conventionally named functions of its modules.

        Parameters
        ----------
        name, summary : str
            As for :class:`Technique`.
        cli : module, optional
            The package's command-line module: its ``add_parser``, ``add_insitu_parser``
            and ``analyse_file`` become the hooks of those names (each only when the module
            defines it).
        demo : module, optional
            The package's demo module: its ``run`` is the ``demo`` hook.
        manifest_kinds : Mapping[str, callable], optional
            As for :class:`Technique`.

        Returns
        -------
        Technique
        """
        hooks = {hook: getattr(cli, hook, None)
                 for hook in ("add_parser", "add_insitu_parser", "analyse_file")}
        return cls(name=name, summary=summary, manifest_kinds=manifest_kinds or {},
                   demo=getattr(demo, "run", None), **hooks)

    def report_hooks(self) -> dict[str, Callable[..., list[Any]]]:
        """Manifest technique name -> hook, for ``charz report``."""
        hooks = dict(self.manifest_kinds)
        if self.analyse_file is not None:
            hooks = {self.name: self.analyse_file, **hooks}
        return hooks


def _entry_points() -> list[metadata.EntryPoint]:
    found = {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    for name in BUILTIN:
        # a source checkout that was not (re)installed has no entry points yet: the
        # built-in packages are declared the same way in pyproject.toml
        found.setdefault(name, metadata.EntryPoint(name, f"{name}:technique",
                                                   ENTRY_POINT_GROUP))
    builtin = [found.pop(name) for name in BUILTIN]
    return builtin + [found[name] for name in sorted(found)]


def _checked(ep: metadata.EntryPoint) -> Technique:
    obj = ep.load()
    if not isinstance(obj, Technique):
        raise CharzError(
            f"entry point {ep.name!r} ({ep.value}) of group {ENTRY_POINT_GROUP!r} is "
            f"{type(obj).__name__}, not a charz.plugins.Technique"
        )
    if obj.name != ep.name:
        raise CharzError(f"entry point {ep.name!r} ({ep.value}) declares technique "
                         f"{obj.name!r}; the names must match")
    return obj


def _load(ep: metadata.EntryPoint) -> Technique | None:
    package = ep.value.split(":")[0].split(".")[0]
    try:
        return _checked(ep)
    except Exception as exc:
        if ep.name in BUILTIN:
            if isinstance(exc, ModuleNotFoundError) and exc.name == package:
                return None  # that built-in package is not installed
            raise
        # a broken third-party plugin must not break charz: warn and leave it out
        warnings.warn(f"technique plugin {ep.name!r} ({ep.value}) failed to load: {exc}",
                      CharzWarning, stacklevel=4)
        return None


@functools.cache
def techniques() -> tuple[Technique, ...]:
    """Every installed technique, loaded once (importing a package registers its readers).

    Returns
    -------
    tuple of Technique
        The built-in techniques first (``xrd``, ``raman``, ``saxs``, ``sorption``,
        ``echem``, those that are installed), then third-party ones sorted by name.

    Notes
    -----
    The result is cached; ``techniques.cache_clear()`` forgets it (after installing a
    plugin in a running session).
    """
    loaded = (_load(ep) for ep in _entry_points())
    return tuple(t for t in loaded if t is not None)


def get_technique(name: str) -> Technique:
    """The installed technique called ``name``.

    Raises
    ------
    OptionError
        No installed technique has that name (the message lists those that do).
    """
    from charz.errors import OptionError

    for tech in techniques():
        if tech.name == name:
            return tech
    raise OptionError(f"technique {name!r} is not one of "
                      f"{', '.join(t.name for t in techniques())}")
