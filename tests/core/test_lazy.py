"""Lazy package exports: a function named like its submodule stays callable after import."""

import subprocess
import sys

import numpy as np
import pytest

SCRIPT = """
import importlib, sys
pkg, sub = sys.argv[1], sys.argv[2]
m = importlib.import_module(f"{pkg}.{sub}")        # the submodule first, as a user might
package = sys.modules[pkg]
attr = getattr(package, sub)
assert callable(attr), type(attr)
func = getattr(m, sub)
assert callable(func)
print("ok", type(attr).__name__)
"""


@pytest.mark.parametrize(("pkg", "sub"), [("echem", "dqdv"), ("echem", "gitt"),
                                          ("saxs", "invariant")])
def test_function_named_like_its_submodule_stays_callable(pkg, sub):
    # a fresh interpreter: in this one the submodules may already be imported
    out = subprocess.run([sys.executable, "-c", SCRIPT, pkg, sub], capture_output=True,
                         text=True, check=True)
    assert out.stdout.startswith("ok")


def test_callable_module_gives_the_functions_result():
    import echem
    import echem.dqdv  # the import that used to shadow the function
    from echem.synthetic import two_cycle_cell

    ds, _ = two_cycle_cell(seed=1)
    a = echem.dqdv(ds, cycle=1, half="desodiation")
    b = echem.dqdv.dqdv(ds, cycle=1, half="desodiation")
    assert np.allclose(a.curve["dqdv"].values, b.curve["dqdv"].values, equal_nan=True)
    assert echem.dqdv.stripping_peak is echem.stripping_peak


def test_callable_module_refuses_a_module_without_its_namesake():
    from charz._lazy import callable_module

    with pytest.raises(TypeError, match="defines no callable"):
        callable_module("charz._lazy")
