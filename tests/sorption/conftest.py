"""Fixtures of the sorption tests.

A real file is taken from ``tests/data/sorption`` (small MIT files copied with attribution),
else from the shared data folder (read in place, see ``data_file`` in tests/conftest.py);
else the test is skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def sorption_path(data_file):
    """``sorption_path(rel) -> Path`` of ``sorption/<rel>`` (see ``data_file``)."""

    def _sorption_path(rel: str) -> Path:
        return data_file(f"sorption/{rel}")

    return _sorption_path


@pytest.fixture
def betsi_dir(data_file) -> Path:
    """Folder of the BETSI test isotherms (local copy, else shared), or skip."""
    return data_file("sorption/betsi")
