"""Calls from converted code into the user's functions convert them too; library code is
called as it is. Plain Python, on concrete values, is the oracle."""

from __future__ import annotations

import ast
import asyncio
import functools
import linecache

import jax
import jax.numpy as jnp
import pytest

import autocond
from autocond import _library, _transpiler
from autocond.operators import calls
from tests.support import assert_matches_python

F = jnp.float32


def absolute(x):
    if x > 0:
        return x
    return -x


def shrink(x, n):
    for _ in range(n):
        x = absolute(x - 1.0)
    return x


def wraps_it(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@wraps_it
def decorated(x):
    return x * 2 if x > 1 else x


class Model:
    def __init__(self, scale):
        self.scale = scale

    def step(self, x):
        if x > 0:
            return x * self.scale
        return x

    @staticmethod
    def static(x):
        return x + 1 if x < 0 else x

    @classmethod
    def of_class(cls, x):
        while x > 3:
            x = x - 1
        return x


def factorial(n, x):
    if n == 0:
        return x
    return factorial(n - 1, x * n)


def module_function(x):
    return absolute(x) + shrink(x, 2)


def closure(x):
    scale = 2.0

    def inner(y):
        if y > scale:
            return y
        return y * scale

    return inner(x)


def lambda_inside(x):
    k = 3.0
    pick = lambda v: v * k if v > 0 else -v  # noqa: E731
    return pick(x) + pick(-x)


def partial_call(x):
    return functools.partial(shrink, n=3)(x)


def methods(x):
    m = Model(3.0)
    return m.step(x) + Model.static(x) + m.of_class(x) + Model.of_class(x + 1)


def decorated_call(x):
    return decorated(x)


def recursion(x):
    return factorial(4, x)


def comprehension(xs):
    return [absolute(x) if x < 1 else x * 2 for x in xs]


@pytest.mark.parametrize("fn", [module_function, closure, lambda_inside, partial_call, methods,
                                decorated_call, recursion])
@pytest.mark.parametrize("x", [-2.5, 0.5, 5.0])
def test_callee_with_traced_control_flow(fn, x):
    assert_matches_python(fn, F(x))


def test_comprehension_with_traced_conditionals():
    assert_matches_python(comprehension, [F(-2.0), F(0.5), F(3.0)])


def test_a_helper_called_from_two_jitted_functions_is_converted_once(monkeypatch):
    def first(x):
        return twice_called(x) + 1

    def second(x):
        return twice_called(x) * 2

    conversions = []
    convert_function = _transpiler.convert_function
    monkeypatch.setattr(_transpiler, "convert_function",
                        lambda fn: conversions.append(fn.__name__) or convert_function(fn))
    autocond.jit(first)(F(1.0))
    autocond.jit(second)(F(-1.0))
    assert conversions.count("twice_called") == 1


def twice_called(x):
    return x if x > 0 else -x


@pytest.mark.parametrize("fn", [jnp.linalg.norm, jax.nn.relu, functools.reduce, jnp.sin])
def test_library_functions_are_called_as_they_are(fn):
    assert calls.call(fn) is fn


def test_library_calls_are_left_alone_in_the_generated_code():
    def f(x):
        return jax.nn.relu(jnp.linalg.norm(x)) + absolute(x).sum()

    source = autocond.to_source(f)
    assert "jax.nn.relu(jnp.linalg.norm(x))" in source and "ac__.call(absolute)(x)" in source


def test_do_not_convert():
    @autocond.do_not_convert
    def kept(x):
        return x * 2

    assert calls.call(kept) is kept
    assert calls.call(absolute) is not absolute


def test_modules_excluded_and_included(monkeypatch):
    monkeypatch.setattr(_library, "_MODULES", {})
    autocond.do_not_convert(__name__)  # this test module: its functions are called as they are
    assert calls.call(absolute) is absolute
    autocond.convert_module(__name__ + ".nothing")  # a longer prefix, another module: no change
    assert calls.call(absolute) is absolute

    monkeypatch.setattr(_library, "_MODULES", {})
    monkeypatch.setattr(_library, "library_file", lambda filename: True)  # as if installed
    assert calls.call(absolute) is absolute
    autocond.convert_module(__name__.split(".")[0])  # the package: converted again
    assert calls.call(absolute) is not absolute
    assert_matches_python(module_function, F(-2.5))


def test_a_function_from_a_notebook_cell_converts():
    # IPython and Jupyter keep each cell's source in `linecache` under a name like this one.
    source = "def cell(x):\n    if x > 0:\n        return x\n    return -x\n"
    filename = "<ipython-input-7-0123456789ab>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        namespace = {}
        exec(compile(source, filename, "exec"), namespace)
        assert autocond.jit(namespace["cell"])(F(-2.0)) == 2.0
    finally:
        del linecache.cache[filename]


def test_a_function_from_exec_without_source_is_a_clear_error():
    namespace = {}
    exec("def nowhere(x):\n    return x if x > 0 else -x\n", namespace)
    with pytest.raises(autocond.errors.SourceError, match="cannot read the source of `nowhere`.*put the "
                                                          "function in a module"):
        autocond.jit(namespace["nowhere"])(F(-2.0))


def doubles(x, n):
    for k in range(n):
        yield x * k


def positives(x):
    for k in range(3):
        if x > k:  # needs x's value: a generator runs as plain Python
            yield x


async def magnitude(x):
    if x > 0:  # needs x's value: a coroutine runs as plain Python
        return x
    return -x


def sums_doubles(x):
    return sum(doubles(x, 3))


def sums_positives(x):
    return sum(positives(x))


def runs_magnitude(x):
    return asyncio.run(magnitude(x))


def test_a_generator_that_needs_no_traced_value_runs_as_python():
    assert_matches_python(sums_doubles, F(1.5))


@pytest.mark.parametrize("fn, message", [
    (sums_positives, r"`positives` \(.*test_calls.py:\d+\) is a generator function, which autocond "
                     r"cannot convert. It ran as plain Python, and its code at .*test_calls.py:\d+ needed "
                     r"the value of a traced array \(Attempted boolean conversion.*\). Collect its values"),
    (runs_magnitude, r"`magnitude` \(.*\) is an `async def` function.*its code at .*test_calls.py:\d+ "
                     r"needed the value of a traced array.*Make it a plain `def`"),
])
def test_a_generator_or_coroutine_that_needs_a_traced_value_is_a_clear_error(fn, message):
    with pytest.raises(autocond.errors.NotConvertedError, match=message):
        autocond.jit(fn)(F(1.0))


def test_a_helper_without_source_runs_as_python_and_is_a_clear_error_if_it_needs_a_traced_value():
    namespace = {}
    exec("def twice(x):\n    return 2 * x\n\ndef nowhere(x):\n    return x if x > 0 else -x\n",
         namespace)
    twice, nowhere = namespace["twice"], namespace["nowhere"]

    def calls_twice(x):
        return twice(x) + 1.0

    def calls_nowhere(x):
        return nowhere(x) + 1.0

    assert autocond.jit(calls_twice)(F(2.0)) == calls_twice(F(2.0)) == F(5.0)
    with pytest.raises(autocond.errors.NotConvertedError,
                       match=r"cannot read the source of `nowhere` \(<string>:4\).* It ran as plain "
                             r"Python, and its code at <string>:5 needed the value of a traced array"):
        autocond.jit(calls_nowhere)(F(2.0))


def _returns_through_a_nested_function(x):
    def first_above(y):  # its `return` in a loop with an `else` is its own, not the outer function's
        k = 0
        while k < 3:
            if y > k:
                return y
            k = k + 1
        else:
            y = -y
        return y

    for i in range(3):
        if x > i:
            return first_above(x)
    return x


@pytest.mark.parametrize("x", [-1.0, 0.5, 2.5, 5.0])
def test_a_nested_function_is_converted_when_called_not_with_the_outer_one(x):
    # The outer function's lowering of `return` left the nested one's loop `else` under its
    # flag: that made the nested function look converted, so it never was (a traced `if` in it
    # raised TracerBoolConversionError). Found by the property tests.
    assert_matches_python(_returns_through_a_nested_function, F(x))
    tree = ast.parse(_transpiler.converted_source(_returns_through_a_nested_function))
    nested = ast.unparse(next(n for n in ast.walk(tree)
                              if isinstance(n, ast.FunctionDef) and n.name == "first_above"))
    assert "ac__" not in nested and "do_return" not in nested, nested
