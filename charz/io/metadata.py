"""Metadata that change results: the user's value overrides the file's, recorded one way.

Every reader that takes a wavelength, a laser line, a q unit, a mass or a time zone from
either the file or the user calls :func:`resolve_metadata`, so that ``attrs[key]`` holds the
value used and ``attrs[f"{key}_source"]`` says where it came from (``"user"`` or
``"file"``); when the user overrides a different value in the file, the file's is kept as
``attrs[f"{key}_file"]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from charz.errors import MissingMetadataError

__all__ = ["metadata_sources", "resolve_metadata"]


def _differs(a: Any, b: Any) -> bool:
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return str(a).strip() != str(b).strip()
    return not math.isclose(fa, fb, rel_tol=1e-9, abs_tol=0.0)


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def resolve_metadata(
    attrs: dict[str, Any],
    key: str,
    user_value: Any,
    file_value: Any,
    *,
    unit: str | None = None,
    valid: tuple[float, float] | None = None,
    name: str = "",
    example: str = "",
) -> Any:
    """Set ``attrs[key]`` and ``attrs[f"{key}_source"]`` from the user's or the file's value.

    Parameters
    ----------
    attrs : dict
        The reader's attributes, changed in place.
    key : str
        Attribute name (``"wavelength"``, ``"laser_wavelength"``, ``"q_unit"``).
    user_value : object or None
        The value the user gave (option or keyword); None when not given.
    file_value : object or None
        The value the file states; None (or NaN, or an empty string) when it has none.
    unit : str, optional
        Unit of the value (pint spelling, ``"nm"``), used in messages.
    valid : (float, float), optional
        Open interval a numeric user value must lie in (a plausibility check: a wavelength
        in Å given as nm is refused).
    name : str
        File name for messages.
    example : str
        How to pass the value (``"wavelength=0.15406"``), added to the message.

    Returns
    -------
    object or None
        The value used; None when neither gave one (``attrs[key]`` and its source are then
        removed, and the caller decides whether that is an error).

    Raises
    ------
    MissingMetadataError
        The user's value is outside ``valid``.

    Notes
    -----
    The user's value always wins. When the file states another value, it is kept as
    ``attrs[f"{key}_file"]`` (the conflict is recorded, not warned about: overriding the file
    is what the option is for).
    """
    u = f" {unit}" if unit else ""
    if _present(user_value):
        if valid is not None:
            lo, hi = valid
            try:
                ok = lo < float(user_value) < hi
            except (TypeError, ValueError):
                ok = False
            if not ok:
                pre = f"{name}: " if name else ""
                hint = f" (e.g. {example})" if example else ""
                raise MissingMetadataError(
                    f"{pre}{key}={user_value!r} is not plausible: expected a value between "
                    f"{lo:g} and {hi:g}{u}{hint}")
            user_value = float(user_value)
        attrs[key] = user_value
        attrs[f"{key}_source"] = "user"
        if _present(file_value) and _differs(user_value, file_value):
            attrs[f"{key}_file"] = file_value
        else:
            attrs.pop(f"{key}_file", None)
        return user_value
    if _present(file_value):
        attrs[key] = file_value
        attrs[f"{key}_source"] = "file"
        return file_value
    attrs.pop(key, None)
    attrs.pop(f"{key}_source", None)
    return None


def metadata_sources(attrs: Mapping[str, Any]) -> dict[str, str]:
    """``{key: "user" | "file"}`` for every resolved key in ``attrs``.

    Parameters
    ----------
    attrs : mapping

    Returns
    -------
    dict
    """
    return {k[: -len("_source")]: v for k, v in attrs.items()
            if k.endswith("_source") and v in ("user", "file") and k[: -len("_source")] in attrs}
