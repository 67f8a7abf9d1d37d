"""XML helpers of the readers: safe parsing and namespace-free lookups.

Vendor XML (PANalytical XRDML, Bruker BRML, Rigaku RASX, canSAS, LabSpec) uses namespaces
that change between software versions; these helpers match elements by their local name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from charz.errors import CorruptFileError

__all__ = ["child", "children", "find", "find_all", "findtext", "local", "number_list",
           "parse_xml"]


def parse_xml(source: bytes | str | Path, *, name: str = "", what: str = "XML") -> ET.Element:
    """Parse XML bytes (or a file) safely and return the root element.

    Documents that declare entities are refused (no entity expansion, the "billion laughs"
    attack), as ``defusedxml`` does; expat never fetches external references.

    Parameters
    ----------
    source : bytes, str or Path
        The document's bytes, or the path of the file.
    name : str
        File name for messages (default: the path's name).
    what : str
        What the document is (``"XRDML"``), for messages.

    Returns
    -------
    xml.etree.ElementTree.Element

    Raises
    ------
    CorruptFileError
        Not well-formed (truncated), or declares entities.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        raw = path.read_bytes()
    else:
        raw = bytes(source)
    if b"<!ENTITY" in raw:
        raise CorruptFileError(f"{name}: {what} declares entities; charz does not expand "
                               "them (unsafe)")
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        raise CorruptFileError(
            f"{name}: not well-formed {what} ({exc}); the file may be truncated") from None


def local(tag: str) -> str:
    """``tag`` without its ``{namespace}`` prefix."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child(el: ET.Element, name: str) -> ET.Element | None:
    """First direct child of ``el`` whose local name is ``name``; None if absent."""
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def children(el: ET.Element, name: str) -> list[ET.Element]:
    """Direct children of ``el`` whose local name is ``name`` (a list)."""
    return [c for c in el if local(c.tag) == name]


def find(el: ET.Element, name: str) -> ET.Element | None:
    """First element of ``el.iter()`` (``el`` itself included) named ``name``; None
    if absent."""
    for c in el.iter():
        if local(c.tag) == name:
            return c
    return None


def find_all(el: ET.Element, name: str) -> list[ET.Element]:
    """Every element of ``el.iter()`` named ``name``, in document order."""
    return [c for c in el.iter() if local(c.tag) == name]


def findtext(el: ET.Element | None, name: str, default: str | None = None, *,
             direct: bool = False) -> str | None:
    """Stripped text of the first element named ``name`` (namespace ignored).

    Parameters
    ----------
    el : Element or None
    name : str
    default : str, optional
        Returned when the element is absent or its text is empty.
    direct : bool
        Look only at direct children (else at all descendants).

    Returns
    -------
    str or None
    """
    if el is None:
        return default
    e = child(el, name) if direct else find(el, name)
    if e is None or e.text is None or not e.text.strip():
        return default
    return e.text.strip()


def number_list(text: str | None, *, name: str = "") -> np.ndarray:
    """Whitespace-separated numbers of an element's text as a float array.

    Parameters
    ----------
    text : str or None
    name : str
        File name for messages.

    Returns
    -------
    ndarray
        Empty for empty text.

    Raises
    ------
    CorruptFileError
        A value is not a number.
    """
    if not text or not text.strip():
        return np.empty(0)
    try:
        return np.array(text.split(), dtype=float)
    except ValueError as exc:
        raise CorruptFileError(f"{name}: non-numeric value in a number list ({exc})") from None
