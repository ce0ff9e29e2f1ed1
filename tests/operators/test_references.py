"""Every operator whose docstring gives its Python semantics as code is tested against it."""

from __future__ import annotations

import importlib
import inspect
import pathlib
import pkgutil

import pytest

from autocond import operators
from tests.operators.support import reference


def _with_references():
    for info in pkgutil.iter_modules(operators.__path__):
        module = importlib.import_module(f"{operators.__name__}.{info.name}")
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and "::" in (fn.__doc__ or ""):
                yield pytest.param(info.name, fn, id=f"{info.name}.{name}")


@pytest.mark.parametrize("module, op", list(_with_references()))
def test_the_reference_runs_and_a_test_checks_the_operator_against_it(module, op):
    assert inspect.isfunction(reference(op))
    tests = pathlib.Path(__file__).parent / f"test_{module}.py"
    assert f"{module}.{op.__name__}" in tests.read_text(), f"no test of `{op.__name__}` in {tests.name}"
