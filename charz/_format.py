"""Number formatting shared by reprs, tables and the CLI (no pandas: imported by the record)."""

from __future__ import annotations

import math
from typing import Literal

from charz._validation import check_choice

__all__ = ["format_uncertainty"]


def _decimals_for_sig(x: float, sig: int) -> int:
    if x == 0:
        return sig - 1
    return sig - 1 - math.floor(math.log10(abs(x)))


def _fmt_fixed(x: float, decimals: int) -> str:
    if decimals >= 0:
        s = f"{x:.{decimals}f}"
    else:
        q = 10 ** (-decimals)
        s = f"{round(x / q) * q:.0f}"
    return "0" + s[2:] if s.startswith("-0") and float(s) == 0 else s


def format_uncertainty(
    value: float,
    stderr: float | None,
    *,
    style: Literal["parentheses", "pm"] = "parentheses",
    sig: int = 4,
) -> str:
    """Format a value with its standard error as a journal prints it.

    Parameters
    ----------
    value : float
        The value.
    stderr : float or None
        One standard error; None or 0 prints the value alone with ``sig`` significant
        digits.
    style : {'parentheses', 'pm'}
        ``0.381(2)`` (concise notation) or ``0.381 ± 0.002``.
    sig : int
        Significant digits of a value that has no uncertainty.

    Returns
    -------
    str

    Notes
    -----
    The uncertainty keeps one significant digit, two when its leading digit is 1 (so that
    0.0014 is not rounded to 0.001, a 30 % change); the value is rounded to the same
    decimal place. E.g. (0.3812, 0.0017) → ``0.3812(17)``; (1234.5, 27) → ``1230(30)``.

    Examples
    --------
    >>> format_uncertainty(0.381, 0.002)
    '0.381(2)'
    >>> format_uncertainty(0.381, 0.002, style="pm")
    '0.381 ± 0.002'
    """
    style = check_choice("style", style, ("parentheses", "pm"))
    if not math.isfinite(value):
        return "–"
    if stderr is None or not math.isfinite(stderr) or stderr <= 0:
        return _fmt_fixed(value, max(_decimals_for_sig(value, sig), 0))
    exp = math.floor(math.log10(stderr))
    nsig = 2 if stderr / 10**exp < 2 else 1
    decimals = nsig - 1 - exp
    u = round(stderr, decimals)
    # rounding can carry into the next decade (0.0096 → 0.010): recompute once
    exp2 = math.floor(math.log10(u))
    if exp2 != exp:
        nsig = 2 if u / 10**exp2 < 2 else 1
        decimals = nsig - 1 - exp2
        u = round(u, decimals)
    v = _fmt_fixed(value, decimals)
    if style == "pm":
        return f"{v} ± {_fmt_fixed(u, decimals)}"
    digits = round(u * 10**decimals) if decimals > 0 else round(u)
    return f"{v}({digits})"
