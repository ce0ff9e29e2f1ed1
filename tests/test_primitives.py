"""The JAX internals autocond uses to trace each construct once, and the public fallback."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import pytest

import autocond
from autocond.operators import primitives
from tests.support import assert_matches_python
from tests.support import primitives as primitives_of


def test_jax_internals_give_the_jaxprs_the_public_functions_give():
    assert primitives.internals(), (
        f"jax {jax.__version__} changed the internals autocond/operators/primitives.py uses "
        "(its probe failed): autocond now traces every construct twice through public `lax` "
        "(still correct, slower). Update primitives.py for this release.")


def closure_and_passthrough(x, y):
    scale = jnp.sum(y)  # a value of the enclosing trace both branches read
    if x[0] > 0:
        x = x * scale
    else:
        x = x - scale
    return x, y  # `y` passes through


def promoted(x):
    if x[0] > 0:
        y = 1
    else:
        y = x[1] * 2.0  # the int and the float merge as a float
    return y


def chain(x):
    if x[0] > 1:
        y = x * 2
    elif x[0] > 0:
        y = x + 1
    else:
        y = -x
    return y


def loop_with_branches(x):
    total = jnp.zeros(())
    for v in x:
        if v > 0:
            total = total + v
        else:
            total = total - 1.0
    return total


@pytest.mark.parametrize("internals", [True, False], ids=["internals", "public fallback"])
@pytest.mark.parametrize("fn, args", [
    (closure_and_passthrough, (jnp.array([1.0, 2.0]), jnp.array([3.0]))),
    (closure_and_passthrough, (jnp.array([-1.0, 2.0]), jnp.array([3.0]))),
    (promoted, (jnp.array([1.0, 2.0]),)),
    (promoted, (jnp.array([-1.0, 2.0]),)),
    (chain, (jnp.array([2.0]),)),
    (chain, (jnp.array([0.5]),)),
    (chain, (jnp.array([-3.0]),)),
    (loop_with_branches, (jnp.array([1.0, -2.0, 3.0, 0.5, -1.0, 2.0]),)),
])
def test_constructs_match_python_with_internals_or_the_public_fallback(monkeypatch, internals, fn, args):
    monkeypatch.setattr(primitives, "internals", lambda: internals)
    assert_matches_python(fn, *args)


def _traces(monkeypatch, fn, *args) -> tuple[int, int, int]:
    """Tracing `fn`, converted: how many functions are traced to jaxprs, the equations
    those traces bind, and the equations of the branches and bodies of the result."""
    count = bound = 0
    trace = primitives._trace

    def counted(*a):
        nonlocal count, bound
        jaxpr = trace(*a)
        count, bound = count + 1, bound + len(jaxpr.eqns)
        return jaxpr

    monkeypatch.setattr(primitives, "_trace", counted)
    converted = autocond.convert(fn)
    jaxpr = jax.make_jaxpr(lambda *a: converted(*a))(*args)  # a new function: not traced before
    inner = len(primitives_of(jaxpr.jaxpr)) - len(jaxpr.eqns)
    return count, bound, inner


@pytest.mark.parametrize("fn, traces", [
    (closure_and_passthrough, 2),
    (chain, 4),  # two nested `if`s, two branches each
    (promoted, 3),  # and the cast of the Python int `1` the `cond` gives as a float
    (loop_with_branches, 4),  # the body, its branches, and the constant `-1.0` cast
])
def test_every_equation_is_traced_once(monkeypatch, fn, traces):
    x = jnp.array([1.0, 2.0])
    count, bound, inner = _traces(monkeypatch, fn, *(x,) * len(inspect.signature(fn).parameters))
    assert count == traces and bound == inner
