"""The JAX internals autocond uses to trace each construct once, and the public fallback."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

import autocond
from autocond.operators import primitives
from tests.support import assert_matches_python


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


def _traces(monkeypatch, fn, *args) -> int:
    """How many times tracing `fn`, converted, traces a function to a jaxpr."""
    count = 0
    trace = primitives._trace

    def counted(*a):
        nonlocal count
        count += 1
        return trace(*a)

    monkeypatch.setattr(primitives, "_trace", counted)
    converted = autocond.convert(fn)
    jax.make_jaxpr(lambda *a: converted(*a))(*args)  # a new function: not traced before
    return count


def test_each_branch_is_traced_once(monkeypatch):
    x = jnp.array([1.0, 2.0])
    assert _traces(monkeypatch, closure_and_passthrough, x, x) == 2
    assert _traces(monkeypatch, chain, x) == 4  # two nested `if`s, two branches each


def test_a_branch_whose_outputs_need_a_cast_is_traced_again(monkeypatch):
    # `y = 1` gives a Python int the `cond` must produce as a float: that branch twice.
    assert _traces(monkeypatch, promoted, jnp.array([1.0, 2.0])) == 3
