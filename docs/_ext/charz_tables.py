"""Sphinx directives that generate the reference tables from the code.

``charz-formats``
    One row per registered reader (:func:`charz.io.readers`): technique, suffixes, the
    reader, what it is (its docstring's first line), the metadata it read and the real
    test file it was run on — found by dispatching every file under ``tests/data`` through
    the registry at build time, so the table cannot claim a file the reader does not read.
``charz-descriptors``
    :data:`charz.record.DESCRIPTORS`: key, unit, technique, meaning.
``charz-flags``
    The flag vocabulary of :mod:`charz.flags`.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive

ROOT = Path(__file__).resolve().parents[2]
TEST_DATA = ROOT / "tests" / "data"
#: Real GPL/unlicensed files read in place by the tests (absent in a user's clone).
SHARED_DATA = Path(os.environ.get("CHARZ_SHARED_DATA", ROOT.parent / "shared" / "data"))
MAX_BYTES = 4 << 20
_PROVENANCE = {"source", "sha256", "reader", "units", "long_name", "title"}


def _table(header: list[str], rows: list[list[str]], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["charz-generated"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    thead = nodes.thead()
    group += thead
    thead += _row(header)
    tbody = nodes.tbody()
    group += tbody
    for r in rows:
        tbody += _row(r)
    return table


def _row(cells: list[str]) -> nodes.row:
    row = nodes.row()
    for text in cells:
        entry = nodes.entry()
        para = nodes.paragraph()
        if text.startswith("`") and text.endswith("`") and len(text) > 1:
            para += nodes.literal(text=text.strip("`"))
        else:
            para += nodes.Text(text)
        entry += para
        row += entry
    return row


def _tested_files() -> dict[str, tuple[Path, object]]:
    """Reader name -> (first test file it reads, the data it returned)."""
    import charz
    from charz.io import readers

    found: dict[str, tuple[Path, object]] = {}
    names = {r.name for r in readers()}
    files = sorted(TEST_DATA.rglob("*"))
    if SHARED_DATA.is_dir():
        files += sorted(SHARED_DATA.rglob("*"))
    for path in files:
        if not path.is_file() or (path.suffix.lower() in {".md", ".json"} and \
                path.name.isupper()) or path.name.upper().startswith(("SOURCES", "README")):
            continue
        if "LICENSES" in path.parts or path.stat().st_size > MAX_BYTES:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                data = charz.read(path)
            except Exception:
                continue
        reader = str(data.attrs.get("reader", ""))
        if reader in names and reader not in found:
            found[reader] = (path, data)
    return found


def _where(path: Path) -> str:
    if path.is_relative_to(ROOT):
        return str(path.relative_to(ROOT))
    return "shared/data/" + str(path.relative_to(SHARED_DATA)) + " (read in place)"


def _metadata(data: object) -> str:
    attrs = dict(getattr(data, "attrs", {}) or {})
    keys = sorted(k for k in attrs if k not in _PROVENANCE and not k.endswith("_source"))
    return ", ".join(keys[:12]) + (" …" if len(keys) > 12 else "")


class FormatsDirective(Directive):
    """``.. charz-formats::`` — the supported file formats, from the reader registry."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from charz.io import readers

        tested = _tested_files()
        rows = []
        for spec in sorted(readers(), key=lambda r: (r.technique, r.suffixes, r.name)):
            doc = (spec.func.__doc__ or "").strip().splitlines()
            what = doc[0].rstrip(".") if doc else ""
            path, data = tested.get(spec.name, (None, None))
            rows.append([
                spec.technique,
                " ".join(spec.suffixes),
                f"`{spec.name}`",
                what,
                _metadata(data) if data is not None else "",
                _where(path) if path is not None else
                ("(needs extra " + spec.extra + ")" if spec.extra else "(no test file)"),
            ])
        header = ["technique", "suffixes", "reader", "format", "metadata read (test file)",
                  "tested on"]
        return [_table(header, rows, [8, 12, 22, 30, 25, 25])]


class DescriptorsDirective(Directive):
    """``.. charz-descriptors::`` — every record key with its unit and meaning."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from charz.record import DESCRIPTORS

        rows = [[f"`{key}`", spec.unit, spec.technique, spec.meaning]
                for key, spec in DESCRIPTORS.items()]
        return [_table(["key", "unit", "technique", "meaning"], rows, [20, 10, 12, 58])]


class FlagsDirective(Directive):
    """``.. charz-flags::`` — the flag vocabulary."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        try:
            from charz.flags import FLAGS
        except ImportError:
            return [nodes.paragraph(text="(the flag vocabulary is not available)")]
        rows = []
        for name, meaning in FLAGS.items():
            text = meaning if isinstance(meaning, str) else str(
                getattr(meaning, "meaning", meaning))
            rows.append([f"`{name}`", text])
        return [_table(["flag", "meaning"], rows, [25, 75])]


def setup(app):
    app.add_directive("charz-formats", FormatsDirective)
    app.add_directive("charz-descriptors", DescriptorsDirective)
    app.add_directive("charz-flags", FlagsDirective)
    return {"version": "1", "parallel_read_safe": True}
