"""Novonix HPC CSV (``[Summary]``, ``[Protocol]``, ``[Data]``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from charz.errors import CorruptFileError
from charz.io import decode_text, register_reader
from echem.io._dataset import CyclerDataError
from echem.io._tables import _frame_to_dataset


def _sniff_novonix(path: Path, head: bytes) -> bool:
    text = decode_text(head)
    return text.lstrip().startswith("[Summary]") and "Novonix" in text[:500]


@register_reader(".csv", technique="echem", sniff=_sniff_novonix)
def read_novonix_csv(path: Path, *, mass_mg: float | None = None, tz: str | None = None
                     ) -> xr.Dataset:
    """Read a Novonix HPC CSV (``[Summary]``, ``[Protocol]``, then ``[Data]``).

    ``Run Time (h)`` → s, ``Current (A)`` → mA, ``Capacity (Ah)`` → mA*h; ``Date and
    Time`` is local time (give ``tz`` for timestamps). The summary's ``Mass (g)`` is not
    used (it defaults to 1.000 g): give ``mass_mg``.
    """
    from io import StringIO

    text = decode_text(path.read_bytes(), name=path.name)
    lines = text.splitlines()
    try:
        k = next(n for n, ln in enumerate(lines) if ln.strip() == "[Data]")
    except StopIteration:
        raise CorruptFileError(f"{path.name}: Novonix file without a [Data] section") from None
    body = [ln.strip().strip('"') for ln in lines[k + 1:] if ln.strip()]
    if len(body) < 2:
        raise CyclerDataError(f"{path.name}: the [Data] section has no rows")
    df = pd.read_csv(StringIO("\n".join(body)))
    return _frame_to_dataset(df, path.name, mass_mg=mass_mg, file_mass=None, tz=tz,
                             instrument="Novonix HPC (CSV)")
