"""One number parser for every reader.

Instrument exports write numbers in many ways: ``1,5`` (decimal comma), ``1.234,5`` and
``1,234.5`` (thousands), ``532nm`` and ``0.15406 nm`` (a unit stuck to the number),
``−0.5`` (a Unicode minus), ``NaN``, ``n/a``, ``---``. :func:`parse_number` reads them all;
by default it is strict (a plain number with ``.`` or ``,`` as the decimal mark, the rule
that table detection relies on), with ``lenient=True`` it accepts the rest.
"""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["NAN_WORDS", "parse_number", "parse_numbers", "split_number_unit", "to_float"]

#: Spellings of "no value" (case ignored) that ``lenient`` parsing reads as NaN.
NAN_WORDS = frozenset({
    "nan", "-nan", "+nan", "na", "n/a", "n.a.", "#n/a", "#na", "null", "none", "-", "--",
    "---", "?", "", "#value!", "#div/0!", "nd", "n.d.", "missing", "inf?",
})

_INF_WORDS = {"inf": math.inf, "+inf": math.inf, "infinity": math.inf, "-inf": -math.inf,
              "-infinity": -math.inf, "∞": math.inf, "-∞": -math.inf}

_MINUS = str.maketrans({"−": "-", "–": "-", "‒": "-", "\u00a0": " ", "\u202f": " ",
                        "＋": "+", "，": ","})
#: a number (any of the separators) followed by an optional unit
_LEAD = re.compile(
    r"^\s*(?P<num>[-+]?(?:\d[\d.,' ]*\d|\d)?(?:[.,]\d+)?(?:[eE][-+]?\d+)?)\s*(?P<unit>.*?)\s*$"
)


def _normalise_separators(t: str, decimal: str) -> str:
    """Remove thousands separators and make ``.`` the decimal mark."""
    t = t.replace("'", "").replace(" ", "")
    if decimal == ",":
        return t.replace(".", "").replace(",", ".")
    if decimal == ".":
        return t.replace(",", "")
    # auto: the last of '.' and ',' is the decimal mark when both appear; a lone ',' is a
    # decimal mark unless it groups exactly three digits more than once (1,234,567)
    has_dot, has_comma = "." in t, "," in t
    if has_dot and has_comma:
        dec = "." if t.rfind(".") > t.rfind(",") else ","
        return _normalise_separators(t, dec)
    if has_comma:
        groups = t.lstrip("+-").split(",")
        thousands = len(groups) > 2 and all(len(g) == 3 for g in groups[1:])
        return t.replace(",", "") if thousands else t.replace(",", ".")
    if t.count(".") > 1:  # 1.234.567
        return t.replace(".", "")
    return t


def parse_number(text: str | bytes | float | int, *, decimal: str = ".",
                 lenient: bool = False) -> float:
    """Parse a number written by an instrument or a spreadsheet.

    Parameters
    ----------
    text : str, bytes or number
        The field (numbers are returned as float).
    decimal : {'.', ',', 'auto'}
        The decimal mark. With ``','`` a single comma is the decimal mark and dots are
        thousands separators (``1.234,5``). ``'auto'`` decides per value (the last of ``.``
        and ``,`` is the decimal mark; ``1,234,567`` groups thousands).
    lenient : bool
        Also accept thousands separators (``1,234.5``, ``1 234,5``, ``1'234``), a unit or
        other text after the number (``532nm``, ``0.15406 nm``, ``25 °C``), a Unicode minus,
        surrounding quotes, infinity words, and the words of :data:`NAN_WORDS` (NaN).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Not a number (strict), or no leading number (lenient).

    Examples
    --------
    >>> parse_number("1,5", decimal=",")
    1.5
    >>> parse_number("1.234,5 mAh/g", decimal="auto", lenient=True)
    1234.5
    >>> parse_number("532nm", lenient=True)
    532.0
    """
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        return float(text)
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    t = str(text).strip()
    if not lenient:
        if decimal == ",":
            t = t.replace(".", "").replace(",", ".") if t.count(",") == 1 else t.replace(",", ".")
        elif decimal == "auto":
            t = _normalise_separators(t, "auto")
        return float(t)
    t = t.translate(_MINUS).strip().strip("\"'").strip()
    low = t.lower()
    if low in NAN_WORDS:
        return math.nan
    if low in _INF_WORDS:
        return _INF_WORDS[low]
    m = _LEAD.match(t)
    num = m.group("num") if m else ""
    if not num or not any(c.isdigit() for c in num):
        raise ValueError(f"no number in {text!r}")
    # "1 234" is a grouped number; "12 34" (two fields) is not: spaces only group thousands
    if " " in num and not re.fullmatch(r"[-+]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?(?:[eE][-+]?\d+)?",
                                       num):
        num = num.split(" ", 1)[0]
    if decimal == "." and "," in num and "." not in num:
        decimal = "auto"  # a lone comma in a lenient field: decide from the grouping
    return float(_normalise_separators(num, decimal))


def parse_numbers(fields: list[str] | tuple[str, ...], *, decimal: str = ".",
                  lenient: bool = False) -> np.ndarray:
    """Parse several fields with :func:`parse_number` into a float array.

    Parameters
    ----------
    fields : sequence of str
    decimal : {'.', ',', 'auto'}
    lenient : bool

    Returns
    -------
    ndarray
    """
    return np.array([parse_number(f, decimal=decimal, lenient=lenient) for f in fields],
                    dtype=float)


def split_number_unit(text: str, *, decimal: str = "auto") -> tuple[float, str]:
    """Split ``"0.15406 nm"`` / ``"532nm"`` / ``"12,5 mg"`` into (value, unit text).

    Parameters
    ----------
    text : str
    decimal : {'.', ',', 'auto'}

    Returns
    -------
    (float, str)
        The number (NaN for a NaN word) and what follows it, stripped (``""`` if nothing).

    Raises
    ------
    ValueError
        No leading number.
    """
    t = str(text).translate(_MINUS).strip().strip("\"'").strip()
    value = parse_number(t, decimal=decimal, lenient=True)
    m = _LEAD.match(t)
    unit = m.group("unit") if m and m.group("num") else ""
    return value, unit.strip()


def to_float(value: object, default: float | None = None) -> float | None:
    """A header value as a float, or ``default`` when it is absent or not a number.

    Lenient (see :func:`parse_number`): quotes, units and thousands separators are read;
    NaN words, empty text and None give ``default``.

    Parameters
    ----------
    value : object
        Text, a number or None.
    default : float or None
        Returned when there is no number.

    Returns
    -------
    float or None
    """
    if value is None:
        return default
    try:
        v = parse_number(value if isinstance(value, (str, bytes, int, float)) else str(value),
                         lenient=True)
    except ValueError:
        return default
    return default if math.isnan(v) else v
