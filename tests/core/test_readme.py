"""The README's Python blocks run as written, in order, in one namespace (as a user pastes them)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    out = []
    for match in re.finditer(r"^```python\n(.*?)^```", text, flags=re.S | re.M):
        line = text.count("\n", 0, match.start()) + 1
        out.append((line, match.group(1)))
    return out


def test_readme_has_python_blocks():
    assert len(_blocks()) >= 2


def test_readme_python_blocks_run_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for line, code in _blocks():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # a user sees them printed; here they are noise
            try:
                exec(compile(code, f"README.md:{line}", "exec"), namespace)
            except Exception as exc:  # name the block that broke
                pytest.fail(f"README.md python block at line {line} fails: "
                            f"{type(exc).__name__}: {exc}")
    # the tour writes the tables it promises
    assert (tmp_path / "tour-out" / "table.csv").exists()
