"""Fixtures of the sorption tests.

A real file is taken from ``tests/data/sorption`` (small MIT files copied with attribution),
else from the shared data folder (read in place); else the test is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "tests" / "data" / "sorption"


def _shared() -> Path | None:
    env = os.environ.get("CHARZ_SHARED_DATA")
    for c in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "data",
                                             Path("/work/shared/data")]:
        if (c / "sorption").is_dir():
            return c / "sorption"
    return None


SHARED = _shared()


def sorption_file(rel: str) -> Path:
    """Path of ``rel`` (relative to the sorption data folder) or skip the test."""
    for base in (LOCAL, SHARED):
        if base is not None and (base / rel).exists():
            return base / rel
    pytest.skip(f"{rel} is neither in tests/data/sorption nor in the shared data folder")
    raise AssertionError  # unreachable


@pytest.fixture
def sorption_path():
    """``sorption_path(rel) -> Path`` (see :func:`sorption_file`)."""
    return sorption_file


@pytest.fixture
def betsi_dir() -> Path:
    """Folder of the BETSI test isotherms (local copy, else shared), or skip."""
    for base in (LOCAL, SHARED):
        if base is not None and (base / "betsi").is_dir():
            return base / "betsi"
    pytest.skip("BETSI files absent")
    raise AssertionError  # unreachable
