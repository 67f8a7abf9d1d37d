"""Shared fixtures.

``shared_data`` points at ``../shared/data`` (real instrument files that are GPL or carry no
licence, so they are read in place and never copied into the project). Tests that use it
are skipped where that folder is absent, e.g. in a user's clone.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def _shared_data_dir() -> Path | None:
    env = os.environ.get("CHARZ_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared" / "data", Path("/work/shared/data")]
    for c in candidates:
        if c.is_dir():
            return c
    return None


SHARED_DATA = _shared_data_dir()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the shared real files; skips the test when it is absent."""
    if SHARED_DATA is None:
        pytest.skip("../shared/data is not present (real GPL/unlicensed files live there)")
    return SHARED_DATA


@pytest.fixture
def test_data() -> Path:
    """``tests/data`` (small permissive real files with SOURCES.md attribution)."""
    return DATA


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
