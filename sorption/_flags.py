"""Flags every sorption result carries (see :mod:`charz.flags`).

:func:`assumed_flags` turns what a reader had to assume (``attrs["assumed"]``: an amount
unit, the adsorptive, the bath temperature) into ``assumed:<what>`` flags; every
Measurement computed from that isotherm carries them, since each of those inputs changes
the number.
"""

from __future__ import annotations

from typing import Any

from charz.flags import assumed

__all__ = ["assumed_flags"]

#: Notes that record a format's own convention, not a guess (AIF loadings are per gram).
_CONVENTIONS = ("loading unit",)

_WHAT = (  # (start of the reader's note, flag detail)
    ("amount", "amount_unit"),
    ("adsorbate", "adsorbate"),
    ("adsorptive", "adsorbate"),
    ("temperature", "temperature"),
    ("bath temperature", "temperature"),
)


def assumed_flags(isotherm: Any) -> tuple[str, ...]:
    """``assumed:<what>`` for each metadata item the reader assumed (empty when none)."""
    notes = getattr(isotherm, "attrs", {}).get("assumed") or ()
    if isinstance(notes, str):
        notes = (notes,)
    out: list[str] = []
    for note in notes:
        text = str(note).strip().lower()
        if text.startswith(_CONVENTIONS):
            continue
        what = next((w for start, w in _WHAT if text.startswith(start)), "metadata")
        flag = assumed(what)
        if flag not in out:
            out.append(flag)
    return tuple(out)


def span(lo: float, hi: float, fmt: str = "g") -> str:
    """``"0.05–0.3"``, or one number when both ends print alike (``"0.1"``, not ``"0.1–0.1"``)."""
    a, b = format(lo, fmt), format(hi, fmt)
    return a if a == b else f"{a}–{b}"
