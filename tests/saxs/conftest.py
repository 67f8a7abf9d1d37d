"""Fixtures of the SAXS tests."""

from __future__ import annotations

from pathlib import Path

import pytest

LOCAL = Path(__file__).resolve().parents[1] / "data" / "saxs"


@pytest.fixture
def find(request):
    """Path of a SasView file: the BSD copy in tests/data/saxs, else ../shared/data/saxs."""

    def _find(rel: str) -> Path:
        local = LOCAL / Path(rel).name
        if local.exists():
            return local
        return request.getfixturevalue("shared_data") / "saxs" / rel

    return _find
