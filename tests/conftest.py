"""Shared fixtures.

Real instrument files live in two places:

- ``tests/data`` — small permissive files copied with attribution (``SOURCES.md``, licence
  texts in ``tests/data/LICENSES``);
- the shared data folder — GPL or unlicensed files read in place, never copied:
  ``$CHARZ_SHARED_DATA`` when set, else ``<repo>/../shared/data``. Tests that read it carry
  the ``shared_data`` marker (added automatically to tests that use the ``shared_data``
  fixture or get a shared file from ``data_file``) and are skipped where it is absent, e.g.
  in a user's clone.
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
    candidate = Path(env) if env else ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


SHARED_DATA = _shared_data_dir()
_SKIP_SHARED = ("the shared data folder is absent ($CHARZ_SHARED_DATA or ../shared/data: "
                "real GPL/unlicensed files are read there, never copied)")


def find_data_file(rel: str | Path) -> tuple[Path | None, bool]:
    """``(path, is_shared)`` of ``rel`` in tests/data, else in the shared data folder."""
    local = DATA / rel
    if local.exists():
        return local, False
    if SHARED_DATA is not None and (SHARED_DATA / rel).exists():
        return SHARED_DATA / rel, True
    return None, SHARED_DATA is None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.shared_data)


def pytest_runtest_setup(item):
    if SHARED_DATA is None and item.get_closest_marker("shared_data") is not None:
        pytest.skip(_SKIP_SHARED)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the shared real files; skips the test when it is absent."""
    if SHARED_DATA is None:
        pytest.skip(_SKIP_SHARED)
    return SHARED_DATA


@pytest.fixture
def data_file(request):
    """``data_file(rel) -> Path``: ``rel`` in tests/data, else in the shared data folder.

    A shared file marks the test ``shared_data``; a file found in neither place skips the
    test (with the reason).
    """

    def _data_file(rel: str | Path) -> Path:
        path, shared = find_data_file(rel)
        if path is None:
            pytest.skip(_SKIP_SHARED if shared else
                        f"{rel} is neither in tests/data nor in the shared data folder")
        if shared:
            request.node.add_marker(pytest.mark.shared_data)
        return path

    return _data_file


@pytest.fixture
def test_data() -> Path:
    """``tests/data`` (small permissive real files with SOURCES.md attribution)."""
    return DATA


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def operando_saxs_frames(tmp_path) -> tuple[Path, list[float]]:
    """Three operando SAXS frame files ``frames/op_000.dat`` ... taken 10 min apart (60 s
    exposures): a Porod term plus a Debye–Anderson–Brumberger term of correlation length
    0.45 nm whose scale is 8, 6 and 4 1/cm (the truth returned), σ = 1 %."""
    import numpy as np

    folder = tmp_path / "frames"
    folder.mkdir()
    q = np.geomspace(0.1, 8, 120)
    amplitudes = [8.0, 6.0, 4.0]
    for i, amp in enumerate(amplitudes):
        y = 2e-3 * q**-4 + amp / (1 + (0.45 * q) ** 2) ** 2 + 0.05
        (folder / f"op_{i:03d}.dat").write_text(
            f"# start_time: 2026-01-01T10:{10 * i:02d}:00+00:00\n# exposure_s: 60\n"
            "# q [1/nm]  I [1/cm]  sigma\n"
            + "\n".join(f"{a:.8e} {b:.8e} {0.01 * b:.8e}" for a, b in zip(q, y, strict=True)),
            encoding="utf-8")
    return folder, amplitudes
