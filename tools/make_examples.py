"""Regenerate charz's embedded example data: ``python tools/make_examples.py``.

Runs ``generate(data_dir) -> dict`` of every ``tools/examples_*.py`` module (the HC-demo
forward models first; technique packages may add their own modules) and writes the merged
truth (the known parameters) to ``charz/examples/data/truth.json``. Deterministic: the same
files come out every time.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "charz" / "examples" / "data"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = mod
    spec.loader.exec_module(mod)
    return mod


def main() -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    here = Path(__file__).parent
    modules = [here / "examples_hcdemo.py"] + sorted(
        p for p in here.glob("examples_*.py") if p.name != "examples_hcdemo.py"
    )
    truth: dict = {}
    for path in modules:
        part = _load(path).generate(DATA)
        if path.name == "examples_hcdemo.py":
            truth.update(part)
        else:
            key = path.stem.removeprefix("examples_")
            truth.setdefault(key, {})
            if isinstance(truth[key], dict):
                truth[key].update(part)
            else:
                truth[key] = part
        print(f"{path.name}: ok")
    (DATA / "truth.json").write_text(json.dumps(truth, indent=1, default=float) + "\n",
                                     encoding="utf-8")
    print(f"wrote {DATA / 'truth.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
