"""`operators.loops`: `while_stmt` and `for_stmt` against their docstrings' Python, for zero,
one and many iterations."""

from __future__ import annotations

import jax.numpy as jnp
import pytest

from autocond.operators import loops
from tests.operators.support import assert_as_reference

_TRIPS = pytest.mark.parametrize("n", [0, 1, 5], ids=["zero", "one", "many"])


@_TRIPS
def test_while_stmt(n):
    def args(n, x):
        return (lambda i, x: i < n, lambda i, x: (i + 1, x * 2), (jnp.int32(0), x), ("i", "x"))

    assert_as_reference(loops.while_stmt, args, jnp.int32(n), jnp.float32(1.5))


@_TRIPS
def test_while_stmt_stops_on_a_flag(n):
    def args(n, x):  # `break` once `x` passes 4
        return (lambda stop, i, x: i < n, lambda stop, i, x: (x * 2 > 4, i + 1, x * 2),
                (False, jnp.int32(0), x), ("stop", "i", "x"), ("stop",))

    assert_as_reference(loops.while_stmt, args, jnp.int32(n), jnp.float32(1.5))


@_TRIPS
def test_for_stmt_over_a_range(n):
    def args(n, x):
        return (loops.range_(range, n), lambda i, x: x * 2 + i, (x,), ("x",))

    assert_as_reference(loops.for_stmt, args, jnp.int32(n), jnp.float32(1.5),
                        reference_args=lambda n, x: (range(int(n)), *args(n, x)[1:]))


@_TRIPS
def test_for_stmt_over_an_array(n):
    assert_as_reference(loops.for_stmt, lambda xs, x: (xs, lambda row, x: x + row.sum(), (x,), ("x",)),
                        jnp.arange(3.0 * n).reshape(n, 3), jnp.float32(1.5))


@_TRIPS
def test_for_stmt_stops_on_a_flag(n):
    def args(n, x):
        body = lambda i, stop, x: (i >= 2, x + i)  # `break` after the third trip
        return (loops.range_(range, n), body, (False, x), ("stop", "x"), ("stop",))

    assert_as_reference(loops.for_stmt, args, jnp.int32(n), jnp.float32(1.5),
                        reference_args=lambda n, x: (range(int(n)), *args(n, x)[1:]))
