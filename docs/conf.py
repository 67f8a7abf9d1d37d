"""Sphinx configuration of the charz documentation site.

Build: ``python -m sphinx -W -b html docs docs/_build/html`` (``pip install ".[docs]"``).
The gallery (``examples/``) is executed by sphinx-gallery; the formats, descriptor and
flag tables are generated from the code by ``docs/_ext/charz_tables.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(ROOT))  # the checkout's code (same as an installed copy in CI)
os.environ.setdefault("MPLBACKEND", "Agg")

import charz  # noqa: E402

project = "charz"
author = "charz developers"
copyright = "2026, charz developers"
release = charz.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_copybutton",
    "sphinxarg.ext",
    "sphinx_gallery.gen_gallery",
    "charz_tables",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "gallery/*.ipynb", "gallery/*.py",
                    "gallery/*.zip"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

autosummary_generate = True
autosummary_imported_members = True


def _public_names(modname: str) -> dict[str, list[str]] | None:
    """A module's ``__all__`` by kind (None without ``__all__``): the API pages list exactly it.

    Names a package loads lazily (module ``__getattr__``) are resolved here, so a page does
    not depend on what happened to be imported before it was generated.
    """
    import importlib
    import inspect

    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None)
    if names is None:
        return None
    kinds: dict[str, list[str]] = {"attributes": [], "functions": [], "classes": [],
                                   "exceptions": [], "modules": []}
    for name in names:
        obj = getattr(mod, name)
        inner = getattr(obj, name, None)
        if inspect.ismodule(obj) and callable(inner):
            # a function named like its submodule (echem.dqdv): once the submodule has been
            # imported, the package attribute is the module; list the function itself
            where = inner.__module__.removeprefix(modname + ".")
            kinds["functions"].append(f"~{where}.{name}")
        elif inspect.ismodule(obj):
            kinds["modules"].append(name)
        elif inspect.isclass(obj) and issubclass(obj, BaseException):
            kinds["exceptions"].append(name)
        elif inspect.isclass(obj):
            kinds["classes"].append(name)
        elif callable(obj):
            kinds["functions"].append(name)
        else:
            kinds["attributes"].append(name)
    return kinds


def _load_lazy_exports() -> None:
    """Bind each package's lazily loaded exports, so autodoc documents them on its page.

    ``xrd.fit_pattern`` then has a page entry and ``{func}`xrd.fit_pattern``` resolves.
    Names that are also submodules (``echem.dqdv``) are left alone. Docs build only.
    """
    import importlib
    import inspect
    import pkgutil

    for package in ("charz", "xrd", "raman", "saxs", "sorption", "echem"):
        mod = importlib.import_module(package)
        subs = {m.name for m in pkgutil.iter_modules(mod.__path__)}
        for name in getattr(mod, "__all__", ()):
            if name in subs or name in vars(mod):
                continue
            obj = getattr(mod, name)
            if not inspect.ismodule(obj):
                setattr(mod, name, obj)


_load_lazy_exports()
autosummary_context = {"public_names": _public_names}
templates_path = ["_templates"]
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# no sphinx.ext.intersphinx: the build must not need the network (CI builds offline)

html_theme = "pydata_sphinx_theme"
html_title = f"charz {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path: list[str] = []

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "gallery",
    # CHARZ_DOCS_GALLERY_PATTERN=plot_10 runs only the matching examples (others are shown)
    "filename_pattern": "/" + os.environ.get("CHARZ_DOCS_GALLERY_PATTERN", "plot_"),
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "capture_repr": ("_repr_html_", "__repr__"),
    # CHARZ_DOCS_GALLERY=0 skips running the examples (fast iteration on pages/docstrings)
    "plot_gallery": os.environ.get("CHARZ_DOCS_GALLERY", "1") != "0",
}

# numpydoc renames the citations of a References section; unreferenced ones are fine there
suppress_warnings = ["config.cache", "ref.citation"]
