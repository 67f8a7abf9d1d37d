"""Option checks at the public boundary: one place that raises :class:`~charz.errors.OptionError`.

Validate once where an option enters (a public function or a CLI handler), then trust it.
Each check returns the (normalised) value, so it reads as an assignment::

    shape = check_choice("shape", shape, ("pseudo_voigt", "gaussian", "lorentzian"))
    window = check_window("window", window, flag="--window")

Messages name the option the user typed: the CLI flag when one is given (``--bet-range``),
else the keyword (``p_range=``), then the value got and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from charz.errors import OptionError

__all__ = ["check_choice", "check_number", "check_window", "option_needs"]


def _name(name: str, flag: str | None) -> str:
    return flag if flag else f"{name}="


def check_choice(name: str, value: Any, choices: Iterable[Any], *,
                 flag: str | None = None) -> Any:
    """Return ``value`` if it is one of ``choices``; strings are compared case-insensitively.

    Raises
    ------
    OptionError
        Naming the option, the value got and the allowed values.
    """
    options = list(choices)
    if isinstance(value, str):
        for c in options:
            if isinstance(c, str) and c.lower() == value.lower():
                return c
    elif value in options:
        return value
    allowed = ", ".join(repr(c) for c in options)
    raise OptionError(f"{_name(name, flag)} got {value!r}; expected one of {allowed}")


def check_number(name: str, value: Any, *, lo: float = -math.inf, hi: float = math.inf,
                 inclusive: bool = True, flag: str | None = None) -> float:
    """Return ``value`` as a finite float within ``[lo, hi]`` (or ``(lo, hi)``).

    Raises
    ------
    OptionError
        Not a number, not finite, or out of range.
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise OptionError(f"{_name(name, flag)} got {value!r}; expected a number") from None
    inside = (lo <= x <= hi) if inclusive else (lo < x < hi)
    if not math.isfinite(x) or not inside:
        left, right = ("[", "]") if inclusive else ("(", ")")
        raise OptionError(f"{_name(name, flag)} got {value!r}; expected a finite number in "
                          f"{left}{lo:g}, {hi:g}{right}")
    return x


def check_window(name: str, window: Any, *, flag: str | None = None) -> tuple[float, float]:
    """Return ``(lo, hi)``: two finite numbers with lo < hi (an axis range, in axis units).

    Raises
    ------
    OptionError
        Not two numbers, not finite, or not increasing.
    """
    try:
        lo, hi = (float(v) for v in window)
    except (TypeError, ValueError):
        raise OptionError(f"{_name(name, flag)} got {window!r}; expected two numbers "
                          "(lo, hi)") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise OptionError(f"{_name(name, flag)} got ({lo:g}, {hi:g}); expected finite "
                          "numbers with lo < hi")
    return lo, hi


def option_needs(name: str, value: Any, needed: str, have: Any, *,
                 flag: str | None = None) -> None:
    """Raise when an option is given but cannot take effect because ``needed`` is missing.

    Parameters
    ----------
    name : str
        The option (keyword name).
    value : object
        Its value; None means not given, and nothing is checked.
    needed : str
        What it needs, as the user would supply it (``"--laser or a file with one"``).
    have : object
        The needed value; None means absent.
    flag : str, optional
        The CLI flag of the option.

    Raises
    ------
    OptionError
        ``value`` is given and ``have`` is None: an option is never silently ignored.
    """
    if value is not None and have is None:
        raise OptionError(f"{_name(name, flag)} {value!r} cannot take effect without {needed}")
